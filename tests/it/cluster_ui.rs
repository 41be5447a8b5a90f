//! Snapshots of the cluster panel and of its whole screen, drawn from a
//! fixed state (never a live cluster): a batch under way after a node was
//! killed, with the speedup beside Pool; narrow (80x24), wide and in two
//! columns; and the panel of a lab that cannot open.

use crate::common::draw::{panel, screen};

use std::path::PathBuf;
use std::time::{Duration, Instant};

use insta::assert_snapshot;
use proclab::app::cluster::narrate;
use proclab::app::cluster::view::{DepthHistory, NodeEndNote, Redelivery};
use proclab::app::cluster::{ClusterState, Stage, Tally};
use proclab::app::{App, LabId, Machine, Settings};
use proclab::lab::StartOptions;
use proclab::lab::cluster::node::Stop;
use proclab::lab::cluster::nodes::NodeLife;
use proclab::lab::cluster::tasks::{StepKind, TaskState};
use proclab::lab::cluster::view::{
    BrokerState, BrokerView, Fate, NodeView, PathStep, SpeedupView, TaskPath, UnackedView,
};
use proclab::lab::cluster::{
    ClusterEvent, ClusterNews, ClusterView, NodeEnd, Overhead, PoolRow, SpeedupRow, TaskKind,
};
use proclab::metrics::ProcLoad;
use proclab::ui::cluster::ClusterPanel;
use proclab::ui::theme::Theme;
use ratatui::widgets::Widget;

const ID1: &str = "3f2a1b9c-5d1e-4c7a-9f00-000000000001";
const ID2: &str = "9b1c0d2e-77aa-4f10-8e00-000000000002";
const ID3: &str = "c0ffee00-1234-4abc-8def-000000000003";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn node(n: u32, life: NodeLife, pool: &[(u32, char, f32)]) -> NodeView {
    NodeView {
        name: format!("node{n}@vm"),
        id: Some(n),
        local: true,
        pid: Some(4100 + n),
        life,
        stop: None,
        exitcode: None,
        concurrency: Some(pool.len().max(1)),
        pool: pool
            .iter()
            .map(|&(pid, state, cpu_percent)| ProcLoad {
                pid,
                state,
                cpu_percent,
                threads: 1,
                rss_bytes: 40 << 20,
            })
            .collect(),
        active: pool.len() as u32,
        processed: 7,
        succeeded: 7,
        failed: 0,
        prefetch: Some(1),
        heartbeat_age: Some(ms(400)),
        rate: 0.6,
        held: Vec::new(),
        shell_line: Some(format!(
            "celery -A tasks worker -c {} -n node{n}@%h -E --without-gossip --without-mingle",
            pool.len().max(1)
        )),
    }
}

fn path(id: &str, node: &str, steps: &[(StepKind, u64)], state: TaskState) -> TaskPath {
    TaskPath {
        id: id.into(),
        name: "tasks.count_primes".into(),
        args: "(300000,)".into(),
        state,
        holder: Some(node.into()),
        steps: steps
            .iter()
            .map(|&(kind, after)| PathStep {
                kind,
                after: ms(after),
                node: Some(node.into()),
            })
            .collect(),
        result: (state == TaskState::Succeeded).then(|| "25997".to_string()),
        redeliveries: 0,
    }
}

