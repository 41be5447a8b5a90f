//! The engine with real workers: lifecycle, signals and exitcodes as Python
//! has them, read back from `/proc`.

use std::time::Duration;

use crate::common::*;
use proclab::lab::slot::Control;
use proclab::lab::{JoinOutcome, LabError, LabEvent, StartOptions, Status, Workload};

#[test]
fn a_started_worker_runs_and_is_alive() {
    let mut lab = lab();
    let id = lab.start_with(forever()).unwrap();
    let pid = lab.pid(id).unwrap();
    wait_state(pid, "R");
    assert!(lab.is_alive(id).unwrap());
    assert_eq!(lab.exitcode(id).unwrap(), None);
    wait_until("the worker to report a task done", || {
        lab.snapshot()[0].tasks_done > 0
    });
}

#[test]
fn pause_stops_the_worker_and_resume_continues_it() {
    let mut lab = lab();
    let id = lab.start_with(forever()).unwrap();
    let pid = lab.pid(id).unwrap();
    wait_state(pid, "R");

    lab.pause(id).unwrap();
    wait_state(pid, "T");
    assert_eq!(lab.status(id).unwrap(), Status::Alive { paused: true });
    let before = lab.snapshot()[0].progress;
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        lab.snapshot()[0].progress,
        before,
        "a stopped worker makes no progress"
    );

    lab.resume(id).unwrap();
    wait_state(pid, "R");
    assert_eq!(lab.status(id).unwrap(), Status::Alive { paused: false });
}

#[test]
fn terminating_a_paused_worker_leaves_sigterm_pending_until_it_is_resumed() {
    let mut lab = lab();
    let id = lab.start_with(forever()).unwrap();
    let pid = lab.pid(id).unwrap();
    lab.pause(id).unwrap();
    wait_state(pid, "T");
    let t = lab.terminate(id).unwrap();
    assert!(t.pending, "a stopped worker's SIGTERM waits");
    // As in Python: no SIGCONT, so it stays stopped and alive.
    assert_eq!(
        lab.join(id, Some(Duration::from_millis(400))).unwrap(),
        None
    );
    assert_eq!(state(pid), Some('T'));
    assert!(lab.snapshot()[0].sigterm_sent);
    lab.resume(id).unwrap();
    assert_eq!(lab.join(id, Some(PATIENCE)).unwrap(), Some(-15));
    assert_eq!(lab.status(id).unwrap(), Status::Joined(-15));
    assert!(gone(pid));
}

#[test]
fn a_worker_stopped_from_outside_keeps_its_sigterm_pending_too() {
    let mut lab = lab();
    let id = lab.start_with(forever()).unwrap();
    let pid = lab.pid(id).unwrap();
    wait_state(pid, "R");
    // kill -STOP from a shell: proclab did not pause it.
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid as i32).unwrap(),
        rustix::process::Signal::STOP,
    )
    .unwrap();
    wait_state(pid, "T");
    assert!(lab.is_stopped(id).unwrap());
    assert!(lab.terminate(id).unwrap().pending);
    assert_eq!(
        lab.join(id, Some(Duration::from_millis(400))).unwrap(),
        None
    );
    lab.resume(id).unwrap();
    assert_eq!(lab.join(id, Some(PATIENCE)).unwrap(), Some(-15));
}

#[test]
fn kill_gives_minus_9() {
    let mut lab = lab();
    let id = lab.start_with(forever()).unwrap();
    lab.kill(id).unwrap();
    assert_eq!(lab.join(id, Some(PATIENCE)).unwrap(), Some(-9));
}

#[test]
fn an_ended_worker_is_a_zombie_until_joined() {
    let mut lab = lab();
    let id = lab.start_with(forever()).unwrap();
    let pid = lab.pid(id).unwrap();
    lab.terminate(id).unwrap();
    wait_until("the worker to end", || !lab.is_alive(id).unwrap());
    assert_eq!(state(pid), Some('Z'));
    assert_eq!(lab.status(id).unwrap(), Status::Exited(-15));
    assert_eq!(lab.exitcode(id).unwrap(), Some(-15));
    assert_eq!(
        state(pid),
        Some('Z'),
        "looking at the exitcode does not reap"
    );

    assert_eq!(lab.join(id, None).unwrap(), Some(-15));
    assert!(gone(pid), "join reaps the zombie");
    assert_eq!(
        lab.join(id, None).unwrap(),
        Some(-15),
        "joining twice is harmless"
    );
}

#[test]
fn a_worker_that_raises_exits_with_1() {
    let mut lab = lab();
    let id = lab.start_with(forever()).unwrap();
    lab.request(id, Control::Raise).unwrap();
    assert_eq!(lab.join(id, Some(PATIENCE)).unwrap(), Some(1));
}

#[test]
fn sys_exit_n_gives_n() {
    let mut lab = lab();
    let id = lab.start_with(forever()).unwrap();
    lab.request(id, Control::Exit(3)).unwrap();
    assert_eq!(lab.join(id, Some(PATIENCE)).unwrap(), Some(3));
}

#[test]
fn a_worker_with_a_task_count_returns_0() {
    let mut lab = lab();
    let options = StartOptions {
        tasks: Some(2),
        task_ms: 20,
        ..forever()
    };
    let id = lab.start_with(options).unwrap();
    assert_eq!(lab.join(id, Some(PATIENCE)).unwrap(), Some(0));
    assert_eq!(lab.snapshot()[0].tasks_done, 2);
}

