//! Receipts checked by an independent verifier: Debian's `openssl cms`.

#[path = "../src/receipt/test_ca.rs"]
mod test_ca;

use std::path::Path;
use std::process::{Command, Output};

use kustodi::receipt::{
    Agreement, Lang, ReceiptAgreement, ReceiptApplicant, ReceiptAttestation, ReceiptBody,
    ReceiptCa, ReceiptCertificate, ReceiptKey, ReceiptOfficer, ReceiptToken, build_receipt,
    certificate_sha256, nik_binding, spki_sha256, verify_receipt,
};
use signature::Keypair;
use test_ca::{RsaSigner, TestCa, p256_key, rsa_key};
use time::OffsetDateTime;
use x509_cert::Certificate;

type EcSig = p256::ecdsa::DerSignature;
type RsaSig = rsa::pkcs1v15::Signature;

fn body(officer: &Certificate, applicant: &Certificate, alg: &str) -> Vec<u8> {
    ReceiptBody {
        format: "kustodi-receipt-v1".into(),
        receipt_id: "R-2025-000777".into(),
        application_id: "APP-2025-000321".into(),
        kind: "individual".into(),
        applicant: ReceiptApplicant {
            name: "Dewi Lestari".into(),
            nip: None,
            nik_sha256: nik_binding("3216064107900001"),
            department: "Badan Pendapatan Daerah".into(),
        },
        token: ReceiptToken {
            serial: "7F00AA01".into(),
            model: "YubiKey 5 NFC".into(),
            manufacturer: "Yubico".into(),
            firmware: "5.7.1".into(),
        },
        key: ReceiptKey {
            algorithm: alg.into(),
            spki_sha256: spki_sha256(applicant).unwrap(),
        },
        attestation: ReceiptAttestation {
            result: "verified".into(),
            detail: "PIV attestation chains to the Yubico root".into(),
        },
        certificate: ReceiptCertificate::from_certificate(applicant).unwrap(),
        ca: ReceiptCa {
            name: "Kustodi Test CA".into(),
            kind: "test".into(),
        },
        agreement: ReceiptAgreement::from(&Agreement::v1(Lang::Id)),
        identity_check: None,
        officer: ReceiptOfficer {
            id: "OP-03".into(),
            name: "Agus Wibowo".into(),
            certificate_sha256: certificate_sha256(officer).unwrap(),
        },
        desk: "loket-2".into(),
        issued_at: OffsetDateTime::now_utc(),
        renews: None,
    }
    .to_canonical_bytes()
    .unwrap()
}

fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl runs")
}

fn verify_with_openssl(dir: &Path) -> Output {
    openssl(
        dir,
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "r.p7s",
            "-CAfile",
            "ca.pem",
            "-out",
            "body.json",
        ],
    )
}

/// Writes the CA and the receipt, checks OpenSSL verifies it and gives back the exact body.
fn assert_openssl_accepts(ca: &TestCa, der: &[u8], body: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.path().join("r.p7s"), der).unwrap();
    let out = verify_with_openssl(dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "openssl cms -verify failed: {stderr}");
    assert!(
        stderr.contains("Verification successful"),
        "stderr: {stderr}"
    );
    assert_eq!(std::fs::read(dir.path().join("body.json")).unwrap(), body);
    // Our own verifier agrees.
    verify_receipt(
        der,
        std::slice::from_ref(&ca.cert),
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    dir
}

