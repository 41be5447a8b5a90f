//! The cluster lab's words: what each key did and each event told, with
//! the command or the Python that does the same (taken from the claims
//! table, `Cluster`, each line witnessed by real Celery), and the help's
//! lines on Dask, Ray and Kubernetes.

use std::time::Duration;

use crate::app::App;
use super::claims::Cluster;
use crate::app::log::Level;
use crate::app::narrate::{Line, why_exited};
use crate::app::numbers::duration;
use crate::lab::cluster::doctor::{Doctor, Presence};
use crate::lab::cluster::{ClusterEvent, ClusterNews, NodeEnd, TaskKind};

use super::view::{NodeEndNote, Redelivery, Stage, keep_selection};

fn line(python: impl Into<Option<String>>, text: String, level: Level) -> Line {
    Line {
        python: python.into(),
        text,
        level,
    }
}

fn info(python: impl Into<Option<String>>, text: String) -> Line {
    line(python, text, Level::Info)
}

fn note(python: impl Into<Option<String>>, text: String) -> Line {
    line(python, text, Level::Note)
}

pub fn error(text: String) -> Line {
    line(None, text, Level::Error)
}

/// A task's id as shown: its first eight hex digits.
pub fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// `3f2a1b9c, 9b1c0d2e` (and how many more).
pub fn ids(list: &[String]) -> String {
    let shown: Vec<&str> = list.iter().take(4).map(|i| short(i)).collect();
    let more = list.len().saturating_sub(4);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(", "))
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// What stands before the `@` of a node's name.
fn stem(name: &str) -> &str {
    name.split('@').next().unwrap_or(name)
}

/// The command that starts a node: `celery -A tasks worker -c 1 -n node2@%h -E ...`.
pub fn node_line(stem: &str, concurrency: usize) -> String {
    Cluster::NodeLine.fill(&[("n", &concurrency.to_string()), ("node", stem)])
}

/// A task sent with acks_late or not, in Python.
pub fn acks_line(task: TaskKind, acks_late: bool) -> String {
    let (claim, function) = if acks_late {
        (Cluster::AcksLate, task.function(true))
    } else {
        (Cluster::AcksEarly, task.function(false))
    };
    claim.fill(&[("task", function), ("arg", &task.args_text())])
}

pub fn acks_late_set(on: bool, task: TaskKind, visibility: Duration) -> Line {
    let text = if on {
        format!(
            "acks_late on for new tasks: a node acknowledges a task after it runs, so one \
             whose node dies goes to another once the visibility timeout ({}) has passed",
            secs(visibility)
        )
    } else {
        "acks_late off for new tasks: a node acknowledges a task as it starts it, so one \
         whose node dies running it is lost"
            .to_string()
    };
    info(acks_line(task, on), text)
}

pub fn concurrency_set(c: usize, next_stem: &str) -> Line {
    info(
        node_line(next_stem, c),
        format!(
            "new nodes get {c} pool process{} (-c {c})",
            if c == 1 { "" } else { "es" }
        ),
    )
}

pub fn killing(name: &str, pid: u32) -> Line {
    info(
        Cluster::Kill.fill(&[("pid", &pid.to_string()), ("node", stem(name))]),
        format!("SIGKILL to {name}: no warm shutdown, its pool processes die with it"),
    )
}

pub fn stopping(name: &str, pid: u32) -> Line {
    info(
        Cluster::WarmStop.fill(&[("pid", &pid.to_string()), ("node", stem(name))]),
        format!(
            "SIGTERM to {name}: it finishes the task it runs and gives back at once what it took"
        ),
    )
}

/// What was found, for the panel of a lab that cannot open.
pub fn found(d: &Doctor) -> Vec<(String, String)> {
    let say = |p: &Presence| match p {
        Presence::Found { version } => format!("found {version}"),
        Presence::Missing { why } => format!("missing ({why})"),
    };
    vec![
        ("redis-server".into(), say(&d.redis_server)),
        ("python3".into(), say(&d.python_version)),
        ("celery".into(), say(&d.celery)),
        ("kombu".into(), say(&d.kombu)),
        ("redis (Python)".into(), say(&d.redis_py)),
    ]
}

/// Takes in what the controller reported.
pub fn on_event(app: &mut App, news: ClusterNews) {
    let lines = match news {
        ClusterNews::Opened {
            url, own_broker, ..
        } => {
            app.cluster.stage = Stage::Open;
            let whose = if own_broker {
                "its own redis-server"
            } else {
                "a Redis it did not start and will not stop"
            };
            vec![note(
                None,
                format!("cluster lab open on {url}, {whose}: Celery nodes starting"),
            )]
        }
        ClusterNews::Missing {
            doctor,
            missing,
            command,
        } => {
            let text = format!("the cluster lab needs {missing}; install with: {command}");
            app.cluster.stage = Stage::Missing {
                missing,
                command,
                found: found(&doctor),
            };
            vec![error(text)]
        }
        ClusterNews::Failed(why) => {
            app.cluster.stage = Stage::Failed(why.clone());
            vec![error(format!("the cluster lab did not open: {why}"))]
        }
        ClusterNews::Cluster(e) => event(app, e),
    };
    for l in lines {
        app.say(l);
    }
}

