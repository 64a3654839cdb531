//! The PIV adapter against a virtual PIV card behind a real pcscd (no mocks; see
//! docs/testing-piv.md). Every test starts its own factory-fresh card with its own serial and
//! holds `piv::lock()`, so the tests of this binary run one after another.
//!
//! Skipped (with a loud message) only when pcscd or the vpcd driver is not installed.

#[path = "support/conformance.rs"]
mod conformance;
#[path = "support/piv.rs"]
mod piv;

use std::process::Command;
use std::str::FromStr;
use std::time::Instant;

use der::EncodePem;
use kustodi::archive::Archive;
use kustodi::domain::firmware::{FirmwareVersion, ManagementKeyAlgorithm};
use kustodi::ports::token::{HashAlgorithm, KeyAlgorithm, SignInput, TokenError, TokenProvider};
use kustodi::secret::Pin;
use kustodi::token::attestation::{
    AnchorKind, AttestationRefusal, AttestedPinPolicy, AttestedTouchPolicy, Expected, TrustStore,
};
use kustodi::token::piv::{
    KeygenParams, ManagementKey, PivPinPolicy, PivProvider, PivSession, PivSlot, PivTouchPolicy,
    ProvisionRequest, management_key_algorithm_for, token_uri,
};
use kustodi::token::{TokenSignature, TokenSigner};
use piv::{Card, port_a, port_b};

const PIN: &str = "123456";
const PUK: &str = "12345678";

fn pin(s: &str) -> Pin {
    Pin::new(s.to_owned())
}

/// Skips the test (loudly, once) when the harness cannot run here.
macro_rules! card_test {
    () => {{
        if !piv::available() {
            return;
        }
        piv::lock()
    }};
}

fn open(serial: u32) -> PivSession {
    PivProvider::new()
        .open_by_serial(serial)
        .unwrap_or_else(|e| panic!("open {serial}: {e}"))
}

/// Logged in with the PIN and authenticated with the default management key.
fn ready(serial: u32) -> PivSession {
    let s = open(serial);
    s.authenticate_default().expect("default management key");
    kustodi::ports::token::TokenSession::login(&s, &pin(PIN)).expect("PIN");
    s
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    eprintln!("timing: {what} took {:?}", t.elapsed());
    out
}

fn openssl(args: &[&str], dir: &std::path::Path) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

use kustodi::ports::token::TokenSession as _;

#[test]
fn opens_by_serial_and_reads_serial_version_and_retries() {
    let _g = card_test!();
    let _a = Card::start(7_100_001, port_a(), "5.4.3");
    let _b = Card::start(7_100_002, port_b(), "5.2.7");

    for (serial, fw) in [(7_100_001, "5.4.3"), (7_100_002, "5.2.7")] {
        let s = timed("open by serial", || open(serial));
        assert_eq!(s.serial(), serial);
        assert_eq!(s.firmware(), FirmwareVersion::from_str(fw).unwrap());
        let info = s.info().unwrap();
        assert_eq!(info.serial, serial);
        assert_eq!((info.pin.total, info.pin.remaining), (3, 3));
        let puk = info.puk.expect("GET METADATA answers for the PUK");
        assert_eq!((puk.total, puk.remaining), (5, 5));
        assert_eq!(info.pin_is_default, Some(true));
        assert_eq!(info.puk_is_default, Some(true));
        assert_eq!(info.management_key_is_default, Some(true));
        assert_eq!(
            info.management_key_algorithm,
            ManagementKeyAlgorithm::TripleDes
        );
    }
    let listed = PivProvider::new().list_tokens().unwrap();
    for serial in [7_100_001u32, 7_100_002] {
        let t = listed
            .iter()
            .find(|t| t.serial == serial.to_string())
            .expect("listed");
        assert_eq!(t.uri, token_uri(serial));
        assert!(t.flags.user_pin_to_be_changed, "default PIN is flagged");
    }
    let err = PivProvider::new().open_by_serial(7_199_999).unwrap_err();
    assert!(matches!(err, TokenError::TokenNotFound { .. }), "{err:?}");
}

