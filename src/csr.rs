//! PKCS#10 certificate requests: built from a [`CertificateTemplate`] and signed by any
//! RustCrypto signer (a key on the token in production, a software key in tests), and parsed
//! and verified when a CSR arrives from elsewhere.
//!
//! The X.509 pieces the CSR builder and the CA share (subject names, the template's
//! extensions, key-usage names) live here too.

use std::collections::BTreeSet;

use der::asn1::{Any, Ia5String, ObjectIdentifier, OctetString};
use der::{Decode, DecodePem, Encode, EncodePem, Tag};
use signature::{Keypair, Signer};
use spki::{DynSignatureAlgorithmIdentifier, EncodePublicKey, SignatureBitStringEncoding};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::Builder as _;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName};
use x509_cert::ext::{Extension, Extensions};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::request::{CertReq, ExtensionReq, RequestBuilder};

use crate::certcheck::{self, KeyAlgorithm, SignatureProblem};
use crate::domain::profile::CertificateTemplate;

/// Object identifiers used by the certificate pipeline.
pub mod oid {
    use der::asn1::ObjectIdentifier as Oid;

    pub const COUNTRY: Oid = Oid::new_unwrap("2.5.4.6");
    pub const STATE: Oid = Oid::new_unwrap("2.5.4.8");
    pub const LOCALITY: Oid = Oid::new_unwrap("2.5.4.7");
    pub const ORGANIZATION: Oid = Oid::new_unwrap("2.5.4.10");
    pub const ORGANIZATIONAL_UNIT: Oid = Oid::new_unwrap("2.5.4.11");
    pub const TITLE: Oid = Oid::new_unwrap("2.5.4.12");
    pub const COMMON_NAME: Oid = Oid::new_unwrap("2.5.4.3");
    pub const SERIAL_NUMBER: Oid = Oid::new_unwrap("2.5.4.5");

    pub const KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
    pub const EXTENDED_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37");
    pub const SUBJECT_ALT_NAME: Oid = Oid::new_unwrap("2.5.29.17");
    pub const BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
    pub const SUBJECT_KEY_ID: Oid = Oid::new_unwrap("2.5.29.14");
    pub const AUTHORITY_KEY_ID: Oid = Oid::new_unwrap("2.5.29.35");
    pub const CRL_DISTRIBUTION_POINTS: Oid = Oid::new_unwrap("2.5.29.31");
    pub const CRL_REASON: Oid = Oid::new_unwrap("2.5.29.21");

    pub const SERVER_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.1");
    pub const CLIENT_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.2");
    pub const EMAIL_PROTECTION: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.4");

    pub const EXTENSION_REQUEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.14");
}

/// Why a CSR could not be built or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsrError {
    #[error("subject attribute `{attr}` is not supported")]
    UnsupportedAttribute { attr: String },
    #[error(
        "subject attribute `{attr}` must be a PrintableString, but {value:?} has other characters"
    )]
    NotPrintable { attr: String, value: String },
    #[error("the template has no key usage")]
    NoKeyUsage,
    #[error("unknown key usage `{0}`")]
    UnknownKeyUsage(String),
    #[error("unknown extended key usage `{0}`")]
    UnknownExtendedKeyUsage(String),
    #[error("subject alternative name {0:?} is not an ASCII (IA5) string")]
    BadAltName(String),
    #[error("the request could not be encoded: {0}")]
    Encoding(String),
    #[error("the signer failed to sign the request: {0}")]
    Sign(String),
    #[error("the request is not a readable PKCS#10 CSR (PEM or DER): {reason}")]
    Unreadable { reason: String },
    #[error("the request's self-signature does not verify: {0}")]
    SignatureInvalid(SignatureProblem),
}

fn enc(e: impl std::fmt::Display) -> CsrError {
    CsrError::Encoding(e.to_string())
}

