//! `kustodi enroll` end to end on real parts: SoftHSM2 tokens, a SQLite file, OpenSSL as the
//! outside verifier of CSR, certificate and receipt, pkcs11-tool to look at the token.

mod enroll_common;

use enroll_common::*;
use serde_json::Value;

/// Issues `example` with the embedded CA and checks everything from outside.
fn issue_and_verify(example: &str, algorithm: &str, ku: &[&str], eku: &[&str], san: &[&str]) {
    let sb = Sandbox::new();
    let app = sb.approved(example);
    let token = sb.stock_token();
    let (code, v) = sb.enroll(&app, &token, algorithm);
    assert_eq!(code, 0, "enroll: {v}");
    assert_eq!(v["status"], "done");
    let (session, serial) = (
        v["session"].as_str().unwrap(),
        v["certificate_serial"].as_str().unwrap(),
    );
    let (receipt, token_serial) = (
        v["receipt_id"].as_str().unwrap(),
        v["token_serial"].as_str().unwrap(),
    );
    let dir = sb.home();

    // The CSR made on the token verifies.
    sb.ok(&[
        "session",
        "csr",
        session,
        "--out",
        dir.join("r.csr").to_str().unwrap(),
    ]);
    let t = openssl_ok(dir, &["req", "-verify", "-noout", "-in", "r.csr"]);
    assert!(t.contains("verify OK"), "{t}");

    // The certificate chains to the CA and has the profile's KU/EKU/SAN.
    sb.ok(&[
        "ca",
        "cert",
        "--out",
        dir.join("ca-out.pem").to_str().unwrap(),
    ]);
    sb.ok(&[
        "certificate",
        "export",
        serial,
        "--out",
        dir.join("c.pem").to_str().unwrap(),
    ]);
    let t = openssl_ok(dir, &["verify", "-CAfile", "ca-out.pem", "c.pem"]);
    assert!(t.contains("c.pem: OK"), "{t}");
    let ext = openssl_ok(
        dir,
        &[
            "x509",
            "-in",
            "c.pem",
            "-noout",
            "-ext",
            "keyUsage,extendedKeyUsage,subjectAltName",
        ],
    );
    for k in ku {
        assert!(ext.contains(k), "key usage {k} missing:\n{ext}");
    }
    for e in eku {
        assert!(ext.contains(e), "EKU {e} missing:\n{ext}");
    }
    if eku.is_empty() {
        assert!(!ext.contains("Extended Key Usage"), "{ext}");
    }
    for s in san {
        assert!(ext.contains(s), "SAN {s} missing:\n{ext}");
    }
    if san.is_empty() {
        assert!(!ext.contains("Subject Alternative Name"), "{ext}");
    }
    // Same public key as the CSR.
    let csr_key = openssl_ok(dir, &["req", "-in", "r.csr", "-noout", "-pubkey"]);
    let cert_key = openssl_ok(dir, &["x509", "-in", "c.pem", "-noout", "-pubkey"]);
    assert_eq!(csr_key, cert_key);

    // The receipt: OpenSSL verifies both signers; kustodi checks signatures + ledger entry.
    sb.ok(&[
        "receipt",
        "export",
        receipt,
        "--out",
        dir.join("r.p7s").to_str().unwrap(),
    ]);
    let t = openssl_ok(
        dir,
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "r.p7s",
            "-CAfile",
            "ca-out.pem",
            "-purpose",
            "any",
            "-out",
            "body.json",
        ],
    );
    assert!(t.contains("Verification successful"), "{t}");
    let body: Value =
        serde_json::from_slice(&std::fs::read(dir.join("body.json")).unwrap()).unwrap();
    assert_eq!(body["application_id"], app.as_str());
    assert_eq!(body["certificate"]["serial"], serial);
    assert_eq!(body["token"]["serial"], token_serial);
    assert_eq!(body["attestation"]["result"], "not_available");
    assert_eq!(body["officer"]["id"], "198001012005011001");
    let (code, rv) = sb.json(
        &["receipt", "verify", dir.join("r.p7s").to_str().unwrap()],
        None,
    );
    assert_eq!((code, rv["valid"].as_bool()), (0, Some(true)), "{rv}");
    sb.ok(&[
        "receipt",
        "export",
        receipt,
        "--text",
        "--out",
        dir.join("r.txt").to_str().unwrap(),
    ]);
    assert!(
        std::fs::read_to_string(dir.join("r.txt"))
            .unwrap()
            .contains(receipt)
    );
    sb.ledger_ok();

    // The certificate is on the applicant's token next to its key.
    let objects = sb.token_objects(token_serial, None);
    assert!(objects.contains("Certificate Object"), "{objects}");
    let with_login = sb.token_objects(token_serial, Some(APPLICANT_PIN));
    assert!(with_login.contains("Private Key Object"), "{with_login}");

    // Store and ledger agree.
    assert_eq!(sb.app_status(&app), "issued");
    assert_eq!(
        sb.scalar(&format!(
            "SELECT state FROM tokens WHERE serial = '{token_serial}'"
        )),
        "issued"
    );
    assert_eq!(
        sb.scalar("SELECT count(*) FROM certificates WHERE status = 'active'"),
        "1"
    );
    assert_eq!(sb.scalar("SELECT count(*) FROM escrowed_secrets"), "1");
    let kinds = sb.event_kinds();
    for k in [
        "enrol.started",
        "token.recognised",
        "token.initialised",
        "token.pin_set",
        "secret.escrowed",
        "key.generated",
        "key.attestation",
        "csr.created",
        "certificate.issued",
        "certificate.checked",
        "certificate.installed",
        "receipt.signed",
        "application.issued",
        "token.issued",
    ] {
        assert!(kinds.iter().any(|x| x == k), "no {k} event in {kinds:?}");
    }
}