#[test]
fn pin_change_takes_effect_and_the_old_pin_counts_down() {
    let _g = card_test!();
    let _c = Card::start(7_100_011, port_a(), "5.4.3");
    let provider = PivProvider::new();
    let uri = token_uri(7_100_011);
    provider
        .change_user_pin(&uri, &pin(PIN), &pin("493817"))
        .unwrap();
    let s = open(7_100_011);
    let err = s.login(&pin(PIN)).unwrap_err();
    assert!(
        matches!(
            err,
            TokenError::PinIncorrect {
                retries_left: Some(2),
                ..
            }
        ),
        "{err:?}"
    );
    s.login(&pin("493817")).unwrap();
    assert_eq!(s.pin_retries().unwrap(), 3, "a good PIN resets the counter");
    let err = s.change_pin(&pin("493817"), &pin("12345")).unwrap_err();
    assert!(
        matches!(err, TokenError::PinLength { min: 6, max: 8 }),
        "{err:?}"
    );
}

#[test]
fn management_key_algorithm_follows_the_firmware_profile() {
    let profiles = kustodi::token::profiles::embedded_profiles().unwrap();
    let yk5 = profiles.get("yubikey-5").unwrap();
    let yk4 = profiles.get("yubikey-4").unwrap();
    let v = |s: &str| FirmwareVersion::from_str(s).unwrap();
    assert_eq!(
        management_key_algorithm_for(yk5, v("5.4.3")),
        ManagementKeyAlgorithm::Aes192
    );
    assert_eq!(
        management_key_algorithm_for(yk5, v("5.7.4")),
        ManagementKeyAlgorithm::Aes192
    );
    assert_eq!(
        management_key_algorithm_for(yk5, v("5.2.7")),
        ManagementKeyAlgorithm::TripleDes
    );
    assert_eq!(
        management_key_algorithm_for(yk4, v("4.3.7")),
        ManagementKeyAlgorithm::TripleDes
    );
}

#[test]
fn provisioning_sets_the_pin_a_random_puk_and_management_key_returned_for_escrow() {
    let _g = card_test!();
    let _c = Card::start(7_100_021, port_a(), "5.4.3");
    let s = open(7_100_021);
    let new_pin = pin("271828");
    // The profile asks for AES-192 on 5.4.3, but the virtual card (piv-authenticator) knows only
    // 3DES and AES-256 management keys: AES-256 here (see docs/tokens.md).
    let secrets = timed("provision", || {
        s.provision(&ProvisionRequest {
            current_pin: &pin(PIN),
            new_pin: &new_pin,
            current_puk: &pin(PUK),
            current_management_key: &ManagementKey::factory_default(),
            management_key_algorithm: ManagementKeyAlgorithm::Aes256,
        })
    })
    .unwrap();
    let puk = secrets.puk.expect("PUK returned");
    let mgm = secrets.management_key.expect("management key returned");
    assert_eq!(puk.len(), 8);
    assert_ne!(puk.expose(), PUK.as_bytes());
    assert_eq!(mgm.algorithm, ManagementKeyAlgorithm::Aes256);
    assert_eq!(mgm.key.len(), 32);
    assert!(
        !format!("{puk:?}{mgm:?}").contains(&String::from_utf8_lossy(puk.expose()).to_string())
    );

    let info = s.info().unwrap();
    assert_eq!(
        info.management_key_algorithm,
        ManagementKeyAlgorithm::Aes256
    );
    assert_eq!(info.management_key_is_default, Some(false));
    assert_eq!(info.pin_is_default, Some(false));
    assert_eq!(info.puk_is_default, Some(false));

    // Escrow to a custodian, recover, and use what was recovered.
    let dir = tempfile::tempdir().unwrap();
    let custodian = age::x25519::Identity::generate();
    let archive = Archive::new(dir.path().to_owned(), vec![custodian.to_public()]);
    let puk_name = archive.escrow(&puk).unwrap();
    let mgm_name = archive.escrow(&mgm.key).unwrap();
    let puk_back = archive.recover(&puk_name, &custodian).unwrap();
    let mgm_back = archive.recover(&mgm_name, &custodian).unwrap();

    let s = open(7_100_021);
    let err = s.authenticate_default().unwrap_err();
    assert!(matches!(err, TokenError::Backend { .. }), "{err:?}");
    s.authenticate(&ManagementKey {
        algorithm: ManagementKeyAlgorithm::Aes256,
        key: mgm_back,
    })
    .expect("escrowed management key authenticates");
    s.login(&new_pin).expect("holder's PIN");
    let puk_pin = Pin::new(String::from_utf8(puk_back.expose().to_vec()).unwrap());
    s.unblock_pin(&puk_pin, &pin("314159"))
        .expect("escrowed PUK works");
}

