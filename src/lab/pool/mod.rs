//! The pool lab's engine: `multiprocessing.Pool` and
//! `concurrent.futures.ProcessPoolExecutor` on real worker processes.
//!
//! [`PoolLab`] starts W workers (ordinary [`Lab`] workers of role
//! `pool`), posts jobs to them through the shared region ([`shared`]),
//! follows each run (`track`) and keeps the pool as Python keeps it: a
//! worker that reached `maxtasksperchild` is joined and a fresh one (new
//! pid) takes its place; a worker that dies loses the chunk it held, which
//! a `Pool` then waits for forever and which breaks a
//! `ProcessPoolExecutor` (`BrokenProcessPool`, the other workers
//! terminated). proclab itself never waits on a lost chunk: the run is
//! marked hung or broken and the lab goes on.
//!
//! The controller never blocks in [`PoolLab::poll`]; tests and
//! benchmarks that want to wait use [`PoolLab::wait_for`], which
//! sleeps on the section's condvar between looks.

mod events;
pub mod lanes;
mod maintain;
pub mod record;
pub mod serve;
pub mod shared;
pub mod spec;
mod track;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

pub use self::spec::{
    ChunkChoice, Cost, DEFAULT_ITEMS, JobSpec, MAX_ITEMS, MAX_POOL_WORKERS, Method, PoolConfig,
    letter, map_default_chunksize,
};
pub use self::record::{Outcome, PoolInfo, RunRecord, RunStats};
pub use self::track::{ChunkState, InFlight, Run};

use self::maintain::run_busy_ns;
use self::shared::{PoolShared, PosState};
use super::clock;
use super::locks::LockError;
use super::shm::SectionId;
use super::{Lab, Role, StartOptions, WorkerId, Workload};

/// The longest a blocked [`PoolLab::wait_for`] sleeps between looks.
const WAIT_STEP: Duration = Duration::from_millis(2);

pub use self::events::{PoolError, PoolEvent};

struct Member {
    id: WorkerId,
    pid: u32,
    place: usize,
    serial: u32,
    /// 0: initializer not seen, 1: seen running, 2: seen finished.
    init_seen: u8,
    /// Its place's `busy_ns` when the current run started.
    busy_base_ns: u64,
    /// Terminated by the pool itself (a broken executor).
    doomed: bool,
}

struct Pool {
    config: PoolConfig,
    members: Vec<Member>,
    broken: bool,
    /// The break has been acted on (workers terminated, futures failed).
    broken_told: bool,
    /// Processes started for this pool, replacements included.
    started: u32,
}

/// The pool lab's controller, held by the engine.
pub struct PoolLab {
    capacity: usize,
    setup: Result<(), LockError>,
    pool: Option<Pool>,
    run: Option<Run>,
    history: Vec<RunRecord>,
    next_job: u32,
    next_serial: u32,
    runs: u32,
    events: Vec<PoolEvent>,
    last_reap: Option<Instant>,
}

/// A run as the engine sees it at one look.
pub struct RunNow<'a> {
    pub run: &'a Run,
    pub now_ns: u64,
    /// Chunks in progress now, while the run goes on.
    pub in_flight: Vec<InFlight>,
    /// The process in each place now (0: none).
    pub current: Vec<u32>,
    /// Chunks claimed from the task queue so far.
    pub claimed: u32,
}

/// The section's view.
///
/// The lifetime is not tied to `lab`, so that the controller can start and
/// join workers (`&mut Lab`) while it holds the view. That is sound because
/// the mapping never moves and lives as long as the `Lab`, which every
/// method that makes a view takes by reference for the whole call; a view
/// never leaves the method that made it.
fn section(lab: &Lab, capacity: usize) -> PoolShared<'static> {
    let (ptr, len) = lab.region().section_raw(SectionId::Pool);
    // Safety: see above; the section is page-aligned and was laid out for
    // `capacity` items by the engine.
    unsafe { PoolShared::from_raw(ptr.as_ptr(), len, Some(capacity)) }
        .expect("the pool section is as long as its layout")
}

