//! The Issuance screen: identity re-check, subscriber agreement, token, the applicant's PIN,
//! the officer's PIN, the run, the result; and for an interrupted session, continue or roll
//! back. PINs are drawn as one `•` per character, never as text.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::detail::{body, title};
use super::{View, bold, dim, fit, green, red, selected, wrap};
use crate::model::{ISSUANCE_STEPS, IssuanceSession, IssuanceStep, Model, PinField, TokenChoice};
use crate::text::hint_text;

/// The keys of the current issuance step, as (key, message id).
pub(super) fn keys(m: &Model) -> Vec<(&'static str, &'static str)> {
    let Some(s) = &m.session else {
        return vec![("Esc", "desk-key-back")];
    };
    match s.step {
        IssuanceStep::Identity => vec![
            ("y", "desk-key-identity-ok"),
            ("n", "desk-key-identity-wrong"),
            ("PgDn", "desk-key-scroll"),
            ("Esc", "desk-key-queue"),
        ],
        IssuanceStep::Agreement => vec![
            ("↑↓/PgDn", "desk-key-scroll"),
            ("y", "desk-key-agree"),
            ("n", "desk-key-disagree"),
            ("Esc", "desk-key-queue"),
        ],
        IssuanceStep::Token => vec![
            ("↑↓", "desk-key-move"),
            ("Enter", "desk-key-choose"),
            ("a", "desk-key-algorithm"),
            ("r", "desk-key-refresh"),
            ("Esc", "desk-key-queue"),
        ],
        IssuanceStep::Resume => vec![
            ("Enter", "desk-key-continue"),
            ("x", "desk-key-abort-session"),
            ("Esc", "desk-key-queue"),
        ],
        IssuanceStep::ApplicantPin | IssuanceStep::OfficerPin => vec![
            ("Enter", "desk-key-confirm"),
            ("⌫", "desk-key-delete"),
            ("Esc", "desk-key-cancel-issue"),
        ],
        IssuanceStep::Running => vec![],
        IssuanceStep::Failed(crate::model::IssuanceFailure {
            session: Some(_), ..
        }) => vec![
            ("c", "desk-key-continue-later"),
            ("Enter/Esc", "desk-key-queue"),
        ],
        IssuanceStep::Done(_) => vec![("e", "desk-key-export"), ("Enter/Esc", "desk-key-queue")],
        IssuanceStep::Parked { .. } | IssuanceStep::Failed(_) | IssuanceStep::Aborted { .. } => {
            vec![("Enter/Esc", "desk-key-queue")]
        }
    }
}

