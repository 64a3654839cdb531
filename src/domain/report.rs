//! The yearly supervision-and-evaluation report (Pasal 24), coverage (Pasal 8(3)), the
//! expiry wave for the road map (Pasal 10) and the expiry watch list (Pasal 15): pure
//! aggregation over facts read from ledger events and the ASN roster. No I/O.
//!
//! Periods are calendar months in WIB (UTC+7), the time of Kabupaten Bekasi. "Valid at year
//! end" means: issued before 1 January of the next year 00:00 WIB, `not_after` at or after
//! that instant, and not revoked before it. The event contract is in
//! `docs/formats/reports.md`.

use std::collections::{BTreeMap, HashMap};

use time::macros::offset;
use time::{Date, Month, OffsetDateTime, Time, UtcOffset};

/// Western Indonesian Time, the offset of every period in a report.
pub const WIB: UtcOffset = offset!(+7);
/// The department of a record whose department cannot be found.
pub const UNKNOWN_DEPARTMENT: &str = "-";
/// How many months after the year end the expiry wave covers.
pub const WAVE_MONTHS: usize = 24;

/// A certificate as its issuance or renewal event describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFact {
    pub serial: String,
    /// NIP of the holder (individual and position certificates of ASN).
    pub nip: Option<String>,
    pub department: Option<String>,
    pub application: Option<String>,
    pub kind: Option<String>,
    pub not_after: OffsetDateTime,
}

/// What a report-relevant ledger event says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    ApplicationSubmitted {
        application: String,
        department: Option<String>,
    },
    ApplicationApproved {
        application: String,
    },
    ApplicationRejected {
        application: String,
    },
    CertificateIssued(CertFact),
    CertificateRenewed {
        cert: CertFact,
        /// The certificate this one replaces.
        previous: Option<String>,
    },
    CertificateRevoked {
        serial: String,
        reason: String,
    },
    IncidentRecorded {
        incident: String,
        category: String,
        certificate: Option<String>,
        application: Option<String>,
    },
}

/// A fact with its ledger position and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatedFact {
    pub seq: u64,
    pub time: OffsetDateTime,
    pub fact: Fact,
}

/// One civil servant (ASN) of the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    pub nip: String,
    pub name: String,
    pub department: String,
    pub position: Option<String>,
}

/// `(year, month 1..=12)` of `t` in WIB.
pub fn wib_month(t: OffsetDateTime) -> (i32, u8) {
    let d = t.to_offset(WIB).date();
    (d.year(), u8::from(d.month()))
}

/// 1 January of `year` 00:00 WIB.
pub fn year_start(year: i32) -> OffsetDateTime {
    let date = Date::from_calendar_date(year, Month::January, 1).unwrap_or(Date::MIN);
    date.with_time(Time::MIDNIGHT).assume_offset(WIB)
}

/// The end of `year` (= the start of the next), the instant coverage is measured at.
pub fn year_end(year: i32) -> OffsetDateTime {
    year_start(year + 1)
}

/// The `i`-th month (0-based) after the end of `year`.
pub fn wave_month(year: i32, i: usize) -> (i32, u8) {
    let m = i as i32;
    (year + 1 + m / 12, (m % 12) as u8 + 1)
}

/// Activity counts of one department in one month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Activity {
    pub submitted: u64,
    pub approved: u64,
    pub rejected: u64,
    pub issued: u64,
    pub renewed: u64,
    pub revoked: u64,
    pub incidents: u64,
}

impl Activity {
    /// Metric names as they appear in the CSV.
    pub const METRICS: [&'static str; 7] = [
        "submitted",
        "approved",
        "rejected",
        "issued",
        "renewed",
        "revoked",
        "incidents",
    ];

    pub fn get(&self, metric: &str) -> u64 {
        match metric {
            "submitted" => self.submitted,
            "approved" => self.approved,
            "rejected" => self.rejected,
            "issued" => self.issued,
            "renewed" => self.renewed,
            "revoked" => self.revoked,
            "incidents" => self.incidents,
            _ => 0,
        }
    }

    pub fn values(&self) -> [u64; 7] {
        Self::METRICS.map(|m| self.get(m))
    }

    fn add(&mut self, o: &Activity) {
        self.submitted += o.submitted;
        self.approved += o.approved;
        self.rejected += o.rejected;
        self.issued += o.issued;
        self.renewed += o.renewed;
        self.revoked += o.revoked;
        self.incidents += o.incidents;
    }
}

