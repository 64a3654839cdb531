//! The `kustodi` binary on a real sandbox home: SoftHSM2 station key, SQLite file, age archive.
//!
//! Every test runs the binary as an officer would, in its own home folder (so SoftHSM2's
//! token store is per test), and checks exit codes, JSON output and the files it leaves.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_kustodi");

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/applications")
}

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let sb = Sandbox {
            dir: tempfile::tempdir().unwrap(),
        };
        let out = sb.run(&["sandbox", "init"]);
        assert_eq!(out.status.code(), Some(0), "sandbox init: {}", text(&out));
        sb
    }
    fn home(&self) -> &Path {
        self.dir.path()
    }
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env("KUSTODI_HOME", self.home())
            .env("KUSTODI_OFFICER", "198001012005011001")
            .env_remove("SOFTHSM2_CONF")
            .env_remove("KUSTODI_STATION_PIN")
            .env("LANG", "id_ID.UTF-8");
        c
    }
    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }
    fn json(&self, args: &[&str]) -> (i32, Value) {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let out = self.run(&a);
        let code = out.status.code().unwrap();
        let v: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out)));
        (code, v)
    }
    fn submit(&self, example: &str) -> String {
        let (code, v) = self.json(&[
            "application",
            "submit",
            examples().join(example).to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{v}");
        v["id"].as_str().unwrap().to_owned()
    }
    fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.home().join("kustodi.db")).unwrap()
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

fn assert_no_panic(out: &Output) {
    let all = text(out);
    assert!(!all.contains("panicked"), "{all}");
    assert!(!all.contains("RUST_BACKTRACE"), "{all}");
}

#[test]
fn a_full_application_round_prints_ids_and_keeps_the_ledger_intact() {
    let sb = Sandbox::new();
    // `submit` prints the new id alone on the last line.
    let out = sb.run(&[
        "application",
        "submit",
        examples().join("individual.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().last(), Some("APP-000001"));
    let position = sb.submit("position.json");
    let system = sb.submit("system.json");
    assert_eq!(
        (position.as_str(), system.as_str()),
        ("APP-000002", "APP-000003")
    );

    assert_eq!(
        sb.run(&["application", "approve", "APP-000001"])
            .status
            .code(),
        Some(0)
    );
    let (code, v) = sb.json(&[
        "application",
        "reject",
        &position,
        "--reason",
        "SK pengangkatan yang dilampirkan bukan yang terbaru",
    ]);
    assert_eq!((code, v["status"].as_str()), (0, Some("rejected")));

    let (_, list) = sb.json(&["application", "list"]);
    let statuses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["approved", "rejected", "submitted"]);
    let (_, shown) = sb.json(&["application", "show", &position]);
    assert_eq!(
        shown["decision_reason"],
        "SK pengangkatan yang dilampirkan bukan yang terbaru"
    );
    assert_eq!(shown["documents"].as_array().unwrap().len(), 5);

    let (code, verify) = sb.json(&["ledger", "verify"]);
    assert_eq!(code, 0, "{verify}");
    // init: key registered + station + escrow, then the sandbox CA and officer token (CA,
    // officer, two escrows); 3 submissions; 2 decisions.
    assert_eq!(verify["events"], 12);
    let (_, events) = sb.json(&["ledger", "events", "--limit", "100"]);
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"application.submitted"));
    assert!(kinds.contains(&"application.approved"));
    assert!(kinds.contains(&"application.rejected"));
}

#[test]
fn check_reports_every_problem_as_json_with_field_code_and_message() {
    let sb = Sandbox::new();
    let (code, v) = sb.json(&[
        "application",
        "check",
        examples()
            .join("invalid-many-problems.json")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["valid"], false);
    let problems = v["problems"].as_array().unwrap();
    assert!(problems.len() >= 10, "{v}");
    for p in problems {
        for key in ["field", "code", "message"] {
            assert!(p[key].is_string(), "{p}");
        }
        assert_ne!(p["message"], p["code"], "message missing for {p}");
    }
    // Each problem once: a path outside the folder is not reported a second time when the
    // documents are read.
    let outside = problems
        .iter()
        .filter(|p| p["code"] == "document.file_outside")
        .count();
    assert_eq!(outside, 1, "{v}");
    let (code, v) = sb.json(&[
        "application",
        "check",
        examples().join("individual.json").to_str().unwrap(),
    ]);
    assert_eq!((code, &v["valid"]), (0, &Value::Bool(true)));
    assert_eq!(v["problems"], Value::Array(vec![]));
}

#[test]
fn an_invalid_application_is_refused_and_nothing_is_recorded() {
    let sb = Sandbox::new();
    let before = sb.json(&["ledger", "verify"]).1["events"].clone();
    let (code, v) = sb.json(&[
        "application",
        "submit",
        examples()
            .join("invalid-many-problems.json")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(!v["problems"].as_array().unwrap().is_empty());
    assert_eq!(sb.json(&["application", "list"]).1, Value::Array(vec![]));
    assert_eq!(sb.json(&["ledger", "verify"]).1["events"], before);
}

#[test]
fn a_missing_document_file_is_a_validation_problem_not_a_crash() {
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    let form = std::fs::read_to_string(examples().join("individual.json")).unwrap();
    std::fs::write(dir.path().join("app.json"), form).unwrap();
    let (code, v) = sb.json(&[
        "application",
        "check",
        dir.path().join("app.json").to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{v}");
    let codes: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.iter().all(|c| *c == "document.file_missing"),
        "{codes:?}"
    );
    assert_eq!(codes.len(), 3);
}

#[test]
fn bad_input_gets_a_clear_error_and_exit_code_never_a_panic() {
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let cases: Vec<(String, i32, &str)> = vec![
        (
            write("malformed.json", b"{\"kind\": \"individual\", "),
            1,
            "form.",
        ),
        (
            write(
                "types.json",
                b"{\"kind\": 7, \"applicant\": [], \"uses\": {}}",
            ),
            1,
            "form.",
        ),
        (
            examples()
                .join("unknown-key.json")
                .to_str()
                .unwrap()
                .to_owned(),
            1,
            "form.unknown_key",
        ),
        (
            examples()
                .join("wrong-type.json")
                .to_str()
                .unwrap()
                .to_owned(),
            1,
            "form.wrong_type",
        ),
        (
            write("latin1.json", b"{\"kind\": \"individual\xe9\"}"),
            1,
            "form.not_utf8",
        ),
        (write("empty.json", b""), 1, "form.empty"),
        (
            write("huge.json", &vec![b' '; 2 * 1024 * 1024]),
            2,
            "input.too_large",
        ),
        (
            dir.path().join("absent.json").to_str().unwrap().to_owned(),
            2,
            "io.read",
        ),
    ];
    for (path, expected, code) in cases {
        for verb in ["check", "submit"] {
            let out = sb.run(&["--json", "application", verb, &path]);
            assert_no_panic(&out);
            assert_eq!(out.status.code(), Some(expected), "{path}: {}", text(&out));
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            let got = v["error"]["code"].as_str().unwrap_or("");
            let problem = v["problems"][0]["code"].as_str().unwrap_or("");
            assert!(
                got.starts_with(code) || problem.starts_with(code),
                "{path}: expected {code}, got {v}"
            );
            assert!(v["error"]["message"].as_str().unwrap().len() > 10, "{v}");
            assert!(v["error"]["hint"].is_string(), "{v}");
        }
        // Text mode: the message and what to do, on stderr.
        let out = sb.run(&["application", "check", &path]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("Galat:") && err.contains("Yang perlu dilakukan:"),
            "{err}"
        );
    }
    assert_eq!(sb.json(&["application", "list"]).1, Value::Array(vec![]));
}

#[test]
fn usage_errors_exit_with_two() {
    let sb = Sandbox::new();
    let out = sb.run(&["application", "reject", "APP-000001"]);
    assert_eq!(out.status.code(), Some(2));
    let out = sb.run(&["no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_rejection_needs_a_reason_and_only_submitted_applications_are_decided() {
    let sb = Sandbox::new();
    let id = sb.submit("individual.json");
    let (code, v) = sb.json(&["application", "reject", &id, "--reason", "  "]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "application.transition");
    assert_eq!(sb.json(&["application", "approve", &id]).0, 0);
    let (code, v) = sb.json(&["application", "reject", &id, "--reason", "berkas palsu"]);
    assert_eq!(code, 1, "{v}");
    let (code, v) = sb.json(&["application", "approve", "APP-999999"]);
    assert_eq!((code, v["error"]["code"].as_str()), (1, Some("not_found")));
}

#[test]
fn messages_follow_lang_and_the_flag() {
    let sb = Sandbox::new();
    let form = examples().join("individual.json");
    let id_text = String::from_utf8(
        sb.run(&["application", "check", form.to_str().unwrap()])
            .stdout,
    )
    .unwrap();
    assert!(id_text.contains("lengkap dan sah"), "{id_text}");
    let en = sb
        .cmd(&["application", "check", form.to_str().unwrap()])
        .env("LANG", "en_US.UTF-8")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&en.stdout).contains("complete and valid"));
    let flag = sb.run(&[
        "--lang",
        "en",
        "application",
        "check",
        form.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&flag.stdout).contains("complete and valid"));
    let c = sb
        .cmd(&["application", "check", form.to_str().unwrap()])
        .env("LANG", "C")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&c.stdout).contains("lengkap dan sah"));
}

#[test]
fn documents_are_archived_encrypted_and_reading_one_is_recorded() {
    let sb = Sandbox::new();
    let id = sb.submit("individual.json");
    let ktp = std::fs::read(examples().join("docs/ktp.pdf")).unwrap();
    // No archive file holds the plaintext.
    for entry in std::fs::read_dir(sb.home().join("archive")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes
                .windows(ktp.len().min(16))
                .any(|w| w == &ktp[..ktp.len().min(16)])
        );
    }
    let events_before = sb.json(&["ledger", "verify"]).1["events"].as_u64().unwrap();
    let out_file = sb.home().join("ktp-copy.pdf");
    let (code, v) = sb.json(&[
        "application",
        "document",
        &id,
        "ktp_scan",
        "--identity",
        sb.home().join("sandbox/custodian-2.key").to_str().unwrap(),
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(std::fs::read(&out_file).unwrap(), ktp);
    let (_, verify) = sb.json(&["ledger", "verify"]);
    assert_eq!(verify["events"].as_u64().unwrap(), events_before + 1);
    let (_, events) = sb.json(&[
        "ledger",
        "events",
        "--from",
        &(events_before + 1).to_string(),
    ]);
    assert_eq!(events[0]["kind"], "document.read");
    assert_eq!(events[0]["subject"], id.as_str());

    // A stranger's identity reads nothing and nothing is recorded.
    let stranger = sb.home().join("stranger.key");
    {
        use age::secrecy::ExposeSecret;
        let id = age::x25519::Identity::generate();
        std::fs::write(&stranger, format!("{}\n", id.to_string().expose_secret())).unwrap();
    }
    let (code, v) = sb.json(&[
        "application",
        "document",
        &id,
        "ktp_scan",
        "--identity",
        stranger.to_str().unwrap(),
        "--out",
        sb.home().join("x.pdf").to_str().unwrap(),
    ]);
    assert_ne!(code, 0, "{v}");
    assert!(!sb.home().join("x.pdf").exists());
    assert_eq!(
        sb.json(&["ledger", "verify"]).1["events"].as_u64().unwrap(),
        events_before + 1
    );
}

fn ledger_error(sb: &Sandbox) -> Value {
    let (code, v) = sb.json(&["ledger", "verify"]);
    assert_eq!(code, 1, "tampering not detected: {v}");
    assert_eq!(v["error"]["code"], "ledger.invalid", "{v}");
    v["error"].clone()
}

fn populated() -> Sandbox {
    let sb = Sandbox::new();
    for f in ["individual.json", "position.json", "system.json"] {
        sb.submit(f);
    }
    sb.run(&["application", "approve", "APP-000001"]);
    // 3 station init events + 4 CA/officer events + 3 submissions + 1 approval = 11 events.
    assert_eq!(sb.json(&["ledger", "verify"]).1["events"], 11);
    sb
}

#[test]
fn a_changed_event_is_named_by_ledger_verify() {
    let sb = populated();
    let db = sb.db();
    let body: Vec<u8> = db
        .query_row("SELECT body FROM ledger_events WHERE seq = 9", [], |r| {
            r.get(0)
        })
        .unwrap();
    let text = String::from_utf8_lossy(&body).replace("APP-000002", "APP-000009");
    db.execute(
        "UPDATE ledger_events SET body = ?1 WHERE seq = 9",
        [text.as_bytes()],
    )
    .unwrap();
    drop(db);
    let e = ledger_error(&sb);
    assert_eq!(e["details"]["seq"], "9", "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("peristiwa 9"),
        "{e}"
    );
}

#[test]
fn a_deleted_event_is_named_by_ledger_verify() {
    let sb = populated();
    sb.db()
        .execute("DELETE FROM ledger_events WHERE seq = 8", [])
        .unwrap();
    let e = ledger_error(&sb);
    assert_eq!(e["details"]["seq"], "8", "{e}");
}

#[test]
fn reordered_events_are_named_by_ledger_verify() {
    let sb = populated();
    let db = sb.db();
    let row = |seq: i64| -> (Vec<u8>, Vec<u8>) {
        db.query_row(
            "SELECT body, hash FROM ledger_events WHERE seq = ?1",
            [seq],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    let (b4, h4) = row(8);
    let (b5, h5) = row(9);
    let set = |seq: i64, b: &[u8], h: &[u8]| {
        db.execute(
            "UPDATE ledger_events SET body = ?2, hash = ?3 WHERE seq = ?1",
            rusqlite::params![seq, b, h],
        )
        .unwrap();
    };
    set(8, &b5, &h5);
    set(9, &b4, &h4);
    drop(db);
    let e = ledger_error(&sb);
    assert_eq!(e["details"]["seq"], "8", "{e}");
}

#[test]
fn deleting_the_newest_events_and_their_checkpoint_is_caught_by_an_exported_checkpoint() {
    let sb = populated();
    let cp = sb.home().join("auditor-checkpoint.json");
    let (code, v) = sb.json(&["ledger", "checkpoint", "--out", cp.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        sb.json(&["ledger", "verify", "--against", cp.to_str().unwrap()])
            .0,
        0
    );
    // Roll the database back by two commands: their events and their checkpoints.
    let db = sb.db();
    db.execute("DELETE FROM ledger_events WHERE seq > 9", [])
        .unwrap();
    db.execute("DELETE FROM ledger_checkpoints WHERE tree_size > 9", [])
        .unwrap();
    drop(db);
    // The chain alone still looks consistent, but since issue 16 the station token holds the
    // latest checkpoint, so `ledger verify` names the rollback (before the records it left)…
    let (code, v) = sb.json(&["ledger", "verify"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "ledger.rolled_back", "{v}");
    assert_eq!(v["error"]["details"]["size"], "11", "{v}");
    assert_eq!(v["error"]["details"]["events"], "9", "{v}");
    // …and against what the auditor holds the truncation itself is named.
    let (code, v) = sb.json(&["ledger", "verify", "--against", cp.to_str().unwrap()]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["details"]["size"], "11", "{v}");
    assert_eq!(v["error"]["details"]["events"], "9", "{v}");
}

#[test]
fn the_escrowed_station_so_pin_is_nowhere_in_clear() {
    let sb = populated();
    // Recover the SO PIN the way custodians would, then look for it everywhere.
    let (_, events) = sb.json(&["ledger", "events"]);
    let escrow = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "secret.escrowed")
        .expect("escrow event")["data"]["archive"]
        .as_str()
        .unwrap()
        .to_owned();
    let identity =
        kustodi::archive::read_identity(&sb.home().join("sandbox/custodian-1.key")).unwrap();
    let ciphertext = std::fs::read(sb.home().join("archive").join(&escrow)).unwrap();
    let so_pin = kustodi::archive::decrypt_with(&identity, &ciphertext, &escrow).unwrap();
    assert_eq!(so_pin.len(), 16);
    let needle = so_pin.expose().to_vec();
    let mut stack = vec![sb.home().to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
                    "SO PIN in clear in {}",
                    path.display()
                );
            }
        }
    }
    // Nor in anything the CLI printed.
    for args in [
        &["ledger", "events"][..],
        &["application", "show", "APP-000001"],
    ] {
        let out = sb.run(args);
        assert!(
            !out.stdout
                .windows(needle.len())
                .any(|w| w == needle.as_slice())
        );
    }
}

#[test]
fn sandbox_init_refuses_an_existing_home_and_token_new_prints_a_uri() {
    let sb = Sandbox::new();
    let again = sb.run(&["sandbox", "init"]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    let out = sb.run(&["sandbox", "token", "new", "--label", "STOCK-0001"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let uri = String::from_utf8(out.stdout).unwrap();
    let uri = uri.lines().last().unwrap();
    assert!(
        uri.starts_with("pkcs11:") && uri.contains("token=STOCK-0001"),
        "{uri}"
    );
    assert_eq!(sb.json(&["ledger", "verify"]).0, 0);
}

#[test]
fn a_command_without_a_home_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["--lang", "en", "application", "list"])
        .env("KUSTODI_HOME", dir.path().join("nothing"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("kustodi sandbox init"), "{err}");
}

#[test]
fn a_reader_that_closes_the_pipe_early_is_not_a_panic() {
    // Regression: `kustodi … | head -1` panicked in println! ("failed printing to stdout").
    let sb = Sandbox::new();
    for f in ["individual.json", "position.json", "system.json"] {
        sb.submit(f);
    }
    let mut child = sb
        .cmd(&["ledger", "events", "--limit", "1000"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away before anything is written
    let out = child.wait_with_output().unwrap();
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
