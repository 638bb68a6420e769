//! Command-line and environment configuration.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

use crate::server::ConnectionLimits;
use crate::sync::DEFAULT_TOKEN_IDLE_EXPIRY;
use crate::sync::store::Database;

/// Where the built app lives unless told otherwise.
pub const DEFAULT_DIST: &str = "dist";
/// Where to listen unless told otherwise: loopback only.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// Environment variable for the dist directory (a `--dist` flag wins over it).
pub const DIST_ENV: &str = "WAYMARK_DIST";
/// Environment variable for the listen address (an `--addr` flag wins over it).
pub const ADDR_ENV: &str = "WAYMARK_ADDR";
/// Where the embedded sync store (a SQLite file) lives unless told otherwise, relative to the
/// working directory. Created at start if missing.
pub const DEFAULT_DATA_DIR: &str = "data";
/// The SQLite file's name inside the data directory.
pub const SQLITE_FILE: &str = "waymark-sync.db";
/// Environment variable for the data directory (a `--data-dir` flag wins over it).
pub const DATA_DIR_ENV: &str = "WAYMARK_DATA";
/// Environment variable for the database URL (a `--database-url` flag wins over it). The usual
/// name, so platforms that provision a database find it.
pub const DATABASE_URL_ENV: &str = "DATABASE_URL";
/// Environment variable for the CORS origin (a `--cors-origin` flag wins over it).
pub const CORS_ORIGIN_ENV: &str = "WAYMARK_CORS_ORIGIN";
/// Environment variable that, set to `1` or `true`, means `--behind-proxy`.
pub const BEHIND_PROXY_ENV: &str = "WAYMARK_BEHIND_PROXY";

/// Environment variable for the header-read timeout in seconds (a `--header-timeout` flag wins over it).
pub const HEADER_TIMEOUT_ENV: &str = "WAYMARK_HEADER_TIMEOUT";
/// Environment variable for the most connections at once (a `--max-connections` flag wins over it).
pub const MAX_CONNECTIONS_ENV: &str = "WAYMARK_MAX_CONNECTIONS";

/// Environment variable for the sync store's byte cap (a `--max-stored-bytes` flag wins over it).
pub const MAX_STORED_BYTES_ENV: &str = "WAYMARK_MAX_STORED_BYTES";

/// Environment variable for the days after which an unused device token expires (a `--token-idle-days` flag wins).
pub const TOKEN_IDLE_DAYS_ENV: &str = "WAYMARK_TOKEN_IDLE_DAYS";

/// Usage text for `--help` and usage errors.
pub const USAGE: &str = "\
Usage: waymark-server [--dist DIR] [--addr HOST:PORT] [--data-dir DIR | --database-url URL]
                      [--cors-origin ORIGIN] [--behind-proxy]
                      [--header-timeout SECONDS] [--max-connections N]
                      [--max-stored-bytes BYTES] [--token-idle-days DAYS]

