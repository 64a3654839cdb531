//! The station home: one folder holding the configuration, the database, the encrypted
//! archive and (in the sandbox) the SoftHSM2 token store.
//!
//! ```text
//! HOME/
//!   config.toml          station settings (this module)
//!   kustodi.db           SQLite store: applications, documents, ledger
//!   archive/             documents and escrowed secrets, age-encrypted to the custodians
//!   softhsm2.conf        sandbox only: SoftHSM2 configuration
//!   tokens/              sandbox only: SoftHSM2 token files
//!   sandbox/             sandbox only: custodian identities, station PIN (mode 0600)
//! ```
//!
//! The home is private to its owner: 0700, every folder in it 0700 and every file 0600, set
//! explicitly at `sandbox init` (whatever the umask) and checked each time the CLI opens the
//! home ([`tighten_permissions`]); looser modes are tightened with a warning.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Errors reading or writing the station home.
#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    #[error("{path} is not a Kustodi station home (no config.toml)")]
    NotInitialised { path: PathBuf },
    #[error("{path} already holds a station")]
    AlreadyInitialised { path: PathBuf },
    #[error("config {path} is invalid: {reason}")]
    BadConfig { path: PathBuf, reason: String },
    #[error("no home folder: give --home DIR or set KUSTODI_HOME")]
    NoDefault,
    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// `config.toml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub station: StationConfig,
    pub policy: PolicyConfig,
    pub custodians: CustodianConfig,
    pub station_key: StationKeyConfig,
    /// The CA that issues holders' certificates (absent in homes made before enrolment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<CaConfig>,
    /// Officer sign-in defaults (nothing secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub officer: Option<OfficerConfig>,
    /// PKCS#11 modules to look for tokens in (`kustodi token list`).
    #[serde(default, skip_serializing_if = "TokensConfig::is_default")]
    pub tokens: TokensConfig,
    /// Renewal and revocation policy (`[lifecycle]`).
    #[serde(default, skip_serializing_if = "LifecycleConfig::is_default")]
    pub lifecycle: LifecycleConfig,
}

/// Which CA issues: the station's own (key on a PKCS#11 token), an offline CA (BSrE), or an
/// ACME CA (`system` certificates, `[ca.acme]`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum CaKind {
    #[default]
    Embedded,
    Offline,
    Acme,
}

/// `[ca]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CaConfig {
    #[serde(default)]
    pub kind: CaKind,
    /// Embedded CA: label of the token holding the CA key.
    #[serde(default)]
    pub token_label: Option<String>,
    /// Embedded CA: file with the CA token PIN (relative to the home, mode 0600; sandbox only).
    /// The environment variable `KUSTODI_CA_PIN` takes precedence.
    #[serde(default)]
    pub pin_file: Option<PathBuf>,
    /// Embedded CA: its certificate (PEM, relative to the home).
    #[serde(default)]
    pub certificate: Option<PathBuf>,
    /// Offline CA: its display name (e.g. `BSrE`).
    #[serde(default)]
    pub offline_name: Option<String>,
    /// Offline CA: folder where CSRs and request sheets are written.
    #[serde(default)]
    pub outbox: Option<PathBuf>,
    /// CA certificates (PEM files) that holders' and officers' certificates must chain to.
    #[serde(default)]
    pub trust_anchors: Vec<PathBuf>,
    /// `production` or `test`, written into receipts.
    #[serde(default = "default_ca_use")]
    pub usage: String,
    /// ACME CA: where and how to reach it (`[ca.acme]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acme: Option<AcmeCaConfig>,
}

/// `[ca.acme]`: an ACME (RFC 8555) CA for `system` certificates.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AcmeCaConfig {
    /// The directory URL (`https://…/directory`).
    pub directory_url: String,
    /// PEM root of the ACME server's TLS certificate (relative to the home); absent: the
    /// system trust store.
    #[serde(default)]
    pub tls_root: Option<PathBuf>,
    /// Account contacts (`mailto:…`); some ACME servers require one.
    #[serde(default)]
    pub contact: Vec<String>,
    /// Upper bound in seconds for one issuance (order, polling, download).
    #[serde(default = "default_acme_timeout")]
    pub timeout_seconds: u64,
}

fn default_acme_timeout() -> u64 {
    90
}

fn default_ca_use() -> String {
    "production".into()
}

/// `[officer]`: where officers sign in. No PIN, no key: only where to find the token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct OfficerConfig {
    /// PKCS#11 URI of the officer token used when `--officer-token` is not given.
    #[serde(default)]
    pub default_token: Option<String>,
    /// `CKA_LABEL` of the officer's signing key on the officer token.
    #[serde(default = "default_officer_key_label")]
    pub key_label: String,
    /// Minutes without a key before the desk locks and asks for the officer's PIN again
    /// (unset: 5; 0: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_lock_minutes: Option<u32>,
}

