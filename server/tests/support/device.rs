//! One simulated device: the app's storage (`MemoryStore`), its records (`Repository`), its side of sync
//! (`SyncEngine`) and a clock that can be days wrong, speaking the real JSON protocol through [`Net`].

use std::collections::BTreeSet;
use std::rc::Rc;

use axum::http::{Method, StatusCode};
use waymark_core::sync::change::Change;
use waymark_core::sync::codes::{RecoveryCode, SyncCode};
use waymark_core::sync::engine::{Incoming, Membership, Pulled, SyncEngine};
use waymark_core::sync::keys;
use waymark_core::sync::protocol::{
    ChangePassphrase, CreateSpace, Credential, Id, JoinSpace, Joined, KdfInfo, KdfParams,
    PullResponse, PushChange, PushRequest, PushResponse, id_from_random_bytes, is_id,
};
use waymark_core::{KeyValueStore, MemoryStore, Record, RecordKind, Repository, Saved, Timestamp};

use super::crypto;
use super::net::{Lost, Net, Reply};
use super::{Rng, b64, real_now_ms, unb64};

/// A space's secrets as its devices derive them: the passphrase stretched once with Argon2id at the minimum
/// parameters (as the app does; the joining devices reuse the result rather than stretching again, which only
/// costs time), and the recovery code's secrets.
#[derive(Clone, Debug)]
pub struct SpaceSecrets {
    pub space_id: Id,
    pub kdf: KdfParams,
    pub passphrase: keys::Secrets,
    pub recovery_code: RecoveryCode,
    pub recovery: keys::Secrets,
}

impl SpaceSecrets {
    pub fn new(rng: &mut Rng, passphrase: &str) -> Self {
        let space_id = id_from_random_bytes(rng.bytes());
        let kdf = keys::new_kdf_params(rng.bytes());
        let passphrase = keys::stretch_passphrase(passphrase, &kdf).expect("stretch");
        let recovery_code = RecoveryCode::generate(rng.bytes());
        let recovery = keys::recovery_secrets(&recovery_code, &space_id);
        SpaceSecrets {
            space_id,
            kdf,
            passphrase,
            recovery_code,
            recovery,
        }
    }

    pub fn for_credential(&self, credential: Credential) -> &keys::Secrets {
        match credential {
            Credential::Passphrase => &self.passphrase,
            Credential::RecoveryCode => &self.recovery,
        }
    }
}

/// Why a sync stopped early.
#[derive(Debug)]
pub enum SyncError {
    /// An answer was lost: try again later.
    Lost,
    /// The server said no.
    Refused(Reply),
}

impl From<Lost> for SyncError {
    fn from(_: Lost) -> Self {
        SyncError::Lost
    }
}

/// What one sync did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Synced {
    pub pushed: usize,
    pub pulled: usize,
    pub quarantined: usize,
    pub pages: usize,
}

pub struct Device {
    pub name: String,
    pub store: Rc<MemoryStore>,
    pub engine: SyncEngine<Rc<MemoryStore>>,
    pub repo: Repository<Rc<MemoryStore>>,
    /// The data key, once in a space.
    pub key: Option<[u8; 32]>,
    /// How wrong this device's clock is (ms, may change while it is offline).
    pub skew_ms: i64,
    /// `limit` for pulls (`None`: the server's default).
    pub pull_limit: Option<u32>,
    /// The most changes sent in one push.
    pub push_batch: usize,
    pub offline: bool,
    /// Every change id this device ever queued, to check that none is lost on the way.
    pub queued: BTreeSet<Id>,
    /// Ids sent in pushes whose answers were lost: each must be sent again, with the same id.
    pub unanswered: BTreeSet<Id>,
    /// Ids still in the outbox when the device left the space (turning sync off drops the outbox; turning it on
    /// again queues every record whole): each may or may not have reached the server.
    pub abandoned: BTreeSet<Id>,
    pub retried: usize,
    pub edits_during_sync: usize,
    /// Own changes pulled back before their lost push answer was retried.
    pub pulled_back_unanswered: usize,
}

