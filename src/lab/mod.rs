//! The engine: real worker processes, their shared region, and their lifecycle.
//!
//! [`Lab`] mirrors Python's `multiprocessing.Process` on a set of workers:
//! `start`, `terminate`, `kill`, `join`, `is_alive`, `exitcode`, `daemon`,
//! plus pause and resume (`os.kill(p.pid, SIGSTOP)` / `SIGCONT`). It knows
//! nothing of the terminal: tests, examples and the UI all drive it the same
//! way. Workers are this program re-executed with the hidden `worker`
//! subcommand; see [`worker`].

pub mod clock;
pub mod comms;
pub mod controller;
pub mod engine;
pub mod hold;
pub mod locks;
pub mod process;
pub mod role;
pub mod shm;
pub mod slot;
mod supervisor;
pub mod waitable;
pub mod work;
pub mod worker;

// Each lab's engine part: `pub mod gil;`, `pub mod queue;`, ... one per
// line of the registry.
macro_rules! lab_modules {
    ($( ($Lab:ident, $m:ident, $($rest:tt)*) ),* $(,)?) => {
        $( pub mod $m; )*
    };
}
crate::registry::for_each_lab!(lab_modules);

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use command_fds::{CommandFdExt, FdMapping};
use rustix::process::Signal;

pub use self::hold::{Held, Hold};
use self::process::ChildProcess;
pub use self::role::Role;
use self::shm::{Region, RegionError, WORKER_SHM_FD};
use self::slot::{Control, Phase};
pub use self::supervisor::Spawner;
use self::supervisor::Supervisor;
pub use self::work::Workload;
use self::worker::WorkerArgs;

/// A worker's number, from 1, as in Python's `Process-1`.
pub type WorkerId = u32;

/// The default cap on live workers.
pub const DEFAULT_MAX_WORKERS: usize = 256;
/// The largest cap proclab accepts.
pub const MAX_WORKERS_LIMIT: usize = 4096;
/// The first fd at which a worker finds the fds handed to it by
/// [`Lab::start_with_fds`].
pub const WORKER_EXTRA_FD: i32 = WORKER_SHM_FD + 1;
/// How long non-daemon workers get to act on SIGTERM at shutdown.
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// How the engine is set up.
#[derive(Debug, Clone)]
pub struct LabConfig {
    /// The executable re-run as a worker (proclab itself unless told otherwise).
    pub worker_exe: PathBuf,
    /// Cap on workers that have not been joined.
    pub max_workers: usize,
    /// Reap workers as soon as they end, so no zombie is ever seen.
    pub auto_join: bool,
    /// What new workers run unless told otherwise.
    pub defaults: StartOptions,
    /// Busy-loop turns per millisecond; measured at start when None.
    pub iters_per_ms: Option<u64>,
    /// Items a pool job may have: the pool's section of the region is sized for them.
    pub pool_items: usize,
}

impl LabConfig {
    /// A config that re-runs the current executable as the worker.
    pub fn new() -> LabConfig {
        LabConfig {
            worker_exe: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("proclab")),
            max_workers: DEFAULT_MAX_WORKERS,
            auto_join: false,
            defaults: StartOptions::default(),
            iters_per_ms: None,
            pool_items: pool::DEFAULT_ITEMS,
        }
    }

    pub fn with_exe(exe: impl Into<PathBuf>) -> LabConfig {
        LabConfig {
            worker_exe: exe.into(),
            ..LabConfig::new()
        }
    }
}

impl Default for LabConfig {
    fn default() -> Self {
        LabConfig::new()
    }
}

/// What one worker runs: `Process(target=..., daemon=...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartOptions {
    pub role: Role,
    pub workload: Workload,
    /// Tasks before the worker returns (exitcode 0); forever when None.
    pub tasks: Option<u64>,
    /// Wall time of one task.
    pub task_ms: u64,
    pub daemon: bool,
}

impl Default for StartOptions {
    fn default() -> Self {
        StartOptions {
            role: Role::Tasks,
            workload: Workload::Cpu,
            tasks: None,
            task_ms: 1000,
            daemon: false,
        }
    }
}

