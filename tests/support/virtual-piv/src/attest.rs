//! Test attestation PKI shaped like a YubiKey's: a root CA (stand-in for Yubico's CA), a per-card
//! device certificate ("slot F9", signed by the root, no basicConstraints like a real one), and
//! per-slot attestation certificates signed by the F9 key carrying the Yubico extensions.
//!
//! Everything is P-256/ECDSA-SHA256. NOT Yubico's PKI: trust `attestation-root.pem` in tests only.

use std::{
    fs,
    io::Write as _,
    path::{Path, PathBuf},
    str::FromStr as _,
    time::{Duration, SystemTime},
};

use der::{
    asn1::{Any, BitString, GeneralizedTime, ObjectIdentifier, OctetString, UtcTime},
    pem::LineEnding,
    DecodePem as _, Encode as _, EncodePem as _,
};
use p256::{
    ecdsa::{signature::Signer as _, DerSignature, SigningKey},
    pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _},
    SecretKey,
};
use rand_core::{OsRng, RngCore as _};
use x509_cert::{
    ext::{
        pkix::{BasicConstraints, KeyUsage, KeyUsages},
        Extension,
    },
    name::Name,
    serial_number::SerialNumber,
    spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned},
    time::{Time, Validity},
    Certificate, TbsCertificate, Version,
};

pub type Result<T> = std::result::Result<T, String>;

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const OID_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
/// Yubico PIV attestation extensions.
pub const OID_YK_FIRMWARE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.41482.3.3");
pub const OID_YK_SERIAL: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.41482.3.7");
pub const OID_YK_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.41482.3.8");
pub const OID_YK_FORM_FACTOR: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.41482.3.9");

const ROOT_CERT_FILE: &str = "root-cert.pem";
const ROOT_KEY_FILE: &str = "root-key.pem";
// RFC 4514 order (most specific first); the DER/openssl order is the reverse.
const ROOT_SUBJECT: &str = "CN=Kustodi Test PIV Attestation Root CA,O=Kustodi test harness (not Yubico)";
const F9_SUBJECT_TAIL: &str = "OU=virtual-piv test device,O=Kustodi test harness (not Yubico)";
const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);

/// Public key of a slot, as the card returned it from GENERATE ASYMMETRIC KEY PAIR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotPublicKey {
    /// Uncompressed point (tag 86), P-256 or P-384 by length.
    Ec(Vec<u8>),
    /// Modulus (tag 81), public exponent (tag 82).
    Rsa { modulus: Vec<u8>, exponent: Vec<u8> },
}

impl SlotPublicKey {
    pub fn spki(&self) -> Result<SubjectPublicKeyInfoOwned> {
        match self {
            SlotPublicKey::Ec(point) => {
                let curve = match point.len() {
                    65 => OID_SECP256R1,
                    97 => OID_SECP384R1,
                    n => return Err(format!("unsupported EC point length {n}")),
                };
                Ok(SubjectPublicKeyInfoOwned {
                    algorithm: AlgorithmIdentifierOwned {
                        oid: OID_EC_PUBLIC_KEY,
                        parameters: Some(Any::encode_from(&curve).map_err(e)?),
                    },
                    subject_public_key: BitString::from_bytes(point).map_err(e)?,
                })
            }
            SlotPublicKey::Rsa { modulus, exponent } => {
                let mut ints = crate::tlv::der_uint(modulus);
                ints.extend(crate::tlv::der_uint(exponent));
                let rsa_public_key = crate::tlv::encode(0x30, &ints);
                Ok(SubjectPublicKeyInfoOwned {
                    algorithm: AlgorithmIdentifierOwned {
                        oid: OID_RSA_ENCRYPTION,
                        parameters: Some(Any::null()),
                    },
                    subject_public_key: BitString::from_bytes(&rsa_public_key).map_err(e)?,
                })
            }
        }
    }

