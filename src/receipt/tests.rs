use std::time::{Duration, SystemTime};

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{CertificateSet, SignedData, SignerInfos};
use der::asn1::SetOfVec;
use der::{Any, Decode, Encode};
use time::OffsetDateTime;
use time::macros::datetime;
use x509_cert::Certificate;

use super::test_ca::{RsaSigner, TestCa, p256_key, rsa_key};
use super::*;

type P256 = p256::ecdsa::SigningKey;
type EcSig = p256::ecdsa::DerSignature;
type RsaSig = rsa::pkcs1v15::Signature;

fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(0).unwrap_or(t)
}

fn body_for(officer: &Certificate, applicant: &Certificate, key_alg: &str) -> ReceiptBody {
    let agreement = Agreement::v1(Lang::Id);
    ReceiptBody {
        format: FORMAT.into(),
        receipt_id: "R-2025-000123".into(),
        application_id: "APP-2025-000045".into(),
        kind: "individual".into(),
        applicant: ReceiptApplicant {
            name: "Siti Rahmawati, S.Kom.".into(),
            nip: Some("198703152010012003".into()),
            nik_sha256: nik_binding("3216065503870002"),
            department: "Dinas Komunikasi dan Informatika".into(),
        },
        token: ReceiptToken {
            serial: "0A1B2C3D".into(),
            model: "ePass2003".into(),
            manufacturer: "Feitian".into(),
            firmware: "1.2".into(),
        },
        key: ReceiptKey {
            algorithm: key_alg.into(),
            spki_sha256: spki_sha256(applicant).unwrap(),
        },
        attestation: ReceiptAttestation {
            result: "not_available".into(),
            detail: "the token model has no key attestation".into(),
        },
        certificate: ReceiptCertificate::from_certificate(applicant).unwrap(),
        ca: ReceiptCa {
            name: "Kustodi Test CA".into(),
            kind: "test".into(),
        },
        agreement: ReceiptAgreement::from(&agreement),
        identity_check: Some(ReceiptIdentityCheck {
            seq: "41".into(),
            time: datetime!(2025-03-01 09:12:00 UTC),
            officer: "officer:OP-07".into(),
        }),
        officer: ReceiptOfficer {
            id: "OP-07".into(),
            name: "Budi Santoso".into(),
            certificate_sha256: certificate_sha256(officer).unwrap(),
        },
        desk: "loket-1".into(),
        issued_at: datetime!(2025-03-01 09:30:00 UTC),
        renews: None,
    }
}

/// The CA, the officer (P-256) and a P-256 applicant, certificates included.
struct World {
    ca: TestCa,
    officer: P256,
    officer_cert: Certificate,
    applicant: P256,
    applicant_cert: Certificate,
}

fn world() -> World {
    let ca = TestCa::new("Kustodi Test CA", 1);
    let officer = p256_key(2);
    let officer_cert = ca.issue("Budi Santoso", 100, officer.verifying_key());
    let applicant = p256_key(3);
    let applicant_cert = ca.issue("Siti Rahmawati", 101, applicant.verifying_key());
    World {
        ca,
        officer,
        officer_cert,
        applicant,
        applicant_cert,
    }
}

impl World {
    fn body(&self) -> ReceiptBody {
        body_for(&self.officer_cert, &self.applicant_cert, "ecdsa-p256")
    }

    fn receipt_of(&self, body: &[u8]) -> Vec<u8> {
        build_receipt::<_, EcSig, _, EcSig>(
            body,
            (&self.officer, &self.officer_cert),
            (&self.applicant, &self.applicant_cert),
            now(),
        )
        .unwrap()
    }

    fn receipt(&self) -> Vec<u8> {
        self.receipt_of(&self.body().to_canonical_bytes().unwrap())
    }

    fn verify(&self, der: &[u8]) -> Result<VerifiedReceipt, ReceiptError> {
        verify_receipt(der, std::slice::from_ref(&self.ca.cert), now())
    }
}

fn signed_data(der: &[u8]) -> SignedData {
    ContentInfo::from_der(der)
        .unwrap()
        .content
        .decode_as()
        .unwrap()
}

fn reencode(sd: &SignedData) -> Vec<u8> {
    ContentInfo {
        content_type: const_oid::db::rfc5911::ID_SIGNED_DATA,
        content: Any::encode_from(sd).unwrap(),
    }
    .to_der()
    .unwrap()
}

