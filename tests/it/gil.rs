//! The GIL lab's engine with real interpreter processes: the simulated GIL's
//! invariants read back from the hand-over ring, threads under the GIL
//! against processes, the race, and cancelling it.
//!
//! The tests that time CPU-bound work take a lock so they never run at the
//! same time as each other, and assert ratios with wide margins: the
//! machine is shared.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::common::*;
use proclab::cmd::race::{Job, run_once};
use proclab::lab::engine::{Engine, EngineEvent};
use proclab::lab::gil::area::{GilSection, INTERACTIVE, ThreadKind, ThreadState};
use proclab::lab::gil::race::{RaceEvent, RacePlan};
use proclab::lab::gil::ring::{EventKind, Record};
use proclab::lab::gil::{Added, GilEvent, Mode};
use proclab::lab::shm::SectionId;
use proclab::lab::{Status, Workload};
use proclab::metrics::procstat;

fn engine() -> Engine {
    Engine::new(lab())
}

fn section(engine: &Engine) -> &GilSection {
    engine.lab.region().section(SectionId::Gil)
}

/// The interactive interpreter's records so far.
fn records(engine: &Engine) -> Vec<Record> {
    let area = &section(engine).areas[INTERACTIVE];
    area.ring
        .read(area.first_seq.load(Ordering::Relaxed))
        .records
}

/// Replays the records: a Take only when the GIL is free, a drop only by
/// the holder. Returns the number of takes.
fn assert_one_holder(records: &[Record]) -> usize {
    let mut holder = 0u16;
    let mut takes = 0;
    for r in records {
        match r.kind {
            EventKind::Take => {
                assert_eq!(
                    holder, 0,
                    "T{} took the GIL while T{holder} held it",
                    r.thread
                );
                holder = r.thread;
                takes += 1;
            }
            k if k.is_drop() => {
                assert_eq!(
                    holder, r.thread,
                    "T{} dropped a GIL it did not hold",
                    r.thread
                );
                holder = 0;
            }
            _ => {}
        }
    }
    takes
}

/// Median time between hand-overs from one thread to another.
fn median_slice(records: &[Record]) -> Duration {
    let times: Vec<u64> = records
        .iter()
        .filter(|r| r.is_handover())
        .map(|r| r.at_ns)
        .collect();
    let mut gaps: Vec<u64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.len() >= 5, "too few hand-overs: {}", gaps.len());
    gaps.sort_unstable();
    Duration::from_nanos(gaps[gaps.len() / 2])
}

/// Threads mode with `n` CPU-bound threads; returns the interpreter's pid.
fn cpu_threads(engine: &mut Engine, n: usize) -> u32 {
    engine.gil.set_mode(Mode::Threads);
    let mut pid = 0;
    for _ in 0..n {
        match engine.gil.add(&mut engine.lab, Workload::Cpu, 200).unwrap() {
            Added::Thread { pid: p, .. } => pid = p,
            other => panic!("a thread, not {other:?}"),
        }
    }
    pid
}

fn wait_handovers(engine: &Engine, n: usize) {
    wait_until(&format!("{n} hand-overs"), || {
        records(engine).iter().filter(|r| r.is_handover()).count() >= n
    });
}

#[test]
fn the_gil_has_one_holder_and_changes_hands_about_every_interval() {
    let _serial = serial();
    let mut engine = engine();
    engine.gil.set_interval(&engine.lab, 2_000);
    cpu_threads(&mut engine, 2);
    wait_handovers(&engine, 40);
    let short = records(&engine);
    assert!(assert_one_holder(&short) >= 40);
    let short_slice = median_slice(&short);

    // A longer interval, changed while the threads run ([ and ] keys).
    engine.gil.set_interval(&engine.lab, 20_000);
    let from = section(&engine).areas[INTERACTIVE].ring.head();
    wait_until("hand-overs at 20 ms", || {
        records(&engine)
            .iter()
            .filter(|r| r.seq >= from && r.is_handover())
            .count()
            >= 12
    });
    let all = records(&engine);
    assert_one_holder(&all);
    let long: Vec<Record> = all.into_iter().filter(|r| r.seq >= from).collect();
    let long_slice = median_slice(&long[2..]);

    // Wake-ups come late on a busy machine, never early: a slice is never
    // shorter than its interval allows, and a busy machine adds about the
    // same delay to both, so the longer interval shows in the difference.
    assert!(
        short_slice >= Duration::from_millis(1),
        "median slice {short_slice:?} for a 2 ms interval"
    );
    assert!(
        long_slice >= Duration::from_millis(12),
        "median slice {long_slice:?} for a 20 ms interval"
    );
    assert!(
        long_slice.saturating_sub(short_slice) >= Duration::from_millis(9),
        "median slices {short_slice:?} and {long_slice:?} for 2 and 20 ms intervals"
    );
    engine.shutdown(Duration::from_secs(2));
}

