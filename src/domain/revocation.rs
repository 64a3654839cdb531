//! Revocation (Pasal 16): the regulation's cases, what each needs on record, and how each maps
//! onto an RFC 5280 reason code and the token lifecycle. Pure: no I/O.
//!
//! Pasal 16(2)–(3): when a key pair and certificate are **lost, damaged or inaccessible**
//! (*hilang/rusak/tidak dapat diakses*) the holder reports it to the OP as soon as possible,
//! together with a report to the competent authority (for a loss, the police) and a statement
//! signed by the holder and acknowledged by their superior, and applies again. Revocation on
//! the OP's or BSrE's evaluation, or at the holder's request, needs none of those papers.

use std::fmt;

use crate::domain::inventory::TokenState;

/// Why a certificate is revoked, in the regulation's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cause {
    /// *Hilang*: the token is lost.
    Lost,
    /// *Rusak*: the token is damaged.
    Damaged,
    /// *Tidak dapat diakses*: the key cannot be used any more (PIN and PUK forgotten, …).
    Inaccessible,
    /// The private key or the passphrase became known to someone else.
    Compromised,
    /// *Permintaan Pemilik*: the holder asks (no other reason given).
    HolderRequest,
    /// The holder moved, retired or left the regency's service.
    AffiliationChanged,
    /// *Evaluasi OP/BSrE*: the registration authority's or the CA's evaluation.
    OpEvaluation,
    /// Replaced by a renewal (Pasal 15).
    Superseded,
}

impl Cause {
    pub const ALL: [Cause; 8] = [
        Cause::Lost,
        Cause::Damaged,
        Cause::Inaccessible,
        Cause::Compromised,
        Cause::HolderRequest,
        Cause::AffiliationChanged,
        Cause::OpEvaluation,
        Cause::Superseded,
    ];

    /// The stored and scripted name.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Lost => "lost",
            Cause::Damaged => "damaged",
            Cause::Inaccessible => "inaccessible",
            Cause::Compromised => "compromised",
            Cause::HolderRequest => "holder_request",
            Cause::AffiliationChanged => "affiliation_changed",
            Cause::OpEvaluation => "op_evaluation",
            Cause::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<Cause> {
        let s = s.trim().to_ascii_lowercase().replace('-', "_");
        Cause::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The RFC 5280 reason name the CA records (`keyCompromise`, …). A lost token is treated
    /// as a compromised key: whoever holds it may guess the PIN.
    pub fn rfc5280_reason(self) -> &'static str {
        match self {
            Cause::Lost | Cause::Compromised => "keyCompromise",
            Cause::Damaged | Cause::Inaccessible => "cessationOfOperation",
            Cause::HolderRequest => "unspecified",
            Cause::AffiliationChanged => "affiliationChanged",
            Cause::OpEvaluation => "privilegeWithdrawn",
            Cause::Superseded => "superseded",
        }
    }

    /// Pasal 16(3): the authority's report, the holder's statement and the superior's
    /// acknowledgement are required.
    pub fn needs_papers(self) -> bool {
        matches!(self, Cause::Lost | Cause::Damaged | Cause::Inaccessible)
    }

    /// Where the token goes once the certificate is revoked (from `issued` or `suspended`).
    pub fn token_state(self) -> TokenState {
        match self {
            Cause::Lost => TokenState::Lost,
            Cause::Damaged => TokenState::Damaged,
            _ => TokenState::Revoked,
        }
    }

    /// The incident category (Pasal 25) the case is also recorded as, if it is a security
    /// incident.
    pub fn incident_category(self) -> Option<&'static str> {
        match self {
            Cause::Lost => Some("lost_key"),
            Cause::Damaged | Cause::Inaccessible => Some("damaged_key"),
            Cause::Compromised => Some("authenticity"),
            _ => None,
        }
    }

    /// Whether the holder is expected to apply again (Pasal 16(2)b).
    pub fn expects_reapplication(self) -> bool {
        matches!(
            self,
            Cause::Lost | Cause::Damaged | Cause::Inaccessible | Cause::Compromised
        )
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A paper of Pasal 16(3) the request lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MissingPaper {
    /// The report to the competent authority (police report number).
    AuthorityReport,
    /// The holder's signed statement (a scan).
    Statement,
    /// The superior who acknowledged the statement.
    Superior,
}

impl MissingPaper {
    pub fn as_str(self) -> &'static str {
        match self {
            MissingPaper::AuthorityReport => "police_report",
            MissingPaper::Statement => "statement",
            MissingPaper::Superior => "superior",
        }
    }
}

/// What a revocation request carries besides its cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Papers<'a> {
    pub police_report: Option<&'a str>,
    pub statement: bool,
    pub superior: Option<&'a str>,
}

/// Every paper the cause needs and the request lacks (blank text counts as missing).
pub fn missing_papers(cause: Cause, papers: &Papers<'_>) -> Vec<MissingPaper> {
    if !cause.needs_papers() {
        return vec![];
    }
    let blank = |s: Option<&str>| s.is_none_or(|s| s.trim().is_empty());
    let mut missing = vec![];
    if blank(papers.police_report) {
        missing.push(MissingPaper::AuthorityReport);
    }
    if !papers.statement {
        missing.push(MissingPaper::Statement);
    }
    if blank(papers.superior) {
        missing.push(MissingPaper::Superior);
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_round_trips_through_its_name() {
        for c in Cause::ALL {
            assert_eq!(Cause::parse(c.as_str()), Some(c));
        }
        assert_eq!(Cause::parse("Holder-Request"), Some(Cause::HolderRequest));
        assert_eq!(Cause::parse("stolen"), None);
    }

    #[test]
    fn lost_damaged_and_inaccessible_need_all_three_papers() {
        for c in [Cause::Lost, Cause::Damaged, Cause::Inaccessible] {
            assert_eq!(
                missing_papers(c, &Papers::default()),
                vec![
                    MissingPaper::AuthorityReport,
                    MissingPaper::Statement,
                    MissingPaper::Superior
                ]
            );
            let full = Papers {
                police_report: Some("LP/B/123/XII/2026/Polres Metro Bekasi"),
                statement: true,
                superior: Some("Kepala Dinas"),
            };
            assert!(missing_papers(c, &full).is_empty());
            let blank = Papers {
                police_report: Some("  "),
                ..full
            };
            assert_eq!(
                missing_papers(c, &blank),
                vec![MissingPaper::AuthorityReport]
            );
        }
    }

    #[test]
    fn other_causes_need_no_papers() {
        for c in [
            Cause::Compromised,
            Cause::HolderRequest,
            Cause::AffiliationChanged,
            Cause::OpEvaluation,
            Cause::Superseded,
        ] {
            assert!(missing_papers(c, &Papers::default()).is_empty(), "{c}");
        }
    }

    #[test]
    fn causes_map_to_rfc5280_reasons_token_states_and_incidents() {
        assert_eq!(Cause::Lost.rfc5280_reason(), "keyCompromise");
        assert_eq!(Cause::Lost.token_state(), TokenState::Lost);
        assert_eq!(Cause::Lost.incident_category(), Some("lost_key"));
        assert_eq!(Cause::Damaged.token_state(), TokenState::Damaged);
        assert_eq!(Cause::Damaged.rfc5280_reason(), "cessationOfOperation");
        assert_eq!(Cause::HolderRequest.token_state(), TokenState::Revoked);
        assert_eq!(Cause::HolderRequest.incident_category(), None);
        assert_eq!(Cause::Superseded.rfc5280_reason(), "superseded");
        assert_eq!(Cause::OpEvaluation.rfc5280_reason(), "privilegeWithdrawn");
    }
}
