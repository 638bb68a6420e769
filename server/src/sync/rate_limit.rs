//! Rate limits: on the endpoints that need no token, creating a space and reading its kdf (per client address),
//! and joining (every attempt per client address; *failed* attempts per space and client network, and per space
//! with a larger allowance, so guessing a passphrase online stays slow however many addresses an attacker has,
//! while someone who only knows the space id cannot lock the owner out from the owner's own network); on pushes
//! and pulls, per device (after its token is checked).
//!
//! Limits are kept in memory ([`governor`]'s GCRA, keyed), so they are per server instance: with several
//! instances behind a load balancer, a client gets each limit once per instance it reaches.
//!
//! The checks are extractors that run before the request body is read, so a refused request costs almost
//! nothing.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::SyncApi;
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
}

impl Default for Quotas {
    /// A person sets up a space once and joins a few devices; these leave room for mistakes and retries, and
    /// hold a passphrase guesser to about one try a minute per space and network (and about two a minute per
    /// space overall). A device syncs in bursts: 60 requests at once, then 10 a second.
    fn default() -> Self {
        Self {
            create_per_ip: quota(5, Duration::from_secs(120)),
            kdf_per_ip: quota(30, Duration::from_secs(2)),
            join_per_ip: quota(10, Duration::from_secs(30)),
            join_failures_per_network: quota(10, Duration::from_secs(60)),
            join_failures_per_space: quota(50, Duration::from_secs(30)),
            changes_per_device: quota(60, Duration::from_millis(100)),
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

    /// `Err(wait)` when the key has used up its failures.
    fn check(&self, key: &K) -> Result<(), Duration> {
        let now = Instant::now();
        match self.arrivals().get(key) {
            Some(&arrival) if arrival > now + self.tolerance => Err(arrival - self.tolerance - now),
            _ => Ok(()),
        }
    }

    /// Uses one failure.
    fn fail(&self, key: K) {
        let now = Instant::now();
        let mut arrivals = self.arrivals();
        let arrival = arrivals.entry(key).or_insert(now);
        *arrival = (*arrival).max(now) + self.period;
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
            device: RateLimiter::keyed(quotas.changes_per_device),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }
    }

    /// Whether a device (whose token was checked) may push or pull now.
    pub(super) fn check_device(&self, device_id: &str) -> Result<(), ApiError> {
        self.check(&self.device, &device_id.to_owned())
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

/// Passes when the client may try to join this space now. A wrong secret must be reported with
/// [`JoinAllowed::failed`].
#[derive(Debug)]
pub struct JoinAllowed {
    /// The space, when the path holds a well-formed id (only those are counted, so junk cannot fill the maps).
    space: Option<String>,
    network: IpAddr,
}

impl JoinAllowed {
    /// Counts a failed attempt (a wrong secret) against the space, from this network and overall.
    pub fn failed(&self, api: &SyncApi) {
        if let Some(space) = &self.space {
            let limits = &api.limits;
            limits
                .join_failures_network
                .fail((space.clone(), self.network));
            limits.join_failures_space.fail(space.clone());
        }
    }
}

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
        let space = waymark_core::sync::protocol::is_id(space).then(|| space.to_owned());
        if let Some(space) = &space {
            let limits = &api.limits;
            limits
                .join_failures_network
                .check(&(space.clone(), ip))
                .and_then(|()| limits.join_failures_space.check(space))
                .map_err(ApiError::too_many_requests)?;
        }
        Ok(Self { space, network: ip })
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
    fn failures_only_are_counted_and_checking_uses_nothing() {
        let limiter = FailureLimiter::new(quota(3, Duration::from_secs(60)));
        let key = "space".to_owned();
        for _ in 0..10 {
            assert!(limiter.check(&key).is_ok(), "checking uses no allowance");
        }
        for _ in 0..3 {
            assert!(limiter.check(&key).is_ok());
            limiter.fail(key.clone());
        }
        let wait = limiter.check(&key).unwrap_err();
        assert!(
            wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        assert!(limiter.check(&"other".to_owned()).is_ok());
        limiter.cleanup();
        assert!(
            limiter.check(&key).is_err(),
            "kept while it is not refilled"
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
