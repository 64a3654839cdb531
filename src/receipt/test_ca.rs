//! A tiny test CA with software keys, for the receipt tests. Shared by the unit tests and
//! `tests/receipt_openssl.rs` (included there by path), so it uses only external crates.
#![allow(dead_code)]

use std::str::FromStr;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use spki::{EncodePublicKey, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::Certificate;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

/// RSA PKCS#1 v1.5 / SHA-256 software signer.
pub type RsaSigner = rsa::pkcs1v15::SigningKey<sha2::Sha256>;

struct Profile {
    issuer: Name,
    subject: Name,
    ca: bool,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let subject = tbs.subject();
        let mut ext: Vec<Extension> = Vec::new();
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        let aki = SubjectKeyIdentifier::try_from(issuer_spk)?;
        ext.push(
            BasicConstraints {
                ca: self.ca,
                path_len_constraint: None,
            }
            .to_extension(subject, &ext)?,
        );
        let usage = if self.ca {
            KeyUsages::KeyCertSign | KeyUsages::CRLSign
        } else {
            KeyUsages::DigitalSignature | KeyUsages::NonRepudiation
        };
        ext.push(KeyUsage(usage).to_extension(subject, &ext)?);
        ext.push(ski.to_extension(subject, &ext)?);
        if !self.ca {
            ext.push(
                AuthorityKeyIdentifier {
                    key_identifier: Some(aki.0),
                    ..Default::default()
                }
                .to_extension(subject, &ext)?,
            );
        }
        Ok(ext)
    }
}

/// A P-256 software key from a one-byte seed (deterministic, distinct per seed).
pub fn p256_key(seed: u8) -> p256::ecdsa::SigningKey {
    let mut bytes = [0x11u8; 32];
    bytes[31] = seed;
    bytes[0] = 0x42;
    p256::ecdsa::SigningKey::from_slice(&bytes).expect("valid scalar")
}

/// An RSA-2048 software key, generated once per test process.
pub fn rsa_key() -> RsaSigner {
    static KEY: OnceLock<rsa::PrivateKey> = OnceLock::new();
    let key = KEY.get_or_init(|| rsa::PrivateKey::new(&mut rand::rng(), 2048).expect("rsa keygen"));
    RsaSigner::new(key.clone())
}

fn validity(from: SystemTime, days: u64) -> Validity {
    Validity::new(
        Time::try_from(from).expect("time"),
        Time::try_from(from + Duration::from_secs(days * 86_400)).expect("time"),
    )
}

/// A self-signed P-256 root standing in for the CA.
pub struct TestCa {
    pub key: p256::ecdsa::SigningKey,
    pub cert: Certificate,
}

impl TestCa {
    pub fn new(cn: &str, seed: u8) -> Self {
        let key = p256_key(seed);
        let name = Name::from_str(&format!("CN={cn},O=Kustodi Test,C=ID")).expect("name");
        let spki = SubjectPublicKeyInfoOwned::from_key(key.verifying_key()).expect("spki");
        let start = SystemTime::now() - Duration::from_secs(86_400);
        let builder = CertificateBuilder::new(
            Profile {
                issuer: name.clone(),
                subject: name,
                ca: true,
            },
            SerialNumber::from(1u32),
            validity(start, 3650),
            spki,
        )
        .expect("builder");
        let cert = builder
            .build::<_, p256::ecdsa::DerSignature>(&key)
            .expect("ca cert");
        TestCa { key, cert }
    }

    /// Issues an end-entity signing certificate (KU digitalSignature + nonRepudiation).
    pub fn issue(&self, cn: &str, serial: u32, public_key: &impl EncodePublicKey) -> Certificate {
        self.issue_from(
            cn,
            serial,
            public_key,
            SystemTime::now() - Duration::from_secs(3600),
            730,
        )
    }

    /// As [`TestCa::issue`], valid for `days` from `from`.
    pub fn issue_from(
        &self,
        cn: &str,
        serial: u32,
        public_key: &impl EncodePublicKey,
        from: SystemTime,
        days: u64,
    ) -> Certificate {
        let spki = SubjectPublicKeyInfoOwned::from_key(public_key).expect("spki");
        let builder = CertificateBuilder::new(
            Profile {
                issuer: self.cert.tbs_certificate().subject().clone(),
                subject: Name::from_str(&format!("CN={cn},O=Pemerintah Kabupaten Bekasi,C=ID"))
                    .expect("name"),
                ca: false,
            },
            SerialNumber::from(serial),
            validity(from, days),
            spki,
        )
        .expect("builder");
        builder
            .build::<_, p256::ecdsa::DerSignature>(&self.key)
            .expect("cert")
    }

    /// The CA certificate as PEM (for `openssl -CAfile`).
    pub fn pem(&self) -> String {
        der::EncodePem::to_pem(&self.cert, der::pem::LineEnding::LF).expect("pem")
    }
}
