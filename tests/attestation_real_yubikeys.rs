//! Attestation verification against real Yubico attestation data
//! (`tests/data/yubico-attestation/`, see its README.md and cases.tsv).

use std::path::{Path, PathBuf};

use der::{Decode, Encode};
use kustodi::certcheck::KeyAlgorithm;
use kustodi::domain::firmware::FirmwareVersion;
use kustodi::token::attestation::{
    AnchorKind, AttestationFacts, AttestationRefusal, AttestedPinPolicy as Pin,
    AttestedTouchPolicy as Touch, Expected, FormFactor, TrustStore, bind, verify, verify_chain,
};
use time::OffsetDateTime;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/yubico-attestation")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(data().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// The attested SPKI straight from the file (what the station would have generated).
fn spki_of(rel: &str) -> Vec<u8> {
    let cert = x509_cert::Certificate::from_pem(read(rel)).unwrap();
    cert.tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .unwrap()
}

use der::DecodePem;

#[derive(Debug)]
struct Case {
    id: String,
    expect: String,
    att: String,
    f9: String,
    anchor: String,
    extra: Option<String>,
    serial: Option<u32>,
}

fn cases() -> Vec<Case> {
    let text = String::from_utf8(read("cases.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(f.len() >= 7, "bad line {l:?}");
            Case {
                id: f[0].into(),
                expect: f[1].into(),
                att: f[2].into(),
                f9: f[3].into(),
                anchor: f[4].into(),
                extra: (f[5] != "-").then(|| f[5].to_owned()),
                serial: f[6].parse().ok(),
            }
        })
        .collect()
}

/// The trust the case names: its anchor plus its extra untrusted certificates.
fn case_trust(c: &Case) -> TrustStore {
    let mut t = TrustStore::only_root(&read(&c.anchor)).unwrap();
    if let Some(extra) = &c.extra {
        t = t.with_intermediates(&read(extra)).unwrap();
    }
    t
}

struct Documented {
    serial: Option<u32>,
    firmware: (u32, u32, u32),
    pin: Pin,
    touch: Touch,
    form_factor: Option<(FormFactor, bool)>,
    key: KeyAlgorithm,
    slot: u8,
}

/// The values README.md documents for each genuine attestation.
fn documented(id: &str) -> Documented {
    use FormFactor::*;
    let d = |serial, firmware, pin, touch, form_factor, key, slot| Documented {
        serial,
        firmware,
        pin,
        touch,
        form_factor,
        key,
        slot,
    };
    let rsa = KeyAlgorithm::Rsa { bits: 2048 };
    match id {
        "P1" => d(
            Some(25515003),
            (5, 4, 3),
            Pin::Always,
            Touch::Never,
            Some((UsbCKeychain, true)),
            KeyAlgorithm::P384,
            0x9c,
        ),
        "P2" => d(
            Some(28751258),
            (5, 4, 3),
            Pin::Always,
            Touch::Never,
            Some((UsbCKeychain, true)),
            KeyAlgorithm::P384,
            0x9c,
        ),
        "P3" => d(
            Some(15732500),
            (5, 4, 3),
            Pin::Once,
            Touch::Never,
            Some((UsbCNano, false)),
            KeyAlgorithm::P256,
            0x9a,
        ),
        "P4" => d(
            Some(22399878),
            (5, 4, 2),
            Pin::Once,
            Touch::Never,
            Some((UsbAKeychain, false)),
            rsa,
            0x9a,
        ),
        "P5" | "X1" => d(
            Some(28989702),
            (5, 4, 3),
            Pin::Never,
            Touch::Always,
            Some((UsbAKeychain, true)),
            KeyAlgorithm::P256,
            0x9a,
        ),
        "P6" => d(
            Some(30000948),
            (5, 7, 2),
            Pin::Once,
            Touch::Never,
            Some((UsbCBio, false)),
            rsa,
            0x9a,
        ),
        "P7" => d(
            None,
            (4, 3, 7),
            Pin::Once,
            Touch::Never,
            None,
            KeyAlgorithm::P256,
            0x9a,
        ),
        "P8" => d(
            Some(33064031),
            (5, 7, 4),
            Pin::Once,
            Touch::Cached,
            Some((UsbCKeychain, false)),
            KeyAlgorithm::P384,
            0x9a,
        ),
        "P9" => d(
            Some(36345471),
            (5, 7, 4),
            Pin::Once,
            Touch::Never,
            Some((UsbAKeychain, false)),
            KeyAlgorithm::P256,
            0x9a,
        ),
        other => panic!("no documented values for {other}"),
    }
}

