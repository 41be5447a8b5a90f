//! The pipeline lab's engine: fetch -> process -> save, three processes
//! joined by a real OS pipe (fetch to process) and a queue in shared memory
//! (process to save). Each stage takes its own time per item; the backlog
//! grows in front of the slowest. A clean stop sends a sentinel down the
//! line: fetch sends it into the pipe, process passes it into the queue,
//! save stops on it, and all three return 0.
//!
//! Every stage is handed both ends of the pipe, as each forked child
//! inherits them, save too though it uses neither. With the ends closed
//! each closes what it does not use and proclab, the parent, its own
//! copies: a dead fetch gives process `EOFError`, a dead process gives
//! fetch `BrokenPipeError`. Left open, the survivor waits for ever
//! ([`PipelineEvent::HeldOpen`] says who holds the pipe open).

pub mod roles;

use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::comms::holders::{EndOf, Holder};
use super::comms::message::Message;
use super::comms::{Ends, EndsCell, wait};
use super::slot::Phase;
use super::comms::ring::{Block, Ring, Totals};
use super::shm::{Region, SectionId, Shared};
use super::{Lab, LabError, Role, StartOptions, Status, WorkerId, Workload};

/// The three stages, in order.
pub const STAGES: [Role; 3] = [Role::Fetch, Role::Process, Role::Save];
/// Cells of the queue between process and save.
pub const QUEUE_MAX: usize = 256;
pub const QUEUE_CAPACITY: u64 = 8;
/// The pipe's buffer, set small so that its backlog shows soon.
pub const PIPE_BYTES: usize = 4096;
/// Milliseconds of work per item the keys step through (0: none).
pub const STAGE_MS: [u32; 9] = [0, 5, 10, 20, 50, 100, 200, 500, 1000];
pub const DEFAULT_MS: [u32; 3] = [100, 200, 50];

/// What fetch sends process through the pipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fetched {
    Item {
        seq: u64,
        fetched_ns: u64,
    },
    /// The sentinel: nothing more will come.
    Done,
}

/// How a stage ended, as it reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageEnd {
    Running,
    /// Got the sentinel (or sent it, for fetch) and returned.
    Sentinel,
    /// Found the pipe closed by a dead fetch: `EOFError`.
    Eof,
    /// Found the pipe closed by a dead process: `BrokenPipeError`.
    Broken,
}

impl StageEnd {
    fn from_u32(v: u32) -> StageEnd {
        match v {
            1 => StageEnd::Sentinel,
            2 => StageEnd::Eof,
            3 => StageEnd::Broken,
            _ => StageEnd::Running,
        }
    }

    pub fn to_u32(self) -> u32 {
        match self {
            StageEnd::Running => 0,
            StageEnd::Sentinel => 1,
            StageEnd::Eof => 2,
            StageEnd::Broken => 3,
        }
    }
}

/// Settings and figures at the start of the pipeline's section.
#[repr(C, align(64))]
pub struct PipelineSettings {
    /// Milliseconds of work per item for each stage.
    pub stage_ms: [AtomicU32; 3],
    /// Set by proclab: fetch sends the sentinel after its current item.
    pub stop: AtomicU32,
    /// How each stage ended ([`StageEnd`]).
    pub ended: [AtomicU32; 3],
    /// Whether each stage closes the ends of the pipe it does not use.
    pub closing: EndsCell,
    /// Bytes and items waiting in the pipe, as process last saw them.
    pub pipe_bytes: AtomicU64,
    pub pipe_items: AtomicU64,
}

// Safety: atomics only, valid all-zero.
unsafe impl Shared for PipelineSettings {}

// The settings take the section's first block.
const _: () = assert!(size_of::<PipelineSettings>() <= size_of::<Block>());

impl PipelineSettings {
    pub fn ended(&self, stage: usize) -> StageEnd {
        StageEnd::from_u32(self.ended[stage].load(Ordering::Relaxed))
    }
}

