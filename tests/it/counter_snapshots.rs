//! Snapshots of the counter and sync panels and of their whole screens,
//! drawn from fixed state (never live samples).

use crate::common::draw::{not_python, panel, screen, styled_blocks};

use std::time::Duration;

use insta::assert_snapshot;
use proclab::app::counter::{CounterSettings, CounterState};
use proclab::app::sync::SyncState;
use proclab::app::{App, LabId, Machine, Settings};
use proclab::lab::counter::{
    Abandoned, CounterMode, CounterView, CounterWait, LiveRun, LockView, RunResult, RunSpec,
};
use proclab::lab::slot::Phase;
use proclab::lab::sync::{SyncView, SyncWait};
use proclab::lab::{Role, StartOptions, Status, WorkerSnapshot, Workload};
use proclab::metrics::{CoreLoad, ProcLoad};
use proclab::ui::counter::CounterPanel;
use proclab::ui::sync::SyncPanel;
use proclab::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::widgets::Widget;

fn spec(mode: CounterMode, slow: bool) -> RunSpec {
    RunSpec {
        mode,
        workers: 2,
        increments: if slow { 10 } else { 1_000_000 },
        slow,
    }
}

fn result(mode: CounterMode, value: u64, secs: f64) -> RunResult {
    let done = 2_000_000;
    RunResult {
        number: 1,
        spec: spec(mode, false),
        target: done,
        done,
        value,
        lost: done as i64 - value as i64,
        elapsed: Duration::from_secs_f64(secs),
        rate: done as f64 / secs,
        stopped: false,
        failed: 0,
        interleaved: 250_000,
        overlap: Duration::from_secs_f64(secs * 0.9),
    }
}

/// Four full-speed runs, one per mode, the racy one last.
fn after_four_runs() -> CounterState {
    let racy = result(CounterMode::Racy, 1_587_661, 0.0041);
    CounterState {
        settings: CounterSettings {
            mode: CounterMode::Racy,
            ..CounterSettings::default()
        },
        view: CounterView::default(),
        last: Some(racy),
        by_mode: [
            Some(racy),
            Some(result(CounterMode::Locked, 2_000_000, 0.087)),
            Some(result(CounterMode::Atomic, 2_000_000, 0.014)),
            Some(result(CounterMode::Manager, 2_000_000, 10.5)),
        ],
        abandoned: None,
        holder_death_said: None,
    }
}

/// Slow motion, locked: worker 2 inside, worker 1 waiting.
fn slow_locked_running() -> CounterState {
    CounterState {
        settings: CounterSettings {
            mode: CounterMode::Locked,
            slow: true,
            ..CounterSettings::default()
        },
        view: CounterView {
            run: Some(LiveRun {
                number: 2,
                spec: spec(CounterMode::Locked, true),
                target: 20,
                done: 7,
                value: 7,
                started: true,
                elapsed: Duration::from_millis(2_400),
                stopping: false,
            }),
            lock: LockView {
                holder: Some(2),
                holder_dead: false,
                held_for: Some(Duration::from_millis(1_200)),
                waiting: vec![(1, Duration::from_millis(900))],
            },
        },
        ..after_four_runs()
    }
}

fn counter_panel(state: &CounterState, width: u16, height: u16) -> Terminal<TestBackend> {
    panel(width, height, |area, buf| {
        (&CounterPanel {
            state,
            theme: &Theme::standard(),
        })
            .render(area, buf)
    })
}

#[test]
fn counter_panel_tall_after_a_racy_run() {
    assert_snapshot!(counter_panel(&after_four_runs(), 44, 22).backend());
}

#[test]
fn counter_panel_short_after_a_racy_run() {
    assert_snapshot!(counter_panel(&after_four_runs(), 80, 8).backend());
}

#[test]
fn counter_panel_in_slow_motion_shows_the_lock() {
    let state = slow_locked_running();
    assert_snapshot!("counter_slow_tall", counter_panel(&state, 44, 22).backend());
    assert_snapshot!("counter_slow_short", counter_panel(&state, 80, 8).backend());
}

#[test]
fn counter_panel_tells_the_abandoned_lock() {
    let mut state = slow_locked_running();
    state.abandoned = Some(Abandoned {
        by: Some(2),
        exitcode: Some(-15),
        recovered_by: Some(1),
    });
    state.view.lock = LockView {
        holder: Some(1),
        ..LockView::default()
    };
    assert_snapshot!(counter_panel(&state, 44, 22).backend());
}

