//! The Issuance screen: token, the applicant's PIN, the officer's PIN, the run, the result.
//! PINs are drawn as one `•` per character, never as text.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::detail::{body, title};
use super::{View, bold, dim, fit, green, red, selected, wrap};
use crate::model::{ISSUANCE_STEPS, IssuanceSession, IssuanceStep, Model, PinField};
use crate::text::hint_text;

/// The keys of the current issuance step, as (key, message id).
pub(super) fn keys(m: &Model) -> Vec<(&'static str, &'static str)> {
    let Some(s) = &m.session else {
        return vec![("Esc", "desk-key-back")];
    };
    match s.step {
        IssuanceStep::Token => vec![
            ("↑↓", "desk-key-move"),
            ("Enter", "desk-key-choose"),
            ("r", "desk-key-refresh"),
            ("Esc", "desk-key-queue"),
        ],
        IssuanceStep::ApplicantPin | IssuanceStep::OfficerPin => vec![
            ("Enter", "desk-key-confirm"),
            ("⌫", "desk-key-delete"),
            ("Esc", "desk-key-cancel-issue"),
        ],
        IssuanceStep::Running => vec![],
        IssuanceStep::Done(_) | IssuanceStep::Parked { .. } | IssuanceStep::Failed(_) => {
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
        IssuanceStep::Token => token_step(v, s, w, &mut lines),
        IssuanceStep::ApplicantPin => {
            token_line(v, s, w, &mut lines);
            lines.push(Line::default());
            para(&mut lines, &v.t("desk-issue-applicant-pin-intro"), plain, 3);
            lines.push(Line::default());
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
        IssuanceStep::Running => {
            token_line(v, s, w, &mut lines);
            lines.push(Line::default());
            para(&mut lines, &v.t("desk-issue-running"), plain, 4);
            lines.push(Line::default());
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
        // Too narrow for the names: marks and numbers only.
        return Line::from(fit(
            &ISSUANCE_STEPS
                .iter()
                .enumerate()
                .map(|(i, _)| format!(" {}{}", if i == at { "▶" } else { "·" }, i + 1))
                .collect::<String>(),
            w,
        ));
    }
    Line::from(spans)
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
    lines.push(Line::default());
    let head = format!(
        "   {} {} {} {}",
        fit(&v.t("desk-issue-col-serial"), 18),
        fit(&v.t("desk-issue-col-label"), 22),
        fit(&v.t("desk-issue-col-model"), 22),
        v.t("desk-issue-col-inventory"),
    );
    lines.push(Line::styled(fit(&head, w), dim()));
    // Keep the cursor on screen (the body has room for about ten rows).
    let room = 10usize;
    let start = s.cursor.saturating_sub(room - 1);
    for (i, t) in tokens.iter().enumerate().skip(start).take(room) {
        let state = if t.registered {
            v.t("desk-issue-token-stock")
        } else {
            v.t("desk-issue-token-new")
        };
        let row = format!(
            " {} {} {} {} {}",
            if i == s.cursor { "›" } else { " " },
            fit(&t.serial, 18),
            fit(&t.label, 22),
            fit(&format!("{} {}", t.manufacturer, t.model), 22),
            state,
        );
        let style = if i == s.cursor {
            selected()
        } else {
            ratatui::style::Style::new()
        };
        lines.push(Line::styled(fit(&row, w), style));
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
    Line::from(vec![
        Span::styled(fit(&format!(" {}:", v.t(label)), 26), dim()),
        Span::styled(fit(value, w.saturating_sub(26)), bold()),
    ])
}
