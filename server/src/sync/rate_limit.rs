//! Rate limits: on the endpoints that need no token, creating a space and reading its kdf (per client address),
//! and joining (every attempt per client address; *failed* attempts per space and client network, and per space
//! with a larger allowance, so guessing a passphrase online stays slow however many addresses an attacker has,
//! while someone who only knows the space id cannot lock the owner out from the owner's own network); on pushes
//! and pulls, per device (after its token is checked, before the body is read); and refused tokens, per client
//! address (before the token is looked up).
//!
//! Failed joins are reserved *before* the attempt and given back if it did not fail, so concurrent guesses cannot
//! all pass one check, and a burst of failures locks a space out for one period at most. Refused tokens are
//! checked before and counted after (every authenticated request passes that check, and reserving would cap the
//! requests in flight per address); their lock-out is capped at one period too.
//!
//! Limits are kept in memory ([`governor`]'s GCRA, keyed), so they are per server instance: with several
//! instances behind a load balancer, a client gets each limit once per instance it reaches.
//!
//! The checks are extractors that run before the request body is read, so a refused request costs almost
//! nothing.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts, RawPathParams};
use axum::http::header;
use axum::http::request::Parts;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use tokio::sync::OwnedSemaphorePermit;
use waymark_core::sync::protocol::MAX_PUSH_BODY_BYTES;

use super::SyncApi;
use super::auth::Authed;
use super::error::ApiError;

/// How much each endpoint allows: a burst, then one more request per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    /// `POST /spaces`, per client address.
    pub create_per_ip: Quota,
    /// `GET /spaces/{space}/kdf`, per client address.
    pub kdf_per_ip: Quota,
    /// `POST /spaces/{space}/devices`, per client address (every attempt).
    pub join_per_ip: Quota,
    /// Failed `POST /spaces/{space}/devices` (wrong secret), per space and client network: once used up, that
    /// network's joins to that space are refused (the right secret too) until it refills.
    pub join_failures_per_network: Quota,
    /// Failed `POST /spaces/{space}/devices`, per space from any network: the backstop against a guesser with
    /// many addresses (once used up, every join to the space is refused until it refills).
    pub join_failures_per_space: Quota,
    /// Pushes and pulls together, per device.
    pub changes_per_device: Quota,
    /// Requests with a token that is refused (unknown, removed, wrong), per client address: once used up, that
    /// address's requests that need a token are refused before the token is looked up, until it refills.
    pub auth_failures_per_ip: Quota,
}

impl Default for Quotas {
    /// A person sets up a space once and joins a few devices; these leave room for mistakes and retries, and
    /// hold a passphrase guesser to about one try a minute per space and network (and about two a minute per
    /// space overall). A device syncs in bursts: 60 requests at once, then 10 a second. A removed device retries
    /// with a growing wait, so 20 refused tokens at once, then one every 3 seconds, is plenty per address.
    fn default() -> Self {
        Self {
            create_per_ip: quota(5, Duration::from_secs(120)),
            kdf_per_ip: quota(30, Duration::from_secs(2)),
            join_per_ip: quota(10, Duration::from_secs(30)),
            join_failures_per_network: quota(10, Duration::from_secs(60)),
            join_failures_per_space: quota(50, Duration::from_secs(30)),
            changes_per_device: quota(60, Duration::from_millis(100)),
            auth_failures_per_ip: quota(20, Duration::from_secs(3)),
        }
    }
}

/// `burst` requests at once, then one per `period`.
pub fn quota(burst: u32, period: Duration) -> Quota {
    Quota::with_period(period)
        .expect("a non-zero period")
        .allow_burst(NonZeroU32::new(burst).expect("a non-zero burst"))
}

/// Forget idle keys after this many checks, so the maps stay small.
const CLEANUP_EVERY: u64 = 4096;

/// A limit that only failures use up: [`Self::check`] asks whether one more would be allowed without using any,
/// [`Self::fail`] uses one. The same GCRA as [`governor`]'s (one "theoretical arrival time" per key).
#[derive(Debug)]
struct FailureLimiter<K> {
    period: Duration,
    /// How far ahead of now the arrival time may run: `(burst - 1) * period`.
    tolerance: Duration,
    arrivals: Mutex<HashMap<K, Instant>>,
}