Serves the built Waymark app (Trunk's dist/ output) from memory, and the end-to-end-encrypted
sync API under /api/sync/v1 (it stores only ciphertext).

Options:
  --dist DIR            directory to serve [env: WAYMARK_DIST] [default: dist]
  --addr HOST:PORT      address to listen on; port 0 picks a free port
                        [env: WAYMARK_ADDR] [default: 127.0.0.1:8080]
  --data-dir DIR        directory of the embedded sync store (SQLite file waymark-sync.db),
                        created if missing [env: WAYMARK_DATA] [default: data]
  --database-url URL    use this database instead: postgres://USER:PASSWORD@HOST/DB for
                        several instances sharing one PostgreSQL, or sqlite://PATH
                        [env: DATABASE_URL]
  --cors-origin ORIGIN  let a web app on this other origin (https://host[:port]) call the
                        sync API; by default no CORS headers are sent [env: WAYMARK_CORS_ORIGIN]
  --behind-proxy        rate-limit by the last X-Forwarded-For address (only behind a proxy
                        or load balancer that sets it) [env: WAYMARK_BEHIND_PROXY=1]
  --header-timeout SECONDS
                        close a connection that has not sent a request's headers within
                        this time [env: WAYMARK_HEADER_TIMEOUT] [default: 10]
  --max-connections N   serve at most N connections at once; more wait until one closes
                        [env: WAYMARK_MAX_CONNECTIONS] [default: 1024]
  --max-stored-bytes BYTES
                        cap the ciphertext of every sync space together; a push that
                        would go over is refused (503) [env: WAYMARK_MAX_STORED_BYTES]
                        [default: no cap]
  --token-idle-days DAYS
                        a device that has not synced for this many days must join again
                        [env: WAYMARK_TOKEN_IDLE_DAYS] [default: 365]
  -h, --help            print this help
  -V, --version         print the version
";

/// Settings for one run of the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The directory holding `index.html` and the rest of the build.
    pub dist: PathBuf,
    /// `HOST:PORT` to listen on (a host name is resolved when binding).
    pub addr: String,
    /// The sync store: by default a SQLite file in the data directory.
    pub database: Database,
    /// An origin allowed to call the sync API from a browser (`scheme://host[:port]`).
    pub cors_origin: Option<String>,
    /// Whether rate limits take the client address from `X-Forwarded-For`.
    pub behind_proxy: bool,
    /// The header-read timeout and the most connections at once.
    pub connections: ConnectionLimits,
    /// The sync store's byte cap, if any.
    pub max_stored_bytes: Option<u64>,
    /// How long a device's token lasts unused.
    pub token_idle_expiry: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            dist: PathBuf::from(DEFAULT_DIST),
            addr: DEFAULT_ADDR.to_owned(),
            database: Database::SqliteFile(PathBuf::from(DEFAULT_DATA_DIR).join(SQLITE_FILE)),
            cors_origin: None,
            behind_proxy: false,
            connections: ConnectionLimits::default(),
            max_stored_bytes: None,
            token_idle_expiry: DEFAULT_TOKEN_IDLE_EXPIRY,
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Serve with this configuration.
    Serve(Config),
    /// Print [`USAGE`].
    Help,
    /// Print the version.
    Version,
}

/// A command line that cannot be understood.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// A flag that takes a value came last.
    #[error("{flag} needs a value")]
    MissingValue {
        /// The flag.
        flag: &'static str,
    },
    /// An argument the server does not know.
    #[error("unexpected argument {argument:?}")]
    UnexpectedArgument {
        /// The argument, lossily decoded.
        argument: String,
    },
    /// The address (flag or environment) is not valid Unicode.
    #[error("the listen address is not valid Unicode")]
    AddrNotUnicode,
    /// The address is empty or has no `:PORT`.
    #[error("the listen address {addr:?} is not of the form HOST:PORT")]
    AddrMalformed {
        /// The address given.
        addr: String,
    },
    /// The database URL is not Unicode or names no supported database. (The URL itself is not
    /// repeated: it may hold a password.)
    #[error("the database URL must start with postgres://, postgresql:// or sqlite:")]
    DatabaseUrlUnsupported,
    /// A number (flag or environment) is not a whole number of at least 1.
    #[error("{setting} must be a whole number of at least 1")]
    NotAPositiveNumber {
        /// The flag the number is for.
        setting: &'static str,
    },
    /// The CORS origin is not `http(s)://host[:port]`.
    #[error("the CORS origin {origin:?} is not of the form https://host[:port]")]
    CorsOriginMalformed {
        /// The origin given.
        origin: String,
    },
}

