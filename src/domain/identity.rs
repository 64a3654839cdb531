//! Indonesian identity numbers: NIK (e-KTP) and NIP (civil-servant number).
//!
//! Pure structural checks; nothing here asks Dukcapil or BKN whether a number was really
//! issued. Every rule that fails is reported as its own [`Problem`], and all of them are
//! reported, not only the first.
//!
//! Privacy: a NIK (and a NIP) is personal data (UU 27/2022 tentang Pelindungan Data
//! Pribadi). [`Nik`] and [`Nip`] therefore do not echo the full number in their `Debug`
//! output, and problems never carry the full number in their arguments.

use std::fmt;

use serde::Serialize;
use time::{Date, Month};

use super::problem::Problem;

/// Gender as encoded in the NIK (day + 40) and in the NIP (digit 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Female,
    Male,
}

impl Gender {
    /// Stable lower-case name, used as the value of Fluent selector arguments.
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
        }
    }
}

/// Province codes that may start a NIK.
///
/// Source: the Kemendagri region codes used by Dukcapil for the NIK, Kepmendagri
/// No. 100.1.1-6117 Tahun 2022 tentang Pemberian dan Pemutakhiran Kode, Data Wilayah
/// Administrasi Pemerintahan dan Pulau (38 provinces), plus the codes in force before the
/// 2022 Papua split (Permendagri No. 72 Tahun 2019: 91 Papua Barat, 94 Papua), because a NIK
/// keeps the code of the region where it was first issued.
///
/// - 11 Aceh, 12 Sumatera Utara, 13 Sumatera Barat, 14 Riau, 15 Jambi, 16 Sumatera Selatan,
///   17 Bengkulu, 18 Lampung, 19 Kepulauan Bangka Belitung, 21 Kepulauan Riau
/// - 31 DKI Jakarta, 32 Jawa Barat, 33 Jawa Tengah, 34 DI Yogyakarta, 35 Jawa Timur, 36 Banten
/// - 51 Bali, 52 Nusa Tenggara Barat, 53 Nusa Tenggara Timur
/// - 61 Kalimantan Barat, 62 Kalimantan Tengah, 63 Kalimantan Selatan, 64 Kalimantan Timur,
///   65 Kalimantan Utara
/// - 71 Sulawesi Utara, 72 Sulawesi Tengah, 73 Sulawesi Selatan, 74 Sulawesi Tenggara,
///   75 Gorontalo, 76 Sulawesi Barat
/// - 81 Maluku, 82 Maluku Utara
/// - 91 Papua, 92 Papua Barat, 93 Papua Selatan, 94 Papua Tengah, 95 Papua Pegunungan,
///   96 Papua Barat Daya (Kemendagri 2022; before 2022: 91 Papua Barat, 94 Papua)
///
/// 97 is deliberately absent: it is Papua Pegunungan only in the *BPS* statistical coding
/// (BPS: 91 Papua Barat, 92 Papua Barat Daya, 94 Papua, 95 Papua Selatan, 96 Papua Tengah,
/// 97 Papua Pegunungan), which Dukcapil does not use for the NIK.
pub const NIK_PROVINCE_CODES: &[u8] = &[
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, // Sumatera
    31, 32, 33, 34, 35, 36, // Jawa
    51, 52, 53, // Bali, Nusa Tenggara
    61, 62, 63, 64, 65, // Kalimantan
    71, 72, 73, 74, 75, 76, // Sulawesi
    81, 82, // Maluku
    91, 92, 93, 94, 95, 96, // Papua
];

/// Birth date as written in a NIK: day (already minus 40 for women), month, 2-digit year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NikBirth {
    pub day: u8,
    pub month: u8,
    pub yy: u8,
}

impl NikBirth {
    /// The dates this birth could be: in 19YY and/or in 20YY, whichever exist.
    pub fn candidates(self) -> Vec<Date> {
        let Ok(month) = Month::try_from(self.month) else {
            return Vec::new();
        };
        [1900, 2000]
            .into_iter()
            .filter_map(|century| {
                Date::from_calendar_date(century + i32::from(self.yy), month, self.day).ok()
            })
            .collect()
    }

