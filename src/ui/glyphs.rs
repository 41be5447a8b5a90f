//! The characters the screen is drawn with: box drawing, blocks and arrows,
//! or their ASCII stand-ins for a terminal without them (`--ascii`, the
//! Linux console, a dumb terminal). Panels take their glyphs from the
//! theme (`theme.glyphs`), never from a literal, and pass the app's words
//! through [`Glyphs::text`], so one switch changes the whole screen.

use std::borrow::Cow;

use ratatui::symbols::border;
use ratatui::text::{Line, Span};

/// One set of glyphs.
#[derive(Debug, PartialEq, Eq)]
pub struct Glyphs {
    /// Only ASCII: the app's words are written with stand-ins too.
    pub ascii: bool,
    /// A panel's frame.
    pub border: border::Set<'static>,
    /// A bar's filled and empty cells.
    pub full: char,
    pub empty: char,
    /// A place taken and a place free, in a row of places: "■■□".
    pub taken: char,
    pub free: char,
    /// A switch that is on, and one that is off.
    pub on: &'static str,
    pub off: &'static str,
    /// A small mark for a place that is empty or waiting.
    pub dot: char,
    /// The ends of a lane, drawn close to what they enclose.
    pub lane_ends: (char, char),
    /// A bar's last, partly filled cell, in eighths (none in ASCII).
    eighths: [char; 8],
    /// Sparkline levels, lowest first.
    levels: [char; 8],
    /// Between the figures of a title: "2 · total 37%".
    pub sep: &'static str,
    /// A result that is right, and one that is wrong.
    pub check: &'static str,
    pub cross: &'static str,
    /// The prefix of a millionth: "µs" for microseconds.
    pub micro: &'static str,
    /// The mark of text cut short.
    pub ellipsis: &'static str,
    pub up: &'static str,
    pub down: &'static str,
    pub left: &'static str,
    pub right: &'static str,
    /// What points at the selected item, and an arrow between items;
    /// pointing back and down.
    pub pointer: &'static str,
    pub pointer_back: &'static str,
    pub pointer_down: &'static str,
    pub pointer_up: &'static str,
    /// A small mark that leads a line: "▸ p.start()".
    pub bullet: &'static str,
    /// Paused: "⏸ 2 blocked".
    pub pause: &'static str,
    /// Times, as in "2 × 5/s".
    pub times: &'static str,
    /// An arrow in words: "fetch → save".
    pub to: &'static str,
    /// A long arrow from one state to the next, and one both ways.
    pub arrow: &'static str,
    pub swap: &'static str,
    /// The corner that hangs a detail under the line above it.
    pub hook: &'static str,
    /// A faint vertical rule, as a mark on a scale.
    pub rule: &'static str,
}

