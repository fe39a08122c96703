//! Parses the three XWorm IOCs of the seed hunting document and prints each
//! one's kind and canonical form, one per line, tab-separated.
//!
//! ```text
//! cargo run --example seed_iocs
//! ```

use iochunt::Ioc;

/// The seed document's IOCs, as it publishes them (the IPs defanged).
const SEED_IOCS: [&str; 3] = [
    "192.3.171.227:8823",
    "104.168.5.18:8823",
    "aliexpress.us.com",
];

fn main() -> Result<(), iochunt::ParseIocError> {
    for raw in SEED_IOCS {
        let ioc = Ioc::parse(raw)?;
        println!("{}\t{}", ioc.kind(), ioc);
    }
    Ok(())
}