#[test]
fn an_individual_certificate_is_issued_on_a_token_and_openssl_verifies_everything() {
    issue_and_verify(
        "individual.json",
        "p256",
        &["Digital Signature", "Non Repudiation"],
        &["E-mail Protection"],
        &["email:"],
    );
}

#[test]
fn a_position_certificate_is_issued_with_an_rsa_key() {
    // Uses signature + document: RSA keeps keyEncipherment/dataEncipherment; no e-mail use, so
    // the profile puts no SAN.
    issue_and_verify(
        "position.json",
        "rsa2048",
        &[
            "Digital Signature",
            "Non Repudiation",
            "Key Encipherment",
            "Data Encipherment",
        ],
        &[],
        &[],
    );
}

#[test]
fn a_system_certificate_is_issued_with_its_dns_names() {
    issue_and_verify(
        "system.json",
        "p256",
        &["Digital Signature"],
        &[
            "TLS Web Server Authentication",
            "TLS Web Client Authentication",
        ],
        &["DNS:data.bekasikab.go.id", "DNS:api.data.bekasikab.go.id"],
    );
}

fn nothing_issued(sb: &Sandbox, app: &str) {
    assert_eq!(sb.app_status(app), "approved");
    assert_eq!(sb.scalar("SELECT count(*) FROM certificates"), "0");
    assert_eq!(sb.scalar("SELECT count(*) FROM receipts"), "0");
    assert!(!sb.event_kinds().iter().any(|k| k == "application.issued"));
    sb.ledger_ok();
}

#[test]
fn an_application_that_is_not_approved_is_refused() {
    let sb = Sandbox::new();
    let file = sb.path("examples/individual.json");
    let (_, v) = sb.json(&["application", "submit", file.to_str().unwrap()], None);
    let app = v["id"].as_str().unwrap().to_owned();
    let token = sb.stock_token();
    let (code, v) = sb.enroll(&app, &token, "p256");
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "enrol.not_approved");
    assert!(v["error"]["hint"].as_str().unwrap().contains("approve"));
    assert_eq!(sb.app_status(&app), "submitted");
    assert_eq!(sb.scalar("SELECT count(*) FROM enrol_sessions"), "0");
}

#[test]
fn a_wrong_officer_pin_is_refused_before_anything_is_recorded() {
    let sb = Sandbox::new();
    let app = sb.approved("individual.json");
    let token = sb.stock_token();
    let (code, v) = sb.json(
        &[
            "enroll",
            &app,
            "--token",
            &token,
            "--pin-stdin",
            "--identity-checked",
            "--agreement-accepted",
            &AGREEMENT_SHA256,
        ],
        Some(&format!("{APPLICANT_PIN}\n000000\n")),
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "enrol.officer_pin");
    assert_eq!(sb.scalar("SELECT count(*) FROM enrol_sessions"), "0");
    nothing_issued(&sb, &app);
}

