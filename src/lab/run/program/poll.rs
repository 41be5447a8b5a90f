//! What [`Program::poll`] reports: output lines, the main process's end
//! (reaped at once when proclab started it), and the program's orphans
//! that proclab, their new parent, reaped.

use std::os::fd::AsFd;
use std::sync::mpsc::TryRecvError;

use rustix::process::{WaitId, WaitIdOptions, waitid};

use super::{MAX_LINES_PER_POLL, Main, Program};
use crate::lab::run::output::OutputLine;
use crate::lab::run::{pidfd, procfs};

/// Something that happened to the program since the last poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEvent {
    /// Run number `run` started, its main process being `pid`.
    Started { run: u32, pid: u32 },
    /// A line the program wrote during run `run`.
    Output { run: u32, line: OutputLine },
    /// The main process ended, with Python's exitcode (-N for a signal).
    /// None for an attached program whose parent reaped it before proclab
    /// could read its code.
    Exited {
        run: u32,
        pid: u32,
        exitcode: Option<i32>,
    },
    /// A process of the program that had lost its parent ended, and
    /// proclab, its new parent, reaped it.
    OrphanReaped { run: u32, pid: u32, exitcode: i32 },
}

impl Program {
    /// What happened since the last call, without blocking: output lines,
    /// the main process's end (reaped at once when proclab started it),
    /// orphans reaped.
    pub fn poll(&mut self) -> Vec<RunEvent> {
        let mut events = std::mem::take(&mut self.pending);
        events.extend(self.poll_new());
        events
    }

    /// What happened since the last look, leaving events kept for later
    /// where they are.
    pub(super) fn poll_new(&mut self) -> Vec<RunEvent> {
        let mut events = Vec::new();
        self.drain_output(&mut events);
        self.poll_main(&mut events);
        self.reap_orphans(&mut events);
        events
    }

    /// Keeps events for the next [`Program::poll`].
    pub(super) fn keep_for_later(&mut self, events: Vec<RunEvent>) {
        self.pending.extend(events);
    }

    fn drain_output(&mut self, events: &mut Vec<RunEvent>) {
        let mut budget = MAX_LINES_PER_POLL;
        self.outputs.retain(|(run, rx)| {
            loop {
                if budget == 0 {
                    return true;
                }
                match rx.try_recv() {
                    Ok(line) => {
                        budget -= 1;
                        events.push(RunEvent::Output { run: *run, line });
                    }
                    Err(TryRecvError::Empty) => return true,
                    Err(TryRecvError::Disconnected) => return false,
                }
            }
        });
    }

    fn poll_main(&mut self, events: &mut Vec<RunEvent>) {
        if self.exit_reported {
            return;
        }
        let pid = self.main_id.pid;
        let exitcode = match &mut self.main {
            Main::Owned(child) => {
                if child.poll_exit().is_none() {
                    return;
                }
                child.reap().ok()
            }
            Main::Attached(fd) => {
                if !fd.as_ref().is_some_and(pidfd::has_ended) {
                    return;
                }
                *fd = None;
                // A zombie still holds its code until its parent reaps it.
                procfs::read_stat(pid, &mut Vec::new())
                    .filter(|s| s.start_ticks == self.main_id.start_ticks && s.state == 'Z')
                    .filter(|_| procfs::wait_status_shown(pid))
                    .and_then(|s| s.wait_status)
                    .map(procfs::exitcode_of)
            }
        };
        self.exit_reported = true;
        self.exitcode = exitcode;
        events.push(RunEvent::Exited {
            run: self.run,
            pid,
            exitcode,
        });
    }

    fn reap_orphans(&mut self, events: &mut Vec<RunEvent>) {
        let run = self.run;
        self.orphans.retain(|o| {
            let opts = WaitIdOptions::EXITED | WaitIdOptions::NOHANG;
            match waitid(WaitId::PidFd(o.pidfd.as_fd()), opts) {
                Ok(Some(status)) => {
                    let exitcode = match (status.exit_status(), status.terminating_signal()) {
                        (Some(code), _) => code,
                        (None, Some(sig)) => -sig,
                        (None, None) => i32::MIN,
                    };
                    events.push(RunEvent::OrphanReaped {
                        run,
                        pid: o.id.pid,
                        exitcode,
                    });
                    false
                }
                Ok(None) => true,
                // ECHILD: reaped already (cannot happen: only this reaps it).
                Err(_) => false,
            }
        });
    }
}