#[test]
fn round_trip_with_p256_officer_and_p256_applicant_verifies() {
    let w = world();
    let body = w.body();
    let der = w.receipt();
    let v = w.verify(&der).unwrap();
    assert_eq!(v.body, body);
    assert_eq!(v.body_bytes, body.to_canonical_bytes().unwrap());
    assert_eq!(v.officer_cert, w.officer_cert);
    assert_eq!(v.applicant_cert, w.applicant_cert);
    assert_eq!(v.receipt_sha256, receipt_sha256(&der));
    let age = now() - v.signing_times.officer;
    assert!(
        age.whole_seconds().abs() < 60,
        "signing time is the one given"
    );
}

#[test]
fn round_trip_with_p256_officer_and_rsa2048_applicant_verifies() {
    let w = world();
    let applicant: RsaSigner = rsa_key();
    let cert = w.ca.issue(
        "Siti Rahmawati",
        102,
        &signature::Keypair::verifying_key(&applicant),
    );
    let body = body_for(&w.officer_cert, &cert, "rsa-2048");
    let der = build_receipt::<_, EcSig, _, RsaSig>(
        &body.to_canonical_bytes().unwrap(),
        (&w.officer, &w.officer_cert),
        (&applicant, &cert),
        now(),
    )
    .unwrap();
    let v = w.verify(&der).unwrap();
    assert_eq!(v.applicant_cert, cert);
    assert_eq!(v.body, body);
}

#[test]
fn round_trip_with_rsa2048_officer_and_p256_applicant_verifies() {
    let w = world();
    let officer: RsaSigner = rsa_key();
    let cert = w.ca.issue(
        "Budi Santoso",
        103,
        &signature::Keypair::verifying_key(&officer),
    );
    let body = body_for(&cert, &w.applicant_cert, "ecdsa-p256");
    let der = build_receipt::<_, RsaSig, _, EcSig>(
        &body.to_canonical_bytes().unwrap(),
        (&officer, &cert),
        (&w.applicant, &w.applicant_cert),
        now(),
    )
    .unwrap();
    assert_eq!(w.verify(&der).unwrap().officer_cert, cert);
}

#[test]
fn receipt_has_two_signers_each_signing_content_type_digest_and_time() {
    let w = world();
    let sd = signed_data(&w.receipt());
    assert_eq!(sd.signer_infos.0.len(), 2);
    assert_eq!(sd.certificates.as_ref().unwrap().0.len(), 2);
    assert_eq!(sd.digest_algorithms.len(), 1);
    for si in sd.signer_infos.0.iter() {
        let oids: Vec<_> = si
            .signed_attrs
            .as_ref()
            .unwrap()
            .iter()
            .map(|a| a.oid)
            .collect();
        use const_oid::db::rfc5911::{ID_CONTENT_TYPE, ID_MESSAGE_DIGEST, ID_SIGNING_TIME};
        for oid in [ID_CONTENT_TYPE, ID_MESSAGE_DIGEST, ID_SIGNING_TIME] {
            assert!(oids.contains(&oid), "{oid} signed");
        }
    }
}

#[test]
fn tampered_body_byte_is_a_digest_mismatch() {
    let w = world();
    let mut der = w.receipt();
    let needle = b"Siti Rahmawati, S.Kom.";
    let at = der.windows(needle.len()).position(|x| x == needle).unwrap();
    der[at] = b'S' ^ 0x20; // "siti"
    assert!(matches!(
        w.verify(&der),
        Err(ReceiptError::DigestMismatch { .. })
    ));
}

#[test]
fn altered_signature_is_a_bad_signature() {
    let w = world();
    let mut sd = signed_data(&w.receipt());
    let mut infos = sd.signer_infos.0.into_vec();
    let mut sig = infos[1].signature.as_bytes().to_vec();
    let last = sig.len() - 3;
    sig[last] ^= 1;
    infos[1].signature = der::asn1::OctetString::new(sig).unwrap();
    sd.signer_infos = SignerInfos::try_from(infos).unwrap();
    assert!(matches!(
        w.verify(&reencode(&sd)),
        Err(ReceiptError::BadSignature { .. })
    ));
}

