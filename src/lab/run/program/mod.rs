//! A watched program and what proclab does to it: [`Program::run`] starts
//! one as proclab's child (its orphans stay proclab's, as child subreaper,
//! and are reaped), [`Program::attach`] watches one it did not start. Both
//! sample the tree, signal its processes through pidfds and report what
//! happened from a non-blocking [`Program::poll`].

mod poll;
mod stop;

use std::collections::HashMap;
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use rustix::pipe::{PipeFlags, pipe_with};
use rustix::process::{Pid, Signal};

pub use self::poll::RunEvent;
pub use self::stop::{KILL_PATIENCE, StopReport};
use super::output::{OutputLine, Stream, spawn_reader};
use super::procfs;
use super::tree::{ProcId, Scope, TreeSample, sample_tree};
use super::{RunError, RunSpec, pidfd};
use crate::lab::Lab;
use crate::lab::process::ChildProcess;

/// How long the program's processes get to act on SIGTERM when it is stopped.
pub const STOP_GRACE: Duration = Duration::from_millis(500);
/// Output lines handed out by one poll at most, so a program that prints
/// without pause cannot hold the caller.
pub const MAX_LINES_PER_POLL: usize = 10_000;
/// Samples a label waits for its process to appear before it is dropped.
const LABEL_PATIENCE: u32 = 20;

/// The program's main process.
enum Main {
    /// Started by proclab: reaped by it.
    Owned(ChildProcess),
    /// Watched only; its pidfd tells when it ends, and is then dropped.
    Attached(Option<OwnedFd>),
}

/// An orphan of the program that proclab has adopted, held by its pidfd.
struct Orphan {
    id: ProcId,
    pidfd: OwnedFd,
}

/// A watched program, started by proclab or attached to.
pub struct Program {
    /// What was run; None when attached.
    spec: Option<RunSpec>,
    run: u32,
    main: Main,
    main_id: ProcId,
    exit_reported: bool,
    exitcode: Option<i32>,
    scope: Scope,
    orphans: Vec<Orphan>,
    outputs: Vec<(u32, Receiver<OutputLine>)>,
    pending: Vec<RunEvent>,
    labels: HashMap<u32, (String, u32)>,
    last: TreeSample,
    stopped: bool,
}

fn self_pid() -> u32 {
    std::process::id()
}

impl Program {
    /// Starts `spec` as proclab's child, from `lab`'s supervisor thread (so
    /// the program dies with proclab, even by `kill -9`: `lab` must live as
    /// long as the program). Makes proclab the child subreaper of the
    /// processes it starts, so the program's orphans stay in view and are
    /// reaped by [`Program::poll`]. Its stdout and stderr are captured.
    pub fn run(lab: &Lab, spec: RunSpec) -> Result<Program, RunError> {
        let me = Pid::from_raw(self_pid() as i32);
        rustix::process::set_child_subreaper(me).map_err(|e| RunError::Subreaper(e.into()))?;
        let mut program = Program {
            spec: Some(spec),
            run: 0,
            main: Main::Attached(None),
            main_id: ProcId {
                pid: 0,
                start_ticks: 0,
            },
            exit_reported: true,
            exitcode: None,
            scope: Scope::default(),
            orphans: Vec::new(),
            outputs: Vec::new(),
            pending: Vec::new(),
            labels: HashMap::new(),
            last: TreeSample::empty(),
            stopped: true,
        };
        program.start(lab)?;
        Ok(program)
    }