pub(super) fn draw(v: &View<'_>, frame: &mut Frame, area: Rect) {
    let Some(s) = &v.model.session else {
        return;
    };
    let w = area.width as usize;
    title(
        v,
        frame,
        area,
        &v.ta(
            "desk-issue-title",
            &[("id", &s.application_id), ("name", &s.applicant_name)],
        ),
    );
    let mut lines: Vec<Line<'static>> = vec![progress(v, s, w), Line::default()];
    let inner = w.saturating_sub(2);
    let para = |lines: &mut Vec<Line<'static>>, text: &str, style, max| {
        for l in wrap(text, inner, max) {
            lines.push(Line::styled(format!(" {l}"), style));
        }
    };
    let plain = ratatui::style::Style::new();
    match &s.step {
        IssuanceStep::Identity => {
            para(&mut lines, &v.t("desk-issue-identity-intro"), bold(), 3);
            let mut body_lines: Vec<Line<'static>> = vec![];
            match &s.form {
                Some(form) => super::wizard::form_lines(v, form, None, w, &mut body_lines),
                None => body_lines.push(Line::styled(
                    format!(" {}", v.t("desk-detail-form-unreadable")),
                    red(),
                )),
            }
            let names: Vec<String> = s
                .documents
                .iter()
                .map(|d| v.ta("application-document-name", &[("document", &d.kind)]))
                .collect();
            let docs = format!(
                "{}: {}",
                v.t("desk-issue-identity-documents"),
                if names.is_empty() {
                    "—".to_owned()
                } else {
                    names.join(", ")
                }
            );
            for l in wrap(&docs, inner.saturating_sub(2), 3) {
                body_lines.push(Line::from(format!("   {l}")));
            }
            // Progress, blank, intro (2), blank, question (2) around the form.
            let room = v.model.body_lines().saturating_sub(7) as usize;
            let max = body_lines.len().saturating_sub(room);
            lines.extend(
                body_lines
                    .into_iter()
                    .skip(usize::from(s.scroll).min(max))
                    .take(room),
            );
            lines.push(Line::default());
            para(&mut lines, &v.t("desk-issue-identity-question"), bold(), 2);
        }
        IssuanceStep::Agreement => agreement_step(v, s, w, &mut lines),
        IssuanceStep::Token => token_step(v, s, w, &mut lines),
        IssuanceStep::Resume => {
            if let Some(r) = &s.resume {
                para(&mut lines, &v.t("desk-resume-intro"), bold(), 3);
                lines.push(Line::default());
                let stopped = v.ta(
                    "desk-session-step",
                    &[("step", &r.step), ("phase", &r.phase)],
                );
                for (label, value) in [
                    ("desk-issue-field-session", &r.id),
                    ("desk-issue-field-token", &r.token_serial),
                    ("desk-resume-field-stopped", &stopped),
                ] {
                    lines.push(field(v, label, value, w));
                }
                lines.push(Line::default());
                para(
                    &mut lines,
                    &v.ta("desk-resume-token-in", &[("serial", &r.token_serial)]),
                    plain,
                    2,
                );
                para(
                    &mut lines,
                    &format!("Enter: {}", v.t("desk-resume-continue")),
                    plain,
                    3,
                );
                para(
                    &mut lines,
                    &format!("x: {}", v.t("desk-resume-abort")),
                    plain,
                    3,
                );
            }
        }
        IssuanceStep::ApplicantPin => {
            token_line(v, s, w, &mut lines);
            para(&mut lines, &v.t("desk-issue-look-away"), bold(), 2);
            let intro = match (&s.resume, s.rolling_back, s.pin_once()) {
                (Some(_), true, _) => "desk-resume-pin-intro-abort",
                (Some(_), false, true) => "desk-resume-pin-intro",
                _ => "desk-issue-applicant-pin-intro",
            };
            para(&mut lines, &v.t(intro), plain, 3);
            if let Some(t) = &s.token {
                lines.push(Line::styled(
                    fit(&format!(" {}", policy_text(v, t)), w),
                    dim(),
                ));
            }
            lines.push(Line::default());
            if s.pin_once() {
                lines.push(pin_line(
                    &v.t("desk-issue-pin-current"),
                    &s.applicant_pin,
                    true,
                    w,
                ));
            } else {
                lines.push(pin_line(
                    &v.t("desk-issue-pin-new"),
                    &s.applicant_pin,
                    !s.confirming,
                    w,
                ));
                lines.push(pin_line(
                    &v.t("desk-issue-pin-again"),
                    &s.applicant_pin_again,
                    s.confirming,
                    w,
                ));
                if !s.applicant_pin.is_empty() {
                    let level =
                        kustodi::domain::pin_strength::pin_strength(s.applicant_pin.pin().expose());
                    let style = match level {
                        kustodi::domain::pin_strength::PinStrength::Weak => red(),
                        kustodi::domain::pin_strength::PinStrength::Fair => bold(),
                        kustodi::domain::pin_strength::PinStrength::Strong => green(),
                    };
                    lines.push(Line::from(vec![
                        Span::styled(
                            fit(&format!("   {}", v.t("desk-issue-pin-strength")), 24),
                            dim(),
                        ),
                        Span::styled(v.t(level.message_id()), style),
                    ]));
                }
            }
            pin_error(v, s, inner, &mut lines);
        }
        IssuanceStep::OfficerPin => {
            token_line(v, s, w, &mut lines);
            lines.push(Line::styled(
                fit(&format!(" ✓ {}", v.t("desk-issue-applicant-pin-set")), w),
                green(),
            ));
            lines.push(Line::default());
            para(&mut lines, &v.t("desk-issue-officer-pin-intro"), plain, 3);
            lines.push(Line::default());
            lines.push(pin_line(
                &v.t("desk-issue-pin-officer"),
                &s.officer_pin,
                true,
                w,
            ));
            pin_error(v, s, inner, &mut lines);
        }
        IssuanceStep::Running if s.rolling_back => {
            para(&mut lines, &v.t("desk-busy-abort"), plain, 2);
            lines.push(Line::default());
            para(&mut lines, &v.t("desk-issue-running-keep"), bold(), 2);
        }
        IssuanceStep::Running => {
            token_line(v, s, w, &mut lines);
            para(&mut lines, &v.t("desk-issue-running"), plain, 2);
            run_progress(v, s, w, &mut lines);
            para(&mut lines, &v.t("desk-issue-running-keep"), bold(), 2);
        }
        IssuanceStep::Done(d) => {
            para(
                &mut lines,
                &format!("✓ {}", v.t("desk-issue-done")),
                green(),
                2,
            );
            lines.push(Line::default());
            for (label, value) in [
                ("desk-issue-field-certificate", &d.certificate_serial),
                ("desk-issue-field-token", &d.token_serial),
                ("desk-issue-field-receipt", &d.receipt_id),
                ("desk-issue-field-session", &d.session),
            ] {
                lines.push(field(v, label, value, w));
            }
            // The receipt's SHA-256 in groups, as the printed page shows it, to compare.
            let groups: Vec<String> = d
                .receipt_sha256
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            let half = groups.len().div_ceil(2);
            lines.push(field(
                v,
                "desk-issue-field-fingerprint",
                &groups[..half].join(" "),
                w,
            ));
            if half < groups.len() {
                lines.push(field(v, "", &groups[half..].join(" "), w));
            }
            if let Some((p7s, txt)) = &s.exported {
                let room = w.saturating_sub(28);
                for path in [p7s, txt] {
                    let shown = crate::text::shorten_path(&path.display().to_string(), room);
                    lines.push(field(v, "desk-issue-field-exported", &shown, w));
                }
            }
            for a in &d.advisories {
                para(
                    &mut lines,
                    &format!("! {}", v.ta("enroll-warning", &[("advisory", a)])),
                    dim(),
                    2,
                );
            }
            lines.push(Line::default());
            para(&mut lines, &v.t("desk-issue-handover"), bold(), 3);
        }
        IssuanceStep::Parked {
            session,
            ticket,
            csr_file,
        } => {
            para(&mut lines, &v.t("desk-issue-parked"), plain, 3);
            lines.push(Line::default());
            lines.push(field(v, "desk-issue-field-session", session, w));
            lines.push(field(v, "desk-issue-field-ticket", ticket, w));
            let csr = crate::text::shorten_path(&csr_file.display().to_string(), w / 2);
            lines.push(field(v, "desk-issue-field-csr", &csr, w));
            lines.push(Line::default());
            para(
                &mut lines,
                &v.ta("desk-issue-parked-next", &[("session", session)]),
                plain,
                3,
            );
        }
        IssuanceStep::Aborted {
            session,
            objects_deleted,
            token_state,
            revoked,
        } => {
            para(
                &mut lines,
                &format!("✓ {}", v.ta("desk-resume-aborted", &[("session", session)])),
                green(),
                2,
            );
            lines.push(Line::default());
            lines.push(field(v, "desk-issue-field-session", session, w));
            lines.push(field(
                v,
                "desk-resume-field-objects",
                &objects_deleted.to_string(),
                w,
            ));
            lines.push(field(v, "desk-resume-field-token-state", token_state, w));
            if let Some(serial) = revoked {
                lines.push(field(v, "desk-resume-field-revoked", serial, w));
            }
            lines.push(Line::default());
            para(&mut lines, &v.t("desk-resume-aborted-next"), plain, 3);
        }
        IssuanceStep::Failed(f) => {
            para(
                &mut lines,
                &format!("✗ {}", f.error.message_text(v.msg)),
                red(),
                4,
            );
            if let Some(h) = hint_text(&f.error, v.msg) {
                para(&mut lines, &format!("{}: {h}", v.t("label-hint")), plain, 3);
            }
            lines.push(Line::default());
            match &f.session {
                Some(id) => para(
                    &mut lines,
                    &v.ta("desk-issue-failed-session", &[("session", id)]),
                    bold(),
                    4,
                ),
                None => para(&mut lines, &v.t("desk-issue-failed-nothing"), plain, 3),
            }
        }
    }
    body(frame, area, lines, 0);
}

