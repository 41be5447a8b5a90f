//! What the instrumentation has told of a program, folded from its
//! [`Report`]s into plain state a view can draw: processes by pid, queues
//! with their depth over time, shared values, pools and who took which
//! task, pipes and who closed which end, and a log of the program's own
//! multiprocessing events with their `file:line`.

use std::collections::{BTreeMap, VecDeque};

use super::listener::Report;
use super::wire::{Call, Event, Made, ProcessInfo, Site, Tasks, Wait};

/// Points of depth history kept per queue.
pub const DEPTH_HISTORY: usize = 1000;
/// Log entries kept; the oldest go first.
pub const LOG_LIMIT: usize = 10_000;
/// Reports kept while waiting for the object they are about (a worker's
/// tasks can arrive before its parent's word that the Pool was made).
pub const PENDING_LIMIT: usize = 10_000;

/// What a process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A Python process not started by multiprocessing: the program itself,
    /// or one it ran with subprocess.
    Python,
    /// A child of `os.fork()` that is not (or not yet known as) a Process.
    Forked,
    /// A spawned child that has not yet said which Process it is.
    Spawned,
    Process,
    PoolWorker,
    /// A Manager's server process.
    Manager,
    ResourceTracker,
    Forkserver,
}

impl Role {
    fn from_wire(s: &str) -> Role {
        match s {
            "fork" => Role::Forked,
            "spawn" => Role::Spawned,
            "process" => Role::Process,
            "pool_worker" => Role::PoolWorker,
            "manager" => Role::Manager,
            "resource_tracker" => Role::ResourceTracker,
            "forkserver" => Role::Forkserver,
            _ => Role::Python,
        }
    }
}

/// One process of the program.
#[derive(Debug, Clone, PartialEq)]
pub struct Proc {
    pub pid: u32,
    pub ppid: Option<u32>,
    pub role: Role,
    /// The Process name (`Process-1`, `ForkPoolWorker-2`, `SyncManager-1`).
    pub name: Option<String>,
    /// `module.qualname` of the Process target.
    pub target: Option<String>,
    pub daemon: bool,
    /// `fork`, `spawn` or `forkserver`.
    pub method: Option<String>,
    /// Where the program started it.
    pub started_at: Option<Site>,
    /// Python's version, the build (free-threaded) and whether the GIL is on.
    pub python: Option<String>,
    pub free_threaded: bool,
    pub gil: bool,
    pub argv: Vec<String>,
    /// The instrumentation's own thread, to leave out of the GIL verdict.
    pub sender_tid: Option<u32>,
    /// Connected now.
    pub connected: bool,
    /// The exit code the process itself reported as it ended (none if it
    /// was killed by a signal, or is not a Process).
    pub exit_code: Option<i32>,
    /// The exit code its parent learned (`p.exitcode`), once it did.
    pub exitcode: Option<i32>,
    /// The parent has reaped it (so it is no zombie), and by which call.
    pub reaped_by: Option<String>,
    pub joined: bool,
    /// The pool it works for, by the pool's id.
    pub pool: Option<String>,
    /// Its threads waiting in blocking calls, as last reported.
    pub waits: Vec<Wait>,
}

impl Proc {
    fn new(pid: u32) -> Proc {
        Proc {
            pid,
            ppid: None,
            role: Role::Python,
            name: None,
            target: None,
            daemon: false,
            method: None,
            started_at: None,
            python: None,
            free_threaded: false,
            gil: true,
            argv: Vec::new(),
            sender_tid: None,
            connected: false,
            exit_code: None,
            exitcode: None,
            reaped_by: None,
            joined: false,
            pool: None,
            waits: Vec::new(),
        }
    }

    fn describe(&mut self, p: &ProcessInfo) {
        self.name = p.name.clone().or(self.name.take());
        self.target = p.target.clone().or(self.target.take());
        self.daemon = p.daemon;
        self.method = p.method.clone().or(self.method.take());
        if let Some(role) = &p.role {
            self.role = Role::from_wire(role);
        }
    }
}

/// A queue made by the program.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    pub id: String,
    /// `Queue`, `JoinableQueue` or `SimpleQueue`.
    pub kind: String,
    pub maxsize: Option<i64>,
    pub made_at: Option<Site>,
    pub made_by: u32,
    /// Queue, JoinableQueue: puts minus gets across the processes, as
    /// the queue's semaphore counts them, read by the process that made it.
    pub size: Option<i64>,
    /// JoinableQueue: puts not yet matched by a task_done().
    pub unfinished: Option<i64>,
    /// SimpleQueue: each process's total puts and gets.
    pub counts: BTreeMap<u32, (u64, u64)>,
    /// (time, depth) after each change.
    pub history: VecDeque<(f64, i64)>,
}

