//! Worker lanes: each pool place over the run's time, busy (blocks in the
//! worker's colour), idle (`·`), in its initializer (`i`) or empty (blank),
//! with the letter of a fresh worker where it took the place.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::lab::pool::letter;
use crate::app::pool::view::{Lane, Mark};

use crate::ui::theme::Theme;

/// The mark that stands for `marks` squeezed into one column.
fn squeeze(marks: &[Mark]) -> Mark {
    let mut busy = 0u32;
    let mut init = false;
    let mut idle = false;
    for m in marks {
        match *m {
            Mark::Busy(n) => busy += u32::from(n),
            Mark::Init => init = true,
            Mark::Idle => idle = true,
            Mark::Absent => {}
        }
    }
    if busy > 0 {
        Mark::Busy((busy / marks.len().max(1) as u32).clamp(1, 8) as u8)
    } else if init {
        Mark::Init
    } else if idle {
        Mark::Idle
    } else {
        Mark::Absent
    }
}

fn mark_glyph(mark: Mark, colour: Style, theme: &Theme) -> (char, Style) {
    match mark {
        Mark::Absent => (' ', theme.dim),
        Mark::Idle => (theme.glyphs.dot, theme.dim),
        Mark::Init => ('i', theme.note),
        Mark::Busy(n) => (theme.glyphs.level(n), colour),
    }
}

/// Draws one lane per row of `area`: the letters of the worker in the
/// place now, then the lane between bars.
pub fn render(lanes: &[Lane], area: Rect, theme: &Theme, buf: &mut Buffer) {
    // As wide as the longest letters of a worker shown (AA on: two).
    let label_width = lanes
        .iter()
        .map(|l| letter(l.serial.max(1)).len())
        .max()
        .unwrap_or(1) as u16;
    let x0 = area.x + label_width - 1;
    let width = area.width.saturating_sub(2 + label_width) as usize;
    for (row, lane) in lanes.iter().enumerate().take(area.height as usize) {
        let y = area.y + row as u16;
        let (label, style) = match lane.serial {
            0 => ("-".to_string(), theme.dim),
            s => (letter(s), theme.worker(s).patch(theme.title)),
        };
        buf.set_string(area.x, y, label, style);
        if width == 0 {
            continue;
        }
        buf[(x0 + 1, y)].set_char(theme.glyphs.lane_ends.0).set_style(theme.border);
        buf[(x0 + 2 + width as u16, y)]
            .set_char(theme.glyphs.lane_ends.1)
            .set_style(theme.border);
        let n = lane.marks.len();
        if n == 0 {
            continue;
        }
        // The screen column where each fresh process came in.
        let fresh: Vec<(usize, u32)> = lane
            .owners
            .iter()
            .filter(|o| o.fresh)
            .map(|o| ((o.column * width / n).min(width - 1), o.serial))
            .collect();
        for c in 0..width {
            let from = c * n / width;
            let to = ((c + 1) * n / width).max(from + 1).min(n);
            let owner = lane.owner_at(from);
            let (ch, style) =
                mark_glyph(squeeze(&lane.marks[from..to]), theme.worker(owner), theme);
            buf[(x0 + 2 + c as u16, y)].set_char(ch).set_style(style);
        }
        // Where a fresh process came in, its letters, over the marks; one
        // that would overlap the letters before it is left out.
        let mut free_from = 0;
        for &(at, serial) in &fresh {
            let name = letter(serial);
            let at = at.min(width.saturating_sub(name.len()));
            if at < free_from {
                continue;
            }
            free_from = at + name.len() + 1;
            buf.set_string(
                x0 + 2 + at as u16,
                y,
                name,
                theme.worker(serial).patch(theme.title),
            );
        }
    }
    // Lanes that found no row: say how many, on the last one.
    let hidden = lanes.len().saturating_sub(area.height as usize);
    if hidden > 0 && area.height > 0 {
        let text = format!(" +{hidden} more ");
        let w = text.chars().count() as u16;
        if area.width > w + 3 {
            let x = area.x + area.width - 1 - w;
            buf.set_string(x, area.y + area.height - 1, text, theme.note);
        }
    }
}
