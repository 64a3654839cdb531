//! The sandbox (`kustodi sandbox …`) and the ledger benchmark.
//!
//! Opening the station key itself lives in the library ([`kustodi::station_key`]), shared
//! with the desk.

use std::path::{Path, PathBuf};

use age::secrecy::ExposeSecret;
use kustodi::archive::{self, Archive};
use kustodi::home::{
    Config, CustodianConfig, Home, HomeError, PolicyConfig, StationConfig, StationKeyConfig,
    write_file,
};
use kustodi::ports::token::TokenError;
use kustodi::ports::{CheckpointSigner, Clock, SystemClock};
use kustodi::secret::{Pin, Secret};
use kustodi::service::ServiceError;
use kustodi::station_key::{STATION_TOKEN_LABEL, open_station_key, open_station_key_on};
use kustodi::store::SqliteStore;
use kustodi::token::softhsm::{self, SOFTHSM_MODULE_PATH, SoftHsmConfig};
use kustodi::token::station::{STATION_KEY_LABEL, StationKey};
use serde_json::json;

use super::args::{Cli, SandboxCmd, SandboxTokenCmd};
use super::output::{CliError, Exit, Out};
use kustodi::errors::from_service;

pub use kustodi::enroll::SANDBOX_FACTORY_SO_PIN;
/// Example applications written into a new sandbox.
const EXAMPLES: &[(&str, &[u8])] = &[
    (
        "individual.json",
        include_bytes!("../../tests/data/applications/individual.json"),
    ),
    (
        "position.json",
        include_bytes!("../../tests/data/applications/position.json"),
    ),
    (
        "system.json",
        include_bytes!("../../tests/data/applications/system.json"),
    ),
    (
        "invalid-many-problems.json",
        include_bytes!("../../tests/data/applications/invalid-many-problems.json"),
    ),
    (
        "docs/cover.pdf",
        include_bytes!("../../tests/data/applications/docs/cover.pdf"),
    ),
    (
        "docs/recommendation.pdf",
        include_bytes!("../../tests/data/applications/docs/recommendation.pdf"),
    ),
    (
        "docs/ktp.pdf",
        include_bytes!("../../tests/data/applications/docs/ktp.pdf"),
    ),
    (
        "docs/decree.pdf",
        include_bytes!("../../tests/data/applications/docs/decree.pdf"),
    ),
    (
        "docs/delegation.pdf",
        include_bytes!("../../tests/data/applications/docs/delegation.pdf"),
    ),
];

fn random_pin(len: usize) -> Pin {
    use rand::RngExt;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    Pin::from_string(
        (0..len)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect(),
    )
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CliError + '_ {
    move |source| {
        from_service(ServiceError::Home(HomeError::Io {
            path: path.to_owned(),
            source,
        }))
    }
}

fn token_cli_error(e: TokenError) -> CliError {
    CliError::failed("token.failed", "err-token")
        .arg("reason", e)
        .hint("hint-token")
}

pub fn sandbox(cli: &Cli, out: &Out, cmd: &SandboxCmd) -> Result<Exit, CliError> {
    let home = Home::locate(cli.home.clone()).map_err(|e| from_service(e.into()))?;
    match cmd {
        SandboxCmd::Init => sandbox_init(out, &home),
        SandboxCmd::Staff(cmd) => super::lifecycle::sandbox_staff(cli, out, cmd),
        SandboxCmd::Token(SandboxTokenCmd::New(args)) => {
            let config = home.load_config().map_err(|e| from_service(e.into()))?;
            let conf = config
                .station_key
                .softhsm_conf
                .as_ref()
                .filter(|_| config.station.sandbox)
                .ok_or_else(|| {
                    CliError::refused("sandbox.not_sandbox", "err-not-sandbox")
                        .hint("hint-sandbox-init")
                })?;
            let module = softhsm::load_softhsm(&config.station_key.module, home.resolve(conf))
                .map_err(token_cli_error)?;
            let label = args.label.clone().unwrap_or_else(|| {
                let mut b = [0u8; 3];
                rand::fill(&mut b);
                format!("STOCK-{}", hex::encode_upper(b))
            });
            let uri = softhsm::init_blank_token(
                &module,
                &label,
                &Pin::new(SANDBOX_FACTORY_SO_PIN.to_owned()),
            )
            .map_err(token_cli_error)?;
            let mut store = SqliteStore::open(home.db_path())
                .map_err(|e| from_service(ServiceError::Store(e)))?;
            // The module is initialised once per process: open the station key on it too.
            let signer =
                open_station_key_on(&module, &home, &config).map_err(|e| from_service(e.into()))?;
            store
                .unit_of_work(&signer, &SystemClock, |tx| {
                    tx.append_event(
                        "token.stock_added",
                        &uri,
                        "system:sandbox",
                        json!({"label": label, "source": "sandbox"}),
                    )
                })
                .map_err(|e| from_service(ServiceError::Store(e)))?;
            out.json(&json!({"uri": uri, "label": label}));
            out.say("sandbox-token-created", &[("label", &label)]);
            out.line(&uri);
            Ok(Exit::Ok)
        }
    }
}

