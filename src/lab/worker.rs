//! The worker side: what runs in a child after proclab re-executes itself
//! with the hidden `worker` subcommand.
//!
//! A worker ties its life to proclab's (parent-death signal, then a check that
//! the parent is still the one that spawned it), maps the shared region, and
//! runs tasks until it is stopped or has done `--tasks`. Its exit follows
//! Python's rules: returning from `run()` is exitcode 0, an uncaught exception
//! (here a panic) is 1, `sys.exit(n)` is n, and a signal leaves the default
//! disposition in place, so SIGTERM gives -15 as it does for Python.

use std::ops::ControlFlow;
use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::atomic::Ordering;
use std::time::Duration;

use rustix::process::{Signal, getpid, getppid, set_parent_process_death_signal};

use super::clock;
use super::controller::Controller;
use super::role::Role;
use super::shm::{Region, WORKER_SHM_FD};
use super::slot::{Control, PROGRESS_SCALE, Phase, Slot};
use super::work::{self, Workload};

/// The name of the hidden subcommand.
pub const SUBCOMMAND: &str = "worker";

/// Exit status of a worker that found its parent already gone.
const ORPHANED: i32 = 125;
/// Exit status of a worker that could not map the region.
pub(crate) const NO_REGION: i32 = 126;
/// Exit status of a worker started with arguments it cannot read.
pub(crate) const BAD_ARGS: i32 = 2;

/// How often an I/O-bound task wakes to report progress.
const IO_STEP: Duration = Duration::from_millis(10);

/// Arguments of `proclab worker` (internal: proclab passes them itself).
///
/// Parsed by hand rather than by clap: a worker should touch as little code
/// as it can, since every page it faults in counts in its memory, and an
/// idle worker is meant to stay far below an idle Python child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerArgs {
    /// What the worker does.
    pub role: Role,
    /// Index of this worker's slot in the shared region.
    pub slot: usize,
    /// Pid of the proclab process that spawned this worker.
    pub parent: u32,
    pub workload: Workload,
    /// Tasks to run before returning; unlimited when absent.
    pub tasks: Option<u64>,
    /// Wall time of one task, in milliseconds.
    pub task_ms: u64,
    /// The fd at which the shared region is inherited.
    pub shm_fd: i32,
}

impl WorkerArgs {
    /// The command-line arguments that make a child run as this worker.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = vec![
            SUBCOMMAND.to_string(),
            "--role".into(),
            self.role.name().into(),
            "--slot".into(),
            self.slot.to_string(),
            "--parent".into(),
            self.parent.to_string(),
            "--workload".into(),
            self.workload.name().into(),
            "--task-ms".into(),
            self.task_ms.to_string(),
            "--shm-fd".into(),
            self.shm_fd.to_string(),
        ];
        if let Some(n) = self.tasks {
            args.push("--tasks".into());
            args.push(n.to_string());
        }
        args
    }

    /// Parses what follows `worker` on the command line.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<WorkerArgs, String> {
        fn number<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
            let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
            value
                .parse()
                .map_err(|_| format!("{flag} expects a number, not {value:?}"))
        }
        let mut slot = None;
        let mut parent = None;
        let mut parsed = WorkerArgs {
            role: Role::Tasks,
            slot: 0,
            parent: 0,
            workload: Workload::Cpu,
            tasks: None,
            task_ms: 1000,
            shm_fd: WORKER_SHM_FD,
        };
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            match flag.as_str() {
                "--role" => {
                    let name = args.next().ok_or("--role needs a value")?;
                    parsed.role = Role::parse(&name)?;
                }
                "--slot" => slot = Some(number(&flag, args.next())?),
                "--parent" => parent = Some(number(&flag, args.next())?),
                "--tasks" => parsed.tasks = Some(number(&flag, args.next())?),
                "--task-ms" => parsed.task_ms = number(&flag, args.next())?,
                "--shm-fd" => parsed.shm_fd = number(&flag, args.next())?,
                "--workload" => {
                    parsed.workload = match args.next().as_deref() {
                        Some("cpu") => Workload::Cpu,
                        Some("io") => Workload::Io,
                        other => {
                            return Err(format!("--workload expects cpu or io, not {other:?}"));
                        }
                    }
                }
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        parsed.slot = slot.ok_or("--slot is required")?;
        parsed.parent = parent.ok_or("--parent is required")?;
        Ok(parsed)
    }
}

/// If this process was started as a worker, runs it and exits; otherwise returns.
///
/// Every binary that drives the engine with its own executable as the worker
/// (proclab itself, the examples) calls this first thing in `main`.
pub fn run_if_worker() {
    let mut args = std::env::args();
    if args.nth(1).as_deref() != Some(SUBCOMMAND) {
        return;
    }
    match WorkerArgs::parse(args) {
        Ok(parsed) => std::process::exit(main(parsed)),
        Err(e) => {
            eprintln!("proclab worker: {e} (workers are started by proclab, not by hand)");
            std::process::exit(BAD_ARGS);
        }
    }
}

