//! A Celery worker node started by the lab on this machine:
//! `python3 -m celery -A tasks worker -c C -n nodeK@%h -E`, a child of
//! proclab with the workers' death tie. Its prefork pool processes are its
//! own children, found in `/proc`; they die with it because Celery ties
//! them itself: each one's initializer calls
//! `platforms.set_pdeathsig('SIGKILL')` (`process_initializer` in
//! `celery/concurrency/prefork.py`). The tests kill a node mid-task and
//! check that its pool processes are gone at once.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::Signal;

use super::files::RunDir;
use super::settings::BrokerUrl;
use crate::lab::Spawner;
use crate::lab::process::ChildProcess;

/// A local node's number, from 1: `node3@host` is node 3.
pub type NodeId = u32;

/// Options that keep a node's start and stop quick: no mingle (asking the
/// other nodes, at start, for the ids of revoked tasks and their logical
/// clocks, which costs a second's wait for replies) and no gossip
/// (following every other node's events, which each node would then
/// decode). Neither changes how tasks are delivered or acknowledged.
pub const QUICK_FLAGS: [&str; 2] = ["--without-gossip", "--without-mingle"];

/// How proclab stopped a node, if it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// SIGTERM: Celery's warm shutdown, finishing the tasks under way.
    Warm(Instant),
    /// SIGKILL.
    Killed(Instant),
}

pub struct LocalNode {
    pub id: NodeId,
    /// What comes before `@`: `node3`, or `node3-5f2a` on a broker others
    /// may share (see [`LocalNode::start`]).
    pub stem: String,
    /// `node3@host`, as the node names itself in events.
    pub name: String,
    pub concurrency: usize,
    pub process: ChildProcess,
    pub started_at: Instant,
    pub stop: Option<Stop>,
    /// Its end has been reported.
    pub end_told: bool,
    /// When its end was seen (and the node reaped).
    pub ended_at: Option<Instant>,
}

impl LocalNode {
    /// The node's log in the run's folder.
    pub fn log_name(id: NodeId) -> String {
        format!("node{id}")
    }

    /// The line a person would type: what the lab runs, short of the
    /// interpreter's path and the environment.
    pub fn shell_line(stem: &str, concurrency: usize) -> String {
        format!(
            "celery -A tasks worker -c {concurrency} -n {stem}@%h -E {}",
            QUICK_FLAGS.join(" ")
        )
    }

    /// Starts node `id`, named `node{id}{suffix}@%h`: the suffix is empty
    /// on the lab's own broker and the run's tag on a given one, where
    /// another proclab on this machine would otherwise name its nodes the
    /// same (and Celery takes two nodes of one name for one).
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        lab: &Spawner,
        python: &Path,
        dir: &RunDir,
        broker: &BrokerUrl,
        visibility_timeout: Duration,
        id: NodeId,
        concurrency: usize,
        hostname: &str,
        suffix: &str,
    ) -> std::io::Result<LocalNode> {
        let stem = format!("node{id}{suffix}");
        let log = std::fs::File::create(dir.log(&Self::log_name(id)))?;
        let python_path = match std::env::var_os("PYTHONPATH") {
            Some(old) if !old.is_empty() => {
                let mut p = dir.path().as_os_str().to_owned();
                p.push(":");
                p.push(old);
                p
            }
            _ => dir.path().as_os_str().to_owned(),
        };
        let mut command = Command::new(python);
        command
            .args(["-m", "celery", "-A", "tasks", "worker"])
            .args(["--concurrency", &concurrency.to_string()])
            .args(["-n", &format!("{stem}@%h"), "-E"])
            .args(QUICK_FLAGS)
            .current_dir(dir.path())
            .env("PYTHONPATH", python_path)
            .env("PROCLAB_BROKER", broker.to_string())
            .env(
                "PROCLAB_VISIBILITY_TIMEOUT",
                visibility_timeout.as_secs_f64().to_string(),
            )
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0);
        let process = lab.spawn_tied(command)?;
        Ok(LocalNode {
            id,
            name: format!("{stem}@{hostname}"),
            stem,
            concurrency,
            process,
            started_at: Instant::now(),
            stop: None,
            end_told: false,
            ended_at: None,
        })
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    pub fn is_running(&mut self) -> bool {
        self.process.poll_exit().is_none()
    }

    /// Sends SIGTERM (warm) or SIGKILL, and remembers which.
    pub fn signal(&mut self, warm: bool) -> std::io::Result<()> {
        let (sig, stop) = if warm {
            (Signal::TERM, Stop::Warm(Instant::now()))
        } else {
            (Signal::KILL, Stop::Killed(Instant::now()))
        };
        self.process.signal(sig)?;
        // A warm stop that is then made a kill counts as a kill.
        if !matches!(self.stop, Some(Stop::Killed(_))) {
            self.stop = Some(stop);
        }
        Ok(())
    }

    /// The node's pool processes: its children, from `/proc`.
    pub fn pool_pids(&self) -> Vec<u32> {
        children(self.pid())
    }
}

