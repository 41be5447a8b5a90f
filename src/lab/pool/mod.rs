//! The pool lab's engine: `multiprocessing.Pool` and
//! `concurrent.futures.ProcessPoolExecutor` on real worker processes.
//!
//! [`PoolController`] starts W workers (ordinary [`Lab`] workers of role
//! `pool`), posts jobs to them through the shared region ([`shared`]),
//! follows each run ([`track`]) and keeps the pool as Python keeps it: a
//! worker that reached `maxtasksperchild` is joined and a fresh one (new
//! pid) takes its place; a worker that dies loses the chunk it held, which
//! a `Pool` then waits for forever and which breaks a
//! `ProcessPoolExecutor` (`BrokenProcessPool`, the other workers
//! terminated). proclab itself never waits on a lost chunk: the run is
//! marked hung or broken and the lab goes on.
//!
//! The controller never blocks in [`PoolController::poll`]; tests and
//! benchmarks that want to wait use [`PoolController::wait_for`], which
//! sleeps on the section's condvar between looks.

mod lanes;
pub mod serve;
pub mod shared;
pub mod spec;
mod track;
pub mod view;

use std::ops::Range;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

pub use self::spec::{
    ChunkChoice, Cost, DEFAULT_ITEMS, JobSpec, MAX_ITEMS, MAX_POOL_WORKERS, Method, PoolConfig,
    letter, map_default_chunksize,
};
pub use self::view::{Outcome, PoolView, RunRecord};

use self::shared::{PoolShared, PosState, TAKEN, split_chunk_word};
use self::track::Run;
use self::view::{PoolInfo, RUNS_KEPT};
use super::clock;
use super::shm::SectionId;
use super::sync::SyncError;
use super::{Lab, LabError, Role, StartOptions, WorkerId, Workload};

