//! Shared harness of the enrolment tests: a sandbox home per test, the binary run as an officer
//! would with `--pin-stdin`, OpenSSL and pkcs11-tool as outside verifiers.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::LazyLock;

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_kustodi");
pub const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
pub const APPLICANT_PIN: &str = "246810";

/// SHA-256 of the current subscriber agreement (Indonesian), as `kustodi agreement show`
/// prints it: what a script passes to `enroll`/`renew --agreement-accepted`.
pub static AGREEMENT_SHA256: LazyLock<String> =
    LazyLock::new(|| kustodi::receipt::Agreement::v1(kustodi::receipt::Lang::Id).sha256());

/// The in-person evidence flags a script gives `enroll` and `renew` (issue 16).
pub fn evidence() -> [&'static str; 3] {
    [
        "--identity-checked",
        "--agreement-accepted",
        AGREEMENT_SHA256.as_str(),
    ]
}

pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub officer_pin: String,
}

pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let mut sb = Sandbox {
            dir,
            officer_pin: String::new(),
        };
        let (code, v) = sb.json(&["sandbox", "init"], None);
        assert_eq!(code, 0, "sandbox init: {v}");
        sb.officer_pin = v["officer_pin"].as_str().unwrap().to_owned();
        sb
    }
    pub fn home(&self) -> &Path {
        self.dir.path()
    }
    pub fn path(&self, rel: &str) -> PathBuf {
        self.home().join(rel)
    }
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env("KUSTODI_HOME", self.home())
            .env("KUSTODI_OFFICER", "198001012005011001")
            .env_remove("SOFTHSM2_CONF")
            .env_remove("KUSTODI_STATION_PIN")
            .env_remove("KUSTODI_CA_PIN")
            .env_remove("KUSTODI_TEST_CRASH_AFTER")
            .env("LANG", "id_ID.UTF-8");
        c
    }
    pub fn run_with(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
        let mut c = self.cmd(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        {
            let mut input = child.stdin.take().unwrap();
            let _ = input.write_all(stdin.unwrap_or("").as_bytes());
        }
        child.wait_with_output().unwrap()
    }
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, None, &[])
    }
    pub fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
        out
    }
    pub fn json(&self, args: &[&str], stdin: Option<&str>) -> (i32, Value) {
        self.json_env(args, stdin, &[])
    }
    pub fn json_env(
        &self,
        args: &[&str],
        stdin: Option<&str>,
        env: &[(&str, &str)],
    ) -> (i32, Value) {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let out = self.run_with(&a, stdin, env);
        let code = out.status.code().unwrap_or(-1);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (code, v)
    }
    /// Submits and approves an example application; returns its id.
    pub fn approved(&self, example: &str) -> String {
        let file = self.path(&format!("examples/{example}"));
        let (code, v) = self.json(&["application", "submit", file.to_str().unwrap()], None);
        assert_eq!(code, 0, "{v}");
        let id = v["id"].as_str().unwrap().to_owned();
        self.ok(&["application", "approve", &id]);
        id
    }
    pub fn stock_token(&self) -> String {
        let (code, v) = self.json(&["sandbox", "token", "new"], None);
        assert_eq!(code, 0, "{v}");
        v["uri"].as_str().unwrap().to_owned()
    }
    pub fn pins(&self) -> String {
        format!("{APPLICANT_PIN}\n{}\n", self.officer_pin)
    }
    pub fn enroll(&self, app: &str, token: &str, algorithm: &str) -> (i32, Value) {
        self.json(
            &[
                "enroll",
                app,
                "--token",
                token,
                "--algorithm",
                algorithm,
                "--pin-stdin",
                "--identity-checked",
                "--agreement-accepted",
                &AGREEMENT_SHA256,
            ],
            Some(&self.pins()),
        )
    }
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.path("kustodi.db")).unwrap()
    }
    pub fn scalar(&self, sql: &str) -> String {
        self.db()
            .query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
            .map(|v| match v {
                rusqlite::types::Value::Text(t) => t,
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Null => "NULL".into(),
                other => format!("{other:?}"),
            })
            .unwrap_or_else(|e| format!("error: {e}"))
    }
    pub fn app_status(&self, id: &str) -> String {
        self.scalar(&format!(
            "SELECT status FROM applications WHERE id = '{id}'"
        ))
    }
    pub fn ledger_ok(&self) {
        let (code, v) = self.json(&["ledger", "verify"], None);
        assert_eq!(code, 0, "ledger verify: {v}");
    }
    pub fn event_kinds(&self) -> Vec<String> {
        let (_, v) = self.json(&["ledger", "events", "--limit", "100000"], None);
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_owned())
            .collect()
    }
    /// `pkcs11-tool -O` on the token with this serial (logged in if `pin`).
    pub fn token_objects(&self, serial: &str, pin: Option<&str>) -> String {
        let mut c = Command::new("pkcs11-tool");
        c.env("SOFTHSM2_CONF", self.path("softhsm2.conf")).args([
            "--module",
            MODULE,
            "--token-label",
        ]);
        let label = self.token_label(serial);
        c.arg(label).arg("-O");
        if let Some(p) = pin {
            c.args(["--login", "--pin", p]);
        }
        let out = c.output().unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }
    pub fn token_label(&self, serial: &str) -> String {
        let out = Command::new("pkcs11-tool")
            .env("SOFTHSM2_CONF", self.path("softhsm2.conf"))
            .args(["--module", MODULE, "-L"])
            .output()
            .unwrap();
        let listing = String::from_utf8_lossy(&out.stdout).to_string();
        let mut label = String::new();
        for line in listing.lines() {
            let l = line.trim();
            if let Some(rest) = l.strip_prefix("token label") {
                label = rest.trim_start_matches([' ', ':']).trim().to_owned();
            }
            if let Some(rest) = l.strip_prefix("serial num")
                && rest.trim_start_matches([' ', ':']).trim() == serial
            {
                return label;
            }
        }
        panic!("no token with serial {serial}:\n{listing}");
    }
}

pub fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

pub fn openssl_ok(dir: &Path, args: &[&str]) -> String {
    let out = openssl(dir, args);
    assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
