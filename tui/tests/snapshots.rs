//! Every screen at 80×24 in Bahasa Indonesia and English, from fixed data and a fixed clock.
//! Review changes with `INSTA_UPDATE=always cargo test -p kustodi-tui --test snapshots` and
//! `git diff tui/tests/snapshots`.

mod support;

use kustodi::domain::application::{self, ApplicationForm, ValidationPolicy};
use kustodi::enroll::{EnrolError, Summary};
use kustodi::errors::{UserError, from_service};
use kustodi::i18n::Lang;
use kustodi::service::ServiceError;
use kustodi::store::{ApplicationRow, ApplicationSummary, DocumentRow, StoreError};
use kustodi_tui::model::{
    CheckedForm, Detail, DetailData, Dialog, IssuanceFailure, IssuanceSession, IssuanceStep, Job,
    LedgerState, Model, Notice, PinField, QueueTab, Screen, SessionSummary, StatusCounts,
    TokenChoice, Wizard, WizardStep,
};
use kustodi_tui::text::Text;
use kustodi_tui::view::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use time::Duration;

fn draw(model: &Model) -> TestBackend {
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| view(model, f)).unwrap();
    t.backend().clone()
}

/// Snapshots `make(lang)` in both languages as `<name>_id` and `<name>_en`.
fn both(name: &str, make: impl Fn(Lang) -> Model) {
    for (lang, suffix) in [(Lang::Id, "id"), (Lang::En, "en")] {
        let backend = draw(&make(lang));
        insta::assert_snapshot!(format!("{name}_{suffix}"), backend);
    }
}

const NAMES: [(&str, &str, &str); 6] = [
    (
        "individual",
        "Siti Rahmawati",
        "Dinas Komunikasi, Informatika, Persandian dan Statistik",
    ),
    (
        "position",
        "Drs. H. Ahmad Fauzi, M.Si.",
        "Badan Kepegawaian dan Pengembangan SDM",
    ),
    (
        "system",
        "Rudi Hartono",
        "Dinas Kependudukan dan Pencatatan Sipil",
    ),
    ("individual", "Dewi Lestari", "Kecamatan Cikarang Utara"),
    ("individual", "Bambang Supriyadi", "RSUD Kabupaten Bekasi"),
    (
        "position",
        "Ir. Nur Aini",
        "Badan Perencanaan Pembangunan Daerah",
    ),
];

fn summary(n: u64, status: &str) -> ApplicationSummary {
    let (kind, name, dept) = NAMES[(n as usize - 1) % NAMES.len()];
    ApplicationSummary {
        id: format!("APP-{n:06}"),
        kind: kind.into(),
        status: status.into(),
        applicant_name: name.into(),
        department: dept.into(),
        submitted_at: support::NOW - Duration::days(40 - n as i64 % 30),
    }
}

fn intact() -> LedgerState {
    LedgerState::Intact {
        events: 1284,
        checkpoints: 431,
        head: "9f2c1e0b7a5d4c3e8f6a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6".into(),
    }
}

/// A queue of 120 waiting applications, scrolled to the top.
fn queue(lang: Lang) -> Model {
    let mut m = support::model(lang);
    m.ledger = intact();
    let q = &mut m.queue;
    q.counts = StatusCounts {
        submitted: 120,
        approved: 37,
        rejected: 5,
        all: 162,
        parked: 1,
        interrupted: 2,
    };
    q.total = 120;
    q.rows = (1..=45).map(|n| summary(n, "submitted")).collect();
    q.loaded = true;
    q.cursor = 2;
    m
}

fn form(name: &str) -> ApplicationForm {
    let bytes = std::fs::read(support::examples().join(name)).unwrap();
    ApplicationForm::from_json(&bytes).unwrap()
}

fn checked(name: &str) -> CheckedForm {
    let form = form(name);
    let policy = ValidationPolicy {
        official_domains: vec!["bekasikab.go.id".into()],
    };
    let problems = application::validate(&form, &policy, support::NOW.date());
    CheckedForm {
        path: format!("/srv/loket/permohonan/{name}").into(),
        form,
        problems,
    }
}

