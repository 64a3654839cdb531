//! Virtual PIV cards behind a real pcscd for the PIV tests, through the harness scripts
//! (`tests/support/virtual-piv.sh`, `tests/support/pcscd.sh`; see docs/testing-piv.md).
//!
//! * [`available`] checks for pcscd and the vpcd driver (the only reason to skip, loudly) and
//!   builds the virtual card once if its binary is missing (~2–6 min from scratch).
//! * [`Card::start`] starts a factory-fresh card (pcscd too, idempotent); dropping the
//!   [`Card`] stops it. Tests hold [`lock`] so cards on the vpcd ports never overlap.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Instant;

/// vpcd ports served by the harness's pcscd: reader "… 00 00" (35963) and "… 00 01" (35964).
/// `KUSTODI_PIV_PORT_A` / `KUSTODI_PIV_PORT_B` override them, for a pcscd of one's own (with
/// `PCSCLITE_CSOCK_NAME`) when the host's shared pcscd is unusable; see docs/tokens.md.
pub fn port_a() -> u16 {
    port_from_env("KUSTODI_PIV_PORT_A", 35963)
}

pub fn port_b() -> u16 {
    port_from_env("KUSTODI_PIV_PORT_B", 35964)
}

fn port_from_env(name: &str, default: u16) -> u16 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn script(name: &str) -> PathBuf {
    repo().join("tests/support").join(name)
}

/// `$KUSTODI_TEST_RUN` or `/tmp/kustodi-test-run`, as the scripts use it.
pub fn run_dir() -> PathBuf {
    std::env::var_os("KUSTODI_TEST_RUN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/kustodi-test-run"))
}

/// One card test at a time per test binary.
pub fn lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().expect("run harness script");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Whether the harness can run here. `false` (with a loud message) only when pcscd or the vpcd
/// driver is not installed; a failing build of the virtual card is a test failure, not a skip.
pub fn available() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| {
        let pcscd = ["/usr/sbin/pcscd", "/usr/bin/pcscd"]
            .iter()
            .any(|p| Path::new(p).exists());
        if !pcscd || !Path::new(VPCD_DRIVER).exists() {
            eprintln!(
                "\n{bar}\n!! SKIPPING the virtual PIV card tests: pcscd and/or the vpcd driver\n\
                 !! ({VPCD_DRIVER}) are not installed. Install them with\n\
                 !!   apt-get install -y pcscd vsmartcard-vpcd libpcsclite-dev libclang-dev opensc\n{bar}\n",
                bar = "!".repeat(78)
            );
            return false;
        }
        let t = Instant::now();
        let (ok, text) = run(Command::new(script("virtual-piv.sh")).arg("build"));
        assert!(ok, "building the virtual PIV card failed:\n{text}");
        eprintln!(
            "virtual-piv build (or up-to-date check) took {:?}",
            t.elapsed()
        );
        true
    })
}

/// `PATH` for `virtual-piv.sh start` with an `opensc-tool` stand-in first. The script waits
/// for the card with `opensc-tool -r N -a`, which initialises every reader of the (host-wide,
/// shared) pcscd and hangs for good when another client has wedged one of them — seen on the
/// shared development machine. The stand-in answers the ATR prefix at once; readiness is then
/// checked through the stack the tests use ([`wait_until_open`], bounded).
fn shim_path() -> std::ffi::OsString {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        use std::os::unix::fs::PermissionsExt;
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("piv-shim");
        std::fs::create_dir_all(&dir).unwrap();
        let tool = dir.join("opensc-tool");
        std::fs::write(
            &tool,
            "#!/bin/sh\n# see tests/support/piv.rs\necho 3b:fd:13\n",
        )
        .unwrap();
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        dir
    });
    let mut path = dir.clone().into_os_string();
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    path
}

/// Polls until the card with `serial` opens through PC/SC and the `yubikey` crate (≤ 20 s).
fn wait_until_open(serial: u32) {
    let deadline = Instant::now() + std::time::Duration::from_secs(20);
    loop {
        match kustodi::token::piv::PivProvider::new().open_by_serial(serial) {
            Ok(_) => return,
            Err(e) if Instant::now() > deadline => panic!("card {serial} never opened: {e}"),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    }
}

/// A running virtual card; stopped on drop.
#[derive(Debug)]
pub struct Card {
    pub serial: u32,
    pub port: u16,
    pub version: String,
}

impl Card {
    /// A factory-fresh card with this serial on `port` (any card of ours there is stopped
    /// first). Returns once the card answers through the PIV stack (open by serial).
    pub fn start(serial: u32, port: u16, version: &str) -> Card {
        let sh = script("virtual-piv.sh");
        let _ = run(Command::new(&sh).args(["stop", "--port", &port.to_string()]));
        let t = Instant::now();
        let (ok, text) = run(Command::new(&sh).env("PATH", shim_path()).args([
            "start",
            "--serial",
            &serial.to_string(),
            "--port",
            &port.to_string(),
            "--version",
            version,
        ]));
        assert!(
            ok,
            "starting virtual card {serial} on {port} failed:\n{text}"
        );
        wait_until_open(serial);
        eprintln!(
            "timing: card {serial} on port {port} started in {:?}",
            t.elapsed()
        );
        Card {
            serial,
            port,
            version: version.to_owned(),
        }
    }

    /// Stops the card process (as if the token were pulled out).
    pub fn stop(&self) {
        let (ok, text) = run(Command::new(script("virtual-piv.sh")).args([
            "stop",
            "--port",
            &self.port.to_string(),
        ]));
        assert!(ok, "stopping card {}: {text}", self.serial);
    }
}

impl Drop for Card {
    fn drop(&mut self) {
        let _ = run(Command::new(script("virtual-piv.sh")).args([
            "stop",
            "--port",
            &self.port.to_string(),
        ]));
    }
}

/// The test attestation root the harness's cards chain to (PEM). Trusted **only** by tests.
pub fn attestation_root_pem() -> Vec<u8> {
    let path = run_dir().join("attestation/attestation-root.pem");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