impl<K: std::hash::Hash + Eq + Clone> FailureLimiter<K> {
    fn new(quota: Quota) -> Self {
        let period = quota.replenish_interval();
        Self {
            period,
            tolerance: period * (quota.burst_size().get() - 1),
            arrivals: Mutex::new(HashMap::new()),
        }
    }

    fn arrivals(&self) -> std::sync::MutexGuard<'_, HashMap<K, Instant>> {
        self.arrivals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reserves one failure for an attempt about to be made: `Err(wait)` when the key has used up its failures.
    /// Reserving before the attempt, not counting after it, means concurrent attempts cannot all pass one check;
    /// and as a reservation is only made while the key is within its allowance, the arrival time never runs more
    /// than one period past the allowance, so a burst of failures locks the key out for at most one period.
    fn reserve(&self, key: &K) -> Result<(), Duration> {
        let now = Instant::now();
        let mut arrivals = self.arrivals();
        let arrival = arrivals.get(key).map_or(now, |&arrival| arrival.max(now));
        if arrival > now + self.tolerance {
            return Err(arrival - self.tolerance - now);
        }
        arrivals.insert(key.clone(), arrival + self.period);
        Ok(())
    }

    /// Whether the key has a failure left, using none: `Err(wait)` when it has not.
    fn check(&self, key: &K) -> Result<(), Duration> {
        let now = Instant::now();
        match self.arrivals().get(key) {
            Some(&arrival) if arrival > now + self.tolerance => Err(arrival - self.tolerance - now),
            _ => Ok(()),
        }
    }

    /// Counts a failure that happened (after [`Self::check`] let its attempt through). Failures of attempts that
    /// passed the check together never lock the key out for more than one period.
    fn record(&self, key: K) {
        let now = Instant::now();
        let mut arrivals = self.arrivals();
        let arrival = arrivals.entry(key).or_insert(now);
        *arrival = ((*arrival).max(now) + self.period).min(now + self.tolerance + self.period);
    }

    /// Gives back a reservation whose attempt did not fail.
    fn refund(&self, key: &K) {
        let now = Instant::now();
        if let Some(arrival) = self.arrivals().get_mut(key) {
            *arrival = arrival
                .checked_sub(self.period)
                .map_or(now, |earlier| earlier.max(now));
        }
    }

    /// Forgets keys that are back to a full allowance.
    fn cleanup(&self) {
        let now = Instant::now();
        let mut arrivals = self.arrivals();
        arrivals.retain(|_, arrival| *arrival > now);
        arrivals.shrink_to_fit();
    }
}

