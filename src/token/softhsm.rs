//! SoftHSM2 in the sandbox and in tests: a config file with its own token directory.
//!
//! SoftHSM2 reads the config path from `SOFTHSM2_CONF` **when the module is initialised**
//! (`C_Initialize`), and nothing else chooses it. Setting an environment variable needs
//! `unsafe` (it races with other threads reading the environment), which this library forbids;
//! so the process that loads SoftHSM (the `kustodi` binary at start-up, the test support code)
//! sets `SOFTHSM2_CONF` once, before any thread is started, and then calls [`load_softhsm`],
//! which checks that it did.
//!
//! SoftHSM2 2.6.1 facts the rest of the code relies on: there is always exactly one free
//! (uninitialised) token; initialising it moves it to a new slot id derived from its serial
//! and a new free token appears; the user PIN is never locked after failed logins (see
//! `docs/tokens.md`).

use std::path::{Path, PathBuf};

use super::pkcs11::{Pkcs11Module, Pkcs11Provider};
use crate::ports::token::TokenError;
use crate::secret::Pin;

/// Where Debian installs the SoftHSM2 PKCS#11 module.
pub const SOFTHSM_MODULE_PATH: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// The environment variable SoftHSM2 reads its config path from.
pub const SOFTHSM_CONF_ENV: &str = "SOFTHSM2_CONF";

/// A SoftHSM2 configuration in a directory of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoftHsmConfig {
    /// `DIR/softhsm2.conf`.
    pub config_path: PathBuf,
    /// `DIR/tokens`.
    pub token_dir: PathBuf,
}

impl SoftHsmConfig {
    /// Writes `DIR/softhsm2.conf` (file object store, errors-only logging, non-removable slots)
    /// and creates `DIR/tokens` (mode 0700). Returns the config file's path. Idempotent.
    pub fn write(dir: impl AsRef<Path>) -> std::io::Result<PathBuf> {
        Ok(Self::write_config(dir)?.config_path)
    }

    /// As [`SoftHsmConfig::write`], returning both paths.
    pub fn write_config(dir: impl AsRef<Path>) -> std::io::Result<Self> {
        let dir = dir.as_ref();
        let token_dir = dir.join("tokens");
        std::fs::create_dir_all(&token_dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&token_dir, std::fs::Permissions::from_mode(0o700))?;
        }
        let config_path = dir.join("softhsm2.conf");
        let text = format!(
            "# Written by kustodi: SoftHSM2 token store for this station/sandbox.\n\
             directories.tokendir = {}\n\
             objectstore.backend = file\n\
             log.level = ERROR\n\
             slots.removable = false\n",
            token_dir.display()
        );
        std::fs::write(&config_path, text)?;
        Ok(Self {
            config_path,
            token_dir,
        })
    }
}

/// Loads and initialises SoftHSM2 for the config at `config_path`, after checking that
/// `SOFTHSM2_CONF` names it (otherwise SoftHSM2 would silently use another token store).
pub fn load_softhsm(
    module_path: impl AsRef<Path>,
    config_path: impl AsRef<Path>,
) -> Result<Pkcs11Module, TokenError> {
    let module_path = module_path.as_ref();
    let want = config_path.as_ref();
    let have = std::env::var_os(SOFTHSM_CONF_ENV);
    if have.as_deref().map(Path::new) != Some(want) {
        return Err(TokenError::ModuleLoad {
            path: module_path.display().to_string(),
            reason: format!(
                "{SOFTHSM_CONF_ENV} must be set to {} before loading SoftHSM2 (it is {:?})",
                want.display(),
                have
            ),
        });
    }
    if !want.is_file() {
        return Err(TokenError::ModuleLoad {
            path: module_path.display().to_string(),
            reason: format!("SoftHSM2 config {} does not exist", want.display()),
        });
    }
    Pkcs11Module::load(module_path)
}

/// A new token "from stock": the free token initialised with `label` and the factory SO PIN,
/// no user PIN yet (the provisioning flow sets it). Returns the token's URI.
pub fn init_blank_token(
    module: &Pkcs11Module,
    label: &str,
    factory_so_pin: &Pin,
) -> Result<String, TokenError> {
    Pkcs11Provider::new(vec![module.clone()]).init_free_token(label, factory_so_pin)
}
