//! Turns the library's typed errors into a message and a hint in the user's language.
//!
//! Shared by the CLI (which prints them, with exit codes) and the desk (which shows them in
//! its notice area). (Moved here from the CLI's `errors.rs` and `output.rs`.)

use fluent_bundle::FluentValue;
use serde_json::{Value, json};

use crate::archive::ArchiveError;
use crate::domain::application::FormError;
use crate::domain::ledger::VerifyError;
use crate::domain::problem::Problem;
use crate::domain::witness::RollbackError;
use crate::home::HomeError;
use crate::i18n::Messages;
use crate::ports::SignError;
use crate::service::ServiceError;
use crate::store::StoreError;

/// Process exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done.
    Ok = 0,
    /// A refusal: invalid application, refused transition, failed verification.
    Refused = 1,
    /// A usage, configuration or I/O error.
    Failed = 2,
}

/// An error as a person reads it: what went wrong and what to do, by message id (the CLI
/// prints it, the desk shows it).
#[derive(Debug, Clone, PartialEq)]
pub struct UserError {
    pub exit: Exit,
    /// Stable code for scripts (`--json`), e.g. `not_found`.
    pub code: &'static str,
    /// Message id in the Fluent catalogue.
    pub message: &'static str,
    /// Message id of the hint (what to do next).
    pub hint: Option<&'static str>,
    pub args: Vec<(&'static str, String)>,
    /// Extra structured data for `--json` (e.g. the problems of an application).
    pub data: Option<Value>,
}

impl UserError {
    pub fn new(exit: Exit, code: &'static str, message: &'static str) -> Self {
        Self {
            exit,
            code,
            message,
            hint: None,
            args: vec![],
            data: None,
        }
    }
    pub fn refused(code: &'static str, message: &'static str) -> Self {
        Self::new(Exit::Refused, code, message)
    }
    pub fn failed(code: &'static str, message: &'static str) -> Self {
        Self::new(Exit::Failed, code, message)
    }
    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self
    }
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
    pub fn data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
    /// The message in the language of `msg`.
    pub fn message_text(&self, msg: &Messages) -> String {
        msg.text(self.message, &self.str_args())
    }

    /// The hint (what to do) in the language of `msg`, if there is one.
    pub fn hint_text(&self, msg: &Messages) -> Option<String> {
        self.hint.map(|h| msg.text(h, &self.str_args()))
    }

    /// The arguments as `&str` pairs (for [`Messages::text`]).
    pub fn str_args(&self) -> Vec<(&str, &str)> {
        self.args.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }
}