/// The limiters of one server instance.
#[derive(Debug)]
pub struct RateLimits {
    create: DefaultKeyedRateLimiter<IpAddr>,
    kdf: DefaultKeyedRateLimiter<IpAddr>,
    join_ip: DefaultKeyedRateLimiter<IpAddr>,
    join_failures_network: FailureLimiter<(String, IpAddr)>,
    join_failures_space: FailureLimiter<String>,
    auth_failures: FailureLimiter<IpAddr>,
    device: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl RateLimits {
    pub fn new(quotas: &Quotas) -> Self {
        Self {
            create: RateLimiter::keyed(quotas.create_per_ip),
            kdf: RateLimiter::keyed(quotas.kdf_per_ip),
            join_ip: RateLimiter::keyed(quotas.join_per_ip),
            join_failures_network: FailureLimiter::new(quotas.join_failures_per_network),
            join_failures_space: FailureLimiter::new(quotas.join_failures_per_space),
            auth_failures: FailureLimiter::new(quotas.auth_failures_per_ip),
            device: RateLimiter::keyed(quotas.changes_per_device),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }
    }

    /// Whether a device (whose token was checked) may push or pull now.
    fn check_device(&self, device_id: &str) -> Result<(), ApiError> {
        self.check(&self.device, &device_id.to_owned())
    }

    /// Reserves a failure under each of `keys`, or none (429 with the wait) if any has used up its failures.
    fn reserve(self: &Arc<Self>, keys: Vec<FailureKey>) -> Result<FailureReservation, ApiError> {
        let mut reservation = FailureReservation {
            limits: Arc::clone(self),
            keys: Vec::with_capacity(keys.len()),
        };
        for key in keys {
            let reserved = match &key {
                FailureKey::JoinNetwork(space_and_network) => {
                    self.join_failures_network.reserve(space_and_network)
                }
                FailureKey::JoinSpace(space) => self.join_failures_space.reserve(space),
            };
            // On refusal, dropping the reservation gives back what it already holds.
            reserved.map_err(ApiError::too_many_requests)?;
            reservation.keys.push(key);
        }
        Ok(reservation)
    }

    /// Whether the request's client address may present a token now (429 if it has had too many refused); the
    /// address, to [`Self::token_refused`] if this one is refused too. Checked, not reserved: every request with
    /// a token passes here, and a reservation per request in flight would cap the requests one address (a NAT, or
    /// a proxy when `--behind-proxy` is missing) may have in flight.
    pub(super) fn check_token_address(
        &self,
        parts: &Parts,
        behind_proxy: bool,
    ) -> Result<IpAddr, ApiError> {
        let address = client_key(parts, behind_proxy);
        self.auth_failures
            .check(&address)
            .map_err(ApiError::too_many_requests)?;
        Ok(address)
    }

    /// Counts a refused token against its client address.
    pub(super) fn token_refused(&self, address: IpAddr) {
        self.auth_failures.record(address);
    }

    fn check<K>(&self, limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Result<(), ApiError>
    where
        K: std::hash::Hash + Eq + Clone,
    {
        if self.checks.fetch_add(1, Ordering::Relaxed) % CLEANUP_EVERY == CLEANUP_EVERY - 1 {
            self.cleanup();
        }
        limiter.check_key(key).map_err(|not_until| {
            ApiError::too_many_requests(not_until.wait_time_from(self.clock.now()))
        })
    }

    fn cleanup(&self) {
        self.create.retain_recent();
        self.kdf.retain_recent();
        self.join_ip.retain_recent();
        self.device.retain_recent();
        self.create.shrink_to_fit();
        self.kdf.shrink_to_fit();
        self.join_ip.shrink_to_fit();
        self.device.shrink_to_fit();
        self.join_failures_network.cleanup();
        self.join_failures_space.cleanup();
        self.auth_failures.cleanup();
    }
}

/// What a failure is counted against.
#[derive(Debug)]
enum FailureKey {
    /// A join to a space from a client network.
    JoinNetwork((String, IpAddr)),
    /// A join to a space from anywhere.
    JoinSpace(String),
}

/// Failures reserved for an attempt in progress: kept if the attempt [`failed`](Self::failed), given back when
/// dropped otherwise (a success, or an answer that was no wrong guess: a bad request, a timeout).
#[derive(Debug)]
#[must_use]
struct FailureReservation {
    limits: Arc<RateLimits>,
    keys: Vec<FailureKey>,
}

impl FailureReservation {
    /// The attempt failed: the failures stay counted.
    fn failed(mut self) {
        self.keys.clear();
    }
}

impl Drop for FailureReservation {
    fn drop(&mut self) {
        for key in &self.keys {
            match key {
                FailureKey::JoinNetwork(space_and_network) => {
                    self.limits.join_failures_network.refund(space_and_network);
                }
                FailureKey::JoinSpace(space) => self.limits.join_failures_space.refund(space),
            }
        }
    }
}

/// The address a request comes from, for rate limiting: the TCP peer, or behind a trusted proxy the last
/// `X-Forwarded-For` entry (the one the proxy added). An IPv6 address counts by its /64, which one client
/// usually holds whole. Requests with no known peer (in-process tests) share one key.
fn client_key(parts: &Parts, behind_proxy: bool) -> IpAddr {
    let forwarded = || {
        parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()?
            .to_str()
            .ok()?
            .rsplit(',')
            .next()?
            .trim()
            .parse::<IpAddr>()
            .ok()
    };
    let peer = || {
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip())
    };
    let ip = if behind_proxy { forwarded() } else { None }
        .or_else(peer)
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1_u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
        v4 => v4,
    }
}

