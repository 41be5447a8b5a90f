//! The real binary on the terminals a classroom has, in a pseudo-terminal:
//! `NO_COLOR`, terminals with and without truecolor, the Linux console
//! (ASCII), and `--no-mouse`.

use crate::common::pty::Screen;

/// The screen row whose text starts, inside the table's border, with
/// worker `id`.
fn row_of(s: &Screen, text: &str, id: u32) -> u16 {
    text.lines()
        .position(|l| {
            l.trim_start_matches(['│', '|'])
                .split_whitespace()
                .next()
                .is_some_and(|first| first == id.to_string())
        })
        .unwrap_or_else(|| panic!("no row for worker {id}:\n{}", s.text())) as u16
}

/// Starts proclab with two workers in `env`, and waits for both rows.
fn two_workers(args: &[&str], env: &[(&str, &str)]) -> Screen {
    let mut all = vec!["--workers", "2", "--workload", "io"];
    all.extend_from_slice(args);
    let s = Screen::start_env(&all, env, 100, 30);
    s.wait_workers(2);
    s.wait_for("p2.start()");
    s
}

fn quit(mut s: Screen) {
    assert_eq!(s.quit(), 0);
}

#[test]
fn under_no_color_nothing_is_coloured_and_the_selected_row_stays_reversed() {
    let s = two_workers(&[], &[("NO_COLOR", "1")]);
    let text = s.text();
    // The newest worker is selected: its whole row, border to border.
    let row = row_of(&s, &text, 2);
    let cells = s.cells(row);
    let right = cells
        .iter()
        .rposition(|c| c.contents() == "│")
        .expect("the table's right border");
    let reversed = cells[1..right].iter().filter(|c| c.inverse()).count();
    assert_eq!(
        reversed,
        right - 1,
        "every cell of the selected row is reversed:\n{text}"
    );
    for y in 0..30 {
        for c in s.cells(y) {
            assert_eq!(
                (c.fgcolor(), c.bgcolor()),
                (vt100::Color::Default, vt100::Color::Default),
                "row {y}: {:?} is coloured",
                c.contents()
            );
        }
    }
    quit(s);
}

/// Whether any cell on screen is drawn in an RGB colour, and whether any
/// in a palette entry beyond the 16 named colours.
fn colours_drawn(s: &Screen) -> (bool, bool) {
    let (mut rgb, mut indexed) = (false, false);
    for y in 0..30 {
        for c in s.cells(y) {
            for colour in [c.fgcolor(), c.bgcolor()] {
                rgb |= matches!(colour, vt100::Color::Rgb(..));
                indexed |= matches!(colour, vt100::Color::Idx(n) if n >= 16);
            }
        }
    }
    (rgb, indexed)
}

#[test]
fn rgb_colours_only_where_colorterm_says_truecolor() {
    let s = two_workers(&["--theme", "projector"], &[]);
    assert_eq!(colours_drawn(&s), (false, true), "the 256-colour palette");
    quit(s);
    let s = two_workers(&["--theme", "projector"], &[("COLORTERM", "truecolor")]);
    assert!(colours_drawn(&s).0, "RGB on a truecolor terminal");
    quit(s);
}

#[test]
fn the_linux_console_gets_ascii_borders() {
    let s = two_workers(&[], &[("TERM", "linux")]);
    let text = s.text();
    let first_frame = text.lines().nth(1).unwrap_or_default();
    assert!(
        first_frame.starts_with("+ Cores") && first_frame.trim_end().ends_with("-+"),
        "{text}"
    );
    let row = text.lines().nth(row_of(&s, &text, 2) as usize).unwrap();
    assert!(row.starts_with('|') && row.is_ascii(), "{row}");
    let footer = text.lines().last().unwrap_or_default();
    assert!(footer.is_ascii(), "{footer}");
    quit(s);
}

#[test]
fn no_mouse_leaves_the_mouse_to_the_terminal() {
    let s = two_workers(&["--no-mouse"], &[]);
    assert!(!s.mouse_captured(), "a drag selects text to copy");
    quit(s);
    let s = two_workers(&[], &[]);
    assert!(s.mouse_captured(), "clicks select a worker");
    quit(s);
}
