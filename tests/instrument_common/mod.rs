//! Running a Python program plain and under proclab's instrumentation,
//! for the instrumentation tests: its output lines, exit code and the
//! program state folded from its reports. Each run is its own process
//! group, killed whole at the end, so nothing is left behind.
#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use proclab::lab::run::instrument::{Instrument, Program, Report};
use proclab::lab::run::output::{self, OutputLine, Stream};

/// Longest a run may take before it is killed and the test fails.
pub const RUN_LIMIT: Duration = Duration::from_secs(60);

pub fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/python")
        .join(name)
}

/// The 1-based number of the one line of `file` containing `needle`.
pub fn line_of(file: &Path, needle: &str) -> u32 {
    let text = std::fs::read_to_string(file).unwrap();
    let found: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{needle:?} in {}: {found:?}",
        file.display()
    );
    found[0] as u32
}

/// What one run gave.
#[derive(Debug)]
pub struct Outcome {
    pub stdout: Vec<OutputLine>,
    pub stderr: Vec<OutputLine>,
    pub code: Option<i32>,
    pub program: Program,
    pub reports: Vec<Report>,
}

impl Outcome {
    /// Lines of a stream, normalized by `normalize`, sorted (processes
    /// print concurrently: only each process's own order is fixed).
    pub fn sorted(&self, stream: Stream, normalize: &dyn Fn(&str) -> String) -> Vec<String> {
        let lines = if stream == Stream::Stdout {
            &self.stdout
        } else {
            &self.stderr
        };
        let mut v: Vec<String> = lines.iter().map(|l| normalize(&l.text)).collect();
        v.sort();
        v
    }

    pub fn texts(&self, stream: Stream) -> Vec<&str> {
        let lines = if stream == Stream::Stdout {
            &self.stdout
        } else {
            &self.stderr
        };
        lines.iter().map(|l| l.text.as_str()).collect()
    }
}

pub fn command(script: &Path, args: &[&str], method: Option<&str>) -> Command {
    let mut cmd = Command::new("python3");
    cmd.arg(script).args(args);
    cmd.env_remove("PYTHONPATH").env("PYTHONUNBUFFERED", "1");
    match method {
        Some(m) => cmd.env("MP_START", m),
        None => cmd.env_remove("MP_START"),
    };
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.process_group(0);
    cmd
}

/// Runs `cmd` to its end, its output read by proclab's readers; with
/// `instrument`, listening, its reports folded into a Program.
/// `on_report` sees each report as it comes (to stop the listener
/// mid-run, say).
pub fn run(
    mut cmd: Command,
    instrument: Option<&mut Instrument>,
    on_report: &mut dyn FnMut(&Report, &mut Option<&mut Instrument>),
) -> Outcome {
    let (out_tx, out_rx) = mpsc::channel();
    let (rep_tx, rep_rx) = mpsc::channel();
    let mut instrument = instrument;
    if let Some(i) = instrument.as_deref_mut() {
        i.apply(&mut cmd, true);
        i.listen(rep_tx.clone(), out_tx.clone()).unwrap();
    }
    drop(rep_tx);
    let mut child = cmd.spawn().expect("python3 runs");
    let pgid = child.id() as i32;
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    output::spawn_reader(stdout.into(), None, Stream::Stdout, out_tx.clone()).unwrap();
    output::spawn_reader(stderr.into(), None, Stream::Stderr, out_tx.clone()).unwrap();
    drop(out_tx);

    let mut reports = Vec::new();
    let start = Instant::now();
    let code = loop {
        while let Ok(r) = rep_rx.try_recv() {
            on_report(&r, &mut instrument);
            reports.push(r);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if start.elapsed() > RUN_LIMIT {
            kill_group(pgid);
            panic!("{cmd:?} still running after {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // The last reports and lines of processes that end after the main one.
    let mut quiet = Instant::now();
    while quiet.elapsed() < Duration::from_millis(300) && start.elapsed() < RUN_LIMIT {
        match rep_rx.recv_timeout(Duration::from_millis(50)) {
            Ok(r) => {
                on_report(&r, &mut instrument);
                reports.push(r);
                quiet = Instant::now();
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    if let Some(i) = instrument {
        i.stop();
    }
    kill_group(pgid);
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    while let Ok(line) = out_rx.recv_timeout(Duration::from_secs(5)) {
        match line.stream {
            Stream::Stdout => stdout.push(line),
            Stream::Stderr => stderr.push(line),
        }
    }
    let mut program = Program::new();
    for r in &reports {
        program.apply(r.clone());
    }
    Outcome {
        stdout,
        stderr,
        code,
        program,
        reports,
    }
}

/// Ends whatever is left of a run's process group (it is ours).
pub fn kill_group(pgid: i32) {
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

pub fn plain(cmd: Command) -> Outcome {
    run(cmd, None, &mut |_, _| {})
}

pub fn instrumented(cmd: Command) -> Outcome {
    let mut i = Instrument::prepare().unwrap();
    run(cmd, Some(&mut i), &mut |_, _| {})
}
