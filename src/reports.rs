//! Incidents and reports: use cases (roster import, incident record/close, yearly report,
//! expiry watch) and renderers (CSV, Markdown, plain text, PDF).
//!
//! The numbers come from ledger events (the contract in `docs/formats/reports.md`) and the
//! roster; the aggregation itself is pure ([`crate::domain::report`]).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::domain::identity;
use crate::domain::incident::{self, Category, IncidentError, Status};
use crate::domain::ledger::Event;
use crate::domain::report::{self, Expiring, RosterEntry, WAVE_MONTHS, WIB, YearlyReport};
use crate::errors::UserError;
use crate::i18n::Messages;
use crate::service::{ServiceError, Station, read_limited};
use crate::store::reports::{IncidentRow, NewIncident, UnreadableEvent, kinds};
use crate::store::{SqliteStore, StoreError};

/// Largest roster file accepted (20,000 ASN are about 1.5 MB).
pub const MAX_ROSTER_BYTES: u64 = 64 * 1024 * 1024;
/// Subject of `roster.imported` events.
pub const ROSTER_SUBJECT: &str = "roster";

/// Why a reporting use case could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Incident(#[from] IncidentError),
    #[error("the roster file has {} bad row(s)", .0.len())]
    RosterInvalid(Vec<RosterProblem>),
    #[error("the roster file holds no ASN")]
    RosterEmpty,
    #[error("{given:?} is not a time (RFC 3339, e.g. 2025-03-01T08:00:00+07:00, or a date)")]
    BadTime { given: String },
    #[error("the time {given} is in the future")]
    FutureTime { given: String },
    #[error("year {year} is outside 2000..=9998")]
    BadYear { year: i32 },
}

impl From<StoreError> for ReportError {
    fn from(e: StoreError) -> Self {
        ReportError::Service(ServiceError::Store(e))
    }
}

/// A bad row of a roster file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterProblem {
    /// 1-based line in the file.
    pub line: usize,
    pub field: &'static str,
    /// Stable code, e.g. `nip.length` or `roster.duplicate_nip`.
    pub code: String,
    pub message_id: String,
    pub args: Vec<(&'static str, String)>,
}

impl RosterProblem {
    fn new(line: usize, field: &'static str, code: &'static str) -> Self {
        RosterProblem {
            line,
            field,
            code: code.to_owned(),
            message_id: format!("roster-problem-{}", code.trim_start_matches("roster.")),
            args: vec![],
        }
    }
    fn arg(mut self, k: &'static str, v: impl ToString) -> Self {
        self.args.push((k, v.to_string()));
        self
    }
    /// The problem as a sentence in the language of `msg`.
    pub fn text(&self, msg: &Messages) -> String {
        let args: Vec<(&str, &str)> = self.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        msg.text(&self.message_id, &args)
    }
}

/// Splits one CSV line (RFC 4180 quoting, no line breaks inside fields).
fn csv_fields(line: &str) -> Result<Vec<String>, ()> {
    let mut out = vec![];
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.trim().is_empty() && !was_quoted => {
                field.clear();
                quoted = true;
                was_quoted = true;
            }
            (false, ',') => {
                out.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(());
    }
    out.push(field);
    Ok(out)
}