/// ASN of a department with and without a certificate valid at year end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Coverage {
    pub asn: u64,
    pub with_certificate: u64,
}

impl Coverage {
    pub fn without_certificate(&self) -> u64 {
        self.asn - self.with_certificate
    }
    /// Percentage with a certificate, in tenths of a percent, rounded half up (875 = 87.5 %).
    pub fn permille(&self) -> u64 {
        if self.asn == 0 {
            return 0;
        }
        (self.with_certificate * 2000 + self.asn) / (2 * self.asn)
    }
    /// `87.5`: the percentage with one decimal.
    pub fn percent_text(&self) -> String {
        let p = self.permille();
        format!("{}.{}", p / 10, p % 10)
    }
}

/// The numbers of the yearly report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearlyReport {
    pub year: i32,
    /// Department → activity per month (index 0 = January).
    pub activity: BTreeMap<String, [Activity; 12]>,
    /// (department, reason) → revocations in the year.
    pub revoked_by_reason: BTreeMap<(String, String), u64>,
    /// (month 1..=12, category) → incidents recorded in the year.
    pub incidents_by_category: BTreeMap<(u8, String), u64>,
    /// Department (of the roster) → coverage at year end.
    pub coverage: BTreeMap<String, Coverage>,
    /// Department → certificates valid at year end (and not replaced by a renewal) expiring
    /// in each of the [`WAVE_MONTHS`] months after the year end.
    pub expiry_wave: BTreeMap<String, [u64; WAVE_MONTHS]>,
    /// Certificates valid at year end (all kinds, all holders).
    pub valid_at_year_end: u64,
}

impl YearlyReport {
    pub fn month_totals(&self) -> [Activity; 12] {
        let mut out = [Activity::default(); 12];
        for months in self.activity.values() {
            for (o, a) in out.iter_mut().zip(months) {
                o.add(a);
            }
        }
        out
    }

    pub fn department_total(&self, department: &str) -> Activity {
        let mut out = Activity::default();
        for a in self.activity.get(department).into_iter().flatten() {
            out.add(a);
        }
        out
    }

    pub fn total(&self) -> Activity {
        let mut out = Activity::default();
        for a in &self.month_totals() {
            out.add(a);
        }
        out
    }

    pub fn coverage_total(&self) -> Coverage {
        self.coverage
            .values()
            .fold(Coverage::default(), |acc, c| Coverage {
                asn: acc.asn + c.asn,
                with_certificate: acc.with_certificate + c.with_certificate,
            })
    }

    pub fn wave_totals(&self) -> [u64; WAVE_MONTHS] {
        let mut out = [0; WAVE_MONTHS];
        for w in self.expiry_wave.values() {
            for (o, n) in out.iter_mut().zip(w) {
                *o += n;
            }
        }
        out
    }

    pub fn revoked_reason_totals(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for ((_, reason), n) in &self.revoked_by_reason {
            *out.entry(reason.clone()).or_insert(0) += n;
        }
        out
    }

    pub fn incident_category_totals(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for ((_, category), n) in &self.incidents_by_category {
            *out.entry(category.clone()).or_insert(0) += n;
        }
        out
    }
}

/// A certificate and what happened to it.
#[derive(Debug, Clone)]
struct Cert {
    issued_at: OffsetDateTime,
    nip: Option<String>,
    department: String,
    not_after: OffsetDateTime,
    revoked_at: Option<OffsetDateTime>,
    superseded_at: Option<OffsetDateTime>,
}

impl Cert {
    /// Valid at `t`: issued before, not expired, not revoked before.
    fn valid_at(&self, t: OffsetDateTime) -> bool {
        self.issued_at < t && self.not_after >= t && self.revoked_at.is_none_or(|r| r >= t)
    }
    fn superseded_before(&self, t: OffsetDateTime) -> bool {
        self.superseded_at.is_some_and(|s| s < t)
    }
}

/// The state of every certificate and application after reading the facts in ledger order.
struct Book<'a> {
    roster_department: HashMap<&'a str, &'a str>,
    application_department: HashMap<String, String>,
    certs: HashMap<String, Cert>,
}

