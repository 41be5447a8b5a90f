//! The shared-counter lab's engine: runs of N workers incrementing one
//! counter K times each (racy, locked, atomic, or through a manager), the
//! lock's holder and waiters, and the abandoned lock a terminated holder
//! leaves behind.
//!
//! A run is Python's
//! `ps = [Process(target=increment, args=(v, K)) for _ in range(N)]`,
//! `start()` each, `join()` each. Its workers are ordinary workers of
//! [`Lab`] (joined as they end); this controller writes the run's settings
//! into the counter's section, watches the section, and reports what
//! happened as [`CounterEvent`]s and a plain [`CounterView`] to draw.

pub mod manager;
mod observe;
pub mod shared;
pub mod socket;
pub mod worker;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::locks::{Locked, LockError};
use super::shm::SectionId;
use super::{Lab, LabError, Role, StartOptions, Status, WorkerId, WorkerSnapshot, Workload};

pub use self::observe::{CounterView, LiveRun, LockView};
pub use self::shared::{CounterMode, CounterSection, CounterWait};

/// Increments per worker in slow motion, at most.
pub const SLOW_INCREMENTS: u64 = 10;
/// The default increments per worker.
pub const DEFAULT_INCREMENTS: u64 = 1_000_000;
/// How long the manager gets to act on `shutdown()` before it is terminated.
const MANAGER_GRACE: Duration = Duration::from_secs(1);
/// How long proclab waits for one of the section's locks; the UI never
/// waits longer on a worker.
const LOCK_PATIENCE: Duration = Duration::from_millis(50);