fn sandbox_init(out: &Out, home: &Home) -> Result<Exit, CliError> {
    if home.is_initialised() {
        return Err(from_service(ServiceError::Home(
            HomeError::AlreadyInitialised {
                path: home.root().to_owned(),
            },
        )));
    }
    let root = home.root();
    std::fs::create_dir_all(root).map_err(io(root))?;
    // 1. SoftHSM2 token store of the sandbox.
    let conf = SoftHsmConfig::write(root).map_err(io(root))?;
    let module = softhsm::load_softhsm(SOFTHSM_MODULE_PATH, &conf).map_err(token_cli_error)?;
    // 2. Custodians: two age identities (a real OP keeps these offline, one per custodian).
    let sandbox_dir = home.sandbox_dir();
    let mut recipients = vec![];
    let mut identity_files = vec![];
    for n in 1..=2 {
        let id = age::x25519::Identity::generate();
        let path = sandbox_dir.join(format!("custodian-{n}.key"));
        let text = format!(
            "# Kustodi sandbox custodian {n} (sandbox only: a real custodian keeps this offline)\n# public key: {}\n{}\n",
            id.to_public(),
            id.to_string().expose_secret()
        );
        write_file(&path, text.as_bytes(), true).map_err(|e| from_service(e.into()))?;
        recipients.push(id.to_public().to_string());
        identity_files.push(path);
    }
    // 3. The station key on its own token. Its SO PIN is escrowed, never stored in clear; the
    //    user PIN is kept in a 0600 file because the sandbox signs unattended.
    let so_pin = random_pin(16);
    let user_pin = random_pin(16);
    let key = StationKey::create(&module, STATION_TOKEN_LABEL, &so_pin, &user_pin)
        .map_err(token_cli_error)?;
    let pin_file = PathBuf::from("sandbox/station.pin");
    write_file(&home.resolve(&pin_file), user_pin.expose().as_bytes(), true)
        .map_err(|e| from_service(e.into()))?;
    let parsed = archive::parse_recipients(&recipients).map_err(|e| from_service(e.into()))?;
    let escrow_name = Archive::new(home.archive_dir(), parsed)
        .escrow(&Secret::new(so_pin.expose().as_bytes().to_vec()))
        .map_err(|e| from_service(e.into()))?;
    // 4. Config, examples, database.
    let mut config = Config {
        station: StationConfig {
            authority: "Otoritas Pendaftaran (OP) Diskominfosantik Kabupaten Bekasi — SANDBOX"
                .into(),
            desk: "sandbox-desk-1".into(),
            sandbox: true,
        },
        policy: PolicyConfig {
            official_domains: vec!["bekasikab.go.id".into()],
        },
        custodians: CustodianConfig {
            recipients: recipients.clone(),
        },
        station_key: StationKeyConfig {
            module: SOFTHSM_MODULE_PATH.into(),
            softhsm_conf: Some("softhsm2.conf".into()),
            token_label: STATION_TOKEN_LABEL.into(),
            pin_file: Some(pin_file),
        },
        ca: None,
        officer: None,
        tokens: Default::default(),
        lifecycle: Default::default(),
    };
    for (name, bytes) in EXAMPLES {
        let path = root.join("examples").join(name);
        write_file(&path, bytes, false).map_err(|e| from_service(e.into()))?;
    }
    let mut store =
        SqliteStore::open(home.db_path()).map_err(|e| from_service(ServiceError::Store(e)))?;
    let clock = SystemClock;
    store
        .unit_of_work(&key, &clock as &dyn Clock, |tx| {
            tx.register_station_key(STATION_KEY_LABEL)?;
            tx.append_event(
                "station.initialised",
                "station",
                "system:sandbox",
                json!({"authority": config.station.authority, "desk": config.station.desk,
                       "sandbox": true, "custodians": recipients}),
            )?;
            tx.append_event(
                "secret.escrowed",
                key.token_uri(),
                "system:sandbox",
                json!({"secret": "so_pin", "archive": escrow_name}),
            )
        })
        .map_err(|e| from_service(ServiceError::Store(e)))?;
    // 5. Enrolment: the embedded CA on its own token and one officer token.
    let provider = kustodi::token::Pkcs11Provider::new(vec![module.clone()]);
    let parts = kustodi::enroll::create_sandbox_parts(
        &provider,
        home,
        &recipients,
        &mut store,
        &key,
        &clock,
    )
    .map_err(super::enroll::enrol_error)?;
    config.ca = Some(parts.ca.clone());
    config.officer = Some(parts.officer.clone());
    // The config is written last: a home without config.toml is not a station, so a failed
    // init can simply be run again after removing the folder.
    home.save_config(&config)
        .map_err(|e| from_service(e.into()))?;

    // A new home is private from the start: 0700, every file 0600, whatever the umask.
    kustodi::home::tighten_permissions(root).map_err(|e| from_service(e.into()))?;
    let key_id = key.key_id();
    let ca_path = root.join("ca/ca.pem");
    out.json(&json!({
        "home": root, "station_key_id": key_id,
        "custodian_identities": identity_files, "examples": root.join("examples"),
        "ca_certificate": ca_path, "officer_token": parts.officer_token_uri,
        "officer_id": parts.officer_id, "officer_pin": parts.officer_pin.expose(),
    }));
    out.say("sandbox-ready", &[("home", &root.display().to_string())]);
    out.say("sandbox-station-key", &[("key", &key_id)]);
    for f in &identity_files {
        out.say("sandbox-custodian", &[("path", &f.display().to_string())]);
    }
    out.say(
        "sandbox-examples",
        &[("path", &root.join("examples").display().to_string())],
    );
    out.say(
        "sandbox-ca",
        &[
            ("token", kustodi::enroll::SANDBOX_CA_TOKEN),
            ("path", &ca_path.display().to_string()),
        ],
    );
    out.say(
        "sandbox-officer",
        &[
            ("token", &parts.officer_token_uri),
            ("id", &parts.officer_id),
        ],
    );
    // Sandbox only: printed once so a newcomer can sign in; never stored in clear.
    out.say(
        "sandbox-officer-pin",
        &[("pin", parts.officer_pin.expose())],
    );
    Ok(Exit::Ok)
}

