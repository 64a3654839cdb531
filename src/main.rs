//! `kustodi`: the command-line front end of the station.
#![deny(unsafe_code)]

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::args::Cli::parse();
    export_softhsm_conf(&args);
    let exit = cli::run(args);
    std::process::ExitCode::from(exit as u8)
}

/// SoftHSM2 reads its configuration path from `SOFTHSM2_CONF` when the module is initialised,
/// and from nowhere else. The home's config names it; export it before anything else runs.
#[allow(unsafe_code)]
fn export_softhsm_conf(args: &cli::args::Cli) {
    if let Some(conf) = kustodi::station_key::softhsm_conf_to_export(args.home.clone()) {
        // SAFETY: called first thing in `main`, before any thread is spawned and before any
        // library reads the environment, so nothing can read it concurrently.
        unsafe { std::env::set_var(kustodi::token::softhsm::SOFTHSM_CONF_ENV, conf) };
    }
}