/// Where a worker is in its life, as Python would see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `is_alive()` is true. `paused` is proclab's own record of SIGSTOP.
    Alive { paused: bool },
    /// Ended and not yet joined: a zombie, holding its exitcode.
    Exited(i32),
    /// Joined (reaped).
    Joined(i32),
}

impl Status {
    pub fn exitcode(self) -> Option<i32> {
        match self {
            Status::Alive { .. } => None,
            Status::Exited(c) | Status::Joined(c) => Some(c),
        }
    }

    pub fn is_alive(self) -> bool {
        matches!(self, Status::Alive { .. })
    }
}

/// Something that happened to a worker without being asked this instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabEvent {
    /// The worker ended; it is a zombie until joined.
    Exited {
        id: WorkerId,
        pid: u32,
        exitcode: i32,
    },
    /// The worker was reaped (by a pending join or by auto-join).
    Joined {
        id: WorkerId,
        pid: u32,
        exitcode: i32,
    },
}

impl LabEvent {
    /// The worker it is about.
    pub fn id(&self) -> WorkerId {
        match self {
            LabEvent::Exited { id, .. } | LabEvent::Joined { id, .. } => *id,
        }
    }
}

/// What `terminate` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terminated {
    /// The worker is stopped (paused, or stopped from outside): SIGTERM
    /// stays pending until it is continued, as in Python.
    pub pending: bool,
}

/// What a non-blocking join found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinOutcome {
    /// Reaped now, with this exitcode.
    Joined(i32),
    /// Still running: it will be reaped the moment it ends.
    Pending,
}

/// A plain copy of one worker's state, for display.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerSnapshot {
    pub id: WorkerId,
    pub pid: u32,
    pub role: Role,
    pub status: Status,
    pub daemon: bool,
    pub workload: Workload,
    pub phase: Phase,
    pub tasks_done: u64,
    /// Progress of the current task, 0..=1.
    pub progress: f64,
    /// `j` was pressed while it ran: it is reaped when it ends.
    pub join_pending: bool,
    /// Time since the worker last reported, while alive.
    pub heartbeat_age: Option<Duration>,
    /// SIGTERM was sent to it while it lived (`terminate()`): while it is
    /// stopped, the signal waits.
    pub sigterm_sent: bool,
    /// What it waits on, in its role's terms (0: nothing).
    pub wait: u32,
    /// Its role's own count.
    pub aux: u64,
}

/// What the start of a quit did ([`Lab::begin_exit`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExitBegun {
    /// The daemons sent SIGTERM.
    pub daemons: Vec<WorkerId>,
    /// The workers a Python parent would now wait for.
    pub waited: Vec<WorkerId>,
}

/// What shutting down did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShutdownReport {
    pub terminated: usize,
    pub killed: usize,
    pub joined: usize,
}

#[derive(Debug, thiserror::Error)]
// Each message holds its reason, so none is also a `source`: a report
// that prints the chain would say it twice.
pub enum LabError {
    #[error(
        "cannot start another worker: the cap of {0} workers not yet joined is reached (--max-workers)"
    )]
    Cap(usize),
    #[error("cannot start a worker from {exe}: {error}")]
    Spawn { exe: String, error: std::io::Error },
    #[error("there is no worker {0}")]
    NoSuchWorker(WorkerId),
    #[error("worker {0} has already exited")]
    NotAlive(WorkerId),
    #[error("cannot send {signal} to worker {id}: {error}")]
    Signal {
        id: WorkerId,
        signal: &'static str,
        error: std::io::Error,
    },
    #[error("cannot join worker {id}: {error}")]
    Join { id: WorkerId, error: std::io::Error },
    #[error(transparent)]
    Region(#[from] RegionError),
    #[error("cannot start the supervisor thread: {0}")]
    Supervisor(std::io::Error),
}

