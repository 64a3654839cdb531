//! Message sequences through `update`, with every effect run on a real scratch station (SQLite
//! store, age archive, software station key) by the same runner the worker thread uses.

mod support;

use std::collections::VecDeque;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kustodi::i18n::Lang;
use kustodi::service::Station;
use kustodi::store::{ApplicationQuery, NewApplication};
use kustodi_tui::model::{
    Dialog, IssuanceFailure, IssuanceStep, LedgerState, Model, QueueTab, Screen, TokenChoice, Tone,
    WizardStep,
};
use kustodi_tui::msg::{Effect, EnrollResult, Msg, Reply};
use kustodi_tui::update::{init, update};
use kustodi_tui::view::view;
use kustodi_tui::worker::run_effect;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

struct Desk {
    model: Model,
    station: Station<'static>,
    /// Every effect `update` asked for, in order.
    effects: Vec<Effect>,
    /// Token effects (list, enrol, resume, abort) kept for the test to answer by hand: a
    /// scratch station has no PKCS#11 module.
    held: Vec<Effect>,
    _dir: tempfile::TempDir,
}

impl Desk {
    fn new(lang: Lang) -> Desk {
        Desk::with_model(support::model(lang))
    }

    fn with_model(model: Model) -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let home = support::make_home(dir.path());
        let mut desk = Desk {
            model,
            station: support::open_station(home),
            effects: vec![],
            held: vec![],
            _dir: dir,
        };
        let fx = init(&mut desk.model);
        desk.run(fx);
        desk
    }

    /// Runs effects (and the effects of their replies) until none is left.
    fn run(&mut self, fx: Vec<Effect>) {
        let mut queue: VecDeque<Effect> = fx.into();
        while let Some(e) = queue.pop_front() {
            self.effects.push(e.clone());
            if matches!(
                e,
                Effect::ListTokens
                    | Effect::Enroll(_)
                    | Effect::Resume(_)
                    | Effect::Abort(_)
                    | Effect::SignIn(_)
            ) {
                self.held.push(e);
                continue;
            }
            let reply = run_effect(&mut self.station, e);
            queue.extend(update(&mut self.model, Msg::Reply(Box::new(reply))));
        }
    }

    /// Answers a held effect with `reply` (as the worker would).
    fn reply(&mut self, reply: Reply) {
        let fx = update(&mut self.model, Msg::Reply(Box::new(reply)));
        self.run(fx);
    }

    fn key(&mut self, code: KeyCode) {
        let fx = update(
            &mut self.model,
            Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        );
        self.run(fx);
    }

    fn keys(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    fn import(&mut self, example: &str) {
        self.key(KeyCode::Char('n'));
        let path = support::examples().join(example);
        self.keys(path.to_str().unwrap());
        self.key(KeyCode::Enter);
    }

    fn screen(&self) -> String {
        let (w, h) = self.model.size;
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| view(&self.model, f)).unwrap();
        t.backend().to_string()
    }

    /// The screen's text as one line: rows trimmed and joined with a space, so that a message
    /// the view wraps (a long path on a CI machine) reads as it was written.
    fn screen_flowed(&self) -> String {
        let (w, h) = self.model.size;
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| view(&self.model, f)).unwrap();
        let buffer = t.backend().buffer();
        let rows: Vec<String> = (0..h)
            .map(|y| {
                (0..w)
                    .map(|x| buffer[(x, y)].symbol())
                    .collect::<String>()
                    .trim()
                    .to_owned()
            })
            .filter(|r| !r.is_empty())
            .collect();
        rows.join(" ")
    }

    fn submitted(&self) -> usize {
        self.effects
            .iter()
            .filter(|e| matches!(e, Effect::Submit { .. }))
            .count()
    }

    fn stored(&self) -> Vec<(String, String)> {
        self.station
            .application_summaries(&ApplicationQuery {
                status: None,
                search: None,
                limit: 1000,
                offset: 0,
            })
            .unwrap()
            .into_iter()
            .map(|r| (r.id, r.status))
            .collect()
    }

    /// Submits an example all the way (tick every document).
    fn submit_example(&mut self, example: &str) {
        self.import(example);
        let n = self.model.wizard.checklist.len();
        for i in 1..=n {
            self.keys(&i.to_string());
        }
        self.key(KeyCode::Char('s'));
    }
}

#[test]
fn a_valid_file_is_checked_ticked_submitted_and_then_shown_selected_in_the_queue() {
    let mut d = Desk::new(Lang::En);
    assert!(matches!(d.model.ledger, LedgerState::Intact { .. }));
    d.import("individual.json");
    assert_eq!(d.model.screen, Screen::Wizard);
    assert_eq!(d.model.wizard.step, WizardStep::Review);
    let checked = d.model.wizard.checked.as_ref().expect("checked form");
    assert!(checked.problems.is_empty(), "{:?}", checked.problems);
    // Pasal 11 checklist of an individual certificate, nothing ticked yet.
    let docs: Vec<&str> = d
        .model
        .wizard
        .checklist
        .iter()
        .map(|i| i.document.as_str())
        .collect();
    assert_eq!(docs, ["cover_letter", "recommendation", "ktp_scan"]);
    assert!(d.model.wizard.checklist.iter().all(|i| !i.presented));
    let screen = d.screen();
    assert!(screen.contains("[ ] 1 Cover letter"), "{screen}");
    assert!(screen.contains("3 document(s) not ticked"), "{screen}");

    // Space ticks the focused item, digits tick by number.
    d.key(KeyCode::Char(' '));
    d.keys("23");
    assert!(d.model.wizard.all_ticked());
    assert!(d.screen().contains("ready to submit"));
    d.key(KeyCode::Char('s'));

    assert_eq!(
        d.stored(),
        [("APP-000001".to_owned(), "submitted".to_owned())]
    );
    assert_eq!(d.model.screen, Screen::Queue);
    let sel = d.model.queue.selected().expect("a selected row");
    assert_eq!(sel.id, "APP-000001");
    let screen = d.screen();
    assert!(
        screen.contains("APP-000001 individual Siti Rahmawati"),
        "{screen}"
    );
    assert!(screen.contains("recorded as APP-000001"), "{screen}");
    assert!(screen.contains("Waiting (1)"), "{screen}");
    // The ledger was verified again after the write: init + submission.
    let LedgerState::Intact { events, .. } = d.model.ledger else {
        panic!("ledger {:?}", d.model.ledger);
    };
    assert_eq!(events, 2, "key registration + application.submitted");
}

