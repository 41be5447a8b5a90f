//! Snapshots of the pool lab's panel and screen, drawn from fixed state:
//! a run in progress under `imap` (results held behind a running chunk), a
//! run that lost a chunk (hung), a broken executor, and the table of runs.

use crate::common::draw::screen;

use std::time::Duration;

use insta::assert_snapshot;
use proclab::app::pool::view::{
    Arrival, Awaited, Cell, CellState, Lane, Mark, Owner, PoolView, RunView,
};
use proclab::app::pool::{PoolSettings, PoolState};
use proclab::app::{App, LabId, Machine, Settings};
use proclab::lab::pool::{
    ChunkChoice, Cost, JobSpec, Method, Outcome, PoolInfo, RunRecord, RunStats,
};
use proclab::lab::slot::Phase;
use proclab::lab::{Role, StartOptions, Status, WorkerSnapshot, Workload};
use proclab::ui::pool::PoolPanel;
use proclab::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use ratatui::widgets::Widget;

fn spec(method: Method, chunk: ChunkChoice) -> JobSpec {
    JobSpec {
        method,
        items: 200,
        chunk,
        workers: 2,
        maxtasks: None,
        cost: Cost::Uniform,
        item_us: 2_000,
        init_ms: 100,
    }
}

fn cell(state: CellState, serial: u32) -> Cell {
    Cell { state, serial }
}

/// Items `range` all in one state.
fn fill(cells: &mut [Cell], range: std::ops::Range<usize>, state: CellState, serial: u32) {
    for c in &mut cells[range] {
        *c = cell(state, serial);
    }
}

fn lane(place: usize, serial: u32, pattern: &str) -> Lane {
    let marks = pattern
        .chars()
        .map(|c| match c {
            'i' => Mark::Init,
            '.' => Mark::Idle,
            ' ' => Mark::Absent,
            d => Mark::Busy(d.to_digit(10).unwrap_or(8) as u8),
        })
        .collect();
    Lane {
        place,
        serial,
        marks,
        owners: vec![Owner {
            column: 0,
            serial,
            fresh: false,
        }],
    }
}

fn stats(wall_ms: u64, waited_us: u64, starved_ms: u64) -> RunStats {
    RunStats {
        wall: Duration::from_millis(wall_ms),
        items_per_s: 200.0 / (wall_ms as f64 / 1000.0),
        busy: Duration::from_millis(wall_ms * 2 - starved_ms),
        waited: Duration::from_micros(waited_us),
        starved: Duration::from_millis(starved_ms),
        init: Duration::from_millis(200),
    }
}

fn history() -> Vec<RunRecord> {
    vec![
        RunRecord {
            number: 1,
            spec: spec(Method::Map, ChunkChoice::Default),
            chunksize: 25,
            outcome: Outcome::Done,
            stats: stats(310, 180, 12),
            lost_items: 0,
            failed_items: 0,
            processes: 2,
        },
        RunRecord {
            number: 2,
            spec: JobSpec {
                cost: Cost::Skewed,
                ..spec(Method::Map, ChunkChoice::Fixed(100))
            },
            chunksize: 100,
            outcome: Outcome::Done,
            stats: stats(520, 95, 260),
            lost_items: 0,
            failed_items: 0,
            processes: 2,
        },
        RunRecord {
            number: 3,
            spec: spec(Method::ImapUnordered, ChunkChoice::Fixed(1)),
            chunksize: 1,
            outcome: Outcome::Hung,
            stats: stats(290, 2_400, 4),
            lost_items: 1,
            failed_items: 0,
            processes: 3,
        },
    ]
}

/// Run 4: `imap` with chunks of 25, chunk 2 running on B and chunk 3
/// done by A but held behind it.
fn running() -> PoolView {
    let s = spec(Method::Imap, ChunkChoice::Fixed(25));
    let mut cells = vec![cell(CellState::Queued, 0); 200];
    fill(&mut cells, 0..25, CellState::Delivered, 1);
    fill(&mut cells, 25..50, CellState::Delivered, 2);
    fill(&mut cells, 50..60, CellState::Held, 2);
    fill(&mut cells, 60..61, CellState::Running, 2);
    fill(&mut cells, 61..75, CellState::Taken, 2);
    fill(&mut cells, 75..100, CellState::Held, 1);
    fill(&mut cells, 100..103, CellState::Held, 1);
    fill(&mut cells, 103..104, CellState::Running, 1);
    fill(&mut cells, 104..125, CellState::Taken, 1);
    PoolView {
        pool: Some(PoolInfo {
            config: s.pool(),
            alive: 2,
            broken: false,
        }),
        run: Some(RunView {
            number: 4,
            spec: s,
            chunksize: 25,
            n_chunks: 8,
            outcome: Outcome::Running,
            cells,
            items_per_cell: 1,
            queued_chunks: 3,
            lanes: vec![
                lane(0, 1, "8888888888888888888888888888888888886888"),
                lane(1, 2, "8888888888888888888888888888888888888888"),
            ],
            lane_span: Duration::from_millis(840),
            done_items: 75,
            delivered_items: 50,
            lost_items: 0,
            failed_items: 0,
            awaited: Some(Awaited {
                item: 60,
                serial: 2,
                behind: 25,
            }),
            arrivals: vec![
                Arrival {
                    items: 0..25,
                    serial: 1,
                },
                Arrival {
                    items: 25..50,
                    serial: 2,
                },
            ],
            lost: Vec::new(),
            stats: stats(840, 310, 0),
        }),
        history: history(),
    }
}

