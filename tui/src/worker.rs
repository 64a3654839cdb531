//! The effect runner: a thread that owns the station and answers each effect with a reply.
//!
//! The station (SQLite connection, station key) lives and dies on this thread; the UI thread
//! only sends [`Effect`]s and receives [`Msg::Reply`]s, so it never blocks on the database,
//! a token or the network.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;

use kustodi::domain::application::Decision;
use kustodi::enroll::{self, Context, EnrolError, Officer, Outcome, SANDBOX_FACTORY_SO_PIN};
use kustodi::errors::{UserError, enrol_error, form_error, from_service};
use kustodi::i18n::{Lang, Messages};
use kustodi::lifecycle::{self, LifecycleError};
use kustodi::ports::token::{TokenError, TokenProvider};
use kustodi::secret::Pin;
use kustodi::service::{ServiceError, Station};
use kustodi::station_key::load_module;
use kustodi::token::Pkcs11Provider;

use crate::model::{
    DetailData, INTERRUPTED_COUNT, ISSUANCE_ALGORITHMS, IssuanceFailure, PARKED_COUNT,
    SessionSummary, TokenChoice,
};
use crate::msg::{
    AbortRequest, Anchor, CheckOutcome, Effect, EnrollRequest, EnrollResult, Msg, QueuePage,
    QueueRequest, Reply, ResumeRequest, SignInResult, SubmitError,
};

/// Runs one effect on the station. Synchronous; the tests call it (with a station on a
/// scratch home). Progress of a run is dropped; see [`run_effect_with`].
pub fn run_effect(station: &mut Station<'_>, effect: Effect) -> Reply {
    run_effect_with(station, effect, &|_| {})
}

/// Runs one effect; `notify` receives the replies sent while it runs (the steps of an
/// enrolment), before the final reply is returned. The worker thread calls this.
pub fn run_effect_with(station: &mut Station<'_>, effect: Effect, notify: &dyn Fn(Reply)) -> Reply {
    match effect {
        Effect::LoadQueue(req) => load_queue(station, req),
        Effect::CheckFile(path) => {
            let path = expand_home(&path);
            let outcome = match station.check_application(&path) {
                Ok(c) => match c.form {
                    Some(form) => CheckOutcome::Form {
                        form: Box::new(form),
                        problems: dedup(c.problems),
                    },
                    None => CheckOutcome::Failed(from_service(ServiceError::Invalid(c.problems))),
                },
                // The message of a form error is translated when shown; the message catalogue
                // passed here only fills the JSON data the desk does not use.
                Err(ServiceError::Form(e)) => {
                    CheckOutcome::Unreadable(form_error(&Messages::new(Lang::Id), &e))
                }
                Err(e) => CheckOutcome::Failed(from_service(e)),
            };
            Reply::Checked { path, outcome }
        }
        Effect::Submit { path, actor } => Reply::Submitted(
            match station.submit_application(&expand_home(&path), &actor) {
                Ok(id) => Ok(id),
                Err(ServiceError::Invalid(problems)) => Err(SubmitError::Invalid(problems)),
                Err(ServiceError::Form(e)) => Err(SubmitError::Failed(form_error(
                    &Messages::new(Lang::Id),
                    &e,
                ))),
                Err(e) => Err(SubmitError::Failed(from_service(e))),
            },
        ),
        Effect::Decide {
            id,
            decision,
            actor,
        } => {
            let approve = decision == Decision::Approve;
            let result = station.decide(&id, &decision, &actor).map_err(from_service);
            Reply::Decided {
                id,
                approve,
                result,
            }
        }
        Effect::LoadDetail(id) => {
            let result = station.application(&id).map_err(from_service).map(|v| {
                let form = station.form_of(&v.row).ok();
                Box::new(DetailData {
                    row: v.row,
                    form,
                    documents: v.documents,
                })
            });
            Reply::DetailLoaded { id, result }
        }
        Effect::VerifyLedger => Reply::LedgerVerified(
            station
                .verify_ledger()
                .map(|r| (r.events, r.checkpoints, hex_head(&r.head)))
                .map_err(from_service),
        ),
        Effect::ListTokens => Reply::TokensListed(list_tokens(station)),
        Effect::SignIn(pin) => {
            let result = match sign_in(station, pin.pin()) {
                Ok((_, officer)) => match officer.token_serial() {
                    Ok(token_serial) => SignInResult::Ok {
                        id: officer.id.clone(),
                        name: officer.name.clone(),
                        token_serial,
                    },
                    Err(e) => SignInResult::Failed(enrol_error(e)),
                },
                Err(EnrolError::OfficerPinIncorrect {
                    retries_left,
                    final_try,
                }) => SignInResult::WrongPin {
                    retries_left,
                    final_try,
                },
                Err(e) => SignInResult::Failed(enrol_error(e)),
            };
            drop(pin);
            Reply::SignedIn(result)
        }
        // The PINs are dropped (and zeroized) with the request, at the end of each arm.
        Effect::Enroll(req) => {
            run_reporting(station, &req.application_id, notify, |st, progress| {
                try_enroll(st, &req, progress)
            })
        }
        Effect::Resume(req) => {
            run_reporting(station, &req.application_id, notify, |st, progress| {
                try_resume(st, &req, progress)
            })
        }
        Effect::Abort(req) => {
            let application_id = req.application_id.clone();
            let result = abort(station, &req).map_err(enrol_error);
            drop(req);
            Reply::Aborted {
                application_id,
                result,
            }
        }
        Effect::ExportReceipt { receipt_id, lang } => {
            let result = export_receipt(station, &receipt_id, lang);
            Reply::ReceiptExported { receipt_id, result }
        }
        Effect::LoadSessions { status } => Reply::SessionsLoaded {
            status,
            result: load_sessions(station, status),
        },
    }
}

