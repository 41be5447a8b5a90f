//! The pipe lab's engine: `multiprocessing.Pipe()` between exactly two
//! workers, over a real socket pair (duplex, a ping-pong with round trips
//! and latency) or a real OS pipe (`Pipe(duplex=False)`, a one-way stream).
//! Each end is handed both ends of the pipe, as a forked child inherits
//! them. With the ends closed (the course's idiom) proclab, the parent,
//! closes its copies once both have started and each end closes the one
//! it does not use: terminate one end and the other meets end-of-file
//! (`EOFError`) or a broken pipe (`BrokenPipeError`). With the ends left
//! open nobody closes anything, and the survivor waits for ever, as
//! CPython's does; [`PipeEvent::HeldOpen`] says who still holds the end
//! it waits on.

pub mod roles;

use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::comms::holders::{EndOf, Holder};
use super::comms::{Ends, EndsCell, wait};
use super::shm::{Region, SectionId, Shared};
use super::slot::Phase;
use super::{Lab, LabError, Role, StartOptions, Status, WorkerId, Workload};

/// What travels over the pipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Wire {
    /// A ping, sent back unchanged by the other end.
    Ping { seq: u64, sent_ns: u64 },
    /// One message of a one-way stream.
    Data { seq: u64, sent_ns: u64 },
}

/// How a pipe's two ends talk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipeMode {
    /// `Pipe()`: a socket pair; one end pings, the other answers.
    PingPong,
    /// `Pipe(duplex=False)`: an OS pipe; one end sends, the other reads.
    Stream,
}

impl PipeMode {
    pub fn roles(self) -> [Role; 2] {
        match self {
            PipeMode::PingPong => [Role::Ping, Role::Pong],
            PipeMode::Stream => [Role::Sender, Role::Receiver],
        }
    }
}

/// What an end last met, as its worker reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndState {
    Running,
    /// `recv()` found the other end closed: `EOFError`.
    Eof,
    /// `send()` found the other end closed: `BrokenPipeError`.
    Broken,
    /// Sent all it was asked to and closed its end.
    Finished,
}

impl EndState {
    fn from_u32(v: u32) -> EndState {
        match v {
            1 => EndState::Eof,
            2 => EndState::Broken,
            3 => EndState::Finished,
            _ => EndState::Running,
        }
    }

    fn to_u32(self) -> u32 {
        match self {
            EndState::Running => 0,
            EndState::Eof => 1,
            EndState::Broken => 2,
            EndState::Finished => 3,
        }
    }
}

/// The pipe's figures and settings, shared with its two workers.
#[repr(C, align(64))]
pub struct PipeSection {
    /// Round trips (or messages) per second the first end aims for; 0: as
    /// fast as it can.
    pub rate: AtomicU32,
    /// Messages per write for a stream at full speed (1: one write each).
    pub batch: AtomicU32,
    /// Whether each end closes the end it does not use.
    pub closing: EndsCell,
    ends: [AtomicU32; 2],
    /// Round trips completed, or messages received.
    pub count: AtomicU64,
    /// Messages sent by the first end.
    pub sent: AtomicU64,
    pub latency_last_ns: AtomicU64,
    pub latency_sum_ns: AtomicU64,
    pub latency_min_ns: AtomicU64,
    pub latency_max_ns: AtomicU64,
    /// Monotonic times of the first and the latest message received.
    pub first_ns: AtomicU64,
    pub last_ns: AtomicU64,
}

// Safety: atomics only, valid all-zero.
unsafe impl Shared for PipeSection {}

impl PipeSection {
    pub fn end(&self, i: usize) -> EndState {
        EndState::from_u32(self.ends[i].load(Ordering::Relaxed))
    }

    pub fn set_end(&self, i: usize, state: EndState) {
        self.ends[i].store(state.to_u32(), Ordering::Relaxed);
    }

    /// Records one latency (a round trip, or a one-way trip).
    pub fn record(&self, latency_ns: u64, now_ns: u64) {
        // One writer: plain loads and stores, no locked instructions.
        let n = self.count.load(Ordering::Relaxed);
        self.count.store(n + 1, Ordering::Relaxed);
        self.latency_last_ns.store(latency_ns, Ordering::Relaxed);
        let sum = self.latency_sum_ns.load(Ordering::Relaxed);
        self.latency_sum_ns
            .store(sum.wrapping_add(latency_ns), Ordering::Relaxed);
        let min = self.latency_min_ns.load(Ordering::Relaxed);
        if n == 0 || latency_ns < min {
            self.latency_min_ns.store(latency_ns, Ordering::Relaxed);
        }
        if latency_ns > self.latency_max_ns.load(Ordering::Relaxed) {
            self.latency_max_ns.store(latency_ns, Ordering::Relaxed);
        }
        if n == 0 {
            self.first_ns.store(now_ns, Ordering::Relaxed);
        }
        self.last_ns.store(now_ns, Ordering::Release);
    }

