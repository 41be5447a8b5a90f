//! The sync lab's engine: workers that go round an Event, a Semaphore(k)
//! bounding a critical section, and a Barrier (see [`worker`]), with proclab
//! setting and clearing the event and changing k and the parties.
//!
//! proclab reads the primitives' state without taking their locks, and
//! changes them with a short timeout, so a paused worker that happens to
//! hold one of their internal locks never hangs the UI.

pub mod shared;
pub mod worker;

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::locks::LockError;
use super::shm::SectionId;
use super::{Lab, LabError, LabEvent, Role, StartOptions, WorkerId, Workload};

pub use self::shared::{SyncSection, SyncWait};

/// How long proclab waits for one of the primitives' locks.
const LOCK_PATIENCE: Duration = Duration::from_millis(50);
/// The default k of the semaphore: the course's "at most 2 processes
/// access the database".
pub const DEFAULT_PERMITS: u32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the sync lab's primitives could not be set up: {0}")]
    Setup(String),
    #[error("{0} is busy: a paused worker may be inside its lock; resume it and try again")]
    Busy(&'static str),
    #[error(
        "the barrier hangs since a party died in its wait(), and workers {0} wait at it: in Python nothing frees them; end them (t, k) before making a new barrier"
    )]
    BarrierHung(String),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Lab(#[from] LabError),
}

/// What the sync lab reports without being asked this instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncEvent {
    /// A worker died holding a permit: the semaphore never gets it back.
    PermitLost { id: WorkerId, exitcode: i32 },
    /// A worker died waiting at the barrier: its arrival still counts, and
    /// the barrier hangs for good, as CPython's does.
    DiedAtBarrier { id: WorkerId, exitcode: i32 },
    /// A worker died and fewer live workers are left than the barrier's
    /// parties: unless it is lowered, the barrier never fills again.
    PartiesShort { alive: u32, parties: u32 },
}

/// The sync lab now, as plain values to draw.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncView {
    pub event_set: bool,
    /// The semaphore's k and how many permits are taken.
    pub permits: u32,
    pub held: u32,
    /// Permits taken by workers that have died.
    pub lost: u32,
    /// The workers' own count of who is inside, and the most ever.
    pub inside: u32,
    pub most_inside: u32,
    pub entries: u64,
    pub parties: u32,
    pub arrived: u32,
    /// Times the barrier has released its parties.
    pub rounds: u32,
    /// A party died inside the barrier's wait: nobody passes it again.
    pub barrier_hung: bool,
    /// Sync workers alive, who can still arrive at the barrier.
    pub alive: u32,
    pub at_event: Vec<WorkerId>,
    pub at_semaphore: Vec<WorkerId>,
    pub in_section: Vec<WorkerId>,
    pub at_barrier: Vec<WorkerId>,
}

/// The sync lab's controller, held by [`super::engine::Engine`].
pub struct SyncLab {
    setup: Result<(), String>,
    workers: Vec<WorkerId>,
    lost: u32,
    view: SyncView,
}

fn section(lab: &Lab) -> &SyncSection {
    lab.region().section(SectionId::Sync)
}

impl SyncLab {
    /// Initialises the primitives in place: the event cleared, the
    /// default k, and as many parties (set both before starting workers).
    pub fn new(lab: &Lab) -> SyncLab {
        let sec = section(lab);
        let setup = sec
            .event
            .init()
            .and_then(|()| sec.sem.init(DEFAULT_PERMITS))
            .and_then(|()| sec.barrier.init(DEFAULT_PERMITS))
            .map_err(|e| e.to_string());
        SyncLab {
            setup,
            workers: Vec::new(),
            lost: 0,
            view: SyncView::default(),
        }
    }

    pub fn view(&self) -> &SyncView {
        &self.view
    }

    /// `Process(target=worker, args=(e, sem, b)).start()`; `task_ms` is the
    /// time inside the critical section.
    pub fn start_worker(&mut self, lab: &mut Lab, task_ms: u64) -> Result<WorkerId, SyncError> {
        self.setup.clone().map_err(SyncError::Setup)?;
        let id = lab.start_with(StartOptions {
            role: Role::Sync,
            workload: Workload::Io,
            tasks: None,
            task_ms,
            daemon: false,
        })?;
        self.workers.push(id);
        Ok(id)
    }

    /// `e.set()` or `e.clear()`.
    pub fn set_event(&mut self, lab: &Lab, on: bool) -> Result<(), SyncError> {
        match section(lab).event.set_to(on, LOCK_PATIENCE)? {
            true => Ok(()),
            false => Err(SyncError::Busy("the event")),
        }
    }

    /// A new k for the semaphore.
    pub fn set_permits(&mut self, lab: &Lab, permits: u32) -> Result<(), SyncError> {
        match section(lab).sem.set_permits(permits, LOCK_PATIENCE)? {
            true => Ok(()),
            false => Err(SyncError::Busy("the semaphore")),
        }
    }

