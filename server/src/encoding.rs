//! Content codings: precompressing at startup and negotiating `Accept-Encoding` per request.

use std::io::{self, Write};

/// A content coding the server can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentCoding {
    /// `br`: brotli at quality 11.
    Brotli,
    /// `gzip`: deflate at the best level.
    Gzip,
    /// No content coding: the file's own bytes.
    Identity,
}

impl ContentCoding {
    /// The `Content-Encoding` header value, or `None` for identity (which is never sent).
    pub fn header_value(self) -> Option<&'static str> {
        match self {
            Self::Brotli => Some("br"),
            Self::Gzip => Some("gzip"),
            Self::Identity => None,
        }
    }

    /// Suffix that makes each representation's strong ETag distinct.
    pub(crate) fn etag_suffix(self) -> &'static str {
        match self {
            Self::Brotli => "br",
            Self::Gzip => "gzip",
            Self::Identity => "",
        }
    }
}

/// Brotli-compresses `data` at quality 11 with a 4 MiB window (what every browser supports).
pub fn brotli_compress(data: &[u8]) -> io::Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        size_hint: data.len(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(data.len() / 3);
    let mut input = data;
    brotli::BrotliCompress(&mut input, &mut out, &params)?;
    Ok(out)
}

/// Gzip-compresses `data` at the best compression level.
pub fn gzip_compress(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 3),
        flate2::Compression::best(),
    );
    encoder.write_all(data)?;
    encoder.finish()
}

/// A quality value in thousandths (`q=0.5` is 500), as RFC 9110 §12.4.2 allows 3 decimals.
type Quality = u16;

const Q_MAX: Quality = 1000;

/// Picks the coding to send, given the request's `Accept-Encoding` value (if any) and
/// which precompressed variants exist for the file.
///
/// The coding with the highest q-value wins; at equal q brotli beats gzip, and both beat
/// identity (they are smaller). `q=0` means "not acceptable", `*` stands for any coding not
/// named, and identity that is not named (directly or by `*`) ranks below every listed
/// coding. With no header, or when nothing acceptable is available, identity is sent
/// (RFC 9110 §12.5.3 asks for that rather than a 406).
pub fn negotiate(accept_encoding: Option<&str>, has_brotli: bool, has_gzip: bool) -> ContentCoding {
    let Some(header) = accept_encoding else {
        return ContentCoding::Identity;
    };
    let prefs = Preferences::parse(header);
    let candidates = [
        (ContentCoding::Brotli, has_brotli),
        (ContentCoding::Gzip, has_gzip),
        (ContentCoding::Identity, true),
    ];
    let mut best: Option<(ContentCoding, Quality)> = None;
    for (coding, available) in candidates {
        if !available {
            continue;
        }
        let q = prefs.quality_of(coding);
        if q == 0 {
            continue;
        }
        // Strictly greater: earlier candidates (the smaller encodings) win ties.
        if best.is_none_or(|(_, best_q)| q > best_q) {
            best = Some((coding, q));
        }
    }
    best.map_or(ContentCoding::Identity, |(coding, _)| coding)
}

/// The q-values an `Accept-Encoding` header gave, per coding the server knows.
#[derive(Debug, Default, PartialEq, Eq)]
struct Preferences {
    brotli: Option<Quality>,
    gzip: Option<Quality>,
    identity: Option<Quality>,
    any: Option<Quality>,
}

impl Preferences {
    fn parse(header: &str) -> Self {
        let mut prefs = Self::default();
        for entry in header.split(',') {
            let mut parts = entry.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            if coding.is_empty() {
                continue;
            }
            let mut quality = Some(Q_MAX);
            for param in parts {
                let Some((name, value)) = param.split_once('=') else {
                    continue;
                };
                if name.trim().eq_ignore_ascii_case("q") {
                    quality = parse_quality(value.trim());
                }
            }
            // A malformed q-value makes the whole entry unusable; ignore it.
            let Some(quality) = quality else {
                continue;
            };
            let slot = match coding.as_str() {
                "br" => &mut prefs.brotli,
                "gzip" | "x-gzip" => &mut prefs.gzip,
                "identity" => &mut prefs.identity,
                "*" => &mut prefs.any,
                _ => continue,
            };
            // If a coding is listed twice, the first mention counts.
            slot.get_or_insert(quality);
        }
        prefs
    }