#[test]
fn a_sleeping_thread_holds_no_gil_and_another_runs_meanwhile() {
    let _serial = serial();
    let mut engine = engine();
    engine.gil.set_mode(Mode::Threads);
    engine
        .gil
        .add(&mut engine.lab, Workload::Io, 30)
        .expect("an I/O-bound thread");
    cpu_threads(&mut engine, 1);
    let area = &section(&engine).areas[INTERACTIVE];
    // Whenever the sleeper is in its blocking call, it is not the holder.
    // The holder is read on both sides of the state: a thread takes the
    // GIL as holding before it is named holder, and gives it up before it
    // sleeps, so T1 named holder around a sleeping state is a sleep with
    // the GIL held, unless T1 slept and woke in between: the three loads
    // count only when far quicker than a 30 ms sleep.
    let mut seen_io = 0;
    let start = Instant::now();
    while seen_io < 50 && start.elapsed() < PATIENCE {
        let read_at = Instant::now();
        let before = area.gil.holder.load(Ordering::Acquire);
        let state = area.threads[0].state();
        let after = area.gil.holder.load(Ordering::Acquire);
        if state == ThreadState::Io && read_at.elapsed() < Duration::from_millis(5) {
            seen_io += 1;
            assert!(before != 1 || after != 1, "T1 sleeps holding the GIL");
        }
        std::thread::sleep(Duration::from_micros(300));
    }
    assert!(seen_io > 0, "the sleeper was never seen sleeping");
    wait_until("five sleeps", || {
        area.threads[0].tasks_done.load(Ordering::Relaxed) >= 5
    });
    let recs = records(&engine);
    assert_one_holder(&recs);
    // Between each DropIo of T1 and its next Take, T2 took the GIL.
    let mut sleeps = 0;
    let mut overlapped = 0;
    let mut sleeping = false;
    let mut t2_took = false;
    for r in &recs {
        match (r.thread, r.kind) {
            (1, EventKind::DropIo) => (sleeping, t2_took) = (true, false),
            (1, EventKind::Take) if sleeping => {
                sleeps += 1;
                overlapped += usize::from(t2_took);
                sleeping = false;
            }
            (2, EventKind::Take) if sleeping => t2_took = true,
            _ => {}
        }
    }
    assert!(sleeps >= 4, "{sleeps} sleeps");
    // On a busy machine the CPU-bound thread may not get a core before a
    // sleep ends; it takes the free GIL during most of them.
    assert!(
        overlapped * 2 > sleeps,
        "the CPU-bound thread ran during {overlapped} of {sleeps} sleeps"
    );
    engine.shutdown(Duration::from_secs(2));
}

#[test]
fn the_interpreter_is_one_process_with_a_thread_per_worker() {
    let _serial = serial();
    let mut engine = engine();
    let pid = cpu_threads(&mut engine, 1);
    let tid = |engine: &Engine, i: usize| {
        section(engine).areas[INTERACTIVE].threads[i]
            .tid
            .load(Ordering::Relaxed)
    };
    wait_until("T1 to start", || tid(&engine, 0) != 0);
    // One more at run time (the s key): the interpreter picks the request up.
    let added = engine.gil.add(&mut engine.lab, Workload::Cpu, 200).unwrap();
    assert!(matches!(
        added,
        Added::Thread {
            thread: 2,
            new_interpreter: false,
            ..
        }
    ));
    wait_until("T2 to start", || tid(&engine, 1) != 0);
    let area = &section(&engine).areas[INTERACTIVE];
    let tids = procstat::thread_ids(pid);
    for t in &area.threads[..2] {
        let tid = t.tid.load(Ordering::Relaxed);
        assert!(
            tids.contains(&tid),
            "thread {tid} is not in /proc/{pid}/task"
        );
        assert!(procstat::read_thread(pid, tid).is_some());
    }
    let workers = engine.lab.snapshot();
    assert_eq!(workers.len(), 1, "one process for both threads");
    assert_eq!(area.threads[1].kind(), Some(ThreadKind::Cpu));
    engine.shutdown(Duration::from_secs(2));
}

