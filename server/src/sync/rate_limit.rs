//! Rate limits on the endpoints that need no token: creating a space and reading its kdf (per client address),
//! and joining (per client address and per space, so guessing a passphrase online is slow however many addresses
//! an attacker has).
//!
//! Limits are kept in memory ([`governor`]'s GCRA, keyed), so they are per server instance: with several
//! instances behind a load balancer, a client gets each limit once per instance it reaches.
//!
//! The checks are extractors that run before the request body is read, so a refused request costs almost
//! nothing.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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
    /// `POST /spaces/{space}/devices`, per client address.
    pub join_per_ip: Quota,
    /// `POST /spaces/{space}/devices`, per space.
    pub join_per_space: Quota,
}

impl Default for Quotas {
    /// A person sets up a space once and joins a few devices; these leave room for mistakes and retries, and
    /// hold a passphrase guesser to about one try a minute per space.
    fn default() -> Self {
        Self {
            create_per_ip: quota(5, Duration::from_secs(120)),
            kdf_per_ip: quota(30, Duration::from_secs(2)),
            join_per_ip: quota(10, Duration::from_secs(30)),
            join_per_space: quota(10, Duration::from_secs(60)),
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

/// The limiters of one server instance.
#[derive(Debug)]
pub struct RateLimits {
    create: DefaultKeyedRateLimiter<IpAddr>,
    kdf: DefaultKeyedRateLimiter<IpAddr>,
    join_ip: DefaultKeyedRateLimiter<IpAddr>,
    join_space: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl RateLimits {
    pub fn new(quotas: &Quotas) -> Self {
        Self {
            create: RateLimiter::keyed(quotas.create_per_ip),
            kdf: RateLimiter::keyed(quotas.kdf_per_ip),
            join_ip: RateLimiter::keyed(quotas.join_per_ip),
            join_space: RateLimiter::keyed(quotas.join_per_space),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }
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
        self.join_space.retain_recent();
        self.create.shrink_to_fit();
        self.kdf.shrink_to_fit();
        self.join_ip.shrink_to_fit();
        self.join_space.shrink_to_fit();
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

/// Passes when the client may try to join this space now.
#[derive(Debug)]
pub struct JoinAllowed;

impl<S> FromRequestParts<S> for CreateAllowed
where
    SyncApi: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let api = SyncApi::from_ref(state);
        let ip = client_key(parts, api.config.behind_proxy);
        api.limits.check(&api.limits.create, &ip)?;
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
        let api = SyncApi::from_ref(state);
        let ip = client_key(parts, api.config.behind_proxy);
        api.limits.check(&api.limits.kdf, &ip)?;
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
        let api = SyncApi::from_ref(state);
        let ip = client_key(parts, api.config.behind_proxy);
        api.limits.check(&api.limits.join_ip, &ip)?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::bad_request("The path is not valid."))?;
        let space = params
            .iter()
            .find_map(|(name, value)| (name == "space").then_some(value))
            .unwrap_or_default();
        // Only well-formed ids take a slot, so junk cannot fill the map.
        if waymark_core::sync::protocol::is_id(space) {
            api.limits
                .check(&api.limits.join_space, &space.to_owned())?;
        }
        Ok(Self)
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