#[test]
fn certificate_swapped_inside_the_receipt_fails_the_signature() {
    let w = world();
    // Same issuer and serial as the applicant's certificate, another key.
    let impostor =
        w.ca.issue("Siti Rahmawati", 101, p256_key(9).verifying_key());
    let mut sd = signed_data(&w.receipt());
    let certs: Vec<CertificateChoices> = sd
        .certificates
        .take()
        .unwrap()
        .0
        .into_vec()
        .into_iter()
        .map(|c| match c {
            CertificateChoices::Certificate(c) if c == w.applicant_cert => {
                CertificateChoices::Certificate(impostor.clone())
            }
            other => other,
        })
        .collect();
    sd.certificates = Some(CertificateSet(SetOfVec::try_from(certs).unwrap()));
    assert!(matches!(
        w.verify(&reencode(&sd)),
        Err(ReceiptError::BadSignature { .. })
    ));
}

#[test]
fn applicant_signing_with_a_certificate_other_than_the_issued_one_is_a_body_mismatch() {
    let w = world();
    let other =
        w.ca.issue("Siti Rahmawati", 104, w.applicant.verifying_key());
    let body = w.body(); // names applicant_cert (serial 101)
    let der = build_receipt::<_, EcSig, _, EcSig>(
        &body.to_canonical_bytes().unwrap(),
        (&w.officer, &w.officer_cert),
        (&w.applicant, &other),
        now(),
    )
    .unwrap();
    assert!(matches!(
        w.verify(&der),
        Err(ReceiptError::BodyMismatch {
            field: "certificate.sha256"
        })
    ));
}

#[test]
fn officer_fingerprint_not_in_the_receipt_is_a_body_mismatch() {
    let w = world();
    let mut body = w.body();
    body.officer.certificate_sha256 = "ab".repeat(32);
    let der = w.receipt_of(&body.to_canonical_bytes().unwrap());
    assert!(matches!(
        w.verify(&der),
        Err(ReceiptError::BodyMismatch {
            field: "officer.certificate_sha256"
        })
    ));
}

#[test]
fn body_describing_another_serial_or_key_is_a_body_mismatch() {
    let w = world();
    let mut body = w.body();
    body.certificate.serial = "66".into();
    let der = w.receipt_of(&body.to_canonical_bytes().unwrap());
    assert!(matches!(
        w.verify(&der),
        Err(ReceiptError::BodyMismatch {
            field: "certificate.serial"
        })
    ));
    let mut body = w.body();
    body.key.spki_sha256 = "cd".repeat(32);
    let der = w.receipt_of(&body.to_canonical_bytes().unwrap());
    assert!(matches!(
        w.verify(&der),
        Err(ReceiptError::BodyMismatch {
            field: "key.spki_sha256"
        })
    ));
}

#[test]
fn signer_key_not_matching_its_certificate_is_refused_when_building() {
    let w = world();
    let err = build_receipt::<_, EcSig, _, EcSig>(
        b"{}",
        (&w.officer, &w.officer_cert),
        (&p256_key(8), &w.applicant_cert),
        now(),
    )
    .unwrap_err();
    assert!(matches!(err, ReceiptError::SignerKeyMismatch { .. }));
}

#[test]
fn signer_from_an_untrusted_ca_is_an_untrusted_signer() {
    let w = world();
    let other = TestCa::new("Kustodi Test CA", 5); // same name, other key
    let der = w.receipt();
    let err = verify_receipt(&der, std::slice::from_ref(&other.cert), now()).unwrap_err();
    assert!(matches!(err, ReceiptError::UntrustedSigner { .. }));
    let err = verify_receipt(&der, &[], now()).unwrap_err();
    assert!(matches!(err, ReceiptError::UntrustedSigner { .. }));
}

#[test]
fn one_signer_only_is_a_wrong_signer_count() {
    let w = world();
    let mut sd = signed_data(&w.receipt());
    let mut infos = sd.signer_infos.0.into_vec();
    infos.pop();
    sd.signer_infos = SignerInfos::try_from(infos).unwrap();
    assert!(matches!(
        w.verify(&reencode(&sd)),
        Err(ReceiptError::WrongSignerCount {
            expected: 2,
            found: 1
        })
    ));
}

#[test]
fn same_certificate_for_both_signers_is_refused() {
    let w = world();
    let err = build_receipt::<_, EcSig, _, EcSig>(
        b"{}",
        (&w.officer, &w.officer_cert),
        (&w.officer, &w.officer_cert),
        now(),
    )
    .unwrap_err();
    assert!(matches!(err, ReceiptError::DuplicateSigner { .. }));
}

