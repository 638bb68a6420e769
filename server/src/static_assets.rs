//! The built app, loaded into memory once at startup, with precompressed variants.
//!
//! Every file under the dist directory is read, its media type and caching policy decided,
//! its strong ETag computed, and (for compressible types) brotli and gzip variants made —
//! each kept only if it is smaller than the original. Requests then only look things up.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

use axum::body::Bytes;
use axum::http::HeaderValue;
use axum::http::header::InvalidHeaderValue;
use thiserror::Error;

use crate::caching;
use crate::csp;
use crate::encoding::{self, ContentCoding};
use crate::mime;

/// The file served for `/` and for client-side routes.
pub const INDEX_HTML: &str = "index.html";

/// Directories nested deeper than this are refused (it guards against symlink loops).
const MAX_DEPTH: usize = 32;

/// Why the dist directory could not be loaded.
#[derive(Debug, Error)]
pub enum LoadError {
    /// The dist directory does not exist.
    #[error(
        "the dist directory {} does not exist (build the app first: `trunk build --release`)",
        path.display()
    )]
    DistMissing {
        /// The directory that was asked for.
        path: PathBuf,
    },
    /// The dist path exists but is not a directory.
    #[error("the dist path {} is not a directory", path.display())]
    NotADirectory {
        /// The path that was asked for.
        path: PathBuf,
    },
    /// There is no `index.html` at the top of the dist directory.
    #[error("{} has no index.html at its top level (is it Trunk's dist output?)", dir.display())]
    IndexMissing {
        /// The directory that was searched.
        dir: PathBuf,
    },
    /// A file or directory could not be read.
    #[error("could not read {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Directories are nested too deeply, probably because of a symlink loop.
    #[error("{} is nested more than {MAX_DEPTH} directories deep (a symlink loop?)", path.display())]
    TooDeep {
        /// The directory where loading stopped.
        path: PathBuf,
    },
    /// Compressing a file failed.
    #[error("could not compress {path}: {source}")]
    Compress {
        /// The file, relative to the dist directory.
        path: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A header value could not be built for a file (a bug: they are all ASCII).
    #[error("could not build a header value for {path}: {source}")]
    Header {
        /// The file, relative to the dist directory.
        path: String,
        /// The underlying error.
        #[source]
        source: InvalidHeaderValue,
    },
    /// A compression worker thread panicked.
    #[error("a compression worker thread panicked")]
    WorkerPanicked,
}

/// One encoding of a file's content, ready to send.
#[derive(Debug, Clone)]
pub struct Representation {
    body: Bytes,
    etag: HeaderValue,
}

impl Representation {
    fn new(path: &str, body: Vec<u8>, coding: ContentCoding) -> Result<Self, LoadError> {
        let etag = caching::strong_etag(&body, coding.etag_suffix());
        let etag = HeaderValue::try_from(etag).map_err(|source| LoadError::Header {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self {
            body: Bytes::from(body),
            etag,
        })
    }

    /// The bytes to send (cheap to clone).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The strong ETag of these bytes, quoted.
    pub fn etag(&self) -> &HeaderValue {
        &self.etag
    }
}

/// A file of the built app, with its headers decided and variants precomputed.
#[derive(Debug, Clone)]
pub struct Asset {
    content_type: HeaderValue,
    cache_control: HeaderValue,
    identity: Representation,
    brotli: Option<Representation>,
    gzip: Option<Representation>,
}

impl Asset {
    /// Builds an asset for the file at `path` (relative to the dist root), compressing it
    /// if its type is compressible.
    pub fn new(path: &str, content: Vec<u8>) -> Result<Self, LoadError> {
        let media = mime::for_path(path);
        let compress_error = |source| LoadError::Compress {
            path: path.to_owned(),
            source,
        };
        let (brotli, gzip) = if media.compressible && !content.is_empty() {
            let brotli = encoding::brotli_compress(&content).map_err(compress_error)?;
            let gzip = encoding::gzip_compress(&content).map_err(compress_error)?;
            let keep = |variant: Vec<u8>, coding| {
                (variant.len() < content.len())
                    .then(|| Representation::new(path, variant, coding))
                    .transpose()
            };
            (
                keep(brotli, ContentCoding::Brotli)?,
                keep(gzip, ContentCoding::Gzip)?,
            )
        } else {
            (None, None)
        };
        Ok(Self {
            content_type: HeaderValue::from_static(media.content_type),
            cache_control: HeaderValue::from_static(caching::cache_control_for(path)),
            identity: Representation::new(path, content, ContentCoding::Identity)?,
            brotli,
            gzip,
        })
    }

    /// The `Content-Type` to send.
    pub fn content_type(&self) -> &HeaderValue {
        &self.content_type
    }

