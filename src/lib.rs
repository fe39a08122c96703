//! Typed indicators of compromise (IOCs) for threat hunting.
//!
//! iochunt turns threat-intel feed values into typed, validated indicators,
//! and (in the modules that build on them) into hunting queries for Microsoft
//! Sentinel and Defender XDR.
//!
//! # Overview
//!
//! - [`Ioc`]: one parsed value (IP, `ip:port`, CIDR, [`Domain`], URL,
//!   [`FileHash`], [`Email`]); [`IocKind`] names its kind.
//! - [`Indicator`]: an `Ioc` with its metadata ([`ThreatType`], [`Malware`],
//!   first/last seen, [`Confidence`], [`Tags`], [`Sources`]), and
//!   [`Indicator::merge`] for duplicates. Tags and sources are
//!   [`SmallSet`]s: sorted, and inline for the few values an indicator has.
//! - [`ParseIocError`]: why a value was rejected, quoting it.
//! - [`fang`]: refang, defang and extraction of indicators in free text
//!   (`hxxps[:]//evil[.]com` <-> `https://evil.com`), in memory or streaming.
//!
//! # Example
//!
//! ```
//! use iochunt::{Confidence, Indicator, Ioc, IocKind, ThreatType};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let c2 = Ioc::parse("104.168.5.18:8823")?;
//! assert_eq!(c2.kind(), IocKind::IpPort);
//!
//! let mut ind = Indicator::new(c2);
//! ind.threat_type = ThreatType::BotnetCc;
//! ind.confidence = Some(Confidence::parse("75%")?);
//! let json = serde_json::to_string(&ind)?;
//! assert_eq!(json, r#"{"ioc":"104.168.5.18:8823","threat_type":"botnet_cc","confidence":75}"#);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod confidence;
pub mod deploy;
pub mod fang;
pub mod feed;
pub mod filter;
pub mod hunt;
pub mod indicator;
pub mod ioc;
pub mod kql;
pub mod report;
pub mod set;

pub use confidence::{Confidence, ConfidenceError};
pub use indicator::{Indicator, Malware, MergeError, Source, ThreatType};
pub use ioc::{Domain, Email, FileHash, HashKind, Ioc, IocKind, ParseIocError, ParseIocErrorKind};
pub use set::{SmallSet, Sources, Tags};

// The README's examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
