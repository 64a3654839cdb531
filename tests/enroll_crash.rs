//! Crash safety of `kustodi enroll`: the process is killed right after each step's journal
//! after-record (test-only fault injection `KUSTODI_TEST_CRASH_AFTER`, see `src/enroll.rs`),
//! then the session is resumed or aborted, and token, store and ledger must agree.
//!
//! The hook exists only in a binary built with the cargo feature `test-hooks` (`scripts/test`
//! runs `cargo test --workspace --features kustodi/test-hooks`). Built without it (as every
//! release is), the crash tests are ignored and
//! `regression_issue16_a_binary_without_test_hooks_ignores_the_crash_variable` runs instead:
//! `scripts/test` runs this file once that way too (`cargo test -p kustodi --test enroll_crash`).

mod enroll_common;

use enroll_common::*;

const STEPS: &[&str] = &[
    "recognise",
    "initialise",
    "set_pin",
    "keygen",
    "attestation",
    "csr",
    "ca",
    "certcheck",
    "install",
    "receipt",
    "supersede",
    "finish",
];

/// The name of the crash variable, as it would appear in a binary that reads it.
const CRASH_VAR: &[u8] = b"KUSTODI_TEST_CRASH_AFTER";

/// Whether the `kustodi` binary under test contains the crash hook (the variable's name).
fn binary_has_crash_hook() -> bool {
    let bytes = std::fs::read(BIN).expect("the kustodi binary under test");
    bytes.windows(CRASH_VAR.len()).any(|w| w == CRASH_VAR)
}

/// With `test-hooks`, the binary under test must really carry the hook (else the crash tests
/// below would test nothing).
#[test]
#[cfg_attr(
    not(feature = "test-hooks"),
    ignore = "needs the crash hook: cargo test --features test-hooks"
)]
fn regression_issue16_a_binary_with_test_hooks_carries_the_crash_hook() {
    assert!(
        binary_has_crash_hook(),
        "{BIN} was built without the crash hook"
    );
}