struct Worker {
    id: WorkerId,
    /// Index of the worker's slot while it is not joined.
    slot: Option<usize>,
    options: StartOptions,
    process: ChildProcess,
    paused: bool,
    join_pending: bool,
    /// SIGTERM was sent to it (see [`WorkerSnapshot::sigterm_sent`]).
    sigterm_sent: bool,
    /// Set once `Exited` has been reported by `poll`.
    exit_reported: bool,
    /// Slot figures kept at join, when the slot is handed back.
    final_tasks: u64,
    final_phase: Phase,
    final_aux: u64,
    /// Why proclab itself keeps it paused ([`Hold`] bits); 0 when the
    /// user paused it, or nothing holds it.
    holds: u8,
    /// The lab whose code started it (see [`Lab::set_acting`]).
    owner: Option<&'static str>,
}

impl Worker {
    fn status(&self) -> Status {
        match self.process.exitcode() {
            None => Status::Alive {
                paused: self.paused,
            },
            Some(c) if self.process.is_reaped() => Status::Joined(c),
            Some(c) => Status::Exited(c),
        }
    }
}

/// The engine.
pub struct Lab {
    config: LabConfig,
    workers: Vec<Worker>,
    free_slots: Vec<usize>,
    next_id: WorkerId,
    // Declared before `region` so workers are stopped before it is unmapped;
    // Drop stops workers explicitly anyway.
    supervisor: Supervisor,
    region: Region,
    shut_down: bool,
    /// The lab on whose behalf workers are started now.
    acting: Option<&'static str>,
}

fn sig_name(sig: Signal) -> &'static str {
    match sig {
        Signal::STOP => "SIGSTOP",
        Signal::CONT => "SIGCONT",
        Signal::TERM => "SIGTERM",
        Signal::KILL => "SIGKILL",
        _ => "a signal",
    }
}

impl Lab {
    /// Creates the shared region, measures the busy loop, starts the supervisor.
    pub fn new(config: LabConfig) -> Result<Lab, LabError> {
        let max = config.max_workers.clamp(1, MAX_WORKERS_LIMIT);
        let pool_items = config.pool_items.clamp(1, pool::MAX_ITEMS);
        let region = Region::create_sized(max, pool_items)?;
        let per_ms = config.iters_per_ms.unwrap_or_else(work::calibrate);
        region.set_iters_per_ms(per_ms);
        let supervisor = Supervisor::start().map_err(LabError::Supervisor)?;
        Ok(Lab {
            config: LabConfig {
                max_workers: max,
                pool_items,
                ..config
            },
            workers: Vec::new(),
            // Popped from the end: slot 0 first.
            free_slots: (0..max).rev().collect(),
            next_id: 1,
            supervisor,
            region,
            shut_down: false,
            acting: None,
        })
    }

    pub fn config(&self) -> &LabConfig {
        &self.config
    }

    pub fn region(&self) -> &Region {
        &self.region
    }

    pub fn set_auto_join(&mut self, on: bool) {
        self.config.auto_join = on;
    }

    /// `Process(...).start()` with the configured defaults.
    pub fn start(&mut self) -> Result<WorkerId, LabError> {
        self.start_with(self.config.defaults)
    }

    /// `Process(...).start()`.
    pub fn start_with(&mut self, options: StartOptions) -> Result<WorkerId, LabError> {
        self.start_with_fds(options, Vec::new())
    }

    /// `Process(...).start()` handing the worker `fds` (the ends of a pipe,
    /// say), which it finds at [`WORKER_EXTRA_FD`] onwards. proclab's own
    /// copies are closed once the worker has them.
    pub fn start_with_fds(
        &mut self,
        options: StartOptions,
        fds: Vec<std::os::fd::OwnedFd>,
    ) -> Result<WorkerId, LabError> {
        let Some(slot) = self.free_slots.pop() else {
            return Err(LabError::Cap(self.config.max_workers));
        };
        match self.spawn_in_slot(slot, options, fds) {
            Ok(process) => {
                let id = self.next_id;
                self.next_id += 1;
                self.workers.push(Worker {
                    id,
                    slot: Some(slot),
                    options,
                    process,
                    paused: false,
                    join_pending: false,
                    sigterm_sent: false,
                    exit_reported: false,
                    final_tasks: 0,
                    final_phase: Phase::Starting,
                    final_aux: 0,
                    holds: 0,
                    owner: self.acting,
                });
                Ok(id)
            }
            Err(error) => {
                self.free_slots.push(slot);
                Err(LabError::Spawn {
                    exe: self.config.worker_exe.display().to_string(),
                    error,
                })
            }
        }
    }

