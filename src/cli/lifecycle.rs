//! `kustodi renew | revoke | revocation | unblock | audit`, the lifecycle subcommands of
//! `kustodi token` (intake, state, wiped, replace), `kustodi ca crl` and
//! `kustodi sandbox staff new`. Use cases live in [`kustodi::lifecycle`]; this maps arguments,
//! PINs and errors.

use std::path::Path;

use kustodi::domain::inventory::{InventoryError, Role, TokenState};
use kustodi::enroll::{self, Context, EnrolError, Officer};
use kustodi::errors::from_service;
use kustodi::lifecycle::{self, Actor, IntakeEntry, LifecycleError, RevokeOutcome, RevokeRequest};
use kustodi::piv_provision::{self, PivProvisionError, PivProvisionRequest};
use kustodi::ports::token::TokenError;
use kustodi::secret::Pin;
use kustodi::service::Station;
use kustodi::store::lifecycle::RevocationRow;
use kustodi::token::attestation::TrustStore;
use kustodi::token::piv::{KeygenParams, PivPinPolicy, PivProvider, PivSlot, PivTouchPolicy};
use kustodi::token::pkcs11::Pkcs11Provider;
use serde_json::{Value, json};

use super::args::{
    AuditCmd, AuditorPin, Cli, PinArgs, RenewArgs, RevocationCmd, RevokeArgs, SandboxStaffCmd,
    StaffRoleArg, TokenCmd, UnblockArgs,
};
use super::enroll::{PinReader, enrol_error, provider, receipt_lang, report};
use super::output::{CliError, Exit, Out};
use super::{open_station, ts};

/// The officer id of the CLI run (`--officer`, `KUSTODI_OFFICER`, else `$USER`).
pub(crate) fn actor_id(cli: &Cli) -> String {
    super::actor(cli).trim_start_matches("officer:").to_owned()
}

fn cli_actor(cli: &Cli, station: &Station<'_>) -> Result<Actor, CliError> {
    lifecycle::actor(station, &actor_id(cli)).map_err(lifecycle_error)
}

