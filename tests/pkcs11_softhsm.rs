//! The PKCS#11 adapter against a real SoftHSM2 2.6 module (no mocks). Each test creates its own
//! token with a unique label in the process-wide SoftHSM2 instance (`support::softhsm`).

#[path = "support/conformance.rs"]
mod conformance;
mod support;

use std::path::Path;
use std::process::Command;
use std::str::FromStr;
use std::time::Instant;

use der::{Decode, EncodePem};
use kustodi::ports::signer::{CheckpointSigner, SignError};
use kustodi::ports::token::{
    HashAlgorithm, KeyAlgorithm, KeyHandleRef, SignInput, TokenError, TokenProvider, TokenSession,
};
use kustodi::token::readers::{ReaderError, ReaderWatch, list_readers};
use kustodi::token::softhsm::init_blank_token;
use kustodi::token::{Pkcs11Uri, STATION_KEY_LABEL, StationKey, TokenSignature, TokenSigner};
use p256::pkcs8::DecodePublicKey;
use signature::Verifier;
use support::{SO_PIN, USER_PIN, pin, provider, softhsm};

fn logged_in_session(uri: &str) -> Box<dyn TokenSession> {
    let session = provider().open_session(uri).expect("open session");
    session.login(&pin(USER_PIN)).expect("login");
    session
}

fn verify_p256(spki: &[u8], message: &[u8], der_sig: &[u8]) {
    let vk = p256::ecdsa::VerifyingKey::from_public_key_der(spki).expect("P-256 SPKI");
    let sig = p256::ecdsa::Signature::from_der(der_sig).expect("DER ECDSA signature");
    vk.verify(message, &sig).expect("signature verifies");
}

fn verify_rsa_sha256(spki: &[u8], message: &[u8], sig: &[u8]) {
    let public = rsa::PublicKey::from_public_key_der(spki).expect("RSA SPKI");
    let vk = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(public);
    let sig = rsa::pkcs1v15::Signature::try_from(sig).expect("RSA signature bytes");
    vk.verify(message, &sig).expect("RSA signature verifies");
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    eprintln!("timing: {what} took {:?}", start.elapsed());
    out
}