/// A validation problem as text in the language of `msg`.
pub fn problem_text(msg: &Messages, p: &Problem) -> String {
    let args: Vec<(&str, FluentValue<'_>)> = p
        .args
        .iter()
        .map(|(k, v)| (*k, FluentValue::from(v.as_str())))
        .collect();
    msg.get(&p.message_id(), &args)
}

/// A form that cannot be read as an application: a refusal with one problem.
pub fn form_error(msg: &Messages, e: &FormError) -> UserError {
    let args: Vec<(&str, String)> = e.message_args().into_iter().collect();
    let fargs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let message = msg.text(e.message_id(), &fargs);
    let code = e.message_id().trim_start_matches("form-error-");
    let mut err = UserError::refused("application.unreadable", e.message_id())
        .hint("hint-fix-form")
        .data(json!({"valid": false, "problems": [
            {"field": "", "code": format!("form.{code}"), "message": message}
        ]}));
    err.args = args;
    err
}

fn verify_error(e: VerifyError) -> UserError {
    use VerifyError::*;
    let base =
        |id: &'static str| UserError::refused("ledger.invalid", id).hint("hint-ledger-invalid");
    match e {
        HashMismatch { seq } => base("err-ledger-hash-mismatch").arg("seq", seq),
        Gap { expected, found } => base("err-ledger-gap")
            .arg("seq", expected)
            .arg("found", found),
        OutOfOrder { seq, encoded_seq } => base("err-ledger-out-of-order")
            .arg("seq", seq)
            .arg("found", encoded_seq),
        Undecodable { seq, reason } => base("err-ledger-undecodable")
            .arg("seq", seq)
            .arg("reason", reason),
        BadStoredHash { seq } => base("err-ledger-hash-mismatch").arg("seq", seq),
        CheckpointBadSignature { tree_size } => {
            base("err-ledger-checkpoint-signature").arg("size", tree_size)
        }
        CheckpointMismatch {
            tree_size,
            suspect_from,
        } => base("err-ledger-checkpoint-mismatch")
            .arg("size", tree_size)
            .arg("seq", suspect_from),
        CheckpointBeyondLedger { tree_size, events } => base("err-ledger-truncated")
            .arg("size", tree_size)
            .arg("events", events),
        UnsealedTail { from_seq } => base("err-ledger-unsealed").arg("seq", from_seq),
        UnknownKey { tree_size, key_id } => base("err-ledger-unknown-key")
            .arg("size", tree_size)
            .arg("key", key_id),
        BadStationKey { key_id } => base("err-ledger-bad-station-key").arg("key", key_id),
        LedgerShorterThanCheckpoint { tree_size, events } => {
            base("err-ledger-shorter-than-checkpoint")
                .arg("size", tree_size)
                .arg("events", events)
        }
        HeadDiffers { tree_size } => base("err-ledger-head-differs").arg("size", tree_size),
        BadCheckpointFile { reason } => UserError::failed(
            "ledger.bad_checkpoint_file",
            "err-ledger-bad-checkpoint-file",
        )
        .arg("reason", reason)
        .hint("hint-checkpoint-file"),
    }
}

fn rollback_error(e: RollbackError) -> UserError {
    let base = |id: &'static str| {
        UserError::refused("ledger.rolled_back", id).hint("hint-ledger-rolled-back")
    };
    match e {
        RollbackError::RolledBack { token_size, events } => base("err-ledger-rolled-back")
            .arg("size", token_size)
            .arg("events", events),
        RollbackError::HistoryDiffers { tree_size } => {
            base("err-ledger-token-head-differs").arg("size", tree_size)
        }
        RollbackError::BadTokenCheckpoint { reason } => {
            base("err-ledger-token-checkpoint-invalid").arg("reason", reason)
        }
    }
}

fn sign_error(e: SignError) -> UserError {
    let base = |id: &'static str| {
        UserError::failed("station_key.unavailable", id).hint("hint-station-key")
    };
    match e {
        SignError::TokenNotFound { label } => base("err-station-token-missing").arg("label", label),
        SignError::KeyNotFound { label } => base("err-station-key-missing").arg("label", label),
        SignError::PinIncorrect => base("err-station-pin-incorrect"),
        SignError::PinLocked => base("err-station-pin-locked"),
        SignError::Token(reason) => base("err-station-token").arg("reason", reason),
    }
}

fn store_error(e: StoreError) -> UserError {
    match e {
        StoreError::NotFound { what, id } => UserError::refused("not_found", "err-not-found")
            .arg("what", what)
            .arg("id", id)
            .hint("hint-list"),
        StoreError::SchemaTooNew { found, supported } => {
            UserError::failed("store.schema_too_new", "err-schema-too-new")
                .arg("found", found)
                .arg("supported", supported)
                .hint("hint-upgrade")
        }
        StoreError::Ledger(v) => verify_error(v),
        StoreError::Record(m) => {
            let mut err = UserError::refused("ledger.record_mismatch", m.message_id())
                .hint("hint-record-mismatch");
            err.args = m.message_args();
            err
        }
        StoreError::Sign(s) => sign_error(s),
        StoreError::Rollback(r) => rollback_error(r),
        StoreError::WitnessWrite(e) => {
            UserError::failed("ledger.witness_write", "err-ledger-witness-write")
                .arg("reason", e)
                .hint("hint-ledger-witness-write")
        }
        other => UserError::failed("store.failed", "err-store")
            .arg("reason", other)
            .hint("hint-store"),
    }
}

