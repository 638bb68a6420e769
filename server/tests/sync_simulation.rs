//! Several devices of one person syncing through the real router, on a seeded random schedule, once over SQLite in
//! memory and once over PostgreSQL (when `WAYMARK_TEST_DATABASE_URL` names one; skipped, and said so, otherwise).
//!
//! Each device is the app's sync engine over its own storage (records saved through the `Repository`, then
//! `record_local_save`), with a native AES-256-GCM in the app's byte format, speaking the JSON protocol. Four
//! devices with records of their own join a space (passphrase and recovery code); the schedule then mixes creates,
//! edits, deletes and undeletes of check-ins, plan steps and the staying-well plan (also while a sync waits on the
//! network), syncs (some pulling first), offline periods during which a device's clock jumps by days, answers lost
//! after the server committed (the device retries with the same change ids, or pulls its own change back first),
//! pulls of one change a page, a passphrase change, sync turned off and on again, a fifth device joining half way,
//! and a malicious server storing a tampered and a replayed ciphertext. When everyone has synced until quiet:
//!
//! - nothing is lost: every change any device queued is on the server, and every record field on every device
//!   holds the value of the change that wins it by the documented order (worked out here, independently);
//! - nothing is duplicated: the server's seqs run 1..=n without gaps and each change id appears once;
//! - every device holds the same records and the same field stamps, has quarantined exactly the two forged
//!   changes, holds nothing back and has an empty outbox.
//!
//! Also here: a change altered in one device's pulls is quarantined there and sync goes on; a wrong secret, a
//! removed device's token and another space's token are refused and change nothing.
//!
//! `WAYMARK_SIM_SEEDS=1,2,3` replays particular seeds; `WAYMARK_SIM_STEPS` sets the schedule's length (400).

mod common;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use support::device::{Device, SpaceSecrets, SyncError, open};
use support::net::Net;
use support::{Rng, unb64};
use waymark_core::calendar::LocalDate;
use waymark_core::mood::{CheckIn, DEFAULT_TAGS, MoodLevel};
use waymark_core::plan::{PlanStep, SECTIONS, StayingWellPlan, StepStatus};
use waymark_core::sync::clock::MAX_AHEAD_MS;
use waymark_core::sync::codes::SyncCode;
use waymark_core::sync::merge::FieldStamp;
use waymark_core::sync::protocol::{
    Credential, Devices, Done, Id, PullResponse, PulledChange, PushChange, PushRequest,
};
use waymark_core::{KeyValueStore, Record, RecordId, RecordKind, Timestamp};
use waymark_server::SyncConfig;
use waymark_server::sync::rate_limit::{Quotas, quota};
use waymark_server::sync::store::{Database, Store};

const DEFAULT_SEEDS: [u64; 4] = [1, 2, 3, 20_261_121];
const DEFAULT_STEPS: usize = 400;
const DAY_MS: i64 = 86_400_000;
const DATABASE_URL_VAR: &str = "WAYMARK_TEST_DATABASE_URL";

// ---------------------------------------------------------------------------------------------------------------
// The server under test.

/// Where the server under test keeps its data.
#[derive(Clone, Debug)]
enum Backend {
    SqliteMemory,
    Postgres(String),
}

impl Backend {
    fn name(&self) -> &'static str {
        match self {
            Backend::SqliteMemory => "SQLite in memory",
            Backend::Postgres(_) => "PostgreSQL",
        }
    }
}

/// The sync API's configuration for the simulation: the default, with rate limits a schedule with many joins
/// never meets (they are the server tests' business; the security cases here keep the real ones).
fn relaxed() -> SyncConfig {
    let plenty = quota(100_000, Duration::from_millis(1));
    SyncConfig {
        quotas: Quotas {
            create_per_ip: plenty,
            kdf_per_ip: plenty,
            join_per_ip: plenty,
            join_failures_per_network: plenty,
            join_failures_per_space: plenty,
            changes_per_device: plenty,
            auth_failures_per_ip: plenty,
        },
        ..SyncConfig::default()
    }
}

/// The app's whole router (as `main` builds it) over a fresh store, and the store, to close at the end.
async fn sync_router(backend: &Backend, config: SyncConfig) -> (Router, Store) {
    let database = match backend {
        Backend::SqliteMemory => Database::SqliteMemory,
        Backend::Postgres(url) => Database::Postgres(url.clone()),
    };
    let store = Store::connect(&database)
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", database.describe()));
    (common::app_with(store.clone(), config), store)
}