    /// The latest candidate that is not after `today` (a 2-digit year is resolved to the
    /// century that does not put the birth in the future).
    pub fn resolve(self, today: Date) -> Option<Date> {
        self.candidates().into_iter().rev().find(|d| *d <= today)
    }
}

impl fmt::Display for NikBirth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}-{:02}", self.day, self.month, self.yy)
    }
}

/// A structurally valid NIK: `PP KK CC DDMMYY SSSS`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Nik {
    pub province: u8,
    pub regency: u8,
    pub district: u8,
    pub birth: NikBirth,
    /// The birth date resolved with [`NikBirth::resolve`] against the `today` of parsing.
    pub birth_date: Date,
    pub gender: Gender,
    pub serial: u16,
}

impl Nik {
    /// Parses and checks a NIK; on failure returns every problem found, with field `nik`.
    pub fn parse(input: &str, today: Date) -> Result<Nik, Vec<Problem>> {
        parse_nik("nik", input, today)
    }

    /// The dates the 2-digit year allows (19YY and/or 20YY).
    pub fn birth_date_candidates(&self) -> Vec<Date> {
        self.birth.candidates()
    }

    /// The region part `PP.KK.CC`, e.g. `32.16.05` (Kabupaten Bekasi, Kecamatan ...).
    pub fn region(&self) -> String {
        format!(
            "{:02}.{:02}.{:02}",
            self.province, self.regency, self.district
        )
    }
}

impl fmt::Debug for Nik {
    // Personal data: show the region only, not the birth date and serial.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Nik")
            .field("region", &self.region())
            .field("birth", &"<redacted>")
            .field("serial", &"<redacted>")
            .finish()
    }
}

/// A structurally valid NIP: `YYYYMMDD YYYYMM G SSS`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Nip {
    pub birth_date: Date,
    /// TMT CPNS (start of civil service), year and month.
    pub appointment_year: i32,
    pub appointment_month: Month,
    pub gender: Gender,
    pub serial: u16,
}

impl Nip {
    /// Parses and checks a NIP; on failure returns every problem found, with field `nip`.
    pub fn parse(input: &str, today: Date) -> Result<Nip, Vec<Problem>> {
        parse_nip("nip", input, today)
    }
}

impl fmt::Debug for Nip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Nip")
            .field("appointment_year", &self.appointment_year)
            .field("appointment_month", &self.appointment_month)
            .field("birth", &"<redacted>")
            .finish()
    }
}

/// Oldest plausible birth year in a NIP.
pub const NIP_MIN_BIRTH_YEAR: i32 = 1900;
/// A CPNS must be at least 18 years old (UU 20/2023 tentang ASN and PP 11/2017 Pasal 23:
/// "usia paling rendah 18 tahun"). The TMT CPNS must not be before the calendar month in
/// which the person turned 18.
pub const NIP_MIN_AGE_AT_APPOINTMENT: i32 = 18;

/// What could be learnt from a NIK even when some rule failed.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NikFacts {
    /// Present when day, month and year form a real date.
    pub birth: Option<NikBirth>,
    /// Present when the day field is in 01–31 or 41–71.
    pub gender: Option<Gender>,
}

/// What could be learnt from a NIP even when some rule failed.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NipFacts {
    pub birth_date: Option<Date>,
    pub gender: Option<Gender>,
}

fn digits_problems(
    field: &str,
    input: &str,
    expected: usize,
    prefix: &'static str,
) -> Vec<Problem> {
    let (missing, length, not_digits) = match prefix {
        "nik" => ("nik.missing", "nik.length", "nik.not_digits"),
        _ => ("nip.missing", "nip.length", "nip.not_digits"),
    };
    if input.is_empty() {
        return vec![Problem::new(field, missing)];
    }
    let mut problems = Vec::new();
    let length_chars = input.chars().count();
    if length_chars != expected {
        problems.push(
            Problem::new(field, length)
                .with("length", length_chars)
                .with("expected", expected),
        );
    }
    if !input.bytes().all(|b| b.is_ascii_digit()) {
        problems.push(Problem::new(field, not_digits));
    }
    problems
}