fn assert_documented(id: &str, facts: &AttestationFacts) {
    let d = documented(id);
    assert_eq!(facts.serial, d.serial, "{id} serial");
    let (major, minor, patch) = d.firmware;
    assert_eq!(
        facts.firmware,
        Some(FirmwareVersion {
            major,
            minor,
            patch
        }),
        "{id} firmware"
    );
    assert_eq!(facts.pin_policy, Some(d.pin), "{id} PIN policy");
    assert_eq!(facts.touch_policy, Some(d.touch), "{id} touch policy");
    assert_eq!(
        facts.form_factor.map(|f| (f, facts.fips)),
        d.form_factor,
        "{id} form factor"
    );
    if d.form_factor.is_none() {
        assert!(!facts.fips);
    }
    let spki = spki::SubjectPublicKeyInfoOwned::from_der(&facts.public_key_spki_der).unwrap();
    assert_eq!(KeyAlgorithm::of_spki(&spki).unwrap(), d.key, "{id} key");
    assert_eq!(facts.slot, Some(d.slot), "{id} slot");
}

#[test]
fn every_case_in_cases_tsv_behaves_as_documented() {
    let cases = cases();
    assert_eq!(cases.len(), 18, "P1-P9, X1, N1-N8");
    for c in &cases {
        let trust = case_trust(c);
        let att = read(&c.att);
        let f9 = read(&c.f9);
        let chain = verify_chain(&att, &f9, &trust, now());
        match c.expect.as_str() {
            "pass" | "pass-sigonly" | "pass-chain-but-bind-serial" => {
                let facts = chain.unwrap_or_else(|e| panic!("{}: {e}", c.id));
                assert_documented(&c.id, &facts);
                let expected = Expected {
                    serial: c.serial.unwrap_or(0),
                    public_key_spki_der: &spki_of(&c.att),
                };
                match (c.id.as_str(), bind(facts, expected)) {
                    // fw 4.3.7 attestations carry no serial: never bound to a device.
                    ("P7", r) => assert_eq!(r.unwrap_err(), AttestationRefusal::SerialMissing),
                    (id, r) => {
                        let v = r.unwrap_or_else(|e| panic!("{id}: {e}"));
                        assert_eq!(Some(v.serial), c.serial, "{id}");
                    }
                }
            }
            "fail" => {
                let err = chain.expect_err(&c.id);
                assert!(
                    matches!(
                        err,
                        AttestationRefusal::ChainInvalid { .. }
                            | AttestationRefusal::UntrustedRoot { .. }
                    ),
                    "{}: {err:?}",
                    c.id
                );
                eprintln!("{}: refused: {err}", c.id);
            }
            "fail-policy" => {
                chain
                    .as_ref()
                    .unwrap_or_else(|e| panic!("{}: chain {e}", c.id));
                let err = verify(
                    &att,
                    &f9,
                    &trust,
                    Expected {
                        serial: c.serial.unwrap(),
                        public_key_spki_der: &spki_of(&c.att),
                    },
                    now(),
                )
                .unwrap_err();
                assert_eq!(
                    err,
                    AttestationRefusal::SerialMismatch {
                        attested: 25515003,
                        expected: 25515137
                    }
                );
            }
            other => panic!("unknown expectation {other}"),
        }
    }
}

