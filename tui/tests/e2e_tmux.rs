//! End to end: a sandbox made by the real `kustodi` binary, the desk running in tmux at 80×24,
//! keys sent as an officer would type them, and the result checked with the CLI afterwards.
//!
//! Needs tmux (skipped with a message if it is absent) and the `kustodi` binary next to
//! `kustodi-tui` (`cargo test --workspace --features kustodi/test-hooks` builds both, the crash hook included;
//! `scripts/test` does that).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const TUI: &str = env!("CARGO_BIN_EXE_kustodi-tui");
const OFFICER: &str = "198001012005011001";

fn kustodi_bin() -> PathBuf {
    let bin = Path::new(TUI).with_file_name("kustodi");
    assert!(
        bin.is_file(),
        "{} is missing: build it with `cargo build -p kustodi` (cargo test --workspace does)",
        bin.display()
    );
    bin
}

fn kustodi(home: &Path, args: &[&str]) -> Output {
    Command::new(kustodi_bin())
        .arg("--home")
        .arg(home)
        .args(args)
        .env_remove("SOFTHSM2_CONF")
        .env_remove("KUSTODI_STATION_PIN")
        .env("KUSTODI_OFFICER", OFFICER)
        .output()
        .unwrap()
}

/// A sandbox station made by the real `kustodi sandbox init`, in a scratch folder.
struct Sandbox {
    dir: tempfile::TempDir,
    home: PathBuf,
    officer_pin: String,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("station");
        let init = kustodi(&home, &["--json", "sandbox", "init"]);
        assert!(init.status.success(), "sandbox init: {init:?}");
        let sandbox: serde_json::Value = serde_json::from_slice(&init.stdout).unwrap();
        let officer_pin = sandbox["officer_pin"].as_str().unwrap().to_owned();
        Sandbox {
            dir,
            home,
            officer_pin,
        }
    }

    /// A new stock token (`kustodi sandbox token new`), as its JSON report.
    fn stock_token(&self) -> serde_json::Value {
        let token = kustodi(&self.home, &["--json", "sandbox", "token", "new"]);
        assert!(token.status.success(), "token new: {token:?}");
        serde_json::from_slice(&token.stdout).unwrap()
    }

    /// The individual example submitted and approved as APP-000001 from the CLI.
    fn approved_example(&self) {
        let example = self.home.join("examples/individual.json");
        for args in [
            &["application", "submit", example.to_str().unwrap()][..],
            &["application", "approve", "APP-000001"][..],
        ] {
            let out = kustodi(&self.home, args);
            assert!(out.status.success(), "{args:?}: {out:?}");
        }
    }

    fn exit_file(&self) -> PathBuf {
        self.dir.path().join("exit-code")
    }

    /// The desk in a private tmux server at 80×24; its exit code goes to [`Self::exit_file`].
    fn start_desk(&self, name: &str, extra_args: &str) -> Tmux {
        let tmux = Tmux {
            socket: format!("kustodi-e2e-{name}-{}", std::process::id()),
        };
        let command = format!(
            "env -u SOFTHSM2_CONF -u KUSTODI_STATION_PIN -u LANG '{TUI}' --home '{}' --officer {OFFICER}{extra_args}; echo $? > '{}'",
            self.home.display(),
            self.exit_file().display()
        );
        let started = tmux.cmd(&[
            "new-session",
            "-d",
            "-x",
            "80",
            "-y",
            "24",
            "-s",
            "desk",
            &command,
        ]);
        assert!(started.status.success(), "tmux: {started:?}");
        tmux
    }

    /// Waits for the desk to exit; its exit code.
    fn exit_code(&self) -> String {
        let exit_file = self.exit_file();
        let start = Instant::now();
        while !exit_file.exists() && start.elapsed() < Duration::from_secs(15) {
            std::thread::sleep(Duration::from_millis(100));
        }
        std::fs::read_to_string(&exit_file)
            .expect("the desk exited")
            .trim()
            .to_owned()
    }
}

/// The desk opens on the officer sign-in (Pasal 21): the officer types their token PIN.
fn sign_in(tmux: &Tmux, title: &str, pin: &str) {
    tmux.wait_for(title);
    tmux.literal(pin);
    tmux.keys(&["Enter"]);
}

