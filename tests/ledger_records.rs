//! Issue 16, item 4: the ledger is the source of truth for what the station acts on. Each test
//! edits the real `kustodi.db` of a sandbox station (real SoftHSM2 tokens, the embedded CA)
//! with SQL, as an insider with write access to the file would, and checks that
//! `kustodi ledger verify` names the record (exit 1) and that the command acting on it refuses
//! with the message id, recording nothing.

mod enroll_common;

use enroll_common::{APPLICANT_PIN, Sandbox};
use serde_json::Value;

fn events(sb: &Sandbox) -> i64 {
    sb.scalar("SELECT COUNT(*) FROM ledger_events")
        .parse()
        .unwrap()
}

fn exec(sb: &Sandbox, sql: &str) {
    let n = sb.db().execute(sql, []).unwrap();
    assert!(n >= 1, "the edit changed no row: {sql}");
}

/// `ledger verify` reports the record `table`/`key` with `message_id`; returns the error.
fn verify_reports(sb: &Sandbox, table: &str, key: &str, message_id: &str) -> Value {
    let (code, v) = sb.json(&["ledger", "verify"], None);
    assert_eq!(code, 1, "tampering not detected: {v}");
    let e = &v["error"];
    assert_eq!(e["code"], "ledger.record_mismatch", "{v}");
    assert_eq!(e["message_id"], message_id, "{v}");
    assert_eq!(e["details"]["table"], table, "{v}");
    assert_eq!(e["details"]["key"], key, "{v}");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains(table) && message.contains(key), "{v}");
    assert!(
        e["hint"]
            .as_str()
            .unwrap()
            .contains("kustodi ledger verify"),
        "{v}"
    );
    e.clone()
}

/// A refusal of an acting command for a record that does not match the ledger.
fn refused(v: &Value, table: &str, key: &str, message_id: &str) {
    let e = &v["error"];
    assert_eq!(e["code"], "ledger.record_mismatch", "{v}");
    assert_eq!(e["message_id"], message_id, "{v}");
    assert_eq!(e["details"]["table"], table, "{v}");
    assert_eq!(e["details"]["key"], key, "{v}");
    let hint = e["hint"].as_str().unwrap();
    assert!(
        hint.contains("kustodi ledger verify") && hint.contains("auditor"),
        "{v}"
    );
}

/// An issued certificate: (application id, certificate serial, token serial).
fn issued(sb: &Sandbox, example: &str) -> (String, String, String) {
    let app = sb.approved(example);
    let token = sb.stock_token();
    let (code, v) = sb.enroll(&app, &token, "p256");
    assert_eq!(code, 0, "enroll: {v}");
    (
        app,
        v["certificate_serial"].as_str().unwrap().to_owned(),
        v["token_serial"].as_str().unwrap().to_owned(),
    )
}

/// Enrolment of `app` on a fresh token is refused for `table`/`key`; nothing is recorded.
fn enroll_refused(sb: &Sandbox, app: &str, message_id: &str) {
    let token = sb.stock_token();
    let before = events(sb);
    let certs = sb.scalar("SELECT COUNT(*) FROM certificates");
    let (code, v) = sb.enroll(app, &token, "p256");
    assert_eq!(code, 1, "enroll acted on a tampered application: {v}");
    refused(&v, "applications", app, message_id);
    assert_eq!(events(sb), before, "nothing is recorded");
    assert_eq!(sb.scalar("SELECT COUNT(*) FROM certificates"), certs);
    assert_eq!(sb.scalar("SELECT COUNT(*) FROM enrol_sessions"), "0");
}

#[test]
fn regression_issue16_an_untampered_station_verifies_its_records_and_issues() {
    let sb = Sandbox::new();
    let (app, _serial, _token) = issued(&sb, "individual.json");
    let (code, v) = sb.json(&["ledger", "verify"], None);
    assert_eq!(code, 0, "{v}");
    assert!(v["records"]["records"].as_u64().unwrap() >= 4, "{v}");
    assert_eq!(v["records"]["tables"], 12, "{v}");
    let out = sb.ok(&["--lang", "en", "ledger", "verify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Records match the ledger"), "{text}");
    assert_eq!(sb.app_status(&app), "issued");
}

#[test]
fn regression_issue16_an_application_renamed_in_sqlite_is_reported_and_not_enrolled() {
    let sb = Sandbox::new();
    let app = sb.approved("individual.json");
    sb.ledger_ok();
    exec(
        &sb,
        &format!(
            "UPDATE applications SET applicant_name = 'Bupati Bekasi', \
             form_json = json_set(form_json, '$.applicant.name', 'Bupati Bekasi') \
             WHERE id = '{app}'"
        ),
    );
    let e = verify_reports(&sb, "applications", &app, "err-record-edited");
    let columns = e["details"]["columns"].as_str().unwrap();
    assert!(
        columns.contains("applicant_name") && columns.contains("form_json"),
        "{e}"
    );
    enroll_refused(&sb, &app, "err-record-edited");
}

