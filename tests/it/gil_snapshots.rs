//! Snapshots of the GIL lab's panel (timeline, convoy figures, race table)
//! and of the whole screen in that lab, drawn from fixed state: made-up
//! ring records and race results, never live samples.

use crate::common::draw::screen;

use std::collections::HashMap;
use std::time::Duration;

use insta::assert_snapshot;
use proclab::app::gil::View;
use proclab::app::gil::convoy::ConvoyKey;
use proclab::app::gil::race::RaceView;
use proclab::app::gil::timeline::{LaneState, ThreadLanes};
use proclab::app::{App, LabId, Machine, Settings};
use proclab::lab::gil::area::{ThreadKind, ThreadState};
use proclab::lab::gil::controller::ThreadSnapshot;
use proclab::lab::gil::race::{RaceEvent, RacePlan, RunResult};
use proclab::lab::gil::ring::{EventKind, Record};
use proclab::lab::gil::{GilSnapshot, InterpSnapshot, Mode};
use proclab::lab::slot::Phase;
use proclab::lab::{Role, StartOptions, Status, WorkerSnapshot, Workload};
use proclab::metrics::{ProcLoad, ThreadLoad};
use proclab::ui::gil::GilPanel;
use proclab::ui::gil::race::RaceTable;
use proclab::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::widgets::Widget;

const MS: u64 = 1_000_000;
/// The fixed "now" of every snapshot: 10 s after the records begin.
const NOW: u64 = 10_000 * MS;

fn rec(at_ns: u64, thread: u16, kind: EventKind, other: u16) -> Record {
    Record {
        seq: 0,
        at_ns,
        thread,
        kind,
        other,
    }
}

/// Two CPU-bound threads taking turns every 5 ms; after every other
/// slice the I/O thread takes the GIL for 20 us, releases it around a
/// 0.1 ms blocking call, and then waits for it again.
fn records() -> Vec<Record> {
    let us = MS / 1000;
    let mut r = vec![
        rec(0, 1, EventKind::Take, 0),
        rec(MS, 2, EventKind::Wait, 0),
        rec(MS, 3, EventKind::Wait, 0),
    ];
    let mut t = 0;
    for k in 0.. {
        let (holder, other) = if k % 2 == 0 { (1, 2) } else { (2, 1) };
        let end = t + 5 * MS;
        if end >= NOW {
            break;
        }
        r.push(rec(end, holder, EventKind::DropForced, 0));
        if k % 2 == 0 {
            r.push(rec(end, 3, EventKind::Take, holder));
            r.push(rec(end + 20 * us, 3, EventKind::DropIo, 0));
            r.push(rec(end + 20 * us, other, EventKind::Take, 3));
            r.push(rec(end + 120 * us, 3, EventKind::Wait, 0));
            t = end + 20 * us;
        } else {
            r.push(rec(end, other, EventKind::Take, holder));
            t = end;
        }
    }
    r
}

fn interp(threads: &[(u16, ThreadKind, u32)]) -> InterpSnapshot {
    InterpSnapshot {
        id: 3,
        pid: 4203,
        alive: true,
        area: 0,
        generation: 1,
        gil: true,
        interval_us: 5_000,
        holder: Some(2),
        switch_number: 4_000,
        drop_requests: 2_000,
        first_seq: 0,
        threads: threads
            .iter()
            .map(|&(number, kind, tid)| ThreadSnapshot {
                number,
                tid,
                kind,
                state: ThreadState::Waiting,
                tasks_done: 7,
                progress: 5_000,
                ops: 900,
                held_ns: 0,
                waited_ns: 0,
                stopping: false,
            })
            .collect(),
    }
}

fn worker(id: u32, role: Role, phase: Phase, aux: u64) -> WorkerSnapshot {
    WorkerSnapshot {
        id,
        pid: 4200 + id,
        role,
        status: Status::Alive { paused: false },
        daemon: false,
        workload: Workload::Cpu,
        phase,
        tasks_done: 14,
        progress: 0.5,
        join_pending: false,
        heartbeat_age: None,
        sigterm_sent: false,
        wait: 0,
        aux,
    }
}