impl PoolLab {
    /// Sets up the pool's section of `lab`'s region. One controller per
    /// region, created before any pool worker starts.
    pub fn new(lab: &Lab) -> PoolLab {
        let capacity = lab.config().pool_items;
        let setup = section(lab, capacity).init();
        PoolLab {
            capacity,
            setup,
            pool: None,
            run: None,
            history: Vec::new(),
            next_job: 1,
            next_serial: 1,
            runs: 0,
            events: Vec::new(),
            last_reap: None,
        }
    }

    /// Items a job may have here.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The workers of the live pool.
    pub fn worker_ids(&self) -> Vec<WorkerId> {
        self.pool
            .as_ref()
            .map(|p| p.members.iter().map(|m| m.id).collect())
            .unwrap_or_default()
    }

    /// Whether a run is going.
    pub fn running(&self) -> bool {
        self.run.as_ref().is_some_and(|r| r.is_running())
    }

    /// The current or last run's outcome.
    pub fn outcome(&self) -> Option<Outcome> {
        self.run.as_ref().map(|r| r.outcome)
    }

    pub fn history(&self) -> &[RunRecord] {
        &self.history
    }

    fn options(config: &PoolConfig) -> StartOptions {
        StartOptions {
            role: Role::Pool,
            workload: Workload::Cpu,
            tasks: None,
            task_ms: 1000,
            // Pool workers are daemons (multiprocessing/pool.py sets
            // `w.daemon = True`); an executor's are not.
            daemon: !config.executor,
        }
    }

    /// Submits a job: starts (or restarts) the pool it needs and posts it.
    pub fn submit(&mut self, lab: &mut Lab, spec: JobSpec) -> Result<u32, PoolError> {
        self.setup.clone()?;
        if let Some(run) = self.run.as_ref().filter(|r| r.is_running()) {
            return Err(PoolError::Busy(run.number));
        }
        if spec.items == 0 {
            return Err(PoolError::NoItems);
        }
        if spec.items as usize > self.capacity {
            return Err(PoolError::TooManyItems {
                items: spec.items,
                capacity: self.capacity,
            });
        }
        if spec.workers == 0 || spec.workers as usize > MAX_POOL_WORKERS {
            return Err(PoolError::Workers(spec.workers));
        }
        let want = spec.pool();
        let reuse = self
            .pool
            .as_ref()
            .is_some_and(|p| p.config == want && !p.broken && !p.members.is_empty());
        if !reuse {
            self.close(lab);
            self.start_pool(lab, want)?;
        }
        Ok(self.post(lab, spec))
    }

    /// Writes the job into the section and wakes the workers.
    fn post(&mut self, lab: &mut Lab, spec: JobSpec) -> u32 {
        let job = self.next_job;
        self.next_job = self.next_job.wrapping_add(1).max(1);
        self.runs += 1;
        let iters = lab.region().iters_per_ms() * u64::from(spec.item_us) / 1_000;
        let t0 = clock::now_ns();
        section(lab, self.capacity).post(job, &spec, iters, t0);

        let mut run = Run::new(self.runs, job, spec, t0);
        if let Some(pool) = &mut self.pool {
            let sh = section(lab, self.capacity);
            for m in &mut pool.members {
                m.init_seen = 0;
                m.busy_base_ns = sh.header.positions[m.place].busy_ns.load(Ordering::Relaxed);
                run.lanes.begin_life(m.place, m.serial, 0);
            }
        }
        self.events.push(PoolEvent::RunStarted {
            number: run.number,
            spec,
            chunksize: run.chunksize,
        });
        self.run = Some(run);
        self.learn_places(lab);
        self.runs
    }

    /// Looks at everything once, without blocking.
    pub fn poll(&mut self, lab: &mut Lab) -> Vec<PoolEvent> {
        self.look(lab, true);
        std::mem::take(&mut self.events)
    }

