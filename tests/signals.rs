//! Every signal that would end proclab, sent to the real binary in a
//! pseudo-terminal: the terminal is given back (main screen, mouse capture
//! off, cursor shown, cooked mode) and no worker is left, one test per
//! kind of signal.

mod common;

use common::pty::Screen;
use common::*;
use rustix::process::{Pid, Signal, kill_process};

/// Starts proclab with two workers, sends `sig`, and checks it ended the
/// clean way `q` does, with the status a shell expects of a program the
/// signal ended: 128 + its number.
fn ends_cleanly(sig: i32, name: &str) {
    let mut s = Screen::start(&["--workers", "2"], 80, 24);
    let pids = s.wait_workers(2);
    s.wait_for("p2.start()");
    assert!(
        s.mouse_captured() && !s.cooked(),
        "proclab took the terminal"
    );
    send(&s, sig);
    assert_eq!(s.wait_exit(), 128 + sig as u32, "{name}");
    assert!(!s.alternate_screen(), "{name}: the main screen is back");
    assert!(!s.mouse_captured(), "{name}: mouse capture is off");
    assert!(!s.cursor_hidden(), "{name}: the cursor is shown");
    assert!(s.cooked(), "{name}: raw mode is off");
    s.wait_for(&format!("proclab: ended by {name}"));
    for pid in pids {
        assert!(gone(pid), "worker {pid} outlived proclab after {name}");
    }
}

fn send(s: &Screen, sig: i32) {
    // Safety: any number is a valid argument to from_raw_unchecked; kill
    // refuses a signal that does not exist.
    let signal = unsafe { Signal::from_raw_unchecked(sig) };
    kill_process(Pid::from_raw(s.pid() as i32).unwrap(), signal).unwrap();
}

#[test]
fn requests_to_stop_end_proclab_cleanly() {
    for (sig, name) in [
        (libc::SIGQUIT, "SIGQUIT"),
        (libc::SIGUSR1, "SIGUSR1"),
        (libc::SIGUSR2, "SIGUSR2"),
        (libc::SIGINT, "SIGINT"),
    ] {
        ends_cleanly(sig, name);
    }
}

#[test]
fn timers_end_proclab_cleanly() {
    for (sig, name) in [
        (libc::SIGALRM, "SIGALRM"),
        (libc::SIGVTALRM, "SIGVTALRM"),
        (libc::SIGPROF, "SIGPROF"),
    ] {
        ends_cleanly(sig, name);
    }
}

#[test]
fn limits_sent_by_another_process_end_proclab_cleanly() {
    for (sig, name) in [(libc::SIGXCPU, "SIGXCPU"), (libc::SIGXFSZ, "SIGXFSZ")] {
        ends_cleanly(sig, name);
    }
}

#[test]
fn io_power_and_coprocessor_signals_end_proclab_cleanly() {
    for (sig, name) in [
        (libc::SIGIO, "SIGIO"),
        (libc::SIGPWR, "SIGPWR"),
        (libc::SIGSTKFLT, "SIGSTKFLT"),
    ] {
        ends_cleanly(sig, name);
    }
}

#[test]
fn traps_that_would_dump_core_end_proclab_cleanly() {
    for (sig, name) in [
        (libc::SIGTRAP, "SIGTRAP"),
        (libc::SIGSYS, "SIGSYS"),
        (libc::SIGABRT, "SIGABRT"),
    ] {
        ends_cleanly(sig, name);
    }
}

#[test]
fn real_time_signals_end_proclab_cleanly() {
    let (min, max) = (libc::SIGRTMIN(), libc::SIGRTMAX());
    for (sig, name) in [
        (min, "SIGRTMIN".to_string()),
        (min + 7, "SIGRTMIN+7".to_string()),
        (max, format!("SIGRTMIN+{}", max - min)),
    ] {
        ends_cleanly(sig, &name);
    }
}

#[test]
fn sigpipe_does_not_end_proclab() {
    let mut s = Screen::start(&["--workers", "1"], 80, 24);
    let pids = s.wait_workers(1);
    s.wait_for("p1.start()");
    send(&s, libc::SIGPIPE);
    // Still drawing: a key still works after the signal.
    s.press("s");
    s.wait_for("p2.start()");
    assert!(s.alternate_screen() && s.mouse_captured());
    assert_eq!(s.quit(), 0);
    assert!(s.cooked() && !s.mouse_captured());
    for pid in pids {
        assert!(gone(pid), "worker {pid} outlived proclab");
    }
}
