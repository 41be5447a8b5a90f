//! The GIL lab in the real binary, in a pseudo-terminal: change mode by
//! key, run a short race, read both modes' results off the screen, cancel
//! a race with Esc, and leave nothing behind.

use std::time::{Duration, Instant};

use crate::common::pty::{ESC, Screen, workers_of};
use crate::common::*;

/// A race takes a few seconds even with short tasks on a busy machine.
const RACE_PATIENCE: Duration = Duration::from_secs(60);

fn wait_long(screen: &Screen, what: &str, cond: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let text = screen.text();
        if cond(&text) {
            return text;
        }
        assert!(
            start.elapsed() < RACE_PATIENCE,
            "gave up waiting for {what}; the screen shows:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The race table's row for `n` workers.
fn race_row(text: &str, n: usize) -> String {
    text.lines()
        .find(|l| {
            l.trim_start_matches('│')
                .trim_start()
                .starts_with(&format!("{n} │"))
        })
        .unwrap_or_default()
        .to_string()
}

/// How many results (a speedup such as "1.00x") a line shows.
fn results_in(line: &str) -> usize {
    line.split_whitespace()
        .filter(|w| w.ends_with('x') && w[..w.len() - 1].parse::<f64>().is_ok())
        .count()
}

#[test]
fn m_reaches_thread_mode_and_a_short_race_fills_both_modes() {
    let mut s = Screen::start(
        &["--lab", "gil", "--workers", "2", "--task-ms", "40"],
        120,
        36,
    );
    s.wait_for("p2 = Process(target=clean_order)");
    s.press("m");
    let text = s.wait_for("threads + GIL (simulated)");
    assert!(text.contains("python3 prog.py"), "{text}");
    // One interpreter process, its threads in the lanes.
    s.wait_until("two thread lanes", |t| {
        t.contains("T1 ") && t.contains("T2 ")
    });
    let interp = workers_of(s.pid());
    assert_eq!(interp.len(), 1, "thread mode runs one worker process");

    s.press("r");
    s.wait_for("Race running");
    let text = wait_long(&s, "the race to finish", |t| t.contains("Race done"));
    for n in 1..=2 {
        let row = race_row(&text, n);
        assert!(
            results_in(&row) >= 2,
            "row {n} should show threads+GIL and processes results: {row:?}\n{text}"
        );
    }
    assert!(text.contains("threads+GIL") && text.contains("processes"));
    assert!(text.contains("race done, best speedups"), "{text}");

    assert_eq!(s.quit(), 0);
    assert!(!s.alternate_screen(), "the terminal is restored");
    for pid in interp {
        assert!(gone(pid), "worker {pid} outlived proclab");
    }
}

#[test]
fn esc_cancels_a_race_and_leaves_no_race_worker() {
    let mut s = Screen::start(
        &["--lab", "gil", "--workers", "1", "--task-ms", "5000"],
        100,
        30,
    );
    s.wait_for("p1 = Process(target=clean_order)");
    let own = workers_of(s.pid());
    assert_eq!(own.len(), 1);
    s.press("r");
    s.wait_for("Race running");
    // The lab's own worker is paused while the race runs; the race's
    // interpreter runs beside it.
    let start = Instant::now();
    let racing = loop {
        let all = workers_of(s.pid());
        let race: Vec<u32> = all.into_iter().filter(|p| !own.contains(p)).collect();
        if !race.is_empty() {
            break race;
        }
        assert!(start.elapsed() < PATIENCE, "no race worker appeared");
        std::thread::sleep(Duration::from_millis(20));
    };
    wait_state(own[0], "T");

    s.press(ESC);
    let text = s.wait_for("race cancelled");
    assert!(text.contains("killed and joined"), "{text}");
    for pid in racing {
        assert!(gone(pid), "race worker {pid} left behind");
    }
    wait_state(own[0], "RS");
    assert_eq!(s.quit(), 0);
    assert!(gone(own[0]));
}

#[test]
fn a_bad_switch_interval_is_refused_before_the_terminal_is_touched() {
    for (args, needle) in [
        (&["--switch-interval-ms", "0.01"][..], "0.1 to 1000 ms"),
        (&["--mode", "asyncio"], "--mode"),
        (&["race", "--workers", "0"], "--workers"),
        (&["race", "--switch-interval-ms", "5000"], "0.1 to 1000 ms"),
    ] {
        let out = std::process::Command::new(PROCLAB)
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "nothing drawn");
    }
}

#[test]
fn the_race_command_prints_a_table_with_every_run() {
    let out = std::process::Command::new(PROCLAB)
        .args([
            "race",
            "--modes",
            "threads,processes",
            "--workers",
            "2",
            "--tasks",
            "2",
            "--task-ms",
            "30",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("| threads+GIL") || l.starts_with("| processes"))
        .collect();
    assert_eq!(rows.len(), 4, "{text}");
    assert!(rows[0].contains("1.00x"), "{text}");
}
