//! The run table: past runs side by side, newest first, so chunk sizes,
//! methods and costs can be compared.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::numbers::duration;
use crate::app::numbers::thousands;
use crate::app::pool::python::rate;
use crate::lab::pool::{Outcome, RunRecord};

use crate::ui::theme::Theme;

/// Columns: heading, width. The last column takes what is left.
const COLUMNS: [(&str, usize); 9] = [
    ("run", 4),
    ("method", 15),
    ("chunk", 9),
    ("maxtasks", 9),
    ("cost", 8),
    ("wall", 9),
    ("items/s", 11),
    ("dispatch", 10),
    ("starved", 9),
];

fn cells(r: &RunRecord) -> Vec<String> {
    let s = &r.stats;
    let chunk = if r.spec.method.chunked() {
        let star = if r.spec.chunksize_is_default() {
            "*"
        } else {
            ""
        };
        format!("{}{star}", thousands(r.chunksize.into()))
    } else {
        "-".into()
    };
    vec![
        r.number.to_string(),
        r.spec.method.name().to_string(),
        chunk,
        r.spec
            .maxtasks
            .map_or("None".to_string(), |m| m.to_string()),
        r.spec.cost.name().to_string(),
        duration(s.wall),
        rate(s.items_per_s),
        duration(s.waited),
        duration(s.starved),
    ]
}

/// The last column's words for how a run ended, marked with `cross` when
/// it went wrong.
pub fn outcome_words(r: &RunRecord, cross: &str) -> String {
    match r.outcome {
        Outcome::Done => "ok".into(),
        Outcome::Running => "running".into(),
        Outcome::Hung => format!("{cross} hung: {} lost", thousands(r.lost_items.into())),
        Outcome::Broken => format!("{cross} broken: {} failed", thousands(r.failed_items.into())),
        Outcome::Terminated => format!("{cross} terminated"),
    }
}

/// Rows this table takes for `runs` runs in `height` rows at most.
pub fn height_for(runs: usize, height: u16) -> u16 {
    if runs == 0 {
        0
    } else {
        (runs as u16 + 1).min(height)
    }
}

pub fn render(history: &[RunRecord], area: Rect, theme: &Theme, buf: &mut Buffer) {
    if area.height == 0 || history.is_empty() {
        return;
    }
    let mut x_widths = Vec::new();
    let mut used = 0;
    for (name, w) in COLUMNS {
        if used + w > area.width as usize {
            break;
        }
        x_widths.push((name, w));
        used += w;
    }
    let rest = (area.width as usize).saturating_sub(used);
    let mut header: Vec<Span> = x_widths
        .iter()
        .map(|(name, w)| Span::styled(format!("{name:<w$}"), theme.dim))
        .collect();
    if rest >= 6 {
        let note = "result (*: default chunk)";
        header.push(Span::styled(theme.glyphs.fit(note, rest), theme.dim));
    }
    theme.glyphs.line(Line::from(header)).render(Rect::new(area.x, area.y, area.width, 1), buf);
    for (row, r) in history
        .iter()
        .rev()
        .take(area.height as usize - 1)
        .enumerate()
    {
        let values = cells(r);
        let mut spans: Vec<Span> = x_widths
            .iter()
            .zip(&values)
            .map(|((_, w), v)| Span::raw(format!("{:<w$}", theme.glyphs.fit(v, w - 1))))
            .collect();
        if rest >= 6 {
            let style = if r.outcome == Outcome::Done {
                theme.dim
            } else {
                theme.error
            };
            spans.push(Span::styled(theme.glyphs.fit(&outcome_words(r, theme.glyphs.cross), rest), style));
        }
        let y = area.y + 1 + row as u16;
        let line = theme.glyphs.line(Line::from(spans));
        let line = if row == 0 {
            line.style(theme.title)
        } else {
            line
        };
        line.render(Rect::new(area.x, y, area.width, 1), buf);
    }
}
