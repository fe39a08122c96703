//! iochunt: typed indicators of compromise and safe KQL hunting queries.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod fang;
