//! The Fluent messages of `application.ftl` (id, en) match the codes and arguments the code
//! produces: every code has a message in both languages, every message is used, every
//! placeholder is an argument of the problem, and every argument is shown.

use std::collections::{BTreeMap, BTreeSet};

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource};
use time::macros::date;
use unic_langid::langid;

use super::application::*;
use super::identity::{Nik, Nip};
use super::problem::{ALL_PROBLEM_CODES, Problem};
use super::tests_application::{INDIVIDUAL, MANY_PROBLEMS, SYSTEM, TODAY, check, parse};

const ID_FTL: &str = include_str!("../i18n/locales/id/application.ftl");
const EN_FTL: &str = include_str!("../i18n/locales/en/application.ftl");

fn locales() -> [(&'static str, &'static str); 2] {
    [("id", ID_FTL), ("en", EN_FTL)]
}

fn bundle(lang: &str, source: &'static str) -> FluentBundle<FluentResource> {
    let resource = FluentResource::try_new(source.to_owned())
        .unwrap_or_else(|(_, errors)| panic!("{lang}: Fluent syntax errors: {errors:?}"));
    let langid = match lang {
        "id" => langid!("id"),
        _ => langid!("en"),
    };
    let mut bundle = FluentBundle::new(vec![langid]);
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .unwrap_or_else(|errors| panic!("{lang}: {errors:?}"));
    bundle
}

/// Message id → its source text (first line and indented continuation lines).
fn message_blocks(source: &str) -> BTreeMap<String, String> {
    let mut blocks = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in source.lines() {
        let starts_entry = line.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        let continues = line.starts_with(' ') || line.starts_with('}');
        if starts_entry {
            if let Some((id, text)) = current.take() {
                blocks.insert(id, text);
            }
            let id = line.split('=').next().unwrap().trim().to_owned();
            current = Some((id, line.to_owned()));
        } else if continues {
            if let Some((_, text)) = current.as_mut() {
                text.push('\n');
                text.push_str(line);
            }
        } else if let Some((id, text)) = current.take() {
            blocks.insert(id, text);
        }
    }
    if let Some((id, text)) = current {
        blocks.insert(id, text);
    }
    blocks
}

/// Fragments (`application-*-name`) a block references, with their own text.
fn with_fragments(blocks: &BTreeMap<String, String>, id: &str) -> String {
    let mut text = blocks[id].clone();
    for (frag, frag_text) in blocks.iter().filter(|(k, _)| is_fragment(k)) {
        if blocks[id].contains(&format!("{{ {frag} }}")) {
            text.push_str(frag_text);
        }
    }
    text
}

fn is_fragment(id: &str) -> bool {
    id.starts_with("application-") && id.ends_with("-name")
}

fn expected_ids() -> BTreeSet<String> {
    ALL_PROBLEM_CODES
        .iter()
        .map(|c| super::problem::message_id_for(c))
        .chain(FormError::MESSAGE_IDS.iter().map(|s| s.to_string()))
        .chain(TransitionError::MESSAGE_IDS.iter().map(|s| s.to_string()))
        .collect()
}

#[test]
fn both_ftl_files_parse() {
    for (lang, source) in locales() {
        bundle(lang, source);
    }
}

#[test]
fn every_code_has_a_message_in_both_languages_and_no_message_is_unused() {
    let expected = expected_ids();
    for (lang, source) in locales() {
        let blocks = message_blocks(source);
        let bundle = bundle(lang, source);
        let mut ids: BTreeSet<String> = BTreeSet::new();
        for id in blocks.keys() {
            assert!(
                bundle.has_message(id),
                "{lang}: block {id} not seen by Fluent"
            );
            if is_fragment(id) {
                let used = blocks
                    .iter()
                    .any(|(other, text)| other != id && text.contains(&format!("{{ {id} }}")));
                assert!(used, "{lang}: fragment {id} is never referenced");
            } else {
                ids.insert(id.clone());
            }
        }
        let missing: Vec<_> = expected.difference(&ids).collect();
        let unused: Vec<_> = ids.difference(&expected).collect();
        assert!(
            missing.is_empty(),
            "{lang}: messages missing for {missing:?}"
        );
        assert!(
            unused.is_empty(),
            "{lang}: messages not used by any code: {unused:?}"
        );
    }
}

/// One form per tweak of the valid individual example.
fn individual(edit: impl FnOnce(&mut ApplicationForm)) -> Vec<Problem> {
    let mut form = parse(INDIVIDUAL);
    edit(&mut form);
    check(&form)
}