/// How long `close` lets idle workers take to exit before terminating them.
const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// The longest a blocked [`PoolController::wait_for`] sleeps between looks.
const WAIT_STEP: Duration = Duration::from_millis(2);

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("run {0} is still going: wait for it to finish before starting another")]
    Busy(u32),
    #[error(
        "{items} items do not fit: the pool's shared memory was sized for {capacity} (start proclab with --items {items})"
    )]
    TooManyItems { items: u32, capacity: usize },
    #[error("a pool needs 1 to {MAX_POOL_WORKERS} workers, not {0}")]
    Workers(u32),
    #[error("a job needs at least one item")]
    NoItems,
    #[error("no pool worker could be started: {0}")]
    Start(#[source] LabError),
    #[error("the pool's shared lock could not be set up: {0}")]
    Sync(#[from] SyncError),
}

/// Something the pool did that the log should tell.
#[derive(Debug, Clone, PartialEq)]
pub enum PoolEvent {
    /// `Pool(W, ...)` or `ProcessPoolExecutor(W, ...)`: these workers started.
    PoolStarted {
        config: PoolConfig,
        workers: Vec<(WorkerId, u32)>,
    },
    /// `pool.close(); pool.join()`: these workers exited and were joined.
    PoolClosed {
        config: PoolConfig,
        joined: Vec<(WorkerId, i32)>,
    },
    RunStarted {
        number: u32,
        spec: JobSpec,
        chunksize: u32,
    },
    /// A worker did `maxtasksperchild` tasks, returned (exitcode 0) and was joined.
    Retired {
        id: WorkerId,
        pid: u32,
        serial: u32,
        tasks: u32,
    },
    /// A worker ended without being asked to, and was joined.
    Died {
        id: WorkerId,
        pid: u32,
        serial: u32,
        exitcode: i32,
        /// The items it held, lost with it.
        lost: Vec<Range<u32>>,
        executor: bool,
        /// A run was going when it died.
        during_run: bool,
    },
    /// A fresh worker took the place of one that ended.
    Replaced {
        id: WorkerId,
        pid: u32,
        serial: u32,
        /// The worker that ended, and its serial.
        replaced: WorkerId,
        after: u32,
    },
    /// The executor broke: the other workers were terminated and every
    /// pending future failed.
    Broken {
        terminated: Vec<WorkerId>,
        failed_items: u32,
    },
    /// A worker the pool terminated ended and was joined.
    Joined {
        id: WorkerId,
        exitcode: i32,
    },
    RunFinished(RunRecord),
    Error(String),
}

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
pub struct PoolController {
    capacity: usize,
    setup: Result<(), SyncError>,
    pool: Option<Pool>,
    run: Option<Run>,
    history: Vec<RunRecord>,
    next_job: u32,
    next_serial: u32,
    runs: u32,
    events: Vec<PoolEvent>,
    last_reap: Option<Instant>,
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

/// Time the run's workers spent inside chunks: those that ended during the
/// run, and the live ones since it started.
fn run_busy_ns(run: &Run, pool: &Pool, sh: &PoolShared<'_>) -> u64 {
    let live: u64 = pool
        .members
        .iter()
        .map(|m| {
            let now = sh.header.positions[m.place].busy_ns.load(Ordering::Relaxed);
            now.saturating_sub(m.busy_base_ns)
        })
        .sum();
    run.busy_ended_ns + live
}

impl PoolController {
    /// Sets up the pool's section of `lab`'s region. One controller per
    /// region, created before any pool worker starts.
    pub fn new(lab: &Lab) -> PoolController {
        let capacity = lab.config().pool_items;
        let setup = section(lab, capacity).init();
        PoolController {
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

    fn start_pool(&mut self, lab: &mut Lab, config: PoolConfig) -> Result<(), PoolError> {
        let init_iters = lab.region().iters_per_ms() * u64::from(config.init_ms);
        section(lab, self.capacity).open_pool(config.maxtasks.unwrap_or(0), init_iters);
        let mut pool = Pool {
            config,
            members: Vec::new(),
            broken: false,
            broken_told: false,
            started: 0,
        };
        let mut first_error = None;
        for place in 0..config.workers as usize {
            if let Err(e) = self.spawn_into(lab, &mut pool, place) {
                first_error.get_or_insert(e);
            }
        }
        if pool.members.is_empty() {
            return Err(PoolError::Start(
                first_error.unwrap_or(LabError::Cap(lab.config().max_workers)),
            ));
        }
        if let Some(e) = first_error {
            self.events.push(PoolEvent::Error(format!(
                "the pool has {} of {} workers: {e}",
                pool.members.len(),
                config.workers
            )));
        }
        self.events.push(PoolEvent::PoolStarted {
            config,
            workers: pool.members.iter().map(|m| (m.id, m.pid)).collect(),
        });
        self.pool = Some(pool);
        Ok(())
    }

    /// Starts a process for `place` and tells it, by its pid, that the
    /// place is its own.
    fn spawn_into(&mut self, lab: &mut Lab, pool: &mut Pool, place: usize) -> Result<(), LabError> {
        let serial = self.next_serial;
        self.next_serial += 1;
        let sh = section(lab, self.capacity);
        sh.header.positions[place].reset_for(serial);
        let spawned_ns = clock::now_ns();
        match lab.start_with(Self::options(&pool.config)) {
            Ok(id) => {
                let pid = lab.pid(id).unwrap_or(0);
                sh.header.positions[place].pid.store(pid, Ordering::Release);
                pool.started += 1;
                pool.members.push(Member {
                    id,
                    pid,
                    place,
                    serial,
                    init_seen: 0,
                    busy_base_ns: 0,
                    doomed: false,
                });
                if let Some(run) = self.run.as_mut().filter(|r| r.is_running()) {
                    let from = run.us(spawned_ns);
                    run.lanes.begin_life(place, serial, from);
                }
                Ok(())
            }
            Err(e) => {
                sh.header.positions[place].want.store(0, Ordering::Release);
                Err(e)
            }
        }
    }

    /// `pool.close(); pool.join()`: idle workers exit with 0 and are joined;
    /// any that do not within a second are terminated, then killed.
    pub fn close(&mut self, lab: &mut Lab) {
        let Some(pool) = self.pool.take() else {
            return;
        };
        let sh = section(lab, self.capacity);
        sh.header.closing.store(1, Ordering::Release);
        sh.wake_workers();
        let deadline = Instant::now() + CLOSE_GRACE;
        let mut joined = Vec::new();
        for m in &pool.members {
            let left = deadline.saturating_duration_since(Instant::now());
            let code = match lab.join(m.id, Some(left)) {
                Ok(Some(code)) => code,
                _ => {
                    let _ = lab.terminate(m.id);
                    match lab.join(m.id, Some(Duration::from_millis(500))) {
                        Ok(Some(code)) => code,
                        _ => {
                            let _ = lab.kill(m.id);
                            lab.join(m.id, None).ok().flatten().unwrap_or(-9)
                        }
                    }
                }
            };
            joined.push((m.id, code));
        }
        // Only now, with every old worker gone, may the flag go down.
        sh.header.closing.store(0, Ordering::Release);
        self.events.push(PoolEvent::PoolClosed {
            config: pool.config,
            joined,
        });
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

    /// Notes initializers as they run.
    fn learn_places(&mut self, lab: &Lab) {
        let sh = section(lab, self.capacity);
        let (Some(pool), Some(run)) = (&mut self.pool, &mut self.run) else {
            return;
        };
        for m in pool.members.iter_mut().filter(|m| m.init_seen < 2) {
            let pos = &sh.header.positions[m.place];
            let start = pos.init_start_ns.load(Ordering::Acquire);
            let end = pos.init_end_ns.load(Ordering::Acquire);
            if start == 0 || pos.serial.load(Ordering::Acquire) != m.serial {
                continue;
            }
            let from = run.us(start);
            if end != 0 {
                run.lanes.set_init(m.serial, from..run.us(end));
                m.init_seen = 2;
            } else if m.init_seen == 0 {
                run.lanes.set_init(m.serial, from..u64::MAX);
                m.init_seen = 1;
            }
        }
    }

    /// Joins pool workers that ended, says why, and keeps the pool full.
    fn reap(&mut self, lab: &mut Lab) {
        let Some(mut pool) = self.pool.take() else {
            return;
        };
        let sh = section(lab, self.capacity);
        let now = clock::now_ns();
        let mut k = 0;
        while k < pool.members.len() {
            let Ok(Some(exitcode)) = lab.exitcode(pool.members[k].id) else {
                k += 1;
                continue;
            };
            let m = pool.members.remove(k);
            let _ = lab.join_nowait(m.id);
            if m.doomed {
                self.events.push(PoolEvent::Joined { id: m.id, exitcode });
                continue;
            }
            let serial = m.serial;
            let pos = &sh.header.positions[m.place];
            let retired = exitcode == 0 && pos.state() == PosState::Retired;
            let tasks = pos.tasks.load(Ordering::Relaxed);
            let during_run = self.running();
            let mut lost = Vec::new();
            if let Some(run) = self.run.as_mut().filter(|r| r.is_running()) {
                if let Some(chunk) = pos.current.load(Ordering::Acquire).checked_sub(1) {
                    let rec = &sh.chunks[chunk as usize];
                    let (job, status, owner) = split_chunk_word(rec.state.load(Ordering::Acquire));
                    if job == run.job && status == TAKEN && owner == serial {
                        run.mark_lost(chunk, serial);
                        lost.push(run.items_of(chunk));
                        // It was busy until it died: the lane shows the
                        // work that was lost.
                        let start = u64::from(rec.start_us.load(Ordering::Relaxed));
                        let at = run.us(now);
                        run.lanes.add_busy(m.place, start..at);
                        run.busy_ended_ns += at.saturating_sub(start) * 1_000;
                    }
                }
                if !retired {
                    run.had_death = true;
                }
                let busy = pos.busy_ns.load(Ordering::Relaxed);
                run.busy_ended_ns += busy.saturating_sub(m.busy_base_ns);
            }
            if let Some(run) = &mut self.run {
                let at = run.us(now);
                run.lanes.end_life(serial, at);
            }
            pos.reset_for(0);
            if retired {
                self.events.push(PoolEvent::Retired {
                    id: m.id,
                    pid: m.pid,
                    serial,
                    tasks,
                });
            } else {
                self.events.push(PoolEvent::Died {
                    id: m.id,
                    pid: m.pid,
                    serial,
                    exitcode,
                    lost,
                    executor: pool.config.executor,
                    during_run,
                });
                if pool.config.executor {
                    pool.broken = true;
                }
            }
            if !pool.broken {
                // Python's `_maintain_pool`: join the exited, start replacements.
                match self.spawn_into(lab, &mut pool, m.place) {
                    Ok(()) => {
                        let new = pool.members.last().expect("just started");
                        self.events.push(PoolEvent::Replaced {
                            id: new.id,
                            pid: new.pid,
                            serial: new.serial,
                            replaced: m.id,
                            after: serial,
                        });
                    }
                    Err(e) => self
                        .events
                        .push(PoolEvent::Error(format!("no replacement worker: {e}"))),
                }
            }
        }
        if pool.broken && !pool.broken_told {
            // concurrent/futures/process.py, terminate_broken: pending
            // futures raise BrokenProcessPool and the other workers are
            // terminated, since the queues may be in a dirty state.
            pool.broken_told = true;
            let mut terminated = Vec::new();
            for m in &mut pool.members {
                if !m.doomed && lab.terminate(m.id).is_ok() {
                    terminated.push(m.id);
                }
                m.doomed = true;
            }
            let mut failed_items = 0;
            sh.close_job();
            if let Some(run) = self.run.as_mut().filter(|r| r.is_running()) {
                let at = run.us(now);
                run.busy_ns = run_busy_ns(run, &pool, &sh);
                run.break_all(at);
                failed_items = run.failed_items();
                self.finish_run(pool.started);
            }
            self.events.push(PoolEvent::Broken {
                terminated,
                failed_items,
            });
        }
        self.pool = Some(pool);
    }

    fn finish_run(&mut self, processes: u32) {
        let Some(run) = &self.run else {
            return;
        };
        let record = run.record(processes);
        self.history.push(record.clone());
        if self.history.len() > RUNS_KEPT {
            self.history.remove(0);
        }
        self.events.push(PoolEvent::RunFinished(record));
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
        mut until: impl FnMut(&PoolController) -> bool,
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

    /// What the panel shows now.
    pub fn view(&self, lab: &Lab) -> PoolView {
        let sh = section(lab, self.capacity);
        let places = self.places();
        let current: Vec<u32> = sh.header.positions[..places]
            .iter()
            .map(|p| p.serial.load(Ordering::Acquire))
            .collect();
        PoolView {
            pool: self.pool.as_ref().map(|p| PoolInfo {
                config: p.config,
                alive: p.members.iter().filter(|m| !m.doomed).count() as u32,
                broken: p.broken,
            }),
            run: self.run.as_ref().map(|r| {
                let flying = if r.is_running() {
                    track::in_flight(&sh, r.job, places)
                } else {
                    Vec::new()
                };
                r.view(&sh, clock::now_ns(), &flying, &current)
            }),
            history: self.history.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