/// A private tmux server (its own socket), killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap()
    }
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "desk"];
        args.extend_from_slice(keys);
        assert!(self.cmd(&args).status.success());
    }
    fn literal(&self, text: &str) {
        assert!(
            self.cmd(&["send-keys", "-t", "desk", "-l", text])
                .status
                .success()
        );
    }
    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "desk"]).stdout).into()
    }
    /// Waits until the screen shows `text`.
    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("the desk never showed {text:?}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

#[test]
fn an_officer_imports_ticks_submits_and_approves_at_the_desk_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("SKIPPED: tmux is not installed; the end-to-end desk test needs it");
        return;
    }
    let sb = Sandbox::new();
    let (home, officer_pin) = (&sb.home, sb.officer_pin.as_str());
    let example = home.join("examples/individual.json");
    let tmux = sb.start_desk("approve", "");

    // Indonesian by default; the officer signs in with their token, a wrong PIN is asked again
    // with the tries left; the ledger of the new sandbox is verified at start.
    let screen = tmux.wait_for("Masuk petugas");
    assert!(screen.contains("belum masuk"), "{screen}");
    tmux.literal("999999");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Token petugas menolak PIN");
    tmux.literal(officer_pin);
    let screen = tmux.wait_for(&format!("{}█", "•".repeat(officer_pin.len())));
    assert!(!screen.contains(officer_pin), "{screen}");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("Selamat datang");
    assert!(!screen.contains("belum masuk"), "{screen}");
    tmux.wait_for("Buku besar utuh");
    tmux.wait_for("Menunggu (0)");
    tmux.keys(&["n"]);
    tmux.wait_for("Jalur berkas permohonan");
    tmux.literal(example.to_str().unwrap());
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("3 dokumen belum dicentang");
    assert!(screen.contains("Siti Rahmawati"), "{screen}");
    // Submitting before every document is ticked is refused.
    tmux.keys(&["1", "2", "s"]);
    tmux.wait_for("Tidak dapat diajukan");
    tmux.keys(&["3"]);
    tmux.wait_for("siap diajukan");
    tmux.keys(&["s"]);
    let screen = tmux.wait_for("dicatat sebagai APP-000001");
    assert!(screen.contains("›APP-000001"), "{screen}");
    tmux.keys(&["a"]);
    tmux.wait_for("Setujui permohonan APP-000001");
    tmux.keys(&["y"]);
    tmux.wait_for("Permohonan APP-000001 disetujui");
    // English by F2.
    tmux.keys(&["F2"]);
    tmux.wait_for("Approved (1)");
    tmux.keys(&["q"]);
    assert_eq!(sb.exit_code(), "0");

    // What the desk did is really in the station.
    let list = kustodi(home, &["--json", "application", "list"]);
    assert!(list.status.success(), "{list:?}");
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(rows[0]["id"], "APP-000001");
    assert_eq!(rows[0]["status"], "approved");
    assert_eq!(rows[0]["submitted_by"], format!("officer:{OFFICER}"));
    assert_eq!(rows[0]["decided_by"], format!("officer:{OFFICER}"));
    let verify = kustodi(home, &["--json", "ledger", "verify"]);
    assert!(verify.status.success(), "{verify:?}");
    let report: serde_json::Value = serde_json::from_slice(&verify.stdout).unwrap();
    assert_eq!(report["ok"], true);
    // station.initialised, secret.escrowed, key registration, submitted, approved.
    assert!(report["events"].as_u64().unwrap() >= 4, "{report}");
}

