//! `view`: draws the model. Pure: reads the model, writes the frame, nothing else. Every
//! string comes from the message catalogues; this code only arranges them.

mod detail;
mod issuance;
mod queue;
mod signin;
mod wizard;

use kustodi::i18n::{Lang, Messages};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use time::UtcOffset;
use time::macros::{format_description, offset};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::model::{Dialog, Job, LedgerState, Model, Screen, Tone};
use crate::text::hint_text;

/// Kabupaten Bekasi keeps Western Indonesian Time (WIB, UTC+7), shown on the header clock.
pub const WIB: UtcOffset = offset!(+7);

pub(crate) const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

pub(crate) fn bar() -> Style {
    Style::new().fg(Color::White).bg(Color::Blue)
}
pub(crate) fn red() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}
pub(crate) fn green() -> Style {
    Style::new().fg(Color::Green)
}
pub(crate) fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}
pub(crate) fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}
pub(crate) fn selected() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

/// Draws the whole desk.
pub fn view(model: &Model, frame: &mut Frame) {
    let area = frame.area();
    let msg = model.texts.of(model.lang);
    let v = View { model, msg };
    if area.height < 10 || area.width < 40 {
        frame.render_widget(Paragraph::new(msg.text("desk-too-small", &[])), area);
        return;
    }
    v.header(frame, Rect::new(area.x, area.y, area.width, 2));
    let notice_h = crate::model::NOTICE_LINES;
    let body = Rect::new(
        area.x,
        area.y + 2,
        area.width,
        area.height.saturating_sub(4 + notice_h),
    );
    match (&model.lock, model.screen) {
        (Some(lock), _) => signin::draw(&v, frame, body, lock),
        (None, Screen::Queue) => queue::draw(&v, frame, body),
        (None, Screen::Wizard) => wizard::draw(&v, frame, body),
        (None, Screen::Detail) => detail::draw_detail(&v, frame, body),
        (None, Screen::Ledger) => detail::draw_ledger(&v, frame, body),
        (None, Screen::Issuance) => issuance::draw(&v, frame, body),
    }
    let notice = Rect::new(area.x, area.bottom() - 2 - notice_h, area.width, notice_h);
    v.notice(frame, notice);
    let footer = Rect::new(area.x, area.bottom() - 2, area.width, 2);
    v.footer(frame, footer);
    if let (Some(d), None) = (&model.dialog, &model.lock) {
        v.dialog(frame, area, d);
    }
}

/// What every part of the view needs.
pub(crate) struct View<'a> {
    pub model: &'a Model,
    pub msg: &'a Messages,
}

