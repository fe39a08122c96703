//! File hashes, stored as bytes.

use std::fmt;

use super::error::{ParseIocError, ParseIocErrorKind};

/// The algorithm of a [`FileHash`], known from its length.
///
/// # Examples
///
/// ```
/// use iochunt::HashKind;
///
/// assert_eq!(HashKind::from_hex_len(64), Some(HashKind::Sha256));
/// assert_eq!(HashKind::Sha3_384.byte_len(), 48);
/// assert_eq!(HashKind::Md5.as_str(), "md5");
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum HashKind {
    /// MD5, 16 bytes.
    Md5,
    /// SHA-1, 20 bytes.
    Sha1,
    /// SHA-256, 32 bytes.
    Sha256,
    /// SHA-512, 64 bytes.
    Sha512,
    /// SHA3-384, 48 bytes (ThreatFox publishes these).
    #[serde(rename = "sha3_384")]
    Sha3_384,
}

impl HashKind {
    /// Every supported hash kind, shortest first.
    pub const ALL: [HashKind; 5] = [
        HashKind::Md5,
        HashKind::Sha1,
        HashKind::Sha256,
        HashKind::Sha3_384,
        HashKind::Sha512,
    ];

    /// The digest length in bytes.
    ///
    /// ```
    /// # use iochunt::HashKind;
    /// assert_eq!(HashKind::Sha1.byte_len(), 20);
    /// ```
    #[must_use]
    pub const fn byte_len(self) -> usize {
        match self {
            Self::Md5 => 16,
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha3_384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The kind whose hex form has `len` characters, if any.
    ///
    /// ```
    /// # use iochunt::HashKind;
    /// assert_eq!(HashKind::from_hex_len(96), Some(HashKind::Sha3_384));
    /// assert_eq!(HashKind::from_hex_len(31), None);
    /// ```
    #[must_use]
    pub fn from_hex_len(len: usize) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.byte_len() * 2 == len)
    }

    /// The lower-case name: `md5`, `sha1`, `sha256`, `sha512`, `sha3_384`.
    ///
    /// ```
    /// # use iochunt::HashKind;
    /// assert_eq!(HashKind::Sha512.as_str(), "sha512");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha3_384 => "sha3_384",
            Self::Sha512 => "sha512",
        }
    }
}

impl fmt::Display for HashKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The longest digest we hold (SHA-512).
const MAX_LEN: usize = 64;

/// A file hash: its kind and digest bytes. `Display` prints lower-case hex.
///
/// # Examples
///
/// ```
/// use iochunt::{FileHash, HashKind};
///
/// # fn main() -> Result<(), iochunt::ParseIocError> {
/// let h = FileHash::parse("D41D8CD98F00B204E9800998ECF8427E")?;
/// assert_eq!(h.kind(), HashKind::Md5);
/// assert_eq!(h.to_string(), "d41d8cd98f00b204e9800998ecf8427e");
/// assert_eq!(h.as_bytes()[0], 0xd4);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileHash {
    kind: HashKind,
    bytes: [u8; MAX_LEN],
}

impl FileHash {
    /// Parses a hex digest (either case), taking the kind from its length.
    ///
    /// # Errors
    ///
    /// [`ParseIocErrorKind::InvalidHash`] when the text is not hex or its
    /// length is not that of a supported hash.
    ///
    /// ```
    /// # use iochunt::{FileHash, ParseIocErrorKind};
    /// let err = FileHash::parse(&"a".repeat(31)).unwrap_err();
    /// assert_eq!(err.kind(), ParseIocErrorKind::InvalidHash);
    /// ```
    pub fn parse(input: &str) -> Result<Self, ParseIocError> {
        let invalid = || ParseIocError::new(ParseIocErrorKind::InvalidHash, input);
        let kind = HashKind::from_hex_len(input.len()).ok_or_else(invalid)?;
        let mut bytes = [0u8; MAX_LEN];
        for (byte, pair) in bytes.iter_mut().zip(input.as_bytes().chunks_exact(2)) {
            let hi = hex_value(pair[0]).ok_or_else(invalid)?;
            let lo = hex_value(pair[1]).ok_or_else(invalid)?;
            *byte = hi << 4 | lo;
        }
        Ok(Self { kind, bytes })
    }

    /// Parses a hex digest whose kind the feed declared, and checks that the
    /// length agrees with it.
    ///
    /// # Errors
    ///
    /// [`ParseIocErrorKind::InvalidHash`] when the text is not a hash or is a
    /// hash of another kind.
    ///
    /// ```
    /// # use iochunt::{FileHash, HashKind};
    /// let md5 = "d41d8cd98f00b204e9800998ecf8427e";
    /// assert!(FileHash::parse_declared(md5, HashKind::Md5).is_ok());
    /// assert!(FileHash::parse_declared(md5, HashKind::Sha256).is_err());
    /// ```
    pub fn parse_declared(input: &str, declared: HashKind) -> Result<Self, ParseIocError> {
        let hash = Self::parse(input)?;
        if hash.kind == declared {
            Ok(hash)
        } else {
            Err(ParseIocError::new(ParseIocErrorKind::InvalidHash, input))
        }
    }

    /// The hash algorithm.
    ///
    /// ```
    /// # use iochunt::{FileHash, HashKind};
    /// assert_eq!(FileHash::parse(&"0".repeat(40))?.kind(), HashKind::Sha1);
    /// # Ok::<(), iochunt::ParseIocError>(())
    /// ```
    #[must_use]
    pub fn kind(&self) -> HashKind {
        self.kind
    }

    /// The digest bytes.
    ///
    /// ```
    /// # use iochunt::FileHash;
    /// assert_eq!(FileHash::parse(&"ab".repeat(32))?.as_bytes(), &[0xab; 32]);
    /// # Ok::<(), iochunt::ParseIocError>(())
    /// ```
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.kind.byte_len()]
    }
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for FileHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut buf = [0u8; MAX_LEN * 2];
        let bytes = self.as_bytes();
        for (out, byte) in buf.chunks_exact_mut(2).zip(bytes) {
            out[0] = HEX[usize::from(byte >> 4)];
            out[1] = HEX[usize::from(byte & 0x0f)];
        }
        // Every byte written is an ASCII hex digit.
        f.write_str(std::str::from_utf8(&buf[..bytes.len() * 2]).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for FileHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileHash({}:{})", self.kind, self)
    }
}

super::text_value!(FileHash, "a hex file hash");