/// Two ASCII digits at `at` as a number (caller guarantees digits).
fn num2(s: &[u8], at: usize) -> u8 {
    (s[at] - b'0') * 10 + (s[at + 1] - b'0')
}

fn num(s: &[u8], range: std::ops::Range<usize>) -> u32 {
    s[range]
        .iter()
        .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
}

pub(crate) fn analyze_nik(field: &str, input: &str, today: Date) -> (NikFacts, Vec<Problem>) {
    let mut facts = NikFacts::default();
    let mut problems = digits_problems(field, input, 16, "nik");
    if !problems.is_empty() {
        return (facts, problems);
    }
    let s = input.as_bytes();
    let province = num2(s, 0);
    if !NIK_PROVINCE_CODES.contains(&province) {
        problems.push(
            Problem::new(field, "nik.province_unknown").with("province", format!("{province:02}")),
        );
    }
    if num2(s, 2) == 0 {
        problems.push(Problem::new(field, "nik.regency_zero"));
    }
    if num2(s, 4) == 0 {
        problems.push(Problem::new(field, "nik.district_zero"));
    }
    let raw_day = num2(s, 6);
    let day = match raw_day {
        1..=31 => {
            facts.gender = Some(Gender::Male);
            Some(raw_day)
        }
        41..=71 => {
            facts.gender = Some(Gender::Female);
            Some(raw_day - 40)
        }
        _ => {
            problems
                .push(Problem::new(field, "nik.day_invalid").with("day", format!("{raw_day:02}")));
            None
        }
    };
    let month = num2(s, 8);
    if !(1..=12).contains(&month) {
        problems
            .push(Problem::new(field, "nik.month_invalid").with("month", format!("{month:02}")));
    }
    let yy = num2(s, 10);
    if let (Some(day), true) = (day, (1..=12).contains(&month)) {
        let birth = NikBirth { day, month, yy };
        if birth.candidates().is_empty() {
            problems.push(Problem::new(field, "nik.date_invalid").with("date", birth));
        } else {
            facts.birth = Some(birth);
            if birth.resolve(today).is_none() {
                problems.push(Problem::new(field, "nik.birth_in_future").with("date", birth));
            }
        }
    }
    if num(s, 12..16) == 0 {
        problems.push(Problem::new(field, "nik.serial_zero"));
    }
    (facts, problems)
}

/// Parses and checks a NIK, reporting problems against `field` (e.g. `applicant.nik`).
pub fn parse_nik(field: &str, input: &str, today: Date) -> Result<Nik, Vec<Problem>> {
    let (facts, problems) = analyze_nik(field, input, today);
    if !problems.is_empty() {
        return Err(problems);
    }
    let s = input.as_bytes();
    // No problems means every fact is present and the birth resolves.
    match (facts.birth, facts.gender) {
        (Some(birth), Some(gender)) => match birth.resolve(today) {
            Some(birth_date) => Ok(Nik {
                province: num2(s, 0),
                regency: num2(s, 2),
                district: num2(s, 4),
                birth,
                birth_date,
                gender,
                serial: num(s, 12..16) as u16,
            }),
            None => Err(vec![
                Problem::new(field, "nik.birth_in_future").with("date", birth),
            ]),
        },
        _ => Err(vec![
            Problem::new(field, "nik.date_invalid").with("date", &input[6..12]),
        ]),
    }
}