/// Passes when the client may create a space now.
#[derive(Debug)]
pub struct CreateAllowed;

/// Passes when the client may read a space's kdf now.
#[derive(Debug)]
pub struct KdfAllowed;

/// Passes when the client may try to join this space now, having reserved a failure against the space (from this
/// network and overall). A wrong secret must be reported with [`JoinAllowed::failed`]; any other outcome gives the
/// reservation back when this is dropped.
#[derive(Debug)]
pub struct JoinAllowed {
    /// `None` when the path holds no well-formed space id (only those are counted, so junk cannot fill the maps).
    reservation: Option<FailureReservation>,
}

impl JoinAllowed {
    /// Counts the attempt as failed (a wrong secret).
    pub fn failed(self) {
        if let Some(reservation) = self.reservation {
            reservation.failed();
        }
    }
}

/// Room for a push body among the bytes the server reads at once ([`ServerLimits`](super::ServerLimits)), held
/// until the push is answered.
#[derive(Debug)]
pub struct PushBodyRoom {
    _reserved: OwnedSemaphorePermit,
}

impl<S> FromRequestParts<S> for PushBodyRoom
where
    SyncApi: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let api = SyncApi::from_ref(state);
        let most = api
            .config
            .server_limits
            .push_bytes_in_flight
            .min(u32::try_from(MAX_PUSH_BODY_BYTES).unwrap_or(u32::MAX));
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
        let bytes = declared.map_or(most, |length| {
            u32::try_from(length).unwrap_or(u32::MAX).clamp(1, most)
        });
        match Arc::clone(&api.push_room).try_acquire_many_owned(bytes) {
            Ok(reserved) => Ok(Self {
                _reserved: reserved,
            }),
            Err(_) => {
                tracing::warn!(bytes, "push refused: too many push bytes in flight");
                Err(ApiError {
                    retry_after: Some(PUSH_ROOM_RETRY),
                    ..ApiError::unavailable()
                })
            }
        }
    }
}

/// How long a push refused for want of room is told to wait.
const PUSH_ROOM_RETRY: Duration = Duration::from_secs(2);

/// A device of the space in the path (its token checked) that may push or pull now. The device's limit is checked
/// before the request body is read, so a throttled device's body is never read.
#[derive(Debug)]
pub struct DeviceAllowed(pub Authed);

/// Checks the request's client address against one per-address limit; returns the API and the address.
fn check_address<S>(
    parts: &Parts,
    state: &S,
    limiter: impl FnOnce(&RateLimits) -> &DefaultKeyedRateLimiter<IpAddr>,
) -> Result<(SyncApi, IpAddr), ApiError>
where
    SyncApi: FromRef<S>,
{
    let api = SyncApi::from_ref(state);
    let ip = client_key(parts, api.config.behind_proxy);
    api.limits.check(limiter(&api.limits), &ip)?;
    Ok((api, ip))
}

impl<S> FromRequestParts<S> for CreateAllowed
where
    SyncApi: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        check_address(parts, state, |limits| &limits.create)?;
        Ok(Self)
    }
}

impl<S> FromRequestParts<S> for KdfAllowed
where
    SyncApi: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        check_address(parts, state, |limits| &limits.kdf)?;
        Ok(Self)
    }
}

impl<S> FromRequestParts<S> for JoinAllowed
where
    SyncApi: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let (api, ip) = check_address(parts, state, |limits| &limits.join_ip)?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::bad_request("The path is not valid."))?;
        let space = params
            .iter()
            .find_map(|(name, value)| (name == "space").then_some(value))
            .unwrap_or_default();
        // Only well-formed ids take a slot, so junk cannot fill the maps.
        let reservation = if waymark_core::sync::protocol::is_id(space) {
            let space = space.to_owned();
            Some(api.limits.reserve(vec![
                FailureKey::JoinNetwork((space.clone(), ip)),
                FailureKey::JoinSpace(space),
            ])?)
        } else {
            None
        };
        Ok(Self { reservation })
    }
}