    /// The `Cache-Control` to send.
    pub fn cache_control(&self) -> &HeaderValue {
        &self.cache_control
    }

    /// Whether a compressed variant exists, so responses vary on `Accept-Encoding`.
    pub fn has_variants(&self) -> bool {
        self.brotli.is_some() || self.gzip.is_some()
    }

    /// The representation in a given coding, if it was worth keeping.
    pub fn representation(&self, coding: ContentCoding) -> Option<&Representation> {
        match coding {
            ContentCoding::Brotli => self.brotli.as_ref(),
            ContentCoding::Gzip => self.gzip.as_ref(),
            ContentCoding::Identity => Some(&self.identity),
        }
    }

    /// Chooses the representation to send for a request's `Accept-Encoding` value.
    pub fn negotiate(&self, accept_encoding: Option<&str>) -> (ContentCoding, &Representation) {
        let coding =
            encoding::negotiate(accept_encoding, self.brotli.is_some(), self.gzip.is_some());
        match self.representation(coding) {
            Some(representation) => (coding, representation),
            None => (ContentCoding::Identity, &self.identity),
        }
    }
}

/// Size totals, for the startup log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Number of files.
    pub files: usize,
    /// Total size of the files as they are on disk.
    pub bytes: usize,
    /// Total size when every file is sent in its smallest coding.
    pub smallest_bytes: usize,
}

/// All files of the built app, keyed by their path relative to the dist root (`a/b.js`).
/// Cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct StaticAssets {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    files: HashMap<String, Asset>,
    index: Asset,
    content_security_policy: HeaderValue,
}

impl StaticAssets {
    /// Reads every file under `dir` (following symlinks) and precompresses what is worth it.
    /// Fails if `dir` or its `index.html` is missing, or anything cannot be read.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, LoadError> {
        let dir = dir.as_ref();
        match fs::metadata(dir) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(LoadError::NotADirectory {
                    path: dir.to_owned(),
                });
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Err(LoadError::DistMissing {
                    path: dir.to_owned(),
                });
            }
            Err(source) => {
                return Err(LoadError::Io {
                    path: dir.to_owned(),
                    source,
                });
            }
        }
        let files = read_tree(dir)?;
        Self::build(files, dir)
    }

    /// Builds the table from in-memory `(relative path, content)` pairs, as `load` does from
    /// disk. One of the paths must be `index.html`.
    pub fn from_files<I, P>(files: I) -> Result<Self, LoadError>
    where
        I: IntoIterator<Item = (P, Vec<u8>)>,
        P: Into<String>,
    {
        let files = files
            .into_iter()
            .map(|(path, content)| (path.into(), content));
        Self::build(files.collect(), Path::new("(in-memory files)"))
    }

    fn build(files: Vec<(String, Vec<u8>)>, origin: &Path) -> Result<Self, LoadError> {
        let files = build_assets(files)?;
        let index = files
            .get(INDEX_HTML)
            .cloned()
            .ok_or_else(|| LoadError::IndexMissing {
                dir: origin.to_owned(),
            })?;
        let policy = csp::content_security_policy(index.identity.body());
        let content_security_policy =
            HeaderValue::try_from(policy).map_err(|source| LoadError::Header {
                path: INDEX_HTML.to_owned(),
                source,
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                files,
                index,
                content_security_policy,
            }),
        })
    }

    /// The file at a normalised relative path (`index.html`, `icons/icon.png`).
    pub fn get(&self, path: &str) -> Option<&Asset> {
        self.inner.files.get(path)
    }

    /// `index.html`, which every successful load has.
    pub fn index(&self) -> &Asset {
        &self.inner.index
    }

    /// The raw bytes of `index.html`.
    pub fn index_html(&self) -> &[u8] {
        self.inner.index.identity.body()
    }

    /// The `Content-Security-Policy` for this build: it allows exactly the inline scripts
    /// that `index.html` contains (see [`csp`]).
    pub fn content_security_policy(&self) -> &HeaderValue {
        &self.inner.content_security_policy
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.inner.files.len()
    }

    /// Whether there are no files (never true for a successful load).
    pub fn is_empty(&self) -> bool {
        self.inner.files.is_empty()
    }

    /// Size totals, for the startup log.
    pub fn summary(&self) -> Summary {
        self.inner
            .files
            .values()
            .fold(Summary::default(), |mut summary, asset| {
                let smallest = [&asset.brotli, &asset.gzip]
                    .into_iter()
                    .flatten()
                    .map(|r| r.body.len())
                    .fold(asset.identity.body.len(), usize::min);
                summary.files += 1;
                summary.bytes += asset.identity.body.len();
                summary.smallest_bytes += smallest;
                summary
            })
    }
}

