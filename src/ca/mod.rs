//! The CA port: how the station gets a certificate for a CSR, whichever CA issues it.
//!
//! Two adapters: [`embedded::EmbeddedCa`] (a CA run by the station itself with a key on a
//! token: the sandbox and small deployments) and [`offline::OfflineCa`] (the national CA
//! BSrE, which has no API: the CSR goes out as a file and the certificate comes back as one).
//!
//! Whatever the CA returns is checked with [`crate::certcheck::check`] before it is written to a
//! token. CA state that must survive (issued certificates, revocations, CRL numbers) is kept
//! through [`CaRecords`], which the SQLite store implements for a unit of work
//! (`crate::store::ca`), so issuing a certificate and recording it in the custody ledger commit
//! together.

pub mod acme;
pub mod embedded;
pub mod offline;

use std::fmt;
use std::path::PathBuf;

use time::OffsetDateTime;

use crate::certcheck::{KeyAlgorithm, SignatureProblem};
use crate::csr::CsrError;
use crate::domain::profile::CertificateTemplate;
use crate::store::StoreError;

/// What a CA did with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    /// The certificate is ready.
    Issued {
        /// The end-entity certificate, DER.
        certificate_der: Vec<u8>,
        /// CA certificates above it, issuer first (DER each).
        chain_der: Vec<Vec<u8>>,
    },
    /// The request went out of band; the certificate will be imported later.
    Pending {
        /// What identifies the request when the answer comes back.
        ticket: String,
        /// What the officer must do next, Indonesian then English.
        instructions: String,
    },
}

/// RFC 5280 CRLReason codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RevocationReason {
    Unspecified,
    KeyCompromise,
    CaCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    CertificateHold,
    PrivilegeWithdrawn,
}

impl RevocationReason {
    pub const ALL: [RevocationReason; 8] = [
        Self::Unspecified,
        Self::KeyCompromise,
        Self::CaCompromise,
        Self::AffiliationChanged,
        Self::Superseded,
        Self::CessationOfOperation,
        Self::CertificateHold,
        Self::PrivilegeWithdrawn,
    ];

    /// The RFC 5280 code.
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::CaCompromise => 2,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::CertificateHold => 6,
            Self::PrivilegeWithdrawn => 9,
        }
    }

    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The RFC 5280 name (`keyCompromise`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "keyCompromise",
            Self::CaCompromise => "cACompromise",
            Self::AffiliationChanged => "affiliationChanged",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessationOfOperation",
            Self::CertificateHold => "certificateHold",
            Self::PrivilegeWithdrawn => "privilegeWithdrawn",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }

    pub(crate) fn crl_reason(self) -> x509_cert::ext::pkix::CrlReason {
        use x509_cert::ext::pkix::CrlReason as R;
        match self {
            Self::Unspecified => R::Unspecified,
            Self::KeyCompromise => R::KeyCompromise,
            Self::CaCompromise => R::CaCompromise,
            Self::AffiliationChanged => R::AffiliationChanged,
            Self::Superseded => R::Superseded,
            Self::CessationOfOperation => R::CessationOfOperation,
            Self::CertificateHold => R::CertificateHold,
            Self::PrivilegeWithdrawn => R::PrivilegeWithdrawn,
        }
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a CA did with a revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// Revoked; the next CRL lists it.
    Done {
        serial_hex: String,
        reason: RevocationReason,
        revoked_at: OffsetDateTime,
    },
    /// The revocation request went out of band (BSrE portal).
    Requested {
        ticket: String,
        instructions: String,
    },
}

/// An issued certificate to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedRecord {
    /// Which CA issued it ([`CertificateAuthority::name`]).
    pub ca: String,
    /// Serial number, lowercase hex without leading zero bytes.
    pub serial_hex: String,
    /// Subject, RFC 4514 text.
    pub subject: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// The request (application) it was issued for.
    pub request_id: String,
    pub der: Vec<u8>,
}

/// A recorded revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedRecord {
    pub serial_hex: String,
    pub reason: RevocationReason,
    pub revoked_at: OffsetDateTime,
}

/// Where a CA keeps its state. Implemented by the store's unit of work (`crate::store::ca`);
/// every call happens inside the caller's transaction.
pub trait CaRecords {
    /// The time to stamp on what is recorded now (the unit of work's clock).
    fn now(&self) -> OffsetDateTime;
    /// Whether `ca` already used this serial.
    fn serial_exists(&self, ca: &str, serial_hex: &str) -> Result<bool, StoreError>;
    fn record_issued(&mut self, record: &IssuedRecord) -> Result<(), StoreError>;
    /// An issued certificate, if `ca` issued it.
    fn issued(&self, ca: &str, serial_hex: &str) -> Result<Option<IssuedRecord>, StoreError>;
    /// Records a revocation; returns the earlier one if the serial was already revoked
    /// (nothing is changed then).
    fn record_revocation(
        &mut self,
        ca: &str,
        revocation: &RevokedRecord,
    ) -> Result<Option<RevokedRecord>, StoreError>;
    /// All revocations of `ca`, oldest first.
    fn revocations(&self, ca: &str) -> Result<Vec<RevokedRecord>, StoreError>;
    /// Allocates the next CRL number of `ca` (1, 2, …).
    fn next_crl_number(&mut self, ca: &str) -> Result<u64, StoreError>;
}

