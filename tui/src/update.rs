//! `update`: the only place the model changes. Pure: it returns effects for the worker and
//! never performs I/O itself.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use kustodi::domain::application::{self, ApplicationStatus, Decision};
use kustodi::store::ApplicationQuery;

use crate::model::{
    CheckedForm, Detail, Dialog, ISSUANCE_ALGORITHMS, IssuanceFailure, IssuanceSession,
    IssuanceStep, Job, LedgerState, Lock, LockReason, Model, Notice, PinField, QueueTab, Screen,
    SecretPin, Wizard, WizardStep,
};
use crate::msg::{
    AbortRequest, Anchor, CheckOutcome, Effect, EnrollRequest, EnrollResult, Msg, QueueRequest,
    Reply, ResumeRequest, SignInResult, SubmitError,
};

/// How often the token step looks for tokens again (insert and remove show within this).
const TOKEN_POLL_SECONDS: i64 = 2;
use crate::text::Text;

/// Pages hold this many screens of rows (one above, the visible one, one below).
const WINDOW_SCREENS: u64 = 3;

/// Effects to run when the desk opens: the first page of the queue and a ledger check.
pub fn init(model: &mut Model) -> Vec<Effect> {
    let mut fx = vec![load_queue(model, Anchor::Offset(0))];
    fx.push(verify_ledger(model));
    fx
}

/// Applies one message.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Tick(now) => {
            model.now = now;
            if !model.pending.is_empty() {
                model.spinner = model.spinner.wrapping_add(1);
            }
            lock_when_idle(model);
            poll_tokens(model)
        }
        Msg::Resize(w, h) => {
            model.size = (w, h);
            let (room, width) = (model.agreement_room(), model.agreement_width());
            if let Some(s) = model.session.as_mut()
                && s.step == IssuanceStep::Agreement
            {
                mark_agreement_read(s, room, width);
            }
            ensure_visible(model)
        }
        Msg::Key(key) if key.kind == KeyEventKind::Release => vec![],
        Msg::Key(key) => on_key(model, key),
        Msg::Reply(reply) => on_reply(model, *reply),
    }
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

fn ctrl(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(c)
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    model.last_input = model.now;
    if ctrl(&key, 'c') {
        model.quit = true;
        return vec![];
    }
    if model.lock.is_some() {
        if key.code == KeyCode::F(2) {
            model.lang = model.lang.other();
            return vec![];
        }
        return lock_key(model, key);
    }
    if ctrl(&key, 'l') && model.idle_lock.is_some() && !running(model) {
        lock(model, LockReason::Manual);
        return vec![];
    }
    if key.code == KeyCode::F(2) {
        model.lang = model.lang.other();
        let (lang, room, width) = (model.lang, model.agreement_room(), model.agreement_width());
        if let Some(s) = model.session.as_mut()
            && s.step == IssuanceStep::Agreement
        {
            // The other language's text is another text: it is read again before `y`.
            s.agreement_lang = lang;
            s.agreement_read = false;
            s.scroll = 0;
            mark_agreement_read(s, room, width);
        }
        return vec![];
    }
    if model.dialog.is_some() {
        return dialog_key(model, key);
    }
    match model.screen {
        Screen::Queue => queue_key(model, key),
        Screen::Wizard => wizard_key(model, key),
        Screen::Detail => detail_key(model, key),
        Screen::Ledger => ledger_key(model, key),
        Screen::Issuance => issuance_key(model, key),
    }
}

/// A run on a token is under way (its result must come back to the screen that sent it).
fn running(model: &Model) -> bool {
    model
        .pending
        .iter()
        .any(|j| matches!(j, Job::Enroll | Job::Abort | Job::SignIn))
}

/// Locks the desk: the sign-in screen covers everything and every PIN typed is forgotten.
fn lock(model: &mut Model, reason: LockReason) {
    if let Some(s) = model.session.as_mut() {
        s.clear_pins();
        s.pin_error = None;
        if s.step == IssuanceStep::OfficerPin {
            // The applicant's confirmed PIN is gone: they type it again after sign-in.
            s.step = IssuanceStep::ApplicantPin;
        }
    }
    model.lock = Some(Lock::new(reason));
}

/// Locks the desk after the idle time without a key (not while a run is under way).
fn lock_when_idle(model: &mut Model) {
    let Some(idle) = model.idle_lock else {
        return;
    };
    if model.lock.is_some() || running(model) || idle <= time::Duration::ZERO {
        return;
    }
    if model.now - model.last_input >= idle {
        lock(model, LockReason::Idle);
    }
}

/// The sign-in screen: the officer types their token PIN, Enter sends it.
fn lock_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let Some(l) = model.lock.as_mut() else {
        return vec![];
    };
    if l.checking {
        return vec![];
    }
    if !pin_entered(&mut l.pin, &mut l.error, &key) {
        return vec![];
    }
    l.checking = true;
    l.error = None;
    let pin = SecretPin::new(l.pin.take());
    model.pending.push(Job::SignIn);
    vec![Effect::SignIn(pin)]
}

/// One key into a one-entry PIN field: edits it (clearing the last error), and on Enter says
/// whether a PIN was typed (an empty one is an error). True: the PIN is ready to send.
fn pin_entered(field: &mut PinField, error: &mut Option<Text>, key: &KeyEvent) -> bool {
    if key.code != KeyCode::Enter {
        if edit_pin(field, key) {
            *error = None;
        }
        return false;
    }
    if field.is_empty() {
        *error = Some(Text::new("desk-issue-pin-empty"));
        return false;
    }
    true
}

/// What the officer token said to a wrong PIN.
fn officer_pin_wrong(retries_left: Option<u32>, final_try: bool) -> Text {
    match (retries_left, final_try) {
        (Some(n), _) => Text::new("desk-issue-officer-pin-wrong-left").arg("count", n),
        (None, true) => Text::new("desk-issue-officer-pin-wrong-final"),
        (None, false) => Text::new("desk-issue-officer-pin-wrong"),
    }
}

