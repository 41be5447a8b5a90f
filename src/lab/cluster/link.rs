//! The lab's side of the network: two threads of the controller that talk
//! to the broker, so that whoever drives the controller (the UI thread)
//! never waits on a socket. Every Redis call has a timeout; a broker that
//! is gone is reported as down and looked for again every half second.
//!
//! - The *broker* thread sends batches (the producer), reads the gauges
//!   (LLEN of the queue, kombu's `unacked` hash) five times a second, and
//!   asks the nodes for their `stats` over remote control (pidbox) every
//!   two seconds.
//! - The *events* thread follows the `celeryev` exchange with PSUBSCRIBE.
//!
//! Both hand what they found to the controller by channel ([`Report`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::events::{CeleryEvent, decode_events};
use super::producer::{Producer, connect};
use super::settings::BrokerUrl;
use super::stats::{NodeStats, StatsAsker};
use super::wire::{self, TaskSpec};

/// How long a connection may take to open.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// How long any one Redis call may take before the broker counts as gone.
pub const IO_TIMEOUT: Duration = Duration::from_secs(1);
/// How often a lost broker is looked for again.
pub const RECONNECT_EVERY: Duration = Duration::from_millis(500);
/// How often the gauges are read.
pub const GAUGES_EVERY: Duration = Duration::from_millis(200);
/// How often the nodes are asked for their stats.
pub const STATS_EVERY: Duration = Duration::from_secs(2);
/// How long a thread waits at most before it looks whether it must stop.
const STOP_CHECK: Duration = Duration::from_millis(200);
/// Above this many unacknowledged messages their ids are not read.
const UNACKED_READ_LIMIT: u64 = 1000;
/// Messages read at the queue's consuming end while the tail is watched.
const TAIL_READ: i64 = 64;

/// `ZRANGE ... WITHSCORES`: member and score.
type Scores = Vec<(String, f64)>;

/// A batch's number within the run.
pub type BatchId = u32;

/// What the controller asks of the broker thread.
pub enum Command {
    Send {
        batch: BatchId,
        tasks: Vec<TaskSpec>,
    },
    /// Ask the nodes for their stats now rather than at the next turn.
    Stats,
}

/// A message the broker holds as delivered but not acknowledged.
#[derive(Debug, Clone, PartialEq)]
pub struct Unacked {
    pub id: String,
    pub delivery_tag: String,
    /// When a node took it (the broker's clock, seconds since the epoch).
    pub since_epoch: Option<f64>,
}

/// One reading of the broker's gauges.
#[derive(Debug, Clone, PartialEq)]
pub struct Gauges {
    /// LLEN of the queue: tasks waiting for a node.
    pub depth: u64,
    /// HLEN of `unacked`: tasks taken by a node and not yet acknowledged.
    pub unacked: u64,
    /// Which ones (left empty above a thousand).
    pub held: Vec<Unacked>,
    /// The ids of the next tasks a node will take (the queue's consuming
    /// end), read only while [`Link::watch_tail`] is on.
    pub tail: Vec<String>,
    /// The tail was read (or the queue was empty): what is not in `held`
    /// nor in `tail` is neither unacknowledged nor about to be taken.
    pub tail_read: bool,
    /// When the reading was asked for.
    pub at: Instant,
}

/// What the threads found.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    Up,
    Down(String),
    Sent {
        batch: BatchId,
        count: usize,
        started: Instant,
        done: Instant,
    },
    SendFailed {
        batch: BatchId,
        reason: String,
    },
    Gauges(Gauges),
    Stats(NodeStats),
    Events(Vec<CeleryEvent>),
    /// A message on the events channel that could not be read.
    Garbled(String),
}

