//! The race: one fixed job (by default 2 x cores CPU-bound tasks of about a
//! second) run with 1, 2, ... workers in each mode, one run after another,
//! timing each: wall time from the first start to the end of the last task,
//! CPU time of every worker as the kernel counted it.
//!
//! It is engine logic with no terminal: [`Race::poll`] starts the next run
//! and looks at the current one without blocking, so the UI drives it from
//! its tick and `proclab race` from a loop. While it runs, every other live
//! worker is paused (SIGSTOP) so the race has the cores to itself, and
//! resumed after.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::lab::clock;
use crate::lab::shm::SectionId;
use crate::lab::{Held, Hold, Lab, LabError, Role, StartOptions, Status, WorkerId, Workload};
use crate::metrics::procstat;

use super::Mode;
use super::area::{GilSection, InterpConfig, RACE, ThreadKind};

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RacePlan {
    /// Each run: a mode and a number of workers, in order.
    pub runs: Vec<(Mode, usize)>,
    /// Tasks in the job, shared out between the workers of a run.
    pub tasks: u64,
    /// Wall time of one task run alone.
    pub task_ms: u64,
    pub workload: Workload,
    /// The switch interval of the thread modes.
    pub interval_us: u32,
}

impl RacePlan {
    /// Every mode in `modes`, with 1 to `max_workers` workers each.
    pub fn sweep(
        modes: &[Mode],
        max_workers: usize,
        tasks: u64,
        task_ms: u64,
        workload: Workload,
        interval_us: u32,
    ) -> RacePlan {
        let runs = modes
            .iter()
            .flat_map(|&m| (1..=max_workers.max(1)).map(move |w| (m, w)))
            .collect();
        RacePlan {
            runs,
            tasks,
            task_ms,
            workload,
            interval_us,
        }
    }
}

/// Tasks for worker `i` of `workers` when `tasks` are shared out as evenly
/// as they go (the first ones get one more).
pub fn share(tasks: u64, workers: usize, i: usize) -> u64 {
    let w = workers.max(1) as u64;
    tasks / w + u64::from((i as u64) < tasks % w)
}

/// The best speedup `workers` workers can reach on `cores` cores: one
/// core each for CPU-bound work; for sleeps, which need no core, one each.
pub fn ideal(workload: Workload, workers: usize, cores: usize) -> f64 {
    match workload {
        Workload::Cpu => workers.min(cores) as f64,
        Workload::Io => workers as f64,
    }
}

/// One finished run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunResult {
    pub mode: Mode,
    pub workers: usize,
    pub wall: Duration,
    /// CPU time of all its workers; None if a worker was reaped by someone
    /// else before the race could read it.
    pub cpu: Option<Duration>,
    pub tasks_done: u64,
}

impl RunResult {
    /// Cores kept busy on average: CPU time over wall time.
    pub fn cores_used(&self) -> Option<f64> {
        let wall = self.wall.as_secs_f64();
        self.cpu
            .filter(|_| wall > 0.0)
            .map(|c| c.as_secs_f64() / wall)
    }
}

/// What the race reports as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum RaceEvent {
    /// Other live workers were paused so the race runs alone.
    Paused(Vec<WorkerId>),
    RunStarted {
        index: usize,
        mode: Mode,
        workers: usize,
        ids: Vec<WorkerId>,
    },
    RunFinished {
        index: usize,
        result: RunResult,
    },
    /// Every run is done; the paused workers were resumed.
    Finished {
        results: Vec<RunResult>,
        resumed: Vec<WorkerId>,
    },
    /// A run could not finish (a worker failed or was stopped by hand).
    Failed {
        index: usize,
        reason: String,
        resumed: Vec<WorkerId>,
    },
    /// Stopped on request: the run's workers were killed and joined.
    Cancelled {
        killed: usize,
        resumed: Vec<WorkerId>,
    },
}

struct Run {
    index: usize,
    mode: Mode,
    workers: usize,
    ids: Vec<WorkerId>,
    start_ns: u64,
}

/// A race in progress.
pub struct Race {
    plan: RacePlan,
    next: usize,
    current: Option<Run>,
    results: Vec<RunResult>,
    paused: Vec<WorkerId>,
    started: bool,
    over: bool,
}

impl Race {
    pub fn new(plan: RacePlan) -> Race {
        Race {
            plan,
            next: 0,
            current: None,
            results: Vec::new(),
            paused: Vec::new(),
            started: false,
            over: false,
        }
    }

    /// The race has finished, failed or been cancelled.
    pub fn is_over(&self) -> bool {
        self.over
    }

    /// The workers of the run going on now.
    pub fn current_workers(&self) -> &[WorkerId] {
        self.current.as_ref().map_or(&[], |r| &r.ids)
    }