fn openssl(args: &[&str], dir: &Path) -> (bool, String) {
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

#[test]
fn the_module_is_initialised_once_per_process() {
    let hsm = softhsm();
    let again = hsm
        .module
        .context()
        .initialize(cryptoki::context::CInitializeArgs::new(
            cryptoki::context::CInitializeFlags::OS_LOCKING_OK,
        ));
    assert!(again.is_err(), "a second C_Initialize must fail");
    let (manufacturer, _, version) = hsm.module.library_info().unwrap();
    assert_eq!(manufacturer, "SoftHSM");
    assert!(version.starts_with("2."), "{version}");
}

#[test]
fn loading_the_same_module_again_in_one_process_reuses_it() {
    // Regression (issue 2): `sandbox token new` loaded SoftHSM2 twice and the second
    // C_Initialize failed with CKR_CRYPTOKI_ALREADY_INITIALIZED.
    let hsm = softhsm();
    let again = kustodi::token::Pkcs11Module::load(hsm.module.path()).expect("reused");
    assert_eq!(again.path(), hsm.module.path());
    assert_eq!(
        again.library_info().unwrap(),
        hsm.module.library_info().unwrap()
    );
}

#[test]
fn lists_tokens_with_info_and_mechanisms() {
    softhsm();
    let (label, uri) = support::blank_token("list");
    let tokens = provider().list_tokens().unwrap();
    let info = tokens
        .iter()
        .find(|t| t.label == label)
        .expect("new token is listed");
    assert_eq!(info.uri, uri);
    assert_eq!(info.manufacturer, "SoftHSM project");
    assert_eq!(info.model, "SoftHSM v2");
    assert_eq!(info.serial.len(), 16, "SoftHSM serials are 16 hex digits");
    assert!(info.hardware_version.starts_with("2."));
    assert!(info.firmware_version.starts_with("2."));
    assert!(info.flags.initialized && info.flags.login_required && info.flags.rng);
    assert!(
        !info.flags.user_pin_initialized,
        "a stock token has no user PIN"
    );
    assert!(!info.flags.protected_authentication_path);
    assert_eq!((info.min_pin_len, info.max_pin_len), (4, 255));
    for m in [
        "CKM_EC_KEY_PAIR_GEN",
        "CKM_ECDSA",
        "CKM_RSA_PKCS_KEY_PAIR_GEN",
        "CKM_SHA256_RSA_PKCS",
        "CKM_RSA_PKCS",
    ] {
        assert!(info.mechanisms.iter().any(|x| x == m), "{m} missing");
    }
    assert!(
        tokens.iter().any(|t| !t.flags.initialized),
        "SoftHSM2 always keeps one free token"
    );
}

#[test]
fn initialises_token_so_pin_and_user_pin() {
    softhsm();
    let p = provider();
    let (label, uri) = support::blank_token("init");
    assert!(!p.token_info(&uri).unwrap().flags.user_pin_initialized);

    // A wrong SO PIN cannot set the user PIN.
    let err = p
        .init_user_pin(&uri, &pin("not-the-so-pin"), &pin(USER_PIN))
        .unwrap_err();
    assert!(matches!(err, TokenError::PinIncorrect { .. }), "{err:?}");

    p.init_user_pin(&uri, &pin(SO_PIN), &pin(USER_PIN)).unwrap();
    let info = p.token_info(&uri).unwrap();
    assert!(info.flags.user_pin_initialized);
    assert_eq!(info.label, label);
    logged_in_session(&uri).logout().unwrap();

    // The SO PIN can be changed; the old one then stops working.
    p.change_so_pin(&uri, &pin(SO_PIN), &pin("so-pin-new-1"))
        .unwrap();
    assert!(matches!(
        p.init_user_pin(&uri, &pin(SO_PIN), &pin("111111")),
        Err(TokenError::PinIncorrect { .. })
    ));
    p.init_user_pin(&uri, &pin("so-pin-new-1"), &pin("222222"))
        .unwrap();
    let s = p.open_session(&uri).unwrap();
    s.login(&pin("222222")).unwrap();

    // A second token with the same label is refused.
    let err = init_blank_token(&softhsm().module, &label, &pin(SO_PIN)).unwrap_err();
    assert!(
        matches!(err, TokenError::TokenAlreadyExists { .. }),
        "{err:?}"
    );
}

#[test]
fn user_pin_change_takes_effect_and_short_pins_are_refused() {
    softhsm();
    let p = provider();
    let (_, uri) = support::ready_token("chpin");
    let err = p
        .change_user_pin(&uri, &pin("999999"), &pin("112233"))
        .unwrap_err();
    assert!(matches!(err, TokenError::PinIncorrect { .. }), "{err:?}");
    let err = p
        .change_user_pin(&uri, &pin(USER_PIN), &pin("12"))
        .unwrap_err();
    assert!(
        matches!(err, TokenError::PinLength { min: 4, max: 255 }),
        "{err:?}"
    );
    p.change_user_pin(&uri, &pin(USER_PIN), &pin("112233"))
        .unwrap();
    let s = p.open_session(&uri).unwrap();
    assert!(matches!(
        s.login(&pin(USER_PIN)),
        Err(TokenError::PinIncorrect { .. })
    ));
    s.login(&pin("112233")).unwrap();
}

#[test]
fn wrong_pin_reports_what_softhsm_says_and_softhsm_never_locks() {
    softhsm();
    let p = provider();
    let (_, uri) = support::ready_token("wrongpin");
    let s = p.open_session(&uri).unwrap();
    let err = s.login(&pin("000000")).unwrap_err();
    eprintln!("first wrong PIN: {err:?} / {err}");
    // SoftHSM2 2.6.1 sets CKF_USER_PIN_COUNT_LOW after a failed login and never sets FINAL_TRY
    // or LOCKED, so no count of tries is known.
    assert!(
        matches!(
            err,
            TokenError::PinIncorrect {
                retries_left: None,
                low: true,
                final_try: false
            }
        ),
        "{err:?}"
    );
    assert!(p.token_info(&uri).unwrap().flags.user_pin_count_low);
    for _ in 0..20 {
        assert!(matches!(
            s.login(&pin("000000")),
            Err(TokenError::PinIncorrect { .. })
        ));
    }
    let flags = p.token_info(&uri).unwrap().flags;
    assert!(!flags.user_pin_locked && !flags.user_pin_final_try);
    s.login(&pin(USER_PIN))
        .expect("SoftHSM2 does not lock the PIN after 21 failures");
    assert!(!p.token_info(&uri).unwrap().flags.user_pin_count_low);
}

#[test]
fn p256_key_is_generated_on_token_with_every_protection_flag() {
    softhsm();
    let (_, uri) = support::ready_token("p256");
    let s = logged_in_session(&uri);
    let key = timed("P-256 keygen", || {
        s.generate_key_pair(KeyAlgorithm::P256, "pegawai-p256")
            .unwrap()
    });
    assert_eq!(key.id.len(), 16);
    assert_eq!(key.token_uri, uri);
    let safety = s.key_safety(&key).unwrap();
    assert!(safety.local, "CKA_LOCAL");
    assert!(safety.never_extractable, "CKA_NEVER_EXTRACTABLE");
    assert!(safety.always_sensitive, "CKA_ALWAYS_SENSITIVE");
    assert!(safety.sensitive, "CKA_SENSITIVE");
    assert!(!safety.extractable, "CKA_EXTRACTABLE");
    assert!(safety.private, "CKA_PRIVATE");
    assert!(safety.token, "CKA_TOKEN");

    let spki = s.public_key_spki_der(&key).unwrap();
    let message = b"Surat Keputusan Bupati Bekasi";
    let sig = s
        .sign(&key, HashAlgorithm::Sha256, SignInput::Message(message))
        .unwrap();
    verify_p256(&spki, message, &sig);
    let digest = <sha2::Sha256 as sha2::Digest>::digest(message);
    let sig = s
        .sign(&key, HashAlgorithm::Sha256, SignInput::Prehashed(&digest))
        .unwrap();
    verify_p256(&spki, message, &sig);
    assert!(matches!(
        s.sign(
            &key,
            HashAlgorithm::Sha256,
            SignInput::Prehashed(&digest[..20])
        ),
        Err(TokenError::Encoding(_))
    ));

    // Found again by URI (id, label, type).
    let key_uri = Pkcs11Uri::parse(&uri).unwrap().with_object(
        Some(&key.id),
        None,
        Some(kustodi::token::ObjectType::Private),
    );
    assert_eq!(s.find_key(&key_uri.to_string()).unwrap(), key);
}

#[test]
fn rsa2048_key_is_generated_on_token_and_signs_verifiably() {
    softhsm();
    let (_, uri) = support::ready_token("rsa2048");
    let s = logged_in_session(&uri);
    let key = timed("RSA-2048 keygen", || {
        s.generate_key_pair(KeyAlgorithm::Rsa2048, "pegawai-rsa")
            .unwrap()
    });
    let safety = s.key_safety(&key).unwrap();
    assert!(safety.local && safety.never_extractable && safety.always_sensitive);
    assert!(safety.sensitive && !safety.extractable && safety.private && safety.token);

    let spki = s.public_key_spki_der(&key).unwrap();
    let public = rsa::PublicKey::from_public_key_der(&spki).unwrap();
    assert_eq!(rsa::traits::PublicKeyParts::size(&public), 256);
    let message = b"Berita Acara Serah Terima Token";
    let sig = s
        .sign(&key, HashAlgorithm::Sha256, SignInput::Message(message))
        .unwrap();
    verify_rsa_sha256(&spki, message, &sig);
    let digest = <sha2::Sha256 as sha2::Digest>::digest(message);
    let sig = s
        .sign(&key, HashAlgorithm::Sha256, SignInput::Prehashed(&digest))
        .unwrap();
    verify_rsa_sha256(&spki, message, &sig);
    let found = s
        .find_key(&format!("{uri};object=pegawai-rsa;type=private"))
        .unwrap();
    assert_eq!(found.algorithm, KeyAlgorithm::Rsa2048);
}

#[test]
fn p384_and_rsa3072_keys_sign_verifiably_with_openssl() {
    softhsm();
    let (_, uri) = support::ready_token("p384rsa3072");
    let s = logged_in_session(&uri);
    let dir = tempfile::tempdir().unwrap();
    let message = b"Kabupaten Bekasi";
    std::fs::write(dir.path().join("msg"), message).unwrap();
    for (alg, hash, dgst) in [
        (KeyAlgorithm::P384, HashAlgorithm::Sha384, "-sha384"),
        (KeyAlgorithm::Rsa3072, HashAlgorithm::Sha256, "-sha256"),
    ] {
        let key = timed(&format!("{alg} keygen"), || {
            s.generate_key_pair(alg, "pegawai").unwrap()
        });
        assert!(s.key_safety(&key).unwrap().is_safe());
        let spki = s.public_key_spki_der(&key).unwrap();
        let pem = spki::Document::from_der(&spki)
            .unwrap()
            .to_pem("PUBLIC KEY", der::pem::LineEnding::LF)
            .unwrap();
        std::fs::write(dir.path().join("pub.pem"), pem).unwrap();
        let sig = s.sign(&key, hash, SignInput::Message(message)).unwrap();
        std::fs::write(dir.path().join("sig"), sig).unwrap();
        let (ok, text) = openssl(
            &[
                "dgst",
                dgst,
                "-verify",
                "pub.pem",
                "-signature",
                "sig",
                "msg",
            ],
            dir.path(),
        );
        assert!(ok && text.contains("Verified OK"), "{alg}: {text}");
    }
}

#[test]
fn imported_key_is_reported_unsafe() {
    // A private key created with C_CreateObject (imported) is not CKA_LOCAL and not
    // CKA_ALWAYS_SENSITIVE: the check must say so.
    use cryptoki::object::{Attribute, KeyType, ObjectClass};
    use cryptoki::session::UserType;
    softhsm();
    let (label, uri) = support::ready_token("import");
    let ctx = softhsm().module.context();
    // Test-only raw access: find the slot of our token by label.
    let slot = ctx
        .get_slots_with_token()
        .unwrap()
        .into_iter()
        .find(|s| ctx.get_token_info(*s).unwrap().label() == label)
        .unwrap();
    let raw = ctx.open_rw_session(slot).unwrap();
    raw.login(UserType::User, Some(&USER_PIN.into())).unwrap();
    let secret = p256::SecretKey::from_slice(&[0x42; 32]).unwrap();
    let id = vec![0xee, 0x01];
    raw.create_object(&[
        Attribute::Class(ObjectClass::PRIVATE_KEY),
        Attribute::KeyType(KeyType::EC),
        Attribute::EcParams(vec![
            0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
        ]),
        Attribute::Value(secret.to_bytes().to_vec()),
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Sign(true),
        Attribute::Id(id.clone()),
    ])
    .unwrap();
    let s = logged_in_session(&uri);
    let key = KeyHandleRef {
        token_uri: uri.clone(),
        id,
        label: String::new(),
        algorithm: KeyAlgorithm::P256,
    };
    let safety = s.key_safety(&key).unwrap();
    assert!(!safety.local);
    assert!(!safety.always_sensitive);
    assert_eq!(safety.first_violation(), Some("CKA_LOCAL"));
}

#[test]
fn certificate_written_is_found_again_by_uri_in_a_new_session() {
    softhsm();
    let (_, uri) = support::ready_token("cert");
    let dir = tempfile::tempdir().unwrap();
    let cert = conformance::sample_certificate(dir.path());
    let cert_uri = {
        let s = logged_in_session(&uri);
        let key = s
            .generate_key_pair(KeyAlgorithm::P256, "siti-aminah")
            .unwrap();
        let cert_uri = s.write_certificate(&key, &cert).unwrap();
        let parsed = Pkcs11Uri::parse(&cert_uri).unwrap();
        assert_eq!(parsed.id.as_deref(), Some(key.id.as_slice()));
        assert_eq!(parsed.object.as_deref(), Some("siti-aminah"));
        cert_uri
    };
    // New session, not logged in (certificates are public objects).
    let s = provider().open_session(&uri).unwrap();
    assert_eq!(
        s.find_certificate(&cert_uri).unwrap(),
        Some(cert.der.clone())
    );
    assert_eq!(
        s.find_certificate(&format!("{uri};object=siti-aminah;type=cert"))
            .unwrap(),
        Some(cert.der.clone())
    );
    assert_eq!(
        s.find_certificate(&format!("{uri};id=%00%01;type=cert"))
            .unwrap(),
        None
    );
    assert_eq!(
        s.find_certificate(&format!("{uri};object=siti-aminah;type=private"))
            .unwrap(),
        None
    );
}

#[test]
fn half_made_key_pair_is_deleted_with_its_certificate() {
    softhsm();
    let (_, uri) = support::ready_token("halfmade");
    let dir = tempfile::tempdir().unwrap();
    let cert = conformance::sample_certificate(dir.path());
    let s = logged_in_session(&uri);
    let key = s.generate_key_pair(KeyAlgorithm::P256, "setengah").unwrap();
    let keep = s.generate_key_pair(KeyAlgorithm::P256, "tetap").unwrap();
    let cert_uri = s.write_certificate(&key, &cert).unwrap();
    assert_eq!(s.delete_key_pair(&key).unwrap(), 3, "private, public, cert");
    let key_uri = format!("{uri};object=setengah;type=private");
    assert!(matches!(
        s.find_key(&key_uri),
        Err(TokenError::ObjectNotFound { .. })
    ));
    assert!(matches!(
        s.public_key_spki_der(&key),
        Err(TokenError::ObjectNotFound { .. })
    ));
    assert_eq!(s.find_certificate(&cert_uri).unwrap(), None);
    assert_eq!(s.delete_key_pair(&key).unwrap(), 0);
    // The other key pair is untouched.
    assert!(s.key_safety(&keep).unwrap().is_safe());
}

#[test]
fn token_is_found_by_label_or_serial_never_by_slot() {
    softhsm();
    let p = provider();
    let (label, uri) = support::blank_token("byuri");
    let parsed = Pkcs11Uri::parse(&uri).unwrap();
    assert!(
        parsed.slot_id.is_none(),
        "URIs we hand out carry no slot id"
    );
    let serial = parsed.serial.clone().unwrap();
    let by_serial = p.token_info(&format!("pkcs11:serial={serial}")).unwrap();
    assert_eq!(by_serial.label, label);
    let by_label = p
        .token_info(
            &Pkcs11Uri {
                token: Some(label.clone()),
                ..Default::default()
            }
            .to_string(),
        )
        .unwrap();
    assert_eq!(by_label.serial, serial);
    let err = p
        .token_info(&format!("pkcs11:token={label};serial=0000000000000000"))
        .unwrap_err();
    assert!(matches!(err, TokenError::TokenNotFound { .. }), "{err:?}");
    let err = p.token_info("pkcs11:model=SoftHSM%20v2").unwrap_err();
    assert!(matches!(err, TokenError::TokenAmbiguous { .. }), "{err:?}");
    let err = p.token_info("pkcs11:token=x?pin-value=1234").unwrap_err();
    assert!(matches!(err, TokenError::InvalidUri { .. }), "{err:?}");
    let module_uri = format!(
        "{uri}?module-path={}",
        kustodi::token::softhsm::SOFTHSM_MODULE_PATH
    );
    assert_eq!(p.token_info(&module_uri).unwrap().label, label);
}

#[test]
fn station_key_is_created_opened_and_signs_verifiable_checkpoints() {
    let hsm = softhsm();
    let label = support::unique_label("station");
    let created = timed("StationKey::create", || {
        StationKey::create(&hsm.module, &label, &pin(SO_PIN), &pin(USER_PIN)).unwrap()
    });
    assert_eq!(created.key().label, STATION_KEY_LABEL);
    let spki = created.public_key_spki_der();
    let key_id = created.key_id();
    assert_eq!(
        key_id,
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&spki))
    );
    drop(created);

    let err = StationKey::open(&hsm.module, &label, &pin("000000")).unwrap_err();
    assert!(matches!(err, TokenError::PinIncorrect { .. }), "{err:?}");
    let err = StationKey::open(&hsm.module, "no-such-station", &pin(USER_PIN)).unwrap_err();
    assert!(matches!(err, TokenError::TokenNotFound { .. }), "{err:?}");

    let station = StationKey::open(&hsm.module, &label, &pin(USER_PIN)).unwrap();
    assert_eq!(station.key_id(), key_id);
    assert_eq!(station.public_key_spki_der(), spki);
    let checkpoint = b"kustodi checkpoint\ntree_size 42\nhead 9f86d081884c7d65";
    let sig: Result<Vec<u8>, SignError> = station.sign(checkpoint);
    verify_p256(&spki, checkpoint, &sig.unwrap());

    let err = StationKey::create(&hsm.module, &label, &pin(SO_PIN), &pin(USER_PIN)).unwrap_err();
    assert!(
        matches!(err, TokenError::TokenAlreadyExists { .. }),
        "{err:?}"
    );
}