/// The two threads, and the channels to them.
pub struct Link {
    commands: Option<Sender<Command>>,
    reports: Receiver<Report>,
    stop: Arc<AtomicBool>,
    tail: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Link {
    pub fn start(url: &BrokerUrl) -> std::io::Result<Link> {
        let (commands, command_rx) = mpsc::channel();
        let (report_tx, reports) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let tail = Arc::new(AtomicBool::new(false));
        let broker = {
            let (url, tx, stop, tail) =
                (url.clone(), report_tx.clone(), stop.clone(), tail.clone());
            std::thread::Builder::new()
                .name("proclab-cluster-broker".into())
                .spawn(move || broker_loop(&url, &command_rx, &tx, &stop, &tail))?
        };
        let events = {
            let (url, stop) = (url.clone(), stop.clone());
            std::thread::Builder::new()
                .name("proclab-cluster-events".into())
                .spawn(move || events_loop(&url, &report_tx, &stop))?
        };
        Ok(Link {
            commands: Some(commands),
            reports,
            stop,
            tail,
            threads: vec![broker, events],
        })
    }

    /// Hands a command to the broker thread; never waits.
    pub fn ask(&self, command: Command) {
        if let Some(tx) = &self.commands {
            let _ = tx.send(command);
        }
    }

    /// Reads the ids at the queue's consuming end with each gauge reading,
    /// or stops: wanted while a dead node's tasks are being looked for.
    pub fn watch_tail(&self, on: bool) {
        self.tail.store(on, Ordering::Relaxed);
    }

    /// What the threads reported since the last look.
    pub fn reports(&self) -> Vec<Report> {
        self.reports.try_iter().collect()
    }

    /// Stops both threads and waits for them (at most about a second,
    /// the timeout of a call under way).
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.commands = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.stop();
    }
}