#[test]
fn two_threads_under_the_gil_use_one_core_and_processes_finish_sooner() {
    let _serial = serial();
    let mut engine = engine();
    let job = Job {
        tasks: 2,
        task_ms: 250,
        workload: Workload::Cpu,
        interval_us: 5_000,
    };
    // The GIL's ceiling holds on every attempt, however busy the machine.
    // The wall-time comparison needs two free cores: an attempt counts
    // when the processes got them (other programs on a shared machine can
    // take one), and then it must hold.
    let mut last = String::new();
    for _ in 0..8 {
        let threads = run_once(&mut engine, Mode::Threads, 2, job).unwrap();
        let cores = threads.cores_used().expect("CPU time read");
        assert!(cores < 1.5, "2 threads under the GIL used {cores:.2} cores");
        assert_eq!(threads.tasks_done, 2);
        let processes = run_once(&mut engine, Mode::Processes, 2, job).unwrap();
        assert_eq!(processes.tasks_done, 2);
        assert!(
            engine.lab.snapshot().is_empty(),
            "every run's workers are forgotten"
        );
        let parallel = processes.cores_used().expect("CPU time read");
        let ratio = processes.wall.as_secs_f64() / threads.wall.as_secs_f64();
        last = format!(
            "processes {:?} on {parallel:.2} cores vs threads {:?} on {cores:.2}: ratio {ratio:.2}",
            processes.wall, threads.wall
        );
        if parallel >= 1.5 {
            assert!(ratio < 0.75, "processes were not clearly faster: {last}");
            return;
        }
    }
    eprintln!(
        "note: two free cores were never available in 8 tries ({last}); \
         the wall-time comparison could not be made on this machine now"
    );
}

#[test]
fn free_threads_record_no_gil_hand_overs() {
    let _serial = serial();
    let mut engine = engine();
    engine.gil.set_mode(Mode::FreeThreads);
    for _ in 0..2 {
        engine.gil.add(&mut engine.lab, Workload::Cpu, 50).unwrap();
    }
    wait_until("both threads running", || {
        records(&engine)
            .iter()
            .filter(|r| r.kind == EventKind::Run)
            .count()
            == 2
    });
    std::thread::sleep(Duration::from_millis(50));
    let recs = records(&engine);
    assert!(
        recs.iter().all(|r| r.kind == EventKind::Run),
        "no GIL: {recs:?}"
    );
    engine.shutdown(Duration::from_secs(2));
}

#[test]
fn changing_mode_restarts_as_many_workers_in_the_new_mode() {
    let mut engine = engine();
    for _ in 0..2 {
        engine.gil.add(&mut engine.lab, Workload::Io, 100).unwrap();
    }
    let switch = engine
        .gil
        .switch_mode(&mut engine.lab, Mode::Threads, 100)
        .unwrap();
    assert_eq!(switch.stopped.len(), 2);
    assert!(switch.stopped.iter().all(|&(_, code)| code == -15));
    assert_eq!(switch.started.len(), 2);
    let snap = engine.gil.snapshot(&engine.lab);
    assert!(snap.processes.is_empty());
    let interp = snap.interactive.expect("an interpreter");
    assert_eq!(interp.threads.len(), 2);
    assert!(interp.threads.iter().all(|t| t.kind == ThreadKind::Io));
    engine.shutdown(Duration::from_secs(2));
}

