//! Plain view models derived from engine snapshots and samples, so the
//! panels draw from simple values and tests can build them by hand.

use std::collections::VecDeque;

use crate::lab::slot::Phase;
use crate::lab::{Role, Status, WorkerSnapshot, Workload};
use crate::metrics::{CoreLoad, ProcLoad};

/// How many samples of history each core keeps.
pub const CORE_HISTORY: usize = 240;

/// Load of every core now and over the last samples.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CoreHistory {
    /// One queue per core, oldest first, in percent.
    pub cores: Vec<VecDeque<f32>>,
}

impl CoreHistory {
    pub fn push(&mut self, load: &CoreLoad) {
        if self.cores.len() != load.percent.len() {
            self.cores = vec![VecDeque::new(); load.percent.len()];
        }
        for (hist, &p) in self.cores.iter_mut().zip(&load.percent) {
            if hist.len() == CORE_HISTORY {
                hist.pop_front();
            }
            hist.push_back(p);
        }
    }

    pub fn latest(&self) -> Vec<f32> {
        self.cores
            .iter()
            .map(|h| h.back().copied().unwrap_or(0.0))
            .collect()
    }

    pub fn total(&self) -> f32 {
        self.latest().iter().sum()
    }
}

/// A worker's state as the table and the diagram show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateKind {
    Starting,
    Running,
    Sleeping,
    Paused,
    Zombie,
    Joined,
}

impl StateKind {
    /// The word for the state.
    pub fn word(self) -> &'static str {
        match self {
            StateKind::Starting => "starting",
            StateKind::Running => "running",
            StateKind::Sleeping => "sleeping",
            StateKind::Paused => "paused",
            StateKind::Zombie => "zombie - not joined",
            StateKind::Joined => "joined",
        }
    }
}

/// One row of the worker table.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerRow {
    pub id: u32,
    pub pid: u32,
    pub role: Role,
    /// The kernel's state letter, or '-' once joined.
    pub letter: char,
    pub kind: StateKind,
    /// The state in words, as shown.
    pub state: String,
    /// Python's exitcode: None while alive.
    pub exitcode: Option<i32>,
    pub cpu_percent: Option<f32>,
    /// Tasks done; for the counter's workers, increments made (for its
    /// manager, requests served).
    pub tasks_done: u64,
    /// Progress of the current task while alive.
    pub progress: Option<f64>,
    pub daemon: bool,
    pub workload: Workload,
    pub join_pending: bool,
}

impl WorkerRow {
    /// Combines what the engine knows with what `/proc` said.
    pub fn new(snap: &WorkerSnapshot, proc: Option<&ProcLoad>) -> WorkerRow {
        let letter_from_proc = proc.map(|p| p.state);
        let (kind, letter) = match snap.status {
            Status::Joined(_) => (StateKind::Joined, '-'),
            Status::Exited(_) => (StateKind::Zombie, 'Z'),
            Status::Alive { paused: true } => (StateKind::Paused, letter_from_proc.unwrap_or('T')),
            Status::Alive { paused: false } => match letter_from_proc {
                Some('T') | Some('t') => (StateKind::Paused, 'T'),
                Some('Z') => (StateKind::Zombie, 'Z'),
                Some(c @ ('S' | 'D' | 'I')) => (StateKind::Sleeping, c),
                Some(c) if snap.phase != Phase::Starting => (StateKind::Running, c),
                Some(c) => (StateKind::Starting, c),
                None => (StateKind::Starting, '?'),
            },
        };
        let mut state = match snap.status {
            Status::Joined(code) => format!("joined: exit {code}"),
            _ => kind.word().to_string(),
        };
        if kind == StateKind::Sleeping && snap.phase == Phase::Io {
            state = "sleeping (I/O)".into();
        }
        if let (true, false, Some(waiting)) = (
            snap.status.is_alive(),
            kind == StateKind::Paused,
            role_state(snap),
        ) {
            state = waiting;
        }
        if snap.join_pending && snap.status.is_alive() {
            state = format!("{} (joining)", kind.word());
        }
        // terminate() on a stopped process: the signal waits for SIGCONT.
        if snap.sigterm_sent && kind == StateKind::Paused {
            state = "SIGTERM pending (stopped)".into();
        }
        WorkerRow {
            id: snap.id,
            pid: snap.pid,
            role: snap.role,
            letter,
            kind,
            state,
            exitcode: snap.status.exitcode(),
            cpu_percent: match snap.status {
                Status::Joined(_) => None,
                _ => proc.map(|p| p.cpu_percent),
            },
            tasks_done: super::labs::count_shown(snap),
            progress: snap.status.is_alive().then_some(snap.progress),
            daemon: snap.daemon,
            workload: snap.workload,
            join_pending: snap.join_pending,
        }
    }
}

/// What a live worker is doing, in its role's words ("blocked on put",
/// "waiting at barrier 3/4"), from its slot's `wait` field, as the lab of
/// its role says; None to show the kernel's state in words.
fn role_state(snap: &WorkerSnapshot) -> Option<String> {
    super::labs::wait_words(snap)
}