#[test]
fn an_applicant_pin_too_short_for_the_token_is_refused() {
    let sb = Sandbox::new();
    let app = sb.approved("individual.json");
    let token = sb.stock_token();
    let (code, v) = sb.json(
        &[
            "enroll",
            &app,
            "--token",
            &token,
            "--pin-stdin",
            "--identity-checked",
            "--agreement-accepted",
            &AGREEMENT_SHA256,
        ],
        Some(&format!("12\n{}\n", sb.officer_pin)),
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "enrol.pin_policy");
    assert_eq!(sb.scalar("SELECT count(*) FROM enrol_sessions"), "0");
    nothing_issued(&sb, &app);
}

#[test]
fn an_issued_token_cannot_be_enrolled_again() {
    let sb = Sandbox::new();
    let app = sb.approved("individual.json");
    let token = sb.stock_token();
    assert_eq!(sb.enroll(&app, &token, "p256").0, 0);
    let app2 = sb.approved("position.json");
    let serial = token.rsplit("serial=").next().unwrap();
    let (code, v) = sb.enroll(&app2, &format!("pkcs11:serial={serial}"), "p256");
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "enrol.token_not_stock");
}

// ---------------------------------------------------------------------------------------------
// Offline CA: CSR out, certificate signed outside with OpenSSL, imported back.
// ---------------------------------------------------------------------------------------------

/// Switches the sandbox to the offline CA and trusts an OpenSSL test CA (plus the sandbox CA,
/// which issued the officer's certificate). Returns the test CA's folder.
fn go_offline(sb: &Sandbox) {
    let dir = sb.home();
    openssl_ok(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "bsre.key",
            "-out",
            "bsre.pem",
            "-subj",
            "/C=ID/O=Test BSrE/CN=Test BSrE CA",
            "-days",
            "30",
            "-addext",
            "basicConstraints=critical,CA:true",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl_ok(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "rogue.key",
            "-out",
            "rogue.pem",
            "-subj",
            "/CN=Rogue CA",
            "-days",
            "30",
            "-addext",
            "basicConstraints=critical,CA:true",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    let cfg = std::fs::read_to_string(sb.path("config.toml")).unwrap();
    let cfg = cfg
        .replace("kind = \"embedded\"", "kind = \"offline\"")
        .replace(
            "trust_anchors = [\"ca/ca.pem\"]",
            "trust_anchors = [\"ca/ca.pem\", \"bsre.pem\"]",
        );
    assert!(
        cfg.contains("kind = \"offline\"") && cfg.contains("bsre.pem"),
        "{cfg}"
    );
    std::fs::write(sb.path("config.toml"), cfg).unwrap();
}

fn sign_outside(sb: &Sandbox, csr: &str, out: &str, ca: &str, days: &str) {
    openssl_ok(
        sb.home(),
        &[
            "x509",
            "-req",
            "-in",
            csr,
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}.key"),
            "-copy_extensions",
            "copyall",
            "-days",
            days,
            "-out",
            out,
        ],
    );
}

fn park(sb: &Sandbox, example: &str) -> (String, String, String) {
    let app = sb.approved(example);
    let token = sb.stock_token();
    let (code, v) = sb.enroll(&app, &token, "p256");
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["status"], "parked", "{v}");
    let csr = v["csr_file"].as_str().unwrap().to_owned();
    assert!(
        std::fs::read_to_string(csr.replace(".csr.pem", ".txt"))
            .unwrap()
            .contains("Tiket")
    );
    (app, v["session"].as_str().unwrap().to_owned(), csr)
}

fn import(sb: &Sandbox, file: &str, session: &str) -> (i32, Value) {
    sb.json(
        &[
            "certificate",
            "import",
            sb.path(file).to_str().unwrap(),
            "--session",
            session,
            "--pin-stdin",
        ],
        Some(&sb.pins()),
    )
}

