//! The counter and sync labs in the real binary, in a pseudo-terminal:
//! keys in, screen out, nothing left behind.

use std::time::{Duration, Instant};

use crate::common::pty::{Screen, workers_of};
use crate::common::*;

const HOME: &str = "\x1b[H";
const END: &str = "\x1b[F";

/// The screen row of worker `id` in the table.
fn row(text: &str, id: u32) -> String {
    text.lines()
        .find(|l| {
            l.trim_start_matches('│')
                .split_whitespace()
                .next()
                .is_some_and(|first| first == id.to_string())
        })
        .unwrap_or_default()
        .to_string()
}

/// Waits up to `limit` for `cond`; false if it never held.
fn within(s: &Screen, limit: Duration, cond: impl Fn(&str) -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond(&s.text()) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn quit(mut s: Screen) {
    let pid = s.pid();
    assert_eq!(s.quit(), 0);
    assert!(!s.alternate_screen(), "the terminal is restored");
    assert!(workers_of(pid).is_empty(), "no worker outlives proclab");
}

#[test]
fn the_racy_counter_run_by_key_loses_updates_and_the_lock_does_not() {
    let mut s = Screen::start(
        &[
            "--lab",
            "counter",
            "--workers",
            "0",
            "--increments",
            "2000000",
        ],
        100,
        30,
    );
    s.wait_for("runs 2 × 2,000,000");
    let mut lost = false;
    for run in 1..=6 {
        s.press("r");
        let text = s.wait_for(&format!("run {run} (racy)"));
        if text.contains("✗ lost") {
            assert!(text.contains("updates lost: two workers"), "{text}");
            lost = true;
            break;
        }
    }
    assert!(lost, "no racy run lost an update:\n{}", s.text());

    s.press("c");
    s.wait_for("next: locked");
    s.press("r");
    let text = s.wait_until("the locked run's end", |t| t.contains("(locked):"));
    assert!(text.contains("✓ exact"), "{text}");
    assert!(text.contains("with v.get_lock():"), "{text}");
    quit(s);
}

#[test]
fn terminating_the_lock_holder_by_key_abandons_the_lock() {
    // Slow motion keeps the holder inside for 0.3 s; the screen may lag the
    // hand-over, so a miss (the waiter terminated) is retried afresh.
    for _ in 0..5 {
        let mut s = Screen::start(
            &[
                "--lab",
                "counter",
                "--counter",
                "locked",
                "--slow",
                "--workers",
                "2",
            ],
            100,
            30,
        );
        let holds = |t: &str, id| row(t, id).contains("holds the lock");
        let text = s.wait_until("a worker holding the lock", |t| holds(t, 1) || holds(t, 2));
        s.press(if holds(&text, 1) { HOME } else { END });
        s.press("t");
        if within(&s, Duration::from_secs(2), |t| {
            t.contains("lock abandoned by")
        }) {
            let text = s.text();
            assert!(text.contains("EOWNERDEAD"), "{text}");
            assert!(
                text.contains("p.terminate()  # inside 'with lock:'"),
                "{text}"
            );
            quit(s);
            return;
        }
        quit(s);
    }
    panic!("five tries never terminated the worker holding the lock");
}

#[test]
fn the_sync_lab_by_key() {
    let s = Screen::start(
        &[
            "--lab",
            "sync",
            "--workers",
            "3",
            "--permits",
            "1",
            "--task-ms",
            "300",
        ],
        120,
        36,
    );
    let mut s = s;
    s.wait_until("three workers waiting for the event", |t| {
        (1..=3).all(|id| row(t, id).contains("waiting for event"))
    });
    s.press("g");
    let text = s.wait_until("one inside, the others on the semaphore", |t| {
        t.contains("in critical section") && t.contains("waiting on semaphore (1/1 held)")
    });
    assert!(text.contains("e.set()"), "{text}");
    s.press("+");
    s.wait_for("sem.release()  # one more permit");
    s.wait_for("Semaphore k=2");
    quit(s);
}

#[test]
fn bad_counter_flags_fail_before_the_terminal_is_touched() {
    for (args, needle) in [
        (&["--increments", "0"][..], "--increments"),
        (&["--permits", "0"], "--permits"),
        (&["--lab", "counter", "--counter", "sometimes"], "--counter"),
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