fn event(app: &mut App, e: ClusterEvent) -> Vec<Line> {
    let vt = app.cluster.opening.visibility_timeout;
    let tally = &mut app.cluster.tally;
    match e {
        ClusterEvent::BrokerStarted { port, pid } => vec![info(
            Cluster::BrokerLine.fill(&[("port", &port.to_string())]),
            format!("redis-server started: pid {pid}, port {port}, nothing kept on disk"),
        )],
        ClusterEvent::BrokerUp => vec![info(None, "the broker answers".into())],
        ClusterEvent::BrokerDown { reason } => vec![error(format!(
            "the broker does not answer ({reason}): looking again every 0.5 s"
        ))],
        ClusterEvent::BrokerExited { code, lost, log } => {
            tally.lost += lost.len();
            let mut lines = vec![error(format!(
                "redis-server ended ({}): the broker is gone; r starts it again",
                why_exited(code)
            ))];
            if !lost.is_empty() {
                lines.push(error(format!(
                    "{} task(s) waiting in its queue are lost with it (it keeps nothing on disk): {}",
                    lost.len(),
                    ids(&lost)
                )));
            }
            if !log.is_empty() {
                lines.push(note(None, format!("its log ends: {}", last_line(&log))));
            }
            lines
        }
        ClusterEvent::NodeStarted { id, name, pid } => {
            let c = app.cluster.concurrency;
            vec![info(
                node_line(stem(&name), c),
                format!("node {id} started: {name}, pid {pid}"),
            )]
        }
        ClusterEvent::NodeOnline { name, pid, local } => {
            keep_selection(&mut app.cluster);
            let whose = if local {
                String::new()
            } else {
                format!(
                    ", on another machine (pid {} there), seen by its events",
                    pid.map_or("?".into(), |p| p.to_string())
                )
            };
            vec![info(None, format!("{name} is online{whose}"))]
        }
        ClusterEvent::NodeOffline { name } => vec![info(
            None,
            // Celery's heart says it as the node stops, and also as its
            // consumer restarts after the broker was lost (it is then
            // back online at once).
            format!("{name} said worker-offline: stopping, or its broker connection restarting"),
        )],
        ClusterEvent::NodeSilent { name, held } => {
            let held_text = if held.is_empty() {
                "it held no task".to_string()
            } else {
                format!("it held {}", ids(&held))
            };
            vec![error(format!(
                "{name} stopped sending heartbeats (none for two of its intervals): {held_text}"
            ))]
        }
        ClusterEvent::NodeExited {
            name,
            pid,
            exitcode,
            how,
            held,
            log,
            ..
        } => {
            tally.node_ends += 1;
            let how_words = match how {
                NodeEnd::Stopped => "stopped warmly",
                NodeEnd::Killed => "killed (k)",
                NodeEnd::FromOutside => "ended from outside",
            };
            tally.last_end = Some(NodeEndNote {
                name: name.clone(),
                pid: Some(pid),
                how: how_words.into(),
                held: held.clone(),
            });
            let held_text = if held.is_empty() {
                "it held no task".to_string()
            } else {
                format!("it held {} task(s): {}", held.len(), ids(&held))
            };
            let level = if how == NodeEnd::Stopped {
                Level::Info
            } else {
                Level::Error
            };
            let mut lines = vec![line(
                None,
                format!(
                    "{name} (pid {pid}) {how_words}: exitcode {exitcode}, {}; {held_text}",
                    why_exited(exitcode)
                ),
                level,
            )];
            if !log.is_empty() {
                lines.push(note(None, format!("its log ends: {}", last_line(&log))));
            }
            lines
        }
        ClusterEvent::BatchSent {
            batch,
            count,
            took,
            python,
        } => vec![info(
            python,
            format!(
                "batch {batch}: {count} task messages on the queue in {} (one LPUSH)",
                duration(took)
            ),
        )],
        ClusterEvent::BatchNotSent { batch, reason } => {
            vec![error(format!("batch {batch} not sent: {reason}"))]
        }
        ClusterEvent::BatchDone {
            batch,
            count,
            wall,
            succeeded,
            failed,
            lost,
        } => {
            tally.batches_done += 1;
            let mut parts = vec![format!("{succeeded} succeeded")];
            if failed > 0 {
                parts.push(format!("{failed} failed"));
            }
            if lost > 0 {
                parts.push(format!("{lost} lost"));
            }
            vec![info(
                None,
                format!(
                    "batch {batch} done: {count} tasks in {}, {}",
                    duration(wall),
                    parts.join(", ")
                ),
            )]
        }
        ClusterEvent::TaskFailed {
            id,
            node,
            exception,
        } => vec![error(format!(
            "task {} failed on {node}: {exception}",
            short(&id)
        ))],
        ClusterEvent::TaskLost { id, node } => {
            tally.lost += 1;
            vec![error(format!(
                "task {} lost: {node} had acknowledged it as it started (acks_late off) and died \
                 running it; the broker no longer has it",
                short(&id)
            ))]
        }
        ClusterEvent::TaskAwaitingRedelivery { id, node, due_in } => {
            let when = match due_in {
                Some(d) if d.is_zero() => "back on the queue: the next free node takes it".into(),
                Some(d) => format!(
                    "unacknowledged in the broker: it goes to a node once the visibility \
                     timeout ({}) has passed, in {}",
                    secs(vt),
                    secs(d)
                ),
                None => "unacknowledged in the broker: it comes back after the visibility timeout"
                    .into(),
            };
            vec![note(None, format!("task {} of {node} is {when}", short(&id)))]
        }
        ClusterEvent::TaskRedelivered {
            id,
            from,
            to,
            after_death,
            after_delivery,
        } => {
            let text = match (after_delivery, after_death) {
                (Some(d), _) if d >= vt => format!(
                    "task {} redelivered to {to}, {} after {from} took it (visibility timeout {})",
                    short(&id),
                    secs(d),
                    secs(vt)
                ),
                (_, Some(d)) => format!(
                    "task {} given to {to}, {} after {from} ended",
                    short(&id),
                    secs(d)
                ),
                _ => format!("task {} given to {to} after {from}", short(&id)),
            };
            tally.redelivered(Redelivery {
                id,
                from,
                to,
                after_delivery,
            });
            vec![note(None, text)]
        }
        ClusterEvent::OverheadMeasured {
            tasks,
            wall,
            per_task,
        } => vec![info(
            None,
            format!(
                "the broker and Celery cost {} a task: {tasks} no-op tasks on 1 node in {}",
                duration(per_task),
                duration(wall)
            ),
        )],
        ClusterEvent::SpeedupMeasured {
            nodes,
            tasks,
            wall,
            speedup,
        } => vec![info(
            None,
            format!(
                "speedup: {tasks} tasks on {nodes} node(s) in {}{}",
                duration(wall),
                speedup.map_or(String::new(), |s| format!(", {s:.2}x over 1 node"))
            ),
        )],
        ClusterEvent::PoolMeasured {
            processes,
            tasks,
            wall,
            task,
        } => vec![info(
            pool_line(task, processes, tasks),
            format!(
                "the same {tasks} tasks with a Pool of {processes} processes on this machine: {}",
                duration(wall)
            ),
        )],
        ClusterEvent::SpeedupStopped { reason } => {
            vec![error(format!("the speedup run stopped: {reason}"))]
        }
        ClusterEvent::Garbled { why } => {
            vec![note(None, format!("an event could not be read: {why}"))]
        }
    }
}