    /// The mode of the run going on now.
    pub fn current_mode(&self) -> Option<Mode> {
        self.current.as_ref().map(|r| r.mode)
    }

    /// Whether a worker belongs to the race.
    pub fn owns(&self, id: WorkerId) -> bool {
        self.current_workers().contains(&id)
    }

    /// Starts the next run, or looks at the current one; never blocks.
    pub fn poll(&mut self, lab: &mut Lab) -> Vec<RaceEvent> {
        let mut events = Vec::new();
        if self.over {
            return events;
        }
        if !self.started {
            self.started = true;
            let (held, stopped) = pause_others(lab);
            self.paused = held;
            if !stopped.is_empty() {
                events.push(RaceEvent::Paused(stopped));
            }
        }
        loop {
            let Some(run) = &self.current else {
                if self.next >= self.plan.runs.len() {
                    let resumed = self.resume(lab);
                    self.over = true;
                    events.push(RaceEvent::Finished {
                        results: self.results.clone(),
                        resumed,
                    });
                    return events;
                }
                let index = self.next;
                self.next += 1;
                match self.start_run(lab, index) {
                    Ok(run) => {
                        events.push(RaceEvent::RunStarted {
                            index,
                            mode: run.mode,
                            workers: run.workers,
                            ids: run.ids.clone(),
                        });
                        self.current = Some(run);
                    }
                    Err(e) => {
                        events.push(self.fail(lab, index, e.to_string()));
                        return events;
                    }
                }
                continue;
            };
            match finished(lab, run) {
                Check::Running => return events,
                Check::Failed(reason) => {
                    let index = run.index;
                    events.push(self.fail(lab, index, reason));
                    return events;
                }
                Check::Done => {
                    let run = self.current.take().expect("a current run");
                    let result = self.collect(lab, &run);
                    self.results.push(result);
                    events.push(RaceEvent::RunFinished {
                        index: run.index,
                        result,
                    });
                }
            }
        }
    }

    /// Kills the current run's workers, joins them, resumes the others.
    pub fn cancel(&mut self, lab: &mut Lab) -> RaceEvent {
        let killed = self.stop_current(lab);
        let resumed = self.resume(lab);
        self.over = true;
        RaceEvent::Cancelled { killed, resumed }
    }

    fn fail(&mut self, lab: &mut Lab, index: usize, reason: String) -> RaceEvent {
        self.stop_current(lab);
        let resumed = self.resume(lab);
        self.over = true;
        RaceEvent::Failed {
            index,
            reason,
            resumed,
        }
    }

    fn stop_current(&mut self, lab: &mut Lab) -> usize {
        let Some(run) = self.current.take() else {
            return 0;
        };
        let mut killed = 0;
        for &id in &run.ids {
            if lab.kill(id).is_ok() {
                killed += 1;
            }
        }
        for &id in &run.ids {
            let _ = lab.join(id, None);
            lab.forget(id);
        }
        section(lab).areas[RACE].release();
        killed
    }

    /// Lets go of the race's hold on the workers it paused: those nothing
    /// else holds (a lab not shown) run again.
    fn resume(&mut self, lab: &mut Lab) -> Vec<WorkerId> {
        std::mem::take(&mut self.paused)
            .into_iter()
            .filter(|&id| lab.release(id, Hold::Race).unwrap_or(false))
            .collect()
    }

    fn start_run(&self, lab: &mut Lab, index: usize) -> Result<Run, LabError> {
        let (mode, workers) = self.plan.runs[index];
        let p = &self.plan;
        let start_ns = clock::now_ns();
        let mut ids = Vec::with_capacity(workers);
        if mode.is_threads() {
            let area = &section(lab).areas[RACE];
            area.claim(InterpConfig {
                gil: mode.has_gil(),
                interval_us: p.interval_us,
                exit_when_done: true,
            })
            .map_err(|e| LabError::Spawn {
                exe: "the race's interpreter".into(),
                error: std::io::Error::other(e),
            })?;
            let kind = match p.workload {
                Workload::Cpu => ThreadKind::Cpu,
                Workload::Io => ThreadKind::Io,
            };
            for i in 0..workers {
                area.request_thread(kind, share(p.tasks, workers, i), p.task_ms);
            }
            let id = lab.start_with(StartOptions {
                role: Role::Interpreter,
                workload: p.workload,
                tasks: None,
                task_ms: p.task_ms,
                daemon: true,
            })?;
            if let Ok(Some(slot)) = lab.slot_index(id) {
                section(lab).areas[RACE]
                    .owner_slot
                    .store(slot as u32 + 1, Ordering::Release);
            }
            ids.push(id);
        } else {
            for i in 0..workers {
                match lab.start_with(StartOptions {
                    role: Role::Tasks,
                    workload: p.workload,
                    tasks: Some(share(p.tasks, workers, i)),
                    task_ms: p.task_ms,
                    daemon: true,
                }) {
                    Ok(id) => ids.push(id),
                    Err(e) => {
                        for &id in &ids {
                            let _ = lab.kill(id);
                            let _ = lab.join(id, None);
                            lab.forget(id);
                        }
                        return Err(e);
                    }
                }
            }
        }
        Ok(Run {
            index,
            mode,
            workers,
            ids,
            start_ns,
        })
    }

