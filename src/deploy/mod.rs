//! Deployable outputs: files that security tools import as they are.
//!
//! - [`sentinel`]: Microsoft Sentinel analytics rules in the
//!   Azure-Sentinel repository's YAML format (kinds Scheduled and NRT),
//!   with stable ids, connectors, tactics, techniques and entity mappings.
//! - [`arm`]: the same rules as an ARM template
//!   (`Microsoft.SecurityInsights` alert rules).
//! - [`xdr`]: Defender XDR custom detections for the Microsoft Graph
//!   `detectionRule` API.
//! - [`watchlist`]: Sentinel watchlist CSVs for indicator sets too large
//!   for one query, read by the hunt through `_GetWatchlist()`.
//! - [`stix`]: STIX 2.1 indicator bundles, Microsoft Sentinel's STIX upload
//!   bodies (at most 100 objects each), and import of indicator bundles
//!   back into [`Indicator`](crate::Indicator)s with typed rejects.
//! - [`misp`]: MISP event JSON with an attribute per indicator.
//!
//! Every generator takes its timestamps as options and derives its ids
//! from the content (UUIDv5), so the same input gives byte-identical
//! output on every run.

pub mod arm;
pub mod misp;
pub mod sentinel;
pub mod stix;
pub mod watchlist;
pub mod xdr;
