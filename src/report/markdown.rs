//! The Markdown rendering of a [`Report`].

use std::fmt::{self, Display, Write as _};

use super::{Report, type_label};
use crate::Indicator;
use crate::hunt::{IocGroup, MATCH_TIER_COLUMN, Platform};

/// Most excluded indicators listed one per row; the JSON lists them all.
const EXCLUDED_ROWS: usize = 100;

/// Feed text (names, reasons, table names) in a Markdown cell, heading or
/// paragraph: nothing in it can open a link, an HTML tag, a code span,
/// emphasis or a new cell, it stays on one line, and an indicator written in
/// it is defanged (a bare URL in a family name would be a live link in any
/// viewer that links URLs by itself).
struct Cell<'a>(&'a str);

impl Display for Cell<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every live indicator has a dot, a colon or an `@`; most names have none.
        let text = if self.0.contains(['.', ':', '@']) {
            crate::fang::defang(self.0)
        } else {
            std::borrow::Cow::Borrowed(self.0)
        };
        let mut rest = text.as_ref();
        while let Some(c) = rest.chars().next() {
            // A defang marker stays as analysts write it: `[.]` followed by
            // anything but `(` opens no link.
            if let Some(marker) = ["[.]", "[:]", "[@]"].iter().find(|m| rest.starts_with(**m)) {
                if !rest[marker.len()..].starts_with('(') {
                    f.write_str(marker)?;
                    rest = &rest[marker.len()..];
                    continue;
                }
            }
            rest = &rest[c.len_utf8()..];
            match c {
                '|' | '\\' | '`' | '*' | '[' | ']' => {
                    f.write_char('\\')?;
                    f.write_char(c)?;
                }
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                c if crate::kql::breaks_a_line(c) => f.write_char(' ')?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// A defanged indicator value in a cell: as [`Cell`], but its brackets stay
/// as written (`192[.]0[.]2[.]1`, as analysts paste it), except where a `](`
/// could make a link of a value crafted as `[text](url)`.
struct Value<'a>(&'a str);

impl Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = self.0.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '|' | '\\' | '`' | '*' => {
                    f.write_char('\\')?;
                    f.write_char(c)?;
                }
                ']' if chars.peek() == Some(&'(') => f.write_str("]\\")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                c if crate::kql::breaks_a_line(c) => f.write_char(' ')?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// A fenced code block whose fence is longer than any run of backticks in
/// the code, so no content can close it early.
struct Fenced<'a> {
    info: &'a str,
    code: &'a str,
}

impl Display for Fenced<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut longest = 0;
        let mut run = 0;
        for c in self.code.chars() {
            run = if c == '`' { run + 1 } else { 0 };
            longest = longest.max(run);
        }
        let fence = "`".repeat((longest + 1).max(3));
        writeln!(f, "{fence}{}", self.info)?;
        writeln!(f, "{}", self.code.trim_end_matches('\n'))?;
        writeln!(f, "{fence}")
    }
}

fn group_words(group: IocGroup) -> &'static str {
    match group {
        IocGroup::Network => "network indicators",
        IocGroup::Domain => "domains",
        IocGroup::Url => "URLs",
        IocGroup::Hash => "file hashes",
        IocGroup::Email => "e-mail senders",
    }
}

fn ioc_row(f: &mut fmt::Formatter<'_>, ind: &Indicator) -> fmt::Result {
    let first = ind.first_seen.map_or_else(|| "-".to_owned(), super::date);
    let confidence = ind
        .confidence
        .map_or_else(|| "-".to_owned(), |c| format!("{}%", c.get()));
    writeln!(
        f,
        "| {} | {} | {} | {} | {} |",
        type_label(ind.ioc.kind()),
        Value(&ind.ioc.defanged().to_string()),
        Cell(ind.threat_type.as_str()),
        first,
        confidence
    )
}

