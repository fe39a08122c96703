//! Confidence scores, 0 to 100.

use std::fmt;
use std::str::FromStr;

/// A feed's confidence in an indicator, from 0 to 100 inclusive.
///
/// Parses `75`, `"75"` and `"75%"`; `Display` prints the bare number.
/// In JSON it is a number, and strings of the forms above are accepted.
///
/// # Examples
///
/// ```
/// use iochunt::Confidence;
///
/// # fn main() -> Result<(), iochunt::ConfidenceError> {
/// assert_eq!(Confidence::new(75)?.get(), 75);
/// assert_eq!("75%".parse::<Confidence>()?, Confidence::new(75)?);
/// assert!(Confidence::new(101).is_err());
/// assert!(Confidence::new(90)? > Confidence::new(75)?);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Confidence(u8);

/// A confidence value outside `0..=100`, or text that is not a number.
///
/// ```
/// # use iochunt::Confidence;
/// assert_eq!(Confidence::new(101).unwrap_err().to_string(), r#"invalid confidence "101": expected an integer from 0 to 100"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid confidence {input:?}: expected an integer from 0 to 100")]
pub struct ConfidenceError {
    input: String,
}

impl ConfidenceError {
    /// The rejected input, as text.
    ///
    /// ```
    /// # use iochunt::Confidence;
    /// assert_eq!("high".parse::<Confidence>().unwrap_err().input(), "high");
    /// ```
    #[must_use]
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl Confidence {
    /// The lowest confidence, 0.
    pub const MIN: Confidence = Confidence(0);
    /// The highest confidence, 100.
    pub const MAX: Confidence = Confidence(100);

    /// Makes a confidence from an integer.
    ///
    /// # Errors
    ///
    /// [`ConfidenceError`] when `value > 100`.
    ///
    /// ```
    /// # use iochunt::Confidence;
    /// assert!(Confidence::new(100).is_ok());
    /// assert!(Confidence::new(200).is_err());
    /// ```
    pub fn new(value: u8) -> Result<Self, ConfidenceError> {
        if value <= 100 {
            Ok(Confidence(value))
        } else {
            Err(ConfidenceError {
                input: value.to_string(),
            })
        }
    }

    /// Parses `75`, ` 75 ` or `75%`.
    ///
    /// # Errors
    ///
    /// [`ConfidenceError`] for anything else, or a number above 100.
    ///
    /// ```
    /// # use iochunt::Confidence;
    /// assert_eq!(Confidence::parse("80%")?.get(), 80);
    /// assert!(Confidence::parse("-1").is_err());
    /// # Ok::<(), iochunt::ConfidenceError>(())
    /// ```
    pub fn parse(input: &str) -> Result<Self, ConfidenceError> {
        let err = || ConfidenceError {
            input: input.to_owned(),
        };
        let digits = input.trim();
        let digits = digits.strip_suffix('%').unwrap_or(digits);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        match digits.parse::<u8>() {
            Ok(v) if v <= 100 => Ok(Confidence(v)),
            _ => Err(err()),
        }
    }

    /// The value, from 0 to 100.
    ///
    /// ```
    /// # use iochunt::Confidence;
    /// assert_eq!(Confidence::MAX.get(), 100);
    /// ```
    #[must_use]
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Confidence({})", self.0)
    }
}

impl FromStr for Confidence {
    type Err = ConfidenceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for Confidence {
    type Error = ConfidenceError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl TryFrom<u8> for Confidence {
    type Error = ConfidenceError;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}

impl From<Confidence> for u8 {
    fn from(c: Confidence) -> u8 {
        c.0
    }
}

impl serde::Serialize for Confidence {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Confidence {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Confidence;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a confidence from 0 to 100, as a number or a string such as \"75%\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Confidence, E> {
                u8::try_from(v)
                    .ok()
                    .and_then(|v| Confidence::new(v).ok())
                    .ok_or_else(|| {
                        E::custom(ConfidenceError {
                            input: v.to_string(),
                        })
                    })
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Confidence, E> {
                match u64::try_from(v) {
                    Ok(v) => self.visit_u64(v),
                    Err(_) => Err(E::custom(ConfidenceError {
                        input: v.to_string(),
                    })),
                }
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Confidence, E> {
                Confidence::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}
