//! Domain names: lower-case, IDNA-normalised, Public-Suffix-aware.

use std::fmt;

use super::error::{ParseIocError, ParseIocErrorKind};

/// The longest domain name DNS can carry, in its ASCII form without the root dot.
const MAX_DOMAIN_LEN: usize = 253;

/// A validated domain name.
///
/// Stored in its ASCII form: lower-case, internationalised labels in
/// punycode (`xn--...`), without a trailing root dot. The Unicode form is
/// available through [`Domain::to_unicode`]. The domain's suffix must be in the
/// Public Suffix List, which is what keeps file names such as `report.pdf`
/// from passing as domains.
///
/// A domain that *is* a public suffix (`us.com`, `duckdns.org`) is still a
/// valid value, but [`Domain::is_public_suffix`] says so: hunting for it
/// would match every customer of that suffix.
///
/// `Display` prints the ASCII form, and parsing it gives back an equal value.
///
/// # Examples
///
/// ```
/// use iochunt::Domain;
///
/// # fn main() -> Result<(), iochunt::ParseIocError> {
/// let d = Domain::parse("AliExpress.US.com.")?;
/// assert_eq!(d.as_str(), "aliexpress.us.com");
/// assert_eq!(d.suffix(), "us.com");
/// assert_eq!(d.registrable(), Some("aliexpress.us.com"));
/// assert!(!d.is_public_suffix());
/// assert!(Domain::parse("us.com")?.is_public_suffix());
///
/// let idn = Domain::parse("bücher.example.de")?;
/// assert_eq!(idn.as_str(), "xn--bcher-kva.example.de");
/// assert_eq!(idn.to_unicode(), "bücher.example.de");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Domain {
    ascii: String,
    /// Byte offset in `ascii` where the public suffix starts.
    suffix_start: usize,
    /// Byte offset in `ascii` where the registrable domain starts, if the
    /// name is longer than its suffix.
    registrable_start: Option<usize>,
}

