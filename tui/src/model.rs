//! All the state of the desk, as plain data. Nothing here does I/O.

use std::path::PathBuf;
use std::sync::Arc;

use kustodi::domain::application::{ApplicationForm, CertificateKind, DocumentKind};
use kustodi::domain::problem::Problem;
use kustodi::errors::UserError;
use kustodi::i18n::Lang;
use kustodi::secret::Pin;
use kustodi::store::ApplicationSummary;
use time::OffsetDateTime;

use crate::text::{Text, Texts};

/// Lines of the notice area (message, and for errors what to do).
pub const NOTICE_LINES: u16 = 3;
/// Fixed lines of the queue screen around its rows: header 2, tabs 1, column titles 1,
/// notice 3, footer 2.
pub const QUEUE_CHROME_LINES: u16 = 9;
/// Fixed lines of the wizard, detail and ledger screens around their scrolling body.
pub const BODY_CHROME_LINES: u16 = 8;
/// Lines of the agreement step above the text: progress, blank, intro, position.
pub const AGREEMENT_CHROME_LINES: u16 = 4;

/// The station as the header shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StationInfo {
    /// `station.authority` from the config.
    pub authority: String,
    /// `station.desk` from the config.
    pub desk: String,
    pub sandbox: bool,
    /// Sandbox only: where the demo officer's PIN is kept (shown on the sign-in screen).
    pub sandbox_pin_file: Option<String>,
}

/// Who is signed in at the desk: after token sign-in (Pasal 21) the id (NIP) and name from the
/// officer certificate on the token; without an officer token configured, the `--officer` /
/// `KUSTODI_OFFICER` id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Officer {
    pub id: Option<String>,
    /// Serial of the officer's token once signed in with it.
    pub token: Option<String>,
    /// Name on the officer certificate (token sign-in).
    pub name: Option<String>,
}

/// Why the desk is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockReason {
    /// The desk just opened: the officer signs in with their token.
    Start,
    /// No key for the idle time: the officer signs in again.
    Idle,
    /// The officer locked the desk (Ctrl-L).
    Manual,
}

/// The sign-in screen over everything else: the officer's token PIN, nothing behind it shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Lock {
    pub reason: LockReason,
    pub pin: PinField,
    /// Why the last try did not sign in (wrong PIN with tries left, …).
    pub error: Option<Text>,
    /// The PIN went to the worker; its answer is awaited.
    pub checking: bool,
}

impl Lock {
    pub fn new(reason: LockReason) -> Self {
        Self {
            reason,
            pin: PinField::default(),
            error: None,
            checking: false,
        }
    }
}

impl Officer {
    /// The ledger actor of this officer (`officer:<id>`), as the CLI writes it.
    pub fn actor(&self) -> Option<String> {
        self.id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|id| format!("officer:{id}"))
    }
}

/// Screens of the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Screen {
    #[default]
    Queue,
    Wizard,
    Detail,
    Ledger,
    /// An in-person issuance ([`IssuanceSession`]): token, PINs, run, result.
    Issuance,
}

/// Tabs of the queue: four of applications, two of issuance sessions (the journal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueTab {
    /// Waiting for a decision (status `submitted`).
    #[default]
    Waiting,
    Approved,
    Rejected,
    All,
    /// Issuance sessions waiting for the offline CA's certificate (session status `parked`).
    Parked,
    /// Issuance sessions that stopped midway (session status `running`): continue or roll back.
    Interrupted,
}

impl QueueTab {
    pub const ALL: [QueueTab; 6] = [
        Self::Waiting,
        Self::Approved,
        Self::Rejected,
        Self::All,
        Self::Parked,
        Self::Interrupted,
    ];

