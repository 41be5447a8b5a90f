//! The run's private folder (mode 0700): the tasks module its nodes
//! import, the Pool script the speedup times, their logs, redis-server's
//! log.
//! Removed when the lab shuts down; a folder left by a proclab that was
//! killed is removed by the next one that opens the lab.

use std::fs::{self, DirBuilder};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

/// The tasks module every node imports (`celery -A tasks`).
pub const TASKS_PY: &str = include_str!("python/tasks.py");
/// Times the speedup's batch with `multiprocessing.Pool` on this machine.
pub const POOL_RUN_PY: &str = include_str!("python/pool_run.py");

const PREFIX: &str = "proclab-cluster-";

/// The folder, removed on drop.
#[derive(Debug)]
pub struct RunDir {
    path: PathBuf,
}

impl RunDir {
    /// Makes `$TMPDIR/proclab-cluster-PID-RANDOM` and writes the tasks module.
    pub fn create() -> io::Result<RunDir> {
        let base = std::env::temp_dir();
        remove_stale(&base);
        let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
        let path = base.join(format!("{PREFIX}{}-{suffix}", std::process::id()));
        DirBuilder::new().mode(0o700).create(&path)?;
        let dir = RunDir { path };
        fs::write(dir.path.join("tasks.py"), TASKS_PY)?;
        fs::write(dir.path.join("pool_run.py"), POOL_RUN_PY)?;
        Ok(dir)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A short tag of this run (four hex digits of the folder's random
    /// part), to tell its nodes from another run's on a shared broker.
    pub fn tag(&self) -> String {
        let name = self.path.file_name().map(|n| n.to_string_lossy().into_owned());
        let random = name.as_deref().and_then(|n| n.rsplit('-').next()).unwrap_or("");
        random.chars().take(4).collect()
    }

    /// The tasks module, for a node started by hand on another machine.
    pub fn tasks_module(&self) -> PathBuf {
        self.path.join("tasks.py")
    }

    /// Where a program's output goes (`node3.log`, `redis.log`).
    pub fn log(&self, name: &str) -> PathBuf {
        self.path.join(format!("{name}.log"))
    }

    /// The last lines of a log, to say why a program ended.
    pub fn log_tail(&self, name: &str, lines: usize) -> String {
        let text = fs::read_to_string(self.log(name)).unwrap_or_default();
        let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// Removes folders of ours whose proclab is no longer running.
fn remove_stale(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    let uid = rustix::process::getuid().as_raw();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let ours = entry.metadata().is_ok_and(|m| m.is_dir() && m.uid() == uid);
        if ours && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_folder_is_private_holds_the_tasks_and_goes_away() {
        let dir = RunDir::create().unwrap();
        let path = dir.path().to_path_buf();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        let tasks = fs::read_to_string(dir.tasks_module()).unwrap();
        assert!(tasks.contains("@app.task(acks_late=True)"));
        fs::write(dir.log("x"), "a\n\nb\nc\n").unwrap();
        assert_eq!(dir.log_tail("x", 2), "b\nc");
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn a_folder_left_by_a_dead_proclab_is_removed() {
        let base = std::env::temp_dir();
        // No process has pid u32::MAX - 1.
        let stale = base.join(format!("{PREFIX}{}-deadbeef", u32::MAX - 1));
        DirBuilder::new().mode(0o700).create(&stale).unwrap();
        let mine = RunDir::create().unwrap();
        assert!(!stale.exists());
        assert!(mine.path().exists());
    }
}