/// The OID of a subject attribute name used in profiles (`C`, `O`, `OU`, `title`, `CN`, …).
pub fn attribute_oid(attr: &str) -> Option<ObjectIdentifier> {
    Some(match attr {
        "C" => oid::COUNTRY,
        "ST" => oid::STATE,
        "L" => oid::LOCALITY,
        "O" => oid::ORGANIZATION,
        "OU" => oid::ORGANIZATIONAL_UNIT,
        "title" => oid::TITLE,
        "CN" => oid::COMMON_NAME,
        "serialNumber" => oid::SERIAL_NUMBER,
        _ => return None,
    })
}

fn is_printable(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b))
}

/// The subject of a template as an X.509 name, one attribute per RDN, in the template's order.
/// `C` and `serialNumber` are PrintableString (X.520 requires it); the rest UTF8String.
pub fn subject_name(subject: &[(String, String)]) -> Result<Name, CsrError> {
    let mut rdns = RdnSequence::default();
    for (attr, value) in subject {
        let oid = attribute_oid(attr)
            .ok_or_else(|| CsrError::UnsupportedAttribute { attr: attr.clone() })?;
        let printable = oid == oid::COUNTRY || oid == oid::SERIAL_NUMBER;
        if printable && !is_printable(value) {
            return Err(CsrError::NotPrintable {
                attr: attr.clone(),
                value: value.clone(),
            });
        }
        let tag = if printable {
            Tag::PrintableString
        } else {
            Tag::Utf8String
        };
        let atv = AttributeTypeAndValue {
            oid,
            value: Any::new(tag, value.as_bytes()).map_err(enc)?,
        };
        rdns.push(RelativeDistinguishedName::try_from(vec![atv]).map_err(enc)?);
    }
    Name::from_der(&rdns.to_der().map_err(enc)?).map_err(enc)
}

const KU_NAMES: &[(&str, KeyUsages)] = &[
    ("digitalSignature", KeyUsages::DigitalSignature),
    ("nonRepudiation", KeyUsages::NonRepudiation),
    ("keyEncipherment", KeyUsages::KeyEncipherment),
    ("dataEncipherment", KeyUsages::DataEncipherment),
    ("keyAgreement", KeyUsages::KeyAgreement),
    ("keyCertSign", KeyUsages::KeyCertSign),
    ("cRLSign", KeyUsages::CRLSign),
    ("encipherOnly", KeyUsages::EncipherOnly),
    ("decipherOnly", KeyUsages::DecipherOnly),
];

const EKU_NAMES: &[(&str, ObjectIdentifier)] = &[
    ("serverAuth", oid::SERVER_AUTH),
    ("clientAuth", oid::CLIENT_AUTH),
    ("emailProtection", oid::EMAIL_PROTECTION),
];

/// RFC 5280 names of the bits set in a key usage.
pub fn key_usage_names(ku: &KeyUsage) -> BTreeSet<String> {
    KU_NAMES
        .iter()
        .filter(|(_, bit)| ku.0.contains(*bit))
        .map(|(n, _)| (*n).to_owned())
        .collect()
}

/// Names of extended key usages; unknown ones are shown as dotted OIDs.
pub fn extended_key_usage_names(eku: &ExtendedKeyUsage) -> BTreeSet<String> {
    eku.0
        .iter()
        .map(|o| {
            EKU_NAMES
                .iter()
                .find(|(_, x)| x == o)
                .map_or_else(|| o.to_string(), |(n, _)| (*n).to_owned())
        })
        .collect()
}

/// Builds a key usage from RFC 5280 names.
pub fn key_usage_from_names<'a>(
    names: impl IntoIterator<Item = &'a String>,
) -> Result<KeyUsage, CsrError> {
    let mut flags = der::flagset::FlagSet::<KeyUsages>::default();
    for name in names {
        let (_, bit) = KU_NAMES
            .iter()
            .find(|(n, _)| n == name)
            .ok_or_else(|| CsrError::UnknownKeyUsage(name.clone()))?;
        flags |= *bit;
    }
    Ok(KeyUsage(flags))
}

