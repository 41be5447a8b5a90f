//! The item grid: one cell per item (or per few items), lettered and
//! coloured by the worker that took it, so chunks show as runs of one
//! letter. Case and brightness tell where a result is:
//!
//! | cell | meaning |
//! | --- | --- |
//! | `·` | queued: no worker has it yet |
//! | `a` (dim) | in worker a's chunk, not computed yet |
//! | `A` (reversed) | being computed now |
//! | `A` (dim) | computed, not at the caller yet |
//! | `A` (bold) | at the caller |
//! | `✗` | lost with its worker |
//! | `!` | its future raised `BrokenProcessPool` |

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use crate::lab::pool::letter;
use crate::app::pool::view::{Cell, CellState};

use crate::ui::theme::Theme;

/// The glyph and style of one cell.
pub fn glyph(cell: Cell, theme: &Theme) -> (char, Style) {
    let colour = theme.worker(cell.serial);
    let upper = letter(cell.serial);
    match cell.state {
        CellState::Queued => (theme.glyphs.dot, theme.dim),
        CellState::Taken => (
            upper.to_ascii_lowercase(),
            colour.add_modifier(Modifier::DIM),
        ),
        CellState::Running => (
            upper,
            colour.add_modifier(Modifier::REVERSED | Modifier::BOLD),
        ),
        CellState::Held => (upper, colour.add_modifier(Modifier::DIM)),
        CellState::Delivered => (upper, colour.add_modifier(Modifier::BOLD)),
        CellState::Lost => (theme.glyphs.cross.chars().next().unwrap_or('x'), theme.error),
        CellState::Failed => ('!', theme.error),
    }
}

/// How many of `cells` each screen cell shows, to fit `room` screen cells.
pub fn group(cells: usize, room: usize) -> usize {
    cells.div_ceil(room.max(1)).max(1)
}

/// The cell a screen cell shows for `cells[range]`: a loss or a failure
/// first (never hidden), then the work in progress, then the first.
fn pick(cells: &[Cell]) -> Cell {
    let rank = |c: &Cell| match c.state {
        CellState::Lost => 0,
        CellState::Failed => 1,
        CellState::Running => 2,
        _ => 3,
    };
    cells
        .iter()
        .min_by_key(|c| rank(c))
        .copied()
        .unwrap_or(Cell {
            state: CellState::Queued,
            serial: 0,
        })
}

/// Rows the grid fills at `width` with at most `max_rows` rows: every cell
/// if they fit, grouped otherwise.
pub fn rows_used(cells: usize, width: u16, max_rows: u16) -> u16 {
    let width = width.max(1) as usize;
    let g = group(cells, width * max_rows as usize);
    (cells.div_ceil(g).div_ceil(width) as u16).min(max_rows)
}

/// Draws `cells` row by row into `area`, grouping them if they do not fit.
/// Returns how many view cells each screen cell stands for.
pub fn render(cells: &[Cell], area: Rect, theme: &Theme, buf: &mut Buffer) -> usize {
    if area.width == 0 || area.height == 0 || cells.is_empty() {
        return 1;
    }
    let room = area.width as usize * area.height as usize;
    let g = group(cells.len(), room);
    for (k, chunk) in cells.chunks(g).enumerate() {
        let x = area.x + (k % area.width as usize) as u16;
        let y = area.y + (k / area.width as usize) as u16;
        if y >= area.y + area.height {
            break;
        }
        let (ch, style) = glyph(pick(chunk), theme);
        buf[(x, y)].set_char(ch).set_style(style);
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_cells_fill_no_more_rows_than_they_need() {
        assert_eq!(rows_used(2_000, 118, 8), 6, "3 items a cell: 667 cells");
        assert_eq!(rows_used(100, 50, 8), 2);
        assert_eq!(rows_used(100, 50, 1), 1);
        assert_eq!(rows_used(0, 50, 4), 0);
    }

    #[test]
    fn a_loss_is_never_grouped_away() {
        let mut cells = vec![
            Cell {
                state: CellState::Delivered,
                serial: 1
            };
            100
        ];
        cells[57].state = CellState::Lost;
        let theme = Theme::standard();
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 1));
        let g = render(&cells, Rect::new(0, 0, 10, 1), &theme, &mut buf);
        assert_eq!(g, 10);
        assert_eq!(buf[(5, 0)].symbol(), "✗");
        assert_eq!(buf[(4, 0)].symbol(), "A");
    }
}
