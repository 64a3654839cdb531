//! The `kustodi` command line: parses arguments, calls the service, prints text or JSON.

pub mod args;
pub mod enroll;
pub mod enroll_bench;
pub mod incident;
pub mod lifecycle;
pub mod output;
pub mod report;
pub mod sandbox;
pub mod token;

use std::path::Path;

use kustodi::domain::application::Decision;
use kustodi::domain::ledger::Event;
use kustodi::domain::problem::Problem;
use kustodi::home::Home;
use kustodi::i18n::Lang;
use kustodi::ports::SystemClock;
use kustodi::service::{ServiceError, Station};
use kustodi::store::ApplicationFilter;
use serde_json::{Value, json};

use args::*;
use kustodi::errors::{self as errors, from_service};
use output::{CliError, Exit, Out};

/// Runs one command; returns the exit code.
pub fn run(cli: Cli) -> Exit {
    let lang = match cli.lang {
        Some(LangArg::Id) => Lang::Id,
        Some(LangArg::En) => Lang::En,
        None => Lang::from_env_values(&[
            std::env::var("LC_ALL").ok(),
            std::env::var("LC_MESSAGES").ok(),
            std::env::var("LANG").ok(),
        ]),
    };
    let out = Out::new(cli.json, lang);
    // The home holds names, NIK and NIP: private to its owner (0700, files 0600). Looser modes
    // found at open are tightened, with a warning (issue 16).
    if let Ok(home) = Home::locate(cli.home.clone())
        && home.is_initialised()
    {
        match kustodi::home::tighten_permissions(home.root()) {
            Ok(paths) => {
                for p in paths {
                    eprintln!(
                        "{}",
                        out.t(
                            "home-permissions-tightened",
                            &[("path", &p.display().to_string())]
                        )
                    );
                }
            }
            Err(e) => eprintln!("{e}"),
        }
    }
    match dispatch(&cli, &out) {
        Ok(exit) => exit,
        Err(e) => {
            out.error(&e);
            e.exit
        }
    }
}

pub(crate) fn actor(cli: &Cli) -> String {
    let who = cli
        .officer
        .clone()
        .filter(|o| !o.trim().is_empty())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "unknown".into());
    format!("officer:{}", who.trim())
}

fn home(cli: &Cli) -> Result<Home, CliError> {
    Home::locate(cli.home.clone()).map_err(|e| from_service(ServiceError::Home(e)))
}

pub(crate) fn open_station(cli: &Cli) -> Result<Station<'static>, CliError> {
    kustodi::station_key::open_station(home(cli)?, Box::new(SystemClock)).map_err(from_service)
}

/// Whether a command changes the station's records (an auditor may run none of these).
fn changes_state(cmd: &Command) -> bool {
    match cmd {
        Command::Application(c) => matches!(
            c,
            ApplicationCmd::Submit { .. }
                | ApplicationCmd::Approve { .. }
                | ApplicationCmd::Reject { .. }
        ),
        Command::Token(c) => !matches!(c, TokenCmd::List(_)),
        Command::Session(c) => !matches!(c, SessionCmd::List { .. } | SessionCmd::Csr { .. }),
        Command::Certificate(c) => matches!(c, CertificateCmd::Import { .. }),
        Command::Ca(c) => matches!(c, CaCmd::Crl { .. }),
        Command::Revocation(c) => {
            matches!(
                c,
                RevocationCmd::Confirm { .. } | RevocationCmd::Link { .. }
            )
        }
        Command::Incident(c) => matches!(c, IncidentCmd::Add { .. } | IncidentCmd::Close { .. }),
        Command::Roster(c) => matches!(c, RosterCmd::Import { .. }),
        Command::Enroll(_) | Command::Renew(_) | Command::Revoke(_) | Command::Unblock(_) => true,
        _ => false,
    }
}

/// An auditor (by `--officer` id) reads everything and changes nothing.
fn refuse_auditor(cli: &Cli) -> Result<(), CliError> {
    if !changes_state(&cli.command) || cli.officer.as_deref().is_none_or(|o| o.trim().is_empty()) {
        return Ok(());
    }
    // A home that is not (yet) a station gives its own error in the command itself.
    let Ok(station) = open_station(cli) else {
        return Ok(());
    };
    kustodi::lifecycle::actor(&station, &lifecycle::actor_id(cli))
        .and_then(|a| a.require_officer())
        .map_err(lifecycle::lifecycle_error)
}

