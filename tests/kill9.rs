//! `kill -9` of the real proclab in every lab: proclab gets no chance to
//! clean up, and every worker it had must still be dead within a second
//! (the parent-death signal each worker holds), whatever the lab started:
//! producers and consumers, pipe ends, pipeline stages, a manager server,
//! a pool, an interpreter's threads, a paused worker; in the cluster lab,
//! its redis-server, its Celery nodes and their pool processes; in the run
//! lab, the program it started.
//!
//! This process makes itself a subreaper, so the orphaned workers become
//! its children: it sees each die and reaps it, leaving nothing behind.
//! Its own test binary for that reason.

mod common;

use std::time::{Duration, Instant};

use common::procs::{self, Proc};
use common::pty::Screen;
use proclab::app::{Action, Keymap, LabId};
use rustix::process::{
    Pid, Signal, WaitOptions, getpid, kill_process, set_child_subreaper, waitpid,
};

/// The most a worker may outlive proclab.
const WITHIN: Duration = Duration::from_secs(1);

/// What makes a lab start workers that stay alive until proclab dies,
/// with each lab's own flags: `--workers 3` where a lab takes it, two
/// producers and a consumer for the queue; the pipes and the cluster start
/// theirs as they open. The counter's run is slowed down so that it is
/// still running, and served by a manager process.
/// The run lab watches a program proclab starts: a Python script that
/// sleeps on, at `script`.
fn args(lab: LabId, script: &str) -> Vec<String> {
    if lab == LabId::Program {
        return vec!["run".into(), script.into()];
    }
    let mut args = vec!["--lab", lab.name()];
    match lab {
        LabId::Lifecycle | LabId::Gil => args.extend(["--workers", "3", "--workload", "io"]),
        LabId::Counter => args.extend(["--workers", "3", "--slow", "--counter", "manager"]),
        LabId::Sync | LabId::Pool => args.extend(["--workers", "3"]),
        LabId::Queue => args.extend(["--producers", "2", "--consumers", "1"]),
        _ => {}
    }
    args.into_iter().map(String::from).collect()
}

/// Every process below `pid`, however deep, that has not ended: a lab's
/// workers, and in the cluster lab its redis-server, its Celery nodes and
/// their pool processes.
fn descendants(pid: u32) -> Vec<Proc> {
    let mut found = Vec::new();
    let mut parents = vec![pid];
    while let Some(parent) = parents.pop() {
        for p in procs::children_of(parent) {
            if !matches!(p.state, 'Z' | 'X') {
                parents.push(p.pid);
                found.push(p);
            }
        }
    }
    found
}

/// A Celery node (`python -m celery ... worker`, a child of proclab)
/// without its pool process yet.
fn node_without_pool(p: &Proc, proclab: u32, all: &[Proc]) -> bool {
    if p.ppid != proclab {
        return false;
    }
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", p.pid)).unwrap_or_default();
    let cmdline = String::from_utf8_lossy(&cmdline);
    cmdline.contains("\0celery\0") && !all.iter().any(|c| c.ppid == p.pid)
}

