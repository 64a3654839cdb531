//! The check a certificate must pass before it is written to a token.
//!
//! [`check`] answers one question: is this certificate, as issued by whichever CA, the one the
//! station asked for? Same key as on the token, a chain up to a configured trust anchor, valid
//! now, and exactly the key usage, extended key usage and subject alternative names of the
//! template. Every failure is its own [`CheckError`] variant carrying what the officer needs to
//! see (what was expected, what was found).

use std::collections::BTreeSet;
use std::fmt;

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use sha2::{Digest, Sha256, Sha384};
use signature::hazmat::PrehashVerifier;
use spki::DecodePublicKey;
use time::OffsetDateTime;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName};
use x509_cert::time::Time;
use x509_cert::{AlgorithmIdentifier, Certificate, SubjectPublicKeyInfo};

use crate::csr::{extended_key_usage_names, key_usage_names, oid};
use crate::domain::profile::CertificateTemplate;

const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const RSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const RSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");

/// Longest chain (intermediates) followed before giving up.
pub const MAX_CHAIN: usize = 8;

/// A public key algorithm the station knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    P256,
    P384,
    Rsa { bits: usize },
}

impl KeyAlgorithm {
    /// The algorithm of a SubjectPublicKeyInfo.
    pub fn of_spki(spki: &SubjectPublicKeyInfo) -> Result<Self, SignatureProblem> {
        match spki.algorithm.oid {
            EC_PUBLIC_KEY => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
                match curve {
                    Some(SECP256R1) => Ok(Self::P256),
                    Some(SECP384R1) => Ok(Self::P384),
                    other => Err(SignatureProblem::UnsupportedKey {
                        oid: other
                            .map_or_else(|| "EC without a named curve".into(), |o| o.to_string()),
                    }),
                }
            }
            RSA_ENCRYPTION => {
                use rsa::traits::PublicKeyParts as _;
                let der = spki
                    .to_der()
                    .map_err(|e| SignatureProblem::BadKey(e.to_string()))?;
                let key = rsa::PublicKey::from_public_key_der(&der)
                    .map_err(|e| SignatureProblem::BadKey(e.to_string()))?;
                Ok(Self::Rsa {
                    bits: key.n().bit_width() as usize,
                })
            }
            other => Err(SignatureProblem::UnsupportedKey {
                oid: other.to_string(),
            }),
        }
    }

    /// The name profiles use for it (`p256`, `p384`, `rsa2048`, …).
    pub fn profile_name(&self) -> String {
        match self {
            Self::P256 => "p256".into(),
            Self::P384 => "p384".into(),
            Self::Rsa { bits } => format!("rsa{bits}"),
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::P256 => f.write_str("ECDSA P-256"),
            Self::P384 => f.write_str("ECDSA P-384"),
            Self::Rsa { bits } => write!(f, "RSA {bits}"),
        }
    }
}

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureProblem {
    #[error("signature algorithm {oid} is not supported")]
    UnsupportedAlgorithm { oid: String },
    #[error("public key algorithm {oid} is not supported")]
    UnsupportedKey { oid: String },
    #[error("a {signature} signature cannot come from a {key} key")]
    AlgorithmMismatch { signature: String, key: String },
    #[error("the public key is malformed: {0}")]
    BadKey(String),
    #[error("the signature is malformed")]
    BadEncoding,
    #[error("the signature does not match the signed data")]
    Mismatch,
}

#[derive(Clone, Copy)]
enum Hash {
    Sha256,
    Sha384,
}

fn rsa_verify(
    spki_der: &[u8],
    hash: Hash,
    prehash: &[u8],
    sig: &[u8],
) -> Result<(), SignatureProblem> {
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    let key = rsa::PublicKey::from_public_key_der(spki_der)
        .map_err(|e| SignatureProblem::BadKey(e.to_string()))?;
    let sig = Signature::try_from(sig).map_err(|_| SignatureProblem::BadEncoding)?;
    let result = match hash {
        Hash::Sha256 => VerifyingKey::<Sha256>::new(key).verify_prehash(prehash, &sig),
        Hash::Sha384 => VerifyingKey::<Sha384>::new(key).verify_prehash(prehash, &sig),
    };
    result.map_err(|_| SignatureProblem::Mismatch)
}