/// A CSV field, quoted when needed.
pub fn csv_escape(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Parses a roster file (`nip,name,department[,position]` with that header, UTF-8, optional
/// BOM); every bad row is reported with its line.
pub fn parse_roster(
    bytes: &[u8],
    today: time::Date,
) -> Result<Vec<RosterEntry>, Vec<RosterProblem>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}'),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            return Err(vec![RosterProblem::new(line, "", "roster.not_utf8")]);
        }
    };
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let header = lines.by_ref().find(|(_, l)| !l.trim().is_empty());
    let Some((hline, header)) = header else {
        return Err(vec![RosterProblem::new(1, "", "roster.empty")]);
    };
    let names: Vec<String> = csv_fields(header)
        .unwrap_or_default()
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |n: &str| names.iter().position(|h| h == n);
    let (Some(c_nip), Some(c_name), Some(c_dept)) = (col("nip"), col("name"), col("department"))
    else {
        return Err(vec![
            RosterProblem::new(hline, "", "roster.header").arg("header", header.trim()),
        ]);
    };
    let c_pos = col("position");
    let mut problems = vec![];
    let mut entries = vec![];
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    for (line, raw) in lines {
        if raw.trim().is_empty() {
            continue;
        }
        let Ok(f) = csv_fields(raw) else {
            problems.push(RosterProblem::new(line, "", "roster.quote"));
            continue;
        };
        // Trailing optional columns may be left out.
        let required = c_nip.max(c_name).max(c_dept) + 1;
        if f.len() < required || f.len() > names.len() {
            problems.push(
                RosterProblem::new(line, "", "roster.columns")
                    .arg("found", f.len())
                    .arg("expected", names.len()),
            );
            continue;
        }
        let get = |i: usize| f.get(i).map(|v| v.trim().to_owned()).unwrap_or_default();
        let (nip, name, department) = (get(c_nip), get(c_name), get(c_dept));
        let mut bad = false;
        if let Err(ps) = identity::parse_nip("nip", &nip, today) {
            bad = true;
            for p in ps {
                problems.push(RosterProblem {
                    line,
                    field: "nip",
                    code: p.code.to_owned(),
                    message_id: p.message_id(),
                    args: p.args.iter().map(|(k, v)| (*k, v.clone())).collect(),
                });
            }
        }
        for (field, value) in [("name", &name), ("department", &department)] {
            if value.is_empty() {
                bad = true;
                problems
                    .push(RosterProblem::new(line, field, "roster.missing").arg("field", field));
            } else if value.chars().any(char::is_control) || value.chars().count() > 200 {
                bad = true;
                problems
                    .push(RosterProblem::new(line, field, "roster.bad_text").arg("field", field));
            }
        }
        if !bad {
            if let Some(first) = seen.insert(nip.clone(), line) {
                problems.push(
                    RosterProblem::new(line, "nip", "roster.duplicate_nip")
                        .arg("nip", &nip)
                        .arg("first", first),
                );
                continue;
            }
            entries.push(RosterEntry {
                nip,
                name,
                department,
                position: c_pos.map(get).filter(|p| !p.is_empty()),
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(entries)
}

/// What a roster import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterImport {
    pub rows: usize,
    pub departments: usize,
    pub sha256: String,
}

/// Replaces the roster with the file at `path` in one unit of work, with a `roster.imported`
/// event (row count, departments, file SHA-256). A file with any bad row changes nothing.
pub fn import_roster(
    station: &mut Station<'_>,
    path: &Path,
    actor: &str,
) -> Result<RosterImport, ReportError> {
    let bytes = read_limited(path, MAX_ROSTER_BYTES)?;
    let entries = parse_roster(&bytes, station.now().to_offset(WIB).date())
        .map_err(ReportError::RosterInvalid)?;
    if entries.is_empty() {
        return Err(ReportError::RosterEmpty);
    }
    let sha256 = crate::archive::sha256_hex(&bytes);
    let departments = entries
        .iter()
        .map(|e| e.department.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rows = station.write(|tx| {
        let rows = tx.replace_roster(&entries)?;
        tx.append_event(
            kinds::ROSTER_IMPORTED,
            ROSTER_SUBJECT,
            actor,
            json!({"rows": rows, "departments": departments, "sha256": sha256, "file": file}),
        )?;
        Ok(rows)
    })?;
    Ok(RosterImport {
        rows,
        departments,
        sha256,
    })
}

/// An incident as the officer reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentInput {
    pub category: String,
    pub summary: String,
    pub token: Option<String>,
    pub certificate: Option<String>,
    pub application: Option<String>,
    pub reported_by: Option<String>,
    /// RFC 3339 or `YYYY-MM-DD` (WIB); default now.
    pub occurred_at: Option<String>,
}

/// Parses an RFC 3339 time or a date (midnight WIB).
pub fn parse_time(given: &str) -> Result<OffsetDateTime, ReportError> {
    let g = given.trim();
    if let Ok(t) = OffsetDateTime::parse(g, &Rfc3339) {
        return Ok(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(g, &fmt)
        .map(|d| d.with_time(time::Time::MIDNIGHT).assume_offset(WIB))
        .map_err(|_| ReportError::BadTime {
            given: given.to_owned(),
        })
}

/// Records an incident (status `open`) with an `incident.recorded` event; returns its id.
pub fn record_incident(
    station: &mut Station<'_>,
    input: &IncidentInput,
    actor: &str,
) -> Result<String, ReportError> {
    let category =
        Category::parse(input.category.trim()).ok_or_else(|| IncidentError::UnknownCategory {
            given: input.category.clone(),
        })?;
    let summary = incident::required_text("summary", &input.summary)?;
    let token = incident::optional_text("token", input.token.as_deref())?;
    let certificate = incident::optional_text("certificate", input.certificate.as_deref())?;
    let application = incident::optional_text("application", input.application.as_deref())?;
    let reported_by = incident::optional_text("reported_by", input.reported_by.as_deref())?
        .unwrap_or_else(|| actor.to_owned());
    let now = station.now();
    let occurred_at = match &input.occurred_at {
        Some(t) => parse_time(t)?,
        None => now,
    };
    if occurred_at > now + time::Duration::minutes(5) {
        return Err(ReportError::FutureTime {
            given: fmt_rfc3339(occurred_at),
        });
    }
    if let Some(app) = &application {
        station.application(app)?;
    }
    let new = NewIncident {
        category: category.as_str().to_owned(),
        summary,
        token_serial: token,
        certificate_serial: certificate,
        application_id: application,
        reported_by,
        occurred_at,
        recorded_by: actor.to_owned(),
    };
    Ok(station.write(|tx| {
        let id = tx.insert_incident(&new)?;
        tx.append_event(
            kinds::INCIDENT_RECORDED,
            &id,
            actor,
            json!({
                "category": new.category, "summary": new.summary,
                "token": new.token_serial, "certificate": new.certificate_serial,
                "application": new.application_id, "reported_by": new.reported_by,
                "occurred_at": fmt_rfc3339(new.occurred_at), "status": Status::Open.as_str(),
            }),
        )?;
        Ok(id)
    })?)
}

/// Closes an open incident with its resolution (`incident.closed` event).
pub fn close_incident(
    station: &mut Station<'_>,
    id: &str,
    resolution: &str,
    actor: &str,
) -> Result<(), ReportError> {
    let resolution = incident::required_text("resolution", resolution)?;
    let outcome = station.write(|tx| {
        let row = tx.get_incident(id)?;
        let from = Status::parse(&row.status).ok_or_else(|| ServiceError::CorruptRecord {
            id: id.to_owned(),
            reason: format!("unknown status {}", row.status),
        })?;
        let to = match incident::transition(id, from, "close") {
            Ok(to) => to,
            // Nothing written: the unit of work commits empty.
            Err(e) => return Ok(Err(e)),
        };
        tx.set_incident_status(id, to.as_str(), actor, &resolution)?;
        tx.append_event(
            kinds::INCIDENT_CLOSED,
            id,
            actor,
            json!({"from": from.as_str(), "to": to.as_str(), "resolution": resolution}),
        )?;
        Ok(Ok(()))
    })?;
    Ok(outcome?)
}

/// The incident and every ledger event about it or the items it names, oldest first.
pub fn incident_timeline(
    store: &SqliteStore,
    row: &IncidentRow,
) -> Result<Vec<Event>, ReportError> {
    let mut subjects = vec![row.id.clone()];
    subjects.extend(row.token_serial.clone());
    subjects.extend(row.certificate_serial.clone());
    subjects.extend(row.application_id.clone());
    let mut seen = HashSet::new();
    let mut events = vec![];
    for s in &subjects {
        for e in store.events_of_subject(s)? {
            if seen.insert(e.seq) {
                events.push(e);
            }
        }
    }
    events.sort_by_key(|e| e.seq);
    Ok(events)
}

fn fmt_rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// `2025-03-01 15:00 WIB`.
pub fn fmt_wib(t: OffsetDateTime) -> String {
    let t = t.to_offset(WIB);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} WIB",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

fn fmt_date(t: OffsetDateTime) -> String {
    let d = t.to_offset(WIB).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

// ---------------------------------------------------------------------------------------
// Documents: a small block model rendered as Markdown, plain text or PDF.

/// A part of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Title(String),
    Heading(String),
    Para(String),
    List(Vec<String>),
    /// Header, rows; numeric columns (right-aligned) are detected from the rows.
    Table(Vec<String>, Vec<Vec<String>>),
    /// Preformatted lines (charts).
    Pre(Vec<String>),
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn numeric(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '%')
}

fn table_layout(header: &[String], rows: &[Vec<String>]) -> (Vec<usize>, Vec<bool>) {
    let n = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    let mut right = vec![true; n];
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            widths[i] = widths[i].max(width(c));
            if !numeric(c) && c != "-" {
                right[i] = false;
            }
        }
    }
    if rows.is_empty() {
        right = vec![false; n];
    }
    (widths, right)
}

fn pad(s: &str, w: usize, right: bool) -> String {
    let fill = " ".repeat(w.saturating_sub(width(s)));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// Markdown (GitHub tables, fenced charts).
pub fn to_markdown(blocks: &[Block]) -> String {
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Title(t) => {
                let _ = writeln!(out, "# {t}\n");
            }
            Block::Heading(t) => {
                let _ = writeln!(out, "## {t}\n");
            }
            Block::Para(t) => {
                let _ = writeln!(out, "{}\n", t.replace('\n', "  \n"));
            }
            Block::List(items) => {
                for i in items {
                    let _ = writeln!(out, "- {i}");
                }
                out.push('\n');
            }
            Block::Table(header, rows) => {
                let (w, right) = table_layout(header, rows);
                let esc = |s: &str| s.replace('|', "\\|");
                let line = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
                let _ = writeln!(
                    out,
                    "{}",
                    line(
                        header
                            .iter()
                            .enumerate()
                            .map(|(i, h)| pad(&esc(h), w[i], false))
                            .collect()
                    )
                );
                let _ = writeln!(
                    out,
                    "{}",
                    line(
                        (0..header.len())
                            .map(|i| {
                                let dashes = "-".repeat(w[i].max(3) - 1);
                                if right[i] {
                                    format!("{dashes}:")
                                } else {
                                    format!("{dashes}-")
                                }
                            })
                            .collect()
                    )
                );
                for r in rows {
                    let _ = writeln!(
                        out,
                        "{}",
                        line(
                            r.iter()
                                .enumerate()
                                .map(|(i, c)| pad(&esc(c), w[i].max(3), right[i]))
                                .collect()
                        )
                    );
                }
                out.push('\n');
            }
            Block::Pre(lines) => {
                out.push_str("```text\n");
                for l in lines {
                    let _ = writeln!(out, "{l}");
                }
                out.push_str("```\n\n");
            }
        }
    }
    out
}

/// Plain text (what the PDF shows, and `--format txt`).
pub fn to_text(blocks: &[Block]) -> String {
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Title(t) => {
                let _ = writeln!(out, "{}\n{}\n", t, "=".repeat(width(t).min(100)));
            }
            Block::Heading(t) => {
                let _ = writeln!(out, "{}\n{}\n", t, "-".repeat(width(t).min(100)));
            }
            Block::Para(t) => {
                let _ = writeln!(out, "{t}\n");
            }
            Block::List(items) => {
                for i in items {
                    let _ = writeln!(out, "  - {i}");
                }
                out.push('\n');
            }
            Block::Table(header, rows) => {
                let (w, right) = table_layout(header, rows);
                let row = |cells: &[String], header: bool| {
                    cells
                        .iter()
                        .enumerate()
                        .map(|(i, c)| pad(c, w[i], right[i] && !header))
                        .collect::<Vec<_>>()
                        .join("  ")
                        .trim_end()
                        .to_owned()
                };
                let _ = writeln!(out, "  {}", row(header, true));
                let _ = writeln!(
                    out,
                    "  {}",
                    w.iter()
                        .map(|n| "-".repeat(*n))
                        .collect::<Vec<_>>()
                        .join("  ")
                );
                for r in rows {
                    let _ = writeln!(out, "  {}", row(r, false));
                }
                out.push('\n');
            }
            Block::Pre(lines) => {
                for l in lines {
                    let _ = writeln!(out, "  {l}");
                }
                out.push('\n');
            }
        }
    }
    out
}

