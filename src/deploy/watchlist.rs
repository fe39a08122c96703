//! Sentinel watchlists for indicator sets too large for one query.
//!
//! Build the hunt with [`HuntOptions::with_watchlist_over`]: queries whose
//! indicator set exceeds the threshold read it through
//! `_GetWatchlist("<alias>")`, and [`watchlists`] writes the CSV each alias
//! needs. The CSV's search key is its `Indicator` column (the value as the
//! query compares it); `_GetWatchlist()` returns it again as `SearchKey`,
//! the column the queries read.
//!
//! Limits respected (Sentinel service limits): a header row, at most
//! 10,240 characters a line (a longer indicator is an error), RFC 4180
//! quoting, UTF-8 without BOM, `\r\n` line ends. [`Watchlist::fits_local_upload`]
//! tells whether the file is under the 3.8 MB of a local upload.
//!
//! # Example
//!
//! ```
//! use iochunt::{Indicator, Ioc};
//! use iochunt::deploy::watchlist::watchlists;
//! use iochunt::hunt::{Catalog, HuntOptions, HuntPlan};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let ind: Vec<Indicator> = ["192.3.171.227:8823", "104.168.5.18:8823"]
//!     .into_iter().map(|s| Ioc::parse(s).map(Indicator::new)).collect::<Result<_, _>>()?;
//! let plan = HuntPlan::build(&ind, Catalog::builtin(), &HuntOptions::default().with_watchlist_over(1))?;
//! let lists = watchlists(&plan, &ind)?;
//! assert_eq!(lists[0].alias, "iochunt_network");
//! assert_eq!(lists[0].to_csv(),
//!     "Indicator,Type,Ip,Confidence,Malware,Source\r\n\
//!      104.168.5.18:8823,ip:port,104.168.5.18,,,\r\n\
//!      192.3.171.227:8823,ip:port,192.3.171.227,,,\r\n");
//! let cef = plan.queries.iter().find(|q| q.table == "CommonSecurityLog").expect("a query");
//! assert!(cef.query.to_string().contains(r#"let ioc_ips = _GetWatchlist("iochunt_network") | where Type in ("ip", "ip:port") | project Ip;"#));
//! # Ok(())
//! # }
//! ```
//!
//! [`HuntOptions::with_watchlist_over`]: crate::hunt::HuntOptions::with_watchlist_over

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Value, json};

use crate::hunt::{HuntPlan, IocGroup, WATCHLIST_COLUMNS, watchlist_row};
use crate::{Indicator, Ioc};

/// The longest CSV line Sentinel accepts, in characters.
pub const MAX_LINE_CHARS: usize = 10_240;

/// The largest file a local upload accepts, in bytes (3.8 MB).
pub const MAX_LOCAL_UPLOAD_BYTES: usize = 3_800_000;

/// The column holding each item's search key.
pub const SEARCH_KEY_COLUMN: &str = "Indicator";

/// The context columns after [`WATCHLIST_COLUMNS`].
const CONTEXT_COLUMNS: [&str; 3] = ["Confidence", "Malware", "Source"];

/// A watchlist that cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WatchlistError {
    /// A row longer than Sentinel's line limit.
    #[error("watchlist row for {indicator:?} is {chars} characters, over {limit}")]
    LineTooLong {
        /// The indicator.
        indicator: String,
        /// The line length.
        chars: usize,
        /// The limit.
        limit: usize,
    },
}

/// One watchlist: its alias and rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Watchlist {
    /// The alias queries pass to `_GetWatchlist()`.
    pub alias: String,
    /// The group of indicators it holds.
    pub group: IocGroup,
    /// The rows, sorted by search key, without the header.
    pub rows: Vec<Vec<String>>,
}

/// The watchlists the queries of `plan` read, with the rows of every
/// indicator of their group (from `indicators`, which supply confidence,
/// family and source).
///
/// # Errors
///
/// [`WatchlistError::LineTooLong`] for an indicator too long for a row.
pub fn watchlists(
    plan: &HuntPlan,
    indicators: &[Indicator],
) -> Result<Vec<Watchlist>, WatchlistError> {
    let mut wanted: BTreeMap<&str, IocGroup> = BTreeMap::new();
    for q in &plan.queries {
        if let Some(alias) = &q.watchlist {
            wanted.insert(alias.as_str(), q.group);
        }
    }
    wanted
        .into_iter()
        .map(|(alias, group)| Watchlist::new(alias, group, indicators))
        .collect()
}

