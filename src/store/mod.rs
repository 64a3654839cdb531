//! Persistence adapter: the custody ledger and the station's records in one SQLite file.
//!
//! Rows are plain strings and integers; the service layer maps them to domain types. Every
//! write goes through a unit of work ([`SqliteStore::unit_of_work`]) that seals the events it
//! appended with a signed checkpoint before committing.

pub mod ca;
pub mod enrolment;
pub mod lifecycle;
pub mod records;
pub mod reports;
pub mod sqlite;

pub use records::RecordsReport;
pub use sqlite::{SqliteStore, UnitOfWork};

use time::OffsetDateTime;

use crate::domain::ledger::{EventError, VerifyError};
use crate::ports::SignError;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the database has schema version {found}, newer than this program supports ({supported}); \
         use a newer kustodi"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    #[error("the database holds corrupt data: {0}")]
    Corrupt(String),
    #[error("the event was rejected: {0}")]
    Event(#[from] EventError),
    #[error("the checkpoint could not be signed: {0}")]
    Sign(#[from] SignError),
    #[error(
        "the signing key {key_id} is not a registered station key; register it with \
         `register_station_key` in a unit of work signed by it"
    )]
    UnregisteredKey { key_id: String },
    #[error("the ledger failed verification: {0}")]
    Ledger(#[from] VerifyError),
    /// A record row is not what the ledger says (issue 16): edited, added or deleted outside
    /// the station.
    #[error("{0}")]
    Record(#[from] crate::domain::record::RecordMismatch),
    #[error("a verification thread failed")]
    VerifierPanicked,
    #[error(transparent)]
    Rollback(#[from] crate::domain::witness::RollbackError),
    #[error(
        "the unit of work was committed and sealed, but the station token's copy of the \
         checkpoint could not be updated: {0}"
    )]
    WitnessWrite(SignError),
}

/// A new application to insert; its id (`APP-000001`, …) is allocated by the store. Status
/// values belong to the application domain; the store keeps them as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    pub kind: String,
    pub status: String,
    pub applicant_name: String,
    pub department: String,
    /// The application form as JSON text.
    pub form_json: String,
    pub submitted_by: String,
}

/// A stored application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRow {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub applicant_name: String,
    pub department: String,
    pub form_json: String,
    pub submitted_at: OffsetDateTime,
    pub submitted_by: String,
    pub decided_at: Option<OffsetDateTime>,
    pub decided_by: Option<String>,
    pub decision_reason: Option<String>,
}

/// Which applications [`SqliteStore::list_applications`] returns, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationFilter {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub limit: u32,
    pub offset: u32,
}

impl Default for ApplicationFilter {
    fn default() -> Self {
        Self {
            status: None,
            kind: None,
            limit: 100,
            offset: 0,
        }
    }
}

/// A page of the application queue ([`SqliteStore::application_summaries`]): oldest first,
/// optionally only one status and only applications whose id, applicant name or department
/// contains `search` (ASCII case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationQuery {
    pub status: Option<String>,
    pub search: Option<String>,
    pub limit: u32,
    pub offset: u64,
}

/// The columns of an application a queue shows (no form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationSummary {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub applicant_name: String,
    pub department: String,
    pub submitted_at: OffsetDateTime,
}

/// A document to attach to an application (the file itself lives in the archive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocument {
    pub application_id: String,
    pub kind: String,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
    pub size: u64,
    pub archive_name: String,
    pub original_name: String,
}

/// A stored document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRow {
    pub id: i64,
    pub application_id: String,
    pub kind: String,
    pub sha256: String,
    pub size: u64,
    pub archive_name: String,
    pub original_name: String,
}

/// A registered station key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationKeyRow {
    pub key_id: String,
    pub spki_der: Vec<u8>,
    pub label: String,
    pub added_at: OffsetDateTime,
}