    /// The stored application status the tab shows, `None` for all (and for session tabs).
    pub fn status(self) -> Option<&'static str> {
        match self {
            Self::Waiting => Some("submitted"),
            Self::Approved => Some("approved"),
            Self::Rejected => Some("rejected"),
            Self::All | Self::Parked | Self::Interrupted => None,
        }
    }

    /// The session status a session tab lists; `None` for the application tabs.
    pub fn session_status(self) -> Option<&'static str> {
        match self {
            Self::Parked => Some("parked"),
            Self::Interrupted => Some("running"),
            _ => None,
        }
    }

    pub fn message_id(self) -> &'static str {
        match self {
            Self::Waiting => "desk-tab-waiting",
            Self::Approved => "desk-tab-approved",
            Self::Rejected => "desk-tab-rejected",
            Self::All => "desk-tab-all",
            Self::Parked => "desk-tab-parked",
            Self::Interrupted => "desk-tab-interrupted",
        }
    }

    pub fn index(self) -> usize {
        Self::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

/// Number of applications per status, for the tab labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusCounts {
    pub submitted: u64,
    pub approved: u64,
    pub rejected: u64,
    pub all: u64,
    /// Issuance sessions parked at the offline CA.
    pub parked: u64,
    /// Issuance sessions interrupted midway.
    pub interrupted: u64,
}

/// Key of the session counts among the status pairs of a queue page.
pub const PARKED_COUNT: &str = "session:parked";
/// Key of the interrupted-session count among the status pairs of a queue page.
pub const INTERRUPTED_COUNT: &str = "session:running";

impl StatusCounts {
    pub fn from_pairs(pairs: &[(String, u64)]) -> Self {
        let mut c = Self::default();
        for (status, n) in pairs {
            match status.as_str() {
                "submitted" => c.submitted = *n,
                "approved" => c.approved = *n,
                "rejected" => c.rejected = *n,
                PARKED_COUNT => {
                    c.parked = *n;
                    continue;
                }
                INTERRUPTED_COUNT => {
                    c.interrupted = *n;
                    continue;
                }
                _ => {}
            }
            c.all += n;
        }
        c
    }

    pub fn of(&self, tab: QueueTab) -> u64 {
        match tab {
            QueueTab::Waiting => self.submitted,
            QueueTab::Approved => self.approved,
            QueueTab::Rejected => self.rejected,
            QueueTab::All => self.all,
            QueueTab::Parked => self.parked,
            QueueTab::Interrupted => self.interrupted,
        }
    }
}

/// An issuance session of the journal, as the Parked and Interrupted tabs list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    pub id: String,
    pub application_id: String,
    pub applicant_name: String,
    pub token_serial: String,
    /// The last journal record: step name and phase (`before`/`after`).
    pub step: String,
    pub phase: String,
    /// `running` or `parked`.
    pub status: String,
    pub updated_at: OffsetDateTime,
    /// The offline CA's ticket (parked sessions).
    pub ticket: Option<String>,
    /// The applicant's PIN is already on the token: a resume asks for it once.
    pub pin_set: bool,
    /// Rolling back deletes key objects, which needs the applicant's PIN.
    pub abort_needs_pin: bool,
    /// Firmware profile of the token (its PIN rules, for a new PIN).
    pub profile_id: String,
}

/// The application queue: a window of rows paged from the store around the cursor.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Queue {
    pub tab: QueueTab,
    pub search: String,
    /// The search field has the keyboard.
    pub searching: bool,
    pub counts: StatusCounts,
    /// Applications matching tab and search.
    pub total: u64,
    /// Loaded rows: `rows[i]` is row `window_start + i` of the filtered list.
    pub rows: Vec<ApplicationSummary>,
    pub window_start: u64,
    /// Selected row (index in the filtered list).
    pub cursor: u64,
    /// First visible row.
    pub top: u64,
    /// Whether at least one page has arrived.
    pub loaded: bool,
    /// Id of the latest page request; older replies are dropped.
    pub request: u64,
    /// Select this application when the next page arrives (after a submission).
    pub select: Option<String>,
    /// Sessions of the Parked or Interrupted tab (`None` while loading).
    pub sessions: Option<Vec<SessionSummary>>,
    /// The sessions could not be read (message + what to do).
    pub sessions_error: Option<UserError>,
    /// Highlighted session row.
    pub session_cursor: usize,
}

impl Queue {
    /// The loaded row at list index `i`.
    pub fn row(&self, i: u64) -> Option<&ApplicationSummary> {
        let off = i.checked_sub(self.window_start)?;
        self.rows.get(usize::try_from(off).ok()?)
    }

    pub fn selected(&self) -> Option<&ApplicationSummary> {
        self.row(self.cursor)
    }
}

/// Where the wizard is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WizardStep {
    /// Typing the path of the application file.
    #[default]
    Path,
    /// The form is checked: checklist, problems, submit.
    Review,
}