/// Run 4 under `map`, B killed holding chunk 1: hung, with C in B's place.
fn hung() -> PoolView {
    let s = spec(Method::Map, ChunkChoice::Default);
    let mut cells = vec![cell(CellState::Held, 1); 200];
    for k in 0..8 {
        let serial = [1, 2, 1, 3, 1, 3, 1, 3][k];
        fill(&mut cells, k * 25..k * 25 + 25, CellState::Held, serial);
    }
    fill(&mut cells, 25..50, CellState::Lost, 2);
    let mut b = lane(1, 3, "iii88888888       iii8888888888888888....");
    b.owners = vec![
        Owner {
            column: 0,
            serial: 2,
            fresh: false,
        },
        Owner {
            column: 18,
            serial: 3,
            fresh: true,
        },
    ];
    let mut view = running();
    view.run = Some(RunView {
        number: 4,
        spec: s,
        chunksize: 25,
        n_chunks: 8,
        outcome: Outcome::Hung,
        cells,
        items_per_cell: 1,
        queued_chunks: 0,
        lanes: vec![lane(0, 1, "iii8888888888888888888888888888888888888"), b],
        lane_span: Duration::from_millis(1_210),
        done_items: 175,
        delivered_items: 0,
        lost_items: 25,
        failed_items: 0,
        awaited: Some(Awaited {
            item: 25,
            serial: 2,
            behind: 175,
        }),
        arrivals: Vec::new(),
        lost: std::iter::once(25..50).collect(),
        stats: stats(1_210, 105_000, 40),
    });
    view
}

/// `ProcessPoolExecutor`: B died on item 61, A was terminated, the rest failed.
fn broken() -> PoolView {
    let s = spec(Method::Futures, ChunkChoice::Default);
    let mut cells = vec![cell(CellState::Failed, 0); 200];
    for (i, c) in cells.iter_mut().enumerate().take(60) {
        *c = cell(CellState::Delivered, 1 + (i as u32 % 2));
    }
    cells[61] = cell(CellState::Lost, 2);
    let mut view = running();
    view.pool = Some(PoolInfo {
        config: s.pool(),
        alive: 0,
        broken: true,
    });
    view.run = Some(RunView {
        number: 5,
        spec: s,
        chunksize: 1,
        n_chunks: 200,
        outcome: Outcome::Broken,
        cells,
        items_per_cell: 1,
        queued_chunks: 0,
        lanes: vec![
            lane(0, 1, "iii888888888888888888       "),
            lane(1, 2, "iii8888888888888888         "),
        ],
        lane_span: Duration::from_millis(400),
        done_items: 60,
        delivered_items: 60,
        lost_items: 1,
        failed_items: 139,
        awaited: None,
        arrivals: vec![Arrival {
            items: 58..60,
            serial: 1,
        }],
        lost: std::iter::once(61..62).collect(),
        stats: stats(400, 900, 0),
    });
    view
}

/// The panel's state; the settings are those of the run shown, as they
/// are right after `r`.
fn state(view: PoolView) -> PoolState {
    let mut settings = PoolSettings::for_cores(2);
    if let Some(spec) = view.run.as_ref().map(|r| r.spec) {
        settings.method = spec.method;
        settings.items = spec.items;
        settings.chunk = spec.chunk;
        settings.cost = spec.cost;
        settings.item_us = spec.item_us;
    }
    PoolState { settings, view }
}

fn panel(state: &PoolState, width: u16, height: u16) -> Terminal<TestBackend> {
    panel_in(Theme::standard(), state, width, height)
}