    /// The TLVs inside 7F49 (for GET METADATA tag 04).
    pub fn piv_tlvs(&self) -> Vec<u8> {
        match self {
            SlotPublicKey::Ec(point) => crate::tlv::encode(0x86, point),
            SlotPublicKey::Rsa { modulus, exponent } => {
                let mut v = crate::tlv::encode(0x81, modulus);
                v.extend(crate::tlv::encode(0x82, exponent));
                v
            }
        }
    }
}

fn e(err: impl std::fmt::Display) -> String {
    err.to_string()
}

fn time(t: SystemTime) -> Result<Time> {
    let g = GeneralizedTime::from_system_time(t).map_err(e)?;
    let dt = g.to_date_time();
    Ok(if dt.year() < 2050 {
        UtcTime::from_date_time(dt).map_err(e)?.into()
    } else {
        g.into()
    })
}

fn random_serial() -> Result<SerialNumber> {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b[0] = (b[0] & 0x7f) | 0x01;
    SerialNumber::new(&b).map_err(e)
}

fn ec_spki(key: &SecretKey) -> Result<SubjectPublicKeyInfoOwned> {
    let point = key.public_key().to_sec1_bytes();
    SlotPublicKey::Ec(point.to_vec()).spki()
}

fn ext(oid: ObjectIdentifier, critical: bool, value: Vec<u8>) -> Result<Extension> {
    Ok(Extension { extn_id: oid, critical, extn_value: OctetString::new(value).map_err(e)? })
}

fn sign(tbs: TbsCertificate, key: &SecretKey) -> Result<Certificate> {
    let tbs_der = tbs.to_der().map_err(e)?;
    let sig: DerSignature = SigningKey::from(key).sign(&tbs_der);
    Ok(Certificate {
        tbs_certificate: tbs,
        signature_algorithm: AlgorithmIdentifierOwned { oid: OID_ECDSA_SHA256, parameters: None },
        signature: BitString::from_bytes(sig.as_bytes()).map_err(e)?,
    })
}

fn tbs(
    issuer: &Name,
    subject: &Name,
    validity: Validity,
    spki: SubjectPublicKeyInfoOwned,
    extensions: Vec<Extension>,
) -> Result<TbsCertificate> {
    Ok(TbsCertificate {
        version: Version::V3,
        serial_number: random_serial()?,
        signature: AlgorithmIdentifierOwned { oid: OID_ECDSA_SHA256, parameters: None },
        issuer: issuer.clone(),
        validity,
        subject: subject.clone(),
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    })
}

fn key_usage(usages: KeyUsage) -> Result<Extension> {
    ext(OID_KEY_USAGE, true, usages.to_der().map_err(e)?)
}

/// The root of the test attestation PKI.
pub struct AttestationRoot {
    pub cert: Certificate,
    key: SecretKey,
}

