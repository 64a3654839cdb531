//! Turns the library's typed errors into a message and a hint in the user's language.

use kustodi::archive::ArchiveError;
use kustodi::domain::application::FormError;
use kustodi::domain::ledger::VerifyError;
use kustodi::home::HomeError;
use kustodi::ports::SignError;
use kustodi::service::ServiceError;
use kustodi::store::StoreError;
use serde_json::json;

use super::output::{CliError, Out};

/// A form that cannot be read as an application: a refusal with one problem.
pub fn form_error(out: &Out, e: &FormError) -> CliError {
    let args: Vec<(&str, String)> = e.message_args().into_iter().collect();
    let fargs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let message = out.t(e.message_id(), &fargs);
    let code = e.message_id().trim_start_matches("form-error-");
    let mut err = CliError::refused("application.unreadable", e.message_id())
        .hint("hint-fix-form")
        .data(json!({"valid": false, "problems": [
            {"field": "", "code": format!("form.{code}"), "message": message}
        ]}));
    err.args = args;
    err
}

fn verify_error(e: VerifyError) -> CliError {
    use VerifyError::*;
    let base =
        |id: &'static str| CliError::refused("ledger.invalid", id).hint("hint-ledger-invalid");
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
        BadCheckpointFile { reason } => CliError::failed(
            "ledger.bad_checkpoint_file",
            "err-ledger-bad-checkpoint-file",
        )
        .arg("reason", reason)
        .hint("hint-checkpoint-file"),
    }
}

fn sign_error(e: SignError) -> CliError {
    let base =
        |id: &'static str| CliError::failed("station_key.unavailable", id).hint("hint-station-key");
    match e {
        SignError::TokenNotFound { label } => base("err-station-token-missing").arg("label", label),
        SignError::KeyNotFound { label } => base("err-station-key-missing").arg("label", label),
        SignError::PinIncorrect => base("err-station-pin-incorrect"),
        SignError::PinLocked => base("err-station-pin-locked"),
        SignError::Token(reason) => base("err-station-token").arg("reason", reason),
    }
}

fn store_error(e: StoreError) -> CliError {
    match e {
        StoreError::NotFound { what, id } => CliError::refused("not_found", "err-not-found")
            .arg("what", what)
            .arg("id", id)
            .hint("hint-list"),
        StoreError::SchemaTooNew { found, supported } => {
            CliError::failed("store.schema_too_new", "err-schema-too-new")
                .arg("found", found)
                .arg("supported", supported)
                .hint("hint-upgrade")
        }
        StoreError::Ledger(v) => verify_error(v),
        StoreError::Sign(s) => sign_error(s),
        other => CliError::failed("store.failed", "err-store")
            .arg("reason", other)
            .hint("hint-store"),
    }
}

fn archive_error(e: ArchiveError) -> CliError {
    match e {
        ArchiveError::NotForThisIdentity { name } => {
            CliError::refused("archive.wrong_identity", "err-archive-wrong-identity")
                .arg("name", name)
                .hint("hint-archive-identity")
        }
        ArchiveError::BadIdentity { path } => {
            CliError::failed("archive.bad_identity", "err-archive-bad-identity")
                .arg("path", path.display())
                .hint("hint-archive-identity")
        }
        ArchiveError::HashMismatch { name } | ArchiveError::Missing { name } => {
            CliError::failed("archive.damaged", "err-archive-damaged")
                .arg("name", name)
                .hint("hint-ledger-invalid")
        }
        other => CliError::failed("archive.failed", "err-archive")
            .arg("reason", other)
            .hint("hint-config"),
    }
}

/// Every service error as a message + hint.
pub fn from_service(e: ServiceError) -> CliError {
    match e {
        ServiceError::Home(HomeError::NotInitialised { path }) => {
            CliError::failed("home.not_initialised", "err-home-not-initialised")
                .arg("path", path.display())
                .hint("hint-sandbox-init")
        }
        ServiceError::Home(HomeError::AlreadyInitialised { path }) => {
            CliError::refused("home.exists", "err-home-exists")
                .arg("path", path.display())
                .hint("hint-home-exists")
        }
        ServiceError::Home(HomeError::BadConfig { path, reason }) => {
            CliError::failed("home.bad_config", "err-bad-config")
                .arg("path", path.display())
                .arg("reason", reason)
                .hint("hint-config")
        }
        ServiceError::Home(HomeError::NoDefault) => {
            CliError::failed("home.none", "err-no-home").hint("hint-sandbox-init")
        }
        ServiceError::Home(HomeError::Io { path, source }) => {
            CliError::failed("io.failed", "err-io")
                .arg("path", path.display())
                .arg("reason", source)
                .hint("hint-io")
        }
        ServiceError::Store(s) => store_error(s),
        ServiceError::Archive(a) => archive_error(a),
        ServiceError::Sign(s) => sign_error(s),
        ServiceError::Profile(p) => CliError::failed("profile.invalid", "err-profile")
            .arg("reason", p)
            .hint("hint-profile"),
        ServiceError::Transition(t) => {
            let mut err =
                CliError::refused("application.transition", t.message_id()).hint("hint-transition");
            err.args = t.message_args().into_iter().collect();
            err
        }
        ServiceError::Read { path, source } => {
            let id = if source.kind() == std::io::ErrorKind::NotFound {
                "err-file-not-found"
            } else {
                "err-read"
            };
            CliError::failed("io.read", id)
                .arg("path", path.display())
                .arg("reason", source)
                .hint("hint-io")
        }
        ServiceError::Write { path, source } => CliError::failed("io.write", "err-write")
            .arg("path", path.display())
            .arg("reason", source)
            .hint("hint-io"),
        ServiceError::TooLarge { path, size, limit } => {
            CliError::failed("input.too_large", "err-too-large")
                .arg("path", path.display())
                .arg("size", size)
                .arg("limit", limit)
                .hint("hint-too-large")
        }
        ServiceError::Form(f) => {
            let mut err =
                CliError::refused("application.unreadable", f.message_id()).hint("hint-fix-form");
            err.args = f.message_args().into_iter().collect();
            err
        }
        ServiceError::Invalid(problems) => {
            CliError::refused("application.invalid", "app-submit-refused")
                .arg("count", problems.len())
        }
        ServiceError::NoSuchDocument { id, kind } => {
            CliError::refused("application.no_document", "err-no-document")
                .arg("id", id)
                .arg("kind", kind)
                .hint("hint-show")
        }
        ServiceError::CorruptRecord { id, reason } => {
            CliError::failed("store.corrupt", "err-corrupt-record")
                .arg("id", id)
                .arg("reason", reason)
                .hint("hint-ledger-invalid")
        }
    }
}