    fn reset(&self) {
        for a in [&self.ends[0], &self.ends[1]] {
            a.store(0, Ordering::Relaxed);
        }
        for a in [
            &self.count,
            &self.sent,
            &self.latency_last_ns,
            &self.latency_sum_ns,
            &self.latency_min_ns,
            &self.latency_max_ns,
            &self.first_ns,
            &self.last_ns,
        ] {
            a.store(0, Ordering::Relaxed);
        }
    }
}

pub fn section_len() -> usize {
    size_of::<PipeSection>()
}

pub fn section(region: &Region) -> &PipeSection {
    region.section(SectionId::Pipe)
}

/// Rates the keys step through, round trips or messages per second; 0 is
/// "as fast as it can".
pub const RATES: [u32; 7] = [1, 10, 100, 1000, 10_000, 100_000, 0];
pub const DEFAULT_RATE: u32 = 100;
/// Messages per write of a stream at full speed.
pub const BATCH_MAX: usize = 256;

/// What the panel shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PipeStats {
    pub mode: PipeMode,
    /// The mode of the pair shown (the one running or last run).
    pub pair_mode: Option<PipeMode>,
    /// Whether the next pair closes its unused ends, and the pair shown.
    pub ends_next: Ends,
    pub pair_ends: Option<Ends>,
    pub rate: u32,
    pub ids: Option<[WorkerId; 2]>,
    pub ends: [EndState; 2],
    pub count: u64,
    pub sent: u64,
    pub latency_last_ns: u64,
    pub latency_mean_ns: u64,
    pub latency_min_ns: u64,
    pub latency_max_ns: u64,
}