impl Command {
    /// Parses the arguments (without the program name) over the environment, which is read
    /// through `env` so tests need not touch the process environment. Flags win over the
    /// environment, which wins over the defaults; an empty variable counts as unset.
    pub fn parse<I, E>(args: I, env: E) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = OsString>,
        E: Fn(&str) -> Option<OsString>,
    {
        let env = |name: &str| env(name).filter(|value| !value.is_empty());
        let mut dist = env(DIST_ENV).map(PathBuf::from);
        let mut addr = env(ADDR_ENV);
        let mut data_dir = env(DATA_DIR_ENV).map(PathBuf::from);
        let mut database_url = env(DATABASE_URL_ENV);
        let mut cors_origin = env(CORS_ORIGIN_ENV);
        let mut behind_proxy =
            env(BEHIND_PROXY_ENV).is_some_and(|value| value == "1" || value == "true");
        let mut header_timeout = env(HEADER_TIMEOUT_ENV);
        let mut max_connections = env(MAX_CONNECTIONS_ENV);
        let mut max_stored_bytes = env(MAX_STORED_BYTES_ENV);
        let mut token_idle_days = env(TOKEN_IDLE_DAYS_ENV);

        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            // `--flag=value` is split only when the argument is Unicode; a non-Unicode path
            // can still be given as `--dist PATH`.
            let (flag, inline_value) = match arg.to_str() {
                Some(text) => match text.split_once('=') {
                    Some((flag, value)) if flag.starts_with("--") => {
                        (flag, Some(OsString::from(value)))
                    }
                    _ => (text, None),
                },
                None => ("", None),
            };
            let mut value = |flag: &'static str| {
                inline_value
                    .clone()
                    .or_else(|| args.next())
                    .ok_or(ConfigError::MissingValue { flag })
            };
            match flag {
                "--dist" => dist = Some(PathBuf::from(value("--dist")?)),
                "--addr" => addr = Some(value("--addr")?),
                "--data-dir" => data_dir = Some(PathBuf::from(value("--data-dir")?)),
                "--database-url" => database_url = Some(value("--database-url")?),
                "--cors-origin" => cors_origin = Some(value("--cors-origin")?),
                "--behind-proxy" if inline_value.is_none() => behind_proxy = true,
                "--header-timeout" => header_timeout = Some(value("--header-timeout")?),
                "--max-connections" => max_connections = Some(value("--max-connections")?),
                "--max-stored-bytes" => max_stored_bytes = Some(value("--max-stored-bytes")?),
                "--token-idle-days" => token_idle_days = Some(value("--token-idle-days")?),
                "-h" | "--help" => return Ok(Self::Help),
                "-V" | "--version" => return Ok(Self::Version),
                _ => {
                    return Err(ConfigError::UnexpectedArgument {
                        argument: arg.to_string_lossy().into_owned(),
                    });
                }
            }
        }

        let addr = match addr {
            Some(addr) => addr
                .into_string()
                .map_err(|_| ConfigError::AddrNotUnicode)?,
            None => DEFAULT_ADDR.to_owned(),
        };
        if !matches!(addr.rsplit_once(':'), Some((host, port)) if !host.is_empty() && !port.is_empty())
        {
            return Err(ConfigError::AddrMalformed { addr });
        }
        let database = match database_url {
            Some(url) => parse_database_url(url)?,
            None => Database::SqliteFile(
                data_dir
                    .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR))
                    .join(SQLITE_FILE),
            ),
        };
        let cors_origin = cors_origin
            .map(|origin| {
                let origin = origin.to_string_lossy().into_owned();
                if is_origin(&origin) {
                    Ok(origin)
                } else {
                    Err(ConfigError::CorsOriginMalformed { origin })
                }
            })
            .transpose()?;
        let defaults = ConnectionLimits::default();
        let connections = ConnectionLimits {
            header_read_timeout: positive_number(header_timeout, "--header-timeout")?
                .map_or(defaults.header_read_timeout, Duration::from_secs),
            max_connections: positive_number(max_connections, "--max-connections")?
                .map_or(defaults.max_connections, |n| {
                    usize::try_from(n).unwrap_or(usize::MAX)
                }),
        };
        Ok(Self::Serve(Config {
            dist: dist.unwrap_or_else(|| PathBuf::from(DEFAULT_DIST)),
            addr,
            database,
            cors_origin,
            behind_proxy,
            connections,
            max_stored_bytes: positive_number(max_stored_bytes, "--max-stored-bytes")?,
            token_idle_expiry: positive_number(token_idle_days, "--token-idle-days")?
                .map_or(DEFAULT_TOKEN_IDLE_EXPIRY, |days| {
                    Duration::from_secs(days.saturating_mul(24 * 60 * 60))
                }),
        }))
    }
}

/// A setting's whole number, at least 1 (`None` when unset).
fn positive_number(
    value: Option<OsString>,
    setting: &'static str,
) -> Result<Option<u64>, ConfigError> {
    value
        .map(|value| {
            value
                .to_str()
                .and_then(|text| text.parse::<u64>().ok())
                .filter(|&n| n >= 1)
                .ok_or(ConfigError::NotAPositiveNumber { setting })
        })
        .transpose()
}

/// `postgres://…` (or `postgresql://…`) as is; `sqlite://PATH` or `sqlite:PATH` as a file
/// (`sqlite::memory:` in memory).
fn parse_database_url(url: OsString) -> Result<Database, ConfigError> {
    let url = url
        .into_string()
        .map_err(|_| ConfigError::DatabaseUrlUnsupported)?;
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Database::Postgres(url));
    }
    if url == "sqlite::memory:" {
        return Ok(Database::SqliteMemory);
    }
    match url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Some(path) if !path.is_empty() => Ok(Database::SqliteFile(PathBuf::from(path))),
        _ => Err(ConfigError::DatabaseUrlUnsupported),
    }
}

