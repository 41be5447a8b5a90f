//! Keeping the pool: starting its workers, joining those that end and
//! starting replacements (Python's `Pool._maintain_pool`), closing it, and
//! breaking an executor that lost a worker.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::shared::{PoolShared, PosState, TAKEN, split_chunk_word};
use super::track::Run;
use super::record::RUNS_KEPT;
use super::{Member, Pool, PoolConfig, PoolError, PoolEvent, PoolLab, section};
use crate::lab::clock;
use crate::lab::{Lab, LabError};

/// How long `close` lets idle workers take to exit before terminating them.
const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// How long a terminated worker has to end before it is killed.
const TERMINATE_GRACE: Duration = Duration::from_millis(500);

/// Time the run's workers spent inside chunks: those that ended during the
/// run, and the live ones since it started.
pub(super) fn run_busy_ns(run: &Run, pool: &Pool, sh: &PoolShared<'_>) -> u64 {
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

impl PoolLab {
    pub(super) fn start_pool(
        &mut self,
        lab: &mut Lab,
        config: PoolConfig,
    ) -> Result<(), PoolError> {
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
    pub(super) fn spawn_into(
        &mut self,
        lab: &mut Lab,
        pool: &mut Pool,
        place: usize,
    ) -> Result<(), LabError> {
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

    /// `pool.terminate(); pool.join()`: every worker gets SIGTERM at once,
    /// without the work being finished, and is joined (killed if it has
    /// not ended in half a second); a run going on stops where it is and
    /// its results never come. An executor has no `terminate()`: its
    /// workers are terminated as any child processes would be, and it
    /// breaks as Python's does (every pending future raises
    /// `BrokenProcessPool`), seen at the next look. Returns whether there
    /// was a pool.
    pub fn terminate(&mut self, lab: &mut Lab) -> bool {
        let Some(pool) = self.pool.take() else {
            return false;
        };
        if pool.config.executor {
            for m in pool.members.iter().filter(|m| !m.doomed) {
                let _ = lab.terminate(m.id);
            }
            self.pool = Some(pool);
            return true;
        }
        let sh = section(lab, self.capacity);
        for m in &pool.members {
            let _ = lab.terminate(m.id);
        }
        let mut joined = Vec::new();
        for m in &pool.members {
            let code = match lab.join(m.id, Some(TERMINATE_GRACE)) {
                Ok(Some(code)) => code,
                _ => {
                    let _ = lab.kill(m.id);
                    lab.join(m.id, None).ok().flatten().unwrap_or(-9)
                }
            };
            joined.push((m.id, code));
        }
        sh.close_job();
        let mut stopped = None;
        if let Some(run) = self.run.as_mut().filter(|r| r.is_running()) {
            run.absorb(&sh);
            run.busy_ns = run_busy_ns(run, &pool, &sh);
            let at = run.us(clock::now_ns());
            run.terminate(at);
            stopped = Some(run.number);
            self.finish_run(pool.started);
        }
        self.events.push(PoolEvent::Terminated {
            config: pool.config,
            joined,
            run: stopped,
        });
        true
    }

    /// Notes initializers as they run.
    pub(super) fn learn_places(&mut self, lab: &Lab) {
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
    pub(super) fn reap(&mut self, lab: &mut Lab) {
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
                // Futures that completed before the break keep their results.
                run.absorb(&sh);
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

    pub(super) fn finish_run(&mut self, processes: u32) {
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
}