fn papers(missing: &[kustodi::domain::revocation::MissingPaper]) -> String {
    missing
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn inventory_error(e: InventoryError) -> CliError {
    use InventoryError as I;
    let refused = CliError::refused;
    match e {
        I::NotAllowed { from, to } => refused("lifecycle.not_allowed", "err-lifecycle-not-allowed")
            .arg("from", from)
            .arg("to", to)
            .hint("hint-lifecycle-table"),
        I::RoleNotPermitted {
            from, to, allowed, ..
        } => refused("lifecycle.role", "err-lifecycle-role")
            .arg("from", from)
            .arg("to", to)
            .arg("allowed", allowed)
            .hint("hint-lifecycle-table"),
        I::ReasonRequired { from, to } => {
            refused("lifecycle.reason_required", "err-lifecycle-reason")
                .arg("from", from)
                .arg("to", to)
                .hint("hint-lifecycle-reason")
        }
        I::NotWiped { disposal } => refused("lifecycle.not_wiped", "err-lifecycle-not-wiped")
            .arg("disposal", disposal)
            .hint("hint-lifecycle-wipe"),
        I::OwnToken { officer } => refused("lifecycle.own_token", "err-lifecycle-own-token")
            .arg("officer", officer)
            .hint("hint-lifecycle-own-token"),
        I::NotReplaceable { token, state } => {
            refused("lifecycle.not_replaceable", "err-lifecycle-not-replaceable")
                .arg("serial", token)
                .arg("state", state)
                .hint("hint-lifecycle-table")
        }
        I::SelfReplacement { token } => refused(
            "lifecycle.self_replacement",
            "err-lifecycle-self-replacement",
        )
        .arg("serial", token)
        .hint("hint-lifecycle-table"),
        other => CliError::failed("lifecycle.inventory", "err-lifecycle-inventory")
            .arg("reason", other)
            .hint("hint-lifecycle-table"),
    }
}

/// A lifecycle error as a message and what to do, in the user's language.
pub fn lifecycle_error(e: LifecycleError) -> CliError {
    use LifecycleError as L;
    let refused = CliError::refused;
    let failed = CliError::failed;
    match e {
        L::Service(s) => from_service(s),
        L::Enrol(e) => enrol_error(e),
        L::Inventory(i) => inventory_error(i),
        L::Ca(c) => enrol_error(EnrolError::Ca(c)),
        L::Archive(a) => from_service(a.into()),
        L::Receipt(r) => enrol_error(EnrolError::Receipt(r)),
        L::Token(t) => enrol_error(EnrolError::Token(t)),
        L::TokenUnknown { serial } => {
            refused("lifecycle.token_unknown", "err-lifecycle-token-unknown")
                .arg("serial", serial)
                .hint("hint-lifecycle-intake")
        }
        L::TokenInWorkingState { serial, state } => {
            refused("lifecycle.working_state", "err-lifecycle-working-state")
                .arg("serial", serial)
                .arg("state", state)
                .hint("hint-lifecycle-working-state")
        }
        L::CertificateUnknown { serial } => refused(
            "lifecycle.certificate_unknown",
            "err-lifecycle-certificate-unknown",
        )
        .arg("serial", serial)
        .hint("hint-lifecycle-certificate"),
        L::CertificateNotActive { serial, status } => {
            refused("revoke.not_active", "err-revoke-not-active")
                .arg("serial", serial)
                .arg("status", status)
                .hint("hint-lifecycle-certificate")
        }
        L::RevocationExists { serial, id, status } => refused("revoke.exists", "err-revoke-exists")
            .arg("serial", serial)
            .arg("id", id)
            .arg("status", status)
            .hint("hint-revoke-exists"),
        L::UnknownCause { given } => refused("revoke.unknown_cause", "err-revoke-unknown-cause")
            .arg("given", given)
            .hint("hint-revoke-causes"),
        L::PapersMissing { cause, missing } => {
            refused("revoke.papers_missing", "err-revoke-papers")
                .arg("cause", cause)
                .arg("missing", papers(&missing))
                .hint("hint-revoke-papers")
                .data(json!({"missing": missing.iter().map(|m| m.as_str()).collect::<Vec<_>>()}))
        }
        L::RevocationNotRequested { id, status } => {
            refused("revoke.not_requested", "err-revoke-not-requested")
                .arg("id", id)
                .arg("status", status)
                .hint("hint-revoke-list")
        }
        L::StatementFile { path, reason } => failed("io.read", "err-enrol-file")
            .arg("path", path.display())
            .arg("reason", reason)
            .hint("hint-io"),
        L::SecondOfficerRequired => {
            refused("unblock.two_officers", "err-unblock-two-officers").hint("hint-unblock-two")
        }
        L::SameOfficerTwice { id } => refused("unblock.same_officer", "err-unblock-same-officer")
            .arg("id", id)
            .hint("hint-unblock-two"),
        L::AuditorReadOnly { id } => refused("role.auditor_read_only", "err-auditor-read-only")
            .arg("id", id)
            .hint("hint-auditor-read-only"),
        L::NotAnAuditor { id } => refused("role.not_auditor", "err-not-auditor")
            .arg("id", id)
            .hint("hint-not-auditor"),
        L::AuditClosed { id, status } => refused("audit.closed", "err-audit-closed")
            .arg("id", id)
            .arg("status", status)
            .hint("hint-audit-start"),
        L::AuditNotYours { id, auditor } => refused("audit.not_yours", "err-audit-not-yours")
            .arg("id", id)
            .arg("auditor", auditor)
            .hint("hint-audit-start"),
        L::NoEscrow { serial } => failed("unblock.no_escrow", "err-unblock-no-escrow")
            .arg("serial", serial)
            .hint("hint-unblock-no-escrow"),
        L::NotUnblockable { serial, state } => refused("unblock.state", "err-unblock-state")
            .arg("serial", serial)
            .arg("state", state)
            .hint("hint-lifecycle-table"),
        L::WitnessRequired { serial } => refused("lifecycle.witness", "err-lifecycle-witness")
            .arg("serial", serial)
            .hint("hint-lifecycle-witness"),
        L::StaffExists { id } => refused("staff.exists", "err-staff-exists")
            .arg("id", id)
            .hint("hint-staff-exists"),
        L::NotSandbox => {
            refused("sandbox.not_sandbox", "err-not-sandbox").hint("hint-sandbox-init")
        }
        L::IntakeList { line, reason } => refused("intake.list", "err-intake-list")
            .arg("line", line)
            .arg("reason", reason)
            .hint("hint-intake-list"),
    }
}

fn sign_in_with(
    station: &Station<'_>,
    provider: &Pkcs11Provider,
    token: Option<String>,
    pin: &Pin,
) -> Result<Officer, CliError> {
    super::enroll::sign_in(
        station,
        provider,
        &PinArgs {
            pin_stdin: false,
            officer_token: token,
        },
        pin,
    )
}

// ------------------------------------------------------------------------------------------

pub fn renew(cli: &Cli, out: &Out, args: &RenewArgs) -> Result<Exit, CliError> {
    let mut station = open_station(cli)?;
    let provider = provider(&station)?;
    let reader = PinReader {
        stdin: args.pins.pin_stdin,
    };
    // On the holder's own token they type the PIN they have; on a stock token a new one.
    let info = kustodi::ports::token::TokenProvider::token_info(&provider, &args.token)
        .map_err(|e| enrol_error(EnrolError::Token(e)))?;
    let old = station
        .store()
        .holder_certificate(&args.serial)
        .map_err(|e| from_service(e.into()))?;
    let evidence = super::enroll::evidence(
        &station,
        out,
        &args.evidence,
        args.pins.pin_stdin,
        &old.application_id,
    )?;
    let holder_pin = if info.serial == old.token_serial {
        reader.applicant_pin(out)?
    } else {
        reader.new_applicant_pin(out)?
    };
    let officer_pin = reader.officer_pin(out)?;
    let officer = super::enroll::sign_in(&station, &provider, &args.pins, &officer_pin)?;
    let factory = super::enroll::factory_so_pin(station.config());
    let ctx = Context {
        provider: &provider,
        officer: &officer,
        applicant_pin: &holder_pin,
        factory_so_pin: factory.as_ref(),
        progress: None,
    };
    let outcome = enroll::renew(
        &mut station,
        &ctx,
        &args.serial,
        &args.token,
        &args.algorithm,
        receipt_lang(out),
        &evidence,
    )
    .map_err(enrol_error)?;
    if let enroll::Outcome::Done(s) = &outcome {
        out.say(
            "renew-done",
            &[("old", &old.serial), ("serial", &s.certificate_serial)],
        );
    }
    Ok(report(out, &outcome))
}

pub fn revoke(cli: &Cli, out: &Out, args: &RevokeArgs) -> Result<Exit, CliError> {
    let mut station = open_station(cli)?;
    let provider = provider(&station)?;
    let pin = PinReader {
        stdin: args.pin_stdin,
    }
    .officer_pin(out)?;
    let officer = sign_in_with(&station, &provider, args.officer_token.clone(), &pin)?;
    let req = RevokeRequest {
        serial: args.serial.clone(),
        cause: args.reason.clone(),
        police_report: args.police_report.clone(),
        statement: args.statement.clone(),
        superior: args.superior.clone(),
        reapplication: args.reapplication.clone(),
        ..Default::default()
    };
    match lifecycle::revoke(&mut station, &provider, &officer, &req).map_err(lifecycle_error)? {
        RevokeOutcome::Done {
            id,
            serial,
            token_state,
            crl,
            incident,
        } => {
            out.json(
                &json!({"status": "done", "revocation": id, "serial": serial,
                "token_state": token_state, "crl": crl, "incident": incident}),
            );
            out.say(
                "revoke-done",
                &[("id", &id), ("serial", &serial.to_uppercase())],
            );
            if let Some(state) = &token_state {
                out.say("revoke-token-state", &[("state", state)]);
            }
            if let Some(crl) = &crl {
                out.say("revoke-crl", &[("path", &crl.display().to_string())]);
            }
            if let Some(inc) = &incident {
                out.say("revoke-incident", &[("id", inc)]);
            }
        }
        RevokeOutcome::Requested {
            id,
            serial,
            ticket,
            instructions,
            incident,
        } => {
            out.json(
                &json!({"status": "requested", "revocation": id, "serial": serial,
                "ticket": ticket, "instructions": instructions, "incident": incident}),
            );
            out.say(
                "revoke-requested",
                &[
                    ("id", &id),
                    ("serial", &serial.to_uppercase()),
                    ("ticket", &ticket),
                ],
            );
            out.line(&instructions);
            out.say("revoke-requested-next", &[("id", &id)]);
            if let Some(inc) = &incident {
                out.say("revoke-incident", &[("id", inc)]);
            }
        }
    }
    Ok(Exit::Ok)
}

fn revocation_json(r: &RevocationRow) -> Value {
    json!({"id": r.id, "certificate": r.certificate_serial, "token": r.token_serial,
        "application": r.application_id, "cause": r.cause, "reason": r.reason,
        "police_report": r.police_report, "statement_sha256": r.statement_sha256,
        "superior": r.superior, "reapplication": r.reapplication_id, "status": r.status,
        "ca": r.ca, "ticket": r.ticket, "requested_at": ts(&r.requested_at),
        "requested_by": r.requested_by, "done_at": r.done_at.as_ref().map(ts)})
}

pub fn revocation(cli: &Cli, out: &Out, cmd: &RevocationCmd) -> Result<Exit, CliError> {
    let mut station = open_station(cli)?;
    match cmd {
        RevocationCmd::List { status } => {
            let rows = station
                .store()
                .revocations(status.as_deref())
                .map_err(|e| from_service(e.into()))?;
            if out.json {
                out.json(&Value::Array(rows.iter().map(revocation_json).collect()));
            } else if rows.is_empty() {
                out.say("revocation-list-empty", &[]);
            } else {
                for r in &rows {
                    out.line(format!(
                        "{:<11} {:<9} {:<14} {}  {}  {}",
                        r.id, r.status, r.cause, r.certificate_serial, r.token_serial, r.ca
                    ));
                }
            }
        }
        RevocationCmd::Show { id } => {
            let r = station
                .store()
                .revocation(id)
                .map_err(|e| from_service(e.into()))?;
            out.json(&revocation_json(&r));
            let v = revocation_json(&r);
            if let Some(map) = v.as_object() {
                for (k, val) in map {
                    if !val.is_null() {
                        out.line(format!(
                            "{k:<17} {}",
                            val.as_str().map_or_else(|| val.to_string(), str::to_owned)
                        ));
                    }
                }
            }
        }
        RevocationCmd::Confirm { id, ticket } => {
            let a = cli_actor(cli, &station)?;
            let r = lifecycle::confirm_revocation(&mut station, id, ticket.as_deref(), &a)
                .map_err(lifecycle_error)?;
            out.json(&revocation_json(&r));
            out.say(
                "revocation-confirmed",
                &[("id", &r.id), ("serial", &r.certificate_serial)],
            );
        }
        RevocationCmd::Link { id, application } => {
            let a = cli_actor(cli, &station)?;
            lifecycle::link_reapplication(&mut station, id, application, &a)
                .map_err(lifecycle_error)?;
            out.json(&json!({"revocation": id, "reapplication": application}));
            out.say(
                "revocation-linked",
                &[("id", id), ("application", application)],
            );
        }
    }
    Ok(Exit::Ok)
}

pub fn unblock(cli: &Cli, out: &Out, args: &UnblockArgs) -> Result<Exit, CliError> {
    let mut station = open_station(cli)?;
    let provider = provider(&station)?;
    let reader = PinReader {
        stdin: args.pin_stdin,
    };
    let first_pin = reader.officer_pin(out)?;
    let first = sign_in_with(&station, &provider, args.officer_token.clone(), &first_pin)?;
    let second = match &args.second_officer_token {
        None => None,
        Some(uri) => {
            let pin = if args.pin_stdin {
                reader.line()?
            } else {
                reader.prompt(out, "unblock-prompt-second-officer-pin")?
            };
            Some(sign_in_with(&station, &provider, Some(uri.clone()), &pin)?)
        }
    };
    // Refuse before the holder types anything when the second approver is missing.
    if second.is_none() {
        return Err(lifecycle_error(LifecycleError::SecondOfficerRequired));
    }
    let new_pin = reader.new_applicant_pin(out)?;
    let done = lifecycle::unblock(
        &mut station,
        &provider,
        &first,
        second.as_ref(),
        &args.serial,
        &args.identity,
        &new_pin,
    )
    .map_err(lifecycle_error)?;
    out.json(&json!({"token": done.serial, "approvers": done.approvers,
        "new_so_pin_escrow": done.new_escrow}));
    out.say(
        "unblock-done",
        &[
            ("serial", &done.serial),
            ("first", &done.approvers[0]),
            ("second", &done.approvers[1]),
        ],
    );
    Ok(Exit::Ok)
}

fn auditor_sign_in(
    station: &Station<'_>,
    provider: &Pkcs11Provider,
    out: &Out,
    a: &AuditorPin,
) -> Result<Officer, CliError> {
    let reader = PinReader { stdin: a.pin_stdin };
    let pin = if a.pin_stdin {
        reader.line()?
    } else {
        reader.prompt(out, "audit-prompt-auditor-pin")?
    };
    sign_in_with(station, provider, Some(a.auditor_token.clone()), &pin)
}

fn findings_json(r: &kustodi::domain::audit::Reconciliation) -> Value {
    serde_json::to_value(r).unwrap_or(Value::Null)
}

fn print_findings(out: &Out, r: &kustodi::domain::audit::Reconciliation) {
    let lists = [
        ("audit-present-expected", &r.present_expected),
        ("audit-missing", &r.missing),
        ("audit-unknown", &r.unknown),
        ("audit-mismatched", &r.mismatched),
        ("audit-station", &r.station),
    ];
    for (id, list) in lists {
        out.say(id, &[("count", &list.len().to_string())]);
        for f in list {
            let state = f.state.as_deref().unwrap_or("-");
            let why = f
                .mismatch
                .map(|m| {
                    out.t(
                        &format!(
                            "audit-mismatch-{}",
                            serde_json::to_value(m)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default()
                                .replace('_', "-")
                        ),
                        &[],
                    )
                })
                .unwrap_or_default();
            out.line(format!(
                "  {:<20} {:<12} {:<18} {} {}",
                f.serial, state, f.model, f.label, why
            ));
        }
    }
}

pub fn audit(cli: &Cli, out: &Out, cmd: &AuditCmd) -> Result<Exit, CliError> {
    let mut station = open_station(cli)?;
    match cmd {
        AuditCmd::Start(a) => {
            let provider = provider(&station)?;
            let auditor = auditor_sign_in(&station, &provider, out, a)?;
            let id = lifecycle::audit_start(&mut station, &auditor).map_err(lifecycle_error)?;
            out.json(&json!({"audit": id, "auditor": auditor.id}));
            out.say("audit-started", &[("id", &id), ("auditor", &auditor.name)]);
            out.line(&id);
        }
        AuditCmd::Scan { id, auditor } => {
            let provider = provider(&station)?;
            let who = auditor.clone().unwrap_or_else(|| actor_id(cli));
            let present = lifecycle::present_tokens(&provider).map_err(lifecycle_error)?;
            let seen =
                lifecycle::audit_scan(&mut station, id, &who, &present).map_err(lifecycle_error)?;
            out.json(&json!({"audit": id, "seen": seen.iter().map(|s| json!({
                "serial": s.serial, "interface": s.interface, "model": s.model,
                "label": s.label, "initialised": s.initialised})).collect::<Vec<_>>()}));
            out.say(
                "audit-scanned",
                &[("id", id), ("count", &seen.len().to_string())],
            );
            for s in &seen {
                out.line(format!(
                    "  {:<20} {:<7} {:<18} {}",
                    s.serial, s.interface, s.model, s.label
                ));
            }
        }
        AuditCmd::Finish { id, auditor: a } => {
            let provider = provider(&station)?;
            let auditor = auditor_sign_in(&station, &provider, out, a)?;
            let present =
                kustodi::ports::token::TokenProvider::list_tokens(&provider).unwrap_or_default();
            let done = lifecycle::audit_finish(&mut station, &auditor, id, &present)
                .map_err(lifecycle_error)?;
            out.json(
                &json!({"audit": id, "sha256": done.sha256, "clean": done.report.clean,
                "result": findings_json(&done.report.result)}),
            );
            out.say(
                if done.report.clean {
                    "audit-finished-clean"
                } else {
                    "audit-finished-findings"
                },
                &[("id", id), ("sha256", &done.sha256)],
            );
            print_findings(out, &done.report.result);
        }
        AuditCmd::Show { id } => {
            let a = station
                .store()
                .audit(id)
                .map_err(|e| from_service(e.into()))?;
            let sightings = station
                .store()
                .audit_sightings(id)
                .map_err(|e| from_service(e.into()))?;
            let report: Option<Value> = a
                .report_der
                .as_deref()
                .and_then(|der| lifecycle::verify_audit_report(&station, der).ok())
                .and_then(|v| serde_json::from_slice(&v.body_bytes).ok());
            out.json(
                &json!({"audit": a.id, "auditor": a.auditor, "status": a.status,
                "started_at": ts(&a.started_at), "finished_at": a.finished_at.as_ref().map(ts),
                "sha256": a.report_sha256, "seen": sightings.len(), "report": report}),
            );
            out.say(
                "audit-show",
                &[
                    ("id", &a.id),
                    ("auditor", &a.auditor),
                    ("status", &a.status),
                    ("seen", &sightings.len().to_string()),
                ],
            );
            if let Some(r) = report
                .as_ref()
                .and_then(|r| serde_json::from_value(r["result"].clone()).ok())
            {
                print_findings(out, &r);
            }
        }
        AuditCmd::Export { id, out: path } => {
            let a = station
                .store()
                .audit(id)
                .map_err(|e| from_service(e.into()))?;
            let der = a.report_der.ok_or_else(|| {
                lifecycle_error(LifecycleError::AuditClosed {
                    id: a.id.clone(),
                    status: a.status.clone(),
                })
            })?;
            write(path, &der)?;
            out.json(&json!({"audit": id, "out": path, "sha256": a.report_sha256}));
            out.say(
                "audit-exported",
                &[("id", id), ("path", &path.display().to_string())],
            );
        }
        AuditCmd::Verify { file } => {
            let der =
                kustodi::service::read_limited(file, 8 * 1024 * 1024).map_err(from_service)?;
            let v = lifecycle::verify_audit_report(&station, &der).map_err(lifecycle_error)?;
            out.json(&json!({"valid": true, "sha256": v.sha256,
                "signer": v.signer_cert.tbs_certificate().subject().to_string(),
                "signed_at": ts(&v.signing_time)}));
            out.say(
                "audit-verify-ok",
                &[
                    ("sha256", &v.sha256),
                    (
                        "signer",
                        &v.signer_cert.tbs_certificate().subject().to_string(),
                    ),
                ],
            );
        }
    }
    Ok(Exit::Ok)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes).map_err(|e| {
        CliError::failed("io.write", "err-write")
            .arg("path", path.display())
            .arg("reason", e)
            .hint("hint-io")
    })
}

