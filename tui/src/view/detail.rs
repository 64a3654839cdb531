//! One application and the ledger status.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use time::macros::format_description;

use super::wizard::form_lines;
use super::{SPINNER, View, WIB, bold, dim, fit, green, red, wrap};
use crate::model::LedgerState;
use crate::text::hint_text;

pub(super) fn title(v: &View<'_>, frame: &mut Frame, area: Rect, text: &str) {
    frame.render_widget(
        Paragraph::new(Line::styled(
            fit(&format!(" {text}"), area.width as usize),
            bold(),
        )),
        Rect::new(area.x, area.y, area.width, 1),
    );
    let _ = v;
}

pub(super) fn body(frame: &mut Frame, area: Rect, lines: Vec<Line<'static>>, scroll: u16) {
    let rect = Rect::new(
        area.x,
        area.y + 1,
        area.width,
        area.height.saturating_sub(1),
    );
    let max = (lines.len() as u16).saturating_sub(rect.height);
    let visible: Vec<Line> = lines
        .into_iter()
        .skip(scroll.min(max) as usize)
        .take(rect.height as usize)
        .collect();
    frame.render_widget(Paragraph::new(visible), rect);
}

fn when(t: time::OffsetDateTime) -> String {
    t.to_offset(WIB)
        .format(format_description!(
            "[day]-[month]-[year] [hour]:[minute] WIB"
        ))
        .unwrap_or_default()
}

pub(super) fn draw_detail(v: &View<'_>, frame: &mut Frame, area: Rect) {
    let w = area.width as usize;
    let Some(d) = &v.model.detail else {
        return;
    };
    let Some(data) = &d.data else {
        title(
            v,
            frame,
            area,
            &v.ta("desk-detail-title", &[("id", &d.id), ("status", "…")]),
        );
        return;
    };
    let r = &data.row;
    let status = v.t(&format!("desk-status-{}", r.status));
    title(
        v,
        frame,
        area,
        &v.ta("desk-detail-title", &[("id", &r.id), ("status", &status)]),
    );
    let mut lines: Vec<Line<'static>> = vec![];
    match &data.form {
        Some(form) => form_lines(v, form, None, w, &mut lines),
        None => lines.push(Line::styled(
            format!(" {}", v.t("desk-detail-form-unreadable")),
            red(),
        )),
    }
    let label = |id: &str| fit(&v.t(id), 12);
    lines.push(Line::from(fit(
        &format!(
            "   {}{} ({})",
            label("desk-field-submitted"),
            when(r.submitted_at),
            r.submitted_by
        ),
        w,
    )));
    if let (Some(at), Some(by)) = (r.decided_at, &r.decided_by) {
        lines.push(Line::from(fit(
            &format!("   {}{} ({by})", label("desk-field-decided"), when(at)),
            w,
        )));
    }
    if let Some(reason) = &r.decision_reason {
        for (i, l) in wrap(reason, w.saturating_sub(16), 6)
            .into_iter()
            .enumerate()
        {
            let head = if i == 0 {
                label("desk-field-reason")
            } else {
                fit("", 12)
            };
            lines.push(Line::from(format!("   {head}{l}")));
        }
    }
    lines.push(Line::styled(
        fit(&format!(" ── {} ", v.t("desk-documents-title")), w),
        bold(),
    ));
    for doc in &data.documents {
        let name = v.ta("application-document-name", &[("document", &doc.kind)]);
        let short: String = doc.sha256.chars().take(12).collect();
        lines.push(Line::from(fit(
            &format!(
                "   {} {} · {} B · sha256 {short}…",
                fit(&name, 22),
                doc.original_name,
                doc.size
            ),
            w,
        )));
    }
    body(frame, area, lines, d.scroll);
}

pub(super) fn draw_ledger(v: &View<'_>, frame: &mut Frame, area: Rect) {
    let w = area.width as usize;
    title(v, frame, area, &v.t("desk-ledger-title"));
    let mut lines: Vec<Line<'static>> = vec![Line::default()];
    match &v.model.ledger {
        LedgerState::Unknown => lines.push(Line::from(format!(" {}", v.t("desk-ledger-unknown")))),
        LedgerState::Checking => lines.push(Line::styled(
            format!(
                " {} {}",
                SPINNER[v.model.spinner % SPINNER.len()],
                v.t("desk-ledger-checking")
            ),
            dim(),
        )),
        LedgerState::Intact {
            events,
            checkpoints,
            head,
        } => {
            let text = v.ta(
                "ledger-verify-ok",
                &[
                    ("events", &events.to_string()),
                    ("checkpoints", &checkpoints.to_string()),
                    ("head", head),
                ],
            );
            for l in wrap(&format!("✓ {text}"), w.saturating_sub(2), 4) {
                lines.push(Line::styled(format!(" {l}"), green()));
            }
        }
        LedgerState::Damaged(e) => {
            for l in wrap(
                &format!("✗ {}", e.message_text(v.msg)),
                w.saturating_sub(2),
                5,
            ) {
                lines.push(Line::styled(format!(" {l}"), red()));
            }
            if let Some(h) = hint_text(e, v.msg) {
                lines.push(Line::default());
                for l in wrap(
                    &format!("{}: {h}", v.t("label-hint")),
                    w.saturating_sub(2),
                    5,
                ) {
                    lines.push(Line::from(format!(" {l}")));
                }
            }
        }
    }
    lines.push(Line::default());
    for l in wrap(&v.t("desk-ledger-about"), w.saturating_sub(2), 6) {
        lines.push(Line::styled(format!(" {l}"), dim()));
    }
    body(frame, area, lines, 0);
}