/// Built without `test-hooks` (as a release is), the binary does not even contain the
/// variable's name, and an enrolment with the variable set runs to the end.
#[test]
#[cfg_attr(
    feature = "test-hooks",
    ignore = "checks a binary built without test-hooks: cargo test -p kustodi --test enroll_crash"
)]
fn regression_issue16_a_binary_without_test_hooks_ignores_the_crash_variable() {
    assert!(
        !binary_has_crash_hook(),
        "{BIN} names KUSTODI_TEST_CRASH_AFTER although built without test-hooks"
    );
    let sb = Sandbox::new();
    let app = sb.approved("individual.json");
    let token = sb.stock_token();
    let out = sb.run_with(
        &[
            &["--json", "enroll", &app, "--token", &token, "--pin-stdin"][..],
            &enroll_common::evidence()[..],
        ]
        .concat(),
        Some(&sb.pins()),
        &[("KUSTODI_TEST_CRASH_AFTER", "keygen")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(sb.app_status(&app), "issued");
    sb.ledger_ok();
}

/// Enrols with a crash after `step`; returns (sandbox, application, session, token serial).
fn crash_after(step: &str) -> (Sandbox, String, String, String) {
    let sb = Sandbox::new();
    let app = sb.approved("individual.json");
    let token = sb.stock_token();
    let serial = token.rsplit("serial=").next().unwrap().to_owned();
    let out = sb.run_with(
        &[
            "--json",
            "enroll",
            &app,
            "--token",
            &token,
            "--pin-stdin",
            "--identity-checked",
            "--agreement-accepted",
            &AGREEMENT_SHA256,
        ],
        Some(&sb.pins()),
        &[("KUSTODI_TEST_CRASH_AFTER", step)],
    );
    assert_eq!(
        out.status.code(),
        None,
        "{step}: the process should have aborted: {}",
        text(&out)
    );
    let (code, list) = sb.json(&["session", "list"], None);
    assert_eq!(code, 0);
    let s = &list[0];
    assert_eq!(s["step"], step, "{list}");
    assert_eq!(s["phase"], "after", "{list}");
    let want = if step == "finish" { "done" } else { "running" };
    assert_eq!(s["status"], want, "{step}: {list}");
    sb.ledger_ok();
    (sb, app, s["id"].as_str().unwrap().to_owned(), serial)
}

fn assert_issued(sb: &Sandbox, app: &str, serial: &str, step: &str) {
    assert_eq!(sb.app_status(app), "issued", "{step}");
    assert_eq!(
        sb.scalar(&format!(
            "SELECT state FROM tokens WHERE serial = '{serial}'"
        )),
        "issued"
    );
    assert_eq!(
        sb.scalar("SELECT count(*) FROM certificates WHERE status = 'active'"),
        "1",
        "{step}"
    );
    assert_eq!(sb.scalar("SELECT count(*) FROM receipts"), "1", "{step}");
    let objects = sb.token_objects(serial, Some(APPLICANT_PIN));
    assert_eq!(
        objects.matches("Certificate Object").count(),
        1,
        "{step}: {objects}"
    );
    assert_eq!(
        objects.matches("Private Key Object").count(),
        1,
        "{step}: {objects}"
    );
    let kinds = sb.event_kinds();
    assert_eq!(
        kinds.iter().filter(|k| *k == "application.issued").count(),
        1,
        "{step}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "receipt.signed").count(),
        1,
        "{step}"
    );
    sb.ledger_ok();
}

#[test]
#[cfg_attr(
    not(feature = "test-hooks"),
    ignore = "needs the crash hook: cargo test --features test-hooks"
)]
fn a_session_interrupted_after_any_step_is_resumed_to_a_consistent_issuance() {
    for step in STEPS {
        let (sb, app, session, serial) = crash_after(step);
        let (code, v) = sb.json(
            &["session", "resume", &session, "--pin-stdin"],
            Some(&sb.pins()),
        );
        if *step == "finish" {
            assert_eq!(
                (code, v["error"]["code"].as_str()),
                (1, Some("enrol.session_state")),
                "{v}"
            );
        } else {
            assert_eq!(code, 0, "resume after {step}: {v}");
            assert_eq!(v["status"], "done");
            assert!(sb.event_kinds().iter().any(|k| k == "enrol.resumed"));
        }
        assert_issued(&sb, &app, &serial, step);
        // The receipt of a resumed session verifies like any other.
        let (_, list) = sb.json(&["session", "list"], None);
        let receipt = list[0]["receipt_id"].as_str().unwrap();
        let p7s = sb.path("r.p7s");
        sb.ok(&["receipt", "export", receipt, "--out", p7s.to_str().unwrap()]);
        assert_eq!(
            sb.json(&["receipt", "verify", p7s.to_str().unwrap()], None)
                .0,
            0,
            "{step}"
        );
    }
}