/// One document of the checklist, ticked by the officer against the paper in front of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChecklistItem {
    pub document: DocumentKind,
    pub presented: bool,
}

/// A checked form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedForm {
    pub path: PathBuf,
    pub form: ApplicationForm,
    pub problems: Vec<Problem>,
}

/// The application wizard: import a file, tick the documents, submit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Wizard {
    pub step: WizardStep,
    /// The path as typed.
    pub path: String,
    pub checked: Option<CheckedForm>,
    /// The file could not be read as an application at all (message + hint).
    pub unreadable: Option<UserError>,
    pub checklist: Vec<ChecklistItem>,
    /// Focused checklist item.
    pub focus: usize,
    /// Lines scrolled by PgUp/PgDn.
    pub scroll: u16,
    /// A check or submission is running.
    pub working: bool,
}

impl Wizard {
    /// The checklist of a kind (Pasal 11), nothing ticked.
    pub fn checklist_for(kind: CertificateKind) -> Vec<ChecklistItem> {
        kind.required_documents()
            .iter()
            .map(|d| ChecklistItem {
                document: *d,
                presented: false,
            })
            .collect()
    }

    pub fn all_ticked(&self) -> bool {
        !self.checklist.is_empty() && self.checklist.iter().all(|i| i.presented)
    }
}

/// An application opened from the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailData {
    pub row: kustodi::store::ApplicationRow,
    pub form: Option<ApplicationForm>,
    pub documents: Vec<kustodi::store::DocumentRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Detail {
    pub id: String,
    pub data: Option<DetailData>,
    pub scroll: u16,
}

/// A modal dialog over the queue or the detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialog {
    Approve {
        id: String,
        name: String,
        sending: bool,
    },
    Reject {
        id: String,
        name: String,
        reason: String,
        /// Why the reason was refused (domain rule or service error).
        error: Option<Text>,
        sending: bool,
    },
}

/// What the desk knows about the ledger.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum LedgerState {
    #[default]
    Unknown,
    Checking,
    Intact {
        events: u64,
        checkpoints: u64,
        head: String,
    },
    Damaged(UserError),
}

/// Kind of a notice line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
    Error,
}

/// The message shown above the footer: what happened, and for errors what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub tone: Tone,
    pub text: Text,
    /// A [`UserError`] keeps its own hint (translated with the desk's wording).
    pub error: Option<UserError>,
}

impl Notice {
    pub fn info(text: Text) -> Self {
        Self {
            tone: Tone::Info,
            text,
            error: None,
        }
    }
    pub fn success(text: Text) -> Self {
        Self {
            tone: Tone::Success,
            text,
            error: None,
        }
    }
    pub fn refusal(text: Text) -> Self {
        Self {
            tone: Tone::Error,
            text,
            error: None,
        }
    }
    pub fn error(e: UserError) -> Self {
        Self {
            tone: Tone::Error,
            text: crate::text::error_text(&e),
            error: Some(e),
        }
    }
}

/// Work the worker is doing (shown with a spinner).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    LoadQueue,
    Check,
    Submit,
    Decide,
    LoadDetail,
    VerifyLedger,
    SignIn,
    ListTokens,
    Enroll,
    LoadSessions,
    Abort,
    ExportReceipt,
}

impl Job {
    pub fn message_id(self) -> &'static str {
        match self {
            Self::LoadQueue => "desk-busy-queue",
            Self::Check => "desk-busy-check",
            Self::Submit => "desk-busy-submit",
            Self::Decide => "desk-busy-decide",
            Self::LoadDetail => "desk-busy-detail",
            Self::VerifyLedger => "desk-busy-ledger",
            Self::SignIn => "desk-busy-sign-in",
            Self::ListTokens => "desk-busy-tokens",
            Self::Enroll => "desk-busy-enroll",
            Self::LoadSessions => "desk-busy-sessions",
            Self::Abort => "desk-busy-abort",
            Self::ExportReceipt => "desk-busy-export",
        }
    }
}

/// The steps of an in-person issuance, as the progress list of the Issuance screen shows them.
pub const ISSUANCE_STEPS: [&str; 7] = [
    "desk-issue-step-identity",
    "desk-issue-step-agreement",
    "desk-issue-step-token",
    "desk-issue-step-applicant-pin",
    "desk-issue-step-officer-pin",
    "desk-issue-step-run",
    "desk-issue-step-result",
];

