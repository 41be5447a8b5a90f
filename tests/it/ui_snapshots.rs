//! Snapshots of every panel and of the whole screen, drawn from fixed state
//! (never live samples: core counts and loads differ between machines).

use crate::common::draw::{panel, screen};

use std::collections::VecDeque;
use std::time::Duration;

use insta::assert_snapshot;
use proclab::app::log::{Level, LogEntry};
use proclab::app::view::{CoreHistory, WorkerRow};
use proclab::app::{Action, App, LabId, Machine, Settings, update};
use proclab::lab::slot::Phase;
use proclab::lab::{StartOptions, Status, WorkerSnapshot, Workload};
use proclab::metrics::ProcLoad;
use proclab::ui::theme::Theme;
use proclab::ui::{cores, lifecycle, log, workers};
use ratatui::style::Modifier;
use ratatui::widgets::Widget;

fn worker(id: u32, status: Status, phase: Phase, tasks: u64, progress: f64) -> WorkerSnapshot {
    WorkerSnapshot {
        id,
        pid: 4200 + id,
        role: proclab::lab::Role::Tasks,
        status,
        daemon: id == 4,
        workload: if phase == Phase::Io {
            Workload::Io
        } else {
            Workload::Cpu
        },
        phase,
        tasks_done: tasks,
        progress,
        join_pending: false,
        heartbeat_age: None,
        sigterm_sent: false,
        wait: 0,
        aux: 0,
    }
}

fn proc(pid: u32, state: char, cpu: f32) -> ProcLoad {
    ProcLoad {
        pid,
        state,
        cpu_percent: cpu,
        threads: 1,
        rss_bytes: 2 << 20,
    }
}

/// A lab with one worker in each state the lesson names.
fn app() -> App {
    let mut app = App::new(
        LabId::Lifecycle,
        Settings {
            start: StartOptions::default(),
            auto_join: false,
            max_workers: 256,
        },
        Machine { cores: 2 },
    );
    app.on_workers(vec![
        worker(1, Status::Alive { paused: false }, Phase::Cpu, 3, 0.62),
        worker(2, Status::Alive { paused: true }, Phase::Cpu, 1, 0.25),
        worker(3, Status::Alive { paused: false }, Phase::Io, 5, 0.5),
        worker(4, Status::Exited(-15), Phase::Cpu, 2, 0.0),
        worker(5, Status::Joined(0), Phase::Finished, 4, 0.0),
    ]);
    app.procs = [
        proc(4201, 'R', 99.0),
        proc(4202, 'T', 0.0),
        proc(4203, 'S', 0.3),
        proc(4204, 'Z', 0.0),
    ]
    .into_iter()
    .map(|p| (p.pid, p))
    .collect();
    let mut history = CoreHistory::default();
    for i in 0..40 {
        let a = if i < 20 { 10.0 } else { 100.0 };
        let b = (i as f32 * 2.5).min(100.0);
        history.push(&proclab::metrics::CoreLoad {
            percent: vec![a, b],
        });
    }
    app.cores = history;
    app.selected = Some(2);
    let entries = [
        (
            0.0,
            Some("p1.start()"),
            "worker 1 started: pid 4201, target=clean_order",
            Level::Info,
        ),
        (
            1.5,
            Some("os.kill(p2.pid, signal.SIGSTOP)"),
            "worker 2 stopped where it was: state T",
            Level::Info,
        ),
        (
            3.2,
            Some("p4.terminate()"),
            "SIGTERM to worker 4: no finally block runs",
            Level::Info,
        ),
        (
            3.3,
            Some("p4.is_alive()  # False"),
            "worker 4 ended, terminated by SIGTERM: a zombie until joined",
            Level::Note,
        ),
        (
            4.0,
            None,
            "cannot start another worker: the cap of 256 workers not yet joined is reached (--max-workers)",
            Level::Error,
        ),
        (
            5.1,
            Some("p5.join()  # p5.exitcode == 0"),
            "worker 5 reaped: exitcode 0",
            Level::Info,
        ),
    ];
    for (at, python, text, level) in entries {
        app.log.push(LogEntry {
            at: Duration::from_secs_f64(at),
            python: python.map(String::from),
            text: text.into(),
            level,
        });
    }
    app
}

#[test]
fn whole_screen_80x24() {
    assert_snapshot!(screen(&app(), 80, 24).backend());
}

#[test]
fn whole_screen_120x36() {
    assert_snapshot!(screen(&app(), 120, 36).backend());
}

#[test]
fn whole_screen_with_help_open() {
    let mut app = app();
    update(&mut app, Action::ToggleHelp);
    assert_snapshot!(screen(&app, 80, 24).backend());
}

#[test]
fn a_terminal_too_small_gets_a_message() {
    assert_snapshot!(screen(&app(), 50, 12).backend());
}

#[test]
fn an_empty_lab_says_how_to_start() {
    let mut app = app();
    app.workers.clear();
    app.selected = None;
    assert_snapshot!(screen(&app, 80, 24).backend());
}

#[test]
fn cores_panel() {
    let app = app();
    let t = panel(80, 4, |area, buf| {
        cores::CoresPanel {
            history: &app.cores,
            cores: 2,
            theme: &Theme::standard(),
        }
        .render(area, buf)
    });
    assert_snapshot!(t.backend());
}

#[test]
fn cores_panel_with_many_cores_uses_columns() {
    let mut history = CoreHistory::default();
    history.push(&proclab::metrics::CoreLoad {
        percent: (0..16).map(|i| i as f32 * 6.0).collect(),
    });
    let t = panel(80, 6, |area, buf| {
        cores::CoresPanel {
            history: &history,
            cores: 16,
            theme: &Theme::standard(),
        }
        .render(area, buf)
    });
    assert_snapshot!(t.backend());
}