/// `kustodi token intake|state|wiped|replace`.
pub fn token(cli: &Cli, out: &Out, cmd: &TokenCmd) -> Result<Exit, CliError> {
    let mut station = open_station(cli)?;
    let a = cli_actor(cli, &station)?;
    match cmd {
        TokenCmd::Intake { present, from } => {
            let provider = provider(&station)?;
            let listed =
                kustodi::ports::token::TokenProvider::list_tokens(&provider).unwrap_or_default();
            let station_serials =
                lifecycle::station_token_serials(&station, &listed).map_err(lifecycle_error)?;
            let (entries, source) = match (present, from) {
                (_, Some(file)) => {
                    let bytes = kustodi::service::read_limited(file, 4 * 1024 * 1024)
                        .map_err(from_service)?;
                    let text = String::from_utf8(bytes).map_err(|_| {
                        lifecycle_error(LifecycleError::IntakeList {
                            line: 0,
                            reason: "not UTF-8 text".into(),
                        })
                    })?;
                    (
                        lifecycle::parse_intake_csv(&text).map_err(lifecycle_error)?,
                        format!("list:{}", file.display()),
                    )
                }
                _ => {
                    let mut entries: Vec<IntakeEntry> =
                        listed.iter().map(IntakeEntry::from_info).collect();
                    // PIV devices (YubiKeys) pcscd sees; a station without readers is normal.
                    let piv = PivProvider::new();
                    for serial in piv.serials().unwrap_or_default() {
                        if let Ok(info) = piv.open_by_serial(serial).and_then(|s| s.token_info()) {
                            entries.push(IntakeEntry::from_info(&info));
                        }
                    }
                    (entries, "present".to_owned())
                }
            };
            let r = lifecycle::intake(&mut station, &entries, &station_serials, &source, &a)
                .map_err(lifecycle_error)?;
            out.json(&json!({"registered": r.registered.iter().map(|(s, p)| json!({"serial": s, "profile": p})).collect::<Vec<_>>(),
                "skipped": r.skipped.iter().map(|(s, w)| json!({"serial": s, "why": w})).collect::<Vec<_>>()}));
            out.say(
                "intake-done",
                &[
                    ("registered", &r.registered.len().to_string()),
                    ("skipped", &r.skipped.len().to_string()),
                ],
            );
            for (s, p) in &r.registered {
                out.line(format!("  + {s:<20} {p}"));
            }
            for (s, w) in &r.skipped {
                out.line(format!(
                    "  = {s:<20} {}",
                    out.t(&format!("intake-skipped-{}", w.replace('_', "-")), &[])
                ));
            }
        }
        TokenCmd::State {
            serial,
            to,
            reason,
            witness,
        } => {
            let to: TokenState = to.parse().map_err(inventory_error)?;
            let m = lifecycle::move_token(
                &mut station,
                serial,
                to,
                &a,
                reason.as_deref(),
                witness.as_deref(),
            )
            .map_err(lifecycle_error)?;
            out.json(&serde_json::to_value(&m).unwrap_or(Value::Null));
            out.say(
                "token-state-changed",
                &[("serial", &m.serial), ("from", &m.from), ("to", &m.to)],
            );
        }
        TokenCmd::Wiped { serial } => {
            let m = lifecycle::record_wipe(&mut station, serial, &a).map_err(lifecycle_error)?;
            out.json(&serde_json::to_value(&m).unwrap_or(Value::Null));
            out.say("token-wiped", &[("serial", &m.serial)]);
        }
        TokenCmd::Replace { serial, replaces } => {
            let r = lifecycle::link_replacement(&mut station, serial, replaces, &a)
                .map_err(lifecycle_error)?;
            let reason = format!("{:?}", r.reason).to_lowercase();
            out.json(&json!({"token": r.token, "replaces": r.replaces, "reason": reason}));
            out.say(
                "token-replaces",
                &[
                    ("serial", &r.token),
                    ("old", &r.replaces),
                    ("reason", &reason),
                ],
            );
        }
        TokenCmd::PivInit {
            serial,
            algorithm,
            pin_stdin,
        } => return piv_init(&mut station, &a, out, *serial, algorithm, *pin_stdin),
        _ => unreachable!("token list/init are handled in cli::token"),
    }
    Ok(Exit::Ok)
}