#[test]
fn an_io_worker_sleeps() {
    let mut lab = lab();
    let options = StartOptions {
        workload: Workload::Io,
        ..forever()
    };
    let id = lab.start_with(options).unwrap();
    wait_state(lab.pid(id).unwrap(), "S");
}

#[test]
fn an_ended_worker_takes_no_more_signals() {
    let mut lab = lab();
    let id = lab.start_with(forever()).unwrap();
    lab.kill(id).unwrap();
    lab.join(id, Some(PATIENCE)).unwrap();
    assert!(matches!(lab.pause(id), Err(LabError::NotAlive(_))));
    assert!(matches!(lab.terminate(id), Err(LabError::NotAlive(_))));
    assert!(matches!(lab.pause(99), Err(LabError::NoSuchWorker(99))));
}

#[test]
fn a_pending_join_reaps_when_the_worker_ends() {
    let mut lab = lab();
    let id = lab.start_with(forever()).unwrap();
    let pid = lab.pid(id).unwrap();
    assert_eq!(lab.join_nowait(id).unwrap(), JoinOutcome::Pending);
    lab.terminate(id).unwrap();
    let mut events = Vec::new();
    wait_until("the pending join", || {
        events.extend(lab.poll());
        events.len() == 2
    });
    assert_eq!(
        events,
        vec![
            LabEvent::Exited {
                id,
                pid,
                exitcode: -15
            },
            LabEvent::Joined {
                id,
                pid,
                exitcode: -15
            },
        ]
    );
    assert!(gone(pid));
}

#[test]
fn auto_join_leaves_no_zombie() {
    let mut lab = lab_with(|c| c.auto_join = true);
    let id = lab.start_with(forever()).unwrap();
    let pid = lab.pid(id).unwrap();
    lab.kill(id).unwrap();
    wait_until("auto-join", || {
        lab.poll();
        matches!(lab.status(id).unwrap(), Status::Joined(-9))
    });
    assert!(gone(pid));
}

#[test]
fn the_cap_refuses_more_workers_and_join_frees_a_place() {
    let mut lab = lab_with(|c| c.max_workers = 2);
    let a = lab.start_with(forever()).unwrap();
    lab.start_with(forever()).unwrap();
    assert!(matches!(lab.start_with(forever()), Err(LabError::Cap(2))));
    lab.kill(a).unwrap();
    lab.join(a, Some(PATIENCE)).unwrap();
    lab.start_with(forever())
        .expect("a joined worker frees its place");
}

#[test]
fn a_missing_executable_is_an_error_not_a_crash() {
    let mut lab = lab_with(|c| c.worker_exe = "/nonexistent/proclab".into());
    let err = lab.start_with(forever()).unwrap_err();
    assert!(matches!(err, LabError::Spawn { .. }), "{err}");
    assert!(err.to_string().contains("/nonexistent/proclab"));
    assert_eq!(lab.live_count(), 0);
}

#[test]
fn the_exit_terminates_the_daemons_and_names_the_workers_python_would_wait_for() {
    let mut lab = lab();
    let plain = lab.start_with(forever()).unwrap();
    let daemon = lab
        .start_with(StartOptions {
            daemon: true,
            ..forever()
        })
        .unwrap();
    let stopped_daemon = lab
        .start_with(StartOptions {
            daemon: true,
            ..forever()
        })
        .unwrap();
    lab.pause(stopped_daemon).unwrap();
    wait_state(lab.pid(stopped_daemon).unwrap(), "T");
    let begun = lab.begin_exit();
    assert_eq!(begun.daemons, [daemon, stopped_daemon]);
    assert_eq!(
        begun.waited,
        [plain, stopped_daemon],
        "the non-daemon, and the daemon whose SIGTERM waits"
    );
    assert_eq!(lab.join(daemon, Some(PATIENCE)).unwrap(), Some(-15));
    assert!(lab.is_alive(plain).unwrap(), "Python waits for it");
    lab.shutdown(Duration::from_secs(5));
}

#[test]
fn shutdown_terminates_every_worker_daemon_or_not() {
    let mut lab = lab();
    let plain = lab.start_with(forever()).unwrap();
    let daemon = lab
        .start_with(StartOptions {
            daemon: true,
            ..forever()
        })
        .unwrap();
    let paused = lab.start_with(forever()).unwrap();
    lab.pause(paused).unwrap();
    let pids: Vec<u32> = [plain, daemon, paused]
        .iter()
        .map(|&id| lab.pid(id).unwrap())
        .collect();

    let report = lab.shutdown(Duration::from_secs(5));
    assert_eq!(report.joined, 3);
    assert_eq!(report.terminated, 3, "daemons get SIGTERM, as in Python");
    assert_eq!(report.killed, 0);
    assert_eq!(lab.status(plain).unwrap(), Status::Joined(-15));
    assert_eq!(lab.status(daemon).unwrap(), Status::Joined(-15));
    assert_eq!(lab.status(paused).unwrap(), Status::Joined(-15));
    assert!(pids.iter().all(|&p| gone(p)));
}

#[test]
fn dropping_the_engine_leaves_no_worker() {
    let mut lab = lab();
    let ids: Vec<u32> = (0..3).map(|_| lab.start_with(forever()).unwrap()).collect();
    let pids: Vec<u32> = ids.iter().map(|&id| lab.pid(id).unwrap()).collect();
    lab.pause(ids[0]).unwrap();
    drop(lab);
    assert!(pids.iter().all(|&p| gone(p)));
}
