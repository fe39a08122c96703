//! iochunt: typed indicators of compromise and safe KQL hunting queries.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod confidence;
pub mod feed;
pub mod indicator;
pub mod ioc;

pub use confidence::{Confidence, ConfidenceError};
pub use indicator::{Indicator, Malware, MergeError, Source, ThreatType};
pub use ioc::{Domain, Email, FileHash, HashKind, Ioc, IocKind, ParseIocError, ParseIocErrorKind};