#[test]
fn an_invalid_file_shows_each_problem_under_its_field_and_cannot_be_submitted() {
    let mut d = Desk::new(Lang::En);
    d.import("invalid-many-problems.json");
    let problems = d.model.wizard.checked.as_ref().unwrap().problems.clone();
    assert!(problems.len() > 5, "{problems:?}");
    // A tall terminal shows the whole form at once.
    update(&mut d.model, Msg::Resize(80, 70));
    let screen = d.screen();
    // The NIK problem sits right under the NIK row.
    let lines: Vec<&str> = screen.lines().collect();
    let nik = lines
        .iter()
        .position(|l| l.contains("✗ NIK"))
        .unwrap_or_else(|| panic!("NIK row marked: {screen}"));
    assert!(lines[nik + 1].contains('✗'), "{screen}");
    assert!(screen.contains("problem(s)"), "{screen}");
    // A missing document shows under its checklist item.
    let decree = lines
        .iter()
        .position(|l| l.contains("Appointment decree"))
        .expect("decree row");
    assert!(lines[decree + 1].contains('✗'), "{screen}");

    // At 80×24 the rest of the form is reached by scrolling.
    update(&mut d.model, Msg::Resize(80, 24));
    assert!(!d.screen().contains("✗ NIK"));
    let mut presses = 0;
    while !d.screen().contains("✗ NIK") && presses < 6 {
        d.key(KeyCode::PageDown);
        presses += 1;
    }
    assert!(d.screen().contains("✗ NIK"), "{}", d.screen());
    for i in 1..=d.model.wizard.checklist.len() {
        d.keys(&i.to_string());
    }
    d.key(KeyCode::Char('s'));
    assert_eq!(d.submitted(), 0, "no submission was attempted");
    let notice = d.model.notice.as_ref().unwrap();
    assert_eq!(notice.tone, Tone::Error);
    assert_eq!(notice.text.id, "desk-submit-has-problems");
    assert!(d.stored().is_empty());
}

#[test]
fn submit_is_refused_until_every_presented_document_is_ticked() {
    let mut d = Desk::new(Lang::Id);
    d.import("position.json");
    assert_eq!(
        d.model.wizard.checklist.len(),
        5,
        "position: + decree, delegation"
    );
    d.keys("1234");
    d.key(KeyCode::Char('s'));
    assert_eq!(d.submitted(), 0);
    let notice = d.model.notice.as_ref().unwrap();
    assert_eq!(notice.text.id, "desk-submit-checklist-incomplete");
    assert!(d.screen().contains("1 dokumen belum dicentang"));
    d.keys("5s");
    assert_eq!(d.submitted(), 1);
    assert_eq!(d.stored().len(), 1);
}

#[test]
fn a_file_that_is_not_an_application_shows_the_form_error_and_what_to_do() {
    let mut d = Desk::new(Lang::En);
    d.import("unknown-key.json");
    assert!(d.model.wizard.checked.is_none());
    assert!(d.model.wizard.unreadable.is_some());
    let screen = d.screen();
    assert!(screen.contains("not an application file"), "{screen}");
    assert!(screen.contains("What to do"), "{screen}");
    d.key(KeyCode::Char('s'));
    assert_eq!(d.submitted(), 0);
}

#[test]
fn a_missing_file_is_an_error_with_a_hint_not_a_crash() {
    let mut d = Desk::new(Lang::En);
    d.import("no-such-file.json");
    assert_eq!(d.model.wizard.step, WizardStep::Path, "stays on the path");
    // Regression (CI, stop 7): a long checkout path wraps the message; read it flowed.
    let screen = d.screen_flowed();
    assert!(screen.contains("does not exist"), "{screen}");
    let unbroken: String = screen.split_whitespace().collect();
    assert!(unbroken.contains("no-such-file.json"), "{screen}");
    assert!(screen.contains("What to do"), "{screen}");
}

#[test]
fn regression_ci_stop7_a_long_path_in_an_error_keeps_the_file_name_and_the_hint_in_view() {
    let mut d = Desk::new(Lang::En);
    let deep = "a-checkout-folder-with-a-rather-long-name/".repeat(4);
    let path = std::env::temp_dir().join(deep).join("no-such-file.json");
    d.key(KeyCode::Char('n'));
    d.keys(path.to_str().unwrap());
    d.key(KeyCode::Enter);
    let screen = d.screen_flowed();
    let unbroken: String = screen.split_whitespace().collect();
    assert!(unbroken.contains("/no-such-file.json"), "{screen}");
    assert!(screen.contains("does not exist"), "{screen}");
    assert!(screen.contains("What to do"), "{screen}");
}

#[test]
fn rejecting_needs_a_reason_of_the_domain_s_length_and_then_succeeds() {
    let mut d = Desk::new(Lang::En);
    d.submit_example("individual.json");
    d.key(KeyCode::Char('r'));
    assert!(matches!(d.model.dialog, Some(Dialog::Reject { .. })));
    // No reason.
    d.key(KeyCode::Enter);
    assert!(d.screen().contains("needs a reason") || reject_error(&d).is_some());
    assert_eq!(
        reject_error(&d).as_deref(),
        Some("transition-error-reason_missing")
    );
    // Too short.
    d.keys("KTP");
    d.key(KeyCode::Enter);
    assert_eq!(
        reject_error(&d).as_deref(),
        Some("transition-error-reason_too_short")
    );
    assert_eq!(d.stored()[0].1, "submitted", "nothing decided yet");
    d.keys(" buram, mohon pindai ulang");
    d.key(KeyCode::Enter);
    assert!(d.model.dialog.is_none());
    assert_eq!(d.stored()[0].1, "rejected");
    let row = d.station.application("APP-000001").unwrap().row;
    assert_eq!(
        row.decision_reason.as_deref(),
        Some("KTP buram, mohon pindai ulang")
    );
    assert_eq!(
        row.decided_by.as_deref(),
        Some("officer:198001012005011001")
    );
    assert!(d.screen().contains("APP-000001 rejected"));
}

fn reject_error(d: &Desk) -> Option<String> {
    match &d.model.dialog {
        Some(Dialog::Reject { error, .. }) => error.as_ref().map(|t| t.id.clone()),
        _ => None,
    }
}