impl Device {
    /// A device with empty storage; `seed` draws its change ids.
    pub fn new(
        name: &str,
        seed: u64,
        skew_ms: i64,
        pull_limit: Option<u32>,
        push_batch: usize,
    ) -> Self {
        let store = Rc::new(MemoryStore::new());
        let mut ids = Rng::new(seed);
        Device {
            name: name.to_owned(),
            engine: SyncEngine::new(store.clone(), move || ids.bytes()),
            repo: Repository::new(store.clone()),
            store,
            key: None,
            skew_ms,
            pull_limit,
            push_batch,
            offline: false,
            queued: BTreeSet::new(),
            unanswered: BTreeSet::new(),
            abandoned: BTreeSet::new(),
            retried: 0,
            edits_during_sync: 0,
            pulled_back_unanswered: 0,
        }
    }

    /// This device's clock (possibly days wrong).
    pub fn local_now(&self) -> Timestamp {
        Timestamp(real_now_ms() + self.skew_ms)
    }

    pub fn membership(&self) -> Membership {
        self.engine
            .membership()
            .expect("storage works")
            .unwrap_or_else(|| panic!("{} is not in a space", self.name))
    }

    /// Loads every record of one kind, as the app does at start-up.
    pub fn load<K: RecordKind>(&self) -> Vec<Record<K>> {
        let loaded = self.repo.load_all::<K>(self.local_now());
        assert!(
            loaded.problems.is_empty(),
            "{}: problems loading {}: {:?}",
            self.name,
            K::KIND,
            loaded.problems
        );
        loaded.records
    }

    /// Saves a record as the app does: through the repository, then tells the sync engine.
    pub fn save<K: RecordKind>(&mut self, after: &Record<K>) {
        let now = self.local_now();
        match self.repo.save(after, now).expect("save") {
            Saved::Written => {}
            Saved::KeptNewer(kept) => panic!("{}: save kept a newer copy {kept:?}", self.name),
        }
        self.engine
            .record_local_save(after, now)
            .expect("record_local_save");
        self.note_outbox();
    }

    /// Remembers every change id now waiting in the outbox.
    pub fn note_outbox(&mut self) {
        for change in self.engine.outbox().expect("outbox") {
            self.queued.insert(change.id);
        }
    }

    fn record_offset(&self, server_time: i64, asked_at: Timestamp) {
        self.engine
            .update_membership(|m| m.clock_offset_ms = server_time - asked_at.0)
            .expect("update membership");
    }

    /// Sets up a space (this is the first device) and joins it.
    pub async fn create_space(
        &mut self,
        net: &Net,
        rng: &mut Rng,
        secrets: &SpaceSecrets,
    ) -> Result<(), Reply> {
        let space_id = &secrets.space_id;
        let data_key: [u8; 32] = rng.bytes();
        let wrapped = |credential, rng: &mut Rng| {
            b64(&crypto::wrap_key(
                &secrets.for_credential(credential).wrap_key,
                space_id,
                credential,
                rng.bytes(),
                &data_key,
            ))
        };
        let body = CreateSpace {
            space_id: space_id.clone(),
            kdf: secrets.kdf.clone(),
            auth_secret: secrets.passphrase.auth_secret_b64(),
            wrapped_key: wrapped(Credential::Passphrase, rng),
            recovery_auth_secret: secrets.recovery.auth_secret_b64(),
            recovery_wrapped_key: wrapped(Credential::RecoveryCode, rng),
            device_name: self.name.clone(),
        };
        let asked_at = self.local_now();
        let reply = net
            .send(
                Method::POST,
                "/spaces",
                None,
                Some(serde_json::to_vec(&body).unwrap()),
            )
            .await;
        if reply.status != StatusCode::CREATED {
            return Err(reply);
        }
        let joined: Joined = reply.json();
        assert_eq!(joined.kdf, secrets.kdf);
        assert_eq!(
            crypto::unwrap_key(
                &secrets.passphrase.wrap_key,
                space_id,
                Credential::Passphrase,
                &unb64(&joined.wrapped_key)
            ),
            Some(data_key),
            "the space gives back the key it was given"
        );
        self.enter(space_id.clone(), joined, data_key, asked_at);
        Ok(())
    }