#[test]
fn an_aes192_management_key_is_refused_by_the_virtual_card_and_the_puk_already_set_is_returned() {
    let _g = card_test!();
    let _c = Card::start(7_100_022, port_a(), "5.4.3");
    let s = open(7_100_022);
    let failure = s
        .provision(&ProvisionRequest {
            current_pin: &pin(PIN),
            new_pin: &pin("271828"),
            current_puk: &pin(PUK),
            current_management_key: &ManagementKey::factory_default(),
            management_key_algorithm: ManagementKeyAlgorithm::Aes192,
        })
        .unwrap_err();
    eprintln!("{failure}");
    assert_eq!(failure.step, "set a random management key");
    let puk = failure
        .changed
        .puk
        .expect("the PUK already set must be escrowed");
    assert!(failure.changed.management_key.is_none());
    // The old (default) management key is still in force, and the returned PUK is the card's.
    let s = open(7_100_022);
    s.authenticate_default().unwrap();
    let puk = Pin::new(String::from_utf8(puk.expose().to_vec()).unwrap());
    s.unblock_pin(&puk, &pin("314159")).unwrap();
}

#[test]
fn p256_and_rsa2048_keys_sign_and_a_csr_through_the_token_signer_passes_openssl_verify() {
    use x509_cert::builder::Builder;
    let _g = card_test!();
    let _c = Card::start(7_100_031, port_a(), "5.4.3");
    let s = ready(7_100_031);
    let dir = tempfile::tempdir().unwrap();
    let subject =
        x509_cert::name::Name::from_str("CN=Budi Santoso,O=Pemerintah Kabupaten Bekasi,C=ID")
            .unwrap();

    let key = timed("keygen P-256 in 9c + sign + verify", || {
        conformance::keygen_spki_sign_verify(&s, KeyAlgorithm::P256, "budi")
    });
    assert_eq!(key.id, vec![0x9c]);
    let signer = TokenSigner::new(&s, key).unwrap();
    let csr = x509_cert::request::RequestBuilder::new(subject.clone())
        .unwrap()
        .build::<_, ecdsa::der::Signature<p256::NistP256>>(&signer)
        .unwrap();
    let ec_pem = csr.to_pem(der::pem::LineEnding::LF).unwrap();

    s.set_keygen_params(KeygenParams {
        slot: PivSlot::Authentication,
        pin_policy: PivPinPolicy::Once,
        touch_policy: PivTouchPolicy::Never,
    });
    let key = timed("keygen RSA-2048 in 9a + sign + verify", || {
        conformance::keygen_spki_sign_verify(&s, KeyAlgorithm::Rsa2048, "budi-rsa")
    });
    assert_eq!(key.id, vec![0x9a]);
    let signer = TokenSigner::new(&s, key).unwrap();
    let csr = x509_cert::request::RequestBuilder::new(subject)
        .unwrap()
        .build::<_, TokenSignature>(&signer)
        .unwrap();
    let rsa_pem = csr.to_pem(der::pem::LineEnding::LF).unwrap();

    for (name, pem) in [("ec.csr", ec_pem), ("rsa.csr", rsa_pem)] {
        std::fs::write(dir.path().join(name), pem).unwrap();
        let (ok, text) = openssl(&["req", "-in", name, "-noout", "-verify"], dir.path());
        assert!(ok && text.contains("verify OK"), "{name}: {text}");
    }

    // P-384 in 9d too (SHA-384 on the host).
    s.set_keygen_params(KeygenParams {
        slot: PivSlot::KeyManagement,
        ..KeygenParams::default()
    });
    conformance::keygen_spki_sign_verify(&s, KeyAlgorithm::P384, "p384");
}