#[test]
fn approving_asks_for_confirmation_and_records_the_decision() {
    let mut d = Desk::new(Lang::Id);
    d.submit_example("individual.json");
    d.key(KeyCode::Char('a'));
    assert!(matches!(d.model.dialog, Some(Dialog::Approve { .. })));
    d.key(KeyCode::Esc);
    assert_eq!(d.stored()[0].1, "submitted");
    d.keys("ay");
    assert_eq!(d.stored()[0].1, "approved");
    // Deciding it again is refused by the desk before reaching the service.
    d.key(KeyCode::Char('4'));
    d.key(KeyCode::Char('a'));
    assert!(d.model.dialog.is_none());
    assert_eq!(
        d.model.notice.as_ref().unwrap().text.id,
        "desk-only-waiting"
    );
}

#[test]
fn the_language_key_switches_every_string_and_back() {
    let mut d = Desk::new(Lang::Id);
    let id = d.screen();
    assert!(id.contains("Menunggu") && id.contains("keluar"), "{id}");
    d.key(KeyCode::F(2));
    let en = d.screen();
    assert!(en.contains("Waiting") && en.contains("quit"), "{en}");
    assert!(!en.contains("Menunggu") && !en.contains("keluar"), "{en}");
    d.key(KeyCode::F(2));
    assert_eq!(d.screen(), id);
}

#[test]
fn search_filters_by_name_department_or_id_and_esc_clears_it() {
    let mut d = Desk::new(Lang::En);
    d.submit_example("individual.json");
    d.submit_example("system.json");
    d.key(KeyCode::Char('4'));
    assert_eq!(d.model.queue.total, 2);
    d.key(KeyCode::Char('/'));
    d.keys("siti");
    assert_eq!(d.model.queue.total, 1);
    assert_eq!(
        d.model.queue.selected().unwrap().applicant_name,
        "Siti Rahmawati"
    );
    d.key(KeyCode::Esc);
    assert_eq!(d.model.queue.total, 2);
    d.key(KeyCode::Char('/'));
    d.keys("zzz");
    assert!(d.screen().contains("No application matches “zzz”"));
}

#[test]
fn the_queue_pages_through_many_applications_and_loads_only_what_is_near() {
    let mut d = Desk::new(Lang::En);
    // 500 applications straight into the store.
    let key = support::SoftKey::new();
    let mut store = kustodi::store::SqliteStore::open(d.station.home().db_path()).unwrap();
    store
        .unit_of_work(
            &key,
            &kustodi::ports::clock::FixedClock(support::NOW),
            |tx| {
                for n in 0..500 {
                    tx.insert_application(&NewApplication {
                        kind: "individual".into(),
                        status: "submitted".into(),
                        applicant_name: format!("Pemohon {n}"),
                        department: "Disdukcapil".into(),
                        form_json: "{}".into(),
                        submitted_by: "officer:1".into(),
                    })?;
                }
                Ok::<_, kustodi::store::StoreError>(())
            },
        )
        .unwrap();
    d.key(KeyCode::F(5));
    assert_eq!(d.model.queue.total, 500);
    let rows = d.model.queue_rows();
    assert_eq!(rows, 15, "80×24 shows 15 rows");
    assert!(
        d.model.queue.rows.len() as u64 <= 3 * rows,
        "one window only"
    );
    d.key(KeyCode::End);
    assert_eq!(d.model.queue.selected().unwrap().id, "APP-000500");
    assert!(d.screen().contains("486–500 of 500"), "{}", d.screen());
    d.key(KeyCode::Home);
    assert_eq!(d.model.queue.selected().unwrap().id, "APP-000001");
    for _ in 0..40 {
        d.key(KeyCode::Down);
    }
    assert_eq!(d.model.queue.selected().unwrap().id, "APP-000041");
    d.key(KeyCode::PageDown);
    assert_eq!(d.model.queue.selected().unwrap().id, "APP-000056");
    let last_query = d
        .effects
        .iter()
        .rev()
        .find_map(|e| match e {
            Effect::LoadQueue(r) => Some(r.query.clone()),
            _ => None,
        })
        .unwrap();
    assert!(u64::from(last_query.limit) <= 3 * rows);
}

#[test]
fn without_an_officer_nothing_is_decided_or_submitted() {
    let mut d = Desk::new(Lang::En);
    d.submit_example("individual.json");
    assert_eq!(d.stored().len(), 1);
    d.model.officer.id = None;
    d.key(KeyCode::Char('a'));
    assert!(d.model.dialog.is_none());
    assert_eq!(d.model.notice.as_ref().unwrap().text.id, "desk-no-officer");
    d.submit_example("system.json");
    assert_eq!(d.stored().len(), 1);
    assert!(d.screen().contains("No officer signed in"));
}

// ---------------------------------------------------------------------------------------------
// Issuance
// ---------------------------------------------------------------------------------------------

const APPLICANT_PIN: &str = "27182818";
const OFFICER_PIN: &str = "31415926";

/// The run's result for APP-000001 issued on the second stock token in `session`.
fn issued(session: &str) -> EnrollResult {
    EnrollResult::Done(kustodi::enroll::Summary {
        session: session.into(),
        application_id: "APP-000001".into(),
        receipt_id: "RCP-000001".into(),
        receipt_sha256: "00".repeat(32),
        certificate_serial: "7A3F00C1".into(),
        token_serial: "0000000000000002".into(),
        token_label: "APP-000001 Siti Rahmawati".into(),
        advisories: vec![],
    })
}

fn stock_tokens() -> Vec<TokenChoice> {
    (1..=2)
        .map(|n| TokenChoice {
            uri: format!("pkcs11:token=stok-000{n};serial=000000000000000{n}"),
            label: format!("stok-000{n}"),
            serial: format!("000000000000000{n}"),
            manufacturer: "SoftHSM project".into(),
            model: "SoftHSM v2".into(),
            profile_id: "softhsm2".into(),
            registered: n == 1,
            firmware: "2.6".into(),
            pin_min: 4,
            pin_max: 255,
            pin_charset: "any",
            verdicts: ["p256", "p384", "rsa2048"].map(support::allowed).to_vec(),
        })
        .collect()
}

impl Desk {
    /// An approved APP-000001 opened and `i` pressed: the identity re-check is on screen.
    fn at_identity(lang: Lang) -> Desk {
        let mut d = Desk::new(lang);
        d.submit_example("individual.json");
        d.keys("ay");
        // The approved tab, then its only row.
        d.keys("2");
        d.key(KeyCode::Enter);
        assert_eq!(d.model.screen, Screen::Detail);
        d.key(KeyCode::Char('i'));
        assert_eq!(d.model.screen, Screen::Issuance);
        assert_eq!(d.step(), IssuanceStep::Identity);
        assert!(d.held.is_empty(), "no token is touched before the checks");
        d
    }

