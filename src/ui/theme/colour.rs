//! Fitting colours to the terminal: RGB to the xterm 256-colour palette or
//! to the 16 named colours, or none at all; the theme's own background
//! painted under the cells that set none; and the colours a recording's
//! player should use to show the theme as it was.

use ratatui::buffer::Buffer;
use ratatui::style::Color;

use super::Theme;
use crate::app::look::Colours;

type Rgb = (u8, u8, u8);

/// xterm's 16 named colours, in ANSI order (black, red, ... white): what
/// the standard theme's named colours look like on most terminals, and
/// what a console's nearest colour is chosen from.
pub const XTERM_16: [Rgb; 16] = [
    (0x00, 0x00, 0x00),
    (0xCD, 0x00, 0x00),
    (0x00, 0xCD, 0x00),
    (0xCD, 0xCD, 0x00),
    (0x00, 0x00, 0xEE),
    (0xCD, 0x00, 0xCD),
    (0x00, 0xCD, 0xCD),
    (0xE5, 0xE5, 0xE5),
    (0x7F, 0x7F, 0x7F),
    (0xFF, 0x00, 0x00),
    (0x00, 0xFF, 0x00),
    (0xFF, 0xFF, 0x00),
    (0x5C, 0x5C, 0xFF),
    (0xFF, 0x00, 0xFF),
    (0x00, 0xFF, 0xFF),
    (0xFF, 0xFF, 0xFF),
];

/// The named colours, in ANSI order.
const NAMED: [Color; 16] = [
    Color::Black,
    Color::Red,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::Gray,
    Color::DarkGray,
    Color::LightRed,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
    Color::White,
];

/// The levels of each channel in xterm's 6x6x6 colour cube (16 to 231).
const CUBE: [u8; 6] = [0x00, 0x5F, 0x87, 0xAF, 0xD7, 0xFF];

fn distance(a: Rgb, b: Rgb) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).unsigned_abs();
    d(a.0, b.0).pow(2) + d(a.1, b.1).pow(2) + d(a.2, b.2).pow(2)
}

/// The RGB of palette entry `n` of a 256-colour terminal.
fn rgb_of_index(n: u8) -> Rgb {
    match n {
        0..=15 => XTERM_16[n as usize],
        16..=231 => {
            let i = n - 16;
            (
                CUBE[(i / 36) as usize],
                CUBE[(i / 6 % 6) as usize],
                CUBE[(i % 6) as usize],
            )
        }
        _ => {
            let v = 8 + 10 * (n - 232);
            (v, v, v)
        }
    }
}

/// The entry of xterm's cube or grey ramp nearest to `rgb` (the first 16
/// are left out: each terminal paints them its own way).
fn nearest_256(rgb: Rgb) -> u8 {
    let level = |v: u8| {
        (0..6)
            .min_by_key(|&i| (i32::from(CUBE[i]) - i32::from(v)).unsigned_abs())
            .unwrap_or(0) as u8
    };
    let cube = 16 + 36 * level(rgb.0) + 6 * level(rgb.1) + level(rgb.2);
    let mean = (u32::from(rgb.0) + u32::from(rgb.1) + u32::from(rgb.2)) / 3;
    let grey = 232 + ((mean.saturating_sub(3)) / 10).min(23) as u8;
    [cube, grey]
        .into_iter()
        .min_by_key(|&n| distance(rgb_of_index(n), rgb))
        .unwrap_or(cube)
}

/// The named colour nearest to `rgb`.
fn nearest_16(rgb: Rgb) -> Color {
    (0..16)
        .min_by_key(|&i| distance(XTERM_16[i], rgb))
        .map_or(Color::Reset, |i| NAMED[i])
}

/// `colour` as a terminal that shows `colours` can show it.
pub fn fit(colour: Color, colours: Colours) -> Color {
    match (colours, colour) {
        (Colours::None, _) => Color::Reset,
        (Colours::Palette256, Color::Rgb(r, g, b)) => Color::Indexed(nearest_256((r, g, b))),
        (Colours::Basic16, Color::Rgb(r, g, b)) => nearest_16((r, g, b)),
        (Colours::Basic16, Color::Indexed(n)) => nearest_16(rgb_of_index(n)),
        (_, colour) => colour,
    }
}

