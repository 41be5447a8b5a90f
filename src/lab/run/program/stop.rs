//! Ending a program proclab started, leaving nothing behind: SIGTERM to
//! every process of its tree, SIGKILL to whatever is left after a grace
//! period, round after round until the tree is empty (a Pool replaces the
//! workers it loses, a parent's death hands its zombies to proclab), with
//! every orphan reaped. An attached program is never signalled.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use rustix::process::Signal;

use super::{Program, RunEvent, STOP_GRACE};
use crate::lab::Lab;
use crate::lab::run::tree::ProcId;
use crate::lab::run::{RunError, RunSpec, pidfd};

/// How long SIGKILL rounds go on after the grace period before giving up
/// (a process in uninterruptible sleep acts on SIGKILL only once it wakes).
pub const KILL_PATIENCE: Duration = Duration::from_secs(5);
/// Pause between rounds.
const ROUND: Duration = Duration::from_millis(10);

/// What stopping the program did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StopReport {
    /// Processes that got SIGTERM and ended before the grace period was over.
    pub terminated: usize,
    /// Processes that needed SIGKILL.
    pub killed: usize,
    /// Processes proclab reaped (the main one and orphans).
    pub reaped: usize,
    /// Processes still there when proclab gave up (should be none).
    pub left: Vec<ProcId>,
}

impl Program {
    /// Ends the program's whole tree and reaps it: SIGTERM to every process
    /// (with SIGCONT to a stopped one, which cannot act on it otherwise),
    /// SIGKILL after `grace` to what is left. The events of its end (the
    /// main process's exitcode, orphans reaped, last lines) come from the
    /// next [`Program::poll`]. An attached program is left untouched.
    pub fn shutdown(&mut self, grace: Duration) -> StopReport {
        let mut report = StopReport::default();
        if !self.is_owned() || self.stopped {
            self.stopped = true;
            return report;
        }
        let mut termed: HashSet<ProcId> = HashSet::new();
        let mut killed: HashSet<ProcId> = HashSet::new();
        let start = Instant::now();
        loop {
            let events = self.poll_new();
            report.reaped += events
                .iter()
                .filter(|e| matches!(e, RunEvent::Exited { .. } | RunEvent::OrphanReaped { .. }))
                .count();
            self.keep_for_later(events);
            let live: Vec<(ProcId, bool)> = self
                .sample()
                .processes
                .iter()
                .filter(|p| !p.is_zombie())
                .map(|p| (p.id, p.is_stopped()))
                .collect();
            if self.last_sample().processes.is_empty() && self.has_exited() {
                break;
            }
            let waited = start.elapsed();
            if waited > grace + KILL_PATIENCE {
                report.left = self.last_sample().processes.iter().map(|p| p.id).collect();
                break;
            }
            for (id, stopped) in live {
                if waited < grace {
                    if termed.insert(id) {
                        let _ = pidfd::send(id, Signal::TERM);
                        if stopped {
                            let _ = pidfd::send(id, Signal::CONT);
                        }
                    }
                } else if pidfd::send(id, Signal::KILL).is_ok() {
                    killed.insert(id);
                }
            }
            std::thread::sleep(ROUND);
        }
        report.killed = killed.len();
        report.terminated = termed.difference(&killed).count();
        self.stopped = true;
        report
    }

    /// Stops the program as [`Program::shutdown`] does and starts it again
    /// (`r`): a new run, with a new number.
    pub fn restart(&mut self, lab: &Lab, grace: Duration) -> Result<StopReport, RunError> {
        if !self.is_owned() {
            return Err(RunError::NotOwned);
        }
        let report = self.shutdown(grace);
        self.start(lab)?;
        Ok(report)
    }

    /// As [`Program::restart`], with `spec` from now on (the same program
    /// with a fresh environment: a new run's instrumentation, say).
    pub fn restart_with(
        &mut self,
        lab: &Lab,
        grace: Duration,
        spec: RunSpec,
    ) -> Result<StopReport, RunError> {
        if !self.is_owned() {
            return Err(RunError::NotOwned);
        }
        let report = self.shutdown(grace);
        self.spec = Some(spec);
        self.start(lab)?;
        Ok(report)
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        if !self.stopped {
            self.shutdown(STOP_GRACE);
        }
    }
}