/// `✓ 1 Token  ▶ 2 Applicant PIN  ○ 3 …` on one line.
fn progress(v: &View<'_>, s: &IssuanceSession, w: usize) -> Line<'static> {
    let at = s.step.index();
    let failed = matches!(s.step, IssuanceStep::Failed(_));
    let mut spans = vec![Span::raw(" ")];
    for (i, id) in ISSUANCE_STEPS.iter().enumerate() {
        let (mark, style) = if i < at {
            ("✓", green())
        } else if i == at && failed {
            ("✗", red())
        } else if i == at {
            ("▶", bold())
        } else {
            ("○", dim())
        };
        spans.push(Span::styled(format!("{mark} {} {}", i + 1, v.t(id)), style));
        spans.push(Span::raw("  "));
    }
    let used: usize = spans.iter().map(|s| s.width()).sum();
    if used > w {
        // Too narrow for every name: the current step named, the others by number.
        let mut spans = vec![Span::raw(" ")];
        for (i, id) in ISSUANCE_STEPS.iter().enumerate() {
            let (text, style) = if i < at {
                (format!("✓{}", i + 1), green())
            } else if i == at && failed {
                (format!("✗ {} {}", i + 1, v.t(id)), red())
            } else if i == at {
                (format!("▶ {} {}", i + 1, v.t(id)), bold())
            } else {
                (format!("○{}", i + 1), dim())
            };
            spans.push(Span::styled(text, style));
            spans.push(Span::raw(" "));
        }
        return Line::from(spans);
    }
    Line::from(spans)
}

/// A gauge of the run's steps and their names in two columns: done, under way (spinner),
/// to come. Before the first report (officer sign-in) no step is under way yet.
fn run_progress(v: &View<'_>, s: &IssuanceSession, w: usize, lines: &mut Vec<Line<'static>>) {
    let steps = kustodi::enroll::STEPS;
    let at = s.run_step.and_then(|r| steps.iter().position(|x| *x == r));
    let done = at.unwrap_or(0);
    let bar_w = w.saturating_sub(20).min(50);
    let filled = bar_w * done / steps.len();
    let name = match at {
        Some(i) => v.t(&format!("desk-run-{}", steps[i])),
        None => v.t("desk-run-sign-in"),
    };
    lines.push(Line::from(vec![
        Span::raw(" "),
        Span::styled("█".repeat(filled), green()),
        Span::styled("░".repeat(bar_w - filled), dim()),
        Span::raw(format!(" {done}/{}", steps.len())),
    ]));
    let spinner = super::SPINNER[v.model.spinner % super::SPINNER.len()];
    lines.push(Line::styled(fit(&format!(" {spinner} {name}"), w), bold()));
    let half = steps.len().div_ceil(2);
    let col = w.saturating_sub(2) / 2;
    let cell = |i: usize| -> Span<'static> {
        let (mark, style) = match at {
            Some(a) if i < a => ("✓", green()),
            Some(a) if i == a => (spinner, bold()),
            _ => ("○", dim()),
        };
        let text = format!(" {mark} {}", v.t(&format!("desk-run-{}", steps[i])));
        Span::styled(fit(&text, col), style)
    };
    for r in 0..half {
        let mut spans = vec![cell(r)];
        if r + half < steps.len() {
            spans.push(cell(r + half));
        }
        lines.push(Line::from(spans));
    }
}

