//! A CA run by the station itself. Its key is any RustCrypto signer: in production a P-256 key
//! on a PKCS#11 token (the token adapter's signer), in tests a software key.
//!
//! **The template decides the content, not the CSR**: the CSR only proves possession of the key
//! and supplies it. Subject, key usage (critical), extended key usage and subject alternative
//! names come from the [`CertificateTemplate`]; whatever else the CSR asks for is ignored.

use std::fmt;
use std::marker::PhantomData;

use der::asn1::{Ia5String, OctetString};
use der::{Decode, Encode, EncodePem};
use signature::{Keypair, Signer};
use spki::{DynSignatureAlgorithmIdentifier, EncodePublicKey, SignatureBitStringEncoding};
use time::{Duration, OffsetDateTime};
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder as _, CertificateBuilder, CrlBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::crl::RevokedCert;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints, CrlNumber, KeyUsage,
    KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, SubjectPublicKeyInfo};

use super::{
    CaError, CaRecords, CaRequest, CertificateAuthority, IssuedRecord, Revocation,
    RevocationReason, RevokedRecord, Submission, serial_hex,
};
use crate::certcheck::to_offset;
use crate::csr::{extension, oid, parse_and_verify_csr, subject_name, template_extensions};
use crate::domain::profile::CertificateTemplate;

/// The sandbox CA's subject (CN=Kustodi Sandbox CA, O=Pemerintah Kabupaten Bekasi, C=ID).
pub const SANDBOX_CA_SUBJECT: &[(&str, &str)] = &[
    ("C", "ID"),
    ("O", "Pemerintah Kabupaten Bekasi"),
    ("CN", "Kustodi Sandbox CA"),
];

/// How many random serials are tried before giving up (a collision is already ~2^-63).
const SERIAL_ATTEMPTS: u32 = 8;

fn build_err(e: impl fmt::Display) -> CaError {
    CaError::Build(e.to_string())
}

/// An X.509 `Time` for an instant (UTCTime until 2049, GeneralizedTime after), whole seconds.
pub fn to_time(t: OffsetDateTime) -> Result<Time, CaError> {
    let secs = u64::try_from(t.unix_timestamp())
        .map_err(|_| CaError::Build(format!("time {t} is before 1970")))?;
    let dt = der::DateTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .map_err(build_err)?;
    Ok(Time::from(dt))
}

/// Issuer, subject and no implicit extensions: every extension is added explicitly.
struct ExplicitProfile {
    issuer: Name,
    subject: Name,
}

impl BuilderProfile for ExplicitProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }
    fn get_subject(&self) -> Name {
        self.subject.clone()
    }
    fn build_extensions(
        &self,
        _spk: spki::SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: spki::SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(Vec::new())
    }
}

fn key_id(spki: &SubjectPublicKeyInfo) -> Result<OctetString, CaError> {
    use der::referenced::OwnedToRef as _;
    Ok(SubjectKeyIdentifier::try_from(spki.owned_to_ref())
        .map_err(build_err)?
        .0)
}

fn random_serial() -> Result<SerialNumber, CaError> {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] &= 0x7f; // positive
    if bytes[0] == 0 {
        bytes[0] = 0x01; // keep all 16 bytes significant
    }
    SerialNumber::new(&bytes).map_err(build_err)
}

/// The station's own certificate authority.
pub struct EmbeddedCa<K, Sig> {
    name: String,
    signer: K,
    certificate: Certificate,
    certificate_der: Vec<u8>,
    key_id: OctetString,
    crl_url: Option<String>,
    _signature: PhantomData<fn() -> Sig>,
}

impl<K, Sig> fmt::Debug for EmbeddedCa<K, Sig> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmbeddedCa")
            .field("name", &self.name)
            .field(
                "subject",
                &self.certificate.tbs_certificate().subject().to_string(),
            )
            .field("crl_url", &self.crl_url)
            .finish_non_exhaustive()
    }
}

