//! Text bars and sparklines drawn with block characters.

const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A horizontal bar `width` cells wide, filled to `fraction` (0..=1) in
/// eighths of a cell. Returns the filled part and the empty rest.
pub fn horizontal(fraction: f64, width: usize) -> (String, String) {
    let fraction = if fraction.is_finite() {
        fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let eighths = (fraction * width as f64 * 8.0).round() as usize;
    let full = eighths / 8;
    let part = eighths % 8;
    let mut filled: String = "█".repeat(full);
    let mut used = full;
    if part > 0 && used < width {
        filled.push(EIGHTHS[part]);
        used += 1;
    }
    (filled, "░".repeat(width - used))
}

/// One character per value (0..=100), newest last, fitted to `width`
/// by keeping the newest values.
pub fn sparkline<'a>(values: impl DoubleEndedIterator<Item = &'a f32>, width: usize) -> String {
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
            LEVELS[((v / 100.0) * 7.0).round() as usize]
        })
        .collect()
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