fn panel_in(theme: Theme, state: &PoolState, width: u16, height: u16) -> Terminal<TestBackend> {
    crate::common::draw::panel(width, height, |area, buf| {
        (&PoolPanel {
            state,
            theme: &theme,
        })
            .render(area, buf)
    })
}

#[test]
fn a_running_imap_holds_results_behind_the_running_chunk() {
    let s = state(running());
    assert_snapshot!(panel(&s, 110, 16).backend());
}

#[test]
fn the_panel_fits_a_small_terminal() {
    let s = state(running());
    assert_snapshot!(panel(&s, 78, 10).backend());
}

#[test]
fn a_lost_chunk_leaves_map_hung() {
    let s = state(hung());
    assert_snapshot!(panel(&s, 110, 16).backend());
}

#[test]
fn a_broken_executor_fails_the_pending_futures() {
    let s = state(broken());
    assert_snapshot!(panel(&s, 110, 14).backend());
}

#[test]
fn before_a_run_the_panel_says_how_to_start_one() {
    let mut s = state(PoolView::default());
    assert_snapshot!("no_run", panel(&s, 90, 8).backend());
    s.view.history = history();
    assert_snapshot!("no_run_with_history", panel(&s, 110, 8).backend());
}

#[test]
fn where_a_result_is_is_not_told_by_colour_alone() {
    let s = state(running());
    let t = panel(&s, 110, 16);
    let buf = t.backend().buffer();
    // Row 3 is the first grid row (border, Python, status); 108 cells a row.
    let at = |i: u16| &buf[(i % 108 + 1, 3 + i / 108)];
    assert_eq!(at(0).symbol(), "A", "delivered: the worker's letter");
    assert!(at(0).modifier.contains(Modifier::BOLD));
    assert_eq!(at(50).symbol(), "B", "held: the same letter");
    assert!(at(50).modifier.contains(Modifier::DIM), "held is dim");
    assert!(
        at(60).modifier.contains(Modifier::REVERSED),
        "running is reversed"
    );
    assert_eq!(at(61).symbol(), "b", "in a chunk, not started: lower case");
    assert_eq!(at(190).symbol(), "·", "queued");
    let hung = panel(&state(hung()), 110, 16);
    assert_eq!(hung.backend().buffer()[(26, 3)].symbol(), "✗", "lost");
}

fn pool_app() -> App {
    let mut app = App::new(
        LabId::Pool,
        Settings {
            start: StartOptions::default(),
            auto_join: false,
            max_workers: 256,
        },
        Machine { cores: 2 },
    );
    app.pool = state(running());
    let worker = |id: u32, phase: Phase, tasks: u64, progress: f64| WorkerSnapshot {
        id,
        pid: 5100 + id,
        role: Role::Pool,
        status: Status::Alive { paused: false },
        daemon: true,
        workload: Workload::Cpu,
        phase,
        tasks_done: tasks,
        progress,
        join_pending: false,
        heartbeat_age: None,
        sigterm_sent: false,
        wait: 0,
        aux: 0,
    };
    app.on_workers(vec![
        worker(1, Phase::Cpu, 2, 0.12),
        worker(2, Phase::Cpu, 1, 0.4),
    ]);
    app.procs = [5101, 5102]
        .into_iter()
        .map(|pid| {
            (
                pid,
                proclab::metrics::ProcLoad {
                    pid,
                    state: 'R',
                    cpu_percent: 99.0,
                    threads: 1,
                    rss_bytes: 2 << 20,
                },
            )
        })
        .collect();
    app
}

#[test]
fn the_pool_lab_at_80x24() {
    assert_snapshot!(screen(&pool_app(), 80, 24).backend());
}

#[test]
fn the_pool_lab_at_120x36() {
    assert_snapshot!(screen(&pool_app(), 120, 36).backend());
}

#[test]
fn in_ascii_every_run_is_drawn_in_ascii() {
    let ascii = Theme::new(
        proclab::app::ThemeName::Standard,
        proclab::app::look::Look {
            colours: proclab::app::look::Colours::TrueColour,
            ascii: true,
        },
    );
    for (name, view) in [
        ("running", running()),
        ("hung", hung()),
        ("broken", broken()),
    ] {
        for (w, h) in [(80, 16), (120, 24)] {
            let term = panel_in(ascii, &state(view.clone()), w, h);
            let buf = term.backend().buffer();
            let text: String = buf.content.iter().map(|c| c.symbol()).collect();
            assert!(
                text.is_ascii(),
                "{name} {w}x{h}: {:?}",
                text.chars().filter(|c| !c.is_ascii()).collect::<String>()
            );
            // The words still say what happened.
            assert!(text.contains('|') && text.contains('+'), "{name}: {text}");
        }
    }
}