#[test]
fn genuine_pairs_verify_against_the_pinned_roots_embedded_in_the_station() {
    let trust = TrustStore::yubico();
    for c in cases().iter().filter(|c| c.expect.starts_with("pass")) {
        let facts = verify_chain(&read(&c.att), &read(&c.f9), &trust, now())
            .unwrap_or_else(|e| panic!("{}: {e}", c.id));
        assert_documented(&c.id, &facts);
        let want = if c.id == "P7" {
            AnchorKind::YubicoU2fLegacy
        } else {
            AnchorKind::Yubico
        };
        assert_eq!(facts.anchor, want, "{}", c.id);
        assert_eq!(facts.chain[0], facts.chain[0].trim());
        eprintln!("{}: {}", c.id, facts.chain.join(" <- "));
    }
}

#[test]
fn new_chain_goes_through_the_pinned_intermediates() {
    let facts = verify_chain(
        &read("devices/new-33064031/att-9a.pem"),
        &read("devices/new-33064031/f9.pem"),
        &TrustStore::yubico(),
        now(),
    )
    .unwrap();
    assert_eq!(
        facts.chain,
        [
            "CN=YubiKey PIV Attestation 9a",
            "CN=YubiKey PIV Attestation",
            "CN=Yubico PIV Attestation B 1",
            "CN=Yubico Attestation Intermediate B 1",
            "CN=Yubico Attestation Root 1",
        ]
    );
}

#[test]
fn swapped_and_foreign_f9_certificates_fail_also_against_the_pinned_roots() {
    let trust = TrustStore::yubico();
    for id in ["N1", "N2", "N3", "N4", "N5"] {
        let c = cases().into_iter().find(|c| c.id == id).unwrap();
        let err = verify_chain(&read(&c.att), &read(&c.f9), &trust, now()).unwrap_err();
        assert!(
            matches!(err, AttestationRefusal::ChainInvalid { .. }),
            "{id}: {err:?}"
        );
    }
}

#[test]
fn the_pre_2018_root_with_pathlen_zero_is_accepted_for_legacy_chains() {
    let trust =
        TrustStore::only_root(&read("trust/yubico-piv-root-ca-263751-pre2018.pem")).unwrap();
    for d in [
        "legacy-25515003/att-9c",
        "legacy-28751258/att-9c",
        "legacy-15732500/att-9a",
        "legacy-22399878-cspn/att-9a",
        "legacy-28989702-fips/att-9a",
        "legacy-30000948-bio/att-9a",
    ] {
        let dir = d.split('/').next().unwrap();
        verify_chain(
            &read(&format!("devices/{d}.pem")),
            &read(&format!("devices/{dir}/f9.pem")),
            &trust,
            now(),
        )
        .unwrap_or_else(|e| panic!("{d}: {e}"));
    }
}