    fn spawn_in_slot(
        &self,
        slot: usize,
        options: StartOptions,
        fds: Vec<std::os::fd::OwnedFd>,
    ) -> std::io::Result<ChildProcess> {
        self.region.slot(slot).reset();
        let parent = std::process::id();
        let args = WorkerArgs {
            role: options.role,
            slot,
            parent,
            workload: options.workload,
            tasks: options.tasks,
            task_ms: options.task_ms,
            shm_fd: WORKER_SHM_FD,
        };
        let mut command = Command::new(&self.config.worker_exe);
        command
            .args(args.to_args())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: keys typed at the terminal (Ctrl-C,
            // Ctrl-Z) reach proclab, which decides what workers get.
            .process_group(0);
        let mut mappings = vec![FdMapping {
            parent_fd: self.region.dup_fd()?,
            child_fd: WORKER_SHM_FD,
        }];
        mappings.extend(
            fds.into_iter()
                .zip(WORKER_EXTRA_FD..)
                .map(|(fd, child_fd)| FdMapping {
                    parent_fd: fd,
                    child_fd,
                }),
        );
        command
            .fd_mappings(mappings)
            .map_err(std::io::Error::other)?;
        self.spawn_tied(command)
    }

    /// Spawns any command as a child tied to proclab as every worker is
    /// (see [`Spawner::spawn_tied`]).
    pub fn spawn_tied(&self, command: Command) -> std::io::Result<ChildProcess> {
        self.spawner().spawn_tied(command)
    }

    /// A handle that spawns tied children from this engine's supervisor
    /// thread, for a controller that starts programs of its own.
    pub fn spawner(&self) -> Spawner {
        self.supervisor.spawner()
    }

    fn worker(&self, id: WorkerId) -> Result<&Worker, LabError> {
        self.workers
            .iter()
            .find(|w| w.id == id)
            .ok_or(LabError::NoSuchWorker(id))
    }

    fn worker_mut(&mut self, id: WorkerId) -> Result<&mut Worker, LabError> {
        self.workers
            .iter_mut()
            .find(|w| w.id == id)
            .ok_or(LabError::NoSuchWorker(id))
    }

    /// A live worker, having first looked whether it has ended.
    fn alive_mut(&mut self, id: WorkerId) -> Result<&mut Worker, LabError> {
        let w = self.worker_mut(id)?;
        if w.process.poll_exit().is_some() {
            return Err(LabError::NotAlive(id));
        }
        Ok(w)
    }

    fn send(w: &Worker, sig: Signal) -> Result<(), LabError> {
        w.process.signal(sig).map_err(|error| LabError::Signal {
            id: w.id,
            signal: sig_name(sig),
            error,
        })
    }

    /// `os.kill(p.pid, signal.SIGSTOP)`: the worker stops where it is (state T).
    pub fn pause(&mut self, id: WorkerId) -> Result<(), LabError> {
        let w = self.alive_mut(id)?;
        Self::send(w, Signal::STOP)?;
        w.paused = true;
        // Paused by hand: nothing proclab holds it for may resume it.
        w.holds = 0;
        Ok(())
    }

    /// `os.kill(p.pid, signal.SIGCONT)`.
    pub fn resume(&mut self, id: WorkerId) -> Result<(), LabError> {
        let w = self.alive_mut(id)?;
        Self::send(w, Signal::CONT)?;
        w.paused = false;
        w.holds = 0;
        Ok(())
    }

    /// `p.terminate()`: SIGTERM, and nothing more, as in Python. A stopped
    /// worker (paused here, or stopped from outside) does not act on it
    /// until it is continued: it stays alive, state T, with the signal
    /// pending, and ends with -15 once resumed.
    pub fn terminate(&mut self, id: WorkerId) -> Result<Terminated, LabError> {
        let w = self.alive_mut(id)?;
        Self::send(w, Signal::TERM)?;
        w.sigterm_sent = true;
        if w.paused && w.holds != 0 {
            // Paused by proclab alone (a race, its lab not shown), not by
            // the user: the program would be running, so it ends as a
            // running process does.
            Self::send(w, Signal::CONT)?;
            w.paused = false;
        }
        w.holds = 0;
        let pending = w.paused || stopped(w.process.pid());
        Ok(Terminated { pending })
    }

    /// Whether a live worker is stopped (state T), paused here or by
    /// someone else.
    pub fn is_stopped(&self, id: WorkerId) -> Result<bool, LabError> {
        let w = self.worker(id)?;
        Ok(w.process.exitcode().is_none() && (w.paused || stopped(w.process.pid())))
    }

    /// `p.kill()`: SIGKILL, which even a stopped process cannot ignore.
    pub fn kill(&mut self, id: WorkerId) -> Result<(), LabError> {
        let w = self.alive_mut(id)?;
        Self::send(w, Signal::KILL)?;
        w.paused = false;
        w.holds = 0;
        Ok(())
    }

    /// Asks a worker to raise an uncaught exception (exitcode 1) or to call
    /// `sys.exit(code)`. A paused worker acts on it when resumed.
    pub fn request(&mut self, id: WorkerId, control: Control) -> Result<(), LabError> {
        let w = self.alive_mut(id)?;
        if let Some(slot) = w.slot {
            self.region.slot(slot).request(control);
        }
        Ok(())
    }

    /// `p.is_alive()`.
    pub fn is_alive(&mut self, id: WorkerId) -> Result<bool, LabError> {
        Ok(self.worker_mut(id)?.process.poll_exit().is_none())
    }

    /// `p.exitcode`: None while the worker runs. Unlike Python, looking does
    /// not reap: the zombie stays visible until `join`.
    pub fn exitcode(&mut self, id: WorkerId) -> Result<Option<i32>, LabError> {
        Ok(self.worker_mut(id)?.process.poll_exit())
    }

    /// `p.join(timeout)`: waits up to `timeout` (forever if None) for the
    /// worker to end and reaps it. Returns its exitcode, or None if it is
    /// still running when the timeout expires. Joining twice is harmless.
    pub fn join(
        &mut self,
        id: WorkerId,
        timeout: Option<Duration>,
    ) -> Result<Option<i32>, LabError> {
        let w = self.worker_mut(id)?;
        if w.process.wait_exit(timeout).is_none() {
            return Ok(None);
        }
        self.reap(id).map(Some)
    }

    /// Joins at once if the worker has ended; otherwise marks it to be
    /// joined the moment it does (what a blocked `p.join()` would see).
    pub fn join_nowait(&mut self, id: WorkerId) -> Result<JoinOutcome, LabError> {
        let w = self.worker_mut(id)?;
        if w.process.poll_exit().is_some() {
            return self.reap(id).map(JoinOutcome::Joined);
        }
        w.join_pending = true;
        Ok(JoinOutcome::Pending)
    }

    /// Joins every worker that has ended and is not joined yet.
    pub fn join_all_exited(&mut self) -> Vec<(WorkerId, Result<i32, LabError>)> {
        let ids: Vec<WorkerId> = self
            .workers
            .iter_mut()
            .filter_map(|w| {
                let ended = !w.process.is_reaped() && w.process.poll_exit().is_some();
                ended.then_some(w.id)
            })
            .collect();
        ids.into_iter().map(|id| (id, self.reap(id))).collect()
    }

    fn reap(&mut self, id: WorkerId) -> Result<i32, LabError> {
        let w = self
            .workers
            .iter_mut()
            .find(|w| w.id == id)
            .ok_or(LabError::NoSuchWorker(id))?;
        let code = w
            .process
            .reap()
            .map_err(|error| LabError::Join { id, error })?;
        w.join_pending = false;
        w.exit_reported = true;
        w.paused = false;
        w.holds = 0;
        if let Some(slot) = w.slot.take() {
            let s = self.region.slot(slot);
            w.final_tasks = s.tasks_done.load(Ordering::Relaxed);
            w.final_phase = s.phase();
            w.final_aux = s.aux.load(Ordering::Relaxed);
            self.free_slots.push(slot);
        }
        Ok(code)
    }

    /// Looks, without blocking, for workers that ended; reaps those with a
    /// pending join (or all, under auto-join).
    pub fn poll(&mut self) -> Vec<LabEvent> {
        let mut events = Vec::new();
        let mut to_reap = Vec::new();
        // Most ticks, nothing has ended: one look for any ended child
        // spares a look at each worker.
        let any_ended = process::any_child_ended();
        for w in &mut self.workers {
            if w.exit_reported || (!any_ended && w.process.seen_ended().is_none()) {
                continue;
            }
            if let Some(exitcode) = w.process.poll_exit() {
                w.exit_reported = true;
                w.paused = false;
                w.holds = 0;
                events.push(LabEvent::Exited {
                    id: w.id,
                    pid: w.process.pid(),
                    exitcode,
                });
                if w.join_pending || self.config.auto_join {
                    to_reap.push((w.id, w.process.pid()));
                }
            }
        }
        for (id, pid) in to_reap {
            if let Ok(exitcode) = self.reap(id) {
                events.push(LabEvent::Joined { id, pid, exitcode });
            }
        }
        events
    }

    /// Fails with [`LabError::Cap`] unless `n` more workers can start, so
    /// that a lab starting several together starts all or none.
    pub fn check_room(&self, n: usize) -> Result<(), LabError> {
        if self.free_slots.len() < n {
            return Err(LabError::Cap(self.config.max_workers));
        }
        Ok(())
    }

    /// The workers not yet joined.
    pub fn live_count(&self) -> usize {
        self.workers
            .iter()
            .filter(|w| !w.process.is_reaped())
            .count()
    }

    pub fn status(&self, id: WorkerId) -> Result<Status, LabError> {
        Ok(self.worker(id)?.status())
    }

    pub fn pid(&self, id: WorkerId) -> Result<u32, LabError> {
        Ok(self.worker(id)?.process.pid())
    }

    /// The index of a worker's slot in the shared region, until it is joined.
    pub fn slot_of(&self, id: WorkerId) -> Result<Option<usize>, LabError> {
        Ok(self.worker(id)?.slot)
    }

    /// Every worker, joined ones included, oldest first.
    pub fn snapshot(&self) -> Vec<WorkerSnapshot> {
        let now = clock::now_ns();
        self.workers
            .iter()
            .map(|w| {
                let status = w.status();
                let (phase, tasks_done, progress, heartbeat_age, wait, aux) = match w.slot {
                    Some(i) => {
                        let s = self.region.slot(i);
                        let beat = s.heartbeat_ns.load(Ordering::Relaxed);
                        let age = (status.is_alive() && beat > 0)
                            .then(|| Duration::from_nanos(now.saturating_sub(beat)));
                        (
                            s.phase(),
                            s.tasks_done.load(Ordering::Relaxed),
                            s.progress_fraction(),
                            age,
                            if status.is_alive() {
                                s.wait.load(Ordering::Relaxed)
                            } else {
                                0
                            },
                            s.aux.load(Ordering::Relaxed),
                        )
                    }
                    None => (w.final_phase, w.final_tasks, 0.0, None, 0, w.final_aux),
                };
                WorkerSnapshot {
                    id: w.id,
                    pid: w.process.pid(),
                    role: w.options.role,
                    status,
                    daemon: w.options.daemon,
                    workload: w.options.workload,
                    phase,
                    tasks_done,
                    progress,
                    join_pending: w.join_pending,
                    heartbeat_age,
                    sigterm_sent: w.sigterm_sent && status.is_alive(),
                    wait,
                    aux,
                }
            })
            .collect()
    }

    /// The index of a worker's slot in the shared region, while it is not joined.
    pub fn slot_index(&self, id: WorkerId) -> Result<Option<usize>, LabError> {
        Ok(self.worker(id)?.slot)
    }

    /// Forgets one joined worker (a lab that starts and joins many workers
    /// of its own keeps the table for the user's).
    pub fn forget(&mut self, id: WorkerId) {
        self.workers
            .retain(|w| !(w.id == id && w.process.is_reaped()));
    }

    /// Monotonic time at which a worker's `main` began, once it has.
    pub fn started_ns(&self, id: WorkerId) -> Result<Option<u64>, LabError> {
        let w = self.worker(id)?;
        Ok(w.slot.and_then(|i| {
            let t = self.region.slot(i).started_ns.load(Ordering::Acquire);
            (t != 0).then_some(t)
        }))
    }

    /// Forgets joined workers, keeping the most recent `keep` of them.
    pub fn forget_joined(&mut self, keep: usize) {
        let joined = self
            .workers
            .iter()
            .filter(|w| w.process.is_reaped())
            .count();
        let mut drop = joined.saturating_sub(keep);
        self.workers.retain(|w| {
            if drop > 0 && w.process.is_reaped() {
                drop -= 1;
                false
            } else {
                true
            }
        });
    }

    /// The first half of Python's exit, `multiprocessing.util._exit_function`:
    /// SIGTERM to every live daemon (`terminate()`). Returns them, and the
    /// workers a Python parent would then wait for in `join()`: every live
    /// non-daemon, and any daemon that is stopped (its SIGTERM waits).
    pub fn begin_exit(&mut self) -> ExitBegun {
        let mut daemons = Vec::new();
        for w in &mut self.workers {
            if w.options.daemon
                && w.process.poll_exit().is_none()
                && w.process.signal(Signal::TERM).is_ok()
            {
                w.sigterm_sent = true;
                daemons.push(w.id);
            }
        }
        let mut waited = Vec::new();
        for w in &mut self.workers {
            let alive = w.process.poll_exit().is_none();
            if alive && (!w.options.daemon || w.paused || stopped(w.process.pid())) {
                waited.push(w.id);
            }
        }
        ExitBegun { daemons, waited }
    }

    /// Stops every worker at quit: SIGTERM to each (daemons as Python's
    /// exit does; the others because the user quit rather than wait for
    /// them), and SIGCONT to the stopped ones so they act on it; any still
    /// running after `grace` is killed. Every worker is reaped before this
    /// returns.
    pub fn shutdown(&mut self, grace: Duration) -> ShutdownReport {
        let mut report = ShutdownReport::default();
        // Who got SIGTERM, so that the report counts each worker once.
        let mut terminated = Vec::new();
        for w in &mut self.workers {
            if w.process.is_reaped() || w.process.poll_exit().is_some() {
                continue;
            }
            if w.process.signal(Signal::TERM).is_ok() {
                // Python would wait for ever on a stopped child; proclab
                // is leaving, and takes it along.
                if w.paused || stopped(w.process.pid()) {
                    let _ = w.process.signal(Signal::CONT);
                }
                terminated.push(w.id);
            }
        }
        let deadline = Instant::now() + grace;
        for w in &mut self.workers {
            if w.process.is_reaped() {
                continue;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if w.process.wait_exit(Some(left)).is_none() {
                let _ = w.process.signal(Signal::KILL);
                report.killed += 1;
                terminated.retain(|&id| id != w.id);
                w.process.wait_exit(None);
            }
        }
        report.terminated = terminated.len();
        let ids: Vec<WorkerId> = self
            .workers
            .iter()
            .filter(|w| !w.process.is_reaped())
            .map(|w| w.id)
            .collect();
        for id in ids {
            if self.reap(id).is_ok() {
                report.joined += 1;
            }
        }
        self.shut_down = true;
        report
    }
}

/// Whether the kernel reports process `pid` stopped (state T).
fn stopped(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rfind(')')
                .map(|i| s[i + 1..].trim_start().starts_with('T'))
        })
        .unwrap_or(false)
}

impl Drop for Lab {
    fn drop(&mut self) {
        if !self.shut_down {
            self.shutdown(SHUTDOWN_GRACE);
        }
    }
}

/// Python's words for an exitcode: `0`, `1`, `-15 (SIGTERM)`.
pub fn describe_exitcode(code: i32) -> String {
    if code < 0 {
        match signal_name(-code) {
            Some(name) => format!("{code} ({name})"),
            None => code.to_string(),
        }
    } else {
        code.to_string()
    }
}

/// The name of a signal number, for the ones a lab may meet.
pub fn signal_name(sig: i32) -> Option<&'static str> {
    Some(match sig {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        6 => "SIGABRT",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        _ => return None,
    })
}