/// The GIL lab in thread mode: one interpreter, two CPU threads and the
/// I/O thread, 10 s in.
fn app() -> App {
    let mut app = App::new(
        LabId::Gil,
        Settings {
            start: StartOptions::default(),
            auto_join: false,
            max_workers: 256,
        },
        Machine { cores: 2 },
    );
    let g = &mut app.gil;
    g.mode = Mode::Threads;
    g.convoy = true;
    g.now_ns = NOW;
    let mut lanes = ThreadLanes::default();
    lanes.reset(0, 1, 0);
    lanes.apply(&records());
    lanes.lanes[2].label = "I/O".into();
    g.threads = lanes;
    g.snapshot = Some(GilSnapshot {
        mode: Mode::Threads,
        interval_us: 5_000,
        interactive: Some(interp(&[
            (1, ThreadKind::Cpu, 5001),
            (2, ThreadKind::Cpu, 5002),
            (3, ThreadKind::Convoy, 5003),
        ])),
        race: None,
        processes: vec![],
    });
    for (tenth, ops) in (0..=30u64).zip((0..).step_by(19)) {
        let key = Some(ConvoyKey {
            mode: Mode::Threads,
            cpu_workers: 2,
        });
        g.convoy_meter
            .observe(NOW - 3_000 * MS + tenth * 100 * MS, key, ops);
    }
    app.threads = [(5001, 'S', 49.0), (5002, 'R', 50.0), (5003, 'S', 1.0)]
        .into_iter()
        .map(|(tid, state, cpu)| {
            (
                tid,
                ThreadLoad {
                    pid: 4203,
                    tid,
                    state,
                    cpu_percent: cpu,
                },
            )
        })
        .collect();
    app.on_workers(vec![worker(3, Role::Interpreter, Phase::Cpu, 3)]);
    // Under the GIL the two CPU-bound threads keep one core busy between them.
    for i in 0..40 {
        app.cores.push(&proclab::metrics::CoreLoad {
            percent: vec![if i % 2 == 0 { 60.0 } else { 45.0 }, 40.0],
        });
    }
    app.procs = HashMap::from([(
        4203,
        ProcLoad {
            pid: 4203,
            state: 'S',
            cpu_percent: 100.0,
            threads: 4,
            rss_bytes: 3 << 20,
        },
    )]);
    app
}

fn result(mode: Mode, workers: usize, wall_ms: u64, cpu_ms: u64) -> RunResult {
    RunResult {
        mode,
        workers,
        wall: Duration::from_millis(wall_ms),
        cpu: Some(Duration::from_millis(cpu_ms)),
        tasks_done: 4,
    }
}

const WALLS: [(u64, u64); 12] = [
    (4020, 4010),
    (4080, 4060),
    (4110, 4090),
    (4150, 4120),
    (4010, 4000),
    (2030, 4010),
    (2070, 4060),
    (2050, 4050),
    (4000, 3990),
    (2010, 4000),
    (2060, 4050),
    (2040, 4040),
];

/// A race on 2 cores, its first `done` runs finished and the next one
/// started 1.5 s before `now` (31.5 s).
fn race(done: usize) -> RaceView {
    let plan = RacePlan::sweep(&Mode::ALL, 4, 4, 1000, Workload::Cpu, 5_000);
    let mut race = RaceView::new(&plan, 2);
    for (index, (wall, cpu)) in WALLS.into_iter().enumerate().take(done) {
        let (mode, workers) = plan.runs[index];
        race.apply(
            &RaceEvent::RunFinished {
                index,
                result: result(mode, workers, wall, cpu),
            },
            Duration::ZERO,
        );
    }
    if let Some(&(mode, workers)) = plan.runs.get(done) {
        race.apply(
            &RaceEvent::RunStarted {
                index: done,
                mode,
                workers,
                ids: vec![9],
            },
            Duration::from_secs(30),
        );
    } else {
        race.apply(
            &RaceEvent::Finished {
                results: vec![],
                resumed: vec![3],
            },
            Duration::from_secs(30),
        );
    }
    race
}

/// The app during a race's run of 2 threads: the lanes are the race's
/// interpreter's, the lab's own interpreter is paused.
fn racing_app() -> App {
    let mut app = app();
    app.gil.race = Some(race(1));
    app.now = Duration::from_millis(31_500);
    let mut lanes = ThreadLanes::default();
    lanes.reset(1, 4, 0);
    let cpu_only: Vec<Record> = records().into_iter().filter(|r| r.thread != 3).collect();
    lanes.apply(&cpu_only);
    app.gil.threads = lanes;
    let snap = app.gil.snapshot.as_mut().unwrap();
    let mut race_interp = interp(&[(1, ThreadKind::Cpu, 6001), (2, ThreadKind::Cpu, 6002)]);
    race_interp.area = 1;
    race_interp.id = 9;
    snap.race = Some(race_interp);
    app
}

fn panel(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let theme = Theme::standard();
    crate::common::draw::panel(width, height, |area, buf| {
        (&GilPanel { app, theme: &theme }).render(area, buf)
    })
}

#[test]
fn timeline_seconds() {
    assert_snapshot!(panel(&app(), 80, 9).backend());
}

#[test]
fn timeline_zoomed_to_milliseconds() {
    let mut app = app();
    app.gil.zoom = proclab::app::gil::Zoom::Millis;
    assert_snapshot!(panel(&app, 100, 9).backend());
}

#[test]
fn timeline_of_a_paused_interpreter() {
    let mut app = app();
    let paused_at = NOW - 300 * MS;
    let mut lanes = ThreadLanes::default();
    lanes.reset(0, 1, 0);
    let before: Vec<Record> = records()
        .into_iter()
        .filter(|r| r.at_ns < paused_at)
        .collect();
    lanes.apply(&before);
    for lane in &mut lanes.lanes {
        lane.set(paused_at, LaneState::Stopped);
    }
    lanes.lanes[2].label = "I/O".into();
    app.gil.threads = lanes;
    app.gil.zoom = proclab::app::gil::Zoom::Centis;
    assert_snapshot!(panel(&app, 80, 9).backend());
}