/// The children of a process, from `/proc/PID/task/*/children`.
pub fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for task in tasks.flatten() {
        let text = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        out.extend(
            text.split_whitespace()
                .filter_map(|p| p.parse::<u32>().ok()),
        );
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// How long after its node ended a pool process may still end: one
/// still starting when the node ended has no death tie yet, and outlives
/// it by the moment its start takes.
pub const ORPHANS_FOR: Duration = Duration::from_secs(60);

/// Reaps this process's ended children in `pgid`, an ended node's process
/// group (the node itself already reaped). A pool process still starting
/// when its node ended has no death tie yet: it outlives the node, and
/// when proclab is a subreaper (after `proclab run`) it becomes proclab's
/// child, whose end nothing else would wait for. Only for
/// [`ORPHANS_FOR`] after the node ended, so a recycled group id is never
/// taken for the node's.
pub fn reap_orphaned_pool(pgid: u32) {
    use rustix::process::{Pid, WaitId, WaitIdOptions, waitid};
    let Some(group) = Pid::from_raw(pgid as i32) else {
        return;
    };
    let opts = WaitIdOptions::EXITED | WaitIdOptions::NOHANG;
    while let Ok(Some(_)) = waitid(WaitId::Pgid(Some(group)), opts) {}
}

/// Whether a pid names a process that still runs (not gone, not a zombie).
pub fn alive(pid: u32) -> bool {
    crate::metrics::procstat::read_process(pid).is_some_and(|s| s.state != 'Z' && s.state != 'X')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shell_line_names_the_node_and_its_pool() {
        assert_eq!(
            LocalNode::shell_line("node2", 1),
            "celery -A tasks worker -c 1 -n node2@%h -E --without-gossip --without-mingle"
        );
    }

    /// An orphan of a node's group, given to this process as its
    /// subreaper, is reaped; the node itself is left to its own reaper.
    #[test]
    fn a_nodes_orphaned_pool_process_is_reaped() {
        use rustix::process::{Pid, set_child_subreaper};
        set_child_subreaper(Pid::from_raw(std::process::id() as i32)).unwrap();
        // The "node" leaves a "pool process" behind and ends at once.
        let mut node = Command::new("sh")
            .args(["-c", "sleep 0.2 & echo $!"])
            .stdout(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap();
        let pgid = node.id();
        let mut out = String::new();
        std::io::Read::read_to_string(node.stdout.as_mut().unwrap(), &mut out).unwrap();
        let orphan: u32 = out.trim().parse().unwrap();
        node.wait().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let state = |pid| crate::metrics::procstat::read_process(pid).map(|s| s.state);
        while state(orphan) != Some('Z') && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        set_child_subreaper(None).unwrap();
        assert_eq!(state(orphan), Some('Z'), "the orphan is our zombie");
        reap_orphaned_pool(pgid);
        assert_eq!(state(orphan), None, "reaped");
    }

    #[test]
    fn children_are_read_from_proc() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        assert!(children(std::process::id()).contains(&child.id()));
        assert!(alive(child.id()));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!alive(child.id()));
    }
}