/// An extension with the given criticality and DER value.
pub fn extension(
    extn_id: ObjectIdentifier,
    critical: bool,
    value: &impl Encode,
) -> Result<Extension, CsrError> {
    Ok(Extension {
        extn_id,
        critical,
        extn_value: OctetString::new(value.to_der().map_err(enc)?).map_err(enc)?,
    })
}

/// The extensions a template asks for: key usage (critical), extended key usage (if any),
/// subject alternative names (rfc822Name, dNSName; if any).
pub fn template_extensions(template: &CertificateTemplate) -> Result<Extensions, CsrError> {
    if template.key_usage.is_empty() {
        return Err(CsrError::NoKeyUsage);
    }
    let mut exts = vec![extension(
        oid::KEY_USAGE,
        true,
        &key_usage_from_names(&template.key_usage)?,
    )?];
    if !template.extended_key_usage.is_empty() {
        let mut oids = Vec::new();
        for name in &template.extended_key_usage {
            let (_, o) = EKU_NAMES
                .iter()
                .find(|(n, _)| n == name)
                .ok_or_else(|| CsrError::UnknownExtendedKeyUsage(name.clone()))?;
            oids.push(*o);
        }
        exts.push(extension(
            oid::EXTENDED_KEY_USAGE,
            false,
            &ExtendedKeyUsage(oids),
        )?);
    }
    let mut names = Vec::new();
    for email in &template.san_email {
        let s = Ia5String::new(email).map_err(|_| CsrError::BadAltName(email.clone()))?;
        names.push(GeneralName::Rfc822Name(s));
    }
    for dns in &template.san_dns {
        let s = Ia5String::new(dns).map_err(|_| CsrError::BadAltName(dns.clone()))?;
        names.push(GeneralName::DnsName(s));
    }
    if !names.is_empty() {
        exts.push(extension(
            oid::SUBJECT_ALT_NAME,
            false,
            &SubjectAltName(names),
        )?);
    }
    Ok(exts)
}

/// Builds a PKCS#10 request for `template`, signed by `signer` (whose public key goes into the
/// request). Returns the DER encoding.
pub fn build_csr<S, Sig>(template: &CertificateTemplate, signer: &S) -> Result<Vec<u8>, CsrError>
where
    S: Keypair + DynSignatureAlgorithmIdentifier + Signer<Sig>,
    S::VerifyingKey: EncodePublicKey,
    Sig: SignatureBitStringEncoding,
{
    let mut builder = RequestBuilder::new(subject_name(&template.subject)?).map_err(enc)?;
    for ext in template_extensions(template)? {
        builder.add_extension(ext).map_err(enc)?;
    }
    let req = builder.build::<S, Sig>(signer).map_err(|e| match e {
        x509_cert::builder::Error::Signature(s) => CsrError::Sign(s.to_string()),
        other => enc(other),
    })?;
    req.to_der().map_err(enc)
}

/// The signer's public key as SubjectPublicKeyInfo DER (what [`crate::certcheck::check`]
/// compares the certificate's key with).
pub fn public_key_der<S>(signer: &S) -> Result<Vec<u8>, CsrError>
where
    S: Keypair,
    S::VerifyingKey: EncodePublicKey,
{
    Ok(signer
        .verifying_key()
        .to_public_key_der()
        .map_err(enc)?
        .as_bytes()
        .to_vec())
}

/// DER to PEM (`CERTIFICATE REQUEST`).
pub fn csr_to_pem(der: &[u8]) -> Result<String, CsrError> {
    let req = CertReq::from_der(der).map_err(|e| CsrError::Unreadable {
        reason: e.to_string(),
    })?;
    req.to_pem(der::pem::LineEnding::LF).map_err(enc)
}

