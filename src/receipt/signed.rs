//! CMS `SignedData` of a receipt: building (two signers) and verification.

use std::time::{Duration, SystemTime};

use cms::builder::SignerInfoBuilder;
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use const_oid::db::{rfc5911, rfc5912};
use der::asn1::SetOfVec;
use der::{Any, AnyRef, Decode, Encode, Reader, SliceReader, Tag, Tagged};
use sha2::{Digest, Sha256};
use signature::{Keypair, Signer, Verifier};
use spki::{
    AlgorithmIdentifierOwned, DecodePublicKey, DynSignatureAlgorithmIdentifier, EncodePublicKey,
    SignatureBitStringEncoding, SubjectPublicKeyInfoOwned,
};
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::attr::{Attribute, AttributeValue};
use x509_cert::builder::Builder;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier};
use x509_cert::time::Time;

use super::ReceiptError;
use super::body::{ReceiptBody, ReceiptCertificate, certificate_sha256, spki_sha256, to_offset};

/// How far a signing time may lie after the verifier's clock.
const CLOCK_SKEW: Duration = Duration::from_secs(300);

/// The signing times the two signers put in their signed attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningTimes {
    pub officer: OffsetDateTime,
    pub applicant: OffsetDateTime,
}

/// A receipt whose signatures, certificates and body binding all checked out.
#[derive(Debug, Clone)]
pub struct VerifiedReceipt {
    pub body: ReceiptBody,
    /// The exact signed body bytes (canonical JSON).
    pub body_bytes: Vec<u8>,
    pub officer_cert: Certificate,
    pub applicant_cert: Certificate,
    pub signing_times: SigningTimes,
    /// Lowercase hex SHA-256 of the receipt DER (the fingerprint printed on the page).
    pub receipt_sha256: String,
}

/// Lowercase hex SHA-256 of a receipt's DER: its fingerprint.
pub fn receipt_sha256(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

fn enc(e: impl std::fmt::Display) -> ReceiptError {
    ReceiptError::Encoding(e.to_string())
}

fn malformed(e: impl std::fmt::Display) -> ReceiptError {
    ReceiptError::Malformed(e.to_string())
}

fn sha256_alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: rfc5912::ID_SHA_256,
        parameters: None,
    }
}

fn subject_of(cert: &Certificate) -> String {
    cert.tbs_certificate().subject().to_string()
}

/// Builds the receipt: a DER `ContentInfo` holding a CMS `SignedData` with the `body` attached
/// (eContentType id-data), SHA-256, both certificates, and two `SignerInfo`s (officer, then
/// applicant), each identified by issuer and serial number and signing the attributes
/// content-type, message-digest and signing-time.
///
/// `O` and `A` are any signers the `cms` builder accepts (a token key, `p256::ecdsa::SigningKey`,
/// `rsa::pkcs1v15::SigningKey<Sha256>`); name their signature types when calling, e.g.
/// `build_receipt::<_, p256::ecdsa::DerSignature, _, rsa::pkcs1v15::Signature>(…)`.
///
/// DER requires a SET OF to be sorted by encoding, so the order of the two `SignerInfo`s in
/// the output is that of their encodings; roles are told apart by the body, not by position.
pub fn build_receipt<O, OSig, A, ASig>(
    body: &[u8],
    officer: (&O, &Certificate),
    applicant: (&A, &Certificate),
    signing_time: OffsetDateTime,
) -> Result<Vec<u8>, ReceiptError>
where
    O: Keypair + DynSignatureAlgorithmIdentifier + Signer<OSig>,
    O::VerifyingKey: EncodePublicKey,
    OSig: SignatureBitStringEncoding,
    A: Keypair + DynSignatureAlgorithmIdentifier + Signer<ASig>,
    A::VerifyingKey: EncodePublicKey,
    ASig: SignatureBitStringEncoding,
{
    if officer.1 == applicant.1 {
        return Err(ReceiptError::DuplicateSigner {
            signer: subject_of(officer.1),
        });
    }
    let eci = attached(body)?;
    let time = signing_time_attribute(signing_time)?;
    let officer_info = signer_info::<O, OSig>(&eci, officer.0, officer.1, &time)?;
    let applicant_info = signer_info::<A, ASig>(&eci, applicant.0, applicant.1, &time)?;
    assemble(
        eci,
        vec![officer.1.clone(), applicant.1.clone()],
        vec![officer_info, applicant_info],
    )
}