/// What one run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSpec {
    pub mode: CounterMode,
    pub workers: u32,
    /// Increments per worker (slow motion makes at most [`SLOW_INCREMENTS`]).
    pub increments: u64,
    pub slow: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CounterError {
    #[error("a run is still going: stop it (x) or let it finish")]
    Running,
    #[error("a run needs at least one worker")]
    NoWorkers,
    #[error("the counter's lock could not be set up: {0}")]
    Setup(String),
    #[error("the counter's lock is busy: a worker of another run still holds it")]
    LockBusy,
    #[error("the counter's lock failed: {0}")]
    Lock(#[from] LockError),
    #[error("cannot set up the manager's socket: {0}")]
    Socket(std::io::Error),
    #[error(transparent)]
    Lab(#[from] LabError),
}

/// A lock whose holder died inside the critical section, found and repaired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abandoned {
    /// The worker that died holding it, when known.
    pub by: Option<WorkerId>,
    /// How it died (its exitcode), when known.
    pub exitcode: Option<i32>,
    /// The worker that got `EOWNERDEAD` and marked it consistent; None when
    /// proclab repaired it before a new run.
    pub recovered_by: Option<WorkerId>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunResult {
    pub number: u32,
    pub spec: RunSpec,
    /// What the run set out to do: workers x increments.
    pub target: u64,
    /// Increments the workers made, by their own count.
    pub done: u64,
    /// The counter at the end.
    pub value: u64,
    /// Updates lost: `done - value` (negative if a worker died between
    /// writing the counter and counting its increment).
    pub lost: i64,
    /// From the start gate to the last worker's end.
    pub elapsed: Duration,
    /// Increments per second over `elapsed`.
    pub rate: f64,
    /// Stopped by the user before the end.
    pub stopped: bool,
    /// Workers that did not return normally (exitcode other than 0).
    pub failed: u32,
    /// Increments that found another worker's write since their own last
    /// one (0: the workers never ran at the same time, nothing could race).
    pub interleaved: u64,
    /// How long every worker was incrementing at once: from the last one
    /// through the gate to the first one done (zero with one worker, or
    /// when one never finished).
    pub overlap: Duration,
}

/// What the counter lab reports without being asked this instant.
#[derive(Debug, Clone, PartialEq)]
pub enum CounterEvent {
    /// A locker found the lock abandoned and repaired it.
    LockAbandoned(Abandoned),
    /// The lock's holder died inside the critical section; nobody has
    /// tried the lock since (in Python, the next `acquire()` hangs).
    HolderDied {
        id: Option<WorkerId>,
        exitcode: Option<i32>,
    },
    /// The manager's server ended while the run still needed it.
    ManagerLost {
        id: WorkerId,
        exitcode: i32,
    },
    RunFinished(RunResult),
}

/// What `start_run` did.
#[derive(Debug, Clone, PartialEq)]
pub struct RunStarted {
    pub number: u32,
    pub spec: RunSpec,
    pub clients: Vec<WorkerId>,
    pub manager: Option<WorkerId>,
    /// A lock left abandoned by an earlier run, repaired first.
    pub repaired: Option<Abandoned>,
}

struct Run {
    number: u32,
    spec: RunSpec,
    clients: Vec<WorkerId>,
    manager: Option<WorkerId>,
    manager_lost: bool,
    stopped: bool,
}

/// The counter lab's controller, held by [`super::engine::Engine`].
pub struct CounterLab {
    setup: Result<(), String>,
    run: Option<Run>,
    runs: u32,
    /// The section's abandonment count as last reported.
    abandoned_seen: u32,
    /// An abandonment seen but not reported yet, with when it was seen.
    abandoned_pending: Option<Instant>,
    /// The dead holder already reported by `HolderDied`.
    dead_holder_reported: u32,
    /// Managers asked to shut down: (worker, when asked).
    retiring: Vec<(WorkerId, Instant)>,
    watch: observe::Watch,
    /// The private folder of the managers' sockets, made for the first
    /// manager run.
    sockets: Option<socket::PrivateDir>,
}

fn section(lab: &Lab) -> &CounterSection {
    lab.region().section(SectionId::Counter)
}

fn find(snap: &[WorkerSnapshot], pid: u32) -> Option<&WorkerSnapshot> {
    (pid != 0)
        .then(|| snap.iter().rev().find(|w| w.pid == pid))
        .flatten()
}

impl CounterLab {
    /// Initialises the counter's section in place. Call before any counter
    /// worker starts.
    pub fn new(lab: &Lab) -> CounterLab {
        let sec = section(lab);
        let setup = sec
            .hot
            .lock
            .init()
            .and_then(|()| sec.gate.init())
            .map_err(|e| e.to_string());
        CounterLab {
            setup,
            run: None,
            runs: 0,
            abandoned_seen: 0,
            abandoned_pending: None,
            dead_holder_reported: 0,
            retiring: Vec::new(),
            watch: observe::Watch::default(),
            sockets: None,
        }
    }

    pub fn is_running(&self) -> bool {
        self.run.is_some()
    }

    /// What to draw, as of the last [`poll`](Self::poll).
    pub fn view(&self) -> &CounterView {
        self.watch.view()
    }

    /// Starts a run: the manager first in manager mode, then the workers,
    /// which meet at the start gate and go together.
    pub fn start_run(&mut self, lab: &mut Lab, spec: RunSpec) -> Result<RunStarted, CounterError> {
        self.setup.clone().map_err(CounterError::Setup)?;
        if self.run.is_some() {
            return Err(CounterError::Running);
        }
        if spec.workers == 0 {
            return Err(CounterError::NoWorkers);
        }
        let repaired = self.repair_lock(lab)?;
        let spec = RunSpec {
            increments: if spec.slow {
                spec.increments.min(SLOW_INCREMENTS)
            } else {
                spec.increments
            },
            ..spec
        };
        self.runs += 1;
        let number = self.runs;
        let sec = section(lab);
        sec.run.store(number, Ordering::Relaxed);
        sec.mode.store(spec.mode as u32, Ordering::Relaxed);
        sec.slow.store(u32::from(spec.slow), Ordering::Relaxed);
        sec.increments.store(spec.increments, Ordering::Relaxed);
        sec.hot.value.store(0, Ordering::Relaxed);
        sec.go_ns.store(0, Ordering::Relaxed);
        sec.last_go_ns.store(0, Ordering::Relaxed);
        sec.first_end_ns.store(u64::MAX, Ordering::Relaxed);
        sec.end_ns.store(0, Ordering::Relaxed);
        sec.finished.store(0, Ordering::Relaxed);
        sec.interleaved.store(0, Ordering::Relaxed);
        sec.ready.store(0, Ordering::Relaxed);
        sec.parties.store(spec.workers, Ordering::Relaxed);
        // No worker of this lab is alive: the gate's lock is free.
        sec.gate.set_to(false, LOCK_PATIENCE)?;

        let options = |role| StartOptions {
            role,
            workload: Workload::Cpu,
            tasks: None,
            task_ms: 1000,
            daemon: false,
        };
        let mut run = Run {
            number,
            spec,
            clients: Vec::new(),
            manager: None,
            manager_lost: false,
            stopped: false,
        };
        if spec.mode == CounterMode::Manager && self.sockets.is_none() {
            self.sockets = Some(socket::PrivateDir::create().map_err(CounterError::Socket)?);
        }
        // In manager mode, the manager gets the socket proclab bound for
        // it, and each worker the private folder to connect through.
        let sockets = self
            .sockets
            .as_ref()
            .filter(|_| spec.mode == CounterMode::Manager);
        let started = (|| {
            if let Some(dir) = sockets {
                let listener = dir.listen(number).map_err(CounterError::Socket)?;
                run.manager =
                    Some(lab.start_with_fds(options(Role::Manager), vec![listener.into()])?);
            }
            for _ in 0..spec.workers {
                let fds = match sockets {
                    Some(dir) => vec![dir.handle().map_err(CounterError::Socket)?],
                    None => Vec::new(),
                };
                run.clients
                    .push(lab.start_with_fds(options(Role::Counter), fds)?);
            }
            Ok::<(), CounterError>(())
        })();
        if let Err(e) = started {
            for &id in run.clients.iter().chain(&run.manager) {
                let _ = lab.kill(id);
                let _ = lab.join_nowait(id);
            }
            if let Some(dir) = sockets {
                dir.forget(number);
            }
            return Err(e);
        }
        let started = RunStarted {
            number,
            spec,
            clients: run.clients.clone(),
            manager: run.manager,
            repaired,
        };
        self.run = Some(run);
        Ok(started)
    }

    /// Stops the run: `p.terminate()` for each of its workers still alive.
    /// Returns the workers terminated.
    pub fn stop_run(&mut self, lab: &mut Lab) -> Vec<WorkerId> {
        let Some(run) = &mut self.run else {
            return Vec::new();
        };
        run.stopped = true;
        run.clients
            .iter()
            .copied()
            .filter(|&id| lab.terminate(id).is_ok())
            .collect()
    }

    /// Before a run, a lock abandoned by a dead holder is repaired by
    /// proclab itself (no worker is left to get `EOWNERDEAD`).
    fn repair_lock(&mut self, lab: &Lab) -> Result<Option<Abandoned>, CounterError> {
        let sec = section(lab);
        let holder = sec.hot.holder.load(Ordering::Relaxed);
        let repaired = match sec.hot.lock.try_lock() {
            Ok(Some(Locked::Acquired(_guard))) => None,
            Ok(Some(Locked::Abandoned(guard))) => {
                guard.make_consistent();
                let snap = lab.snapshot();
                let dead = find(&snap, holder);
                Some(Abandoned {
                    by: dead.map(|w| w.id),
                    exitcode: dead.and_then(|w| w.status.exitcode()),
                    recovered_by: None,
                })
            }
            Ok(None) => return Err(CounterError::LockBusy),
            Err(LockError::NotRecoverable) => {
                // Released once without repair: dead for good. No process
                // uses it between runs, so a fresh one takes its place.
                sec.hot.lock.init()?;
                None
            }
            Err(e) => return Err(e.into()),
        };
        sec.hot.holder.store(0, Ordering::Relaxed);
        self.dead_holder_reported = 0;
        Ok(repaired)
    }

    /// Looks at the section and the run's workers once, without blocking.
    /// Call after [`Lab::poll`], which reaps the run's workers as they end.
    pub fn poll(&mut self, lab: &mut Lab) -> Vec<CounterEvent> {
        let mut events = Vec::new();
        let snap = lab.snapshot();
        self.report_abandonment(lab, &snap, &mut events);
        self.report_dead_holder(lab, &snap, &mut events);
        self.follow_run(lab, &snap, &mut events);
        self.retire_managers(lab);
        let sec = section(lab);
        self.watch.update(
            sec,
            &snap,
            self.run.as_ref().map(|r| observe::RunFacts {
                number: r.number,
                spec: r.spec,
                clients: &r.clients,
                stopping: r.stopped,
            }),
        );
        events
    }

    fn report_abandonment(
        &mut self,
        lab: &Lab,
        snap: &[WorkerSnapshot],
        out: &mut Vec<CounterEvent>,
    ) {
        let sec = section(lab);
        if sec.abandoned.load(Ordering::Acquire) == self.abandoned_seen {
            return;
        }
        let by_pid = sec.abandoned_by.load(Ordering::Relaxed);
        let dead = find(snap, by_pid);
        // The kernel hands the lock on while the holder is still exiting:
        // wait (briefly) until its exitcode is known, to say how it died.
        let seen = *self.abandoned_pending.get_or_insert_with(Instant::now);
        let known = dead.is_none_or(|w| !w.status.is_alive());
        if !known && seen.elapsed() < Duration::from_secs(1) {
            return;
        }
        self.abandoned_seen = sec.abandoned.load(Ordering::Acquire);
        self.abandoned_pending = None;
        self.dead_holder_reported = 0;
        out.push(CounterEvent::LockAbandoned(Abandoned {
            by: dead.map(|w| w.id),
            exitcode: dead.and_then(|w| w.status.exitcode()),
            recovered_by: find(snap, sec.recovered_by.load(Ordering::Relaxed)).map(|w| w.id),
        }));
    }

    fn report_dead_holder(
        &mut self,
        lab: &Lab,
        snap: &[WorkerSnapshot],
        out: &mut Vec<CounterEvent>,
    ) {
        let holder = section(lab).hot.holder.load(Ordering::Relaxed);
        if holder == 0 || holder == self.dead_holder_reported || self.abandoned_pending.is_some() {
            return;
        }
        if let Some(w) = find(snap, holder).filter(|w| !w.status.is_alive()) {
            self.dead_holder_reported = holder;
            out.push(CounterEvent::HolderDied {
                id: Some(w.id),
                exitcode: w.status.exitcode(),
            });
        }
    }

    fn follow_run(&mut self, lab: &mut Lab, snap: &[WorkerSnapshot], out: &mut Vec<CounterEvent>) {
        let Some(run) = &mut self.run else {
            return;
        };
        let status = |id: WorkerId| snap.iter().find(|w| w.id == id).map(|w| w.status);
        let alive = |id: WorkerId| status(id).is_some_and(Status::is_alive);
        let sec = section(lab);
        // A worker that died before the gate would keep the others waiting.
        if !sec.gate.is_set() && run.clients.iter().any(|&id| !alive(id)) {
            let _ = sec.gate.set_to(true, LOCK_PATIENCE);
        }
        if let Some(m) = run.manager.filter(|&m| !run.manager_lost && !alive(m)) {
            run.manager_lost = true;
            out.push(CounterEvent::ManagerLost {
                id: m,
                exitcode: status(m).and_then(Status::exitcode).unwrap_or(0),
            });
        }
        if run.clients.iter().any(|&id| alive(id)) {
            return;
        }
        let done: u64 = snap
            .iter()
            .filter(|w| run.clients.contains(&w.id))
            .map(|w| w.aux)
            .sum();
        let failed = run
            .clients
            .iter()
            .filter(|&&id| status(id).and_then(Status::exitcode) != Some(0))
            .count() as u32;
        let value = sec.value();
        let go = sec.go_ns.load(Ordering::Acquire);
        let end = sec.end_ns.load(Ordering::Acquire).max(go);
        let end = if run.stopped || failed > 0 {
            super::clock::now_ns()
        } else {
            end
        };
        let elapsed = Duration::from_nanos(end.saturating_sub(go));
        let (last_go, first_end) = (
            sec.last_go_ns.load(Ordering::Acquire),
            sec.first_end_ns.load(Ordering::Acquire),
        );
        let overlap = if run.spec.workers > 1 && last_go != 0 && first_end != u64::MAX {
            Duration::from_nanos(first_end.saturating_sub(last_go))
        } else {
            Duration::ZERO
        };
        let rate = if go != 0 && !elapsed.is_zero() {
            done as f64 / elapsed.as_secs_f64()
        } else {
            0.0
        };
        out.push(CounterEvent::RunFinished(RunResult {
            number: run.number,
            spec: run.spec,
            target: u64::from(run.spec.workers).saturating_mul(run.spec.increments),
            done,
            value,
            lost: done as i64 - value as i64,
            elapsed,
            rate,
            stopped: run.stopped,
            failed,
            interleaved: sec.interleaved.load(Ordering::Acquire),
            overlap,
        }));
        // `for p in ps: p.join()`: every worker has ended, so none blocks.
        for &id in &run.clients {
            let _ = lab.join(id, Some(Duration::ZERO));
        }
        if let (Some(m), Some(dir)) = (run.manager, &self.sockets) {
            if alive(m) {
                // `manager.shutdown()`: asked over its own socket.
                let _ = manager::request_shutdown(dir, run.number);
                self.retiring.push((m, Instant::now()));
            }
            // Its socket's name goes; the connection made stays.
            dir.forget(run.number);
            let _ = lab.join_nowait(m);
        }
        self.run = None;
    }

    /// Terminates managers that did not act on `shutdown()` in time.
    fn retire_managers(&mut self, lab: &mut Lab) {
        self.retiring.retain(|&(id, asked)| {
            if !lab.is_alive(id).unwrap_or(false) {
                return false;
            }
            if asked.elapsed() >= MANAGER_GRACE {
                let _ = lab.terminate(id);
                return false;
            }
            true
        });
    }
}

impl super::controller::Controller for CounterLab {
    type Event = CounterEvent;

    fn set_up(lab: &Lab) -> CounterLab {
        CounterLab::new(lab)
    }

    fn section_len(_sizing: super::controller::Sizing) -> usize {
        size_of::<CounterSection>()
    }


    fn run_worker(
        role: Role,
        args: &super::worker::WorkerArgs,
        region: &super::shm::Region,
        slot: &super::slot::Slot,
    ) -> i32 {
        match role {
            Role::Manager => manager::serve(args, region, slot),
            _ => worker::run(args, region, slot),
        }
    }

    /// A holder's death, a lost manager, a finished run: what followed the
    /// ends of its workers.
    fn after_exits(&mut self, lab: &mut Lab, _ended: &[super::LabEvent]) -> Vec<CounterEvent> {
        self.poll(lab)
    }
}