#[test]
fn certificate_expired_before_the_signing_time_is_not_valid() {
    let w = world();
    let long_ago = SystemTime::now() - Duration::from_secs(400 * 86_400);
    let expired = w.ca.issue_from(
        "Siti Rahmawati",
        105,
        w.applicant.verifying_key(),
        long_ago,
        30,
    );
    let body = body_for(&w.officer_cert, &expired, "ecdsa-p256");
    let der = build_receipt::<_, EcSig, _, EcSig>(
        &body.to_canonical_bytes().unwrap(),
        (&w.officer, &w.officer_cert),
        (&w.applicant, &expired),
        now(),
    )
    .unwrap();
    assert!(matches!(
        w.verify(&der),
        Err(ReceiptError::CertificateNotValid { .. })
    ));
}

#[test]
fn receipt_stays_verifiable_after_now_passes_the_certificates() {
    let w = world();
    let der = w.receipt();
    let later = now() + time::Duration::days(20 * 365);
    assert!(verify_receipt(&der, std::slice::from_ref(&w.ca.cert), later).is_ok());
}

#[test]
fn signing_time_in_the_future_is_refused() {
    let w = world();
    let der = w.receipt();
    let before = now() - time::Duration::hours(1);
    let err = verify_receipt(&der, std::slice::from_ref(&w.ca.cert), before).unwrap_err();
    assert!(matches!(err, ReceiptError::SigningTimeInFuture { .. }));
}

#[test]
fn body_with_an_extra_member_is_refused() {
    let w = world();
    let mut value = serde_json::to_value(w.body()).unwrap();
    value["applicant"]["nik"] = "3216065503870002".into();
    let bytes = to_canonical_json(&value).unwrap().into_bytes();
    assert!(matches!(
        ReceiptBody::from_canonical_bytes(&bytes),
        Err(ReceiptError::BodyInvalid(m)) if m.contains("unknown field")
    ));
    // … also when it arrives signed.
    let der = w.receipt_of(&bytes);
    assert!(matches!(w.verify(&der), Err(ReceiptError::BodyInvalid(_))));
}

#[test]
fn body_not_in_canonical_form_is_refused() {
    let w = world();
    let pretty = serde_json::to_vec_pretty(&w.body()).unwrap();
    assert!(matches!(
        ReceiptBody::from_canonical_bytes(&pretty),
        Err(ReceiptError::BodyNotCanonical)
    ));
}

#[test]
fn body_with_another_format_or_attestation_value_is_refused() {
    let w = world();
    let mut body = w.body();
    body.format = "kustodi-receipt-v2".into();
    let bytes = body.to_canonical_bytes().unwrap();
    assert!(matches!(
        ReceiptBody::from_canonical_bytes(&bytes),
        Err(ReceiptError::BodyInvalid(_))
    ));
    let mut body = w.body();
    body.attestation.result = "probably".into();
    let bytes = body.to_canonical_bytes().unwrap();
    assert!(matches!(
        ReceiptBody::from_canonical_bytes(&bytes),
        Err(ReceiptError::BodyInvalid(_))
    ));
}

fn golden_body() -> ReceiptBody {
    ReceiptBody {
        format: FORMAT.into(),
        receipt_id: "R-1".into(),
        application_id: "A-1".into(),
        kind: "individual".into(),
        applicant: ReceiptApplicant {
            name: "Ani \"Nur\" Ça".into(),
            nip: None,
            nik_sha256: "0".repeat(64),
            department: "Diskominfo".into(),
        },
        token: ReceiptToken {
            serial: "S1".into(),
            model: "M".into(),
            manufacturer: "F".into(),
            firmware: "1".into(),
        },
        key: ReceiptKey {
            algorithm: "ecdsa-p256".into(),
            spki_sha256: "1".repeat(64),
        },
        attestation: ReceiptAttestation {
            result: "verified".into(),
            detail: "a\nb".into(),
        },
        certificate: ReceiptCertificate {
            serial: "0A".into(),
            sha256: "2".repeat(64),
            not_before: datetime!(2025-01-01 00:00:00 UTC),
            not_after: datetime!(2027-01-01 00:00:00 UTC),
            issuer: "CN=CA,C=ID".into(),
        },
        ca: ReceiptCa {
            name: "CA".into(),
            kind: "test".into(),
        },
        agreement: ReceiptAgreement {
            version: "v1".into(),
            lang: "id".into(),
            sha256: "3".repeat(64),
        },
        identity_check: None,
        officer: ReceiptOfficer {
            id: "O1".into(),
            name: "Budi".into(),
            certificate_sha256: "4".repeat(64),
        },
        desk: "loket-1".into(),
        issued_at: datetime!(2025-03-01 09:30:00 UTC),
        renews: None,
    }
}