fn dispatch(cli: &Cli, out: &Out) -> Result<Exit, CliError> {
    refuse_auditor(cli)?;
    match &cli.command {
        Command::Sandbox(cmd) => sandbox::sandbox(cli, out, cmd),
        Command::Application(cmd) => application(cli, out, cmd),
        Command::Ledger(cmd) => ledger(cli, out, cmd),
        Command::CertProfile(CertProfileCmd::Show { id, algorithm }) => {
            let station = open_station(cli)?;
            let t = station
                .certificate_template(id, algorithm)
                .map_err(from_service)?;
            if out.json {
                out.json(&serde_json::to_value(&t).unwrap_or(Value::Null));
            } else {
                let subject: Vec<String> =
                    t.subject.iter().map(|(a, v)| format!("{a}={v}")).collect();
                out.line(format!(
                    "{}: {}",
                    out.t("label-subject", &[]),
                    subject.join(", ")
                ));
                let join = |s: &std::collections::BTreeSet<String>| {
                    s.iter().cloned().collect::<Vec<_>>().join(", ")
                };
                out.line(format!(
                    "{}: {}",
                    out.t("label-key-usage", &[]),
                    join(&t.key_usage)
                ));
                out.line(format!(
                    "{}: {}",
                    out.t("label-eku", &[]),
                    join(&t.extended_key_usage)
                ));
                let sans: Vec<String> = t
                    .san_email
                    .iter()
                    .map(|e| format!("email:{e}"))
                    .chain(t.san_dns.iter().map(|d| format!("DNS:{d}")))
                    .collect();
                out.line(format!("{}: {}", out.t("label-san", &[]), sans.join(", ")));
                out.line(format!(
                    "{}: {}",
                    out.t("label-validity-days", &[]),
                    t.validity_days
                ));
            }
            Ok(Exit::Ok)
        }
        Command::Profiles(ProfilesCmd::Check { dir }) => profiles_check(out, dir.as_deref()),
        Command::Token(cmd @ (TokenCmd::List(_) | TokenCmd::Init(_))) => token::run(cli, out, cmd),
        Command::Token(cmd) => lifecycle::token(cli, out, cmd),
        Command::Ca(CaCmd::Crl { out: path }) => lifecycle::ca_crl(cli, out, path.as_deref()),
        Command::Renew(args) => lifecycle::renew(cli, out, args),
        Command::Revoke(args) => lifecycle::revoke(cli, out, args),
        Command::Revocation(cmd) => lifecycle::revocation(cli, out, cmd),
        Command::Unblock(args) => lifecycle::unblock(cli, out, args),
        Command::Audit(cmd) => lifecycle::audit(cli, out, cmd),
        Command::Bench(BenchCmd::Ledger { events, batch }) => {
            sandbox::bench_ledger(cli, out, *events, *batch)
        }
        Command::Bench(BenchCmd::Enroll { count, algorithm }) => {
            enroll::bench(cli, out, *count, algorithm)
        }
        Command::Enroll(args) => enroll::enroll(cli, out, args),
        Command::Agreement(AgreementCmd::Show) => enroll::agreement_show(out),
        Command::Session(cmd) => enroll::session(cli, out, cmd),
        Command::Ca(cmd) => enroll::ca(cli, out, cmd),
        Command::Certificate(cmd) => enroll::certificate(cli, out, cmd),
        Command::Receipt(cmd) => enroll::receipt(cli, out, cmd),
        Command::Bench(BenchCmd::Report {
            certificates,
            events,
        }) => report::bench_report(cli, out, *certificates, *events),
        Command::Roster(cmd) => report::roster(cli, out, cmd),
        Command::Incident(cmd) => incident::incident(cli, out, cmd),
        Command::Report(cmd) => report::report(cli, out, cmd),
    }
}

fn profiles_check(out: &Out, dir: Option<&Path>) -> Result<Exit, CliError> {
    use kustodi::token::profiles;
    let result = match dir {
        Some(d) => profiles::check_dir(d),
        None => {
            let sources: Vec<(String, String)> = profiles::EMBEDDED
                .iter()
                .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
                .collect();
            profiles::check_sources(&sources).map(|(_, s)| s)
        }
    };
    match result {
        Ok(summaries) => {
            out.json(
                &json!({"valid": true, "profiles": summaries.iter().map(|s| json!({
                "file": s.file, "id": s.id, "name": s.name, "vendor": s.vendor,
                "priority": s.priority, "generic": s.generic, "fallback": s.fallback,
                "advisories": s.advisories})).collect::<Vec<_>>()}),
            );
            for s in &summaries {
                let adv = if s.advisories.is_empty() {
                    "-".to_owned()
                } else {
                    s.advisories.join(", ")
                };
                out.line(format!("  ✓ {:<28} {:<34} {adv}", s.file, s.name));
            }
            out.say("profiles-valid", &[("count", &summaries.len().to_string())]);
            Ok(Exit::Ok)
        }
        Err(errors) => {
            out.json(&json!({"valid": false, "errors": errors.iter().map(|e| json!({
                "file": e.file, "key": e.key, "problem": e.problem.to_string()})).collect::<Vec<_>>()}));
            for e in &errors {
                out.line(format!("  ✗ {} {}: {}", e.file, e.key, e.problem));
            }
            out.say("profiles-invalid", &[("count", &errors.len().to_string())]);
            Ok(Exit::Refused)
        }
    }
}

