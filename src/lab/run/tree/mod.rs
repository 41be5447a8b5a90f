//! One reading of a watched program's process tree from `/proc`: every
//! process of the program with its threads, CPU, memory and state, found by
//! parent links from its root and kept by identity (pid + start time) once
//! its parent has gone and it has been reparented.
//!
//! [`sample_tree`] is a plain function of the scope and the previous
//! reading; history (for the GIL verdict, say) is kept by the caller.

mod sample;

pub use sample::sample_tree;

use std::time::{Duration, Instant};

use super::kind::Kind;
use super::procfs;

/// One process for good: a pid is reused, but never with the same start time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProcId {
    pub pid: u32,
    /// Start time in clock ticks after boot, as `/proc/PID/stat` gives it.
    pub start_ticks: u64,
}

impl ProcId {
    /// The process that has `pid` now, if any.
    pub fn of_pid(pid: u32) -> Option<ProcId> {
        let st = procfs::read_stat(pid, &mut Vec::new())?;
        Some(ProcId {
            pid,
            start_ticks: st.start_ticks,
        })
    }

    /// Is this process still there (alive or a zombie)?
    pub fn exists(self) -> bool {
        ProcId::of_pid(self.pid) == Some(self)
    }
}

/// Which processes make up the program.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// The program's main process(es); their descendants belong to it.
    pub roots: Vec<ProcId>,
    /// proclab's pid when it is the program's child subreaper: a process
    /// reparented to it that is in [`Scope::group`] is an orphan of the
    /// program even if it was never seen before it lost its parent.
    pub adopter: Option<u32>,
    /// The program's process group (its main process leads one of its own).
    pub group: Option<u32>,
}

/// One thread of a process, as sampled.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadSample {
    pub tid: u32,
    pub start_ticks: u64,
    /// The thread's name (CPython before 3.14 leaves every thread with the
    /// process's).
    pub name: String,
    /// The kernel's state letter for this thread alone. A CPython thread
    /// waiting for the GIL sleeps in a condition wait: S, not R.
    pub state: char,
    /// CPU since the previous sample (or since it started), in percent of one core.
    pub cpu_percent: f32,
    /// CPU used since it started.
    pub cpu_time: Duration,
    /// Context switches since it started: it waited (voluntary), or the
    /// scheduler took the core from it (involuntary).
    pub voluntary_switches: u64,
    pub involuntary_switches: u64,
}

/// One process of the program, as sampled.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessSample {
    pub id: ProcId,
    /// The kernel's parent pid: proclab's (or init's) once it was reparented.
    pub ppid: u32,
    pub pgid: u32,
    /// Its parent in the program; None for the main process and for orphans.
    pub parent: Option<ProcId>,
    /// Depth in the tree, 0 for the main process and for orphans.
    pub depth: usize,
    /// Was part of the program, and its parent has gone: it was reparented
    /// to proclab (as child subreaper) or to init.
    pub orphan: bool,
    pub kind: Kind,
    /// What the instrumentation says it is (`Process-1`, `SyncManager`),
    /// kept from sample to sample once set.
    pub label: Option<String>,
    pub comm: String,
    pub cmdline: Vec<String>,
    /// The kernel's state letter: R, S, D, T (stopped), Z (zombie) ...
    pub state: char,
    /// CPU since the previous sample (or since it started), in percent of
    /// one core, all threads together.
    pub cpu_percent: f32,
    pub cpu_time: Duration,
    pub rss_bytes: u64,
    pub thread_count: u32,
    pub threads: Vec<ThreadSample>,
    /// A zombie's exitcode, as Python's `exitcode` will read once it is
    /// joined (-N for a signal).
    pub exitcode: Option<i32>,
}

impl ProcessSample {
    pub fn is_zombie(&self) -> bool {
        self.state == 'Z'
    }

    /// A process of the program that ended and that its parent, also of the
    /// program, has not reaped: with `multiprocessing`, a child not joined.
    pub fn is_unjoined_zombie(&self) -> bool {
        self.is_zombie() && self.parent.is_some()
    }

    pub fn is_stopped(&self) -> bool {
        matches!(self.state, 'T' | 't')
    }

    /// The state letter in words.
    pub fn state_words(&self) -> &'static str {
        crate::metrics::procstat::state_words(self.state)
    }
}

/// One reading of the whole program.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeSample {
    pub at: Instant,
    /// `CLOCK_BOOTTIME` when read: the clock of start times and intervals.
    pub since_boot: Duration,
    /// Every process, in tree order: each parent before its children,
    /// siblings by start time.
    pub processes: Vec<ProcessSample>,
    /// Processes of the previous reading that are gone now (reaped), as last seen.
    pub ended: Vec<ProcessSample>,
}

impl TreeSample {
    /// A reading with nothing in it.
    pub fn empty() -> TreeSample {
        TreeSample {
            at: Instant::now(),
            since_boot: procfs::since_boot(),
            processes: Vec::new(),
            ended: Vec::new(),
        }
    }

    pub fn get(&self, id: ProcId) -> Option<&ProcessSample> {
        self.processes.iter().find(|p| p.id == id)
    }

    pub fn by_pid(&self, pid: u32) -> Option<&ProcessSample> {
        self.processes.iter().find(|p| p.id.pid == pid)
    }

    pub fn children(&self, id: ProcId) -> impl Iterator<Item = &ProcessSample> {
        self.processes.iter().filter(move |p| p.parent == Some(id))
    }

    /// Children that ended and that the program has not joined.
    pub fn unjoined_zombies(&self) -> impl Iterator<Item = &ProcessSample> {
        self.processes.iter().filter(|p| p.is_unjoined_zombie())
    }

    /// Names a process, as the instrumentation reports it; the name stays
    /// with the process (pid + start time) in later readings. False when no
    /// process of this reading has that pid.
    pub fn set_label(&mut self, pid: u32, label: &str) -> bool {
        match self.processes.iter_mut().find(|p| p.id.pid == pid) {
            Some(p) => {
                p.label = Some(label.to_string());
                true
            }
            None => false,
        }
    }
}