#[test]
fn a_certificate_written_to_the_slot_is_read_back_in_a_new_session() {
    let _g = card_test!();
    let _c = Card::start(7_100_041, port_a(), "5.4.3");
    let s = ready(7_100_041);
    let key = conformance::keygen_spki_sign_verify(&s, KeyAlgorithm::P256, "cert");
    conformance::certificate_round_trip(&s, &key);
    let dir = tempfile::tempdir().unwrap();
    let cert = conformance::sample_certificate(dir.path());
    let uri = s.write_certificate(&key, &cert).unwrap();
    assert_eq!(uri, "piv:serial=7100041;slot=9c;type=cert");
    drop(s);
    let s = open(7_100_041);
    assert_eq!(s.find_certificate(&uri).unwrap(), Some(cert.der.clone()));
    assert_eq!(
        s.read_certificate_der(PivSlot::Authentication).unwrap(),
        None,
        "an empty slot has no certificate"
    );
    let found = s.find_key("piv:serial=7100041;slot=9c").unwrap();
    assert_eq!(found.algorithm, KeyAlgorithm::P256);
}

#[test]
fn three_wrong_pins_block_it_and_the_puk_unblocks_it() {
    let _g = card_test!();
    let _c = Card::start(7_100_051, port_a(), "5.4.3");
    let s = open(7_100_051);
    for left in [2u32, 1] {
        let err = s.login(&pin("000000")).unwrap_err();
        match err {
            TokenError::PinIncorrect {
                retries_left: Some(n),
                final_try,
                ..
            } => {
                assert_eq!(n, left);
                assert_eq!(final_try, left == 1);
            }
            other => panic!("expected PinIncorrect, got {other:?}"),
        }
    }
    let err = s.login(&pin("000000")).unwrap_err();
    assert!(matches!(err, TokenError::PinLocked), "{err:?}");
    let err = s.login(&pin(PIN)).unwrap_err();
    assert!(
        matches!(err, TokenError::PinLocked),
        "even the right PIN: {err:?}"
    );
    assert!(s.token_info().unwrap().flags.user_pin_locked);

    // The card counts PUK tries itself (piv-authenticator answers 63C2 after the first wrong
    // PUK, i.e. 3 tries like a real YubiKey, while the harness's metadata assumes 5).
    let err = s.unblock_pin(&pin("87654321"), &pin("654321")).unwrap_err();
    assert!(
        matches!(
            err,
            TokenError::PinIncorrect {
                retries_left: Some(1..),
                ..
            }
        ),
        "wrong PUK: {err:?}"
    );
    PivProvider::new()
        .init_user_pin(&token_uri(7_100_051), &pin(PUK), &pin("654321"))
        .expect("PUK unblocks");
    s.login(&pin("654321")).unwrap();
    assert_eq!(s.pin_retries().unwrap(), 3);
}

#[test]
fn reset_is_refused_until_pin_and_puk_are_both_blocked() {
    let _g = card_test!();
    let _c = Card::start(7_100_061, port_a(), "5.4.3");
    let s = ready(7_100_061);
    s.generate(KeygenParams::default(), KeyAlgorithm::P256, "old")
        .unwrap();
    let err = s.reset_blocked().unwrap_err();
    assert!(err.to_string().contains("both must be blocked"), "{err}");
    for _ in 0..3 {
        let _ = s.login(&pin("000000"));
    }
    let err = s.reset_blocked().unwrap_err();
    assert!(
        err.to_string().contains("PUK 5"),
        "PIN blocked, PUK not: {err}"
    );
    for _ in 0..5 {
        let _ = s.unblock_pin(&pin("00000000"), &pin("111111"));
    }
    let info = s.info().unwrap();
    assert_eq!((info.pin.remaining, info.puk.unwrap().remaining), (0, 0));
    s.reset_blocked().expect("reset of a fully blocked device");
    let s = open(7_100_061);
    s.login(&pin(PIN)).expect("factory PIN after reset");
    assert_eq!(s.info().unwrap().puk.unwrap().remaining, 5);
    assert!(
        s.find_key("piv:serial=7100061;slot=9c").is_err(),
        "the old key is gone"
    );
}

