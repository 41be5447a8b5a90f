//! The run view's smaller panels: the selected process's threads, the
//! program's output (each line marked with its pid, stderr with `!`), its
//! queues, shared values and pools, and the lines about the selected
//! process under the tree.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::run::RunState;
use crate::app::run::view::{self, Detail};
use crate::ui::theme::Theme;

fn put(line: Line, area: Rect, row: u16, buf: &mut Buffer) {
    if row < area.height {
        line.render(Rect::new(area.x, area.y + row, area.width, 1), buf);
    }
}

fn title<'a>(name: &'a str, more: String, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!(" {name} "), theme.title),
        Span::styled(more, theme.dim),
    ])
}

/// The selected process's threads, with state, CPU and whether it takes
/// its turn under the GIL.
pub fn threads(s: &RunState, hint: &str, area: Rect, theme: &Theme, buf: &mut Buffer) {
    let rows = view::threads(s);
    let pid = s.selected.map(|id| id.pid.to_string()).unwrap_or_default();
    let inner = crate::ui::framed(
        title("Threads", format!("of {pid}{hint} "), theme),
        theme.border,
        area,
        buf,
    );
    if rows.is_empty() {
        put(
            Line::from(Span::styled("no live process selected", theme.dim)),
            inner,
            0,
            buf,
        );
        return;
    }
    let width = inner.width as usize;
    for (i, t) in rows.iter().enumerate().take(inner.height as usize) {
        let (filled, empty) = theme.glyphs.bar(f64::from(t.cpu) / 100.0, 6);
        let mut spans = vec![
            Span::raw(format!("{:>7} {:<5}", t.tid, if t.main { "main" } else { "" })),
            Span::styled(
                format!("{} {:<9}", t.letter, t.words),
                theme.state(if t.letter == 'R' {
                    crate::app::view::StateKind::Running
                } else {
                    crate::app::view::StateKind::Sleeping
                }),
            ),
            Span::raw(format!("{:>4.0}% ", t.cpu)),
            Span::styled(filled, theme.load(t.cpu)),
            Span::styled(empty, theme.bar_empty),
        ];
        if t.gil {
            spans.push(Span::styled(" GIL", theme.note));
        }
        if let Some(w) = &t.waits {
            spans.push(Span::styled(format!(" in {w}"), theme.dim));
        }
        let line = Line::from(spans);
        let _ = width;
        put(line, inner, i as u16, buf);
    }
}

/// The program's output, newest at the bottom.
pub fn output(s: &RunState, hint: &str, area: Rect, theme: &Theme, buf: &mut Buffer) {
    let g = theme.glyphs;
    let (rule, bar) = (g.border.horizontal_top, g.border.vertical_left);
    let attached = s.watching.as_ref().is_some_and(|w| !w.owned);
    let more = if s.output.is_empty() && attached {
        // An attached program's stdout and stderr are where it was
        // started; proclab cannot take them over.
        format!("not captured: it writes where it was started{hint} ")
    } else if s.output.is_empty() {
        format!("nothing yet{hint} ")
    } else {
        format!("pid{bar} stdout, pid! stderr{hint} ")
    };
    let inner = crate::ui::framed(title("Output", more, theme), theme.border, area, buf);
    let shown = inner.height as usize;
    if shown == 0 {
        return;
    }
    // The lines to show, with a rule where a new run begins.
    let mut lines: Vec<Line> = Vec::new();
    let mut prev_run = None;
    let width = inner.width as usize;
    let start = s.output.len().saturating_sub(shown);
    for l in s.output.iter().skip(start) {
        if prev_run.is_some_and(|r| r != l.run) {
            lines.push(Line::from(Span::styled(
                g.fit(&format!("{rule}{rule} run {} {rule}{rule}", l.run), width),
                theme.dim,
            )));
        }
        prev_run = Some(l.run);
        let pid = l.pid.map_or(String::new(), |p| p.to_string());
        let mark = if l.stderr { "!" } else { bar };
        let text_style = if l.stderr { theme.error } else { ratatui::style::Style::default() };
        lines.push(Line::from(vec![
            Span::styled(format!("{pid:>7}{mark}"), if l.stderr { theme.error } else { theme.dim }),
            Span::styled(g.fit(&l.text, width.saturating_sub(8)), text_style),
        ]));
    }
    let skip = lines.len().saturating_sub(shown);
    for (i, line) in lines.into_iter().skip(skip).enumerate() {
        put(line, inner, i as u16, buf);
    }
}

