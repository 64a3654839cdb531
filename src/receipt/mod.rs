//! Signed receipt (*bukti tanda terima*) of an issued certificate, Pasal 14(5)-(6).
//!
//! The receipt is a canonical JSON [`ReceiptBody`] carried, attached, in a CMS `SignedData`
//! (RFC 5652) with two signers:
//!
//! * the **officer** of the OP, with the key on the officer's own token, vouching that the
//!   certificate and token were handed over as described; and
//! * the **applicant**, with the key just generated on the applicant's token, whose signature
//!   over the body (which names the subscriber agreement by SHA-256) is the applicant's
//!   acceptance of the agreement (Pasal 14(5)).
//!
//! [`build_receipt`] makes the DER `ContentInfo`; [`verify_receipt`] checks it the way an
//! auditor with OpenSSL would, plus the binding of the body to the two certificates;
//! [`render_text`] prints the page handed to the applicant. See `docs/formats/receipt.md`.

mod agreement;
mod body;
mod render;
mod signed;

#[cfg(test)]
mod test_ca;
#[cfg(test)]
mod tests;

pub use agreement::{Agreement, Lang, agreement_hash};
pub use body::{
    ATTESTATION_RESULTS, FORMAT, ReceiptAgreement, ReceiptApplicant, ReceiptAttestation,
    ReceiptBody, ReceiptCa, ReceiptCertificate, ReceiptIdentityCheck, ReceiptKey, ReceiptOfficer,
    ReceiptToken, certificate_sha256, known_agreement, nik_binding, spki_sha256, to_canonical_json,
};
pub use render::{group_hex, render_text};
pub use signed::{
    SigningTimes, VerifiedDocument, VerifiedReceipt, build_receipt, build_signed_document,
    receipt_sha256, verify_receipt, verify_signed_document,
};

/// Why a receipt could not be built, parsed or trusted.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    /// Not a well-formed receipt: bad DER, wrong content type, missing attribute, …
    #[error("the receipt is malformed: {0}")]
    Malformed(String),
    /// The body's SHA-256 is not the message digest a signer signed.
    #[error("the receipt body does not match the digest signed by {signer}")]
    DigestMismatch { signer: String },
    /// The signature over the signed attributes does not verify with the signer's certificate.
    #[error("the signature of {signer} does not verify")]
    BadSignature { signer: String },
    /// The signer's certificate is not issued (and signed) by any trust anchor.
    #[error("the certificate of {signer} is not issued by a trusted CA")]
    UntrustedSigner { signer: String },
    /// A certificate (signer's or its CA's) was not valid at the signer's signing time.
    #[error("the certificate of {signer} was not valid at the signing time {at}")]
    CertificateNotValid { signer: String, at: String },
    /// The signer's certificate does not allow signing (key usage).
    #[error("the certificate of {signer} does not allow digitalSignature/nonRepudiation")]
    UnsuitableCertificate { signer: String },
    /// A signing time lies after the verification time (beyond the allowed clock skew).
    #[error("{signer} claims a signing time {at} in the future")]
    SigningTimeInFuture { signer: String, at: String },
    /// A receipt has exactly two signers (the officer and the applicant); an audit report one.
    #[error("the signed document must have {expected} signer(s), found {found}")]
    WrongSignerCount { expected: usize, found: usize },
    /// Both signer infos use the same certificate.
    #[error("both signatures are made with the same certificate ({signer})")]
    DuplicateSigner { signer: String },
    /// The body names something other than what the CMS carries.
    #[error("the receipt body field {field} does not match the signed data")]
    BodyMismatch { field: &'static str },
    /// The body is not a valid `kustodi-receipt-v1` document.
    #[error("the receipt body is invalid: {0}")]
    BodyInvalid(String),
    /// The agreement the body names is none of the texts this station knows.
    #[error("the receipt names an unknown subscriber agreement ({version}/{lang}, {sha256})")]
    UnknownAgreement {
        sha256: String,
        version: String,
        lang: String,
    },
    /// The body is valid JSON but not in canonical form.
    #[error("the receipt body is not canonical JSON")]
    BodyNotCanonical,
    /// An algorithm the receipt format does not allow.
    #[error("unsupported algorithm {oid}")]
    UnsupportedAlgorithm { oid: String },
    /// (Building) the signer's public key is not the one in the certificate handed with it.
    #[error("the key of {signer} is not the key in its certificate")]
    SignerKeyMismatch { signer: String },
    /// (Building) the signer (a token) failed to sign.
    #[error("{signer} could not sign: {reason}")]
    Signing { signer: String, reason: String },
    /// (Building) DER encoding failed.
    #[error("encoding failed: {0}")]
    Encoding(String),
}
