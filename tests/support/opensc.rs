//! The virtual PIV card behind a real pcscd, for tests that go through OpenSC or PC/SC:
//! starts pcscd and cards with `tests/support/pcscd.sh` / `virtual-piv.sh` (building the card
//! if needed) and stops the cards it started. pcscd is left running: it is one per host and
//! other engineers' cards may be connected to it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

pub const OPENSC_MODULE: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";
pub const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
pub const PIN: &str = "123456";
pub const MGM_KEY: &str = "010203040506070801020304050607080102030405060708";

/// vpcd ports we try, with their reader names (`KUSTODI_VPCD_READERS=4`). The second pair is
/// preferred: the first pair (35963/35964) is where everyone's cards go by default.
const PORTS: &[(u16, &str)] = &[
    (35965, "Yubico YubiKey OTP+FIDO+CCID #2 00 00"),
    (35966, "Yubico YubiKey OTP+FIDO+CCID #2 00 01"),
    (35964, "Yubico YubiKey OTP+FIDO+CCID 00 01"),
    (35963, "Yubico YubiKey OTP+FIDO+CCID 00 00"),
];

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support")
}

fn run_dir() -> PathBuf {
    std::env::var_os("KUSTODI_TEST_RUN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/kustodi-test-run-tokcli"))
}

fn script(name: &str, args: &[&str]) -> Result<String, String> {
    // Bounded: a pcscd reader wedged by someone else's half-connected card blocks opensc-tool
    // (used by virtual-piv.sh start) forever; fail instead of hanging.
    let limit = if args.first() == Some(&"build") {
        "1800"
    } else {
        "120"
    };
    let out = Command::new("timeout")
        .arg(limit)
        .arg(scripts().join(name))
        .args(args)
        .env("KUSTODI_TEST_RUN", run_dir())
        .env("KUSTODI_VPCD_READERS", "4")
        .output()
        .map_err(|e| format!("{name}: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!("{name} {args:?} failed: {text}"))
    }
}

fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `None` (after a loud message) when pcscd or vsmartcard-vpcd is not installed.
pub fn prerequisites(test: &str) -> Option<()> {
    let mut missing = Vec::new();
    if !installed("pcscd") {
        missing.push("pcscd");
    }
    if !Path::new(VPCD_DRIVER).is_file() {
        missing.push("vsmartcard-vpcd");
    }
    if missing.is_empty() {
        return Some(());
    }
    eprintln!(
        "\n*** SKIPPED {test}: {} not installed (apt-get install -y pcscd vsmartcard-vpcd opensc yubico-piv-tool) ***\n",
        missing.join(", ")
    );
    None
}

/// One test at a time drives cards from this process.
pub fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts pcscd (or reuses a running one that serves vpcd).
pub fn start_pcscd() {
    script("pcscd.sh", &["start"]).unwrap_or_else(|e| panic!("{e}"));
}

/// A running virtual card; stopped on drop.
#[derive(Debug)]
pub struct Card {
    pub serial: u32,
    pub port: u16,
    pub reader: &'static str,
}

impl Card {
    /// Builds the card if needed and starts it on the first free vpcd port.
    pub fn start(serial: u32) -> Card {
        script("virtual-piv.sh", &["build"]).unwrap_or_else(|e| panic!("{e}"));
        start_pcscd();
        let mut errors = Vec::new();
        for (port, reader) in PORTS {
            match script(
                "virtual-piv.sh",
                &[
                    "start",
                    "--serial",
                    &serial.to_string(),
                    "--port",
                    &port.to_string(),
                ],
            ) {
                Ok(_) => {
                    return Card {
                        serial,
                        port: *port,
                        reader,
                    };
                }
                Err(e) => errors.push(e),
            }
        }
        panic!("no vpcd port free for a card:\n{}", errors.join("\n"));
    }

    /// Stops the card (a removal for PC/SC).
    pub fn stop(&self) {
        let _ = script(
            "virtual-piv.sh",
            &["stop", "--port", &self.port.to_string()],
        );
    }

    /// `yubico-piv-tool -r <reader> args…`.
    pub fn piv_tool(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new("timeout")
            .arg("60")
            .arg("yubico-piv-tool")
            .args(["-r", self.reader])
            .args(args)
            .output()
            .map_err(|e| format!("yubico-piv-tool: {e}"))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if out.status.success() {
            Ok(text)
        } else {
            Err(format!("yubico-piv-tool {args:?}: {text}"))
        }
    }
}

impl Drop for Card {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs a command, panicking with its output on failure.
pub fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{program} {args:?}: {text}");
    text
}