fn system(edit: impl FnOnce(&mut SystemInfo)) -> Vec<Problem> {
    let mut form = parse(SYSTEM);
    edit(form.system.as_mut().unwrap());
    check(&form)
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

/// Drives the real code paths until every registered code has been produced.
fn sample_problems() -> Vec<Problem> {
    let mut all = check(&parse(MANY_PROBLEMS));
    for nik in [
        "",
        "12a",
        "2000007213000000",
        "3216053104900001",
        "3216055208900001",
    ] {
        all.extend(Nik::parse(nik, TODAY).err().unwrap_or_default());
    }
    all.extend(Nik::parse("3216052902000001", date!(1999 - 12 - 31)).unwrap_err());
    for nip in [
        "",
        "12a",
        "198504312010011001",
        "189903121930011001",
        "202712012010011001",
        "198503122010131001",
        "198503122027011001",
        "198503122010013001",
        "198503122010011000",
    ] {
        all.extend(Nip::parse(nip, TODAY).unwrap_err());
    }
    all.extend(individual(|f| {
        f.applicant.nik = s("3216991208900001");
        f.applicant.nip = s("199008132015032001");
    }));
    all.extend(individual(|f| {
        f.applicant.name = s(&"x".repeat(65));
        f.applicant.email = s("not an address");
        f.applicant.department = s(&"D".repeat(129));
        f.applicant.position_title = s("Kepala");
        f.uses.clear();
        f.documents.delegation_letter = Some(Letter::default());
        f.documents.recommendation = Some(Letter {
            number: s(&"9".repeat(101)),
            date: s("2099-01-01"),
            file: s("/etc/passwd"),
        });
        f.system = Some(SystemInfo {
            name: None,
            dns_names: vec![],
        });
    }));
    all.extend(individual(|f| {
        f.applicant.name = s("\u{7}");
        f.applicant.email = None;
        f.applicant.department = s("Dinas\tX");
        f.documents.recommendation = Some(Letter::default());
    }));
    all.extend(individual(|f| {
        f.applicant.name = s("1234");
        f.applicant.department = None;
    }));
    let mut position = parse(super::tests_application::MANY_PROBLEMS);
    position.applicant.position_title = s(&"J".repeat(129));
    all.extend(check(&position));
    position.applicant.position_title = s("Kepala\nDinas");
    all.extend(check(&position));
    let mut no_system = parse(SYSTEM);
    no_system.system = None;
    all.extend(check(&no_system));
    all.extend(system(|s| {
        s.name = s_name(&"S".repeat(129));
        s.dns_names = [
            "",
            &format!("{}a.bekasikab.go.id", "abcdefghi.".repeat(25)),
            "a..bekasikab.go.id",
            &format!("{}.bekasikab.go.id", "a".repeat(64)),
            "a_b.bekasikab.go.id",
            "-a.bekasikab.go.id",
            "*.bekasikab.go.id",
            "10.0.0.1",
            "example.com",
            "data.bekasikab.go.id",
            "data.bekasikab.go.id",
        ]
        .iter()
        .map(|n| n.to_string())
        .collect();
    }));
    all.extend(system(|s| s.name = s_name("Sistem\rX")));
    all.extend(system(|s| {
        s.name = None;
        s.dns_names.clear();
    }));
    all.push(Problem::document_file_missing(
        "documents.ktp_scan.file",
        "docs/ktp.pdf",
    ));
    all.push(Problem::document_file_unreadable(
        "documents.ktp_scan.file",
        "docs/ktp.pdf",
    ));
    all.push(Problem::document_file_too_large(
        "documents.ktp_scan.file",
        "docs/ktp.pdf",
        "10 MiB",
    ));
    all.push(Problem::document_file_symlink(
        "documents.ktp_scan.file",
        "docs/ktp.pdf",
    ));
    all.push(Problem::document_file_not_regular(
        "documents.ktp_scan.file",
        "docs/ktp.pdf",
    ));
    all
}

fn s_name(v: &str) -> Option<String> {
    Some(v.to_owned())
}

#[test]
fn every_registered_code_can_actually_be_produced() {
    let produced: BTreeSet<&str> = sample_problems().iter().map(|p| p.code).collect();
    let registered: BTreeSet<&str> = ALL_PROBLEM_CODES.iter().copied().collect();
    let never: Vec<_> = registered.difference(&produced).collect();
    assert!(
        never.is_empty(),
        "codes never produced by the samples: {never:?}"
    );
    assert_eq!(produced, registered);
}

fn format(
    bundle: &FluentBundle<FluentResource>,
    id: &str,
    args: &BTreeMap<&'static str, String>,
) -> String {
    let message = bundle
        .get_message(id)
        .unwrap_or_else(|| panic!("no message {id}"));
    let pattern = message
        .value()
        .unwrap_or_else(|| panic!("{id} has no value"));
    let mut fluent_args = FluentArgs::new();
    for (k, v) in args {
        fluent_args.set(*k, v.clone());
    }
    let mut errors = vec![];
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    assert!(errors.is_empty(), "{id} with {args:?}: {errors:?}");
    text.into_owned()
}

fn assert_placeholders_match(
    lang: &str,
    blocks: &BTreeMap<String, String>,
    id: &str,
    args: &BTreeMap<&'static str, String>,
) {
    let text = with_fragments(blocks, id);
    for key in args.keys() {
        assert!(
            text.contains(&format!("${key}")),
            "{lang}: {id} does not show the argument ${key}"
        );
    }
}

#[test]
fn every_problem_formats_with_its_arguments_in_both_languages() {
    let problems = sample_problems();
    for (lang, source) in locales() {
        let bundle = bundle(lang, source);
        let blocks = message_blocks(source);
        for p in &problems {
            let id = p.message_id();
            let text = format(&bundle, &id, &p.args);
            assert!(
                !text.contains('{') && !text.contains('$'),
                "{lang}: {id}: {text}"
            );
            assert_placeholders_match(lang, &blocks, &id, &p.args);
        }
    }
}

#[test]
fn every_form_error_and_transition_error_formats_in_both_languages() {
    let form_errors = [
        FormError::Empty,
        FormError::NotUtf8 { offset: 3 },
        FormError::Syntax {
            line: 1,
            column: 2,
            detail: "d".into(),
        },
        FormError::Truncated {
            line: 1,
            column: 2,
            detail: "d".into(),
        },
        FormError::UnknownKey {
            line: 1,
            column: 2,
            key: "k".into(),
            detail: "d".into(),
        },
        FormError::MissingKey {
            line: 1,
            column: 2,
            key: "k".into(),
            detail: "d".into(),
        },
        FormError::DuplicateKey {
            line: 1,
            column: 2,
            key: "k".into(),
            detail: "d".into(),
        },
        FormError::UnknownValue {
            line: 1,
            column: 2,
            value: "v".into(),
            detail: "d".into(),
        },
        FormError::WrongType {
            line: 1,
            column: 2,
            detail: "d".into(),
        },
        FormError::Invalid {
            line: 1,
            column: 2,
            detail: "d".into(),
        },
    ];
    let transition_errors = [
        TransitionError::NotAllowed {
            from: ApplicationStatus::Issued,
            to: ApplicationStatus::Approved,
        },
        TransitionError::ReasonMissing,
        TransitionError::ReasonTooShort { length: 2, min: 5 },
        TransitionError::ReasonTooLong {
            length: 2001,
            max: 2000,
        },
        TransitionError::ReasonControlChars,
    ];
    let ids: BTreeSet<&str> = form_errors
        .iter()
        .map(FormError::message_id)
        .chain(transition_errors.iter().map(TransitionError::message_id))
        .collect();
    assert_eq!(
        ids.len(),
        FormError::MESSAGE_IDS.len() + TransitionError::MESSAGE_IDS.len(),
        "every variant has its own message id"
    );
    for (lang, source) in locales() {
        let bundle = bundle(lang, source);
        let blocks = message_blocks(source);
        for (id, args) in form_errors
            .iter()
            .map(|e| (e.message_id(), e.message_args()))
            .chain(
                transition_errors
                    .iter()
                    .map(|e| (e.message_id(), e.message_args())),
            )
        {
            let text = format(&bundle, id, &args);
            assert!(!text.contains('{'), "{lang}: {id}: {text}");
            assert_placeholders_match(lang, &blocks, id, &args);
        }
    }
}

#[test]
fn selectors_translate_names_instead_of_showing_codes() {
    let id = bundle("id", ID_FTL);
    let en = bundle("en", EN_FTL);
    let p = individual(|f| f.uses = vec![CertUse::TlsServer]).remove(0);
    assert_eq!(
        format(&id, &p.message_id(), &p.args),
        "Penggunaan “server TLS (HTTPS)” tidak diizinkan untuk sertifikat individu. \
         Hapus penggunaan tersebut atau ubah jenis sertifikat."
    );
    assert_eq!(
        format(&en, &p.message_id(), &p.args),
        "The use “TLS server (HTTPS)” is not allowed for an individual certificate. \
         Remove that use or change the certificate kind."
    );
    let e = TransitionError::NotAllowed {
        from: ApplicationStatus::Issued,
        to: ApplicationStatus::Approved,
    };
    let text = format(&id, e.message_id(), &e.message_args());
    assert!(
        text.starts_with(
            "Status permohonan tidak dapat diubah dari “diterbitkan” menjadi “disetujui”."
        ),
        "{text}"
    );
}

#[test]
fn every_code_and_error_message_is_documented_in_the_format_doc() {
    let doc = include_str!("../../docs/formats/application.md");
    let ids = FormError::MESSAGE_IDS
        .iter()
        .chain(TransitionError::MESSAGE_IDS);
    for code in ALL_PROBLEM_CODES.iter().chain(ids) {
        assert!(
            doc.contains(&format!("| `{code}` |")),
            "{code} is not in docs/formats/application.md"
        );
    }
}