fn default_officer_key_label() -> String {
    "officer-signing".into()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StationConfig {
    /// Name of the registration authority, printed on receipts.
    pub authority: String,
    /// Which desk this station is (several desks may share one OP).
    pub desk: String,
    /// `true` for a sandbox home made by `kustodi sandbox init`.
    #[serde(default)]
    pub sandbox: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Official e-mail/DNS domains (each also allows its subdomains).
    pub official_domains: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CustodianConfig {
    /// age X25519 recipients (`age1…`) of the OP's custodians.
    pub recipients: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StationKeyConfig {
    /// PKCS#11 module holding the station key.
    pub module: PathBuf,
    /// SoftHSM2 configuration (relative to the home), exported as `SOFTHSM2_CONF`.
    #[serde(default)]
    pub softhsm_conf: Option<PathBuf>,
    /// Label of the token holding the station key.
    pub token_label: String,
    /// File holding the station token PIN (relative to the home, mode 0600). The environment
    /// variable `KUSTODI_STATION_PIN` takes precedence. Only the sandbox writes this file.
    #[serde(default)]
    pub pin_file: Option<PathBuf>,
}

/// `[tokens]`: where the station looks for tokens.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TokensConfig {
    /// PKCS#11 module paths. Empty (the default): the station key's module (the sandbox's
    /// SoftHSM2) and OpenSC's module if it is installed.
    #[serde(default)]
    pub modules: Vec<PathBuf>,
    /// **Tests only**: extra attestation roots (PEM, relative to the home) trusted besides
    /// the pinned Yubico roots, e.g. the virtual PIV card's test CA. Empty in production.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attestation_test_roots: Vec<PathBuf>,
}

impl TokensConfig {
    pub fn is_default(&self) -> bool {
        self == &Self::default()
    }
}

/// What a renewal does with the certificate it replaces (Pasal 15).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OldCertificatePolicy {
    /// Revoked at the CA (reason `superseded`) when the new one is installed.
    #[default]
    Revoke,
    /// Left valid until it expires.
    Expire,
}

/// `[lifecycle]`: renewal and revocation policy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LifecycleConfig {
    /// What a renewal does with the old certificate.
    #[serde(default)]
    pub renewal_old_certificate: OldCertificatePolicy,
    /// Days from a CRL's thisUpdate to its nextUpdate (embedded CA).
    #[serde(default = "default_crl_days")]
    pub crl_next_update_days: u32,
}

fn default_crl_days() -> u32 {
    7
}

impl Default for LifecycleConfig {
    fn default() -> Self {
        Self {
            renewal_old_certificate: OldCertificatePolicy::Revoke,
            crl_next_update_days: default_crl_days(),
        }
    }
}

impl LifecycleConfig {
    pub fn is_default(&self) -> bool {
        self == &Self::default()
    }
}

/// A station home folder.
#[derive(Debug, Clone)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    /// `--home`, else `KUSTODI_HOME`, else the per-user data folder.
    pub fn locate(explicit: Option<PathBuf>) -> Result<Home, HomeError> {
        if let Some(root) = explicit {
            return Ok(Home { root });
        }
        directories::ProjectDirs::from("id.go.bekasikab", "Diskominfosantik", "kustodi")
            .map(|d| Home {
                root: d.data_dir().to_owned(),
            })
            .ok_or(HomeError::NoDefault)
    }

    pub fn at(root: impl Into<PathBuf>) -> Home {
        Home { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn config_path(&self) -> PathBuf {
        self.root.join("config.toml")
    }
    pub fn db_path(&self) -> PathBuf {
        self.root.join("kustodi.db")
    }
    pub fn archive_dir(&self) -> PathBuf {
        self.root.join("archive")
    }
    pub fn sandbox_dir(&self) -> PathBuf {
        self.root.join("sandbox")
    }
    /// A path from the config, relative to the home unless absolute.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_owned()
        } else {
            self.root.join(p)
        }
    }

    pub fn is_initialised(&self) -> bool {
        self.config_path().is_file()
    }

    pub fn load_config(&self) -> Result<Config, HomeError> {
        let path = self.config_path();
        let text = std::fs::read_to_string(&path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                HomeError::NotInitialised {
                    path: self.root.clone(),
                }
            } else {
                HomeError::Io {
                    path: path.clone(),
                    source,
                }
            }
        })?;
        toml::from_str(&text).map_err(|e| HomeError::BadConfig {
            path,
            reason: e.to_string(),
        })
    }

    pub fn save_config(&self, config: &Config) -> Result<(), HomeError> {
        let path = self.config_path();
        let text = toml::to_string_pretty(config).map_err(|e| HomeError::BadConfig {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        write_file(&path, text.as_bytes(), false)
    }
}

/// Makes the home private to its owner: the home and every folder in it 0700, every file 0600
/// (set explicitly, whatever the umask). Symbolic links are left alone. Returns the paths whose
/// mode was looser and has been tightened, so that the caller can warn about them.
#[cfg(unix)]
pub fn tighten_permissions(root: &Path) -> Result<Vec<PathBuf>, HomeError> {
    use std::os::unix::fs::PermissionsExt;
    let mut tightened = vec![];
    let mut stack = vec![root.to_owned()];
    while let Some(path) = stack.pop() {
        let io = |source| HomeError::Io {
            path: path.clone(),
            source,
        };
        let meta = std::fs::symlink_metadata(&path).map_err(io)?;
        let want = if meta.is_dir() {
            0o700
        } else if meta.is_file() {
            0o600
        } else {
            continue;
        };
        let mode = meta.permissions().mode() & 0o7777;
        if mode & !want != 0 {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(want)).map_err(io)?;
            tightened.push(path.clone());
        }
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path).map_err(io)? {
                stack.push(entry.map_err(io)?.path());
            }
        }
    }
    tightened.sort();
    Ok(tightened)
}

