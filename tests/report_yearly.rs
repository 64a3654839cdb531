//! The yearly report's CSV numbers against counts the test computes itself.
//!
//! A real SQLite store is seeded with 20,000 ASN in 40 departments and a year of ledger events
//! (applications, approvals, rejections, issued certificates, renewals, revocations,
//! incidents, plus events of the years before and after and of unrelated kinds) drawn from a
//! seeded RNG. The expected numbers are counted straight from the generator's own records,
//! never through the report code, and compared with every cell of the CSV.

use std::collections::{BTreeMap, HashMap};

use kustodi::domain::report::RosterEntry;
use kustodi::ports::{CheckpointSigner, SignError};
use kustodi::reports::{self, SettableClock, synthetic_department, synthetic_nip};
use kustodi::store::{SqliteStore, StoreError};
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::EncodePublicKey as _;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::macros::offset;
use time::{Duration, OffsetDateTime};

const YEAR: i32 = 2025;
const ASN: u64 = 20_000;
const DEPARTMENTS: usize = 40;

struct Signer(SigningKey);

impl CheckpointSigner for Signer {
    fn key_id(&self) -> String {
        kustodi::domain::ledger::key_id_of(&self.public_key_spki_der())
    }
    fn public_key_spki_der(&self) -> Vec<u8> {
        self.0
            .verifying_key()
            .to_public_key_der()
            .unwrap()
            .as_bytes()
            .to_vec()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let sig: DerSignature = self.0.sign(message);
        Ok(sig.as_bytes().to_vec())
    }
}

/// SplitMix64: small, seeded, good enough to spread test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    /// A random instant in `[from, from + span)`.
    fn within(&mut self, from: OffsetDateTime, span: Duration) -> OffsetDateTime {
        from + Duration::milliseconds(self.below(span.whole_milliseconds() as u64) as i64)
    }
}

fn wib() -> time::UtcOffset {
    offset!(+7)
}

/// Midnight WIB at the start of `year`.
fn new_year(year: i32) -> OffsetDateTime {
    time::Date::from_calendar_date(year, time::Month::January, 1)
        .unwrap()
        .midnight()
        .assume_offset(wib())
}

fn month_of(t: OffsetDateTime) -> String {
    let d = t.to_offset(wib()).date();
    format!("{:04}-{:02}", d.year(), u8::from(d.month()))
}

fn in_year(t: OffsetDateTime) -> bool {
    t.to_offset(wib()).year() == YEAR
}

/// One generated event, as appended.
struct Rec {
    time: OffsetDateTime,
    kind: &'static str,
    subject: String,
    data: Value,
}

/// One generated certificate, as the generator knows it.
struct Cert {
    holder: Option<u64>,
    department: String,
    issued: OffsetDateTime,
    not_after: OffsetDateTime,
    revoked: Option<OffsetDateTime>,
    superseded: Option<OffsetDateTime>,
}

