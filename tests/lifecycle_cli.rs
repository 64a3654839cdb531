//! The lifecycle after issuance (issue 7) through the binary on a sandbox home: real SoftHSM2
//! tokens, the embedded CA on its own SoftHSM2 token, a real SQLite file, OpenSSL and
//! pkcs11-tool / softhsm2-util as outside verifiers. Renewal, revocation with the papers of
//! Pasal 16 (embedded CA with a CRL, offline CA with a confirmation), PIN unblock under
//! two-person control, a custody audit signed by an auditor, and auditors changing nothing.

mod enroll_common;

use std::process::Command;

use enroll_common::{AGREEMENT_SHA256, APPLICANT_PIN, MODULE, Sandbox, text};
use serde_json::Value;

const OFFICER: &str = "198001012005011001";

fn openssl(sb: &Sandbox, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .current_dir(sb.home())
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The serials (upper-case hex, as OpenSSL prints them) on the embedded CA's published CRL.
fn crl_serials(sb: &Sandbox) -> String {
    openssl(
        sb,
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "ca/crl.der",
            "-noout",
            "-text",
        ],
    )
}

fn upper(serial: &str) -> String {
    serial.trim_start_matches('0').to_ascii_uppercase()
}

/// An issued certificate on a fresh stock token: (certificate serial, token URI, token serial).
fn issued(sb: &Sandbox, example: &str) -> (String, String, String) {
    let app = sb.approved(example);
    let token = sb.stock_token();
    let (code, v) = sb.enroll(&app, &token, "p256");
    assert_eq!(code, 0, "enroll: {v}");
    (
        v["certificate_serial"].as_str().unwrap().to_owned(),
        token,
        v["token_serial"].as_str().unwrap().to_owned(),
    )
}

fn error_code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

fn count(sb: &Sandbox, sql: &str) -> i64 {
    sb.scalar(sql).parse().unwrap()
}

/// The sandbox officer's token (`[officer] default_token` of config.toml).
fn officer_token(sb: &Sandbox) -> String {
    let cfg = std::fs::read_to_string(sb.path("config.toml")).unwrap();
    cfg.lines()
        .find_map(|l| l.trim().strip_prefix("default_token = "))
        .map(|v| v.trim().trim_matches('"').to_owned())
        .unwrap_or_else(|| panic!("no [officer] default_token in {cfg}"))
}