#[test]
fn counter_panel_before_any_run() {
    let state = CounterState::default();
    assert_snapshot!(counter_panel(&state, 80, 8).backend());
}

#[test]
fn lost_updates_are_marked_not_only_coloured() {
    let t = counter_panel(&after_four_runs(), 44, 22);
    let text: String = t
        .backend()
        .buffer()
        .content
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(text.contains("✗ lost 412,339"), "{text}");
    assert!(text.contains("✓ exact"), "{text}");
    assert!(
        text.contains("✗ 412,339 updates lost: two workers read"),
        "{text}"
    );
}

#[test]
fn the_code_shown_is_python_at_every_size_in_every_mode() {
    let python = Theme::standard().python;
    let mut shown = Vec::new();
    for mode in CounterMode::ALL {
        for slow in [false, true] {
            let state = CounterState {
                settings: CounterSettings {
                    mode,
                    slow,
                    ..CounterSettings::default()
                },
                ..CounterState::default()
            };
            for (w, h) in [(80, 8), (44, 22), (60, 8), (100, 8), (36, 22)] {
                let t = counter_panel(&state, w, h);
                let blocks = styled_blocks(t.backend().buffer(), python);
                assert!(
                    !blocks.is_empty(),
                    "{mode:?} slow {slow} at {w}x{h}: no code"
                );
                shown.extend(blocks);
            }
            let mut app = counter_app();
            app.counter = state;
            for (w, h) in [(80, 24), (120, 36)] {
                let t = screen(&app, w, h);
                // The log and the worker table have no Python here: the
                // panel's is all there is in that style.
                shown.extend(styled_blocks(t.backend().buffer(), python));
            }
        }
    }
    // The slow locked step on one line, at 80 columns.
    assert!(
        shown.iter().any(|b| b.contains("with v.get_lock(): t = v.value; time.sleep(0.3); v.value = t + 1")),
        "{shown:#?}"
    );
    let bad = not_python(&shown);
    assert!(
        bad.is_empty(),
        "code on screen that is not Python:\n{}",
        bad.join("\n")
    );
}

fn worker(id: u32, role: Role, wait: u32, aux: u64, progress: f64) -> WorkerSnapshot {
    WorkerSnapshot {
        id,
        pid: 5100 + id,
        role,
        status: Status::Alive { paused: false },
        daemon: false,
        workload: Workload::Io,
        phase: Phase::Io,
        tasks_done: 0,
        progress,
        join_pending: false,
        heartbeat_age: None,
        sigterm_sent: false,
        wait,
        aux,
    }
}

fn app(lab: LabId, workers: Vec<WorkerSnapshot>) -> App {
    let mut app = App::new(
        lab,
        Settings {
            start: StartOptions::default(),
            auto_join: false,
            max_workers: 256,
        },
        Machine { cores: 2 },
    );
    app.on_workers(workers);
    app.procs = app
        .workers
        .iter()
        .map(|w| {
            (
                w.pid,
                ProcLoad {
                    pid: w.pid,
                    state: 'S',
                    cpu_percent: 0.0,
                    threads: 1,
                    rss_bytes: 2 << 20,
                },
            )
        })
        .collect();
    app.cores.push(&CoreLoad {
        percent: vec![12.0, 8.0],
    });
    app.selected = Some(1);
    app
}

fn counter_app() -> App {
    let mut app = app(
        LabId::Counter,
        vec![
            worker(1, Role::Counter, CounterWait::Lock.encode(), 3, 0.3),
            worker(2, Role::Counter, CounterWait::Holds(7).encode(), 4, 0.4),
        ],
    );
    app.counter = slow_locked_running();
    app
}

#[test]
fn whole_screen_counter_80x24() {
    assert_snapshot!(screen(&counter_app(), 80, 24).backend());
}

#[test]
fn whole_screen_counter_120x36() {
    assert_snapshot!(screen(&counter_app(), 120, 36).backend());
}