impl<S> FromRequestParts<S> for DeviceAllowed
where
    SyncApi: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let authed = Authed::from_request_parts(parts, state).await?;
        SyncApi::from_ref(state)
            .limits
            .check_device(&authed.device_id)?;
        Ok(Self(authed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(peer: Option<&str>, forwarded: &[&str]) -> Parts {
        let mut builder = Request::builder().uri("/");
        for value in forwarded {
            builder = builder.header("x-forwarded-for", *value);
        }
        let (mut parts, ()) = builder.body(()).expect("request").into_parts();
        if let Some(peer) = peer {
            parts
                .extensions
                .insert(ConnectInfo(peer.parse::<SocketAddr>().expect("addr")));
        }
        parts
    }

    #[test]
    fn the_peer_counts_unless_behind_a_proxy() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        let request = parts(Some("192.0.2.7:5000"), &["198.51.100.1, 203.0.113.9"]);
        assert_eq!(client_key(&request, false), ip("192.0.2.7"));
        assert_eq!(client_key(&request, true), ip("203.0.113.9"));
        let no_header = parts(Some("192.0.2.7:5000"), &[]);
        assert_eq!(client_key(&no_header, true), ip("192.0.2.7"));
        assert_eq!(client_key(&parts(None, &[]), false), ip("0.0.0.0"));
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        let a = parts(Some("[2001:db8:1:2:aaaa::1]:443"), &[]);
        let b = parts(Some("[2001:db8:1:2:bbbb::9]:443"), &[]);
        assert_eq!(client_key(&a, false), ip("2001:db8:1:2::"));
        assert_eq!(client_key(&a, false), client_key(&b, false));
        let mapped = parts(Some("[::ffff:192.0.2.1]:80"), &[]);
        assert_eq!(client_key(&mapped, false), ip("192.0.2.1"));
    }

    #[test]
    fn refunded_reservations_use_nothing_and_a_lock_out_lasts_one_period_at_most() {
        let limiter = FailureLimiter::new(quota(3, Duration::from_secs(60)));
        let key = "space".to_owned();
        for _ in 0..10 {
            assert!(limiter.reserve(&key).is_ok());
            limiter.refund(&key);
        }
        for _ in 0..3 {
            assert!(
                limiter.reserve(&key).is_ok(),
                "a refund gives the failure back"
            );
        }
        for _ in 0..100 {
            let wait = limiter.reserve(&key).unwrap_err();
            assert!(
                wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
                "{wait:?}"
            );
        }
        assert!(limiter.reserve(&"other".to_owned()).is_ok());
        limiter.cleanup();
        assert!(
            limiter.reserve(&key).is_err(),
            "kept while it is not refilled"
        );
    }

    #[test]
    fn recorded_failures_lock_out_for_one_period_at_most() {
        let limiter = FailureLimiter::new(quota(3, Duration::from_secs(60)));
        let address = IpAddr::from([192, 0, 2, 1]);
        assert!(limiter.check(&address).is_ok(), "checking uses nothing");
        // Many failures that all passed one check at once.
        for _ in 0..100 {
            limiter.record(address);
        }
        let wait = limiter.check(&address).unwrap_err();
        assert!(
            wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
    }

    #[test]
    fn the_default_device_quota_is_bursts_of_60_then_10_a_second() {
        let quota = Quotas::default().changes_per_device;
        assert_eq!(quota.burst_size().get(), 60);
        assert_eq!(quota.replenish_interval(), Duration::from_millis(100));
    }

    #[test]
    fn a_burst_then_refusal_with_a_wait() {
        let limits = RateLimits::new(&Quotas {
            create_per_ip: quota(2, Duration::from_secs(60)),
            ..Quotas::default()
        });
        let ip = IpAddr::from([192, 0, 2, 1]);
        assert!(limits.check(&limits.create, &ip).is_ok());
        assert!(limits.check(&limits.create, &ip).is_ok());
        let refused = limits.check(&limits.create, &ip).unwrap_err();
        assert_eq!(refused.code, "too_many_requests");
        let wait = refused.retry_after.expect("a wait");
        assert!(
            wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        // Another address has its own allowance.
        assert!(
            limits
                .check(&limits.create, &IpAddr::from([192, 0, 2, 2]))
                .is_ok()
        );
    }
}
