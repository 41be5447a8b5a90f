//! Snapshots of the queue, pipe and pipeline panels, tall and narrow, and
//! of the whole screen on the queue lab, drawn from fixed state; an end
//! that waits for ever with the pipe's ends left open, and who holds it.

use crate::common::draw::{panel, screen};

use std::collections::VecDeque;
use std::time::Duration;

use insta::assert_snapshot;
use proclab::app::claims::Queue;
use proclab::app::comms::HeldOpen;
use proclab::app::log::{Level, LogEntry};
use proclab::app::pipe::{EndView, PipeView};
use proclab::app::pipeline::{PipelineView, StageView};
use proclab::app::queue::QueueView;
use proclab::app::{App, LabId, Machine, Settings};
use proclab::lab::comms::Ends;
use proclab::lab::comms::holders::Holder;
use proclab::lab::pipe::{EndState, PipeMode};
use proclab::lab::pipeline::StageEnd;
use proclab::lab::queue::ring::Totals;
use proclab::lab::queue::{QueueStats, wait};
use proclab::lab::slot::Phase;
use proclab::lab::{Role, StartOptions, Status, WorkerSnapshot, Workload};
use proclab::ui::pipe::PipePanel;
use proclab::ui::pipeline::PipelinePanel;
use proclab::ui::queue::QueuePanel;
use proclab::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::widgets::Widget;

/// A queue with producers ahead of consumers: full, two blocked, a loss.
fn busy_queue() -> QueueView {
    QueueView {
        capacity: 16,
        depth: 16,
        history: (0..40).map(|i| (i as f32 * 4.0).min(100.0)).collect(),
        put_per_s: 10.0,
        get_per_s: 8.0,
        producers: 2,
        consumers: 1,
        producer_rate: 5,
        consumer_rate: 8,
        blocked_put: 2,
        waiting_get: 0,
        put_total: 1234,
        done_total: 1190,
        unfinished: 44,
        held: 1,
        lost: 2,
        corrupt: 0,
        repaired: 1,
        queued_ms: Some(1400.0),
        balanced: Some(true),
        sentinels_pending: 0,
        join_pending: true,
        stopping: None,
    }
}

thread_local! {
    /// The theme the panels below are drawn in: the standard one, but for
    /// the ASCII test.
    static THEME: std::cell::RefCell<Theme> = const { std::cell::RefCell::new(Theme::standard()) };
}

fn queue_panel(view: &QueueView, width: u16, height: u16) -> Terminal<TestBackend> {
    panel(width, height, |area, buf| {
        (&QueuePanel {
            view,
            theme: &THEME.with(|t| *t.borrow()),
        })
            .render(area, buf)
    })
}

#[test]
fn queue_panel_tall() {
    assert_snapshot!(queue_panel(&busy_queue(), 44, 20).backend());
}

#[test]
fn queue_panel_narrow() {
    assert_snapshot!(queue_panel(&busy_queue(), 80, 6).backend());
}

/// At 120 columns the loss and the audit share a line: the audit says the
/// lost items are among those traced, not that nothing was lost.
#[test]
fn queue_panel_wide_with_a_loss_says_what_is_traced() {
    let mut view = busy_queue();
    view.join_pending = false;
    view.repaired = 0;
    assert_snapshot!(queue_panel(&view, 118, 6).backend());
}

#[test]
fn queue_panel_empty_says_how_to_start() {
    let view = proclab::app::queue::QueueState::default().view(&[]);
    assert_snapshot!(queue_panel(&view, 80, 6).backend());
}

fn pipe_view(mode: PipeMode) -> PipeView {
    let roles = mode.roles();
    PipeView {
        mode: PipeMode::Stream,
        ends_next: Ends::Closed,
        pair_mode: Some(mode),
        pair_ends: Some(Ends::Closed),
        held: None,
        ends: Some([
            EndView {
                id: 7,
                role: roles[0],
                alive: false,
                exitcode: Some(-15),
                end: EndState::Running,
            },
            EndView {
                id: 8,
                role: roles[1],
                alive: false,
                exitcode: Some(0),
                end: EndState::Eof,
            },
        ]),
        rate: 100,
        count: 4321,
        sent: 4321,
        per_s: 99.8,
        latency_last_us: 41.0,
        latency_mean_us: 45.5,
        latency_min_us: 30.0,
        latency_max_us: 1210.0,
    }
}

fn pipe_panel(view: &PipeView, width: u16, height: u16) -> Terminal<TestBackend> {
    panel(width, height, |area, buf| {
        (&PipePanel {
            view,
            theme: &THEME.with(|t| *t.borrow()),
        })
            .render(area, buf)
    })
}