/// A horizontal bar of `value / max` over `cells` character cells (eighth-block resolution).
pub fn bar(value: u64, max: u64, cells: usize) -> String {
    if max == 0 || value == 0 {
        return String::new();
    }
    let eighths = (value as u128 * cells as u128 * 8).div_ceil(max as u128) as usize;
    let mut s = "█".repeat(eighths / 8);
    const PART: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    s.push_str(PART[eighths % 8]);
    s
}

// ---------------------------------------------------------------------------------------
// Minimal PDF writer: A4, Courier (a standard font every reader has), WinAnsi text.

const PDF_FONT_SIZE: f32 = 7.5;
const PDF_LEADING: f32 = 9.5;
const PDF_MARGIN: f32 = 40.0;
const A4: (f32, f32) = (595.0, 842.0);

fn pdf_char(c: char, out: &mut Vec<u8>) {
    match c {
        '(' | ')' | '\\' => {
            out.push(b'\\');
            out.push(c as u8);
        }
        ' '..='~' => out.push(c as u8),
        '\u{a0}'..='\u{ff}' => out.extend_from_slice(format!("\\{:03o}", c as u32).as_bytes()),
        '█' | '▉' | '▊' | '▋' | '▌' => out.push(b'#'),
        '▏' | '▎' | '▍' => out.push(b'|'),
        '…' => out.extend_from_slice(b"..."),
        '–' | '—' => out.push(b'-'),
        '✓' => out.push(b'v'),
        _ => out.push(b'?'),
    }
}

