//! The checkpoint witness as a port: a place outside the database, which the database's
//! writer cannot roll back, that keeps the latest sealed checkpoint.
//!
//! The station's adapter is a private PKCS#11 data object on the station token
//! (`crate::token::station`, label [`LATEST_CHECKPOINT_LABEL`]); the value is the checkpoint in
//! the exported-checkpoint JSON format (`docs/formats/ledger.md` §3.2). A token with a
//! monotonic counter, or a TPM NV index, could be another adapter: it must only keep the last
//! value written, readable by the station.

use super::signer::SignError;

/// `CKA_LABEL` of the data object holding the latest checkpoint on the station token.
pub const LATEST_CHECKPOINT_LABEL: &str = "kustodi-latest-checkpoint";

/// Keeps the latest checkpoint (encoded by the caller) outside the database.
pub trait CheckpointWitness {
    /// The value written last, or `None` when nothing was ever written (a station set up
    /// before the witness existed).
    fn read_latest(&self) -> Result<Option<Vec<u8>>, SignError>;
    /// Replaces the value in place.
    fn write_latest(&self, value: &[u8]) -> Result<(), SignError>;
}
