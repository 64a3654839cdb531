//! `kustodi roster …`, `kustodi report …` and `kustodi bench report`.

use kustodi::home::Home;
use kustodi::reports::{self, user_error};
use kustodi::service::ServiceError;
use kustodi::station_key::open_station_key;
use serde_json::{Value, json};

use super::args::{Cli, DocFormat, ReportCmd, RosterCmd};
use super::output::{CliError, Exit, Out};
use super::{actor, open_station, ts};
use kustodi::errors::from_service;

pub fn roster(cli: &Cli, out: &Out, cmd: &RosterCmd) -> Result<Exit, CliError> {
    match cmd {
        RosterCmd::Import { file } => {
            let mut station = open_station(cli)?;
            match reports::import_roster(&mut station, file, &actor(cli)) {
                Ok(done) => {
                    out.json(&json!({"rows": done.rows, "departments": done.departments,
                        "sha256": done.sha256}));
                    out.say(
                        "roster-imported",
                        &[
                            ("rows", &done.rows.to_string()),
                            ("departments", &done.departments.to_string()),
                            ("sha256", &done.sha256),
                        ],
                    );
                    Ok(Exit::Ok)
                }
                Err(reports::ReportError::RosterInvalid(problems)) => {
                    if !out.json {
                        out.say(
                            "roster-err-invalid",
                            &[("count", &problems.len().to_string())],
                        );
                        for p in &problems {
                            let field = if p.field.is_empty() { "-" } else { p.field };
                            out.line(format!(
                                "  ✗ {} {}, {field} [{}]: {}",
                                out.t("roster-label-line", &[]),
                                p.line,
                                p.code,
                                p.text(&out.msg)
                            ));
                        }
                    }
                    let e = user_error(reports::ReportError::RosterInvalid(problems.clone()));
                    if out.json {
                        out.error(&e);
                    } else if let Some(h) = e.hint_text(&out.msg) {
                        out.line(format!("{}: {h}", out.t("label-hint", &[])));
                    }
                    Ok(Exit::Refused)
                }
                Err(e) => Err(user_error(e)),
            }
        }
        RosterCmd::List { department } => {
            let station = open_station(cli)?;
            let rows = station
                .store()
                .roster(department.as_deref())
                .map_err(|e| from_service(e.into()))?;
            if out.json {
                out.json(&Value::Array(
                    rows.iter()
                        .map(|r| {
                            json!({"nip": r.nip, "name": r.name,
                            "department": r.department, "position": r.position})
                        })
                        .collect(),
                ));
            } else if rows.is_empty() {
                out.say("roster-list-empty", &[]);
            } else {
                for r in &rows {
                    out.line(format!(
                        "{}  {:<32} {}  {}",
                        r.nip,
                        r.name,
                        r.department,
                        r.position.as_deref().unwrap_or("")
                    ));
                }
                out.say("roster-list-count", &[("count", &rows.len().to_string())]);
            }
            Ok(Exit::Ok)
        }
    }
}