#[test]
fn openssl_verifies_a_p256_p256_receipt_and_returns_the_canonical_body() {
    let ca = TestCa::new("Kustodi Test CA", 1);
    let (officer, applicant) = (p256_key(2), p256_key(3));
    let officer_cert = ca.issue("Agus Wibowo", 200, officer.verifying_key());
    let applicant_cert = ca.issue("Dewi Lestari", 201, applicant.verifying_key());
    let body = body(&officer_cert, &applicant_cert, "ecdsa-p256");
    let der = build_receipt::<_, EcSig, _, EcSig>(
        &body,
        (&officer, &officer_cert),
        (&applicant, &applicant_cert),
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    assert_openssl_accepts(&ca, &der, &body);
}

#[test]
fn openssl_verifies_a_p256_officer_rsa2048_applicant_receipt() {
    let ca = TestCa::new("Kustodi Test CA", 1);
    let officer = p256_key(2);
    let applicant: RsaSigner = rsa_key();
    let officer_cert = ca.issue("Agus Wibowo", 200, officer.verifying_key());
    let applicant_cert = ca.issue("Dewi Lestari", 202, &applicant.verifying_key());
    let body = body(&officer_cert, &applicant_cert, "rsa-2048");
    let der = build_receipt::<_, EcSig, _, RsaSig>(
        &body,
        (&officer, &officer_cert),
        (&applicant, &applicant_cert),
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    assert_openssl_accepts(&ca, &der, &body);
}

#[test]
fn openssl_prints_two_signer_infos() {
    let ca = TestCa::new("Kustodi Test CA", 1);
    let (officer, applicant) = (p256_key(2), p256_key(3));
    let officer_cert = ca.issue("Agus Wibowo", 200, officer.verifying_key());
    let applicant_cert = ca.issue("Dewi Lestari", 201, applicant.verifying_key());
    let body = body(&officer_cert, &applicant_cert, "ecdsa-p256");
    let der = build_receipt::<_, EcSig, _, EcSig>(
        &body,
        (&officer, &officer_cert),
        (&applicant, &applicant_cert),
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let dir = assert_openssl_accepts(&ca, &der, &body);
    let out = openssl(
        dir.path(),
        &["cms", "-cmsout", "-print", "-inform", "DER", "-in", "r.p7s"],
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.matches("signatureAlgorithm:").count(),
        2,
        "two signerInfos:\n{text}"
    );
    assert_eq!(text.matches("object: signingTime").count(), 2, "{text}");
    assert_eq!(text.matches("object: messageDigest").count(), 2, "{text}");
    assert!(
        text.contains("CN=Agus Wibowo") && text.contains("CN=Dewi Lestari"),
        "{text}"
    );
}

#[test]
fn openssl_rejects_a_tampered_receipt() {
    let ca = TestCa::new("Kustodi Test CA", 1);
    let (officer, applicant) = (p256_key(2), p256_key(3));
    let officer_cert = ca.issue("Agus Wibowo", 200, officer.verifying_key());
    let applicant_cert = ca.issue("Dewi Lestari", 201, applicant.verifying_key());
    let body = body(&officer_cert, &applicant_cert, "ecdsa-p256");
    let mut der = build_receipt::<_, EcSig, _, EcSig>(
        &body,
        (&officer, &officer_cert),
        (&applicant, &applicant_cert),
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let needle = b"Dewi Lestari\"";
    let at = der.windows(needle.len()).position(|w| w == needle).unwrap();
    der[at] = b'd';
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.path().join("r.p7s"), &der).unwrap();
    let out = verify_with_openssl(dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "openssl accepted a tampered receipt");
    assert!(!stderr.contains("Verification successful"), "{stderr}");
}

#[test]
fn openssl_rejects_a_receipt_against_another_ca() {
    let ca = TestCa::new("Kustodi Test CA", 1);
    let other = TestCa::new("Kustodi Test CA", 7);
    let (officer, applicant) = (p256_key(2), p256_key(3));
    let officer_cert = ca.issue("Agus Wibowo", 200, officer.verifying_key());
    let applicant_cert = ca.issue("Dewi Lestari", 201, applicant.verifying_key());
    let body = body(&officer_cert, &applicant_cert, "ecdsa-p256");
    let der = build_receipt::<_, EcSig, _, EcSig>(
        &body,
        (&officer, &officer_cert),
        (&applicant, &applicant_cert),
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), other.pem()).unwrap();
    std::fs::write(dir.path().join("r.p7s"), &der).unwrap();
    assert!(!verify_with_openssl(dir.path()).status.success());
}