    fn quality_of(&self, coding: ContentCoding) -> Quality {
        let (named, default) = match coding {
            ContentCoding::Brotli => (self.brotli, 0),
            ContentCoding::Gzip => (self.gzip, 0),
            // Unnamed, identity stays acceptable (unless `*;q=0`) but only as a last resort:
            // a client that lists `gzip;q=0.5` still prefers gzip to no coding at all.
            ContentCoding::Identity => (self.identity, 1),
        };
        named.or(self.any).unwrap_or(default)
    }
}

/// Parses a `qvalue` (`0`, `0.5`, `1`, `1.000`, ...) into thousandths; `None` if malformed.
fn parse_quality(value: &str) -> Option<Quality> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: Quality = match whole {
        "0" => 0,
        "1" => 1,
        _ => return None,
    };
    // Pad to exactly three digits: "5" is 500 thousandths.
    let thousandths = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0, |acc: Quality, digit| {
            acc * 10 + Quality::from(digit - b'0')
        });
    let quality = whole * Q_MAX + thousandths;
    (quality <= Q_MAX).then_some(quality)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContentCoding::{Brotli, Gzip, Identity};

    fn pick(header: &str) -> ContentCoding {
        negotiate(Some(header), true, true)
    }

    #[test]
    fn parses_quality_values() {
        assert_eq!(parse_quality("1"), Some(1000));
        assert_eq!(parse_quality("1.000"), Some(1000));
        assert_eq!(parse_quality("0"), Some(0));
        assert_eq!(parse_quality("0.5"), Some(500));
        assert_eq!(parse_quality("0.123"), Some(123));
        assert_eq!(parse_quality("0.05"), Some(50));
        assert_eq!(parse_quality("1.001"), None);
        assert_eq!(parse_quality("0.1234"), None);
        assert_eq!(parse_quality("2"), None);
        assert_eq!(parse_quality("-1"), None);
        assert_eq!(parse_quality(""), None);
        assert_eq!(parse_quality("0.x"), None);
    }

    #[test]
    fn prefers_brotli_then_gzip_at_equal_quality() {
        assert_eq!(pick("gzip, deflate, br, zstd"), Brotli);
        assert_eq!(pick("br;q=1.0, gzip;q=1.0"), Brotli);
        assert_eq!(pick("gzip, deflate"), Gzip);
        assert_eq!(negotiate(Some("gzip, br"), false, true), Gzip);
        assert_eq!(negotiate(Some("gzip, br"), false, false), Identity);
    }

    #[test]
    fn honours_quality_values() {
        assert_eq!(pick("br;q=0.5, gzip;q=0.8"), Gzip);
        assert_eq!(pick("br;q=0, gzip"), Gzip);
        assert_eq!(pick("br;q=0, gzip;q=0"), Identity);
        assert_eq!(pick("br;q=0.2, identity;q=0.9"), Identity);
        assert_eq!(pick("br;q=0.2, identity;q=0.2"), Brotli);
        assert_eq!(pick("gzip;q=0.001"), Gzip);
        assert_eq!(pick("BR ; Q=0.9 , GZIP;q=0.1"), Brotli);
    }

    #[test]
    fn handles_wildcards_and_identity() {
        assert_eq!(pick("*"), Brotli);
        assert_eq!(pick("*;q=0.5, gzip"), Gzip);
        assert_eq!(pick("gzip;q=0, *"), Brotli);
        assert_eq!(pick("br;q=0, *;q=0.1"), Gzip);
        // Nothing acceptable at all: identity is still sent (no 406).
        assert_eq!(pick("*;q=0"), Identity);
        assert_eq!(pick("identity;q=0"), Identity);
        assert_eq!(pick("identity"), Identity);
    }

    #[test]
    fn missing_empty_or_odd_headers_mean_identity() {
        assert_eq!(negotiate(None, true, true), Identity);
        assert_eq!(pick(""), Identity);
        assert_eq!(pick(" , ;q=1"), Identity);
        assert_eq!(pick("deflate, zstd, compress"), Identity);
        // A malformed q-value voids that entry only.
        assert_eq!(pick("br;q=high, gzip"), Gzip);
        assert_eq!(pick("x-gzip"), Gzip);
    }

    #[test]
    fn compressors_round_trip() {
        use std::io::Read;
        let data = b"Waymark Waymark Waymark Waymark Waymark Waymark".repeat(20);

        let br = brotli_compress(&data).expect("brotli");
        assert!(br.len() < data.len());
        let mut decoded = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut decoded)
            .expect("unbrotli");
        assert_eq!(decoded, data);

        let gz = gzip_compress(&data).expect("gzip");
        assert!(gz.len() < data.len());
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut decoded)
            .expect("gunzip");
        assert_eq!(decoded, data);
    }
}