fn on_signed_in(model: &mut Model, result: SignInResult) -> Vec<Effect> {
    done(model, Job::SignIn);
    let Some(l) = model.lock.as_mut() else {
        return vec![];
    };
    l.checking = false;
    l.pin.clear();
    match result {
        SignInResult::Ok {
            id,
            name,
            token_serial,
        } => {
            let first = l.reason == LockReason::Start;
            model.lock = None;
            model.last_input = model.now;
            model.officer.id = Some(id);
            model.officer.name = Some(name.clone());
            model.officer.token = Some(token_serial);
            if first {
                model.notice = Some(Notice::success(
                    Text::new("desk-signed-in").arg("name", &name),
                ));
            }
        }
        SignInResult::WrongPin {
            retries_left,
            final_try,
        } => {
            l.error = Some(officer_pin_wrong(retries_left, final_try));
        }
        SignInResult::Failed(e) => {
            l.error = Some(crate::text::error_text(&e));
            model.notice = Some(Notice::error(e));
        }
    }
    vec![]
}

/// A character typed into a text field (no control/alt chords).
fn typed(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}

/// Edits a one-line text field; returns whether the text changed.
fn edit(field: &mut String, key: &KeyEvent, max_chars: usize) -> bool {
    if let Some(c) = typed(key) {
        if field.chars().count() < max_chars {
            field.push(c);
            return true;
        }
        return false;
    }
    if key.code == KeyCode::Backspace {
        return field.pop().is_some();
    }
    if ctrl(key, 'u') {
        let changed = !field.is_empty();
        field.clear();
        return changed;
    }
    false
}

fn go_to_queue(model: &mut Model) -> Vec<Effect> {
    model.screen = Screen::Queue;
    model.detail = None;
    model.session = None;
    let mut fx = vec![load_queue(model, Anchor::Offset(model.queue.top))];
    if let Some(status) = model.queue.tab.session_status() {
        fx.push(load_sessions(model, status));
    }
    fx
}

fn load_sessions(model: &mut Model, status: &'static str) -> Effect {
    model.queue.sessions = None;
    model.queue.sessions_error = None;
    model.pending.push(Job::LoadSessions);
    Effect::LoadSessions { status }
}

/// On the token step, asks for the token list again every [`TOKEN_POLL_SECONDS`].
fn poll_tokens(model: &mut Model) -> Vec<Effect> {
    let now = model.now;
    if model.pending.contains(&Job::ListTokens) {
        return vec![];
    }
    let Some(s) = model.session.as_mut() else {
        return vec![];
    };
    if s.step != IssuanceStep::Token || s.tokens.is_none() {
        return vec![];
    }
    match s.tokens_asked {
        Some(at) if (now - at).whole_seconds() < TOKEN_POLL_SECONDS => vec![],
        _ => {
            s.tokens_asked = Some(now);
            model.pending.push(Job::ListTokens);
            vec![Effect::ListTokens]
        }
    }
}

/// Keys of the Parked and Interrupted tabs (a list of sessions, not of applications).
fn sessions_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Effect>> {
    let tab = model.queue.tab;
    tab.session_status()?;
    let q = &mut model.queue;
    let n = q.sessions.as_ref().map_or(0, Vec::len);
    let page = model
        .size
        .1
        .saturating_sub(crate::model::QUEUE_CHROME_LINES)
        .max(1) as usize;
    let moved = match key.code {
        KeyCode::Up | KeyCode::Char('k') => Some(q.session_cursor.saturating_sub(1)),
        KeyCode::Down | KeyCode::Char('j') => Some(q.session_cursor + 1),
        KeyCode::PageUp => Some(q.session_cursor.saturating_sub(page)),
        KeyCode::PageDown => Some(q.session_cursor + page),
        KeyCode::Home => Some(0),
        KeyCode::End => Some(usize::MAX),
        _ => None,
    };
    if let Some(to) = moved {
        q.session_cursor = to.min(n.saturating_sub(1));
        return Some(vec![]);
    }
    match key.code {
        KeyCode::Enter => {
            let row = q.sessions.as_ref()?.get(q.session_cursor)?.clone();
            if tab == QueueTab::Parked {
                model.notice = Some(Notice::info(
                    Text::new("desk-session-parked-what")
                        .arg("session", &row.id)
                        .arg("ticket", row.ticket.as_deref().unwrap_or("-")),
                ));
                return Some(vec![]);
            }
            model.session = Some(IssuanceSession::resuming(row, model.lang));
            model.screen = Screen::Issuance;
            model.notice = None;
            Some(vec![])
        }
        KeyCode::F(5) => {
            let status = tab.session_status()?;
            Some(vec![
                load_queue(model, Anchor::Offset(model.queue.top)),
                load_sessions(model, status),
            ])
        }
        KeyCode::Char('/') | KeyCode::Char('a') | KeyCode::Char('r') => Some(vec![]),
        _ => None,
    }
}

fn queue_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let q = &mut model.queue;
    if q.searching {
        return match key.code {
            KeyCode::Enter => {
                q.searching = false;
                vec![]
            }
            KeyCode::Esc => {
                q.searching = false;
                if q.search.is_empty() {
                    vec![]
                } else {
                    q.search.clear();
                    restart_queue(model)
                }
            }
            KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => {
                q.searching = false;
                queue_key(model, key)
            }
            _ => {
                if edit(&mut q.search, &key, 64) {
                    restart_queue(model)
                } else {
                    vec![]
                }
            }
        };
    }
    if let Some(fx) = sessions_key(model, key) {
        return fx;
    }
    let page = model.queue_rows();
    let last = model.queue.total.saturating_sub(1);
    let cursor = model.queue.cursor;
    let moved = match key.code {
        KeyCode::Up | KeyCode::Char('k') => Some(cursor.saturating_sub(1)),
        KeyCode::Down | KeyCode::Char('j') => Some((cursor + 1).min(last)),
        KeyCode::PageUp => Some(cursor.saturating_sub(page)),
        KeyCode::PageDown => Some((cursor + page).min(last)),
        KeyCode::Home => Some(0),
        KeyCode::End => Some(last),
        _ => None,
    };
    if let Some(to) = moved {
        model.queue.cursor = to;
        return ensure_visible(model);
    }
    match key.code {
        KeyCode::Char('q') => {
            model.quit = true;
            vec![]
        }
        KeyCode::Char('/') => {
            model.queue.searching = true;
            vec![]
        }
        KeyCode::Tab => {
            let n = QueueTab::ALL.len();
            set_tab(model, QueueTab::ALL[(model.queue.tab.index() + 1) % n])
        }
        KeyCode::BackTab => {
            let n = QueueTab::ALL.len();
            set_tab(model, QueueTab::ALL[(model.queue.tab.index() + n - 1) % n])
        }
        KeyCode::Char(c @ '1'..='6') => set_tab(model, QueueTab::ALL[c as usize - '1' as usize]),
        KeyCode::Char('n') => {
            model.wizard = Wizard::default();
            model.screen = Screen::Wizard;
            model.notice = None;
            vec![]
        }
        KeyCode::Enter => match model.queue.selected() {
            Some(row) => {
                let id = row.id.clone();
                open_detail(model, id)
            }
            None => vec![],
        },
        KeyCode::Char('a') => open_decision(model, true),
        KeyCode::Char('r') => open_decision(model, false),
        KeyCode::Char('v') => {
            model.screen = Screen::Ledger;
            vec![verify_ledger(model)]
        }
        KeyCode::F(5) => vec![load_queue(model, Anchor::Offset(model.queue.top))],
        KeyCode::Esc => {
            model.notice = None;
            vec![]
        }
        _ => vec![],
    }
}

