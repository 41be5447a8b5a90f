//! The screen on every terminal a classroom has, drawn from fixed state:
//! ASCII only, no colour (`NO_COLOR`), 256 colours, the light theme.

use std::path::Path;

use proclab::app::log::Level;
use proclab::app::look::{Colours, Look};
use proclab::app::{App, LabId, Machine, Settings, ThemeName};
use proclab::lab::slot::Phase;
use proclab::lab::{StartOptions, Status, WorkerSnapshot, Workload};
use proclab::ui;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};

/// Where the glyphs are defined: every other file under `src/ui/` takes
/// its box-drawing, block and arrow characters from the theme
/// (`theme.glyphs`), never from a literal.
const GLYPH_FILES: &[&str] = &["src/ui/glyphs.rs", "src/ui/bar.rs"];

/// Panels that still write some characters outside ASCII themselves: with
/// `--ascii` the theme's last pass over the frame gives each such cell
/// its one-character stand-in (`glyphs::ascii_cells`). Each leaves this
/// list once it takes them from `theme.glyphs`.
const DRAWN_THROUGH_CELLS: &[&str] = &[
    "src/ui/header.rs",
    "src/ui/lesson.rs",
    "src/ui/pool/mod.rs",
    "src/ui/cluster/mod.rs",
    "src/ui/cluster/nodes.rs",
    "src/ui/cluster/opening.rs",
    "src/ui/cluster/speedup.rs",
    "src/ui/cluster/tasks.rs",
];

fn worker(id: u32, status: Status, progress: f64) -> WorkerSnapshot {
    WorkerSnapshot {
        id,
        pid: 4200 + id,
        role: proclab::lab::Role::Tasks,
        status,
        daemon: false,
        workload: Workload::Cpu,
        phase: Phase::Cpu,
        tasks_done: 3,
        progress,
        join_pending: false,
        heartbeat_age: None,
        sigterm_sent: false,
        wait: 0,
        aux: 0,
    }
}

/// `lab` with three workers, the second selected, a busy history and a
/// log whose words hold the app's own non-ASCII characters.
fn app(lab: LabId, look: Look) -> App {
    let mut app = App::new(
        lab,
        Settings {
            start: StartOptions::default(),
            auto_join: false,
            max_workers: 256,
        },
        Machine { cores: 2 },
    );
    app.look = look;
    app.on_workers(vec![
        worker(1, Status::Alive { paused: false }, 0.62),
        worker(2, Status::Alive { paused: true }, 0.25),
        worker(3, Status::Exited(-15), 0.0),
    ]);
    app.selected = Some(2);
    for i in 0..40 {
        app.cores.push(&proclab::metrics::CoreLoad {
            percent: vec![(i * 5 % 100) as f32, 100.0],
        });
    }
    app.say(proclab::app::narrate::Line {
        python: Some("p2.terminate()".into()),
        text: "fetch → process · 5 µs, each ✓ or ✗ …".into(),
        level: Level::Note,
    });
    app
}

fn draw(app: &App, width: u16, height: u16) -> (ui::AppLayout, Buffer) {
    let layout = ui::layout(Rect::new(0, 0, width, height), app);
    let mut buf = Buffer::empty(layout.area);
    ui::render_buffer(app, &layout, &mut buf);
    (layout, buf)
}

#[test]
fn in_ascii_every_character_on_screen_is_ascii() {
    let ascii = Look {
        colours: Colours::TrueColour,
        ascii: true,
    };
    for &lab in LabId::ALL {
        for (w, h) in [(80, 24), (120, 36)] {
            let a = app(lab, ascii);
            let (_, buf) = draw(&a, w, h);
            let unicode = Look {
                ascii: false,
                ..ascii
            };
            let (_, drawn) = draw(&app(lab, unicode), w, h);
            for y in 0..h {
                for x in 0..w {
                    let symbol = buf[(x, y)].symbol();
                    assert!(
                        symbol.is_ascii(),
                        "{lab:?} {w}x{h}: {symbol:?} at ({x}, {y}):\n{}",
                        text(&buf)
                    );
                }
            }
            // Every character has a stand-in of its own: no "?" but those
            // the screen has anyway.
            let marks = |b: &Buffer| b.content.iter().filter(|c| c.symbol() == "?").count();
            assert_eq!(
                marks(&buf),
                marks(&drawn),
                "{lab:?} {w}x{h}: a character with no ASCII stand-in:\n{}\n{}",
                text(&buf),
                text(&drawn)
            );
        }
    }
}