/// Verifies `sig` over `msg` made with algorithm `alg` by the key `spki`: ECDSA (P-256, P-384)
/// with SHA-256 or SHA-384, RSA PKCS#1 v1.5 with SHA-256 or SHA-384.
pub fn verify_signature(
    spki: &SubjectPublicKeyInfo,
    alg: &AlgorithmIdentifier,
    msg: &[u8],
    sig: &[u8],
) -> Result<(), SignatureProblem> {
    let (ec, hash) = match alg.oid {
        ECDSA_SHA256 => (true, Hash::Sha256),
        ECDSA_SHA384 => (true, Hash::Sha384),
        RSA_SHA256 => (false, Hash::Sha256),
        RSA_SHA384 => (false, Hash::Sha384),
        other => {
            return Err(SignatureProblem::UnsupportedAlgorithm {
                oid: other.to_string(),
            });
        }
    };
    let prehash = match hash {
        Hash::Sha256 => Sha256::digest(msg).to_vec(),
        Hash::Sha384 => Sha384::digest(msg).to_vec(),
    };
    let key = KeyAlgorithm::of_spki(spki)?;
    let point = spki.subject_public_key.raw_bytes();
    let bad_key = |e: signature::Error| SignatureProblem::BadKey(e.to_string());
    match (ec, key) {
        (true, KeyAlgorithm::P256) => {
            let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(bad_key)?;
            let s =
                p256::ecdsa::Signature::from_der(sig).map_err(|_| SignatureProblem::BadEncoding)?;
            vk.verify_prehash(&prehash, &s)
                .map_err(|_| SignatureProblem::Mismatch)
        }
        (true, KeyAlgorithm::P384) => {
            let vk = p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(bad_key)?;
            let s =
                p384::ecdsa::Signature::from_der(sig).map_err(|_| SignatureProblem::BadEncoding)?;
            vk.verify_prehash(&prehash, &s)
                .map_err(|_| SignatureProblem::Mismatch)
        }
        (false, KeyAlgorithm::Rsa { .. }) => {
            let der = spki
                .to_der()
                .map_err(|e| SignatureProblem::BadKey(e.to_string()))?;
            rsa_verify(&der, hash, &prehash, sig)
        }
        (_, key) => Err(SignatureProblem::AlgorithmMismatch {
            signature: alg.oid.to_string(),
            key: key.to_string(),
        }),
    }
}

/// Verifies that `issuer_spki` signed `cert`.
pub fn verify_certificate_signature(
    cert: &Certificate,
    issuer_spki: &SubjectPublicKeyInfo,
) -> Result<(), SignatureProblem> {
    let tbs = cert
        .tbs_certificate()
        .to_der()
        .map_err(|_| SignatureProblem::BadEncoding)?;
    verify_signature(
        issuer_spki,
        cert.signature_algorithm(),
        &tbs,
        cert.signature().raw_bytes(),
    )
}

/// Lowercase hex SHA-256 of some bytes (fingerprints shown to officers).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A `Time` as an `OffsetDateTime`.
pub fn to_offset(t: Time) -> OffsetDateTime {
    let secs = i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Why a certificate must not be installed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    #[error("the {what} is not a readable X.509 certificate: {reason}")]
    Unreadable { what: String, reason: String },
    #[error(
        "the certificate is for another key (certificate key SHA-256 {found_sha256}, token key \
         {expected_sha256}); it was issued for a different request: ask the CA for the right one"
    )]
    PublicKeyMismatch {
        expected_sha256: String,
        found_sha256: String,
    },
    #[error("the certificate is a CA certificate, not an end-entity certificate")]
    IsCaCertificate,
    #[error("the certificate is not valid before {not_before}; check the station clock or wait")]
    NotYetValid { not_before: OffsetDateTime },
    #[error("the certificate expired on {not_after}; request a new one")]
    Expired { not_after: OffsetDateTime },
    #[error("no trust anchor is configured")]
    NoTrustAnchor,
    #[error(
        "the certificate chain does not lead to a trusted CA: no trusted or supplied certificate \
         for issuer `{issuer}`; import the CA chain or check that the right CA issued it"
    )]
    UntrustedIssuer { issuer: String },
    #[error("the signature on `{subject}` by `{issuer}` does not verify: {problem}")]
    SignatureInvalid {
        subject: String,
        issuer: String,
        problem: SignatureProblem,
    },
    #[error("the issuer `{issuer}` is not a CA certificate (basicConstraints CA:true missing)")]
    IssuerNotCa { issuer: String },
    #[error("the CA certificate `{issuer}` is not valid now (valid {not_before} to {not_after})")]
    IssuerNotValid {
        issuer: String,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    },
    #[error("the chain is longer than {max} certificates")]
    ChainTooLong { max: usize },
    #[error("the certificate marks extension {oid} critical, which the station does not know")]
    UnknownCriticalExtension { oid: String },
    #[error("a certificate extension cannot be read: {oid}")]
    BadExtension { oid: String },
    #[error("key usage differs: expected {expected:?}, found {found:?}")]
    KeyUsageDiffers {
        expected: BTreeSet<String>,
        found: BTreeSet<String>,
    },
    #[error("extended key usage differs: expected {expected:?}, found {found:?}")]
    ExtendedKeyUsageDiffers {
        expected: BTreeSet<String>,
        found: BTreeSet<String>,
    },
    #[error("subject alternative names differ: expected {expected:?}, found {found:?}")]
    SubjectAltNameDiffers {
        expected: BTreeSet<String>,
        found: BTreeSet<String>,
    },
}

