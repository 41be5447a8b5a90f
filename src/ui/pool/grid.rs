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

/// The letters and style of one cell, `width` columns wide.
pub fn glyph(cell: Cell, width: usize, theme: &Theme) -> (String, Style) {
    let colour = theme.worker(cell.serial);
    let upper = letter(cell.serial);
    let (text, style) = match cell.state {
        CellState::Queued => (theme.glyphs.dot.to_string(), theme.dim),
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
        CellState::Lost => (theme.glyphs.cross.to_string(), theme.error),
        CellState::Failed => ("!".to_string(), theme.error),
    };
    (format!("{text:<width$}"), style)
}

/// Columns each cell takes: one while every worker has one letter; past
/// Z, the longest letters and a space, so no two workers look alike and
/// each reads apart from the next.
pub fn cell_width(cells: &[Cell]) -> u16 {
    let most = cells.iter().map(|c| c.serial).max().unwrap_or(0);
    match letter(most).len() as u16 {
        1 => 1,
        n => n + 1,
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

/// Rows the grid fills at `width` cells a row with at most `max_rows`
/// rows: every cell if they fit, grouped otherwise.
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
    let cw = cell_width(cells);
    let per_row = (area.width / cw).max(1) as usize;
    let room = per_row * area.height as usize;
    let g = group(cells.len(), room);
    for (k, chunk) in cells.chunks(g).enumerate() {
        let x = area.x + (k % per_row) as u16 * cw;
        let y = area.y + (k / per_row) as u16;
        if y >= area.y + area.height {
            break;
        }
        let (text, style) = glyph(pick(chunk), cw as usize, theme);
        buf.set_string(x, y, text, style);
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

    #[test]
    fn workers_past_z_get_two_letters_and_never_another_workers() {
        let cells: Vec<Cell> = (1..=30)
            .map(|serial| Cell {
                state: CellState::Delivered,
                serial,
            })
            .collect();
        assert_eq!(cell_width(&cells), 3);
        let theme = Theme::standard();
        let area = Rect::new(0, 0, 90, 1);
        let mut buf = Buffer::empty(area);
        assert_eq!(render(&cells, area, &theme, &mut buf), 1);
        let row: String = (0..90).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        assert!(row.starts_with("A  B  C  "), "{row}");
        assert!(row.contains("Z  AA AB AC AD"), "{row}");
    }
}