impl<'a> Book<'a> {
    fn build(
        facts: &[DatedFact],
        roster: &'a [RosterEntry],
        stored_application_departments: &HashMap<String, String>,
    ) -> Self {
        let mut book = Book {
            roster_department: roster
                .iter()
                .map(|r| (r.nip.as_str(), r.department.as_str()))
                .collect(),
            application_department: stored_application_departments.clone(),
            certs: HashMap::new(),
        };
        // Departments named by the submission events win over the applications table.
        for f in facts {
            if let Fact::ApplicationSubmitted {
                application,
                department: Some(d),
            } = &f.fact
                && !d.trim().is_empty()
            {
                book.application_department
                    .insert(application.clone(), d.trim().to_owned());
            }
        }
        for f in facts {
            match &f.fact {
                Fact::CertificateIssued(c) => {
                    let department = book.cert_department(c, None);
                    book.insert(f.time, c, department);
                }
                Fact::CertificateRenewed { cert, previous } => {
                    let department = book.cert_department(cert, previous.as_deref());
                    if let Some(p) = previous.as_deref().and_then(|p| book.certs.get_mut(p)) {
                        p.superseded_at.get_or_insert(f.time);
                    }
                    book.insert(f.time, cert, department);
                }
                Fact::CertificateRevoked { serial, .. } => {
                    if let Some(c) = book.certs.get_mut(serial) {
                        c.revoked_at.get_or_insert(f.time);
                    }
                }
                _ => {}
            }
        }
        book
    }

    fn insert(&mut self, time: OffsetDateTime, c: &CertFact, department: String) {
        self.certs.insert(
            c.serial.clone(),
            Cert {
                issued_at: time,
                nip: c.nip.clone(),
                department,
                not_after: c.not_after,
                revoked_at: None,
                superseded_at: None,
            },
        );
    }

    fn application_department(&self, id: &str) -> String {
        self.application_department
            .get(id)
            .cloned()
            .unwrap_or_else(|| UNKNOWN_DEPARTMENT.to_owned())
    }

    /// The event's department, else the holder's in the roster, else the application's, else
    /// the replaced certificate's.
    fn cert_department(&self, c: &CertFact, previous: Option<&str>) -> String {
        if let Some(d) = c
            .department
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            return d.to_owned();
        }
        if let Some(d) = c.nip.as_deref().and_then(|n| self.roster_department.get(n)) {
            return (*d).to_owned();
        }
        if let Some(d) = c
            .application
            .as_deref()
            .and_then(|a| self.application_department.get(a))
        {
            return d.clone();
        }
        if let Some(p) = previous.and_then(|p| self.certs.get(p)) {
            return p.department.clone();
        }
        UNKNOWN_DEPARTMENT.to_owned()
    }

    fn serial_department(&self, serial: &str) -> String {
        self.certs
            .get(serial)
            .map(|c| c.department.clone())
            .unwrap_or_else(|| UNKNOWN_DEPARTMENT.to_owned())
    }
}

