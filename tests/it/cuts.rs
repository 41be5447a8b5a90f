//! No word cut at a panel's edge: every lab, opened as the command line
//! opens it and run for a moment with real workers (the lifecycle lab's
//! two beside its own, as after a switch), drawn at 80x24 and 120x36; in
//! every bordered panel no row may end in the middle of a word, and every
//! worker's state is in the table in full.

use std::time::{Duration, Instant};

use crate::common::draw::screen;
use crate::common::*;

use proclab::app::sync::SyncAction;
use proclab::app::{self, Action, App, LabId, Machine, Settings, perform};
use proclab::cli::Cli;
use proclab::lab::engine::Engine;
use proclab::lab::{LabConfig, SHUTDOWN_GRACE, StartOptions};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// proclab opened on `lab` as `proclab --lab LAB` does.
fn opened(lab: LabId) -> (App, Engine, StartOptions) {
    let mut cli = Cli::parse_checked(["proclab", "--lab", lab.name()]).unwrap();
    cli.task_ms = 300;
    let start = cli.start_options();
    let config = LabConfig {
        max_workers: 32,
        defaults: start,
        ..LabConfig::with_exe(PROCLAB)
    };
    let mut engine = Engine::new(proclab::lab::Lab::new(config).unwrap());
    let settings = Settings {
        start,
        auto_join: false,
        max_workers: 32,
    };
    let mut app = App::new(lab, settings, Machine { cores: 2 });
    app::open(&mut app, &mut engine, &cli.startup(2)).unwrap();
    (app, engine, start)
}

/// Two plain workers of the lifecycle lab beside the lab's own, as after
/// a switch back from it, then a moment of running.
fn with_lifecycle(app: &mut App, engine: &mut Engine, start: StartOptions, lab: LabId) {
    let acting = engine.lab.set_acting(Some("lifecycle"));
    for _ in 0..2 {
        perform::perform(app, engine, app::Effect::Start(start));
    }
    engine.lab.set_acting(acting);
    app.show(lab);
    run_for(app, engine, 1500);
}

fn run_for(app: &mut App, engine: &mut Engine, ms: u64) {
    let until = Instant::now() + Duration::from_millis(ms);
    while Instant::now() < until {
        app.now += Duration::from_millis(50);
        perform::tick(app, engine);
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn act(app: &mut App, engine: &mut Engine, action: Action) {
    for effect in app::update(app, action) {
        perform::perform(app, engine, effect);
    }
}

/// The text of row `y` of `buf` between columns `x0` and `x1`.
fn text(buf: &Buffer, y: u16, x0: u16, x1: u16) -> String {
    (x0..x1).map(|x| buf[(x, y)].symbol()).collect()
}

/// Rows of a bordered panel that end in a word cut short: a word right at
/// the edge that the next row does not carry on (a row that wraps goes on
/// below), or a `…` where text was cut; in rows of words (grids and bars
/// are not words).
fn cut_rows(buf: &Buffer, panel: Rect) -> Vec<String> {
    let mut cut = Vec::new();
    if panel.width < 3 || panel.height < 3 {
        return cut;
    }
    let (x0, x1) = (panel.x + 1, panel.x + panel.width - 1);
    let rows: Vec<String> = (panel.y + 1..panel.y + panel.height - 1)
        .map(|y| text(buf, y, x0, x1))
        .collect();
    for (i, row) in rows.iter().enumerate() {
        let last = row.trim_end().chars().last().unwrap_or(' ');
        let at_edge = row.chars().last().is_some_and(|c| c != ' ');
        let words = row.split_whitespace().count();
        let tail = row.split_whitespace().last().unwrap_or("");
        let wordy = tail.chars().filter(|c| c.is_alphabetic()).count() >= 2
            && !tail.chars().all(|c| c.is_ascii_uppercase() || c == '·');
        // A wrapped row's words go on, indented, on the next row.
        let goes_on = rows.get(i + 1).is_some_and(|next| {
            next.starts_with(' ')
                && next
                    .trim_start()
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_lowercase() || c.is_ascii_punctuation())
        });
        let word_cut = at_edge && (last.is_alphabetic() && wordy || last == '(') && !goes_on;
        if words >= 3 && (word_cut || last == '…') {
            cut.push(row.clone());
        }
    }
    cut
}

/// Every cut word of `app` drawn at 80x24 and 120x36, named by `when`.
fn cuts(app: &App, when: &str) -> Vec<String> {
    let mut bad = Vec::new();
    for (w, h) in [(80, 24), (120, 36)] {
        let t = screen(app, w, h);
        let buf = t.backend().buffer();
        let layout = proclab::ui::layout(Rect::new(0, 0, w, h), app);
        for (name, panel) in [
            ("cores", layout.cores),
            ("workers", layout.table),
            ("panel", layout.focus),
            ("log", layout.log),
        ] {
            for row in cut_rows(buf, panel) {
                bad.push(format!("{when} at {w}x{h}, {name}: {row:?}"));
            }
        }
        let all: String = (0..h).map(|y| text(buf, y, 0, w) + "\n").collect();
        let shown = layout.table.height.saturating_sub(3) as usize;
        for row in app.table_rows().iter().take(shown) {
            if !all.contains(&row.state) {
                bad.push(format!(
                    "{when} at {w}x{h}: worker {}'s state {:?} is cut in the table",
                    row.id, row.state
                ));
            }
        }
    }
    bad
}

#[test]
fn no_lab_cuts_a_word_at_80x24_or_120x36() {
    let _serial = serial();
    let mut bad = Vec::new();
    for &lab in LabId::ALL {
        let (mut app, mut engine, start) = opened(lab);
        bad.extend(cuts(&app, &format!("{} opened", lab.name())));
        with_lifecycle(&mut app, &mut engine, start, lab);
        bad.extend(cuts(&app, &format!("{} running", lab.name())));
        if lab == LabId::Sync {
            // The event set: one worker inside the semaphore, one waiting.
            act(&mut app, &mut engine, Action::Sync(SyncAction::ToggleEvent));
            run_for(&mut app, &mut engine, 1000);
            bad.extend(cuts(&app, "sync with the event set"));
        }
        engine.shutdown(SHUTDOWN_GRACE);
    }
    assert!(bad.is_empty(), "cut words:\n{}", bad.join("\n"));
}