/// A document signed by **one** signer, in the receipt's CMS form (attached body, SHA-256,
/// content-type / message-digest / signing-time signed): the custody-audit report.
/// `openssl cms -verify -binary -inform DER -CAfile ca.pem` verifies it; so does
/// [`verify_signed_document`].
pub fn build_signed_document<S, Sig>(
    body: &[u8],
    signer: (&S, &Certificate),
    signing_time: OffsetDateTime,
) -> Result<Vec<u8>, ReceiptError>
where
    S: Keypair + DynSignatureAlgorithmIdentifier + Signer<Sig>,
    S::VerifyingKey: EncodePublicKey,
    Sig: SignatureBitStringEncoding,
{
    let eci = attached(body)?;
    let time = signing_time_attribute(signing_time)?;
    let info = signer_info::<S, Sig>(&eci, signer.0, signer.1, &time)?;
    assemble(eci, vec![signer.1.clone()], vec![info])
}

fn attached(body: &[u8]) -> Result<EncapsulatedContentInfo, ReceiptError> {
    Ok(EncapsulatedContentInfo {
        econtent_type: rfc5911::ID_DATA,
        econtent: Some(Any::new(Tag::OctetString, body.to_vec()).map_err(enc)?),
    })
}

fn assemble(
    eci: EncapsulatedContentInfo,
    certs: Vec<Certificate>,
    infos: Vec<SignerInfo>,
) -> Result<Vec<u8>, ReceiptError> {
    let signed_data = SignedData {
        // issuerAndSerialNumber signers, id-data, X.509 certificates only: RFC 5652 § 5.1 says 1.
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256_alg()]).map_err(enc)?,
        encap_content_info: eci,
        certificates: Some(CertificateSet(
            SetOfVec::try_from(
                certs
                    .into_iter()
                    .map(CertificateChoices::Certificate)
                    .collect::<Vec<_>>(),
            )
            .map_err(enc)?,
        )),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(infos).map_err(enc)?),
    };
    let content_info = ContentInfo {
        content_type: rfc5911::ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(enc)?,
    };
    content_info.to_der().map_err(enc)
}

fn signing_time_attribute(t: OffsetDateTime) -> Result<Attribute, ReceiptError> {
    let time = Time::try_from(SystemTime::from(t)).map_err(enc)?;
    let value = AttributeValue::from_der(&time.to_der().map_err(enc)?).map_err(enc)?;
    Ok(Attribute {
        oid: rfc5911::ID_SIGNING_TIME,
        values: SetOfVec::try_from(vec![value]).map_err(enc)?,
    })
}

fn signer_info<S, Sig>(
    eci: &EncapsulatedContentInfo,
    signer: &S,
    cert: &Certificate,
    signing_time: &Attribute,
) -> Result<SignerInfo, ReceiptError>
where
    S: Keypair + DynSignatureAlgorithmIdentifier + Signer<Sig>,
    S::VerifyingKey: EncodePublicKey,
    Sig: SignatureBitStringEncoding,
{
    let name = subject_of(cert);
    let spki = SubjectPublicKeyInfoOwned::from_key(&signer.verifying_key()).map_err(enc)?;
    if &spki != cert.tbs_certificate().subject_public_key_info() {
        return Err(ReceiptError::SignerKeyMismatch { signer: name });
    }
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: cert.tbs_certificate().issuer().clone(),
        serial_number: cert.tbs_certificate().serial_number().clone(),
    });
    // The builder adds message-digest and content-type itself; signing-time is ours.
    let mut builder = SignerInfoBuilder::new(sid, sha256_alg(), eci, None).map_err(enc)?;
    builder
        .add_signed_attribute(signing_time.clone())
        .map_err(enc)?;
    builder
        .build::<S, Sig>(signer)
        .map_err(|e| ReceiptError::Signing {
            signer: name,
            reason: e.to_string(),
        })
}