/// Builds the yearly report of `year` from the facts (any order; they are sorted by sequence
/// number), the roster, and the departments of stored applications (by id) for submission
/// events that do not name one.
pub fn yearly(
    year: i32,
    facts: &mut [DatedFact],
    roster: &[RosterEntry],
    stored_application_departments: &HashMap<String, String>,
) -> YearlyReport {
    facts.sort_unstable_by_key(|f| f.seq);
    let book = Book::build(facts, roster, stored_application_departments);
    let (start, end) = (year_start(year), year_end(year));

    let mut activity: BTreeMap<String, [Activity; 12]> = roster
        .iter()
        .map(|r| (r.department.clone(), [Activity::default(); 12]))
        .collect();
    let mut revoked_by_reason = BTreeMap::new();
    let mut incidents_by_category = BTreeMap::new();
    for f in facts.iter().filter(|f| f.time >= start && f.time < end) {
        let month = wib_month(f.time).1;
        let (department, field): (String, fn(&mut Activity) -> &mut u64) = match &f.fact {
            Fact::ApplicationSubmitted { application, .. } => {
                (book.application_department(application), |a| {
                    &mut a.submitted
                })
            }
            Fact::ApplicationApproved { application } => {
                (book.application_department(application), |a| {
                    &mut a.approved
                })
            }
            Fact::ApplicationRejected { application } => {
                (book.application_department(application), |a| {
                    &mut a.rejected
                })
            }
            Fact::CertificateIssued(c) => (book.serial_department(&c.serial), |a| &mut a.issued),
            Fact::CertificateRenewed { cert, .. } => {
                (book.serial_department(&cert.serial), |a| &mut a.renewed)
            }
            Fact::CertificateRevoked { serial, reason } => {
                let d = book.serial_department(serial);
                *revoked_by_reason
                    .entry((d.clone(), reason.clone()))
                    .or_insert(0) += 1;
                (d, |a| &mut a.revoked)
            }
            Fact::IncidentRecorded {
                category,
                certificate,
                application,
                ..
            } => {
                *incidents_by_category
                    .entry((month, category.clone()))
                    .or_insert(0) += 1;
                let d = match (certificate, application) {
                    (Some(s), _) if book.certs.contains_key(s) => book.serial_department(s),
                    (_, Some(a)) => book.application_department(a),
                    _ => UNKNOWN_DEPARTMENT.to_owned(),
                };
                (d, |a| &mut a.incidents)
            }
        };
        let months = activity
            .entry(department)
            .or_insert([Activity::default(); 12]);
        *field(&mut months[usize::from(month) - 1]) += 1;
    }

    // Coverage and expiry wave at year end.
    let mut covered: HashMap<&str, ()> = HashMap::new();
    let mut expiry_wave: BTreeMap<String, [u64; WAVE_MONTHS]> = BTreeMap::new();
    let mut valid_at_year_end = 0;
    for c in book.certs.values().filter(|c| c.valid_at(end)) {
        valid_at_year_end += 1;
        if let Some(nip) = c.nip.as_deref() {
            covered.insert(nip, ());
        }
        if c.superseded_before(end) {
            continue;
        }
        let (y, m) = wib_month(c.not_after);
        let i = (y - year - 1) * 12 + i32::from(m) - 1;
        if (0..WAVE_MONTHS as i32).contains(&i) {
            expiry_wave
                .entry(c.department.clone())
                .or_insert([0; WAVE_MONTHS])[i as usize] += 1;
        }
    }
    let mut coverage: BTreeMap<String, Coverage> = BTreeMap::new();
    for r in roster {
        let c = coverage.entry(r.department.clone()).or_default();
        c.asn += 1;
        if covered.contains_key(r.nip.as_str()) {
            c.with_certificate += 1;
        }
    }

    YearlyReport {
        year,
        activity,
        revoked_by_reason,
        incidents_by_category,
        coverage,
        expiry_wave,
        valid_at_year_end,
    }
}

/// A certificate that expires soon (for renewal reminders, Pasal 15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiring {
    pub department: String,
    pub serial: String,
    pub nip: Option<String>,
    /// The holder's name from the roster.
    pub name: Option<String>,
    pub not_after: OffsetDateTime,
    /// Whole days from `now` to `not_after`.
    pub days_left: i64,
}

