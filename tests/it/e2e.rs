//! The real binary in a pseudo-terminal: keys in, screen out, and nothing
//! left behind afterwards.

use crate::common::pty::{Screen, UP};
use crate::common::*;

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

#[test]
fn start_pause_terminate_join_quit_by_keys() {
    let mut s = Screen::start(&["--workers", "0", "--task-ms", "300"], 100, 30);
    s.wait_for("no worker yet");

    s.press("sss");
    s.wait_for("p3.start()");
    let pids = s.wait_workers(3);
    s.wait_until("three running rows", |t| {
        (1..=3).all(|id| row(t, id).contains("running"))
    });

    // The newest worker is selected: pause it.
    s.press("p");
    let text = s.wait_until("worker 3 paused", |t| row(t, 3).contains(" T "));
    assert!(row(&text, 3).contains("paused"), "{text}");
    assert!(text.contains("os.kill(p3.pid, signal.SIGSTOP)"));

    // Terminating a paused worker: SIGTERM waits while it is stopped, as
    // in Python; resuming it lets the signal act: a zombie.
    s.press("t");
    let text = s.wait_until("worker 3's SIGTERM pending", |t| {
        row(t, 3).contains("SIGTERM pending (stopped)")
    });
    assert!(row(&text, 3).contains(" T "), "{text}");
    assert!(text.contains("p3.terminate()  # SIGTERM waits"), "{text}");
    s.press("p");
    let text = s.wait_until("worker 3 a zombie", |t| {
        row(t, 3).contains("zombie - not joined")
    });
    assert!(row(&text, 3).contains(" Z "), "{text}");
    assert!(row(&text, 3).contains("-15"), "{text}");
    assert!(text.contains("signal.SIGCONT)  # ends: -15"), "{text}");

    s.press("j");
    let text = s.wait_until("worker 3 joined", |t| {
        row(t, 3).contains("joined: exit -15")
    });
    assert!(text.contains("p3.join()  # p3.exitcode == -15"), "{text}");

    // Select worker 2 with the arrow and kill it.
    s.press(UP);
    s.press("k");
    s.wait_until("worker 2 a zombie", |t| row(t, 2).contains("-9"));

    // q: worker 1 is no daemon, so a Python parent would wait for it.
    s.press("q");
    let text = s.wait_for("waits here for p1");
    assert!(s.wait_workers(1).len() == 1, "{text}");
    s.press("q");
    assert_eq!(s.wait_exit(), 0);
    assert!(!s.alternate_screen(), "the terminal is restored");
    for pid in pids {
        assert!(gone(pid), "worker {pid} outlived proclab");
    }
}

#[test]
fn help_lists_every_key_and_closes() {
    let mut s = Screen::start(&["--workers", "1"], 80, 24);
    s.wait_for("p1.start()");
    s.press("?");
    let text = s.wait_for("Help");
    assert!(text.contains("terminate: SIGTERM"), "{text}");
    s.press("\x1b");
    s.wait_until("help closed", |t| !t.contains("Esc or ? closes"));
    assert_eq!(s.quit(), 0);
}

#[test]
fn sigterm_and_sighup_quit_cleanly_and_take_the_workers() {
    // The exit status is what a shell reports for a program the signal
    // ended: 128 + its number.
    for (signal, status) in [
        (rustix::process::Signal::TERM, 143),
        (rustix::process::Signal::HUP, 129),
    ] {
        let mut s = Screen::start(&["--workers", "2"], 80, 24);
        let pids = s.wait_workers(2);
        s.wait_for("p2.start()");
        rustix::process::kill_process(
            rustix::process::Pid::from_raw(s.pid() as i32).unwrap(),
            signal,
        )
        .unwrap();
        assert_eq!(s.wait_exit(), status, "{signal:?}");
        assert!(
            !s.alternate_screen(),
            "the terminal is restored after {signal:?}"
        );
        for pid in pids {
            assert!(gone(pid), "worker {pid} outlived proclab after {signal:?}");
        }
    }
}

#[test]
fn a_small_terminal_gets_a_message_not_a_panic() {
    let mut s = Screen::start(&["--workers", "0"], 50, 12);
    let text = s.wait_for("needs at least");
    assert!(text.contains("50x12"), "{text}");
    assert_eq!(s.quit(), 0);
}

#[test]
fn a_bad_flag_fails_before_the_terminal_is_touched() {
    let out = std::process::Command::new(PROCLAB)
        .args(["--workers", "lots"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--workers"), "{err}");
    assert!(out.stdout.is_empty(), "nothing drawn");
}

#[test]
fn s_saves_a_screenshot_as_svg_and_text() {
    let dir = std::env::temp_dir().join(format!("proclab-shots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut s = Screen::start(
        &["--workers", "1", "--screenshot-dir", dir.to_str().unwrap()],
        80,
        24,
    );
    s.wait_for("p1.start()");
    s.press("S");
    let text = s.wait_for("screenshot saved");
    assert!(
        text.contains(dir.to_str().unwrap()) || text.contains("proclab-"),
        "{text}"
    );
    assert_eq!(s.quit(), 0);
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let svg = files
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "svg"))
        .expect("an SVG file");
    let txt = svg.with_extension("txt");
    assert!(std::fs::read_to_string(svg).unwrap().contains("<svg"));
    assert!(
        std::fs::read_to_string(&txt)
            .unwrap()
            .contains("p1.start()")
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_keystroke_overlay_shows_what_was_typed() {
    let mut s = Screen::start(&["--workers", "1", "--show-keys"], 80, 24);
    s.wait_for("p1.start()");
    s.press("p");
    let text = s.wait_for("pause worker 1");
    assert!(text.contains(" keys "), "{text}");
    s.press("K");
    s.wait_until("overlay hidden", |t| !t.contains(" keys "));
    assert_eq!(s.quit(), 0);
}

#[test]
fn the_lessons_menu_starts_a_lesson_afresh() {
    let mut s = Screen::start(&["--workers", "2"], 100, 30);
    let before = s.wait_workers(2);
    s.press("L");
    s.wait_for("Lessons");
    s.press("\r");
    let text = s.wait_for("Lesson: The life of a process");
    assert!(text.contains("step 1 of"), "{text}");
    // The lesson starts from its own setup: the earlier workers are gone.
    for pid in before {
        assert!(gone(pid), "worker {pid} outlived the switch to the lesson");
    }
    s.press("s");
    // Done by its key, the step stays until Enter.
    let text = s.wait_for("Enter  for the next step");
    assert!(text.contains("step 1 of 9"), "{text}");
    s.press("\r");
    s.wait_for("step 2 of 9");
    assert_eq!(s.quit(), 0);
}