/// Box drawing, block elements and arrows.
pub const UNICODE: Glyphs = Glyphs {
    ascii: false,
    border: border::PLAIN,
    full: '█',
    empty: '░',
    taken: '■',
    free: '□',
    on: "●",
    off: "○",
    dot: '·',
    lane_ends: ('▕', '▏'),
    eighths: [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'],
    levels: ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'],
    sep: "·",
    check: "✓",
    cross: "✗",
    micro: "µ",
    ellipsis: "…",
    up: "↑",
    down: "↓",
    left: "←",
    right: "→",
    pointer: "▶",
    pointer_back: "◀",
    pointer_down: "▼",
    pointer_up: "▲",
    bullet: "▸",
    pause: "⏸",
    times: "×",
    to: "→",
    arrow: "─▶",
    swap: "⇄",
    hook: "╰",
    rule: "┊",
};

/// ASCII only: borders of `+-|`, bars of `#` and `.`.
pub const ASCII: Glyphs = Glyphs {
    ascii: true,
    border: border::Set {
        top_left: "+",
        top_right: "+",
        bottom_left: "+",
        bottom_right: "+",
        vertical_left: "|",
        vertical_right: "|",
        horizontal_top: "-",
        horizontal_bottom: "-",
    },
    full: '#',
    empty: '.',
    taken: '#',
    free: '.',
    on: "*",
    off: "o",
    dot: '.',
    lane_ends: ('|', '|'),
    eighths: ['.'; 8],
    levels: ['_', '.', ':', '-', '=', '+', '*', '#'],
    sep: "|",
    check: "+",
    cross: "x",
    micro: "u",
    ellipsis: "~",
    up: "Up",
    down: "Down",
    left: "Left",
    right: "Right",
    pointer: ">",
    pointer_back: "<",
    pointer_down: "v",
    pointer_up: "^",
    bullet: ">",
    pause: "||",
    times: "x",
    to: "->",
    arrow: "->",
    swap: "<->",
    hook: "`",
    rule: ":",
};

/// The ASCII stand-in of a character the app's words may hold.
/// The one ASCII character a cell shows for `c`, where a drawn frame
/// has a character outside ASCII: box corners become `+`, blocks `#`,
/// light shades `.`, arrows their ASCII heads.
fn cell_stand_in(c: char) -> char {
    match c {
        '┌' | '┐' | '└' | '┘' | '├' | '┤' | '┬' | '┴' | '┼' | '╭' | '╮' | '╯' => {
            '+'
        }
        '╰' => '`',
        '─' | '━' | '—' | '–' => '-',
        '│' | '┃' | '┊' | '▕' | '▏' => '|',
        '·' | '•' => '|',
        '…' => '~',
        '→' | '▶' | '►' | '▸' => '>',
        '←' | '◀' | '◄' => '<',
        '↑' | '▲' => '^',
        '↓' | '▼' => 'v',
        '⇄' | '↔' | '↻' => '@',
        '×' | '✗' => 'x',
        '✓' => '+',
        'µ' => 'u',
        '≥' | '≤' | '≠' => '=',
        '‘' | '’' => '\'',
        '“' | '”' => '"',
        '▁' => '_',
        '▂' | '▃' => '.',
        '▄' | '▅' => ':',
        '▆' | '▇' => '=',
        '█' | '▉' | '▊' | '▋' | '▌' | '▍' | '▎' | '■' | '●' => '#',
        '░' | '□' | '○' => '.',
        _ => '?',
    }
}

/// Every cell of `buf` in ASCII: what a panel drew outside ASCII (a glyph
/// not taken from the theme, a word of the app's) gets its stand-in, so
/// `--ascii` holds for the whole screen.
pub fn ascii_cells(buf: &mut ratatui::buffer::Buffer) {
    for cell in &mut buf.content {
        let symbol = cell.symbol();
        if symbol.is_ascii() {
            continue;
        }
        let c = symbol.chars().next().map_or('?', cell_stand_in);
        cell.set_char(c);
    }
}

fn stand_in(c: char) -> &'static str {
    match c {
        '·' | '•' => "|",
        '…' => "...",
        '→' => "->",
        '←' => "<-",
        '⇄' | '↔' => "<->",
        '↑' => "Up",
        '↓' => "Down",
        '▶' | '►' => ">",
        '◀' | '◄' => "<",
        '▲' => "^",
        '▼' => "v",
        '×' => "x",
        'µ' => "u",
        '✓' => "+",
        '✗' => "x",
        '≥' => ">=",
        '≤' => "<=",
        '≠' => "!=",
        '—' | '–' | '─' => "-",
        '│' | '┊' => "|",
        '‘' | '’' => "'",
        '“' | '”' => "\"",
        '█' | '■' | '●' => "#",
        '░' | '□' | '○' => ".",
        _ => "?",
    }
}