/// The subscriber agreement, scrolled; its last line must have been on screen before `y`.
fn agreement_step(v: &View<'_>, s: &IssuanceSession, w: usize, lines: &mut Vec<Line<'static>>) {
    let m = v.model;
    let text = crate::text::agreement_lines(s.agreement_lang, m.agreement_width());
    let room = usize::from(m.agreement_room());
    let max = text.len().saturating_sub(room);
    let top = usize::from(s.scroll).min(max);
    lines.push(Line::styled(
        fit(&format!(" {}", v.t("desk-issue-agreement-intro")), w),
        bold(),
    ));
    let last = (top + room).min(text.len());
    let state = if s.agreement_read {
        v.t("desk-issue-agreement-read")
    } else {
        v.t("desk-issue-agreement-more")
    };
    let position = v.ta(
        "desk-issue-agreement-position",
        &[
            ("first", &(top + 1).to_string()),
            ("last", &last.to_string()),
            ("total", &text.len().to_string()),
        ],
    );
    let position_line = match &s.pin_error {
        Some(e) => Line::styled(fit(&format!(" ✗ {}", e.render(v.msg)), w), red()),
        None => Line::styled(fit(&format!(" {position} · {state}"), w), dim()),
    };
    for l in text.into_iter().skip(top).take(room) {
        lines.push(Line::from(format!(" {l}")));
    }
    while lines.len() < 3 + room {
        lines.push(Line::default());
    }
    lines.push(position_line);
}

