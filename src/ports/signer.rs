//! The station's signing key as a port: it seals ledger checkpoints (and later receipts).
//!
//! The key lives on a PKCS#11 token (SoftHSM2 in the sandbox); the private key never leaves it.
//! Signatures are ECDSA P-256 over SHA-256 of the message, DER-encoded (`Ecdsa-Sig-Value`),
//! so anyone holding the station's public key (SPKI) can verify them with standard tools.

/// Why a signature could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("the station key token was not found (label {label})")]
    TokenNotFound { label: String },
    #[error("the station key was not found on token {label}")]
    KeyNotFound { label: String },
    #[error("the station token refused the PIN")]
    PinIncorrect,
    #[error("the station token's PIN is locked")]
    PinLocked,
    #[error("the token failed: {0}")]
    Token(String),
}

/// Signs checkpoints (tree size + head hash) for the custody ledger.
pub trait CheckpointSigner {
    /// A stable identifier of the key: lowercase hex SHA-256 of its SPKI DER.
    fn key_id(&self) -> String;
    /// The public key as SubjectPublicKeyInfo DER.
    fn public_key_spki_der(&self) -> Vec<u8>;
    /// ECDSA P-256 / SHA-256 signature over `message`, DER-encoded.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError>;
    /// Where the latest checkpoint is kept outside the database (the key's own token), if
    /// this signer has such a place. The store writes every seal there after its commit and
    /// refuses to write on a database the witness shows to be rolled back.
    fn witness(&self) -> Option<&dyn super::CheckpointWitness> {
        None
    }
}
