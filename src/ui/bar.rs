//! Text bars and sparklines drawn with block characters (the glyph set's
//! own, [`super::glyphs::Glyphs::bar`], draws them for any terminal).

use super::glyphs::UNICODE;

/// A horizontal bar `width` cells wide, filled to `fraction` (0..=1) in
/// eighths of a cell. Returns the filled part and the empty rest. Drawn
/// with block characters whatever the terminal: a panel that may be drawn
/// in ASCII calls `theme.glyphs.bar` instead.
pub fn horizontal(fraction: f64, width: usize) -> (String, String) {
    UNICODE.bar(fraction, width)
}

/// One character per value (0..=100), newest last, fitted to `width`
/// by keeping the newest values; block characters, as [`horizontal`].
pub fn sparkline<'a>(values: impl DoubleEndedIterator<Item = &'a f32>, width: usize) -> String {
    UNICODE.sparkline(values, width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_fills_in_eighths_and_keeps_its_width() {
        assert_eq!(horizontal(0.0, 4), (String::new(), "░░░░".into()));
        assert_eq!(horizontal(1.0, 4), ("████".into(), String::new()));
        assert_eq!(horizontal(0.5, 4), ("██".into(), "░░".into()));
        let (f, e) = horizontal(0.3, 10);
        assert_eq!(f.chars().count() + e.chars().count(), 10);
        assert_eq!(horizontal(f64::NAN, 3).1, "░░░");
        assert_eq!(horizontal(7.0, 3).0, "███");
    }

    #[test]
    fn a_sparkline_keeps_the_newest_values() {
        let v = [0.0, 100.0, 50.0, 100.0];
        assert_eq!(sparkline(v.iter(), 2), "▅█");
        assert_eq!(sparkline(v.iter(), 10), "▁█▅█");
    }
}