#[test]
fn pipe_panel_roomy_after_one_end_was_terminated() {
    assert_snapshot!(pipe_panel(&pipe_view(PipeMode::PingPong), 100, 8).backend());
}

#[test]
fn pipe_panel_narrow_stream() {
    assert_snapshot!(pipe_panel(&pipe_view(PipeMode::Stream), 80, 5).backend());
}

/// The stream's sender killed with the ends left open: the receiver,
/// worker 8, waits in recv() for ever, as proclab and itself hold w.
fn pipe_held_open() -> PipeView {
    let mut v = pipe_view(PipeMode::Stream);
    v.pair_ends = Some(Ends::Open);
    v.ends_next = Ends::Open;
    if let Some(ends) = &mut v.ends {
        ends[0].exitcode = Some(-9);
        ends[1] = EndView {
            alive: true,
            exitcode: None,
            end: EndState::Running,
            ..ends[1].clone()
        };
    }
    v.per_s = 0.0;
    v.held = Some(HeldOpen {
        id: 8,
        other: "w",
        holders: vec![
            Holder {
                pid: 7000,
                worker: None,
            },
            Holder {
                pid: 7008,
                worker: Some(8),
            },
        ],
    });
    v
}

#[test]
fn pipe_panel_ends_left_open_says_who_holds_w() {
    assert_snapshot!(pipe_panel(&pipe_held_open(), 100, 8).backend());
}

#[test]
fn pipe_panel_narrow_ends_left_open_puts_why_before_the_figures() {
    assert_snapshot!(pipe_panel(&pipe_held_open(), 80, 5).backend());
}

#[test]
fn pipe_panel_before_any_pipe() {
    let view = proclab::app::pipe::PipeState::default().view(&[]);
    assert_snapshot!(pipe_panel(&view, 80, 5).backend());
}

fn stage(role: Role, id: u32, ms: u32, per_s: f64, done: u64, state: &str) -> StageView {
    StageView {
        role,
        id: Some(id),
        alive: true,
        exitcode: None,
        ms,
        per_s,
        done,
        state: Some(state.into()),
        end: StageEnd::Running,
    }
}

fn pipeline_view() -> PipelineView {
    PipelineView {
        stages: [
            stage(Role::Fetch, 1, 100, 10.0, 240, "blocked on send"),
            stage(Role::Process, 2, 200, 5.0, 120, "working on an item"),
            StageView {
                alive: false,
                exitcode: Some(-9),
                state: None,
                ..stage(Role::Save, 3, 50, 0.0, 117, "")
            },
        ],
        selected: 1,
        run_ends: Some(Ends::Closed),
        ends_next: Ends::Closed,
        held: None,
        pipe_items: 118,
        pipe_bytes: 4012,
        pipe_capacity: 4096,
        queue_depth: 3,
        queue_capacity: 8,
        slowest: 1,
        running: true,
        stopping: false,
    }
}

fn pipeline_panel(view: &PipelineView, width: u16, height: u16) -> Terminal<TestBackend> {
    panel(width, height, |area, buf| {
        (&PipelinePanel {
            view,
            theme: &THEME.with(|t| *t.borrow()),
        })
            .render(area, buf)
    })
}

#[test]
fn pipeline_panel_tall() {
    assert_snapshot!(pipeline_panel(&pipeline_view(), 44, 18).backend());
}

#[test]
fn pipeline_panel_narrow() {
    assert_snapshot!(pipeline_panel(&pipeline_view(), 80, 7).backend());
}

/// fetch killed with the ends left open: process waits in recv() for
/// ever, as proclab, process and save hold w; ▶ marks fetch.
#[test]
fn pipeline_panel_ends_left_open_says_who_holds_w() {
    let mut v = pipeline_view();
    v.run_ends = Some(Ends::Open);
    v.selected = 0;
    v.stages[0] = StageView {
        alive: false,
        exitcode: Some(-9),
        state: None,
        ..v.stages[0].clone()
    };
    v.stages[2] = stage(Role::Save, 3, 50, 0.0, 117, "waiting on get");
    v.held = Some(HeldOpen {
        id: 2,
        other: "w",
        holders: [(7000, None), (7002, Some(2)), (7003, Some(3))]
            .map(|(pid, worker)| Holder { pid, worker })
            .to_vec(),
    });
    assert_snapshot!(pipeline_panel(&v, 100, 9).backend());
}