    /// Identity confirmed, the agreement read to the end and accepted: the Issuance screen
    /// asks for tokens.
    fn issuing(lang: Lang) -> Desk {
        let mut d = Desk::at_identity(lang);
        d.key(KeyCode::Char('y'));
        assert_eq!(d.step(), IssuanceStep::Agreement);
        d.key(KeyCode::End);
        d.key(KeyCode::Char('y'));
        assert_eq!(d.step(), IssuanceStep::Token);
        assert_eq!(d.held, [Effect::ListTokens]);
        d
    }

    fn step(&self) -> IssuanceStep {
        self.model.session.as_ref().expect("a session").step.clone()
    }

    /// Neither PIN appears in the model's `Debug` nor on screen.
    fn assert_no_pin(&self) {
        let debug = format!("{:?}", self.model);
        let screen = self.screen();
        for pin in [APPLICANT_PIN, OFFICER_PIN] {
            assert!(!debug.contains(pin), "PIN in the model's Debug: {debug}");
            assert!(!screen.contains(pin), "PIN on screen: {screen}");
        }
        for e in &self.effects {
            let debug = format!("{e:?}");
            for pin in [APPLICANT_PIN, OFFICER_PIN] {
                assert!(!debug.contains(pin), "PIN in an effect's Debug: {debug}");
            }
        }
    }

    /// Tokens listed, the second chosen, the applicant's PIN typed twice.
    fn up_to_the_officer_pin(&mut self) {
        self.reply(Reply::TokensListed(Ok(stock_tokens())));
        self.key(KeyCode::Down);
        self.key(KeyCode::Enter);
        assert_eq!(self.step(), IssuanceStep::ApplicantPin);
        self.keys(APPLICANT_PIN);
        self.assert_no_pin();
        assert!(self.screen().contains(&"•".repeat(APPLICANT_PIN.len())));
        self.key(KeyCode::Enter);
        self.keys(APPLICANT_PIN);
        self.assert_no_pin();
        self.key(KeyCode::Enter);
        assert_eq!(self.step(), IssuanceStep::OfficerPin);
    }

    /// The last enrolment request sent to the worker.
    fn enroll_request(&self) -> kustodi_tui::msg::EnrollRequest {
        match self.held.last() {
            Some(Effect::Enroll(r)) => (**r).clone(),
            other => panic!("no Enroll effect: {other:?}"),
        }
    }
}

#[test]
fn a_full_issuance_chooses_a_token_takes_both_pins_masked_and_shows_the_result() {
    let mut d = Desk::issuing(Lang::En);
    assert!(d.screen().contains("Looking for tokens"));
    d.up_to_the_officer_pin();
    d.keys(OFFICER_PIN);
    d.assert_no_pin();
    d.key(KeyCode::Enter);
    assert_eq!(d.step(), IssuanceStep::Running);
    let req = d.enroll_request();
    assert_eq!(req.application_id, "APP-000001");
    assert_eq!(req.token_uri, stock_tokens()[1].uri);
    assert_eq!(req.token_serial, "0000000000000002");
    assert_eq!(req.algorithm, "p256");
    assert_eq!(req.applicant_pin.pin().expose(), APPLICANT_PIN);
    assert_eq!(req.officer_pin.pin().expose(), OFFICER_PIN);
    let s = d.model.session.as_ref().unwrap();
    assert!(s.officer_pin.is_empty() && s.applicant_pin.is_empty());
    d.assert_no_pin();
    // Keys do nothing while the run is under way.
    d.key(KeyCode::Esc);
    assert_eq!(d.model.screen, Screen::Issuance);
    assert!(d.screen().contains("Issuing on the token"));
    assert!(d.screen().contains("Signing the officer in"));
    // The worker reports each step as it starts: the gauge and the step names follow.
    d.reply(Reply::Progress {
        application_id: "APP-000001".into(),
        step: "ca",
    });
    let screen = d.screen();
    assert!(screen.contains("6/12"), "{screen}");
    assert!(
        screen.contains("✓ Generate the key on the token"),
        "{screen}"
    );
    assert!(screen.contains("○ Sign the receipt"), "{screen}");

    d.reply(Reply::Enrolled {
        application_id: "APP-000001".into(),
        result: issued("ENR-000001"),
    });
    assert!(matches!(d.step(), IssuanceStep::Done(_)));
    assert!(d.model.session.as_ref().unwrap().confirmed_pin.is_none());
    let screen = d.screen_flowed();
    for want in [
        "7A3F00C1",
        "0000000000000002",
        "RCP-000001",
        "Hand the token over",
    ] {
        assert!(screen.contains(want), "{want}: {screen}");
    }
    d.assert_no_pin();
    let loads = d.effects.len();
    d.key(KeyCode::Esc);
    assert_eq!(d.model.screen, Screen::Queue);
    assert!(d.model.session.is_none());
    assert!(
        d.effects[loads..]
            .iter()
            .any(|e| matches!(e, Effect::LoadQueue(_))),
        "the queue is reloaded"
    );
}

#[test]
fn two_different_applicant_pins_are_asked_again_with_a_clear_message() {
    let mut d = Desk::issuing(Lang::En);
    d.reply(Reply::TokensListed(Ok(stock_tokens())));
    d.key(KeyCode::Enter);
    d.keys(APPLICANT_PIN);
    d.key(KeyCode::Enter);
    d.keys("27182819");
    d.key(KeyCode::Enter);
    assert_eq!(d.step(), IssuanceStep::ApplicantPin);
    let s = d.model.session.as_ref().unwrap();
    assert!(s.applicant_pin.is_empty() && s.applicant_pin_again.is_empty());
    assert!(!s.confirming);
    assert!(d.screen_flowed().contains("The two entries differ"));
    assert!(!d.held.iter().any(|e| matches!(e, Effect::Enroll(_))));
    // Too short for the token's rules: refused before the second entry.
    d.keys("12");
    d.key(KeyCode::Enter);
    assert!(!d.model.session.as_ref().unwrap().confirming);
    assert!(
        d.screen_flowed()
            .contains("does not meet the token's rules")
    );
    // Typed the same twice, it goes on.
    d.keys(APPLICANT_PIN);
    d.key(KeyCode::Enter);
    d.keys(APPLICANT_PIN);
    d.key(KeyCode::Enter);
    assert_eq!(d.step(), IssuanceStep::OfficerPin);
    d.assert_no_pin();
}