pub fn section_len(slot_count: usize) -> usize {
    (1 + Ring::blocks(slot_count, QUEUE_MAX)) * size_of::<Block>()
}

pub fn settings(region: &Region) -> &PipelineSettings {
    region.section(SectionId::Pipeline)
}

pub fn ring(region: &Region) -> Ring<'_> {
    let blocks: &[Block] = region.section_slice(SectionId::Pipeline);
    Ring::new(&blocks[1..], region.slot_count())
}

/// The next time per item, faster (less) or slower (more).
pub fn step_ms(ms: u32, faster: bool) -> u32 {
    if faster {
        STAGE_MS
            .iter()
            .rev()
            .copied()
            .find(|&m| m < ms)
            .unwrap_or(0)
    } else {
        STAGE_MS
            .iter()
            .copied()
            .find(|&m| m > ms)
            .unwrap_or(STAGE_MS[STAGE_MS.len() - 1])
    }
}

/// Who sends the sentinel a stop asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopping {
    /// fetch, after its current item.
    Fetch,
    /// proclab, into the queue: process is gone, save waits on it.
    ForSave,
    /// Nobody: fetch is gone, and process waits on the pipe for a
    /// sentinel or `EOFError`.
    NoSender,
}

/// Something the pipeline reports without being asked this instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipelineEvent {
    /// A stage met the sentinel (or, for fetch, sent it) and returned.
    StageDone { stage: usize, id: WorkerId },
    /// Process found the pipe closed without a sentinel: `EOFError`.
    Eof { id: WorkerId },
    /// Fetch found the pipe closed: `BrokenPipeError`.
    Broken { id: WorkerId },
    /// Save died holding items.
    Lost { id: WorkerId, count: u64 },
    /// Fetch (or process) died and its end of the pipe is still open in
    /// these processes (proclab first): process waits in `recv()` for
    /// ever (told once it waits there, the pipe drained), or fetch fills
    /// the pipe and then waits for ever.
    HeldOpen {
        stage: usize,
        id: WorkerId,
        holders: Vec<Holder>,
    },
}