/// `PIN: 6–8 digits` from the token model's rules.
fn policy_text(v: &View<'_>, t: &TokenChoice) -> String {
    let charset = v.t(&format!("desk-pin-charset-{}", t.pin_charset));
    v.ta(
        "desk-issue-pin-policy",
        &[
            ("min", &t.pin_min.to_string()),
            ("max", &t.pin_max.to_string()),
            ("charset", &charset),
        ],
    )
}

/// The verdict for the chosen algorithm, as a short word.
fn verdict_word(v: &View<'_>, t: &TokenChoice, algorithm: &str) -> (String, ratatui::style::Style) {
    match t.verdict(algorithm) {
        None => ("—".to_owned(), dim()),
        Some(a) if a.verdict == "refused" => (v.t("desk-verdict-refused"), red()),
        Some(a) if a.verdict == "allowed_with_warnings" => (v.t("desk-verdict-warnings"), bold()),
        Some(_) => (v.t("desk-verdict-allowed"), green()),
    }
}

fn token_step(v: &View<'_>, s: &IssuanceSession, w: usize, lines: &mut Vec<Line<'static>>) {
    let inner = w.saturating_sub(2);
    let Some(tokens) = &s.tokens else {
        lines.push(Line::styled(
            fit(&format!(" {}", v.t("desk-issue-tokens-loading")), w),
            dim(),
        ));
        return;
    };
    if tokens.is_empty() {
        if s.tokens_error.is_none() {
            for l in wrap(&v.t("desk-issue-tokens-none"), inner, 2) {
                lines.push(Line::styled(format!(" {l}"), bold()));
            }
        }
        lines.push(Line::default());
        for l in wrap(&v.t("desk-issue-tokens-none-what"), inner, 6) {
            lines.push(Line::from(format!(" {l}")));
        }
        return;
    }
    for l in wrap(&v.t("desk-issue-tokens-choose"), inner, 2) {
        lines.push(Line::from(format!(" {l}")));
    }
    let algorithm = s.algorithm();
    lines.push(Line::from(vec![
        Span::raw(format!(" {}: ", v.t("desk-issue-algorithm"))),
        Span::styled(algorithm.to_owned(), bold()),
        Span::styled(format!("  ({})", v.t("desk-issue-algorithm-change")), dim()),
    ]));
    let head = format!(
        "   {} {} {} {} {}",
        fit(&v.t("desk-issue-col-serial"), 17),
        fit(&v.t("desk-issue-col-label"), 12),
        fit(&v.t("desk-issue-col-model"), 22),
        fit(&v.t("desk-issue-col-inventory"), 10),
        v.t("desk-issue-col-verdict"),
    );
    lines.push(Line::styled(fit(&head, w), dim()));
    // Keep the cursor on screen (the body has room for about eight rows).
    let room = 8usize;
    let start = s.cursor.saturating_sub(room - 1);
    for (i, t) in tokens.iter().enumerate().skip(start).take(room) {
        let state = if t.registered {
            v.t("desk-issue-token-stock")
        } else {
            v.t("desk-issue-token-new")
        };
        let row = format!(
            " {} {} {} {} {} ",
            if i == s.cursor { "›" } else { " " },
            fit(&t.serial, 17),
            fit(&t.label, 12),
            fit(&format!("{} fw {}", t.model, t.firmware), 22),
            fit(&state, 10),
        );
        let (word, word_style) = verdict_word(v, t, algorithm);
        let style = if i == s.cursor {
            selected()
        } else {
            ratatui::style::Style::new()
        };
        let room_left = w.saturating_sub(unicode_width::UnicodeWidthStr::width(row.as_str()));
        lines.push(Line::from(vec![
            Span::styled(row, style),
            Span::styled(fit(&word, room_left), word_style),
        ]));
    }
    // What the verdict of the highlighted token means, and why a refused one is refused.
    if let Some(t) = tokens.get(s.cursor) {
        lines.push(Line::default());
        lines.push(Line::styled(
            fit(&format!(" {}", policy_text(v, t)), w),
            dim(),
        ));
        if let Some(a) = t.verdict(algorithm) {
            if let Some(supported) = &a.supported_instead {
                for l in wrap(
                    &v.ta(
                        "desk-verdict-unsupported",
                        &[
                            ("algorithm", algorithm),
                            ("supported", &supported.join(", ")),
                        ],
                    ),
                    inner,
                    2,
                ) {
                    lines.push(Line::styled(format!(" {l}"), red()));
                }
            }
            for id in &a.advisories {
                lines.push(Line::styled(
                    fit(
                        &format!(" ! {}", v.ta("enroll-warning", &[("advisory", id)])),
                        w,
                    ),
                    if a.verdict == "refused" {
                        red()
                    } else {
                        bold()
                    },
                ));
            }
        }
    }
    if let Some(e) = &s.pin_error {
        for l in wrap(&format!("✗ {}", e.render(v.msg)), inner, 3) {
            lines.push(Line::styled(format!(" {l}"), red()));
        }
    }
}