fn archive_error(e: ArchiveError) -> UserError {
    match e {
        ArchiveError::NotForThisIdentity { name } => {
            UserError::refused("archive.wrong_identity", "err-archive-wrong-identity")
                .arg("name", name)
                .hint("hint-archive-identity")
        }
        ArchiveError::BadIdentity { path } => {
            UserError::failed("archive.bad_identity", "err-archive-bad-identity")
                .arg("path", path.display())
                .hint("hint-archive-identity")
        }
        ArchiveError::HashMismatch { name } | ArchiveError::Missing { name } => {
            UserError::failed("archive.damaged", "err-archive-damaged")
                .arg("name", name)
                .hint("hint-ledger-invalid")
        }
        other => UserError::failed("archive.failed", "err-archive")
            .arg("reason", other)
            .hint("hint-config"),
    }
}

/// Every service error as a message + hint.
pub fn from_service(e: ServiceError) -> UserError {
    match e {
        ServiceError::Home(HomeError::NotInitialised { path }) => {
            UserError::failed("home.not_initialised", "err-home-not-initialised")
                .arg("path", path.display())
                .hint("hint-sandbox-init")
        }
        ServiceError::Home(HomeError::AlreadyInitialised { path }) => {
            UserError::refused("home.exists", "err-home-exists")
                .arg("path", path.display())
                .hint("hint-home-exists")
        }
        ServiceError::Home(HomeError::BadConfig { path, reason }) => {
            UserError::failed("home.bad_config", "err-bad-config")
                .arg("path", path.display())
                .arg("reason", reason)
                .hint("hint-config")
        }
        ServiceError::Home(HomeError::NoDefault) => {
            UserError::failed("home.none", "err-no-home").hint("hint-sandbox-init")
        }
        ServiceError::Home(HomeError::Io { path, source }) => {
            UserError::failed("io.failed", "err-io")
                .arg("path", path.display())
                .arg("reason", source)
                .hint("hint-io")
        }
        ServiceError::Store(s) => store_error(s),
        ServiceError::Archive(a) => archive_error(a),
        ServiceError::Sign(s) => sign_error(s),
        ServiceError::Profile(p) => UserError::failed("profile.invalid", "err-profile")
            .arg("reason", p)
            .hint("hint-profile"),
        ServiceError::Transition(t) => {
            let mut err = UserError::refused("application.transition", t.message_id())
                .hint("hint-transition");
            err.args = t.message_args().into_iter().collect();
            err
        }
        ServiceError::Read { path, source } => {
            let id = if source.kind() == std::io::ErrorKind::NotFound {
                "err-file-not-found"
            } else {
                "err-read"
            };
            UserError::failed("io.read", id)
                .arg("path", path.display())
                .arg("reason", source)
                .hint("hint-io")
        }
        ServiceError::Write { path, source } => UserError::failed("io.write", "err-write")
            .arg("path", path.display())
            .arg("reason", source)
            .hint("hint-io"),
        ServiceError::TooLarge { path, size, limit } => {
            UserError::failed("input.too_large", "err-too-large")
                .arg("path", path.display())
                .arg("size", size)
                .arg("limit", limit)
                .hint("hint-too-large")
        }
        ServiceError::Form(f) => {
            let mut err =
                UserError::refused("application.unreadable", f.message_id()).hint("hint-fix-form");
            err.args = f.message_args().into_iter().collect();
            err
        }
        ServiceError::Invalid(problems) => {
            UserError::refused("application.invalid", "app-submit-refused")
                .arg("count", problems.len())
        }
        ServiceError::NoSuchDocument { id, kind } => {
            UserError::refused("application.no_document", "err-no-document")
                .arg("id", id)
                .arg("kind", kind)
                .hint("hint-show")
        }
        ServiceError::CorruptRecord { id, reason } => {
            UserError::failed("store.corrupt", "err-corrupt-record")
                .arg("id", id)
                .arg("reason", reason)
                .hint("hint-ledger-invalid")
        }
    }
}