    /// A new number of parties for the barrier. Python's barrier has its
    /// parties for good, so this is a new barrier; one that hangs (a party
    /// died in its wait) is replaced only once no live worker waits at it,
    /// since in Python nothing would free those.
    pub fn set_parties(&mut self, lab: &Lab, parties: u32) -> Result<(), SyncError> {
        let barrier = &section(lab).barrier;
        let done = if barrier.state().hung {
            let waiting = self.waiting_at_barrier(lab);
            if !waiting.is_empty() {
                let ids: Vec<String> = waiting.iter().map(u32::to_string).collect();
                return Err(SyncError::BarrierHung(ids.join(", ")));
            }
            barrier.renew(parties, LOCK_PATIENCE)?
        } else {
            barrier.set_parties(parties, LOCK_PATIENCE)?
        };
        match done {
            true => Ok(()),
            false => Err(SyncError::Busy("the barrier")),
        }
    }

    /// Live sync workers waiting at the barrier.
    fn waiting_at_barrier(&self, lab: &Lab) -> Vec<WorkerId> {
        lab.snapshot()
            .into_iter()
            .filter(|w| w.role == Role::Sync && w.status.is_alive())
            .filter(|w| matches!(SyncWait::decode(w.wait), SyncWait::Barrier { .. }))
            .map(|w| w.id)
            .collect()
    }

    /// Looks once, without blocking, after [`Lab::poll`] (whose events
    /// say which workers ended).
    pub fn poll(&mut self, lab: &Lab, ended: &[LabEvent]) -> Vec<SyncEvent> {
        let mut events = Vec::new();
        let sec = section(lab);
        let mut died = false;
        for event in ended {
            let LabEvent::Exited { id, pid, exitcode } = *event else {
                continue;
            };
            if !self.workers.contains(&id) {
                continue;
            }
            died = true;
            // The dead worker's slot still holds the last step it wrote.
            match last_wait(lab, pid) {
                SyncWait::Inside => {
                    self.lost += 1;
                    events.push(SyncEvent::PermitLost { id, exitcode });
                }
                SyncWait::Barrier { .. } => {
                    // Its arrival counts in the round under way: as in
                    // CPython, the barrier now hangs for good.
                    if sec.barrier.state().arrived > 0 {
                        sec.barrier.hang();
                    }
                    events.push(SyncEvent::DiedAtBarrier { id, exitcode });
                }
                _ => {}
            }
        }
        let sem = sec.sem.state();
        let barrier = sec.barrier.state();
        let mut view = SyncView {
            event_set: sec.event.is_set(),
            permits: sem.permits,
            held: sem.held,
            lost: self.lost.min(sem.held),
            inside: sec.inside.load(Ordering::Relaxed),
            most_inside: sec.most_inside.load(Ordering::Relaxed),
            entries: sec.entries.load(Ordering::Relaxed),
            parties: barrier.parties,
            arrived: barrier.arrived,
            rounds: barrier.generation,
            barrier_hung: barrier.hung,
            ..SyncView::default()
        };
        for w in lab.snapshot() {
            if w.role != Role::Sync || !w.status.is_alive() {
                continue;
            }
            view.alive += 1;
            let list = match SyncWait::decode(w.wait) {
                SyncWait::Event => &mut view.at_event,
                SyncWait::Semaphore { .. } => &mut view.at_semaphore,
                SyncWait::Inside => &mut view.in_section,
                SyncWait::Barrier { .. } => &mut view.at_barrier,
                _ => continue,
            };
            list.push(w.id);
        }
        if died && !view.barrier_hung && view.alive < view.parties {
            events.push(SyncEvent::PartiesShort {
                alive: view.alive,
                parties: view.parties,
            });
        }
        self.view = view;
        events
    }
}

/// The step a worker last wrote in its slot, found by pid (its slot is
/// not handed to another worker before the next start, which comes after
/// this poll).
fn last_wait(lab: &Lab, pid: u32) -> SyncWait {
    let region = lab.region();
    (0..region.slot_count())
        .map(|i| region.slot(i))
        .find(|s| s.pid.load(Ordering::Relaxed) == pid)
        .map_or(SyncWait::Nothing, |s| {
            SyncWait::decode(s.wait.load(Ordering::Relaxed))
        })
}

impl super::controller::Controller for SyncLab {
    type Event = SyncEvent;

    fn set_up(lab: &Lab) -> SyncLab {
        SyncLab::new(lab)
    }

    fn section_len(_sizing: super::controller::Sizing) -> usize {
        size_of::<SyncSection>()
    }


    fn run_worker(
        _role: super::Role,
        args: &super::worker::WorkerArgs,
        region: &super::shm::Region,
        slot: &super::slot::Slot,
    ) -> i32 {
        worker::run(args, region, slot)
    }

    /// A permit never given back, an arrival that still counts: what
    /// followed the ends of its workers.
    fn after_exits(&mut self, lab: &mut Lab, ended: &[LabEvent]) -> Vec<SyncEvent> {
        self.poll(lab, ended)
    }
}
