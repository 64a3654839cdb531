//! Behaviour of the application form: parsing, validation and the state machine.

use time::Date;
use time::macros::date;

use super::application::*;
use super::problem::Problem;

pub(crate) const TODAY: Date = date!(2026 - 11 - 24);

pub(crate) const INDIVIDUAL: &str = include_str!("../../tests/data/applications/individual.json");
pub(crate) const POSITION: &str = include_str!("../../tests/data/applications/position.json");
pub(crate) const SYSTEM: &str = include_str!("../../tests/data/applications/system.json");
pub(crate) const MANY_PROBLEMS: &str =
    include_str!("../../tests/data/applications/invalid-many-problems.json");
const UNKNOWN_KEY: &str = include_str!("../../tests/data/applications/unknown-key.json");
const WRONG_TYPE: &str = include_str!("../../tests/data/applications/wrong-type.json");

pub(crate) fn parse(json: &str) -> ApplicationForm {
    ApplicationForm::from_json(json.as_bytes()).expect("example parses")
}

pub(crate) fn check(form: &ApplicationForm) -> Vec<Problem> {
    validate(form, &ValidationPolicy::default(), TODAY)
}

fn codes(problems: &[Problem]) -> Vec<&'static str> {
    problems.iter().map(|p| p.code).collect()
}

fn pairs(problems: &[Problem]) -> Vec<(String, &'static str)> {
    problems.iter().map(|p| (p.field.clone(), p.code)).collect()
}

