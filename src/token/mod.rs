//! Token adapters: PKCS#11 (SoftHSM2, OpenSC, vendor modules) and the pieces around them.
//!
//! * [`pkcs11`]: the [`crate::ports::token`] port over `cryptoki`.
//! * [`piv`]: the same port for YubiKey PIV (`yubikey` crate); [`attestation`]: Yubico PIV
//!   attestation verification against pinned roots.
//! * [`uri`]: RFC 7512 PKCS#11 URIs, the only way tokens and objects are addressed.
//! * [`station`]: the station key that signs ledger checkpoints ([`crate::ports::CheckpointSigner`]).
//! * [`signer`]: a RustCrypto signer over any token session (CSRs, CMS).
//! * [`softhsm`]: SoftHSM2 configuration for the sandbox and tests.
//! * [`profiles`]: token-model profiles (`firmware-profiles/`) loaded and checked.
//! * [`readers`]: PC/SC reader and card presence (pcscd).
//! * [`report`]: token info → profile match and verdict per algorithm.

pub mod attestation;
pub mod piv;
pub mod pkcs11;
pub mod profiles;
pub mod readers;
pub mod report;
pub mod signer;
pub mod softhsm;
pub mod station;
pub mod uri;

pub use pkcs11::{Pkcs11Module, Pkcs11Provider, Pkcs11Session};
pub use signer::{TokenPublicKey, TokenSignature, TokenSigner};
pub use station::{STATION_KEY_LABEL, StationKey};
pub use uri::{ObjectType, Pkcs11Uri};