#[test]
fn csr_signed_through_the_token_signer_passes_openssl_verify() {
    use x509_cert::builder::Builder;
    softhsm();
    let (_, uri) = support::ready_token("csr");
    let s = logged_in_session(&uri);
    let dir = tempfile::tempdir().unwrap();
    let subject =
        x509_cert::name::Name::from_str("CN=Budi Santoso,O=Pemerintah Kabupaten Bekasi,C=ID")
            .unwrap();

    let key = s.generate_key_pair(KeyAlgorithm::P256, "budi").unwrap();
    let signer = TokenSigner::new(s.as_ref(), key).unwrap();
    let csr = x509_cert::request::RequestBuilder::new(subject.clone())
        .unwrap()
        .build::<_, ecdsa::der::Signature<p256::NistP256>>(&signer)
        .unwrap();
    let ec_pem = csr.to_pem(der::pem::LineEnding::LF).unwrap();

    let key = s
        .generate_key_pair(KeyAlgorithm::Rsa2048, "budi-rsa")
        .unwrap();
    let signer = TokenSigner::new(s.as_ref(), key).unwrap();
    let csr = x509_cert::request::RequestBuilder::new(subject)
        .unwrap()
        .build::<_, TokenSignature>(&signer)
        .unwrap();
    let rsa_pem = csr.to_pem(der::pem::LineEnding::LF).unwrap();

    for (name, pem) in [("ec.csr", ec_pem), ("rsa.csr", rsa_pem)] {
        std::fs::write(dir.path().join(name), pem).unwrap();
        let (ok, text) = openssl(&["req", "-in", name, "-noout", "-verify"], dir.path());
        assert!(ok && text.contains("verify OK"), "{name}: {text}");
        let (_, text) = openssl(&["req", "-in", name, "-noout", "-subject"], dir.path());
        assert!(text.contains("Budi Santoso"), "{text}");
    }
}