impl AttestationRoot {
    fn generate() -> Result<Self> {
        let key = SecretKey::random(&mut OsRng);
        let name = Name::from_str(ROOT_SUBJECT).map_err(e)?;
        let now = SystemTime::now();
        let validity = Validity {
            not_before: time(now - Duration::from_secs(3600))?,
            not_after: time(now + 20 * YEAR)?,
        };
        let bc = BasicConstraints { ca: true, path_len_constraint: None };
        let extensions = vec![
            ext(OID_BASIC_CONSTRAINTS, true, bc.to_der().map_err(e)?)?,
            key_usage(KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign))?,
        ];
        let cert = sign(tbs(&name, &name, validity, ec_spki(&key)?, extensions)?, &key)?;
        Ok(Self { cert, key })
    }

    /// Loads the root from `dir`, or creates it there (race-safe: first writer wins).
    pub fn load_or_create(dir: Option<&Path>) -> Result<Self> {
        let Some(dir) = dir else { return Self::generate() };
        let cert_path = dir.join(ROOT_CERT_FILE);
        let key_path = dir.join(ROOT_KEY_FILE);
        if !cert_path.exists() {
            fs::create_dir_all(dir).map_err(|err| format!("creating {}: {err}", dir.display()))?;
            let fresh = Self::generate()?;
            let key_pem = fresh.key.to_pkcs8_pem(LineEnding::LF).map_err(e)?;
            let cert_pem = fresh.cert.to_pem(LineEnding::LF).map_err(e)?;
            // Key first, then the certificate by hard link (fails if another process won).
            write_atomic(&key_path, key_pem.as_bytes(), true)?;
            let tmp = dir.join(format!(".{ROOT_CERT_FILE}.{}", std::process::id()));
            write_file(&tmp, cert_pem.as_bytes(), false)?;
            let linked = fs::hard_link(&tmp, &cert_path);
            let _ = fs::remove_file(&tmp);
            if linked.is_ok() {
                return Ok(fresh);
            }
        }
        let cert_pem = fs::read_to_string(&cert_path)
            .map_err(|err| format!("reading {}: {err}", cert_path.display()))?;
        let key_pem = fs::read_to_string(&key_path)
            .map_err(|err| format!("reading {}: {err}", key_path.display()))?;
        let cert = Certificate::from_pem(cert_pem.as_bytes())
            .map_err(|err| format!("parsing {}: {err}", cert_path.display()))?;
        let key = SecretKey::from_pkcs8_pem(&key_pem)
            .map_err(|err| format!("parsing {}: {err}", key_path.display()))?;
        if cert.tbs_certificate.subject_public_key_info != ec_spki(&key)? {
            return Err(format!("{} does not match {}", key_path.display(), cert_path.display()));
        }
        Ok(Self { cert, key })
    }

    /// Issues a fresh device ("F9") key and certificate for one card.
    pub fn issue_device(&self, serial: u32) -> Result<DeviceAttestation> {
        let key = SecretKey::random(&mut OsRng);
        let subject = Name::from_str(&format!("CN=Yubico PIV Attestation,serialNumber={serial},{F9_SUBJECT_TAIL}")).map_err(e)?;
        let root_validity = self.cert.tbs_certificate.validity;
        let validity = Validity {
            not_before: root_validity.not_before,
            not_after: time(SystemTime::now() + 15 * YEAR)?,
        };
        // Like a YubiKey's F9 certificate: no basicConstraints. keyUsage keyCertSign makes
        // OpenSSL accept it as an issuer (X509_check_ca returns 4 for "KU has certSign").
        let extensions = vec![key_usage(KeyUsage(
            KeyUsages::KeyCertSign | KeyUsages::DigitalSignature,
        ))?];
        let issuer = self.cert.tbs_certificate.subject.clone();
        let cert = sign(tbs(&issuer, &subject, validity, ec_spki(&key)?, extensions)?, &self.key)?;
        let der = cert.to_der().map_err(e)?;
        Ok(DeviceAttestation { cert, der, key })
    }

    pub fn pem(&self) -> Result<String> {
        self.cert.to_pem(LineEnding::LF).map_err(e)
    }
}

/// One card's attestation identity (the slot-F9 key and certificate).
pub struct DeviceAttestation {
    pub cert: Certificate,
    pub der: Vec<u8>,
    key: SecretKey,
}

/// What goes into a slot attestation besides the key.
#[derive(Debug, Clone, Copy)]
pub struct AttestedFacts {
    pub slot: u8,
    pub firmware: [u8; 3],
    pub serial: u32,
    pub pin_policy: u8,
    pub touch_policy: u8,
    pub form_factor: u8,
}

impl DeviceAttestation {
    pub fn pem(&self) -> Result<String> {
        self.cert.to_pem(LineEnding::LF).map_err(e)
    }

    /// DER of the attestation certificate for a slot key.
    pub fn attest(&self, key: &SlotPublicKey, facts: AttestedFacts) -> Result<Vec<u8>> {
        let subject =
            Name::from_str(&format!("CN=YubiKey PIV Attestation {:02x}", facts.slot)).map_err(e)?;
        let serial_der = crate::tlv::der_uint(&facts.serial.to_be_bytes());
        let extensions = vec![
            ext(OID_YK_FIRMWARE, false, facts.firmware.to_vec())?,
            ext(OID_YK_SERIAL, false, serial_der)?,
            ext(OID_YK_POLICY, false, vec![facts.pin_policy, facts.touch_policy])?,
            ext(OID_YK_FORM_FACTOR, false, vec![facts.form_factor])?,
        ];
        let tbs = tbs(
            &self.cert.tbs_certificate.subject,
            &subject,
            self.cert.tbs_certificate.validity,
            key.spki()?,
            extensions,
        )?;
        sign(tbs, &self.key)?.to_der().map_err(e)
    }
}