/// A plain A4 PDF showing `text` (one line per line, long lines wrapped) in Courier.
pub fn text_to_pdf(text: &str, title: &str) -> Vec<u8> {
    let per_line = ((A4.0 - 2.0 * PDF_MARGIN) / (PDF_FONT_SIZE * 0.6)) as usize;
    let per_page = ((A4.1 - 2.0 * PDF_MARGIN) / PDF_LEADING) as usize;
    let mut lines: Vec<String> = vec![];
    for l in text.lines() {
        let chars: Vec<char> = l.chars().collect();
        if chars.is_empty() {
            lines.push(String::new());
        }
        for chunk in chars.chunks(per_line.max(1)) {
            lines.push(chunk.iter().collect());
        }
    }
    let pages: Vec<&[String]> = lines.chunks(per_page.max(1)).collect();
    let n_pages = pages.len().max(1);
    // Objects: 1 catalog, 2 pages, 3 font, 4 info, then (page, content) per page.
    let mut objects: Vec<Vec<u8>> = vec![];
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: Vec<String> = (0..n_pages).map(|i| format!("{} 0 R", 5 + 2 * i)).collect();
    objects.push(
        format!(
            "<< /Type /Pages /Kids [{}] /Count {n_pages} >>",
            kids.join(" ")
        )
        .into_bytes(),
    );
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>".to_vec(),
    );
    let mut info = b"<< /Producer (Kustodi) /Title (".to_vec();
    for c in title.chars() {
        pdf_char(c, &mut info);
    }
    info.extend_from_slice(b") >>");
    objects.push(info);
    let empty: [String; 0] = [];
    for (i, page) in pages
        .iter()
        .copied()
        .chain(std::iter::once(&empty[..]).take(usize::from(pages.is_empty())))
        .enumerate()
    {
        let mut content = format!(
            "BT /F1 {PDF_FONT_SIZE} Tf {PDF_LEADING} TL {PDF_MARGIN} {} Td\n",
            A4.1 - PDF_MARGIN - PDF_FONT_SIZE
        )
        .into_bytes();
        for l in page {
            content.push(b'(');
            for c in l.chars() {
                pdf_char(c, &mut content);
            }
            content.extend_from_slice(b") Tj T*\n");
        }
        let footer = format!("- {} / {n_pages} -", i + 1);
        content.extend_from_slice(
            format!(
                "ET BT /F1 {PDF_FONT_SIZE} Tf {} 20 Td ({footer}) Tj ET\n",
                A4.0 / 2.0 - 20.0
            )
            .as_bytes(),
        );
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] \
                 /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                A4.0,
                A4.1,
                6 + 2 * i
            )
            .into_bytes(),
        );
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend_from_slice(&content);
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }
    let mut pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = vec![];
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(o);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 4 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

// ---------------------------------------------------------------------------------------
// Incident report.

/// The formal incident report (Pasal 23, 25) in the language of `msg`.
pub fn incident_report_blocks(
    msg: &Messages,
    authority: &str,
    row: &IncidentRow,
    timeline: &[Event],
    now: OffsetDateTime,
) -> Vec<Block> {
    let t = |id: &str| msg.text(id, &[]);
    let category = msg.text(&format!("incident-category-{}", row.category), &[]);
    let status = msg.text(&format!("incident-status-{}", row.status), &[]);
    let none = t("report-none");
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| none.clone());
    let pasal = Category::parse(&row.category).map_or("23, 25", Category::pasal);
    let mut blocks = vec![
        Block::Title(t("incident-report-title")),
        Block::Para(format!(
            "{}: {}\n{}: {}\n{}: {}",
            t("incident-report-number"),
            row.id,
            t("incident-report-date"),
            fmt_wib(now),
            t("incident-report-from"),
            authority
        )),
        Block::Para(t("incident-report-to")),
        Block::List(vec![
            t("addressee-governor"),
            t("addressee-bssn"),
            t("addressee-bsre"),
            t("addressee-regent"),
        ]),
        Block::Para(msg.text("incident-report-basis", &[("pasal", pasal)])),
        Block::Heading(t("incident-report-h-incident")),
        Block::Table(
            vec![t("report-col-item"), t("report-col-detail")],
            vec![
                vec![t("incident-field-id"), row.id.clone()],
                vec![t("incident-field-category"), category],
                vec![t("incident-field-summary"), row.summary.clone()],
                vec![t("incident-field-occurred"), fmt_wib(row.occurred_at)],
                vec![t("incident-field-recorded"), fmt_wib(row.recorded_at)],
                vec![t("incident-field-reported-by"), row.reported_by.clone()],
                vec![t("incident-field-recorded-by"), row.recorded_by.clone()],
                vec![t("incident-field-status"), status],
            ],
        ),
        Block::Heading(t("incident-report-h-linked")),
        Block::Table(
            vec![t("report-col-item"), t("report-col-detail")],
            vec![
                vec![t("incident-field-token"), opt(&row.token_serial)],
                vec![
                    t("incident-field-certificate"),
                    opt(&row.certificate_serial),
                ],
                vec![t("incident-field-application"), opt(&row.application_id)],
            ],
        ),
        Block::Heading(t("incident-report-h-timeline")),
    ];
    if timeline.is_empty() {
        blocks.push(Block::Para(none.clone()));
    } else {
        blocks.push(Block::Table(
            vec![
                t("report-col-time"),
                t("report-col-seq"),
                t("report-col-event"),
                t("report-col-subject"),
                t("report-col-actor"),
            ],
            timeline
                .iter()
                .map(|e| {
                    vec![
                        fmt_wib(e.time),
                        e.seq.to_string(),
                        e.kind.clone(),
                        e.subject.clone(),
                        e.actor.clone(),
                    ]
                })
                .collect(),
        ));
    }
    blocks.push(Block::Heading(t("incident-report-h-actions")));
    match (&row.resolution, &row.closed_at) {
        (Some(res), Some(at)) => blocks.push(Block::Para(msg.text(
            "incident-report-closed",
            &[
                ("resolution", res),
                ("at", &fmt_wib(*at)),
                ("by", row.closed_by.as_deref().unwrap_or("-")),
            ],
        ))),
        _ => blocks.push(Block::Para(t("incident-report-still-open"))),
    }
    blocks.push(Block::Heading(t("incident-report-h-closing")));
    blocks.push(Block::Para(
        msg.text("incident-report-closing", &[("pasal", pasal)]),
    ));
    blocks.push(Block::Para(format!(
        "{}\n{}\n\n\n({})",
        authority,
        t("incident-report-signature"),
        row.recorded_by
    )));
    blocks
}

// ---------------------------------------------------------------------------------------
// Yearly report.

/// The yearly report numbers and the events that could not be read.
#[derive(Debug, Clone)]
pub struct Yearly {
    pub report: YearlyReport,
    pub unreadable: Vec<UnreadableEvent>,
}

/// Computes the yearly report of `year` from the store.
pub fn yearly(store: &SqliteStore, year: i32) -> Result<Yearly, ReportError> {
    if !(2000..=9998).contains(&year) {
        return Err(ReportError::BadYear { year });
    }
    let mut input = store.report_input(report::year_end(year))?;
    let report = report::yearly(
        year,
        &mut input.facts,
        &input.roster,
        &input.application_departments,
    );
    Ok(Yearly {
        report,
        unreadable: input.unreadable,
    })
}

