//! Incidents through the `kustodi` binary on a sandbox home: add, list, close, formal report
//! (Indonesian and English), refusals, and an intact ledger afterwards.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_kustodi");

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
    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .env("KUSTODI_HOME", self.home())
            .env("KUSTODI_OFFICER", "198001012005011001")
            .env_remove("SOFTHSM2_CONF")
            .env_remove("KUSTODI_STATION_PIN")
            .env("LANG", "id_ID.UTF-8")
            .output()
            .unwrap()
    }
    fn json(&self, args: &[&str]) -> (i32, Value) {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let out = self.run(&a);
        let v: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out)));
        (out.status.code().unwrap(), v)
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

#[test]
fn an_incident_is_recorded_listed_closed_and_reported_to_the_three_addressees() {
    let sb = Sandbox::new();
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/applications/individual.json");
    let (code, v) = sb.json(&["application", "submit", example.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    let app = v["id"].as_str().unwrap().to_owned();

    let (code, v) = sb.json(&[
        "incident",
        "add",
        "--category",
        "lost_key",
        "--summary",
        "Token pemegang hilang di KRL Bekasi",
        "--token",
        "TOK-0042",
        "--certificate",
        "5a0f33",
        "--application",
        &app,
        "--reported-by",
        "Siti Rahmawati",
        "--occurred-at",
        "2025-03-01T08:00:00+07:00",
    ]);
    assert_eq!((code, v["status"].as_str()), (0, Some("open")), "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    assert_eq!(id, "INC-000001");

    let (_, list) = sb.json(&["incident", "list", "--open"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["category"], "lost_key");
    assert_eq!(list[0]["occurred_at"], "2025-03-01T01:00:00Z");

    // Report while open: Indonesian, Markdown.
    let md = sb.home().join("insiden.md");
    let out = sb.run(&["incident", "report", &id, "--out", md.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = std::fs::read_to_string(&md).unwrap();
    for needle in [
        "LAPORAN INSIDEN",
        "Gubernur Jawa Barat",
        "Kepala Badan Siber dan Sandi Negara (BSSN)",
        "Kepala Balai Besar Sertifikasi Elektronik (BSrE)",
        "Pasal 25",
        "TOK-0042",
        "5a0f33",
        &app,
        "application.submitted",
        "incident.recorded",
        "Kunci privat hilang",
        "masih terbuka",
    ] {
        assert!(doc.contains(needle), "missing {needle:?} in:\n{doc}");
    }

    // Close, then it is no longer open and cannot be closed again.
    let (code, v) = sb.json(&[
        "incident",
        "close",
        &id,
        "--resolution",
        "Sertifikat dicabut; token baru diterbitkan setelah verifikasi ulang",
    ]);
    assert_eq!((code, v["status"].as_str()), (0, Some("closed")), "{v}");
    let (_, open) = sb.json(&["incident", "list", "--open"]);
    assert!(open.as_array().unwrap().is_empty());
    let (code, v) = sb.json(&["incident", "close", &id, "--resolution", "lagi"]);
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (1, Some("incident.transition"))
    );

    // Report after closing: English, plain text, names the actions taken.
    let txt = sb.home().join("incident.txt");
    let out = sb.run(&[
        "--lang",
        "en",
        "incident",
        "report",
        &id,
        "--format",
        "txt",
        "--out",
        txt.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = std::fs::read_to_string(&txt).unwrap();
    for needle in [
        "The Governor of West Java",
        "(BSSN)",
        "(BSrE)",
        "incident.closed",
        "token baru diterbitkan",
        "Private key lost",
    ] {
        assert!(doc.contains(needle), "missing {needle:?} in:\n{doc}");
    }

    // Every change is in the ledger, and the ledger verifies.
    let (_, events) = sb.json(&["ledger", "events", "--limit", "100"]);
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"incident.recorded") && kinds.contains(&"incident.closed"));
    let (code, v) = sb.json(&["ledger", "verify"]);
    assert_eq!((code, v["ok"].as_bool()), (0, Some(true)), "{v}");
}

#[test]
fn an_incident_with_an_unknown_application_or_a_future_time_is_refused_and_nothing_recorded() {
    let sb = Sandbox::new();
    let (code, v) = sb.json(&[
        "incident",
        "add",
        "--category",
        "other",
        "--summary",
        "uji",
        "--application",
        "APP-999999",
    ]);
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (1, Some("not_found")),
        "{v}"
    );
    let (code, v) = sb.json(&[
        "incident",
        "add",
        "--category",
        "other",
        "--summary",
        "uji",
        "--occurred-at",
        "2999-01-01",
    ]);
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (1, Some("input.future_time")),
        "{v}"
    );
    let (code, v) = sb.json(&["incident", "add", "--category", "other", "--summary", "  "]);
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (1, Some("incident.empty")),
        "{v}"
    );
    let (_, list) = sb.json(&["incident", "list"]);
    assert!(list.as_array().unwrap().is_empty());
}

#[test]
fn a_roster_with_bad_rows_names_each_line_and_a_good_one_replaces_the_roster() {
    let sb = Sandbox::new();
    let bad = sb.home().join("bad.csv");
    std::fs::write(
        &bad,
        "nip,name,department,position\n\
         198001012005011001,\"Drs. Ahmad Fauzi, M.Si.\",Diskominfosantik,Kepala Dinas\n\
         12345,Budi,Bapenda\n\
         198001012005011002,,Bapenda\n\
         198001012005011001,Ganda,Bapenda\n",
    )
    .unwrap();
    let (code, v) = sb.json(&["roster", "import", bad.to_str().unwrap()]);
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (1, Some("roster.invalid")),
        "{v}"
    );
    let lines: Vec<u64> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4, 5], "{v}");

    let good = sb.home().join("good.csv");
    std::fs::write(
        &good,
        "nip,name,department,position\n\
         198001012005011001,\"Drs. Ahmad Fauzi, M.Si.\",Diskominfosantik,Kepala Dinas\n\
         198001012005011002,Siti,Bapenda\n",
    )
    .unwrap();
    let (code, v) = sb.json(&["roster", "import", good.to_str().unwrap()]);
    assert_eq!((code, v["rows"].as_u64()), (0, Some(2)), "{v}");
    let (_, list) = sb.json(&["roster", "list", "--department", "Bapenda"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["name"], "Siti");

    let csv = sb.home().join("y.csv");
    let out = sb.run(&[
        "report",
        "yearly",
        "--year",
        "2025",
        "--format",
        "csv",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let body = std::fs::read_to_string(&csv).unwrap();
    assert!(body.contains("coverage,Bapenda,2025-12-31,asn,1"), "{body}");
    let (code, v) = sb.json(&["ledger", "verify"]);
    assert_eq!((code, v["ok"].as_bool()), (0, Some(true)), "{v}");
}
