//! Conformance tests of the firmware profiles in `firmware-profiles/`: every file validates,
//! every model is recognised from what it reports, and every advisory decides as documented.
//!
//! Run after adding a model: `cargo test --test firmware_profiles`.

use std::path::{Path, PathBuf};

use kustodi::domain::firmware::{
    Algorithm, CkVersion, FirmwareVersion, MatchWarning, ProfileSet, Refusal, SecretKind,
    TokenReport, Verdict, evaluate,
};
use kustodi::token::profiles::{
    EMBEDDED, Problem, ProfileError, check_dir, embedded_profiles, load_dir, parse_profile,
};

fn profiles_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("firmware-profiles")
}

fn set() -> ProfileSet {
    load_dir(&profiles_dir()).unwrap_or_else(|errors| panic!("{errors:#?}"))
}

fn v(s: &str) -> FirmwareVersion {
    s.parse().unwrap()
}

fn s(text: &str) -> Option<String> {
    Some(text.to_owned())
}

fn atr(hex_text: &str) -> Option<Vec<u8>> {
    Some(hex::decode(hex_text.replace(':', "")).unwrap())
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

#[test]
fn every_file_in_firmware_profiles_validates() {
    let summaries = check_dir(&profiles_dir()).unwrap_or_else(|errors| {
        panic!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    let ids: Vec<&str> = summaries.iter().map(|s| s.id.as_str()).collect();
    for expected in [
        "softhsm2",
        "yubikey-4",
        "yubikey-5",
        "yubikey-5-fips",
        "safenet-etoken-5110",
        "feitian-epass2003",
        "nitrokey-3",
        "generic-piv",
        "generic-pkcs11",
    ] {
        assert!(ids.contains(&expected), "missing profile {expected}");
    }
    assert_eq!(summaries.iter().filter(|s| s.fallback).count(), 1);
}

#[test]
fn embedded_profiles_are_exactly_the_files_in_the_folder() {
    let mut on_disk: Vec<(String, String)> = std::fs::read_dir(profiles_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    on_disk.sort();
    let embedded: Vec<(String, String)> = EMBEDDED
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    assert_eq!(
        embedded.iter().map(|e| &e.0).collect::<Vec<_>>(),
        on_disk.iter().map(|e| &e.0).collect::<Vec<_>>(),
        "add the new file to EMBEDDED in src/token/profiles.rs"
    );
    assert_eq!(embedded, on_disk);
    assert!(embedded_profiles().is_ok());
}

#[test]
fn every_advisory_has_a_source_url_and_both_languages() {
    for profile in set().profiles() {
        assert!(!profile.sources.is_empty(), "{} has no sources", profile.id);
        for advisory in &profile.advisories {
            assert!(advisory.url.starts_with("https://"));
            assert!(!advisory.message.id.is_empty() && !advisory.message.en.is_empty());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------

struct MatchCase {
    name: &'static str,
    report: TokenReport,
    profile: &'static str,
    firmware: Option<&'static str>,
}

fn ykcs11(model: &str, major: u8, minor: u8) -> TokenReport {
    TokenReport {
        manufacturer: s("Yubico (www.yubico.com)         "),
        model: s(model),
        label: s("YubiKey PIV #12345678"),
        pkcs11_firmware: Some(CkVersion { major, minor }),
        ..TokenReport::default()
    }
}

fn opensc_piv(reader: &str, piv_version: Option<&str>) -> TokenReport {
    TokenReport {
        manufacturer: s("piv_II"),
        model: s("PKCS#15 emulated"),
        label: s("PIV_II"),
        reader: s(reader),
        pkcs11_firmware: Some(CkVersion { major: 0, minor: 0 }),
        piv_version: piv_version.map(v),
        ..TokenReport::default()
    }
}

#[test]
fn each_model_is_recognised_from_what_it_reports() {
    let cases = vec![
        MatchCase {
            name: "SoftHSM via its own module",
            report: TokenReport {
                manufacturer: s("SoftHSM project"),
                model: s("SoftHSM v2"),
                label: s("kustodi-station"),
                pkcs11_firmware: Some(CkVersion { major: 2, minor: 6 }),
                ..TokenReport::default()
            },
            profile: "softhsm2",
            firmware: Some("2.6.0"),
        },
        MatchCase {
            name: "YubiKey 4 via YKCS11 (4.34 = 4.3.4)",
            report: ykcs11("YubiKey YK4", 4, 34),
            profile: "yubikey-4",
            firmware: Some("4.3.4"),
        },
        MatchCase {
            name: "YubiKey 5 via YKCS11 (5.43 = 5.4.3)",
            report: ykcs11("YubiKey YK5", 5, 43),
            profile: "yubikey-5",
            firmware: Some("5.4.3"),
        },
        MatchCase {
            name: "YubiKey 5 via OpenSC with PIV version",
            report: opensc_piv("Yubico YubiKey OTP+FIDO+CCID 00 00", Some("5.7.1")),
            profile: "yubikey-5",
            firmware: Some("5.7.1"),
        },
        MatchCase {
            name: "YubiKey 4 over PC/SC by ATR",
            report: TokenReport {
                atr: atr("3B:F8:13:00:00:81:31:FE:15:59:75:62:69:6B:65:79:34:D4"),
                piv_version: Some(v("4.3.5")),
                ..TokenReport::default()
            },
            profile: "yubikey-4",
            firmware: Some("4.3.5"),
        },
        MatchCase {
            name: "YubiKey FIPS (4.4.2) via YKCS11",
            report: ykcs11("YubiKey YK4", 4, 42),
            profile: "yubikey-5-fips",
            firmware: Some("4.4.2"),
        },
        MatchCase {
            name: "YubiKey FIPS (4.4.4) via OpenSC",
            report: opensc_piv("Yubico YubiKey OTP+CCID 00 00", Some("4.4.4")),
            profile: "yubikey-5-fips",
            firmware: Some("4.4.4"),
        },
        MatchCase {
            name: "YubiKey 5 FIPS via YKCS11 model string",
            report: ykcs11("YubiKey YK5 FIPS", 5, 43),
            profile: "yubikey-5-fips",
            firmware: Some("5.4.3"),
        },
        MatchCase {
            name: "SafeNet eToken 5110 via SAC",
            report: TokenReport {
                manufacturer: s("SafeNet, Inc."),
                model: s("eToken"),
                label: s("Kantor Bekasi"),
                ..TokenReport::default()
            },
            profile: "safenet-etoken-5110",
            firmware: None,
        },
        MatchCase {
            name: "SafeNet eToken 5110 by ATR",
            report: TokenReport {
                atr: atr("3BD518008131 3A7D8073C8211030".replace(' ', "").as_str()),
                ..TokenReport::default()
            },
            profile: "safenet-etoken-5110",
            firmware: None,
        },
        MatchCase {
            name: "Feitian ePass2003 via OpenSC",
            report: TokenReport {
                manufacturer: s("EnterSafe"),
                model: s("PKCS#15"),
                label: s("Kustodi"),
                reader: s("Feitian ePass2003 00 00"),
                ..TokenReport::default()
            },
            profile: "feitian-epass2003",
            firmware: None,
        },
        MatchCase {
            name: "Feitian ePass2003Auto by ATR (other COS bytes)",
            report: TokenReport {
                atr: atr("3b9f958131fe9f006646530501001171df000003900080"),
                ..TokenReport::default()
            },
            profile: "feitian-epass2003",
            firmware: None,
        },
        MatchCase {
            name: "Nitrokey 3 via OpenSC PIV",
            report: opensc_piv("Nitrokey Nitrokey 3 [CCID/ICCD Interface] 00 00", None),
            profile: "nitrokey-3",
            firmware: None,
        },
        MatchCase {
            name: "Unbranded PIV card via OpenSC",
            report: opensc_piv("Generic USB Smart Card Reader 00 00", None),
            profile: "generic-piv",
            firmware: None,
        },
        MatchCase {
            name: "YubiKey via OpenSC without PIV version falls to generic PIV",
            report: opensc_piv("Yubico YubiKey OTP+FIDO+CCID 00 00", None),
            profile: "generic-piv",
            firmware: None,
        },
        MatchCase {
            name: "Unknown vendor",
            report: TokenReport {
                manufacturer: s("ACME Tokens"),
                model: s("Widget 9000"),
                pkcs11_firmware: Some(CkVersion { major: 1, minor: 2 }),
                ..TokenReport::default()
            },
            profile: "generic-pkcs11",
            firmware: Some("1.2.0"),
        },
    ];
    let set = set();
    for case in cases {
        let m = set.match_token(&case.report);
        assert_eq!(m.profile.id, case.profile, "{}", case.name);
        assert_eq!(m.firmware, case.firmware.map(v), "{}", case.name);
    }
}

#[test]
fn unknown_model_gets_the_generic_profile_and_a_warning() {
    let set = set();
    let m = set.match_token(&TokenReport {
        manufacturer: s("ACME Tokens"),
        model: s("Widget 9000"),
        ..TokenReport::default()
    });
    assert_eq!(m.profile.id, "generic-pkcs11");
    assert!(
        matches!(&m.warnings[..], [MatchWarning::UnknownModel { reported }] if reported.contains("ACME Tokens")),
        "{:?}",
        m.warnings
    );
    // The generic profile still allows the common algorithms.
    assert_eq!(
        evaluate(m.profile, m.firmware, Algorithm::P256),
        Verdict::Allowed
    );
}

#[test]
fn generic_piv_match_warns_that_the_model_is_unknown() {
    let set = set();
    let m = set.match_token(&opensc_piv("Generic Reader 00 00", None));
    assert!(m.warnings.contains(&MatchWarning::GenericModel {
        profile_id: "generic-piv".to_owned()
    }));
}

#[test]
fn yubikey_reporting_no_firmware_falls_back_to_generic() {
    let set = set();
    let mut report = ykcs11("YubiKey YK4", 4, 34);
    report.pkcs11_firmware = None;
    // Without a firmware the versioned YubiKey rules cannot match: generic fallback, warned.
    let m = set.match_token(&report);
    assert_eq!(m.profile.id, "generic-pkcs11");
    assert!(matches!(m.warnings[0], MatchWarning::UnknownModel { .. }));
}

#[test]
fn missing_firmware_on_a_firmware_dependent_profile_warns_firmware_unknown() {
    let set = set();
    let m = set.match_token(&TokenReport {
        manufacturer: s("SoftHSM project"),
        model: s("SoftHSM v2"),
        ..TokenReport::default()
    });
    assert_eq!(m.profile.id, "softhsm2");
    assert_eq!(
        m.warnings,
        [MatchWarning::FirmwareUnknown {
            profile_id: "softhsm2".to_owned()
        }]
    );
}

// ---------------------------------------------------------------------------------------------
// Advisories
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Allowed,
    Warn(&'static str),
    Refuse(&'static str),
    Unsupported,
}

fn check(profile_id: &str, firmware: &str, algorithm: Algorithm, expect: Expect) {
    let set = set();
    let profile = set.get(profile_id).unwrap();
    let verdict = evaluate(profile, Some(v(firmware)), algorithm);
    let ok = match (&verdict, expect) {
        (Verdict::Allowed, Expect::Allowed) => true,
        (Verdict::AllowedWithWarnings(_), Expect::Warn(id)) => verdict.advisory_ids() == [id],
        (Verdict::Refused(_), Expect::Refuse(id)) => verdict.advisory_ids().contains(&id),
        (Verdict::Refused(reasons), Expect::Unsupported) => reasons
            .iter()
            .any(|r| matches!(r, Refusal::AlgorithmNotSupported { .. })),
        _ => false,
    };
    assert!(
        ok,
        "{profile_id} {firmware} {algorithm}: expected {expect:?}, got {verdict:?}"
    );
}

#[test]
fn yubikey_4_3_4_rsa_generation_is_refused_for_roca() {
    check(
        "yubikey-4",
        "4.3.4",
        Algorithm::Rsa2048,
        Expect::Refuse("CVE-2017-15361"),
    );
    check(
        "yubikey-4",
        "4.2.6",
        Algorithm::Rsa2048,
        Expect::Refuse("CVE-2017-15361"),
    );
    check(
        "yubikey-4",
        "4.3.4",
        Algorithm::Rsa1024,
        Expect::Refuse("CVE-2017-15361"),
    );
}

#[test]
fn yubikey_4_3_5_rsa_generation_is_allowed() {
    check("yubikey-4", "4.3.5", Algorithm::Rsa2048, Expect::Allowed);
}

#[test]
fn yubikey_4_2_5_below_the_roca_range_is_allowed() {
    check("yubikey-4", "4.2.5", Algorithm::Rsa2048, Expect::Allowed);
}

#[test]
fn yubikey_4_3_4_p256_is_allowed_because_roca_is_rsa_only() {
    check("yubikey-4", "4.3.4", Algorithm::P256, Expect::Allowed);
    check("yubikey-4", "4.3.4", Algorithm::P384, Expect::Allowed);
}

#[test]
fn eucleak_warns_for_ecdsa_on_yubikey_5_4_3() {
    check(
        "yubikey-5",
        "5.4.3",
        Algorithm::P256,
        Expect::Warn("YSA-2024-03"),
    );
    check(
        "yubikey-5",
        "5.4.3",
        Algorithm::P384,
        Expect::Warn("YSA-2024-03"),
    );
}

#[test]
fn eucleak_does_not_warn_on_yubikey_5_7_1() {
    check("yubikey-5", "5.7.1", Algorithm::P256, Expect::Allowed);
    check("yubikey-5", "5.7.0", Algorithm::P256, Expect::Allowed);
}

#[test]
fn eucleak_does_not_warn_for_rsa_on_yubikey_5_4_3() {
    check("yubikey-5", "5.4.3", Algorithm::Rsa2048, Expect::Allowed);
}

#[test]
fn yubikey_5_below_5_7_lacks_rsa4096_and_ed25519() {
    check(
        "yubikey-5",
        "5.4.3",
        Algorithm::Rsa4096,
        Expect::Unsupported,
    );
    check(
        "yubikey-5",
        "5.4.3",
        Algorithm::Rsa3072,
        Expect::Unsupported,
    );
    check(
        "yubikey-5",
        "5.4.3",
        Algorithm::Ed25519,
        Expect::Unsupported,
    );
    check("yubikey-5", "5.7.1", Algorithm::Rsa4096, Expect::Allowed);
    check("yubikey-5", "5.7.1", Algorithm::Ed25519, Expect::Allowed);
}

#[test]
fn algorithm_the_firmware_lacks_is_refused_with_reason() {
    let set = set();
    let profile = set.get("yubikey-5").unwrap();
    let verdict = evaluate(profile, Some(v("5.4.3")), Algorithm::Rsa4096);
    let Verdict::Refused(reasons) = verdict else {
        panic!("not refused: {verdict:?}")
    };
    assert_eq!(reasons.len(), 1);
    let Refusal::AlgorithmNotSupported {
        algorithm,
        firmware,
        supported,
    } = &reasons[0]
    else {
        panic!("{reasons:?}")
    };
    assert_eq!(*algorithm, Algorithm::Rsa4096);
    assert_eq!(*firmware, Some(v("5.4.3")));
    assert!(supported.contains(&Algorithm::Rsa2048) && !supported.contains(&Algorithm::Rsa4096));
    assert!(
        reasons[0]
            .to_string()
            .contains("rsa4096 is not supported by this firmware (5.4.3)")
    );
}

#[test]
fn ysa_2019_02_refuses_generation_on_fips_4_4_2_and_4_4_4() {
    for fw in ["4.4.2", "4.4.4"] {
        check(
            "yubikey-5-fips",
            fw,
            Algorithm::Rsa2048,
            Expect::Refuse("YSA-2019-02"),
        );
        check(
            "yubikey-5-fips",
            fw,
            Algorithm::P256,
            Expect::Refuse("YSA-2019-02"),
        );
    }
}

#[test]
fn ysa_2019_02_does_not_apply_to_fips_4_4_5() {
    check(
        "yubikey-5-fips",
        "4.4.5",
        Algorithm::Rsa2048,
        Expect::Allowed,
    );
    check("yubikey-5-fips", "4.4.5", Algorithm::P256, Expect::Allowed);
}

#[test]
fn yubikey_5_fips_warns_eucleak_until_5_7_2() {
    check(
        "yubikey-5-fips",
        "5.4.3",
        Algorithm::P256,
        Expect::Warn("YSA-2024-03"),
    );
    check("yubikey-5-fips", "5.7.2", Algorithm::P256, Expect::Allowed);
}

#[test]
fn unknown_firmware_applies_advisories_conservatively() {
    let set = set();
    let yk4 = set.get("yubikey-4").unwrap();
    // No firmware: no versioned algorithm block is proven, so even RSA-2048 is refused, and the
    // ROCA advisory is among the reasons.
    let verdict = evaluate(yk4, None, Algorithm::Rsa2048);
    assert!(verdict.is_refused());
    assert_eq!(verdict.advisory_ids(), ["CVE-2017-15361"]);
}

#[test]
fn softhsm_generation_warns_that_keys_are_software() {
    check(
        "softhsm2",
        "2.6.0",
        Algorithm::P256,
        Expect::Warn("KUSTODI-SOFTWARE-TOKEN"),
    );
    check("softhsm2", "2.4.0", Algorithm::Ed25519, Expect::Unsupported);
}

#[test]
fn nitrokey_3_piv_warns_beta() {
    let set = set();
    let nk3 = set.get("nitrokey-3").unwrap();
    let verdict = evaluate(nk3, None, Algorithm::P256);
    assert_eq!(verdict.advisory_ids(), ["NK3-PIV-BETA"]);
    assert!(!verdict.is_refused());
}

#[test]
fn public_piv_factory_defaults_are_detected_by_value() {
    let set = set();
    let yk5 = set.get("yubikey-5").unwrap();
    assert!(yk5.pin.is_factory_default(SecretKind::UserPin, "123456"));
    assert!(yk5.pin.is_factory_default(SecretKind::Puk, "12345678"));
    assert!(!yk5.pin.is_factory_default(SecretKind::UserPin, "739151"));
}

// ---------------------------------------------------------------------------------------------
// Schema errors
// ---------------------------------------------------------------------------------------------

const MINIMAL: &str = r#"
schema_version = 1
id = "test-token"
name = "Test token"
vendor = "Test"

[recognition]
priority = 5

[[recognition.rules]]
manufacturer = "Test*"

[interfaces.pkcs11]
linux = ["/usr/lib/libtest.so"]

[[algorithms]]
supported = ["rsa2048"]

[pin.user]
min_length = 4
max_length = 8
charset = "digits"

[[advisories]]
id = "TEST-1"
title = "Test advisory"
url = "https://example.invalid/advisory"
firmware = [">=1.0.0, <2.0.0"]
action = "warn"
algorithms = ["rsa"]

[advisories.message]
id = "Pesan"
en = "Message"
"#;

fn errors_of(text: &str) -> Vec<ProfileError> {
    parse_profile("test-token.toml", text).expect_err("profile should be rejected")
}

fn has_error(errors: &[ProfileError], key: &str, pred: impl Fn(&Problem) -> bool) -> bool {
    errors.iter().any(|e| e.key == key && pred(&e.problem))
}

#[test]
fn minimal_profile_parses() {
    let p = parse_profile("test-token.toml", MINIMAL).unwrap();
    assert_eq!(p.id, "test-token");
    assert_eq!(p.advisories[0].affected[0].to_string(), ">=1.0.0, <2.0.0");
}

#[test]
fn unknown_key_is_reported_with_its_path() {
    let text = MINIMAL.replace(
        "action = \"warn\"",
        "action = \"warn\"\nseverity = \"high\"",
    );
    let errors = errors_of(&text);
    assert!(
        has_error(&errors, "advisories[0].severity", |p| matches!(
            p,
            Problem::UnknownKey { allowed } if allowed.contains("action")
        )),
        "{errors:#?}"
    );
    assert_eq!(
        errors[0].to_string(),
        "test-token.toml: advisories[0].severity: unknown key; allowed here: id, aliases, title, url, firmware, action, algorithms, message"
    );
}

#[test]
fn bad_version_range_is_reported_with_its_path() {
    let text = MINIMAL.replace(">=1.0.0, <2.0.0", ">=2.0.0, <1.0.0");
    let errors = errors_of(&text);
    assert!(
        has_error(&errors, "advisories[0].firmware[0]", |p| matches!(
            p,
            Problem::Range(kustodi::domain::firmware::RangeError::Empty { .. })
        )),
        "{errors:#?}"
    );
    let text = MINIMAL.replace(">=1.0.0, <2.0.0", "4.3.x");
    let errors = errors_of(&text);
    assert!(errors[0].to_string().contains("advisories[0].firmware[0]"));
    assert!(errors[0].to_string().contains("must start with one of"));
}

#[test]
fn unknown_action_is_reported_with_allowed_values() {
    let text = MINIMAL.replace("action = \"warn\"", "action = \"block\"");
    let errors = errors_of(&text);
    assert!(
        has_error(&errors, "advisories[0].action", |p| matches!(
            p,
            Problem::UnknownValue { value, expected } if value == "block" && expected == "refuse, warn"
        )),
        "{errors:#?}"
    );
}

#[test]
fn advisory_without_algorithms_is_rejected() {
    let text = MINIMAL.replace("algorithms = [\"rsa\"]\n", "");
    let errors = errors_of(&text);
    assert!(
        has_error(&errors, "advisories[0].algorithms", |p| *p
            == Problem::Missing),
        "{errors:#?}"
    );
    let text = MINIMAL.replace("algorithms = [\"rsa\"]", "algorithms = []");
    assert!(has_error(
        &errors_of(&text),
        "advisories[0].algorithms",
        |p| *p == Problem::Empty
    ));
}

#[test]
fn unknown_algorithm_and_wrong_type_are_reported() {
    let text = MINIMAL
        .replace(
            "supported = [\"rsa2048\"]",
            "supported = [\"rsa2048\", \"rsa8192\"]",
        )
        .replace("priority = 5", "priority = \"high\"");
    let errors = errors_of(&text);
    assert!(has_error(
        &errors,
        "algorithms[0].supported[1]",
        |p| matches!(
            p,
            Problem::UnknownValue { value, .. } if value == "rsa8192"
        )
    ));
    assert!(has_error(&errors, "recognition.priority", |p| matches!(
        p,
        Problem::WrongType {
            expected: "an integer",
            found: "string"
        }
    )));
    // Every error is reported, not only the first.
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

#[test]
fn management_key_without_algorithms_is_rejected() {
    let text = format!("{MINIMAL}\n[[admin_secrets]]\nkind = \"management_key\"\n");
    assert!(has_error(
        &errors_of(&text),
        "admin_secrets[0].algorithms",
        |p| *p == Problem::Missing
    ));
}

#[test]
fn toml_syntax_error_names_the_line() {
    let errors = errors_of("schema_version = 1\nid = \"x\nname = 3\n");
    assert!(errors[0].key.starts_with("line "), "{errors:#?}");
    assert!(matches!(errors[0].problem, Problem::Syntax(_)));
}

#[test]
fn id_must_match_the_file_name_and_one_fallback_must_exist() {
    let errors = kustodi::token::profiles::check_sources(&[(
        "other-name.toml".to_owned(),
        MINIMAL.to_owned(),
    )])
    .unwrap_err();
    assert!(has_error(
        &errors,
        "id",
        |p| matches!(p, Problem::Invalid(m) if m.contains("other-name"))
    ));
    let errors = kustodi::token::profiles::check_sources(&[(
        "test-token.toml".to_owned(),
        MINIMAL.to_owned(),
    )])
    .unwrap_err();
    assert!(
        has_error(&errors, "recognition.fallback", |_| true),
        "{errors:#?}"
    );
}

#[test]
fn check_dir_reports_errors_of_every_broken_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("test-token.toml"),
        MINIMAL.replace("action = \"warn\"", "action = \"nope\""),
    )
    .unwrap();
    std::fs::write(dir.path().join("broken.toml"), "id = ").unwrap();
    std::fs::write(dir.path().join("README.md"), "not a profile").unwrap();
    let errors = check_dir(dir.path()).unwrap_err();
    assert!(errors.iter().any(|e| e.file == "broken.toml"));
    assert!(
        errors
            .iter()
            .any(|e| e.file == "test-token.toml" && e.key == "advisories[0].action")
    );
}