fn set_tab(model: &mut Model, tab: QueueTab) -> Vec<Effect> {
    if model.queue.tab == tab {
        return vec![];
    }
    model.queue.tab = tab;
    if let Some(status) = tab.session_status() {
        model.queue.searching = false;
        model.queue.session_cursor = 0;
        return vec![load_sessions(model, status)];
    }
    restart_queue(model)
}

/// The filter changed: back to the top, drop the old rows.
fn restart_queue(model: &mut Model) -> Vec<Effect> {
    let q = &mut model.queue;
    q.cursor = 0;
    q.top = 0;
    q.rows.clear();
    q.window_start = 0;
    q.loaded = false;
    vec![load_queue(model, Anchor::Offset(0))]
}

/// Keeps the cursor on screen and asks for a page when visible rows are not loaded.
fn ensure_visible(model: &mut Model) -> Vec<Effect> {
    let page = model.queue_rows();
    let q = &mut model.queue;
    if q.cursor < q.top {
        q.top = q.cursor;
    } else if q.cursor >= q.top + page {
        q.top = q.cursor + 1 - page;
    }
    let want_end = (q.top + page).min(q.total);
    let have_end = q.window_start + q.rows.len() as u64;
    if !q.loaded || (q.top < q.window_start || want_end > have_end) {
        let start = q.top.saturating_sub(page);
        return vec![load_queue(model, Anchor::Offset(start))];
    }
    vec![]
}

fn query(model: &Model) -> ApplicationQuery {
    let q = &model.queue;
    let search = q.search.trim();
    ApplicationQuery {
        status: q.tab.status().map(str::to_owned),
        search: (!search.is_empty()).then(|| search.to_owned()),
        limit: u32::try_from(model.queue_rows() * WINDOW_SCREENS).unwrap_or(u32::MAX),
        offset: 0,
    }
}

fn load_queue(model: &mut Model, anchor: Anchor) -> Effect {
    model.next_request += 1;
    model.queue.request = model.next_request;
    let mut query = query(model);
    if let Anchor::Offset(o) = anchor {
        query.offset = o;
    }
    model.pending.push(Job::LoadQueue);
    Effect::LoadQueue(QueueRequest {
        request: model.next_request,
        query,
        anchor,
    })
}

fn verify_ledger(model: &mut Model) -> Effect {
    model.ledger = LedgerState::Checking;
    model.pending.push(Job::VerifyLedger);
    Effect::VerifyLedger
}

fn open_detail(model: &mut Model, id: String) -> Vec<Effect> {
    model.screen = Screen::Detail;
    model.notice = None;
    model.detail = Some(Detail {
        id: id.clone(),
        data: None,
        scroll: 0,
    });
    model.pending.push(Job::LoadDetail);
    vec![Effect::LoadDetail(id)]
}

/// The application the decision keys act on: the open detail, else the selected row.
fn decision_target(model: &Model) -> Option<(String, String, String)> {
    if model.screen == Screen::Detail {
        let d = model.detail.as_ref()?.data.as_ref()?;
        return Some((
            d.row.id.clone(),
            d.row.applicant_name.clone(),
            d.row.status.clone(),
        ));
    }
    let r = model.queue.selected()?;
    Some((r.id.clone(), r.applicant_name.clone(), r.status.clone()))
}

fn open_decision(model: &mut Model, approve: bool) -> Vec<Effect> {
    let Some((id, name, status)) = decision_target(model) else {
        return vec![];
    };
    if status != ApplicationStatus::Submitted.as_str() {
        model.notice = Some(Notice::refusal(
            Text::new("desk-only-waiting")
                .arg("id", &id)
                .arg("status", &status),
        ));
        return vec![];
    }
    if model.officer.actor().is_none() {
        model.notice = Some(Notice::refusal(Text::new("desk-no-officer")));
        return vec![];
    }
    model.notice = None;
    model.dialog = Some(if approve {
        Dialog::Approve {
            id,
            name,
            sending: false,
        }
    } else {
        Dialog::Reject {
            id,
            name,
            reason: String::new(),
            error: None,
            sending: false,
        }
    });
    vec![]
}

fn dialog_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let actor = model.officer.actor().unwrap_or_default();
    let Some(dialog) = model.dialog.as_mut() else {
        return vec![];
    };
    match dialog {
        Dialog::Approve { sending: true, .. } | Dialog::Reject { sending: true, .. } => vec![],
        Dialog::Approve { id, sending, .. } => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                *sending = true;
                let id = id.clone();
                model.pending.push(Job::Decide);
                vec![Effect::Decide {
                    id,
                    decision: Decision::Approve,
                    actor,
                }]
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                model.dialog = None;
                vec![]
            }
            _ => vec![],
        },
        Dialog::Reject {
            id,
            reason,
            error,
            sending,
            ..
        } => match key.code {
            KeyCode::Esc => {
                model.dialog = None;
                vec![]
            }
            KeyCode::Enter => match application::check_rejection_reason(reason) {
                Err(e) => {
                    let mut t = Text::new(e.message_id());
                    for (k, v) in e.message_args() {
                        t = t.arg(k, v);
                    }
                    *error = Some(t);
                    vec![]
                }
                Ok(_) => {
                    *sending = true;
                    *error = None;
                    let effect = Effect::Decide {
                        id: id.clone(),
                        decision: Decision::Reject {
                            reason: reason.clone(),
                        },
                        actor,
                    };
                    model.pending.push(Job::Decide);
                    vec![effect]
                }
            },
            _ => {
                if edit(reason, &key, application::MAX_REASON_CHARS) {
                    *error = None;
                }
                vec![]
            }
        },
    }
}

