//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod draw;
pub mod pty;

use std::time::{Duration, Instant};

use proclab::lab::{Lab, LabConfig, Role, StartOptions, Workload};
use proclab::metrics::procstat;

/// The proclab binary, which tests use as the worker executable.
pub const PROCLAB: &str = env!("CARGO_BIN_EXE_proclab");

/// Generous: CI runs on a busy 2-core machine.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub fn lab() -> Lab {
    lab_with(|_| {})
}

pub fn lab_with(adjust: impl FnOnce(&mut LabConfig)) -> Lab {
    let mut config = LabConfig::with_exe(PROCLAB);
    adjust(&mut config);
    Lab::new(config).expect("the engine starts")
}

/// A CPU-bound worker that runs until stopped.
pub fn forever() -> StartOptions {
    StartOptions {
        role: Role::Tasks,
        workload: Workload::Cpu,
        tasks: None,
        task_ms: 200,
        daemon: false,
    }
}

/// Polls `cond` until it holds or `PATIENCE` runs out.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < PATIENCE,
            "gave up after {PATIENCE:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The kernel's state letter for a pid, or None once it is gone.
pub fn state(pid: u32) -> Option<char> {
    procstat::read_process(pid).map(|s| s.state)
}

/// Waits until the process is in one of `states`.
pub fn wait_state(pid: u32, states: &str) {
    wait_until(&format!("pid {pid} to reach state {states}"), || {
        state(pid).is_some_and(|s| states.contains(s))
    });
}

/// Is `pid` gone for good (not even a zombie)?
pub fn gone(pid: u32) -> bool {
    state(pid).is_none()
}