fn token_reason(e: &crate::ports::token::TokenError) -> String {
    e.to_string()
}

/// Every enrolment error as a message + hint (shared by `kustodi enroll` and the desk).
pub fn enrol_error(e: crate::enroll::EnrolError) -> UserError {
    use crate::enroll::EnrolError as E;
    let refused = UserError::refused;
    let failed = UserError::failed;
    match e {
        E::Service(s) => from_service(s),
        E::NotApproved { id, status } => refused("enrol.not_approved", "err-enrol-not-approved")
            .arg("id", id)
            .arg("status", status)
            .hint("hint-enrol-approve"),
        E::SessionOpen { id, session } => refused("enrol.session_open", "err-enrol-session-open")
            .arg("id", id)
            .arg("session", session)
            .hint("hint-enrol-session"),
        E::TokenNotStock { serial, state } => {
            refused("enrol.token_not_stock", "err-enrol-token-not-stock")
                .arg("serial", serial)
                .arg("state", state)
                .hint("hint-enrol-token")
        }
        E::TokenRefused {
            profile,
            algorithm,
            reasons,
        } => refused("enrol.token_refused", "err-enrol-token-refused")
            .arg("profile", profile)
            .arg("algorithm", algorithm)
            .arg("reasons", reasons)
            .hint("hint-enrol-refused"),
        E::FactorySoPinUnknown { profile } => {
            failed("enrol.factory_so_pin", "err-enrol-factory-so-pin")
                .arg("profile", profile)
                .hint("hint-enrol-factory")
        }
        E::PinPolicy(v) => refused("enrol.pin_policy", "err-enrol-pin-policy")
            .arg("reason", v)
            .hint("hint-enrol-pin"),
        E::PinMismatch => {
            refused("enrol.pin_mismatch", "err-enrol-pin-mismatch").hint("hint-enrol-pin")
        }
        e @ E::OfficerPinIncorrect { .. } => {
            let text = e.to_string();
            let retries = text
                .split_once('(')
                .map(|(_, r)| format!("({r}"))
                .unwrap_or_default();
            refused("enrol.officer_pin", "err-enrol-officer-pin")
                .arg("retries", retries)
                .hint("hint-enrol-officer-pin")
        }
        E::OfficerPinLocked => refused("enrol.officer_pin_locked", "err-enrol-officer-pin-locked")
            .hint("hint-enrol-officer-locked"),
        E::NoOfficerToken => failed("enrol.no_officer_token", "err-enrol-no-officer-token")
            .hint("hint-enrol-officer"),
        E::OfficerKeyMissing { uri } => {
            refused("enrol.officer_key_missing", "err-enrol-officer-key-missing")
                .arg("uri", uri)
                .hint("hint-enrol-officer-cert")
        }
        E::OfficerCertificate { reason } => {
            refused("enrol.officer_certificate", "err-enrol-officer-cert")
                .arg("reason", reason)
                .hint("hint-enrol-officer-cert")
        }
        E::NoCa => failed("enrol.no_ca", "err-enrol-no-ca").hint("hint-enrol-ca"),
        E::KeyRefusedRoca => refused("enrol.key_roca", "err-enrol-roca").hint("hint-enrol-roca"),
        E::Token(t) => failed("enrol.token", "err-enrol-token")
            .arg("reason", token_reason(&t))
            .hint("hint-enrol-token-failed"),
        E::ApplicantPin(t) => refused("enrol.applicant_pin", "err-enrol-applicant-pin")
            .arg("reason", token_reason(&t))
            .hint("hint-enrol-applicant-pin"),
        E::Ca(c) => failed("enrol.ca", "err-enrol-ca")
            .arg("reason", c)
            .hint("hint-enrol-ca-failed"),
        E::Check(c) => refused("enrol.certificate_refused", "err-enrol-check")
            .arg("reason", c)
            .hint("hint-enrol-check"),
        E::Csr(c) => failed("enrol.csr", "err-enrol-csr")
            .arg("reason", c)
            .hint("hint-enrol-token-failed"),
        E::IdentityNotChecked => refused(
            "enrol.identity_not_checked",
            "err-enrol-identity-not-checked",
        )
        .hint("hint-enrol-evidence"),
        E::AgreementNotAccepted => refused(
            "enrol.agreement_not_accepted",
            "err-enrol-agreement-not-accepted",
        )
        .hint("hint-enrol-evidence"),
        E::AgreementUnknown { sha256 } => {
            refused("enrol.agreement_unknown", "err-enrol-agreement-unknown")
                .arg("sha256", sha256)
                .hint("hint-enrol-evidence")
        }
        E::Receipt(crate::receipt::ReceiptError::UnknownAgreement {
            sha256,
            version,
            lang,
        }) => refused("receipt.unknown_agreement", "err-receipt-unknown-agreement")
            .arg("sha256", sha256)
            .arg("version", version)
            .arg("lang", lang)
            .hint("hint-receipt-unknown-agreement"),
        E::Receipt(r) => refused("receipt.invalid", "err-enrol-receipt")
            .arg("reason", r)
            .hint("hint-enrol-receipt"),
        E::Archive(a) => failed("enrol.archive", "err-enrol-archive")
            .arg("reason", a)
            .hint("hint-config"),
        E::SessionState { id, status, what } => {
            refused("enrol.session_state", "err-enrol-session-state")
                .arg("id", id)
                .arg("status", status)
                .arg("what", what)
                .hint("hint-enrol-session-list")
        }
        E::NoParkedSession => {
            refused("enrol.no_parked_session", "err-enrol-no-parked").hint("hint-enrol-import")
        }
        E::Profiles(r) => failed("enrol.profiles", "err-enrol-profiles")
            .arg("reason", r)
            .hint("hint-profile"),
        E::CorruptSession { id, reason } => {
            failed("enrol.corrupt_session", "err-enrol-corrupt-session")
                .arg("id", id)
                .arg("reason", reason)
                .hint("hint-ledger-invalid")
        }
        E::ReceiptNotInLedger { sha256 } => {
            refused("receipt.not_in_ledger", "err-enrol-receipt-not-in-ledger")
                .arg("sha256", sha256)
                .hint("hint-enrol-receipt-ledger")
        }
        E::File { path, reason } => failed("io.read", "err-enrol-file")
            .arg("path", path.display())
            .arg("reason", reason)
            .hint("hint-io"),
        E::Supersede(reason) => failed("renew.supersede", "err-renew-supersede")
            .arg("reason", reason)
            .hint("hint-renew-supersede"),
        E::NotRenewable { serial, status } => refused("renew.not_active", "err-renew-not-active")
            .arg("serial", serial)
            .arg("status", status)
            .hint("hint-renew-not-active"),
        E::OwnCertificate { officer } => refused("lifecycle.own_token", "err-lifecycle-own-token")
            .arg("officer", officer)
            .hint("hint-lifecycle-own-token"),
        E::TokenLabel { label } => refused("token.label", "err-token-label")
            .arg("label", label)
            .hint("hint-token-label"),
        E::InitIncomplete {
            serial,
            stage,
            token_state,
            escrow,
            reason,
        } => failed(
            "token.init_incomplete",
            match token_state {
                "reinitialised" => "err-token-init-reinitialised",
                "so_pin_unknown" => "err-token-init-so-pin-unknown",
                _ => "err-token-init-unrecorded",
            },
        )
        .arg("serial", serial)
        .arg("stage", stage)
        .arg("escrow", escrow.unwrap_or_else(|| "-".into()))
        .arg("reason", reason)
        .hint("hint-token-init-incomplete"),
    }
}
