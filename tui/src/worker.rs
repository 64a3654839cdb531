//! The effect runner: a thread that owns the station and answers each effect with a reply.
//!
//! The station (SQLite connection, station key) lives and dies on this thread; the UI thread
//! only sends [`Effect`]s and receives [`Msg::Reply`]s, so it never blocks on the database,
//! a token or the network.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;

use kustodi::domain::application::Decision;
use kustodi::errors::{UserError, form_error, from_service};
use kustodi::i18n::{Lang, Messages};
use kustodi::service::{ServiceError, Station};

use crate::model::DetailData;
use crate::msg::{Anchor, CheckOutcome, Effect, Msg, QueuePage, QueueRequest, Reply, SubmitError};

/// Runs one effect on the station. Synchronous; the worker thread calls it, and so do the
/// tests (with a station on a scratch home).
pub fn run_effect(station: &mut Station<'_>, effect: Effect) -> Reply {
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
    }
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
        let counts = station.application_counts()?;
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
                    let reply = run_effect(&mut station, effect);
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