    fn look(&mut self, lab: &mut Lab, reap_now: bool) {
        if self.pool.is_some() {
            let due = reap_now
                || self
                    .last_reap
                    .is_none_or(|t| t.elapsed() >= Duration::from_millis(1));
            if due {
                self.last_reap = Some(Instant::now());
                self.reap(lab);
            }
            self.learn_places(lab);
        }
        let sh = section(lab, self.capacity);
        let places = self.places();
        let busy = sh.header.positions[..places]
            .iter()
            .any(|p| p.state() == PosState::Busy);
        let Some(run) = self.run.as_mut().filter(|r| r.is_running()) else {
            return;
        };
        run.absorb(&sh);
        if let Some(pool) = &self.pool {
            run.busy_ns = run_busy_ns(run, pool, &sh);
        }
        let flying = track::in_flight(&sh, run.job, places);
        run.look_for_orphans(&sh, &flying, busy);
        if run.settle() {
            if run.outcome != Outcome::Done {
                sh.close_job();
            }
            let processes = self.pool.as_ref().map_or(0, |p| p.started);
            self.finish_run(processes);
        }
    }

    fn places(&self) -> usize {
        self.pool
            .as_ref()
            .map_or(0, |p| p.config.workers as usize)
            .max(self.run.as_ref().map_or(0, |r| r.spec.workers as usize))
            .min(MAX_POOL_WORKERS)
    }

    /// Events gathered by [`wait_for`](Self::wait_for) since the last call.
    pub fn take_events(&mut self) -> Vec<PoolEvent> {
        std::mem::take(&mut self.events)
    }

    /// Looks again and again until `until` holds or `timeout` passes,
    /// sleeping on the section's condvar between looks (workers wake it as
    /// chunks complete). Returns whether `until` held. Events are kept for
    /// [`take_events`](Self::take_events).
    pub fn wait_for(
        &mut self,
        lab: &mut Lab,
        timeout: Duration,
        mut until: impl FnMut(&PoolLab) -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.look(lab, false);
            if until(self) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            self.sleep(lab, (deadline - now).min(WAIT_STEP));
        }
    }

    /// Sleeps up to `d`, or until a worker publishes a chunk.
    fn sleep(&self, lab: &Lab, d: Duration) {
        let sh = section(lab, self.capacity);
        let read = self.run.as_ref().map_or(0, |r| r.read());
        let Some(mut guard) = sh.lock() else {
            std::thread::sleep(d);
            return;
        };
        let progress = &sh.header.progress.0;
        progress.parent_waiting.store(1, Ordering::SeqCst);
        std::sync::atomic::fence(Ordering::SeqCst);
        let fresh = progress.done_chunks.load(Ordering::SeqCst) as usize != read;
        if !fresh || !self.running() {
            let woken = sh.header.done_cond.wait_timeout(&mut guard, d);
            if woken.abandoned {
                guard.make_consistent();
            }
        }
        progress.parent_waiting.store(0, Ordering::SeqCst);
    }

    /// Waits up to `timeout` for the current run to end; returns its outcome.
    pub fn wait_run(&mut self, lab: &mut Lab, timeout: Duration) -> Option<Outcome> {
        self.wait_for(lab, timeout, |c| !c.running());
        self.outcome().filter(|o| *o != Outcome::Running)
    }

    /// Results delivered to the caller since the last call, as
    /// `(item, result)` in the order the caller gets them.
    pub fn drain(&mut self, lab: &Lab, out: &mut Vec<(u32, u64)>) -> usize {
        let sh = section(lab, self.capacity);
        self.run.as_mut().map_or(0, |r| r.drain(&sh, out))
    }

    /// Whether results have reached the caller that [`drain`](Self::drain)
    /// has not taken yet.
    pub fn has_undrained(&self) -> bool {
        self.run.as_ref().is_some_and(|r| r.undrained() > 0)
    }

    /// Every result in item order, once the run is done (`pool.map`'s list).
    pub fn results(&self, lab: &Lab) -> Option<Vec<u64>> {
        let sh = section(lab, self.capacity);
        self.run.as_ref().and_then(|r| r.results(&sh))
    }

    /// Items each live worker has done, by worker id.
    pub fn items_by_worker(&self, lab: &Lab) -> Vec<(WorkerId, u64)> {
        let sh = section(lab, self.capacity);
        let Some(pool) = &self.pool else {
            return Vec::new();
        };
        pool.members
            .iter()
            .map(|m| {
                (
                    m.id,
                    sh.header.positions[m.place].items.load(Ordering::Relaxed),
                )
            })
            .collect()
    }

    /// The pool as it stands, if there is one.
    pub fn info(&self) -> Option<PoolInfo> {
        self.pool.as_ref().map(|p| PoolInfo {
            config: p.config,
            alive: p.members.iter().filter(|m| !m.doomed).count() as u32,
            broken: p.broken,
        })
    }

    /// The current (or last) run with what the section says of it now:
    /// the chunks in flight, who holds each place, how far the task queue
    /// was claimed.
    pub fn run_now(&self, lab: &Lab) -> Option<RunNow<'_>> {
        let run = self.run.as_ref()?;
        let sh = section(lab, self.capacity);
        let places = self.places();
        let (job, next) = sh.claim();
        Some(RunNow {
            run,
            now_ns: clock::now_ns(),
            in_flight: if run.is_running() {
                track::in_flight(&sh, run.job, places)
            } else {
                Vec::new()
            },
            current: sh.header.positions[..places]
                .iter()
                .map(|p| p.serial.load(Ordering::Acquire))
                .collect(),
            claimed: if job == run.job {
                next.min(run.n_chunks)
            } else {
                0
            },
        })
    }
}

