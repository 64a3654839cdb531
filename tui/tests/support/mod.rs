//! Scratch stations for the desk's tests and benchmark: a real home, SQLite store and age
//! archive, with a software P-256 station key (never used outside tests and the benchmark).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kustodi::home::{Config, CustodianConfig, Home, PolicyConfig, StationConfig, StationKeyConfig};
use kustodi::i18n::Lang;
use kustodi::ports::clock::FixedClock;
use kustodi::ports::{CheckpointSigner, SignError};
use kustodi::service::Station;
use kustodi::store::SqliteStore;
use kustodi_tui::model::{Model, Officer, StationInfo};
use kustodi_tui::text::Texts;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::EncodePublicKey as _;
use time::OffsetDateTime;
use time::macros::datetime;

/// The tests' "now": 24 November 2026, 12:00 WIB.
pub const NOW: OffsetDateTime = datetime!(2026-11-24 05:00:00 UTC);
pub const OFFICER: &str = "198001012005011001";

/// A software station key.
#[derive(Clone)]
pub struct SoftKey(SigningKey);

impl SoftKey {
    pub fn new() -> Self {
        Self(SigningKey::from_slice(&[7u8; 32]).expect("valid scalar"))
    }
}

impl CheckpointSigner for SoftKey {
    fn key_id(&self) -> String {
        kustodi::domain::ledger::key_id_of(&self.public_key_spki_der())
    }
    fn public_key_spki_der(&self) -> Vec<u8> {
        self.0
            .verifying_key()
            .to_public_key_der()
            .expect("SPKI")
            .as_bytes()
            .to_vec()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let sig: DerSignature = self.0.sign(message);
        Ok(sig.as_bytes().to_vec())
    }
}

/// The example applications of the repository.
pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/applications")
}

/// Creates a station home in `dir` (config, custodian, store with the key registered).
pub fn make_home(dir: &Path) -> Home {
    let home = Home::at(dir);
    let custodian = age::x25519::Identity::generate();
    let config = Config {
        station: StationConfig {
            authority: "Otoritas Pendaftaran (OP) Diskominfosantik Kabupaten Bekasi".into(),
            desk: "loket-1".into(),
            sandbox: true,
        },
        policy: PolicyConfig {
            official_domains: vec!["bekasikab.go.id".into()],
        },
        custodians: CustodianConfig {
            recipients: vec![custodian.to_public().to_string()],
        },
        station_key: StationKeyConfig {
            module: "/nonexistent/test-only.so".into(),
            softhsm_conf: None,
            token_label: "test".into(),
            pin_file: None,
        },
        ca: None,
        officer: None,
        tokens: Default::default(),
        lifecycle: Default::default(),
    };
    let mut store = SqliteStore::open(home.db_path()).expect("store");
    store
        .unit_of_work(&SoftKey::new(), &FixedClock(NOW), |tx| {
            tx.register_station_key("test station key").map(|_| ())
        })
        .expect("register key");
    home.save_config(&config).expect("config");
    home
}

/// Opens the station of a home made by [`make_home`], with the fixed clock.
pub fn open_station(home: Home) -> Station<'static> {
    Station::open(
        home,
        Box::new(FixedClock(NOW)),
        Box::new(|| Ok(Box::new(SoftKey::new()) as Box<dyn CheckpointSigner>)),
    )
    .expect("open station")
}

/// A desk model as the binary makes it, at [`NOW`], 80×24.
pub fn model(lang: Lang) -> Model {
    Model::new(
        lang,
        Arc::new(Texts::new()),
        StationInfo {
            authority: "Otoritas Pendaftaran (OP) Diskominfosantik Kabupaten Bekasi".into(),
            desk: "loket-1".into(),
            sandbox: true,
            sandbox_pin_file: None,
        },
        Officer {
            id: Some(OFFICER.into()),
            token: None,
            name: None,
        },
        NOW,
    )
}

/// The verdict of a token with no advisory for `algorithm`.
pub fn allowed(algorithm: &str) -> kustodi::enroll::AlgorithmAssessment {
    kustodi::enroll::AlgorithmAssessment {
        algorithm: algorithm.into(),
        verdict: "allowed",
        advisories: vec![],
        supported_instead: None,
    }
}