#[test]
fn race_results_narrow() {
    let mut app = app();
    app.gil.race = Some(race(12));
    app.gil.view = View::Race;
    assert_snapshot!(panel(&app, 80, 9).backend());
}

#[test]
fn race_running_narrow() {
    let mut app = racing_app();
    app.gil.view = View::Race;
    assert_snapshot!(panel(&app, 80, 9).backend());
}

#[test]
fn race_running_wide_below_the_timeline() {
    assert_snapshot!(panel(&racing_app(), 120, 17).backend());
}

/// A finished race with every mark: processes x 1 slowed by other
/// programs (so processes x 2 is over 100%), threads x 3 without a CPU
/// time.
fn marked_race() -> RaceView {
    let plan = RacePlan::sweep(&Mode::ALL, 4, 4, 1000, Workload::Cpu, 5_000);
    let mut race = RaceView::new(&plan, 2);
    for (index, (wall, cpu)) in WALLS.into_iter().enumerate() {
        let (mode, workers) = plan.runs[index];
        let mut r = result(mode, workers, wall, cpu);
        if (mode, workers) == (Mode::Processes, 1) {
            r.wall = Duration::from_millis(6_400);
        }
        if (mode, workers) == (Mode::Threads, 3) {
            r.cpu = None;
        }
        race.apply(&RaceEvent::RunFinished { index, result: r }, Duration::ZERO);
    }
    race.apply(
        &RaceEvent::Finished {
            results: vec![],
            resumed: vec![],
        },
        Duration::from_secs(30),
    );
    race
}

#[test]
fn the_race_names_its_columns_and_explains_its_marks() {
    let app = app();
    let race = marked_race();
    assert_eq!(race.noisy_runs(), [(Mode::Processes, 1)]);
    assert_eq!(race.unknown_cpu_runs(), [(Mode::Threads, 3)]);
    assert!(race.over_ideal(Mode::Processes, 2));
    let theme = Theme::standard();
    for (width, name) in [(120, "race_marks_120"), (80, "race_marks_80")] {
        let mut terminal = Terminal::new(TestBackend::new(width, 8)).unwrap();
        terminal
            .draw(|f| {
                (&RaceTable {
                    race: &race,
                    app: &app,
                    theme: &theme,
                })
                    .render(f.area(), f.buffer_mut())
            })
            .unwrap();
        let text: String = terminal
            .backend()
            .buffer()
            .content
            .iter()
            .map(|c| c.symbol())
            .collect();
        assert!(text.contains("columns: wall time"), "{text}");
        assert!(text.contains("? CPU time not read"), "{text}");
        assert!(!text.contains("?~") && !text.contains("~?"), "{text}");
        assert_snapshot!(name, terminal.backend());
    }
}

#[test]
fn the_whole_race_screen_names_the_columns_at_both_sizes() {
    let mut app = racing_app();
    app.gil.race = Some(race(11));
    for (w, h) in [(80, 24), (120, 36)] {
        let mut app = app.clone();
        if w == 80 {
            app.gil.view = View::Race;
        }
        let t = screen(&app, w, h);
        let text: String = t
            .backend()
            .buffer()
            .content
            .iter()
            .map(|c| c.symbol())
            .collect();
        assert!(text.contains("columns: "), "{w}x{h}: {text}");
    }
}

#[test]
fn race_table_alone() {
    let mut app = app();
    app.now = Duration::from_millis(31_500);
    let race = race(11);
    let theme = Theme::standard();
    let mut terminal = Terminal::new(TestBackend::new(120, 7)).unwrap();
    terminal
        .draw(|f| {
            (&RaceTable {
                race: &race,
                app: &app,
                theme: &theme,
            })
                .render(f.area(), f.buffer_mut())
        })
        .unwrap();
    assert_snapshot!(terminal.backend());
}

#[test]
fn whole_screen_gil_80x24() {
    assert_snapshot!(screen(&app(), 80, 24).backend());
}

#[test]
fn whole_screen_gil_120x36_during_a_race() {
    assert_snapshot!(screen(&racing_app(), 120, 36).backend());
}

#[test]
fn an_empty_gil_lab_says_how_to_start() {
    let mut app = app();
    app.gil.snapshot = None;
    app.gil.threads = ThreadLanes::default();
    app.gil.convoy = false;
    app.gil.convoy_meter = Default::default();
    app.on_workers(vec![]);
    assert_snapshot!(panel(&app, 80, 9).backend());
}

#[test]
fn every_lane_state_has_its_own_letter() {
    let letters: Vec<char> = [
        LaneState::Holding,
        LaneState::Waiting,
        LaneState::Io,
        LaneState::Running,
        LaneState::Stopped,
    ]
    .iter()
    .map(|s| s.letter())
    .collect();
    let mut unique = letters.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), letters.len(), "{letters:?}");
}

#[test]
fn in_ascii_the_gil_lab_and_its_race_are_ascii() {
    crate::common::draw::assert_all_ascii(&app());
    crate::common::draw::assert_all_ascii(&racing_app());
}