/// Builds every asset, compressing on all cores (brotli 11 is slow on a large wasm file).
fn build_assets(mut files: Vec<(String, Vec<u8>)>) -> Result<HashMap<String, Asset>, LoadError> {
    // Smallest first, so that popping from the end hands out the biggest jobs first.
    files.sort_by_key(|(_, content)| content.len());
    let workers = thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .clamp(1, files.len().max(1));
    let queue = Mutex::new(files);
    let take_job = || queue.lock().unwrap_or_else(PoisonError::into_inner).pop();

    type Built = (String, Result<Asset, LoadError>);
    let finished: Vec<thread::Result<Vec<Built>>> = thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    while let Some((path, content)) = take_job() {
                        let asset = Asset::new(&path, content);
                        done.push((path, asset));
                    }
                    done
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join()).collect()
    });

    let mut assets = HashMap::new();
    for worker in finished {
        for (path, asset) in worker.map_err(|_| LoadError::WorkerPanicked)? {
            assets.insert(path, asset?);
        }
    }
    Ok(assets)
}

/// Reads every regular file under `root`, keyed by `/`-separated relative path.
fn read_tree(root: &Path) -> Result<Vec<(String, Vec<u8>)>, LoadError> {
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| LoadError::Io { path, source }
    };
    let mut files = Vec::new();
    let mut pending = vec![(root.to_owned(), String::new(), 0_usize)];
    while let Some((dir, prefix, depth)) = pending.pop() {
        if depth > MAX_DEPTH {
            return Err(LoadError::TooDeep { path: dir });
        }
        for entry in fs::read_dir(&dir).map_err(io_error(&dir))? {
            let entry = entry.map_err(io_error(&dir))?;
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                tracing::warn!(path = %path.display(), "skipping a file whose name is not UTF-8");
                continue;
            };
            let key = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            // `metadata` follows symlinks, so a linked file or directory is served like a real one.
            let meta = fs::metadata(&path).map_err(io_error(&path))?;
            if meta.is_dir() {
                pending.push((path, key, depth + 1));
            } else if meta.is_file() {
                let content = fs::read(&path).map_err(io_error(&path))?;
                files.push((key, content));
            }
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HTML: &str = "<!doctype html><title>Waymark</title><script type=module>start()</script>";

    #[test]
    fn keeps_compressed_variants_only_when_smaller() {
        let big_js = "console.log('Waymark, one step at a time');\n".repeat(50);
        let assets = StaticAssets::from_files([
            (INDEX_HTML, HTML.as_bytes().to_vec()),
            ("app-0123456789abcdef.js", big_js.into_bytes()),
            ("tiny.txt", b"x".to_vec()),
            ("icon.png", [0x89, b'P', b'N', b'G'].repeat(100)),
        ])
        .expect("assets");
        let js = assets.get("app-0123456789abcdef.js").expect("js");
        assert!(js.representation(ContentCoding::Brotli).is_some());
        assert!(js.representation(ContentCoding::Gzip).is_some());
        assert!(js.has_variants());
        let tiny = assets.get("tiny.txt").expect("txt");
        assert!(!tiny.has_variants(), "a 1-byte file never shrinks");
        let png = assets.get("icon.png").expect("png");
        assert!(!png.has_variants(), "png is not a compressible type");
        assert_eq!(png.negotiate(Some("br")).0, ContentCoding::Identity);
        assert_eq!(assets.len(), 4);
        let summary = assets.summary();
        assert_eq!(summary.files, 4);
        assert!(summary.smallest_bytes < summary.bytes);
    }

    #[test]
    fn index_is_required() {
        let err = StaticAssets::from_files([("app.js", b"x".to_vec())]).expect_err("no index");
        assert!(matches!(err, LoadError::IndexMissing { .. }), "{err}");
    }

    #[test]
    fn loads_a_directory_tree() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join(INDEX_HTML), HTML).expect("write");
        fs::create_dir_all(dir.path().join("icons/deep")).expect("mkdir");
        fs::write(dir.path().join("icons/deep/a.png"), b"png").expect("write");
        let assets = StaticAssets::load(dir.path()).expect("load");
        assert_eq!(assets.len(), 2);
        assert!(assets.get("icons/deep/a.png").is_some());
        assert_eq!(assets.index_html(), HTML.as_bytes());
    }

    #[test]
    fn load_errors_are_specific() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("nope");
        assert!(matches!(
            StaticAssets::load(&missing),
            Err(LoadError::DistMissing { .. })
        ));
        let file = dir.path().join("file");
        fs::write(&file, b"x").expect("write");
        assert!(matches!(
            StaticAssets::load(&file),
            Err(LoadError::NotADirectory { .. })
        ));
        let err = StaticAssets::load(dir.path()).expect_err("no index");
        assert!(matches!(err, LoadError::IndexMissing { .. }));
        assert!(err.to_string().contains("index.html"));
    }
}
