//! Turning bytes into text without losing a file: BOMs are honoured, UTF-16 without a
//! BOM is recognised by its NUL pattern, invalid UTF-8 falls back to Windows-1252, and
//! only files that look binary are refused.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Windows1252,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8 (bom)",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Windows1252 => "windows-1252",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    pub encoding: Encoding,
}

/// Why a file could not be turned into text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undecodable {
    Binary,
    InvalidUtf16(Encoding),
}

impl fmt::Display for Undecodable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Undecodable::Binary => f.write_str("binary file (contains NUL bytes)"),
            Undecodable::InvalidUtf16(e) => {
                write!(f, "invalid {} text (unpaired surrogates)", e.as_str())
            }
        }
    }
}

/// Decodes a file's bytes. Line endings are kept as they are (CRLF stays CRLF).
pub fn decode(bytes: &[u8]) -> Result<Decoded, Undecodable> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return Ok(from_utf8_or_1252(rest, Encoding::Utf8Bom));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, Encoding::Utf16Le);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, Encoding::Utf16Be);
    }
    if let Some(encoding) = sniff_bomless_utf16(bytes) {
        return utf16(bytes, encoding);
    }
    if bytes.contains(&0) {
        return Err(Undecodable::Binary);
    }
    Ok(from_utf8_or_1252(bytes, Encoding::Utf8))
}

fn from_utf8_or_1252(bytes: &[u8], utf8_kind: Encoding) -> Decoded {
    match std::str::from_utf8(bytes) {
        Ok(text) => Decoded {
            text: text.to_string(),
            encoding: utf8_kind,
        },
        Err(_) => {
            // Windows-1252 maps every byte, so this cannot fail: the file is kept.
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            Decoded {
                text: text.into_owned(),
                encoding: Encoding::Windows1252,
            }
        }
    }
}

fn utf16(bytes: &[u8], encoding: Encoding) -> Result<Decoded, Undecodable> {
    let codec = if encoding == Encoding::Utf16Le {
        encoding_rs::UTF_16LE
    } else {
        encoding_rs::UTF_16BE
    };
    let (text, had_errors) = codec.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(Undecodable::InvalidUtf16(encoding));
    }
    Ok(Decoded {
        text: text.into_owned(),
        encoding,
    })
}

/// UTF-16 text of ASCII-range characters without a BOM has a NUL in every other byte.
/// Only a strong pattern counts, so that real binary files are still refused.
fn sniff_bomless_utf16(bytes: &[u8]) -> Option<Encoding> {
    let sample = &bytes[..bytes.len().min(4096)];
    if sample.len() < 8 || sample.len() % 2 != 0 && sample.len() == bytes.len() {
        return None;
    }
    let pairs = sample.len() / 2;
    let (mut even_nul, mut odd_nul) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        if pair[0] == 0 {
            even_nul += 1;
        }
        if pair[1] == 0 {
            odd_nul += 1;
        }
    }
    let strong = pairs * 9 / 10;
    if odd_nul >= strong && even_nul == 0 {
        Some(Encoding::Utf16Le)
    } else if even_nul >= strong && odd_nul == 0 {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { vec![] };
        for unit in text.encode_utf16() {
            out.extend_from_slice(&unit.to_le_bytes());
        }
        out
    }

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode(b"select 1").unwrap().encoding, Encoding::Utf8);
        let d = decode(b"\xEF\xBB\xBFselect 1").unwrap();
        assert_eq!(d.encoding, Encoding::Utf8Bom);
        assert_eq!(d.text, "select 1");
    }

    #[test]
    fn utf16_le_and_be_with_bom() {
        let d = decode(&utf16le("SELECT N'é'\r\nGO", true)).unwrap();
        assert_eq!(d.encoding, Encoding::Utf16Le);
        assert_eq!(d.text, "SELECT N'é'\r\nGO");
        let mut be = vec![0xFE, 0xFF];
        for unit in "select 2".encode_utf16() {
            be.extend_from_slice(&unit.to_be_bytes());
        }
        let d = decode(&be).unwrap();
        assert_eq!(d.encoding, Encoding::Utf16Be);
        assert_eq!(d.text, "select 2");
    }

    #[test]
    fn utf16_without_bom_is_recognised() {
        let d = decode(&utf16le("CREATE PROCEDURE dbo.P AS SELECT 1", false)).unwrap();
        assert_eq!(d.encoding, Encoding::Utf16Le);
        assert!(d.text.starts_with("CREATE PROCEDURE"));
    }

    #[test]
    fn windows_1252_fallback_keeps_the_text() {
        let d = decode(b"-- caf\xe9\nselect 1").unwrap();
        assert_eq!(d.encoding, Encoding::Windows1252);
        assert_eq!(d.text, "-- café\nselect 1");
    }

    #[test]
    fn binary_is_refused() {
        assert_eq!(
            decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\x01\x02").unwrap_err(),
            Undecodable::Binary
        );
    }
}
