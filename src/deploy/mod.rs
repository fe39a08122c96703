//! Deployable outputs: files that security tools import as they are.
//!
//! - [`stix`]: STIX 2.1 indicator bundles, Microsoft Sentinel's STIX upload
//!   bodies (at most 100 objects each), and import of indicator bundles
//!   back into [`Indicator`](crate::Indicator)s with typed rejects.
//! - [`misp`]: MISP event JSON with an attribute per indicator.
//!
//! Every generator takes its timestamps as options and derives its ids
//! from the content (UUIDv5), so the same input gives byte-identical
//! output on every run.

pub mod misp;
pub mod stix;
