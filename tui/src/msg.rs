//! Messages into `update` and effects out of it.

use std::path::PathBuf;

use crossterm::event::KeyEvent;
use kustodi::domain::application::{ApplicationForm, ApplicationStatus, Decision};
use kustodi::domain::problem::Problem;
use kustodi::errors::UserError;
use kustodi::store::{ApplicationQuery, ApplicationSummary};
use time::OffsetDateTime;

use crate::model::{DetailData, IssuanceFailure, SecretPin, SessionSummary, TokenChoice};

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
    /// Signs the officer in with `[officer] default_token` and this PIN (Pasal 21).
    SignIn(SecretPin),
    /// The tokens of the station's PKCS#11 module the desk may issue on.
    ListTokens,
    /// Signs the officer in with `[officer] default_token` and runs the enrolment of an
    /// approved application on a stock token, as `kustodi enroll` does. The PINs travel
    /// inside (masked, zeroized when the worker drops them).
    Enroll(Box<EnrollRequest>),
    /// The issuance sessions of one journal status (`running` or `parked`).
    LoadSessions {
        status: &'static str,
    },
    /// Signs the officer in and continues an interrupted session after its last finished step,
    /// as `kustodi session resume` does. Answered with [`Reply::Enrolled`].
    Resume(Box<ResumeRequest>),
    /// Rolls an interrupted session back, as `kustodi session abort` does.
    Abort(Box<AbortRequest>),
    /// Writes the signed receipt (`.p7s`) and its printable page (`.txt`, after verifying the
    /// signature) to the station's `receipts/` folder, as `kustodi receipt export` does.
    ExportReceipt {
        receipt_id: String,
        lang: kustodi::i18n::Lang,
    },
}

/// Everything a resume needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeRequest {
    pub session: String,
    pub application_id: String,
    /// The applicant's PIN: the one on the token when it was set, else the new PIN.
    pub applicant_pin: SecretPin,
    pub officer_pin: SecretPin,
}

/// Everything a roll-back needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbortRequest {
    pub session: String,
    pub application_id: String,
    /// The PIN on the token, when a key pair has to be deleted from it.
    pub applicant_pin: Option<SecretPin>,
    /// The ledger actor (`officer:<id>`).
    pub actor: String,
}

/// Everything an enrolment run needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollRequest {
    pub application_id: String,
    pub token_uri: String,
    /// Serial of the chosen token (checked against the token found at `token_uri`).
    pub token_serial: String,
    pub algorithm: String,
    /// Language of the receipt.
    pub lang: kustodi::i18n::Lang,
    /// The officer confirmed the identity re-check on the identity step (Pasal 14(4)).
    pub identity_checked: bool,
    /// SHA-256 of the agreement text shown, read to the end and accepted (Pasal 14(5)).
    pub agreement_sha256: String,
    pub applicant_pin: SecretPin,
    pub officer_pin: SecretPin,
}

/// How an enrolment run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum EnrollResult {
    Done(kustodi::enroll::Summary),
    Parked {
        session: String,
        ticket: String,
        csr_file: PathBuf,
    },
    /// The officer token refused the PIN (nothing was started).
    OfficerPinWrong {
        retries_left: Option<u32>,
        final_try: bool,
    },
    /// The applicant's PIN breaks the token's rules (nothing was started).
    PinPolicy(UserError),
    Failed(IssuanceFailure),
}

/// How a sign-in ended.
#[derive(Debug, Clone, PartialEq)]
pub enum SignInResult {
    /// Certificate checked, challenge signed: the officer from the certificate.
    Ok {
        id: String,
        name: String,
        token_serial: String,
    },
    WrongPin {
        retries_left: Option<u32>,
        final_try: bool,
    },
    Failed(UserError),
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
    SignedIn(SignInResult),
    TokensListed(Result<Vec<TokenChoice>, UserError>),
    Enrolled {
        application_id: String,
        result: EnrollResult,
    },
    SessionsLoaded {
        status: &'static str,
        result: Result<Vec<SessionSummary>, UserError>,
    },
    Aborted {
        application_id: String,
        result: Result<kustodi::enroll::Aborted, UserError>,
    },
    /// A run (enrolment or resume) started one of its steps ([`kustodi::enroll::STEPS`]).
    /// Sent while the run goes on; its result comes as [`Reply::Enrolled`].
    Progress {
        application_id: String,
        step: &'static str,
    },
    ReceiptExported {
        receipt_id: String,
        /// The `.p7s` and `.txt` written.
        result: Result<(PathBuf, PathBuf), UserError>,
    },
}
