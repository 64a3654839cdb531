//! The application wizard: path input, then the form with its document checklist and every
//! problem next to its field.

use kustodi::domain::application::{ApplicationForm, DocumentKind};
use kustodi::domain::problem::Problem;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::{View, bold, dim, fit, green, red, selected, tail, wrap};
use crate::model::WizardStep;
use crate::text::{hint_text, problem_text};

/// Width of the field labels.
const LABEL_W: usize = 12;

pub(super) fn draw(v: &View<'_>, frame: &mut Frame, area: Rect) {
    let wz = &v.model.wizard;
    let w = area.width as usize;
    let (step, title) = match wz.step {
        WizardStep::Path => ("1/2", v.t("desk-wizard-step-path")),
        WizardStep::Review => ("2/2", v.t("desk-wizard-step-review")),
    };
    let title = format!(" {} · {step} {title}", v.t("desk-wizard-title"));
    let status = status_line(v);
    let status_w = status.0.width().min(w / 2);
    let head = vec![
        Span::styled(fit(&title, w.saturating_sub(status_w)), bold()),
        Span::styled(fit(&status.0, status_w), status.1),
    ];
    frame.render_widget(
        Paragraph::new(Line::from(head)),
        Rect::new(area.x, area.y, area.width, 1),
    );
    let body = Rect::new(
        area.x,
        area.y + 1,
        area.width,
        area.height.saturating_sub(1),
    );
    let lines = match wz.step {
        WizardStep::Path => path_lines(v, w),
        WizardStep::Review => review_lines(v, w),
    };
    let max_scroll = (lines.len() as u16).saturating_sub(body.height);
    let scroll = wz.scroll.min(max_scroll);
    let visible: Vec<Line> = lines
        .into_iter()
        .skip(scroll as usize)
        .take(body.height as usize)
        .collect();
    frame.render_widget(Paragraph::new(visible), body);
}

/// The verdict shown on the title line: ready, problems, or documents still to tick.
fn status_line(v: &View<'_>) -> (String, Style) {
    let wz = &v.model.wizard;
    if wz.step == WizardStep::Path {
        return (String::new(), Style::new());
    }
    let Some(c) = &wz.checked else {
        return (format!("✗ {} ", v.t("desk-wizard-unreadable")), red());
    };
    if !c.problems.is_empty() {
        return (
            format!(
                "✗ {} ",
                v.ta(
                    "desk-wizard-problems",
                    &[("count", &c.problems.len().to_string())]
                )
            ),
            red(),
        );
    }
    let missing = wz.checklist.iter().filter(|i| !i.presented).count();
    if missing > 0 {
        return (
            format!(
                "☐ {} ",
                v.ta("desk-wizard-unticked", &[("count", &missing.to_string())])
            ),
            Style::new().add_modifier(Modifier::BOLD),
        );
    }
    (
        format!("✓ {} ", v.t("desk-wizard-ready")),
        green().add_modifier(Modifier::BOLD),
    )
}