fn worker(id: u32, role: Role, wait: u32, tasks: u64) -> WorkerSnapshot {
    WorkerSnapshot {
        id,
        pid: 5100 + id,
        role,
        status: Status::Alive { paused: false },
        daemon: false,
        workload: Workload::Io,
        phase: Phase::Io,
        tasks_done: tasks,
        progress: 0.5,
        join_pending: false,
        heartbeat_age: None,
        sigterm_sent: false,
        wait,
        aux: 0,
    }
}

/// The queue lab with two blocked producers and a working consumer.
fn queue_app() -> App {
    let mut app = App::new(
        LabId::Queue,
        Settings {
            start: StartOptions::default(),
            auto_join: false,
            max_workers: 256,
        },
        Machine { cores: 2 },
    );
    app.on_workers(vec![
        worker(1, Role::Consumer, wait::WORK, 52),
        worker(2, Role::Producer, wait::PUT, 34),
        worker(3, Role::Producer, wait::PUT, 34),
        WorkerSnapshot {
            status: Status::Exited(-9),
            wait: 0,
            ..worker(4, Role::Consumer, 0, 12)
        },
    ]);
    let q = &mut app.queue;
    q.history = (0..60u64).map(|i| (i / 3).min(16)).collect::<VecDeque<_>>();
    q.stats = Some(QueueStats {
        totals: Totals {
            capacity: 16,
            head: 52,
            tail: 68,
            done: 51,
            held: 1,
            consistent: false,
            queued_ns: 2_000_000_000,
            queued_count: 52,
            ..Totals::default()
        },
        producer_rate: 5,
        consumer_rate: 8,
        sentinels_pending: 0,
        join_pending: false,
        stopping: None,
    });
    for (at, python, text, level) in [
        (
            0.0,
            "p1.start()  # consumer(q)",
            "consumer 1 (pid 5101) gets items from q, 8/s",
            Level::Info,
        ),
        (
            0.0,
            "p2.start()  # producer(q)",
            "producer 2 (pid 5102) puts items into q, 5/s",
            Level::Info,
        ),
        (
            4.2,
            "p4.kill()",
            "SIGKILL to worker 4: cannot be caught",
            Level::Info,
        ),
        (
            4.3,
            Queue::Lost.code(),
            "worker 4 died holding 1 item: lost, never task_done",
            Level::Error,
        ),
    ] {
        app.log.push(LogEntry {
            at: Duration::from_secs_f64(at),
            python: Some(python.into()),
            text: text.into(),
            level,
        });
    }
    app.selected = Some(1);
    app
}

#[test]
fn queue_lab_whole_screen_80x24() {
    assert_snapshot!(screen(&queue_app(), 80, 24).backend());
}

#[test]
fn queue_lab_whole_screen_120x36() {
    assert_snapshot!(screen(&queue_app(), 120, 36).backend());
}

#[test]
fn the_worker_table_says_what_each_waits_on() {
    let rows = queue_app().rows();
    let states: Vec<&str> = rows.iter().map(|r| r.state.as_str()).collect();
    assert_eq!(
        states,
        [
            "working on an item",
            "blocked on put",
            "blocked on put",
            "zombie - not joined"
        ]
    );
}

/// Every character of a terminal's screen, row after row.
fn screen_text(term: &Terminal<TestBackend>) -> String {
    term.backend()
        .buffer()
        .content
        .iter()
        .map(|c| c.symbol())
        .collect()
}

#[test]
fn in_ascii_the_pipe_and_pipeline_panels_are_ascii() {
    let ascii = Theme::new(
        proclab::app::ThemeName::Standard,
        proclab::app::look::Look {
            colours: proclab::app::look::Colours::TrueColour,
            ascii: true,
        },
    );
    THEME.with(|t| *t.borrow_mut() = ascii);
    let screens = [
        (
            "pipe ping-pong",
            pipe_panel(&pipe_view(PipeMode::PingPong), 44, 14),
        ),
        (
            "pipe stream",
            pipe_panel(&pipe_view(PipeMode::Stream), 80, 5),
        ),
        ("pipeline tall", pipeline_panel(&pipeline_view(), 44, 18)),
        ("pipeline narrow", pipeline_panel(&pipeline_view(), 80, 8)),
    ];
    THEME.with(|t| *t.borrow_mut() = Theme::standard());
    for (name, term) in screens {
        let text = screen_text(&term);
        assert!(
            text.is_ascii(),
            "{name}: {:?}",
            text.chars().filter(|c| !c.is_ascii()).collect::<String>()
        );
        assert!(text.contains("+-"), "{name}: its frame is +-|");
    }
}

#[test]
fn in_ascii_the_queue_lab_is_ascii() {
    crate::common::draw::assert_all_ascii(&queue_app());
}
