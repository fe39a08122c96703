//! Reads feed files and prints how every record was accounted for.
//!
//! `cargo run --release --example feed_stats -- FILE...`

use std::process::ExitCode;

use iochunt::feed::{FeedOptions, Record};

fn main() -> ExitCode {
    let mut status = ExitCode::SUCCESS;
    for path in std::env::args().skip(1) {
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{path}: {e}");
                status = ExitCode::FAILURE;
                continue;
            }
        };
        let reader = match FeedOptions::new().name(path.as_str()).reader(file) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{e}");
                status = ExitCode::FAILURE;
                continue;
            }
        };
        let format = reader.format();
        let (mut accepted, mut rejected) = (0u64, 0u64);
        for record in reader {
            match record {
                Ok(Record::Accepted { .. }) => accepted += 1,
                Ok(Record::Rejected(r)) => {
                    rejected += 1;
                    if rejected <= 5 {
                        eprintln!("{path}: {r}");
                    }
                }
                Err(e) => {
                    eprintln!("{e}");
                    status = ExitCode::FAILURE;
                    break;
                }
            }
        }
        println!("{path}: {format}: {accepted} accepted, {rejected} rejected");
    }
    status
}