#[test]
fn regression_issue16_a_rejected_application_set_to_approved_is_reported_and_not_enrolled() {
    let sb = Sandbox::new();
    let file = sb.path("examples/individual.json");
    let (code, v) = sb.json(&["application", "submit", file.to_str().unwrap()], None);
    assert_eq!(code, 0, "{v}");
    let app = v["id"].as_str().unwrap().to_owned();
    sb.ok(&[
        "application",
        "reject",
        &app,
        "--reason",
        "SK tidak berlaku",
    ]);
    exec(
        &sb,
        &format!("UPDATE applications SET status = 'approved' WHERE id = '{app}'"),
    );
    let e = verify_reports(&sb, "applications", &app, "err-record-edited");
    assert_eq!(e["details"]["columns"], "status", "{e}");
    enroll_refused(&sb, &app, "err-record-edited");
}

#[test]
fn regression_issue16_dns_names_added_to_a_system_application_are_reported_and_not_issued() {
    let sb = Sandbox::new();
    let app = sb.approved("system.json");
    exec(
        &sb,
        &format!(
            "UPDATE applications SET form_json = \
             json_insert(form_json, '$.system.dns_names[#]', 'mail.bekasikab.go.id') \
             WHERE id = '{app}'"
        ),
    );
    let e = verify_reports(&sb, "applications", &app, "err-record-edited");
    assert_eq!(e["details"]["columns"], "form_json", "{e}");
    enroll_refused(&sb, &app, "err-record-edited");
}

#[test]
fn regression_issue16_a_certificate_status_or_token_row_edited_is_reported_and_not_renewed() {
    let sb = Sandbox::new();
    let (_app, serial, token_serial) = issued(&sb, "individual.json");
    sb.ledger_ok();

    // A token row edited (back to stock, as if never issued).
    exec(
        &sb,
        &format!("UPDATE tokens SET state = 'stock' WHERE serial = '{token_serial}'"),
    );
    let e = verify_reports(&sb, "tokens", &token_serial, "err-record-edited");
    assert!(
        e["details"]["columns"].as_str().unwrap().contains("state"),
        "{e}"
    );
    exec(
        &sb,
        &format!("UPDATE tokens SET state = 'issued' WHERE serial = '{token_serial}'"),
    );
    sb.ledger_ok();

    // A certificate's status edited: reported, and renewal refuses to act on it.
    exec(
        &sb,
        &format!("UPDATE certificates SET status = 'revoked' WHERE serial = '{serial}'"),
    );
    let e = verify_reports(&sb, "certificates", &serial, "err-record-edited");
    assert_eq!(e["details"]["columns"], "status", "{e}");
    let before = events(&sb);
    let (code, v) = sb.json(
        &[
            "renew",
            &serial,
            "--token",
            &format!("pkcs11:serial={token_serial}"),
            "--pin-stdin",
            enroll_common::evidence()[0],
            enroll_common::evidence()[1],
            enroll_common::evidence()[2],
        ],
        Some(&format!("{APPLICANT_PIN}\n{}\n", sb.officer_pin)),
    );
    assert_eq!(code, 1, "renew acted on a tampered certificate: {v}");
    refused(&v, "certificates", &serial, "err-record-edited");
    assert_eq!(events(&sb), before, "nothing is recorded");
}

#[test]
fn regression_issue16_a_deleted_revocation_is_reported_and_the_crl_is_not_signed_without_it() {
    let sb = Sandbox::new();
    let (_app, serial, _token) = issued(&sb, "individual.json");
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
        Some(&format!("{}\n", sb.officer_pin)),
    );
    assert_eq!(code, 0, "revoke: {v}");
    sb.ledger_ok();
    let crl_before = std::fs::read(sb.path("ca/crl.der")).unwrap();
    assert_eq!(sb.scalar("SELECT COUNT(*) FROM ca_revocations"), "1");
    let ca = sb.scalar("SELECT ca FROM ca_revocations");
    let ca_serial = sb.scalar("SELECT serial_hex FROM ca_revocations");

    // The insider deletes the revocation and sets the certificate back to active.
    exec(&sb, "DELETE FROM revocations");
    exec(&sb, "DELETE FROM ca_revocations");
    exec(
        &sb,
        &format!("UPDATE certificates SET status = 'active' WHERE serial = '{serial}'"),
    );
    // The first record in table order that differs: the certificate.
    verify_reports(&sb, "certificates", &serial, "err-record-edited");

    // `ca crl` refuses to sign a CRL without the revoked certificate; nothing is recorded.
    let before = events(&sb);
    let (code, v) = sb.json(&["ca", "crl"], None);
    assert_eq!(code, 1, "a CRL was signed without the revocation: {v}");
    refused(
        &v,
        "ca_revocations",
        &format!("{ca}/{ca_serial}"),
        "err-record-deleted",
    );
    assert_eq!(events(&sb), before, "nothing is recorded");
    assert_eq!(std::fs::read(sb.path("ca/crl.der")).unwrap(), crl_before);
}

