//! The error type for parsing indicator values.

use std::fmt;

/// Why an indicator value was rejected.
///
/// The set of reasons grows as the model learns new kinds, so match on it
/// with a wildcard arm.
///
/// # Examples
///
/// ```
/// use iochunt::{Ioc, ParseIocErrorKind};
///
/// let err = Ioc::parse("1.2.3.4:70000").unwrap_err();
/// assert_eq!(err.kind(), ParseIocErrorKind::InvalidPort);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseIocErrorKind {
    /// The input was empty or only white space.
    Empty,
    /// The input looks like an IP address but is not one (`999.1.1.1`).
    InvalidIp,
    /// The port of an `ip:port` endpoint is not a number in `0..=65535`.
    InvalidPort,
    /// The input looks like a CIDR network but its address or prefix is wrong.
    InvalidCidr,
    /// The input is not a valid domain name (bad label, bad length, bad character).
    InvalidDomain,
    /// The domain's top-level suffix is not in the Public Suffix List.
    UnknownSuffix,
    /// The input has a scheme (`x://`) but is not a valid URL with a host.
    InvalidUrl,
    /// The input is a hex string whose length matches no supported hash,
    /// or contradicts the declared hash type.
    InvalidHash,
    /// The input has an `@` but is not a valid e-mail address.
    InvalidEmail,
    /// The value parses, but as another kind than the one the feed declared.
    KindMismatch,
    /// The input matches no indicator kind.
    Unrecognized,
}

impl ParseIocErrorKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Empty => "empty indicator",
            Self::InvalidIp => "invalid ip address",
            Self::InvalidPort => "invalid port",
            Self::InvalidCidr => "invalid cidr network",
            Self::InvalidDomain => "invalid domain name",
            Self::UnknownSuffix => "domain has no known public suffix",
            Self::InvalidUrl => "invalid url",
            Self::InvalidHash => "invalid file hash",
            Self::InvalidEmail => "invalid email address",
            Self::KindMismatch => "value is not of the declared kind",
            Self::Unrecognized => "unrecognized indicator",
        }
    }
}

impl fmt::Display for ParseIocErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An indicator value that could not be parsed: the reason and the input.
///
/// # Examples
///
/// ```
/// use iochunt::{Ioc, ParseIocErrorKind};
///
/// let err = Ioc::parse("-bad-.com").unwrap_err();
/// assert_eq!(err.kind(), ParseIocErrorKind::InvalidDomain);
/// assert_eq!(err.input(), "-bad-.com");
/// assert_eq!(err.to_string(), r#"invalid domain name: "-bad-.com""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {input:?}")]
pub struct ParseIocError {
    kind: ParseIocErrorKind,
    input: String,
}

impl ParseIocError {
    pub(crate) fn new(kind: ParseIocErrorKind, input: &str) -> Self {
        Self {
            kind,
            input: input.to_owned(),
        }
    }

    /// Why the input was rejected.
    ///
    /// ```
    /// # use iochunt::{Ioc, ParseIocErrorKind};
    /// assert_eq!(Ioc::parse("").unwrap_err().kind(), ParseIocErrorKind::Empty);
    /// ```
    #[must_use]
    pub fn kind(&self) -> ParseIocErrorKind {
        self.kind
    }

    /// The rejected input, as given.
    ///
    /// ```
    /// # use iochunt::Ioc;
    /// assert_eq!(Ioc::parse("999.1.1.1").unwrap_err().input(), "999.1.1.1");
    /// ```
    #[must_use]
    pub fn input(&self) -> &str {
        &self.input
    }
}