/// Two nodes serving, one killed (it held two tasks: one lost, one given
/// back), a speedup run done, beside Pool.
fn view() -> ClusterView {
    let mut killed = node(2, NodeLife::Ended, &[]);
    killed.stop = Some(Stop::Killed(Instant::now()));
    killed.exitcode = Some(-9);
    killed.active = 0;
    killed.heartbeat_age = Some(ms(6_200));
    let mut three = node(3, NodeLife::Online, &[(4210, 'R', 97.0), (4211, 'S', 0.0)]);
    three.held = vec![ID3.into()];
    ClusterView {
        broker: BrokerView {
            url: "redis://127.0.0.1:41234/0".into(),
            own: true,
            pid: Some(4100),
            state: BrokerState::Up,
            shell_line: Some(
                "redis-server --port 41234 --bind 127.0.0.1 --save \"\" --appendonly no".into(),
            ),
        },
        depth: Some(12),
        unacked: Some(2),
        unacked_tasks: vec![UnackedView {
            id: ID2.into(),
            holder: Some("node2@vm".into()),
            redelivery_in: Some(ms(6_300)),
        }],
        nodes: vec![
            node(1, NodeLife::Online, &[(4201, 'R', 98.0)]),
            killed,
            three,
        ],
        rate: 1.2,
        running: 2,
        recent: vec![
            path(
                ID3,
                "node3@vm",
                &[
                    (StepKind::Sent, 0),
                    (StepKind::Received, 20),
                    (StepKind::Started, 30),
                ],
                TaskState::Running,
            ),
            path(
                ID1,
                "node1@vm",
                &[
                    (StepKind::Sent, 0),
                    (StepKind::Received, 10),
                    (StepKind::Started, 20),
                    (StepKind::Succeeded, 610),
                ],
                TaskState::Succeeded,
            ),
        ],
        lost: vec![Fate {
            id: ID1.into(),
            node: "node2@vm".into(),
        }],
        awaiting: vec![Fate {
            id: ID2.into(),
            node: "node2@vm".into(),
        }],
        redelivered: Vec::new(),
        acks_late: false,
        concurrency: 1,
        batch: 20,
        task: TaskKind::CountPrimes { n: 300_000 },
        batch_line: "[count_primes.delay(300000) for _ in range(20)]".into(),
        visibility_timeout: Duration::from_secs(10),
        tasks_module: PathBuf::from("/tmp/proclab-cluster-1-ab12cd34/tasks.py"),
        speedup: SpeedupView {
            running: None,
            rows: vec![
                SpeedupRow {
                    nodes: 1,
                    concurrency: 1,
                    tasks: 20,
                    wall: ms(10_420),
                    lost: 0,
                },
                SpeedupRow {
                    nodes: 2,
                    concurrency: 1,
                    tasks: 20,
                    wall: ms(5_710),
                    lost: 0,
                },
            ],
            overhead: Some(Overhead {
                tasks: 100,
                wall: ms(310),
                per_task: Duration::from_micros(3_100),
            }),
            pool: vec![
                PoolRow {
                    processes: 1,
                    tasks: 20,
                    wall: ms(9_880),
                },
                PoolRow {
                    processes: 2,
                    tasks: 20,
                    wall: ms(5_020),
                },
            ],
        },
        garbled: 0,
    }
}

fn state() -> ClusterState {
    let mut history = DepthHistory::default();
    for (i, d) in [0, 20, 20, 18, 17, 15, 14, 14, 13, 12]
        .into_iter()
        .enumerate()
    {
        history.push(Duration::from_millis(250 * i as u64), d);
    }
    let mut tally = Tally {
        lost: 1,
        node_ends: 1,
        batches_done: 3,
        last_end: Some(NodeEndNote {
            name: "node2@vm".into(),
            pid: Some(4102),
            how: "killed (k)".into(),
            held: vec![ID1.into(), ID2.into()],
        }),
        ..Tally::default()
    };
    tally.redelivered(Redelivery {
        id: "77aa0000-0000-4000-8000-000000000009".into(),
        from: "node4@vm".into(),
        to: "node1@vm".into(),
        after_delivery: Some(ms(10_400)),
    });
    ClusterState {
        stage: Stage::Open,
        view: Some(view()),
        history,
        selected: Some("node3@vm".into()),
        concurrency: 1,
        tally,
        ..ClusterState::default()
    }
}

fn draw(state: &ClusterState, width: u16, height: u16) -> String {
    let theme = Theme::standard();
    let t = panel(width, height, |area, buf| {
        ClusterPanel {
            state,
            theme: &theme,
        }
        .render(area, buf)
    });
    format!("{}", t.backend())
}

#[test]
fn cluster_panel_narrow() {
    assert_snapshot!(draw(&state(), 80, 13));
}

#[test]
fn cluster_panel_wide() {
    assert_snapshot!(draw(&state(), 130, 24));
}

#[test]
fn cluster_panel_two_columns() {
    assert_snapshot!(draw(&state(), 170, 20));
}

#[test]
fn cluster_panel_missing_celery() {
    let s = ClusterState {
        stage: Stage::Missing {
            missing: "celery[redis]".into(),
            command: "python3 -m pip install \"celery[redis]==5.7.0\"".into(),
            found: vec![
                ("redis-server".into(), "found 7.0.15".into()),
                ("python3".into(), "found 3.11.7".into()),
                ("celery".into(), "missing (No module named 'celery')".into()),
            ],
        },
        ..ClusterState::default()
    };
    assert_snapshot!(draw(&s, 80, 13));
}

#[test]
fn cluster_screen_80x24() {
    let mut app = App::new(
        LabId::Cluster,
        Settings {
            start: StartOptions::default(),
            auto_join: false,
            max_workers: 8,
        },
        Machine { cores: 2 },
    );
    app.cluster = state();
    narrate::on_event(
        &mut app,
        ClusterNews::Cluster(ClusterEvent::NodeExited {
            id: 2,
            name: "node2@vm".into(),
            pid: 4102,
            exitcode: -9,
            how: NodeEnd::Killed,
            held: vec![ID1.into(), ID2.into()],
            log: String::new(),
        }),
    );
    narrate::on_event(
        &mut app,
        ClusterNews::Cluster(ClusterEvent::TaskLost {
            id: ID1.into(),
            node: "node2@vm".into(),
        }),
    );
    let t = screen(&app, 80, 24);
    assert_snapshot!(format!("{}", t.backend()));
}