#[test]
#[cfg_attr(
    not(feature = "test-hooks"),
    ignore = "needs the crash hook: cargo test --features test-hooks"
)]
fn a_session_interrupted_after_any_step_is_rolled_back_by_abort() {
    let keygen = STEPS.iter().position(|s| *s == "keygen").unwrap();
    let set_pin = STEPS.iter().position(|s| *s == "set_pin").unwrap();
    let ca = STEPS.iter().position(|s| *s == "ca").unwrap();
    for (i, step) in STEPS.iter().enumerate() {
        let (sb, app, session, serial) = crash_after(step);
        let (code, v) = sb.json(
            &["session", "abort", &session, "--pin-stdin"],
            Some(&format!("{APPLICANT_PIN}\n")),
        );
        if *step == "finish" {
            assert_eq!(
                (code, v["error"]["code"].as_str()),
                (1, Some("enrol.session_state")),
                "{v}"
            );
            assert_issued(&sb, &app, &serial, step);
            continue;
        }
        assert_eq!(code, 0, "abort after {step}: {v}");
        // Store: nothing issued, session aborted, token state restored.
        assert_eq!(sb.app_status(&app), "approved", "{step}");
        assert_eq!(
            sb.scalar("SELECT count(*) FROM certificates WHERE status = 'active'"),
            "0"
        );
        // A receipt already signed stays as evidence; the ledger's enrol.aborted and
        // certificate.revoked events supersede it.
        let receipt = STEPS.iter().position(|s| *s == "receipt").unwrap();
        let receipts = if i >= receipt { "1" } else { "0" };
        assert_eq!(
            sb.scalar("SELECT count(*) FROM receipts"),
            receipts,
            "{step}"
        );
        assert_eq!(sb.scalar("SELECT status FROM enrol_sessions"), "aborted");
        let state = sb.scalar(&format!(
            "SELECT state FROM tokens WHERE serial = '{serial}'"
        ));
        let want = if i >= set_pin { "initialised" } else { "stock" };
        assert_eq!(state, want, "{step}");
        assert_eq!(v["token_state"], want);
        // Token: no key, no certificate left.
        let objects = if i >= set_pin {
            sb.token_objects(&serial, Some(APPLICANT_PIN))
        } else {
            sb.token_objects(&serial, None)
        };
        assert!(!objects.contains("Private Key Object"), "{step}: {objects}");
        assert!(!objects.contains("Certificate Object"), "{step}: {objects}");
        if i >= keygen {
            assert!(v["objects_deleted"].as_u64().unwrap() >= 2, "{step}: {v}");
        }
        // Ledger: told, and a certificate already issued is revoked, not silently dropped.
        let kinds = sb.event_kinds();
        assert!(kinds.iter().any(|k| k == "enrol.aborted"), "{step}");
        assert!(!kinds.iter().any(|k| k == "application.issued"), "{step}");
        if i >= ca {
            assert!(
                kinds.iter().any(|k| k == "certificate.revoked"),
                "{step}: {kinds:?}"
            );
            assert!(v["revoked"].is_string(), "{v}");
        }
        sb.ledger_ok();
        // The application can be enrolled again on a new stock token.
        let token = sb.stock_token();
        let (code, v) = sb.enroll(&app, &token, "p256");
        assert_eq!(code, 0, "re-enrol after abort at {step}: {v}");
    }
}

/// Regression (issue 7): a renewal killed after a step near the end is resumed to exactly one
/// new certificate and exactly one `superseded` revocation of the old one, also when the crash
/// came right after the revocation.
#[test]
#[cfg_attr(
    not(feature = "test-hooks"),
    ignore = "needs the crash hook: cargo test --features test-hooks"
)]
fn a_renewal_interrupted_near_the_end_is_resumed_and_revokes_the_old_certificate_once() {
    for step in ["ca", "receipt", "supersede"] {
        let sb = Sandbox::new();
        let app = sb.approved("individual.json");
        let stock = sb.stock_token();
        let (code, v) = sb.enroll(&app, &stock, "p256");
        assert_eq!(code, 0, "{v}");
        let old = v["certificate_serial"].as_str().unwrap().to_owned();
        let token = format!("pkcs11:serial={}", v["token_serial"].as_str().unwrap());
        let out = sb.run_with(
            &[
                "--json",
                "renew",
                &old,
                "--token",
                &token,
                "--pin-stdin",
                "--identity-checked",
                "--agreement-accepted",
                &AGREEMENT_SHA256,
            ],
            Some(&sb.pins()),
            &[("KUSTODI_TEST_CRASH_AFTER", step)],
        );
        assert_eq!(out.status.code(), None, "{step}: {}", text(&out));
        sb.ledger_ok();
        let (_, list) = sb.json(&["session", "list", "--status", "running"], None);
        let session = list[0]["id"].as_str().unwrap().to_owned();
        let (code, v) = sb.json(
            &["session", "resume", &session, "--pin-stdin"],
            Some(&sb.pins()),
        );
        assert_eq!(code, 0, "resume after {step}: {v}");
        assert_eq!(v["status"], "done", "{step}: {v}");
        assert_eq!(
            sb.scalar("SELECT count(*) FROM certificates WHERE status = 'active'"),
            "1",
            "{step}"
        );
        assert_eq!(
            sb.scalar("SELECT count(*) FROM revocations WHERE cause = 'superseded'"),
            "1",
            "{step}: the old certificate is revoked exactly once"
        );
        let revoked = sb
            .event_kinds()
            .iter()
            .filter(|k| *k == "certificate.revoked")
            .count();
        assert_eq!(revoked, 1, "{step}");
        assert_eq!(sb.scalar("SELECT count(*) FROM receipts"), "2", "{step}");
        sb.ledger_ok();
    }
}
