//! The application queue: status tabs, search, a table of the visible rows only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use time::macros::format_description;
use unicode_width::UnicodeWidthStr;

use super::{View, WIB, bold, dim, fit, selected};
use crate::model::QueueTab;

pub(super) fn draw(v: &View<'_>, frame: &mut Frame, area: Rect) {
    let q = &v.model.queue;
    let w = area.width as usize;
    // Tabs, and on the right the search field or the position in the list.
    let mut spans: Vec<Span> = vec![];
    let mut used = 0;
    // Six tabs do not fit 80 columns with their names: first the session tabs, then every tab
    // but the current one shrink to number and count (room is kept for a search).
    let label = |i: usize, tab: QueueTab, short: bool| {
        if short && tab != q.tab {
            format!(" {}·{} ", i + 1, q.counts.of(tab))
        } else {
            format!(
                " {} {} ({}) ",
                i + 1,
                v.t(tab.message_id()),
                q.counts.of(tab)
            )
        }
    };
    let width_at = |level: u8| -> usize {
        QueueTab::ALL
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let short = level == 2 || (level == 1 && t.session_status().is_some());
                label(i, *t, short).width() + 1
            })
            .sum()
    };
    let search_room = if q.searching || !q.search.is_empty() {
        20
    } else {
        0
    };
    let level = (0..2u8)
        .find(|l| width_at(*l) + search_room <= w)
        .unwrap_or(2);
    for (i, tab) in QueueTab::ALL.iter().enumerate() {
        let short = level == 2 || (level == 1 && tab.session_status().is_some());
        let label = label(i, *tab, short);
        used += label.width() + 1;
        let style = if *tab == q.tab {
            selected().add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    let right = if q.searching || !q.search.is_empty() {
        let cursor = if q.searching { "█" } else { "" };
        format!("/ {}{cursor}", q.search)
    } else {
        String::new()
    };
    let room = w.saturating_sub(used);
    spans.push(Span::styled(
        format!("{:>room$}", super::tail(&right, room)),
        if q.searching { bold() } else { dim() },
    ));
    let mut lines = vec![Line::from(spans)];
    if q.tab.session_status().is_some() {
        sessions(v, w, &mut lines);
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }

    let all = q.tab == QueueTab::All;
    let cols = Columns::new(w, all);
    let position = if q.total == 0 {
        String::new()
    } else {
        let page = v.model.queue_rows();
        let first = q.top + 1;
        let last = (q.top + page).min(q.total);
        v.ta(
            "desk-queue-position",
            &[
                ("first", &first.to_string()),
                ("last", &last.to_string()),
                ("total", &q.total.to_string()),
            ],
        )
    };
    let mut header = cols.row(
        "ID",
        &v.t("desk-col-kind"),
        &v.t("desk-col-status"),
        &v.t("desk-col-name"),
        &v.t("desk-col-department"),
        &v.t("desk-col-date"),
    );
    // The position sits on the title row, over the department column.
    if !position.is_empty() && position.width() + 1 < w {
        let keep = w - position.width() - 1;
        header = format!("{} {position}", fit(&header, keep));
    }
    lines.push(Line::styled(
        header,
        bold().add_modifier(Modifier::UNDERLINED),
    ));

    let rows = v.model.queue_rows();
    if q.loaded && q.total == 0 {
        let text = if q.search.trim().is_empty() {
            v.t("desk-queue-empty")
        } else {
            v.ta("desk-queue-no-match", &[("search", q.search.trim())])
        };
        lines.push(Line::styled(format!("  {text}"), dim()));
    }
    for i in q.top..(q.top + rows).min(q.total) {
        let line = match q.row(i) {
            Some(r) => {
                let date = r
                    .submitted_at
                    .to_offset(WIB)
                    .format(format_description!("[day]-[month]-[year]"))
                    .unwrap_or_default();
                cols.row(
                    &r.id,
                    &v.t(&format!("desk-kind-{}", r.kind)),
                    &v.t(&format!("desk-status-{}", r.status)),
                    &r.applicant_name,
                    &r.department,
                    &date,
                )
            }
            None => fit("  …", w),
        };
        // The marker keeps the selection visible on monochrome terminals too.
        let line = if i == q.cursor {
            format!("›{}", line.strip_prefix(' ').unwrap_or(&line))
        } else {
            line
        };
        let style = if i == q.cursor && !q.searching {
            selected()
        } else if i == q.cursor {
            Style::new().add_modifier(Modifier::UNDERLINED)
        } else {
            Style::new()
        };
        lines.push(Line::styled(line, style));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// Column widths for a table `width` columns wide.
struct Columns {
    width: usize,
    status: bool,
    name: usize,
    dept: usize,
}

const ID_W: usize = 10;
const KIND_W: usize = 10;
const STATUS_W: usize = 10;
const DATE_W: usize = 10;

impl Columns {
    fn new(width: usize, status: bool) -> Self {
        let fixed = 1 + ID_W + 1 + KIND_W + 1 + if status { STATUS_W + 1 } else { 0 } + DATE_W + 1;
        let rest = width.saturating_sub(fixed + 1);
        let name = rest * 11 / 20;
        Self {
            width,
            status,
            name,
            dept: rest - name,
        }
    }

    fn row(
        &self,
        id: &str,
        kind: &str,
        status: &str,
        name: &str,
        dept: &str,
        date: &str,
    ) -> String {
        let mut s = String::with_capacity(self.width + 8);
        s.push(' ');
        s.push_str(&fit(id, ID_W));
        s.push(' ');
        s.push_str(&fit(kind, KIND_W));
        s.push(' ');
        if self.status {
            s.push_str(&fit(status, STATUS_W));
            s.push(' ');
        }
        s.push_str(&fit(name, self.name));
        s.push(' ');
        s.push_str(&fit(dept, self.dept));
        s.push(' ');
        s.push_str(&fit(date, DATE_W));
        fit(&s, self.width)
    }
}

/// The Parked or Interrupted tab: the sessions of the journal in that status.
fn sessions(v: &View<'_>, w: usize, lines: &mut Vec<Line<'static>>) {
    let q = &v.model.queue;
    let head = format!(
        " {} {} {} {} {}",
        fit(&v.t("desk-col-session"), 10),
        fit("ID", 10),
        fit(&v.t("desk-col-name"), 20),
        fit(&v.t("desk-col-step"), 18),
        v.t("desk-col-updated"),
    );
    lines.push(Line::styled(
        fit(&head, w),
        bold().add_modifier(Modifier::UNDERLINED),
    ));
    let Some(rows) = &q.sessions else {
        lines.push(Line::styled(
            format!("  {}", v.t("desk-busy-sessions")),
            dim(),
        ));
        return;
    };
    if rows.is_empty() {
        if q.sessions_error.is_none() {
            let id = if q.tab == QueueTab::Parked {
                "desk-sessions-none-parked"
            } else {
                "desk-sessions-none-interrupted"
            };
            lines.push(Line::styled(format!("  {}", v.t(id)), dim()));
        }
        return;
    }
    let room = v.model.session_rows();
    let start = q.session_cursor.saturating_sub(room.saturating_sub(1));
    for (i, r) in rows.iter().enumerate().skip(start).take(room) {
        let when = r
            .updated_at
            .to_offset(WIB)
            .format(format_description!("[day]-[month] [hour]:[minute]"))
            .unwrap_or_default();
        let step = v.ta(
            "desk-session-step",
            &[("step", &r.step), ("phase", &r.phase)],
        );
        let line = format!(
            "{}{} {} {} {} {}",
            if i == q.session_cursor { "›" } else { " " },
            fit(&r.id, 10),
            fit(&r.application_id, 10),
            fit(&r.applicant_name, 20),
            fit(&step, 18),
            when,
        );
        let style = if i == q.session_cursor {
            selected()
        } else {
            Style::new()
        };
        lines.push(Line::styled(fit(&line, w), style));
    }
}
