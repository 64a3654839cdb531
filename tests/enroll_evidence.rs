//! The in-person evidence of an issuance (issue 16, item 7; Pasal 14(4)-(5), 17(1)): the
//! identity re-check and the accepted subscriber agreement are ledger events of the session,
//! before keygen, named by the receipt; a script must give them explicitly. Real binary,
//! sandbox home, SoftHSM2 tokens.

mod enroll_common;

use enroll_common::*;
use kustodi::ports::token::{KeyAlgorithm, KeyHandleRef, TokenSession};
use kustodi::receipt::{self, Agreement, Lang, ReceiptBody};
use serde_json::Value;

fn pin(text: &str) -> kustodi::secret::Pin {
    kustodi::secret::Pin::from_string(text.to_owned())
}

fn events(sb: &Sandbox) -> Vec<Value> {
    let (code, v) = sb.json(&["ledger", "events", "--limit", "100000"], None);
    assert_eq!(code, 0, "{v}");
    v.as_array().unwrap().clone()
}

fn enroll_args<'a>(app: &'a str, token: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["enroll", app, "--token", token, "--pin-stdin"];
    a.extend_from_slice(extra);
    a
}

/// A refused enrolment left nothing behind: no session, no event, the token untouched.
fn nothing_recorded(sb: &Sandbox, app: &str, before: usize) {
    assert_eq!(sb.scalar("SELECT count(*) FROM enrol_sessions"), "0");
    assert_eq!(events(sb).len(), before, "no event may be recorded");
    assert_eq!(sb.app_status(app), "approved");
}

#[test]
fn regression_issue16_enroll_from_a_script_without_the_evidence_flags_is_refused() {
    let sb = Sandbox::new();
    let app = sb.approved("individual.json");
    let token = sb.stock_token();
    let before = events(&sb).len();

    let (code, v) = sb.json(&enroll_args(&app, &token, &[]), Some(&sb.pins()));
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "enrol.identity_not_checked", "{v}");
    assert!(
        v.to_string().contains("kustodi agreement show"),
        "the message names the command that prints the hash: {v}"
    );
    nothing_recorded(&sb, &app, before);

    // The identity check alone is not enough: the agreement must be accepted too.
    let (code, v) = sb.json(
        &enroll_args(&app, &token, &["--identity-checked"]),
        Some(&sb.pins()),
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "enrol.agreement_not_accepted", "{v}");
    nothing_recorded(&sb, &app, before);

    // And the agreement alone neither.
    let (code, v) = sb.json(
        &enroll_args(&app, &token, &["--agreement-accepted", &AGREEMENT_SHA256]),
        Some(&sb.pins()),
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "enrol.identity_not_checked", "{v}");
    nothing_recorded(&sb, &app, before);
}

#[test]
fn regression_issue16_a_wrong_agreement_hash_is_refused_before_anything_is_recorded() {
    let sb = Sandbox::new();
    let app = sb.approved("individual.json");
    let token = sb.stock_token();
    let before = events(&sb).len();
    let wrong = "0".repeat(64);
    let (code, v) = sb.json(
        &enroll_args(
            &app,
            &token,
            &["--identity-checked", "--agreement-accepted", &wrong],
        ),
        Some(&sb.pins()),
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "enrol.agreement_unknown", "{v}");
    assert!(v.to_string().contains(&wrong), "{v}");
    assert!(v.to_string().contains("kustodi agreement show"), "{v}");
    nothing_recorded(&sb, &app, before);

    // A renewal is refused the same way.
    let (code, v) = sb.enroll(&app, &token, "p256");
    assert_eq!(code, 0, "{v}");
    let serial = v["certificate_serial"].as_str().unwrap().to_owned();
    let own = format!("pkcs11:serial={}", v["token_serial"].as_str().unwrap());
    let before = events(&sb).len();
    let (code, v) = sb.json(
        &["renew", &serial, "--token", &own, "--pin-stdin"],
        Some(&sb.pins()),
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "enrol.identity_not_checked", "{v}");
    let (code, v) = sb.json(
        &[
            "renew",
            &serial,
            "--token",
            &own,
            "--pin-stdin",
            "--identity-checked",
            "--agreement-accepted",
            &wrong,
        ],
        Some(&sb.pins()),
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "enrol.agreement_unknown", "{v}");
    assert_eq!(
        events(&sb).len(),
        before,
        "a refused renewal records nothing"
    );
}

fn receipt_body(sb: &Sandbox, receipt_id: &str) -> (Vec<u8>, ReceiptBody) {
    let file = sb.path(&format!("{receipt_id}.p7s"));
    sb.ok(&[
        "receipt",
        "export",
        receipt_id,
        "--out",
        file.to_str().unwrap(),
    ]);
    let der = std::fs::read(&file).unwrap();
    let out = openssl_ok(
        sb.home(),
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            file.to_str().unwrap(),
            "-noverify",
            "-out",
            "body.json",
        ],
    );
    assert!(out.contains("Verification successful"), "{out}");
    let body =
        ReceiptBody::from_canonical_bytes(&std::fs::read(sb.path("body.json")).unwrap()).unwrap();
    (der, body)
}

