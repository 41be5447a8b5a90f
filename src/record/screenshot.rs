//! Screenshots of a drawn screen: SVG with its colours (for slides) and
//! plain text.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write as _};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};

const CELL_WIDTH: f64 = 8.4;
const CELL_HEIGHT: f64 = 17.0;
const BASELINE: f64 = 13.0;
const BACKGROUND: &str = "#1e1e1e";
const FOREGROUND: &str = "#d4d4d4";

/// The 16 ANSI colours, as a common dark terminal theme draws them.
const ANSI: [&str; 16] = [
    "#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
    "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
];

fn indexed(n: u8) -> String {
    match n {
        0..=15 => ANSI[n as usize].to_string(),
        16..=231 => {
            let n = n - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            format!(
                "#{:02x}{:02x}{:02x}",
                level(n / 36),
                level((n / 6) % 6),
                level(n % 6)
            )
        }
        _ => {
            let v = 8 + (n - 232) * 10;
            format!("#{v:02x}{v:02x}{v:02x}")
        }
    }
}

/// A colour as SVG; None for the terminal's default.
fn css(color: Color) -> Option<String> {
    let ansi = |i: usize| Some(ANSI[i].to_string());
    match color {
        Color::Reset => None,
        Color::Black => ansi(0),
        Color::Red => ansi(1),
        Color::Green => ansi(2),
        Color::Yellow => ansi(3),
        Color::Blue => ansi(4),
        Color::Magenta => ansi(5),
        Color::Cyan => ansi(6),
        Color::Gray => ansi(7),
        Color::DarkGray => ansi(8),
        Color::LightRed => ansi(9),
        Color::LightGreen => ansi(10),
        Color::LightYellow => ansi(11),
        Color::LightBlue => ansi(12),
        Color::LightMagenta => ansi(13),
        Color::LightCyan => ansi(14),
        Color::White => ansi(15),
        Color::Indexed(n) => Some(indexed(n)),
        Color::Rgb(r, g, b) => Some(format!("#{r:02x}{g:02x}{b:02x}")),
    }
}