impl Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kept = &self.filtered.kept;
        let plan = self.plan;
        writeln!(f, "# {}", Cell(&self.title()))?;
        writeln!(f)?;
        writeln!(f, "{}", Cell(&self.description()))?;
        writeln!(f)?;

        let summary = self.summary();
        writeln!(f, "## IOC summary")?;
        writeln!(f)?;
        let families = if summary.families.is_empty() {
            "unknown".to_owned()
        } else {
            summary.families.join(", ")
        };
        writeln!(f, "- **Malware family:** {}", Cell(&families))?;
        writeln!(f, "- **Total IOCs:** {}", summary.total)?;
        writeln!(f, "- **IOC types:** {}", summary.types.join(", "))?;
        if summary.excluded > 0 {
            writeln!(f, "- **Excluded by the filters:** {}", summary.excluded)?;
        }
        writeln!(f)?;

        writeln!(f, "## IOCs")?;
        writeln!(f)?;
        writeln!(
            f,
            "| Type | Value | Threat Type | First Seen | Confidence |"
        )?;
        writeln!(f, "|---|---|---|---|---|")?;
        for ind in kept {
            ioc_row(f, ind)?;
        }
        writeln!(f)?;

        writeln!(f, "## Hunting queries")?;
        writeln!(f)?;
        if plan.queries.is_empty() {
            if kept.is_empty() {
                writeln!(f, "No query: no indicator is left after filtering.")?;
            } else {
                writeln!(f, "No query: no indicator can be hunted on this platform.")?;
            }
            writeln!(f)?;
        } else {
            writeln!(
                f,
                "Network and domain queries add a `{MATCH_TIER_COLUMN}` column: `exact` when the \
                 indicator itself matched (the `ip:port` endpoint on one side of a connection, the \
                 IP, an address in a network, the domain or one of its subdomains), `ip_only` when \
                 only the address of an `ip:port` indicator matched, and `text` when the indicator \
                 was found inside a log message."
            )?;
            writeln!(f)?;
        }
        for (i, q) in plan.queries.iter().enumerate() {
            let parts = plan
                .queries
                .iter()
                .filter(|o| o.table == q.table && o.group == q.group)
                .count();
            let part = plan.queries[..i]
                .iter()
                .filter(|o| o.table == q.table && o.group == q.group)
                .count()
                + 1;
            write!(f, "### {}: {}", Cell(&q.table), group_words(q.group))?;
            if parts > 1 {
                write!(f, " (part {part} of {parts})")?;
            }
            writeln!(f)?;
            writeln!(f)?;
            writeln!(
                f,
                "Data connectors: {}. Indicators: {}.",
                Cell(&q.connectors.join(", ")),
                q.iocs.len()
            )?;
            writeln!(f)?;
            write!(
                f,
                "{}",
                Fenced {
                    info: "kql",
                    code: &q.text
                }
            )?;
            writeln!(f)?;
        }
        if !plan.unhunted.is_empty() {
            writeln!(f, "### Indicators left out of the queries")?;
            writeln!(f)?;
            writeln!(f, "| Value | Reason |")?;
            writeln!(f, "|---|---|")?;
            for u in &plan.unhunted {
                writeln!(
                    f,
                    "| {} | {} |",
                    Value(&u.ioc.defanged().to_string()),
                    Cell(&u.reason)
                )?;
            }
            writeln!(f)?;
        }

        writeln!(f, "## Data connectors")?;
        writeln!(f)?;
        writeln!(f, "| Table | Data connectors | Hunts | Notes |")?;
        writeln!(f, "|---|---|---|---|")?;
        for table in plan.tables() {
            let queries: Vec<_> = plan.queries.iter().filter(|q| q.table == table).collect();
            let mut groups: Vec<&str> = Vec::new();
            for q in &queries {
                if !groups.contains(&q.group.as_str()) {
                    groups.push(q.group.as_str());
                }
            }
            let connectors = queries
                .first()
                .map(|q| q.connectors.join(", "))
                .unwrap_or_default();
            let either = connectors.replace(", ", " or ");
            let note = if plan.options.platform == Platform::Defender {
                format!(
                    "Native to Defender XDR advanced hunting; in Sentinel it needs the {either} data connector"
                )
            } else if table.starts_with("_Im_") {
                format!("Deploy the ASIM parser and enable a {either} data connector that feeds it")
            } else {
                format!("Ensure the {either} data connector is enabled and {table} receives data")
            };
            writeln!(
                f,
                "| {} | {} | {} | {} |",
                Cell(table),
                Cell(&connectors),
                groups.join(", "),
                Cell(&note)
            )?;
        }
        writeln!(f)?;

        writeln!(f, "## False positives")?;
        writeln!(f)?;
        writeln!(f, "### Excluded by the filters")?;
        writeln!(f)?;
        let excluded = &self.filtered.excluded;
        if excluded.is_empty() {
            writeln!(f, "The filters excluded no indicator.")?;
        } else {
            writeln!(
                f,
                "{} indicator{} left out of every query:",
                excluded.len(),
                if excluded.len() == 1 { " is" } else { "s are" }
            )?;
            writeln!(f)?;
            writeln!(f, "| Value | Type | Rule |")?;
            writeln!(f, "|---|---|---|")?;
            for e in excluded.iter().take(EXCLUDED_ROWS) {
                writeln!(
                    f,
                    "| {} | {} | {} |",
                    Value(&e.indicator.ioc.defanged().to_string()),
                    type_label(e.indicator.ioc.kind()),
                    Cell(&e.rule.to_string())
                )?;
            }
            if excluded.len() > EXCLUDED_ROWS {
                writeln!(f)?;
                writeln!(
                    f,
                    "... and {} more (the JSON report lists them all).",
                    excluded.len() - EXCLUDED_ROWS
                )?;
            }
        }
        writeln!(f)?;
        for s in self.scenarios() {
            writeln!(f, "### Scenario: {}", Cell(&s.title))?;
            writeln!(f)?;
            writeln!(f, "{}", s.description)?;
            writeln!(f)?;
            // Exclusions with the same step and tables share one block.
            let mut blocks: Vec<(Vec<&str>, &[String], &str)> = Vec::new();
            for e in &s.exclusions {
                match blocks
                    .iter_mut()
                    .find(|(_, tables, text)| *tables == e.tables.as_slice() && *text == e.text)
                {
                    Some((groups, _, _)) => groups.push(e.group.as_str()),
                    None => blocks.push((vec![e.group.as_str()], &e.tables, &e.text)),
                }
            }
            for (groups, tables, text) in blocks {
                let mut code = String::new();
                let _ = writeln!(
                    code,
                    "// before `| project` in the {} quer{} of {}",
                    groups.join(" and "),
                    if tables.len() * groups.len() == 1 {
                        "y"
                    } else {
                        "ies"
                    },
                    tables.join(", ")
                );
                code.push_str(text);
                write!(
                    f,
                    "{}",
                    Fenced {
                        info: "kql",
                        code: &code
                    }
                )?;
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Cell, Fenced, Value};

    #[test]
    fn cells_escape_pipes_and_breaks() {
        assert_eq!(Cell("a|b\nc\u{2028}d").to_string(), "a\\|b c d");
    }

    #[test]
    fn feed_text_cannot_make_links_html_or_code() {
        assert_eq!(
            Cell("<img src=x onerror=alert(1)> [click](https://phish.example/) `x` *b*")
                .to_string(),
            r"&lt;img src=x onerror=alert(1)&gt; \[click\](hxxps://phish[.]example/) \`x\` \*b\*"
        );
        assert_eq!(Cell("botnet_cc").to_string(), "botnet_cc");
        // Names keep their dots; indicators in them are defanged.
        assert_eq!(Cell("win.xworm").to_string(), "win.xworm");
        assert_eq!(
            Cell("C2 at 192.0.2.7, see https://evil.example/x").to_string(),
            r"C2 at 192[.]0[.]2[.]7, see hxxps://evil[.]example/x"
        );
        // Other brackets, and a marker that could start a link, are escaped.
        assert_eq!(Cell("[.](x) [a] [.]").to_string(), r"\[.\](x) \[a\] [.]");
        assert_eq!(
            Value("hxxp://evil[.]com/r?x=[c](https://phish2.example/)&y=<b>`").to_string(),
            r"hxxp://evil[.]com/r?x=[c]\(https://phish2.example/)&y=&lt;b&gt;\`"
        );
        assert_eq!(
            Value("192[.]0[.]2[.]1:8823").to_string(),
            "192[.]0[.]2[.]1:8823"
        );
    }

    #[test]
    fn fences_outgrow_backticks() {
        let code = "print \"```\"";
        assert_eq!(
            Fenced { info: "kql", code }.to_string(),
            "````kql\nprint \"```\"\n````\n"
        );
        assert_eq!(
            Fenced {
                info: "kql",
                code: "T\n"
            }
            .to_string(),
            "```kql\nT\n```\n"
        );
    }
}