#[test]
fn regression_issue16_the_evidence_events_precede_keygen_and_the_receipt_names_them() {
    let sb = Sandbox::new();
    let app = sb.approved("individual.json");
    let token = sb.stock_token();
    let (code, v) = sb.enroll(&app, &token, "p256");
    assert_eq!(code, 0, "{v}");
    let session = v["session"].as_str().unwrap().to_owned();
    let receipt_id = v["receipt_id"].as_str().unwrap().to_owned();

    let evs = events(&sb);
    let of_session = |kind: &str| -> Value {
        evs.iter()
            .find(|e| e["kind"] == kind && e["data"]["session"] == session.as_str())
            .unwrap_or_else(|| panic!("no {kind} of {session}: {evs:?}"))
            .clone()
    };
    let started = of_session("enrol.started");
    let identity = of_session("enrol.identity_checked");
    let agreement = of_session("enrol.agreement_accepted");
    let keygen = of_session("key.generated");
    let seq = |e: &Value| e["seq"].as_u64().unwrap();
    assert!(seq(&started) < seq(&identity), "{started} / {identity}");
    assert!(seq(&identity) < seq(&agreement), "{identity} / {agreement}");
    assert!(seq(&agreement) < seq(&keygen), "{agreement} / {keygen}");

    // Who checked: the signed-in officer, as the actor of every event of the session.
    let actor = started["actor"].as_str().unwrap().to_owned();
    assert!(actor.starts_with("officer:"), "{actor}");
    assert_eq!(identity["actor"], actor.as_str());
    assert_eq!(identity["data"]["checked_by"], actor.as_str());
    assert_eq!(identity["data"]["how"], "flag");
    // Which documents were seen: kind and SHA-256 of each archived document.
    let db = sb.db();
    let mut stmt = db
        .prepare("SELECT kind, sha256 FROM documents WHERE application_id = ?1 ORDER BY id")
        .unwrap();
    let docs: Vec<(String, String)> = stmt
        .query_map([&app], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!docs.is_empty(), "the example application has documents");
    let recorded: Vec<(String, String)> = identity["data"]["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_owned(),
                d["sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(recorded, docs);
    // Which text was accepted: its exact hash, language and version.
    assert_eq!(agreement["data"]["sha256"], AGREEMENT_SHA256.as_str());
    assert_eq!(agreement["data"]["lang"], "id");
    assert_eq!(agreement["data"]["version"], "v1");
    assert_eq!(agreement["data"]["how"], "flag");

    // The receipt names the identity-check event and the accepted text.
    let (_, body) = receipt_body(&sb, &receipt_id);
    let ic = body
        .identity_check
        .expect("the receipt names the identity check");
    assert_eq!(ic.seq, seq(&identity).to_string());
    assert_eq!(ic.officer, actor);
    let event_time = time::OffsetDateTime::parse(
        identity["time"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(
        ic.time.unix_timestamp(),
        event_time.unix_timestamp(),
        "{identity}"
    );
    assert_eq!(body.agreement.sha256, *AGREEMENT_SHA256);
    assert_eq!(body.agreement.lang, "id");
    let page = sb.path("page.txt");
    sb.ok(&[
        "receipt",
        "export",
        &receipt_id,
        "--text",
        "--out",
        page.to_str().unwrap(),
    ]);
    let page = std::fs::read_to_string(page).unwrap();
    assert!(page.contains("PEMERIKSAAN ULANG IDENTITAS"), "{page}");
    assert!(page.contains(&format!("#{}", seq(&identity))), "{page}");
    sb.ledger_ok();
}

#[test]
fn regression_issue16_agreement_show_prints_the_text_and_its_sha256() {
    let sb = Sandbox::new();
    for (lang, file) in [
        ("id", "docs/agreements/subscriber-agreement-v1.id.md"),
        ("en", "docs/agreements/subscriber-agreement-v1.en.md"),
    ] {
        let (code, v) = sb.json(&["--lang", lang, "agreement", "show"], None);
        assert_eq!(code, 0, "{v}");
        let text =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/").to_owned() + file).unwrap();
        assert_eq!(v["text"].as_str().unwrap().as_bytes(), &text[..]);
        assert_eq!(
            v["sha256"],
            receipt::agreement_hash(v["text"].as_str().unwrap())
        );
        let sha = openssl_ok(
            sb.home(),
            &[
                "dgst",
                "-sha256",
                "-r",
                &format!("{}/{file}", env!("CARGO_MANIFEST_DIR")),
            ],
        );
        assert_eq!(
            v["sha256"].as_str().unwrap(),
            sha.split_whitespace().next().unwrap()
        );
        assert_eq!(v["lang"], lang);
        assert_eq!(v["version"], "v1");
    }
    // The text form names the hash too.
    let out = sb.ok(&["--lang", "en", "agreement", "show"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&Agreement::v1(Lang::En).sha256()),
        "{stdout}"
    );
}

/// Env of the child run of this test binary that signs the forged receipt: SoftHSM2 reads
/// `SOFTHSM2_CONF` from the process environment, which a test may not set in its own process.
const FORGE_ENV: &str = "KUSTODI_TEST_FORGE_RECEIPT";

/// In the child: signs `body` (the receipt's body naming an unknown agreement) with the
/// officer's and the holder's real tokens, the way the station signs a receipt.
fn forge(home_dir: &str) {
    let home = kustodi::home::Home::at(home_dir);
    let read = |name: &str| std::fs::read_to_string(home.root().join(name)).unwrap();
    let body = std::fs::read(home.root().join("forged-body.json")).unwrap();
    let officer_pin = read("forge-officer.pin");
    let data: Value = serde_json::from_str(&read("forge-session.json")).unwrap();
    let config = home.load_config().unwrap();
    let module = kustodi::station_key::load_module(&home, &config).unwrap();
    let provider = kustodi::token::Pkcs11Provider::new(vec![module]);
    let anchors = kustodi::enroll::trust_anchors(&home, &config).unwrap();
    let officer_cfg = config.officer.clone().unwrap();
    let officer = kustodi::enroll::Officer::sign_in(
        &provider,
        officer_cfg.default_token.as_deref().unwrap(),
        &officer_cfg.key_label,
        &pin(officer_pin.trim()),
        &anchors,
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    let holder_uri = format!("pkcs11:serial={}", data["token_serial"].as_str().unwrap());
    let holder = provider.open_pkcs11_session(&holder_uri).unwrap();
    holder.login(&pin(APPLICANT_PIN)).unwrap();
    let key = KeyHandleRef {
        token_uri: holder_uri.clone(),
        id: hex::decode(data["key_id_hex"].as_str().unwrap()).unwrap(),
        label: data["key_label"].as_str().unwrap().to_owned(),
        algorithm: KeyAlgorithm::P256,
    };
    let holder_signer = kustodi::token::TokenSigner::new(&holder, key).unwrap();
    let officer_signer = officer.signer().unwrap();
    let holder_cert: x509_cert::Certificate =
        der::Decode::from_der(&hex::decode(data["certificate_hex"].as_str().unwrap()).unwrap())
            .unwrap();
    let forged = receipt::build_receipt::<
        _,
        kustodi::token::TokenSignature,
        _,
        kustodi::token::TokenSignature,
    >(
        &body,
        (&officer_signer, officer.certificate()),
        (&holder_signer, &holder_cert),
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    std::fs::write(home.root().join("forged.p7s"), forged).unwrap();
}

#[test]
fn regression_issue16_receipt_verify_fails_on_a_receipt_naming_an_unknown_agreement() {
    if let Ok(home) = std::env::var(FORGE_ENV) {
        forge(&home);
        return;
    }
    let sb = Sandbox::new();
    let app = sb.approved("individual.json");
    let token = sb.stock_token();
    let (code, v) = sb.enroll(&app, &token, "p256");
    assert_eq!(code, 0, "{v}");
    let receipt_id = v["receipt_id"].as_str().unwrap().to_owned();
    let (_, mut body) = receipt_body(&sb, &receipt_id);

    // The same two signers (the officer's and the holder's real tokens) sign a body naming a
    // text the station does not know.
    body.agreement.sha256 = "ab".repeat(32);
    std::fs::write(
        sb.path("forged-body.json"),
        body.to_canonical_bytes().unwrap(),
    )
    .unwrap();
    std::fs::write(sb.path("forge-officer.pin"), &sb.officer_pin).unwrap();
    std::fs::write(
        sb.path("forge-session.json"),
        sb.scalar("SELECT data FROM enrol_sessions"),
    )
    .unwrap();
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "regression_issue16_receipt_verify_fails_on_a_receipt_naming_an_unknown_agreement",
            "--nocapture",
        ])
        .env(FORGE_ENV, sb.home())
        .env("SOFTHSM2_CONF", sb.path("softhsm2.conf"))
        .output()
        .unwrap();
    assert!(child.status.success(), "forging: {}", text(&child));
    let file = sb.path("forged.p7s");
    assert!(
        file.exists(),
        "the child wrote the forged receipt: {}",
        text(&child)
    );

    // The genuine receipt verifies; the one naming an unknown text fails with its own message.
    let genuine = sb.path(&format!("{receipt_id}.p7s"));
    let (code, v) = sb.json(&["receipt", "verify", genuine.to_str().unwrap()], None);
    assert_eq!(code, 0, "{v}");
    let (code, v) = sb.json(&["receipt", "verify", file.to_str().unwrap()], None);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "receipt.unknown_agreement", "{v}");
    assert!(v.to_string().contains(&"ab".repeat(32)), "{v}");
}