fn wizard_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let w = &mut model.wizard;
    if w.working {
        return vec![];
    }
    match w.step {
        WizardStep::Path => match key.code {
            KeyCode::Esc => go_to_queue(model),
            KeyCode::Enter => {
                let path = w.path.trim().to_owned();
                if path.is_empty() {
                    model.notice = Some(Notice::refusal(Text::new("desk-wizard-path-empty")));
                    return vec![];
                }
                w.working = true;
                model.notice = None;
                model.pending.push(Job::Check);
                vec![Effect::CheckFile(PathBuf::from(path))]
            }
            _ => {
                edit(&mut w.path, &key, 4096);
                vec![]
            }
        },
        WizardStep::Review => {
            let n = w.checklist.len();
            match key.code {
                KeyCode::Esc => {
                    model.wizard = Wizard::default();
                    go_to_queue(model)
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    w.focus = w.focus.saturating_sub(1);
                    vec![]
                }
                KeyCode::Down | KeyCode::Char('j') => {
                    if n > 0 {
                        w.focus = (w.focus + 1).min(n - 1);
                    }
                    vec![]
                }
                KeyCode::Char(' ') | KeyCode::Char('x') => {
                    let f = w.focus;
                    if let Some(item) = w.checklist.get_mut(f) {
                        item.presented = !item.presented;
                    }
                    vec![]
                }
                KeyCode::Char(c @ '1'..='9') => {
                    let i = c as usize - '1' as usize;
                    if let Some(item) = w.checklist.get_mut(i) {
                        item.presented = !item.presented;
                        w.focus = i;
                    }
                    vec![]
                }
                KeyCode::PageDown => {
                    w.scroll = w.scroll.saturating_add(model.size.1 / 2).min(200);
                    vec![]
                }
                KeyCode::PageUp => {
                    w.scroll = w.scroll.saturating_sub(model.size.1 / 2);
                    vec![]
                }
                KeyCode::Char('e') => {
                    w.step = WizardStep::Path;
                    vec![]
                }
                KeyCode::Char('c') => {
                    let path = w.path.trim().to_owned();
                    w.working = true;
                    model.pending.push(Job::Check);
                    vec![Effect::CheckFile(PathBuf::from(path))]
                }
                KeyCode::Char('s') => submit(model),
                _ => vec![],
            }
        }
    }
}

/// Submits the checked form, or says why not.
fn submit(model: &mut Model) -> Vec<Effect> {
    let w = &model.wizard;
    let Some(checked) = &w.checked else {
        model.notice = Some(Notice::refusal(Text::new("desk-submit-unreadable")));
        return vec![];
    };
    if !checked.problems.is_empty() {
        model.notice = Some(Notice::refusal(
            Text::new("desk-submit-has-problems").arg("count", checked.problems.len()),
        ));
        return vec![];
    }
    let missing = w.checklist.iter().filter(|i| !i.presented).count();
    if missing > 0 {
        model.notice = Some(Notice::refusal(
            Text::new("desk-submit-checklist-incomplete").arg("count", missing),
        ));
        return vec![];
    }
    let Some(actor) = model.officer.actor() else {
        model.notice = Some(Notice::refusal(Text::new("desk-no-officer")));
        return vec![];
    };
    let path = checked.path.clone();
    model.wizard.working = true;
    model.notice = Some(Notice::info(Text::new("desk-busy-submit")));
    model.pending.push(Job::Submit);
    vec![Effect::Submit { path, actor }]
}

fn detail_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') => go_to_queue(model),
        KeyCode::Char('a') => open_decision(model, true),
        KeyCode::Char('r') => open_decision(model, false),
        KeyCode::Down | KeyCode::Char('j') | KeyCode::PageDown => {
            if let Some(d) = model.detail.as_mut() {
                let step = if key.code == KeyCode::PageDown { 10 } else { 1 };
                d.scroll = d.scroll.saturating_add(step);
            }
            vec![]
        }
        KeyCode::Up | KeyCode::Char('k') | KeyCode::PageUp => {
            if let Some(d) = model.detail.as_mut() {
                let step = if key.code == KeyCode::PageUp { 10 } else { 1 };
                d.scroll = d.scroll.saturating_sub(step);
            }
            vec![]
        }
        KeyCode::Char('i') => {
            let Some(d) = model.detail.as_ref().and_then(|d| d.data.as_ref()) else {
                return vec![];
            };
            if d.row.status != ApplicationStatus::Approved.as_str() {
                model.notice = Some(Notice::refusal(
                    Text::new("desk-issue-needs-approval").arg("id", &d.row.id),
                ));
                return vec![];
            }
            // Identity re-check first; the tokens are looked for once the agreement is accepted.
            model.session = Some(IssuanceSession::start(d, model.lang));
            model.screen = Screen::Issuance;
            model.notice = None;
            vec![]
        }
        _ => vec![],
    }
}

fn ledger_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') => go_to_queue(model),
        KeyCode::Char('v') | KeyCode::F(5) => vec![verify_ledger(model)],
        _ => vec![],
    }
}

fn list_tokens(model: &mut Model) -> Effect {
    let now = model.now;
    if let Some(s) = model.session.as_mut() {
        s.tokens = None;
        s.tokens_error = None;
        s.tokens_asked = Some(now);
    }
    model.pending.push(Job::ListTokens);
    Effect::ListTokens
}

/// Most PIN characters a field takes (token PINs are far shorter).
const MAX_PIN_CHARS: usize = 64;

/// Edits a PIN field: typed characters, Backspace, Ctrl-U. Returns whether it changed.
fn edit_pin(field: &mut PinField, key: &KeyEvent) -> bool {
    if let Some(c) = typed(key) {
        if field.len() < MAX_PIN_CHARS {
            field.push(c);
            return true;
        }
        return false;
    }
    if key.code == KeyCode::Backspace {
        return field.pop();
    }
    if ctrl(key, 'u') {
        let changed = !field.is_empty();
        field.clear();
        return changed;
    }
    false
}