/// A PIN being typed at the desk. The text lives in a [`Pin`] (zeroized when dropped or
/// replaced); `Debug` shows no character of it and the view one `•` per character.
#[derive(Clone, Default)]
pub struct PinField(Pin);

impl PinField {
    /// Characters typed (the view draws as many `•`).
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn push(&mut self, c: char) {
        let mut text = String::with_capacity(self.0.expose().len() + c.len_utf8());
        text.push_str(self.0.expose());
        text.push(c);
        // `Pin::new` copies and zeroizes `text`; the old PIN is zeroized when replaced.
        self.0 = Pin::new(text);
    }
    pub fn pop(&mut self) -> bool {
        let mut chars = self.0.expose().chars();
        if chars.next_back().is_none() {
            return false;
        }
        self.0 = Pin::new(chars.as_str().to_owned());
        true
    }
    /// Forgets the text (zeroized).
    pub fn clear(&mut self) {
        self.0 = Pin::default();
    }
    /// Takes the PIN out, leaving the field empty.
    pub fn take(&mut self) -> Pin {
        std::mem::take(&mut self.0)
    }
    pub fn same_as(&self, other: &PinField) -> bool {
        self.0 == other.0
    }
    pub fn pin(&self) -> &Pin {
        &self.0
    }
}

impl std::fmt::Debug for PinField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinField(***)")
    }
}

impl PartialEq for PinField {
    /// Compares the lengths only: equality of models never looks at a PIN.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
    }
}
impl Eq for PinField {}

/// A PIN handed from the desk to the worker inside an [`crate::msg::Effect`]. Shared, never
/// copied: the [`Pin`] is zeroized when the last holder drops it. Equality is identity (no
/// comparison of the text), and `Debug` is masked.
#[derive(Clone)]
pub struct SecretPin(Arc<Pin>);

impl SecretPin {
    pub fn new(pin: Pin) -> Self {
        Self(Arc::new(pin))
    }
    pub fn pin(&self) -> &Pin {
        &self.0
    }
}

impl std::fmt::Debug for SecretPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretPin(***)")
    }
}

impl PartialEq for SecretPin {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
impl Eq for SecretPin {}

/// A token the desk may issue on: seen by the station's PKCS#11 module, with a serial, not one
/// of the station's own tokens (station key, CA, officers, staff) and `stock` in the inventory
/// (or not in it yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenChoice {
    pub uri: String,
    pub label: String,
    pub serial: String,
    pub manufacturer: String,
    pub model: String,
    /// The firmware profile the token is recognised as (its PIN rules).
    pub profile_id: String,
    /// Already registered as stock (else unknown to the inventory yet).
    pub registered: bool,
    /// Firmware version as the token reports it.
    pub firmware: String,
    /// The user-PIN rules of its model: shortest, longest, characters (`digits`/`alnum`/`any`).
    pub pin_min: u32,
    pub pin_max: u32,
    pub pin_charset: &'static str,
    /// The station's verdict for each of [`ISSUANCE_ALGORITHMS`] on this token and firmware.
    pub verdicts: Vec<kustodi::enroll::AlgorithmAssessment>,
}

impl TokenChoice {
    /// The verdict for one algorithm (none: not assessed, treated as allowed by the run's own
    /// check).
    pub fn verdict(&self, algorithm: &str) -> Option<&kustodi::enroll::AlgorithmAssessment> {
        self.verdicts.iter().find(|v| v.algorithm == algorithm)
    }
}

/// How an issuance run ended without a certificate, as the result step shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuanceFailure {
    pub error: UserError,
    /// The enrolment session left open (a token pulled out mid-way): `kustodi session resume`
    /// continues it.
    pub session: Option<String>,
}

/// Where an issuance is.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum IssuanceStep {
    /// The officer checks the applicant in front of them against the approved form and its
    /// documents (Pasal 14(4)).
    #[default]
    Identity,
    /// The subscriber agreement, shown in full; accepted only once read to the end (Pasal 14(5)).
    Agreement,
    /// Choosing the applicant's token from the list.
    Token,
    /// An interrupted session opened from the queue: continue it or roll it back.
    Resume,
    /// The applicant types their new PIN, twice.
    ApplicantPin,
    /// The officer types their officer-token PIN.
    OfficerPin,
    /// The worker signs the officer in and runs the enrolment.
    Running,
    /// Certificate on the token, receipt signed.
    Done(kustodi::enroll::Summary),
    /// The request went to the offline CA.
    Parked {
        session: String,
        ticket: String,
        csr_file: PathBuf,
    },
    Failed(IssuanceFailure),
    /// An interrupted session was rolled back: the half-made key deleted, the token back in
    /// its earlier inventory state, all of it in the ledger.
    Aborted {
        session: String,
        objects_deleted: usize,
        token_state: String,
        revoked: Option<String>,
    },
}