#[test]
fn an_officer_issues_a_certificate_on_a_stock_token_at_the_desk_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("SKIPPED: tmux is not installed; the end-to-end desk test needs it");
        return;
    }
    let sb = Sandbox::new();
    let (dir, home, officer_pin) = (&sb.dir, &sb.home, sb.officer_pin.as_str());
    let token = sb.stock_token();
    let label = token["label"].as_str().unwrap().to_owned();
    sb.approved_example();
    let tmux = sb.start_desk("issue", " --lang en");
    sign_in(&tmux, "Officer sign-in", officer_pin);
    tmux.wait_for("Approved (1)");
    tmux.keys(&["2"]);
    tmux.wait_for("Siti Rahmawati");
    tmux.keys(&["Enter"]);
    // The details are loaded (the documents are shown) before `i` is pressed.
    tmux.wait_for("Stored documents");
    tmux.keys(&["i"]);
    // Identity re-check, then the subscriber agreement read to its end and accepted.
    tmux.wait_for("y = yes, n = no");
    tmux.keys(&["y"]);
    tmux.wait_for("SUBSCRIBER AGREEMENT");
    tmux.keys(&["y"]);
    tmux.wait_for("has not seen the whole agreement");
    tmux.keys(&["End"]);
    tmux.wait_for("read to the end");
    tmux.keys(&["y"]);
    // Only the new stock token: not the station's, the CA's or the officer's.
    let screen = tmux.wait_for(&label);
    assert!(!screen.contains("officer-1"), "{screen}");
    assert!(!screen.contains("kustodi-ca"), "{screen}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("New PIN again");
    let applicant_pin = "246813";
    tmux.literal(applicant_pin);
    tmux.keys(&["Enter"]);
    // A different second entry is asked again.
    tmux.literal("246814");
    tmux.keys(&["Enter"]);
    tmux.wait_for("The two entries differ");
    tmux.literal(applicant_pin);
    tmux.keys(&["Enter"]);
    tmux.literal(applicant_pin);
    tmux.keys(&["Enter"]);
    tmux.wait_for("The applicant's PIN is set");
    // A wrong officer PIN: asked again, the applicant's PIN kept.
    tmux.literal("999999");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("refused the PIN");
    assert!(screen.contains("Officer PIN"), "{screen}");
    tmux.literal(officer_pin);
    // One bullet per character, never the PIN.
    let screen = tmux.wait_for(&format!("{}█", "•".repeat(officer_pin.len())));
    assert!(!screen.contains(officer_pin), "{screen}");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("Hand the token over");
    for secret in [applicant_pin, officer_pin] {
        assert!(!screen.contains(secret), "a PIN on screen: {screen}");
    }
    let receipt = screen
        .split_whitespace()
        .find(|w| w.starts_with("RCP-"))
        .unwrap_or_else(|| panic!("no receipt id: {screen}"))
        .to_owned();
    assert!(screen.contains("Receipt SHA-256"), "{screen}");
    // `e` writes the receipt and its page to print into the station's receipts/ folder.
    tmux.keys(&["e"]);
    tmux.wait_for("verified and written");
    let written = home.join("receipts").join(format!("{receipt}.p7s"));
    let page = std::fs::read_to_string(home.join("receipts").join(format!("{receipt}.txt")))
        .expect("the page to print");
    assert!(page.contains(&receipt), "{page}");
    let verify = kustodi(home, &["receipt", "verify", written.to_str().unwrap()]);
    assert!(verify.status.success(), "{verify:?}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Approved (0)");
    tmux.keys(&["q"]);
    assert_eq!(sb.exit_code(), "0");

    // The station agrees: issued, a receipt that verifies, an intact ledger.
    let list = kustodi(home, &["--json", "application", "list"]);
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(rows[0]["status"], "issued", "{rows}");
    let file = dir.path().join("receipt.p7s");
    let export = kustodi(
        home,
        &[
            "receipt",
            "export",
            &receipt,
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(export.status.success(), "{export:?}");
    let verify = kustodi(home, &["receipt", "verify", file.to_str().unwrap()]);
    assert!(verify.status.success(), "{verify:?}");
    let ledger = kustodi(home, &["--json", "ledger", "verify"]);
    assert!(ledger.status.success(), "{ledger:?}");
    let report: serde_json::Value = serde_json::from_slice(&ledger.stdout).unwrap();
    assert_eq!(report["ok"], true);
}

#[test]
fn on_a_home_that_is_not_a_station_it_says_how_to_make_one_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(TUI)
        .arg("--home")
        .arg(dir.path())
        .env_remove("SOFTHSM2_CONF")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("kustodi sandbox init"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn an_interrupted_issuance_is_continued_at_the_desk_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("SKIPPED: tmux is not installed; the end-to-end desk test needs it");
        return;
    }
    let sb = Sandbox::new();
    let (dir, home, officer_pin) = (&sb.dir, &sb.home, sb.officer_pin.as_str());
    let uri = sb.stock_token()["uri"].as_str().unwrap().to_owned();
    sb.approved_example();
    // An enrolment that dies right after the key was made on the token (the test-only fault
    // injection of `kustodi enroll`, compiled only with the `test-hooks` feature): the session
    // is left running.
    let bin = std::fs::read(kustodi_bin()).unwrap();
    assert!(
        bin.windows(24).any(|w| w == b"KUSTODI_TEST_CRASH_AFTER"),
        "{} has no crash hook: build it with `cargo test --workspace --features kustodi/test-hooks`",
        kustodi_bin().display()
    );
    let applicant_pin = "246813";
    let mut child = Command::new(kustodi_bin())
        .arg("--home")
        .arg(home)
        .args([
            "--json",
            "enroll",
            "APP-000001",
            "--token",
            &uri,
            "--pin-stdin",
            "--identity-checked",
            "--agreement-accepted",
            &kustodi::receipt::Agreement::v1(kustodi::receipt::Lang::Id).sha256(),
        ])
        .env_remove("SOFTHSM2_CONF")
        .env_remove("KUSTODI_STATION_PIN")
        .env("KUSTODI_OFFICER", OFFICER)
        .env("KUSTODI_TEST_CRASH_AFTER", "keygen")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut input = child.stdin.take().unwrap();
        input
            .write_all(format!("{applicant_pin}\n{officer_pin}\n").as_bytes())
            .unwrap();
    }
    let crashed = child.wait_with_output().unwrap();
    assert_eq!(
        crashed.status.code(),
        None,
        "the enrolment aborted: {crashed:?}"
    );

    let tmux = sb.start_desk("resume", " --lang en");
    sign_in(&tmux, "Officer sign-in", officer_pin);
    // The Interrupted tab counts and lists the session.
    tmux.wait_for("6·1");
    tmux.keys(&["6"]);
    let screen = tmux.wait_for("ENR-000001");
    assert!(screen.contains("keygen (done)"), "{screen}");
    assert!(screen.contains("Siti Rahmawati"), "{screen}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("This issuance stopped midway");
    tmux.keys(&["Enter"]);
    // The PIN is on the token already: the applicant types it once.
    tmux.wait_for("type the PIN already set");
    tmux.literal(applicant_pin);
    tmux.keys(&["Enter"]);
    tmux.wait_for("Officer PIN");
    tmux.literal(officer_pin);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("Hand the token over");
    for secret in [applicant_pin, officer_pin] {
        assert!(!screen.contains(secret), "a PIN on screen: {screen}");
    }
    let receipt = screen
        .split_whitespace()
        .find(|w| w.starts_with("RCP-"))
        .unwrap_or_else(|| panic!("no receipt id: {screen}"))
        .to_owned();
    tmux.keys(&["Escape"]);
    tmux.wait_for("6 Interrupted (0)");
    tmux.keys(&["q"]);
    assert_eq!(sb.exit_code(), "0");

    // The station agrees: the same session finished, issued, the receipt verifies.
    let sessions = kustodi(home, &["--json", "session", "list"]);
    let sessions: serde_json::Value = serde_json::from_slice(&sessions.stdout).unwrap();
    assert_eq!(sessions.as_array().unwrap().len(), 1, "{sessions}");
    assert_eq!(sessions[0]["status"], "done", "{sessions}");
    let list = kustodi(home, &["--json", "application", "list"]);
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(rows[0]["status"], "issued", "{rows}");
    let file = dir.path().join("receipt.p7s");
    let export = kustodi(
        home,
        &[
            "receipt",
            "export",
            &receipt,
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(export.status.success(), "{export:?}");
    let verify = kustodi(home, &["receipt", "verify", file.to_str().unwrap()]);
    assert!(verify.status.success(), "{verify:?}");
    let ledger = kustodi(home, &["--json", "ledger", "verify"]);
    assert!(ledger.status.success(), "{ledger:?}");
    let report: serde_json::Value = serde_json::from_slice(&ledger.stdout).unwrap();
    assert_eq!(report["ok"], true);
}