/// `kustodi ca crl`.
pub fn ca_crl(cli: &Cli, out: &Out, path: Option<&Path>) -> Result<Exit, CliError> {
    let mut station = open_station(cli)?;
    let a = cli_actor(cli, &station)?;
    let provider = provider(&station)?;
    let (file, entries) =
        lifecycle::publish_crl(&mut station, &provider, path, &a).map_err(lifecycle_error)?;
    out.json(&json!({"out": file, "entries": entries}));
    out.say(
        "crl-published",
        &[
            ("path", &file.display().to_string()),
            ("entries", &entries.to_string()),
        ],
    );
    Ok(Exit::Ok)
}

/// `kustodi sandbox staff new`.
pub fn sandbox_staff(cli: &Cli, out: &Out, cmd: &SandboxStaffCmd) -> Result<Exit, CliError> {
    let SandboxStaffCmd::New { role, id, name } = cmd;
    let mut station = open_station(cli)?;
    let provider = provider(&station)?;
    let role = match role {
        StaffRoleArg::Officer => Role::Officer,
        StaffRoleArg::Auditor => Role::Auditor,
    };
    let made = lifecycle::create_sandbox_staff(&mut station, &provider, role, id, name)
        .map_err(lifecycle_error)?;
    out.json(
        &json!({"id": made.row.id, "name": made.row.name, "role": made.row.role,
        "token": made.row.token_uri, "token_serial": made.row.token_serial,
        "pin": made.pin.expose()}),
    );
    out.say(
        "staff-created",
        &[
            ("role", &made.row.role),
            ("id", &made.row.id),
            ("token", &made.row.token_uri),
        ],
    );
    // Sandbox only: printed once so the sandbox's staff can sign in; never stored in clear.
    out.say("staff-pin", &[("pin", made.pin.expose())]);
    Ok(Exit::Ok)
}