/// The expiry watch list at `now` (Pasal 15).
pub fn expiry(
    store: &SqliteStore,
    now: OffsetDateTime,
    within_days: i64,
) -> Result<Vec<Expiring>, ReportError> {
    let mut input = store.report_input(now)?;
    Ok(report::expiry_watch(
        &mut input.facts,
        &input.roster,
        &input.application_departments,
        now,
        within_days,
    ))
}

fn month_key(year: i32, month: u8) -> String {
    format!("{year:04}-{month:02}")
}

/// CSV columns of the yearly report (one file, long format).
pub const CSV_HEADER: &str = "section,department,period,metric,value";

/// The yearly report as one CSV file in long format: `section,department,period,metric,value`
/// (see `docs/formats/reports.md`). Department `*` is the total over departments.
pub fn yearly_csv(y: &Yearly) -> String {
    let r = &y.report;
    let mut out = String::with_capacity(256 * 1024);
    out.push_str(CSV_HEADER);
    out.push('\n');
    let mut row = |section: &str, dept: &str, period: &str, metric: &str, value: &str| {
        let _ = writeln!(
            out,
            "{section},{},{period},{metric},{value}",
            csv_escape(dept)
        );
    };
    let year = r.year;
    for (dept, months) in &r.activity {
        for (i, a) in months.iter().enumerate() {
            for (m, v) in Activity::METRICS.iter().zip(a.values()) {
                row(
                    "activity",
                    dept,
                    &month_key(year, i as u8 + 1),
                    m,
                    &v.to_string(),
                );
            }
        }
        let t = r.department_total(dept);
        for (m, v) in Activity::METRICS.iter().zip(t.values()) {
            row("activity", dept, &year.to_string(), m, &v.to_string());
        }
    }
    for (i, a) in r.month_totals().iter().enumerate() {
        for (m, v) in Activity::METRICS.iter().zip(a.values()) {
            row(
                "activity",
                "*",
                &month_key(year, i as u8 + 1),
                m,
                &v.to_string(),
            );
        }
    }
    for (m, v) in Activity::METRICS.iter().zip(r.total().values()) {
        row("activity", "*", &year.to_string(), m, &v.to_string());
    }
    for ((dept, reason), n) in &r.revoked_by_reason {
        row(
            "revoked_by_reason",
            dept,
            &year.to_string(),
            reason,
            &n.to_string(),
        );
    }
    for (reason, n) in r.revoked_reason_totals() {
        row(
            "revoked_by_reason",
            "*",
            &year.to_string(),
            &reason,
            &n.to_string(),
        );
    }
    for ((month, category), n) in &r.incidents_by_category {
        row(
            "incidents_by_category",
            "*",
            &month_key(year, *month),
            category,
            &n.to_string(),
        );
    }
    for (category, n) in r.incident_category_totals() {
        row(
            "incidents_by_category",
            "*",
            &year.to_string(),
            &category,
            &n.to_string(),
        );
    }
    let end = format!("{year:04}-12-31");
    let coverage_rows = r
        .coverage
        .iter()
        .map(|(d, c)| (d.as_str(), *c))
        .chain(std::iter::once(("*", r.coverage_total())));
    for (dept, c) in coverage_rows {
        row("coverage", dept, &end, "asn", &c.asn.to_string());
        row(
            "coverage",
            dept,
            &end,
            "with_certificate",
            &c.with_certificate.to_string(),
        );
        row(
            "coverage",
            dept,
            &end,
            "without_certificate",
            &c.without_certificate().to_string(),
        );
        row("coverage", dept, &end, "percent", &c.percent_text());
    }
    for (dept, wave) in &r.expiry_wave {
        for (i, n) in wave.iter().enumerate() {
            let (wy, wm) = report::wave_month(year, i);
            row(
                "expiry_wave",
                dept,
                &month_key(wy, wm),
                "expiring",
                &n.to_string(),
            );
        }
    }
    for (i, n) in r.wave_totals().iter().enumerate() {
        let (wy, wm) = report::wave_month(year, i);
        row(
            "expiry_wave",
            "*",
            &month_key(wy, wm),
            "expiring",
            &n.to_string(),
        );
    }
    row(
        "certificates",
        "*",
        &end,
        "valid_at_year_end",
        &r.valid_at_year_end.to_string(),
    );
    row(
        "data",
        "*",
        &year.to_string(),
        "unreadable_events",
        &y.unreadable.len().to_string(),
    );
    out
}

use crate::domain::report::Activity;

fn dept_label(msg: &Messages, d: &str) -> String {
    if d == report::UNKNOWN_DEPARTMENT {
        msg.text("report-unknown-department", &[])
    } else {
        d.to_owned()
    }
}

