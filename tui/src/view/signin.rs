//! The sign-in screen (Pasal 21): the desk opens on it when an officer token is configured,
//! and comes back to it after the idle time or Ctrl-L. Nothing behind it is drawn.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{SPINNER, View, bold, dim, fit, red, wrap};
use crate::model::{Lock, LockReason};

pub(super) fn keys(lock: &Lock) -> Vec<(&'static str, &'static str)> {
    if lock.checking {
        return vec![("Ctrl-C", "desk-key-quit")];
    }
    vec![
        ("Enter", "desk-key-sign-in"),
        ("⌫", "desk-key-delete"),
        ("Ctrl-C", "desk-key-quit"),
    ]
}

pub(super) fn draw(v: &View<'_>, frame: &mut Frame, area: Rect, lock: &Lock) {
    let w = area.width as usize;
    let inner = w.saturating_sub(4);
    let mut lines: Vec<Line<'static>> = vec![Line::default()];
    let title = match lock.reason {
        LockReason::Start => v.t("desk-sign-in-title"),
        LockReason::Idle => v.t("desk-locked-idle"),
        LockReason::Manual => v.t("desk-locked-manual"),
    };
    lines.push(Line::styled(fit(&format!("  {title}"), w), bold()));
    lines.push(Line::default());
    let who = match (&v.model.officer.name, &v.model.officer.id, lock.reason) {
        (Some(name), Some(id), LockReason::Idle | LockReason::Manual) => {
            v.ta("desk-sign-in-again", &[("name", name), ("id", id)])
        }
        _ => v.t("desk-sign-in-intro"),
    };
    for l in wrap(&who, inner, 4) {
        lines.push(Line::from(format!("  {l}")));
    }
    lines.push(Line::default());
    let label = fit(&format!("  › {}", v.t("desk-issue-pin-officer")), 24);
    let mut spans = vec![
        Span::styled(label, bold()),
        Span::raw("•".repeat(lock.pin.len().min(w.saturating_sub(26)))),
    ];
    if lock.checking {
        spans.push(Span::styled(
            format!(
                "  {} {}",
                SPINNER[v.model.spinner % SPINNER.len()],
                v.t("desk-busy-sign-in")
            ),
            dim(),
        ));
    } else {
        spans.push(Span::styled("█", dim()));
    }
    lines.push(Line::from(spans));
    if let Some(e) = &lock.error {
        lines.push(Line::default());
        for l in wrap(&format!("✗ {}", e.render(v.msg)), inner, 3) {
            lines.push(Line::styled(format!("  {l}"), red()));
        }
    }
    if let Some(file) = &v.model.station.sandbox_pin_file {
        lines.push(Line::default());
        for l in wrap(&v.ta("desk-sign-in-sandbox", &[("file", file)]), inner, 3) {
            lines.push(Line::styled(format!("  {l}"), dim()));
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}