/// One signer info as found in the DER, with the exact bytes its signature covers.
struct RawSigner {
    info: SignerInfo,
    /// `SET OF Attribute` (tag 0x31) over the original content octets of `signedAttrs`.
    signed_attrs_der: Option<Vec<u8>>,
}

/// Walks the DER to each `SignerInfo` so the signed attributes are verified over the bytes as
/// sent (re-tagged to SET, RFC 5652 § 5.4), not over a re-encoding after decoding.
fn raw_signers(der: &[u8]) -> Result<Vec<RawSigner>, ReceiptError> {
    fn any<'a>(r: &mut SliceReader<'a>) -> Result<AnyRef<'a>, ReceiptError> {
        r.decode::<AnyRef<'a>>().map_err(malformed)
    }
    let outer = AnyRef::from_der(der).map_err(malformed)?;
    let mut r = SliceReader::new(outer.value()).map_err(malformed)?;
    let _content_type = any(&mut r)?;
    let explicit = any(&mut r)?;
    let seq = AnyRef::from_der(explicit.value()).map_err(malformed)?;
    let mut r = SliceReader::new(seq.value()).map_err(malformed)?;
    for _ in 0..3 {
        any(&mut r)?; // version, digestAlgorithms, encapContentInfo
    }
    let mut set = any(&mut r)?;
    while set.tag().is_context_specific() {
        set = any(&mut r)?; // [0] certificates, [1] crls
    }
    let mut r = SliceReader::new(set.value()).map_err(malformed)?;
    let mut out = Vec::new();
    while !r.is_finished() {
        let si = any(&mut r)?;
        let info = SignerInfo::from_der(&si.to_der().map_err(malformed)?).map_err(malformed)?;
        let mut fields = SliceReader::new(si.value()).map_err(malformed)?;
        for _ in 0..3 {
            any(&mut fields)?; // version, sid, digestAlgorithm
        }
        let next = any(&mut fields)?;
        let signed_attrs_der =
            if next.tag().is_context_specific() && next.tag().number().value() == 0 {
                Some(
                    Any::new(Tag::Set, next.value())
                        .and_then(|a| a.to_der())
                        .map_err(malformed)?,
                )
            } else {
                None
            };
        out.push(RawSigner {
            info,
            signed_attrs_der,
        });
    }
    Ok(out)
}

/// Verifies a receipt: structure, both signatures, both certificates against `trust_anchors`
/// (issued directly by one of them, valid at the signing time), and the body's binding to the
/// certificates. `now` bounds the signing times (5 minutes of clock skew allowed).
///
/// Certificate validity is judged at each signer's signing time, not at `now`: a receipt
/// stays verifiable after the certificates expire.
pub fn verify_receipt(
    der: &[u8],
    trust_anchors: &[Certificate],
    now: OffsetDateTime,
) -> Result<VerifiedReceipt, ReceiptError> {
    let (body_bytes, verified) = verify_signed_data(der, trust_anchors, now, 2)?;
    if verified[0].0 == verified[1].0 {
        return Err(ReceiptError::DuplicateSigner {
            signer: subject_of(&verified[0].0),
        });
    }
    verify_receipt_body(der, body_bytes, verified)
}

/// A document of [`build_signed_document`] that verified: its body, signer and signing time.
#[derive(Debug, Clone)]
pub struct VerifiedDocument {
    pub body_bytes: Vec<u8>,
    pub signer_cert: Certificate,
    pub signing_time: OffsetDateTime,
    /// Lowercase hex SHA-256 of the DER.
    pub sha256: String,
}