fn issuance_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let running = model.pending.contains(&Job::Enroll) || model.pending.contains(&Job::Abort);
    let Some(s) = model.session.as_mut() else {
        return go_to_queue(model);
    };
    if s.step == IssuanceStep::Running && running {
        // The run cannot be interrupted from the desk: its result comes back. (Without a
        // pending run, e.g. the worker is gone, Esc still leaves.)
        return vec![];
    }
    if key.code == KeyCode::Esc {
        // Leaving forgets every PIN (the session is dropped).
        s.clear_pins();
        return go_to_queue(model);
    }
    match s.step {
        IssuanceStep::Identity => identity_key(model, key),
        IssuanceStep::Agreement => agreement_key(model, key),
        IssuanceStep::Token => token_key(model, key),
        IssuanceStep::Resume => resume_key(model, key),
        IssuanceStep::ApplicantPin => applicant_pin_key(model, key),
        IssuanceStep::OfficerPin => officer_pin_key(model, key),
        IssuanceStep::Running => vec![],
        IssuanceStep::Failed(IssuanceFailure {
            session: Some(_), ..
        }) if key.code == KeyCode::Char('c') => {
            // Continue the interrupted session: it is on the Interrupted tab.
            s.clear_pins();
            model.session = None;
            model.queue.tab = QueueTab::Interrupted;
            go_to_queue(model)
        }
        IssuanceStep::Done(ref d) if key.code == KeyCode::Char('e') => {
            if model.pending.contains(&Job::ExportReceipt) {
                return vec![];
            }
            let receipt_id = d.receipt_id.clone();
            model.pending.push(Job::ExportReceipt);
            vec![Effect::ExportReceipt {
                receipt_id,
                lang: s.agreement_lang,
            }]
        }
        IssuanceStep::Done(_)
        | IssuanceStep::Parked { .. }
        | IssuanceStep::Failed(_)
        | IssuanceStep::Aborted { .. } => match key.code {
            KeyCode::Enter | KeyCode::Char('q') => go_to_queue(model),
            _ => vec![],
        },
    }
}

/// The identity re-check (Pasal 14(4)): `y` the person in front of the officer is the one on
/// the approved form and its documents, `n` they are not (nothing is started).
fn identity_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let lang = model.lang;
    let room = model.agreement_room();
    let width = model.agreement_width();
    let Some(s) = model.session.as_mut() else {
        return vec![];
    };
    match key.code {
        KeyCode::Char('y') | KeyCode::Char('Y') => {
            s.step = IssuanceStep::Agreement;
            s.agreement_lang = lang;
            s.scroll = 0;
            s.agreement_read = false;
            mark_agreement_read(s, room, width);
            model.notice = None;
            vec![]
        }
        KeyCode::Char('n') | KeyCode::Char('N') => {
            let id = s.application_id.clone();
            model.session = None;
            let fx = go_to_queue(model);
            model.notice = Some(Notice::refusal(
                Text::new("desk-issue-identity-mismatch").arg("id", &id),
            ));
            fx
        }
        KeyCode::Down | KeyCode::Char('j') => {
            s.scroll = s.scroll.saturating_add(1).min(200);
            vec![]
        }
        KeyCode::Up | KeyCode::Char('k') => {
            s.scroll = s.scroll.saturating_sub(1);
            vec![]
        }
        KeyCode::PageDown => {
            s.scroll = s.scroll.saturating_add(room).min(200);
            vec![]
        }
        KeyCode::PageUp => {
            s.scroll = s.scroll.saturating_sub(room);
            vec![]
        }
        KeyCode::Char('q') => go_to_queue(model),
        _ => vec![],
    }
}

/// Sets `agreement_read` once the agreement's last line is (or has been) on screen.
fn mark_agreement_read(s: &mut IssuanceSession, room: u16, width: usize) {
    let total = crate::text::agreement_lines(s.agreement_lang, width).len();
    let max = total.saturating_sub(usize::from(room));
    s.scroll = s.scroll.min(u16::try_from(max).unwrap_or(u16::MAX));
    if usize::from(s.scroll) + usize::from(room) >= total {
        s.agreement_read = true;
    }
}

/// The agreement (Pasal 14(5)): scroll to the end, then `y` accepts, `n` declines.
fn agreement_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let room = model.agreement_room();
    let width = model.agreement_width();
    let Some(s) = model.session.as_mut() else {
        return vec![];
    };
    let moved = match key.code {
        KeyCode::Down | KeyCode::Char('j') => Some(s.scroll.saturating_add(1)),
        KeyCode::Up | KeyCode::Char('k') => Some(s.scroll.saturating_sub(1)),
        KeyCode::PageDown | KeyCode::Char(' ') => Some(s.scroll.saturating_add(room)),
        KeyCode::PageUp => Some(s.scroll.saturating_sub(room)),
        KeyCode::Home => Some(0),
        KeyCode::End => Some(u16::MAX),
        _ => None,
    };
    if let Some(to) = moved {
        s.scroll = to;
        mark_agreement_read(s, room, width);
        if s.agreement_read {
            s.pin_error = None;
        }
        return vec![];
    }
    match key.code {
        KeyCode::Char('y') | KeyCode::Char('Y') => {
            if !s.agreement_read {
                s.pin_error = Some(Text::new("desk-issue-agreement-read-first"));
                return vec![];
            }
            s.pin_error = None;
            s.step = IssuanceStep::Token;
            model.notice = None;
            vec![list_tokens(model)]
        }
        KeyCode::Char('n') | KeyCode::Char('N') => {
            let id = s.application_id.clone();
            model.session = None;
            let fx = go_to_queue(model);
            model.notice = Some(Notice::refusal(
                Text::new("desk-issue-agreement-declined").arg("id", &id),
            ));
            fx
        }
        KeyCode::Char('q') => go_to_queue(model),
        _ => vec![],
    }
}