/// The RGB a colour is drawn in, by xterm's palette for named colours; None
/// for the terminal's own (Reset).
fn rgb_of(colour: Color) -> Option<Rgb> {
    match colour {
        Color::Reset => None,
        Color::Rgb(r, g, b) => Some((r, g, b)),
        Color::Indexed(n) => Some(rgb_of_index(n)),
        named => NAMED.iter().position(|&c| c == named).map(|i| XTERM_16[i]),
    }
}

pub(super) fn finish(theme: &Theme, buf: &mut Buffer) {
    let base = theme.base.filter(|_| theme.colours != Colours::None);
    if base.is_none() && theme.colours == Colours::TrueColour {
        return;
    }
    for cell in &mut buf.content {
        if let Some(base) = base {
            if cell.fg == Color::Reset {
                cell.fg = base.fg.unwrap_or(Color::Reset);
            }
            if cell.bg == Color::Reset {
                cell.bg = base.bg.unwrap_or(Color::Reset);
            }
        }
        cell.fg = fit(cell.fg, theme.colours);
        cell.bg = fit(cell.bg, theme.colours);
    }
}

/// The colours a player should show a recording in, as `#rrggbb`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalColours {
    pub fg: String,
    pub bg: String,
    /// The 16 named colours, in ANSI order.
    pub palette: Vec<String>,
}

fn hex((r, g, b): Rgb) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

impl Theme {
    /// The text and background colours the theme is seen on (its own, or
    /// xterm's light grey on black for a theme that keeps the terminal's),
    /// and the palette its named colours were chosen for.
    pub fn terminal_colours(&self) -> TerminalColours {
        let base = self.base.filter(|_| self.colours != Colours::None);
        let fg = base.and_then(|b| b.fg).and_then(rgb_of);
        let bg = base.and_then(|b| b.bg).and_then(rgb_of);
        TerminalColours {
            fg: hex(fg.unwrap_or(XTERM_16[7])),
            bg: hex(bg.unwrap_or(XTERM_16[0])),
            palette: XTERM_16.iter().copied().map(hex).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgb_falls_to_the_nearest_palette_entry() {
        // Exact cube and grey entries map to themselves.
        assert_eq!(nearest_256((0xFF, 0x00, 0x00)), 196);
        assert_eq!(nearest_256((0x00, 0x5F, 0xAF)), 25);
        assert_eq!(nearest_256((0x80, 0x80, 0x80)), 244);
        assert_eq!(nearest_256((0, 0, 0)), 16);
        // Okabe-Ito's orange and sky blue.
        assert_eq!(nearest_256((0xE6, 0x9F, 0x00)), 178);
        assert_eq!(nearest_256((0x56, 0xB4, 0xE9)), 74);
        for n in 16..=255u8 {
            assert_eq!(nearest_256(rgb_of_index(n)), n, "entry {n}");
        }
    }

    #[test]
    fn colours_fit_what_the_terminal_shows() {
        let orange = Color::Rgb(0xE6, 0x9F, 0x00);
        assert_eq!(fit(orange, Colours::TrueColour), orange);
        assert_eq!(fit(orange, Colours::Palette256), Color::Indexed(178));
        assert_eq!(fit(orange, Colours::Basic16), Color::Yellow);
        assert_eq!(fit(Color::Indexed(196), Colours::Basic16), Color::LightRed);
        assert_eq!(fit(Color::Cyan, Colours::Palette256), Color::Cyan);
        assert_eq!(fit(Color::Cyan, Colours::None), Color::Reset);
    }

    #[test]
    fn the_projector_paints_its_background_and_gives_it_to_players() {
        let mut theme = Theme::projector();
        let mut buf = Buffer::empty(ratatui::layout::Rect::new(0, 0, 3, 1));
        buf[(1, 0)].set_fg(Color::Red);
        theme.finish(&mut buf);
        assert_eq!(buf[(0, 0)].bg, Color::Rgb(0, 0, 0));
        assert_eq!(buf[(0, 0)].fg, Color::Rgb(0xFF, 0xFF, 0xFF));
        assert_eq!(buf[(1, 0)].fg, Color::Red);
        let colours = theme.terminal_colours();
        assert_eq!(
            (colours.fg.as_str(), colours.bg.as_str()),
            ("#ffffff", "#000000")
        );
        assert_eq!(colours.palette.len(), 16);
        // No colour: nothing painted, nothing left.
        theme.colours = Colours::None;
        theme.finish(&mut buf);
        assert!(
            buf.content
                .iter()
                .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
        );
        assert_eq!(Theme::light().terminal_colours().bg, "#ffffff");
    }
}
