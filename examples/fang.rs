//! Refang, defang or extract indicators from stdin.
//!
//! ```text
//! cargo run --release --example fang -- refang  < report.txt
//! cargo run --release --example fang -- defang  < report.txt
//! cargo run --release --example fang -- extract < report.txt   # kind<TAB>value lines
//! ```

use std::collections::HashSet;
use std::io::{self, BufWriter, Write};

use iochunt::IocKind;
use iochunt::fang::{DefangStyle, defang_stream, extract_reader, refang_stream};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let stdin = io::stdin().lock();
    let mut out = BufWriter::new(io::stdout().lock());
    match mode.as_str() {
        "refang" => {
            refang_stream(stdin, &mut out)?;
        }
        "defang" => {
            defang_stream(stdin, &mut out, &DefangStyle::new())?;
        }
        "extract" => {
            let mut seen = HashSet::new();
            for m in extract_reader(stdin) {
                let m = m?;
                // URLs as written (explicit ports, path spelling); the rest canonical
                let line = match m.kind() {
                    IocKind::Url => format!("url\t{}", m.live()),
                    kind => format!("{}\t{}", kind.as_str(), m.ioc()),
                };
                if seen.insert(line.clone()) {
                    writeln!(out, "{line}")?;
                }
            }
        }
        _ => {
            eprintln!("usage: fang refang|defang|extract  (reads stdin, writes stdout)");
            std::process::exit(2);
        }
    }
    out.flush()?;
    Ok(())
}
