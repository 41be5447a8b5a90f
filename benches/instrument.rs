//! The instrumentation's cost: a program making 1,000,000 Queue puts and
//! gets (benches/python/queue_million.py), run plain and instrumented in
//! turn, in the same run, so both meet the same load.
//!
//! ```text
//! cargo bench --bench instrument             # 5 rounds
//! PROCLAB_BENCH_ROUNDS=9 cargo bench --bench instrument
//! PROCLAB_BENCH_ITEMS=200000 cargo bench --bench instrument
//! ```
//!
//! Each round runs both, in alternating order; the figures are the medians
//! over rounds of instrumented / plain wall time, and of CPU time (user +
//! system of all the program's processes, from RUSAGE_CHILDREN), which a
//! shared machine's load disturbs much less. Goal: at most 1.05.

#[path = "common/mod.rs"]
mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{Stats, python3, rounds};
use proclab::lab::run::instrument::{Instrument, Program};

fn script() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/python/queue_million.py")
}

fn command(items: &str) -> Command {
    let mut cmd = Command::new("python3");
    cmd.arg(script()).arg(items);
    cmd.env_remove("PYTHONPATH").env("PYTHONUNBUFFERED", "1");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    cmd
}

/// CPU time of every child (and their children) waited for so far.
fn children_cpu() -> Duration {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// Wall time and CPU time of one run.
fn timed(mut cmd: Command) -> (Duration, Duration) {
    let cpu = children_cpu();
    let t = Instant::now();
    let out = cmd.output().expect("python3 runs");
    let elapsed = t.elapsed();
    assert!(out.status.success());
    (elapsed, children_cpu() - cpu)
}

fn plain(items: &str) -> (Duration, Duration) {
    timed(command(items))
}

/// Wall and CPU time, and the queue's greatest and last depth as proclab
/// saw them.
fn instrumented(items: &str) -> ((Duration, Duration), i64, i64) {
    let mut inst = Instrument::prepare().unwrap();
    let (rep_tx, rep_rx) = mpsc::channel();
    let (out_tx, out_rx) = mpsc::channel();
    inst.listen(rep_tx, out_tx).unwrap();
    let drain = std::thread::spawn(move || out_rx.iter().count());
    let mut cmd = command(items);
    inst.apply(&mut cmd, true);
    let elapsed = timed(cmd);
    std::thread::sleep(Duration::from_millis(200));
    inst.stop();
    drop(inst);
    let _ = drain.join();
    let mut program = Program::new();
    for r in rep_rx.try_iter() {
        program.apply(r);
    }
    let q = program
        .queues
        .values()
        .next()
        .expect("the queue was reported");
    let most = q.history.iter().map(|&(_, d)| d).max().unwrap_or(0);
    (elapsed, most, q.depth())
}

fn main() {
    if python3().is_none() {
        eprintln!("python3 not found: nothing to measure");
        return;
    }
    let items = std::env::var("PROCLAB_BENCH_ITEMS").unwrap_or_else(|_| "1000000".into());
    let n: u64 = items.parse().expect("PROCLAB_BENCH_ITEMS is a number");
    let rounds = rounds(5);
    let (mut plains, mut insts, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let (mut plain_cpu, mut inst_cpu, mut cpu_ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (p, (i, most, last)) = if round % 2 == 0 {
            let p = plain(&items);
            (p, instrumented(&items))
        } else {
            let i = instrumented(&items);
            (plain(&items), i)
        };
        assert!(
            most > 0 && last == 0,
            "depth seen: most {most}, last {last}"
        );
        let ((p, pc), (i, ic)) = (p, i);
        eprintln!(
            "round {round}: wall {:.3} / {:.3} s ({:.3}), cpu {:.3} / {:.3} s ({:.3})",
            i.as_secs_f64(),
            p.as_secs_f64(),
            i.as_secs_f64() / p.as_secs_f64(),
            ic.as_secs_f64(),
            pc.as_secs_f64(),
            ic.as_secs_f64() / pc.as_secs_f64(),
        );
        ratios.push(Duration::from_secs_f64(i.as_secs_f64() / p.as_secs_f64()));
        cpu_ratios.push(Duration::from_secs_f64(ic.as_secs_f64() / pc.as_secs_f64()));
        plains.push(p);
        insts.push(i);
        plain_cpu.push(pc);
        inst_cpu.push(ic);
    }
    let s = |v: Vec<Duration>| Stats::of(v).median_ms() / 1e3;
    println!("{n} Queue puts and gets, {rounds} rounds (medians):");
    println!("  {:<14} {:>9} {:>9}", "", "wall", "cpu");
    println!(
        "  {:<14} {:>7.3} s {:>7.3} s",
        "plain",
        s(plains),
        s(plain_cpu)
    );
    println!(
        "  {:<14} {:>7.3} s {:>7.3} s",
        "instrumented",
        s(insts),
        s(inst_cpu)
    );
    println!(
        "  {:<14} {:>9.3} {:>9.3}   (goal: at most 1.05)",
        "ratio",
        s(ratios),
        s(cpu_ratios)
    );
}
