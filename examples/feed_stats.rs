//! Reads feed files and prints how every record was accounted for.
//!
//! `cargo run --release --example feed_stats -- [--threads N] FILE...`

use std::process::ExitCode;

use iochunt::feed::{FeedOptions, Record};

fn main() -> ExitCode {
    let mut status = ExitCode::SUCCESS;
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut threads = 1;
    if args.first().map(String::as_str) == Some("--threads") {
        match args.get(1).and_then(|n| n.parse().ok()) {
            Some(n) => threads = n,
            None => {
                eprintln!("--threads takes a number");
                return ExitCode::FAILURE;
            }
        }
        args.drain(..2);
    }
    for path in args {
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{path}: {e}");
                status = ExitCode::FAILURE;
                continue;
            }
        };
        let reader = match FeedOptions::new()
            .name(path.as_str())
            .threads(threads)
            .reader(file)
        {
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
