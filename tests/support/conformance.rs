//! Behaviour every token adapter must share (PKCS#11 on SoftHSM2, PIV on the virtual card):
//! keygen → SPKI → sign → verify in software; a wrong PIN is refused as `PinIncorrect`; a
//! certificate written next to a key is found again by the URI the adapter returned.
//!
//! Each check takes a session already prepared as the adapter needs it (logged in; for PIV
//! also authenticated with the management key).
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use der::{Decode, Encode};
use kustodi::ports::token::{
    CertificateObject, HashAlgorithm, KeyAlgorithm, KeyHandleRef, SignInput, TokenError,
    TokenSession,
};
use kustodi::secret::Pin;
use signature::Verifier;
use signature::hazmat::PrehashVerifier;
use spki::DecodePublicKey;

/// Verifies `sig` over `msg` (hashed with the key's default hash) with the SPKI, in software.
pub fn verify_in_software(algorithm: KeyAlgorithm, spki: &[u8], msg: &[u8], sig: &[u8]) {
    match algorithm {
        KeyAlgorithm::P256 => {
            let vk = p256::ecdsa::VerifyingKey::from_public_key_der(spki).expect("P-256 SPKI");
            let s = p256::ecdsa::Signature::from_der(sig).expect("DER ECDSA signature");
            vk.verify(msg, &s).expect("P-256 signature verifies");
        }
        KeyAlgorithm::P384 => {
            let vk = p384::ecdsa::VerifyingKey::from_public_key_der(spki).expect("P-384 SPKI");
            let s = p384::ecdsa::Signature::from_der(sig).expect("DER ECDSA signature");
            let digest = kustodi::token::pkcs11::host_hash(HashAlgorithm::Sha384, msg);
            vk.verify_prehash(&digest, &s)
                .expect("P-384 signature verifies");
        }
        KeyAlgorithm::Rsa2048 | KeyAlgorithm::Rsa3072 => {
            let public = rsa::PublicKey::from_public_key_der(spki).expect("RSA SPKI");
            let vk = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(public);
            let s = rsa::pkcs1v15::Signature::try_from(sig).expect("RSA signature bytes");
            vk.verify(msg, &s).expect("RSA signature verifies");
        }
    }
}

/// Generates a key, reads its SPKI, signs a message (and a prehashed digest) on the token and
/// verifies both in software. Returns the key.
pub fn keygen_spki_sign_verify(
    session: &dyn TokenSession,
    algorithm: KeyAlgorithm,
    label: &str,
) -> KeyHandleRef {
    let key = session
        .generate_key_pair(algorithm, label)
        .unwrap_or_else(|e| panic!("generate {algorithm}: {e}"));
    assert_eq!(key.algorithm, algorithm);
    assert!(
        session.key_safety(&key).expect("key safety").is_safe(),
        "a generated key is reported safe"
    );
    let spki = session.public_key_spki_der(&key).expect("SPKI");
    spki::SubjectPublicKeyInfoOwned::from_der(&spki).expect("SPKI parses");

    let msg = b"Kustodi conformance: Pemerintah Kabupaten Bekasi";
    let hash = algorithm.default_hash();
    let sig = session
        .sign(&key, hash, SignInput::Message(msg))
        .expect("sign message");
    verify_in_software(algorithm, &spki, msg, &sig);

    let digest = kustodi::token::pkcs11::host_hash(hash, msg);
    let sig = session
        .sign(&key, hash, SignInput::Prehashed(&digest))
        .expect("sign digest");
    verify_in_software(algorithm, &spki, msg, &sig);
    key
}

/// After a logout, a wrong PIN is `PinIncorrect` (never a lock on the first try, never a
/// generic error).
pub fn wrong_pin_is_refused(session: &dyn TokenSession, wrong: &Pin) -> TokenError {
    session.logout().expect("logout");
    let err = session
        .login(wrong)
        .expect_err("a wrong PIN must be refused");
    assert!(
        matches!(err, TokenError::PinIncorrect { .. }),
        "wrong PIN gives PinIncorrect, got {err:?}"
    );
    err
}

/// A self-signed certificate (throw-away key) made by openssl, as the token stores it.
pub fn sample_certificate(dir: &Path) -> CertificateObject {
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "k.pem",
            "-subj",
            "/CN=Siti Aminah/O=Pemerintah Kabupaten Bekasi/C=ID",
            "-days",
            "1",
            "-outform",
            "DER",
            "-out",
            "c.der",
        ])
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(out.status.success(), "{out:?}");
    let der = std::fs::read(dir.join("c.der")).unwrap();
    let cert = x509_cert::Certificate::from_der(&der).unwrap();
    let tbs = cert.tbs_certificate();
    CertificateObject {
        subject_der: tbs.subject().to_der().unwrap(),
        issuer_der: tbs.issuer().to_der().unwrap(),
        serial_der: tbs.serial_number().to_der().unwrap(),
        der,
    }
}

/// Writes a certificate next to `key` and reads it back by the returned URI, byte-identical.
pub fn certificate_round_trip(session: &dyn TokenSession, key: &KeyHandleRef) {
    let dir = tempfile::tempdir().unwrap();
    let cert = sample_certificate(dir.path());
    let uri = session
        .write_certificate(key, &cert)
        .expect("write certificate");
    let back = session
        .find_certificate(&uri)
        .expect("find certificate")
        .expect("certificate is there");
    assert_eq!(back, cert.der, "certificate read back byte-identical");
}

/// All of the above, on one prepared session.
pub fn run_all(session: &dyn TokenSession, wrong_pin: &Pin, right_pin: &Pin) {
    let key = keygen_spki_sign_verify(session, KeyAlgorithm::P256, "conformance-p256");
    certificate_round_trip(session, &key);
    keygen_spki_sign_verify(session, KeyAlgorithm::Rsa2048, "conformance-rsa");
    wrong_pin_is_refused(session, wrong_pin);
    session.login(right_pin).expect("the right PIN still works");
}
