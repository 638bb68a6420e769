//! Command-line and environment configuration.

use std::ffi::OsString;
use std::path::PathBuf;

use thiserror::Error;

/// Where the built app lives unless told otherwise.
pub const DEFAULT_DIST: &str = "dist";
/// Where to listen unless told otherwise: loopback only.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// Environment variable for the dist directory (a `--dist` flag wins over it).
pub const DIST_ENV: &str = "WAYMARK_DIST";
/// Environment variable for the listen address (an `--addr` flag wins over it).
pub const ADDR_ENV: &str = "WAYMARK_ADDR";

/// Usage text for `--help` and usage errors.
pub const USAGE: &str = "\
Usage: waymark-server [--dist DIR] [--addr HOST:PORT]

Serves the built Waymark app (Trunk's dist/ output) from memory.

Options:
  --dist DIR         directory to serve [env: WAYMARK_DIST] [default: dist]
  --addr HOST:PORT   address to listen on; port 0 picks a free port
                     [env: WAYMARK_ADDR] [default: 127.0.0.1:8080]
  -h, --help         print this help
  -V, --version      print the version
";

/// Settings for one run of the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The directory holding `index.html` and the rest of the build.
    pub dist: PathBuf,
    /// `HOST:PORT` to listen on (a host name is resolved when binding).
    pub addr: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            dist: PathBuf::from(DEFAULT_DIST),
            addr: DEFAULT_ADDR.to_owned(),
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
        Ok(Self::Serve(Config {
            dist: dist.unwrap_or_else(|| PathBuf::from(DEFAULT_DIST)),
            addr,
        }))
    }
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
        })
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