#[test]
fn canonical_json_is_stable_golden_bytes() {
    let z = |c: char| c.to_string().repeat(64);
    let expected = format!(
        concat!(
            r#"{{"agreement":{{"lang":"id","sha256":"{3}","version":"v1"}},"#,
            r#""applicant":{{"department":"Diskominfo","name":"Ani \"Nur\" Ça","nik_sha256":"{0}"}},"#,
            r#""application_id":"A-1","attestation":{{"detail":"a\nb","result":"verified"}},"#,
            r#""ca":{{"kind":"test","name":"CA"}},"#,
            r#""certificate":{{"issuer":"CN=CA,C=ID","not_after":"2027-01-01T00:00:00Z","#,
            r#""not_before":"2025-01-01T00:00:00Z","serial":"0A","sha256":"{2}"}},"#,
            r#""desk":"loket-1","format":"kustodi-receipt-v1","issued_at":"2025-03-01T09:30:00Z","#,
            r#""key":{{"algorithm":"ecdsa-p256","spki_sha256":"{1}"}},"kind":"individual","#,
            r#""officer":{{"certificate_sha256":"{4}","id":"O1","name":"Budi"}},"#,
            r#""receipt_id":"R-1","token":{{"firmware":"1","manufacturer":"F","model":"M","serial":"S1"}}}}"#
        ),
        z('0'),
        z('1'),
        z('2'),
        z('3'),
        z('4')
    );
    let bytes = golden_body().to_canonical_bytes().unwrap();
    assert_eq!(String::from_utf8(bytes.clone()).unwrap(), expected);
    assert_eq!(
        ReceiptBody::from_canonical_bytes(&bytes).unwrap(),
        golden_body()
    );
}

#[test]
fn canonical_json_sorts_members_and_escapes_like_jcs() {
    let v = serde_json::json!({"b": "\u{1f}\t\u{7f}é€😀/", "a": {"z": true, "é": null, "A": []}});
    assert_eq!(
        to_canonical_json(&v).unwrap(),
        "{\"a\":{\"A\":[],\"z\":true,\"é\":null},\"b\":\"\\u001f\\t\u{7f}é€😀/\"}"
    );
}

#[test]
fn numbers_are_refused_in_canonical_json() {
    assert!(to_canonical_json(&serde_json::json!({"n": 1})).is_err());
    assert!(to_canonical_json(&serde_json::json!({"n": 1.5})).is_err());
}

#[test]
fn nik_binding_is_domain_separated_sha256() {
    use sha2::{Digest, Sha256};
    let nik = "3216065503870002";
    let b = nik_binding(nik);
    assert_eq!(b.len(), 64);
    assert_ne!(b, hex::encode(Sha256::digest(nik.as_bytes())));
    let mut h = Sha256::new();
    h.update(b"kustodi-receipt-v1/nik\0");
    h.update(nik.as_bytes());
    assert_eq!(b, hex::encode(h.finalize()));
}