/// Certificates valid at `now`, not replaced by a renewal, expiring within `within_days`;
/// by department, soonest first.
pub fn expiry_watch(
    facts: &mut [DatedFact],
    roster: &[RosterEntry],
    stored_application_departments: &HashMap<String, String>,
    now: OffsetDateTime,
    within_days: i64,
) -> Vec<Expiring> {
    facts.sort_unstable_by_key(|f| f.seq);
    let book = Book::build(facts, roster, stored_application_departments);
    let names: HashMap<&str, &str> = roster
        .iter()
        .map(|r| (r.nip.as_str(), r.name.as_str()))
        .collect();
    let limit = now + time::Duration::days(within_days);
    let mut out: Vec<Expiring> = book
        .certs
        .iter()
        .filter(|(_, c)| c.valid_at(now) && !c.superseded_before(now) && c.not_after <= limit)
        .map(|(serial, c)| Expiring {
            department: c.department.clone(),
            serial: serial.clone(),
            nip: c.nip.clone(),
            name: c
                .nip
                .as_deref()
                .and_then(|n| names.get(n))
                .map(|s| (*s).to_owned()),
            not_after: c.not_after,
            days_left: (c.not_after - now).whole_days(),
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.department, a.not_after, &a.serial).cmp(&(&b.department, b.not_after, &b.serial))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn cert(serial: &str, nip: Option<&str>, not_after: OffsetDateTime) -> CertFact {
        CertFact {
            serial: serial.into(),
            nip: nip.map(Into::into),
            department: None,
            application: Some("APP-000001".into()),
            kind: Some("individual".into()),
            not_after,
        }
    }

    fn roster() -> Vec<RosterEntry> {
        ["198001012005011001", "198001012005011002"]
            .into_iter()
            .map(|nip| RosterEntry {
                nip: nip.into(),
                name: format!("ASN {nip}"),
                department: "Dinas Kominfo".into(),
                position: None,
            })
            .collect()
    }

    fn at(seq: u64, time: OffsetDateTime, fact: Fact) -> DatedFact {
        DatedFact { seq, time, fact }
    }

    #[test]
    fn months_are_counted_in_wib_not_utc() {
        // 31 Jan 2025 18:00 UTC is 1 Feb 2025 01:00 WIB.
        assert_eq!(wib_month(datetime!(2025-01-31 18:00 UTC)), (2025, 2));
        assert_eq!(year_end(2025), datetime!(2025-12-31 17:00 UTC));
        assert_eq!(wave_month(2025, 0), (2026, 1));
        assert_eq!(wave_month(2025, 23), (2027, 12));
    }

    #[test]
    fn a_revoked_certificate_does_not_cover_its_holder_and_a_renewal_does() {
        let nip1 = "198001012005011001";
        let nip2 = "198001012005011002";
        let mut facts = vec![
            at(
                1,
                datetime!(2025-02-01 03:00 UTC),
                Fact::ApplicationSubmitted {
                    application: "APP-000001".into(),
                    department: Some("Dinas Kominfo".into()),
                },
            ),
            at(
                2,
                datetime!(2025-02-02 03:00 UTC),
                Fact::CertificateIssued(cert("0a", Some(nip1), datetime!(2026-03-01 00:00 UTC))),
            ),
            at(
                3,
                datetime!(2025-02-03 03:00 UTC),
                Fact::CertificateIssued(cert("0b", Some(nip2), datetime!(2026-03-01 00:00 UTC))),
            ),
            at(
                4,
                datetime!(2025-06-03 03:00 UTC),
                Fact::CertificateRevoked {
                    serial: "0b".into(),
                    reason: "key_compromise".into(),
                },
            ),
            at(
                5,
                datetime!(2025-07-03 03:00 UTC),
                Fact::CertificateRenewed {
                    cert: cert("0c", Some(nip1), datetime!(2027-07-01 00:00 UTC)),
                    previous: Some("0a".into()),
                },
            ),
        ];
        let r = yearly(2025, &mut facts, &roster(), &HashMap::new());
        let cov = r.coverage["Dinas Kominfo"];
        assert_eq!((cov.asn, cov.with_certificate), (2, 1));
        assert_eq!(cov.percent_text(), "50.0");
        let total = r.total();
        assert_eq!(
            (total.submitted, total.issued, total.renewed, total.revoked),
            (1, 2, 1, 1)
        );
        assert_eq!(
            r.revoked_by_reason[&("Dinas Kominfo".into(), "key_compromise".into())],
            1
        );
        // 0a was replaced by 0c: only 0c (July 2027, month 19) is in the wave.
        let wave = r.wave_totals();
        assert_eq!(wave.iter().sum::<u64>(), 1);
        assert_eq!(wave[18], 1);
        assert_eq!(r.valid_at_year_end, 2);
    }

    #[test]
    fn the_watch_list_names_certificates_expiring_within_the_window() {
        let nip1 = "198001012005011001";
        let mut facts = vec![
            at(
                1,
                datetime!(2025-01-02 03:00 UTC),
                Fact::CertificateIssued(cert("01", Some(nip1), datetime!(2025-06-20 00:00 UTC))),
            ),
            at(
                2,
                datetime!(2025-01-02 03:00 UTC),
                Fact::CertificateIssued(cert("02", None, datetime!(2025-09-20 00:00 UTC))),
            ),
        ];
        let now = datetime!(2025-06-01 00:00 UTC);
        let list = expiry_watch(&mut facts, &roster(), &HashMap::new(), now, 30);
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].serial, "01");
        assert_eq!(list[0].days_left, 19);
        assert_eq!(list[0].name.as_deref(), Some("ASN 198001012005011001"));
    }

    #[test]
    fn coverage_percent_rounds_half_up() {
        let c = Coverage {
            asn: 3,
            with_certificate: 2,
        };
        assert_eq!(c.percent_text(), "66.7");
        assert_eq!(Coverage::default().percent_text(), "0.0");
    }
}