impl<K, Sig> EmbeddedCa<K, Sig>
where
    K: Keypair + DynSignatureAlgorithmIdentifier + Signer<Sig>,
    K::VerifyingKey: EncodePublicKey,
    Sig: SignatureBitStringEncoding,
{
    /// Makes a self-signed root for `signer`'s key: basicConstraints CA:true (critical),
    /// key usage keyCertSign + cRLSign (critical), subject key identifier; valid from
    /// `not_before` for `validity_days`.
    pub fn create_root(
        signer: K,
        subject: &[(&str, &str)],
        not_before: OffsetDateTime,
        validity_days: u32,
    ) -> Result<Self, CaError> {
        let subject: Vec<(String, String)> = subject
            .iter()
            .map(|(a, v)| ((*a).to_owned(), (*v).to_owned()))
            .collect();
        let name = subject_name(&subject)?;
        let spki = SubjectPublicKeyInfo::from_key(&signer.verifying_key()).map_err(build_err)?;
        let validity = Validity::new(
            to_time(not_before)?,
            to_time(not_before + Duration::days(i64::from(validity_days)))?,
        );
        let profile = ExplicitProfile {
            issuer: name.clone(),
            subject: name,
        };
        let ski = key_id(&spki)?;
        let mut builder = CertificateBuilder::new(profile, random_serial()?, validity, spki)
            .map_err(build_err)?;
        let exts = [
            extension(
                oid::BASIC_CONSTRAINTS,
                true,
                &BasicConstraints {
                    ca: true,
                    path_len_constraint: None,
                },
            )?,
            extension(
                oid::KEY_USAGE,
                true,
                &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
            )?,
            extension(oid::SUBJECT_KEY_ID, false, &SubjectKeyIdentifier(ski))?,
        ];
        for ext in exts {
            builder.add_extension(ext).map_err(build_err)?;
        }
        let cert = builder.build::<K, Sig>(&signer).map_err(build_err)?;
        let der = cert.to_der().map_err(build_err)?;
        Self::from_certificate(signer, &der)
    }

    /// A CA from its existing certificate and the signer holding its key. The certificate
    /// must be a CA certificate for exactly that key.
    pub fn from_certificate(signer: K, certificate_der: &[u8]) -> Result<Self, CaError> {
        let certificate = Certificate::from_der(certificate_der).map_err(build_err)?;
        let tbs = certificate.tbs_certificate();
        let spki = SubjectPublicKeyInfo::from_key(&signer.verifying_key()).map_err(build_err)?;
        if tbs.subject_public_key_info() != &spki {
            return Err(CaError::Build(
                "the CA certificate is not for the signer's key".into(),
            ));
        }
        if !matches!(
            tbs.get_extension::<BasicConstraints>(),
            Ok(Some((_, BasicConstraints { ca: true, .. })))
        ) {
            return Err(CaError::Build(
                "the certificate is not a CA certificate (basicConstraints CA:true)".into(),
            ));
        }
        let key_id = match tbs.get_extension::<SubjectKeyIdentifier>() {
            Ok(Some((_, ski))) => ski.0,
            _ => key_id(&spki)?,
        };
        let cn = tbs
            .subject()
            .common_name()
            .ok()
            .flatten()
            .map_or_else(|| tbs.subject().to_string(), |cn| cn.value().into_owned());
        Ok(Self {
            name: format!("embedded:{cn}"),
            signer,
            certificate_der: certificate_der.to_vec(),
            certificate,
            key_id,
            crl_url: None,
            _signature: PhantomData,
        })
    }

    /// Puts a CRL distribution point (an HTTP URL) into issued certificates.
    pub fn with_crl_url(mut self, url: impl Into<String>) -> Self {
        self.crl_url = Some(url.into());
        self
    }

    /// The CA certificate, DER.
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate_der
    }

    /// The CA certificate, PEM.
    pub fn certificate_pem(&self) -> String {
        self.certificate
            .to_pem(der::pem::LineEnding::LF)
            .unwrap_or_default()
    }

    /// Issues a certificate for the key in `csr_der` with exactly the content of `template`,
    /// valid from now (the records' clock) for `template.validity_days`, and records it.
    pub fn issue(
        &self,
        records: &mut dyn CaRecords,
        csr_der: &[u8],
        template: &CertificateTemplate,
        request_id: &str,
    ) -> Result<Vec<u8>, CaError> {
        let csr = parse_and_verify_csr(csr_der)?;
        let algorithm = csr.key_algorithm.profile_name();
        if !template.algorithms.contains(&algorithm) {
            return Err(CaError::KeyAlgorithmNotAllowed {
                found: csr.key_algorithm,
                allowed: template.algorithms.clone(),
            });
        }
        let subject = subject_name(&template.subject)?;
        let spki = csr.request.info.public_key.clone();

        let mut serial = None;
        for _ in 0..SERIAL_ATTEMPTS {
            let candidate = random_serial()?;
            if !records.serial_exists(&self.name, &serial_hex(candidate.as_bytes()))? {
                serial = Some(candidate);
                break;
            }
        }
        let serial = serial.ok_or(CaError::SerialExhausted {
            attempts: SERIAL_ATTEMPTS,
        })?;
        let serial_hex = serial_hex(serial.as_bytes());

        let now = records.now().replace_nanosecond(0).map_err(build_err)?;
        let validity = Validity::new(
            to_time(now)?,
            to_time(now + Duration::days(i64::from(template.validity_days)))?,
        );
        let profile = ExplicitProfile {
            issuer: self.certificate.tbs_certificate().subject().clone(),
            subject,
        };
        let ski = key_id(&spki)?;
        let mut builder =
            CertificateBuilder::new(profile, serial, validity, spki).map_err(build_err)?;
        let mut exts = vec![extension(
            oid::BASIC_CONSTRAINTS,
            true,
            &BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
        )?];
        exts.extend(template_extensions(template)?);
        exts.push(extension(
            oid::SUBJECT_KEY_ID,
            false,
            &SubjectKeyIdentifier(ski),
        )?);
        exts.push(extension(
            oid::AUTHORITY_KEY_ID,
            false,
            &AuthorityKeyIdentifier {
                key_identifier: Some(self.key_id.clone()),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
        )?);
        if let Some(url) = &self.crl_url {
            let uri = Ia5String::new(url)
                .map_err(|_| CaError::Build(format!("CRL URL {url:?} is not ASCII")))?;
            exts.push(extension(
                oid::CRL_DISTRIBUTION_POINTS,
                false,
                &CrlDistributionPoints(vec![DistributionPoint {
                    distribution_point: Some(DistributionPointName::FullName(vec![
                        GeneralName::UniformResourceIdentifier(uri),
                    ])),
                    reasons: None,
                    crl_issuer: None,
                }]),
            )?);
        }
        for ext in exts {
            builder.add_extension(ext).map_err(build_err)?;
        }
        let cert = builder.build::<K, Sig>(&self.signer).map_err(build_err)?;
        let der = cert.to_der().map_err(build_err)?;
        let v = cert.tbs_certificate().validity();
        records.record_issued(&IssuedRecord {
            ca: self.name.clone(),
            serial_hex,
            subject: cert.tbs_certificate().subject().to_string(),
            not_before: to_offset(v.not_before),
            not_after: to_offset(v.not_after),
            request_id: request_id.to_owned(),
            der: der.clone(),
        })?;
        Ok(der)
    }

    /// Builds and signs the CRL (v2): the next CRL number, every revocation of this CA with
    /// its reason code (none for `unspecified`, as RFC 5280 asks), thisUpdate now and
    /// nextUpdate `next_update_in` later. Returns DER.
    pub fn crl(
        &self,
        records: &mut dyn CaRecords,
        next_update_in: Duration,
    ) -> Result<Vec<u8>, CaError> {
        let number = records.next_crl_number(&self.name)?;
        let now = records.now().replace_nanosecond(0).map_err(build_err)?;
        let mut revoked: Vec<RevokedCert> = Vec::new();
        for rev in records.revocations(&self.name)? {
            let serial = hex::decode(&rev.serial_hex).map_err(build_err)?;
            let extensions = if rev.reason == RevocationReason::Unspecified {
                None
            } else {
                Some(vec![extension(
                    oid::CRL_REASON,
                    false,
                    &rev.reason.crl_reason(),
                )?])
            };
            revoked.push(RevokedCert {
                serial_number: SerialNumber::new(&serial).map_err(build_err)?,
                revocation_date: to_time(rev.revoked_at)?,
                crl_entry_extensions: extensions,
            });
        }
        let crl = CrlBuilder::new_with_this_update(
            &self.certificate,
            CrlNumber::try_from(number).map_err(build_err)?,
            to_time(now)?,
        )
        .map_err(build_err)?
        .with_next_update(Some(to_time(now + next_update_in)?))
        .with_certificates(revoked.into_iter())
        .build::<K, Sig>(&self.signer)
        .map_err(build_err)?;
        crl.to_der().map_err(build_err)
    }
}