#[test]
fn counter_rows_say_what_each_worker_does() {
    let mut app = counter_app();
    app.on_workers(vec![
        worker(1, Role::Counter, CounterWait::Gate.encode(), 0, 0.0),
        worker(2, Role::Counter, CounterWait::Read(41).encode(), 0, 0.0),
        worker(3, Role::Counter, CounterWait::Added(9).encode(), 0, 0.0),
        worker(4, Role::Counter, CounterWait::Reply.encode(), 0, 0.0),
        worker(5, Role::Manager, CounterWait::Serving(2).encode(), 0, 0.0),
        worker(6, Role::Counter, 0, 0, 0.0),
    ]);
    let states: Vec<String> = app.rows().into_iter().map(|r| r.state).collect();
    assert_eq!(
        states,
        [
            "waiting at the start gate",
            "read 41, writes 42",
            "added 1, got 9",
            "waiting for the manager",
            "serving 2 proxies",
            "starting",
        ]
    );
}

fn sync_state() -> SyncState {
    SyncState {
        view: SyncView {
            event_set: true,
            permits: 2,
            held: 2,
            lost: 0,
            inside: 2,
            most_inside: 2,
            entries: 37,
            parties: 4,
            arrived: 1,
            rounds: 7,
            barrier_hung: false,
            alive: 4,
            at_event: vec![],
            at_semaphore: vec![3],
            in_section: vec![1, 2],
            at_barrier: vec![4],
        },
    }
}

fn sync_app() -> App {
    let sem = SyncWait::Semaphore {
        held: 2,
        permits: 2,
    };
    let barrier = SyncWait::Barrier {
        arrived: 1,
        parties: 4,
    };
    let mut app = app(
        LabId::Sync,
        vec![
            worker(1, Role::Sync, SyncWait::Inside.encode(), 0, 0.4),
            worker(2, Role::Sync, SyncWait::Inside.encode(), 0, 0.8),
            worker(3, Role::Sync, sem.encode(), 0, 0.0),
            worker(4, Role::Sync, barrier.encode(), 0, 0.0),
        ],
    );
    app.sync = sync_state();
    app
}

#[test]
fn sync_panel_tall_and_short() {
    let mut state = sync_state();
    let panel = |state: &SyncState, w, h| {
        panel(w, h, |area, buf| {
            (&SyncPanel {
                state,
                theme: &Theme::standard(),
            })
                .render(area, buf)
        })
    };
    assert_snapshot!("sync_tall", panel(&state, 44, 18).backend());
    state.view.lost = 1;
    state.view.alive = 3;
    assert_snapshot!(
        "sync_short_with_a_lost_permit",
        panel(&state, 80, 6).backend()
    );
    assert_snapshot!(
        "sync_tall_with_a_lost_permit",
        panel(&state, 44, 18).backend()
    );
}

#[test]
fn whole_screen_sync_80x24() {
    assert_snapshot!(screen(&sync_app(), 80, 24).backend());
}

#[test]
fn sync_rows_say_what_each_worker_waits_on() {
    let mut app = sync_app();
    app.workers[0].wait = SyncWait::Event.encode();
    let states: Vec<String> = app.rows().into_iter().map(|r| r.state).collect();
    assert_eq!(
        states,
        [
            "waiting for event",
            "in critical section",
            "waiting on semaphore (2/2 held)",
            "waiting at barrier 1/4",
        ]
    );
}

#[test]
fn in_ascii_the_sync_lab_is_ascii() {
    let mut app = sync_app();
    crate::common::draw::assert_all_ascii(&app);
    // A permit lost with its holder, and the event set.
    app.sync.view.lost = 1;
    app.sync.view.event_set = true;
    crate::common::draw::assert_all_ascii(&app);
}

#[test]
fn in_ascii_the_counter_lab_is_ascii() {
    crate::common::draw::assert_all_ascii(&counter_app());
}

#[test]
fn a_barrier_that_hangs_says_so() {
    let mut state = sync_state();
    state.view.barrier_hung = true;
    state.view.arrived = 3;
    state.view.parties = 3;
    let draw = |w, h| {
        panel(w, h, |area, buf| {
            (&SyncPanel {
                state: &state,
                theme: &Theme::standard(),
            })
                .render(area, buf)
        })
    };
    let tall = draw(44, 18);
    assert_snapshot!("sync_tall_hung_barrier", tall.backend());
    let short: String = draw(80, 6)
        .backend()
        .buffer()
        .content
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(
        short.contains("a party died waiting at it: it hangs"),
        "{short}"
    );
}