impl Queue {
    /// A queue known so far only by its counts.
    fn unknown(id: &str) -> Queue {
        Queue {
            id: id.to_string(),
            kind: "Queue".into(),
            maxsize: None,
            made_at: None,
            made_by: 0,
            size: None,
            unfinished: None,
            counts: BTreeMap::new(),
            history: VecDeque::new(),
        }
    }

    pub fn puts(&self) -> u64 {
        self.counts.values().map(|c| c.0).sum()
    }

    pub fn gets(&self) -> u64 {
        self.counts.values().map(|c| c.1).sum()
    }

    /// Puts minus gets across the processes: the sampled size of a Queue,
    /// the counts' difference for a SimpleQueue. Counts arrive from each
    /// process every 0.1 s or so, so for a moment a get may be known before its
    /// put: a SimpleQueue's depth can dip below zero while items move.
    pub fn depth(&self) -> i64 {
        self.size
            .unwrap_or_else(|| self.puts() as i64 - self.gets() as i64)
    }
}

/// A Value, Array, RawValue or RawArray.
#[derive(Debug, Clone, PartialEq)]
pub struct Shared {
    pub made: Made,
    pub made_by: u32,
    pub value: serde_json::Value,
}

/// One Pool job: a map, imap, apply_async... call.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Job {
    pub call: Option<Call>,
    /// Chunk ranges each worker took.
    pub taken: BTreeMap<u32, Vec<(u64, u64)>>,
    /// Items taken, chunks done and failed, per worker.
    pub items: BTreeMap<u32, u64>,
    pub done: BTreeMap<u32, u64>,
    pub failed: BTreeMap<u32, u64>,
}

/// A Pool made by the program.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    pub made: Made,
    pub made_by: u32,
    /// Jobs by number (per pool owner).
    pub jobs: BTreeMap<u64, Job>,
}

/// A Pipe made by the program, and who closed which end where.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipe {
    pub made: Made,
    pub made_by: u32,
    /// (pid, end 0 or 1, where).
    pub closed: Vec<(u32, usize, Option<Site>)>,
}

/// One line of the program's log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub time: f64,
    pub pid: u32,
    pub event: Event,
}

/// Everything known of the program.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Program {
    pub processes: BTreeMap<u32, Proc>,
    pub queues: BTreeMap<String, Queue>,
    pub shared: BTreeMap<String, Shared>,
    pub pools: BTreeMap<String, Pool>,
    pub pipes: BTreeMap<String, Pipe>,
    /// Locks, semaphores, events, barriers, conditions and managers.
    pub objects: BTreeMap<String, (Made, u32)>,
    /// Ordered by time.
    pub log: VecDeque<LogEntry>,
    /// Events that processes could not send or proclab could not read.
    pub dropped: u64,
    /// Reports from one process about an object another process has not
    /// yet said it made: (pid, time, event).
    pending: Vec<(u32, f64, Event)>,
}

impl Program {
    pub fn new() -> Program {
        Program::default()
    }

    fn proc(&mut self, pid: u32) -> &mut Proc {
        self.processes.entry(pid).or_insert_with(|| Proc::new(pid))
    }

    /// Folds one report in.
    pub fn apply(&mut self, report: Report) {
        match report {
            Report::Event { pid, time, event } => self.event(pid, time, event),
            Report::Closed { pid } => self.proc(pid).connected = false,
            Report::Dropped { count, .. } => self.dropped += count,
        }
    }