fn token_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let Some(s) = model.session.as_mut() else {
        return vec![];
    };
    let n = s.tokens.as_ref().map_or(0, Vec::len);
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => {
            s.cursor = s.cursor.saturating_sub(1);
            vec![]
        }
        KeyCode::Down | KeyCode::Char('j') => {
            if n > 0 {
                s.cursor = (s.cursor + 1).min(n - 1);
            }
            vec![]
        }
        KeyCode::Char('a') => {
            s.algorithm = (s.algorithm + 1) % ISSUANCE_ALGORITHMS.len();
            s.pin_error = None;
            vec![]
        }
        KeyCode::Char('r') | KeyCode::F(5) => {
            if s.tokens.is_none() {
                return vec![];
            }
            model.notice = None;
            vec![list_tokens(model)]
        }
        KeyCode::Enter => {
            let Some(t) = s.tokens.as_ref().and_then(|t| t.get(s.cursor)) else {
                return vec![];
            };
            let algorithm = s.algorithm();
            if let Some(v) = t.verdict(algorithm)
                && v.verdict == "refused"
            {
                // The run would refuse it at its first step: say so now, nothing started.
                s.pin_error = Some(
                    Text::new("desk-issue-token-refused")
                        .arg("serial", &t.serial)
                        .arg("algorithm", algorithm),
                );
                return vec![];
            }
            s.token = Some(t.clone());
            s.step = IssuanceStep::ApplicantPin;
            s.clear_pins();
            s.pin_error = None;
            model.notice = None;
            vec![]
        }
        KeyCode::Char('q') => go_to_queue(model),
        _ => vec![],
    }
}

/// An interrupted session: Enter continues it (PINs, then the run from where it stopped),
/// `x` rolls it back.
fn resume_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let actor = model.officer.actor();
    let Some(s) = model.session.as_mut() else {
        return vec![];
    };
    let Some(target) = s.resume.clone() else {
        return go_to_queue(model);
    };
    match key.code {
        KeyCode::Enter => {
            s.rolling_back = false;
            s.clear_pins();
            s.pin_error = None;
            s.step = IssuanceStep::ApplicantPin;
            vec![]
        }
        KeyCode::Char('x') | KeyCode::Char('X') => {
            let Some(actor) = actor else {
                model.notice = Some(Notice::refusal(Text::new("desk-no-officer")));
                return vec![];
            };
            s.rolling_back = true;
            s.clear_pins();
            s.pin_error = None;
            if target.abort_needs_pin {
                s.step = IssuanceStep::ApplicantPin;
                return vec![];
            }
            send_abort(model, None, actor)
        }
        KeyCode::Char('q') => go_to_queue(model),
        _ => vec![],
    }
}

/// Sends the roll-back of the session being resumed.
fn send_abort(model: &mut Model, applicant_pin: Option<SecretPin>, actor: String) -> Vec<Effect> {
    let Some(s) = model.session.as_mut() else {
        return vec![];
    };
    let Some(target) = s.resume.as_ref() else {
        return vec![];
    };
    let effect = Effect::Abort(Box::new(AbortRequest {
        session: target.id.clone(),
        application_id: s.application_id.clone(),
        applicant_pin,
        actor,
    }));
    s.step = IssuanceStep::Running;
    model.notice = None;
    model.pending.push(Job::Abort);
    vec![effect]
}

fn applicant_pin_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let actor = model.officer.actor();
    let Some(s) = model.session.as_mut() else {
        return vec![];
    };
    if key.code != KeyCode::Enter {
        let field = if s.confirming {
            &mut s.applicant_pin_again
        } else {
            &mut s.applicant_pin
        };
        if edit_pin(field, &key) {
            s.pin_error = None;
        }
        return vec![];
    }
    if !s.confirming {
        if s.applicant_pin.is_empty() {
            s.pin_error = Some(Text::new("desk-issue-pin-empty"));
            return vec![];
        }
        if s.pin_once() {
            // The PIN already on the token: typed once, the token itself checks it.
            let pin = SecretPin::new(s.applicant_pin.take());
            s.pin_error = None;
            if s.rolling_back {
                return send_abort(model, Some(pin), actor.unwrap_or_default());
            }
            s.confirmed_pin = Some(pin);
            s.step = IssuanceStep::OfficerPin;
            return vec![];
        }
        let profile = s
            .token
            .as_ref()
            .map(|t| t.profile_id.clone())
            .or_else(|| s.resume.as_ref().map(|r| r.profile_id.clone()));
        // The token model's PIN rules, before the second entry (a pure check).
        if let Some(profile) = profile.filter(|p| !p.is_empty())
            && let Err(e) = kustodi::enroll::check_new_pin(&profile, s.applicant_pin.pin())
        {
            s.applicant_pin.clear();
            s.pin_error = Some(crate::text::error_text(&kustodi::errors::enrol_error(e)));
            return vec![];
        }
        s.confirming = true;
        s.pin_error = None;
        return vec![];
    }
    if s.applicant_pin.same_as(&s.applicant_pin_again) {
        s.confirmed_pin = Some(SecretPin::new(s.applicant_pin.take()));
        s.applicant_pin_again.clear();
        s.confirming = false;
        s.pin_error = None;
        s.step = IssuanceStep::OfficerPin;
    } else {
        s.applicant_pin.clear();
        s.applicant_pin_again.clear();
        s.confirming = false;
        s.pin_error = Some(Text::new("desk-issue-pin-mismatch"));
    }
    vec![]
}

fn officer_pin_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let Some(s) = model.session.as_mut() else {
        return vec![];
    };
    if !pin_entered(&mut s.officer_pin, &mut s.pin_error, &key) {
        return vec![];
    }
    let Some(applicant_pin) = s.confirmed_pin.clone() else {
        // Cannot happen through the keys; start the PIN steps again.
        s.clear_pins();
        s.step = IssuanceStep::ApplicantPin;
        return vec![];
    };
    let effect = if let Some(target) = &s.resume {
        Effect::Resume(Box::new(ResumeRequest {
            session: target.id.clone(),
            application_id: s.application_id.clone(),
            applicant_pin,
            officer_pin: SecretPin::new(s.officer_pin.take()),
        }))
    } else {
        let Some(token) = s.token.clone() else {
            s.clear_pins();
            s.step = IssuanceStep::Token;
            return vec![];
        };
        Effect::Enroll(Box::new(EnrollRequest {
            application_id: s.application_id.clone(),
            token_uri: token.uri,
            token_serial: token.serial,
            algorithm: s.algorithm().to_owned(),
            // The receipt is in the language the agreement was read and accepted in.
            lang: s.agreement_lang,
            // The identity and agreement steps were passed to get here: the worker records
            // them as the session's first events, before any key is made.
            identity_checked: true,
            agreement_sha256: crate::text::agreement(s.agreement_lang).sha256(),
            applicant_pin,
            officer_pin: SecretPin::new(s.officer_pin.take()),
        }))
    };
    s.pin_error = None;
    s.step = IssuanceStep::Running;
    s.run_step = None;
    model.notice = None;
    model.pending.push(Job::Enroll);
    vec![effect]
}

