//! Hunt planning: which tables and columns each indicator is hunted in,
//! with the right matching semantics, as KQL.
//!
//! - [`Catalog`]: the tables of Microsoft Sentinel, Defender XDR and the ASIM
//!   parsers, with the role of each column ([`Field`]), kept as data.
//! - [`HuntPlan::build`]: one query per table and indicator group, split to
//!   the platforms' limits.
//!
//! Matching semantics:
//! - an `ip:port` indicator is an endpoint: the IP and port must be on the
//!   same side of a connection (either side) for an exact hit; a hit on the
//!   IP alone is reported with `MatchTier == "ip_only"`;
//! - IPs also match their IPv4-mapped IPv6 form (`::ffff:a.b.c.d`);
//! - a domain matches itself and its subdomains, case-insensitively, with
//!   one trailing dot ignored, and never a look-alike that only contains it
//!   (`has_any` is only a pre-filter before an exact regex check); a
//!   domain that is itself a public suffix matches only exactly;
//! - URLs match on a lower-cased form without trailing slashes;
//! - each hash algorithm goes to its own columns;
//! - CIDR networks go through `ipv4_is_in_any_range`/`ipv6_is_in_any_range`.
//!
//! # Example
//!
//! ```
//! use iochunt::{Indicator, Ioc};
//! use iochunt::hunt::{Catalog, HuntOptions, HuntPlan, Platform};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let ind = vec![Indicator::new(Ioc::parse("aliexpress.us.com")?)];
//! let plan = HuntPlan::build(&ind, Catalog::builtin(), &HuntOptions::new(Platform::Sentinel))?;
//! let dns = plan.queries.iter().find(|q| q.table == "DnsEvents").expect("a DnsEvents hunt");
//! assert!(dns.text.contains(r#"| where NameHost matches regex ioc_host_regex"#));
//! assert_eq!(dns.connectors, ["DNS"]);
//! # Ok(())
//! # }
//! ```

mod catalog;
mod matching;
pub(crate) use matching::host_regex;
pub(crate) use plan::feed_display_name;
mod plan;

pub use catalog::{Catalog, Field, Platform, TableSpec, UnknownPlatform};
pub use plan::{
    HuntError, HuntOptions, HuntPlan, HuntQuery, IocGroup, MATCH_TIER_COLUMN, MAX_WINDOW_DAYS,
    MatchTier, Unhunted, WATCHLIST_COLUMNS, WatchlistOptions, WindowError, parse_window_days,
    watchlist_row,
};