fn text(buf: &Buffer) -> String {
    let area = buf.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

/// Non-ASCII characters in a source file's code: comments and the tests
/// at its end left out.
fn glyph_literals(path: &Path) -> Vec<(usize, String)> {
    let source = std::fs::read_to_string(path).unwrap();
    let code = source.split("#[cfg(test)]").next().unwrap_or_default();
    code.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .filter(|(_, l)| !l.is_ascii())
        .map(|(i, l)| (i + 1, l.trim().to_string()))
        .collect()
}

#[test]
fn glyphs_come_from_the_theme() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut dirs = vec![root.join("src/ui")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    for path in files {
        let name = path.strip_prefix(root).unwrap().to_str().unwrap();
        if GLYPH_FILES.contains(&name) {
            continue;
        }
        let literals = glyph_literals(&path);
        if DRAWN_THROUGH_CELLS.contains(&name) {
            assert!(
                !literals.is_empty(),
                "{name} takes every glyph from the theme now: take it off DRAWN_THROUGH_CELLS"
            );
            continue;
        }
        assert!(
            literals.is_empty(),
            "{name} draws characters outside ASCII; take them from theme.glyphs: {literals:?}"
        );
    }
}

#[test]
fn without_colour_nothing_is_coloured_and_the_selected_row_is_reversed_across() {
    let none = Look {
        colours: Colours::None,
        ascii: false,
    };
    for theme in [ThemeName::Standard, ThemeName::Projector, ThemeName::Light] {
        let mut a = app(LabId::Lifecycle, none);
        a.theme = theme;
        let (layout, buf) = draw(&a, 120, 36);
        for cell in &buf.content {
            assert_eq!(
                (cell.fg, cell.bg),
                (Color::Reset, Color::Reset),
                "{theme:?}"
            );
        }
        // The selected worker (2) is the table's second row, under its
        // border and its header.
        let t = layout.table;
        let y = t.y + 3;
        assert!(text(&buf).lines().nth(y as usize).unwrap().contains("4202"));
        for x in t.x + 1..t.x + t.width - 1 {
            assert!(
                buf[(x, y)].modifier.contains(Modifier::REVERSED),
                "{theme:?}: cell {x} of the selected row"
            );
        }
    }
}

#[test]
fn rgb_colours_become_palette_entries_without_truecolor() {
    for (colours, allowed) in [
        (Colours::Palette256, "indexed"),
        (Colours::Basic16, "named"),
    ] {
        let mut a = app(
            LabId::Lifecycle,
            Look {
                colours,
                ascii: false,
            },
        );
        a.theme = ThemeName::Projector;
        let (_, buf) = draw(&a, 120, 36);
        let colours_drawn = buf.content.iter().flat_map(|c| [c.fg, c.bg]);
        for c in colours_drawn {
            let ok = match c {
                Color::Rgb(..) => false,
                Color::Indexed(_) => allowed == "indexed",
                _ => true,
            };
            assert!(ok, "{colours:?}: {c:?} drawn");
        }
    }
}

#[test]
fn the_light_and_projector_themes_paint_their_own_background() {
    for (theme, bg) in [
        (ThemeName::Light, Color::Rgb(0xFF, 0xFF, 0xFF)),
        (ThemeName::Projector, Color::Rgb(0, 0, 0)),
    ] {
        let mut a = app(LabId::Lifecycle, Look::default());
        a.theme = theme;
        let (layout, buf) = draw(&a, 120, 36);
        // Every cell has a colour of the theme's: none is left to the
        // terminal's own, which may be light or dark.
        assert!(
            buf.content
                .iter()
                .all(|c| c.bg != Color::Reset && c.fg != Color::Reset)
        );
        let log = layout.log;
        assert_eq!(buf[(log.x + 2, log.y + log.height - 2)].bg, bg, "{theme:?}");
    }
}