#[test]
fn a_batch_shared_f9_still_binds_only_to_the_attested_serial() {
    // X1: 28989702's attestation with 28751258's F9 (same batch key) is a valid chain…
    let att = read("devices/legacy-28989702-fips/att-9a.pem");
    let f9 = read("devices/legacy-28751258/f9.pem");
    let key = spki_of("devices/legacy-28989702-fips/att-9a.pem");
    let trust = TrustStore::yubico();
    let ok = verify(
        &att,
        &f9,
        &trust,
        Expected {
            serial: 28989702,
            public_key_spki_der: &key,
        },
        now(),
    )
    .unwrap();
    assert_eq!(ok.serial, 28989702);
    // …but it does not make it the attestation of the F9's own device.
    let err = verify(
        &att,
        &f9,
        &trust,
        Expected {
            serial: 28751258,
            public_key_spki_der: &key,
        },
        now(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        AttestationRefusal::SerialMismatch {
            attested: 28989702,
            expected: 28751258
        }
    );
}

#[test]
fn an_attestation_for_another_key_is_a_key_mismatch() {
    let err = verify(
        &read("devices/legacy-28989702-fips/att-9a.pem"),
        &read("devices/legacy-28989702-fips/f9.pem"),
        &TrustStore::yubico(),
        Expected {
            serial: 28989702,
            public_key_spki_der: &spki_of("devices/legacy-15732500/att-9a.pem"),
        },
        now(),
    )
    .unwrap_err();
    assert!(
        matches!(err, AttestationRefusal::KeyMismatch { .. }),
        "{err:?}"
    );
}

#[test]
fn a_modern_attestation_does_not_chain_through_the_fw43_u2f_f9() {
    // The U2F root anchors only 4.3.x attestations; a 5.4.3 attestation paired with the fw-4.3
    // F9 (signed by the U2F root) is refused at its own signature.
    let trust = TrustStore::yubico();
    let err = verify_chain(
        &read("devices/legacy-15732500/att-9a.pem"),
        &read("devices/legacy-u2froot-fw437/f9.pem"),
        &trust,
        now(),
    )
    .unwrap_err();
    assert!(
        matches!(err, AttestationRefusal::ChainInvalid { .. }),
        "{err:?}"
    );
}

#[test]
fn garbage_is_malformed_and_a_self_made_root_is_untrusted() {
    let err = verify_chain(b"not a certificate", b"", &TrustStore::yubico(), now()).unwrap_err();
    assert!(
        matches!(err, AttestationRefusal::Malformed { .. }),
        "{err:?}"
    );
    // A genuine chain checked against a store with only the new root: untrusted.
    let trust = TrustStore::only_root(&read("trust/yubico-attestation-root-1.pem")).unwrap();
    let err = verify_chain(
        &read("devices/legacy-25515003/att-9c.pem"),
        &read("devices/legacy-25515003/f9.pem"),
        &trust,
        now(),
    )
    .unwrap_err();
    assert!(
        matches!(err, AttestationRefusal::UntrustedRoot { .. }),
        "{err:?}"
    );
}

#[test]
fn pinned_roots_are_byte_identical_to_the_documented_files() {
    use kustodi::token::attestation::pinned;
    for (pem, file) in [
        (
            pinned::PIV_ROOT_263751,
            "trust/yubico-piv-root-ca-263751.pem",
        ),
        (
            pinned::PIV_ROOT_263751_PRE2018,
            "trust/yubico-piv-root-ca-263751-pre2018.pem",
        ),
        (
            pinned::ATTESTATION_ROOT_1,
            "trust/yubico-attestation-root-1.pem",
        ),
        (
            pinned::U2F_ROOT_457200631,
            "trust/yubico-u2f-root-ca-457200631.pem",
        ),
        (
            pinned::PIV_ATTESTATION_B_1,
            "trust/yubico-piv-attestation-b-1.pem",
        ),
    ] {
        assert_eq!(pem.as_bytes(), read(file).as_slice(), "{file}");
    }
    let fp = |pem: &str| {
        let der = x509_cert::Certificate::from_pem(pem)
            .unwrap()
            .to_der()
            .unwrap();
        kustodi::certcheck::sha256_hex(&der).to_uppercase()
    };
    assert_eq!(
        fp(pinned::PIV_ROOT_263751),
        "63ECE914E54DD87915F34033C85AF4C0696BA1512F8ADD66CED738331207B546"
    );
    assert_eq!(
        fp(pinned::PIV_ROOT_263751_PRE2018),
        "7E996A28E3055223733C9AEC897900EDA9B746E3E15D419556AC6A1179879A50"
    );
    assert_eq!(
        fp(pinned::ATTESTATION_ROOT_1),
        "62760C6A6EF91679F454C8902B80FD009825B3F25DA90F1FBACE2EC6586CD5A8"
    );
    assert_eq!(
        fp(pinned::U2F_ROOT_457200631),
        "0FA1386F80EB8713263AE5C1D84DEB455BDF08AEA50AB05503CEFEE82B092D42"
    );
}