/// Verifies a one-signer document: its signature over the attached body, the signer's
/// certificate against `trust_anchors` at the signing time, and the signing time.
pub fn verify_signed_document(
    der: &[u8],
    trust_anchors: &[Certificate],
    now: OffsetDateTime,
) -> Result<VerifiedDocument, ReceiptError> {
    let (body_bytes, mut verified) = verify_signed_data(der, trust_anchors, now, 1)?;
    let (signer_cert, signing_time) = verified.remove(0);
    Ok(VerifiedDocument {
        body_bytes,
        signer_cert,
        signing_time,
        sha256: receipt_sha256(der),
    })
}

/// Signed data with exactly `expected_signers` signers, each checked; returns the body and
/// each signer's certificate with its signing time.
#[allow(clippy::type_complexity)]
fn verify_signed_data(
    der: &[u8],
    trust_anchors: &[Certificate],
    now: OffsetDateTime,
    expected_signers: usize,
) -> Result<(Vec<u8>, Vec<(Certificate, OffsetDateTime)>), ReceiptError> {
    let content_info = ContentInfo::from_der(der).map_err(malformed)?;
    if content_info.content_type != rfc5911::ID_SIGNED_DATA {
        return Err(malformed("content type is not id-signedData"));
    }
    let signed_data: SignedData = content_info.content.decode_as().map_err(malformed)?;
    let eci = &signed_data.encap_content_info;
    if eci.econtent_type != rfc5911::ID_DATA {
        return Err(malformed("eContentType is not id-data"));
    }
    let body_bytes = match &eci.econtent {
        Some(c) if c.tag() == Tag::OctetString => c.value().to_vec(),
        Some(_) => return Err(malformed("eContent is not an OCTET STRING")),
        None => {
            return Err(malformed(
                "the body is not attached (detached receipts are not used)",
            ));
        }
    };
    let body_digest = Sha256::digest(&body_bytes);

    let certs: Vec<&Certificate> = signed_data
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c),
            CertificateChoices::Other(_) => None,
        })
        .collect();

    let signers = raw_signers(der)?;
    if signers.len() != expected_signers {
        return Err(ReceiptError::WrongSignerCount {
            expected: expected_signers,
            found: signers.len(),
        });
    }
    let now_limit = SystemTime::from(now) + CLOCK_SKEW;

    let mut verified: Vec<(Certificate, OffsetDateTime)> = Vec::with_capacity(expected_signers);
    for (index, raw) in signers.iter().enumerate() {
        let info = &raw.info;
        let cert = find_certificate(&certs, &info.sid).ok_or_else(|| {
            malformed(format!(
                "the certificate of signer {} is not included",
                index + 1
            ))
        })?;
        let name = subject_of(cert);
        if info.digest_alg.oid != rfc5912::ID_SHA_256 {
            return Err(ReceiptError::UnsupportedAlgorithm {
                oid: info.digest_alg.oid.to_string(),
            });
        }
        let (attrs, attrs_der) = match (&info.signed_attrs, &raw.signed_attrs_der) {
            (Some(a), Some(d)) => (a, d),
            _ => return Err(malformed(format!("{name} has no signed attributes"))),
        };
        let content_type = single_attr(attrs.as_slice(), rfc5911::ID_CONTENT_TYPE, &name)?;
        if content_type
            .decode_as::<ObjectIdentifier>()
            .map_err(malformed)?
            != rfc5911::ID_DATA
        {
            return Err(malformed(format!(
                "the content-type signed by {name} is not id-data"
            )));
        }
        let digest = single_attr(attrs.as_slice(), rfc5911::ID_MESSAGE_DIGEST, &name)?;
        if digest.tag() != Tag::OctetString {
            return Err(malformed(format!(
                "the message-digest of {name} is not an OCTET STRING"
            )));
        }
        if digest.value() != body_digest.as_slice() {
            return Err(ReceiptError::DigestMismatch { signer: name });
        }
        let time_value = single_attr(attrs.as_slice(), rfc5911::ID_SIGNING_TIME, &name)?;
        let signing_time = Time::from_der(&time_value.to_der().map_err(malformed)?)
            .map_err(malformed)?
            .to_system_time();

        match verify_signature(
            cert.tbs_certificate().subject_public_key_info(),
            &info.signature_algorithm.oid,
            attrs_der,
            info.signature.as_bytes(),
        )? {
            true => {}
            false => return Err(ReceiptError::BadSignature { signer: name }),
        }

        check_certificate(cert, trust_anchors, signing_time, &name)?;
        if signing_time > now_limit {
            return Err(ReceiptError::SigningTimeInFuture {
                signer: name,
                at: super::body::rfc3339_utc::format(to_offset(signing_time)),
            });
        }
        verified.push((cert.clone(), to_offset(signing_time)));
    }
    Ok((body_bytes, verified))
}