fn on_aborted(
    model: &mut Model,
    application_id: &str,
    result: Result<kustodi::enroll::Aborted, kustodi::errors::UserError>,
) -> Vec<Effect> {
    done(model, Job::Abort);
    let Some(s) = model
        .session
        .as_mut()
        .filter(|s| s.application_id == application_id && s.step == IssuanceStep::Running)
    else {
        return vec![];
    };
    s.clear_pins();
    match result {
        Ok(a) => {
            model.notice = Some(Notice::success(
                Text::new("desk-resume-aborted-notice").arg("session", &a.session),
            ));
            s.step = IssuanceStep::Aborted {
                session: a.session,
                objects_deleted: a.objects_deleted,
                token_state: a.token_state,
                revoked: a.revoked,
            };
        }
        Err(e) => {
            // Nothing or part was undone; the session stays on the Interrupted tab.
            let session = s.resume.as_ref().map(|r| r.id.clone());
            s.step = IssuanceStep::Failed(IssuanceFailure { error: e, session });
        }
    }
    vec![verify_ledger(model)]
}

fn on_enrolled(model: &mut Model, application_id: &str, result: EnrollResult) -> Vec<Effect> {
    done(model, Job::Enroll);
    let Some(s) = model
        .session
        .as_mut()
        .filter(|s| s.application_id == application_id && s.step == IssuanceStep::Running)
    else {
        return vec![];
    };
    match result {
        EnrollResult::OfficerPinWrong {
            retries_left,
            final_try,
        } => {
            // Only the officer's PIN is asked again; the applicant's confirmed PIN is kept.
            s.officer_pin.clear();
            s.step = IssuanceStep::OfficerPin;
            s.pin_error = Some(officer_pin_wrong(retries_left, final_try));
            return vec![];
        }
        EnrollResult::PinPolicy(e) => {
            s.clear_pins();
            s.step = IssuanceStep::ApplicantPin;
            s.pin_error = Some(crate::text::error_text(&e));
            return vec![];
        }
        EnrollResult::Done(summary) => {
            s.clear_pins();
            model.notice = Some(Notice::success(
                Text::new("desk-issue-done-notice")
                    .arg("id", &summary.application_id)
                    .arg("serial", &summary.certificate_serial),
            ));
            s.step = IssuanceStep::Done(summary);
        }
        EnrollResult::Parked {
            session,
            ticket,
            csr_file,
        } => {
            s.clear_pins();
            s.step = IssuanceStep::Parked {
                session,
                ticket,
                csr_file,
            };
        }
        EnrollResult::Failed(f) => {
            s.clear_pins();
            s.step = IssuanceStep::Failed(f);
        }
    }
    // Something was recorded (or may have been): the header's ledger check follows.
    vec![verify_ledger(model)]
}

// ---------------------------------------------------------------------------------------------
// Replies of the worker
// ---------------------------------------------------------------------------------------------

fn done(model: &mut Model, job: Job) {
    if let Some(i) = model.pending.iter().position(|j| *j == job) {
        model.pending.remove(i);
    }
}