    fn event(&mut self, pid: u32, time: f64, event: Event) {
        let logged = match &event {
            Event::Hello(h) => {
                let p = self.proc(pid);
                p.ppid = Some(h.ppid);
                if p.role == Role::Python {
                    p.role = Role::from_wire(&h.role);
                }
                p.python = Some(h.py.clone());
                p.free_threaded = h.ft;
                p.gil = h.gil;
                p.argv = h.argv.clone();
                p.connected = true;
                false
            }
            Event::Thread { tid, .. } => {
                self.proc(pid).sender_tid = Some(*tid);
                false
            }
            Event::Out { .. } => false,
            Event::Start(info) => {
                if let Some(child) = info.pid {
                    let c = self.proc(child);
                    c.describe(info);
                    c.started_at = info.at.clone();
                    c.ppid.get_or_insert(pid);
                }
                true
            }
            Event::Proc(info) => {
                self.proc(pid).describe(info);
                true
            }
            Event::Exit { code, .. } => {
                self.proc(pid).exit_code = *code;
                true
            }
            Event::Join {
                pid: Some(child),
                exitcode,
                ..
            } => {
                let c = self.proc(*child);
                c.joined = exitcode.is_some() || c.joined;
                c.exitcode = exitcode.or(c.exitcode);
                true
            }
            Event::Reaped {
                pid: Some(child),
                exitcode,
                via,
                ..
            } => {
                let c = self.proc(*child);
                c.exitcode = *exitcode;
                c.reaped_by = Some(via.clone().unwrap_or_default());
                true
            }
            Event::Join { .. } | Event::Reaped { .. } => true,
            Event::Terminate { .. } | Event::Kill { .. } => true,
            Event::Made(m) => self.made(pid, m),
            Event::Q {
                id,
                put,
                get,
                size,
                unfinished,
            } => {
                // A child's report can come before its parent's "made".
                let q = self
                    .queues
                    .entry(id.clone())
                    .or_insert_with(|| Queue::unknown(id));
                if let (Some(put), Some(get)) = (put, get) {
                    q.counts.insert(pid, (*put, *get));
                }
                q.size = size.or(q.size);
                q.unfinished = unfinished.or(q.unfinished);
                let depth = q.depth();
                if q.history.len() >= DEPTH_HISTORY {
                    q.history.pop_front();
                }
                q.history.push_back((time, depth));
                false
            }
            Event::Val { id, value } => {
                if let Some(s) = self.shared.get_mut(id) {
                    s.value = value.clone();
                }
                false
            }
            Event::Call(c) => {
                let pool = c.pool.as_ref().and_then(|p| self.pools.get_mut(p));
                if let (Some(pool), Some(job)) = (pool, c.job) {
                    pool.jobs.entry(job).or_default().call = Some((**c).clone());
                }
                true
            }
            Event::Worker { inq, .. } => {
                match self.pool_of(inq.as_deref()) {
                    Some(pool) => self.proc(pid).pool = Some(pool),
                    None => self.wait_for_made(pid, time, &event),
                }
                false
            }
            Event::Tasks(t) => {
                if !self.tasks(pid, t) {
                    self.wait_for_made(pid, time, &event);
                }
                false
            }
            Event::Close { ino, r, w, at, .. } => {
                let known = self.closed(pid, *ino, *r, *w, at);
                if !known {
                    self.wait_for_made(pid, time, &event);
                }
                known
            }
            Event::Waits { w, .. } => {
                self.proc(pid).waits = w.clone();
                false
            }
            Event::Dropped { n, .. } => {
                self.dropped += n;
                false
            }
        };
        if logged {
            self.log(LogEntry { time, pid, event });
        }
    }

    fn wait_for_made(&mut self, pid: u32, time: f64, event: &Event) {
        if self.pending.len() < PENDING_LIMIT {
            self.pending.push((pid, time, event.clone()));
        } else {
            self.dropped += 1;
        }
    }

    /// Replays the reports that waited for an object now made.
    fn replay_pending(&mut self) {
        for (pid, time, event) in std::mem::take(&mut self.pending) {
            self.event(pid, time, event);
        }
    }

    fn made(&mut self, pid: u32, m: &Made) -> bool {
        let id = m.id.clone();
        match m.what.as_str() {
            "Queue" | "JoinableQueue" | "SimpleQueue" => {
                let q = self
                    .queues
                    .entry(id.clone())
                    .or_insert_with(|| Queue::unknown(&id));
                q.kind = m.what.clone();
                q.maxsize = m.maxsize;
                q.made_at = m.at.clone();
                q.made_by = pid;
            }
            "Value" | "Array" | "RawValue" | "RawArray" => {
                let value = m.value.clone().unwrap_or(serde_json::Value::Null);
                self.shared.insert(
                    id,
                    Shared {
                        made: m.clone(),
                        made_by: pid,
                        value,
                    },
                );
            }
            "Pool" | "ThreadPool" => {
                for w in &m.workers {
                    self.proc(*w).pool = Some(id.clone());
                }
                let pool = Pool {
                    made: m.clone(),
                    made_by: pid,
                    jobs: BTreeMap::new(),
                };
                self.pools.insert(id, pool);
                self.replay_pending();
            }
            "Pipe" => {
                let pipe = Pipe {
                    made: m.clone(),
                    made_by: pid,
                    closed: Vec::new(),
                };
                self.pipes.insert(id, pipe);
                self.replay_pending();
            }
            _ => {
                if let Some(server) = m.server {
                    self.proc(server).role = Role::Manager;
                }
                self.objects.insert(id, (m.clone(), pid));
            }
        }
        true
    }

