//! `kustodi token list` on a sandbox home (SoftHSM2), and the secrets check: no PIN or SO PIN
//! in the database, the files, the outputs or `Debug` output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_kustodi");
const OFFICER: &str = "198001012005011001";

struct Sandbox {
    dir: tempfile::TempDir,
    /// stdout+stderr of every command run so far.
    transcript: std::cell::RefCell<Vec<u8>>,
}

impl Sandbox {
    fn new() -> Sandbox {
        let sb = Sandbox {
            dir: tempfile::tempdir().unwrap(),
            transcript: Default::default(),
        };
        let out = sb.run(&["sandbox", "init"]);
        assert_eq!(out.status.code(), Some(0), "sandbox init: {}", text(&out));
        let out = sb.run(&["sandbox", "token", "new", "--label", "STOCK-1"]);
        assert_eq!(out.status.code(), Some(0), "token new: {}", text(&out));
        sb
    }
    fn home(&self) -> &Path {
        self.dir.path()
    }
    fn run(&self, args: &[&str]) -> Output {
        let out = Command::new(BIN)
            .args(args)
            .env("KUSTODI_HOME", self.home())
            .env("KUSTODI_OFFICER", OFFICER)
            .env_remove("SOFTHSM2_CONF")
            .env_remove("KUSTODI_STATION_PIN")
            .env("LANG", "id_ID.UTF-8")
            .output()
            .unwrap();
        let mut t = self.transcript.borrow_mut();
        t.extend_from_slice(&out.stdout);
        t.extend_from_slice(&out.stderr);
        out
    }
    fn list_json(&self, extra: &[&str]) -> Value {
        let mut args = vec!["--json", "token", "list"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)))
    }
    fn list_text(&self, lang: &str) -> String {
        self.list_text_with(lang, &[])
    }
    fn list_text_with(&self, lang: &str, extra: &[&str]) -> String {
        let mut args = vec!["--lang", lang, "token", "list"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(!text(&out).contains("panicked"), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    }
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn token<'a>(v: &'a Value, label: &str) -> &'a Value {
    v["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["label"] == label)
        .unwrap_or_else(|| panic!("no token {label} in {v:#}"))
}

fn verdict<'a>(t: &'a Value, algorithm: &str) -> &'a Value {
    t["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["algorithm"] == algorithm)
        .unwrap_or_else(|| panic!("no verdict for {algorithm} in {t:#}"))
}