/// A certificate that passed [`check`].
#[derive(Debug, Clone)]
pub struct CheckedCert {
    /// The end-entity certificate, DER.
    pub der: Vec<u8>,
    pub certificate: Certificate,
    /// The path above it, issuer first, ending with the trust anchor (DER each).
    pub path: Vec<Vec<u8>>,
    /// Serial number, lowercase hex.
    pub serial_hex: String,
    pub subject: String,
    pub issuer: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

fn parse(what: String, der: &[u8]) -> Result<Certificate, CheckError> {
    Certificate::from_der(der).map_err(|e| CheckError::Unreadable {
        what,
        reason: e.to_string(),
    })
}

fn same_name(a: &x509_cert::name::Name, b: &x509_cert::name::Name) -> bool {
    a.to_der().ok() == b.to_der().ok()
}

fn is_ca(cert: &Certificate) -> bool {
    matches!(
        cert.tbs_certificate().get_extension::<BasicConstraints>(),
        Ok(Some((_, BasicConstraints { ca: true, .. })))
    )
}

fn validity(cert: &Certificate) -> (OffsetDateTime, OffsetDateTime) {
    let v = cert.tbs_certificate().validity();
    (to_offset(v.not_before), to_offset(v.not_after))
}

/// What the certificate says about key usage, extended key usage and alternative names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    pub key_usage: BTreeSet<String>,
    pub extended_key_usage: BTreeSet<String>,
    /// `email:…` and `DNS:…` entries (other name forms as `other:…`).
    pub alt_names: BTreeSet<String>,
}

/// Reads key usage, EKU and SAN from a certificate; refuses critical extensions it does not know.
pub fn usage_of(cert: &Certificate) -> Result<Usage, CheckError> {
    const KNOWN: &[ObjectIdentifier] = &[
        oid::KEY_USAGE,
        oid::EXTENDED_KEY_USAGE,
        oid::SUBJECT_ALT_NAME,
        oid::BASIC_CONSTRAINTS,
        oid::SUBJECT_KEY_ID,
        oid::AUTHORITY_KEY_ID,
        oid::CRL_DISTRIBUTION_POINTS,
    ];
    let mut usage = Usage::default();
    for ext in cert.tbs_certificate().extensions().into_iter().flatten() {
        let bad = || CheckError::BadExtension {
            oid: ext.extn_id.to_string(),
        };
        let value = ext.extn_value.as_bytes();
        match ext.extn_id {
            oid::KEY_USAGE => {
                usage.key_usage = key_usage_names(&KeyUsage::from_der(value).map_err(|_| bad())?)
            }
            oid::EXTENDED_KEY_USAGE => {
                usage.extended_key_usage =
                    extended_key_usage_names(&ExtendedKeyUsage::from_der(value).map_err(|_| bad())?)
            }
            oid::SUBJECT_ALT_NAME => {
                let san = SubjectAltName::from_der(value).map_err(|_| bad())?;
                for name in san.0 {
                    usage.alt_names.insert(match name {
                        GeneralName::Rfc822Name(s) => format!("email:{s}"),
                        GeneralName::DnsName(s) => format!("DNS:{s}"),
                        other => format!("other:{other:?}"),
                    });
                }
            }
            id if ext.critical && !KNOWN.contains(&id) => {
                return Err(CheckError::UnknownCriticalExtension {
                    oid: id.to_string(),
                });
            }
            _ => {}
        }
    }
    Ok(usage)
}