/// The queues, values and pools the program made, one after the other.
pub fn objects(s: &RunState, which: ObjectKinds, hint: &str, area: Rect, theme: &Theme, buf: &mut Buffer) {
    let g = theme.glyphs;
    let name = match which {
        ObjectKinds::Queues => "Queues".to_string(),
        ObjectKinds::Values => "Values".to_string(),
        ObjectKinds::Pools => "Pools".to_string(),
        ObjectKinds::All => format!("Queues {s} values {s} pools", s = g.sep),
    };
    let instrumented = s.watching.as_ref().is_some_and(|w| w.instrumented);
    let inner = crate::ui::framed(
        title(&name, format!("as the program made them{hint} "), theme),
        theme.border,
        area,
        buf,
    );
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    let want = |k: ObjectKinds| which == k || which == ObjectKinds::All;
    if want(ObjectKinds::Queues) {
        for q in view::queues(s) {
            let max = q.maxsize.map(|m| format!("/{m}")).unwrap_or_default();
            let head = format!("{} ", q.python);
            let tail = format!(" depth {}{max}", q.depth);
            let spark_w = width.saturating_sub(head.chars().count() + tail.chars().count() + 1).min(24);
            lines.push(Line::from(vec![
                Span::styled(head, theme.python),
                Span::styled(g.sparkline(q.history.iter(), spark_w), theme.note),
                Span::raw(tail),
            ]));
            let waiting = if q.waiting.is_empty() { String::new() } else { format!(" {} {}", g.sep, q.waiting) };
            lines.push(Line::from(Span::styled(
                g.fit(&format!("  {}{waiting}", q.site), width),
                theme.dim,
            )));
        }
    }
    if want(ObjectKinds::Values) {
        for v in view::values(s) {
            lines.push(Line::from(vec![
                Span::styled(format!("{} ", v.python), theme.python),
                Span::raw(format!("= {}  ", v.value)),
                Span::styled(v.site, theme.dim),
            ]));
        }
    }
    if want(ObjectKinds::Pools) {
        for p in view::pools(s) {
            lines.push(Line::from(vec![
                Span::styled(format!("{} ", p.python), theme.python),
                Span::styled(p.site.clone(), theme.dim),
            ]));
            for job in &p.jobs {
                lines.push(Line::from(Span::raw(g.fit(&format!("  {}", job.call), width))));
                for (name, took, items) in &job.workers {
                    lines.push(Line::from(Span::styled(
                        g.fit(&format!("    {name} took {took} ({items} items)"), width),
                        theme.dim,
                    )));
                }
            }
        }
    }
    if lines.is_empty() {
        let why = if instrumented {
            "none made yet"
        } else {
            "not instrumented: only the processes and threads are known"
        };
        lines.push(Line::from(Span::styled(why, theme.dim)));
    }
    for (i, line) in lines.into_iter().take(inner.height as usize).enumerate() {
        put(line, inner, i as u16, buf);
    }
}

/// Which objects a panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKinds {
    Queues,
    Values,
    Pools,
    All,
}

/// Rows a detail takes at `width`: one, or two when its Python and its
/// words do not fit side by side.
fn rows_of(d: &Detail, width: usize) -> u16 {
    match &d.python {
        Some(py) if py.chars().count() + d.text.chars().count() + 5 > width => 2,
        _ => 1,
    }
}

/// Rows the details want at `width`.
pub fn details_height(lines: &[Detail], width: u16) -> u16 {
    lines.iter().map(|d| rows_of(d, width as usize)).sum()
}

/// The lines about the selected process, under the tree, unframed.
pub fn details(lines: &[Detail], area: Rect, theme: &Theme, buf: &mut Buffer) {
    let g = theme.glyphs;
    let lead = format!(" {} ", g.bullet);
    let width = area.width as usize;
    let mut row = 0;
    for d in lines {
        let style = if d.notable { theme.note } else { theme.dim };
        let text_w = width.saturating_sub(3);
        match &d.python {
            Some(py) if rows_of(d, width) == 2 => {
                put(
                    Line::from(vec![
                        Span::styled(lead.clone(), theme.dim),
                        Span::styled(g.fit(py, text_w), theme.python),
                    ]),
                    area,
                    row,
                    buf,
                );
                put(
                    Line::from(vec![Span::raw("   "), Span::styled(g.fit(&d.text, text_w), style)]),
                    area,
                    row + 1,
                    buf,
                );
                row += 2;
            }
            Some(py) => {
                put(
                    Line::from(vec![
                        Span::styled(lead.clone(), theme.dim),
                        Span::styled(py.clone(), theme.python),
                        Span::raw("  "),
                        Span::styled(d.text.clone(), style),
                    ]),
                    area,
                    row,
                    buf,
                );
                row += 1;
            }
            None => {
                put(
                    Line::from(vec![
                        Span::styled(lead.clone(), theme.dim),
                        Span::styled(g.fit(&d.text, text_w), style),
                    ]),
                    area,
                    row,
                    buf,
                );
                row += 1;
            }
        }
        if row >= area.height {
            return;
        }
    }
}