fn wizard_review(lang: Lang, name: &str, ticked: usize) -> Model {
    let mut m = support::model(lang);
    m.ledger = intact();
    m.screen = Screen::Wizard;
    let c = checked(name);
    let mut checklist = Wizard::checklist_for(c.form.kind);
    for item in checklist.iter_mut().take(ticked) {
        item.presented = true;
    }
    m.wizard = Wizard {
        step: WizardStep::Review,
        path: c.path.display().to_string(),
        focus: ticked.min(checklist.len() - 1),
        checked: Some(c),
        checklist,
        ..Wizard::default()
    };
    m
}

fn detail(lang: Lang, status: &str) -> Model {
    let mut m = support::model(lang);
    m.ledger = intact();
    m.screen = Screen::Detail;
    let form = form("individual.json");
    let decided = status != "submitted";
    m.detail = Some(Detail {
        id: "APP-000001".into(),
        data: Some(DetailData {
            row: ApplicationRow {
                id: "APP-000001".into(),
                kind: "individual".into(),
                status: status.into(),
                applicant_name: "Siti Rahmawati".into(),
                department: "Dinas Komunikasi, Informatika, Persandian dan Statistik".into(),
                form_json: String::new(),
                submitted_at: support::NOW - Duration::hours(2),
                submitted_by: "officer:198001012005011001".into(),
                decided_at: decided.then(|| support::NOW - Duration::hours(1)),
                decided_by: decided.then(|| "officer:198001012005011001".into()),
                decision_reason: (status == "rejected")
                    .then(|| "Pindaian e-KTP buram; mohon bawa e-KTP asli.".into()),
            },
            form: Some(form),
            documents: ["cover_letter", "recommendation", "ktp_scan"]
                .iter()
                .enumerate()
                .map(|(i, k)| DocumentRow {
                    id: i as i64 + 1,
                    application_id: "APP-000001".into(),
                    kind: (*k).into(),
                    sha256: format!("{:064x}", 0xabcdef0123_u64 * (i as u64 + 1)),
                    size: 48_213 + i as u64 * 1000,
                    archive_name: format!("doc-{i}.age"),
                    original_name: format!("docs/{k}.pdf"),
                })
                .collect(),
        }),
        scroll: 0,
    });
    m
}

#[test]
fn queue_with_waiting_applications() {
    both("queue", queue);
}

#[test]
fn queue_all_tab_shows_a_status_column_and_search() {
    both("queue_all_search", |lang| {
        let mut m = queue(lang);
        m.queue.tab = QueueTab::All;
        m.queue.search = "dinas".into();
        m.queue.searching = true;
        m.queue.total = 3;
        m.queue.rows = vec![
            summary(1, "approved"),
            summary(2, "rejected"),
            summary(3, "submitted"),
        ];
        m.queue.cursor = 0;
        m
    });
}

#[test]
fn queue_empty_while_loading() {
    both("queue_empty", |lang| {
        let mut m = support::model(lang);
        m.queue.loaded = true;
        m.ledger = LedgerState::Checking;
        m.pending = vec![Job::VerifyLedger];
        m
    });
}

#[test]
fn queue_with_a_success_notice() {
    both("queue_notice", |lang| {
        let mut m = queue(lang);
        m.notice = Some(Notice::success(
            Text::new("desk-submitted").arg("id", "APP-000121"),
        ));
        m
    });
}

#[test]
fn queue_with_an_error_and_what_to_do() {
    both("queue_error", |lang| {
        let mut m = queue(lang);
        m.notice = Some(Notice::error(from_service(ServiceError::Store(
            StoreError::NotFound {
                what: "application",
                id: "APP-000999".into(),
            },
        ))));
        m
    });
}

#[test]
fn wizard_path_input() {
    both("wizard_path", |lang| {
        let mut m = support::model(lang);
        m.ledger = intact();
        m.screen = Screen::Wizard;
        m.wizard.path = "/srv/loket/permohonan/individual.json".into();
        m
    });
}

#[test]
fn wizard_valid_form_partly_ticked() {
    both("wizard_valid", |lang| {
        wizard_review(lang, "individual.json", 1)
    });
}

#[test]
fn wizard_valid_form_ready() {
    both("wizard_ready", |lang| wizard_review(lang, "system.json", 3));
}

#[test]
fn wizard_form_with_problems_next_to_fields() {
    both("wizard_problems", |lang| {
        wizard_review(lang, "invalid-many-problems.json", 0)
    });
}

