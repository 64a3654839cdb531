//! Messages into `update` and effects out of it.

use std::path::PathBuf;

use crossterm::event::KeyEvent;
use kustodi::domain::application::{ApplicationForm, ApplicationStatus, Decision};
use kustodi::domain::problem::Problem;
use kustodi::errors::UserError;
use kustodi::store::{ApplicationQuery, ApplicationSummary};
use time::OffsetDateTime;

use crate::model::DetailData;

/// Everything that can happen to the desk.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// The clock moved on (also drives the spinner).
    Tick(OffsetDateTime),
    /// The worker finished an effect.
    Reply(Box<Reply>),
}

/// Where a queue page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Offset(u64),
    /// The last page (after a submission: the new application is the newest).
    End,
}

/// A page of the queue to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRequest {
    pub request: u64,
    pub query: ApplicationQuery,
    pub anchor: Anchor,
}

/// Work for the worker. Effects are data: `update` never performs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    LoadQueue(QueueRequest),
    /// Validate an application file (changes nothing).
    CheckFile(PathBuf),
    /// Validate again, archive and record (one sealed unit of work).
    Submit {
        path: PathBuf,
        actor: String,
    },
    Decide {
        id: String,
        decision: Decision,
        actor: String,
    },
    LoadDetail(String),
    VerifyLedger,
}

/// The outcome of checking an application file.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckOutcome {
    /// The form parsed; `problems` may be empty.
    Form {
        form: Box<ApplicationForm>,
        problems: Vec<Problem>,
    },
    /// The file is not an application form (JSON syntax, unknown key, …).
    Unreadable(UserError),
    /// The file could not be read, or the station failed.
    Failed(UserError),
}

/// Why a submission did not happen.
#[derive(Debug, Clone, PartialEq)]
pub enum SubmitError {
    /// The service found problems (nothing was recorded).
    Invalid(Vec<Problem>),
    Failed(UserError),
}

/// A page of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuePage {
    pub request: u64,
    /// Index of `rows[0]` in the filtered list.
    pub offset: u64,
    pub total: u64,
    pub rows: Vec<ApplicationSummary>,
    pub counts: Vec<(String, u64)>,
}

/// What the worker answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The station could not be opened: nothing will work (shown as an error).
    StationFailed(UserError),
    QueueLoaded(QueuePage),
    QueueFailed {
        request: u64,
        error: UserError,
    },
    Checked {
        path: PathBuf,
        outcome: CheckOutcome,
    },
    Submitted(Result<String, SubmitError>),
    Decided {
        id: String,
        approve: bool,
        result: Result<ApplicationStatus, UserError>,
    },
    DetailLoaded {
        id: String,
        result: Result<Box<DetailData>, UserError>,
    },
    LedgerVerified(Result<(u64, u64, String), UserError>),
}