#[test]
fn attestation_verifies_against_the_test_root_only_when_asked_and_binds_to_the_serial() {
    let _g = card_test!();
    let _c = Card::start(7_100_071, port_a(), "5.4.3");
    let s = ready(7_100_071);
    let key = s
        .generate(
            KeygenParams {
                slot: PivSlot::Signature,
                pin_policy: PivPinPolicy::Always,
                touch_policy: PivTouchPolicy::Never,
            },
            KeyAlgorithm::P256,
            "attested",
        )
        .unwrap();
    let spki = s.public_key_spki_der(&key).unwrap();
    let evidence = timed("read attestation + F9", || {
        s.attestation(PivSlot::Signature)
    })
    .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let expected = Expected {
        serial: 7_100_071,
        public_key_spki_der: &spki,
    };

    // The station's default trust never includes the harness CA.
    let err = kustodi::token::attestation::verify(
        &evidence.slot_certificate,
        &evidence.f9_certificate,
        &TrustStore::yubico(),
        expected,
        now,
    )
    .unwrap_err();
    assert!(
        matches!(err, AttestationRefusal::UntrustedRoot { .. }),
        "{err:?}"
    );

    let trust = TrustStore::yubico()
        .with_test_root(&piv::attestation_root_pem())
        .unwrap();
    let v = kustodi::token::attestation::verify(
        &evidence.slot_certificate,
        &evidence.f9_certificate,
        &trust,
        expected,
        now,
    )
    .unwrap();
    assert_eq!(v.serial, 7_100_071);
    assert_eq!(v.facts.anchor, AnchorKind::Test);
    assert_eq!(v.facts.slot, Some(0x9c));
    assert_eq!(
        v.facts.firmware,
        Some(FirmwareVersion::from_str("5.4.3").unwrap())
    );
    assert_eq!(v.facts.pin_policy, Some(AttestedPinPolicy::Always));
    assert_eq!(v.facts.touch_policy, Some(AttestedTouchPolicy::Never));

    let err = kustodi::token::attestation::verify(
        &evidence.slot_certificate,
        &evidence.f9_certificate,
        &trust,
        Expected {
            serial: 7_100_072,
            ..expected
        },
        now,
    )
    .unwrap_err();
    assert_eq!(
        err,
        AttestationRefusal::SerialMismatch {
            attested: 7_100_071,
            expected: 7_100_072
        }
    );

    // A later key in the same slot: the old attestation no longer matches it.
    s.generate(KeygenParams::default(), KeyAlgorithm::P256, "newer")
        .unwrap();
    let newer = s.public_key_spki_der(&key).unwrap();
    let err = kustodi::token::attestation::verify(
        &evidence.slot_certificate,
        &evidence.f9_certificate,
        &trust,
        Expected {
            public_key_spki_der: &newer,
            ..expected
        },
        now,
    )
    .unwrap_err();
    assert!(
        matches!(err, AttestationRefusal::KeyMismatch { .. }),
        "{err:?}"
    );
}

#[test]
fn a_card_pulled_out_mid_operation_is_reported_as_removed() {
    let _g = card_test!();
    let card = Card::start(7_100_081, port_a(), "5.4.3");
    let s = ready(7_100_081);
    let key = s
        .generate(KeygenParams::default(), KeyAlgorithm::P256, "pulled")
        .unwrap();
    s.sign(&key, HashAlgorithm::Sha256, SignInput::Message(b"before"))
        .unwrap();

    card.stop(); // the token leaves the reader between two steps
    let t = Instant::now();
    let err = s
        .sign(&key, HashAlgorithm::Sha256, SignInput::Message(b"after"))
        .unwrap_err();
    eprintln!("sign after removal: {err} ({:?})", t.elapsed());
    assert!(matches!(err, TokenError::Removed), "{err:?}");
    let err = s.info().unwrap_err();
    assert!(matches!(err, TokenError::Removed), "{err:?}");
    let err = s.attestation(PivSlot::Signature).unwrap_err();
    assert!(matches!(err, TokenError::Removed), "{err:?}");
    let err = PivProvider::new().open_by_serial(7_100_081).unwrap_err();
    assert!(matches!(err, TokenError::TokenNotFound { .. }), "{err:?}");
}

#[test]
fn shared_token_conformance_passes_on_the_virtual_card() {
    let _g = card_test!();
    let _c = Card::start(7_100_091, port_a(), "5.4.3");
    let s = ready(7_100_091);
    conformance::run_all(&s, &pin("000000"), &pin(PIN));
}