#[test]
fn token_list_json_shows_the_stock_token_and_the_station_token_with_softhsm_verdicts() {
    let sb = Sandbox::new();
    let v = sb.list_json(&[]);

    let stock = token(&v, "STOCK-1");
    assert_eq!(stock["manufacturer"], "SoftHSM project");
    assert_eq!(stock["model"], "SoftHSM v2");
    assert!(stock["uri"].as_str().unwrap().starts_with("pkcs11:"));
    assert!(stock["uri"].as_str().unwrap().contains("token=STOCK-1"));
    assert_eq!(stock["flags"]["initialized"], true);
    assert_eq!(stock["flags"]["user_pin_initialized"], false);
    assert_eq!(stock["flags"]["user_pin_locked"], false);
    assert_eq!(stock["station_token"], false);
    assert_eq!(stock["profile"]["id"], "softhsm2");
    assert_eq!(stock["profile"]["firmware"], "2.6.0");
    assert_eq!(stock["unknown_model"], false);
    assert!(stock["pin_length"]["min"].as_u64().unwrap() >= 4);
    for alg in ["rsa2048", "rsa3072", "p256", "p384", "ed25519"] {
        let verdict = verdict(stock, alg);
        assert_eq!(verdict["verdict"], "warn", "{alg}: {verdict}");
        assert_eq!(verdict["advisories"][0], "KUSTODI-SOFTWARE-TOKEN");
        // Messages follow --lang / LANG (Indonesian here).
        assert!(
            verdict["reasons"][0]
                .as_str()
                .unwrap()
                .contains("token perangkat lunak"),
            "{verdict}"
        );
    }

    let station = token(&v, "kustodi-station");
    assert_eq!(station["station_token"], true);
    assert_eq!(station["flags"]["user_pin_initialized"], true);
    assert_eq!(station["profile"]["id"], "softhsm2");

    let softhsm = v["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["path"] == "/usr/lib/softhsm/libsofthsm2.so")
        .expect("SoftHSM2 module listed");
    assert_eq!(softhsm["loaded"], true);
    // Readers: either listed or a clear note that pcscd is not running.
    let readers = &v["readers"];
    if readers["available"] == false {
        assert!(readers["note"].as_str().unwrap().len() > 10, "{readers}");
    }
}

#[test]
fn token_list_text_is_in_indonesian_by_default_and_english_on_request_within_80_columns() {
    let sb = Sandbox::new();
    let id = sb.list_text("id");
    let en = sb.list_text("en");
    for (lang, out) in [("id", &id), ("en", &en)] {
        assert!(out.contains("STOCK-1"), "{lang}:\n{out}");
        assert!(out.contains("softhsm2"), "{lang}:\n{out}");
        assert!(out.contains("KUSTODI-SOFTWARE-TOKEN"), "{lang}:\n{out}");
        assert!(out.contains("p256"), "{lang}:\n{out}");
        for line in out.lines() {
            assert!(
                line.chars().count() <= 80,
                "{lang}: line longer than 80 columns ({}): {line:?}",
                line.chars().count()
            );
        }
    }
    assert!(id.contains("diizinkan dengan peringatan"), "{id}");
    assert!(id.contains("PIN pengguna belum diatur"), "{id}");
    assert!(id.contains("token kunci stasiun"), "{id}");
    assert!(en.contains("allowed with warning"), "{en}");
    assert!(en.contains("no user PIN yet"), "{en}");
    assert!(en.contains("station key token"), "{en}");
    assert!(!en.contains("diizinkan"), "{en}");
}

#[test]
fn a_module_that_cannot_be_loaded_is_reported_and_the_other_tokens_are_still_listed() {
    let sb = Sandbox::new();
    let v = sb.list_json(&["--module", "/nonexistent/libnothing.so"]);
    let bad = v["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["path"] == "/nonexistent/libnothing.so")
        .expect("bad module listed");
    assert_eq!(bad["loaded"], false);
    assert!(!bad["error"].as_str().unwrap().is_empty());
    token(&v, "STOCK-1");
    let t = sb.list_text_with("en", &["--module", "/nonexistent/libnothing.so"]);
    assert!(
        t.contains("/nonexistent/libnothing.so cannot be used"),
        "{t}"
    );
    assert!(t.contains("STOCK-1"), "{t}");
}

/// Every file under `dir` (recursively).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn no_pin_or_so_pin_appears_in_the_database_files_outputs_or_debug_output() {
    use kustodi::archive::{Archive, read_identity};
    use kustodi::secret::Pin;

    let sb = Sandbox::new();
    for lang in ["id", "en"] {
        sb.list_text(lang);
    }
    sb.list_json(&[]);

    // The documented exception: the sandbox's station PIN file, owner-only.
    let pin_file = sb.home().join("sandbox/station.pin");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&pin_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "station PIN file mode {mode:o}");
    }
    let user_pin = std::fs::read_to_string(&pin_file)
        .unwrap()
        .trim()
        .to_owned();
    assert!(user_pin.len() >= 8);

    // The station token's SO PIN exists only escrowed to the custodians: recover it.
    let archive_dir = sb.home().join("archive");
    let escrow = files(&archive_dir)
        .into_iter()
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("escrow-"))
        })
        .expect("escrowed SO PIN");
    let identity = read_identity(&sb.home().join("sandbox/custodian-1.key")).unwrap();
    let so_pin = Archive::new(archive_dir, vec![])
        .recover(escrow.file_name().unwrap().to_str().unwrap(), &identity)
        .unwrap();
    let so_pin = String::from_utf8(so_pin.expose().to_vec()).unwrap();
    assert!(so_pin.len() >= 8);
    // The factory SO PIN the sandbox's stock tokens "ship with".
    let factory_so_pin = "12345678";

    let secrets = [
        ("user PIN", user_pin.as_str()),
        ("SO PIN", so_pin.as_str()),
        ("factory SO PIN", factory_so_pin),
    ];
    let transcript = sb.transcript.borrow().clone();
    for (what, secret) in secrets {
        assert!(
            !contains(&transcript, secret.as_bytes()),
            "{what} appears in the command output"
        );
        for f in files(sb.home()) {
            if f == pin_file {
                continue;
            }
            let bytes = std::fs::read(&f).unwrap();
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "{what} appears in {}",
                f.display()
            );
        }
        // Debug output of the types that carry it.
        let pin = Pin::new(secret.to_owned());
        assert!(
            !format!("{pin:?}").contains(secret),
            "{what} in Debug of Pin"
        );
        assert!(!format!("{:?}", Some(&pin)).contains(secret));
    }
    // The config the CLI works from holds no PIN either (only the PIN file's path).
    let config = kustodi::home::Home::at(sb.home()).load_config().unwrap();
    assert!(!format!("{config:?}").contains(&user_pin));
    assert!(files(sb.home()).iter().any(|f| f.ends_with("kustodi.db")));
}