/// Writes a file (creating its folder); `private` makes it readable by the owner only.
pub fn write_file(path: &Path, bytes: &[u8], private: bool) -> Result<(), HomeError> {
    let io = |source| HomeError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    use std::io::Write;
    let mut f = options.open(path).map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Config {
        Config {
            station: StationConfig {
                authority: "OP Kabupaten Bekasi".into(),
                desk: "desk-1".into(),
                sandbox: true,
            },
            policy: PolicyConfig {
                official_domains: vec!["bekasikab.go.id".into()],
            },
            custodians: CustodianConfig {
                recipients: vec!["age1xyz".into()],
            },
            station_key: StationKeyConfig {
                module: "/usr/lib/softhsm/libsofthsm2.so".into(),
                softhsm_conf: Some("softhsm2.conf".into()),
                token_label: "kustodi-station".into(),
                pin_file: Some("sandbox/station.pin".into()),
            },
            ca: None,
            officer: None,
            tokens: TokensConfig::default(),
            lifecycle: LifecycleConfig::default(),
        }
    }

    #[test]
    fn config_round_trips_through_toml() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path());
        home.save_config(&sample()).unwrap();
        assert_eq!(home.load_config().unwrap(), sample());
    }

    #[test]
    fn a_config_with_ca_and_officer_sections_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path());
        let mut c = sample();
        c.ca = Some(CaConfig {
            kind: CaKind::Offline,
            token_label: None,
            pin_file: None,
            certificate: None,
            offline_name: Some("BSrE".into()),
            outbox: Some("outbox".into()),
            trust_anchors: vec!["ca/bsre.pem".into()],
            usage: "production".into(),
            acme: None,
        });
        c.officer = Some(OfficerConfig {
            default_token: Some("pkcs11:token=officer-1".into()),
            key_label: "officer-signing".into(),
            idle_lock_minutes: None,
        });
        home.save_config(&c).unwrap();
        assert_eq!(home.load_config().unwrap(), c);
    }

    #[test]
    fn a_config_without_tokens_section_lists_the_default_modules() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path());
        home.save_config(&sample()).unwrap();
        let text = std::fs::read_to_string(home.config_path()).unwrap();
        assert!(!text.contains("[tokens]"), "{text}");
        std::fs::write(
            home.config_path(),
            format!("{text}\n[tokens]\nmodules = [\"/opt/vendor/p11.so\"]\n"),
        )
        .unwrap();
        assert_eq!(
            home.load_config().unwrap().tokens.modules,
            [PathBuf::from("/opt/vendor/p11.so")]
        );
    }

    #[test]
    fn a_folder_without_config_is_not_a_home() {
        let dir = tempfile::tempdir().unwrap();
        let err = Home::at(dir.path()).load_config().unwrap_err();
        assert!(matches!(err, HomeError::NotInitialised { .. }));
    }

    #[test]
    fn unknown_config_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path());
        home.save_config(&sample()).unwrap();
        let text = std::fs::read_to_string(home.config_path()).unwrap();
        std::fs::write(home.config_path(), format!("{text}\n[extra]\nx = 1\n")).unwrap();
        assert!(matches!(
            home.load_config(),
            Err(HomeError::BadConfig { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s/pin");
        write_file(&p, b"x", true).unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn an_acme_ca_section_round_trips_and_defaults_its_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path());
        home.save_config(&sample()).unwrap();
        let text = std::fs::read_to_string(home.config_path()).unwrap();
        std::fs::write(
            home.config_path(),
            format!(
                "{text}\n[ca]\nkind = \"acme\"\ntrust_anchors = [\"ca/acme-root.pem\"]\n\n\
                 [ca.acme]\ndirectory_url = \"https://127.0.0.1:14000/dir\"\n\
                 tls_root = \"ca/acme-tls.pem\"\n"
            ),
        )
        .unwrap();
        let c = home.load_config().unwrap();
        let ca = c.ca.clone().unwrap();
        assert_eq!(ca.kind, CaKind::Acme);
        let acme = ca.acme.unwrap();
        assert_eq!(acme.directory_url, "https://127.0.0.1:14000/dir");
        assert_eq!(acme.tls_root, Some(PathBuf::from("ca/acme-tls.pem")));
        assert_eq!(acme.timeout_seconds, 90);
        home.save_config(&c).unwrap();
        assert_eq!(home.load_config().unwrap(), c);
    }
}