impl IssuanceStep {
    /// Index into [`ISSUANCE_STEPS`].
    pub fn index(&self) -> usize {
        match self {
            Self::Identity => 0,
            Self::Agreement => 1,
            Self::Token | Self::Resume => 2,
            Self::ApplicantPin => 3,
            Self::OfficerPin => 4,
            Self::Running => 5,
            Self::Done(_) | Self::Parked { .. } | Self::Failed(_) | Self::Aborted { .. } => 6,
        }
    }

    /// The session has a result (nothing more to type).
    pub fn finished(&self) -> bool {
        self.index() == 6
    }
}

/// Key algorithms the desk offers (`a` cycles them on the token step); the first is the
/// default of `kustodi enroll`.
pub const ISSUANCE_ALGORITHMS: [&str; 3] = ["p256", "p384", "rsa2048"];

/// One in-person issuance for an approved application.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IssuanceSession {
    pub application_id: String,
    pub applicant_name: String,
    pub step: IssuanceStep,
    /// The approved form, for the identity re-check.
    pub form: Option<ApplicationForm>,
    /// The documents stored with the application.
    pub documents: Vec<kustodi::store::DocumentRow>,
    /// First line on screen of the step's scrolling text (identity form, agreement).
    pub scroll: u16,
    /// The last line of the agreement has been on screen (in `agreement_lang`).
    pub agreement_read: bool,
    /// Language of the agreement shown (and of the receipt once accepted).
    pub agreement_lang: Lang,
    /// Index into [`ISSUANCE_ALGORITHMS`].
    pub algorithm: usize,
    /// The interrupted session this screen continues or rolls back (a resume).
    pub resume: Option<SessionSummary>,
    /// The officer chose to roll the interrupted session back (PIN asked once, then abort).
    pub rolling_back: bool,
    /// Tokens found (`None` while the list is loading).
    pub tokens: Option<Vec<TokenChoice>>,
    /// The list could not be read (message + what to do).
    pub tokens_error: Option<UserError>,
    /// Highlighted row of the token list.
    pub cursor: usize,
    /// The token chosen with Enter.
    pub token: Option<TokenChoice>,
    /// The applicant's first entry.
    pub applicant_pin: PinField,
    /// The applicant's second entry (typed after Enter on the first).
    pub applicant_pin_again: PinField,
    /// The first entry is done; the second is being typed.
    pub confirming: bool,
    /// The officer's PIN being typed.
    pub officer_pin: PinField,
    /// The applicant's confirmed PIN, kept only while the officer types their PIN and the
    /// run is under way (a wrong officer PIN asks for the officer's PIN alone again);
    /// dropped (zeroized) with any result and when the screen is left.
    pub confirmed_pin: Option<SecretPin>,
    /// Why the PIN step asks again (mismatch, PIN rules, wrong officer PIN).
    pub pin_error: Option<Text>,
    /// The step of the run under way, as the worker reports it (one of
    /// [`kustodi::enroll::STEPS`]).
    pub run_step: Option<&'static str>,
    /// Where the receipt of a finished issuance was written (`.p7s`, `.txt`).
    pub exported: Option<(PathBuf, PathBuf)>,
    /// When the token list was last asked for (it is asked again every few seconds on the
    /// token step, so inserting or pulling a token shows).
    pub tokens_asked: Option<OffsetDateTime>,
}

impl IssuanceSession {
    pub fn new(application_id: String, applicant_name: String) -> Self {
        Self {
            application_id,
            applicant_name,
            ..Self::default()
        }
    }

    /// A new issuance of an opened, approved application: identity re-check first.
    pub fn start(detail: &DetailData, lang: Lang) -> Self {
        Self {
            application_id: detail.row.id.clone(),
            applicant_name: detail.row.applicant_name.clone(),
            form: detail.form.clone(),
            documents: detail.documents.clone(),
            agreement_lang: lang,
            ..Self::default()
        }
    }