#[derive(Default)]
struct Expected {
    /// (department, YYYY-MM, metric) → count, for events inside the year.
    activity: BTreeMap<(String, String, &'static str), u64>,
    revoked_by_reason: BTreeMap<(String, String), u64>,
    incidents: BTreeMap<(String, String), u64>,
    /// department → (asn, with certificate)
    coverage: BTreeMap<String, (u64, u64)>,
    /// (department, YYYY-MM) → expiring
    wave: BTreeMap<(String, String), u64>,
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

struct World {
    recs: Vec<Rec>,
    certs: Vec<Cert>,
    expected: Expected,
    roster: Vec<RosterEntry>,
}

fn dept_of(asn: u64) -> String {
    synthetic_department((asn % DEPARTMENTS as u64) as usize)
}

fn generate(seed: u64) -> World {
    let mut rng = Rng(seed);
    let start = new_year(YEAR);
    let end = new_year(YEAR + 1);
    let year = end - start;
    let roster: Vec<RosterEntry> = (0..ASN)
        .map(|i| RosterEntry {
            nip: synthetic_nip(i),
            name: format!("ASN {i}"),
            department: dept_of(i),
            position: None,
        })
        .collect();
    let mut recs = vec![];
    let mut certs: Vec<Cert> = vec![];
    let count = |e: &mut Expected, dept: &str, t: OffsetDateTime, metric: &'static str| {
        if in_year(t) {
            *e.activity
                .entry((dept.to_owned(), month_of(t), metric))
                .or_insert(0) += 1;
        }
    };
    let mut e = Expected::default();
    let mut serial_no = 0u64;
    let mut issue = |recs: &mut Vec<Rec>,
                     certs: &mut Vec<Cert>,
                     holder: Option<u64>,
                     department: String,
                     at: OffsetDateTime,
                     not_after: OffsetDateTime,
                     app: Option<String>,
                     name_department: bool|
     -> usize {
        serial_no += 1;
        let serial = format!("{:x}", 0x5000_0000u64 + serial_no);
        let mut data = json!({"serial": serial, "not_after": rfc3339(not_after),
                              "kind": if holder.is_some() { "individual" } else { "system" },
                              "token": format!("TOK-{serial_no}")});
        if let Some(h) = holder {
            data["nip"] = json!(synthetic_nip(h));
        }
        if name_department {
            data["department"] = json!(department);
        }
        if let Some(a) = app {
            data["application"] = json!(a);
        }
        recs.push(Rec {
            time: at,
            kind: "certificate.issued",
            subject: serial,
            data,
        });
        certs.push(Cert {
            holder,
            department,
            issued: at,
            not_after,
            revoked: None,
            superseded: None,
        });
        certs.len() - 1
    };

    // Certificates of the year before (some expire during the year).
    for asn in 0..ASN {
        if rng.chance(30) {
            let at = rng.within(start - Duration::days(365), Duration::days(360));
            let not_after = at + Duration::days(365 + rng.below(400) as i64);
            let i = issue(
                &mut recs,
                &mut certs,
                Some(asn),
                dept_of(asn),
                at,
                not_after,
                None,
                rng.chance(50),
            );
            count(&mut e, &dept_of(asn), at, "issued");
            let _ = i;
        }
    }
    // Applications of the year: approved ones are issued a few days later (some in the next
    // year), rejected ones are not.
    let mut app_no = 0;
    for _ in 0..9_000 {
        let asn = rng.below(ASN);
        let dept = dept_of(asn);
        app_no += 1;
        let app = format!("APP-{app_no:06}");
        let at = rng.within(start, year);
        recs.push(Rec {
            time: at,
            kind: "application.submitted",
            subject: app.clone(),
            data: json!({"kind": "individual", "department": dept, "form_sha256": "00"}),
        });
        count(&mut e, &dept, at, "submitted");
        let decided = at + Duration::hours(1 + rng.below(96) as i64);
        if rng.chance(85) {
            recs.push(Rec {
                time: decided,
                kind: "application.approved",
                subject: app.clone(),
                data: json!({"from": "submitted"}),
            });
            count(&mut e, &dept, decided, "approved");
            let issued = decided + Duration::hours(1 + rng.below(72) as i64);
            let not_after =
                issued + Duration::days(365 * (1 + rng.below(3) as i64) + rng.below(30) as i64);
            issue(
                &mut recs,
                &mut certs,
                Some(asn),
                dept.clone(),
                issued,
                not_after,
                Some(app),
                rng.chance(90),
            );
            count(&mut e, &dept, issued, "issued");
        } else {
            recs.push(Rec {
                time: decided,
                kind: "application.rejected",
                subject: app.clone(),
                data: json!({"from": "submitted", "reason": "berkas tidak lengkap"}),
            });
            count(&mut e, &dept, decided, "rejected");
        }
    }
    // System certificates (no NIP): they count as issued but never as ASN coverage.
    for k in 0..200u64 {
        let dept = synthetic_department((k % DEPARTMENTS as u64) as usize);
        let at = rng.within(start, year);
        let not_after = at + Duration::days(700);
        issue(
            &mut recs,
            &mut certs,
            None,
            dept.clone(),
            at,
            not_after,
            None,
            true,
        );
        count(&mut e, &dept, at, "issued");
    }
    // Renewals: certificates expiring soon are renewed 1–30 days before they expire.
    let n = certs.len();
    let mut renewals = 0;
    for i in 0..n {
        let c = &certs[i];
        let Some(holder) = c.holder else { continue };
        let at = c.not_after - Duration::days(1 + rng.below(30) as i64);
        if at <= c.issued || !in_year(at) || !rng.chance(60) {
            continue;
        }
        renewals += 1;
        let dept = c.department.clone();
        let not_after = at + Duration::days(730);
        serial_no += 1;
        let serial = format!("{:x}", 0x5000_0000u64 + serial_no);
        let previous = format!("{:x}", 0x5000_0000u64 + (i as u64) + 1);
        recs.push(Rec {
            time: at,
            kind: "certificate.renewed",
            subject: serial.clone(),
            data: json!({"serial": serial, "previous_serial": previous, "nip": synthetic_nip(holder),
                         "not_after": rfc3339(not_after), "kind": "individual"}),
        });
        certs[i].superseded = Some(at);
        certs.push(Cert {
            holder: Some(holder),
            department: dept.clone(),
            issued: at,
            not_after,
            revoked: None,
            superseded: None,
        });
        count(&mut e, &dept, at, "renewed");
    }
    assert!(renewals > 500, "only {renewals} renewals");
    // Revocations (some of them after the year end, which must not count).
    const REASONS: [&str; 4] = [
        "key_compromise",
        "affiliation_changed",
        "superseded",
        "cessation_of_operation",
    ];
    for (i, c) in certs.iter_mut().enumerate() {
        if !rng.chance(4) {
            continue;
        }
        let at = c.issued + Duration::hours(1 + rng.below(24 * 200) as i64);
        if at >= c.not_after || at >= end + Duration::days(20) {
            continue;
        }
        let reason = REASONS[rng.below(4) as usize];
        recs.push(Rec {
            time: at,
            kind: "certificate.revoked",
            subject: format!("{:x}", 0x5000_0000u64 + (i as u64) + 1),
            data: json!({"serial": format!("{:x}", 0x5000_0000u64 + (i as u64) + 1), "reason": reason}),
        });
        c.revoked = Some(at);
        count(&mut e, &c.department, at, "revoked");
        if in_year(at) {
            *e.revoked_by_reason
                .entry((c.department.clone(), reason.to_owned()))
                .or_insert(0) += 1;
        }
    }
    // Incidents: half linked to a certificate (its department), half to nothing.
    const CATEGORIES: [&str; 6] = [
        "lost_key",
        "damaged_key",
        "authentication",
        "authenticity",
        "non_repudiation",
        "other",
    ];
    for k in 0..300u64 {
        let at = rng.within(start, year);
        let category = CATEGORIES[rng.below(6) as usize];
        // Only certificates issued before the year end are known to the report.
        let linked = if rng.chance(50) {
            let mut i = rng.below(certs.len() as u64) as usize;
            while certs[i].issued >= end {
                i = rng.below(certs.len() as u64) as usize;
            }
            Some(i)
        } else {
            None
        };
        let mut data = json!({"category": category, "summary": "uji"});
        let dept = match linked {
            Some(i) => {
                data["certificate"] = json!(format!("{:x}", 0x5000_0000u64 + (i as u64) + 1));
                certs[i].department.clone()
            }
            None => "-".to_owned(),
        };
        recs.push(Rec {
            time: at,
            kind: "incident.recorded",
            subject: format!("INC-{k:06}"),
            data,
        });
        count(&mut e, &dept, at, "incidents");
        *e.incidents
            .entry((month_of(at), category.to_owned()))
            .or_insert(0) += 1;
    }
    // Unrelated custody events.
    for k in 0..2_000u64 {
        recs.push(Rec {
            time: rng.within(start - Duration::days(30), year + Duration::days(60)),
            kind: "document.attached",
            subject: format!("APP-{:06}", k + 1),
            data: json!({"n": k}),
        });
    }

    // Coverage and expiry wave, from the generator's certificates.
    let mut covered = vec![false; ASN as usize];
    for c in &certs {
        let valid = c.issued < end && c.not_after >= end && c.revoked.is_none_or(|r| r >= end);
        if !valid {
            continue;
        }
        if let Some(h) = c.holder {
            covered[h as usize] = true;
        }
        if c.superseded.is_some_and(|s| s < end) {
            continue;
        }
        let m = month_of(c.not_after);
        if m.as_str() <= format!("{}-12", YEAR + 2).as_str() {
            *e.wave.entry((c.department.clone(), m)).or_insert(0) += 1;
        }
    }
    for asn in 0..ASN {
        let entry = e.coverage.entry(dept_of(asn)).or_insert((0, 0));
        entry.0 += 1;
        entry.1 += u64::from(covered[asn as usize]);
    }
    recs.sort_by_key(|r| r.time);
    World {
        recs,
        certs,
        expected: e,
        roster,
    }
}

fn seed_store(path: &std::path::Path, world: &World) {
    let mut store = SqliteStore::open(path).unwrap();
    let signer = Signer(SigningKey::from_slice(&[7u8; 32]).unwrap());
    let clock = SettableClock::new(new_year(YEAR) - Duration::days(400));
    store
        .unit_of_work(&signer, &clock, |tx| {
            tx.replace_roster(&world.roster).map(|_| ())
        })
        .unwrap();
    for chunk in world.recs.chunks(5_000) {
        store
            .unit_of_work(&signer, &clock, |tx| {
                for r in chunk {
                    clock.set(r.time);
                    tx.append_event(
                        r.kind,
                        &r.subject,
                        "officer:198001012005011001",
                        r.data.clone(),
                    )?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }
    let report = store.verify_ledger(None).unwrap();
    assert_eq!(report.events, world.recs.len() as u64 + 1);
}

fn csv_split(line: &str) -> Vec<String> {
    let mut out = vec![];
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    out.push(field);
    out
}

type Cells = HashMap<(String, String, String, String), String>;

fn parse_csv(csv: &str) -> Cells {
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("section,department,period,metric,value"));
    let mut cells = HashMap::new();
    for line in lines {
        let f = csv_split(line);
        assert_eq!(f.len(), 5, "{line}");
        let key = (f[0].clone(), f[1].clone(), f[2].clone(), f[3].clone());
        assert!(
            cells.insert(key, f[4].clone()).is_none(),
            "duplicate row {line}"
        );
    }
    cells
}

fn num(cells: &Cells, section: &str, dept: &str, period: &str, metric: &str) -> u64 {
    cells
        .get(&(section.into(), dept.into(), period.into(), metric.into()))
        .map(|v| v.parse().unwrap())
        .unwrap_or(0)
}

#[test]
fn yearly_csv_matches_counts_taken_straight_from_the_generated_year() {
    let world = generate(0x4b55_5354_4f44_4921);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kustodi.db");
    seed_store(&path, &world);
    let store = SqliteStore::open(&path).unwrap();

    let y = reports::yearly(&store, YEAR).unwrap();
    assert!(y.unreadable.is_empty(), "{:?}", y.unreadable);
    let cells = parse_csv(&reports::yearly_csv(&y));
    let e = &world.expected;

    // Activity: every department × month × metric, both ways.
    let mut departments: Vec<String> = (0..DEPARTMENTS).map(synthetic_department).collect();
    departments.push("-".into());
    let metrics = [
        "submitted",
        "approved",
        "rejected",
        "issued",
        "renewed",
        "revoked",
        "incidents",
    ];
    let mut checked = 0;
    for d in &departments {
        for m in 1..=12u8 {
            let period = format!("{YEAR}-{m:02}");
            for metric in metrics {
                let want = e
                    .activity
                    .get(&(d.clone(), period.clone(), metric))
                    .copied()
                    .unwrap_or(0);
                assert_eq!(
                    num(&cells, "activity", d, &period, metric),
                    want,
                    "{d} {period} {metric}"
                );
                checked += want;
            }
        }
    }
    let expected_total: u64 = e.activity.values().sum();
    assert_eq!(
        checked, expected_total,
        "activity outside the 41 departments"
    );
    for metric in metrics {
        let want: u64 = e
            .activity
            .iter()
            .filter(|((_, _, m), _)| *m == metric)
            .map(|(_, n)| n)
            .sum();
        assert_eq!(
            num(&cells, "activity", "*", &YEAR.to_string(), metric),
            want,
            "{metric}"
        );
        assert!(want > 0, "the generated year has no {metric}");
    }

    // Revocations by reason, incidents by category and month.
    for ((d, reason), n) in &e.revoked_by_reason {
        assert_eq!(
            num(&cells, "revoked_by_reason", d, &YEAR.to_string(), reason),
            *n
        );
    }
    let csv_revocations: u64 = cells
        .iter()
        .filter(|((s, d, _, _), _)| s == "revoked_by_reason" && d != "*")
        .map(|(_, v)| v.parse::<u64>().unwrap())
        .sum();
    assert_eq!(csv_revocations, e.revoked_by_reason.values().sum::<u64>());
    for ((month, category), n) in &e.incidents {
        assert_eq!(
            num(&cells, "incidents_by_category", "*", month, category),
            *n
        );
    }

    // Coverage per department and in total.
    let end = format!("{YEAR}-12-31");
    let (mut asn, mut with) = (0, 0);
    for (d, (a, w)) in &e.coverage {
        assert_eq!(num(&cells, "coverage", d, &end, "asn"), *a, "{d}");
        assert_eq!(
            num(&cells, "coverage", d, &end, "with_certificate"),
            *w,
            "{d}"
        );
        assert_eq!(
            num(&cells, "coverage", d, &end, "without_certificate"),
            a - w,
            "{d}"
        );
        // Tenths of a percent, rounded half up (the documented rule).
        let tenths = (w * 2000 + a) / (2 * a);
        let percent = format!("{}.{}", tenths / 10, tenths % 10);
        assert_eq!(
            cells[&("coverage".into(), d.clone(), end.clone(), "percent".into())],
            percent
        );
        asn += a;
        with += w;
    }
    assert_eq!(asn, ASN);
    assert_eq!(num(&cells, "coverage", "*", &end, "with_certificate"), with);
    assert!(with > 1_000 && with < ASN, "coverage {with} of {ASN}");

    // Expiry wave: 24 months after the year end, per department.
    for d in &departments {
        for i in 0..24 {
            let period = format!("{}-{:02}", YEAR + 1 + i / 12, i % 12 + 1);
            let want = e
                .wave
                .get(&(d.clone(), period.clone()))
                .copied()
                .unwrap_or(0);
            assert_eq!(
                num(&cells, "expiry_wave", d, &period, "expiring"),
                want,
                "{d} {period}"
            );
        }
    }
    assert!(e.wave.values().sum::<u64>() > 1_000);
    assert!(world.certs.len() > 10_000);

    // The other formats render the same report.
    let msg = kustodi::i18n::Messages::new(kustodi::i18n::Lang::Id);
    let blocks = reports::yearly_blocks(&msg, "OP Kabupaten Bekasi", &y, OffsetDateTime::now_utc());
    let md = reports::to_markdown(&blocks);
    assert!(md.contains("Cakupan sertifikat ASN"));
    assert!(md.contains(&format!("{with} dari {ASN} ASN")));
    let pdf = reports::text_to_pdf(&reports::to_text(&blocks), "2025");
    assert!(pdf.starts_with(b"%PDF-1.4") && pdf.ends_with(b"%%EOF\n"));
}