fn token_line(v: &View<'_>, s: &IssuanceSession, w: usize, lines: &mut Vec<Line<'static>>) {
    if let Some(t) = &s.token {
        lines.push(Line::from(fit(
            &format!(
                " {}: {} · {} · {} {}",
                v.t("desk-issue-field-token"),
                t.serial,
                t.label,
                t.manufacturer,
                t.model
            ),
            w,
        )));
    }
}

/// `label  ••••█`: one bullet per character, the cursor on the focused field.
fn pin_line(label: &str, pin: &PinField, focused: bool, w: usize) -> Line<'static> {
    let label = fit(&format!(" {} {label}", if focused { "›" } else { " " }), 24);
    let mut spans = vec![
        Span::styled(label, if focused { bold() } else { dim() }),
        Span::raw("•".repeat(pin.len().min(w.saturating_sub(26)))),
    ];
    if focused {
        spans.push(Span::styled("█", dim()));
    }
    Line::from(spans)
}

fn pin_error(v: &View<'_>, s: &IssuanceSession, inner: usize, lines: &mut Vec<Line<'static>>) {
    if let Some(e) = &s.pin_error {
        lines.push(Line::default());
        for l in wrap(&format!("✗ {}", e.render(v.msg)), inner, 3) {
            lines.push(Line::styled(format!(" {l}"), red()));
        }
    }
}

fn field(v: &View<'_>, label: &str, value: &str, w: usize) -> Line<'static> {
    let label = if label.is_empty() {
        String::new()
    } else {
        format!(" {}:", v.t(label))
    };
    Line::from(vec![
        Span::styled(fit(&label, 26), dim()),
        Span::styled(fit(value, w.saturating_sub(26)), bold()),
    ])
}
