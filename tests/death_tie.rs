//! Workers die with proclab, even when proclab is killed with SIGKILL and has
//! no chance to clean up: the parent-death signal takes them.
//!
//! The test re-runs this very test binary as a helper process that starts an
//! engine with workers, prints their pids and waits; then it kills the
//! helper with SIGKILL and watches the workers go.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use rustix::process::{Pid, WaitOptions, getpid, set_child_subreaper, waitpid};

const HELPER_ENV: &str = "PROCLAB_DEATH_TIE_HELPER";

/// The helper process of the test below, not a test of its own: it is
/// ignored, and run by name (`--ignored --exact`) only from there.
#[test]
#[ignore = "the helper process of killing_proclab_with_sigkill_takes_every_worker"]
fn helper_engine_with_workers() {
    assert!(
        std::env::var_os(HELPER_ENV).is_some(),
        "run as the helper of killing_proclab_with_sigkill_takes_every_worker"
    );
    let mut lab = lab();
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(lab.start_with(forever()).unwrap());
    }
    // One paused worker: a stopped process must die too.
    lab.pause(ids[0]).unwrap();
    for id in ids {
        println!("WORKER {}", lab.pid(id).unwrap());
    }
    println!("READY");
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn killing_proclab_with_sigkill_takes_every_worker() {
    set_child_subreaper(Some(getpid())).unwrap();
    let mut helper = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "helper_engine_with_workers",
            "--nocapture",
        ])
        .env(HELPER_ENV, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut pids = Vec::new();
    let lines = BufReader::new(helper.stdout.take().unwrap()).lines();
    for line in lines {
        let line = line.unwrap();
        if let Some(pid) = line.strip_prefix("WORKER ") {
            pids.push(pid.trim().parse::<u32>().unwrap());
        }
        if line.contains("READY") {
            break;
        }
    }
    assert_eq!(pids.len(), 3, "the helper started three workers");
    assert!(pids.iter().all(|&p| !gone(p)));

    helper.kill().unwrap(); // SIGKILL: no destructor, no cleanup.
    helper.wait().unwrap();
    let killed_at = Instant::now();

    // As subreaper, this process inherits the orphaned workers and can see
    // how they died, and reaps them so that nothing is left behind.
    // The kernel kills them at once; a busy machine may be slow to show it.
    let deadline = PATIENCE;
    let mut left = pids.clone();
    while !left.is_empty() {
        left.retain(|&pid| {
            let raw = Pid::from_raw(pid as i32).unwrap();
            match waitpid(Some(raw), WaitOptions::NOHANG) {
                Ok(Some((_, status))) => {
                    assert_eq!(
                        status.terminating_signal(),
                        Some(9),
                        "worker {pid} died of SIGKILL"
                    );
                    false
                }
                _ => true,
            }
        });
        assert!(
            killed_at.elapsed() < deadline || left.is_empty(),
            "workers {left:?} outlived proclab by more than {deadline:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}
