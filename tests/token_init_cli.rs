//! `kustodi token init` on a sandbox home (real SoftHSM2 through the binary): a stock token
//! initialised for a holder, the SO PIN escrowed and recoverable by a custodian, refusals that
//! change nothing, and no PIN in the database or the output.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_kustodi");
const OFFICER: &str = "198001012005011001";
const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const HOLDER_PIN: &str = "739146";

struct Sandbox {
    dir: tempfile::TempDir,
    /// stdout+stderr of every command run so far.
    transcript: std::cell::RefCell<Vec<u8>>,
    stock_uri: String,
}

impl Sandbox {
    fn new() -> Sandbox {
        let mut sb = Sandbox {
            dir: tempfile::tempdir().unwrap(),
            transcript: Default::default(),
            stock_uri: String::new(),
        };
        let out = sb.run(&["sandbox", "init"], "");
        assert_eq!(out.status.code(), Some(0), "sandbox init: {}", text(&out));
        let (code, v) = sb.json(&["sandbox", "token", "new", "--label", "STOCK-1"], "");
        assert_eq!(code, 0, "{v}");
        sb.stock_uri = v["uri"].as_str().unwrap().to_owned();
        sb
    }
    fn home(&self) -> &Path {
        self.dir.path()
    }
    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(BIN)
            .args(args)
            .env("KUSTODI_HOME", self.home())
            .env("KUSTODI_OFFICER", OFFICER)
            .env_remove("SOFTHSM2_CONF")
            .env_remove("KUSTODI_STATION_PIN")
            .env("LANG", "id_ID.UTF-8")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let mut t = self.transcript.borrow_mut();
        t.extend_from_slice(&out.stdout);
        t.extend_from_slice(&out.stderr);
        out
    }
    fn json(&self, args: &[&str], stdin: &str) -> (i32, Value) {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all, stdin);
        let v =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
        (out.status.code().unwrap(), v)
    }
    fn init(&self, uri: &str, label: &str, pin: &str) -> (i32, Value) {
        self.json(
            &["token", "init", uri, "--label", label, "--pin-stdin"],
            &format!("{pin}\n"),
        )
    }
    fn token(&self, label: &str) -> Option<Value> {
        let (code, v) = self.json(&["token", "list"], "");
        assert_eq!(code, 0, "{v}");
        v["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["label"] == label)
            .cloned()
    }
    fn events(&self) -> Vec<Value> {
        let (code, v) = self.json(&["ledger", "events"], "");
        assert_eq!(code, 0, "{v}");
        v.as_array().unwrap().clone()
    }
    fn db_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(self.home()).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("kustodi.db") {
                all.extend(std::fs::read(&path).unwrap());
            }
        }
        assert!(!all.is_empty());
        all
    }
    /// Whether `pkcs11-tool --login` succeeds on the token `label` as SO or as user.
    fn login(&self, label: &str, so: bool, pin: &str) -> bool {
        let mut cmd = Command::new("pkcs11-tool");
        cmd.env("SOFTHSM2_CONF", self.home().join("softhsm2.conf"))
            .args(["--module", MODULE, "--token-label", label, "--login"]);
        if so {
            // An SO login needs a read-write session: "change" the SO PIN to itself.
            cmd.args(["--login-type", "so", "--so-pin", pin, "--change-pin"]);
            cmd.args(["--new-pin", pin]);
        } else {
            cmd.args(["--pin", pin, "--list-objects"]);
        }
        let out = cmd.output().unwrap();
        out.status.success()
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

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_stock_token_is_initialised_with_its_so_pin_escrowed_and_refused_a_second_time() {
    let sb = Sandbox::new();
    let (code, v) = sb.init(&sb.stock_uri, "Budi Santoso", HOLDER_PIN);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["label"], "Budi Santoso");
    assert_eq!(v["state"], "initialised");
    let serial = v["serial"].as_str().unwrap().to_owned();
    assert!(v["uri"].as_str().unwrap().starts_with("pkcs11:"), "{v}");

    // The token carries its new label and a user PIN; the old label is gone.
    let t = sb.token("Budi Santoso").expect("initialised token listed");
    assert_eq!(t["serial"], serial.as_str());
    assert_eq!(t["flags"]["user_pin_initialized"], true);
    assert!(sb.token("STOCK-1").is_none());

    // Ledger: registered as stock, escrowed (name only), initialised; the chain verifies.
    let events = sb.events();
    let subject = format!("token:{serial}");
    let kinds: Vec<&str> = events
        .iter()
        .filter(|e| e["subject"] == subject.as_str())
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["token.stock_added", "secret.escrowed", "token.initialised"],
        "{events:#?}"
    );
    let escrow = events
        .iter()
        .find(|e| e["kind"] == "secret.escrowed" && e["subject"] == subject.as_str())
        .unwrap()["data"]["archive"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, v) = sb.json(&["ledger", "verify"], "");
    assert_eq!(code, 0, "{v}");

    // A custodian recovers the SO PIN; it logs in as SO, the holder PIN as user.
    let identity =
        kustodi::archive::read_identity(&sb.home().join("sandbox/custodian-1.key")).unwrap();
    let ciphertext = std::fs::read(sb.home().join("archive").join(&escrow)).unwrap();
    let so_pin = kustodi::archive::decrypt_with(&identity, &ciphertext, &escrow).unwrap();
    let so_pin = String::from_utf8(so_pin.expose().to_vec()).unwrap();
    assert_eq!(so_pin.len(), 16);
    assert!(sb.login("Budi Santoso", true, &so_pin));
    assert!(sb.login("Budi Santoso", false, HOLDER_PIN));
    assert!(
        !sb.login("Budi Santoso", true, "12345678"),
        "factory SO PIN still valid"
    );

    // A second init of the same token is refused and changes nothing.
    let db_before = std::fs::read(sb.home().join("kustodi.db")).unwrap();
    let events_before = sb.events().len();
    let (code, v) = sb.init(&format!("pkcs11:serial={serial}"), "Orang Lain", "604215");
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "token.not_stock", "{v}");
    assert!(sb.token("Orang Lain").is_none());
    assert!(sb.login("Budi Santoso", false, HOLDER_PIN));
    assert!(sb.login("Budi Santoso", true, &so_pin));
    assert_eq!(sb.events().len(), events_before);
    assert_eq!(
        std::fs::read(sb.home().join("kustodi.db")).unwrap(),
        db_before
    );

    // Neither PIN in the database or in anything printed.
    let db = sb.db_bytes();
    let transcript = sb.transcript.borrow().clone();
    for pin in [HOLDER_PIN, so_pin.as_str()] {
        assert!(!contains(&db, pin.as_bytes()), "PIN in the database");
        assert!(!contains(&transcript, pin.as_bytes()), "PIN in the output");
    }
}

#[test]
fn a_pin_shorter_than_the_profile_allows_is_refused_before_anything_changes() {
    let sb = Sandbox::new();
    let events_before = sb.events().len();
    let (code, v) = sb.init(&sb.stock_uri, "Budi Santoso", "123");
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "enrol.pin_policy", "{v}");
    // Still the stock token with its factory SO PIN and no user PIN; nothing recorded.
    let t = sb.token("STOCK-1").expect("stock token unchanged");
    assert_eq!(t["flags"]["user_pin_initialized"], false);
    assert!(sb.login("STOCK-1", true, "12345678"));
    assert_eq!(sb.events().len(), events_before);
    // Text output in Indonesian by default, English on request; the short PIN not echoed.
    let out = sb.run(
        &[
            "--lang",
            "en",
            "token",
            "init",
            &sb.stock_uri,
            "--label",
            "X",
            "--pin-stdin",
        ],
        "123\n",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("PIN"), "{stderr}");
    assert!(!contains(&sb.db_bytes(), b"\n123\n"));
}