/// Whether `text` is a web origin: `http://` or `https://`, a host of letters, digits, `-`
/// and `.` (or a bracketed IPv6 address), an optional port, and nothing else.
fn is_origin(text: &str) -> bool {
    let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(':') && !port.contains(']') => (host, Some(port)),
        _ => (rest, None),
    };
    let host_ok = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        !inner.is_empty() && inner.chars().all(|c| c.is_ascii_hexdigit() || c == ':')
    } else {
        !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()));
    host_ok && port_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Command, ConfigError> {
        let env: Vec<(String, OsString)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
            .collect();
        Command::parse(args.iter().map(OsString::from), |name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    fn serve(dist: &str, addr: &str) -> Command {
        Command::Serve(Config {
            dist: PathBuf::from(dist),
            addr: addr.to_owned(),
            ..Config::default()
        })
    }

    fn serve_with(args: &[&str], env: &[(&str, &str)]) -> Config {
        match parse(args, env) {
            Ok(Command::Serve(config)) => config,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn defaults() {
        assert_eq!(parse(&[], &[]), Ok(serve("dist", "127.0.0.1:8080")));
        assert_eq!(
            Command::Serve(Config::default()),
            serve("dist", "127.0.0.1:8080")
        );
    }

    #[test]
    fn flags_in_both_forms() {
        assert_eq!(
            parse(&["--dist", "build/dist", "--addr", "0.0.0.0:3000"], &[]),
            Ok(serve("build/dist", "0.0.0.0:3000"))
        );
        assert_eq!(
            parse(&["--addr=[::1]:0", "--dist=x=y"], &[]),
            Ok(serve("x=y", "[::1]:0"))
        );
    }

    #[test]
    fn environment_under_flags() {
        let env = [(DIST_ENV, "/srv/waymark"), (ADDR_ENV, "127.0.0.1:9000")];
        assert_eq!(
            parse(&[], &env),
            Ok(serve("/srv/waymark", "127.0.0.1:9000"))
        );
        assert_eq!(
            parse(&["--addr", "127.0.0.1:1"], &env),
            Ok(serve("/srv/waymark", "127.0.0.1:1"))
        );
        assert_eq!(
            parse(&[], &[(DIST_ENV, ""), (ADDR_ENV, "")]),
            Ok(serve("dist", "127.0.0.1:8080"))
        );
    }

    #[test]
    fn the_sync_store_defaults_to_sqlite_in_the_data_dir() {
        let sqlite = |dir: &str| Database::SqliteFile(PathBuf::from(dir).join(SQLITE_FILE));
        assert_eq!(serve_with(&[], &[]).database, sqlite("data"));
        assert_eq!(
            serve_with(&[], &[(DATA_DIR_ENV, "/var/lib/waymark")]).database,
            sqlite("/var/lib/waymark")
        );
        assert_eq!(
            serve_with(&["--data-dir=here"], &[(DATA_DIR_ENV, "/x")]).database,
            sqlite("here")
        );
    }

    #[test]
    fn a_database_url_wins_over_the_data_dir() {
        let url = "postgres://waymark:secret@db.internal/waymark";
        let env = [(DATABASE_URL_ENV, url), (DATA_DIR_ENV, "/x")];
        assert_eq!(
            serve_with(&[], &env).database,
            Database::Postgres(url.to_owned())
        );
        assert_eq!(
            serve_with(&["--database-url", "sqlite:///srv/w.db"], &env).database,
            Database::SqliteFile(PathBuf::from("/srv/w.db"))
        );
        assert_eq!(
            serve_with(&["--database-url", "sqlite:rel.db"], &[]).database,
            Database::SqliteFile(PathBuf::from("rel.db"))
        );
        assert_eq!(
            serve_with(&["--database-url=sqlite::memory:"], &[]).database,
            Database::SqliteMemory
        );
        assert_eq!(
            serve_with(&["--database-url", "postgresql://h/db"], &[]).database,
            Database::Postgres("postgresql://h/db".to_owned())
        );
        for bad in ["mysql://u:p@h/db", "sqlite:", "", "db.sqlite"] {
            assert_eq!(
                parse(&["--database-url", bad], &[]),
                Err(ConfigError::DatabaseUrlUnsupported),
                "{bad:?}"
            );
        }
        // The error never repeats the URL (it may hold a password).
        assert!(
            !ConfigError::DatabaseUrlUnsupported
                .to_string()
                .contains("secret")
        );
        assert!(!format!("{:?}", Database::Postgres(url.to_owned())).contains("secret"));
    }

    #[test]
    fn cors_origin_and_proxy() {
        let config = serve_with(&[], &[]);
        assert_eq!((config.cors_origin, config.behind_proxy), (None, false));
        for good in [
            "https://app.example.org",
            "http://localhost:8080",
            "http://[::1]:3000",
        ] {
            assert_eq!(
                serve_with(&["--cors-origin", good], &[])
                    .cors_origin
                    .as_deref(),
                Some(good)
            );
        }
        for bad in [
            "app.example.org",
            "https://app.example.org/",
            "https://app.example.org/path",
            "https://",
            "https://a.example:",
            "https://a.example:99999x",
            "*",
        ] {
            assert_eq!(
                parse(&["--cors-origin", bad], &[]),
                Err(ConfigError::CorsOriginMalformed {
                    origin: bad.to_owned()
                }),
                "{bad:?}"
            );
        }
        assert_eq!(
            serve_with(&[], &[(CORS_ORIGIN_ENV, "https://a.example")])
                .cors_origin
                .as_deref(),
            Some("https://a.example")
        );
        assert!(serve_with(&["--behind-proxy"], &[]).behind_proxy);
        assert!(serve_with(&[], &[(BEHIND_PROXY_ENV, "1")]).behind_proxy);
        assert!(!serve_with(&[], &[(BEHIND_PROXY_ENV, "0")]).behind_proxy);
        assert!(matches!(
            parse(&["--behind-proxy=yes"], &[]),
            Err(ConfigError::UnexpectedArgument { .. })
        ));
    }

    #[test]
    fn limits_from_flags_or_environment() {
        assert_eq!(
            serve_with(&[], &[]).connections,
            ConnectionLimits::default()
        );
        let set = serve_with(
            &["--header-timeout", "3"],
            &[(MAX_CONNECTIONS_ENV, "50"), (HEADER_TIMEOUT_ENV, "7")],
        );
        assert_eq!(
            set.connections,
            ConnectionLimits {
                header_read_timeout: Duration::from_secs(3),
                max_connections: 50,
            }
        );
        assert_eq!(
            serve_with(&["--max-stored-bytes=1000000"], &[]).max_stored_bytes,
            Some(1_000_000)
        );
        assert_eq!(
            serve_with(&[], &[(MAX_STORED_BYTES_ENV, "5")]).max_stored_bytes,
            Some(5)
        );
        assert_eq!(
            serve_with(&["--token-idle-days", "30"], &[]).token_idle_expiry,
            Duration::from_secs(30 * 24 * 60 * 60)
        );
        for bad in ["0", "-1", "ten", ""] {
            assert_eq!(
                parse(&["--max-connections", bad], &[]),
                Err(ConfigError::NotAPositiveNumber {
                    setting: "--max-connections"
                }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn help_version_and_errors() {
        assert_eq!(parse(&["--help"], &[]), Ok(Command::Help));
        assert_eq!(parse(&["-h", "--bogus"], &[]), Ok(Command::Help));
        assert_eq!(parse(&["-V"], &[]), Ok(Command::Version));
        assert_eq!(
            parse(&["--dist"], &[]),
            Err(ConfigError::MissingValue { flag: "--dist" })
        );
        assert_eq!(
            parse(&["serve"], &[]),
            Err(ConfigError::UnexpectedArgument {
                argument: "serve".to_owned()
            })
        );
        assert_eq!(
            parse(&["--port=8080"], &[]),
            Err(ConfigError::UnexpectedArgument {
                argument: "--port=8080".to_owned()
            })
        );
        for bad in ["8080", ":8080", "localhost:", ""] {
            // An empty flag value is still a value (unlike an empty variable): it is malformed.
            let expected = Err(ConfigError::AddrMalformed {
                addr: bad.to_owned(),
            });
            assert_eq!(parse(&["--addr", bad], &[]), expected, "{bad:?}");
        }
    }
}