impl View<'_> {
    pub fn t(&self, id: &str) -> String {
        self.msg.text(id, &[])
    }
    pub fn ta(&self, id: &str, args: &[(&str, &str)]) -> String {
        self.msg.text(id, args)
    }

    fn header(&self, frame: &mut Frame, area: Rect) {
        let m = self.model;
        let w = area.width as usize;
        let desk = format!(" {}: {} ", self.t("desk-header-desk"), m.station.desk);
        let left_room = w.saturating_sub(desk.width());
        let title = format!(" KUSTODI │ {}", m.station.authority);
        let line1 = format!("{}{}", fit(&title, left_room), desk);
        // Before the first sign-in nobody is at the desk; locked later, it is still theirs.
        let signed_in = m
            .lock
            .as_ref()
            .is_none_or(|l| l.reason != crate::model::LockReason::Start);
        let who = match (m.officer.name.as_deref(), m.officer.id.as_deref()) {
            (Some(name), _) if signed_in => name.to_owned(),
            (None, Some(id)) if signed_in => id.to_owned(),
            _ => self.t("desk-header-no-officer"),
        };
        let officer = format!(" {}: {who}", self.t("desk-header-officer"));
        let lang = match m.lang {
            Lang::Id => "ID",
            Lang::En => "EN",
        };
        let (ledger, ledger_style) = match &m.ledger {
            LedgerState::Unknown => (self.t("desk-ledger-unknown"), bar()),
            LedgerState::Checking => (self.t("desk-ledger-checking"), bar()),
            LedgerState::Intact { events, .. } => (
                self.ta(
                    "desk-ledger-intact-short",
                    &[("events", &events.to_string())],
                ),
                bar(),
            ),
            LedgerState::Damaged(_) => (
                self.t("desk-ledger-damaged-short"),
                Style::new()
                    .fg(Color::White)
                    .bg(Color::Red)
                    .add_modifier(Modifier::BOLD),
            ),
        };
        let clock = m
            .now
            .to_offset(WIB)
            .format(format_description!(
                "[day]-[month]-[year] [hour]:[minute] WIB "
            ))
            .unwrap_or_default();
        let mid = format!("{officer} │ {lang} │ ");
        let used = mid.width() + clock.width();
        let ledger = fit(&ledger, w.saturating_sub(used + 1).min(ledger.width()));
        let gap = w.saturating_sub(used + ledger.width());
        let line2 = Line::from(vec![
            Span::styled(mid, bar()),
            Span::styled(ledger, ledger_style),
            Span::styled(" ".repeat(gap), bar()),
            Span::styled(clock, bar()),
        ]);
        frame.render_widget(
            Paragraph::new(vec![
                Line::styled(line1, bar().add_modifier(Modifier::BOLD)),
                line2,
            ])
            .style(bar()),
            area,
        );
    }

    fn notice(&self, frame: &mut Frame, area: Rect) {
        let m = self.model;
        let w = area.width as usize;
        let mut lines: Vec<Line> = vec![];
        if let Some(n) = &m.notice {
            let (mark, style) = match n.tone {
                Tone::Info => ("ℹ ", Style::new()),
                Tone::Success => ("✓ ", green().add_modifier(Modifier::BOLD)),
                Tone::Error => ("✗ ", red()),
            };
            let text = format!("{mark}{}", n.text.render_compact(self.msg, w / 2));
            let hint = n.error.as_ref().and_then(|e| hint_text(e, self.msg));
            let room = area.height as usize - usize::from(hint.is_some());
            for l in wrap(&text, w, room) {
                lines.push(Line::styled(l, style));
            }
            if let Some(h) = hint {
                lines.push(Line::from(fit(
                    &format!("  {}: {h}", self.t("label-hint")),
                    w,
                )));
            }
        }
        if let Some(job) = m.busy()
            && lines.len() < area.height as usize
        {
            let s = SPINNER[m.spinner % SPINNER.len()];
            lines.push(Line::styled(
                format!("{s} {}", self.t(job.message_id())),
                dim(),
            ));
        }
        frame.render_widget(Paragraph::new(lines), area);
    }

    fn footer(&self, frame: &mut Frame, area: Rect) {
        let keys = self.keys();
        let mut lines: Vec<Line> = vec![Line::default(), Line::default()];
        let mut row = 0;
        let mut used = 0usize;
        for (key, label) in keys {
            let label = self.t(label);
            let width = key.width() + label.width() + 3;
            if used + width > area.width as usize && used > 0 {
                row += 1;
                used = 0;
                if row >= lines.len() {
                    break;
                }
            }
            lines[row]
                .spans
                .push(Span::styled(format!(" {key} "), selected()));
            lines[row].spans.push(Span::raw(format!("{label} ")));
            used += width;
        }
        frame.render_widget(Paragraph::new(lines), area);
    }

    /// The keys of the current screen and mode, as (key, message id).
    fn keys(&self) -> Vec<(&'static str, &'static str)> {
        let m = self.model;
        let lang = match m.lang {
            Lang::Id => ("F2", "desk-key-english"),
            Lang::En => ("F2", "desk-key-indonesian"),
        };
        if let Some(lock) = &m.lock {
            let mut k = signin::keys(lock);
            k.push(lang);
            return k;
        }
        let mut k: Vec<(&'static str, &'static str)> = match (&m.dialog, m.screen) {
            (Some(Dialog::Approve { .. }), _) => {
                vec![("y", "desk-key-approve"), ("n/Esc", "desk-key-cancel")]
            }
            (Some(Dialog::Reject { .. }), _) => {
                vec![("Enter", "desk-key-send"), ("Esc", "desk-key-cancel")]
            }
            (None, Screen::Queue) if m.queue.searching => vec![
                ("Enter", "desk-key-search-done"),
                ("Esc", "desk-key-search-clear"),
            ],
            (None, Screen::Queue) if m.queue.tab == crate::model::QueueTab::Interrupted => vec![
                ("↑↓", "desk-key-move"),
                ("Enter", "desk-key-resume"),
                ("1-6", "desk-key-tabs"),
                ("F5", "desk-key-refresh"),
                ("q", "desk-key-quit"),
            ],
            (None, Screen::Queue) if m.queue.tab == crate::model::QueueTab::Parked => vec![
                ("↑↓", "desk-key-move"),
                ("Enter", "desk-key-open"),
                ("1-6", "desk-key-tabs"),
                ("F5", "desk-key-refresh"),
                ("q", "desk-key-quit"),
            ],
            (None, Screen::Queue) => vec![
                ("↑↓", "desk-key-move"),
                ("Enter", "desk-key-open"),
                ("n", "desk-key-new"),
                ("a", "desk-key-approve"),
                ("r", "desk-key-reject"),
                ("/", "desk-key-search"),
                ("1-6", "desk-key-tabs"),
                ("v", "desk-key-ledger"),
                ("q", "desk-key-quit"),
            ],
            (None, Screen::Wizard) => match m.wizard.step {
                crate::model::WizardStep::Path => {
                    vec![("Enter", "desk-key-check"), ("Esc", "desk-key-back")]
                }
                crate::model::WizardStep::Review => vec![
                    ("↑↓", "desk-key-move"),
                    ("Spasi/1-5", "desk-key-tick"),
                    ("s", "desk-key-submit"),
                    ("c", "desk-key-recheck"),
                    ("e", "desk-key-edit-path"),
                    ("PgUp/PgDn", "desk-key-scroll"),
                    ("Esc", "desk-key-back"),
                ],
            },
            (None, Screen::Detail) => vec![
                ("a", "desk-key-approve"),
                ("r", "desk-key-reject"),
                ("i", "desk-key-issue"),
                ("↑↓", "desk-key-scroll"),
                ("Esc", "desk-key-back"),
            ],
            (None, Screen::Ledger) => vec![("v", "desk-key-verify"), ("Esc", "desk-key-back")],
            (None, Screen::Issuance) => issuance::keys(m),
        };
        if m.lang == Lang::En {
            for (key, _) in k.iter_mut() {
                if *key == "Spasi/1-5" {
                    *key = "Space/1-5";
                }
            }
        }
        k.push(lang);
        k
    }

    fn dialog(&self, frame: &mut Frame, area: Rect, d: &Dialog) {
        let width = area.width.min(64);
        let inner_w = width.saturating_sub(4) as usize;
        let mut lines: Vec<Line> = vec![];
        let title = match d {
            Dialog::Approve { id, name, sending } => {
                for l in wrap(
                    &self.ta("desk-approve-question", &[("id", id), ("name", name)]),
                    inner_w,
                    3,
                ) {
                    lines.push(Line::from(l));
                }
                lines.push(Line::default());
                for l in wrap(&self.t("desk-approve-note"), inner_w, 3) {
                    lines.push(Line::styled(l, dim()));
                }
                if *sending {
                    lines.push(Line::styled(self.t(Job::Decide.message_id()), dim()));
                }
                self.ta("desk-approve-title", &[("id", id)])
            }
            Dialog::Reject {
                id,
                name,
                reason,
                error,
                sending,
            } => {
                lines.push(Line::from(fit(
                    &format!("{}: {name}", self.t("desk-field-name")),
                    inner_w,
                )));
                for l in wrap(&self.t("desk-reject-prompt"), inner_w, 2) {
                    lines.push(Line::from(l));
                }
                // The end of a long reason stays visible while typing.
                let shown = tail(reason, inner_w.saturating_sub(3));
                lines.push(Line::from(vec![
                    Span::styled("> ", bold()),
                    Span::raw(shown),
                    Span::styled("█", dim()),
                ]));
                match (error, sending) {
                    (_, true) => lines.push(Line::styled(self.t(Job::Decide.message_id()), dim())),
                    (Some(e), false) => {
                        for l in wrap(&format!("✗ {}", e.render(self.msg)), inner_w, 3) {
                            lines.push(Line::styled(l, red()));
                        }
                    }
                    (None, false) => {}
                }
                self.ta("desk-reject-title", &[("id", id)])
            }
        };
        let height = (lines.len() as u16 + 2).min(area.height);
        let rect = Rect::new(
            area.x + (area.width - width) / 2,
            area.y + area.height.saturating_sub(height) / 2,
            width,
            height,
        );
        frame.render_widget(Clear, rect);
        frame.render_widget(
            Paragraph::new(lines).block(
                Block::bordered()
                    .title(Span::styled(format!(" {title} "), bold()))
                    .padding(ratatui::widgets::Padding::horizontal(1)),
            ),
            rect,
        );
    }
}