#[test]
fn no_pin_appears_in_debug_output() {
    let hsm = softhsm();
    let (label, uri) = support::ready_token("debug");
    let p = provider();
    let s = p.open_pkcs11_session(&uri).unwrap();
    s.login(&pin(USER_PIN)).unwrap();
    let key = s.generate_key_pair(KeyAlgorithm::P256, "debug").unwrap();
    let signer = TokenSigner::new(&s, key.clone()).unwrap();
    let wrong = s.login_so(&pin("so-pin-wrong-99")).unwrap_err();
    let station_label = support::unique_label("dbgstation");
    let station =
        StationKey::create(&hsm.module, &station_label, &pin(SO_PIN), &pin(USER_PIN)).unwrap();
    let text = format!(
        "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {wrong}",
        p,
        s,
        key,
        signer,
        wrong,
        station,
        p.token_info(&uri).unwrap(),
        hsm,
        pin(USER_PIN),
    );
    assert!(text.contains(&label));
    for secret in [USER_PIN, SO_PIN, "so-pin-wrong-99"] {
        assert!(!text.contains(secret), "{secret} leaked into {text}");
    }
}

#[test]
fn reader_listing_without_pcscd_reports_service_unavailable() {
    let hsm = softhsm();
    // Run the probe in a child process pointed at a socket where no pcscd listens, so the
    // result does not depend on whether this machine runs pcscd.
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "reader_probe_child",
            "--ignored",
            "--test-threads=1",
        ])
        .env("PCSCLITE_CSOCK_NAME", hsm.dir.join("no-pcscd.comm"))
        .env("KUSTODI_READER_PROBE", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("1 passed"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "run in a child process by reader_listing_without_pcscd_reports_service_unavailable"]
fn reader_probe_child() {
    assert!(std::env::var_os("KUSTODI_READER_PROBE").is_some());
    let err = list_readers().unwrap_err();
    assert!(matches!(err, ReaderError::ServiceUnavailable), "{err:?}");
    let err = ReaderWatch::new().unwrap_err();
    assert!(matches!(err, ReaderError::ServiceUnavailable), "{err:?}");
}

#[test]
fn shared_token_conformance_passes_on_softhsm() {
    softhsm();
    let (_, uri) = support::ready_token("conformance");
    let s = logged_in_session(&uri);
    conformance::run_all(s.as_ref(), &pin("000000"), &pin(USER_PIN));
}