/// The alternative names a template asks for, as [`Usage::alt_names`] spells them.
pub fn template_alt_names(template: &CertificateTemplate) -> BTreeSet<String> {
    template
        .san_email
        .iter()
        .map(|e| format!("email:{e}"))
        .chain(template.san_dns.iter().map(|d| format!("DNS:{d}")))
        .collect()
}

/// Checks a certificate before it is installed on a token:
///
/// 1. it is an end-entity certificate (no basicConstraints CA:true);
/// 2. its public key is byte-for-byte `expected_spki_der` (the token key);
/// 3. it chains, by issuer/subject name and signature, through `chain` to one of `anchors`;
///    every CA on the way has basicConstraints CA:true and is valid at `now`;
/// 4. it is valid at `now`;
/// 5. key usage, extended key usage and subject alternative names are exactly the template's.
pub fn check(
    cert_der: &[u8],
    chain: &[Vec<u8>],
    anchors: &[Vec<u8>],
    expected_spki_der: &[u8],
    template: &CertificateTemplate,
    now: OffsetDateTime,
) -> Result<CheckedCert, CheckError> {
    let leaf = parse("certificate".into(), cert_der)?;
    let chain: Vec<Certificate> = chain
        .iter()
        .enumerate()
        .map(|(i, d)| parse(format!("chain certificate {}", i + 1), d))
        .collect::<Result<_, _>>()?;
    let anchors: Vec<Certificate> = anchors
        .iter()
        .enumerate()
        .map(|(i, d)| parse(format!("trust anchor {}", i + 1), d))
        .collect::<Result<_, _>>()?;
    let tbs = leaf.tbs_certificate();

    if is_ca(&leaf) {
        return Err(CheckError::IsCaCertificate);
    }
    let found_spki =
        tbs.subject_public_key_info()
            .to_der()
            .map_err(|e| CheckError::Unreadable {
                what: "certificate".into(),
                reason: e.to_string(),
            })?;
    if found_spki != expected_spki_der {
        return Err(CheckError::PublicKeyMismatch {
            expected_sha256: sha256_hex(expected_spki_der),
            found_sha256: sha256_hex(&found_spki),
        });
    }
    let path = chain_to_anchor(&leaf, &chain, &anchors, now)?;
    let (not_before, not_after) = validity(&leaf);
    if now < not_before {
        return Err(CheckError::NotYetValid { not_before });
    }
    if now > not_after {
        return Err(CheckError::Expired { not_after });
    }
    let usage = usage_of(&leaf)?;
    if usage.key_usage != template.key_usage {
        return Err(CheckError::KeyUsageDiffers {
            expected: template.key_usage.clone(),
            found: usage.key_usage,
        });
    }
    if usage.extended_key_usage != template.extended_key_usage {
        return Err(CheckError::ExtendedKeyUsageDiffers {
            expected: template.extended_key_usage.clone(),
            found: usage.extended_key_usage,
        });
    }
    let expected_names = template_alt_names(template);
    if usage.alt_names != expected_names {
        return Err(CheckError::SubjectAltNameDiffers {
            expected: expected_names,
            found: usage.alt_names,
        });
    }
    Ok(CheckedCert {
        der: cert_der.to_vec(),
        serial_hex: hex::encode(tbs.serial_number().as_bytes()),
        subject: tbs.subject().to_string(),
        issuer: tbs.issuer().to_string(),
        not_before,
        not_after,
        path: path
            .iter()
            .map(|c| c.to_der().unwrap_or_default())
            .collect(),
        certificate: leaf,
    })
}

fn check_ca(ca: &Certificate, now: OffsetDateTime) -> Result<(), CheckError> {
    let name = ca.tbs_certificate().subject().to_string();
    if !is_ca(ca) {
        return Err(CheckError::IssuerNotCa { issuer: name });
    }
    let (not_before, not_after) = validity(ca);
    if now < not_before || now > not_after {
        return Err(CheckError::IssuerNotValid {
            issuer: name,
            not_before,
            not_after,
        });
    }
    Ok(())
}