/// Something an end met, reported once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipeEvent {
    /// `recv()` raised `EOFError`: the other end is closed.
    Eof { id: WorkerId, role: Role },
    /// `send()` raised `BrokenPipeError`.
    Broken { id: WorkerId, role: Role },
    /// The sending end sent all it was asked to and closed.
    Finished { id: WorkerId, role: Role },
    /// The other end died, and the end it used is still open in these
    /// processes (proclab first): worker `id` waits in `recv()` for ever
    /// (told once it waits there, all read), or, sending, fills the pipe
    /// and then waits for ever.
    HeldOpen {
        id: WorkerId,
        role: Role,
        holders: Vec<Holder>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum PipeError {
    #[error("a pipe joins exactly two workers, and workers {0} and {1} still run: end them first")]
    Running(WorkerId, WorkerId),
    #[error("cannot make the pipe: {0}")]
    Os(#[from] std::io::Error),
    #[error(transparent)]
    Lab(#[from] LabError),
}

#[derive(Debug)]
struct Pair {
    mode: PipeMode,
    ends: Ends,
    ids: [WorkerId; 2],
    reported: [EndState; 2],
    /// Each end as `/proc` names it, to find who holds it.
    of: [EndOf; 2],
    /// proclab's own copies of both ends, kept while the ends are left
    /// open, as a Python parent that closes nothing keeps them.
    kept: Vec<OwnedFd>,
    /// Whether the survivor of a dead end was looked at.
    looked: bool,
}

/// The pipe lab's controller, held by the engine.
#[derive(Debug)]
pub struct PipeLab {
    mode: PipeMode,
    ends: Ends,
    pair: Option<Pair>,
}

impl PipeLab {
    pub fn new(region: &Region) -> PipeLab {
        let s = section(region);
        s.reset();
        s.rate.store(DEFAULT_RATE, Ordering::Relaxed);
        s.batch.store(BATCH_MAX as u32, Ordering::Relaxed);
        PipeLab {
            mode: PipeMode::PingPong,
            ends: Ends::default(),
            pair: None,
        }
    }

    /// The ends of the last pipe made, running or not.
    pub fn ids(&self) -> Option<[WorkerId; 2]> {
        self.pair.as_ref().map(|p| p.ids)
    }

    /// Whether the next pair closes the ends it does not use.
    pub fn set_ends(&mut self, ends: Ends) {
        self.ends = ends;
    }

    pub fn ends(&self) -> Ends {
        self.ends
    }

    pub fn mode(&self) -> PipeMode {
        self.mode
    }

    /// The kind of pipe the next pair gets.
    pub fn set_mode(&mut self, mode: PipeMode) {
        self.mode = mode;
    }

    pub fn set_rate(&self, lab: &Lab, rate: u32) {
        section(lab.region()).rate.store(rate, Ordering::Relaxed);
    }

    pub fn rate(&self, lab: &Lab) -> u32 {
        section(lab.region()).rate.load(Ordering::Relaxed)
    }

    /// Messages per write for a stream at full speed (1: one write each).
    pub fn set_batch(&self, lab: &Lab, batch: usize) {
        section(lab.region())
            .batch
            .store(batch.clamp(1, BATCH_MAX) as u32, Ordering::Relaxed);
    }

    /// The two workers, while either runs.
    pub fn running(&self, lab: &Lab) -> Option<[WorkerId; 2]> {
        let pair = self.pair.as_ref()?;
        pair.ids
            .iter()
            .any(|&id| lab.status(id).is_ok_and(|s| s.is_alive()))
            .then_some(pair.ids)
    }

    /// Makes the pipe and starts its two ends. The first end sends `tasks`
    /// pings or messages and closes, or runs until stopped.
    pub fn start(&mut self, lab: &mut Lab, tasks: Option<u64>) -> Result<[WorkerId; 2], PipeError> {
        if let Some([a, b]) = self.running(lab) {
            return Err(PipeError::Running(a, b));
        }
        // The last pair's ends have ended: join them before making the
        // next, as a script would, so they do not stay zombies.
        if let Some(old) = &self.pair {
            for id in old.ids {
                let _ = lab.join_nowait(id);
            }
        }
        lab.check_room(2)?;
        let (first, second): (OwnedFd, OwnedFd) = match self.mode {
            PipeMode::PingPong => rustix::net::socketpair(
                rustix::net::AddressFamily::UNIX,
                rustix::net::SocketType::STREAM,
                rustix::net::SocketFlags::CLOEXEC,
                None,
            )
            .map_err(std::io::Error::from)?,
            PipeMode::Stream => {
                let (read, write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
                    .map_err(std::io::Error::from)?;
                (write, read)
            }
        };
        let of = [EndOf::of(&first)?, EndOf::of(&second)?];
        // Left open, proclab keeps a copy of each end, as the parent would.
        let kept = match self.ends {
            Ends::Open => vec![first.try_clone()?, second.try_clone()?],
            Ends::Closed => Vec::new(),
        };
        let s = section(lab.region());
        s.reset();
        s.closing.set(self.ends);
        let [r0, r1] = self.mode.roles();
        let options = |role| StartOptions {
            role,
            workload: Workload::Io,
            tasks: None,
            task_ms: 1000,
            daemon: false,
        };
        // Each end gets its own end, then the other, as a forked child
        // inherits both; with the ends closed it closes the other first
        // thing. What the first end sends before the second starts waits
        // in the pipe. The copies handed over close in proclab once each
        // worker has its own: only `kept` stays.
        let a = lab.start_with_fds(
            StartOptions {
                tasks,
                ..options(r0)
            },
            vec![first.try_clone()?, second.try_clone()?],
        )?;
        let b = match lab.start_with_fds(options(r1), vec![second, first]) {
            Ok(b) => b,
            Err(e) => {
                let _ = lab.kill(a);
                let _ = lab.join_nowait(a);
                return Err(e.into());
            }
        };
        self.pair = Some(Pair {
            mode: self.mode,
            ends: self.ends,
            ids: [a, b],
            reported: [EndState::Running; 2],
            of,
            kept,
            looked: false,
        });
        Ok([a, b])
    }

    /// Once one end has died: whether the other can still learn it. If
    /// the dead end's end of the pipe is still open somewhere (in proclab,
    /// in the survivor itself), the survivor never meets `EOFError` or
    /// `BrokenPipeError`, and this says who holds it. Once both ends have
    /// ended, proclab's own copies go too.
    fn look_at_survivor(&mut self, lab: &Lab) -> Vec<PipeEvent> {
        let Some(pair) = self.pair.as_mut() else {
            return Vec::new();
        };
        let alive = pair.ids.map(|id| lab.status(id).is_ok_and(|s| s.is_alive()));
        if alive == [false, false] {
            pair.kept.clear();
            return Vec::new();
        }
        let Some(dead) = (0..2).find(|&i| !alive[i]) else {
            return Vec::new();
        };
        if pair.looked {
            return Vec::new();
        }
        let survivor = 1 - dead;
        let id = pair.ids[survivor];
        let role = pair.mode.roles()[survivor];
        // Until the survivor has closed what it does not use (it then
        // leaves Starting), what it holds says nothing yet. A receiving
        // survivor first reads what is left in the pipe: it waits for ever
        // only once it waits in recv() with nothing left (where EOFError
        // comes with the ends closed), and running (paused in recv(), it
        // may have something to read yet); a sender's line says "fills
        // the pipe, then".
        let ready = lab.snapshot().iter().any(|w| {
            w.id == id
                && w.phase != Phase::Starting
                && (role == Role::Sender
                    || (w.wait == wait::RECV && w.status == Status::Alive { paused: false }))
        });
        if !ready {
            return Vec::new();
        }
        pair.looked = true;
        if section(lab.region()).end(survivor) != EndState::Running {
            return Vec::new();
        }
        let holders = pair.of[dead].holders(lab);
        if holders.is_empty() {
            return Vec::new();
        }
        vec![PipeEvent::HeldOpen {
            id,
            role: pair.mode.roles()[survivor],
            holders,
        }]
    }

    /// Reports what the ends met since the last look.
    pub fn poll(&mut self, lab: &Lab) -> Vec<PipeEvent> {
        let mut events = Vec::new();
        let Some(pair) = self.pair.as_mut() else {
            return events;
        };
        let s = section(lab.region());
        for i in 0..2 {
            let state = s.end(i);
            if state == pair.reported[i] {
                continue;
            }
            pair.reported[i] = state;
            let (id, role) = (pair.ids[i], pair.mode.roles()[i]);
            match state {
                EndState::Eof => events.push(PipeEvent::Eof { id, role }),
                EndState::Broken => events.push(PipeEvent::Broken { id, role }),
                EndState::Finished => events.push(PipeEvent::Finished { id, role }),
                EndState::Running => {}
            }
        }
        events
    }

    pub fn stats(&self, lab: &Lab) -> PipeStats {
        let s = section(lab.region());
        let count = s.count.load(Ordering::Acquire);
        let ld = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let pair = self.pair.as_ref();
        PipeStats {
            mode: self.mode,
            pair_mode: pair.map(|p| p.mode),
            ends_next: self.ends,
            pair_ends: pair.map(|p| p.ends),
            rate: s.rate.load(Ordering::Relaxed),
            ids: pair.map(|p| p.ids),
            ends: [s.end(0), s.end(1)],
            count,
            sent: ld(&s.sent),
            latency_last_ns: ld(&s.latency_last_ns),
            latency_mean_ns: ld(&s.latency_sum_ns).checked_div(count).unwrap_or(0),
            latency_min_ns: ld(&s.latency_min_ns),
            latency_max_ns: ld(&s.latency_max_ns),
        }
    }

    /// Messages per second between the first and the latest received, for
    /// a finished stream.
    pub fn received_rate(&self, lab: &Lab) -> Option<f64> {
        let s = section(lab.region());
        let (first, last) = (
            s.first_ns.load(Ordering::Relaxed),
            s.last_ns.load(Ordering::Acquire),
        );
        let n = s.count.load(Ordering::Relaxed);
        (n > 1 && last > first).then(|| (n - 1) as f64 * 1e9 / (last - first) as f64)
    }
}

impl super::controller::Controller for PipeLab {
    type Event = PipeEvent;

    fn set_up(lab: &Lab) -> PipeLab {
        PipeLab::new(lab.region())
    }

    fn section_len(_sizing: super::controller::Sizing) -> usize {
        section_len()
    }


    fn run_worker(
        _role: Role,
        args: &super::worker::WorkerArgs,
        region: &Region,
        slot: &super::slot::Slot,
    ) -> i32 {
        roles::run(args, region, slot)
    }

    /// What an end met (a closed pipe) comes before its exit.
    fn before_exits(&mut self, lab: &mut Lab, _ended: &[super::LabEvent]) -> Vec<PipeEvent> {
        self.poll(lab)
    }

    /// An end's death, then whether the other end can learn of it.
    fn after_exits(&mut self, lab: &mut Lab, _ended: &[super::LabEvent]) -> Vec<PipeEvent> {
        self.look_at_survivor(lab)
    }
}