/// Runs an enrolment or a resume, sending each step it starts to `notify`, and answers with
/// its outcome.
fn run_reporting(
    station: &mut Station<'_>,
    application_id: &str,
    notify: &dyn Fn(Reply),
    run: impl FnOnce(&mut Station<'_>, &dyn Fn(&'static str)) -> Result<Outcome, EnrolError>,
) -> Reply {
    let progress = |step| {
        notify(Reply::Progress {
            application_id: application_id.to_owned(),
            step,
        })
    };
    let result = run(station, &progress);
    Reply::Enrolled {
        application_id: application_id.to_owned(),
        result: outcome(station, application_id, result),
    }
}

/// `kustodi receipt export` twice: the signed receipt and, once its signature verified, the
/// page to print, both under `<home>/receipts/`.
fn export_receipt(
    station: &Station<'_>,
    receipt_id: &str,
    lang: Lang,
) -> Result<(PathBuf, PathBuf), UserError> {
    let row = station
        .store()
        .receipt(receipt_id)
        .map_err(|e| from_service(e.into()))?;
    let verified = enroll::verify_receipt_file(station, &row.der).map_err(enrol_error)?;
    let lang = match lang {
        Lang::Id => kustodi::receipt::Lang::Id,
        Lang::En => kustodi::receipt::Lang::En,
    };
    let page = kustodi::receipt::render_text(&verified.body, &row.sha256, lang);
    let dir = station.home().root().join("receipts");
    let p7s = dir.join(format!("{}.p7s", row.id));
    let txt = dir.join(format!("{}.txt", row.id));
    for (path, bytes) in [(&p7s, &row.der[..]), (&txt, page.as_bytes())] {
        kustodi::home::write_file(path, bytes, false)
            .map_err(|e| from_service(ServiceError::Home(e)))?;
    }
    Ok((p7s, txt))
}