impl Glyphs {
    /// Words from the app as this terminal can show them: unchanged, or
    /// with every character outside ASCII replaced by its stand-in.
    pub fn text<'a>(&self, s: impl Into<Cow<'a, str>>) -> Cow<'a, str> {
        let s = s.into();
        if !self.ascii || s.is_ascii() {
            return s;
        }
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            if c.is_ascii() {
                out.push(c);
            } else {
                out.push_str(stand_in(c));
            }
        }
        Cow::Owned(out)
    }

    /// A line of words, each span as [`Glyphs::text`] writes it.
    pub fn line<'a>(&self, line: Line<'a>) -> Line<'a> {
        if !self.ascii {
            return line;
        }
        let spans: Vec<Span<'a>> = line
            .spans
            .into_iter()
            .map(|s| Span::styled(self.text(s.content), s.style))
            .collect();
        Line { spans, ..line }
    }

    /// The sparkline level of `eighths` (1..=8): how full one cell is.
    pub fn level(&self, eighths: u8) -> char {
        self.levels[usize::from(eighths.clamp(1, 8) - 1)]
    }

    /// A horizontal bar `width` cells wide, filled to `fraction` (0..=1):
    /// in eighths of a cell, or whole cells in ASCII. Returns the filled
    /// part and the empty rest.
    pub fn bar(&self, fraction: f64, width: usize) -> (String, String) {
        let fraction = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (full, part) = if self.ascii {
            ((fraction * width as f64).round() as usize, 0)
        } else {
            let eighths = (fraction * width as f64 * 8.0).round() as usize;
            (eighths / 8, eighths % 8)
        };
        let mut filled: String = std::iter::repeat_n(self.full, full).collect();
        let mut used = full;
        if part > 0 && used < width {
            filled.push(self.eighths[part]);
            used += 1;
        }
        let empty = std::iter::repeat_n(self.empty, width - used).collect();
        (filled, empty)
    }

    /// One character per value (0..=100), newest last, fitted to `width`
    /// by keeping the newest values.
    pub fn sparkline<'a>(
        &self,
        values: impl DoubleEndedIterator<Item = &'a f32>,
        width: usize,
    ) -> String {
        let mut newest: Vec<f32> = values.rev().take(width).copied().collect();
        newest.reverse();
        newest
            .into_iter()
            .map(|v| {
                let v = if v.is_finite() {
                    v.clamp(0.0, 100.0)
                } else {
                    0.0
                };
                self.levels[((v / 100.0) * 7.0).round() as usize]
            })
            .collect()
    }

    /// Cuts `s` to at most `width` characters, marking the cut.
    pub fn fit(&self, s: &str, width: usize) -> String {
        if s.chars().count() <= width {
            return s.to_string();
        }
        let mark = self.ellipsis.chars().count();
        let mut out: String = s.chars().take(width.saturating_sub(mark)).collect();
        out.push_str(self.ellipsis);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_glyphs_are_ascii() {
        let g = &ASCII;
        let b = &g.border;
        for s in [
            b.top_left,
            b.top_right,
            b.bottom_left,
            b.bottom_right,
            b.vertical_left,
            b.vertical_right,
            b.horizontal_top,
            b.horizontal_bottom,
            g.sep,
            g.check,
            g.cross,
            g.micro,
            g.on,
            g.off,
            g.ellipsis,
            g.up,
            g.down,
            g.left,
            g.right,
            g.pointer,
            g.pointer_back,
            g.pointer_down,
            g.pointer_up,
            g.bullet,
            g.pause,
            g.times,
            g.to,
            g.arrow,
            g.swap,
            g.hook,
            g.rule,
        ] {
            assert!(s.is_ascii(), "{s:?}");
        }
        assert!(g.full.is_ascii() && g.empty.is_ascii() && g.dot.is_ascii());
        assert!(g.taken.is_ascii() && g.free.is_ascii());
        assert!(g.lane_ends.0.is_ascii() && g.lane_ends.1.is_ascii());
        assert!(g.levels.iter().chain(&g.eighths).all(char::is_ascii));
    }

    #[test]
    fn ascii_bars_fill_whole_cells_of_hashes() {
        assert_eq!(ASCII.bar(0.5, 4), ("##".into(), "..".into()));
        assert_eq!(ASCII.bar(0.3, 10), ("###".into(), ".......".into()));
        assert_eq!(ASCII.bar(f64::NAN, 3), (String::new(), "...".into()));
        assert_eq!(ASCII.sparkline([0.0, 50.0, 100.0].iter(), 3), "_=#");
    }

    #[test]
    fn words_keep_their_meaning_in_ascii() {
        assert_eq!(
            ASCII.text("fetch → process · 5 µs ✓"),
            "fetch -> process | 5 us +"
        );
        assert_eq!(UNICODE.text("a · b"), "a · b");
        assert_eq!(ASCII.text("snowman ☃"), "snowman ?");
        assert_eq!(ASCII.fit("abcdef", 4), "abc~");
        assert_eq!(UNICODE.fit("abcdef", 4), "abc…");
    }
}
