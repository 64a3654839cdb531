//! The PKCS#11 adapter over a second module: OpenSC's `opensc-pkcs11.so` on the virtual PIV
//! card behind a real pcscd (`docs/testing-piv.md`), and the reader watch over that pcscd.
//!
//! What OpenSC can and cannot do on this card is written up in `docs/tokens.md`.

#[path = "support/opensc.rs"]
mod opensc;

use std::time::{Duration, Instant};

use kustodi::domain::firmware::Verdict;
use kustodi::ports::token::{HashAlgorithm, KeyAlgorithm, SignInput, TokenError, TokenProvider};
use kustodi::secret::Pin;
use kustodi::token::profiles::embedded_profiles;
use kustodi::token::readers::{ReaderEvent, ReaderWatch, list_readers};
use kustodi::token::report::{assess, token_report};
use kustodi::token::{ObjectType, Pkcs11Module, Pkcs11Provider, Pkcs11Uri};
use opensc::{Card, MGM_KEY, OPENSC_MODULE, PIN};
use p256::ecdsa::signature::Verifier;
use p256::pkcs8::DecodePublicKey;

fn pin(s: &str) -> Pin {
    Pin::new(s.to_owned())
}

/// Generates a P-256 key in slot 9a with yubico-piv-tool and writes a certificate for it
/// (OpenSC only shows a PIV key whose slot has a certificate). Returns the public key (SPKI DER).
fn key_and_certificate_in_9a(card: &Card, dir: &std::path::Path) -> Vec<u8> {
    let pubkey = dir.join("pub9a.pem");
    let ca_key = dir.join("ca.key");
    let cert = dir.join("cert9a.pem");
    let p = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    card.piv_tool(&[
        &format!("-k{MGM_KEY}"),
        "-a",
        "generate",
        "-s",
        "9a",
        "-A",
        "ECCP256",
        "-o",
        &p(&pubkey),
    ])
    .unwrap();
    opensc::run(
        "openssl",
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            &p(&ca_key),
        ],
    );
    opensc::run(
        "openssl",
        &[
            "x509",
            "-new",
            "-subj",
            "/CN=Kustodi OpenSC conformance",
            "-key",
            &p(&ca_key),
            "-force_pubkey",
            &p(&pubkey),
            "-days",
            "2",
            "-out",
            &p(&cert),
        ],
    );
    card.piv_tool(&[
        &format!("-k{MGM_KEY}"),
        "-a",
        "import-certificate",
        "-s",
        "9a",
        "-i",
        &p(&cert),
    ])
    .unwrap();
    let pem = std::fs::read_to_string(&pubkey).unwrap();
    p256::PublicKey::from_public_key_pem(&pem)
        .map(|k| {
            use p256::pkcs8::EncodePublicKey;
            k.to_public_key_der().unwrap().as_bytes().to_vec()
        })
        .unwrap()
}

