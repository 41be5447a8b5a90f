//! A number in large digits (tui-big-text's 8x8 font), as large as fits
//! the area, centred; plain bold text when even the smallest do not fit.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Widget;
use tui_big_text::{BigText, PixelSize};

/// The sizes tried, largest first: (size, cells wide per character, rows).
/// Sextants and octants are left out: many terminals draw them poorly.
const SIZES: [(PixelSize, u16, u16); 4] = [
    (PixelSize::Full, 8, 8),
    (PixelSize::HalfHeight, 8, 4),
    (PixelSize::HalfWidth, 4, 8),
    (PixelSize::Quadrant, 4, 4),
];

/// The largest size that draws `chars` characters within `width` x `height`:
/// (size, width used, rows used).
pub fn fit(chars: usize, width: u16, height: u16) -> Option<(PixelSize, u16, u16)> {
    SIZES.iter().find_map(|&(size, w, h)| {
        let needed = (chars as u64).saturating_mul(u64::from(w));
        (needed <= u64::from(width) && h <= height).then_some((size, needed as u16, h))
    })
}

/// Rows the number takes in an area `width` wide with up to `max_rows` rows.
pub fn rows(text: &str, width: u16, max_rows: u16) -> u16 {
    fit(text.chars().count(), width, max_rows).map_or(1, |(_, _, h)| h)
}

pub struct BigNumber<'a> {
    pub text: &'a str,
    pub style: Style,
    /// Draw the digits' pixels with `#` (a terminal without block
    /// characters).
    pub ascii: bool,
}

impl Widget for &BigNumber<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let chars = self.text.chars().count();
        match fit(chars, area.width, area.height) {
            Some((size, w, h)) => {
                let x = area.x + (area.width - w) / 2;
                let y = area.y + (area.height - h) / 2;
                BigText::builder()
                    .pixel_size(size)
                    .style(self.style)
                    .lines(vec![Line::from(self.text.to_string())])
                    .build()
                    .render(Rect::new(x, y, w, h), buf);
                if self.ascii {
                    for row in y..y + h {
                        for col in x..x + w {
                            let cell = &mut buf[(col, row)];
                            if !cell.symbol().is_ascii() {
                                cell.set_symbol("#");
                            }
                        }
                    }
                }
            }
            None => {
                let y = area.y + area.height.saturating_sub(1) / 2;
                Line::styled(self.text.to_string(), self.style)
                    .centered()
                    .render(Rect::new(area.x, y, area.width, 1), buf);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_size_that_fits_is_chosen() {
        assert_eq!(fit(9, 80, 8).map(|f| f.0), Some(PixelSize::Full));
        assert_eq!(fit(9, 72, 4).map(|f| f.0), Some(PixelSize::HalfHeight));
        assert_eq!(fit(9, 42, 16).map(|f| f.0), Some(PixelSize::HalfWidth));
        assert_eq!(fit(9, 40, 4), Some((PixelSize::Quadrant, 36, 4)));
        assert_eq!(fit(26, 80, 4), None, "u64's largest needs plain text here");
        assert_eq!(rows("2,000,000", 42, 3), 1);
    }

    #[test]
    fn digits_are_drawn_big_or_plain() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 4));
        (&BigNumber {
            text: "42",
            style: Style::new(),
            ascii: false,
        })
            .render(buf.area, &mut buf);
        let drawn: String = buf.content.iter().map(|c| c.symbol()).collect();
        assert!(drawn.chars().any(|c| c != ' '), "something is drawn");
        assert!(!drawn.contains("42"), "as glyphs, not as the characters");

        let mut ascii = Buffer::empty(Rect::new(0, 0, 20, 4));
        (&BigNumber {
            text: "42",
            style: Style::new(),
            ascii: true,
        })
            .render(ascii.area, &mut ascii);
        let hashes: String = ascii.content.iter().map(|c| c.symbol()).collect();
        assert!(hashes.is_ascii() && hashes.contains('#'), "{hashes:?}");

        let mut small = Buffer::empty(Rect::new(0, 0, 5, 1));
        (&BigNumber {
            text: "1,000",
            style: Style::new(),
            ascii: false,
        })
            .render(small.area, &mut small);
        let line: String = small.content.iter().map(|c| c.symbol()).collect();
        assert_eq!(line, "1,000");
    }
}