    fn pool_of(&self, inq: Option<&str>) -> Option<String> {
        let inq = inq?;
        self.pools
            .iter()
            .find(|(_, p)| p.made.inq.as_deref() == Some(inq))
            .map(|(id, _)| id.clone())
    }

    /// False when the pool is not known (yet).
    fn tasks(&mut self, pid: u32, t: &Tasks) -> bool {
        let Some(pool) = self.pool_of(t.inq.as_deref()) else {
            return false;
        };
        let Some(pool) = self.pools.get_mut(&pool) else {
            return false;
        };
        let job = pool.jobs.entry(t.job).or_default();
        job.taken
            .entry(pid)
            .or_default()
            .extend(t.took.iter().copied());
        *job.items.entry(pid).or_default() += t.items;
        *job.done.entry(pid).or_default() += t.done;
        *job.failed.entry(pid).or_default() += t.failed;
        true
    }

    /// A Connection end closed: logged when it is an end of a known Pipe.
    fn closed(&mut self, pid: u32, ino: u64, r: bool, w: bool, at: &Option<Site>) -> bool {
        for pipe in self.pipes.values_mut() {
            let ends = &pipe.made.ends;
            let end = if pipe.made.duplex == Some(false) {
                // One OS pipe: end 0 reads, end 1 writes.
                (ends.first() == Some(&Some(ino))).then_some(if r && !w { 0 } else { 1 })
            } else {
                ends.iter().position(|e| *e == Some(ino))
            };
            if let Some(end) = end {
                pipe.closed.push((pid, end, at.clone()));
                return true;
            }
        }
        false
    }

    fn log(&mut self, entry: LogEntry) {
        if self.log.len() >= LOG_LIMIT {
            self.log.pop_front();
        }
        // Processes report in batches: keep the log in time order.
        let at = self
            .log
            .iter()
            .rposition(|e| e.time <= entry.time)
            .map_or(0, |i| i + 1);
        self.log.insert(at, entry);
    }

    /// Who waits on an object (a queue's id, a child's pid), and how.
    pub fn waiting_on<'a>(&'a self, obj: &'a str) -> impl Iterator<Item = (u32, &'a Wait)> + 'a {
        self.processes.values().flat_map(move |p| {
            p.waits
                .iter()
                .filter(move |w| w.obj.as_deref() == Some(obj))
                .map(move |w| (p.pid, w))
        })
    }

    /// The log lines of one kind, in order.
    pub fn log_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a LogEntry> + 'a {
        self.log.iter().filter(move |e| kind_of(&e.event) == kind)
    }
}

/// An event's kind, as on the wire.
pub fn kind_of(event: &Event) -> &'static str {
    match event {
        Event::Hello(_) => "hello",
        Event::Out { .. } => "out",
        Event::Thread { .. } => "thread",
        Event::Start(_) => "start",
        Event::Proc(_) => "proc",
        Event::Exit { .. } => "exit",
        Event::Join { .. } => "join",
        Event::Terminate { .. } => "terminate",
        Event::Kill { .. } => "kill",
        Event::Reaped { .. } => "reaped",
        Event::Made(_) => "made",
        Event::Q { .. } => "q",
        Event::Val { .. } => "val",
        Event::Call(_) => "call",
        Event::Worker { .. } => "worker",
        Event::Tasks(_) => "tasks",
        Event::Close { .. } => "close",
        Event::Waits { .. } => "waits",
        Event::Dropped { .. } => "dropped",
    }
}

/// Where an event happened in the program, if it says.
pub fn site_of(event: &Event) -> Option<&Site> {
    match event {
        Event::Start(p) | Event::Proc(p) => p.at.as_ref(),
        Event::Made(m) => m.at.as_ref(),
        Event::Call(c) => c.at.as_ref(),
        Event::Join { at, .. }
        | Event::Terminate { at, .. }
        | Event::Kill { at, .. }
        | Event::Reaped { at, .. }
        | Event::Close { at, .. } => at.as_ref(),
        _ => None,
    }
}
