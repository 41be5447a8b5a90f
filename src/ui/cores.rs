//! The per-core panel: one bar per core with its load, and its history.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use tui_big_text::{BigText, PixelSize};

use crate::app::view::CoreHistory;

use super::theme::Theme;

/// Rows of cores the panel uses at most; more cores go in columns.
pub const MAX_ROWS: usize = 4;

pub struct CoresPanel<'a> {
    pub history: &'a CoreHistory,
    /// Cores on the machine, shown even before the first sample.
    pub cores: usize,
    pub theme: &'a Theme,
}

/// Rows and columns for `n` cores.
pub fn grid(n: usize) -> (usize, usize) {
    let n = n.max(1);
    let rows = n.min(MAX_ROWS);
    (rows, n.div_ceil(rows))
}

/// Terminal rows from which a theme's thick bars are drawn thick: below,
/// the worker table needs the room more.
const THICK_FROM: u16 = 30;

/// The panel's height, borders included, in a terminal `screen_rows` high.
pub fn height(cores: usize, theme: &Theme, screen_rows: u16) -> u16 {
    let rows = grid(cores).0 as u16;
    if theme.thick_bars && screen_rows >= THICK_FROM {
        rows * 2 + 2
    } else {
        rows + 2
    }
}

/// Width of the large total figure (four characters of four cells, and a margin).
const BIG_WIDTH: u16 = 18;

impl Widget for &CoresPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let n = self.cores.max(self.history.cores.len()).max(1);
        let latest = self.history.latest();
        // A float sum starts at -0.0, which would print "-0%" before the first sample.
        let total: f32 = latest.iter().sum::<f32>().max(0.0) + 0.0;
        let g = self.theme.glyphs;
        let title = Line::from(vec![
            Span::styled(" Cores ", self.theme.title),
            Span::styled(
                format!("{n} {} total {total:.0}% of {}% ", g.sep, n * 100),
                self.theme.dim,
            ),
        ]);
        let mut inner = super::framed(title, self.theme.border, area, buf);

        // Large digits for the total, where the theme asks for them and
        // there is room (they need four rows).
        if self.theme.big_figures && inner.height >= 4 && inner.width >= 60 {
            let big = Rect::new(
                inner.x + inner.width - BIG_WIDTH,
                inner.y + (inner.height - 4) / 2,
                BIG_WIDTH,
                4,
            );
            BigText::builder()
                .pixel_size(PixelSize::Quadrant)
                .style(self.theme.load(total / n as f32))
                .lines(vec![Line::from(format!("{total:.0}%"))])
                .build()
                .render(big, buf);
            inner.width -= BIG_WIDTH + 1;
        }

        let (rows, cols) = grid(n);
        // Thick bars when the layout gave the room for them.
        let per_core = if self.theme.thick_bars && inner.height as usize >= rows * 2 {
            2
        } else {
            1
        };
        let col_width = inner.width as usize / cols;
        let label_width = format!("cpu{}", n - 1).len();
        for core in 0..n {
            let (row, col) = (core % rows, core / rows);
            if ((row + 1) * per_core) as u16 > inner.height {
                continue;
            }
            let x = inner.x + (col * col_width) as u16;
            let y = inner.y + (row * per_core) as u16;
            let pct = latest.get(core).copied().unwrap_or(0.0);
            // label, space, bar, space, "100%", then history if room.
            let fixed = label_width + 1 + 1 + 4;
            let room = col_width.saturating_sub(fixed + 1);
            let (bar_width, spark_width) = if room >= 30 {
                (room.min(60) / 3, room - room.min(60) / 3 - 1)
            } else {
                (room, 0)
            };
            let (filled, empty) = g.bar(f64::from(pct) / 100.0, bar_width);
            let mut spans = vec![
                Span::styled(
                    format!("{:<label_width$} ", format!("cpu{core}")),
                    self.theme.dim,
                ),
                Span::styled(filled, self.theme.load(pct)),
                Span::styled(empty, self.theme.bar_empty),
                Span::raw(format!(" {:>3.0}%", pct.clamp(0.0, 100.0))),
            ];
            if spark_width > 0 {
                let hist = self.history.cores.get(core);
                let spark = hist
                    .map(|h| g.sparkline(h.iter(), spark_width))
                    .unwrap_or_default();
                spans.push(Span::raw(" "));
                spans.push(Span::styled(spark, self.theme.load(pct)));
            }
            if per_core > 1 {
                // The second row of a thick bar: the bar again, no words.
                let (filled, empty) = g.bar(f64::from(pct) / 100.0, bar_width);
                Line::from(vec![
                    Span::raw(" ".repeat(label_width + 1)),
                    Span::styled(filled, self.theme.load(pct)),
                    Span::styled(empty, self.theme.bar_empty),
                ])
                .render(Rect::new(x, y + 1, col_width as u16, 1), buf);
            }
            Line::from(spans).render(Rect::new(x, y, col_width as u16, 1), buf);
        }
    }
}