    /// Reads the finished run's figures, then joins and forgets its workers.
    fn collect(&self, lab: &mut Lab, run: &Run) -> RunResult {
        let ticks_per_s = procstat::ticks_per_second().max(1);
        let mut end_ns = run.start_ns;
        let mut ticks = Some(0u64);
        let mut tasks_done = 0;
        for &id in &run.ids {
            let slot = lab.slot_index(id).ok().flatten();
            if let Some(slot) = slot {
                let s = lab.region().slot(slot);
                tasks_done += s.tasks_done.load(Ordering::Relaxed);
                let ended = if run.mode.is_threads() {
                    section(lab).areas[RACE].done_ns.load(Ordering::Acquire)
                } else {
                    s.heartbeat_ns.load(Ordering::Relaxed)
                };
                end_ns = end_ns.max(ended);
            }
            // The worker is a zombie: its times are final and still there.
            let cpu = lab
                .pid(id)
                .ok()
                .filter(|_| matches!(lab.status(id), Ok(Status::Exited(_))))
                .and_then(procstat::read_process)
                .map(|st| st.cpu_ticks);
            ticks = ticks.zip(cpu).map(|(a, b)| a + b);
        }
        for &id in &run.ids {
            let _ = lab.join(id, None);
            lab.forget(id);
        }
        if run.mode.is_threads() {
            section(lab).areas[RACE].release();
        }
        RunResult {
            mode: run.mode,
            workers: run.workers,
            wall: Duration::from_nanos(end_ns.saturating_sub(run.start_ns)),
            cpu: ticks.map(|t| Duration::from_nanos(t * 1_000_000_000 / ticks_per_s)),
            tasks_done,
        }
    }
}

fn section(lab: &Lab) -> &GilSection {
    lab.region().section(SectionId::Gil)
}

enum Check {
    Running,
    Done,
    Failed(String),
}

/// Has every worker of the run ended, and well?
fn finished(lab: &mut Lab, run: &Run) -> Check {
    let mut done = true;
    for &id in &run.ids {
        match lab.exitcode(id) {
            Ok(None) => done = false,
            Ok(Some(0)) => {}
            Ok(Some(code)) => {
                return Check::Failed(format!(
                    "worker {id} ended with exitcode {}",
                    crate::lab::describe_exitcode(code)
                ));
            }
            Err(e) => return Check::Failed(e.to_string()),
        }
    }
    if done { Check::Done } else { Check::Running }
}

/// Holds every live worker paused (the race has started none yet), as
/// [`Hold::Race`]: one the user paused is left alone, one already held for
/// another reason (its lab is not shown) stays paused until both holds
/// end. Returns the workers held, and those of them stopped now.
fn pause_others(lab: &mut Lab) -> (Vec<WorkerId>, Vec<WorkerId>) {
    let live: Vec<WorkerId> = lab
        .snapshot()
        .iter()
        .filter(|w| w.status.is_alive())
        .map(|w| w.id)
        .collect();
    let (mut held, mut stopped) = (Vec::new(), Vec::new());
    for id in live {
        match lab.hold(id, Hold::Race) {
            Ok(Held::Stopped) => {
                held.push(id);
                stopped.push(id);
            }
            Ok(Held::Already) => held.push(id),
            Ok(Held::No) | Err(_) => {}
        }
    }
    (held, stopped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_are_shared_out_evenly() {
        assert_eq!(
            (0..3).map(|i| share(4, 3, i)).collect::<Vec<_>>(),
            [2, 1, 1]
        );
        assert_eq!(
            (0..4).map(|i| share(2, 4, i)).collect::<Vec<_>>(),
            [1, 1, 0, 0]
        );
        assert_eq!(share(4, 1, 0), 4);
    }

    #[test]
    fn a_sweep_runs_every_mode_with_one_to_n_workers() {
        let plan = RacePlan::sweep(
            &[Mode::Threads, Mode::Processes],
            3,
            6,
            100,
            Workload::Cpu,
            5_000,
        );
        assert_eq!(
            plan.runs,
            vec![
                (Mode::Threads, 1),
                (Mode::Threads, 2),
                (Mode::Threads, 3),
                (Mode::Processes, 1),
                (Mode::Processes, 2),
                (Mode::Processes, 3),
            ]
        );
    }
}