/// The yearly report as a document in the language of `msg`.
pub fn yearly_blocks(
    msg: &Messages,
    authority: &str,
    y: &Yearly,
    now: OffsetDateTime,
) -> Vec<Block> {
    let r = &y.report;
    let t = |id: &str| msg.text(id, &[]);
    let year = r.year.to_string();
    let month = |m: u8| msg.text(&format!("report-month-{m}"), &[]);
    let metric_headers: Vec<String> = Activity::METRICS
        .iter()
        .map(|m| t(&format!("report-metric-{m}")))
        .collect();
    let total = r.total();
    let cov = r.coverage_total();
    let mut blocks = vec![
        Block::Title(msg.text("report-yearly-title", &[("year", &year)])),
        Block::Para(format!(
            "{}\n{}: {}",
            authority,
            t("report-generated"),
            fmt_wib(now)
        )),
        Block::Para(t("report-yearly-to")),
        Block::List(vec![
            t("addressee-regent-main"),
            t("addressee-governor"),
            t("addressee-bssn"),
            t("addressee-bsre"),
        ]),
        Block::Para(t("report-yearly-basis")),
        Block::Heading(t("report-h-summary")),
        Block::List(vec![
            msg.text(
                "report-summary-applications",
                &[
                    ("submitted", &total.submitted.to_string()),
                    ("approved", &total.approved.to_string()),
                    ("rejected", &total.rejected.to_string()),
                ],
            ),
            msg.text(
                "report-summary-certificates",
                &[
                    ("issued", &total.issued.to_string()),
                    ("renewed", &total.renewed.to_string()),
                    ("revoked", &total.revoked.to_string()),
                ],
            ),
            msg.text(
                "report-summary-incidents",
                &[("count", &total.incidents.to_string())],
            ),
            msg.text(
                "report-summary-valid",
                &[("count", &r.valid_at_year_end.to_string()), ("year", &year)],
            ),
            msg.text(
                "report-summary-coverage",
                &[
                    ("with", &cov.with_certificate.to_string()),
                    ("asn", &cov.asn.to_string()),
                    ("percent", &cov.percent_text()),
                ],
            ),
        ]),
        Block::Heading(t("report-h-monthly")),
    ];
    let months = r.month_totals();
    let mut header = vec![t("report-col-month")];
    header.extend(metric_headers.iter().cloned());
    let mut rows: Vec<Vec<String>> = months
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut row = vec![month(i as u8 + 1)];
            row.extend(a.values().iter().map(u64::to_string));
            row
        })
        .collect();
    let mut total_row = vec![t("report-total")];
    total_row.extend(total.values().iter().map(u64::to_string));
    rows.push(total_row);
    blocks.push(Block::Table(header, rows));
    let max = months
        .iter()
        .map(|a| a.issued + a.renewed)
        .max()
        .unwrap_or(0);
    let mut chart = vec![t("report-chart-issued")];
    for (i, a) in months.iter().enumerate() {
        chart.push(format!(
            "{:<10} {:>7} {}",
            month(i as u8 + 1),
            a.issued + a.renewed,
            bar(a.issued + a.renewed, max, 50)
        ));
    }
    blocks.push(Block::Pre(chart));

    blocks.push(Block::Heading(t("report-h-departments")));
    let mut header = vec![t("report-col-department")];
    header.extend(metric_headers.iter().cloned());
    let rows = r
        .activity
        .keys()
        .map(|d| {
            let mut row = vec![dept_label(msg, d)];
            row.extend(r.department_total(d).values().iter().map(u64::to_string));
            row
        })
        .collect();
    blocks.push(Block::Table(header, rows));

    blocks.push(Block::Heading(t("report-h-revocations")));
    let reasons = r.revoked_reason_totals();
    if reasons.is_empty() {
        blocks.push(Block::Para(t("report-none")));
    } else {
        blocks.push(Block::Table(
            vec![t("report-col-reason"), t("report-col-count")],
            reasons
                .iter()
                .map(|(k, n)| vec![k.clone(), n.to_string()])
                .collect(),
        ));
    }

    blocks.push(Block::Heading(t("report-h-incidents")));
    let cats = r.incident_category_totals();
    if cats.is_empty() {
        blocks.push(Block::Para(t("report-none")));
    } else {
        blocks.push(Block::Table(
            vec![t("report-col-category"), t("report-col-count")],
            cats.iter()
                .map(|(k, n)| {
                    vec![
                        msg.text(&format!("incident-category-{k}"), &[]),
                        n.to_string(),
                    ]
                })
                .collect(),
        ));
    }

    blocks.push(Block::Heading(t("report-h-coverage")));
    blocks.push(Block::Para(
        msg.text("report-coverage-note", &[("year", &year)]),
    ));
    let mut rows: Vec<Vec<String>> = r
        .coverage
        .iter()
        .map(|(d, c)| {
            vec![
                dept_label(msg, d),
                c.asn.to_string(),
                c.with_certificate.to_string(),
                c.without_certificate().to_string(),
                c.percent_text(),
            ]
        })
        .collect();
    rows.push(vec![
        t("report-total"),
        cov.asn.to_string(),
        cov.with_certificate.to_string(),
        cov.without_certificate().to_string(),
        cov.percent_text(),
    ]);
    blocks.push(Block::Table(
        vec![
            t("report-col-department"),
            t("report-col-asn"),
            t("report-col-with"),
            t("report-col-without"),
            "%".into(),
        ],
        rows,
    ));
    let mut chart = vec![t("report-chart-coverage")];
    let name_w = r
        .coverage
        .keys()
        .map(|d| width(d).min(40))
        .max()
        .unwrap_or(10);
    for (d, c) in &r.coverage {
        let short: String = d.chars().take(40).collect();
        chart.push(format!(
            "{} {:>5}% {}",
            pad(&short, name_w, false),
            c.percent_text(),
            bar(c.permille(), 1000, 40)
        ));
    }
    blocks.push(Block::Pre(chart));

    blocks.push(Block::Heading(t("report-h-wave")));
    blocks.push(Block::Para(
        msg.text("report-wave-note", &[("year", &year)]),
    ));
    let wave = r.wave_totals();
    let max = wave.iter().copied().max().unwrap_or(0);
    let mut chart = vec![t("report-chart-wave")];
    for (i, n) in wave.iter().enumerate() {
        let (wy, wm) = report::wave_month(r.year, i);
        chart.push(format!(
            "{} {:>7} {}",
            month_key(wy, wm),
            n,
            bar(*n, max, 50)
        ));
    }
    blocks.push(Block::Pre(chart));
    let halves: Vec<String> = (0..4)
        .map(|h| {
            let (y1, m1) = report::wave_month(r.year, h * 6);
            let (_, m2) = report::wave_month(r.year, h * 6 + 5);
            format!("{y1} {m1:02}–{m2:02}")
        })
        .collect();
    let mut header = vec![t("report-col-department")];
    header.extend(halves);
    header.push(t("report-total"));
    let rows = r
        .expiry_wave
        .iter()
        .map(|(d, w)| {
            let mut row = vec![dept_label(msg, d)];
            row.extend(w.chunks(6).map(|c| c.iter().sum::<u64>().to_string()));
            row.push(w.iter().sum::<u64>().to_string());
            row
        })
        .collect();
    blocks.push(Block::Table(header, rows));
    debug_assert_eq!(WAVE_MONTHS, 24);

    blocks.push(Block::Heading(t("report-h-data")));
    let mut notes = vec![t("report-data-source"), t("report-data-periods")];
    if !y.unreadable.is_empty() {
        let seqs: Vec<String> = y
            .unreadable
            .iter()
            .take(20)
            .map(|u| u.seq.to_string())
            .collect();
        notes.push(msg.text(
            "report-data-unreadable",
            &[
                ("count", &y.unreadable.len().to_string()),
                ("seqs", &seqs.join(", ")),
            ],
        ));
    }
    blocks.push(Block::List(notes));
    blocks
}