/// Walks from `leaf` to a trust anchor; returns the certificates above the leaf.
fn chain_to_anchor(
    leaf: &Certificate,
    chain: &[Certificate],
    anchors: &[Certificate],
    now: OffsetDateTime,
) -> Result<Vec<Certificate>, CheckError> {
    if anchors.is_empty() {
        return Err(CheckError::NoTrustAnchor);
    }
    let mut path: Vec<Certificate> = Vec::new();
    let mut current = leaf.clone();
    for _ in 0..=MAX_CHAIN {
        let issuer = current.tbs_certificate().issuer();
        let mut bad_signature = None;
        // Trust anchors first: reaching one ends the walk.
        for anchor in anchors
            .iter()
            .filter(|a| same_name(a.tbs_certificate().subject(), issuer))
        {
            match verify_certificate_signature(
                &current,
                anchor.tbs_certificate().subject_public_key_info(),
            ) {
                Ok(()) => {
                    check_ca(anchor, now)?;
                    path.push(anchor.clone());
                    return Ok(path);
                }
                Err(problem) => bad_signature = bad_signature.or(Some(problem)),
            }
        }
        let mut next = None;
        for candidate in chain
            .iter()
            .filter(|c| *c != &current && same_name(c.tbs_certificate().subject(), issuer))
        {
            match verify_certificate_signature(
                &current,
                candidate.tbs_certificate().subject_public_key_info(),
            ) {
                Ok(()) => {
                    next = Some(candidate.clone());
                    break;
                }
                Err(problem) => bad_signature = bad_signature.or(Some(problem)),
            }
        }
        match (next, bad_signature) {
            (Some(next), _) => {
                check_ca(&next, now)?;
                path.push(next.clone());
                current = next;
            }
            (None, Some(problem)) => {
                return Err(CheckError::SignatureInvalid {
                    subject: current.tbs_certificate().subject().to_string(),
                    issuer: issuer.to_string(),
                    problem,
                });
            }
            (None, None) => {
                return Err(CheckError::UntrustedIssuer {
                    issuer: issuer.to_string(),
                });
            }
        }
    }
    Err(CheckError::ChainTooLong { max: MAX_CHAIN })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::embedded::tests::{P256Ca, Records, T0, sandbox_ca};
    use crate::ca::embedded::{EmbeddedCa, SANDBOX_CA_SUBJECT};
    use crate::csr::tests::{p256_key, template};
    use crate::csr::{build_csr, public_key_der};
    use p256::ecdsa::{DerSignature, SigningKey};
    use time::Duration;

    struct Issued {
        ca: P256Ca,
        key: SigningKey,
        der: Vec<u8>,
        template: CertificateTemplate,
    }

    fn issued(ca: P256Ca, issued_for: &CertificateTemplate) -> Issued {
        let key = p256_key();
        let csr = build_csr::<_, DerSignature>(issued_for, &key).unwrap();
        let der = Records::new()
            .run(|r| ca.issue(r, &csr, issued_for, "APP-000001"))
            .unwrap();
        Issued {
            ca,
            key,
            der,
            template: issued_for.clone(),
        }
    }

    impl Issued {
        fn check_with(
            &self,
            template: &CertificateTemplate,
            anchors: &[Vec<u8>],
            now: OffsetDateTime,
        ) -> Result<CheckedCert, CheckError> {
            check(
                &self.der,
                &[],
                anchors,
                &public_key_der(&self.key).unwrap(),
                template,
                now,
            )
        }
        fn check_at(&self, now: OffsetDateTime) -> Result<CheckedCert, CheckError> {
            self.check_with(&self.template, &[self.ca.certificate_der().to_vec()], now)
        }
    }

    fn email_cert() -> Issued {
        issued(
            sandbox_ca(),
            &template("individual", &["signature", "email"], "p256"),
        )
    }

    #[test]
    fn a_certificate_as_the_template_asked_passes() {
        let c = email_cert();
        let checked = c.check_at(T0 + Duration::days(1)).unwrap();
        assert_eq!(checked.path, [c.ca.certificate_der().to_vec()]);
        assert_eq!(checked.serial_hex.len() % 2, 0);
        assert!(checked.issuer.contains("CN=Kustodi Sandbox CA"));
    }

    #[test]
    fn a_certificate_for_another_key_is_a_public_key_mismatch() {
        let c = email_cert();
        let other = public_key_der(&p256_key()).unwrap();
        let err = check(
            &c.der,
            &[],
            &[c.ca.certificate_der().to_vec()],
            &other,
            &c.template,
            T0,
        )
        .unwrap_err();
        assert!(
            matches!(err, CheckError::PublicKeyMismatch { ref expected_sha256, .. } if *expected_sha256 == sha256_hex(&other))
        );
    }

    #[test]
    fn validity_must_cover_now() {
        let c = email_cert();
        assert_eq!(
            c.check_at(T0 - Duration::seconds(1)).unwrap_err(),
            CheckError::NotYetValid { not_before: T0 }
        );
        assert_eq!(
            c.check_at(T0 + Duration::days(731)).unwrap_err(),
            CheckError::Expired {
                not_after: T0 + Duration::days(730)
            }
        );
    }

    #[test]
    fn a_certificate_from_another_ca_is_not_trusted() {
        let c = email_cert();
        let other = EmbeddedCa::<SigningKey, DerSignature>::create_root(
            p256_key(),
            &[("C", "ID"), ("CN", "Other CA")],
            T0 - Duration::days(1),
            100,
        )
        .unwrap();
        let err = c
            .check_with(&c.template, &[other.certificate_der().to_vec()], T0)
            .unwrap_err();
        assert_eq!(
            err,
            CheckError::UntrustedIssuer {
                issuer: "CN=Kustodi Sandbox CA,O=Pemerintah Kabupaten Bekasi,C=ID".into()
            }
        );
        // Same name, different key: an impostor CA.
        let impostor = sandbox_ca();
        let err = c
            .check_with(&c.template, &[impostor.certificate_der().to_vec()], T0)
            .unwrap_err();
        assert!(matches!(
            err,
            CheckError::SignatureInvalid {
                problem: SignatureProblem::Mismatch,
                ..
            }
        ));
        assert_eq!(
            c.check_with(&c.template, &[], T0).unwrap_err(),
            CheckError::NoTrustAnchor
        );
    }

    #[test]
    fn an_expired_ca_breaks_the_chain() {
        let ca =
            EmbeddedCa::create_root(p256_key(), SANDBOX_CA_SUBJECT, T0 - Duration::days(10), 11)
                .unwrap();
        let c = issued(ca, &template("individual", &["signature"], "p256"));
        assert!(matches!(
            c.check_at(T0 + Duration::days(2)).unwrap_err(),
            CheckError::IssuerNotValid { .. }
        ));
    }

    #[test]
    fn usage_other_than_the_template_is_reported_with_both_sides() {
        let c = email_cert();
        let mut wanted = c.template.clone();
        wanted.key_usage.remove("nonRepudiation");
        let anchors = [c.ca.certificate_der().to_vec()];
        match c.check_with(&wanted, &anchors, T0).unwrap_err() {
            CheckError::KeyUsageDiffers { expected, found } => {
                assert!(!expected.contains("nonRepudiation"));
                assert!(found.contains("nonRepudiation"));
            }
            other => panic!("{other}"),
        }
        let mut wanted = c.template.clone();
        wanted.extended_key_usage.insert("clientAuth".into());
        assert!(matches!(
            c.check_with(&wanted, &anchors, T0).unwrap_err(),
            CheckError::ExtendedKeyUsageDiffers { .. }
        ));
        let mut wanted = c.template.clone();
        wanted.san_email = vec!["someone.else@bekasikab.go.id".into()];
        match c.check_with(&wanted, &anchors, T0).unwrap_err() {
            CheckError::SubjectAltNameDiffers { expected, found } => {
                assert!(expected.contains("email:someone.else@bekasikab.go.id"));
                assert!(found.contains("email:siti.rahmawati@bekasikab.go.id"));
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn a_ca_certificate_is_never_installed_as_a_user_certificate() {
        let key = p256_key();
        let ca: P256Ca = EmbeddedCa::create_root(key.clone(), SANDBOX_CA_SUBJECT, T0, 10).unwrap();
        let err = check(
            ca.certificate_der(),
            &[],
            &[ca.certificate_der().to_vec()],
            &public_key_der(&key).unwrap(),
            &template("individual", &["signature"], "p256"),
            T0,
        )
        .unwrap_err();
        assert_eq!(err, CheckError::IsCaCertificate);
    }

    #[test]
    fn garbage_is_reported_as_unreadable() {
        let err = check(
            b"junk",
            &[],
            &[],
            &[],
            &template("individual", &["signature"], "p256"),
            T0,
        )
        .unwrap_err();
        assert!(matches!(err, CheckError::Unreadable { ref what, .. } if what == "certificate"));
    }
}