/// A PIV provisioning error as a message and what to do.
fn piv_error(e: PivProvisionError) -> CliError {
    use PivProvisionError as P;
    match e {
        P::Lifecycle(l) => lifecycle_error(l),
        P::Enrol(e) => enrol_error(e),
        P::Service(s) => from_service(s),
        P::Store(s) => from_service(s.into()),
        P::Archive(a) => from_service(a.into()),
        P::NotStock { serial, state } => CliError::refused("piv.not_stock", "err-piv-not-stock")
            .arg("serial", serial)
            .arg("state", state)
            .hint("hint-lifecycle-intake"),
        P::NoFactoryDefault { profile, secret } => {
            CliError::failed("piv.factory", "err-piv-factory")
                .arg("profile", profile)
                .arg("secret", secret)
                .hint("hint-enrol-factory")
        }
        P::Token {
            serial,
            step,
            error,
        } => {
            let hint = if matches!(
                error,
                TokenError::Removed | TokenError::TokenNotFound { .. }
            ) {
                "hint-piv-removed"
            } else {
                "hint-piv-token"
            };
            CliError::failed("piv.token", "err-piv-token")
                .arg("serial", serial)
                .arg("step", step)
                .arg("reason", error)
                .hint(hint)
        }
        P::Attestation { serial, refusal } => {
            CliError::refused("piv.attestation", "err-piv-attestation")
                .arg("serial", serial)
                .arg("reason", refusal)
                .hint("hint-piv-attestation")
        }
    }
}