/// The sessions of one journal status, with the applicant's name.
fn load_sessions(station: &Station<'_>, status: &str) -> Result<Vec<SessionSummary>, UserError> {
    let rows = station
        .store()
        .enrol_sessions(Some(status))
        .map_err(|e| from_service(e.into()))?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let data = enroll::session_data(&row).map_err(enrol_error)?;
        let pin_set = enroll::applicant_pin_set(&row).map_err(enrol_error)?;
        let applicant_name = station
            .application(&row.application_id)
            .map(|a| a.row.applicant_name)
            .unwrap_or_default();
        out.push(SessionSummary {
            id: row.id,
            application_id: row.application_id,
            applicant_name,
            token_serial: row.token_serial,
            step: row.step,
            phase: row.phase,
            status: row.status,
            updated_at: row.updated_at,
            ticket: data.ticket,
            pin_set,
            abort_needs_pin: data.key_label.is_some(),
            profile_id: data.profile_id,
        });
    }
    Ok(out)
}

/// The station's PKCS#11 provider, as `kustodi enroll` builds it.
fn provider(station: &Station<'_>) -> Result<Pkcs11Provider, EnrolError> {
    let module = load_module(station.home(), station.config()).map_err(EnrolError::Token)?;
    Ok(Pkcs11Provider::new(vec![module]))
}

/// Tokens the desk may issue on (see [`TokenChoice`]).
fn list_tokens(station: &Station<'_>) -> Result<Vec<TokenChoice>, UserError> {
    let provider = provider(station).map_err(enrol_error)?;
    let tokens = provider
        .list_tokens()
        .map_err(|e| enrol_error(EnrolError::Token(e)))?;
    let own = lifecycle::station_token_serials(station, &tokens).map_err(|e| match e {
        LifecycleError::Service(s) => from_service(s),
        LifecycleError::Enrol(e) => enrol_error(e),
        other => UserError::failed("desk.tokens", "desk-err-tokens")
            .arg("reason", other)
            .hint("desk-hint-tokens"),
    })?;
    let mut out = vec![];
    for info in tokens {
        if info.serial.trim().is_empty() || own.contains(&info.serial) {
            continue;
        }
        let registered = match station.store().token(&info.serial) {
            Ok(Some(row)) if row.state != "stock" => continue,
            Ok(row) => row.is_some(),
            Err(e) => return Err(from_service(e.into())),
        };
        let a = enroll::assess_token(&info, &ISSUANCE_ALGORITHMS).map_err(enrol_error)?;
        out.push(TokenChoice {
            uri: info.uri,
            label: info.label,
            serial: info.serial,
            manufacturer: info.manufacturer,
            model: info.model,
            profile_id: a.profile_id,
            registered,
            firmware: a.firmware,
            pin_min: a.pin_min,
            pin_max: a.pin_max,
            pin_charset: a.pin_charset,
            verdicts: a.verdicts,
        });
    }
    Ok(out)
}

/// What a run (enrolment or resume) tells the desk.
fn outcome(
    station: &Station<'_>,
    application_id: &str,
    result: Result<Outcome, EnrolError>,
) -> EnrollResult {
    match result {
        Ok(Outcome::Done(summary)) => EnrollResult::Done(summary),
        Ok(Outcome::Parked {
            session,
            ticket,
            csr_file,
            ..
        }) => EnrollResult::Parked {
            session,
            ticket,
            csr_file,
        },
        Err(EnrolError::OfficerPinIncorrect {
            retries_left,
            final_try,
        }) => EnrollResult::OfficerPinWrong {
            retries_left,
            final_try,
        },
        Err(e @ EnrolError::PinPolicy(_)) => EnrollResult::PinPolicy(enrol_error(e)),
        Err(e) => {
            // A run that stopped after its session was recorded (a token pulled out) leaves
            // the session open: the Interrupted tab lists it, Enter continues it.
            let session = open_session_of(station, application_id);
            EnrollResult::Failed(IssuanceFailure {
                error: enrol_error(e),
                session,
            })
        }
    }
}