#[test]
fn the_offline_round_trip_imports_pem_der_and_pkcs7_and_makes_receipts() {
    let sb = Sandbox::new();
    go_offline(&sb);
    let dir = sb.home();
    let formats = [
        ("individual.json", "pem"),
        ("position.json", "der"),
        ("system.json", "p7b"),
    ];
    for (example, format) in formats {
        let (app, session, csr) = park(&sb, example);
        assert_eq!(sb.app_status(&app), "approved");
        let t = openssl_ok(dir, &["req", "-verify", "-noout", "-in", &csr]);
        assert!(t.contains("verify OK"), "{t}");
        sign_outside(&sb, &csr, "leaf.pem", "bsre", "365");
        let file = match format {
            "pem" => "leaf.pem".to_owned(),
            "der" => {
                openssl_ok(
                    dir,
                    &[
                        "x509", "-in", "leaf.pem", "-outform", "DER", "-out", "leaf.der",
                    ],
                );
                "leaf.der".to_owned()
            }
            _ => {
                openssl_ok(
                    dir,
                    &[
                        "crl2pkcs7",
                        "-nocrl",
                        "-certfile",
                        "leaf.pem",
                        "-certfile",
                        "bsre.pem",
                        "-outform",
                        "DER",
                        "-out",
                        "leaf.p7b",
                    ],
                );
                "leaf.p7b".to_owned()
            }
        };
        let (code, v) = import(&sb, &file, &session);
        assert_eq!(code, 0, "import {format}: {v}");
        assert_eq!(v["status"], "done");
        assert_eq!(sb.app_status(&app), "issued");
        let receipt = v["receipt_id"].as_str().unwrap();
        let p7s = dir.join(format!("{receipt}.p7s"));
        sb.ok(&["receipt", "export", receipt, "--out", p7s.to_str().unwrap()]);
        let both = format!(
            "{}{}",
            std::fs::read_to_string(dir.join("ca/ca.pem")).unwrap(),
            std::fs::read_to_string(dir.join("bsre.pem")).unwrap()
        );
        std::fs::write(dir.join("both.pem"), both).unwrap();
        let t = openssl_ok(
            dir,
            &[
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                p7s.to_str().unwrap(),
                "-CAfile",
                "both.pem",
                "-purpose",
                "any",
                "-out",
                "/dev/null",
            ],
        );
        assert!(t.contains("Verification successful"), "{t}");
        let (code, rv) = sb.json(&["receipt", "verify", p7s.to_str().unwrap()], None);
        assert_eq!(code, 0, "{rv}");
        let objects = sb.token_objects(v["token_serial"].as_str().unwrap(), None);
        assert!(objects.contains("Certificate Object"), "{objects}");
    }
    sb.ledger_ok();
}

#[test]
fn the_offline_import_refuses_another_key_an_expired_or_a_wrongly_chained_certificate() {
    let sb = Sandbox::new();
    go_offline(&sb);
    let dir = sb.home();
    let (app, session, csr) = park(&sb, "individual.json");
    // A certificate for another key.
    openssl_ok(
        dir,
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "other.key",
            "-out",
            "other.csr",
            "-subj",
            "/CN=Other",
        ],
    );
    sign_outside(&sb, "other.csr", "other.pem", "bsre", "365");
    let (code, v) = import(&sb, "other.pem", &session);
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (1, Some("enrol.no_parked_session")),
        "{v}"
    );
    // Expired.
    sign_outside(&sb, &csr, "expired.pem", "bsre", "-1");
    let (code, v) = import(&sb, "expired.pem", &session);
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (1, Some("enrol.certificate_refused")),
        "{v}"
    );
    assert!(
        v["error"]["details"]["reason"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{v}"
    );
    // Issued by a CA the station does not trust.
    sign_outside(&sb, &csr, "rogue-leaf.pem", "rogue", "365");
    let (code, v) = import(&sb, "rogue-leaf.pem", &session);
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (1, Some("enrol.certificate_refused")),
        "{v}"
    );
    assert!(
        v["error"]["details"]["reason"]
            .as_str()
            .unwrap()
            .contains("trusted"),
        "{v}"
    );
    // Still parked, nothing issued, and the right certificate is still accepted afterwards.
    let (_, list) = sb.json(&["session", "list"], None);
    assert_eq!(list[0]["status"], "parked", "{list}");
    assert_eq!(sb.scalar("SELECT count(*) FROM certificates"), "0");
    assert_eq!(sb.app_status(&app), "approved");
    assert!(
        sb.event_kinds()
            .iter()
            .filter(|k| *k == "certificate.refused")
            .count()
            >= 2
    );
    sign_outside(&sb, &csr, "good.pem", "bsre", "365");
    let (code, v) = import(&sb, "good.pem", &session);
    assert_eq!(code, 0, "{v}");
    assert_eq!(sb.app_status(&app), "issued");
    sb.ledger_ok();
}