fn last_line(log: &str) -> &str {
    log.lines().last().unwrap_or(log)
}

/// The help's lines: what Dask, Ray and Kubernetes would do with the
/// lab's job, and what proclab would show of each (none of them runs here).
pub fn help() -> Vec<String> {
    let fill = |c: Cluster| {
        c.fill(&[
            ("task", "count_primes"),
            ("arg", "300000"),
            ("n", "20"),
            ("port", "6379"),
        ])
    };
    let mut lines = vec![
        "The same job beyond Celery (the lab does not run these):".to_string(),
        "  Dask: a scheduler hands tasks to workers; a dead worker's go to others".into(),
    ];
    lines.extend(fill(Cluster::DaskMap).lines().map(|l| format!("    {l}")));
    lines.push("    proclab would show the workers as nodes, tasks moving off a dead one".into());
    lines.push("  Ray: each .remote() call is a task, retried 3 times if its worker dies".into());
    lines.extend(fill(Cluster::RayRemote).lines().map(|l| format!("    {l}")));
    lines.push("    proclab would show raylets as nodes, and the retries by task".into());
    lines.push("  Kubernetes: runs the nodes; a Deployment replaces a pod that dies".into());
    lines.push(format!(
        "    {}",
        Cluster::KubernetesScale.fill(&[("n", "4")])
    ));
    lines.push("    proclab would show each pod as a node joining the same broker".into());
    lines
}
/// The Pool run the speedup times beside the nodes, as Python:
/// `with Pool(2) as pool: pool.map(count_primes, [300000] * 20, chunksize=1)`.
pub fn pool_line(task: TaskKind, processes: usize, tasks: usize) -> String {
    Cluster::PoolPeer.fill(&[
        ("n", &processes.to_string()),
        ("task", task.function(false)),
        ("arg", &task.args_text()),
        ("items", &tasks.to_string()),
    ])
}

/// "Pool(2)", for the speedup table's rows.
pub fn pool_name(processes: usize) -> String {
    Cluster::PoolName.fill(&[("n", &processes.to_string())])
}

