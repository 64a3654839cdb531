//! `kustodi incident …`: record, list, close and report incidents (Pasal 23, 25).

use kustodi::reports::{self, IncidentInput, user_error};
use kustodi::store::reports::IncidentRow;
use serde_json::{Value, json};

use super::args::{Cli, DocFormat, IncidentCategoryArg, IncidentCmd};
use super::output::{CliError, Exit, Out};
use super::{actor, open_station, ts};
use kustodi::errors::from_service;

fn category(c: IncidentCategoryArg) -> &'static str {
    match c {
        IncidentCategoryArg::LostKey => "lost_key",
        IncidentCategoryArg::DamagedKey => "damaged_key",
        IncidentCategoryArg::Authentication => "authentication",
        IncidentCategoryArg::Authenticity => "authenticity",
        IncidentCategoryArg::NonRepudiation => "non_repudiation",
        IncidentCategoryArg::Other => "other",
    }
}

fn incident_json(r: &IncidentRow) -> Value {
    json!({
        "id": r.id, "category": r.category, "status": r.status, "summary": r.summary,
        "token": r.token_serial, "certificate": r.certificate_serial,
        "application": r.application_id, "reported_by": r.reported_by,
        "occurred_at": ts(&r.occurred_at), "recorded_at": ts(&r.recorded_at),
        "recorded_by": r.recorded_by, "closed_at": r.closed_at.as_ref().map(ts),
        "closed_by": r.closed_by, "resolution": r.resolution,
    })
}

pub fn incident(cli: &Cli, out: &Out, cmd: &IncidentCmd) -> Result<Exit, CliError> {
    match cmd {
        IncidentCmd::Add {
            category: cat,
            summary,
            token,
            certificate,
            application,
            reported_by,
            occurred_at,
        } => {
            let mut station = open_station(cli)?;
            let input = IncidentInput {
                category: category(*cat).to_owned(),
                summary: summary.clone(),
                token: token.clone(),
                certificate: certificate.clone(),
                application: application.clone(),
                reported_by: reported_by.clone(),
                occurred_at: occurred_at.clone(),
            };
            let id =
                reports::record_incident(&mut station, &input, &actor(cli)).map_err(user_error)?;
            out.json(&json!({"id": id, "status": "open"}));
            out.say("incident-recorded", &[("id", &id)]);
            out.line(&id);
            Ok(Exit::Ok)
        }
        IncidentCmd::List { open } => {
            let station = open_station(cli)?;
            let rows = station
                .store()
                .incidents(*open)
                .map_err(|e| from_service(e.into()))?;
            if out.json {
                out.json(&Value::Array(rows.iter().map(incident_json).collect()));
            } else if rows.is_empty() {
                out.say("incident-list-empty", &[]);
            } else {
                for r in &rows {
                    let category = out.t(&format!("incident-category-{}", r.category), &[]);
                    let status = out.t(&format!("incident-status-{}", r.status), &[]);
                    out.line(format!(
                        "{:<11} {:<8} {:<22} {}  {}",
                        r.id,
                        status,
                        category,
                        reports::fmt_wib(r.occurred_at),
                        r.summary
                    ));
                }
            }
            Ok(Exit::Ok)
        }
        IncidentCmd::Close { id, resolution } => {
            let mut station = open_station(cli)?;
            reports::close_incident(&mut station, id, resolution, &actor(cli))
                .map_err(user_error)?;
            out.json(&json!({"id": id, "status": "closed"}));
            out.say("incident-closed", &[("id", id)]);
            Ok(Exit::Ok)
        }
        IncidentCmd::Report {
            id,
            format,
            out: path,
        } => {
            let station = open_station(cli)?;
            let row = station
                .store()
                .incident(id)
                .map_err(|e| from_service(e.into()))?;
            let timeline = reports::incident_timeline(station.store(), &row).map_err(user_error)?;
            let blocks = reports::incident_report_blocks(
                &out.msg,
                &station.config().station.authority,
                &row,
                &timeline,
                station.now(),
            );
            let bytes = match format {
                DocFormat::Md => reports::to_markdown(&blocks).into_bytes(),
                DocFormat::Txt => reports::to_text(&blocks).into_bytes(),
                DocFormat::Pdf => reports::text_to_pdf(&reports::to_text(&blocks), id),
                DocFormat::Csv => {
                    return Err(
                        CliError::failed("input.format", "report-err-format").arg("format", "csv")
                    );
                }
            };
            reports::write_output(path, &bytes).map_err(user_error)?;
            out.json(&json!({"id": id, "out": path, "events": timeline.len()}));
            out.say(
                "incident-report-written",
                &[("id", id), ("path", &path.display().to_string())],
            );
            Ok(Exit::Ok)
        }
    }
}