fn seeds() -> Vec<u64> {
    match std::env::var("WAYMARK_SIM_SEEDS") {
        Ok(text) if !text.trim().is_empty() => text
            .split(',')
            .map(|seed| seed.trim().parse().expect("WAYMARK_SIM_SEEDS: numbers"))
            .collect(),
        _ => DEFAULT_SEEDS.to_vec(),
    }
}

fn steps() -> usize {
    std::env::var("WAYMARK_SIM_STEPS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(DEFAULT_STEPS)
}

#[tokio::test]
async fn devices_converge_over_sqlite() {
    for seed in seeds() {
        simulate(&Backend::SqliteMemory, seed).await;
    }
}

#[tokio::test]
async fn devices_converge_over_postgres() {
    let Some(url) = postgres_url() else {
        return;
    };
    for seed in seeds() {
        simulate(&Backend::Postgres(url.clone()), seed).await;
    }
}

fn postgres_url() -> Option<String> {
    match std::env::var(DATABASE_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            println!(
                "PostgreSQL run skipped: {DATABASE_URL_VAR} is not set (scripts/test sets it)"
            );
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The simulation.

/// What one seed's run did, for the log.
#[derive(Debug, Default)]
struct Tally {
    edits: usize,
    syncs: usize,
    lost_syncs: usize,
    retried_changes: usize,
    pages: usize,
    offline_periods: usize,
    clock_jumps: usize,
    rejoins: usize,
    edits_during_sync: usize,
    pulled_back_unanswered: usize,
    settle_rounds: usize,
}

async fn simulate(backend: &Backend, seed: u64) {
    // Shown with a failure's output: replay with WAYMARK_SIM_SEEDS.
    println!("seed {seed} ({}): starting", backend.name());
    let started = Instant::now();
    let mut rng = Rng::new(seed);
    let (router, store) = sync_router(backend, relaxed()).await;
    let net = Net::new(router, seed);
    let mut tally = Tally::default();

    // Four devices: clocks right, days ahead, days behind, a little ahead; some pull one change per page, some push
    // in small batches.
    let mut devices = vec![
        Device::new("Phone", rng.next_u64(), 0, None, 500),
        Device::new(
            "Laptop",
            rng.next_u64(),
            rng.between(2, 5) * DAY_MS,
            Some(1),
            3,
        ),
        Device::new(
            "Tablet",
            rng.next_u64(),
            -rng.between(2, 5) * DAY_MS,
            Some(1),
            1,
        ),
        Device::new(
            "Work",
            rng.next_u64(),
            rng.between(1_000, 90_000),
            Some(7),
            50,
        ),
    ];

    // The person used the app on each device before turning sync on; two of them wrote a staying-well plan.
    for (index, device) in devices.iter_mut().enumerate() {
        for _ in 0..rng.between(1, 4) {
            create_check_in(device, &mut rng);
        }
        create_plan_step(device, &mut rng);
        if index < 2 {
            edit_staying_well_plan(device, &mut rng);
        }
    }

    let mut secrets = SpaceSecrets::new(&mut rng, "  correct horse battery staple ");
    devices[0]
        .create_space(&net, &mut rng, &secrets)
        .await
        .unwrap_or_else(|reply| panic!("create space: {} {:?}", reply.status, reply.body));
    let sync_code = SyncCode::from_space_id(&secrets.space_id)
        .expect("a space id makes a sync code")
        .to_string();
    for (index, device) in devices.iter_mut().enumerate().skip(1) {
        let credential = if index == 2 {
            Credential::RecoveryCode
        } else {
            Credential::Passphrase
        };
        device
            .join_space(&net, &sync_code, &secrets, credential)
            .await
            .unwrap_or_else(|reply| panic!("join: {} {:?}", reply.status, reply.body));
    }

    // The random schedule.
    net.lose_push_chance.set(0.15);
    net.lose_other_chance.set(0.03);
    let steps = steps();
    let forge_at = rng.below(steps / 2) + steps / 4;
    let new_passphrase_at = rng.below(steps / 2);
    let late_join_at = steps / 2 + rng.below(steps / 4);
    // A fifth device, used for a long time without sync, joins half way through (with the new passphrase).
    let mut late = Some(Device::new(
        "Old phone",
        rng.next_u64(),
        -rng.between(0, 2) * DAY_MS,
        Some(2),
        10,
    ));
    for _ in 0..rng.between(2, 6) {
        create_check_in(late.as_mut().unwrap(), &mut rng);
    }
    create_plan_step(late.as_mut().unwrap(), &mut rng);
    edit_staying_well_plan(late.as_mut().unwrap(), &mut rng);
    for step in 0..steps {
        if step == forge_at {
            net.forge_on_next_push.set(true);
        }
        if step == new_passphrase_at {
            let index = rng.below(devices.len());
            devices[index]
                .change_passphrase(&net, &mut rng, &mut secrets, "a new passphrase, longer")
                .await;
        }
        if step == late_join_at {
            let mut device = late.take().unwrap();
            device
                .join_space(&net, &sync_code, &secrets, Credential::Passphrase)
                .await
                .unwrap_or_else(|reply| panic!("late join: {} {:?}", reply.status, reply.body));
            devices.push(device);
        }
        let index = rng.below(devices.len());
        let device = &mut devices[index];
        let roll = rng.below(100);
        if roll < 55 {
            random_edit(device, &mut rng);
            tally.edits += 1;
        } else if roll == 55 && !device.offline {
            // Sync turned off and on again on this device.
            let credential = if rng.chance(0.5) {
                Credential::RecoveryCode
            } else {
                Credential::Passphrase
            };
            device.rejoin(&net, &sync_code, &secrets, credential).await;
            tally.rejoins += 1;
        } else if roll < 90 {
            if !device.offline {
                tally.syncs += 1;
                let edit = rng
                    .chance(0.5)
                    .then_some(random_edit as fn(&mut Device, &mut Rng));
                let pull_first = rng.chance(0.25);
                match device.sync_editing(&net, &mut rng, edit, pull_first).await {
                    Ok(synced) => tally.pages += synced.pages,
                    Err(SyncError::Lost) => tally.lost_syncs += 1,
                    Err(SyncError::Refused(reply)) => panic!(
                        "seed {seed}: {} was refused: {} {}",
                        device.name,
                        reply.status,
                        String::from_utf8_lossy(&reply.body)
                    ),
                }
            }
        } else if device.offline {
            device.offline = false;
        } else {
            device.offline = true;
            tally.offline_periods += 1;
            // Away from the network, the clock may be changed by days (travel, a flat battery, a person
            // fixing it by hand); the device's idea of the server's time is stale until it next syncs.
            if rng.chance(0.5) {
                device.skew_ms = rng.between(-6 * DAY_MS, 6 * DAY_MS);
                tally.clock_jumps += 1;
            }
        }
    }

    // Everyone comes back and syncs until nothing moves, with a reliable network.
    net.lose_push_chance.set(0.0);
    net.lose_other_chance.set(0.0);
    for device in &mut devices {
        device.offline = false;
    }
    let mut quiet = false;
    for _ in 0..12 {
        tally.settle_rounds += 1;
        let mut moved = 0;
        for device in &mut devices {
            let synced = device
                .sync(&net, &mut rng)
                .await
                .unwrap_or_else(|err| panic!("seed {seed}: settling {}: {err:?}", device.name));
            moved += synced.pushed + synced.pulled + synced.quarantined;
            tally.pages += synced.pages;
        }
        if moved == 0 {
            quiet = true;
            break;
        }
    }
    assert!(quiet, "seed {seed}: still moving after 12 rounds");
    tally.retried_changes = devices.iter().map(|d| d.retried).sum();
    tally.edits_during_sync = devices.iter().map(|d| d.edits_during_sync).sum();
    tally.pulled_back_unanswered = devices.iter().map(|d| d.pulled_back_unanswered).sum();

    let changes = check_converged(&net, &devices, seed).await;
    println!(
        "seed {seed} ({}): {} changes, {} records; {tally:?}; {} requests, {} answers lost; {:.1} s",
        backend.name(),
        changes,
        devices[0].records().len(),
        net.requests.get(),
        net.lost_answers.get(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        net.lost_answers.get() > 0 && tally.retried_changes > 0,
        "seed {seed}: the schedule lost no push answer, so retries went untested"
    );
    store.close().await;
}

// ---------------------------------------------------------------------------------------------------------------
// Edits, as a person makes them in the app.

fn random_edit(device: &mut Device, rng: &mut Rng) {
    match rng.below(100) {
        0..=17 => create_check_in(device, rng),
        18..=42 => edit_check_in(device, rng),
        43..=52 => create_plan_step(device, rng),
        53..=72 => edit_plan_step(device, rng),
        73..=82 => edit_staying_well_plan(device, rng),
        83..=92 => delete_something(device, rng),
        _ => undelete_something(device, rng),
    }
}

fn new_id(rng: &mut Rng) -> RecordId {
    RecordId::from_random_bytes(rng.bytes())
}

fn today(device: &Device) -> LocalDate {
    LocalDate::from_day_number((device.local_now().0.div_euclid(DAY_MS)) as i32).expect("a date")
}

fn create_check_in(device: &mut Device, rng: &mut Rng) {
    let now = device.local_now();
    let mut check_in = CheckIn::new(*rng.pick(&MoodLevel::ALL), now);
    if rng.chance(0.5) {
        let tag = *rng.pick(&DEFAULT_TAGS);
        check_in.toggle_tag(tag);
    }
    let record = Record::new(new_id(rng), now, check_in);
    device.save(&record);
}

fn create_plan_step(device: &mut Device, rng: &mut Rng) {
    let what = format!("Step {} from {}", rng.below(1000), device.name);
    let step = PlanStep::new(&what, rng.between(-1_000_000, 1_000_000)).expect("a step");
    let record = Record::new(new_id(rng), device.local_now(), step);
    device.save(&record);
}

/// Picks one live (or deleted) record of a kind, if there is one.
fn pick_record<K: RecordKind>(device: &Device, rng: &mut Rng, deleted: bool) -> Option<Record<K>> {
    let records: Vec<Record<K>> = device
        .load::<K>()
        .into_iter()
        .filter(|r| r.deleted == deleted)
        .collect();
    (!records.is_empty()).then(|| records[rng.below(records.len())].clone())
}

fn edit_check_in(device: &mut Device, rng: &mut Rng) {
    let Some(before) = pick_record::<CheckIn>(device, rng, false) else {
        return create_check_in(device, rng);
    };
    let mut after = before.clone();
    let what = rng.below(3);
    let mood = *rng.pick(&MoodLevel::ALL);
    let tag = *rng.pick(&DEFAULT_TAGS);
    let note = format!("note {} on {}", rng.below(100), device.name);
    after.edit(device.local_now(), |c| match what {
        0 => c.mood = mood,
        1 => {
            c.toggle_tag(tag);
        }
        _ => c.set_note(&note),
    });
    device.save(&after);
}

fn edit_plan_step(device: &mut Device, rng: &mut Rng) {
    let Some(before) = pick_record::<PlanStep>(device, rng, false) else {
        return create_plan_step(device, rng);
    };
    let mut after = before.clone();
    let what = rng.below(4);
    let text = format!("Ring them back, try {} ({})", rng.below(100), device.name);
    let status = *rng.pick(&StepStatus::ALL);
    let order = rng.between(-1_000_000, 1_000_000);
    let day = today(device);
    after.edit(device.local_now(), |s| match what {
        0 => s.set_what(&text).expect("what"),
        1 => s.set_status(status, day),
        2 => {
            if s.add_note(day, &text).is_err() {
                s.order = order;
            }
        }
        _ => s.order = order,
    });
    device.save(&after);
}

fn edit_staying_well_plan(device: &mut Device, rng: &mut Rng) {
    let section = rng.pick(&SECTIONS).id;
    let text = format!("In my words, {} ({})", rng.below(1000), device.name);
    let now = device.local_now();
    match device.load::<StayingWellPlan>().into_iter().next() {
        Some(before) => {
            let mut after = before.clone();
            after.edit(now, |plan| plan.set(section, &text).expect("section"));
            device.save(&after);
        }
        None => {
            let mut plan = StayingWellPlan::default();
            plan.set(section, &text).expect("section");
            device.save(&Record::new(StayingWellPlan::id(), now, plan));
        }
    }
}

fn delete_something(device: &mut Device, rng: &mut Rng) {
    let now = device.local_now();
    if rng.chance(0.5) {
        if let Some(before) = pick_record::<CheckIn>(device, rng, false) {
            let mut after = before.clone();
            after.delete(now);
            device.save(&after);
        }
    } else if let Some(before) = pick_record::<PlanStep>(device, rng, false) {
        let mut after = before.clone();
        after.delete(now);
        device.save(&after);
    }
}

fn undelete_something(device: &mut Device, rng: &mut Rng) {
    let now = device.local_now();
    if rng.chance(0.5) {
        if let Some(before) = pick_record::<CheckIn>(device, rng, true) {
            let mut after = before.clone();
            after.restore(now);
            device.save(&after);
        }
    } else if let Some(before) = pick_record::<PlanStep>(device, rng, true) {
        let mut after = before.clone();
        after.restore(now);
        device.save(&after);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The end state, checked against the server's log of changes.

/// Every change in the space, in seq order.
async fn pull_everything(net: &Net, space: &str, token: &str) -> Vec<PulledChange> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let reply = net
            .send(
                Method::GET,
                &format!("/spaces/{space}/changes?after={after}&limit=500"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        let page: PullResponse = reply.json();
        after = page.next_after;
        all.extend(page.changes);
        if !page.more {
            return all;
        }
    }
}

/// The order in which a write counts, as documented in `merge` (worked out here on its own, not with `merge`'s
/// code): the stamp's wall time capped at the server's receipt plus `MAX_AHEAD_MS`, then the whole stamp (wall
/// time, counter, device), then the change id.
fn order_of(stamp: &FieldStamp) -> (i64, i64, u32, String, String) {
    let received = stamp.received_at.expect("every change has been received").0;
    (
        stamp
            .stamp
            .wall
            .0
            .min(received.saturating_add(MAX_AHEAD_MS)),
        stamp.stamp.wall.0,
        stamp.stamp.counter,
        stamp.stamp.device.clone(),
        stamp.change.clone(),
    )
}

/// A field's value in a change's record (`None`: the record has no such field, so the change removes it).
fn field_value(record: &Value, field: &str) -> Option<Value> {
    match field.strip_prefix("data.") {
        Some(name) => record.get("data")?.get(name).cloned(),
        None => record.get(field).cloned(),
    }
}

/// Each field's winning change so far, with the value it sets (`None`: it removes the field).
type Winners = BTreeMap<String, (FieldStamp, Option<Value>)>;

/// Checks the end state; returns how many changes the server holds.
async fn check_converged(net: &Net, devices: &[Device], seed: u64) -> usize {
    let membership = devices[0].membership();
    let space = membership.space_id.clone();
    let key = devices[0].key.expect("key");
    let all = pull_everything(net, &space, &membership.token).await;

    // Nothing duplicated: seqs 1..=n, each id once.
    let seqs: Vec<u64> = all.iter().map(|c| c.seq).collect();
    assert_eq!(
        seqs,
        (1..=all.len() as u64).collect::<Vec<_>>(),
        "seed {seed}: seqs without gaps"
    );
    let ids: BTreeSet<&Id> = all.iter().map(|c| &c.id).collect();
    assert_eq!(ids.len(), all.len(), "seed {seed}: each change id once");

    // Nothing lost: every change any device queued reached the server, and nothing else did but the forgeries.
    let forged: BTreeSet<Id> = net.forged.borrow().iter().cloned().collect();
    assert_eq!(
        forged.len(),
        2,
        "seed {seed}: the malicious server forged its two changes"
    );
    // (A change still queued when its device turned sync off may or may not have got there.)
    let queued: BTreeSet<Id> = devices.iter().flat_map(|d| d.queued.clone()).collect();
    let abandoned: BTreeSet<Id> = devices.iter().flat_map(|d| d.abandoned.clone()).collect();
    let server_ids: BTreeSet<Id> = ids.into_iter().cloned().collect();
    let missing: Vec<_> = queued.difference(&server_ids).collect();
    let unexpected: Vec<_> = server_ids
        .iter()
        .filter(|id| !queued.contains(*id) && !abandoned.contains(*id) && !forged.contains(*id))
        .collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "seed {seed}: changes lost {missing:?}, changes nobody made {unexpected:?}"
    );

    // The winner of every field, worked out from the whole log.
    let mut winners: BTreeMap<(String, String), Winners> = BTreeMap::new();
    for pulled in &all {
        let change = open(&key, &space, &pulled.id, &pulled.ciphertext);
        if forged.contains(&pulled.id) {
            assert!(
                change.is_none(),
                "seed {seed}: a tampered or replayed ciphertext decrypted"
            );
            continue;
        }
        let change =
            change.unwrap_or_else(|| panic!("seed {seed}: change {} does not decrypt", pulled.id));
        let stamp = FieldStamp {
            stamp: change.stamp.clone(),
            change: change.id.clone(),
            received_at: Some(Timestamp(pulled.received_at)),
            contenders: Vec::new(),
        };
        let fields = winners
            .entry((change.kind.clone(), change.record_id.to_string()))
            .or_default();
        assert!(!change.fields.is_empty(), "seed {seed}: an empty change");
        for field in &change.fields {
            let candidate = (stamp.clone(), field_value(&change.record, field));
            match fields.get(field) {
                Some((held, _)) if order_of(held) >= order_of(&stamp) => {}
                _ => {
                    fields.insert(field.clone(), candidate);
                }
            }
        }
    }
    let mut expected: BTreeMap<String, Value> = BTreeMap::new();
    for ((kind, id), fields) in &winners {
        let mut record = json!({ "id": id, "data": {} });
        for (field, (_, value)) in fields {
            let Some(value) = value else { continue };
            match field.strip_prefix("data.") {
                Some(name) => record["data"][name] = value.clone(),
                None => record[field.as_str()] = value.clone(),
            }
        }
        expected.insert(format!("waymark.rec.{kind}.{id}"), record);
    }

    let last_seq = all.len() as u64;
    for device in devices {
        let name = &device.name;
        let records = device.records();
        let theirs: BTreeSet<&String> = records.keys().collect();
        let ours: BTreeSet<&String> = expected.keys().collect();
        assert_eq!(theirs, ours, "seed {seed}: {name} holds the same records");
        for (key, record) in &records {
            assert_eq!(
                record, &expected[key],
                "seed {seed}: {name}'s {key} is the winning writes"
            );
        }
        for ((kind, id), fields) in &winners {
            let stamps = device
                .engine
                .field_stamps(kind, &RecordId::parse(id).unwrap())
                .expect("field stamps");
            let want: BTreeMap<String, FieldStamp> = fields
                .iter()
                .map(|(field, (stamp, _))| (field.clone(), stamp.clone()))
                .collect();
            assert_eq!(
                stamps, want,
                "seed {seed}: {name}'s field stamps of {kind}.{id}"
            );
        }
        assert_eq!(
            device.engine.quarantined().unwrap(),
            2,
            "seed {seed}: {name} quarantined the two forged changes"
        );
        assert!(
            device.keys_under("waymark.sync.held.").is_empty(),
            "seed {seed}: {name} holds nothing back"
        );
        assert!(
            device.keys_under("waymark.aside.").is_empty(),
            "seed {seed}: {name} set nothing aside"
        );
        assert_eq!(device.engine.outbox_len().unwrap(), 0, "{name}'s outbox");
        assert_eq!(device.membership().cursor, last_seq, "{name}'s cursor");
    }
    all.len()
}

// ---------------------------------------------------------------------------------------------------------------
// A change altered on its way to one device.

/// The server (or something between it and one device) alters one change in that device's pulls: the device
/// quarantines it, applies the changes around it, and carries on syncing; the other device gets the real change.
async fn tampered_in_transit(backend: &Backend) {
    let mut rng = Rng::new(11);
    let (router, store) = sync_router(backend, SyncConfig::default()).await;
    let net = Net::new(router.clone(), 11);
    let evil = Net::new(router, 12);
    let secrets = SpaceSecrets::new(&mut rng, "a walk every day");
    let sync_code = SyncCode::from_space_id(&secrets.space_id)
        .unwrap()
        .to_string();

    let mut phone = Device::new("Phone", rng.next_u64(), 0, None, 500);
    for _ in 0..3 {
        create_check_in(&mut phone, &mut rng);
    }
    phone.create_space(&net, &mut rng, &secrets).await.unwrap();
    phone.sync(&net, &mut rng).await.unwrap();
    let membership = phone.membership();
    let all = pull_everything(&net, &membership.space_id, &membership.token).await;
    assert_eq!(all.len(), 3);
    let key = phone.key.unwrap();
    let victim = open(&key, &membership.space_id, &all[1].id, &all[1].ciphertext).unwrap();
    evil.tamper_in_pulls.borrow_mut().push(victim.id.clone());

    let mut laptop = Device::new("Laptop", rng.next_u64(), 0, Some(1), 500);
    laptop
        .join_space(&evil, &sync_code, &secrets, Credential::Passphrase)
        .await
        .unwrap();
    let synced = laptop.sync(&evil, &mut rng).await.unwrap();
    assert_eq!((synced.pulled, synced.quarantined), (2, 1));
    assert_eq!(laptop.engine.quarantined().unwrap(), 1);
    assert_eq!(laptop.membership().cursor, 3, "the cursor moved past it");
    let victim_key = format!("waymark.rec.{}.{}", victim.kind, victim.record_id);
    let laptops = laptop.records();
    assert_eq!(laptops.len(), 2, "the changes before and after it applied");
    assert!(!laptops.contains_key(&victim_key));
    assert_eq!(
        laptop
            .store
            .get(&format!("waymark.sync.quarantine.{}", victim.id))
            .unwrap()
            .map(|text| unb64(&text)),
        Some(support::net::flip_a_bit(&unb64(&all[1].ciphertext))),
        "kept verbatim"
    );

    // Both go on syncing: the laptop's edit reaches the phone, which has the real change all along.
    create_check_in(&mut laptop, &mut rng);
    let synced = laptop.sync(&evil, &mut rng).await.unwrap();
    assert_eq!(
        (synced.pushed, synced.pulled),
        (1, 1),
        "pushed, and pulled back"
    );
    assert_eq!(phone.sync(&net, &mut rng).await.unwrap().pulled, 1);
    let phones = phone.records();
    assert_eq!(phones.len(), 4);
    assert!(phones.contains_key(&victim_key));
    assert_eq!(laptop.records().len(), 3);
    assert_eq!(laptop.membership().cursor, 4);
    store.close().await;
}

#[tokio::test]
async fn a_change_altered_on_the_way_is_quarantined_and_sync_goes_on_over_sqlite() {
    tampered_in_transit(&Backend::SqliteMemory).await;
}

#[tokio::test]
async fn a_change_altered_on_the_way_is_quarantined_and_sync_goes_on_over_postgres() {
    if let Some(url) = postgres_url() {
        tampered_in_transit(&Backend::Postgres(url)).await;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Security: what a wrong secret, a removed device and another space's token can do (nothing).

async fn security_cases(backend: &Backend) {
    let mut rng = Rng::new(7);
    let (router, store) = sync_router(backend, SyncConfig::default()).await;
    let net = Net::new(router, 7);
    let secrets = SpaceSecrets::new(&mut rng, "tea and toast");
    let sync_code = SyncCode::from_space_id(&secrets.space_id)
        .unwrap()
        .to_string();
    let space = secrets.space_id.clone();

    let mut phone = Device::new("Phone", rng.next_u64(), 0, None, 500);
    create_check_in(&mut phone, &mut rng);
    phone.create_space(&net, &mut rng, &secrets).await.unwrap();
    phone.sync(&net, &mut rng).await.unwrap();
    let phone_token = phone.membership().token;
    let devices_before = list_devices(&net, &space, &phone_token).await;
    let changes_before = pull_everything(&net, &space, &phone_token).await;
    assert_eq!(devices_before.devices.len(), 1);
    assert_eq!(changes_before.len(), 1);

    // Wrong secrets: 401 `unauthorized`, and nothing changes.
    let wrong = [
        (Credential::Passphrase, support::b64(&rng.bytes::<32>())),
        (Credential::RecoveryCode, support::b64(&rng.bytes::<32>())),
        // The right passphrase secret presented as the recovery code, and the other way round.
        (
            Credential::RecoveryCode,
            secrets.passphrase.auth_secret_b64(),
        ),
        (Credential::Passphrase, secrets.recovery.auth_secret_b64()),
    ];
    for (credential, auth_secret) in wrong {
        let body = json!({ "credential": credential, "auth_secret": auth_secret, "device_name": "Intruder" });
        let reply = net
            .send(
                Method::POST,
                &format!("/spaces/{space}/devices"),
                None,
                Some(body.to_string().into_bytes()),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{credential:?}");
        assert_eq!(reply.error_code(), "unauthorized");
    }
    assert_eq!(
        list_devices(&net, &space, &phone_token).await.devices,
        devices_before.devices
    );
    assert_eq!(
        pull_everything(&net, &space, &phone_token).await,
        changes_before
    );

    // A second device joins, then is removed by the first: its token stops working for everything.
    let mut laptop = Device::new("Laptop", rng.next_u64(), 0, None, 500);
    create_check_in(&mut laptop, &mut rng);
    laptop
        .join_space(&net, &sync_code, &secrets, Credential::Passphrase)
        .await
        .unwrap();
    laptop.sync(&net, &mut rng).await.unwrap();
    let laptop_membership = laptop.membership();
    let laptop_token = laptop_membership.token.clone();
    let reply = net
        .send(
            Method::DELETE,
            &format!("/spaces/{space}/devices/{}", laptop_membership.device_id),
            Some(&phone_token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "remove a device");
    let _: Done = reply.json();
    let push = serde_json::to_vec(&PushRequest {
        changes: vec![PushChange {
            id: waymark_core::sync::protocol::id_from_random_bytes(rng.bytes()),
            ciphertext: support::b64(&[1; 64]),
        }],
    })
    .unwrap();
    for (method, path, body) in [
        (
            Method::GET,
            format!("/spaces/{space}/changes?after=0"),
            None,
        ),
        (
            Method::POST,
            format!("/spaces/{space}/changes"),
            Some(push.clone()),
        ),
        (Method::GET, format!("/spaces/{space}/devices"), None),
        (
            Method::DELETE,
            format!("/spaces/{space}/devices/{}", phone.membership().device_id),
            None,
        ),
        (Method::DELETE, format!("/spaces/{space}"), None),
    ] {
        let reply = net
            .send(method.clone(), &path, Some(&laptop_token), body)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "a removed device: {method} {path}"
        );
        assert_eq!(reply.error_code(), "unauthorized");
    }
    assert!(matches!(
        laptop.sync(&net, &mut rng).await,
        Err(SyncError::Refused(reply)) if reply.status == StatusCode::UNAUTHORIZED
    ));
    assert_eq!(
        pull_everything(&net, &space, &phone_token).await.len(),
        2,
        "nothing pushed"
    );

    // Another space's token reads, writes and removes nothing here; this space's token nothing there.
    let other_secrets = SpaceSecrets::new(&mut rng, "someone else");
    let mut stranger = Device::new("Stranger", rng.next_u64(), 0, None, 500);
    create_check_in(&mut stranger, &mut rng);
    stranger
        .create_space(&net, &mut rng, &other_secrets)
        .await
        .unwrap();
    stranger.sync(&net, &mut rng).await.unwrap();
    let stranger_token = stranger.membership().token;
    let other = other_secrets.space_id.clone();
    for (token, space, victim) in [
        (&stranger_token, &space, phone.membership().device_id),
        (&phone_token, &other, stranger.membership().device_id),
    ] {
        for (method, path, body) in [
            (
                Method::GET,
                format!("/spaces/{space}/changes?after=0"),
                None,
            ),
            (
                Method::POST,
                format!("/spaces/{space}/changes"),
                Some(push.clone()),
            ),
            (Method::GET, format!("/spaces/{space}/devices"), None),
            (
                Method::DELETE,
                format!("/spaces/{space}/devices/{victim}"),
                None,
            ),
            (Method::DELETE, format!("/spaces/{space}"), None),
        ] {
            let reply = net.send(method.clone(), &path, Some(token), body).await;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "another space's token: {method} {path}"
            );
        }
    }
    // Without a token, or with a made-up one, nothing either.
    for token in [None, Some("not-a-token")] {
        let reply = net
            .send(
                Method::GET,
                &format!("/spaces/{space}/changes?after=0"),
                token,
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "token {token:?}");
    }
    assert_eq!(pull_everything(&net, &space, &phone_token).await.len(), 2);
    assert_eq!(
        pull_everything(&net, &other, &stranger_token).await.len(),
        1
    );
    assert_eq!(
        list_devices(&net, &space, &phone_token).await.devices.len(),
        1
    );
    assert_eq!(
        list_devices(&net, &other, &stranger_token)
            .await
            .devices
            .len(),
        1
    );
    store.close().await;
}

async fn list_devices(net: &Net, space: &str, token: &str) -> Devices {
    let reply = net
        .send(
            Method::GET,
            &format!("/spaces/{space}/devices"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "list devices");
    reply.json()
}

#[tokio::test]
async fn secrets_removed_devices_and_other_spaces_are_refused_over_sqlite() {
    security_cases(&Backend::SqliteMemory).await;
}

#[tokio::test]
async fn secrets_removed_devices_and_other_spaces_are_refused_over_postgres() {
    if let Some(url) = postgres_url() {
        security_cases(&Backend::Postgres(url)).await;
    }
}