#[test]
fn regression_issue16_a_swapped_escrow_reference_is_reported_and_not_used_to_unblock() {
    let sb = Sandbox::new();
    let (_app, _serial, token_serial) = issued(&sb, "individual.json");
    let (code, v) = sb.json(
        &[
            "sandbox",
            "staff",
            "new",
            "--role",
            "officer",
            "--id",
            "198502022010012002",
            "--name",
            "Siti Aminah",
        ],
        None,
    );
    assert_eq!(code, 0, "staff new: {v}");
    let second_token = v["token"].as_str().unwrap().to_owned();
    let second_pin = v["pin"].as_str().unwrap().to_owned();
    sb.ledger_ok();

    // The token's SO PIN escrow now names another token's archive (one the insider knows).
    let id = sb.scalar(&format!(
        "SELECT MAX(id) FROM escrowed_secrets WHERE token_serial = '{token_serial}' \
         AND kind = 'so_pin'"
    ));
    exec(
        &sb,
        &format!(
            "UPDATE escrowed_secrets SET archive_name = COALESCE((SELECT archive_name FROM \
             escrowed_secrets WHERE id <> {id} ORDER BY id LIMIT 1), 'other-so-pin.age') \
             WHERE id = {id}"
        ),
    );
    let e = verify_reports(&sb, "escrowed_secrets", &id, "err-record-edited");
    assert_eq!(e["details"]["columns"], "archive_name", "{e}");

    let before = events(&sb);
    let identity = sb.path("sandbox/custodian-1.key");
    let (code, v) = sb.json(
        &[
            "unblock",
            &token_serial,
            "--identity",
            identity.to_str().unwrap(),
            "--second-officer-token",
            &second_token,
            "--pin-stdin",
        ],
        Some(&format!("{}\n{second_pin}\n918273\n", sb.officer_pin)),
    );
    assert_eq!(code, 1, "unblock used a swapped escrow: {v}");
    refused(&v, "escrowed_secrets", &id, "err-record-edited");
    assert_eq!(events(&sb), before, "nothing is recorded");
}

#[test]
fn regression_issue16_an_edited_added_or_deleted_staff_entry_is_reported() {
    let sb = Sandbox::new();
    let staff = sb.scalar("SELECT COUNT(*) FROM staff");
    if staff == "0" {
        let (code, v) = sb.json(
            &[
                "sandbox",
                "staff",
                "new",
                "--role",
                "auditor",
                "--id",
                "199001012015011003",
                "--name",
                "Dewi Lestari",
            ],
            None,
        );
        assert_eq!(code, 0, "staff new: {v}");
    }
    sb.ledger_ok();
    let id = sb.scalar("SELECT id FROM staff ORDER BY id LIMIT 1");
    let conn = sb.db();
    // Edited.
    let original: String = conn
        .query_row("SELECT name FROM staff WHERE id = ?1", [&id], |r| r.get(0))
        .unwrap();
    exec(
        &sb,
        &format!("UPDATE staff SET name = 'Bupati Bekasi' WHERE id = '{id}'"),
    );
    let e = verify_reports(&sb, "staff", &id, "err-record-edited");
    assert_eq!(e["details"]["columns"], "name", "{e}");
    conn.execute("UPDATE staff SET name = ?1 WHERE id = ?2", [&original, &id])
        .unwrap();
    sb.ledger_ok();
    // Added (a copy under another id).
    conn.execute(
        "CREATE TEMP TABLE s AS SELECT * FROM staff WHERE id = ?1",
        [&id],
    )
    .unwrap();
    conn.execute("UPDATE s SET id = '999999999999999999'", [])
        .unwrap();
    conn.execute("INSERT INTO staff SELECT * FROM s", [])
        .unwrap();
    verify_reports(&sb, "staff", "999999999999999999", "err-record-unrecorded");
    conn.execute("DELETE FROM staff WHERE id = '999999999999999999'", [])
        .unwrap();
    sb.ledger_ok();
    // Deleted.
    conn.execute("INSERT INTO s SELECT * FROM staff WHERE id = ?1", [&id])
        .unwrap();
    conn.execute("DELETE FROM staff WHERE id = ?1", [&id])
        .unwrap();
    verify_reports(&sb, "staff", &id, "err-record-deleted");
}