/// A parsed request whose self-signature has been verified.
#[derive(Debug, Clone)]
pub struct VerifiedCsr {
    /// The request, DER.
    pub der: Vec<u8>,
    pub request: CertReq,
    /// The requester's public key (SubjectPublicKeyInfo DER).
    pub spki_der: Vec<u8>,
    pub key_algorithm: KeyAlgorithm,
    /// Extensions asked for in the extensionRequest attribute.
    pub requested_extensions: Extensions,
}

impl VerifiedCsr {
    /// The subject as RFC 4514 text.
    pub fn subject(&self) -> String {
        self.request.info.subject.to_string()
    }
}

/// Reads a CSR (PEM or DER) and verifies its self-signature (ECDSA P-256/P-384 with
/// SHA-256/384, RSA PKCS#1 v1.5 with SHA-256/384).
pub fn parse_and_verify_csr(bytes: &[u8]) -> Result<VerifiedCsr, CsrError> {
    let unreadable = |e: der::Error| CsrError::Unreadable {
        reason: e.to_string(),
    };
    let request = match std::str::from_utf8(bytes) {
        Ok(text) if text.trim_start().starts_with("-----BEGIN") => {
            CertReq::from_pem(text.trim()).map_err(unreadable)?
        }
        _ => CertReq::from_der(bytes).map_err(unreadable)?,
    };
    let der = request.to_der().map_err(unreadable)?;
    let spki_der = request.info.public_key.to_der().map_err(unreadable)?;
    let key_algorithm =
        KeyAlgorithm::of_spki(&request.info.public_key).map_err(CsrError::SignatureInvalid)?;
    let info = request.info.to_der().map_err(unreadable)?;
    certcheck::verify_signature(
        &request.info.public_key,
        &request.algorithm,
        &info,
        request.signature.raw_bytes(),
    )
    .map_err(CsrError::SignatureInvalid)?;
    let mut requested_extensions = Vec::new();
    for attr in request.info.attributes.iter() {
        if attr.oid == oid::EXTENSION_REQUEST {
            for value in attr.values.iter() {
                let req: ExtensionReq = value.decode_as().map_err(unreadable)?;
                requested_extensions.extend(req.0);
            }
        }
    }
    Ok(VerifiedCsr {
        der,
        request,
        spki_der,
        key_algorithm,
        requested_extensions,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::profile::{DEFAULT_PROFILES, Profiles, SubjectFacts};

    pub(crate) const KINDS: &[&str] = &["individual", "position", "system"];
    pub(crate) const USES: &[&str] =
        &["signature", "email", "document", "tls_server", "tls_client"];

    pub(crate) fn template(kind: &str, uses: &[&str], algorithm: &str) -> CertificateTemplate {
        let profiles = Profiles::parse(DEFAULT_PROFILES, KINDS, USES).unwrap();
        let facts = SubjectFacts {
            kind: kind.into(),
            uses: uses.iter().map(|u| u.to_string()).collect(),
            name: "Siti Rahmawati".into(),
            department: "Dinas Komunikasi, Informatika, Persandian dan Statistik".into(),
            position_title: Some("Kepala Bidang Persandian".into()),
            system_name: Some("SRIKANDI Kabupaten Bekasi".into()),
            nip: Some("198503152010012001".into()),
            email: Some("siti.rahmawati@bekasikab.go.id".into()),
            dns_names: vec!["srikandi.bekasikab.go.id".into()],
        };
        profiles.template(&facts, algorithm).unwrap()
    }

    pub(crate) fn p256_key() -> p256::ecdsa::SigningKey {
        loop {
            if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&rand::random::<[u8; 32]>()) {
                return k;
            }
        }
    }

    fn names(set: &BTreeSet<String>) -> Vec<&str> {
        set.iter().map(String::as_str).collect()
    }

    #[test]
    fn a_p256_csr_carries_the_template_subject_in_order_and_verifies() {
        let t = template("position", &["signature", "email"], "p256");
        let key = p256_key();
        let der = build_csr::<_, p256::ecdsa::DerSignature>(&t, &key).unwrap();
        let csr = parse_and_verify_csr(&der).unwrap();
        assert_eq!(
            csr.subject(),
            "SERIALNUMBER=NIP:198503152010012001,CN=Siti Rahmawati,TITLE=Kepala Bidang Persandian,\
             OU=Dinas Komunikasi\\, Informatika\\, Persandian dan Statistik,\
             O=Pemerintah Kabupaten Bekasi,C=ID"
        );
        assert_eq!(csr.key_algorithm, KeyAlgorithm::P256);
        let tags: Vec<Tag> = csr
            .request
            .info
            .subject
            .iter()
            .map(|atv| der::Tagged::tag(&atv.value))
            .collect();
        assert_eq!(
            tags,
            [
                Tag::PrintableString,
                Tag::Utf8String,
                Tag::Utf8String,
                Tag::Utf8String,
                Tag::Utf8String,
                Tag::PrintableString
            ]
        );
        let ids: Vec<_> = csr.requested_extensions.iter().map(|e| e.extn_id).collect();
        assert_eq!(
            ids,
            [
                oid::KEY_USAGE,
                oid::EXTENDED_KEY_USAGE,
                oid::SUBJECT_ALT_NAME
            ]
        );
        let ku = KeyUsage::from_der(csr.requested_extensions[0].extn_value.as_bytes()).unwrap();
        assert_eq!(
            names(&key_usage_names(&ku)),
            ["digitalSignature", "keyAgreement", "nonRepudiation"]
        );
        assert!(csr.requested_extensions[0].critical);
    }

    #[test]
    fn a_pem_csr_is_read_like_der() {
        let t = template("individual", &["signature"], "p256");
        let der = build_csr::<_, p256::ecdsa::DerSignature>(&t, &p256_key()).unwrap();
        let pem = csr_to_pem(&der).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
        assert_eq!(parse_and_verify_csr(pem.as_bytes()).unwrap().der, der);
    }

    #[test]
    fn p384_and_rsa_csrs_verify() {
        let t = template("individual", &["signature"], "p384");
        let key = p384::ecdsa::SigningKey::from_slice(&[7u8; 48]).unwrap();
        let der = build_csr::<_, p384::ecdsa::DerSignature>(&t, &key).unwrap();
        assert_eq!(
            parse_and_verify_csr(&der).unwrap().key_algorithm,
            KeyAlgorithm::P384
        );

        let t = template("individual", &["document"], "rsa2048");
        let key =
            rsa::pkcs1v15::SigningKey::<sha2::Sha256>::random(&mut rand::rng(), 2048).unwrap();
        let der = build_csr::<_, rsa::pkcs1v15::Signature>(&t, &key).unwrap();
        let csr = parse_and_verify_csr(&der).unwrap();
        assert_eq!(csr.key_algorithm, KeyAlgorithm::Rsa { bits: 2048 });
    }

    #[test]
    fn a_tampered_csr_fails_its_signature_check() {
        let t = template("individual", &["signature"], "p256");
        let mut der = build_csr::<_, p256::ecdsa::DerSignature>(&t, &p256_key()).unwrap();
        let at = der
            .windows(b"Siti".len())
            .position(|w| w == b"Siti")
            .unwrap();
        der[at] = b'X';
        assert!(matches!(
            parse_and_verify_csr(&der),
            Err(CsrError::SignatureInvalid(SignatureProblem::Mismatch))
        ));
    }

    #[test]
    fn garbage_is_an_unreadable_csr() {
        assert!(matches!(
            parse_and_verify_csr(b"not a csr"),
            Err(CsrError::Unreadable { .. })
        ));
    }

    #[test]
    fn a_country_outside_printable_string_is_refused() {
        let err = subject_name(&[("C".into(), "Indonésia".into())]).unwrap_err();
        assert!(matches!(err, CsrError::NotPrintable { .. }));
    }
}