/// What the panel shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PipelineStats {
    pub ids: Option<[WorkerId; 3]>,
    /// Whether the next run closes its unused ends, and the run shown.
    pub ends_next: Ends,
    pub run_ends: Option<Ends>,
    pub stage_ms: [u32; 3],
    pub ended: [StageEnd; 3],
    pub pipe_bytes: u64,
    pub pipe_items: u64,
    pub pipe_capacity: u64,
    pub queue: Totals,
    pub stopping: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("the pipeline still runs (workers {0}, {1}, {2}): stop it first")]
    Running(WorkerId, WorkerId, WorkerId),
    #[error("cannot make the pipe: {0}")]
    Os(#[from] std::io::Error),
    #[error(transparent)]
    Lab(#[from] LabError),
    #[error(transparent)]
    Ring(#[from] super::comms::ring::RingError),
}

/// The pipeline lab's controller, held by the engine.
#[derive(Debug)]
pub struct PipelineLab {
    ids: Option<[WorkerId; 3]>,
    /// The save stage's record, folded once it ended.
    save_record: Option<usize>,
    reported: [StageEnd; 3],
    stopping: bool,
    /// A sentinel proclab still has to put in the queue for save.
    sentinel_owed: bool,
    pipe_capacity: u64,
    /// Whether the next run closes its unused ends, and the run shown.
    ends: Ends,
    run_ends: Option<Ends>,
    /// The pipe's write and read ends as `/proc` names them.
    of: Option<[EndOf; 2]>,
    /// proclab's own copies of both ends, kept while the ends are left
    /// open, as a Python parent that closes nothing keeps them.
    kept: Vec<OwnedFd>,
    /// Whether fetch's and process's survivors were looked at.
    looked: [bool; 2],
}

impl PipelineLab {
    pub fn new(region: &Region) -> Result<PipelineLab, super::comms::ring::RingError> {
        ring(region).init(QUEUE_CAPACITY)?;
        let s = settings(region);
        for (a, ms) in s.stage_ms.iter().zip(DEFAULT_MS) {
            a.store(ms, Ordering::Relaxed);
        }
        Ok(PipelineLab {
            ids: None,
            save_record: None,
            reported: [StageEnd::Running; 3],
            stopping: false,
            sentinel_owed: false,
            pipe_capacity: PIPE_BYTES as u64,
            ends: Ends::default(),
            run_ends: None,
            of: None,
            kept: Vec::new(),
            looked: [false; 2],
        })
    }

    /// Whether the next run closes the ends it does not use.
    pub fn set_ends(&mut self, ends: Ends) {
        self.ends = ends;
    }

    pub fn ends(&self) -> Ends {
        self.ends
    }

    /// The three stages, while any runs.
    /// The stages of the last pipeline started, running or not.
    pub fn ids(&self) -> Option<[WorkerId; 3]> {
        self.ids
    }

    pub fn running(&self, lab: &Lab) -> Option<[WorkerId; 3]> {
        let ids = self.ids?;
        ids.iter()
            .any(|&id| lab.status(id).is_ok_and(|s| s.is_alive()))
            .then_some(ids)
    }

    pub fn set_stage_ms(&self, lab: &Lab, stage: usize, ms: u32) {
        settings(lab.region()).stage_ms[stage.min(2)].store(ms, Ordering::Relaxed);
    }

    pub fn stage_ms(&self, lab: &Lab) -> [u32; 3] {
        let s = settings(lab.region());
        [0, 1, 2].map(|i| s.stage_ms[i].load(Ordering::Relaxed))
    }

    /// Makes the pipe and the queue and starts the three stages; fetch
    /// fetches `items` and stops, or runs until [`stop`](Self::stop).
    pub fn start(
        &mut self,
        lab: &mut Lab,
        items: Option<u64>,
    ) -> Result<[WorkerId; 3], PipelineError> {
        self.poll(lab);
        if let Some([a, b, c]) = self.running(lab) {
            return Err(PipelineError::Running(a, b, c));
        }
        // The last run's stages have ended: join them first.
        for id in self.ids.into_iter().flatten() {
            let _ = lab.join_nowait(id);
        }
        lab.check_room(3)?;
        let (read, write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
            .map_err(std::io::Error::from)?;
        // Ask for a small buffer; the kernel rounds it to a page or more.
        self.pipe_capacity = rustix::pipe::fcntl_setpipe_size(&write, PIPE_BYTES)
            .map(|n| n as u64)
            .unwrap_or(65_536);
        ring(lab.region()).reset(QUEUE_CAPACITY)?;
        let s = settings(lab.region());
        s.stop.store(0, Ordering::Relaxed);
        for a in &s.ended {
            a.store(0, Ordering::Relaxed);
        }
        s.closing.set(self.ends);
        let of = [EndOf::of(&write)?, EndOf::of(&read)?];
        // Left open, proclab keeps a copy of each end, as the parent would.
        self.kept.clear();
        if self.ends == Ends::Open {
            self.kept = vec![write.try_clone()?, read.try_clone()?];
        }
        s.pipe_bytes.store(0, Ordering::Relaxed);
        s.pipe_items.store(0, Ordering::Relaxed);
        let options = |role, tasks| StartOptions {
            role,
            workload: Workload::Io,
            tasks,
            task_ms: 1000,
            daemon: false,
        };
        // In order along the line: what a stage sends before the next one
        // starts waits in the pipe or the queue. Each gets its own end
        // first and the other after it; save gets both, as a forked child
        // does.
        let both = |a: &OwnedFd, b: &OwnedFd| -> std::io::Result<Vec<OwnedFd>> {
            Ok(vec![a.try_clone()?, b.try_clone()?])
        };
        let fetch = lab.start_with_fds(options(Role::Fetch, items), both(&write, &read)?)?;
        let process = match lab.start_with_fds(options(Role::Process, None), both(&read, &write)?) {
            Ok(id) => id,
            Err(e) => {
                let _ = lab.kill(fetch);
                let _ = lab.join_nowait(fetch);
                return Err(e.into());
            }
        };
        let save = match lab.start_with_fds(options(Role::Save, None), vec![read, write]) {
            Ok(id) => id,
            Err(e) => {
                for id in [fetch, process] {
                    let _ = lab.kill(id);
                    let _ = lab.join_nowait(id);
                }
                return Err(e.into());
            }
        };
        self.ids = Some([fetch, process, save]);
        self.run_ends = Some(self.ends);
        self.of = Some(of);
        self.looked = [false; 2];
        self.save_record = lab.slot_of(save)?;
        self.reported = [StageEnd::Running; 3];
        self.stopping = false;
        self.sentinel_owed = false;
        Ok([fetch, process, save])
    }

    /// Asks fetch to send the sentinel after its current item, and marks
    /// all three to be joined as they end. If process is gone, nobody
    /// would pass a sentinel on to save: proclab puts one in the queue
    /// itself, as a main program would. If fetch is gone and process is
    /// not, no sentinel can reach process: it ends only on `EOFError`.
    pub fn stop(&mut self, lab: &mut Lab) -> Option<Stopping> {
        let ids = self.running(lab)?;
        settings(lab.region()).stop.store(1, Ordering::Relaxed);
        for id in ids {
            let _ = lab.join_nowait(id);
        }
        let [fetch, process, save] = ids.map(|id| lab.is_alive(id).unwrap_or(false));
        self.sentinel_owed = !process && save;
        self.put_sentinel(lab);
        let how = if self.sentinel_owed || (!process && !fetch) {
            Stopping::ForSave
        } else if fetch {
            Stopping::Fetch
        } else {
            Stopping::NoSender
        };
        // With no sentinel coming, nothing is stopping.
        self.stopping = how != Stopping::NoSender;
        Some(how)
    }

    fn put_sentinel(&mut self, lab: &Lab) {
        if !self.sentinel_owed {
            return;
        }
        let raw = Message::Sentinel.to_raw().expect("a sentinel fits a cell");
        if let Ok(true) = ring(lab.region()).try_put(&raw, std::time::Duration::from_millis(2)) {
            self.sentinel_owed = false;
        }
    }

    pub fn poll(&mut self, lab: &mut Lab) -> Vec<PipelineEvent> {
        let mut events = Vec::new();
        let Some(ids) = self.ids else {
            return events;
        };
        let s = settings(lab.region());
        for (stage, &id) in ids.iter().enumerate() {
            let end = s.ended(stage);
            if end == self.reported[stage] {
                continue;
            }
            self.reported[stage] = end;
            match end {
                StageEnd::Sentinel => events.push(PipelineEvent::StageDone { stage, id }),
                StageEnd::Eof => events.push(PipelineEvent::Eof { id }),
                StageEnd::Broken => events.push(PipelineEvent::Broken { id }),
                StageEnd::Running => {}
            }
        }
        let save_ended = lab.status(ids[2]).map_or(true, |s| !s.is_alive());
        if let (true, Some(record)) = (save_ended, self.save_record)
            && let Ok(count) = ring(lab.region()).fold(record, std::time::Duration::from_millis(2))
        {
            self.save_record = None;
            if count > 0 {
                events.push(PipelineEvent::Lost { id: ids[2], count });
            }
        }
        self.put_sentinel(lab);
        if self.stopping && self.running(lab).is_none() {
            self.stopping = false;
            self.sentinel_owed = false;
        }
        events
    }

    /// Once fetch or process has died: whether the other can still learn
    /// it. If the dead stage's end of the pipe is still open somewhere
    /// (in proclab, in the survivor, in save), the survivor never meets
    /// `EOFError` or `BrokenPipeError`, and this says who holds it. Once
    /// both have ended, proclab's own copies go too.
    fn look_at_survivor(&mut self, lab: &Lab) -> Vec<PipelineEvent> {
        let (Some(ids), Some(of)) = (self.ids, self.of.as_ref()) else {
            return Vec::new();
        };
        let alive = [0, 1].map(|i| lab.status(ids[i]).is_ok_and(|s| s.is_alive()));
        if alive == [false, false] {
            self.kept.clear();
            return Vec::new();
        }
        let Some(dead) = (0..2).find(|&i| !alive[i]) else {
            return Vec::new();
        };
        let survivor = 1 - dead;
        if self.looked[survivor] {
            return Vec::new();
        }
        // Until every stage has closed what it does not use (each then
        // leaves Starting), what they hold says nothing yet.
        let snapshot = lab.snapshot();
        let started = ids.iter().all(|&id| {
            snapshot
                .iter()
                .any(|w| w.id == id && (w.phase != Phase::Starting || !w.status.is_alive()))
        });
        if !started {
            return Vec::new();
        }
        // process first reads what is left in the pipe: it waits for ever
        // only once it waits in recv() with nothing left (where EOFError
        // comes with the ends closed), and running (paused in recv(), it
        // may have something to read yet); fetch's line says "fills the
        // pipe, then".
        let in_recv = snapshot.iter().any(|w| {
            w.id == ids[1] && w.wait == wait::RECV && w.status == Status::Alive { paused: false }
        });
        if survivor == 1 && !in_recv {
            return Vec::new();
        }
        self.looked[survivor] = true;
        if settings(lab.region()).ended(survivor) != StageEnd::Running {
            return Vec::new();
        }
        let holders = of[dead].holders(lab);
        if holders.is_empty() {
            return Vec::new();
        }
        vec![PipelineEvent::HeldOpen {
            stage: survivor,
            id: ids[survivor],
            holders,
        }]
    }

    pub fn stats(&self, lab: &Lab) -> PipelineStats {
        let s = settings(lab.region());
        PipelineStats {
            ids: self.ids,
            ends_next: self.ends,
            run_ends: self.run_ends,
            stage_ms: self.stage_ms(lab),
            ended: [s.ended(0), s.ended(1), s.ended(2)],
            pipe_bytes: s.pipe_bytes.load(Ordering::Relaxed),
            pipe_items: s.pipe_items.load(Ordering::Relaxed),
            pipe_capacity: self.pipe_capacity,
            queue: ring(lab.region()).totals(std::time::Duration::from_millis(2)),
            stopping: self.stopping,
        }
    }
}

impl super::controller::Controller for PipelineLab {
    type Event = PipelineEvent;

    fn set_up(lab: &Lab) -> PipelineLab {
        // Initialising a process-shared mutex in fresh memory cannot fail
        // on Linux; if it ever did, nothing of the pipeline could work.
        PipelineLab::new(lab.region()).expect("the pipeline's lock initialises")
    }

    fn section_len(sizing: super::controller::Sizing) -> usize {
        section_len(sizing.slot_count)
    }


    fn run_worker(
        _role: Role,
        args: &super::worker::WorkerArgs,
        region: &Region,
        slot: &super::slot::Slot,
    ) -> i32 {
        roles::run(args, region, slot)
    }

    /// What a stage met (a sentinel, a closed pipe) comes before its exit.
    fn before_exits(&mut self, lab: &mut Lab, _ended: &[super::LabEvent]) -> Vec<PipelineEvent> {
        self.poll(lab)
    }

    /// A stage's death, then whether its neighbour can learn of it.
    fn after_exits(&mut self, lab: &mut Lab, _ended: &[super::LabEvent]) -> Vec<PipelineEvent> {
        self.look_at_survivor(lab)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_times_step_through_the_presets() {
        assert_eq!(step_ms(100, true), 50);
        assert_eq!(step_ms(100, false), 200);
        assert_eq!(step_ms(0, true), 0);
        assert_eq!(step_ms(1000, false), 1000);
        assert_eq!(step_ms(7, true), 5);
    }
}