/// Polls the engine until `want` matches an event; returns the events seen.
fn poll_until(engine: &mut Engine, want: impl Fn(&RaceEvent) -> bool) -> Vec<RaceEvent> {
    let mut seen = Vec::new();
    let start = Instant::now();
    loop {
        for e in engine.poll() {
            if let EngineEvent::Gil(GilEvent::Race(r)) = e {
                let done = want(&r);
                seen.push(r);
                if done {
                    return seen;
                }
            }
        }
        assert!(start.elapsed() < PATIENCE, "gave up; saw {seen:?}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn a_race_pauses_other_workers_and_cancelling_it_leaves_no_worker() {
    let _serial = serial();
    let mut engine = engine();
    let other = engine.lab.start_with(forever()).unwrap();
    engine
        .gil
        .start_race(RacePlan::sweep(
            &[Mode::Threads, Mode::Processes],
            2,
            2,
            5_000,
            Workload::Cpu,
            5_000,
        ))
        .unwrap();
    let seen = poll_until(&mut engine, |e| matches!(e, RaceEvent::RunStarted { .. }));
    assert_eq!(seen[0], RaceEvent::Paused(vec![other]));
    assert_eq!(
        engine.lab.status(other).unwrap(),
        Status::Alive { paused: true }
    );
    let RaceEvent::RunStarted { ids, .. } = seen.last().unwrap() else {
        unreachable!()
    };
    let pids: Vec<u32> = ids.iter().map(|&id| engine.lab.pid(id).unwrap()).collect();
    for &pid in &pids {
        wait_state(pid, "RS");
    }

    let cancelled = engine
        .gil
        .cancel_race(&mut engine.lab)
        .expect("a race to cancel");
    assert_eq!(
        cancelled,
        GilEvent::Race(RaceEvent::Cancelled {
            killed: 1,
            resumed: vec![other]
        })
    );
    for pid in pids {
        assert!(gone(pid), "race worker {pid} left behind");
    }
    assert_eq!(
        engine.lab.status(other).unwrap(),
        Status::Alive { paused: false }
    );
    assert!(!engine.gil.racing());
    engine.shutdown(Duration::from_secs(2));
}

#[test]
fn a_short_race_fills_every_row() {
    let _serial = serial();
    let mut engine = engine();
    let plan = RacePlan::sweep(&Mode::ALL, 2, 2, 30, Workload::Cpu, 5_000);
    engine.gil.start_race(plan).unwrap();
    let seen = poll_until(&mut engine, |e| matches!(e, RaceEvent::Finished { .. }));
    let Some(RaceEvent::Finished { results, .. }) = seen.last() else {
        unreachable!()
    };
    assert_eq!(results.len(), 6);
    for (r, (mode, workers)) in results.iter().zip([
        (Mode::Threads, 1),
        (Mode::Threads, 2),
        (Mode::Processes, 1),
        (Mode::Processes, 2),
        (Mode::FreeThreads, 1),
        (Mode::FreeThreads, 2),
    ]) {
        assert_eq!((r.mode, r.workers), (mode, workers));
        assert_eq!(r.tasks_done, 2, "{r:?}");
        // Two 30 ms tasks: at least 30 ms, however many workers.
        assert!(r.wall >= Duration::from_millis(25), "{r:?}");
        assert!(r.cpu.is_some(), "{r:?}");
    }
    assert!(
        engine.lab.snapshot().is_empty(),
        "the race's workers are joined and forgotten"
    );
}

/// Runs one 500 ms CPU task in every mode; each run's CPU time in ms.
fn task_of_500_ms(mut engine: Engine) -> Vec<(Mode, f64)> {
    let plan = RacePlan::sweep(&Mode::ALL, 1, 1, 500, Workload::Cpu, 5_000);
    engine.gil.start_race(plan).unwrap();
    let seen = poll_until(&mut engine, |e| matches!(e, RaceEvent::Finished { .. }));
    let Some(RaceEvent::Finished { results, .. }) = seen.last() else {
        unreachable!()
    };
    results
        .iter()
        .map(|r| {
            let cpu = r.cpu.expect("the run's CPU time").as_secs_f64() * 1000.0;
            let wall = r.wall.as_secs_f64() * 1000.0;
            eprintln!("{:?}: CPU {cpu:.0} ms, wall {wall:.0} ms", r.mode);
            assert!(wall >= 475.0, "{:?}: {wall:.0} ms of wall time", r.mode);
            (r.mode, cpu)
        })
        .collect()
}

/// `--task-ms 500`: each task is 500 ms of a core in every mode, within 5%
/// on a quiet machine and 10% beside other tests (the run's CPU also counts
/// starting its process, /proc counts in 10 ms ticks, and a shared cache
/// slows the loop).
#[test]
fn a_race_task_takes_its_length() {
    let _serial = serial();
    for (mode, cpu) in task_of_500_ms(engine()) {
        assert!(
            (475.0..=550.0).contains(&cpu),
            "{mode:?}: a task of 500 ms took {cpu:.0} ms of CPU"
        );
    }
}

/// The calibration finds the loop's fastest slices, and the loop runs
/// slower when the machine is busy: counted in turns, a task of 500 ms ran
/// 5 to 16% long. Counted in CPU time, a task keeps its length even when
/// the calibration is half as fast again as the loop.
#[test]
fn a_race_task_keeps_its_length_when_the_calibration_is_off() {
    let _serial = serial();
    let per_ms = proclab::lab::work::calibrate();
    let engine = Engine::new(lab_with(|c| c.iters_per_ms = Some(per_ms * 3 / 2)));
    for (mode, cpu) in task_of_500_ms(engine) {
        assert!(
            (475.0..=550.0).contains(&cpu),
            "{mode:?}: a task of 500 ms took {cpu:.0} ms of CPU"
        );
    }
}
