//! Shared SoftHSM2 for the integration tests: one config, one `C_Initialize` per test process,
//! and a fresh token with a unique label for each test.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use kustodi::secret::Pin;
use kustodi::token::softhsm::{
    SOFTHSM_CONF_ENV, SOFTHSM_MODULE_PATH, SoftHsmConfig, init_blank_token, load_softhsm,
};
use kustodi::token::{Pkcs11Module, Pkcs11Provider};

pub const SO_PIN: &str = "so-pin-77120";
pub const USER_PIN: &str = "493817";

/// The process-wide SoftHSM2 instance.
#[derive(Debug)]
pub struct SoftHsm {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub module: Pkcs11Module,
}

static SOFTHSM: OnceLock<SoftHsm> = OnceLock::new();

/// The SoftHSM2 module of this test process, loaded once. **Every test in a binary that uses
/// this must call it before doing anything else** (see the SAFETY note).
#[allow(unsafe_code)]
pub fn softhsm() -> &'static SoftHsm {
    SOFTHSM.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("softhsm-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("temp dir")
            .keep();
        let config = SoftHsmConfig::write(&dir).expect("write softhsm2.conf");
        // SAFETY: `set_var` is unsafe because another thread may read the environment at the
        // same time (C code calling getenv is not covered by std's env lock). This runs inside
        // `OnceLock::get_or_init`, exactly once per process, and every test of the binaries
        // that include this module calls `softhsm()` as its first action, so all other test
        // threads are either not started yet or blocked on this OnceLock; no thread of ours is
        // reading the environment. SoftHSM2 itself reads SOFTHSM2_CONF only in C_Initialize,
        // which runs below, after the write.
        unsafe { std::env::set_var(SOFTHSM_CONF_ENV, &config) };
        let module = load_softhsm(SOFTHSM_MODULE_PATH, &config).expect("load SoftHSM2");
        SoftHsm {
            dir,
            config,
            module,
        }
    })
}

/// A provider over the shared SoftHSM2 module.
pub fn provider() -> Pkcs11Provider {
    Pkcs11Provider::new(vec![softhsm().module.clone()])
}

/// A unique token label (≤ 32 bytes) starting with `prefix`.
pub fn unique_label(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut label = format!("{prefix}-{}-{n}", std::process::id());
    label.truncate(32);
    label
}

/// A fresh token "from stock" (label + SO PIN, no user PIN). Returns (label, URI).
pub fn blank_token(prefix: &str) -> (String, String) {
    let label = unique_label(prefix);
    let uri = init_blank_token(&softhsm().module, &label, &pin(SO_PIN)).expect("init token");
    (label, uri)
}

/// A fresh token with the user PIN set. Returns (label, URI).
pub fn ready_token(prefix: &str) -> (String, String) {
    use kustodi::ports::token::TokenProvider;
    let (label, uri) = blank_token(prefix);
    provider()
        .init_user_pin(&uri, &pin(SO_PIN), &pin(USER_PIN))
        .expect("init user PIN");
    (label, uri)
}

pub fn pin(text: &str) -> Pin {
    Pin::new(text.to_owned())
}