#[test]
fn a_wrong_officer_pin_asks_the_officer_again_with_the_tries_left() {
    let mut d = Desk::issuing(Lang::Id);
    d.up_to_the_officer_pin();
    d.keys("00000000");
    d.key(KeyCode::Enter);
    let first = d.enroll_request();
    d.reply(Reply::Enrolled {
        application_id: "APP-000001".into(),
        result: EnrollResult::OfficerPinWrong {
            retries_left: Some(2),
            final_try: false,
        },
    });
    assert_eq!(d.step(), IssuanceStep::OfficerPin);
    let s = d.model.session.as_ref().unwrap();
    assert!(s.officer_pin.is_empty());
    assert!(
        s.confirmed_pin.is_some(),
        "the applicant is not asked again"
    );
    assert!(
        d.screen_flowed().contains("sisa 2 percobaan"),
        "{}",
        d.screen()
    );
    d.keys(OFFICER_PIN);
    d.key(KeyCode::Enter);
    let second = d.enroll_request();
    assert_eq!(
        second.applicant_pin, first.applicant_pin,
        "the same PIN, held"
    );
    assert_eq!(second.officer_pin.pin().expose(), OFFICER_PIN);
    d.assert_no_pin();
}

#[test]
fn a_token_pulled_out_mid_session_shows_the_error_and_how_to_resume() {
    let mut d = Desk::issuing(Lang::En);
    d.up_to_the_officer_pin();
    d.keys(OFFICER_PIN);
    d.key(KeyCode::Enter);
    let error = kustodi::errors::enrol_error(kustodi::enroll::EnrolError::Token(
        kustodi::ports::token::TokenError::TokenNotFound {
            uri: stock_tokens()[1].uri.clone(),
        },
    ));
    d.reply(Reply::Enrolled {
        application_id: "APP-000001".into(),
        result: EnrollResult::Failed(IssuanceFailure {
            error,
            session: Some("ENR-000001".into()),
        }),
    });
    assert!(matches!(d.step(), IssuanceStep::Failed(_)));
    let screen = d.screen_flowed();
    assert!(screen.contains("The token failed"), "{screen}");
    assert!(screen.contains("inserted properly"), "{screen}");
    assert!(
        screen.contains("kustodi session resume ENR-000001"),
        "{screen}"
    );
    assert!(d.model.session.as_ref().unwrap().confirmed_pin.is_none());
    d.assert_no_pin();
    d.key(KeyCode::Esc);
    assert_eq!(d.model.screen, Screen::Queue);
}

#[test]
fn no_stock_token_says_what_to_do_and_r_looks_again() {
    let mut d = Desk::issuing(Lang::En);
    d.reply(Reply::TokensListed(Ok(vec![])));
    let screen = d.screen_flowed();
    assert!(screen.contains("No stock token"), "{screen}");
    assert!(screen.contains("kustodi sandbox token new"), "{screen}");
    d.key(KeyCode::Enter);
    assert_eq!(d.step(), IssuanceStep::Token);
    d.key(KeyCode::Char('r'));
    assert_eq!(d.held, [Effect::ListTokens, Effect::ListTokens]);
}

#[test]
fn issuance_needs_an_approved_application() {
    let mut d = Desk::new(Lang::En);
    d.submit_example("individual.json");
    d.key(KeyCode::Enter);
    d.key(KeyCode::Char('i'));
    assert_eq!(d.model.screen, Screen::Detail);
    assert!(d.held.is_empty());
}