fn write_file(path: &Path, data: &[u8], private: bool) -> Result<()> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    if private {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|err| format!("writing {}: {err}", path.display()))?;
    f.write_all(data).map_err(|err| format!("writing {}: {err}", path.display()))
}

/// Writes via a temporary file and rename, so readers never see half a file.
pub fn write_atomic(path: &Path, data: &[u8], private: bool) -> Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp: PathBuf = path.with_file_name(format!(".{name}.{}", std::process::id()));
    write_file(&tmp, data, private)?;
    fs::rename(&tmp, path).map_err(|err| format!("renaming to {}: {err}", path.display()))
}

/// Parses the DER of a certificate (used by self-tests).
#[cfg(test)]
pub fn parse_der(der: &[u8]) -> Result<Certificate> {
    use der::Decode as _;
    Certificate::from_der(der).map_err(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::{signature::Verifier as _, VerifyingKey};

    fn verify(cert: &Certificate, issuer: &Certificate) {
        let tbs = cert.tbs_certificate.to_der().unwrap();
        let point = issuer.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes();
        let vk = VerifyingKey::from_sec1_bytes(point).unwrap();
        let sig = p256::ecdsa::DerSignature::try_from(cert.signature.raw_bytes()).unwrap();
        vk.verify(&tbs, &sig).unwrap();
        assert_eq!(cert.tbs_certificate.issuer, issuer.tbs_certificate.subject);
    }

    #[test]
    fn chain_verifies_and_carries_yubico_extensions() {
        let root = AttestationRoot::generate().unwrap();
        let dev = root.issue_device(5437251).unwrap();
        verify(&root.cert, &root.cert);
        verify(&dev.cert, &root.cert);
        let slot_key = SecretKey::random(&mut OsRng);
        let pk = SlotPublicKey::Ec(slot_key.public_key().to_sec1_bytes().to_vec());
        let facts = AttestedFacts {
            slot: 0x9c,
            firmware: [5, 4, 3],
            serial: 5437251,
            pin_policy: 3,
            touch_policy: 1,
            form_factor: 1,
        };
        let att = parse_der(&dev.attest(&pk, facts).unwrap()).unwrap();
        verify(&att, &dev.cert);
        assert_eq!(att.tbs_certificate.subject.to_string(), "CN=YubiKey PIV Attestation 9c");
        let exts = att.tbs_certificate.extensions.unwrap();
        let get = |oid| exts.iter().find(|x| x.extn_id == oid).unwrap().extn_value.as_bytes().to_vec();
        assert_eq!(get(OID_YK_FIRMWARE), vec![5, 4, 3]);
        assert_eq!(get(OID_YK_SERIAL), vec![0x02, 0x03, 0x52, 0xf7, 0x43]);
        assert_eq!(get(OID_YK_POLICY), vec![3, 1]);
        assert_eq!(get(OID_YK_FORM_FACTOR), vec![1]);
        let rsa = SlotPublicKey::Rsa { modulus: vec![0xc5; 256], exponent: vec![1, 0, 1] };
        let spki = rsa.spki().unwrap();
        assert_eq!(spki.subject_public_key.raw_bytes().len(), 270);
    }

    #[test]
    fn root_is_persisted_and_reloaded() {
        let dir = std::env::temp_dir().join(format!("vpiv-ca-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let a = AttestationRoot::load_or_create(Some(&dir)).unwrap();
        let b = AttestationRoot::load_or_create(Some(&dir)).unwrap();
        assert_eq!(a.cert, b.cert);
        fs::remove_dir_all(&dir).unwrap();
    }
}