/// A problem as text in the user's language.
pub fn problem_message(out: &Out, p: &Problem) -> String {
    errors::problem_text(&out.msg, p)
}

fn problems_json(out: &Out, problems: &[Problem]) -> Value {
    Value::Array(
        problems
            .iter()
            .map(|p| json!({"field": p.field, "code": p.code, "message": problem_message(out, p)}))
            .collect(),
    )
}

fn print_problems(out: &Out, problems: &[Problem]) {
    for p in problems {
        let field = if p.field.is_empty() { "-" } else { &p.field };
        out.line(format!(
            "  ✗ {field} [{}]: {}",
            p.code,
            problem_message(out, p)
        ));
    }
}

fn application(cli: &Cli, out: &Out, cmd: &ApplicationCmd) -> Result<Exit, CliError> {
    match cmd {
        ApplicationCmd::Check { file } => {
            let station = open_station(cli)?;
            let checked = match station.check_application(file) {
                Ok(c) => c,
                Err(ServiceError::Form(e)) => return Err(errors::form_error(&out.msg, &e)),
                Err(e) => return Err(from_service(e)),
            };
            let valid = checked.problems.is_empty();
            out.json(&json!({"valid": valid, "problems": problems_json(out, &checked.problems)}));
            if valid {
                out.say("app-check-valid", &[("file", &file.display().to_string())]);
                Ok(Exit::Ok)
            } else {
                out.say(
                    "app-check-invalid",
                    &[
                        ("file", &file.display().to_string()),
                        ("count", &checked.problems.len().to_string()),
                    ],
                );
                print_problems(out, &checked.problems);
                Ok(Exit::Refused)
            }
        }
        ApplicationCmd::Submit { file } => {
            let mut station = open_station(cli)?;
            match station.submit_application(file, &actor(cli)) {
                Ok(id) => {
                    out.json(&json!({"id": id}));
                    out.say("app-submitted", &[("id", &id)]);
                    out.line(&id);
                    Ok(Exit::Ok)
                }
                Err(ServiceError::Invalid(problems)) => {
                    out.json(&json!({"valid": false, "problems": problems_json(out, &problems)}));
                    out.say(
                        "app-submit-refused",
                        &[("count", &problems.len().to_string())],
                    );
                    print_problems(out, &problems);
                    Ok(Exit::Refused)
                }
                Err(ServiceError::Form(e)) => Err(errors::form_error(&out.msg, &e)),
                Err(e) => Err(from_service(e)),
            }
        }
        ApplicationCmd::List {
            status,
            limit,
            offset,
        } => {
            let station = open_station(cli)?;
            let rows = station
                .applications(&ApplicationFilter {
                    status: status.clone(),
                    kind: None,
                    limit: *limit,
                    offset: *offset,
                })
                .map_err(from_service)?;
            if out.json {
                out.json(&Value::Array(rows.iter().map(row_json).collect()));
            } else if rows.is_empty() {
                out.say("app-list-empty", &[]);
            } else {
                out.line(format!(
                    "{:<11} {:<10} {:<9} {:<28} {}",
                    "ID",
                    out.t("label-kind", &[]),
                    "Status",
                    out.t("label-name", &[]),
                    out.t("label-department", &[])
                ));
                for r in &rows {
                    out.line(format!(
                        "{:<11} {:<10} {:<9} {:<28} {}",
                        r.id,
                        r.kind,
                        r.status,
                        truncate(&r.applicant_name, 28),
                        r.department
                    ));
                }
            }
            Ok(Exit::Ok)
        }
        ApplicationCmd::Show { id } => {
            let station = open_station(cli)?;
            let view = station.application(id).map_err(from_service)?;
            let form = station.form_of(&view.row).map_err(from_service)?;
            if out.json {
                let mut v = row_json(&view.row);
                v["form"] = serde_json::to_value(&form).unwrap_or(Value::Null);
                v["documents"] = Value::Array(
                    view.documents
                        .iter()
                        .map(|d| json!({"kind": d.kind, "sha256": d.sha256, "size": d.size, "original_name": d.original_name}))
                        .collect(),
                );
                out.json(&v);
            } else {
                let r = &view.row;
                out.line(format!("{}  [{}]  {}", r.id, r.kind, r.status));
                out.line(format!(
                    "  {}: {}",
                    out.t("label-name", &[]),
                    r.applicant_name
                ));
                out.line(format!(
                    "  {}: {}",
                    out.t("label-department", &[]),
                    r.department
                ));
                if let Some(e) = &form.applicant.email {
                    out.line(format!("  e-mail: {e}"));
                }
                let uses: Vec<&str> = form.uses.iter().map(|u| u.as_str()).collect();
                out.line(format!(
                    "  {}: {}",
                    out.t("label-uses", &[]),
                    uses.join(", ")
                ));
                out.line(format!(
                    "  {}: {} ({})",
                    out.t("label-submitted", &[]),
                    ts(&r.submitted_at),
                    r.submitted_by
                ));
                if let (Some(at), Some(by)) = (&r.decided_at, &r.decided_by) {
                    out.line(format!(
                        "  {}: {} ({by})",
                        out.t("label-decided", &[]),
                        ts(at)
                    ));
                }
                if let Some(reason) = &r.decision_reason {
                    out.line(format!("  {}: {reason}", out.t("label-reason", &[])));
                }
                out.line(format!("  {}:", out.t("label-documents", &[])));
                for d in &view.documents {
                    out.line(format!(
                        "    {:<19} {} {} B  sha256:{}",
                        d.kind, d.original_name, d.size, d.sha256
                    ));
                }
            }
            Ok(Exit::Ok)
        }
        ApplicationCmd::Approve { id } => decide(cli, out, id, &Decision::Approve),
        ApplicationCmd::Reject { id, reason } => decide(
            cli,
            out,
            id,
            &Decision::Reject {
                reason: reason.clone(),
            },
        ),
        ApplicationCmd::Document {
            id,
            kind,
            identity,
            out: path,
        } => {
            let mut station = open_station(cli)?;
            let doc = station
                .read_document(id, kind, identity, path, &actor(cli))
                .map_err(from_service)?;
            out.json(&json!({"id": id, "kind": doc.kind, "sha256": doc.sha256, "out": path}));
            out.say(
                "app-document-written",
                &[("kind", &doc.kind), ("path", &path.display().to_string())],
            );
            Ok(Exit::Ok)
        }
    }
}