/// The station's PKCS#11 provider and the officer signed in with `[officer] default_token`.
fn sign_in(
    station: &Station<'_>,
    officer_pin: &Pin,
) -> Result<(Pkcs11Provider, Officer), EnrolError> {
    let provider = provider(station)?;
    let cfg = station.config().officer.clone().unwrap_or_default();
    let key_label = if cfg.key_label.is_empty() {
        "officer-signing".to_owned()
    } else {
        cfg.key_label
    };
    let uri = cfg.default_token.ok_or(EnrolError::NoOfficerToken)?;
    let anchors = enroll::trust_anchors(station.home(), station.config())?;
    let officer = Officer::sign_in(
        &provider,
        &uri,
        &key_label,
        officer_pin,
        &anchors,
        station.now(),
    )?;
    Ok((provider, officer))
}

/// The sandbox's stock tokens come with the published factory SO PIN.
fn factory_so_pin(station: &Station<'_>) -> Option<Pin> {
    station
        .config()
        .station
        .sandbox
        .then(|| Pin::new(SANDBOX_FACTORY_SO_PIN.to_owned()))
}

/// `kustodi enroll`: officer sign-in, then the enrolment.
fn try_enroll(
    station: &mut Station<'_>,
    req: &EnrollRequest,
    progress: &dyn Fn(&'static str),
) -> Result<Outcome, EnrolError> {
    let (provider, officer) = sign_in(station, req.officer_pin.pin())?;
    // The token at the URI must still be the one the officer chose.
    let info = provider.token_info(&req.token_uri)?;
    if info.serial != req.token_serial {
        return Err(EnrolError::Token(TokenError::TokenNotFound {
            uri: req.token_uri.clone(),
        }));
    }
    let factory = factory_so_pin(station);
    let ctx = Context {
        provider: &provider,
        officer: &officer,
        applicant_pin: req.applicant_pin.pin(),
        factory_so_pin: factory.as_ref(),
        progress: Some(progress),
    };
    let lang = match req.lang {
        Lang::Id => kustodi::receipt::Lang::Id,
        Lang::En => kustodi::receipt::Lang::En,
    };
    enroll::enroll(
        station,
        &ctx,
        &req.application_id,
        &req.token_uri,
        &req.algorithm,
        lang,
        &enroll::Evidence {
            identity_checked: req
                .identity_checked
                .then_some(enroll::EvidenceHow::Terminal),
            agreement_accepted: Some((req.agreement_sha256.clone(), enroll::EvidenceHow::Terminal)),
        },
    )
}

/// `kustodi session resume`: officer sign-in, then the session from its next step.
fn try_resume(
    station: &mut Station<'_>,
    req: &ResumeRequest,
    progress: &dyn Fn(&'static str),
) -> Result<Outcome, EnrolError> {
    let (provider, officer) = sign_in(station, req.officer_pin.pin())?;
    let factory = factory_so_pin(station);
    let ctx = Context {
        provider: &provider,
        officer: &officer,
        applicant_pin: req.applicant_pin.pin(),
        factory_so_pin: factory.as_ref(),
        progress: Some(progress),
    };
    enroll::resume(station, &ctx, &req.session)
}

/// `kustodi session abort`.
fn abort(station: &mut Station<'_>, req: &AbortRequest) -> Result<enroll::Aborted, EnrolError> {
    let provider = provider(station)?;
    let factory = factory_so_pin(station);
    enroll::abort(
        station,
        &provider,
        &req.session,
        req.applicant_pin.as_ref().map(|p| p.pin()),
        factory.as_ref(),
        &req.actor,
    )
}

fn open_session_of(station: &Station<'_>, application_id: &str) -> Option<String> {
    station
        .store()
        .enrol_sessions(Some("running"))
        .ok()?
        .into_iter()
        .rfind(|s| s.application_id == application_id)
        .map(|s| s.id)
}

/// The same problem can be found twice (by the form rules and by the document reader).
fn dedup(
    problems: Vec<kustodi::domain::problem::Problem>,
) -> Vec<kustodi::domain::problem::Problem> {
    let mut out: Vec<kustodi::domain::problem::Problem> = Vec::with_capacity(problems.len());
    for p in problems {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

fn hex_head(head: &[u8]) -> String {
    head.iter().map(|b| format!("{b:02x}")).collect()
}

/// `~/x` → `$HOME/x` (officers type paths by hand).
fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => path.to_owned(),
    }
}

fn load_queue(station: &Station<'_>, req: QueueRequest) -> Reply {
    let result = (|| -> Result<QueuePage, ServiceError> {
        let total = station.count_applications(&req.query)?;
        let mut query = req.query.clone();
        if req.anchor == Anchor::End {
            query.offset = total.saturating_sub(u64::from(query.limit));
        }
        let rows = station.application_summaries(&query)?;
        let mut counts = station.application_counts()?;
        for (key, status) in [(PARKED_COUNT, "parked"), (INTERRUPTED_COUNT, "running")] {
            counts.push((
                key.to_owned(),
                station.store().count_enrol_sessions(status)?,
            ));
        }
        Ok(QueuePage {
            request: req.request,
            offset: query.offset,
            total,
            rows,
            counts,
        })
    })();
    match result {
        Ok(page) => Reply::QueueLoaded(page),
        Err(e) => Reply::QueueFailed {
            request: req.request,
            error: from_service(e),
        },
    }
}

/// Starts the worker. `open` runs on the worker thread and opens the station there.
pub fn spawn<F>(open: F, replies: Sender<Msg>) -> (Sender<Effect>, JoinHandle<()>)
where
    F: FnOnce() -> Result<Station<'static>, ServiceError> + Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel::<Effect>();
    let handle = std::thread::Builder::new()
        .name("kustodi-desk-worker".into())
        .spawn(move || {
            let mut station = match open() {
                Ok(s) => s,
                Err(e) => {
                    let _ =
                        replies.send(Msg::Reply(Box::new(Reply::StationFailed(from_service(e)))));
                    // Answer nothing more; keep draining so senders never block.
                    while rx.recv().is_ok() {}
                    return;
                }
            };
            while let Some(batch) = next_batch(&rx) {
                for effect in batch {
                    let notify = |r: Reply| {
                        let _ = replies.send(Msg::Reply(Box::new(r)));
                    };
                    let reply = run_effect_with(&mut station, effect, &notify);
                    if replies.send(Msg::Reply(Box::new(reply))).is_err() {
                        return;
                    }
                }
            }
        })
        .expect("spawn the desk worker thread");
    (tx, handle)
}

/// Waits for effects and takes every one already queued, keeping only the newest queue
/// page request (typing a search sends one per key; only the last one matters).
fn next_batch(rx: &Receiver<Effect>) -> Option<Vec<Effect>> {
    let first = rx.recv().ok()?;
    let mut batch = vec![first];
    loop {
        match rx.try_recv() {
            Ok(e) => batch.push(e),
            Err(TryRecvError::Empty) => break,
            Err(TryRecvError::Disconnected) => break,
        }
    }
    Some(coalesce(batch))
}

/// Drops every queue request but the last: `update` ignores pages of older requests anyway,
/// and the page of the newest request clears every pending queue job.
pub fn coalesce(batch: Vec<Effect>) -> Vec<Effect> {
    let last_queue = batch
        .iter()
        .rposition(|e| matches!(e, Effect::LoadQueue(_)));
    batch
        .into_iter()
        .enumerate()
        .filter(|(i, e)| !matches!(e, Effect::LoadQueue(_)) || Some(*i) == last_queue)
        .map(|(_, e)| e)
        .collect()
}

/// A user error for a worker that is gone (the thread died).
pub fn worker_gone() -> UserError {
    UserError::failed("desk.worker_gone", "desk-err-worker-gone").hint("desk-hint-restart")
}