fn staff(sb: &Sandbox, role: &str, id: &str, name: &str) -> (String, String) {
    let (code, v) = sb.json(
        &[
            "sandbox", "staff", "new", "--role", role, "--id", id, "--name", name,
        ],
        None,
    );
    assert_eq!(code, 0, "staff new: {v}");
    (
        v["token"].as_str().unwrap().to_owned(),
        v["pin"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn a_renewal_on_the_same_token_issues_a_new_certificate_and_revokes_the_old_as_superseded() {
    let sb = Sandbox::new();
    let (old, _stock_uri, token_serial) = issued(&sb, "individual.json");
    // Enrolment relabelled the token for its holder: it is found by its serial.
    let token = format!("pkcs11:serial={token_serial}");
    let (code, v) = sb.json(
        &[
            "renew",
            &old,
            "--token",
            &token,
            "--pin-stdin",
            "--identity-checked",
            "--agreement-accepted",
            &AGREEMENT_SHA256,
        ],
        Some(&format!("{APPLICANT_PIN}\n{}\n", sb.officer_pin)),
    );
    assert_eq!(code, 0, "renew: {v}");
    assert_eq!(v["status"], "done", "{v}");
    let new = v["certificate_serial"].as_str().unwrap();
    assert_ne!(new, old);
    assert_eq!(v["token_serial"], token_serial.as_str());

    // The old certificate is revoked (reason superseded) and on the CA's CRL; the new is not.
    let crl = crl_serials(&sb);
    assert!(crl.contains(&upper(&old)), "{crl}");
    assert!(!crl.contains(&upper(new)), "{crl}");
    assert!(crl.contains("Superseded"), "{crl}");
    // The token stays with its holder; the new certificate chains to the CA.
    assert_eq!(
        sb.scalar(&format!(
            "SELECT state FROM tokens WHERE serial = '{token_serial}'"
        )),
        "issued"
    );
    let dir = sb.home();
    sb.ok(&["ca", "cert", "--out", dir.join("ca.pem").to_str().unwrap()]);
    sb.ok(&[
        "certificate",
        "export",
        new,
        "--out",
        dir.join("new.pem").to_str().unwrap(),
    ]);
    let t = openssl(&sb, &["verify", "-CAfile", "ca.pem", "new.pem"]);
    assert!(t.contains("new.pem: OK"), "{t}");

    // Its own receipt, naming the certificate it renews, verifies.
    let receipt = v["receipt_id"].as_str().unwrap();
    let file = sb.path("renewal-receipt.p7s");
    sb.ok(&[
        "receipt",
        "export",
        receipt,
        "--out",
        file.to_str().unwrap(),
    ]);
    let (code, r) = sb.json(&["receipt", "verify", file.to_str().unwrap()], None);
    assert_eq!(code, 0, "{r}");
    let kinds = sb.event_kinds();
    for k in [
        "certificate.renewed",
        "certificate.revoked",
        "renewal.completed",
    ] {
        assert!(kinds.iter().any(|e| e == k), "{k} missing from {kinds:?}");
    }
    sb.ledger_ok();

    // The old certificate cannot be renewed a second time.
    let (code, v) = sb.json(
        &[
            "renew",
            &old,
            "--token",
            &token,
            "--pin-stdin",
            "--identity-checked",
            "--agreement-accepted",
            &AGREEMENT_SHA256,
        ],
        Some(&format!("{APPLICANT_PIN}\n{}\n", sb.officer_pin)),
    );
    assert_ne!(code, 0);
    assert_eq!(error_code(&v), "renew.not_active", "{v}");
}

#[test]
fn a_renewal_onto_a_new_token_sets_a_new_pin_and_retires_the_old_token() {
    let sb = Sandbox::new();
    let (old, _uri, old_token) = issued(&sb, "individual.json");
    let new_token = sb.stock_token();
    let (code, v) = sb.json(
        &[
            "renew",
            &old,
            "--token",
            &new_token,
            "--pin-stdin",
            "--identity-checked",
            "--agreement-accepted",
            &AGREEMENT_SHA256,
        ],
        Some(&format!("135792\n{}\n", sb.officer_pin)),
    );
    assert_eq!(code, 0, "renew: {v}");
    let new_serial = v["token_serial"].as_str().unwrap();
    assert_ne!(new_serial, old_token);
    let state = |s: &str| sb.scalar(&format!("SELECT state FROM tokens WHERE serial = '{s}'"));
    assert_eq!(state(new_serial), "issued");
    assert_eq!(
        state(&old_token),
        "revoked",
        "the old token is out of service"
    );
    assert!(crl_serials(&sb).contains(&upper(&old)));
    sb.ledger_ok();
}

#[test]
fn a_lost_token_is_revoked_only_with_the_pasal_16_papers_and_lands_on_the_crl() {
    let sb = Sandbox::new();
    let (serial, _token, token_serial) = issued(&sb, "individual.json");
    let pin = format!("{}\n", sb.officer_pin);

    // Without the police report, statement and superior: refused, nothing recorded.
    let (code, v) = sb.json(
        &["revoke", &serial, "--reason", "lost", "--pin-stdin"],
        Some(&pin),
    );
    assert_ne!(code, 0);
    assert_eq!(error_code(&v), "revoke.papers_missing", "{v}");
    assert_eq!(
        v["missing"],
        serde_json::json!(["police_report", "statement", "superior"])
    );
    assert!(
        v["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("--police-report")
    );
    assert_eq!(count(&sb, "SELECT COUNT(*) FROM revocations"), 0);
    assert_eq!(
        sb.scalar(&format!(
            "SELECT state FROM tokens WHERE serial = '{token_serial}'"
        )),
        "issued"
    );

    // A cause that is not one of the regulation's is named as such.
    let (_, v) = sb.json(
        &["revoke", &serial, "--reason", "bored", "--pin-stdin"],
        Some(&pin),
    );
    assert_eq!(error_code(&v), "revoke.unknown_cause", "{v}");

    // With the papers: revoked at the CA, CRL published, token lost, incident recorded.
    let statement = sb.path("statement.pdf");
    std::fs::write(&statement, b"%PDF-1.4 surat pernyataan kehilangan").unwrap();
    let (code, v) = sb.json(
        &[
            "revoke",
            &serial,
            "--reason",
            "lost",
            "--police-report",
            "LP/123/XII/2026/Polres Metro Bekasi",
            "--statement",
            statement.to_str().unwrap(),
            "--superior",
            "Kepala Dinas Kominfo",
            "--pin-stdin",
        ],
        Some(&pin),
    );
    assert_eq!(code, 0, "revoke: {v}");
    assert_eq!(v["status"], "done");
    assert_eq!(v["token_state"], "lost");
    assert!(v["incident"].as_str().is_some(), "{v}");
    let crl = crl_serials(&sb);
    assert!(crl.contains(&upper(&serial)), "{crl}");
    assert!(crl.contains("Key Compromise"), "{crl}");
    // The CRL verifies against the CA certificate.
    sb.ok(&["ca", "cert", "--out", sb.path("ca.pem").to_str().unwrap()]);
    let out = Command::new("openssl")
        .current_dir(sb.home())
        .args([
            "crl",
            "-inform",
            "DER",
            "-in",
            "ca/crl.der",
            "-CAfile",
            "ca.pem",
            "-noout",
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("verify OK")
            || String::from_utf8_lossy(&out.stdout).contains("verify OK"),
        "{}",
        text(&out)
    );
    assert_eq!(
        sb.scalar(&format!(
            "SELECT state FROM tokens WHERE serial = '{token_serial}'"
        )),
        "lost"
    );
    // The statement is archived encrypted: its bytes are nowhere in the database.
    assert_eq!(
        count(
            &sb,
            "SELECT COUNT(*) FROM revocations WHERE statement_sha256 IS NOT NULL"
        ),
        1
    );

    // A second revocation of the same certificate is refused and names the first.
    let (_, v) = sb.json(
        &[
            "revoke",
            &serial,
            "--reason",
            "holder_request",
            "--pin-stdin",
        ],
        Some(&pin),
    );
    assert_eq!(error_code(&v), "revoke.exists", "{v}");
    let kinds = sb.event_kinds();
    assert!(kinds.iter().any(|k| k == "certificate.revoked"));
    assert!(kinds.iter().any(|k| k == "incident.recorded"));
    sb.ledger_ok();
}

#[test]
fn an_offline_ca_revocation_is_a_request_until_the_officer_confirms_it() {
    let sb = Sandbox::new();
    let (serial, _token, token_serial) = issued(&sb, "individual.json");
    let cfg = std::fs::read_to_string(sb.path("config.toml")).unwrap();
    let cfg = cfg.replace("kind = \"embedded\"", "kind = \"offline\"");
    assert!(cfg.contains("kind = \"offline\""), "{cfg}");
    std::fs::write(sb.path("config.toml"), cfg).unwrap();

    let pin = format!("{}\n", sb.officer_pin);
    let (code, v) = sb.json(
        &[
            "revoke",
            &serial,
            "--reason",
            "holder_request",
            "--pin-stdin",
        ],
        Some(&pin),
    );
    assert_eq!(code, 0, "revoke: {v}");
    assert_eq!(v["status"], "requested", "{v}");
    let id = v["revocation"].as_str().unwrap().to_owned();
    assert!(!v["instructions"].as_str().unwrap().is_empty());
    // The request sheet for the CA's portal names the serial and the RFC 5280 reason.
    let sheets: Vec<_> = std::fs::read_dir(sb.path("outbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("revoke-")
        })
        .collect();
    assert_eq!(sheets.len(), 1, "{sheets:?}");
    let sheet = std::fs::read_to_string(&sheets[0]).unwrap().to_lowercase();
    assert!(
        sheet.contains(&serial.to_lowercase().trim_start_matches('0').to_owned()),
        "{sheet}"
    );
    assert!(sheet.contains("unspecified"), "{sheet}");
    assert_eq!(
        sb.scalar(&format!(
            "SELECT state FROM tokens WHERE serial = '{token_serial}'"
        )),
        "issued",
        "the token waits for the CA"
    );
    let (_, list) = sb.json(&["revocation", "list", "--status", "requested"], None);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

    let (code, v) = sb.json(
        &["revocation", "confirm", &id, "--ticket", "BSRE-REV-77"],
        None,
    );
    assert_eq!(code, 0, "confirm: {v}");
    assert_eq!(v["status"], "done", "{v}");
    assert_eq!(
        sb.scalar(&format!(
            "SELECT state FROM tokens WHERE serial = '{token_serial}'"
        )),
        "revoked"
    );
    // Confirming twice is refused.
    let (_, v) = sb.json(&["revocation", "confirm", &id], None);
    assert_eq!(error_code(&v), "revoke.not_requested", "{v}");
    let kinds = sb.event_kinds();
    assert!(
        kinds
            .iter()
            .any(|k| k == "certificate.revocation_requested")
    );
    assert!(kinds.iter().any(|k| k == "certificate.revoked"));
    sb.ledger_ok();
}

/// `pkcs11-tool --login` on a token with this PIN succeeds.
fn pin_works(sb: &Sandbox, token_serial: &str, pin: &str) -> bool {
    let label = sb.token_label(token_serial);
    Command::new("pkcs11-tool")
        .env("SOFTHSM2_CONF", sb.path("softhsm2.conf"))
        .args([
            "--module",
            MODULE,
            "--token-label",
            &label,
            "--login",
            "--pin",
            pin,
            "-O",
        ])
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn a_pin_unblock_needs_two_different_officers_and_the_holder_sets_the_new_pin() {
    let sb = Sandbox::new();
    let (_serial, _token, token_serial) = issued(&sb, "individual.json");
    let (second_token, second_pin) = staff(&sb, "officer", "198502022010012002", "Siti Aminah");
    let identity = sb.path("sandbox/custodian-1.key");
    let identity = identity.to_str().unwrap();
    let new_pin = "918273";

    // One officer alone is refused before the holder types anything.
    let (code, v) = sb.json(
        &[
            "unblock",
            &token_serial,
            "--identity",
            identity,
            "--pin-stdin",
        ],
        Some(&format!("{}\n", sb.officer_pin)),
    );
    assert_ne!(code, 0);
    assert_eq!(error_code(&v), "unblock.two_officers", "{v}");

    // The same officer twice is refused.
    let first = officer_token(&sb);
    {
        let first = &first;
        let (_, v) = sb.json(
            &[
                "unblock",
                &token_serial,
                "--identity",
                identity,
                "--second-officer-token",
                first,
                "--pin-stdin",
            ],
            Some(&format!("{0}\n{0}\n{new_pin}\n", sb.officer_pin)),
        );
        assert_eq!(error_code(&v), "unblock.same_officer", "{v}");
    }
    assert!(pin_works(&sb, &token_serial, APPLICANT_PIN));
    assert!(!sb.event_kinds().iter().any(|k| k == "token.pin_unblocked"));

    // Two officers: the holder's new PIN is set with the escrowed SO PIN, which is rotated.
    let escrows = count(
        &sb,
        &format!("SELECT COUNT(*) FROM escrowed_secrets WHERE token_serial = '{token_serial}'"),
    );
    let (code, v) = sb.json(
        &[
            "unblock",
            &token_serial,
            "--identity",
            identity,
            "--second-officer-token",
            &second_token,
            "--pin-stdin",
        ],
        Some(&format!("{}\n{second_pin}\n{new_pin}\n", sb.officer_pin)),
    );
    assert_eq!(code, 0, "unblock: {v}");
    assert_eq!(v["approvers"][0], format!("officer:{OFFICER}").as_str());
    assert_eq!(v["approvers"][1], "officer:198502022010012002");
    assert!(pin_works(&sb, &token_serial, new_pin));
    assert!(!pin_works(&sb, &token_serial, APPLICANT_PIN));
    assert_eq!(
        count(
            &sb,
            &format!("SELECT COUNT(*) FROM escrowed_secrets WHERE token_serial = '{token_serial}'")
        ),
        escrows + 1,
        "the new SO PIN is escrowed"
    );
    let kinds = sb.event_kinds();
    for k in ["secret.recovered", "secret.escrowed", "token.pin_unblocked"] {
        assert!(kinds.iter().any(|e| e == k), "{k} missing");
    }
    // No PIN is in the ledger or the database in clear.
    let dump = std::fs::read(sb.path("kustodi.db")).unwrap();
    for p in [new_pin, second_pin.as_str(), sb.officer_pin.as_str()] {
        assert!(
            !dump.windows(p.len()).any(|w| w == p.as_bytes()),
            "a PIN is in the database"
        );
    }
    sb.ledger_ok();
}

#[test]
fn a_custody_audit_finds_missing_unknown_and_misstated_tokens_and_the_auditor_signs_it() {
    let sb = Sandbox::new();
    let (_serial, _issued_token, issued_serial) = issued(&sb, "individual.json");
    let kept = sb.stock_token();
    let gone = sb.stock_token();
    let (_, list) = sb.json(&["token", "list"], None);
    let serial_of = |uri: &str| -> String {
        list["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["uri"] == uri)
            .map(|t| t["serial"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("{uri} not in {list}"))
    };
    let (kept_serial, gone_serial) = (serial_of(&kept), serial_of(&gone));
    let (auditor_token, auditor_pin) = staff(&sb, "auditor", "197703032000031003", "Budi Santoso");
    // The new tokens enter the inventory as stock (intake of the tokens plugged in); the
    // issued token and the station's own tokens are skipped.
    let (code, v) = sb.json(&["token", "intake", "--present"], None);
    assert_eq!(code, 0, "intake: {v}");
    let registered: Vec<&str> = v["registered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["serial"].as_str().unwrap())
        .collect();
    assert_eq!(registered.len(), 2, "{v}");
    assert!(
        registered.contains(&kept_serial.as_str()) && registered.contains(&gone_serial.as_str())
    );

    // The stock token `gone` is not presented; a token nobody registered is.
    let conf = sb.path("softhsm2.conf");
    let out = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--delete-token", "--serial", &gone_serial])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--init-token",
            "--free",
            "--label",
            "STRAY",
            "--pin",
            "123456",
            "--so-pin",
            "12345678",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));

    // An officer cannot open an audit, even with a valid officer token and PIN.
    let officer_token = officer_token(&sb);
    let (_, v) = sb.json(
        &[
            "audit",
            "start",
            "--auditor-token",
            &officer_token,
            "--pin-stdin",
        ],
        Some(&format!("{}\n", sb.officer_pin)),
    );
    assert_eq!(error_code(&v), "role.not_auditor", "{v}");

    let env = [("KUSTODI_OFFICER", "197703032000031003")];
    let (code, v) = sb.json_env(
        &[
            "audit",
            "start",
            "--auditor-token",
            &auditor_token,
            "--pin-stdin",
        ],
        Some(&format!("{auditor_pin}\n")),
        &env,
    );
    assert_eq!(code, 0, "audit start: {v}");
    let id = v["audit"].as_str().unwrap().to_owned();
    let (code, v) = sb.json_env(&["audit", "scan", &id], None, &env);
    assert_eq!(code, 0, "scan: {v}");
    let (code, v) = sb.json_env(
        &[
            "audit",
            "finish",
            &id,
            "--auditor-token",
            &auditor_token,
            "--pin-stdin",
        ],
        Some(&format!("{auditor_pin}\n")),
        &env,
    );
    assert_eq!(code, 0, "finish: {v}");
    assert_eq!(v["clean"], false);
    let r = &v["result"];
    let serials = |k: &str| -> Vec<String> {
        r[k].as_array()
            .unwrap()
            .iter()
            .map(|f| f["serial"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(serials("missing"), vec![gone_serial.clone()], "{r}");
    assert!(serials("present_expected").contains(&kept_serial), "{r}");
    assert!(serials("mismatched").contains(&issued_serial), "{r}");
    assert_eq!(
        r["mismatched"][0]["mismatch"], "not_in_custody",
        "an issued token presented at the OP: {r}"
    );
    let unknown = r["unknown"].as_array().unwrap();
    assert_eq!(unknown.len(), 1, "{r}");
    assert_eq!(unknown[0]["label"], "STRAY");
    // Staff and CA tokens are listed apart, not as unknown.
    assert!(!r["station"].as_array().unwrap().is_empty(), "{r}");

    // The report is signed by the auditor: exported, it verifies; a changed byte does not.
    let file = sb.path("audit.p7s");
    sb.ok(&["audit", "export", &id, "--out", file.to_str().unwrap()]);
    let (code, v) = sb.json(&["audit", "verify", file.to_str().unwrap()], None);
    assert_eq!(code, 0, "verify: {v}");
    assert!(
        v["signer"].as_str().unwrap().contains("Budi Santoso"),
        "{v}"
    );
    let mut der = std::fs::read(&file).unwrap();
    let at = der.len() / 2;
    der[at] ^= 0x01;
    let bad = sb.path("audit-bad.p7s");
    std::fs::write(&bad, der).unwrap();
    let (code, _) = sb.json(&["audit", "verify", bad.to_str().unwrap()], None);
    assert_ne!(code, 0, "a changed report is refused");
    // OpenSSL reads the same CMS signature.
    sb.ok(&["ca", "cert", "--out", sb.path("ca.pem").to_str().unwrap()]);
    let t = Command::new("openssl")
        .current_dir(sb.home())
        .args([
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            "audit.p7s",
            "-CAfile",
            "ca.pem",
            "-purpose",
            "any",
            "-out",
            "report.json",
        ])
        .output()
        .unwrap();
    assert!(t.status.success(), "{}", text(&t));
    let report: Value =
        serde_json::from_slice(&std::fs::read(sb.path("report.json")).unwrap()).unwrap();
    assert_eq!(
        report["result"]["missing"][0]["serial"],
        gone_serial.as_str()
    );

    // A closed audit takes no more scans.
    let (_, v) = sb.json_env(&["audit", "scan", &id], None, &env);
    assert_eq!(error_code(&v), "audit.closed", "{v}");
    let kinds = sb.event_kinds();
    for k in ["audit.started", "audit.finished"] {
        assert!(kinds.iter().any(|e| e == k), "{k} missing from {kinds:?}");
    }
    sb.ledger_ok();
}

#[test]
fn an_auditor_reads_but_changes_no_record() {
    let sb = Sandbox::new();
    let (_serial, _token, token_serial) = issued(&sb, "individual.json");
    staff(&sb, "auditor", "197703032000031003", "Budi Santoso");
    let env = [("KUSTODI_OFFICER", "197703032000031003")];
    let events = sb.event_kinds().len();

    let (code, v) = sb.json_env(
        &[
            "token",
            "state",
            &token_serial,
            "--to",
            "suspended",
            "--reason",
            "cuti",
        ],
        None,
        &env,
    );
    assert_ne!(code, 0);
    assert_eq!(error_code(&v), "role.auditor_read_only", "{v}");
    let file = sb.path("examples/individual.json");
    let (_, v) = sb.json_env(
        &["application", "submit", file.to_str().unwrap()],
        None,
        &env,
    );
    assert_eq!(error_code(&v), "role.auditor_read_only", "{v}");
    let (_, v) = sb.json_env(&["ca", "crl"], None, &env);
    assert_eq!(error_code(&v), "role.auditor_read_only", "{v}");
    assert_eq!(sb.event_kinds().len(), events, "nothing was recorded");

    // Reading is allowed.
    let (code, _) = sb.json_env(&["ledger", "verify"], None, &env);
    assert_eq!(code, 0);
    let (code, _) = sb.json_env(&["revocation", "list"], None, &env);
    assert_eq!(code, 0);
}

#[test]
fn a_revoked_token_comes_back_and_is_destroyed_only_before_an_auditor_or_restocked_only_wiped() {
    let sb = Sandbox::new();
    let (serial, _token, token_serial) = issued(&sb, "individual.json");
    let (_, _, other_serial) = issued(&sb, "system.json");
    staff(&sb, "auditor", "197703032000031003", "Budi Santoso");
    let state = |s: &str| sb.scalar(&format!("SELECT state FROM tokens WHERE serial = '{s}'"));

    // issued → destroyed is not a move the table knows; nothing changes.
    let (_, v) = sb.json(
        &[
            "token",
            "state",
            &token_serial,
            "--to",
            "destroyed",
            "--reason",
            "x",
        ],
        None,
    );
    assert_eq!(error_code(&v), "lifecycle.not_allowed", "{v}");
    assert!(
        v["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("docs/lifecycle.md")
    );

    let (code, v) = sb.json(
        &[
            "revoke",
            &serial,
            "--reason",
            "holder_request",
            "--pin-stdin",
        ],
        Some(&format!("{}\n", sb.officer_pin)),
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(state(&token_serial), "revoked");
    sb.ok(&["token", "state", &token_serial, "--to", "returned"]);

    // Back to stock only after a wipe.
    let (_, v) = sb.json(&["token", "state", &token_serial, "--to", "stock"], None);
    assert_eq!(error_code(&v), "lifecycle.not_wiped", "{v}");
    // Destroyed only with an auditor as witness (an officer is not one).
    let (_, v) = sb.json(
        &[
            "token",
            "state",
            &token_serial,
            "--to",
            "destroyed",
            "--reason",
            "rusak fisik",
        ],
        None,
    );
    assert_eq!(error_code(&v), "lifecycle.witness", "{v}");
    let (_, v) = sb.json(
        &[
            "token",
            "state",
            &token_serial,
            "--to",
            "destroyed",
            "--reason",
            "rusak fisik",
            "--witness",
            OFFICER,
        ],
        None,
    );
    assert_eq!(error_code(&v), "role.not_auditor", "{v}");
    assert_eq!(state(&token_serial), "returned");
    let (code, v) = sb.json(
        &[
            "token",
            "state",
            &token_serial,
            "--to",
            "destroyed",
            "--reason",
            "rusak fisik",
            "--witness",
            "197703032000031003",
        ],
        None,
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(state(&token_serial), "destroyed");

    // Another holder's token: suspended and reinstated (each with a reason).
    let (_, v) = sb.json(
        &["token", "state", &other_serial, "--to", "suspended"],
        None,
    );
    assert_eq!(error_code(&v), "lifecycle.reason_required", "{v}");
    sb.ok(&[
        "token",
        "state",
        &other_serial,
        "--to",
        "suspended",
        "--reason",
        "cuti",
    ]);
    sb.ok(&[
        "token",
        "state",
        &other_serial,
        "--to",
        "issued",
        "--reason",
        "kembali",
    ]);
    assert_eq!(state(&other_serial), "issued");
    sb.ledger_ok();
}
