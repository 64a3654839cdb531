//! A validation finding that the station shows to the operator.
//!
//! A [`Problem`] is data, not text: a JSON path (`field`), a stable dotted `code` and named
//! arguments. The user interface turns it into a sentence in Bahasa Indonesia (default) or
//! English through Fluent; the message id of a code is `problem-` followed by the code with
//! `.` replaced by `-` (see [`Problem::message_id`]).

use std::collections::BTreeMap;

use serde::Serialize;

/// One thing that is wrong with an application, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// JSON path of the offending field, e.g. `applicant.nik`, `system.dns_names[1]`.
    pub field: String,
    /// Stable dotted code, e.g. `nik.province_unknown`; one of [`ALL_PROBLEM_CODES`].
    pub code: &'static str,
    /// Named arguments of the message (Fluent variables without the `$`).
    pub args: BTreeMap<&'static str, String>,
}

impl Problem {
    /// A problem without arguments.
    ///
    /// In debug builds this asserts that `code` is registered in [`ALL_PROBLEM_CODES`], so a
    /// typo in a code is caught by the tests instead of surfacing as a missing translation.
    pub fn new(field: impl Into<String>, code: &'static str) -> Self {
        debug_assert!(
            ALL_PROBLEM_CODES.contains(&code),
            "problem code `{code}` is not registered in ALL_PROBLEM_CODES"
        );
        Self {
            field: field.into(),
            code,
            args: BTreeMap::new(),
        }
    }

    /// Adds (or replaces) the argument `key`.
    #[must_use]
    pub fn with(mut self, key: &'static str, value: impl ToString) -> Self {
        self.args.insert(key, value.to_string());
        self
    }

    /// The Fluent message id of this problem, e.g. `problem-nik-province_unknown`.
    pub fn message_id(&self) -> String {
        message_id_for(self.code)
    }

    /// `document.file_missing {path}`: the referenced file does not exist (service layer).
    pub fn document_file_missing(field: impl Into<String>, path: &str) -> Self {
        Self::new(field, "document.file_missing").with("path", path)
    }

    /// `document.file_unreadable {path}`: the file exists but cannot be read (service layer).
    pub fn document_file_unreadable(field: impl Into<String>, path: &str) -> Self {
        Self::new(field, "document.file_unreadable").with("path", path)
    }

    /// `document.file_too_large {path, limit}`: `limit` is a human-readable size, e.g. `10 MiB`.
    pub fn document_file_too_large(field: impl Into<String>, path: &str, limit: &str) -> Self {
        Self::new(field, "document.file_too_large")
            .with("path", path)
            .with("limit", limit)
    }

    /// `document.file_symlink {path}`: the file, or a folder on its path, is a symbolic link
    /// (service layer; links are never followed).
    pub fn document_file_symlink(field: impl Into<String>, path: &str) -> Self {
        Self::new(field, "document.file_symlink").with("path", path)
    }

    /// `document.file_not_regular {path}`: a FIFO, device, socket or folder, not a file
    /// (service layer).
    pub fn document_file_not_regular(field: impl Into<String>, path: &str) -> Self {
        Self::new(field, "document.file_not_regular").with("path", path)
    }

    /// `document.file_outside {path}`: the path leaves the application folder.
    pub fn document_file_outside(field: impl Into<String>, path: &str) -> Self {
        Self::new(field, "document.file_outside").with("path", path)
    }
}

/// The Fluent message id for a problem code: `problem-` + code with `.` replaced by `-`.
pub fn message_id_for(code: &str) -> String {
    format!("problem-{}", code.replace('.', "-"))
}