#[test]
fn opensc_on_the_virtual_piv_card_lists_matches_logs_in_signs_and_locks_the_pin() {
    let Some(()) = opensc::prerequisites("OpenSC virtual-card conformance") else {
        return;
    };
    let _one = opensc::exclusive();
    let card = Card::start(7_300_001);
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    // Before OpenSC reads the card: key and certificate made with yubico-piv-tool (OpenSC's
    // PIV driver has no key generation, see below).
    let spki_from_tool = key_and_certificate_in_9a(&card, dir.path());

    let module = Pkcs11Module::load(OPENSC_MODULE).expect("load OpenSC");
    let provider = Pkcs11Provider::new(vec![module.clone()]);

    // 1. The token of our reader. Every virtual card has the same label and serial (from the
    //    same CHUID), so the URI names the slot (the reader) too.
    let slots = module.token_slot_descriptions().unwrap();
    let (token_uri, _) = slots
        .iter()
        .find(|(_, d)| d == card.reader)
        .unwrap_or_else(|| panic!("no OpenSC token in {}: {slots:?}", card.reader));
    let mut uri = Pkcs11Uri::parse(token_uri).unwrap();
    uri.slot_description = Some(card.reader.to_owned());
    let uri_text = uri.to_string();
    let info = provider.token_info(&uri_text).unwrap();
    assert_eq!(info.manufacturer.trim(), "piv_II");
    assert_eq!(info.model.trim(), "PKCS#15 emulated");
    assert_eq!(info.firmware_version, "0.0");
    assert_eq!((info.min_pin_len, info.max_pin_len), (4, 8));
    assert!(info.flags.initialized && info.flags.user_pin_initialized);
    assert!(info.flags.login_required);
    assert!(!info.flags.user_pin_locked);
    for m in ["CKM_ECDSA", "CKM_RSA_PKCS", "CKM_SHA256_RSA_PKCS"] {
        assert!(
            info.mechanisms.iter().any(|x| x == m),
            "{m}: {:?}",
            info.mechanisms
        );
    }
    for m in ["CKM_EC_KEY_PAIR_GEN", "CKM_RSA_PKCS_KEY_PAIR_GEN"] {
        assert!(!info.mechanisms.iter().any(|x| x == m), "{m} offered?");
    }

    // 2. Profile: generic PIV (the YubiKey rules need the firmware version, which OpenSC does
    //    not report).
    let readers = list_readers().unwrap();
    let reader = readers.iter().find(|r| r.name == card.reader).unwrap();
    assert!(reader.card_present);
    let profiles = embedded_profiles().unwrap();
    let a = assess(
        &profiles,
        &token_report(&info, Some(card.reader), Some(reader)),
    );
    assert_eq!(a.profile.id, "generic-piv");
    assert!(!a.unknown_model());
    assert!(
        a.verdicts.iter().all(|v| v.verdict == Verdict::Allowed),
        "{:?}",
        a.verdicts
    );

    // 3. Login, the key by URI, its public key, a signature verified in software.
    let session = provider.open_session(&uri_text).unwrap();
    session.login(&pin(PIN)).unwrap();
    let key_uri = uri
        .with_object(Some(&[0x01]), None, Some(ObjectType::Private))
        .to_string();
    let key = session.find_key(&key_uri).unwrap();
    assert_eq!(key.algorithm, KeyAlgorithm::P256);
    let spki = session.public_key_spki_der(&key).unwrap();
    assert_eq!(
        spki, spki_from_tool,
        "SPKI via OpenSC differs from the tool's"
    );
    let message = b"Kustodi: OpenSC conformance";
    let sig = session
        .sign(&key, HashAlgorithm::Sha256, SignInput::Message(message))
        .unwrap();
    let vk = p256::ecdsa::VerifyingKey::from_public_key_der(&spki).unwrap();
    vk.verify(message, &p256::ecdsa::Signature::from_der(&sig).unwrap())
        .expect("signature verifies in software");

    // 4. OpenSC's PIV emulation reports every protection attribute as safe, CKA_LOCAL included;
    //    it does not read the card's key origin (imported keys look the same), so for PIV the
    //    station must prove on-card generation by attestation, not by these attributes.
    let safety = session.key_safety(&key).unwrap();
    eprintln!("OpenSC key attributes of 9a: {safety:?}");
    assert!(safety.is_safe(), "{safety:?}");

    // 5. No key generation through OpenSC's PIV driver.
    match session.generate_key_pair(KeyAlgorithm::P256, "kustodi-test") {
        Err(TokenError::MechanismUnsupported { mechanism }) => {
            assert!(mechanism.contains("EC_KEY_PAIR_GEN"), "{mechanism}");
        }
        other => panic!("OpenSC generated a key?! {other:?}"),
    }

    // 6. Wrong PINs: PIV counts down from 3 and locks; OpenSC reports it through the flags.
    session.logout().unwrap();
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(session.login(&pin("000000")).unwrap_err());
    }
    eprintln!("OpenSC wrong-PIN results: {seen:?}");
    // After the first failure OpenSC sets no flag (no COUNT_LOW): "2 tries left" is not told.
    assert!(
        matches!(
            seen[0],
            TokenError::PinIncorrect {
                retries_left: None,
                final_try: false,
                ..
            }
        ),
        "{:?}",
        seen[0]
    );
    assert!(
        matches!(
            seen[1],
            TokenError::PinIncorrect {
                retries_left: Some(1),
                final_try: true,
                ..
            }
        ),
        "second wrong PIN should leave one try: {:?}",
        seen[1]
    );
    assert!(matches!(seen[2], TokenError::PinLocked), "{:?}", seen[2]);
    let after = session.login(&pin(PIN));
    eprintln!("OpenSC right PIN after the lock: {after:?}");
    assert!(
        matches!(after, Err(TokenError::PinLocked)),
        "the right PIN after the lock: {after:?}"
    );
    let info = provider.token_info(&uri_text).unwrap();
    assert!(info.flags.user_pin_locked, "{:?}", info.flags);
    drop(session);
    card.stop();
}

fn wait_for(
    watch: &mut ReaderWatch,
    what: &str,
    mut found: impl FnMut(&ReaderEvent) -> bool,
) -> ReaderEvent {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        for e in watch.watch(Duration::from_millis(500)).unwrap() {
            if found(&e) {
                return e;
            }
            seen.push(e);
        }
    }
    panic!("no {what} within 15 s; saw {seen:?}");
}

#[test]
fn the_reader_watch_sees_a_virtual_card_inserted_with_its_atr_and_removed() {
    let Some(()) = opensc::prerequisites("reader watch over pcscd") else {
        return;
    };
    let _one = opensc::exclusive();
    opensc::start_pcscd();
    let mut watch = ReaderWatch::new().expect("pcscd is running");
    let card = Card::start(7_300_002);
    let reader = card.reader;
    let inserted = wait_for(
        &mut watch,
        "insertion",
        |e| matches!(e, ReaderEvent::CardInserted { reader: r, .. } if r == reader),
    );
    let ReaderEvent::CardInserted { atr, .. } = inserted else {
        unreachable!()
    };
    // The card presents a YubiKey 5 ATR.
    assert_eq!(atr.first(), Some(&0x3b), "{atr:02x?}");
    assert!(atr.len() > 10);
    let status = watch.readers();
    let r = status.iter().find(|r| r.name == reader).unwrap();
    assert!(r.card_present);
    assert_eq!(r.atr.as_deref(), Some(&atr[..]));

    card.stop();
    wait_for(
        &mut watch,
        "removal",
        |e| matches!(e, ReaderEvent::CardRemoved { reader: r } if r == reader),
    );
    assert!(
        !watch
            .readers()
            .iter()
            .any(|r| r.name == reader && r.card_present)
    );
}