fn path_lines(v: &View<'_>, w: usize) -> Vec<Line<'static>> {
    let wz = &v.model.wizard;
    let mut lines = vec![
        Line::default(),
        Line::styled(format!(" {}", v.t("desk-wizard-path-label")), bold()),
        Line::from(vec![
            Span::styled(" > ", bold()),
            Span::raw(tail(&wz.path, w.saturating_sub(5))),
            Span::styled(if wz.working { "" } else { "█" }, dim()),
        ]),
        Line::default(),
    ];
    for l in wrap(&v.t("desk-wizard-path-help"), w.saturating_sub(2), 6) {
        lines.push(Line::styled(format!(" {l}"), dim()));
    }
    lines
}

fn review_lines(v: &View<'_>, w: usize) -> Vec<Line<'static>> {
    let wz = &v.model.wizard;
    let mut lines: Vec<Line<'static>> = vec![];
    let Some(c) = &wz.checked else {
        // Not an application form at all.
        lines.push(Line::from(fit(
            &format!(" {}: {}", v.t("desk-field-file"), wz.path.trim()),
            w,
        )));
        if let Some(e) = &wz.unreadable {
            for l in wrap(
                &format!("✗ {}", e.message_text(v.msg)),
                w.saturating_sub(2),
                6,
            ) {
                lines.push(Line::styled(format!(" {l}"), red()));
            }
            if let Some(h) = hint_text(e, v.msg) {
                for l in wrap(
                    &format!("{}: {h}", v.t("label-hint")),
                    w.saturating_sub(2),
                    4,
                ) {
                    lines.push(Line::from(format!(" {l}")));
                }
            }
        }
        return lines;
    };
    lines.push(Line::from(fit(
        &format!(" {}: {}", v.t("desk-field-file"), c.path.display()),
        w,
    )));
    let mut shown = vec![false; c.problems.len()];
    // The checklist first: it is what the officer works through with the applicant.
    lines.push(Line::styled(
        fit(&format!(" ── {} ", v.t("desk-checklist-title")), w),
        bold(),
    ));
    for (i, item) in wz.checklist.iter().enumerate() {
        let mark = if item.presented { "[x]" } else { "[ ]" };
        let focus = i == wz.focus;
        let label = v.ta(
            "application-document-name",
            &[("document", item.document.as_str())],
        );
        let what = document_summary(&c.form, item.document);
        let text = format!(
            "{}{mark} {} {}  {}",
            if focus { "›" } else { " " },
            i + 1,
            fit(&capitalise(&label), 24),
            what
        );
        let style = if focus { selected() } else { Style::new() };
        let style = if item.presented {
            style.add_modifier(Modifier::BOLD)
        } else {
            style
        };
        lines.push(Line::styled(fit(&format!(" {text}"), w), style));
        problems_under(
            v,
            &c.problems,
            &item.document.field(),
            &mut shown,
            w,
            &mut lines,
        );
    }
    lines.push(Line::styled(
        fit(&format!(" ── {} ", v.t("desk-applicant-title")), w),
        bold(),
    ));
    form_lines(v, &c.form, Some((&c.problems, &mut shown)), w, &mut lines);
    if shown.iter().any(|s| !s) {
        lines.push(Line::styled(
            fit(&format!(" ── {} ", v.t("desk-other-problems")), w),
            bold(),
        ));
        for (p, done) in c.problems.iter().zip(shown.iter_mut()) {
            if !*done {
                *done = true;
                problem_line(v, p, true, w, &mut lines);
            }
        }
    }
    lines
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Number, date and file of a document as the form gives them.
fn document_summary(form: &ApplicationForm, kind: DocumentKind) -> String {
    let d = &form.documents;
    let letter = match kind {
        DocumentKind::CoverLetter => d.cover_letter.as_ref(),
        DocumentKind::Recommendation => d.recommendation.as_ref(),
        DocumentKind::AppointmentDecree => d.appointment_decree.as_ref(),
        DocumentKind::DelegationLetter => d.delegation_letter.as_ref(),
        DocumentKind::KtpScan => {
            return d
                .ktp_scan
                .as_ref()
                .and_then(|s| s.file.clone())
                .unwrap_or_else(|| "—".into());
        }
    };
    match letter {
        None => "—".into(),
        Some(l) => {
            let parts: Vec<&str> = [l.number.as_deref(), l.date.as_deref()]
                .into_iter()
                .flatten()
                .filter(|s| !s.trim().is_empty())
                .collect();
            if parts.is_empty() {
                "—".into()
            } else {
                parts.join(" · ")
            }
        }
    }
}

/// Whether a problem's field belongs to the row of `field` (itself or inside it).
fn belongs(problem_field: &str, field: &str) -> bool {
    problem_field == field
        || problem_field
            .strip_prefix(field)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

fn problem_line(
    v: &View<'_>,
    p: &Problem,
    with_field: bool,
    w: usize,
    out: &mut Vec<Line<'static>>,
) {
    let text = problem_text(p).render(v.msg);
    let text = if with_field && !p.field.is_empty() {
        format!("{}: {text}", p.field)
    } else {
        text
    };
    for (i, l) in wrap(&text, w.saturating_sub(LABEL_W + 5), 4)
        .into_iter()
        .enumerate()
    {
        let mark = if i == 0 { "✗" } else { " " };
        out.push(Line::styled(
            format!("{:width$}{mark} {l}", "", width = LABEL_W + 2),
            red(),
        ));
    }
}

/// Lines for the problems of `field` not shown yet.
pub(super) fn problems_under(
    v: &View<'_>,
    problems: &[Problem],
    field: &str,
    shown: &mut [bool],
    w: usize,
    out: &mut Vec<Line<'static>>,
) {
    for (p, done) in problems.iter().zip(shown.iter_mut()) {
        if !*done && belongs(&p.field, field) {
            *done = true;
            problem_line(v, p, false, w, out);
        }
    }
}

/// The applicant's fields (and a system's), each followed by its problems when given.
pub(super) fn form_lines(
    v: &View<'_>,
    form: &ApplicationForm,
    mut problems: Option<(&[Problem], &mut Vec<bool>)>,
    w: usize,
    out: &mut Vec<Line<'static>>,
) {
    let a = &form.applicant;
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    let uses: Vec<String> = form
        .uses
        .iter()
        .map(|u| v.ta("application-use-name", &[("use", u.as_str())]))
        .collect();
    let mut rows: Vec<(&str, String, String)> = vec![
        (
            "kind",
            v.t("desk-field-kind"),
            v.ta("application-kind-name", &[("kind", form.kind.as_str())]),
        ),
        ("applicant.name", v.t("desk-field-name"), opt(&a.name)),
        ("applicant.nik", "NIK".into(), opt(&a.nik)),
    ];
    if a.nip.is_some() {
        rows.push(("applicant.nip", "NIP".into(), opt(&a.nip)));
    }
    let category = serde_category(a.category);
    rows.push((
        "applicant.category",
        v.t("desk-field-category"),
        v.t(&format!("desk-category-{category}")),
    ));
    rows.push(("applicant.email", v.t("desk-field-email"), opt(&a.email)));
    rows.push((
        "applicant.department",
        v.t("desk-field-department"),
        opt(&a.department),
    ));
    if a.position_title.is_some()
        || form.kind == kustodi::domain::application::CertificateKind::Position
    {
        rows.push((
            "applicant.position_title",
            v.t("desk-field-position"),
            opt(&a.position_title),
        ));
    }
    if let Some(s) = &form.system {
        rows.push(("system.name", v.t("desk-field-system"), opt(&s.name)));
        rows.push((
            "system.dns_names",
            v.t("desk-field-dns"),
            s.dns_names.join(", "),
        ));
    }
    rows.push(("uses", v.t("desk-field-uses"), uses.join(", ")));
    for (field, label, value) in rows {
        let value = if value.trim().is_empty() {
            "—".to_owned()
        } else {
            value
        };
        let has_problem = problems
            .as_ref()
            .is_some_and(|(ps, _)| ps.iter().any(|p| belongs(&p.field, field)));
        let mark = match (&problems, has_problem) {
            (None, _) => Span::raw("  "),
            (Some(_), true) => Span::styled("✗ ", red()),
            (Some(_), false) => Span::styled("✓ ", green()),
        };
        out.push(Line::from(vec![
            Span::raw(" "),
            mark,
            Span::styled(fit(&label, LABEL_W), dim()),
            Span::raw(fit(&value, w.saturating_sub(LABEL_W + 4))),
        ]));
        if let Some((ps, shown)) = problems.as_mut() {
            problems_under(v, ps, field, shown, w, out);
        }
    }
}

fn serde_category(c: kustodi::domain::application::ApplicantCategory) -> &'static str {
    use kustodi::domain::application::ApplicantCategory::*;
    match c {
        Regent => "regent",
        ViceRegent => "vice_regent",
        Asn => "asn",
        Other => "other",
    }
}