pub fn report(cli: &Cli, out: &Out, cmd: &ReportCmd) -> Result<Exit, CliError> {
    let station = open_station(cli)?;
    match cmd {
        ReportCmd::Yearly {
            year,
            format,
            out: path,
        } => {
            let y = reports::yearly(station.store(), *year).map_err(user_error)?;
            let authority = &station.config().station.authority;
            let bytes = match format {
                DocFormat::Csv => reports::yearly_csv(&y).into_bytes(),
                DocFormat::Md => reports::to_markdown(&reports::yearly_blocks(
                    &out.msg,
                    authority,
                    &y,
                    station.now(),
                ))
                .into_bytes(),
                DocFormat::Txt => reports::to_text(&reports::yearly_blocks(
                    &out.msg,
                    authority,
                    &y,
                    station.now(),
                ))
                .into_bytes(),
                DocFormat::Pdf => {
                    let blocks = reports::yearly_blocks(&out.msg, authority, &y, station.now());
                    reports::text_to_pdf(&reports::to_text(&blocks), &year.to_string())
                }
            };
            reports::write_output(path, &bytes).map_err(user_error)?;
            let total = y.report.total();
            let cov = y.report.coverage_total();
            out.json(&json!({"year": year, "out": path, "issued": total.issued,
                "renewed": total.renewed, "revoked": total.revoked,
                "incidents": total.incidents, "asn": cov.asn,
                "asn_with_certificate": cov.with_certificate,
                "unreadable_events": y.unreadable.len()}));
            out.say(
                "report-yearly-written",
                &[
                    ("year", &year.to_string()),
                    ("path", &path.display().to_string()),
                ],
            );
            if !y.unreadable.is_empty() {
                out.say(
                    "report-unreadable-warning",
                    &[("count", &y.unreadable.len().to_string())],
                );
            }
            Ok(Exit::Ok)
        }
        ReportCmd::Expiry {
            within,
            out: path,
            format,
        } => {
            let now = station.now();
            let list =
                reports::expiry(station.store(), now, i64::from(*within)).map_err(user_error)?;
            let blocks = reports::expiry_blocks(&out.msg, &list, i64::from(*within), now);
            if let Some(path) = path {
                let bytes = match format {
                    DocFormat::Md => reports::to_markdown(&blocks).into_bytes(),
                    DocFormat::Txt => reports::to_text(&blocks).into_bytes(),
                    DocFormat::Pdf => reports::text_to_pdf(&reports::to_text(&blocks), "expiry"),
                    DocFormat::Csv => {
                        let mut s =
                            String::from("department,serial,nip,name,not_after,days_left\n");
                        for e in &list {
                            s.push_str(&format!(
                                "{},{},{},{},{},{}\n",
                                reports::csv_escape(&e.department),
                                reports::csv_escape(&e.serial),
                                e.nip.as_deref().unwrap_or(""),
                                reports::csv_escape(e.name.as_deref().unwrap_or("")),
                                ts(&e.not_after),
                                e.days_left
                            ));
                        }
                        s.into_bytes()
                    }
                };
                reports::write_output(path, &bytes).map_err(user_error)?;
                out.say(
                    "report-expiry-written",
                    &[
                        ("count", &list.len().to_string()),
                        ("path", &path.display().to_string()),
                    ],
                );
            } else {
                out.line(reports::to_text(&blocks).trim_end());
            }
            out.json(&Value::Array(
                list.iter()
                    .map(|e| {
                        json!({"department": e.department, "serial": e.serial,
                        "nip": e.nip, "name": e.name, "not_after": ts(&e.not_after),
                        "days_left": e.days_left})
                    })
                    .collect(),
            ));
            Ok(Exit::Ok)
        }
    }
}

pub fn bench_report(
    cli: &Cli,
    out: &Out,
    certificates: u64,
    events: u64,
) -> Result<Exit, CliError> {
    let home = Home::locate(cli.home.clone()).map_err(|e| from_service(e.into()))?;
    let config = home.load_config().map_err(|e| from_service(e.into()))?;
    let key = open_station_key(&home, &config).map_err(|e| from_service(e.into()))?;
    let dir = tempfile::tempdir_in(home.root()).map_err(|source| {
        from_service(ServiceError::Write {
            path: home.root().to_owned(),
            source,
        })
    })?;
    let f = reports::report_bench(dir.path(), certificates, events, &key).map_err(user_error)?;
    out.json(&json!({
        "certificates": f.certificates, "events": f.events, "roster": f.roster,
        "db_bytes": f.db_bytes, "seed_s": f.seed.as_secs_f64(), "read_s": f.read.as_secs_f64(),
        "aggregate_s": f.aggregate.as_secs_f64(), "render_s": f.render.as_secs_f64(),
        "total_s": f.total().as_secs_f64(), "issued_in_report": f.issued_in_report,
    }));
    out.line(f.to_string());
    Ok(Exit::Ok)
}