fn verify_receipt_body(
    der: &[u8],
    body_bytes: Vec<u8>,
    verified: Vec<(Certificate, OffsetDateTime)>,
) -> Result<VerifiedReceipt, ReceiptError> {
    let body = ReceiptBody::from_canonical_bytes(&body_bytes)?;
    let mut officer = None;
    let mut applicant = None;
    for (cert, t) in verified {
        let fp = certificate_sha256(&cert)?;
        if fp == body.officer.certificate_sha256 {
            officer = Some((cert, t));
        } else if fp == body.certificate.sha256 {
            applicant = Some((cert, t));
        }
    }
    let (officer_cert, officer_time) = officer.ok_or(ReceiptError::BodyMismatch {
        field: "officer.certificate_sha256",
    })?;
    let (applicant_cert, applicant_time) = applicant.ok_or(ReceiptError::BodyMismatch {
        field: "certificate.sha256",
    })?;

    let described = ReceiptCertificate::from_certificate(&applicant_cert)?;
    for (field, same) in [
        (
            "certificate.serial",
            described.serial == body.certificate.serial,
        ),
        (
            "certificate.not_before",
            described.not_before == body.certificate.not_before,
        ),
        (
            "certificate.not_after",
            described.not_after == body.certificate.not_after,
        ),
        (
            "certificate.issuer",
            described.issuer == body.certificate.issuer,
        ),
        (
            "key.spki_sha256",
            spki_sha256(&applicant_cert)? == body.key.spki_sha256,
        ),
    ] {
        if !same {
            return Err(ReceiptError::BodyMismatch { field });
        }
    }

    Ok(VerifiedReceipt {
        body,
        body_bytes,
        officer_cert,
        applicant_cert,
        signing_times: SigningTimes {
            officer: officer_time,
            applicant: applicant_time,
        },
        receipt_sha256: receipt_sha256(der),
    })
}

fn find_certificate<'c>(
    certs: &[&'c Certificate],
    sid: &SignerIdentifier,
) -> Option<&'c Certificate> {
    certs.iter().copied().find(|c| {
        let tbs = c.tbs_certificate();
        match sid {
            SignerIdentifier::IssuerAndSerialNumber(isn) => {
                tbs.issuer() == &isn.issuer && tbs.serial_number() == &isn.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                matches!(tbs.get_extension::<SubjectKeyIdentifier>(), Ok(Some((_, own))) if own == *ski)
            }
        }
    })
}

fn single_attr<'a>(
    attrs: &'a [Attribute],
    oid: ObjectIdentifier,
    name: &str,
) -> Result<&'a AttributeValue, ReceiptError> {
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    match (found.next(), found.next()) {
        (Some(a), None) if a.values.len() == 1 => Ok(a.values.get(0).expect("one value")),
        _ => Err(malformed(format!(
            "{name} must sign exactly one {oid} attribute with one value"
        ))),
    }
}