/// Why a CA operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("the CSR cannot be read: {reason}")]
    CsrUnreadable { reason: String },
    #[error(
        "the CSR's signature does not verify ({0}); it was altered or not made by the token key"
    )]
    CsrSignatureInvalid(SignatureProblem),
    #[error("the CSR key is {found}, which the profile does not allow (allowed: {allowed:?})")]
    KeyAlgorithmNotAllowed {
        found: KeyAlgorithm,
        allowed: Vec<String>,
    },
    #[error("the template cannot be turned into a certificate: {0}")]
    Template(CsrError),
    #[error("the certificate could not be built or signed: {0}")]
    Build(String),
    #[error("no unused serial number found after {attempts} attempts")]
    SerialExhausted { attempts: u32 },
    #[error("certificate {serial_hex} was not issued by {ca}")]
    NotIssuedHere { ca: String, serial_hex: String },
    #[error("certificate {serial_hex} was already revoked at {revoked_at} ({reason})")]
    AlreadyRevoked {
        serial_hex: String,
        reason: RevocationReason,
        revoked_at: OffsetDateTime,
    },
    #[error("cannot write to the outbox {path}: {reason}")]
    Outbox { path: PathBuf, reason: String },
    #[error("no outgoing request with ticket {ticket}")]
    UnknownTicket { ticket: String },
    #[error("the imported file holds no certificate in PEM, DER or PKCS#7 form: {reason}")]
    ImportUnreadable { reason: String },
    #[error(
        "none of the {count} imported certificate(s) is for the requested key; the file belongs to \
         another request"
    )]
    ImportNoMatchingCertificate { count: usize },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Acme(#[from] acme::AcmeError),
}

impl From<CsrError> for CaError {
    fn from(e: CsrError) -> Self {
        match e {
            CsrError::Unreadable { reason } => CaError::CsrUnreadable { reason },
            CsrError::SignatureInvalid(p) => CaError::CsrSignatureInvalid(p),
            other => CaError::Template(other),
        }
    }
}

/// One certificate request as the CA port sees it.
#[derive(Debug, Clone, Copy)]
pub struct CaRequest<'a> {
    /// The application id (`APP-000001`), recorded with the certificate.
    pub request_id: &'a str,
    /// The PKCS#10 request signed on the token, DER.
    pub csr_der: &'a [u8],
    /// What the certificate must contain.
    pub template: &'a CertificateTemplate,
    /// Who asked (for request sheets and logs).
    pub applicant: &'a str,
    /// Certificate kind (`individual`, `position`, `system`).
    pub kind: &'a str,
}

/// A certificate authority the station can send requests to. Object-safe: the service holds a
/// `Box<dyn CertificateAuthority>` chosen by configuration.
pub trait CertificateAuthority {
    /// A short stable name (`embedded:Kustodi Sandbox CA`, `offline:BSrE`), recorded with
    /// what it issues.
    fn name(&self) -> &str;

    /// Sends a CSR for a certificate with the content of `request.template`.
    fn submit(
        &mut self,
        records: &mut dyn CaRecords,
        request: &CaRequest<'_>,
    ) -> Result<Submission, CaError>;

    /// Revokes the certificate with this serial number (big-endian bytes).
    fn revoke(
        &mut self,
        records: &mut dyn CaRecords,
        serial: &[u8],
        reason: RevocationReason,
    ) -> Result<Revocation, CaError>;
}

/// Serial bytes as stored: lowercase hex without leading zero bytes.
pub fn serial_hex(serial: &[u8]) -> String {
    let first = serial.iter().position(|&b| b != 0).unwrap_or(serial.len());
    hex::encode(&serial[first..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revocation_reasons_round_trip_through_codes_and_names() {
        for r in RevocationReason::ALL {
            assert_eq!(RevocationReason::from_code(r.code()), Some(r));
            assert_eq!(RevocationReason::from_name(r.name()), Some(r));
            assert_eq!(r.crl_reason() as u32, u32::from(r.code()));
        }
        assert_eq!(RevocationReason::from_code(7), None);
    }

    #[test]
    fn serial_hex_drops_leading_zero_bytes() {
        assert_eq!(serial_hex(&[0, 0, 0x7f, 0x01]), "7f01");
        assert_eq!(serial_hex(&[0x00, 0x80]), "80");
    }

    fn _object_safe(_: &dyn CertificateAuthority, _: &dyn CaRecords) {}
}