/// The expiry watch list as a document.
pub fn expiry_blocks(
    msg: &Messages,
    list: &[Expiring],
    within: i64,
    now: OffsetDateTime,
) -> Vec<Block> {
    let t = |id: &str| msg.text(id, &[]);
    let mut blocks = vec![Block::Title(msg.text(
        "report-expiry-title",
        &[("days", &within.to_string()), ("date", &fmt_date(now))],
    ))];
    if list.is_empty() {
        blocks.push(Block::Para(t("report-expiry-none")));
        return blocks;
    }
    let mut by_dept: BTreeMap<&str, Vec<&Expiring>> = BTreeMap::new();
    for e in list {
        by_dept.entry(e.department.as_str()).or_default().push(e);
    }
    let mut summary = vec![];
    for (d, items) in &by_dept {
        summary.push(vec![dept_label(msg, d), items.len().to_string()]);
    }
    blocks.push(Block::Table(
        vec![t("report-col-department"), t("report-col-count")],
        summary,
    ));
    for (d, items) in by_dept {
        blocks.push(Block::Heading(dept_label(msg, d)));
        blocks.push(Block::Table(
            vec![
                t("report-col-serial"),
                "NIP".into(),
                t("report-col-name"),
                t("report-col-not-after"),
                t("report-col-days-left"),
            ],
            items
                .iter()
                .map(|e| {
                    vec![
                        e.serial.clone(),
                        e.nip.clone().unwrap_or_else(|| "-".into()),
                        e.name.clone().unwrap_or_else(|| "-".into()),
                        fmt_date(e.not_after),
                        e.days_left.to_string(),
                    ]
                })
                .collect(),
        ));
    }
    blocks
}