impl super::controller::Controller for PoolLab {
    type Event = PoolEvent;

    fn set_up(lab: &Lab) -> PoolLab {
        PoolLab::new(lab)
    }

    fn section_len(sizing: super::controller::Sizing) -> usize {
        shared::section_len(sizing.pool_items)
    }


    /// A pool worker: see [`serve`].
    fn run_worker(
        _role: Role,
        _args: &super::worker::WorkerArgs,
        region: &super::shm::Region,
        slot: &super::slot::Slot,
    ) -> i32 {
        let (ptr, len) = region.section_raw(SectionId::Pool);
        // Safety: the region maps the section for the whole life of the
        // worker, and proclab laid it out (its header says for how many
        // items).
        match unsafe { shared::PoolShared::from_raw(ptr.as_ptr(), len, None) } {
            Some(pool) => {
                let pid = rustix::process::getpid().as_raw_nonzero().get() as u32;
                serve::serve(&pool, slot, pid, region.iters_per_ms(), serve::PLACE_WAIT)
            }
            None => {
                eprintln!("proclab worker: the pool section is not set up");
                super::worker::NO_REGION
            }
        }
    }

    /// The pool joins its own workers, so they are told of as pool workers
    /// (retired, died) rather than as plain exits.
    fn claim(&mut self, lab: &mut Lab) -> Vec<PoolEvent> {
        self.poll(lab)
    }

    /// At exit, Python closes an idle pool's workers (a Pool's finalizer
    /// terminates them; an executor's exit handler shuts it down and its
    /// workers return): gone before the parent waits for its children.
    /// With a run going, an executor's exit waits for the run, and a
    /// Pool's daemons are terminated with the others.
    fn at_exit(&mut self, lab: &mut Lab) {
        if !self.running() {
            self.close(lab);
        }
    }

    /// A pool run: its retired workers are replaced when the engine next
    /// looks.
    fn busy(&self) -> bool {
        self.running()
    }
}

#[cfg(test)]
mod tests;