/// The valid individual example, changed by `edit`.
fn individual_with(edit: impl FnOnce(&mut ApplicationForm)) -> ApplicationForm {
    let mut form = parse(INDIVIDUAL);
    edit(&mut form);
    form
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

// --- examples ---------------------------------------------------------------------------

#[test]
fn every_example_in_tests_data_parses_and_validates_clean() {
    for (name, json, kind) in [
        ("individual", INDIVIDUAL, CertificateKind::Individual),
        ("position", POSITION, CertificateKind::Position),
        ("system", SYSTEM, CertificateKind::System),
    ] {
        let form = parse(json);
        assert_eq!(form.kind, kind, "{name}");
        assert_eq!(check(&form), vec![], "{name}");
    }
}

#[test]
fn document_files_lists_every_named_file_in_checklist_order() {
    let form = parse(POSITION);
    assert_eq!(
        form.document_files(),
        vec![
            (DocumentKind::CoverLetter, "docs/cover.pdf"),
            (DocumentKind::Recommendation, "docs/recommendation.pdf"),
            (DocumentKind::KtpScan, "docs/ktp.pdf"),
            (DocumentKind::AppointmentDecree, "docs/decree.pdf"),
            (DocumentKind::DelegationLetter, "docs/delegation.pdf"),
        ]
    );
    assert_eq!(
        DocumentKind::KtpScan.file_field(),
        "documents.ktp_scan.file"
    );
}

#[test]
fn applicant_debug_output_hides_nik_and_nip() {
    let form = parse(INDIVIDUAL);
    let dbg = format!("{form:?}");
    assert!(!dbg.contains("3216995208900001"), "{dbg}");
    assert!(!dbg.contains("199008122015032001"), "{dbg}");
}

// --- parse errors ------------------------------------------------------------------------

#[test]
fn unknown_key_is_a_parse_error_with_its_position() {
    let err = ApplicationForm::from_json(UNKNOWN_KEY.as_bytes()).unwrap_err();
    match &err {
        FormError::UnknownKey {
            line, key, detail, ..
        } => {
            assert_eq!(key, "phone");
            assert_eq!(*line, 10);
            assert!(detail.starts_with("unknown field `phone`"), "{detail}");
        }
        other => panic!("expected UnknownKey, got {other:?}"),
    }
    assert_eq!(err.message_id(), "form-error-unknown_key");
    assert_eq!(err.message_args()["key"], "phone");
}

#[test]
fn number_instead_of_string_is_a_wrong_type_error() {
    let err = ApplicationForm::from_json(WRONG_TYPE.as_bytes()).unwrap_err();
    assert!(
        matches!(err, FormError::WrongType { line: 5, .. }),
        "{err:?}"
    );
}

#[test]
fn parse_errors_are_classified() {
    let table: &[(&str, &[u8], &str)] = &[
        ("empty file", b"", "form-error-empty"),
        ("only whitespace", b" \n\t", "form-error-empty"),
        ("latin-1 byte", b"{\"kind\": \"individual\xe9\"}", "form-error-not_utf8"),
        ("bad syntax", b"{\"kind\" \"individual\"}", "form-error-syntax"),
        (
            "trailing garbage",
            b"{\"kind\": \"system\", \"applicant\": {\"category\": \"asn\"}} x",
            "form-error-syntax",
        ),
        ("cut short", b"{\"kind\": \"individual\",", "form-error-truncated"),
        ("missing kind", b"{\"applicant\": {\"category\": \"asn\"}}", "form-error-missing_key"),
        (
            "missing category",
            b"{\"kind\": \"system\", \"applicant\": {}}",
            "form-error-missing_key",
        ),
        (
            "duplicate key",
            b"{\"kind\": \"system\", \"kind\": \"system\"}",
            "form-error-duplicate_key",
        ),
        ("unknown kind", b"{\"kind\": \"server\"}", "form-error-unknown_value"),
        (
            "unknown use",
            b"{\"kind\": \"system\", \"applicant\": {\"category\": \"asn\"}, \"uses\": [\"vpn\"]}",
            "form-error-unknown_value",
        ),
        ("array at top", b"[]", "form-error-wrong_type"),
        ("string at top", b"\n  \"individual\"", "form-error-wrong_type"),
        (
            "ktp scan with a number",
            b"{\"kind\": \"system\", \"applicant\": {\"category\": \"asn\"}, \"documents\": {\"ktp_scan\": {\"number\": \"1\"}}}",
            "form-error-unknown_key",
        ),
    ];
    for (what, bytes, id) in table {
        let err = ApplicationForm::from_json(bytes).unwrap_err();
        assert_eq!(err.message_id(), *id, "{what}: {err:?}");
    }
}

#[test]
fn top_level_must_be_an_object_not_an_array_of_field_values() {
    let err =
        ApplicationForm::from_json(b"\n  [\"individual\", {\"category\": \"asn\"}]").unwrap_err();
    assert!(
        matches!(
            err,
            FormError::WrongType {
                line: 2,
                column: 3,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn not_utf8_error_names_the_offset_of_the_first_bad_byte() {
    let err = ApplicationForm::from_json(b"{\"a\xff").unwrap_err();
    assert_eq!(err, FormError::NotUtf8 { offset: 3 });
}

#[test]
fn unknown_value_error_names_the_value() {
    let err = ApplicationForm::from_json(b"{\"kind\": \"server\"}").unwrap_err();
    let FormError::UnknownValue { value, line, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!((value.as_str(), line), ("server", 1));
}

#[test]
fn byte_order_mark_is_ignored() {
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend_from_slice(INDIVIDUAL.as_bytes());
    assert!(ApplicationForm::from_json(&bytes).is_ok());
}

#[test]
fn minimal_form_parses_so_that_validation_reports_what_is_missing() {
    let form = ApplicationForm::from_json(
        br#"{"kind": "individual", "applicant": {"category": "other"}}"#,
    )
    .unwrap();
    assert_eq!(
        codes(&check(&form)),
        vec![
            "name.missing",
            "nik.missing",
            "email.missing",
            "department.missing",
            "uses.empty",
            "document.missing",
            "document.missing",
            "document.missing",
        ]
    );
}

// --- applicant ---------------------------------------------------------------------------

#[test]
fn name_rules() {
    let long = "A".repeat(MAX_NAME_CHARS + 1);
    let table: &[(&str, Option<&str>, &[&str])] = &[
        ("absent", None, &["name.missing"]),
        ("blank", Some("   "), &["name.missing"]),
        ("too long", Some(&long), &["name.too_long"]),
        ("exactly the limit", Some(&long[1..]), &[]),
        ("newline", Some("Siti\nRahmawati"), &["name.control_chars"]),
        ("digits only", Some("12345"), &["name.no_letter"]),
        ("apostrophe and dots", Some("Dr. Ir. H. Ma'ruf"), &[]),
    ];
    for (what, name, expected) in table {
        let form = individual_with(|f| f.applicant.name = name.map(str::to_owned));
        assert_eq!(codes(&check(&form)), *expected, "{what}");
    }
}

#[test]
fn asn_without_nip_is_reported() {
    let form = individual_with(|f| f.applicant.nip = None);
    assert_eq!(
        pairs(&check(&form)),
        vec![("applicant.nip".into(), "nip.missing")]
    );
}

#[test]
fn non_asn_applicant_needs_no_nip() {
    let form = individual_with(|f| {
        f.applicant.nip = None;
        f.applicant.category = ApplicantCategory::Other;
    });
    assert_eq!(check(&form), vec![]);
    let regent = individual_with(|f| {
        f.applicant.nip = s("");
        f.applicant.category = ApplicantCategory::Regent;
    });
    assert_eq!(check(&regent), vec![]);
}

#[test]
fn nik_and_nip_problems_point_at_their_fields() {
    let form = individual_with(|f| {
        f.applicant.nik = s("3216990003900001");
        f.applicant.nip = s("199008122015039001");
    });
    assert_eq!(
        pairs(&check(&form)),
        vec![
            ("applicant.nik".into(), "nik.day_invalid"),
            ("applicant.nip".into(), "nip.gender_invalid"),
        ]
    );
}

#[test]
fn nik_nip_mismatch_in_the_form_is_reported_on_the_nip() {
    // The NIK says a man born 12-08-90; the NIP says a woman born 13-08-1990.
    let form = individual_with(|f| {
        f.applicant.nik = s("3216991208900001");
        f.applicant.nip = s("199008132015032001");
    });
    let problems = check(&form);
    assert_eq!(
        pairs(&problems),
        vec![
            ("applicant.nip".into(), "identity.birth_date_mismatch"),
            ("applicant.nip".into(), "identity.gender_mismatch"),
        ]
    );
    assert_eq!(problems[0].args["nik_birth"], "12-08-90");
    assert_eq!(problems[0].args["nip_birth"], "1990-08-13");
}

#[test]
fn email_rules() {
    let table: &[(&str, Option<&str>, &[&str])] = &[
        ("official", Some("siti@bekasikab.go.id"), &[]),
        (
            "subdomain",
            Some("siti@diskominfosantik.bekasikab.go.id"),
            &[],
        ),
        ("upper case", Some("Siti.Rahmawati@BekasiKab.Go.Id"), &[]),
        (
            "gmail",
            Some("siti.rahmawati@gmail.com"),
            &["email.domain_not_official"],
        ),
        (
            "look-alike",
            Some("siti@bekasikab-go.id"),
            &["email.domain_not_official"],
        ),
        (
            "prefix trick",
            Some("siti@evilbekasikab.go.id"),
            &["email.domain_not_official"],
        ),
        (
            "suffix trick",
            Some("siti@bekasikab.go.id.evil.com"),
            &["email.domain_not_official"],
        ),
        (
            "other regency",
            Some("siti@bekasikota.go.id"),
            &["email.domain_not_official"],
        ),
        ("absent", None, &["email.missing"]),
        ("blank", Some(" "), &["email.missing"]),
        ("no at", Some("siti.bekasikab.go.id"), &["email.invalid"]),
        (
            "two ats",
            Some("siti@x@bekasikab.go.id"),
            &["email.invalid"],
        ),
        ("empty local", Some("@bekasikab.go.id"), &["email.invalid"]),
        (
            "double dot",
            Some("siti..r@bekasikab.go.id"),
            &["email.invalid"],
        ),
        ("space", Some("siti r@bekasikab.go.id"), &["email.invalid"]),
        (
            "non-ascii",
            Some("sití@bekasikab.go.id"),
            &["email.invalid"],
        ),
        (
            "domain without dot",
            Some("siti@localhost"),
            &["email.invalid"],
        ),
        (
            "underscore in domain",
            Some("siti@dinas_x.bekasikab.go.id"),
            &["email.invalid"],
        ),
        (
            "trailing dot",
            Some("siti@bekasikab.go.id."),
            &["email.invalid"],
        ),
    ];
    for (what, email, expected) in table {
        let form = individual_with(|f| f.applicant.email = email.map(str::to_owned));
        assert_eq!(codes(&check(&form)), *expected, "{what}");
    }
}

#[test]
fn email_on_an_unofficial_domain_names_the_domain() {
    let form = individual_with(|f| f.applicant.email = s("siti@gmail.com"));
    let p = &check(&form)[0];
    assert_eq!(p.field, "applicant.email");
    assert_eq!(p.args["domain"], "gmail.com");
    assert_eq!(p.args["official"], "bekasikab.go.id");
}

#[test]
fn policy_matches_domain_and_subdomains_only_on_label_boundaries() {
    let policy = ValidationPolicy::default();
    for (name, official) in [
        ("bekasikab.go.id", true),
        ("BEKASIKAB.GO.ID", true),
        ("diskominfo.bekasikab.go.id", true),
        ("a.b.bekasikab.go.id", true),
        ("evilbekasikab.go.id", false),
        ("bekasikab.go.id.evil.com", false),
        ("go.id", false),
        ("", false),
    ] {
        assert_eq!(policy.is_official(name), official, "{name}");
    }
    let several = ValidationPolicy {
        official_domains: vec!["bekasikab.go.id".into(), " .BSSN.go.id. ".into(), "".into()],
    };
    assert!(several.is_official("bsre.bssn.go.id"));
    assert!(!several.is_official("id"));
}

#[test]
fn department_is_required() {
    let form = individual_with(|f| f.applicant.department = None);
    assert_eq!(codes(&check(&form)), vec!["department.missing"]);
    let form = individual_with(|f| f.applicant.department = s(&"D".repeat(MAX_TEXT_CHARS + 1)));
    assert_eq!(codes(&check(&form)), vec!["department.too_long"]);
}

#[test]
fn position_title_is_required_for_position_and_refused_elsewhere() {
    let mut form = parse(POSITION);
    form.applicant.position_title = None;
    assert_eq!(codes(&check(&form)), vec!["position_title.missing"]);
    form.applicant.position_title = s("Kepala\u{7}Badan");
    assert_eq!(codes(&check(&form)), vec!["position_title.control_chars"]);
    let form = individual_with(|f| f.applicant.position_title = s("Kepala Seksi"));
    assert_eq!(codes(&check(&form)), vec!["position_title.not_applicable"]);
}

// --- documents -----------------------------------------------------------------------------

#[test]
fn position_without_appointment_decree_and_delegation_letter_lists_both() {
    let mut form = parse(POSITION);
    form.documents.appointment_decree = None;
    form.documents.delegation_letter = None;
    let problems = check(&form);
    assert_eq!(
        pairs(&problems),
        vec![
            ("documents.appointment_decree".into(), "document.missing"),
            ("documents.delegation_letter".into(), "document.missing"),
        ]
    );
    assert_eq!(problems[0].args["document"], "appointment_decree");
}

#[test]
fn each_kind_requires_its_checklist() {
    for kind in CertificateKind::ALL {
        let mut form = parse(match kind {
            CertificateKind::Individual => INDIVIDUAL,
            CertificateKind::Position => POSITION,
            CertificateKind::System => SYSTEM,
        });
        form.documents = Documents::default();
        let missing: Vec<String> = check(&form)
            .into_iter()
            .filter(|p| p.code == "document.missing")
            .map(|p| p.args["document"].clone())
            .collect();
        let expected: Vec<&str> = kind
            .required_documents()
            .iter()
            .map(|d| d.as_str())
            .collect();
        assert_eq!(missing, expected, "{kind:?}");
    }
}

#[test]
fn individual_with_a_delegation_letter_is_told_it_is_not_applicable() {
    let form = individual_with(|f| f.documents.delegation_letter = Some(Letter::default()));
    assert_eq!(
        pairs(&check(&form)),
        vec![(
            "documents.delegation_letter".into(),
            "document.not_applicable"
        )]
    );
}

#[test]
fn letter_rules() {
    let table: &[(&str, Letter, &[&str])] = &[
        (
            "no number",
            Letter {
                number: s("  "),
                ..letter()
            },
            &["document.number_missing"],
        ),
        (
            "number too long",
            Letter {
                number: s(&"9".repeat(MAX_LETTER_NUMBER_CHARS + 1)),
                ..letter()
            },
            &["document.number_too_long"],
        ),
        (
            "no date",
            Letter {
                date: None,
                ..letter()
            },
            &["document.date_missing"],
        ),
        (
            "30 Feb",
            Letter {
                date: s("2026-02-30"),
                ..letter()
            },
            &["document.date_invalid"],
        ),
        (
            "Indonesian order",
            Letter {
                date: s("02-11-2026"),
                ..letter()
            },
            &["document.date_invalid"],
        ),
        (
            "no padding",
            Letter {
                date: s("2026-1-5"),
                ..letter()
            },
            &["document.date_invalid"],
        ),
        (
            "with time",
            Letter {
                date: s("2026-11-02T10:00"),
                ..letter()
            },
            &["document.date_invalid"],
        ),
        (
            "tomorrow",
            Letter {
                date: s("2026-11-25"),
                ..letter()
            },
            &["document.date_in_future"],
        ),
        (
            "today",
            Letter {
                date: s("2026-11-24"),
                ..letter()
            },
            &[],
        ),
        (
            "no file",
            Letter {
                file: None,
                ..letter()
            },
            &["document.file_required"],
        ),
        (
            "parent dir",
            Letter {
                file: s("../x.pdf"),
                ..letter()
            },
            &["document.file_outside"],
        ),
        (
            "inner parent dir",
            Letter {
                file: s("docs/../../x.pdf"),
                ..letter()
            },
            &["document.file_outside"],
        ),
        (
            "absolute",
            Letter {
                file: s("/etc/passwd"),
                ..letter()
            },
            &["document.file_outside"],
        ),
        (
            "windows absolute",
            Letter {
                file: s("C:\\surat.pdf"),
                ..letter()
            },
            &["document.file_outside"],
        ),
        (
            "windows parent",
            Letter {
                file: s("docs\\..\\..\\x.pdf"),
                ..letter()
            },
            &["document.file_outside"],
        ),
        (
            "dots in a name",
            Letter {
                file: s("docs/surat..final.pdf"),
                ..letter()
            },
            &[],
        ),
        (
            "everything missing",
            Letter::default(),
            &[
                "document.number_missing",
                "document.date_missing",
                "document.file_required",
            ],
        ),
    ];
    for (what, l, expected) in table {
        let form = individual_with(|f| f.documents.cover_letter = Some(l.clone()));
        assert_eq!(codes(&check(&form)), *expected, "{what}");
    }
}

fn letter() -> Letter {
    Letter {
        number: s("800.1.11.1/0412/Diskominfosantik"),
        date: s("2026-11-02"),
        file: s("docs/cover.pdf"),
    }
}

#[test]
fn ktp_scan_needs_a_file() {
    let form = individual_with(|f| f.documents.ktp_scan = Some(Scan::default()));
    assert_eq!(
        pairs(&check(&form)),
        vec![("documents.ktp_scan.file".into(), "document.file_required")]
    );
}

// --- system --------------------------------------------------------------------------------

fn system_with_names(names: &[&str]) -> ApplicationForm {
    let mut form = parse(SYSTEM);
    form.system.as_mut().unwrap().dns_names = names.iter().map(|n| n.to_string()).collect();
    form
}

#[test]
fn system_without_dns_names_is_reported() {
    let form = system_with_names(&[]);
    assert_eq!(
        pairs(&check(&form)),
        vec![("system.dns_names".into(), "system.dns_names_missing")]
    );
}

#[test]
fn system_kind_without_system_block_is_reported() {
    let mut form = parse(SYSTEM);
    form.system = None;
    assert_eq!(codes(&check(&form)), vec!["system.missing"]);
    let mut form = parse(SYSTEM);
    form.system.as_mut().unwrap().name = None;
    assert_eq!(codes(&check(&form)), vec!["system.name_missing"]);
}

#[test]
fn system_block_on_an_individual_application_is_reported() {
    let form = individual_with(|f| {
        f.system = Some(SystemInfo {
            name: s("x"),
            dns_names: vec![],
        })
    });
    assert_eq!(codes(&check(&form)), vec!["system.not_applicable"]);
}

#[test]
fn dns_name_rules() {
    let long_label = format!("{}.bekasikab.go.id", "a".repeat(64));
    let max_label = format!("{}.bekasikab.go.id", "a".repeat(63));
    let long_name = format!("{}bekasikab.go.id", "abcdefghi.".repeat(24));
    let table: &[(&str, &str, &[&str])] = &[
        ("official", "data.bekasikab.go.id", &[]),
        ("apex", "bekasikab.go.id", &[]),
        ("upper case", "Data.BekasiKab.go.id", &[]),
        ("punycode", "xn--bcher-kva.bekasikab.go.id", &[]),
        ("digits first", "1data.bekasikab.go.id", &[]),
        ("63-char label", &max_label, &[]),
        ("outside", "data.bekasikota.go.id", &["dns.not_official"]),
        (
            "suffix trick",
            "bekasikab.go.id.evil.com",
            &["dns.not_official"],
        ),
        ("prefix trick", "evilbekasikab.go.id", &["dns.not_official"]),
        ("single label", "intranet", &["dns.not_official"]),
        ("empty", "", &["dns.empty"]),
        ("wildcard", "*.bekasikab.go.id", &["dns.wildcard"]),
        (
            "underscore",
            "data_api.bekasikab.go.id",
            &["dns.label_invalid_chars"],
        ),
        (
            "space",
            "data api.bekasikab.go.id",
            &["dns.label_invalid_chars"],
        ),
        (
            "unicode",
            "dåta.bekasikab.go.id",
            &["dns.label_invalid_chars"],
        ),
        (
            "leading hyphen",
            "-data.bekasikab.go.id",
            &["dns.label_hyphen_edge"],
        ),
        (
            "trailing hyphen",
            "data-.bekasikab.go.id",
            &["dns.label_hyphen_edge"],
        ),
        ("double dot", "data..bekasikab.go.id", &["dns.label_empty"]),
        (
            "trailing dot",
            "data.bekasikab.go.id.",
            &["dns.label_empty"],
        ),
        ("label of 64", &long_label, &["dns.label_too_long"]),
        ("name over 253", &long_name, &["dns.too_long"]),
        ("ip address", "10.0.0.1", &["dns.numeric_tld"]),
        (
            "url",
            "https://data.bekasikab.go.id",
            &["dns.label_invalid_chars"],
        ),
    ];
    for (what, name, expected) in table {
        let problems = check(&system_with_names(&[name]));
        assert_eq!(codes(&problems), *expected, "{what}: {name}");
        assert!(
            problems.iter().all(|p| p.field == "system.dns_names[0]"),
            "{what}"
        );
    }
}

#[test]
fn duplicate_dns_name_is_reported_at_its_index() {
    let form = system_with_names(&[
        "data.bekasikab.go.id",
        "api.bekasikab.go.id",
        "DATA.bekasikab.go.id",
    ]);
    assert_eq!(
        pairs(&check(&form)),
        vec![("system.dns_names[2]".into(), "dns.duplicate")]
    );
}

#[test]
fn every_bad_dns_name_is_reported_not_only_the_first() {
    let form = system_with_names(&[
        "ok.bekasikab.go.id",
        "bad_one.bekasikab.go.id",
        "x.example.com",
    ]);
    assert_eq!(
        pairs(&check(&form)),
        vec![
            ("system.dns_names[1]".into(), "dns.label_invalid_chars"),
            ("system.dns_names[2]".into(), "dns.not_official"),
        ]
    );
}

// --- uses ------------------------------------------------------------------------------------

#[test]
fn uses_allowed_per_kind() {
    use CertUse::*;
    let table: &[(CertificateKind, CertUse, bool)] = &[
        (CertificateKind::Individual, Signature, true),
        (CertificateKind::Individual, Email, true),
        (CertificateKind::Individual, Document, true),
        (CertificateKind::Individual, TlsClient, true),
        (CertificateKind::Individual, TlsServer, false),
        (CertificateKind::Position, Signature, true),
        (CertificateKind::Position, Email, true),
        (CertificateKind::Position, TlsServer, false),
        (CertificateKind::System, TlsServer, true),
        (CertificateKind::System, TlsClient, true),
        (CertificateKind::System, Signature, true),
        (CertificateKind::System, Document, true),
        (CertificateKind::System, Email, false),
    ];
    for (kind, u, allowed) in table {
        let mut form = parse(match kind {
            CertificateKind::Individual => INDIVIDUAL,
            CertificateKind::Position => POSITION,
            CertificateKind::System => SYSTEM,
        });
        form.uses = vec![*u];
        let expected: &[&str] = if *allowed { &[] } else { &["uses.not_allowed"] };
        assert_eq!(codes(&check(&form)), expected, "{kind:?} {u:?}");
    }
}

#[test]
fn tls_server_on_an_individual_names_use_and_kind() {
    let form = individual_with(|f| f.uses = vec![CertUse::Signature, CertUse::TlsServer]);
    let problems = check(&form);
    assert_eq!(
        pairs(&problems),
        vec![("uses[1]".into(), "uses.not_allowed")]
    );
    assert_eq!(problems[0].args["use"], "tls_server");
    assert_eq!(problems[0].args["kind"], "individual");
}

#[test]
fn no_use_and_duplicate_use_are_reported() {
    let form = individual_with(|f| f.uses.clear());
    assert_eq!(codes(&check(&form)), vec!["uses.empty"]);
    let form = individual_with(|f| f.uses = vec![CertUse::Email, CertUse::Email]);
    assert_eq!(
        pairs(&check(&form)),
        vec![("uses[1]".into(), "uses.duplicate")]
    );
}

#[test]
fn email_use_without_an_address_is_reported() {
    let form = individual_with(|f| {
        f.applicant.email = None;
        f.uses = vec![CertUse::Email];
    });
    assert_eq!(codes(&check(&form)), vec!["email.missing"]);
}

// --- several problems at once ----------------------------------------------------------------

#[test]
fn form_with_many_problems_reports_all_of_them_in_field_order() {
    let form = parse(MANY_PROBLEMS);
    let problems = check(&form);
    let expected: Vec<(String, &str)> = [
        ("applicant.name", "name.missing"),
        ("applicant.nik", "nik.date_invalid"),
        ("applicant.nik", "nik.serial_zero"),
        ("applicant.nip", "nip.serial_zero"),
        ("applicant.email", "email.domain_not_official"),
        ("applicant.position_title", "position_title.missing"),
        ("system", "system.not_applicable"),
        ("uses[1]", "uses.not_allowed"),
        ("uses[2]", "uses.duplicate"),
        ("documents.cover_letter.number", "document.number_missing"),
        ("documents.cover_letter.date", "document.date_invalid"),
        ("documents.cover_letter.file", "document.file_outside"),
        ("documents.recommendation", "document.missing"),
        ("documents.ktp_scan.file", "document.file_required"),
        ("documents.appointment_decree", "document.missing"),
        ("documents.delegation_letter", "document.missing"),
    ]
    .into_iter()
    .map(|(f, c)| (f.to_owned(), c))
    .collect();
    assert_eq!(pairs(&problems), expected);
}

// --- state machine ---------------------------------------------------------------------------

#[test]
fn submitted_application_can_be_approved_or_rejected_with_a_reason() {
    use ApplicationStatus::*;
    assert_eq!(decide(Submitted, &Decision::Approve), Ok(Approved));
    let reject = Decision::Reject {
        reason: "  Surat rekomendasi belum ditandatangani atasan.  ".into(),
    };
    assert_eq!(decide(Submitted, &reject), Ok(Rejected));
}

#[test]
fn rejection_without_a_reason_is_refused() {
    use ApplicationStatus::Submitted;
    let table: &[(&str, String, TransitionError)] = &[
        ("empty", String::new(), TransitionError::ReasonMissing),
        ("blank", " \n\t ".into(), TransitionError::ReasonMissing),
        (
            "too short",
            " ok ".into(),
            TransitionError::ReasonTooShort { length: 2, min: 5 },
        ),
        (
            "too long",
            "x".repeat(2001),
            TransitionError::ReasonTooLong {
                length: 2001,
                max: 2000,
            },
        ),
        (
            "control char",
            "alasan\u{0}palsu".into(),
            TransitionError::ReasonControlChars,
        ),
    ];
    for (what, reason, err) in table {
        let d = Decision::Reject {
            reason: reason.clone(),
        };
        assert_eq!(decide(Submitted, &d), Err(err.clone()), "{what}");
    }
    assert_eq!(
        check_rejection_reason(" Berkas KTP buram.\n"),
        Ok("Berkas KTP buram.")
    );
    assert!(check_rejection_reason(&"é".repeat(2000)).is_ok());
}

#[test]
fn only_a_submitted_application_can_be_decided() {
    use ApplicationStatus::*;
    for from in [Approved, Rejected, Issued, Withdrawn] {
        assert_eq!(
            decide(from, &Decision::Approve),
            Err(TransitionError::NotAllowed { from, to: Approved })
        );
        // The status is checked before the reason.
        assert_eq!(
            decide(
                from,
                &Decision::Reject {
                    reason: String::new()
                }
            ),
            Err(TransitionError::NotAllowed { from, to: Rejected })
        );
    }
}

#[test]
fn only_an_approved_application_can_be_marked_issued() {
    use ApplicationStatus::*;
    assert_eq!(mark_issued(Approved), Ok(Issued));
    for from in [Submitted, Rejected, Issued, Withdrawn] {
        assert_eq!(
            mark_issued(from),
            Err(TransitionError::NotAllowed { from, to: Issued })
        );
    }
}

#[test]
fn withdrawal_is_possible_until_issuance() {
    use ApplicationStatus::*;
    assert_eq!(withdraw(Submitted), Ok(Withdrawn));
    assert_eq!(withdraw(Approved), Ok(Withdrawn));
    assert!(withdraw(Issued).is_err());
    assert!(withdraw(Rejected).is_err());
}

#[test]
fn transition_table_is_the_whole_truth() {
    use ApplicationStatus::*;
    for from in ApplicationStatus::ALL {
        for to in ApplicationStatus::ALL {
            let listed = ALLOWED_TRANSITIONS.contains(&(from, to));
            assert_eq!(transition(from, to).is_ok(), listed, "{from} -> {to}");
        }
    }
    let terminal: Vec<_> = ApplicationStatus::ALL
        .into_iter()
        .filter(|s| s.is_terminal())
        .collect();
    assert_eq!(terminal, vec![Rejected, Issued, Withdrawn]);
}

#[test]
fn status_and_decision_serialize_in_snake_case() {
    assert_eq!(
        serde_json::to_string(&ApplicationStatus::Withdrawn).unwrap(),
        "\"withdrawn\""
    );
    let d = Decision::Reject {
        reason: "KTP buram".into(),
    };
    let json = serde_json::to_string(&d).unwrap();
    assert_eq!(json, r#"{"decision":"reject","reason":"KTP buram"}"#);
    assert_eq!(serde_json::from_str::<Decision>(&json).unwrap(), d);
    assert_eq!(
        serde_json::from_str::<Decision>(r#"{"decision":"approve"}"#).unwrap(),
        Decision::Approve
    );
}

#[test]
fn not_allowed_transition_error_names_both_states() {
    let e = TransitionError::NotAllowed {
        from: ApplicationStatus::Issued,
        to: ApplicationStatus::Approved,
    };
    assert_eq!(
        e.to_string(),
        "an application cannot go from `issued` to `approved`"
    );
    assert_eq!(e.message_args()["from"], "issued");
    assert_eq!(e.message_args()["to"], "approved");
}