impl Watchlist {
    /// The watchlist `alias` with one row per distinct indicator of `group`
    /// in `indicators` (domains have no rows: domain hunts stay inline).
    ///
    /// # Errors
    ///
    /// [`WatchlistError::LineTooLong`] for an indicator too long for a row.
    pub fn new(
        alias: &str,
        group: IocGroup,
        indicators: &[Indicator],
    ) -> Result<Watchlist, WatchlistError> {
        let mut by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut merged: BTreeMap<&Ioc, Vec<&Indicator>> = BTreeMap::new();
        for ind in indicators.iter().filter(|i| IocGroup::of(&i.ioc) == group) {
            merged.entry(&ind.ioc).or_default().push(ind);
        }
        for (ioc, inds) in merged {
            let Some(row) = watchlist_row(ioc) else {
                continue;
            };
            let confidence = inds.iter().filter_map(|i| i.confidence).max();
            let malware: BTreeSet<&str> = inds
                .iter()
                .filter_map(|i| i.malware.as_ref().map(|m| m.display_name()))
                .collect();
            let sources: BTreeSet<&str> = inds
                .iter()
                .flat_map(|i| i.sources.iter().map(|s| &*s.feed))
                .collect();
            let mut cells: Vec<String> = row.into_iter().collect();
            cells.push(confidence.map(|c| c.to_string()).unwrap_or_default());
            cells.push(malware.into_iter().collect::<Vec<_>>().join(";"));
            cells.push(sources.into_iter().collect::<Vec<_>>().join(";"));
            let line = csv_line(&cells);
            let chars = line.chars().count();
            if chars > MAX_LINE_CHARS {
                return Err(WatchlistError::LineTooLong {
                    indicator: ioc.to_string(),
                    chars,
                    limit: MAX_LINE_CHARS,
                });
            }
            by_key.entry(cells[0].clone()).or_insert(cells);
        }
        Ok(Watchlist {
            alias: alias.to_owned(),
            group,
            rows: by_key.into_values().collect(),
        })
    }

    /// The header: [`WATCHLIST_COLUMNS`] then `Confidence`, `Malware`,
    /// `Source`.
    #[must_use]
    pub fn header() -> Vec<&'static str> {
        WATCHLIST_COLUMNS
            .iter()
            .chain(CONTEXT_COLUMNS.iter())
            .copied()
            .collect()
    }

    /// The CSV file: header and rows, RFC 4180 quoting, `\r\n` line ends.
    #[must_use]
    pub fn to_csv(&self) -> String {
        let mut out = csv_line(&Self::header());
        out.push_str("\r\n");
        for row in &self.rows {
            out.push_str(&csv_line(row));
            out.push_str("\r\n");
        }
        out
    }

    /// Whether the CSV is under the 3.8 MB of a local upload (else upload
    /// it through Azure Storage, up to 500 MB).
    #[must_use]
    pub fn fits_local_upload(&self) -> bool {
        self.to_csv().len() <= MAX_LOCAL_UPLOAD_BYTES
    }

    /// `<alias>.csv`.
    #[must_use]
    pub fn file_name(&self) -> String {
        format!("{}.csv", self.alias)
    }

    /// The `Microsoft.SecurityInsights/watchlists` ARM resource that
    /// uploads the CSV (for files under the local-upload limit), with a
    /// `workspace` parameter as in [`arm::template`](super::arm::template).
    ///
    /// ```
    /// use iochunt::deploy::watchlist::Watchlist;
    /// use iochunt::hunt::IocGroup;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let w = Watchlist::new("iochunt_network", IocGroup::Network, &[])?;
    /// let r = w.arm_resource();
    /// assert_eq!(r["properties"]["itemsSearchKey"], "Indicator");
    /// assert_eq!(r["properties"]["contentType"], "text/csv");
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn arm_resource(&self) -> Value {
        json!({
            "type": "Microsoft.OperationalInsights/workspaces/providers/watchlists",
            "apiVersion": super::arm::API_VERSION,
            "name": format!(
                "[concat(parameters('workspace'), '/Microsoft.SecurityInsights/', '{}')]",
                self.alias
            ),
            "properties": {
                "displayName": self.alias,
                "watchlistAlias": self.alias,
                "provider": "iochunt",
                "source": self.file_name(),
                "sourceType": "Local",
                "itemsSearchKey": SEARCH_KEY_COLUMN,
                "contentType": "text/csv",
                "numberOfLinesToSkip": 0,
                "description": format!("{} indicators read by iochunt rules", self.group),
                "rawContent": self.to_csv(),
            },
        })
    }
}

/// One CSV line (without its line end), quoting cells that need it.
fn csv_line<S: AsRef<str>>(cells: &[S]) -> String {
    cells
        .iter()
        .map(|c| {
            let c = c.as_ref();
            if c.contains([',', '"', '\r', '\n']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_per_rfc_4180() {
        assert_eq!(
            csv_line(&["a", "b,c", "say \"hi\"", ""]),
            r#"a,"b,c","say ""hi""","#
        );
    }
}
