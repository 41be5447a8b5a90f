//! One child process, held by its pidfd.
//!
//! Every signal goes through the pidfd, so a pid that the kernel has recycled
//! can never be hit, and only a child we spawned is ever signalled. The pidfd
//! also tells us when the child has ended without reaping it (`WNOWAIT`), so
//! an ended child stays a zombie, as in Python, until it is joined.

use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::io::Errno;
use rustix::process::{
    Pid, PidfdFlags, Signal, WaitId, WaitIdOptions, WaitIdStatus, pidfd_open, pidfd_send_signal,
    waitid,
};

/// A child process that has not been reaped yet, or the record of one that has.
#[derive(Debug)]
pub struct ChildProcess {
    pid: u32,
    /// Dropped when the child is reaped.
    pidfd: Option<OwnedFd>,
    /// Python's exitcode once the child has ended.
    ended: Option<i32>,
}

/// Python's `exitcode` for a wait status: the exit status, or minus the signal.
fn exitcode(status: &WaitIdStatus) -> i32 {
    if let Some(code) = status.exit_status() {
        code
    } else if let Some(sig) = status.terminating_signal() {
        -sig
    } else {
        // Neither exited nor signalled: waitid(WEXITED) never reports that.
        i32::MIN
    }
}

/// Whether any child of this process has ended and not been reaped: one
/// system call, where asking each child's pidfd is one per child (a
/// thousand workers made that most of a tick). Not reaping, it takes no
/// child from whoever joins it.
pub fn any_child_ended() -> bool {
    let opts = WaitIdOptions::EXITED | WaitIdOptions::NOWAIT | WaitIdOptions::NOHANG;
    match waitid(WaitId::All, opts) {
        Ok(found) => found.is_some(),
        Err(Errno::CHILD) => false,
        // Unsure: look at each child.
        Err(_) => true,
    }
}

impl ChildProcess {
    /// Takes hold of a child just spawned by this process.
    ///
    /// The pid cannot have been recycled: the child is ours and not yet reaped.
    pub fn adopt(child: std::process::Child) -> std::io::Result<ChildProcess> {
        let pid = child.id();
        let raw = Pid::from_raw(pid as i32).ok_or(std::io::ErrorKind::InvalidInput)?;
        let pidfd = pidfd_open(raw, PidfdFlags::empty())?;
        // std's Child neither kills nor reaps on drop; from here the pidfd rules.
        drop(child);
        Ok(ChildProcess {
            pid,
            pidfd: Some(pidfd),
            ended: None,
        })
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// True once the child has been reaped.
    pub fn is_reaped(&self) -> bool {
        self.pidfd.is_none()
    }

    /// Python's exitcode: None while the child runs.
    pub fn exitcode(&self) -> Option<i32> {
        self.ended
    }

    /// Sends a signal through the pidfd.
    pub fn signal(&self, sig: Signal) -> std::io::Result<()> {
        let fd = self.pidfd.as_ref().ok_or(Errno::SRCH)?;
        pidfd_send_signal(fd, sig)?;
        Ok(())
    }

    /// The child's end if it was seen already, without looking again.
    pub fn seen_ended(&self) -> Option<i32> {
        self.ended
    }

    /// Has the child ended? Looks without reaping it.
    pub fn poll_exit(&mut self) -> Option<i32> {
        if self.ended.is_some() {
            return self.ended;
        }
        let fd = self.pidfd.as_ref()?;
        let opts = WaitIdOptions::EXITED | WaitIdOptions::NOWAIT | WaitIdOptions::NOHANG;
        if let Ok(Some(status)) = waitid(WaitId::PidFd(fd.as_fd()), opts) {
            self.ended = Some(exitcode(&status));
        }
        self.ended
    }

    /// Waits up to `timeout` (forever if None) for the child to end, without reaping it.
    pub fn wait_exit(&mut self, timeout: Option<Duration>) -> Option<i32> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            if let Some(code) = self.poll_exit() {
                return Some(code);
            }
            let fd = self.pidfd.as_ref()?;
            let left = match deadline {
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return None;
                    }
                    Some(d - now)
                }
                None => None,
            };
            let ts = left.map(|d| Timespec {
                tv_sec: d.as_secs() as i64,
                tv_nsec: i64::from(d.subsec_nanos()),
            });
            let mut fds = [PollFd::new(fd, PollFlags::IN)];
            // EINTR or a spurious wake: look again.
            let _ = poll(&mut fds, ts.as_ref());
        }
    }

    /// Reaps the child (it must have ended) and returns its exitcode.
    pub fn reap(&mut self) -> std::io::Result<i32> {
        let Some(fd) = self.pidfd.as_ref() else {
            return self.ended.ok_or_else(|| Errno::CHILD.into());
        };
        let status = loop {
            match waitid(WaitId::PidFd(fd.as_fd()), WaitIdOptions::EXITED) {
                Ok(Some(status)) => break status,
                Ok(None) => continue,
                Err(Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        let code = exitcode(&status);
        self.ended = Some(code);
        self.pidfd = None;
        Ok(code)
    }
}
