//! The pool lab in the real binary, in a pseudo-terminal: a job started by
//! flags runs to the end, runs again by key, survives a killed worker, and
//! nothing is left behind.

use crate::common::pty::Screen;
use crate::common::*;

#[test]
fn a_job_started_by_flags_runs_to_the_end_and_again_by_key() {
    let mut s = Screen::start(
        &[
            "--lab",
            "pool",
            "--workers",
            "2",
            "--items",
            "300",
            "--item-us",
            "200",
            "--init-ms",
            "0",
            "--method",
            "imap_unordered",
            "--chunksize",
            "10",
        ],
        120,
        36,
    );
    let text = s.wait_for("✓ done");
    assert!(
        text.contains("pool.imap_unordered(work, range(300), chunksize=10)"),
        "{text}"
    );
    assert!(text.contains("pool = Pool(2)"), "{text}");
    let pids = s.wait_workers(2);

    // Next method, then run again: run 2 uses the same pool.
    s.press("m");
    s.wait_for("apply_async: a callback per item");
    s.press("r");
    let text = s.wait_until("run 2 done", |t| {
        t.lines()
            .any(|l| l.trim_start_matches('│').starts_with("2   apply_async"))
    });
    assert!(text.contains("✓ done"), "{text}");
    assert_eq!(s.wait_workers(2), pids, "the pool was reused");

    assert_eq!(s.quit(), 0);
    assert!(!s.alternate_screen(), "the terminal is restored");
    for pid in pids {
        assert!(gone(pid), "worker {pid} outlived proclab");
    }
}

#[test]
fn killing_a_pool_worker_mid_job_is_told_and_proclab_goes_on() {
    let mut s = Screen::start(
        &[
            "--lab",
            "pool",
            "--workers",
            "2",
            "--items",
            "400",
            "--item-us",
            "5000",
            "--init-ms",
            "0",
        ],
        120,
        36,
    );
    // Worker B (the newest, selected) has taken a chunk: lower-case b's.
    s.wait_for("bbbbb");
    let old = s.wait_workers(2);
    s.press("k");
    let text = s.wait_for("would wait forever");
    assert!(text.contains("lost with it"), "{text}");
    assert!(text.contains("takes the place of"), "{text}");
    // The pool replaced it: two workers again, one of them new.
    let now = s.wait_workers(2);
    assert_eq!(now.iter().filter(|p| old.contains(p)).count(), 1);
    assert_eq!(s.quit(), 0);
    for pid in old.into_iter().chain(now) {
        assert!(gone(pid), "worker {pid} outlived proclab");
    }
}

#[test]
fn bad_pool_flags_fail_before_the_terminal_is_touched() {
    for (args, needle) in [
        (&["--lab", "pool", "--workers", "0"][..], "1 to 52"),
        (&["--lab", "pool", "--chunksize", "0"], "--chunksize"),
        (&["--lab", "pool", "--items", "5000000"], "shared memory"),
        (&["--lab", "pool", "--method", "starmap"], "imap_unordered"),
    ] {
        let out = std::process::Command::new(PROCLAB)
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "nothing drawn");
    }
}