    /// Joins an existing space with the passphrase's secret (or the recovery code's), as a person does with the
    /// sync code: the code gives the space id, the server the KDF parameters.
    pub async fn join_space(
        &mut self,
        net: &Net,
        sync_code: &str,
        secrets: &SpaceSecrets,
        credential: Credential,
    ) -> Result<(), Reply> {
        let space_id = SyncCode::parse(sync_code).expect("sync code").space_id();
        let kdf = net
            .send(Method::GET, &format!("/spaces/{space_id}/kdf"), None, None)
            .await;
        assert_eq!(kdf.status, StatusCode::OK, "kdf: {:?}", kdf.body);
        let kdf: KdfInfo = kdf.json();
        assert_eq!(kdf.kdf, secrets.kdf, "the space's KDF parameters");
        assert!(kdf.kdf.strong_enough());
        let derived = secrets.for_credential(credential);
        let body = JoinSpace {
            credential,
            auth_secret: derived.auth_secret_b64(),
            device_name: self.name.clone(),
        };
        let asked_at = self.local_now();
        let reply = net
            .send(
                Method::POST,
                &format!("/spaces/{space_id}/devices"),
                None,
                Some(serde_json::to_vec(&body).unwrap()),
            )
            .await;
        if reply.status != StatusCode::CREATED {
            return Err(reply);
        }
        let joined: Joined = reply.json();
        let data_key = crypto::unwrap_key(
            &derived.wrap_key,
            &space_id,
            credential,
            &unb64(&joined.wrapped_key),
        )
        .expect("the wrapped key opens with the credential's wrapping key");
        self.enter(space_id, joined, data_key, asked_at);
        Ok(())
    }

    /// Sets a new passphrase for the space, as any device may: new KDF parameters and salt, the data key wrapped
    /// under the new passphrase. Other devices keep their tokens.
    pub async fn change_passphrase(
        &self,
        net: &Net,
        rng: &mut Rng,
        secrets: &mut SpaceSecrets,
        passphrase: &str,
    ) {
        let membership = self.membership();
        let kdf = keys::new_kdf_params(rng.bytes());
        let derived = keys::stretch_passphrase(passphrase, &kdf).expect("stretch");
        let body = ChangePassphrase {
            kdf: kdf.clone(),
            auth_secret: derived.auth_secret_b64(),
            wrapped_key: b64(&crypto::wrap_key(
                &derived.wrap_key,
                &membership.space_id,
                Credential::Passphrase,
                rng.bytes(),
                &self.key.expect("data key"),
            )),
            sign_out_other_devices: false,
        };
        let reply = net
            .send(
                Method::PUT,
                &format!("/spaces/{}/passphrase", membership.space_id),
                Some(&membership.token),
                Some(serde_json::to_vec(&body).unwrap()),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "change passphrase: {:?}",
            reply.body
        );
        secrets.kdf = kdf;
        secrets.passphrase = derived;
    }

    /// Turns sync off on this device (removing it from the space, as the app does) and on again with the
    /// passphrase or the recovery code: a new device id and token, every record queued whole, the space pulled from
    /// the start.
    pub async fn rejoin(
        &mut self,
        net: &Net,
        sync_code: &str,
        secrets: &SpaceSecrets,
        credential: Credential,
    ) {
        let membership = self.membership();
        let reply = net
            .send(
                Method::DELETE,
                &format!(
                    "/spaces/{}/devices/{}",
                    membership.space_id, membership.device_id
                ),
                Some(&membership.token),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "leave: {:?}", reply.body);
        for change in self.engine.outbox().expect("outbox") {
            self.queued.remove(&change.id);
            self.abandoned.insert(change.id);
        }
        self.unanswered.clear();
        self.engine.leave().expect("leave");
        self.join_space(net, sync_code, secrets, credential)
            .await
            .unwrap_or_else(|reply| panic!("rejoin: {} {:?}", reply.status, reply.body));
    }

    fn enter(&mut self, space_id: Id, joined: Joined, data_key: [u8; 32], asked_at: Timestamp) {
        assert!(is_id(&joined.device_id), "device id {:?}", joined.device_id);
        self.key = Some(data_key);
        let membership = Membership {
            space_id,
            device_id: joined.device_id,
            device_name: self.name.clone(),
            token: joined.token,
            data_key: b64(&data_key),
            cursor: 0,
            clock_offset_ms: joined.server_time - asked_at.0,
            last_synced: None,
        };
        self.engine
            .join(membership, self.local_now())
            .expect("join stores the membership");
        self.note_outbox();
    }