/// The colours a cell shows, reversed video applied.
fn colours(cell: &Cell) -> (String, Option<String>) {
    let fg = css(cell.fg);
    let bg = css(cell.bg);
    if cell.modifier.contains(Modifier::REVERSED) {
        (
            bg.unwrap_or_else(|| BACKGROUND.into()),
            Some(fg.unwrap_or_else(|| FOREGROUND.into())),
        )
    } else {
        (fg.unwrap_or_else(|| FOREGROUND.into()), bg)
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The screen as an SVG picture.
pub fn to_svg(buf: &Buffer) -> String {
    let area = buf.area;
    let (w, h) = (
        f64::from(area.width) * CELL_WIDTH,
        f64::from(area.height) * CELL_HEIGHT,
    );
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.1} {h:.1}">"#
    );
    out.push_str(
        "<style>text{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:14px;white-space:pre}</style>\n",
    );
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" fill="{BACKGROUND}"/>"#
    );
    for y in area.top()..area.bottom() {
        // Runs of cells that look the same are drawn as one rect and one text.
        let mut x = area.left();
        while x < area.right() {
            let cell = &buf[(x, y)];
            let look = (colours(cell), cell.modifier);
            let start = x;
            let mut text = String::new();
            while x < area.right() {
                let c = &buf[(x, y)];
                if (colours(c), c.modifier) != look {
                    break;
                }
                text.push_str(if c.symbol().is_empty() {
                    " "
                } else {
                    c.symbol()
                });
                x += 1;
            }
            let ((fg, bg), modifier) = look;
            let cells = f64::from(x - start);
            let (px, py) = (
                f64::from(start - area.left()) * CELL_WIDTH,
                f64::from(y - area.top()) * CELL_HEIGHT,
            );
            if let Some(bg) = bg {
                let _ = writeln!(
                    out,
                    r#"<rect x="{px:.1}" y="{py:.1}" width="{:.1}" height="{CELL_HEIGHT:.1}" fill="{bg}"/>"#,
                    cells * CELL_WIDTH
                );
            }
            if text.trim().is_empty() {
                continue;
            }
            let weight = if modifier.contains(Modifier::BOLD) {
                r#" font-weight="bold""#
            } else {
                ""
            };
            let opacity = if modifier.contains(Modifier::DIM) {
                r#" opacity="0.6""#
            } else {
                ""
            };
            let _ = writeln!(
                out,
                r#"<text x="{px:.1}" y="{:.1}" fill="{fg}"{weight}{opacity} textLength="{:.1}" lengthAdjust="spacingAndGlyphs">{}</text>"#,
                py + BASELINE,
                cells * CELL_WIDTH,
                escape(&text)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

/// The screen as plain text, one line per row, trailing blanks trimmed.
pub fn to_text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let line: String = (area.left()..area.right())
            .map(|x| buf[(x, y)].symbol())
            .collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `YYYYMMDD-HHMMSS` (UTC) for a time since the epoch, by the civil-date
/// algorithm of H. Hinnant ("chrono-Compatible Low-Level Date Algorithms").
pub fn stamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// How many names `save` tries before giving up.
const NAME_TRIES: u32 = 1000;

/// Creates `path` for writing only if nothing is there: no file, and no
/// symbolic link either, dangling or not (`O_CREAT|O_EXCL|O_NOFOLLOW`), so a
/// link planted under a predictable name is never followed.
pub fn create_new(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

/// Saves the screen as `proclab-<time>.svg` and `.txt` in `dir`; returns
/// the SVG's path. Nothing already in `dir` is overwritten or followed:
/// when either name is taken (by a file or a link), the next free pair
/// `proclab-<time>-2`, `-3`, ... is used.
pub fn save(buf: &Buffer, dir: &Path) -> std::io::Result<PathBuf> {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    save_as(buf, dir, &format!("proclab-{}", stamp(secs)))
}

fn save_as(buf: &Buffer, dir: &Path, base: &str) -> std::io::Result<PathBuf> {
    for n in 1..=NAME_TRIES {
        let name = if n == 1 {
            base.to_string()
        } else {
            format!("{base}-{n}")
        };
        let svg = dir.join(format!("{name}.svg"));
        let mut svg_file = match create_new(&svg) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let txt = dir.join(format!("{name}.txt"));
        let mut txt_file = match create_new(&txt) {
            Ok(f) => f,
            Err(e) => {
                // The pair stays together: give the SVG's name back.
                let _ = std::fs::remove_file(&svg);
                if e.kind() == ErrorKind::AlreadyExists {
                    continue;
                }
                return Err(e);
            }
        };
        let written = svg_file
            .write_all(to_svg(buf).as_bytes())
            .and_then(|()| txt_file.write_all(to_text(buf).as_bytes()));
        if let Err(e) = written {
            // A full disk: no half screenshot is left behind.
            let _ = std::fs::remove_file(&svg);
            let _ = std::fs::remove_file(&txt);
            return Err(e);
        }
        return Ok(svg);
    }
    Err(std::io::Error::new(
        ErrorKind::AlreadyExists,
        format!("{base}.svg and the next {NAME_TRIES} names are all taken"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn dates_are_civil_dates() {
        assert_eq!(stamp(0), "19700101-000000");
        assert_eq!(stamp(951_782_400), "20000229-000000");
        assert_eq!(stamp(1_795_304_329), "20261121-233849");
    }

    #[test]
    fn svg_keeps_colours_and_escapes_text() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 12, 2));
        buf.set_string(0, 0, "a<b & c", Style::new().fg(Color::Red));
        buf.set_string(0, 1, "rev", Style::new().add_modifier(Modifier::REVERSED));
        let svg = to_svg(&buf);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains(r##"fill="#cd3131""##), "{svg}");
        assert!(svg.contains("a&lt;b &amp; c"));
        // Reversed video: the default foreground becomes a background rect.
        assert!(svg.contains(&format!(r#"fill="{FOREGROUND}"/>"#)));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(to_text(&buf), "a<b & c\nrev\n");
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("proclab-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn screen() -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 1));
        buf.set_string(0, 0, "shot", Style::new());
        buf
    }

    #[test]
    fn a_planted_link_is_never_followed_and_the_next_name_is_used() {
        use std::os::unix::fs::symlink;
        let dir = temp_dir("shot-links");
        let victim = dir.join("victim");
        std::fs::write(&victim, "precious").unwrap();
        // Under the first name, a link to the victim; under the second, a
        // dangling link whose target must not be created; under the third,
        // only the .txt is taken.
        symlink(&victim, dir.join("shot.svg")).unwrap();
        symlink(&victim, dir.join("shot-2.txt")).unwrap();
        symlink(dir.join("created-by-a-link"), dir.join("shot-3.svg")).unwrap();
        std::fs::write(dir.join("shot-4.txt"), "someone's notes").unwrap();

        let saved = save_as(&screen(), &dir, "shot").unwrap();
        assert_eq!(saved, dir.join("shot-5.svg"));
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!dir.join("created-by-a-link").exists());
        assert_eq!(
            std::fs::read_to_string(dir.join("shot-4.txt")).unwrap(),
            "someone's notes"
        );
        assert!(
            !dir.join("shot-2.svg").exists(),
            "a half pair is taken back"
        );
        assert!(
            !dir.join("shot-4.svg").exists(),
            "a half pair is taken back"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("shot-5.txt")).unwrap(),
            "shot\n"
        );
        assert!(
            std::fs::symlink_metadata(dir.join("shot.svg"))
                .unwrap()
                .is_symlink()
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_screenshot_never_overwrites_and_each_gets_a_fresh_name() {
        let dir = temp_dir("shot-fresh");
        let names: Vec<PathBuf> = (0..3)
            .map(|_| save_as(&screen(), &dir, "shot").unwrap())
            .collect();
        assert_eq!(
            names,
            ["shot.svg", "shot-2.svg", "shot-3.svg"].map(|n| dir.join(n))
        );
        let err = save_as(&screen(), &dir.join("missing"), "shot").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn indexed_colours_follow_the_xterm_cube() {
        assert_eq!(indexed(16), "#000000");
        assert_eq!(indexed(196), "#ff0000");
        assert_eq!(indexed(232), "#080808");
    }
}
