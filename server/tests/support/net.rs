//! The network between the simulated devices and the real router (in process, `tower::ServiceExt::oneshot`).
//!
//! It can misbehave the ways a real deployment does:
//! - lose an answer: the server runs the request to the end (commits) and the answer never reaches the device, as
//!   when the server dies or the connection drops after the commit;
//! - act as a malicious server: on one push it stores two extra changes the device never sent — a copy of the
//!   first change's ciphertext with one bit flipped, and the same ciphertext replayed under a new change id — and
//!   hides their receipts from the device. Every device must quarantine both and carry on.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode};
use tower::ServiceExt as _;
use waymark_core::sync::protocol::{
    API_PREFIX, Accepted, Id, PullResponse, PushChange, PushRequest, PushResponse,
    id_from_random_bytes,
};

use super::{Rng, b64, unb64};

#[derive(Clone, Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Reply {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!(
                "answer ({}) is not the expected JSON: {err}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The `error` code of an error answer.
    pub fn error_code(&self) -> String {
        let body: serde_json::Value = serde_json::from_slice(&self.body).unwrap_or_default();
        body["error"].as_str().unwrap_or_default().to_owned()
    }
}

/// The request reached the server (and may have been committed) but its answer was lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lost;

pub struct Net {
    router: Router,
    rng: RefCell<Rng>,
    /// How likely a push's answer is to be lost (0 while setting up and while settling).
    pub lose_push_chance: Cell<f64>,
    /// How likely any other answer is to be lost.
    pub lose_other_chance: Cell<f64>,
    /// Changes whose ciphertext this server alters (one bit) in every pull answer that carries them.
    pub tamper_in_pulls: RefCell<Vec<Id>>,
    /// Forge two changes on the next push that carries at least one change.
    pub forge_on_next_push: Cell<bool>,
    /// The ids of the changes the malicious server stored.
    pub forged: RefCell<Vec<Id>>,
    /// Receipts of pushes whose answer was lost, by change id: a retry must get the same receipt.
    pub lost_receipts: RefCell<BTreeMap<Id, Accepted>>,
    pub requests: Cell<usize>,
    pub lost_answers: Cell<usize>,
}

impl Net {
    pub fn new(router: Router, seed: u64) -> Self {
        Net {
            router,
            rng: RefCell::new(Rng::new(seed ^ 0x6e65_7477_6f72_6b00)),
            lose_push_chance: Cell::new(0.0),
            lose_other_chance: Cell::new(0.0),
            tamper_in_pulls: RefCell::new(Vec::new()),
            forge_on_next_push: Cell::new(false),
            forged: RefCell::new(Vec::new()),
            lost_receipts: RefCell::new(BTreeMap::new()),
            requests: Cell::new(0),
            lost_answers: Cell::new(0),
        }
    }

    /// Sends a request to the sync API (`path` after [`API_PREFIX`]), as faithfully or not as configured.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Result<Reply, Lost> {
        self.requests.set(self.requests.get() + 1);
        let is_push = method == Method::POST && path.ends_with("/changes");
        let is_pull = method == Method::GET && path.contains("/changes?");
        let (body, forged) = match body {
            Some(body) if is_push && self.forge_on_next_push.get() => self.forge(body),
            other => (other, Vec::new()),
        };
        let mut reply = self.send(method, path, token, body).await;
        if !forged.is_empty() {
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "the forged push was refused: {}",
                String::from_utf8_lossy(&reply.body)
            );
            // Hide the forged receipts from the device: it sees exactly the answer to what it sent.
            let mut answer: PushResponse = reply.json();
            answer.accepted.retain(|a| !forged.contains(&a.id));
            reply.body = serde_json::to_vec(&answer).unwrap().into();
        }
        if is_pull && reply.status == StatusCode::OK && !self.tamper_in_pulls.borrow().is_empty() {
            let mut page: PullResponse = reply.json();
            for change in &mut page.changes {
                if self.tamper_in_pulls.borrow().contains(&change.id) {
                    change.ciphertext = b64(&flip_a_bit(&unb64(&change.ciphertext)));
                }
            }
            reply.body = serde_json::to_vec(&page).unwrap().into();
        }
        let chance = if is_push {
            self.lose_push_chance.get()
        } else {
            self.lose_other_chance.get()
        };
        let lose = chance > 0.0 && self.rng.borrow_mut().chance(chance);
        if lose {
            self.lost_answers.set(self.lost_answers.get() + 1);
            if is_push && reply.status == StatusCode::OK {
                let answer: PushResponse = reply.json();
                let mut lost = self.lost_receipts.borrow_mut();
                for accepted in answer.accepted {
                    lost.entry(accepted.id.clone()).or_insert(accepted);
                }
            }
            return Err(Lost);
        }
        Ok(reply)
    }

    /// The request as sent, straight to the router: no faults.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("{API_PREFIX}{path}"));
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => builder
                .header("content-type", "application/json")
                .body(Body::from(body)),
            None => builder.body(Body::empty()),
        }
        .expect("request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        Reply { status, body }
    }

    /// Adds the two forged changes to a push that carries at least one change.
    fn forge(&self, body: Vec<u8>) -> (Option<Vec<u8>>, Vec<Id>) {
        let mut push: PushRequest = serde_json::from_slice(&body).expect("push JSON");
        let Some(first) = push.changes.first().cloned() else {
            return (Some(body), Vec::new());
        };
        self.forge_on_next_push.set(false);
        let mut rng = self.rng.borrow_mut();
        let flipped = flip_a_bit(&unb64(&first.ciphertext));
        let forged = vec![
            PushChange {
                id: id_from_random_bytes(rng.bytes()),
                ciphertext: b64(&flipped),
            },
            PushChange {
                id: id_from_random_bytes(rng.bytes()),
                ciphertext: first.ciphertext.clone(),
            },
        ];
        let ids: Vec<Id> = forged.iter().map(|c| c.id.clone()).collect();
        push.changes.extend(forged);
        self.forged.borrow_mut().extend(ids.iter().cloned());
        (Some(serde_json::to_vec(&push).unwrap()), ids)
    }
}

/// The same bytes with one bit of the ciphertext proper flipped (past the format byte and the nonce).
pub fn flip_a_bit(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let at = (13 + out.len()) / 2;
    out[at] ^= 0x04;
    out
}
