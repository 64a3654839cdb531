//! `kustodi-tui`: the service desk of the station.
#![deny(unsafe_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use kustodi::errors::{Exit, UserError, from_service};
use kustodi::home::Home;
use kustodi::i18n::{Lang, Messages};
use kustodi::ports::SystemClock;
use kustodi::service::ServiceError;
use kustodi_tui::app::{self, Channels};
use kustodi_tui::model::{Model, Officer, StationInfo};
use kustodi_tui::terminal::TerminalGuard;
use kustodi_tui::text::Texts;
use time::OffsetDateTime;

/// Kustodi service desk: application queue and wizard for in-person issuance.
#[derive(Debug, Parser)]
#[command(name = "kustodi-tui", version, about, long_about = None)]
struct Args {
    /// Station home folder (default: $KUSTODI_HOME, else the per-user data folder).
    #[arg(long, env = "KUSTODI_HOME", value_name = "DIR")]
    home: Option<PathBuf>,
    /// Language: id (Bahasa Indonesia, default) or en. F2 switches while running.
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
    /// Officer at the desk (until token sign-in: an officer id such as a NIP).
    #[arg(long, env = "KUSTODI_OFFICER", value_name = "ID")]
    officer: Option<String>,
}

/// Minutes without a key before the desk locks, unless the config says otherwise.
const DEFAULT_IDLE_LOCK_MINUTES: u32 = 5;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LangArg {
    Id,
    En,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    // Before any thread exists (the worker opens the station key through SoftHSM2).
    export_softhsm_conf(&args);
    let lang = match args.lang {
        Some(LangArg::En) => Lang::En,
        Some(LangArg::Id) | None => Lang::Id,
    };
    let code = match run(args, lang) {
        Ok(()) => Exit::Ok,
        Err(e) => {
            let msg = Messages::new(lang);
            eprintln!("{}: {}", msg.text("label-error", &[]), e.message_text(&msg));
            if let Some(h) = e.hint_text(&msg) {
                eprintln!("{}: {h}", msg.text("label-hint", &[]));
            }
            e.exit
        }
    };
    std::process::ExitCode::from(code as u8)
}

/// SoftHSM2 reads `SOFTHSM2_CONF` once, when the module is initialised; the home's config
/// names it. Exported first thing, as the `kustodi` CLI does.
#[allow(unsafe_code)]
fn export_softhsm_conf(args: &Args) {
    if let Some(conf) = kustodi::station_key::softhsm_conf_to_export(args.home.clone()) {
        // SAFETY: first thing in `main`, before any thread is spawned and before any library
        // reads the environment, so nothing reads it concurrently.
        unsafe { std::env::set_var(kustodi::token::softhsm::SOFTHSM_CONF_ENV, conf) };
    }
}

fn run(args: Args, lang: Lang) -> Result<(), UserError> {
    let home = Home::locate(args.home.clone()).map_err(|e| from_service(e.into()))?;
    if !home.is_initialised() {
        return Err(from_service(ServiceError::Home(
            kustodi::home::HomeError::NotInitialised {
                path: home.root().to_owned(),
            },
        )));
    }
    let config = home.load_config().map_err(|e| from_service(e.into()))?;
    let pin_file = home.root().join("sandbox/officer.pin");
    let station = StationInfo {
        authority: config.station.authority.clone(),
        desk: config.station.desk.clone(),
        sandbox: config.station.sandbox,
        sandbox_pin_file: (config.station.sandbox && pin_file.is_file())
            .then(|| pin_file.display().to_string()),
    };
    let officer = Officer {
        id: args.officer.filter(|o| !o.trim().is_empty()),
        token: None,
        name: None,
    };
    let mut model = Model::new(
        lang,
        Arc::new(Texts::new()),
        station,
        officer,
        OffsetDateTime::now_utc(),
    );
    // With an officer token configured, the desk opens on the sign-in screen (Pasal 21) and
    // locks itself after the idle time (`[officer] idle_lock_minutes`, 0 = never).
    if let Some(officer) = config
        .officer
        .as_ref()
        .filter(|o| o.default_token.is_some())
    {
        let minutes = officer
            .idle_lock_minutes
            .unwrap_or(DEFAULT_IDLE_LOCK_MINUTES);
        let idle = (minutes > 0).then(|| time::Duration::minutes(i64::from(minutes)));
        model = model.with_token_sign_in(idle);
    }

    let (reply_tx, reply_rx) = std::sync::mpsc::channel();
    let (effects, worker) = kustodi_tui::worker::spawn(
        move || kustodi::station_key::open_station(home, Box::new(SystemClock)),
        reply_tx,
    );
    let channels = Channels {
        effects,
        replies: reply_rx,
    };
    let io_error = |e: std::io::Error| {
        UserError::failed("desk.terminal", "desk-err-terminal")
            .arg("reason", e)
            .hint("desk-hint-terminal")
    };
    let result = {
        let mut guard = TerminalGuard::enter().map_err(io_error)?;
        app::run(
            &mut guard.terminal,
            &mut model,
            &channels,
            OffsetDateTime::now_utc,
        )
        // The guard restores the terminal here, before anything is printed.
    };
    // Let a write in progress commit (it is one transaction either way), then leave.
    drop(channels);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !worker.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    result.map_err(io_error)
}