impl Domain {
    /// Parses and normalises a domain name.
    ///
    /// One trailing root dot is accepted and dropped. Upper case is folded and
    /// Unicode labels are converted to punycode (UTS #46).
    ///
    /// # Errors
    ///
    /// [`ParseIocErrorKind::InvalidDomain`] for a syntactically bad name
    /// (empty label, leading or trailing hyphen, bad character, too long, a
    /// single label), [`ParseIocErrorKind::UnknownSuffix`] when the top-level
    /// suffix is not in the Public Suffix List.
    ///
    /// ```
    /// use iochunt::{Domain, ParseIocErrorKind};
    ///
    /// assert_eq!(Domain::parse("-bad-.com").unwrap_err().kind(), ParseIocErrorKind::InvalidDomain);
    /// assert_eq!(Domain::parse("report.notatld").unwrap_err().kind(), ParseIocErrorKind::UnknownSuffix);
    /// ```
    pub fn parse(input: &str) -> Result<Self, ParseIocError> {
        let invalid = |kind| ParseIocError::new(kind, input);
        let trimmed = input.strip_suffix('.').unwrap_or(input);
        if trimmed.is_empty() || !trimmed.contains('.') {
            return Err(invalid(ParseIocErrorKind::InvalidDomain));
        }
        // Refuse characters that UTS #46 would silently map to a dot or drop,
        // so that the value we store is the value the feed meant.
        if trimmed
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '@' | ':' | '%'))
        {
            return Err(invalid(ParseIocErrorKind::InvalidDomain));
        }
        // STD3 rules keep names to letters, digits and hyphens; hyphens in the
        // third and fourth position stay allowed, as real hosts use them.
        let ascii = idna::domain_to_ascii_cow(trimmed.as_bytes(), idna::AsciiDenyList::STD3)
            .map_err(|_| invalid(ParseIocErrorKind::InvalidDomain))?
            .into_owned();
        if ascii.len() > MAX_DOMAIN_LEN || ascii.ends_with('.') {
            return Err(invalid(ParseIocErrorKind::InvalidDomain));
        }
        let name = addr::parse_domain_name(&ascii)
            .map_err(|_| invalid(ParseIocErrorKind::InvalidDomain))?;
        if !name.has_known_suffix() {
            return Err(invalid(ParseIocErrorKind::UnknownSuffix));
        }
        let suffix_start = ascii.len() - name.suffix().len();
        let registrable_start = name.root().map(|root| ascii.len() - root.len());
        Ok(Self {
            ascii,
            suffix_start,
            registrable_start,
        })
    }

    /// The ASCII (punycode) form, lower-case, without a trailing dot.
    ///
    /// ```
    /// # use iochunt::Domain;
    /// assert_eq!(Domain::parse("EVIL.com")?.as_str(), "evil.com");
    /// # Ok::<(), iochunt::ParseIocError>(())
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.ascii
    }

    /// The Unicode form, for people to read.
    ///
    /// ```
    /// # use iochunt::Domain;
    /// assert_eq!(Domain::parse("xn--80ak6aa92e.com")?.to_unicode(), "аррӏе.com");
    /// # Ok::<(), iochunt::ParseIocError>(())
    /// ```
    #[must_use]
    pub fn to_unicode(&self) -> String {
        idna::domain_to_unicode(&self.ascii).0
    }

    /// The public suffix (`com`, `co.uk`, `duckdns.org`).
    ///
    /// ```
    /// # use iochunt::Domain;
    /// assert_eq!(Domain::parse("a.b.example.co.uk")?.suffix(), "co.uk");
    /// # Ok::<(), iochunt::ParseIocError>(())
    /// ```
    #[must_use]
    pub fn suffix(&self) -> &str {
        &self.ascii[self.suffix_start..]
    }

    /// The registrable domain: the public suffix plus one label. `None` when
    /// the name is itself a public suffix.
    ///
    /// ```
    /// # use iochunt::Domain;
    /// assert_eq!(Domain::parse("c2.evil.duckdns.org")?.registrable(), Some("evil.duckdns.org"));
    /// assert_eq!(Domain::parse("duckdns.org")?.registrable(), None);
    /// # Ok::<(), iochunt::ParseIocError>(())
    /// ```
    #[must_use]
    pub fn registrable(&self) -> Option<&str> {
        self.registrable_start.map(|start| &self.ascii[start..])
    }

    /// Whether the name is itself a public suffix, such as `us.com` or
    /// `duckdns.org`. Hunting for such a value matches every customer of
    /// that suffix.
    ///
    /// ```
    /// # use iochunt::Domain;
    /// assert!(Domain::parse("duckdns.org")?.is_public_suffix());
    /// assert!(!Domain::parse("evil.duckdns.org")?.is_public_suffix());
    /// # Ok::<(), iochunt::ParseIocError>(())
    /// ```
    #[must_use]
    pub fn is_public_suffix(&self) -> bool {
        self.registrable_start.is_none()
    }

    /// Whether `self` is `other` or one of its subdomains.
    ///
    /// ```
    /// # use iochunt::Domain;
    /// let parent = Domain::parse("evil.com")?;
    /// assert!(Domain::parse("a.evil.com")?.is_subdomain_of(&parent));
    /// assert!(parent.is_subdomain_of(&parent));
    /// assert!(!Domain::parse("notevil.com")?.is_subdomain_of(&parent));
    /// # Ok::<(), iochunt::ParseIocError>(())
    /// ```
    #[must_use]
    pub fn is_subdomain_of(&self, other: &Domain) -> bool {
        match self.ascii.strip_suffix(other.as_str()) {
            Some("") => true,
            Some(head) => head.ends_with('.'),
            None => false,
        }
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ascii)
    }
}

impl fmt::Debug for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Domain({:?})", self.ascii)
    }
}

impl AsRef<str> for Domain {
    fn as_ref(&self) -> &str {
        &self.ascii
    }
}

super::text_value!(Domain, "a domain name");