pub(crate) fn analyze_nip(field: &str, input: &str, today: Date) -> (NipFacts, Vec<Problem>) {
    let mut facts = NipFacts::default();
    let mut problems = digits_problems(field, input, 18, "nip");
    if !problems.is_empty() {
        return (facts, problems);
    }
    let s = input.as_bytes();
    let birth_year = num(s, 0..4) as i32;
    let birth_month = num(s, 4..6) as u8;
    let birth_day = num(s, 6..8) as u8;
    let birth = Month::try_from(birth_month)
        .ok()
        .and_then(|m| Date::from_calendar_date(birth_year, m, birth_day).ok());
    match birth {
        None => {
            problems.push(Problem::new(field, "nip.birth_date_invalid").with("date", &input[0..8]))
        }
        Some(date) => {
            facts.birth_date = Some(date);
            if birth_year < NIP_MIN_BIRTH_YEAR {
                problems.push(
                    Problem::new(field, "nip.birth_too_early")
                        .with("year", birth_year)
                        .with("min", NIP_MIN_BIRTH_YEAR),
                );
            }
            if date > today {
                problems.push(Problem::new(field, "nip.birth_in_future").with("date", date));
            }
        }
    }

    let appointment_year = num(s, 8..12) as i32;
    let appointment_month = num(s, 12..14) as u8;
    let appointment = format!("{appointment_year:04}-{appointment_month:02}");
    match Month::try_from(appointment_month) {
        Err(_) => problems.push(
            Problem::new(field, "nip.appointment_month_invalid")
                .with("month", format!("{appointment_month:02}")),
        ),
        Ok(_) => {
            let appointed = (appointment_year, appointment_month);
            if appointed > (today.year(), u8::from(today.month())) {
                problems.push(
                    Problem::new(field, "nip.appointment_in_future")
                        .with("appointment", &appointment),
                );
            }
            if let Some(birth) = birth {
                let adult = (
                    birth.year() + NIP_MIN_AGE_AT_APPOINTMENT,
                    u8::from(birth.month()),
                );
                if appointed < adult {
                    problems.push(
                        Problem::new(field, "nip.appointment_before_age_18")
                            .with("appointment", &appointment)
                            .with("birth", birth),
                    );
                }
            }
        }
    }

    match s[14] {
        b'1' => facts.gender = Some(Gender::Male),
        b'2' => facts.gender = Some(Gender::Female),
        other => problems
            .push(Problem::new(field, "nip.gender_invalid").with("digit", char::from(other))),
    }
    if num(s, 15..18) == 0 {
        problems.push(Problem::new(field, "nip.serial_zero"));
    }
    (facts, problems)
}

/// Parses and checks a NIP, reporting problems against `field` (e.g. `applicant.nip`).
pub fn parse_nip(field: &str, input: &str, today: Date) -> Result<Nip, Vec<Problem>> {
    let (facts, problems) = analyze_nip(field, input, today);
    if !problems.is_empty() {
        return Err(problems);
    }
    let s = input.as_bytes();
    match (facts.birth_date, facts.gender) {
        (Some(birth_date), Some(gender)) => Ok(Nip {
            birth_date,
            appointment_year: num(s, 8..12) as i32,
            appointment_month: Month::try_from(num(s, 12..14) as u8).unwrap_or(Month::January),
            gender,
            serial: num(s, 15..18) as u16,
        }),
        _ => Err(vec![
            Problem::new(field, "nip.birth_date_invalid").with("date", &input[0..8]),
        ]),
    }
}

/// NIK/NIP consistency: same birth date (day, month, 2-digit year) and same gender.
/// Problems are reported against `field` (the NIP's field, e.g. `applicant.nip`).
pub fn check_nik_nip_consistency(field: &str, nik: &Nik, nip: &Nip) -> Vec<Problem> {
    consistency(
        field,
        NikFacts {
            birth: Some(nik.birth),
            gender: Some(nik.gender),
        },
        NipFacts {
            birth_date: Some(nip.birth_date),
            gender: Some(nip.gender),
        },
    )
}

