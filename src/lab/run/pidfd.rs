//! Signals to any process of a watched program through a pidfd, which
//! works for processes that are not proclab's children, and is opened then
//! checked against the process's start time, so a pid the kernel has
//! reused for another process is never hit.

use std::os::fd::{AsFd, OwnedFd};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::io::Errno;
use rustix::process::{Pid, PidfdFlags, Signal, pidfd_open, pidfd_send_signal};

use super::RunError;
use super::tree::ProcId;

/// A pidfd for `id`, or ESRCH when that process is gone (even if its pid
/// now names another).
pub fn open(id: ProcId) -> std::io::Result<OwnedFd> {
    let pid = Pid::from_raw(id.pid as i32).ok_or(Errno::SRCH)?;
    let fd = pidfd_open(pid, PidfdFlags::empty())?;
    // The pidfd holds whatever process had the pid when it was opened; the
    // start time read after tells whether that is the one meant.
    if !id.exists() {
        return Err(Errno::SRCH.into());
    }
    Ok(fd)
}

/// The signal's name, as Python's `signal` module spells it.
pub fn signal_name(sig: Signal) -> &'static str {
    match sig {
        Signal::STOP => "SIGSTOP",
        Signal::CONT => "SIGCONT",
        Signal::TERM => "SIGTERM",
        Signal::KILL => "SIGKILL",
        Signal::INT => "SIGINT",
        Signal::HUP => "SIGHUP",
        Signal::USR1 => "SIGUSR1",
        Signal::USR2 => "SIGUSR2",
        _ => "a signal",
    }
}

/// What a failed signal means to the user.
pub fn signal_error(pid: u32, sig: Signal, error: Errno) -> RunError {
    let signal = signal_name(sig);
    match error {
        Errno::PERM => RunError::Refused { pid, signal },
        Errno::SRCH => RunError::Ended(pid),
        _ => RunError::Signal {
            pid,
            signal,
            error: error.into(),
        },
    }
}

/// Sends `sig` to `fd`'s process.
pub fn send_fd(fd: impl AsFd, pid: u32, sig: Signal) -> Result<(), RunError> {
    pidfd_send_signal(fd, sig).map_err(|e| signal_error(pid, sig, e))
}

/// Sends `sig` to the process `id`, if it is still that process.
pub fn send(id: ProcId, sig: Signal) -> Result<(), RunError> {
    let fd = open(id)
        .map_err(|e| signal_error(id.pid, sig, Errno::from_io_error(&e).unwrap_or(Errno::SRCH)))?;
    send_fd(&fd, id.pid, sig)
}

/// Has the process of this pidfd ended (it may still be a zombie)?
pub fn has_ended(fd: impl AsFd) -> bool {
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    let now = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    matches!(poll(&mut fds, Some(&now)), Ok(n) if n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_signal_says_whose_process_it_is() {
        let e = signal_error(42, Signal::STOP, Errno::PERM).to_string();
        assert_eq!(
            e,
            "not allowed to send SIGSTOP to process 42: it belongs to another user"
        );
        assert_eq!(
            signal_error(42, Signal::TERM, Errno::SRCH).to_string(),
            "process 42 has already ended"
        );
    }

    #[test]
    fn a_pid_with_another_start_time_is_not_opened() {
        let me = ProcId::of_pid(std::process::id()).unwrap();
        assert!(open(me).is_ok());
        let other = ProcId {
            start_ticks: me.start_ticks + 1,
            ..me
        };
        assert_eq!(
            open(other).unwrap_err().raw_os_error(),
            Some(Errno::SRCH.raw_os_error())
        );
    }
}