/// A worker's whole life; returns its exit status.
pub fn main(args: WorkerArgs) -> i32 {
    // Die with proclab, even if it is killed with SIGKILL. The signal is set
    // before the check, so a parent that dies after the check still takes us.
    let _ = set_parent_process_death_signal(Some(Signal::KILL));
    let parent = getppid().map(|p| p.as_raw_nonzero().get() as u32);
    if parent != Some(args.parent) {
        return ORPHANED;
    }
    // Safety: proclab mapped the region's memfd at this fd for us alone.
    let fd = unsafe { OwnedFd::from_raw_fd(args.shm_fd) };
    let region = match Region::open(fd) {
        Ok(region) => region,
        Err(e) => {
            eprintln!("proclab worker: {e}");
            return NO_REGION;
        }
    };
    if args.slot >= region.slot_count() {
        eprintln!("proclab worker: slot {} does not exist", args.slot);
        return NO_REGION;
    }
    let slot = region.slot(args.slot);
    slot.pid
        .store(getpid().as_raw_nonzero().get() as u32, Ordering::Relaxed);
    slot.started_ns.store(clock::now_ns(), Ordering::Release);
    slot.beat();

    // An uncaught exception ends a Python process with exitcode 1; a panic
    // here does the same. The message goes to the worker's stderr.
    std::panic::catch_unwind(|| run_role(&args, &region, slot)).unwrap_or(1)
}

/// The plain worker: tasks until stopped or `--tasks` are done.
fn run_tasks(args: &WorkerArgs, region: &Region, slot: &Slot) -> i32 {
    let per_ms = region.iters_per_ms().max(1);
    let iters = per_ms.saturating_mul(args.task_ms);
    let mut done = 0u64;
    loop {
        if args.tasks.is_some_and(|n| done >= n) {
            // The last beat marks when the work ended (a race's wall time).
            slot.beat();
            slot.set_phase(Phase::Finished);
            return 0;
        }
        slot.progress.store(0, Ordering::Relaxed);
        let between = |fraction: f64| between_slices(slot, fraction);
        let flow = match args.workload {
            Workload::Cpu => {
                slot.set_phase(Phase::Cpu);
                work::cpu_task(iters, per_ms, between)
            }
            Workload::Io => {
                slot.set_phase(Phase::Io);
                work::io_task(Duration::from_millis(args.task_ms), IO_STEP, between)
            }
        };
        if let ControlFlow::Break(()) = flow {
            return 0;
        }
        done += 1;
        slot.tasks_done.fetch_add(1, Ordering::Relaxed);
    }
}

macro_rules! role_runners {
    ($( ($Lab:ident, $m:ident, $Ctl:ident, $State:ident, $name:literal, $title:literal,
         $short:literal, $tab:ident, [$($Role:ident $rname:literal),* $(,)?]) ),* $(,)?) => {
        /// Runs the worker's role: the plain worker's here, each other role
        /// by the controller of the lab it belongs to.
        fn run_role(args: &WorkerArgs, region: &Region, slot: &Slot) -> i32 {
            match args.role {
                Role::Tasks => run_tasks(args, region, slot),
                $($(
                    Role::$Role => {
                        <super::$m::$Ctl as Controller>::run_worker(args.role, args, region, slot)
                    }
                )*)*
            }
        }
    };
}
crate::registry::for_each_lab!(role_runners);

/// Reports progress and acts on proclab's requests between two slices of work.
///
/// Any role that works in slices can call this to honour `Control` requests.
pub fn between_slices(slot: &Slot, fraction: f64) -> ControlFlow<()> {
    slot.progress.store(
        (fraction * f64::from(PROGRESS_SCALE)) as u32,
        Ordering::Relaxed,
    );
    slot.beat();
    match slot.control() {
        Control::None => ControlFlow::Continue(()),
        Control::Raise => panic!("RuntimeError: raised on request from proclab"),
        Control::Exit(code) => std::process::exit(i32::from(code)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_round_trip() {
        let args = WorkerArgs {
            role: Role::Tasks,
            slot: 7,
            parent: 1234,
            workload: Workload::Io,
            tasks: Some(3),
            task_ms: 250,
            shm_fd: 3,
        };
        let mut line = args.to_args();
        assert_eq!(line.remove(0), SUBCOMMAND);
        assert_eq!(WorkerArgs::parse(line).unwrap(), args);
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        let parse = |a: &[&str]| WorkerArgs::parse(a.iter().map(|s| s.to_string()));
        assert!(parse(&["--parent", "1"]).unwrap_err().contains("--slot"));
        assert!(parse(&["--slot", "x"]).unwrap_err().contains("\"x\""));
        assert!(
            parse(&["--slot", "1", "--parent", "1", "--workload", "gpu"])
                .unwrap_err()
                .contains("cpu or io")
        );
        assert!(parse(&["--slot"]).unwrap_err().contains("needs a value"));
        assert!(parse(&["--what"]).unwrap_err().contains("--what"));
    }
}
