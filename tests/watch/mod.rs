//! Helpers for the tests of `proclab run` and `attach`: real Python
//! programs written into a temporary folder, and a watcher that samples
//! the tree and gathers events until something holds.
#![allow(dead_code)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use proclab::lab::run::{ProcId, Program, RunEvent, RunSpec, TreeSample};
use proclab::lab::{Lab, LabConfig};

/// Generous: the tests run on a busy 2-core machine.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// A lab whose supervisor starts the programs (no busy-loop calibration:
/// these tests start no worker).
pub fn lab() -> Lab {
    let mut config = LabConfig::with_exe(env!("CARGO_BIN_EXE_proclab"));
    config.iters_per_ms = Some(1000);
    config.max_workers = 2;
    Lab::new(config).expect("the engine starts")
}

/// A private folder for one test's program, removed on drop.
pub struct Dir(pub PathBuf);

impl Dir {
    pub fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("proclab-run-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    /// Writes a script into the folder and returns its path.
    pub fn script(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Creates an empty file (the programs wait for one to go on).
    pub fn touch(&self, name: &str) {
        std::fs::write(self.0.join(name), "").unwrap();
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `python3 SCRIPT ARGS...` run in `dir`.
pub fn python(dir: &Dir, script: &Path, args: &[&str]) -> RunSpec {
    RunSpec::python(script, args.iter().map(Into::into).collect()).with_cwd(&dir.0)
}

/// A program being watched, with everything seen so far.
pub struct Watch {
    pub program: Program,
    pub events: Vec<RunEvent>,
    /// Every process any sample had.
    pub seen: HashSet<ProcId>,
}

impl Watch {
    pub fn new(program: Program) -> Watch {
        Watch {
            program,
            events: Vec::new(),
            seen: HashSet::new(),
        }
    }

    /// One sample, and the events since the last.
    pub fn sample(&mut self) -> TreeSample {
        let s = self.program.sample().clone();
        self.seen.extend(s.processes.iter().map(|p| p.id));
        self.events.extend(self.program.poll());
        s
    }

    /// Samples until `cond` holds of a sample.
    pub fn until(&mut self, what: &str, cond: impl Fn(&TreeSample) -> bool) -> TreeSample {
        let start = Instant::now();
        loop {
            let s = self.sample();
            if cond(&s) {
                return s;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "gave up waiting for {what}; last sample: {:#?}\nevents: {:#?}",
                s.processes
                    .iter()
                    .map(|p| (p.id.pid, p.ppid, p.kind, p.state, &p.cmdline))
                    .collect::<Vec<_>>(),
                self.events
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Samples until an event matching `cond` has come, and returns it.
    pub fn until_event(&mut self, what: &str, cond: impl Fn(&RunEvent) -> bool) -> RunEvent {
        let start = Instant::now();
        loop {
            if let Some(e) = self.events.iter().find(|e| cond(e)) {
                return e.clone();
            }
            assert!(
                start.elapsed() < PATIENCE,
                "gave up waiting for {what}; events: {:#?}",
                self.events
            );
            self.sample();
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for a line of output starting with `prefix`, and returns it.
    pub fn until_line(&mut self, prefix: &str) -> String {
        let e = self.until_event(
            &format!("a line starting {prefix:?}"),
            |e| matches!(e, RunEvent::Output { line, .. } if line.text.starts_with(prefix)),
        );
        match e {
            RunEvent::Output { line, .. } => line.text,
            _ => unreachable!(),
        }
    }

    /// The main process's exitcode, once it has ended.
    pub fn until_exit(&mut self) -> Option<i32> {
        match self.until_event("the main process to end", |e| {
            matches!(e, RunEvent::Exited { .. })
        }) {
            RunEvent::Exited { exitcode, .. } => exitcode,
            _ => unreachable!(),
        }
    }

    /// Every process seen that is still there.
    pub fn left(&self) -> Vec<ProcId> {
        self.seen.iter().copied().filter(|id| id.exists()).collect()
    }
}

/// The pids on a line like `started 12 13`.
pub fn pids_of(line: &str) -> Vec<u32> {
    line.split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect()
}