impl<K, Sig> CertificateAuthority for EmbeddedCa<K, Sig>
where
    K: Keypair + DynSignatureAlgorithmIdentifier + Signer<Sig>,
    K::VerifyingKey: EncodePublicKey,
    Sig: SignatureBitStringEncoding,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn submit(
        &mut self,
        records: &mut dyn CaRecords,
        request: &CaRequest<'_>,
    ) -> Result<Submission, CaError> {
        let certificate_der = self.issue(
            records,
            request.csr_der,
            request.template,
            request.request_id,
        )?;
        Ok(Submission::Issued {
            certificate_der,
            chain_der: vec![self.certificate_der.clone()],
        })
    }

    fn revoke(
        &mut self,
        records: &mut dyn CaRecords,
        serial: &[u8],
        reason: RevocationReason,
    ) -> Result<Revocation, CaError> {
        let serial_hex = serial_hex(serial);
        if records.issued(&self.name, &serial_hex)?.is_none() {
            return Err(CaError::NotIssuedHere {
                ca: self.name.clone(),
                serial_hex,
            });
        }
        let record = RevokedRecord {
            serial_hex: serial_hex.clone(),
            reason,
            revoked_at: records.now().replace_nanosecond(0).map_err(build_err)?,
        };
        if let Some(earlier) = records.record_revocation(&self.name, &record)? {
            return Err(CaError::AlreadyRevoked {
                serial_hex,
                reason: earlier.reason,
                revoked_at: earlier.revoked_at,
            });
        }
        Ok(Revocation::Done {
            serial_hex,
            reason,
            revoked_at: record.revoked_at,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::certcheck::{self, CheckError};
    use crate::csr::tests::{p256_key, template};
    use crate::csr::{build_csr, public_key_der};
    use crate::domain::ledger::test_support::TestSigner;
    use crate::ports::clock::FixedClock;
    use crate::store::{SqliteStore, StoreError};
    use p256::ecdsa::{DerSignature, SigningKey};
    use time::macros::datetime;
    use x509_cert::crl::CertificateList;

    pub(crate) const T0: OffsetDateTime = datetime!(2025-03-01 08:00:00 UTC);

    pub(crate) type P256Ca = EmbeddedCa<SigningKey, DerSignature>;

    /// A store in a temporary directory and the means to run units of work on it.
    pub(crate) struct Records {
        _dir: tempfile::TempDir,
        pub(crate) store: SqliteStore,
        signer: TestSigner,
        pub(crate) clock: FixedClock,
    }

    impl Records {
        pub(crate) fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let store = SqliteStore::open(dir.path().join("k.sqlite")).unwrap();
            Self {
                _dir: dir,
                store,
                signer: TestSigner::from_seed(1),
                clock: FixedClock(T0),
            }
        }

        pub(crate) fn run<T>(
            &mut self,
            f: impl FnOnce(&mut dyn CaRecords) -> Result<T, CaError>,
        ) -> Result<T, CaError> {
            let clock = self.clock;
            self.store.unit_of_work(&self.signer, &clock, |tx| f(tx))
        }
    }

    pub(crate) fn sandbox_ca() -> P256Ca {
        EmbeddedCa::create_root(p256_key(), SANDBOX_CA_SUBJECT, T0 - Duration::days(1), 3650)
            .unwrap()
    }

    #[test]
    fn a_root_is_a_self_signed_ca_for_certificate_and_crl_signing() {
        let ca = sandbox_ca();
        assert_eq!(ca.name(), "embedded:Kustodi Sandbox CA");
        let cert = Certificate::from_der(ca.certificate_der()).unwrap();
        let tbs = cert.tbs_certificate();
        assert_eq!(
            tbs.subject().to_string(),
            "CN=Kustodi Sandbox CA,O=Pemerintah Kabupaten Bekasi,C=ID"
        );
        assert_eq!(tbs.subject(), tbs.issuer());
        let (critical, bc) = tbs.get_extension::<BasicConstraints>().unwrap().unwrap();
        assert!(critical && bc.ca);
        let (critical, ku) = tbs.get_extension::<KeyUsage>().unwrap().unwrap();
        assert!(critical);
        assert_eq!(
            crate::csr::key_usage_names(&ku)
                .into_iter()
                .collect::<Vec<_>>(),
            ["cRLSign", "keyCertSign"]
        );
        assert!(
            tbs.get_extension::<SubjectKeyIdentifier>()
                .unwrap()
                .is_some()
        );
        certcheck::verify_certificate_signature(&cert, tbs.subject_public_key_info()).unwrap();
        assert!(
            ca.certificate_pem()
                .starts_with("-----BEGIN CERTIFICATE-----")
        );
    }

    #[test]
    fn the_template_decides_the_content_not_the_csr() {
        let ca = sandbox_ca();
        let key = p256_key();
        // The CSR asks for e-mail protection, an e-mail SAN and a TLS server name too …
        let greedy = template("system", &["signature", "email", "tls_server"], "p256");
        let csr = build_csr::<_, DerSignature>(&greedy, &key).unwrap();
        // … the template of the approved application says signature only.
        let approved = template("individual", &["signature"], "p256");
        let mut records = Records::new();
        let der = records
            .run(|r| ca.issue(r, &csr, &approved, "APP-000001"))
            .unwrap();
        let checked = certcheck::check(
            &der,
            &[],
            &[ca.certificate_der().to_vec()],
            &public_key_der(&key).unwrap(),
            &approved,
            T0,
        )
        .unwrap();
        assert!(checked.subject.contains("CN=Siti Rahmawati"));
        let usage = certcheck::usage_of(&checked.certificate).unwrap();
        assert!(usage.extended_key_usage.is_empty());
        assert!(usage.alt_names.is_empty());
        let tbs = checked.certificate.tbs_certificate();
        let (_, bc) = tbs.get_extension::<BasicConstraints>().unwrap().unwrap();
        assert!(!bc.ca);
        let (_, aki) = tbs
            .get_extension::<AuthorityKeyIdentifier>()
            .unwrap()
            .unwrap();
        assert_eq!(aki.key_identifier, Some(ca.key_id.clone()));
        assert_eq!(checked.not_before, T0);
        assert_eq!(checked.not_after, T0 + Duration::days(730));
    }

    #[test]
    fn issued_certificates_get_distinct_positive_serials_and_are_recorded() {
        let ca = sandbox_ca().with_crl_url("http://pki.bekasikab.go.id/sandbox.crl");
        let t = template("individual", &["signature"], "p256");
        let mut records = Records::new();
        let mut serials = Vec::new();
        for i in 0..3 {
            let csr = build_csr::<_, DerSignature>(&t, &p256_key()).unwrap();
            let der = records
                .run(|r| ca.issue(r, &csr, &t, &format!("APP-00000{i}")))
                .unwrap();
            let cert = Certificate::from_der(&der).unwrap();
            let serial = cert.tbs_certificate().serial_number().as_bytes().to_vec();
            assert!(serial[0] < 0x80 && serial.len() <= 16);
            let dp = cert
                .tbs_certificate()
                .get_extension::<CrlDistributionPoints>()
                .unwrap();
            assert!(dp.is_some());
            let hex = serial_hex(&serial);
            let rec = records
                .run(|r| Ok(r.issued(ca.name(), &hex)?))
                .unwrap()
                .unwrap();
            assert_eq!(rec.der, der);
            assert_eq!(rec.request_id, format!("APP-00000{i}"));
            serials.push(serial);
        }
        serials.sort();
        serials.dedup();
        assert_eq!(serials.len(), 3);
    }

    #[test]
    fn a_csr_with_a_broken_signature_is_refused() {
        let ca = sandbox_ca();
        let t = template("individual", &["signature"], "p256");
        let mut csr = build_csr::<_, DerSignature>(&t, &p256_key()).unwrap();
        let last = csr.len() - 1;
        csr[last] ^= 0x01;
        let mut records = Records::new();
        let err = records
            .run(|r| ca.issue(r, &csr, &t, "APP-000001"))
            .unwrap_err();
        assert!(matches!(err, CaError::CsrSignatureInvalid(_)), "{err}");
    }

    #[test]
    fn a_key_algorithm_the_profile_does_not_allow_is_refused() {
        let ca = sandbox_ca();
        let mut t = template("individual", &["signature"], "p256");
        t.algorithms = vec!["p384".into()];
        let csr = build_csr::<_, DerSignature>(&t, &p256_key()).unwrap();
        let mut records = Records::new();
        let err = records
            .run(|r| ca.issue(r, &csr, &t, "APP-000001"))
            .unwrap_err();
        assert!(matches!(
            err,
            CaError::KeyAlgorithmNotAllowed {
                found: certcheck::KeyAlgorithm::P256,
                ..
            }
        ));
    }

    fn issue_one(ca: &P256Ca, records: &mut Records) -> Vec<u8> {
        let t = template("individual", &["signature"], "p256");
        let csr = build_csr::<_, DerSignature>(&t, &p256_key()).unwrap();
        let der = records
            .run(|r| ca.issue(r, &csr, &t, "APP-000001"))
            .unwrap();
        Certificate::from_der(&der)
            .unwrap()
            .tbs_certificate()
            .serial_number()
            .as_bytes()
            .to_vec()
    }

    #[test]
    fn revocation_is_recorded_once_and_only_for_own_certificates() {
        let mut ca = sandbox_ca();
        let mut records = Records::new();
        let serial = issue_one(&ca, &mut records);
        let done = records
            .run(|r| ca.revoke(r, &serial, RevocationReason::KeyCompromise))
            .unwrap();
        assert_eq!(
            done,
            Revocation::Done {
                serial_hex: serial_hex(&serial),
                reason: RevocationReason::KeyCompromise,
                revoked_at: T0,
            }
        );
        let again = records
            .run(|r| ca.revoke(r, &serial, RevocationReason::Superseded))
            .unwrap_err();
        assert!(matches!(
            again,
            CaError::AlreadyRevoked {
                reason: RevocationReason::KeyCompromise,
                ..
            }
        ));
        let unknown = records
            .run(|r| ca.revoke(r, &[0x42], RevocationReason::Unspecified))
            .unwrap_err();
        assert!(matches!(unknown, CaError::NotIssuedHere { .. }));
    }

    #[test]
    fn the_crl_lists_revoked_serials_with_reasons_and_counts_up() {
        let mut ca = sandbox_ca();
        let mut records = Records::new();
        let kept = issue_one(&ca, &mut records);
        let revoked = issue_one(&ca, &mut records);
        let unspecified = issue_one(&ca, &mut records);
        records
            .run(|r| ca.revoke(r, &revoked, RevocationReason::AffiliationChanged))
            .unwrap();
        records
            .run(|r| ca.revoke(r, &unspecified, RevocationReason::Unspecified))
            .unwrap();
        let first = records.run(|r| ca.crl(r, Duration::days(7))).unwrap();
        let second = records.run(|r| ca.crl(r, Duration::days(7))).unwrap();

        let crl: CertificateList = CertificateList::from_der(&second).unwrap();
        let tbs = &crl.tbs_cert_list;
        let root = Certificate::from_der(ca.certificate_der()).unwrap();
        certcheck::verify_signature(
            root.tbs_certificate().subject_public_key_info(),
            &crl.signature_algorithm,
            &tbs.to_der().unwrap(),
            crl.signature.raw_bytes(),
        )
        .unwrap();
        assert_eq!(tbs.version, x509_cert::Version::V2);
        assert_eq!(certcheck::to_offset(tbs.this_update), T0);
        assert_eq!(
            tbs.next_update.map(certcheck::to_offset),
            Some(T0 + Duration::days(7))
        );
        let entries = tbs.revoked_certificates.as_ref().unwrap();
        let listed: Vec<_> = entries.iter().map(|e| e.serial_number.as_bytes()).collect();
        assert!(listed.contains(&revoked.as_slice()));
        assert!(listed.contains(&unspecified.as_slice()));
        assert!(!listed.contains(&kept.as_slice()));
        let entry = entries
            .iter()
            .find(|e| e.serial_number.as_bytes() == revoked.as_slice())
            .unwrap();
        let ext = &entry.crl_entry_extensions.as_ref().unwrap()[0];
        assert_eq!(ext.extn_id, oid::CRL_REASON);
        let number = |der: &[u8]| {
            let crl: CertificateList = CertificateList::from_der(der).unwrap();
            let ext = crl
                .tbs_cert_list
                .crl_extensions
                .unwrap()
                .into_iter()
                .find(|e| e.extn_id == der::asn1::ObjectIdentifier::new_unwrap("2.5.29.20"))
                .unwrap();
            CrlNumber::from_der(ext.extn_value.as_bytes()).unwrap().0
        };
        assert_eq!(number(&first).as_bytes(), [1]);
        assert_eq!(number(&second).as_bytes(), [2]);
    }

    #[test]
    fn an_rsa_key_can_be_the_ca_key_and_the_subject_key() {
        let ca_key =
            rsa::pkcs1v15::SigningKey::<sha2::Sha256>::random(&mut rand::rng(), 2048).unwrap();
        let ca: EmbeddedCa<_, rsa::pkcs1v15::Signature> =
            EmbeddedCa::create_root(ca_key, SANDBOX_CA_SUBJECT, T0 - Duration::days(1), 365)
                .unwrap();
        let key =
            rsa::pkcs1v15::SigningKey::<sha2::Sha256>::random(&mut rand::rng(), 2048).unwrap();
        let t = template("individual", &["document"], "rsa2048");
        let csr = build_csr::<_, rsa::pkcs1v15::Signature>(&t, &key).unwrap();
        let mut records = Records::new();
        let der = records
            .run(|r| ca.issue(r, &csr, &t, "APP-000009"))
            .unwrap();
        certcheck::check(
            &der,
            &[],
            &[ca.certificate_der().to_vec()],
            &public_key_der(&key).unwrap(),
            &t,
            T0,
        )
        .unwrap();
    }

    #[test]
    fn the_ca_records_roll_back_with_a_failing_unit_of_work() {
        let ca = sandbox_ca();
        let t = template("individual", &["signature"], "p256");
        let csr = build_csr::<_, DerSignature>(&t, &p256_key()).unwrap();
        let mut records = Records::new();
        let r: Result<(), CaError> = records.run(|r| {
            ca.issue(r, &csr, &t, "APP-000001")?;
            Err(CaError::Store(StoreError::Corrupt(
                "later step failed".into(),
            )))
        });
        assert!(r.is_err());
        let n: i64 = rusqlite::Connection::open(records.store.path())
            .unwrap()
            .query_row("SELECT count(*) FROM ca_certificates", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
        let _ = CheckError::IsCaCertificate;
    }
}