/// `kustodi bench ledger`: a scratch ledger in a temporary folder, signed by the station key.
pub fn bench_ledger(cli: &Cli, out: &Out, events: u64, batch: u64) -> Result<Exit, CliError> {
    let home = Home::locate(cli.home.clone()).map_err(|e| from_service(e.into()))?;
    let config = home.load_config().map_err(|e| from_service(e.into()))?;
    let key = open_station_key(&home, &config).map_err(|e| from_service(e.into()))?;
    let dir = tempfile::tempdir_in(home.root()).map_err(io(home.root()))?;
    let figures = kustodi::bench::ledger_bench(dir.path(), events, batch.max(1), &key)
        .map_err(|e| from_service(ServiceError::Store(e)))?;
    out.json(&json!({
        "events": figures.events, "batch": figures.batch, "db_bytes": figures.db_bytes,
        "append_s": figures.append.as_secs_f64(), "verify_s": figures.verify.as_secs_f64(),
        "verify_one_thread_s": figures.verify_one_thread.as_secs_f64(),
        "verify_with_records_s": figures.verify_with_records.as_secs_f64(),
        "records": figures.records, "records_over_chain": figures.records_over_chain(),
        "sqlite_scan_s": figures.sqlite_scan.as_secs_f64(),
        "bytes_hashed": figures.bytes_hashed, "baseline_s": figures.baseline.as_secs_f64(),
        "append_events_per_s": figures.append_events_per_sec(),
        "verify_events_per_s": figures.verify_events_per_sec(),
        "baseline_events_per_s": figures.baseline_events_per_sec(),
        "baseline_mb_per_s": figures.baseline_mb_per_sec(),
        "verify_over_baseline": figures.verify_over_baseline(), "sha_ni": figures.sha_ni,
    }));
    out.line(figures.to_string());
    Ok(Exit::Ok)
}