    /// One sync as the app runs it: push the outbox in batches, then pull to the end, page by page, decrypting
    /// each change; one that does not decrypt is quarantined and the rest go on.
    pub async fn sync(&mut self, net: &Net, rng: &mut Rng) -> Result<Synced, SyncError> {
        self.sync_editing(net, rng, None, false).await
    }

    /// [`Self::sync`], while the person goes on using the app: at each point where the app waits for the network
    /// (a push sent and not yet answered, a page fetched and not yet applied), `edit` may run.
    pub async fn sync_editing(
        &mut self,
        net: &Net,
        rng: &mut Rng,
        edit: Option<fn(&mut Device, &mut Rng)>,
        pull_first: bool,
    ) -> Result<Synced, SyncError> {
        let mut synced = Synced::default();
        if pull_first {
            // As the app may on opening: what others did first, then what this device did.
            self.pull_all(net, rng, edit, &mut synced).await?;
        }
        self.push_all(net, rng, edit, &mut synced).await?;
        self.pull_all(net, rng, edit, &mut synced).await?;
        let now = self.local_now();
        self.engine
            .update_membership(|m| m.last_synced = Some(now))
            .expect("update membership");
        Ok(synced)
    }

    /// The person edits something meanwhile (sometimes).
    fn meanwhile(&mut self, rng: &mut Rng, edit: Option<fn(&mut Device, &mut Rng)>) {
        if let Some(edit) = edit
            && rng.chance(0.3)
        {
            edit(self, rng);
            self.edits_during_sync += 1;
        }
    }

    /// Pushes the outbox in batches until it is empty.
    async fn push_all(
        &mut self,
        net: &Net,
        rng: &mut Rng,
        edit: Option<fn(&mut Device, &mut Rng)>,
        synced: &mut Synced,
    ) -> Result<(), SyncError> {
        let membership = self.membership();
        let key = self.key.expect("data key");
        let space = membership.space_id.clone();
        let token = membership.token.clone();
        loop {
            let outbox = self.engine.outbox().expect("outbox");
            let outbox_ids: BTreeSet<&Id> = outbox.iter().map(|c| &c.id).collect();
            for id in &self.unanswered {
                assert!(
                    outbox_ids.contains(id),
                    "{}: change {id} was sent, its answer lost, and it left the outbox without a receipt",
                    self.name
                );
            }
            if outbox.is_empty() {
                break;
            }
            let batch: Vec<&Change> = outbox.iter().take(self.push_batch).collect();
            let changes: Vec<PushChange> = batch
                .iter()
                .map(|change| PushChange {
                    id: change.id.clone(),
                    ciphertext: b64(&crypto::seal_change(
                        &key,
                        &space,
                        &change.id,
                        rng.bytes(),
                        &serde_json::to_vec(change).unwrap(),
                    )),
                })
                .collect();
            self.retried += changes
                .iter()
                .filter(|c| self.unanswered.contains(&c.id))
                .count();
            let ids: Vec<Id> = changes.iter().map(|c| c.id.clone()).collect();
            let body = serde_json::to_vec(&PushRequest { changes }).unwrap();
            let asked_at = self.local_now();
            let reply = match net
                .call(
                    Method::POST,
                    &format!("/spaces/{space}/changes"),
                    Some(&token),
                    Some(body),
                )
                .await
            {
                Ok(reply) => reply,
                Err(Lost) => {
                    self.unanswered.extend(ids);
                    return Err(SyncError::Lost);
                }
            };
            self.meanwhile(rng, edit);
            if reply.status != StatusCode::OK {
                return Err(SyncError::Refused(reply));
            }
            let answer: PushResponse = reply.json();
            let answered: Vec<&Id> = answer.accepted.iter().map(|a| &a.id).collect();
            assert_eq!(
                answered,
                ids.iter().collect::<Vec<_>>(),
                "{}: receipts in the order sent",
                self.name
            );
            {
                let lost = net.lost_receipts.borrow();
                for accepted in &answer.accepted {
                    if let Some(first) = lost.get(&accepted.id) {
                        assert_eq!(
                            first, accepted,
                            "a change pushed again gets its first receipt"
                        );
                    }
                }
            }
            for id in &ids {
                self.unanswered.remove(id);
            }
            self.engine
                .mark_pushed(&answer.accepted, self.local_now())
                .expect("mark_pushed");
            self.record_offset(answer.server_time, asked_at);
            synced.pushed += ids.len();
        }
        assert!(
            self.unanswered.is_empty(),
            "{}: unanswered changes left the outbox: {:?}",
            self.name,
            self.unanswered
        );

        Ok(())
    }