#[test]
fn wizard_file_that_is_not_a_form() {
    both("wizard_unreadable", |lang| {
        let mut m = support::model(lang);
        m.ledger = intact();
        m.screen = Screen::Wizard;
        m.wizard.step = WizardStep::Review;
        m.wizard.path = "/srv/loket/permohonan/unknown-key.json".into();
        let bytes = std::fs::read(support::examples().join("unknown-key.json")).unwrap();
        let e = ApplicationForm::from_json(&bytes).unwrap_err();
        let err: UserError = kustodi::errors::form_error(&kustodi::i18n::Messages::new(lang), &e);
        m.wizard.unreadable = Some(err.clone());
        m.notice = Some(Notice::error(err));
        m
    });
}

#[test]
fn approve_dialog() {
    both("approve", |lang| {
        let mut m = queue(lang);
        m.dialog = Some(Dialog::Approve {
            id: "APP-000003".into(),
            name: "Rudi Hartono".into(),
            sending: false,
        });
        m
    });
}

#[test]
fn reject_dialog_with_a_refused_reason() {
    both("reject", |lang| {
        let mut m = queue(lang);
        m.dialog = Some(Dialog::Reject {
            id: "APP-000003".into(),
            name: "Rudi Hartono".into(),
            reason: "KTP".into(),
            error: Some(
                Text::new("transition-error-reason_too_short")
                    .arg("length", 3)
                    .arg("min", 5),
            ),
            sending: false,
        });
        m
    });
}

#[test]
fn application_detail_waiting_and_rejected() {
    both("detail_waiting", |lang| detail(lang, "submitted"));
    both("detail_rejected", |lang| detail(lang, "rejected"));
}

#[test]
fn ledger_intact_and_damaged() {
    both("ledger_intact", |lang| {
        let mut m = support::model(lang);
        m.screen = Screen::Ledger;
        m.ledger = intact();
        m
    });
    both("ledger_damaged", |lang| {
        let mut m = support::model(lang);
        m.screen = Screen::Ledger;
        m.ledger = LedgerState::Damaged(from_service(ServiceError::Store(StoreError::Ledger(
            kustodi::domain::ledger::VerifyError::HashMismatch { seq: 17 },
        ))));
        m
    });
}

fn tokens() -> Vec<TokenChoice> {
    vec![
        TokenChoice {
            uri: "pkcs11:token=stok-0001;serial=8f3a1c2e0b7d4a91".into(),
            label: "stok-0001".into(),
            serial: "8f3a1c2e0b7d4a91".into(),
            manufacturer: "SoftHSM project".into(),
            model: "SoftHSM v2".into(),
            profile_id: "softhsm2".into(),
            registered: true,
            firmware: "2.6".into(),
            pin_min: 4,
            pin_max: 255,
            pin_charset: "any",
            verdicts: ["p256", "p384", "rsa2048"].map(support::allowed).to_vec(),
        },
        TokenChoice {
            uri: "pkcs11:token=stok-0002;serial=1d2c3b4a59687f0e".into(),
            label: "stok-0002".into(),
            serial: "1d2c3b4a59687f0e".into(),
            manufacturer: "SoftHSM project".into(),
            model: "SoftHSM v2".into(),
            profile_id: "softhsm2".into(),
            registered: false,
            firmware: "2.6".into(),
            pin_min: 4,
            pin_max: 255,
            pin_charset: "any",
            verdicts: vec![
                support::allowed("p256"),
                support::allowed("p384"),
                kustodi::enroll::AlgorithmAssessment {
                    algorithm: "rsa2048".into(),
                    verdict: "refused",
                    advisories: vec![],
                    supported_instead: Some(vec!["p256".into(), "p384".into()]),
                },
            ],
        },
    ]
}

/// The Issuance screen of APP-000001 at `step`, the first stock token chosen.
fn issuance(lang: Lang, step: IssuanceStep) -> Model {
    let mut m = detail(lang, "approved");
    m.screen = Screen::Issuance;
    let d = m.detail.as_ref().unwrap().data.as_ref().unwrap();
    let mut s = IssuanceSession::start(d, lang);
    s.tokens = Some(tokens());
    s.token = Some(tokens()[0].clone());
    s.step = step;
    m.session = Some(s);
    m
}

fn pin(n: usize) -> PinField {
    let mut f = PinField::default();
    for c in "27182818284590".chars().take(n) {
        f.push(c);
    }
    f
}