#[test]
fn the_worker_answers_token_effects_with_errors_when_the_module_cannot_load() {
    // The scratch station's PKCS#11 module does not exist: both effects come back as errors
    // (message + what to do), nothing started.
    let mut d = Desk::new(Lang::En);
    match run_effect(&mut d.station, Effect::ListTokens) {
        Reply::TokensListed(Err(e)) => assert!(e.hint.is_some(), "{e:?}"),
        other => panic!("{other:?}"),
    }
    let pin = |s: &str| kustodi_tui::model::SecretPin::new(kustodi::secret::Pin::new(s.to_owned()));
    let req = kustodi_tui::msg::EnrollRequest {
        application_id: "APP-000001".into(),
        token_uri: "pkcs11:token=x".into(),
        token_serial: "1".into(),
        algorithm: "p256".into(),
        lang: Lang::En,
        identity_checked: true,
        agreement_sha256: kustodi::receipt::Agreement::v1(kustodi::receipt::Lang::En).sha256(),
        applicant_pin: pin(APPLICANT_PIN),
        officer_pin: pin(OFFICER_PIN),
    };
    match run_effect(&mut d.station, Effect::Enroll(Box::new(req))) {
        Reply::Enrolled {
            result: EnrollResult::Failed(f),
            ..
        } => {
            assert!(f.session.is_none());
            assert!(f.error.hint.is_some());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_identity_check_comes_first_and_a_different_person_stops_the_issuance() {
    let mut d = Desk::at_identity(Lang::En);
    let screen = d.screen_flowed();
    for want in [
        "Siti Rahmawati",
        "Pasal 14(4)",
        "y = yes, n = no",
        "1 Identity",
    ] {
        assert!(screen.contains(want), "{want}: {screen}");
    }
    // Nothing but y and n decides: typing elsewhere does not skip the check.
    d.key(KeyCode::Enter);
    assert_eq!(d.step(), IssuanceStep::Identity);
    d.key(KeyCode::Char('n'));
    assert_eq!(d.model.screen, Screen::Queue);
    assert!(d.model.session.is_none());
    assert!(d.held.is_empty(), "no token was looked for");
    let screen = d.screen_flowed();
    assert!(screen.contains("not the applicant"), "{screen}");
    assert!(screen.contains("reject the application"), "{screen}");
}

#[test]
fn the_agreement_is_accepted_only_after_its_last_line_was_on_screen() {
    let mut d = Desk::at_identity(Lang::Id);
    d.key(KeyCode::Char('y'));
    assert_eq!(d.step(), IssuanceStep::Agreement);
    let screen = d.screen_flowed();
    assert!(screen.contains("PERJANJIAN PEMILIK SERTIFIKAT"), "{screen}");
    assert!(screen.contains("Pasal 14(5)"), "{screen}");
    // y before the end is refused with what to do.
    d.key(KeyCode::Char('y'));
    assert_eq!(d.step(), IssuanceStep::Agreement);
    assert!(
        d.screen_flowed().contains("gulir sampai akhir"),
        "{}",
        d.screen()
    );
    // Page by page to the end.
    let mut pages = 0;
    while !d.model.session.as_ref().unwrap().agreement_read {
        d.key(KeyCode::PageDown);
        pages += 1;
        assert!(pages < 50, "the end is reached");
    }
    assert!(pages >= 2, "the agreement is longer than a screen at 80×24");
    // F2 shows the English text: it has to be read again.
    d.key(KeyCode::F(2));
    let s = d.model.session.as_ref().unwrap();
    assert_eq!(s.agreement_lang, Lang::En);
    assert!(!s.agreement_read);
    assert!(d.screen_flowed().contains("SUBSCRIBER AGREEMENT"));
    d.key(KeyCode::Char('y'));
    assert_eq!(d.step(), IssuanceStep::Agreement);
    d.key(KeyCode::End);
    d.key(KeyCode::Char('y'));
    assert_eq!(d.step(), IssuanceStep::Token);
    // The receipt is made in the language accepted.
    d.up_to_the_officer_pin();
    d.keys(OFFICER_PIN);
    d.key(KeyCode::Enter);
    assert_eq!(d.enroll_request().lang, Lang::En);
}

#[test]
fn declining_the_agreement_stops_the_issuance_with_nothing_started() {
    let mut d = Desk::at_identity(Lang::En);
    d.key(KeyCode::Char('y'));
    d.key(KeyCode::Char('n'));
    assert_eq!(d.model.screen, Screen::Queue);
    assert!(d.held.is_empty());
    assert!(d.screen_flowed().contains("did not accept"));
}

#[test]
fn a_token_refused_for_the_algorithm_is_not_taken_and_another_algorithm_is() {
    let mut d = Desk::issuing(Lang::En);
    let mut tokens = stock_tokens();
    tokens[0].verdicts[2] = kustodi::enroll::AlgorithmAssessment {
        algorithm: "rsa2048".into(),
        verdict: "refused",
        advisories: vec![],
        supported_instead: Some(vec!["p256".into(), "p384".into()]),
    };
    d.reply(Reply::TokensListed(Ok(tokens)));
    let screen = d.screen_flowed();
    for want in [
        "fw 2.6",
        "allowed",
        "Key algorithm: p256",
        "4 to 255 characters",
    ] {
        assert!(screen.contains(want), "{want}: {screen}");
    }
    // p256 → p384 → rsa2048.
    d.keys("aa");
    assert_eq!(d.model.session.as_ref().unwrap().algorithm(), "rsa2048");
    let screen = d.screen_flowed();
    assert!(screen.contains("refused"), "{screen}");
    assert!(screen.contains("it can make: p256, p384"), "{screen}");
    d.key(KeyCode::Enter);
    assert_eq!(d.step(), IssuanceStep::Token);
    assert!(d.screen_flowed().contains("is refused for rsa2048"));
    // Back to p256 (a wraps round), then p384: the token is taken, the run asks for p384.
    d.keys("aa");
    assert_eq!(d.model.session.as_ref().unwrap().algorithm(), "p384");
    d.key(KeyCode::Enter);
    assert_eq!(d.step(), IssuanceStep::ApplicantPin);
    d.keys(APPLICANT_PIN);
    d.key(KeyCode::Enter);
    d.keys(APPLICANT_PIN);
    d.key(KeyCode::Enter);
    d.keys(OFFICER_PIN);
    d.key(KeyCode::Enter);
    assert_eq!(d.enroll_request().algorithm, "p384");
}

#[test]
fn the_applicant_screen_asks_the_officer_to_look_away_and_shows_rules_and_strength() {
    let mut d = Desk::issuing(Lang::En);
    d.reply(Reply::TokensListed(Ok(stock_tokens())));
    d.key(KeyCode::Enter);
    let screen = d.screen_flowed();
    assert!(screen.contains("please look away"), "{screen}");
    assert!(screen.contains("4 to 255 characters"), "{screen}");
    d.keys("123456");
    assert!(
        d.screen_flowed().contains("weak: avoid repeats"),
        "{}",
        d.screen()
    );
    let fx = update(
        &mut d.model,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    d.run(fx);
    d.keys("Bekasi-2026!");
    let screen = d.screen();
    assert!(
        screen.contains("Strength") && screen.contains("strong"),
        "{screen}"
    );
    assert!(!d.screen().contains("Bekasi"));
}

/// Records a real interrupted session of APP-000001 in the scratch store: the journal says
/// `step` finished (`after`), as a token pulled out right after it leaves it.
fn interrupt_session(d: &mut Desk, step: &str, key_made: bool) -> String {
    let mut data = serde_json::json!({
        "algorithm": "p256", "lang": "en", "officer_id": support::OFFICER,
        "officer_name": "Petugas", "officer_certificate_sha256": "00",
        "token_serial": "0000000000000002", "token_manufacturer": "SoftHSM project",
        "token_model": "SoftHSM v2", "token_firmware": "2.6", "token_state_before": "stock",
        "token_label_before": "stok-0002", "profile_id": "softhsm2",
    });
    if key_made {
        data["key_label"] = "APP-000001".into();
    }
    let data = data.to_string();
    let step = step.to_owned();
    d.station
        .write_as(|tx| {
            let id = tx.insert_enrol_session(
                "APP-000001",
                "pkcs11:serial=0000000000000002",
                "0000000000000002",
                &data,
            )?;
            tx.journal(&id, &step, "after", "running", None)?;
            Ok::<_, kustodi::service::ServiceError>(id)
        })
        .unwrap()
}

/// An approved APP-000001 with an interrupted session, the Interrupted tab open on it.
fn interrupted(step: &str, key_made: bool) -> (Desk, String) {
    let mut d = Desk::new(Lang::En);
    d.submit_example("individual.json");
    d.keys("ay");
    let session = interrupt_session(&mut d, step, key_made);
    d.key(KeyCode::F(5));
    assert!(d.screen().contains("6·1"), "{}", d.screen());
    d.key(KeyCode::Char('6'));
    assert_eq!(d.model.queue.tab, QueueTab::Interrupted);
    assert!(
        d.effects
            .iter()
            .any(|e| matches!(e, Effect::LoadSessions { status: "running" }))
    );
    let screen = d.screen_flowed();
    for want in [session.as_str(), "APP-000001", "Siti Rahmawati", step] {
        assert!(screen.contains(want), "{want}: {screen}");
    }
    (d, session)
}

#[test]
fn resume_of_an_interrupted_session_asks_the_set_pin_once_and_continues_it() {
    let (mut d, session) = interrupted("keygen", true);
    d.key(KeyCode::Enter);
    assert_eq!(d.model.screen, Screen::Issuance);
    assert_eq!(d.step(), IssuanceStep::Resume);
    let screen = d.screen_flowed();
    assert!(screen.contains("stopped midway"), "{screen}");
    assert!(screen.contains("keygen (done)"), "{screen}");
    assert!(
        screen.contains("0000000000000002 must be in the reader"),
        "{screen}"
    );
    d.key(KeyCode::Enter);
    assert_eq!(d.step(), IssuanceStep::ApplicantPin);
    // The PIN is on the token already: typed once.
    assert!(d.screen_flowed().contains("already set on their token"));
    d.keys(APPLICANT_PIN);
    d.key(KeyCode::Enter);
    assert_eq!(d.step(), IssuanceStep::OfficerPin);
    d.keys(OFFICER_PIN);
    d.key(KeyCode::Enter);
    assert_eq!(d.step(), IssuanceStep::Running);
    let req = match d.held.last() {
        Some(Effect::Resume(r)) => (**r).clone(),
        other => panic!("no Resume effect: {other:?}"),
    };
    assert_eq!(req.session, session);
    assert_eq!(req.application_id, "APP-000001");
    assert_eq!(req.applicant_pin.pin().expose(), APPLICANT_PIN);
    assert_eq!(req.officer_pin.pin().expose(), OFFICER_PIN);
    d.assert_no_pin();
    d.reply(Reply::Enrolled {
        application_id: "APP-000001".into(),
        result: issued(&session),
    });
    assert!(matches!(d.step(), IssuanceStep::Done(_)));
    assert!(d.screen_flowed().contains("RCP-000001"));
    assert!(d.model.session.as_ref().unwrap().confirmed_pin.is_none());
}

#[test]
fn resume_before_the_pin_was_set_asks_for_a_new_pin_twice_under_the_token_rules() {
    let (mut d, _) = interrupted("initialise", false);
    d.key(KeyCode::Enter);
    d.key(KeyCode::Enter);
    assert_eq!(d.step(), IssuanceStep::ApplicantPin);
    assert!(!d.model.session.as_ref().unwrap().pin_once());
    d.keys("12");
    d.key(KeyCode::Enter);
    assert!(
        d.screen_flowed()
            .contains("does not meet the token's rules"),
        "{}",
        d.screen()
    );
    d.keys(APPLICANT_PIN);
    d.key(KeyCode::Enter);
    d.keys(APPLICANT_PIN);
    d.key(KeyCode::Enter);
    assert_eq!(d.step(), IssuanceStep::OfficerPin);
}

#[test]
fn an_interrupted_session_is_rolled_back_with_the_applicant_pin_and_the_result_shown() {
    let (mut d, session) = interrupted("csr", true);
    d.key(KeyCode::Enter);
    d.key(KeyCode::Char('x'));
    assert_eq!(d.step(), IssuanceStep::ApplicantPin);
    assert!(d.screen_flowed().contains("delete the half-made key"));
    d.keys(APPLICANT_PIN);
    d.key(KeyCode::Enter);
    assert_eq!(d.step(), IssuanceStep::Running);
    let req = match d.held.last() {
        Some(Effect::Abort(r)) => (**r).clone(),
        other => panic!("no Abort effect: {other:?}"),
    };
    assert_eq!(req.session, session);
    assert_eq!(req.actor, format!("officer:{}", support::OFFICER));
    assert_eq!(
        req.applicant_pin
            .as_ref()
            .map(|p| p.pin().expose().to_owned()),
        Some(APPLICANT_PIN.to_owned())
    );
    d.assert_no_pin();
    d.reply(Reply::Aborted {
        application_id: "APP-000001".into(),
        result: Ok(kustodi::enroll::Aborted {
            session: session.clone(),
            objects_deleted: 2,
            token_state: "stock".into(),
            revoked: None,
        }),
    });
    assert!(matches!(d.step(), IssuanceStep::Aborted { .. }));
    let screen = d.screen_flowed();
    assert!(
        screen.contains(&format!("Session {session} was rolled back")),
        "{screen}"
    );
    assert!(screen.contains("stock"), "{screen}");
}

#[test]
fn a_roll_back_that_fails_keeps_the_session_and_says_what_to_do() {
    let (mut d, session) = interrupted("recognise", false);
    d.key(KeyCode::Enter);
    // No key was made: nothing to delete, no PIN asked, the abort goes at once.
    d.key(KeyCode::Char('x'));
    let Some(Effect::Abort(req)) = d.held.last().cloned() else {
        panic!("no Abort effect: {:?}", d.held);
    };
    assert!(req.applicant_pin.is_none());
    // The real runner on the scratch station (no PKCS#11 module): an error with a hint.
    let reply = run_effect(&mut d.station, Effect::Abort(req));
    d.reply(reply);
    let IssuanceStep::Failed(f) = d.step() else {
        panic!("{:?}", d.step());
    };
    assert_eq!(f.session.as_deref(), Some(session.as_str()));
    assert!(f.error.hint.is_some(), "{:?}", f.error);
    let row = d.station.store().enrol_session(&session).unwrap();
    assert_eq!(row.status, "running", "the session is still there to retry");
}

#[test]
fn after_a_token_is_pulled_c_opens_the_interrupted_tab_with_the_session() {
    let mut d = Desk::issuing(Lang::En);
    d.up_to_the_officer_pin();
    d.keys(OFFICER_PIN);
    d.key(KeyCode::Enter);
    let session = interrupt_session(&mut d, "keygen", true);
    let error = kustodi::errors::enrol_error(kustodi::enroll::EnrolError::Token(
        kustodi::ports::token::TokenError::TokenNotFound {
            uri: stock_tokens()[1].uri.clone(),
        },
    ));
    d.reply(Reply::Enrolled {
        application_id: "APP-000001".into(),
        result: EnrollResult::Failed(IssuanceFailure {
            error,
            session: Some(session.clone()),
        }),
    });
    assert!(d.screen_flowed().contains("press c"));
    d.key(KeyCode::Char('c'));
    assert_eq!(d.model.screen, Screen::Queue);
    assert_eq!(d.model.queue.tab, QueueTab::Interrupted);
    let rows = d.model.queue.sessions.as_ref().expect("sessions loaded");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, session);
    assert!(rows[0].pin_set);
    d.key(KeyCode::Enter);
    assert_eq!(d.step(), IssuanceStep::Resume);
}

#[test]
fn the_worker_answers_a_resume_with_an_error_and_a_hint_when_the_module_cannot_load() {
    let (mut d, session) = interrupted("keygen", true);
    let pin = |s: &str| kustodi_tui::model::SecretPin::new(kustodi::secret::Pin::new(s.to_owned()));
    let req = kustodi_tui::msg::ResumeRequest {
        session: session.clone(),
        application_id: "APP-000001".into(),
        applicant_pin: pin(APPLICANT_PIN),
        officer_pin: pin(OFFICER_PIN),
    };
    match run_effect(&mut d.station, Effect::Resume(Box::new(req))) {
        Reply::Enrolled {
            result: EnrollResult::Failed(f),
            ..
        } => {
            assert_eq!(f.session.as_deref(), Some(session.as_str()));
            assert!(f.error.hint.is_some());
        }
        other => panic!("{other:?}"),
    }
}

fn signed_in() -> Reply {
    Reply::SignedIn(kustodi_tui::msg::SignInResult::Ok {
        id: support::OFFICER.into(),
        name: "Andi Wijaya".into(),
        token_serial: "00000000000000aa".into(),
    })
}

fn tick(d: &mut Desk, after: time::Duration) {
    let now = d.model.now + after;
    let fx = update(&mut d.model, Msg::Tick(now));
    d.run(fx);
}

#[test]
fn with_an_officer_token_the_desk_opens_on_sign_in_and_a_wrong_pin_is_asked_again() {
    let model = support::model(Lang::En).with_token_sign_in(Some(time::Duration::minutes(5)));
    let mut d = Desk::with_model(model);
    let screen = d.screen_flowed();
    assert!(screen.contains("Officer sign-in"), "{screen}");
    assert!(screen.contains("not signed in"), "{screen}");
    // Nothing behind the lock reacts: `n` is a PIN character here, not "new application".
    d.keys("n");
    assert_eq!(d.model.screen, Screen::Queue);
    assert_eq!(d.model.wizard.path, "");
    let fx = update(
        &mut d.model,
        Msg::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
    );
    d.run(fx);
    d.keys(OFFICER_PIN);
    d.assert_no_pin();
    assert!(d.screen().contains(&"•".repeat(OFFICER_PIN.len())));
    d.key(KeyCode::Enter);
    let Some(Effect::SignIn(pin)) = d.held.last() else {
        panic!("no SignIn effect: {:?}", d.held);
    };
    assert_eq!(pin.pin().expose(), OFFICER_PIN);
    d.reply(Reply::SignedIn(kustodi_tui::msg::SignInResult::WrongPin {
        retries_left: Some(2),
        final_try: false,
    }));
    assert!(d.model.lock.is_some());
    assert!(d.screen_flowed().contains("2 tries left"), "{}", d.screen());
    d.keys(OFFICER_PIN);
    d.key(KeyCode::Enter);
    d.reply(signed_in());
    assert!(d.model.lock.is_none());
    let screen = d.screen_flowed();
    assert!(screen.contains("Officer: Andi Wijaya"), "{screen}");
    assert!(screen.contains("Welcome, Andi Wijaya"), "{screen}");
    assert_eq!(
        d.model.officer.actor().as_deref(),
        Some(format!("officer:{}", support::OFFICER).as_str())
    );
    d.assert_no_pin();
}

#[test]
fn after_the_idle_time_the_desk_locks_forgets_the_pins_and_comes_back_where_it_was() {
    let mut d = Desk::issuing(Lang::En);
    d.model.idle_lock = Some(time::Duration::minutes(5));
    d.up_to_the_officer_pin();
    d.keys("1234");
    tick(&mut d, time::Duration::minutes(4));
    assert!(d.model.lock.is_none(), "not yet");
    tick(&mut d, time::Duration::minutes(2));
    let lock = d.model.lock.as_ref().expect("locked");
    assert_eq!(lock.reason, kustodi_tui::model::LockReason::Idle);
    let s = d.model.session.as_ref().unwrap();
    assert!(s.confirmed_pin.is_none() && s.officer_pin.is_empty());
    assert_eq!(
        s.step,
        IssuanceStep::ApplicantPin,
        "the applicant types again"
    );
    let screen = d.screen_flowed();
    assert!(screen.contains("locked itself"), "{screen}");
    assert!(
        !screen.contains("Siti Rahmawati"),
        "nothing behind the lock: {screen}"
    );
    d.keys(OFFICER_PIN);
    d.key(KeyCode::Enter);
    d.reply(signed_in());
    assert_eq!(d.model.screen, Screen::Issuance);
    assert_eq!(d.step(), IssuanceStep::ApplicantPin);
    d.assert_no_pin();
}

#[test]
fn the_desk_does_not_lock_while_a_run_is_under_way_and_ctrl_l_locks_it_now() {
    let mut d = Desk::issuing(Lang::En);
    d.model.idle_lock = Some(time::Duration::minutes(5));
    d.up_to_the_officer_pin();
    d.keys(OFFICER_PIN);
    d.key(KeyCode::Enter);
    assert_eq!(d.step(), IssuanceStep::Running);
    tick(&mut d, time::Duration::minutes(30));
    assert!(
        d.model.lock.is_none(),
        "the run's result must reach its screen"
    );
    d.reply(Reply::Enrolled {
        application_id: "APP-000001".into(),
        result: EnrollResult::OfficerPinWrong {
            retries_left: None,
            final_try: false,
        },
    });
    let fx = update(
        &mut d.model,
        Msg::Key(KeyEvent::new(KeyCode::Char('l'), KeyModifiers::CONTROL)),
    );
    d.run(fx);
    assert_eq!(
        d.model.lock.as_ref().map(|l| l.reason),
        Some(kustodi_tui::model::LockReason::Manual)
    );
}

#[test]
fn the_worker_answers_a_sign_in_with_an_error_and_a_hint_when_the_module_cannot_load() {
    let mut d = Desk::new(Lang::En);
    let pin = kustodi_tui::model::SecretPin::new(kustodi::secret::Pin::new(OFFICER_PIN.into()));
    match run_effect(&mut d.station, Effect::SignIn(pin)) {
        Reply::SignedIn(kustodi_tui::msg::SignInResult::Failed(e)) => {
            assert!(e.hint.is_some(), "{e:?}")
        }
        other => panic!("{other:?}"),
    }
}
