//! The GIL lab's controller, held by the engine: the lab's own workers in
//! the current mode, the switch interval, the convoy thread, and the race.
//!
//! In processes mode each worker is an ordinary task process; in the thread
//! modes the workers are threads of one interpreter process, which proclab
//! asks for more threads through its area of the shared region. Changing
//! mode stops the lab's workers (terminate and join) and starts as many in
//! the new mode, each with the workload it had.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::lab::locks::LockError;
use crate::lab::shm::SectionId;
use crate::lab::{Lab, LabError, Role, StartOptions, Status, WorkerId, Workload};

use super::area::{
    FOREVER, GilSection, INTERACTIVE, InterpArea, InterpConfig, RACE, ThreadKind, ThreadState,
};
use super::race::{Race, RaceEvent, RacePlan};
use super::ring::Read;
use super::{DEFAULT_INTERVAL_US, Mode};

/// How long stopped workers get to end before they are killed.
const STOP_GRACE: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
pub enum GilError {
    #[error(transparent)]
    Lab(#[from] LabError),
    #[error(
        "the interpreter already runs {max} threads, the most proclab starts in one",
        max = super::area::MAX_THREADS
    )]
    ThreadCap,
    #[error("the simulated GIL's lock could not be set up: {0}")]
    Lock(#[from] LockError),
    #[error("a race is running: wait for it, or cancel it with Esc")]
    RaceRunning,
}

/// Something the GIL lab reports without being asked this instant.
#[derive(Debug, Clone, PartialEq)]
pub enum GilEvent {
    Race(RaceEvent),
}

/// A worker the lab started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// A worker process (`Process(target=...).start()`).
    Process { id: WorkerId, pid: u32 },
    /// A thread in the interpreter process (`Thread(target=...).start()`).
    Thread {
        interp: WorkerId,
        pid: u32,
        /// The thread's number in its interpreter, from 1.
        thread: u16,
        /// The interpreter was started for it.
        new_interpreter: bool,
    },
}

/// What one thread of an interpreter reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadSnapshot {
    pub number: u16,
    pub tid: u32,
    pub kind: ThreadKind,
    pub state: ThreadState,
    pub tasks_done: u64,
    /// Progress of its current task, 0..=10,000.
    pub progress: u32,
    pub ops: u64,
    pub held_ns: u64,
    pub waited_ns: u64,
    /// Stopping was asked for (the convoy thread switched off).
    pub stopping: bool,
}

/// One interpreter, as its area shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterpSnapshot {
    pub id: WorkerId,
    pub pid: u32,
    /// The process is alive (it may be paused); false once it has ended.
    pub alive: bool,
    pub area: usize,
    pub generation: u32,
    pub gil: bool,
    pub interval_us: u32,
    /// The thread holding the GIL now (from 1), if any.
    pub holder: Option<u16>,
    pub switch_number: u64,
    pub drop_requests: u64,
    /// The ring's first record for this interpreter.
    pub first_seq: u64,
    pub threads: Vec<ThreadSnapshot>,
}

/// The lab as the UI shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct GilSnapshot {
    pub mode: Mode,
    pub interval_us: u32,
    /// The lab's own interpreter (thread modes, or the convoy's in processes mode).
    pub interactive: Option<InterpSnapshot>,
    /// The race's interpreter, during a thread-mode run.
    pub race: Option<InterpSnapshot>,
    /// The lab's own worker processes that are not joined.
    pub processes: Vec<WorkerId>,
}

struct Interp {
    id: WorkerId,
    gil: bool,
}

/// The controller.
pub struct GilLab {
    mode: Mode,
    interval_us: u32,
    processes: Vec<WorkerId>,
    interp: Option<Interp>,
    /// The convoy thread's number in the interactive interpreter.
    convoy: Option<u16>,
    race: Option<Race>,
}

impl Default for GilLab {
    fn default() -> Self {
        GilLab::new()
    }
}

fn section(lab: &Lab) -> &GilSection {
    lab.region().section(SectionId::Gil)
}

fn kind_of(workload: Workload) -> ThreadKind {
    match workload {
        Workload::Cpu => ThreadKind::Cpu,
        Workload::Io => ThreadKind::Io,
    }
}

