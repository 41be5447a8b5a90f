//! `kill -9` of the real proclab in every lab: proclab gets no chance to
//! clean up, and every worker it had must still be dead within a second
//! (the parent-death signal each worker holds), whatever the lab started:
//! producers and consumers, pipe ends, pipeline stages, a manager server,
//! a pool, an interpreter's threads, a paused worker.
//!
//! This process makes itself a subreaper, so the orphaned workers become
//! its children: it sees each die and reaps it, leaving nothing behind.
//! Its own test binary for that reason.

mod common;

use std::time::{Duration, Instant};

use common::procs::{self, Proc};
use common::pty::{Screen, workers_of};
use proclab::app::{Action, Keymap, LabId};
use rustix::process::{
    Pid, Signal, WaitOptions, getpid, kill_process, set_child_subreaper, waitpid,
};

/// The most a worker may outlive proclab.
const WITHIN: Duration = Duration::from_secs(1);

/// What makes a lab start workers that stay alive until proclab dies:
/// every lab opens with `--workers 3`; the counter's run is slowed down so
/// that it is still running, and served by a manager process.
fn args(lab: LabId) -> Vec<&'static str> {
    let mut args = vec!["--lab", lab.name(), "--workers", "3", "--workload", "io"];
    if lab == LabId::Counter {
        args.extend(["--slow", "--counter", "manager"]);
    }
    args
}

/// Waits until proclab's workers stop changing for a moment, and returns
/// them.
fn settled_workers(s: &Screen, lab: LabId) -> Vec<Proc> {
    let start = Instant::now();
    let mut last = Vec::new();
    let mut steady_since = Instant::now();
    loop {
        let mut now: Vec<u32> = workers_of(s.pid());
        now.sort_unstable();
        if now != last {
            last = now;
            steady_since = Instant::now();
        } else if !last.is_empty() && steady_since.elapsed() > Duration::from_millis(300) {
            return last.iter().filter_map(|&p| procs::read(p)).collect();
        }
        assert!(
            start.elapsed() < common::PATIENCE,
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
    for &lab in LabId::ALL {
        let mut s = Screen::start(&args(lab), 120, 36);
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