fn decide(cli: &Cli, out: &Out, id: &str, decision: &Decision) -> Result<Exit, CliError> {
    let mut station = open_station(cli)?;
    let status = station
        .decide(id, decision, &actor(cli))
        .map_err(from_service)?;
    out.json(&json!({"id": id, "status": status.as_str()}));
    let msg = match decision {
        Decision::Approve => "app-approved",
        Decision::Reject { .. } => "app-rejected",
    };
    out.say(msg, &[("id", id)]);
    Ok(Exit::Ok)
}

/// A time as RFC 3339 (UTC), as people and scripts read it.
fn ts(t: &time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

fn row_json(r: &kustodi::store::ApplicationRow) -> Value {
    json!({
        "id": r.id, "kind": r.kind, "status": r.status,
        "applicant_name": r.applicant_name, "department": r.department,
        "submitted_at": ts(&r.submitted_at), "submitted_by": r.submitted_by,
        "decided_at": r.decided_at.as_ref().map(ts), "decided_by": r.decided_by,
        "decision_reason": r.decision_reason,
    })
}

fn event_json(e: &Event) -> Value {
    json!({"seq": e.seq, "time": ts(&e.time), "kind": e.kind, "subject": e.subject,
           "actor": e.actor, "data": e.data})
}

/// One step of the verify report: its JSON, its message id and the message's arguments.
type ReportStep = (Value, String, Vec<(&'static str, String)>);

/// The station-token step of `ledger verify` (issue 16): the database against the checkpoint
/// the token keeps. A rollback is an error; the rest is a line (or a warning) of the report.
fn token_checkpoint_step(station: &mut Station<'_>) -> Result<ReportStep, CliError> {
    use kustodi::domain::witness::WitnessStanding as W;
    use kustodi::service::TokenCheckpoint as T;
    let check = station.check_token_checkpoint().map_err(from_service)?;
    Ok(match check {
        T::Standing(W::InStep { tree_size }) => (
            json!({"status": "in_step", "tree_size": tree_size}),
            "ledger-token-in-step".into(),
            vec![("size", tree_size.to_string())],
        ),
        T::Standing(W::OneSealBehind { token_size, events }) => (
            json!({"status": "one_seal_behind", "tree_size": token_size, "events": events}),
            "ledger-token-one-behind".into(),
            vec![
                ("size", token_size.to_string()),
                ("events", events.to_string()),
            ],
        ),
        T::Standing(W::Behind {
            token_size,
            events,
            seals,
        }) => (
            json!({"status": "behind", "warning": true, "tree_size": token_size,
                   "events": events, "seals": seals}),
            "ledger-token-behind".into(),
            vec![
                ("size", token_size.to_string()),
                ("events", events.to_string()),
                ("seals", seals.to_string()),
            ],
        ),
        T::Missing => (
            json!({"status": "missing", "warning": true}),
            "ledger-token-missing".into(),
            vec![],
        ),
        T::Unsupported => (
            json!({"status": "unsupported", "warning": true}),
            "ledger-token-unsupported".into(),
            vec![],
        ),
        T::Unavailable { reason } => (
            json!({"status": "unavailable", "warning": true, "reason": reason}),
            "ledger-token-unavailable".into(),
            vec![("reason", reason)],
        ),
    })
}

fn ledger(cli: &Cli, out: &Out, cmd: &LedgerCmd) -> Result<Exit, CliError> {
    let mut station = open_station(cli)?;
    match cmd {
        LedgerCmd::Verify { against } => {
            // First the database against the station token's checkpoint (issue 16; skipped
            // with --against, which trusts only the auditor's file): a rollback is named as
            // such before the records it left behind. Then step 1: the chain and
            // checkpoints; step 2: every record table against the ledger, on its own line.
            let token_step = match against {
                None => Some(token_checkpoint_step(&mut station)?),
                Some(_) => None,
            };
            let result = match against {
                None => station.verify_ledger_and_records(),
                Some(file) => station
                    .verify_against(file)
                    .and_then(|r| Ok((r, station.verify_records()?))),
            };
            match result {
                Ok((report, records)) => {
                    let head = hex::encode(report.head);
                    let mut v = json!({"ok": true, "events": report.events,
                        "checkpoints": report.checkpoints, "head": head,
                        "records": {"records": records.records, "tables": records.tables,
                                    "bindings": records.bindings}});
                    if let Some((tj, _, _)) = &token_step {
                        v["token_checkpoint"] = tj.clone();
                    }
                    out.json(&v);
                    let (events, checkpoints) =
                        (report.events.to_string(), report.checkpoints.to_string());
                    let id = if against.is_some() {
                        "ledger-verify-against-ok"
                    } else {
                        "ledger-verify-ok"
                    };
                    out.say(
                        id,
                        &[
                            ("events", &events),
                            ("checkpoints", &checkpoints),
                            ("head", &head),
                        ],
                    );
                    out.say(
                        "ledger-verify-records-ok",
                        &[
                            ("records", &records.records.to_string()),
                            ("tables", &records.tables.to_string()),
                            ("bindings", &records.bindings.to_string()),
                        ],
                    );
                    if let Some((_, id, args)) = &token_step {
                        let args: Vec<(&str, &str)> =
                            args.iter().map(|(k, v)| (*k, v.as_str())).collect();
                        out.say(id, &args);
                    }
                    Ok(Exit::Ok)
                }
                Err(e) => Err(from_service(e)),
            }
        }
        LedgerCmd::Checkpoint { out: path } => {
            let cp = station.export_checkpoint(path).map_err(from_service)?;
            out.json(&serde_json::from_str::<Value>(&cp.to_json()).unwrap_or(Value::Null));
            out.say(
                "ledger-checkpoint-written",
                &[
                    ("path", &path.display().to_string()),
                    ("events", &cp.tree_size.to_string()),
                ],
            );
            Ok(Exit::Ok)
        }
        LedgerCmd::Events { from, limit } => {
            let events = station.events(*from, *limit).map_err(from_service)?;
            if out.json {
                out.json(&Value::Array(events.iter().map(event_json).collect()));
            } else {
                for e in &events {
                    out.line(format!(
                        "{:>6}  {}  {:<24} {:<12} {}  {}",
                        e.seq,
                        ts(&e.time),
                        e.kind,
                        e.subject,
                        e.actor,
                        e.data
                    ));
                }
            }
            Ok(Exit::Ok)
        }
    }
}