#[test]
fn agreement_hash_is_sha256_of_the_exact_text_bytes() {
    use sha2::{Digest, Sha256};
    assert_eq!(
        agreement_hash("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_ne!(agreement_hash("abc"), agreement_hash("abc\n"));
    for a in Agreement::all() {
        assert_eq!(a.version, "v1");
        assert_eq!(a.sha256(), hex::encode(Sha256::digest(a.text.as_bytes())));
        assert_eq!(Agreement::find("v1", a.lang.code(), &a.sha256()), Some(a));
    }
    assert_ne!(
        Agreement::v1(Lang::Id).sha256(),
        Agreement::v1(Lang::En).sha256()
    );
}

#[test]
fn agreement_texts_cover_the_holders_duties_and_legal_basis() {
    let id = Agreement::v1(Lang::Id).text;
    for needle in [
        "Pasal 16",
        "Pasal 17",
        "Pasal 18",
        "Pasal 8 ayat (5)",
        "Peraturan Bupati Bekasi",
        "26 Desember 2018",
        "Nomor 71 Tahun 2019",
        "Informasi dan Transaksi Elektronik",
        "pencabutan",
    ] {
        assert!(id.contains(needle), "id text mentions {needle}");
    }
    let en = Agreement::v1(Lang::En).text;
    for needle in [
        "Pasal 16",
        "Pasal 17",
        "Pasal 18",
        "Pasal 8(5)",
        "Regent Regulation",
        "26 December 2018",
        "71 of 2019",
        "revocation",
    ] {
        assert!(en.contains(needle), "en text mentions {needle}");
    }
}

#[test]
fn printed_page_fits_80_columns_and_shows_every_field() {
    let w = world();
    let body = w.body();
    let fp = receipt_sha256(&w.receipt());
    for lang in [Lang::Id, Lang::En] {
        let page = render_text(&body, &fp, lang);
        for line in page.lines() {
            assert!(line.chars().count() <= 80, "too wide: {line:?}");
        }
        assert!(page.contains("BUKTI TANDA TERIMA SERTIFIKAT ELEKTRONIK"));
        assert!(
            page.contains(&group_hex(&fp)[..39]),
            "fingerprint in 4-hex blocks"
        );
        assert!(page.contains("openssl cms -verify -binary -inform DER -in R-2025-000123.p7s"));
        for value in [
            &body.receipt_id,
            &body.application_id,
            &body.applicant.name,
            body.applicant.nip.as_ref().unwrap(),
            &body.applicant.department,
            &body.token.serial,
            &body.token.model,
            &body.token.manufacturer,
            &body.certificate.serial,
            &body.officer.name,
            &body.officer.id,
            &body.desk,
            &body.ca.name,
        ] {
            assert!(page.contains(value.as_str()), "{value} printed");
        }
        assert!(page.contains("2025-03-01 16:30:00 WIB (2025-03-01 09:30:00 UTC)"));
    }
    assert!(render_text(&body, &fp, Lang::Id).contains("Pemilik sertifikat,"));
    assert!(render_text(&body, &fp, Lang::En).contains("Certificate holder,"));
}

#[test]
fn group_hex_makes_blocks_of_four() {
    assert_eq!(group_hex("0123456789abcdef01"), "0123 4567 89ab cdef 01");
}

#[test]
#[ignore = "prints the page for a person to look at"]
fn print_page() {
    let w = world();
    println!(
        "{}",
        render_text(&w.body(), &receipt_sha256(&w.receipt()), Lang::Id)
    );
}

#[test]
fn regression_issue16_an_unknown_agreement_hash_is_refused_by_the_known_text_check() {
    let mut body = golden_body();
    // The golden body names a made-up text.
    assert!(matches!(
        known_agreement(&body),
        Err(ReceiptError::UnknownAgreement { ref sha256, .. }) if *sha256 == "3".repeat(64)
    ));
    for a in Agreement::all() {
        body.agreement = ReceiptAgreement::from(&a);
        assert_eq!(known_agreement(&body).unwrap(), a);
    }
    // A known hash under the other language's name is not a known text either.
    body.agreement = ReceiptAgreement::from(&Agreement::v1(Lang::Id));
    body.agreement.lang = "en".into();
    assert!(matches!(
        known_agreement(&body),
        Err(ReceiptError::UnknownAgreement { .. })
    ));
}

#[test]
fn regression_issue16_the_identity_check_is_in_the_canonical_body_and_on_the_page() {
    let mut body = golden_body();
    body.identity_check = Some(ReceiptIdentityCheck {
        seq: "17".into(),
        time: datetime!(2025-03-01 09:12:00 UTC),
        officer: "officer:O1".into(),
    });
    let bytes = body.to_canonical_bytes().unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        text.contains(
            r#""identity_check":{"officer":"officer:O1","seq":"17","time":"2025-03-01T09:12:00Z"}"#
        ),
        "{text}"
    );
    assert_eq!(ReceiptBody::from_canonical_bytes(&bytes).unwrap(), body);
    let page = render_text(&body, &"5".repeat(64), Lang::En);
    assert!(page.contains("IDENTITY RE-CHECK"), "{page}");
    assert!(page.contains("#17"), "{page}");
    assert!(page.contains("officer:O1"), "{page}");
    let page = render_text(&body, &"5".repeat(64), Lang::Id);
    assert!(page.contains("PEMERIKSAAN ULANG IDENTITAS"), "{page}");
    // A seq that is not a decimal number is not a valid body.
    body.identity_check.as_mut().unwrap().seq = "x1".into();
    assert!(matches!(body.check(), Err(ReceiptError::BodyInvalid(_))));
}