/// Compares whatever is known of both numbers; unknown parts are not compared (their own
/// problems were already reported).
pub(crate) fn consistency(field: &str, nik: NikFacts, nip: NipFacts) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let (Some(nik_birth), Some(nip_birth)) = (nik.birth, nip.birth_date) {
        let same = nik_birth.day == nip_birth.day()
            && nik_birth.month == u8::from(nip_birth.month())
            && i32::from(nik_birth.yy) == nip_birth.year().rem_euclid(100);
        if !same {
            problems.push(
                Problem::new(field, "identity.birth_date_mismatch")
                    .with("nik_birth", nik_birth)
                    .with("nip_birth", nip_birth),
            );
        }
    }
    if let (Some(nik_gender), Some(nip_gender)) = (nik.gender, nip.gender)
        && nik_gender != nip_gender
    {
        problems.push(
            Problem::new(field, "identity.gender_mismatch")
                .with("nik_gender", nik_gender.as_str())
                .with("nip_gender", nip_gender.as_str()),
        );
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 24);

    fn codes(r: Result<impl Sized, Vec<Problem>>) -> Vec<&'static str> {
        match r {
            Ok(_) => Vec::new(),
            Err(ps) => ps.into_iter().map(|p| p.code).collect(),
        }
    }

    fn nik_codes(s: &str) -> Vec<&'static str> {
        codes(Nik::parse(s, TODAY))
    }

    fn nip_codes(s: &str) -> Vec<&'static str> {
        codes(Nip::parse(s, TODAY))
    }

    #[test]
    fn nik_of_a_man_born_in_bekasi_parses_into_its_parts() {
        let nik = Nik::parse("3216051203850001", TODAY).unwrap();
        assert_eq!((nik.province, nik.regency, nik.district), (32, 16, 5));
        assert_eq!(
            nik.birth,
            NikBirth {
                day: 12,
                month: 3,
                yy: 85
            }
        );
        assert_eq!(nik.birth_date, date!(1985 - 03 - 12));
        assert_eq!(nik.gender, Gender::Male);
        assert_eq!(nik.serial, 1);
    }

    #[test]
    fn nik_with_day_plus_40_is_a_woman_born_that_day() {
        let nik = Nik::parse("3216055208900001", TODAY).unwrap();
        assert_eq!(nik.gender, Gender::Female);
        assert_eq!(nik.birth_date, date!(1990 - 08 - 12));
    }

    #[test]
    fn nik_from_outside_bekasi_is_accepted() {
        // Papua Barat Daya (96) and DKI Jakarta (31): the NIK keeps the first region.
        assert!(Nik::parse("9601011505950001", TODAY).is_ok());
        assert!(Nik::parse("3171011505950001", TODAY).is_ok());
    }

    #[test]
    fn nik_two_digit_year_prefers_the_century_not_in_the_future() {
        let nik = Nik::parse("3216050101050001", TODAY).unwrap();
        assert_eq!(nik.birth_date, date!(2005 - 01 - 01));
        assert_eq!(
            nik.birth_date_candidates(),
            vec![date!(1905 - 01 - 01), date!(2005 - 01 - 01)]
        );
        // 99 cannot be 2099 yet.
        let nik = Nik::parse("3216050101990001", TODAY).unwrap();
        assert_eq!(nik.birth_date, date!(1999 - 01 - 01));
    }

    #[test]
    fn nik_29_february_2000_is_valid_although_1900_was_not_leap() {
        let nik = Nik::parse("3216052902000001", TODAY).unwrap();
        assert_eq!(nik.birth_date, date!(2000 - 02 - 29));
        assert_eq!(nik.birth_date_candidates(), vec![date!(2000 - 02 - 29)]);
    }

    #[test]
    fn nik_table_of_invalid_numbers_reports_the_right_codes() {
        let table: &[(&str, &str, &[&str])] = &[
            ("29 Feb in a leap year", "3216052902880001", &[]),
            ("woman, 29 Feb in a leap year", "3216056902880001", &[]),
            (
                "29 Feb in a non-leap year",
                "3216052902890001",
                &["nik.date_invalid"],
            ),
            ("31 April", "3216053104900001", &["nik.date_invalid"]),
            ("woman, 31 April", "3216057104900001", &["nik.date_invalid"]),
            ("day 00", "3216050003900001", &["nik.day_invalid"]),
            ("day 32", "3216053203900001", &["nik.day_invalid"]),
            ("day 40", "3216054003900001", &["nik.day_invalid"]),
            ("day 72", "3216057203900001", &["nik.day_invalid"]),
            ("month 00", "3216051200900001", &["nik.month_invalid"]),
            ("month 13", "3216051213900001", &["nik.month_invalid"]),
            ("province 00", "0016051203900001", &["nik.province_unknown"]),
            ("province 20", "2016051203900001", &["nik.province_unknown"]),
            (
                "province 97 (BPS only)",
                "9716051203900001",
                &["nik.province_unknown"],
            ),
            ("province 99", "9916051203900001", &["nik.province_unknown"]),
            ("regency 00", "3200051203900001", &["nik.regency_zero"]),
            ("district 00", "3216001203900001", &["nik.district_zero"]),
            ("serial 0000", "3216051203900000", &["nik.serial_zero"]),
            ("15 digits", "321605120390001", &["nik.length"]),
            ("17 digits", "32160512039000011", &["nik.length"]),
            ("letters", "32160512039O0001", &["nik.not_digits"]),
            (
                "letters and short",
                "3216O5",
                &["nik.length", "nik.not_digits"],
            ),
            (
                "Arabic-Indic digits",
                "٣٢١٦٠٥١٢٠٣٩٠٠٠٠١",
                &["nik.not_digits"],
            ),
            ("empty", "", &["nik.missing"]),
            (
                "spaces",
                "3216 0512 0390 01",
                &["nik.length", "nik.not_digits"],
            ),
            (
                "everything wrong at once",
                "2000007213000000",
                &[
                    "nik.province_unknown",
                    "nik.regency_zero",
                    "nik.district_zero",
                    "nik.day_invalid",
                    "nik.month_invalid",
                    "nik.serial_zero",
                ],
            ),
        ];
        for (what, nik, expected) in table {
            assert_eq!(nik_codes(nik), *expected, "{what}: {nik}");
        }
    }

    #[test]
    fn nik_born_in_the_future_is_rejected_only_when_no_century_fits() {
        // 29-02-00 exists only in 2000; judged on 1999-12-31 it lies in the future.
        let r = Nik::parse("3216052902000001", date!(1999 - 12 - 31));
        assert_eq!(codes(r), vec!["nik.birth_in_future"]);
    }

    #[test]
    fn nik_problems_never_carry_the_whole_number() {
        let ps = Nik::parse("2016050003900000", TODAY).unwrap_err();
        for p in ps {
            assert!(p.args.values().all(|v| v.len() < 16), "{p:?}");
        }
        let dbg = format!("{:?}", Nik::parse("3216051203850001", TODAY).unwrap());
        assert!(!dbg.contains("3216051203850001") && !dbg.contains("1985"));
    }

    #[test]
    fn nip_of_a_man_parses_into_its_parts() {
        let nip = Nip::parse("198503122010011001", TODAY).unwrap();
        assert_eq!(nip.birth_date, date!(1985 - 03 - 12));
        assert_eq!(
            (nip.appointment_year, nip.appointment_month),
            (2010, Month::January)
        );
        assert_eq!(nip.gender, Gender::Male);
        assert_eq!(nip.serial, 1);
    }

    #[test]
    fn nip_table_of_structure_errors() {
        let table: &[(&str, &str, &[&str])] = &[
            ("valid woman", "199008122015032001", &[]),
            ("empty", "", &["nip.missing"]),
            ("17 digits", "19850312201001100", &["nip.length"]),
            ("19 digits", "1985031220100110011", &["nip.length"]),
            ("letters", "19850312201001100A", &["nip.not_digits"]),
            (
                "31 April",
                "198504312010011001",
                &["nip.birth_date_invalid"],
            ),
            (
                "29 Feb 1900",
                "190002292010011001",
                &["nip.birth_date_invalid"],
            ),
            (
                "month 13",
                "198513122010011001",
                &["nip.birth_date_invalid"],
            ),
            ("born 1899", "189903121930011001", &["nip.birth_too_early"]),
            (
                "born in the future",
                "202712012010011001",
                &["nip.birth_in_future", "nip.appointment_before_age_18"],
            ),
            (
                "appointment month 00",
                "198503122010001001",
                &["nip.appointment_month_invalid"],
            ),
            (
                "appointment month 13",
                "198503122010131001",
                &["nip.appointment_month_invalid"],
            ),
            (
                "appointment in the future",
                "198503122027011001",
                &["nip.appointment_in_future"],
            ),
            (
                "appointment next month",
                "198503122026121001",
                &["nip.appointment_in_future"],
            ),
            ("appointment this month", "198503122026111001", &[]),
            (
                "appointed at 17",
                "198503122002121001",
                &["nip.appointment_before_age_18"],
            ),
            (
                "appointed the month of 18th birthday",
                "198503122003031001",
                &[],
            ),
            (
                "gender digit 0",
                "198503122010010001",
                &["nip.gender_invalid"],
            ),
            (
                "gender digit 3",
                "198503122010013001",
                &["nip.gender_invalid"],
            ),
            ("serial 000", "198503122010011000", &["nip.serial_zero"]),
        ];
        for (what, nip, expected) in table {
            assert_eq!(nip_codes(nip), *expected, "{what}: {nip}");
        }
    }

    #[test]
    fn nik_and_nip_of_the_same_woman_are_consistent() {
        let nik = Nik::parse("3216055208900001", TODAY).unwrap();
        let nip = Nip::parse("199008122015032001", TODAY).unwrap();
        assert!(check_nik_nip_consistency("applicant.nip", &nik, &nip).is_empty());
    }

    #[test]
    fn nik_nip_birth_date_mismatch_is_reported() {
        let nik = Nik::parse("3216051203850001", TODAY).unwrap();
        // Same day and month, different year (1986).
        let nip = Nip::parse("198603122010011001", TODAY).unwrap();
        let ps = check_nik_nip_consistency("applicant.nip", &nik, &nip);
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].code, "identity.birth_date_mismatch");
        assert_eq!(ps[0].field, "applicant.nip");
        assert_eq!(ps[0].args["nik_birth"], "12-03-85");
        assert_eq!(ps[0].args["nip_birth"], "1986-03-12");
    }

    #[test]
    fn nik_of_a_woman_with_a_mans_nip_is_a_gender_mismatch() {
        let nik = Nik::parse("3216055208900001", TODAY).unwrap();
        let nip = Nip::parse("199008122015031001", TODAY).unwrap();
        let ps = check_nik_nip_consistency("applicant.nip", &nik, &nip);
        assert_eq!(
            ps.iter().map(|p| p.code).collect::<Vec<_>>(),
            vec!["identity.gender_mismatch"]
        );
        assert_eq!(ps[0].args["nik_gender"], "female");
        assert_eq!(ps[0].args["nip_gender"], "male");
    }

    #[test]
    fn consistency_uses_what_is_known_even_if_other_parts_failed() {
        // NIK with serial 0000 still tells birth and gender.
        let (nik, nik_ps) = analyze_nik("applicant.nik", "3216055208900000", TODAY);
        assert_eq!(nik_ps.len(), 1);
        let (nip, _) = analyze_nip("applicant.nip", "199108122015031001", TODAY);
        let codes: Vec<_> = consistency("applicant.nip", nik, nip)
            .iter()
            .map(|p| p.code)
            .collect();
        assert_eq!(
            codes,
            vec!["identity.birth_date_mismatch", "identity.gender_mismatch"]
        );
    }
}
