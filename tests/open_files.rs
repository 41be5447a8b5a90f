//! The open-file limit: what each worker costs proclab in fds, counted;
//! the soft limit raised to the hard one at start; and `--max-workers`
//! bound by what the limit allows, for a child proclab under a low limit.
//!
//! The tests count this process's fds, so they take turns.

mod common;

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use parking_lot::Mutex;
use proclab::limits::{FDS_PER_WORKER, RESERVED_FDS};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn open_fds() -> u64 {
    // The directory being read holds one more.
    std::fs::read_dir("/proc/self/fd").unwrap().count() as u64 - 1
}

/// The open fds once they are `expected`, or the last count after two
/// seconds: a thread of the engine may hold one for a moment (a file of
/// /proc it reads), which is no worker's.
fn settled_fds(expected: u64) -> u64 {
    let start = Instant::now();
    loop {
        let now = open_fds();
        if now == expected || start.elapsed() > Duration::from_secs(2) {
            return now;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn each_worker_costs_proclab_the_fds_the_cap_counts() {
    let _turn = ONE_AT_A_TIME.lock();
    let mut lab = lab();
    // The fewest of a few looks: none of them caught a passing fd.
    let base = (0..5)
        .map(|_| {
            std::thread::sleep(Duration::from_millis(10));
            open_fds()
        })
        .min()
        .unwrap();
    let n = 24;
    let ids: Vec<_> = (0..n)
        .map(|_| {
            lab.start_with(proclab::lab::StartOptions {
                workload: proclab::lab::Workload::Io,
                ..forever()
            })
            .unwrap()
        })
        .collect();
    let with_workers = settled_fds(base + n * FDS_PER_WORKER);
    assert_eq!(
        with_workers - base,
        n * FDS_PER_WORKER,
        "{base} fds before, {with_workers} with {n} workers"
    );
    assert!(
        base < RESERVED_FDS,
        "proclab's own fds fit the reserve: {base}"
    );
    for id in ids {
        lab.kill(id).unwrap();
        lab.join(id, Some(PATIENCE)).unwrap();
    }
    assert_eq!(settled_fds(base), base, "joining gives every fd back");
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("proclab-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// proclab under an open-file limit of `soft` (raisable to `hard`).
fn limited(soft: u64, hard: u64) -> Command {
    let mut command = Command::new(PROCLAB);
    // Safety: setrlimit is an async-signal-safe system call.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: soft,
                rlim_max: hard,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command
}

/// The soft open-file limit of a running process.
fn soft_limit(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[test]
fn a_cap_above_the_limit_is_refused_before_anything_starts() {
    let _turn = ONE_AT_A_TIME.lock();
    let out: Output = limited(300, 300)
        .args(["--max-workers", "4096"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing drawn");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(
            "error: --max-workers 4096 is more than the open-file limit allows: proclab keeps 1 \
             file open per worker and 64 for itself, and may open 300 (ulimit -n; hard limit 300): \
             give --max-workers 236 or less, or raise the hard limit"
        ),
        "{err}"
    );
}

#[test]
fn the_soft_limit_is_raised_and_every_worker_up_to_the_cap_starts() {
    let _turn = ONE_AT_A_TIME.lock();
    let dir = temp_dir("open-files");
    let cap = 100;
    let scenario = dir.join("many.toml");
    std::fs::write(
        &scenario,
        format!(
            "[settings]\nargs = [\"--workers\", \"{cap}\", \"--max-workers\", \"{cap}\", \
             \"--workload\", \"io\"]\n\n[[step]]\nuntil = \"workers >= {cap}\"\ntimeout = 60\n\
             [[step]]\nwait = 0.5\n"
        ),
    )
    .unwrap();
    let hard = RESERVED_FDS + cap * FDS_PER_WORKER;
    // At the limit exactly; then with a soft limit far below it, which
    // proclab raises.
    for soft in [hard, 48] {
        let child = limited(soft, hard)
            .arg("play")
            .arg(&scenario)
            .arg("--headless")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let raised = loop {
            match soft_limit(child.id()) {
                Some(n) if n == hard => break true,
                _ if start.elapsed() > Duration::from_secs(10) => break false,
                _ => std::thread::sleep(Duration::from_millis(5)),
            }
        };
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "soft {soft}, hard {hard}: {stderr}");
        assert!(raised, "soft {soft}: the soft limit was raised to {hard}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains(&format!("{cap} workers joined")),
            "soft {soft}: {stdout}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}