/// Waits until proclab's processes stop changing for a moment (and every
/// Celery node has its pool), and returns them.
fn settled_workers(s: &Screen, lab: LabId) -> Vec<Proc> {
    let start = Instant::now();
    let mut last = Vec::new();
    let mut steady_since = Instant::now();
    loop {
        let now = descendants(s.pid());
        let mut pids: Vec<(u32, u64)> = now.iter().map(|p| (p.pid, p.start)).collect();
        pids.sort_unstable();
        let complete = !now.iter().any(|p| node_without_pool(p, s.pid(), &now));
        if pids != last {
            last = pids;
            steady_since = Instant::now();
        } else if !last.is_empty()
            && complete
            && steady_since.elapsed() > Duration::from_millis(300)
        {
            return now;
        }
        assert!(
            start.elapsed() < common::PATIENCE * 3,
            "{}: no workers came up; the screen shows:\n{}",
            lab.name(),
            s.text()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Pauses the selected worker, where the lab binds a key to it: a stopped
/// process must die too.
fn pause_one(s: &mut Screen, lab: LabId) -> bool {
    let keymap = Keymap::standard();
    let key = keymap
        .keys_of(Action::TogglePause)
        .into_iter()
        .find(|&k| keymap.lookup(k, lab, None) == Some(Action::TogglePause));
    match key {
        Some(k) => {
            s.press(&proclab::tui::key_bytes(&k));
            true
        }
        None => false,
    }
}

/// Reaps every orphan of `workers` this process was given, until all are
/// dead; returns how long the last one took, or what was still running.
fn watch_them_die(workers: &[Proc], killed_at: Instant) -> Result<Duration, Vec<Proc>> {
    let mut left: Vec<Proc> = workers.to_vec();
    let mut last = Duration::ZERO;
    while !left.is_empty() {
        left.retain(|p| {
            // Dead: a zombie (ours to reap, as subreaper) or gone.
            let dead = !procs::still_running(p);
            if dead {
                let raw = Pid::from_raw(p.pid as i32).unwrap();
                let _ = waitpid(Some(raw), WaitOptions::NOHANG);
                last = killed_at.elapsed();
            }
            !dead
        });
        if killed_at.elapsed() > WITHIN * 5 {
            return Err(left);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(last)
}

#[test]
fn kill_9_of_proclab_takes_every_worker_in_every_lab() {
    set_child_subreaper(Some(getpid())).unwrap();
    let dir = std::env::temp_dir().join(format!("proclab-kill9-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("sleeper.py");
    std::fs::write(&script, "import time\nwhile True:\n    time.sleep(0.05)\n").unwrap();
    let script = script.to_string_lossy().into_owned();
    for &lab in LabId::ALL {
        let args = args(lab, &script);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut s = Screen::start(&args, 120, 36);
        let first = settled_workers(&s, lab);
        let paused = pause_one(&mut s, lab);
        let mut workers = settled_workers(&s, lab);
        for p in first {
            if !workers.iter().any(|w| w.pid == p.pid && w.start == p.start) {
                workers.push(p);
            }
        }
        let stopped = workers.iter().filter(|w| w.state == 'T').count();

        let proclab = Pid::from_raw(s.pid() as i32).unwrap();
        kill_process(proclab, Signal::KILL).unwrap();
        let killed_at = Instant::now();
        let took = watch_them_die(&workers, killed_at).unwrap_or_else(|left| {
            panic!(
                "{}: alive {:?} after kill -9 of proclab: {left:?}",
                lab.name(),
                WITHIN * 5
            )
        });
        // Reaped: not even a zombie is left of them. A dead worker may
        // reach this subreaper a moment after it died (its reparenting
        // waits on the busy machine), so each is given a second.
        for p in &workers {
            let raw = Pid::from_raw(p.pid as i32).unwrap();
            let deadline = Instant::now() + WITHIN;
            loop {
                let _ = waitpid(Some(raw), WaitOptions::NOHANG);
                if !procs::still_there(p) || Instant::now() > deadline {
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            assert!(!procs::still_there(p), "{}: {p:?} is left", lab.name());
        }
        println!(
            "{}: {} workers ({stopped} paused{}) all dead {:.1} ms after kill -9",
            lab.name(),
            workers.len(),
            if paused { "" } else { ", no pause key" },
            took.as_secs_f64() * 1e3
        );
        assert!(
            took < WITHIN,
            "{}: the last worker died {took:?} after proclab",
            lab.name()
        );
        drop(s);
    }
    let _ = std::fs::remove_dir_all(&dir);
    // Nothing at all is left of this test's processes.
    let me = std::process::id();
    let deadline = Instant::now() + common::PATIENCE;
    loop {
        let _ = waitpid(None, WaitOptions::NOHANG);
        let left = procs::children_of(me);
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "children left: {left:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}
