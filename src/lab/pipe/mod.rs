//! The pipe lab's engine: `multiprocessing.Pipe()` between exactly two
//! workers, over a real socket pair (duplex, a ping-pong with round trips
//! and latency) or a real OS pipe (`Pipe(duplex=False)`, a one-way stream).
//! Terminate one end and the other sees end-of-file (`EOFError`) or a
//! broken pipe (`BrokenPipeError`), as Python's would.

pub mod roles;

use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::shm::{Region, SectionId, Shared};
use super::{Lab, LabError, Role, StartOptions, WorkerId, Workload};

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

#[derive(Debug, Clone, Copy)]
struct Pair {
    mode: PipeMode,
    ids: [WorkerId; 2],
    reported: [EndState; 2],
}

/// The pipe lab's controller, held by the engine.
#[derive(Debug)]
pub struct PipeLab {
    mode: PipeMode,
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
            pair: None,
        }
    }

    /// The ends of the last pipe made, running or not.
    pub fn ids(&self) -> Option<[WorkerId; 2]> {
        self.pair.map(|p| p.ids)
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
        let pair = self.pair?;
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
        if let Some(old) = self.pair {
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
        section(lab.region()).reset();
        let [r0, r1] = self.mode.roles();
        let options = |role| StartOptions {
            role,
            workload: Workload::Io,
            tasks: None,
            task_ms: 1000,
            daemon: false,
        };
        // What the first end sends before the second starts waits in the
        // pipe. proclab's copies of both ends close once each worker has
        // its own, or an end would never see the other's close.
        let a = lab.start_with_fds(
            StartOptions {
                tasks,
                ..options(r0)
            },
            vec![first],
        )?;
        let b = match lab.start_with_fds(options(r1), vec![second]) {
            Ok(b) => b,
            Err(e) => {
                let _ = lab.kill(a);
                let _ = lab.join_nowait(a);
                return Err(e.into());
            }
        };
        self.pair = Some(Pair {
            mode: self.mode,
            ids: [a, b],
            reported: [EndState::Running; 2],
        });
        Ok([a, b])
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
        PipeStats {
            mode: self.mode,
            pair_mode: self.pair.map(|p| p.mode),
            rate: s.rate.load(Ordering::Relaxed),
            ids: self.pair.map(|p| p.ids),
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
}
