//! The manager's socket, reachable by proclab's own workers only.
//!
//! An abstract Unix socket has no permissions: any local user could connect
//! to it, add to the counter or shut the manager down, or bind the next
//! run's name first. So proclab binds the manager's socket itself, in a
//! folder only its user can enter (mode 0700, made afresh with `mkdir`,
//! which fails rather than follow anything already there), and hands the
//! listening socket to the manager (at [`WORKER_EXTRA_FD`]). A worker gets
//! the folder as an `O_PATH` fd at the same number and connects through
//! `/proc/self/fd/4/`, so it needs no path and meets no length limit. The
//! manager then checks each peer's credentials (`SO_PEERCRED`): the same
//! user, and proclab itself or one of its children.
//!
//! CPython's managers are kept to themselves in much the same way: a
//! `Manager()` listens on `/tmp/pymp-XXXXXXXX/listener-XXXXXXXX`, in a folder
//! of mode 0700, and each connection must answer an HMAC challenge on the
//! process's `authkey`.
//!
//! The folder is in `$XDG_RUNTIME_DIR` when that is the user's own private
//! folder, else in the temporary folder; it is removed with the lab, and a
//! folder left by a proclab that was killed is removed by the next one.

use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};

use crate::lab::WORKER_EXTRA_FD;

/// The name of run `run`'s socket in the folder.
fn socket_name(run: u32) -> String {
    format!("manager-{run}.sock")
}

/// Where a counter worker connects to run `run`'s manager: through the
/// folder handed to it at [`WORKER_EXTRA_FD`].
pub fn worker_path(run: u32) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{WORKER_EXTRA_FD}")).join(socket_name(run))
}

/// A folder private to the user, removed when dropped.
#[derive(Debug)]
pub struct PrivateDir {
    path: PathBuf,
    /// The folder itself, held so that proclab binds and connects through
    /// it and not through a path someone could swap.
    fd: OwnedFd,
}

/// Whether `path` is a real folder (not a link), owned by this user, that
/// nobody else may enter.
fn is_private(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| {
        m.is_dir() && m.uid() == rustix::process::geteuid().as_raw() && m.mode() & 0o077 == 0
    })
}

/// A fresh random number, for a folder's name.
fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

/// Removes folders left by a proclab that is gone (killed before it could).
fn remove_stale(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("proclab-"))
            .and_then(|rest| rest.split_once('-'))
            .filter(|(_, tag)| tag.len() == 16 && tag.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let path = entry.path();
        if !Path::new(&format!("/proc/{pid}")).exists() && is_private(&path) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

impl PrivateDir {
    /// Makes a new folder, mode 0700, under the user's runtime folder or
    /// the temporary one.
    pub fn create() -> std::io::Result<PrivateDir> {
        let base = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute() && is_private(p))
            .unwrap_or_else(std::env::temp_dir);
        remove_stale(&base);
        let pid = std::process::id();
        let mut tries = 0;
        let path = loop {
            let path = base.join(format!("proclab-{pid}-{:016x}", random()));
            match std::fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => break path,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < 16 => {
                    tries += 1;
                }
                Err(e) => return Err(e),
            }
        };
        let fd = rustix::fs::open(
            &path,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        if !is_private(&path) {
            return Err(std::io::Error::other(format!(
                "{} is not a folder private to this user",
                path.display()
            )));
        }
        Ok(PrivateDir { path, fd })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of an entry: its real path, which `ss` and
    /// `/proc/net/unix` show, when it fits a socket address (107 bytes);
    /// else through the folder's own fd, which always does.
    fn entry(&self, name: &str) -> PathBuf {
        let real = self.path.join(name);
        if real.as_os_str().len() < 108 {
            return real;
        }
        PathBuf::from(format!(
            "/proc/self/fd/{}",
            std::os::fd::AsRawFd::as_raw_fd(&self.fd)
        ))
        .join(name)
    }

    /// Binds and listens on run `run`'s socket, for the manager to take.
    pub fn listen(&self, run: u32) -> std::io::Result<UnixListener> {
        let name = socket_name(run);
        let _ = std::fs::remove_file(self.entry(&name));
        UnixListener::bind(self.entry(&name))
    }

    /// Connects to run `run`'s manager, as proclab.
    pub fn connect(&self, run: u32) -> std::io::Result<UnixStream> {
        UnixStream::connect(self.entry(&socket_name(run)))
    }

    /// Removes run `run`'s socket once its manager is done with it.
    pub fn forget(&self, run: u32) {
        let _ = std::fs::remove_file(self.entry(&socket_name(run)));
    }

    /// The folder as an fd to hand a worker, which connects through it.
    pub fn handle(&self) -> std::io::Result<OwnedFd> {
        self.fd.as_fd().try_clone_to_owned()
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The parent of a process, from `/proc/PID/stat` (field 4, after the
/// command name, which may hold anything).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

/// Whether the process at the other end of `stream` may use the manager:
/// it runs as this user, and it is proclab (`parent`) or a child of it.
pub fn peer_allowed(stream: &UnixStream, parent: u32) -> bool {
    let Ok(cred) = rustix::net::sockopt::socket_peercred(stream) else {
        return false;
    };
    let pid = cred.pid.as_raw_nonzero().get() as u32;
    cred.uid == rustix::process::getuid() && (pid == parent || parent_of(pid) == Some(parent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_is_private_and_gone_when_dropped() {
        let dir = PrivateDir::create().unwrap();
        let path = dir.path().to_path_buf();
        let mode = std::fs::symlink_metadata(&path).unwrap().mode();
        assert_eq!(mode & 0o777, 0o700, "{path:?}");
        let listener = dir.listen(7).unwrap();
        let client = dir.connect(7).unwrap();
        let (server, _) = listener.accept().unwrap();
        // This process is proclab here; a parent it is not the child of is refused.
        assert!(peer_allowed(&server, std::process::id()));
        assert!(!peer_allowed(&server, 1));
        drop((client, server));
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn parents_are_read_past_odd_command_names() {
        let me = std::process::id();
        assert_eq!(
            parent_of(me),
            Some(rustix::process::getppid().map_or(0, |p| p.as_raw_nonzero().get() as u32))
        );
    }
}
