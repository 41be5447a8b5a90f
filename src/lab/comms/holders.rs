//! Who holds an end of a pipe: the processes with a file descriptor open
//! on it, read from `/proc/PID/fd`. An end reads `EOFError` (or its writer
//! `BrokenPipeError`) only once every copy of the other end is closed, so
//! when one end's process dies and the other does not see it, this names
//! who still keeps the pipe open: the parent, the survivor itself, a
//! bystander that inherited both ends.

use std::os::fd::{AsFd, AsRawFd};

use crate::lab::{Lab, WorkerId};

/// One end of an OS pipe or of a socket pair, as `/proc` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndOf {
    /// The target of the descriptor's `/proc` link: `pipe:[1234]` or
    /// `socket:[5678]`.
    link: String,
    /// For an OS pipe, whose two ends share one link: whether this is the
    /// write end. None for a socket, whose two ends are two sockets.
    write: Option<bool>,
}

/// A process that holds an end: proclab itself (the parent) or a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    /// None for proclab, which plays the Python parent.
    pub worker: Option<WorkerId>,
}

/// `O_ACCMODE` and `O_WRONLY`, as `/proc/PID/fdinfo` shows the flags.
const ACCMODE: u32 = 0o3;
const WRONLY: u32 = 0o1;

impl EndOf {
    /// The end `fd` is open on, in this process.
    pub fn of(fd: impl AsFd) -> std::io::Result<EndOf> {
        let raw = fd.as_fd().as_raw_fd();
        let link = link_of(&format!("/proc/self/fd/{raw}"))
            .ok_or_else(|| std::io::Error::other(format!("fd {raw} has no /proc link")))?;
        let write = if link.starts_with("pipe:") {
            let flags = rustix::fs::fcntl_getfl(fd.as_fd())?;
            Some(flags.bits() & ACCMODE == WRONLY)
        } else {
            None
        };
        Ok(EndOf { link, write })
    }

    /// Whether process `pid` has a descriptor open on this end.
    pub fn held_by(&self, pid: u32) -> bool {
        let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            return false;
        };
        dir.flatten().any(|e| {
            let fd = e.file_name();
            let fd = fd.to_string_lossy();
            link_of(&format!("/proc/{pid}/fd/{fd}")).as_deref() == Some(self.link.as_str())
                && self.write.is_none_or(|w| writes(pid, &fd) == Some(w))
        })
    }

    /// Every process among proclab and the live workers of `lab` that
    /// holds this end, proclab first.
    pub fn holders(&self, lab: &Lab) -> Vec<Holder> {
        let me = std::process::id();
        let workers = lab
            .snapshot()
            .into_iter()
            .filter(|w| w.status.is_alive())
            .map(|w| Holder {
                pid: w.pid,
                worker: Some(w.id),
            });
        std::iter::once(Holder {
            pid: me,
            worker: None,
        })
        .chain(workers)
        .filter(|h| self.held_by(h.pid))
        .collect()
    }
}

fn link_of(path: &str) -> Option<String> {
    std::fs::read_link(path)
        .ok()
        .map(|l| l.to_string_lossy().into_owned())
}

/// Whether descriptor `fd` of `pid` is open for writing, from its fdinfo.
fn writes(pid: u32, fd: &str) -> Option<bool> {
    let info = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}")).ok()?;
    let flags = info.lines().find_map(|l| l.strip_prefix("flags:"))?.trim();
    let flags = u32::from_str_radix(flags, 8).ok()?;
    Some(flags & ACCMODE == WRONLY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipes_two_ends_are_told_apart_and_a_closed_one_is_not_held() {
        let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).unwrap();
        let (er, ew) = (EndOf::of(&r).unwrap(), EndOf::of(&w).unwrap());
        assert_ne!(er, ew, "same pipe, two ends");
        assert_eq!(er.link, ew.link);
        let me = std::process::id();
        assert!(er.held_by(me) && ew.held_by(me));
        drop(w);
        assert!(er.held_by(me));
        assert!(!ew.held_by(me), "the write end is closed");
    }

    #[test]
    fn a_socket_pairs_ends_are_two_sockets() {
        use rustix::net::{AddressFamily, SocketFlags, SocketType, socketpair};
        let (a, b) = socketpair(
            AddressFamily::UNIX,
            SocketType::STREAM,
            SocketFlags::CLOEXEC,
            None,
        )
        .unwrap();
        let (ea, eb) = (EndOf::of(&a).unwrap(), EndOf::of(&b).unwrap());
        assert_ne!(ea.link, eb.link);
        drop(b);
        assert!(ea.held_by(std::process::id()));
        assert!(!eb.held_by(std::process::id()));
    }
}