impl GilLab {
    pub fn new() -> GilLab {
        GilLab {
            mode: Mode::Processes,
            interval_us: DEFAULT_INTERVAL_US,
            processes: Vec::new(),
            interp: None,
            convoy: None,
            race: None,
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn interval_us(&self) -> u32 {
        self.interval_us
    }

    pub fn racing(&self) -> bool {
        self.race.as_ref().is_some_and(|r| !r.is_over())
    }

    /// Whether a worker belongs to the race going on.
    pub fn owns(&self, id: WorkerId) -> bool {
        self.race.as_ref().is_some_and(|r| r.owns(id))
    }

    /// Sets the mode for the workers started from now on, without touching
    /// those running (see [`GilLab::switch_mode`]).
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    /// `sys.setswitchinterval`: for the lab's interpreter now, and new ones.
    pub fn set_interval(&mut self, lab: &Lab, us: u32) {
        self.interval_us = us;
        if self.interp.is_some() {
            let area = &section(lab).areas[INTERACTIVE];
            area.gil.interval_us.store(us, Ordering::Relaxed);
        }
    }

    fn not_racing(&self) -> Result<(), GilError> {
        if self.racing() {
            Err(GilError::RaceRunning)
        } else {
            Ok(())
        }
    }

    /// Starts one worker in the current mode: a process, or a thread of the
    /// lab's interpreter (starting the interpreter if there is none).
    pub fn add(
        &mut self,
        lab: &mut Lab,
        workload: Workload,
        task_ms: u64,
    ) -> Result<Added, GilError> {
        self.not_racing()?;
        if !self.mode.is_threads() {
            let id = lab.start_with(StartOptions {
                role: Role::Tasks,
                workload,
                tasks: None,
                task_ms,
                daemon: false,
            })?;
            self.processes.push(id);
            return Ok(Added::Process {
                id,
                pid: lab.pid(id)?,
            });
        }
        self.add_thread(lab, kind_of(workload), task_ms)
    }

    fn add_thread(
        &mut self,
        lab: &mut Lab,
        kind: ThreadKind,
        task_ms: u64,
    ) -> Result<Added, GilError> {
        // A Python program's own threads share its GIL; only a free-threaded
        // build has none (in processes mode this interpreter is the main
        // program, holding the convoy thread).
        let gil = self.mode != Mode::FreeThreads;
        let (interp, new_interpreter) = self.ensure_interpreter(lab, gil)?;
        let area = &section(lab).areas[INTERACTIVE];
        let thread = area
            .request_thread(kind, FOREVER, task_ms)
            .ok_or(GilError::ThreadCap)?;
        Ok(Added::Thread {
            interp,
            pid: lab.pid(interp)?,
            thread,
            new_interpreter,
        })
    }

    /// The lab's interpreter, started if there is none alive.
    fn ensure_interpreter(
        &mut self,
        lab: &mut Lab,
        gil: bool,
    ) -> Result<(WorkerId, bool), GilError> {
        if let Some(interp) = self.interp.take()
            && lab.is_alive(interp.id).unwrap_or(false)
        {
            if interp.gil == gil {
                let id = interp.id;
                self.interp = Some(interp);
                return Ok((id, false));
            }
            // Its area is about to be reused: it must be gone first.
            stop(lab, interp.id);
        }
        // The old interpreter, if any, has ended: its area is free again.
        self.convoy = None;
        section(lab).areas[INTERACTIVE].claim(InterpConfig {
            gil,
            interval_us: self.interval_us,
            exit_when_done: false,
        })?;
        let id = lab.start_with(StartOptions {
            role: Role::Interpreter,
            workload: Workload::Cpu,
            tasks: None,
            task_ms: 1000,
            daemon: false,
        })?;
        if let Some(slot) = lab.slot_index(id)? {
            section(lab).areas[INTERACTIVE]
                .owner_slot
                .store(slot as u32 + 1, Ordering::Release);
        }
        self.interp = Some(Interp { id, gil });
        Ok((id, true))
    }

    /// The live interactive interpreter, if any.
    fn live_interp(&self, lab: &mut Lab) -> Option<WorkerId> {
        let id = self.interp.as_ref()?.id;
        lab.is_alive(id).unwrap_or(false).then_some(id)
    }

    /// The lab's workers doing tasks now, as the workloads they run.
    fn running_workloads(&mut self, lab: &mut Lab) -> Vec<Workload> {
        let mut out = Vec::new();
        let snaps = lab.snapshot();
        for id in &self.processes {
            if let Some(w) = snaps.iter().find(|w| w.id == *id && w.status.is_alive()) {
                out.push(w.workload);
            }
        }
        if self.live_interp(lab).is_some() {
            let area = &section(lab).areas[INTERACTIVE];
            for (i, t) in area.requested_threads().iter().enumerate() {
                if Some(i as u16 + 1) == self.convoy || t.state() == ThreadState::Done {
                    continue;
                }
                match t.kind() {
                    Some(ThreadKind::Cpu) => out.push(Workload::Cpu),
                    Some(ThreadKind::Io) => out.push(Workload::Io),
                    _ => {}
                }
            }
        }
        out
    }

    /// Stops the lab's own workers (terminate, join; kill any that lingers).
    /// Returns each stopped worker and its exitcode.
    pub fn stop_all(&mut self, lab: &mut Lab) -> Vec<(WorkerId, i32)> {
        let mut ids: Vec<WorkerId> = std::mem::take(&mut self.processes);
        if let Some(interp) = self.interp.take() {
            ids.push(interp.id);
        }
        self.convoy = None;
        let mut live = Vec::new();
        for id in ids {
            if lab.is_alive(id).unwrap_or(false) && lab.terminate(id).is_ok() {
                live.push(id);
            }
        }
        let mut stopped = Vec::new();
        for id in live {
            if let Some(code) = join_or_kill(lab, id) {
                stopped.push((id, code));
            }
        }
        section(lab).areas[INTERACTIVE].release();
        stopped
    }

    /// Changes mode: stops the lab's workers and starts as many in `mode`,
    /// each with its workload, and the convoy thread again if it was on.
    pub fn switch_mode(
        &mut self,
        lab: &mut Lab,
        mode: Mode,
        task_ms: u64,
    ) -> Result<ModeSwitch, GilError> {
        self.not_racing()?;
        let workloads = self.running_workloads(lab);
        let convoy = self.convoy.is_some();
        let stopped = self.stop_all(lab);
        self.mode = mode;
        let mut started = Vec::new();
        for workload in workloads {
            started.push((self.add(lab, workload, task_ms)?, workload));
        }
        let convoy = if convoy {
            Some(
                self.set_convoy(lab, true)?
                    .expect("a convoy thread started"),
            )
        } else {
            None
        };
        Ok(ModeSwitch {
            stopped,
            started,
            convoy,
        })
    }

    /// Starts or stops the convoy thread: short blocking calls one after
    /// another, in the lab's interpreter (its own in processes mode, so the
    /// CPU-bound work is elsewhere). Returns it when started.
    pub fn set_convoy(&mut self, lab: &mut Lab, on: bool) -> Result<Option<Added>, GilError> {
        self.not_racing()?;
        if on {
            if let Some(thread) = self.convoy
                && let Some(interp) = self.live_interp(lab)
            {
                return Ok(Some(Added::Thread {
                    interp,
                    pid: lab.pid(interp)?,
                    thread,
                    new_interpreter: false,
                }));
            }
            let added = self.add_thread(lab, ThreadKind::Convoy, 0)?;
            if let Added::Thread { thread, .. } = added {
                self.convoy = Some(thread);
            }
            return Ok(Some(added));
        }
        let Some(thread) = self.convoy.take() else {
            return Ok(None);
        };
        // The thread sees its quota change and returns, as a Python thread
        // would on a stop event: a thread cannot be killed from outside.
        section(lab).areas[INTERACTIVE].threads[usize::from(thread) - 1]
            .quota
            .store(0, Ordering::Relaxed);
        // In processes mode the interpreter held only this thread.
        if !self.mode.is_threads()
            && let Some(interp) = self.interp.take()
        {
            stop(lab, interp.id);
            section(lab).areas[INTERACTIVE].release();
        }
        Ok(None)
    }

    /// Starts a race; every other live worker is paused until it ends.
    pub fn start_race(&mut self, plan: RacePlan) -> Result<(), GilError> {
        self.not_racing()?;
        self.race = Some(Race::new(plan));
        Ok(())
    }

    /// Cancels the race going on, if any: its workers are killed and joined.
    pub fn cancel_race(&mut self, lab: &mut Lab) -> Option<GilEvent> {
        let race = self.race.as_mut().filter(|r| !r.is_over())?;
        Some(GilEvent::Race(race.cancel(lab)))
    }

    /// Looks at everything once, without blocking.
    pub fn poll(&mut self, lab: &mut Lab) -> Vec<GilEvent> {
        let mut events = Vec::new();
        if let Some(race) = self.race.as_mut().filter(|r| !r.is_over()) {
            events.extend(race.poll(lab).into_iter().map(GilEvent::Race));
        }
        // Forget workers that were joined (by the user or at a mode change).
        self.processes
            .retain(|&id| !matches!(lab.status(id), Ok(Status::Joined(_)) | Err(_)));
        events
    }

    /// The lab as the UI shows it.
    pub fn snapshot(&self, lab: &Lab) -> GilSnapshot {
        let interactive = self.interp.as_ref().and_then(|i| {
            matches!(
                lab.status(i.id),
                Ok(Status::Alive { .. }) | Ok(Status::Exited(_))
            )
            .then(|| interp_snapshot(lab, i.id, INTERACTIVE, self.convoy))
            .flatten()
        });
        let race = self
            .race
            .as_ref()
            .filter(|r| r.current_mode().is_some_and(Mode::is_threads))
            .and_then(|r| r.current_workers().first().copied())
            .and_then(|id| interp_snapshot(lab, id, RACE, None));
        GilSnapshot {
            mode: self.mode,
            interval_us: self.interval_us,
            interactive,
            race,
            processes: self
                .processes
                .iter()
                .copied()
                .filter(|&id| !matches!(lab.status(id), Ok(Status::Joined(_)) | Err(_)))
                .collect(),
        }
    }

    /// Records of an interpreter area from `since` on.
    pub fn read_ring(&self, lab: &Lab, area: usize, since: u64) -> Read {
        section(lab).areas[area].ring.read(since)
    }
}

/// Terminates a worker and joins it; returns its exitcode.
fn stop(lab: &mut Lab, id: WorkerId) -> Option<i32> {
    let _ = lab.terminate(id);
    join_or_kill(lab, id)
}

/// Joins a terminated worker, killing it if it lingers past the grace.
fn join_or_kill(lab: &mut Lab, id: WorkerId) -> Option<i32> {
    match lab.join(id, Some(STOP_GRACE)) {
        Ok(Some(code)) => Some(code),
        _ => {
            let _ = lab.kill(id);
            lab.join(id, None).ok().flatten()
        }
    }
}

/// What a mode change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeSwitch {
    pub stopped: Vec<(WorkerId, i32)>,
    /// Each worker started, with the workload it kept.
    pub started: Vec<(Added, Workload)>,
    pub convoy: Option<Added>,
}

fn interp_snapshot(
    lab: &Lab,
    id: WorkerId,
    index: usize,
    convoy: Option<u16>,
) -> Option<InterpSnapshot> {
    let area: &InterpArea = &section(lab).areas[index];
    let g = &area.gil;
    let holder = g.holder.load(Ordering::Relaxed) as u16;
    let threads = area
        .requested_threads()
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let kind = t.kind()?;
            let quota = t.quota.load(Ordering::Relaxed);
            Some(ThreadSnapshot {
                number: i as u16 + 1,
                tid: t.tid.load(Ordering::Relaxed),
                kind,
                state: t.state(),
                tasks_done: t.tasks_done.load(Ordering::Relaxed),
                progress: t.progress.load(Ordering::Relaxed),
                ops: t.ops.load(Ordering::Relaxed),
                held_ns: t.held_ns.load(Ordering::Relaxed),
                waited_ns: t.waited_ns.load(Ordering::Relaxed),
                stopping: kind == ThreadKind::Convoy
                    && quota != FOREVER
                    && Some(i as u16 + 1) != convoy,
            })
        })
        .collect();
    Some(InterpSnapshot {
        id,
        pid: lab.pid(id).ok()?,
        alive: lab.status(id).is_ok_and(Status::is_alive),
        area: index,
        generation: area.generation.load(Ordering::Acquire),
        gil: g.enabled.load(Ordering::Relaxed) != 0,
        interval_us: g.interval_us.load(Ordering::Relaxed),
        holder: (holder != 0).then_some(holder),
        switch_number: g.switch_number.load(Ordering::Relaxed),
        drop_requests: g.drop_requests.load(Ordering::Relaxed),
        first_seq: area.first_seq.load(Ordering::Relaxed),
        threads,
    })
}