fn broker_loop(
    url: &BrokerUrl,
    rx: &Receiver<Command>,
    tx: &Sender<Report>,
    stop: &AtomicBool,
    tail: &AtomicBool,
) {
    let mut producer: Option<Producer> = None;
    let stats = StatsAsker::new(url.db);
    let mut reported_up: Option<bool> = None;
    let mut next_connect = Instant::now();
    let mut next_gauges = Instant::now();
    let mut next_stats = Instant::now();
    let report = |r: Report| tx.send(r).is_ok();
    while !stop.load(Ordering::Relaxed) {
        if producer.is_none() && Instant::now() >= next_connect {
            match Producer::connect(url) {
                Ok(p) => {
                    producer = Some(p);
                    if reported_up != Some(true) && !report(Report::Up) {
                        return;
                    }
                    reported_up = Some(true);
                    next_gauges = Instant::now();
                }
                Err(e) => {
                    if reported_up != Some(false) && !report(Report::Down(e.to_string())) {
                        return;
                    }
                    reported_up = Some(false);
                    next_connect = Instant::now() + RECONNECT_EVERY;
                }
            }
        }
        let wait = next_gauges
            .saturating_duration_since(Instant::now())
            .min(STOP_CHECK);
        let mut failed: Option<String> = None;
        match rx.recv_timeout(wait) {
            Ok(Command::Send { batch, tasks }) => {
                // Not connected: the broker may have come up since the
                // last try (a batch sent just after the lab opened), so
                // try once more before the batch is refused.
                if producer.is_none()
                    && let Ok(p) = Producer::connect(url)
                {
                    producer = Some(p);
                    if reported_up != Some(true) && !report(Report::Up) {
                        return;
                    }
                    reported_up = Some(true);
                    next_gauges = Instant::now();
                }
                let sent = match producer.as_mut() {
                    Some(p) => {
                        let started = Instant::now();
                        match p.push(&tasks) {
                            Ok(()) => Report::Sent {
                                batch,
                                count: tasks.len(),
                                started,
                                done: Instant::now(),
                            },
                            Err(e) => {
                                failed = Some(e.to_string());
                                Report::SendFailed {
                                    batch,
                                    reason: e.to_string(),
                                }
                            }
                        }
                    }
                    None => Report::SendFailed {
                        batch,
                        reason: "the broker is unreachable".into(),
                    },
                };
                if !report(sent) {
                    return;
                }
            }
            Ok(Command::Stats) => next_stats = Instant::now(),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if let (Some(p), None) = (producer.as_mut(), &failed) {
            if Instant::now() >= next_gauges {
                next_gauges = Instant::now() + GAUGES_EVERY;
                match read_gauges(p, &stats, tail.load(Ordering::Relaxed)) {
                    Ok((gauges, replies)) => {
                        let mut ok = report(Report::Gauges(gauges));
                        for r in replies {
                            ok &= report(Report::Stats(r));
                        }
                        if !ok {
                            return;
                        }
                    }
                    Err(e) => failed = Some(e.to_string()),
                }
            }
            if failed.is_none() && Instant::now() >= next_stats {
                next_stats = Instant::now() + STATS_EVERY;
                if let Err(e) = stats.ask(p.connection()) {
                    failed = Some(e.to_string());
                }
            }
        }
        if let Some(reason) = failed {
            producer = None;
            next_connect = Instant::now() + RECONNECT_EVERY;
            if !report(Report::Down(reason)) {
                return;
            }
            reported_up = Some(false);
        }
    }
    if let Some(p) = producer.as_mut() {
        // On someone else's broker, leave no reply queue of ours behind.
        stats.forget(p.connection());
    }
}

/// LLEN, HLEN and (when few) which messages are unacknowledged, plus the
/// stats replies that came since the last look.
fn read_gauges(
    p: &mut Producer,
    stats: &StatsAsker,
    want_tail: bool,
) -> redis::RedisResult<(Gauges, Vec<NodeStats>)> {
    let at = Instant::now();
    let con = p.connection();
    let (depth, unacked): (u64, u64) = redis::pipe()
        .cmd("LLEN")
        .arg(wire::QUEUE)
        .cmd("HLEN")
        .arg(wire::UNACKED)
        .query(con)?;
    let mut held = Vec::new();
    if unacked > 0 && unacked <= UNACKED_READ_LIMIT {
        let (entries, since): (Vec<(String, Vec<u8>)>, Scores) = redis::pipe()
            .cmd("HGETALL")
            .arg(wire::UNACKED)
            .cmd("ZRANGE")
            .arg(wire::UNACKED_INDEX)
            .arg(0)
            .arg(-1)
            .arg("WITHSCORES")
            .query(con)?;
        for (tag, raw) in entries {
            let Ok(envelope) = wire::decode_unacked(&raw) else {
                continue;
            };
            let Some(id) = envelope.task_id() else {
                continue;
            };
            let since_epoch = since.iter().find(|(t, _)| *t == tag).map(|&(_, s)| s);
            held.push(Unacked {
                id: id.to_string(),
                delivery_tag: tag,
                since_epoch,
            });
        }
    }
    let mut tail = Vec::new();
    let tail_read = want_tail || depth == 0;
    if want_tail && depth > 0 {
        let raw: Vec<Vec<u8>> = redis::cmd("LRANGE")
            .arg(wire::QUEUE)
            .arg(-TAIL_READ)
            .arg(-1)
            .query(con)?;
        tail = raw
            .iter()
            .filter_map(|r| wire::decode(r).ok())
            .filter_map(|e| e.task_id().map(str::to_string))
            .collect();
    }
    let replies = stats.collect(con)?;
    let gauges = Gauges {
        depth,
        unacked,
        held,
        tail,
        tail_read,
        at,
    };
    Ok((gauges, replies))
}

fn events_loop(url: &BrokerUrl, tx: &Sender<Report>, stop: &AtomicBool) {
    let patterns = [
        wire::fanout_channel(url.db, "celeryev", "*"),
        wire::fanout_channel(url.db, "celeryev", ""),
    ];
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut con) = connect(url) else {
            sleep_unless_stopped(RECONNECT_EVERY, stop);
            continue;
        };
        let mut pubsub = con.as_pubsub();
        if pubsub.psubscribe(&patterns).is_err()
            || pubsub.set_read_timeout(Some(STOP_CHECK)).is_err()
        {
            sleep_unless_stopped(RECONNECT_EVERY, stop);
            continue;
        }
        while !stop.load(Ordering::Relaxed) {
            let message = match pubsub.get_message() {
                Ok(m) => m,
                Err(e) if e.is_timeout() => continue,
                Err(_) => break,
            };
            let report = match wire::decode(message.get_payload_bytes()) {
                Ok(envelope) => Report::Events(decode_events(&envelope.body)),
                Err(why) => Report::Garbled(why),
            };
            if tx.send(report).is_err() {
                return;
            }
        }
    }
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let end = Instant::now() + total;
    while !stop.load(Ordering::Relaxed) && Instant::now() < end {
        std::thread::sleep(STOP_CHECK.min(end.saturating_duration_since(Instant::now())));
    }
}