#[test]
fn issuance_token_step() {
    both("issuance_tokens", |lang| {
        let mut m = issuance(lang, IssuanceStep::Token);
        let s = m.session.as_mut().unwrap();
        s.token = None;
        s.cursor = 1;
        m
    });
    both("issuance_tokens_loading", |lang| {
        let mut m = issuance(lang, IssuanceStep::Token);
        let s = m.session.as_mut().unwrap();
        s.token = None;
        s.tokens = None;
        m.pending = vec![Job::ListTokens];
        m
    });
    both("issuance_no_token", |lang| {
        let mut m = issuance(lang, IssuanceStep::Token);
        let s = m.session.as_mut().unwrap();
        s.token = None;
        s.tokens = Some(vec![]);
        m
    });
}

#[test]
fn issuance_pin_steps() {
    both("issuance_applicant_pin", |lang| {
        let mut m = issuance(lang, IssuanceStep::ApplicantPin);
        let s = m.session.as_mut().unwrap();
        s.applicant_pin = pin(6);
        s.applicant_pin_again = pin(3);
        s.confirming = true;
        m
    });
    both("issuance_pin_mismatch", |lang| {
        let mut m = issuance(lang, IssuanceStep::ApplicantPin);
        m.session.as_mut().unwrap().pin_error = Some(Text::new("desk-issue-pin-mismatch"));
        m
    });
    both("issuance_officer_pin_wrong", |lang| {
        let mut m = issuance(lang, IssuanceStep::OfficerPin);
        let s = m.session.as_mut().unwrap();
        s.officer_pin = pin(2);
        s.pin_error = Some(Text::new("desk-issue-officer-pin-wrong-left").arg("count", 2));
        m
    });
    both("issuance_running", |lang| {
        let mut m = issuance(lang, IssuanceStep::Running);
        m.pending = vec![Job::Enroll];
        m.spinner = 3;
        m.session.as_mut().unwrap().run_step = Some("keygen");
        m
    });
}

/// APP-000001 issued on the first stock token.
fn issued() -> Summary {
    Summary {
        session: "ENR-000001".into(),
        application_id: "APP-000001".into(),
        receipt_id: "RCP-000001".into(),
        receipt_sha256: "ab".repeat(32),
        certificate_serial: "5F1E2D3C4B5A69788796A5B4C3D2E1F0".into(),
        token_serial: "8f3a1c2e0b7d4a91".into(),
        token_label: "APP-000001 Siti Rahmawati".into(),
        advisories: vec![],
    }
}

#[test]
fn issuance_results() {
    both("issuance_done", |lang| {
        let mut m = issuance(lang, IssuanceStep::Done(issued()));
        m.notice = Some(Notice::success(
            Text::new("desk-issue-done-notice")
                .arg("id", "APP-000001")
                .arg("serial", "5F1E2D3C4B5A69788796A5B4C3D2E1F0"),
        ));
        m
    });
    both("issuance_done_exported", |lang| {
        let mut m = issuance(lang, IssuanceStep::Done(issued()));
        m.session.as_mut().unwrap().exported = Some((
            "/srv/kustodi/receipts/RCP-000001.p7s".into(),
            "/srv/kustodi/receipts/RCP-000001.txt".into(),
        ));
        m.notice = Some(Notice::success(
            Text::new("desk-receipt-exported").arg("id", "RCP-000001"),
        ));
        m
    });
    both("issuance_parked", |lang| {
        issuance(
            lang,
            IssuanceStep::Parked {
                session: "ENR-000002".into(),
                ticket: "BSrE-2026-000417".into(),
                csr_file: "/srv/kustodi/outbox/ENR-000002.csr".into(),
            },
        )
    });
    both("issuance_token_removed", |lang| {
        let error = kustodi::errors::enrol_error(EnrolError::Token(
            kustodi::ports::token::TokenError::TokenNotFound {
                uri: "pkcs11:token=stok-0001".into(),
            },
        ));
        issuance(
            lang,
            IssuanceStep::Failed(IssuanceFailure {
                error,
                session: Some("ENR-000003".into()),
            }),
        )
    });
}

