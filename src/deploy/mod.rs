//! Deployable content built from a hunt: files SOC engineers import as
//! they are.
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

pub mod arm;
pub mod sentinel;
pub mod watchlist;
pub mod xdr;