/// Writes `bytes` to `path` (temporary name, then rename).
pub fn write_output(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let err = |source| {
        ReportError::Service(ServiceError::Write {
            path: path.to_owned(),
            source,
        })
    };
    let tmp: PathBuf = {
        let mut name = path.file_name().unwrap_or_default().to_owned();
        name.push(".tmp");
        path.with_file_name(name)
    };
    std::fs::write(&tmp, bytes).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

/// A reporting error as a message + hint (ids in `report.ftl`, else the shared mapping).
pub fn user_error(e: ReportError) -> UserError {
    match e {
        ReportError::Service(s) => crate::errors::from_service(s),
        ReportError::Incident(IncidentError::UnknownCategory { given }) => {
            UserError::refused("incident.category", "incident-err-category")
                .arg("given", given)
                .arg(
                    "allowed",
                    Category::ALL.map(Category::as_str).join(", "),
                )
                .hint("incident-hint-category")
        }
        ReportError::Incident(IncidentError::Empty { field }) => {
            UserError::refused("incident.empty", "incident-err-empty").arg("field", field)
        }
        ReportError::Incident(IncidentError::TooLong { field, len, max }) => {
            UserError::refused("incident.too_long", "incident-err-too-long")
                .arg("field", field)
                .arg("len", len)
                .arg("max", max)
        }
        ReportError::Incident(IncidentError::Transition { id, status, .. }) => {
            UserError::refused("incident.transition", "incident-err-transition")
                .arg("id", id)
                .arg("status", status)
                .hint("incident-hint-list")
        }
        ReportError::RosterInvalid(problems) => {
            UserError::refused("roster.invalid", "roster-err-invalid")
                .arg("count", problems.len())
                .hint("roster-hint-fix")
                .data(json!({"problems": problems.iter().map(|p| json!({
                    "line": p.line, "field": p.field, "code": p.code,
                    "args": p.args.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
                })).collect::<Vec<_>>()}))
        }
        ReportError::RosterEmpty => {
            UserError::refused("roster.empty", "roster-err-empty").hint("roster-hint-fix")
        }
        ReportError::BadTime { given } => UserError::failed("input.time", "report-err-time")
            .arg("given", given)
            .hint("report-hint-time"),
        ReportError::FutureTime { given } => {
            UserError::refused("input.future_time", "report-err-future").arg("given", given)
        }
        ReportError::BadYear { year } => {
            UserError::failed("input.year", "report-err-year").arg("year", year)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Benchmark and seeding support.

/// A clock the seeder sets before each event (scratch stores for benchmarks and tests).
#[derive(Debug, Default)]
pub struct SettableClock(std::sync::atomic::AtomicI64);

impl SettableClock {
    pub fn new(t: OffsetDateTime) -> Self {
        SettableClock(std::sync::atomic::AtomicI64::new(
            crate::domain::ledger::unix_millis(t),
        ))
    }
    pub fn set(&self, t: OffsetDateTime) {
        self.0.store(
            crate::domain::ledger::unix_millis(t),
            std::sync::atomic::Ordering::Relaxed,
        );
    }
}

impl crate::ports::Clock for SettableClock {
    fn now(&self) -> OffsetDateTime {
        crate::domain::ledger::from_unix_millis(self.0.load(std::sync::atomic::Ordering::Relaxed))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

/// Figures of [`report_bench`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReportBenchFigures {
    pub certificates: u64,
    pub events: u64,
    pub roster: u64,
    pub seed: std::time::Duration,
    /// Reading the report-relevant events and the roster from SQLite.
    pub read: std::time::Duration,
    pub aggregate: std::time::Duration,
    /// CSV + Markdown + PDF.
    pub render: std::time::Duration,
    pub db_bytes: u64,
    pub issued_in_report: u64,
}

impl ReportBenchFigures {
    pub fn total(&self) -> std::time::Duration {
        self.read + self.aggregate + self.render
    }
}

impl std::fmt::Display for ReportBenchFigures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "report bench: {} certificates, {} events, {} ASN, {:.1} MB file (seeded in {:.1} s)",
            self.certificates,
            self.events,
            self.roster,
            self.db_bytes as f64 / 1e6,
            self.seed.as_secs_f64()
        )?;
        writeln!(
            f,
            "  read events + roster   {:>7.3} s",
            self.read.as_secs_f64()
        )?;
        writeln!(
            f,
            "  aggregate              {:>7.3} s",
            self.aggregate.as_secs_f64()
        )?;
        writeln!(
            f,
            "  render csv + md + pdf  {:>7.3} s",
            self.render.as_secs_f64()
        )?;
        writeln!(
            f,
            "  yearly report total    {:>7.3} s (target < 2 s: {})",
            self.total().as_secs_f64(),
            if self.total().as_secs_f64() < 2.0 {
                "met"
            } else {
                "NOT met"
            }
        )
    }
}

/// Department `i` of the synthetic data (40 departments, one name with a comma).
pub fn synthetic_department(i: usize) -> String {
    if i == 7 {
        "Dinas Pemuda, Olahraga dan Pariwisata".to_owned()
    } else {
        format!("Perangkat Daerah {:02}", i + 1)
    }
}

/// A valid, unique NIP for synthetic ASN number `i` (< 9,990,000).
pub fn synthetic_nip(i: u64) -> String {
    let birth = time::macros::date!(1960 - 01 - 01) + time::Duration::days((i / 999) as i64 % 4000);
    format!(
        "{:04}{:02}{:02}199001{}{:03}",
        birth.year(),
        u8::from(birth.month()),
        birth.day(),
        1 + i % 2,
        i % 999 + 1
    )
}

/// Builds a scratch store under `dir` holding `certificates` issued certificates in a year of
/// `events` ledger events (applications, approvals, issuance, renewals, revocations,
/// rejections, incidents, the rest other custody events), in units of 100,000 events, then
/// times the yearly report (read, aggregate, render CSV, Markdown and PDF).
pub fn report_bench(
    dir: &Path,
    certificates: u64,
    events: u64,
    signer: &dyn crate::ports::CheckpointSigner,
) -> Result<ReportBenchFigures, ReportError> {
    use std::time::Instant;
    let c = certificates.max(100);
    let slots = (events / c).max(10);
    let total_events = c * slots;
    let path = dir.join("report-bench.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let mut store = SqliteStore::open(&path)?;
    let year = 2025;
    let start = report::year_start(year);
    let step_ms =
        (report::year_end(year) - start).whole_milliseconds() as i64 / total_events as i64;
    let clock = SettableClock::new(start);
    let dept = |b: u64| synthetic_department((b % 40) as usize);
    let roster: Vec<RosterEntry> = (0..c)
        .map(|b| RosterEntry {
            nip: synthetic_nip(b),
            name: format!("ASN {b}"),
            department: dept(b),
            position: None,
        })
        .collect();
    const FILLER: [&str; 4] = [
        "document.attached",
        "key.generated",
        "token.initialized",
        "token.handed_over",
    ];
    const REASONS: [&str; 4] = [
        "key_compromise",
        "affiliation_changed",
        "superseded",
        "cessation_of_operation",
    ];
    const CATEGORIES: [&str; 3] = ["lost_key", "damaged_key", "authentication"];
    let seed_start = Instant::now();
    let actor = "officer:198503012010011001";
    let per_unit = 100_000u64;
    let mut j = 0u64;
    while j < total_events {
        let upto = (j + per_unit).min(total_events);
        store.unit_of_work(signer, &clock, |tx| {
            if j == 0 {
                tx.replace_roster(&roster)?;
            }
            for g in j..upto {
                let (b, slot) = (g / slots, g % slots);
                clock.set(start + time::Duration::milliseconds(step_ms * g as i64));
                let serial = format!("{:x}", 0x1000_0000 + b);
                let app = format!("APP-{b:06}");
                let not_after = |extra: i64| {
                    fmt_rfc3339(
                        start
                            + time::Duration::milliseconds(step_ms * g as i64)
                            + time::Duration::days(700 + (b % 90) as i64 + extra),
                    )
                };
                let (kind, subject, data) = match slot {
                    0 => (kinds::APPLICATION_SUBMITTED, app, json!({"kind": "individual", "department": dept(b)})),
                    1 => (kinds::APPLICATION_APPROVED, app, json!({"from": "submitted"})),
                    2 => (
                        "certificate.issued",
                        serial.clone(),
                        json!({"serial": serial, "application": app, "token": format!("TOK-{b}"),
                               "not_after": not_after(0), "kind": "individual",
                               "department": dept(b), "nip": synthetic_nip(b)}),
                    ),
                    3 if b % 10 == 5 && b >= 1000 => {
                        let new = format!("r{serial}");
                        (
                            "certificate.renewed",
                            new.clone(),
                            json!({"serial": new, "previous_serial": format!("{:x}", 0x1000_0000 + b - 1000),
                                   "not_after": not_after(30), "kind": "individual",
                                   "department": dept(b - 1000), "nip": synthetic_nip(b - 1000)}),
                        )
                    }
                    4 if b % 20 == 7 && b >= 100 => {
                        let old = format!("{:x}", 0x1000_0000 + b - 100);
                        ("certificate.revoked", old.clone(),
                         json!({"serial": old, "reason": REASONS[(b % 4) as usize]}))
                    }
                    5 if b % 10 == 3 => (kinds::APPLICATION_SUBMITTED, format!("APP-R{b:06}"),
                                         json!({"kind": "individual", "department": dept(b)})),
                    6 if b % 10 == 3 => (kinds::APPLICATION_REJECTED, format!("APP-R{b:06}"),
                                         json!({"from": "submitted", "reason": "dokumen tidak lengkap"})),
                    7 if b % 100 == 11 => (kinds::INCIDENT_RECORDED, format!("INC-{b:06}"),
                                           json!({"category": CATEGORIES[(b % 3) as usize], "certificate": serial})),
                    s => (FILLER[(s % 4) as usize], app, json!({"n": g})),
                };
                tx.append_event(kind, &subject, actor, data)?;
            }
            Ok::<_, StoreError>(())
        })?;
        j = upto;
    }
    let seed = seed_start.elapsed();
    let events = store.ledger_len()?;
    drop(store);
    let store = SqliteStore::open(&path)?;

    let t0 = Instant::now();
    let mut input = store.report_input(report::year_end(year))?;
    let read = t0.elapsed();
    let t1 = Instant::now();
    let rep = report::yearly(
        year,
        &mut input.facts,
        &input.roster,
        &input.application_departments,
    );
    let aggregate = t1.elapsed();
    let t2 = Instant::now();
    let y = Yearly {
        report: rep,
        unreadable: input.unreadable,
    };
    let msg = Messages::new(crate::i18n::Lang::Id);
    let csv = yearly_csv(&y);
    let blocks = yearly_blocks(&msg, "OP Kabupaten Bekasi", &y, OffsetDateTime::now_utc());
    let md = to_markdown(&blocks);
    let pdf = text_to_pdf(&to_text(&blocks), "bench");
    std::hint::black_box((csv.len(), md.len(), pdf.len()));
    let render = t2.elapsed();
    let db_bytes = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", path.display())).ok())
        .map(|m| m.len())
        .sum();
    Ok(ReportBenchFigures {
        certificates: c,
        events,
        roster: c,
        seed,
        read,
        aggregate,
        render,
        db_bytes,
        issued_in_report: y.report.total().issued,
    })
}