    /// Pulls page by page to the end.
    async fn pull_all(
        &mut self,
        net: &Net,
        rng: &mut Rng,
        edit: Option<fn(&mut Device, &mut Rng)>,
        synced: &mut Synced,
    ) -> Result<(), SyncError> {
        let membership = self.membership();
        let key = self.key.expect("data key");
        let space = membership.space_id.clone();
        let token = membership.token.clone();
        loop {
            let cursor = self.membership().cursor;
            let mut path = format!("/spaces/{space}/changes?after={cursor}");
            if let Some(limit) = self.pull_limit {
                path.push_str(&format!("&limit={limit}"));
            }
            let asked_at = self.local_now();
            let reply = net.call(Method::GET, &path, Some(&token), None).await?;
            if reply.status != StatusCode::OK {
                return Err(SyncError::Refused(reply));
            }
            let page: PullResponse = reply.json();
            synced.pages += 1;
            self.meanwhile(rng, edit);
            if let Some(limit) = self.pull_limit {
                assert!(page.changes.len() <= limit as usize, "a page within limit");
            }
            let mut last = cursor;
            for change in &page.changes {
                assert!(change.seq > last, "pulled seqs increase past the cursor");
                last = change.seq;
            }
            assert_eq!(page.next_after, last, "next_after is the last seq returned");
            let mut incoming = Vec::new();
            for pulled in page.changes {
                // An own change whose push answer was lost, pulled back: the engine takes it off the outbox.
                if self.unanswered.remove(&pulled.id) {
                    self.pulled_back_unanswered += 1;
                }
                incoming.push(match open(&key, &space, &pulled.id, &pulled.ciphertext) {
                    Some(change) => {
                        synced.pulled += 1;
                        Incoming::Change(Pulled {
                            change,
                            seq: pulled.seq,
                            received_at: Timestamp(pulled.received_at),
                        })
                    }
                    None => {
                        synced.quarantined += 1;
                        Incoming::Unreadable {
                            id: pulled.id,
                            seq: pulled.seq,
                            ciphertext: pulled.ciphertext,
                        }
                    }
                });
            }
            self.apply(incoming);
            assert_eq!(
                self.membership().cursor,
                page.next_after,
                "{}: the cursor moves past every pulled change",
                self.name
            );
            self.record_offset(page.server_time, asked_at);
            if !page.more {
                break;
            }
        }
        Ok(())
    }

    fn apply(&mut self, incoming: Vec<Incoming>) {
        let applied = self
            .engine
            .apply_pulled(incoming, self.local_now())
            .expect("apply_pulled");
        assert_eq!(
            applied.held, 0,
            "{}: nothing is from a newer version",
            self.name
        );
    }

    /// Every stored record: (storage key → the record's JSON, as stored).
    pub fn records(&self) -> std::collections::BTreeMap<String, serde_json::Value> {
        self.store
            .keys()
            .unwrap()
            .into_iter()
            .filter(|key| key.starts_with("waymark.rec."))
            .map(|key| {
                let text = self.store.get(&key).unwrap().unwrap();
                let stored: serde_json::Value = serde_json::from_str(&text).unwrap();
                (key, stored["record"].clone())
            })
            .collect()
    }

    /// Every key under `prefix`.
    pub fn keys_under(&self, prefix: &str) -> Vec<String> {
        self.store
            .keys()
            .unwrap()
            .into_iter()
            .filter(|key| key.starts_with(prefix))
            .collect()
    }
}

/// Decrypts and reads one pulled change; `None` if it does not authenticate, is not a change, or names another id.
pub fn open(key: &[u8; 32], space: &str, id: &str, ciphertext: &str) -> Option<Change> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(ciphertext)
        .ok()?;
    let plaintext = crypto::open_change(key, space, id, &bytes)?;
    let change: Change = serde_json::from_slice(&plaintext).ok()?;
    (change.id == id).then_some(change)
}
