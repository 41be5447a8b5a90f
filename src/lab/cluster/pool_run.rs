//! The speedup's one-machine peer: the same batch run by Python's
//! `multiprocessing.Pool` (`python/pool_run.py`), as a child of proclab
//! tied like every other, in a process group of its own so that stopping
//! it takes its pool processes too.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use rustix::process::{Pid, Signal};

use super::files::RunDir;
use super::settings::TaskKind;
use crate::lab::Spawner;
use crate::lab::process::ChildProcess;

/// Where the script writes its answer, in the run's folder.
const OUT: &str = "pool-run.out";
/// Its log (Python's errors), in the run's folder.
pub const LOG: &str = "pool-run";

/// One batch timed with a Pool on this machine.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolRow {
    pub processes: usize,
    pub tasks: usize,
    /// Of `pool.map(...)` alone, timed by Python.
    pub wall: Duration,
}

/// A Pool run under way.
pub struct PoolRun {
    process: ChildProcess,
    processes: usize,
    tasks: usize,
}

impl PoolRun {
    /// Starts `pool_run.py` for `tasks` tasks of `task` on `processes`
    /// processes; None for a task it has no peer for (no-ops).
    pub fn start(
        spawner: &Spawner,
        python: &Path,
        dir: &RunDir,
        task: TaskKind,
        processes: usize,
        tasks: usize,
    ) -> Option<std::io::Result<PoolRun>> {
        if task == TaskKind::Noop {
            return None;
        }
        let run = || -> std::io::Result<PoolRun> {
            let out = std::fs::File::create(dir.path().join(OUT))?;
            let log = std::fs::File::create(dir.log(LOG))?;
            let mut command = Command::new(python);
            command
                .arg("pool_run.py")
                .arg(task.function(false))
                .arg(task.args_text())
                .arg(processes.to_string())
                .arg(tasks.to_string())
                .current_dir(dir.path())
                .env("PYTHONPATH", dir.path())
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(log)
                .process_group(0);
            Ok(PoolRun {
                process: spawner.spawn_tied(command)?,
                processes,
                tasks,
            })
        };
        Some(run())
    }

    /// Its result once it has ended: the row, or why there is none.
    pub fn poll(&mut self, dir: &RunDir) -> Option<Result<PoolRow, String>> {
        let code = self.process.poll_exit()?;
        let _ = self.process.reap();
        if code != 0 {
            let log = dir.log_tail(LOG, 3);
            return Some(Err(format!("the Pool run ended with exitcode {code}: {log}")));
        }
        let text = std::fs::read_to_string(dir.path().join(OUT)).unwrap_or_default();
        let wall = text
            .split_whitespace()
            .next()
            .and_then(|w| w.parse::<f64>().ok())
            .filter(|w| w.is_finite() && *w >= 0.0);
        Some(match wall {
            Some(w) => Ok(PoolRow {
                processes: self.processes,
                tasks: self.tasks,
                wall: Duration::from_secs_f64(w),
            }),
            None => Err(format!("the Pool run printed {text:?}, not its time")),
        })
    }

    /// Kills it and its pool processes (its whole group) and reaps it.
    pub fn stop(&mut self) {
        if self.process.is_reaped() {
            return;
        }
        if self.process.poll_exit().is_none() {
            // The group is the child's own (process_group(0)) and the child
            // is not reaped, so its id names no one else's group.
            if let Some(pgid) = Pid::from_raw(self.process.pid() as i32) {
                let _ = rustix::process::kill_process_group(pgid, Signal::KILL);
            }
            self.process.wait_exit(None);
        }
        let _ = self.process.reap();
    }
}

impl Drop for PoolRun {
    fn drop(&mut self) {
        self.stop();
    }
}