#[test]
fn issuance_identity_and_agreement_steps() {
    both("issuance_identity", |lang| {
        let mut m = issuance(lang, IssuanceStep::Identity);
        m.session.as_mut().unwrap().token = None;
        m
    });
    both("issuance_agreement_top", |lang| {
        let mut m = issuance(lang, IssuanceStep::Agreement);
        m.session.as_mut().unwrap().token = None;
        m
    });
    both("issuance_agreement_end", |lang| {
        let mut m = issuance(lang, IssuanceStep::Agreement);
        let s = m.session.as_mut().unwrap();
        s.token = None;
        s.scroll = u16::MAX;
        s.agreement_read = true;
        m
    });
}

#[test]
fn issuance_token_with_a_refused_algorithm() {
    both("issuance_tokens_refused", |lang| {
        let mut m = issuance(lang, IssuanceStep::Token);
        let s = m.session.as_mut().unwrap();
        s.token = None;
        s.cursor = 1;
        s.algorithm = 2;
        s.pin_error = Some(
            Text::new("desk-issue-token-refused")
                .arg("serial", "1d2c3b4a59687f0e")
                .arg("algorithm", "rsa2048"),
        );
        m
    });
}

fn sessions(status: &str) -> Vec<SessionSummary> {
    (1..=2)
        .map(|n| SessionSummary {
            id: format!("ENR-{n:06}"),
            application_id: format!("APP-{:06}", n + 10),
            applicant_name: NAMES[n as usize].1.into(),
            token_serial: format!("8f3a1c2e0b7d4a9{n}"),
            step: if n == 1 { "keygen" } else { "ca" }.into(),
            phase: "after".into(),
            status: status.into(),
            updated_at: support::NOW - Duration::minutes(30 * n),
            ticket: (status == "parked").then(|| format!("BSrE-2026-00041{n}")),
            pin_set: true,
            abort_needs_pin: true,
            profile_id: "softhsm2".into(),
        })
        .collect()
}

#[test]
fn queue_session_tabs() {
    both("queue_interrupted", |lang| {
        let mut m = queue(lang);
        m.queue.tab = QueueTab::Interrupted;
        m.queue.sessions = Some(sessions("running"));
        m.queue.session_cursor = 1;
        m
    });
    both("queue_parked", |lang| {
        let mut m = queue(lang);
        m.queue.tab = QueueTab::Parked;
        m.queue.sessions = Some(sessions("parked")[..1].to_vec());
        m
    });
    both("queue_interrupted_none", |lang| {
        let mut m = queue(lang);
        m.queue.tab = QueueTab::Interrupted;
        m.queue.sessions = Some(vec![]);
        m
    });
}

#[test]
fn issuance_resume_and_roll_back() {
    let resuming = |lang| {
        let mut m = issuance(lang, IssuanceStep::Resume);
        let s = m.session.as_mut().unwrap();
        s.token = None;
        s.resume = Some(sessions("running").remove(0));
        m
    };
    both("issuance_resume", resuming);
    both("issuance_resume_pin", |lang| {
        let mut m = resuming(lang);
        let s = m.session.as_mut().unwrap();
        s.step = IssuanceStep::ApplicantPin;
        s.applicant_pin = pin(4);
        m
    });
    both("issuance_aborted", |lang| {
        let mut m = resuming(lang);
        let s = m.session.as_mut().unwrap();
        s.step = IssuanceStep::Aborted {
            session: "ENR-000001".into(),
            objects_deleted: 2,
            token_state: "stock".into(),
            revoked: Some("5F1E2D3C4B5A6978".into()),
        };
        m.notice = Some(Notice::success(
            Text::new("desk-resume-aborted-notice").arg("session", "ENR-000001"),
        ));
        m
    });
}

#[test]
fn officer_sign_in_and_lock() {
    both("sign_in", |lang| {
        let mut m = queue(lang).with_token_sign_in(None);
        m.station.sandbox_pin_file = Some("/home/op/.sandbox/sandbox/officer.pin".into());
        let lock = m.lock.as_mut().unwrap();
        lock.pin = pin(3);
        lock.error = Some(Text::new("desk-issue-officer-pin-wrong-left").arg("count", 2));
        m
    });
    both("locked_idle", |lang| {
        let mut m = issuance(lang, IssuanceStep::ApplicantPin);
        m.officer.name = Some("Andi Wijaya".into());
        m.lock = Some(kustodi_tui::model::Lock::new(
            kustodi_tui::model::LockReason::Idle,
        ));
        m
    });
}