/// Verifies `sig` over `msg` with `spki`: ECDSA P-256/SHA-256 or RSA PKCS#1 v1.5/SHA-256.
/// `Ok(false)` is a wrong signature; an algorithm outside that set is an error.
fn verify_signature(
    spki: &SubjectPublicKeyInfoOwned,
    alg: &ObjectIdentifier,
    msg: &[u8],
    sig: &[u8],
) -> Result<bool, ReceiptError> {
    let unsupported = || ReceiptError::UnsupportedAlgorithm {
        oid: alg.to_string(),
    };
    let spki_der = spki.to_der().map_err(malformed)?;
    match spki.algorithm.oid {
        rfc5912::ID_EC_PUBLIC_KEY if *alg == rfc5912::ECDSA_WITH_SHA_256 => {
            let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki_der).map_err(|_| {
                ReceiptError::UnsupportedAlgorithm {
                    oid: "EC key not on P-256".into(),
                }
            })?;
            let Ok(sig) = p256::ecdsa::DerSignature::try_from(sig) else {
                return Ok(false);
            };
            Ok(key.verify(msg, &sig).is_ok())
        }
        rfc5912::RSA_ENCRYPTION
            if *alg == rfc5912::SHA_256_WITH_RSA_ENCRYPTION || *alg == rfc5912::RSA_ENCRYPTION =>
        {
            let key = rsa::pkcs1v15::VerifyingKey::<Sha256>::from_public_key_der(&spki_der)
                .map_err(|_| malformed("bad RSA public key"))?;
            let Ok(sig) = rsa::pkcs1v15::Signature::try_from(sig) else {
                return Ok(false);
            };
            Ok(key.verify(msg, &sig).is_ok())
        }
        _ => Err(unsupported()),
    }
}

/// The signer's certificate: an end-entity signing certificate, issued and signed directly by a
/// trust anchor, both valid at the signing time.
fn check_certificate(
    cert: &Certificate,
    anchors: &[Certificate],
    at: SystemTime,
    name: &str,
) -> Result<(), ReceiptError> {
    let tbs = cert.tbs_certificate();
    let unsuitable = || ReceiptError::UnsuitableCertificate {
        signer: name.to_owned(),
    };
    if let Ok(Some((_, bc))) = tbs.get_extension::<BasicConstraints>()
        && bc.ca
    {
        return Err(unsuitable());
    }
    match tbs.get_extension::<KeyUsage>() {
        Ok(Some((_, ku))) => {
            if !ku.0.contains(KeyUsages::DigitalSignature)
                && !ku.0.contains(KeyUsages::NonRepudiation)
            {
                return Err(unsuitable());
            }
        }
        Ok(None) => {}
        Err(_) => return Err(unsuitable()),
    }
    let valid_at = |c: &Certificate| {
        let v = c.tbs_certificate().validity();
        v.not_before.to_system_time() <= at && at <= v.not_after.to_system_time()
    };
    let tbs_der = tbs.to_der().map_err(malformed)?;
    let issuer = anchors.iter().find(|a| {
        a.tbs_certificate().subject() == tbs.issuer()
            && matches!(
                verify_signature(
                    a.tbs_certificate().subject_public_key_info(),
                    &cert.signature_algorithm().oid,
                    &tbs_der,
                    cert.signature().raw_bytes(),
                ),
                Ok(true)
            )
    });
    let Some(issuer) = issuer else {
        return Err(ReceiptError::UntrustedSigner {
            signer: name.to_owned(),
        });
    };
    if !valid_at(cert) || !valid_at(issuer) {
        return Err(ReceiptError::CertificateNotValid {
            signer: name.to_owned(),
            at: super::body::rfc3339_utc::format(to_offset(at)),
        });
    }
    Ok(())
}
