//! The station key on its PKCS#11 token, as the CLI and the desk open it.
//!
//! This is the one place that touches the token crate for the station itself; the service
//! receives the key only as a [`CheckpointSigner`] through a [`SignerFactory`].
//! (Moved here from the CLI so that `kustodi` and `kustodi-tui` share it.)

use std::path::PathBuf;

use crate::home::{Config, Home};
use crate::ports::token::TokenError;
use crate::ports::{CheckpointSigner, Clock, SignError};
use crate::secret::Pin;
use crate::service::{ServiceError, SignerFactory, Station};
use crate::token::softhsm::{self, SOFTHSM_CONF_ENV};
use crate::token::station::StationKey;

/// Label of the sandbox's station token.
pub const STATION_TOKEN_LABEL: &str = "kustodi-station";
/// Environment variable that gives the station token PIN (takes precedence over the file).
pub const STATION_PIN_ENV: &str = "KUSTODI_STATION_PIN";

/// The SoftHSM2 config a home uses, if any: from its config, else (for a home about to be
/// created) `HOME/softhsm2.conf`. The binaries export it as `SOFTHSM2_CONF` at start-up.
pub fn softhsm_conf_for(home: &Home) -> Option<PathBuf> {
    match home.load_config() {
        Ok(c) => c.station_key.softhsm_conf.map(|p| home.resolve(&p)),
        Err(_) => Some(home.root().join("softhsm2.conf")),
    }
}

/// What a binary should export as `SOFTHSM2_CONF` before it starts any thread: `None` when
/// the environment already names one or no home can be located.
///
/// SoftHSM2 reads its configuration path from the environment when the module is initialised
/// and from nowhere else; setting the variable is `unsafe` (the library forbids unsafe code),
/// so each binary calls `std::env::set_var` itself, first thing in `main`.
pub fn softhsm_conf_to_export(explicit_home: Option<PathBuf>) -> Option<PathBuf> {
    if std::env::var_os(SOFTHSM_CONF_ENV).is_some() {
        return None;
    }
    let home = Home::locate(explicit_home).ok()?;
    softhsm_conf_for(&home)
}

fn token_err(e: TokenError, label: &str) -> SignError {
    match e {
        TokenError::TokenNotFound { .. } => SignError::TokenNotFound {
            label: label.to_owned(),
        },
        TokenError::ObjectNotFound { .. } => SignError::KeyNotFound {
            label: label.to_owned(),
        },
        TokenError::PinIncorrect { .. } => SignError::PinIncorrect,
        TokenError::PinLocked => SignError::PinLocked,
        other => SignError::Token(other.to_string()),
    }
}

fn station_pin(home: &Home, config: &Config) -> Result<Pin, SignError> {
    if let Ok(pin) = std::env::var(STATION_PIN_ENV) {
        return Ok(Pin::from_string(pin));
    }
    let path = config
        .station_key
        .pin_file
        .as_ref()
        .map(|p| home.resolve(p))
        .ok_or_else(|| SignError::Token(format!("no station PIN: set {STATION_PIN_ENV}")))?;
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(&path)
            .map_err(|e| SignError::Token(format!("cannot read {}: {e}", path.display())))?,
    );
    Ok(Pin::new(text.trim().to_owned()))
}

/// Opens the station key of a home (module from the config, PIN from
/// [`STATION_PIN_ENV`] or the config's PIN file).
pub fn open_station_key(home: &Home, config: &Config) -> Result<StationKey, SignError> {
    let label = &config.station_key.token_label;
    let module = load_module(home, config).map_err(|e| token_err(e, label))?;
    open_station_key_on(&module, home, config)
}

/// The PKCS#11 module of the station's tokens (SoftHSM2 with the home's config in the
/// sandbox). Loading it again in the same process returns the module already loaded.
pub fn load_module(
    home: &Home,
    config: &Config,
) -> Result<crate::token::pkcs11::Pkcs11Module, crate::ports::token::TokenError> {
    match &config.station_key.softhsm_conf {
        Some(conf) => softhsm::load_softhsm(&config.station_key.module, home.resolve(conf)),
        None => crate::token::pkcs11::Pkcs11Module::load(&config.station_key.module),
    }
}

/// Opens the station key on a module the caller already loaded (a PKCS#11 module is
/// initialised once per process: a second `C_Initialize` fails).
pub fn open_station_key_on(
    module: &crate::token::pkcs11::Pkcs11Module,
    home: &Home,
    config: &Config,
) -> Result<StationKey, SignError> {
    let label = &config.station_key.token_label;
    let pin = station_pin(home, config)?;
    StationKey::open(module, label, &pin).map_err(|e| token_err(e, label))
}

/// Opens the station key when the service first needs to sign.
pub fn factory(home: Home, config: Config) -> SignerFactory<'static> {
    Box::new(move || {
        open_station_key(&home, &config).map(|k| Box::new(k) as Box<dyn CheckpointSigner>)
    })
}

/// Opens the station of an initialised home with its station key (opened on first write).
pub fn open_station(home: Home, clock: Box<dyn Clock>) -> Result<Station<'static>, ServiceError> {
    let config = home.load_config()?;
    let factory = factory(home.clone(), config);
    Station::open(home, clock, factory)
}
