//! The queue, pipe and pipeline labs in the real binary, in a
//! pseudo-terminal: producers and consumers started by key move the
//! depth; a clean shutdown and quitting leave nothing behind; a pipe end
//! terminated meets EOF with the ends closed and waits for ever with them
//! left open; the pipeline's `t` acts on the stage marked ▶.

use crate::common::pty::Screen;
use crate::common::*;

/// The queue's depth as the panel shows it ("depth ██░░ 3/8").
fn depth(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.contains("depth "))?;
    let at = line.find("/8")?;
    line[..at].rsplit(' ').next()?.parse().ok()
}

#[test]
fn producers_and_consumers_started_by_key_move_the_depth() {
    let mut s = Screen::start(
        &[
            "--lab",
            "queue",
            "--producers",
            "0",
            "--consumers",
            "0",
            "--capacity",
            "8",
            "--producer-rate",
            "50",
            "--consumer-rate",
            "max",
        ],
        100,
        30,
    );
    s.wait_for("for a producer");
    assert_eq!(depth(&s.text()), Some(0));

    s.press("p");
    s.wait_for("p1.start()");
    let text = s.wait_until("the queue to fill", |t| depth(t) == Some(8));
    assert!(text.contains("FULL"), "{text}");
    s.wait_until("the producer blocked", |t| t.contains("blocked on put"));

    s.press("c");
    s.wait_for("p2.start()");
    s.wait_until("the consumer to drain it", |t| {
        depth(t).is_some_and(|d| d < 3)
    });
    let pids = s.wait_workers(2);

    s.press("x");
    s.wait_for("for p in producers: p.join()");
    let text = s.wait_until("both joined", |t| t.matches("joined: exit 0").count() == 2);
    assert!(text.contains("for _ in consumers: q.put(None)"), "{text}");
    s.wait_for("for c in consumers: c.join()");

    assert_eq!(s.quit(), 0);
    for pid in pids {
        assert!(gone(pid), "worker {pid} outlived proclab");
    }
}

#[test]
fn a_pipe_end_terminated_by_key_leaves_the_other_at_eof() {
    let mut s = Screen::start(&["--lab", "pipe"], 100, 30);
    s.wait_for("round trips");
    let pids = s.wait_workers(2);
    // The pinging end is selected: terminate it.
    s.press("t");
    let text = s.wait_until("the other end at EOF", |t| t.contains("pong: EOFError"));
    assert!(text.contains("b.recv()  # in p2: EOFError"), "{text}");
    assert!(
        text.contains("a.close(); b.close()  # in the parent"),
        "{text}"
    );
    assert_eq!(s.quit(), 0);
    for pid in pids {
        assert!(gone(pid), "worker {pid} outlived proclab");
    }
}

#[test]
fn with_the_ends_left_open_the_other_end_waits_for_ever_and_the_panel_says_why() {
    let mut s = Screen::start(&["--lab", "pipe", "--pipe-ends", "open"], 100, 30);
    s.wait_for("round trips");
    let pids = s.wait_workers(2);
    s.press("t");
    let text = s.wait_until("pong to wait for ever", |t| {
        t.contains("pong: waits in recv() for ever")
    });
    assert!(text.contains("a still open in: proclab"), "{text}");
    assert!(text.contains("# no close() anywhere"), "{text}");
    // Really blocked: asleep in the kernel, and still there a while on.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(state(pids[1]), Some('S'), "pong waits in recv()");
    // The next pipe may close its ends: the key says so in Python.
    s.press("e");
    s.wait_for("a.close(); b.close()  # in the parent");
    assert_eq!(s.quit(), 0);
    for pid in pids {
        assert!(gone(pid), "worker {pid} outlived proclab");
    }
}

#[test]
fn the_pipelines_t_terminates_the_stage_marked_and_the_footer_names_it() {
    let mut s = Screen::start(&["--lab", "pipeline"], 100, 30);
    s.wait_for("done");
    let pids = s.wait_workers(3);
    s.wait_for("terminate ▶ process");
    // ← marks fetch, and the key says so.
    s.press("\x1b[D");
    s.wait_for("terminate ▶ fetch");
    s.press("t");
    let text = s.wait_until("process to meet EOF", |t| t.contains("EOFError, exit 0"));
    assert!(text.contains("▶fetch"), "{text}");
    assert!(
        text.contains("exit -15 (SIGTERM)"),
        "fetch, marked, was terminated: {text}"
    );
    assert_eq!(s.quit(), 0);
    for pid in pids {
        assert!(gone(pid), "worker {pid} outlived proclab");
    }
}

#[test]
fn a_bad_capacity_fails_before_the_terminal_is_touched() {
    for (args, needle) in [
        (&["--capacity", "0"][..], "--capacity"),
        (&["--capacity", "100000"], "1..=65536"),
        (&["--producer-rate", "0"], "1 to 100000"),
        (&["--pipe-ends", "ajar"], "--pipe-ends"),
    ] {
        let out = std::process::Command::new(PROCLAB)
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "nothing drawn");
    }
}