    /// An interrupted session opened from the queue.
    pub fn resuming(s: SessionSummary, lang: Lang) -> Self {
        Self {
            application_id: s.application_id.clone(),
            applicant_name: s.applicant_name.clone(),
            step: IssuanceStep::Resume,
            agreement_lang: lang,
            resume: Some(s),
            ..Self::default()
        }
    }

    /// The key algorithm chosen.
    pub fn algorithm(&self) -> &'static str {
        ISSUANCE_ALGORITHMS[self.algorithm % ISSUANCE_ALGORITHMS.len()]
    }

    /// The applicant types their PIN once (a resume or roll-back when it is on the token).
    pub fn pin_once(&self) -> bool {
        self.resume
            .as_ref()
            .is_some_and(|r| r.pin_set || self.rolling_back)
    }

    /// Forgets every PIN typed or held (zeroized).
    pub fn clear_pins(&mut self) {
        self.applicant_pin.clear();
        self.applicant_pin_again.clear();
        self.officer_pin.clear();
        self.confirming = false;
        self.confirmed_pin = None;
    }
}

/// The whole desk.
#[derive(Debug, Clone)]
pub struct Model {
    pub lang: Lang,
    pub texts: Arc<Texts>,
    pub station: StationInfo,
    pub officer: Officer,
    /// The clock as of the last tick (UTC).
    pub now: OffsetDateTime,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub screen: Screen,
    pub queue: Queue,
    pub wizard: Wizard,
    pub detail: Option<Detail>,
    pub dialog: Option<Dialog>,
    pub ledger: LedgerState,
    pub session: Option<IssuanceSession>,
    pub notice: Option<Notice>,
    /// Jobs sent to the worker and not answered yet, oldest first.
    pub pending: Vec<Job>,
    /// Advances on every tick while busy.
    pub spinner: usize,
    pub quit: bool,
    /// Source of request ids.
    pub next_request: u64,
    /// The sign-in screen, while the desk is locked.
    pub lock: Option<Lock>,
    /// Lock after this long without a key (token sign-in only).
    pub idle_lock: Option<time::Duration>,
    /// When the last key was pressed.
    pub last_input: OffsetDateTime,
}

impl Model {
    pub fn new(
        lang: Lang,
        texts: Arc<Texts>,
        station: StationInfo,
        officer: Officer,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            lang,
            texts,
            station,
            officer,
            now,
            size: (80, 24),
            screen: Screen::Queue,
            queue: Queue::default(),
            wizard: Wizard::default(),
            detail: None,
            dialog: None,
            ledger: LedgerState::Unknown,
            session: None,
            notice: None,
            pending: vec![],
            spinner: 0,
            quit: false,
            next_request: 0,
            lock: None,
            idle_lock: None,
            last_input: now,
        }
    }

    /// Token sign-in: the desk opens locked and locks itself after `idle` without a key.
    pub fn with_token_sign_in(mut self, idle: Option<time::Duration>) -> Self {
        self.lock = Some(Lock::new(LockReason::Start));
        self.idle_lock = idle;
        self
    }

    /// Rows of the queue table that fit the terminal.
    pub fn queue_rows(&self) -> u64 {
        u64::from(self.size.1.saturating_sub(QUEUE_CHROME_LINES).max(1))
    }

    /// Lines of a scrolling body that fit the terminal.
    pub fn body_lines(&self) -> u16 {
        self.size.1.saturating_sub(BODY_CHROME_LINES).max(1)
    }

    /// Agreement lines on screen: the issuance body less progress, blank, intro and position.
    pub fn agreement_room(&self) -> u16 {
        self.body_lines()
            .saturating_sub(AGREEMENT_CHROME_LINES)
            .max(1)
    }

    /// Width the agreement is wrapped to (one column of margin each side).
    pub fn agreement_width(&self) -> usize {
        usize::from(self.size.0.saturating_sub(2)).max(8)
    }

    /// Rows of the session table that fit the terminal.
    pub fn session_rows(&self) -> usize {
        usize::from(self.size.1.saturating_sub(QUEUE_CHROME_LINES).max(1))
    }

    pub fn busy(&self) -> Option<Job> {
        self.pending.last().copied()
    }
}