#[test]
fn worker_table() {
    let app = app();
    let rows = app.rows();
    let t = panel(80, 9, |area, buf| {
        (&workers::WorkerTable {
            rows: &rows,
            selected: app.selected_index(),
            counts: app.counts(),
            max_workers: 256,
            start: None,
            theme: &Theme::standard(),
        })
            .render(area, buf)
    });
    assert_snapshot!(t.backend());
}

#[test]
fn lifecycle_strip_and_diagram() {
    let app = app();
    let rows = app.rows();
    let theme = Theme::standard();
    for (i, row) in rows.iter().enumerate() {
        let strip = panel(80, 3, |area, buf| {
            (&lifecycle::LifecycleDiagram {
                worker: Some(row),
                theme: &theme,
            })
                .render(area, buf)
        });
        assert_snapshot!(format!("lifecycle_strip_{}", i + 1), strip.backend());
    }
    let tall = panel(44, 15, |area, buf| {
        (&lifecycle::LifecycleDiagram {
            worker: rows.get(3),
            theme: &theme,
        })
            .render(area, buf)
    });
    assert_snapshot!(tall.backend());
}

#[test]
fn the_lit_state_is_not_told_by_colour_alone() {
    let app = app();
    let rows: Vec<WorkerRow> = app.rows();
    let theme = Theme::standard();
    let t = panel(80, 3, |area, buf| {
        (&lifecycle::LifecycleDiagram {
            worker: rows.get(1),
            theme: &theme,
        })
            .render(area, buf)
    });
    let buf = t.backend().buffer();
    let line: String = (0..80).map(|x| buf[(x, 1)].symbol().to_string()).collect();
    let at = line
        .find("[paused (T)]")
        .expect("the lit state is bracketed");
    let x = line[..at].chars().count() as u16 + 1;
    assert!(buf[(x, 1)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn log_panel() {
    let app = app();
    let t = panel(80, 8, |area, buf| {
        (&log::LogPanel {
            log: &app.log,
            scroll: 0,
            theme: &Theme::standard(),
        })
            .render(area, buf)
    });
    assert_snapshot!(t.backend());
}

#[test]
fn rows_tell_each_state_in_words() {
    let rows = app().rows();
    let states: Vec<(&str, char)> = rows.iter().map(|r| (r.state.as_str(), r.letter)).collect();
    assert_eq!(
        states,
        vec![
            ("running", 'R'),
            ("paused", 'T'),
            ("sleeping (I/O)", 'S'),
            ("zombie - not joined", 'Z'),
            ("joined: exit 0", '-'),
        ]
    );
    let _ = VecDeque::<u8>::new();
}

#[test]
fn projector_theme_80x24() {
    let mut app = app();
    app.theme = proclab::app::ThemeName::Projector;
    assert_snapshot!(screen(&app, 80, 24).backend());
}

#[test]
fn projector_theme_120x36() {
    let mut app = app();
    app.theme = proclab::app::ThemeName::Projector;
    assert_snapshot!(screen(&app, 120, 36).backend());
}

#[test]
fn keystroke_overlay() {
    let mut app = app();
    app.show_keys = true;
    app.now = Duration::from_secs(10);
    app.note_key(&proclab::app::Key::char('s'), "start worker 6".into());
    app.note_key(&proclab::app::Key::char('p'), "pause worker 6".into());
    assert_snapshot!(screen(&app, 80, 24).backend());
}

#[test]
fn keys_fade_from_the_overlay() {
    let mut app = app();
    app.show_keys = true;
    app.note_key(&proclab::app::Key::char('s'), "start worker 6".into());
    app.now = Duration::from_secs(60);
    assert_eq!(app.visible_keys().count(), 0);
}

fn lesson_view() -> proclab::app::LessonView {
    proclab::app::LessonView {
        title: "The life of a process".into(),
        step: 3,
        total: 8,
        caption: "SIGSTOP freezes the selected process where it stands.".into(),
        python: "os.kill(p2.pid, signal.SIGSTOP)".into(),
        keys: "p".into(),
        check: "worker selected is paused".into(),
        passed: false,
        finished: false,
        watch: false,
    }
}

#[test]
fn lesson_panel_80x24() {
    let mut app = app();
    app.lesson = Some(lesson_view());
    assert_snapshot!(screen(&app, 80, 24).backend());
}

#[test]
fn lesson_panel_passed_120x36() {
    let mut app = app();
    app.lesson = Some(proclab::app::LessonView {
        passed: true,
        ..lesson_view()
    });
    assert_snapshot!(screen(&app, 120, 36).backend());
}

#[test]
fn lessons_menu() {
    let mut app = app();
    app.catalogue = proclab::script::lesson::catalogue();
    update(&mut app, Action::Lessons);
    assert!(app.lessons_menu.is_some());
    assert_snapshot!(screen(&app, 80, 24).backend());
}

#[test]
fn scenario_caption() {
    let mut app = app();
    app.caption = Some(
        "terminate() sends SIGTERM, and SIGCONT too: a stopped process acts on nothing else."
            .into(),
    );
    assert_snapshot!(screen(&app, 80, 24).backend());
}

#[test]
fn a_quit_waiting_for_workers_says_so_in_the_header_at_every_width() {
    let mut app = app();
    app.exit_wait = Some(vec![1, 2]);
    for (w, h) in [(80, 24), (100, 30), (120, 36)] {
        let t = screen(&app, w, h);
        let header: String = (0..w)
            .map(|x| t.backend().buffer()[(x, 0)].symbol().to_string())
            .collect();
        assert!(
            header.contains("Python waits for") && header.contains("q again"),
            "{w}x{h}: {header}"
        );
    }
}