/// `kustodi token piv-init SERIAL`.
fn piv_init(
    station: &mut Station<'_>,
    actor: &Actor,
    out: &Out,
    serial: u32,
    algorithm: &str,
    pin_stdin: bool,
) -> Result<Exit, CliError> {
    let (_, key_algorithm) = enroll::parse_algorithm(algorithm).map_err(enrol_error)?;
    let session = PivProvider::new().open_by_serial(serial).map_err(|e| {
        piv_error(PivProvisionError::Token {
            serial: serial.to_string(),
            step: "open",
            error: e,
        })
    })?;
    let mut trust = TrustStore::yubico();
    for root in &station.config().tokens.attestation_test_roots {
        let path = station.home().resolve(root);
        let pem = kustodi::service::read_limited(&path, 64 * 1024).map_err(from_service)?;
        trust = trust.with_test_root(&pem).map_err(|r| {
            piv_error(PivProvisionError::Attestation {
                serial: serial.to_string(),
                refusal: r,
            })
        })?;
    }
    let pin = PinReader { stdin: pin_stdin }.new_applicant_pin(out)?;
    let done = piv_provision::provision_piv(
        station,
        actor,
        &session,
        &PivProvisionRequest {
            holder_pin: &pin,
            algorithm: key_algorithm,
            params: KeygenParams {
                slot: PivSlot::Signature,
                pin_policy: PivPinPolicy::Always,
                touch_policy: PivTouchPolicy::Never,
            },
            trust: &trust,
        },
        &piv_provision::Quiet,
    )
    .map_err(piv_error)?;
    out.json(
        &json!({"status": "done", "serial": done.serial, "profile": done.profile,
        "slot": done.slot.to_string(), "key_spki_sha256": done.key_spki_sha256,
        "attested_serial": done.attested_serial,
        "attested_firmware": done.attested_firmware.map(|f| f.to_string()),
        "escrow": done.escrow}),
    );
    out.say(
        "piv-init-done",
        &[
            ("serial", &done.serial),
            ("slot", &done.slot.to_string()),
            ("sha256", &done.key_spki_sha256),
        ],
    );
    Ok(Exit::Ok)
}