    /// Starts the spec once more (the first run, or after a stop).
    fn start(&mut self, lab: &Lab) -> Result<(), RunError> {
        let spec = self.spec.as_ref().ok_or(RunError::NotOwned)?;
        let (out_r, out_w) = pipe_with(PipeFlags::CLOEXEC).map_err(|e| RunError::Pipe(e.into()))?;
        let (err_r, err_w) = pipe_with(PipeFlags::CLOEXEC).map_err(|e| RunError::Pipe(e.into()))?;
        let mut command = Command::new(&spec.program);
        command
            .args(&spec.args)
            .env("PYTHONUNBUFFERED", "1")
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::from(out_w))
            .stderr(Stdio::from(err_w))
            // A process group of its own: keys typed at the terminal reach
            // proclab, and the group marks the program's orphans.
            .process_group(0);
        if let Some(dir) = &spec.cwd {
            command.current_dir(dir);
        }
        // Readers first: should the start fail, they see the pipes close
        // with `command` and end.
        let (tx, rx) = std::sync::mpsc::channel();
        spawn_reader(out_r, None, Stream::Stdout, tx.clone()).map_err(RunError::Pipe)?;
        spawn_reader(err_r, None, Stream::Stderr, tx).map_err(RunError::Pipe)?;
        // The write ends go with `command`, closed once the child has them.
        let child = lab.spawn_tied(command).map_err(|error| RunError::Spawn {
            program: spec.program.to_string_lossy().into_owned(),
            error,
        })?;
        let pid = child.pid();
        // Ours and not reaped: the pid cannot have been reused yet.
        let start_ticks = procfs::read_stat(pid, &mut Vec::new()).map_or(0, |s| s.start_ticks);
        self.run += 1;
        self.outputs.push((self.run, rx));
        self.main = Main::Owned(child);
        self.main_id = ProcId { pid, start_ticks };
        self.exit_reported = false;
        self.exitcode = None;
        self.scope = Scope {
            roots: vec![self.main_id],
            adopter: Some(self_pid()),
            group: Some(pid),
        };
        self.last = TreeSample::empty();
        self.stopped = false;
        self.pending.push(RunEvent::Started { run: self.run, pid });
        Ok(())
    }

    /// Watches the process tree of `pid`, which proclab did not start.
    /// Nothing proclab does on quitting reaches it; signals sent on request
    /// work where the user owns its processes.
    pub fn attach(pid: u32) -> Result<Program, RunError> {
        if pid == self_pid() {
            return Err(RunError::AttachSelf(pid));
        }
        let id = ProcId::of_pid(pid).ok_or(RunError::NoProcess(pid))?;
        let fd = pidfd::open(id).map_err(|_| RunError::NoProcess(pid))?;
        Ok(Program {
            spec: None,
            run: 1,
            main: Main::Attached(Some(fd)),
            main_id: id,
            exit_reported: false,
            exitcode: None,
            scope: Scope {
                roots: vec![id],
                adopter: None,
                group: None,
            },
            orphans: Vec::new(),
            outputs: Vec::new(),
            pending: Vec::new(),
            labels: HashMap::new(),
            last: TreeSample::empty(),
            stopped: false,
        })
    }

    /// Was the program started by proclab (as opposed to attached to)?
    pub fn is_owned(&self) -> bool {
        self.spec.is_some()
    }

    pub fn spec(&self) -> Option<&RunSpec> {
        self.spec.as_ref()
    }

    /// The run number: 1, then one more at each restart.
    pub fn run_number(&self) -> u32 {
        self.run
    }

    /// The main process of the current run.
    pub fn main_id(&self) -> ProcId {
        self.main_id
    }

    /// The main process's exitcode once it has ended and been seen to.
    pub fn exitcode(&self) -> Option<i32> {
        self.exitcode
    }

    /// Has the main process ended (as reported by [`Program::poll`])?
    pub fn has_exited(&self) -> bool {
        self.exit_reported
    }

    /// Which processes belong to the program, for [`sample_tree`].
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The last reading of the tree.
    pub fn last_sample(&self) -> &TreeSample {
        &self.last
    }

    /// Reads the tree now (from `/proc`, a few milliseconds for fifty
    /// processes), adopts orphans that proclab became the parent of, and
    /// applies labels waiting for their process.
    pub fn sample(&mut self) -> &TreeSample {
        let mut s = sample_tree(&self.scope, Some(&self.last));
        self.labels.retain(|pid, (label, waited)| {
            *waited += 1;
            !s.set_label(*pid, label) && *waited < LABEL_PATIENCE
        });
        if self.is_owned() {
            let me = self_pid();
            for p in &s.processes {
                let adopted = p.ppid == me
                    && p.id != self.main_id
                    && !self.orphans.iter().any(|o| o.id == p.id);
                // Its parent now: the pid cannot be reused until reaped here.
                if adopted && let Ok(pidfd) = pidfd::open(p.id) {
                    self.orphans.push(Orphan { id: p.id, pidfd });
                }
            }
        }
        self.last = s;
        &self.last
    }

    /// Names the process `pid` (what the instrumentation says it is); the
    /// name is shown from the next sample that has the process.
    pub fn set_label(&mut self, pid: u32, label: impl Into<String>) {
        let label = label.into();
        if !self.last.set_label(pid, &label) {
            self.labels.insert(pid, (label, 0));
        }
    }

    /// Sends `sig` to one process of the program, through a pidfd checked
    /// against its start time.
    pub fn signal(&self, id: ProcId, sig: Signal) -> Result<(), RunError> {
        let p = self.last.get(id).ok_or(RunError::NotInProgram(id.pid))?;
        if p.is_zombie() {
            return Err(RunError::Ended(id.pid));
        }
        pidfd::send(id, sig)
    }

    /// `os.kill(pid, signal.SIGSTOP)`: it stops where it is (state T).
    pub fn pause(&self, id: ProcId) -> Result<(), RunError> {
        self.signal(id, Signal::STOP)
    }

    /// `os.kill(pid, signal.SIGCONT)`.
    pub fn resume(&self, id: ProcId) -> Result<(), RunError> {
        self.signal(id, Signal::CONT)
    }

    /// `p.terminate()`: SIGTERM and nothing else, as Python sends it. A
    /// stopped process acts on it only once continued: until then it stays
    /// stopped with the signal pending. True when it was stopped.
    pub fn terminate(&self, id: ProcId) -> Result<bool, RunError> {
        let stopped = procfs::read_stat(id.pid, &mut Vec::new())
            .is_some_and(|s| s.start_ticks == id.start_ticks && matches!(s.state, 'T' | 't'));
        self.signal(id, Signal::TERM)?;
        Ok(stopped)
    }

    /// `p.kill()`: SIGKILL, which even a stopped process cannot ignore.
    pub fn kill(&self, id: ProcId) -> Result<(), RunError> {
        self.signal(id, Signal::KILL)
    }
}