/// `s` cut to `width` display columns (with `…`) and padded with spaces to exactly `width`.
pub(crate) fn fit(s: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    if s.width() <= width {
        out.push_str(s);
        used = s.width();
    } else {
        for c in s.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw + 1 > width {
                break;
            }
            out.push(c);
            used += cw;
        }
        if width > 0 {
            out.push('…');
            used += 1;
        }
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// The last `width` columns of `s` (with a leading `…` when cut).
pub(crate) fn tail(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_owned();
    }
    let mut rev = vec![];
    let mut used = 1;
    for c in s.chars().rev() {
        let cw = c.width().unwrap_or(0);
        if used + cw > width {
            break;
        }
        rev.push(c);
        used += cw;
    }
    std::iter::once('…').chain(rev.into_iter().rev()).collect()
}

/// Word-wraps `s` to `width` columns, at most `max_lines` lines (the last cut with `…`).
pub(crate) fn wrap(s: &str, width: usize, max_lines: usize) -> Vec<String> {
    let width = width.max(8);
    let mut lines: Vec<String> = vec![];
    let mut cur = String::new();
    for word in s.split_whitespace() {
        let extra = if cur.is_empty() { 0 } else { 1 };
        if cur.width() + extra + word.width() > width && !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
        while cur.width() > width {
            // A single word longer than the line: break it.
            let head = fit(&cur, width);
            let keep: String = cur
                .chars()
                .skip(head.trim_end().chars().count() - 1)
                .collect();
            lines.push(head.trim_end().to_owned());
            cur = keep;
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            let cut = fit(last, width.saturating_sub(1));
            *last = format!("{}…", cut.trim_end());
        }
    }
    lines
}
