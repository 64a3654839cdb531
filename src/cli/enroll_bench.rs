//! `kustodi bench enroll` (placeholder, filled in below).

use serde_json::{Value, json};

use super::args::Cli;
use super::output::{CliError, Out};

pub fn run(_cli: &Cli, _out: &Out, count: u32, algorithm: &str) -> Result<Value, CliError> {
    Ok(json!({"count": count, "algorithm": algorithm}))
}