fn on_reply(model: &mut Model, reply: Reply) -> Vec<Effect> {
    match reply {
        Reply::StationFailed(e) => {
            model.pending.clear();
            model.wizard.working = false;
            model.ledger = LedgerState::Unknown;
            model.notice = Some(Notice::error(e));
            vec![]
        }
        Reply::QueueLoaded(page) => {
            if page.request == model.queue.request {
                // Older requests may have been dropped by the worker: none is pending now.
                model.pending.retain(|j| *j != Job::LoadQueue);
            } else {
                done(model, Job::LoadQueue);
            }
            let q = &mut model.queue;
            q.counts = crate::model::StatusCounts::from_pairs(&page.counts);
            if page.request != q.request {
                return vec![];
            }
            q.total = page.total;
            q.window_start = page.offset;
            q.rows = page.rows;
            q.loaded = true;
            if let Some(id) = q.select.take()
                && let Some(i) = q.rows.iter().position(|r| r.id == id)
            {
                q.cursor = q.window_start + i as u64;
            }
            q.cursor = q.cursor.min(q.total.saturating_sub(1));
            let page_rows = model.queue_rows();
            let q = &mut model.queue;
            q.top = q.top.min(q.total.saturating_sub(page_rows));
            ensure_visible_after_load(model)
        }
        Reply::QueueFailed { request, error } => {
            if request == model.queue.request {
                model.pending.retain(|j| *j != Job::LoadQueue);
                model.queue.loaded = true;
                model.notice = Some(Notice::error(error));
            } else {
                done(model, Job::LoadQueue);
            }
            vec![]
        }
        Reply::Checked { path, outcome } => {
            done(model, Job::Check);
            let w = &mut model.wizard;
            w.working = false;
            w.scroll = 0;
            match outcome {
                CheckOutcome::Form { form, problems } => {
                    let same_kind = w.checked.as_ref().map(|c| c.form.kind) == Some(form.kind);
                    if !same_kind {
                        w.checklist = Wizard::checklist_for(form.kind);
                        w.focus = 0;
                    }
                    w.unreadable = None;
                    w.checked = Some(CheckedForm {
                        path,
                        form: *form,
                        problems,
                    });
                    w.step = WizardStep::Review;
                    model.notice = None;
                }
                CheckOutcome::Unreadable(e) => {
                    w.checked = None;
                    w.checklist.clear();
                    w.unreadable = Some(e.clone());
                    w.step = WizardStep::Review;
                    model.notice = Some(Notice::error(e));
                }
                CheckOutcome::Failed(e) => {
                    model.notice = Some(Notice::error(e));
                }
            }
            vec![]
        }
        Reply::Submitted(result) => {
            done(model, Job::Submit);
            model.wizard.working = false;
            match result {
                Ok(id) => {
                    model.wizard = Wizard::default();
                    model.screen = Screen::Queue;
                    model.notice =
                        Some(Notice::success(Text::new("desk-submitted").arg("id", &id)));
                    let q = &mut model.queue;
                    q.tab = QueueTab::Waiting;
                    q.search.clear();
                    q.searching = false;
                    q.select = Some(id);
                    q.cursor = u64::MAX;
                    let mut fx = vec![load_queue(model, Anchor::End)];
                    fx.push(verify_ledger(model));
                    fx
                }
                Err(SubmitError::Invalid(problems)) => {
                    let count = problems.len();
                    if let Some(c) = model.wizard.checked.as_mut() {
                        c.problems = problems;
                    }
                    model.notice = Some(Notice::refusal(
                        Text::new("desk-submit-has-problems").arg("count", count),
                    ));
                    vec![]
                }
                Err(SubmitError::Failed(e)) => {
                    model.notice = Some(Notice::error(e));
                    vec![]
                }
            }
        }
        Reply::Decided {
            id,
            approve,
            result,
        } => {
            done(model, Job::Decide);
            match result {
                Ok(_) => {
                    model.dialog = None;
                    let msg = if approve {
                        "desk-approved"
                    } else {
                        "desk-rejected"
                    };
                    model.notice = Some(Notice::success(Text::new(msg).arg("id", &id)));
                    let mut fx = vec![load_queue(model, Anchor::Offset(model.queue.top))];
                    if model.screen == Screen::Detail {
                        model.pending.push(Job::LoadDetail);
                        fx.push(Effect::LoadDetail(id));
                    }
                    fx.push(verify_ledger(model));
                    fx
                }
                Err(e) => {
                    match model.dialog.as_mut() {
                        Some(Dialog::Reject { error, sending, .. }) => {
                            *sending = false;
                            *error = Some(crate::text::error_text(&e));
                        }
                        _ => {
                            model.dialog = None;
                            model.notice = Some(Notice::error(e));
                        }
                    }
                    vec![]
                }
            }
        }
        Reply::DetailLoaded { id, result } => {
            done(model, Job::LoadDetail);
            match (model.detail.as_mut(), result) {
                (Some(d), Ok(data)) if d.id == id => d.data = Some(*data),
                (Some(d), Err(e)) if d.id == id => {
                    model.notice = Some(Notice::error(e));
                }
                _ => {}
            }
            vec![]
        }
        Reply::TokensListed(result) => {
            done(model, Job::ListTokens);
            let Some(s) = model
                .session
                .as_mut()
                .filter(|s| s.step == IssuanceStep::Token)
            else {
                return vec![];
            };
            match result {
                Ok(tokens) => {
                    // A token inserted or pulled out moves the rows: stay on the same token.
                    let serial = s
                        .tokens
                        .as_ref()
                        .and_then(|t| t.get(s.cursor))
                        .map(|t| t.serial.clone());
                    if let Some(i) = serial.and_then(|x| tokens.iter().position(|t| t.serial == x))
                    {
                        s.cursor = i;
                    }
                    s.cursor = s.cursor.min(tokens.len().saturating_sub(1));
                    s.tokens = Some(tokens);
                    if s.tokens_error.take().is_some() {
                        model.notice = None;
                    }
                }
                Err(e) => {
                    let again = s.tokens_error.as_ref() == Some(&e);
                    s.tokens = Some(vec![]);
                    s.tokens_error = Some(e.clone());
                    if !again {
                        model.notice = Some(Notice::error(e));
                    }
                }
            }
            vec![]
        }
        Reply::SessionsLoaded { status, result } => {
            done(model, Job::LoadSessions);
            let q = &mut model.queue;
            if q.tab.session_status() != Some(status) {
                return vec![];
            }
            match result {
                Ok(rows) => {
                    q.session_cursor = q.session_cursor.min(rows.len().saturating_sub(1));
                    q.sessions = Some(rows);
                    q.sessions_error = None;
                }
                Err(e) => {
                    q.sessions = Some(vec![]);
                    q.sessions_error = Some(e.clone());
                    model.notice = Some(Notice::error(e));
                }
            }
            vec![]
        }
        Reply::Aborted {
            application_id,
            result,
        } => on_aborted(model, &application_id, result),
        Reply::Enrolled {
            application_id,
            result,
        } => on_enrolled(model, &application_id, result),
        Reply::SignedIn(result) => on_signed_in(model, result),
        Reply::Progress {
            application_id,
            step,
        } => {
            if let Some(s) = model
                .session
                .as_mut()
                .filter(|s| s.application_id == application_id && s.step == IssuanceStep::Running)
            {
                s.run_step = Some(step);
            }
            vec![]
        }
        Reply::ReceiptExported { receipt_id, result } => {
            done(model, Job::ExportReceipt);
            match result {
                Ok((p7s, txt)) => {
                    model.notice = Some(Notice::success(
                        Text::new("desk-receipt-exported").arg("id", &receipt_id),
                    ));
                    if let Some(s) = model.session.as_mut() {
                        s.exported = Some((p7s, txt));
                    }
                }
                Err(e) => model.notice = Some(Notice::error(e)),
            }
            vec![]
        }
        Reply::LedgerVerified(result) => {
            done(model, Job::VerifyLedger);
            model.ledger = match result {
                Ok((events, checkpoints, head)) => LedgerState::Intact {
                    events,
                    checkpoints,
                    head,
                },
                Err(e) => LedgerState::Damaged(e),
            };
            vec![]
        }
    }
}

/// After a page arrived: if the cursor is still outside it (a jump), ask for the right page.
fn ensure_visible_after_load(model: &mut Model) -> Vec<Effect> {
    let page = model.queue_rows();
    let q = &model.queue;
    let want_end = (q.top.max(q.cursor.saturating_sub(page - 1)) + page).min(q.total);
    let have_end = q.window_start + q.rows.len() as u64;
    let cursor_in_window = q.cursor >= q.window_start && q.cursor < have_end.max(1);
    if q.total == 0 || (cursor_in_window && want_end <= have_end) {
        // Keep the cursor on screen without another load.
        let q = &mut model.queue;
        if q.cursor < q.top {
            q.top = q.cursor;
        } else if q.cursor >= q.top + page {
            q.top = q.cursor + 1 - page;
        }
        return vec![];
    }
    ensure_visible(model)
}
