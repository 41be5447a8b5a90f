//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod draw;
pub mod procs;
pub mod pty;

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use proclab::lab::{Lab, LabConfig, Role, StartOptions, Workload};
use proclab::metrics::procstat;

/// The proclab binary, which tests use as the worker executable.
pub const PROCLAB: &str = env!("CARGO_BIN_EXE_proclab");

/// Generous: CI runs on a busy 2-core machine.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// One CPU-heavy or timing test at a time: tests that time CPU-bound work
/// or run long CPU-bound races take this, so they never run beside each
/// other (other programs on a shared machine still may: what they assert
/// is a ratio, a difference or a bound that holds under load).
pub fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

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

/// Waits up to `within` for `needle` in the log file proclab writes
/// (`--log`): a short log panel may scroll a line past between two looks
/// at the screen.
pub fn wait_logged(path: &std::path::Path, needle: &str, within: Duration) {
    let start = Instant::now();
    while !std::fs::read_to_string(path).is_ok_and(|t| t.contains(needle)) {
        assert!(
            start.elapsed() < within,
            "{needle:?} never logged; the log file says:\n{}",
            std::fs::read_to_string(path).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
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
