//! E-mail addresses (ThreatFox's `envelope_from` and `body_from`).

use std::fmt;

use super::domain::Domain;
use super::error::{ParseIocError, ParseIocErrorKind};

/// An e-mail address whose host is a validated [`Domain`].
///
/// The local part is kept as given (it is case-sensitive by the standard);
/// the domain is normalised like every [`Domain`].
///
/// # Examples
///
/// ```
/// use iochunt::Email;
///
/// # fn main() -> Result<(), iochunt::ParseIocError> {
/// let e = Email::parse("Billing@Evil-Invoices.COM")?;
/// assert_eq!(e.to_string(), "Billing@evil-invoices.com");
/// assert_eq!(e.local(), "Billing");
/// assert_eq!(e.domain().as_str(), "evil-invoices.com");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Email {
    local: String,
    domain: Domain,
}

impl Email {
    /// Parses an address of the form `local@domain`.
    ///
    /// # Errors
    ///
    /// [`ParseIocErrorKind::InvalidEmail`] when there is no `@`, the local
    /// part is empty or has characters an address may not carry unquoted, or
    /// the domain is invalid.
    ///
    /// ```
    /// # use iochunt::{Email, ParseIocErrorKind};
    /// assert_eq!(Email::parse("no at sign").unwrap_err().kind(), ParseIocErrorKind::InvalidEmail);
    /// assert_eq!(Email::parse("a b@evil.com").unwrap_err().kind(), ParseIocErrorKind::InvalidEmail);
    /// ```
    pub fn parse(input: &str) -> Result<Self, ParseIocError> {
        let invalid = || ParseIocError::new(ParseIocErrorKind::InvalidEmail, input);
        let (local, host) = input.rsplit_once('@').ok_or_else(invalid)?;
        let domain = Domain::parse(host).map_err(|_| invalid())?;
        // addr checks the local part against RFC 5321's grammar.
        let joined = format!("{local}@{domain}");
        addr::parse_email_address(&joined).map_err(|_| invalid())?;
        if local.is_empty() || local.starts_with('"') {
            return Err(invalid());
        }
        Ok(Self {
            local: local.to_owned(),
            domain,
        })
    }

    /// The part before the `@`.
    ///
    /// ```
    /// # use iochunt::Email;
    /// assert_eq!(Email::parse("x.y@evil.com")?.local(), "x.y");
    /// # Ok::<(), iochunt::ParseIocError>(())
    /// ```
    #[must_use]
    pub fn local(&self) -> &str {
        &self.local
    }

    /// The domain after the `@`.
    ///
    /// ```
    /// # use iochunt::Email;
    /// assert_eq!(Email::parse("x@mail.evil.com")?.domain().registrable(), Some("evil.com"));
    /// # Ok::<(), iochunt::ParseIocError>(())
    /// ```
    #[must_use]
    pub fn domain(&self) -> &Domain {
        &self.domain
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({self})")
    }
}

super::text_value!(Email, "an email address");