/// Every problem code the domain (and the service layer, for `document.file_*`) can produce.
///
/// Each one has a message in `src/i18n/locales/{id,en}/application.ftl`; a unit test keeps the
/// two in step. Codes are stable: never rename one, add a new one instead.
pub const ALL_PROBLEM_CODES: &[&str] = &[
    // NIK (identity.rs)
    "nik.missing",
    "nik.length",
    "nik.not_digits",
    "nik.province_unknown",
    "nik.regency_zero",
    "nik.district_zero",
    "nik.day_invalid",
    "nik.month_invalid",
    "nik.date_invalid",
    "nik.birth_in_future",
    "nik.serial_zero",
    // NIP (identity.rs)
    "nip.missing",
    "nip.length",
    "nip.not_digits",
    "nip.birth_date_invalid",
    "nip.birth_too_early",
    "nip.birth_in_future",
    "nip.appointment_month_invalid",
    "nip.appointment_in_future",
    "nip.appointment_before_age_18",
    "nip.gender_invalid",
    "nip.serial_zero",
    // NIK/NIP consistency (identity.rs)
    "identity.birth_date_mismatch",
    "identity.gender_mismatch",
    // applicant (application.rs)
    "name.missing",
    "name.too_long",
    "name.control_chars",
    "name.no_letter",
    "email.missing",
    "email.invalid",
    "email.domain_not_official",
    "department.missing",
    "department.too_long",
    "department.control_chars",
    "position_title.missing",
    "position_title.too_long",
    "position_title.control_chars",
    "position_title.not_applicable",
    // system block (application.rs)
    "system.missing",
    "system.not_applicable",
    "system.name_missing",
    "system.name_too_long",
    "system.name_control_chars",
    "system.dns_names_missing",
    "dns.empty",
    "dns.too_long",
    "dns.label_empty",
    "dns.label_too_long",
    "dns.label_invalid_chars",
    "dns.label_hyphen_edge",
    "dns.wildcard",
    "dns.numeric_tld",
    "dns.not_official",
    "dns.duplicate",
    // uses (application.rs)
    "uses.empty",
    "uses.duplicate",
    "uses.not_allowed",
    // documents (application.rs)
    "document.missing",
    "document.not_applicable",
    "document.number_missing",
    "document.number_too_long",
    "document.date_missing",
    "document.date_invalid",
    "document.date_in_future",
    "document.file_required",
    "document.file_outside",
    // documents, emitted by the service layer after looking at the disk
    "document.file_missing",
    "document.file_unreadable",
    "document.file_too_large",
    "document.file_symlink",
    "document.file_not_regular",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_replaces_every_dot_with_a_dash() {
        let p = Problem::new("applicant.nik", "nik.province_unknown").with("province", "20");
        assert_eq!(p.message_id(), "problem-nik-province_unknown");
        assert_eq!(p.args.get("province").map(String::as_str), Some("20"));
    }

    #[test]
    fn problem_codes_are_unique_dotted_lowercase() {
        let mut seen = std::collections::BTreeSet::new();
        for code in ALL_PROBLEM_CODES {
            assert!(seen.insert(*code), "duplicate code {code}");
            assert!(code.contains('.'), "{code} is not dotted");
            assert!(
                code.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_' || c.is_ascii_digit()),
                "{code} has characters outside [a-z0-9._]"
            );
        }
    }

    #[test]
    fn service_layer_constructors_carry_their_arguments() {
        let p = Problem::document_file_too_large("documents.ktp_scan.file", "ktp.pdf", "10 MiB");
        assert_eq!(p.code, "document.file_too_large");
        assert_eq!(p.args["path"], "ktp.pdf");
        assert_eq!(p.args["limit"], "10 MiB");
        assert_eq!(
            Problem::document_file_outside("f", "../x").code,
            "document.file_outside"
        );
        assert_eq!(
            Problem::document_file_missing("f", "x").code,
            "document.file_missing"
        );
        assert_eq!(
            Problem::document_file_unreadable("f", "x").code,
            "document.file_unreadable"
        );
    }

    #[test]
    fn problem_serializes_as_field_code_and_args() {
        let p = Problem::new("applicant.nik", "nik.length").with("length", 15);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            r#"{"field":"applicant.nik","code":"nik.length","args":{"length":"15"}}"#
        );
    }
}
