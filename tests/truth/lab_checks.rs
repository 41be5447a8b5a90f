//! The lab's side of the comparison: each [`LabCheck`] done with the
//! engine and real workers, read back as the JSON keys the witness of the
//! same action reports, so the two can be compared key by key.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use proclab::app::claims::LabCheck;
use proclab::lab::comms::Ends;
use proclab::lab::counter::{CounterEvent, CounterMode, RunResult, RunSpec};
use proclab::lab::engine::{Engine, EngineEvent};
use proclab::lab::pool::{ChunkChoice, Cost, JobSpec, Method, Outcome, PoolEvent};
use proclab::lab::queue::wait;
use proclab::lab::slot::Control;
use proclab::lab::{Role, StartOptions, Status, WorkerId, Workload};
use serde_json::{Value, json};

use super::common::*;

#[path = "pipe_checks.rs"]
mod pipe_checks;

/// What CPython's witness calls a hang: blocked this long.
pub(super) const HANG: Duration = Duration::from_millis(1500);

/// Runs the checks, a few at once; the racy counter alone at the end, as
/// its verdict is about workers that overlap.
pub fn run(checks: &[LabCheck]) -> HashMap<LabCheck, Value> {
    let (alone, together): (Vec<LabCheck>, Vec<LabCheck>) =
        checks.iter().partition(|&&c| c == LabCheck::CounterRacy);
    let out = Mutex::new(HashMap::new());
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                while let Some(&c) = together.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let v = check(c);
                    out.lock().unwrap().insert(c, v);
                }
            });
        }
    });
    let mut out = out.into_inner().unwrap();
    for c in alone {
        out.insert(c, check(c));
    }
    out
}

fn check(c: LabCheck) -> Value {
    match c {
        LabCheck::Start => start(),
        LabCheck::ExitReturn => json!({"exitcode": ended(Some(1))}),
        LabCheck::ExitRaise => json!({"exitcode": requested(Control::Raise)}),
        LabCheck::ExitSysExit => json!({"exitcode": requested(Control::Exit(3))}),
        LabCheck::Terminate => {
            json!({"exitcode": signalled(|e, id| { e.lab.terminate(id).unwrap(); })})
        }
        LabCheck::Kill => json!({"exitcode": signalled(|e, id| e.lab.kill(id).unwrap())}),
        LabCheck::PauseResume => pause_resume(),
        LabCheck::TerminateStopped => terminate_stopped(),
        LabCheck::KillStopped => kill_stopped(),
        LabCheck::Zombie => zombie(),
        LabCheck::JoinTimeout => join_timeout(),
        LabCheck::IsAliveReaps => is_alive_reaps(),
        LabCheck::AtExit => at_exit(),
        LabCheck::AtExitForever => at_exit_forever(),
        LabCheck::PipeEof => pipe_checks::pipe_eof(Ends::Closed),
        LabCheck::PipeEofOpen => pipe_checks::pipe_eof(Ends::Open),
        LabCheck::PipeBroken => pipe_checks::pipe_broken(Ends::Closed),
        LabCheck::PipeBrokenOpen => pipe_checks::pipe_broken(Ends::Open),
        LabCheck::PipelineSentinel => pipeline_sentinel(),
        LabCheck::PipelineEof => pipe_checks::pipeline_eof(Ends::Closed),
        LabCheck::PipelineEofOpen => pipe_checks::pipeline_eof(Ends::Open),
        LabCheck::PipelineBroken => pipe_checks::pipeline_broken(Ends::Closed),
        LabCheck::PipelineBrokenOpen => pipe_checks::pipeline_broken(Ends::Open),
        LabCheck::QueueShutdown => queue_shutdown(),
        LabCheck::QueueLost => queue_lost(),
        LabCheck::PoolChunks => pool_chunks(),
        LabCheck::PoolOrder => pool_order(),
        LabCheck::PoolKilled => pool_killed(Method::Map),
        LabCheck::ExecutorKilled => pool_killed(Method::Futures),
        LabCheck::PoolRetire => pool_retire(),
        LabCheck::ExecutorMaxTasks => executor_max_tasks(),
        LabCheck::PoolTerminated => pool_terminated(Method::Map),
        LabCheck::ExecutorTerminated => pool_terminated(Method::Futures),
        LabCheck::CounterRacy => counter_racy(),
        LabCheck::CounterLocked => counter_exact(CounterMode::Locked, 100_000),
        LabCheck::CounterManager => counter_exact(CounterMode::Manager, 2_000),
        LabCheck::CounterManagerLost => counter_manager_lost(),
        LabCheck::SemaphoreLimit => semaphore_limit(),
        LabCheck::SemaphoreHolderKilled => semaphore_holder_killed(),
        LabCheck::BarrierMissing => barrier_missing(),
        LabCheck::BarrierDeadWaiter => barrier_dead_waiter(),
    }
}

/// An engine whose busy loop is measured, so a task of N ms takes N ms.
pub(super) fn engine() -> Engine {
    Engine::new(lab_with(|c| c.pool_items = 5_000))
}

pub(super) fn exitcode(e: &Engine, id: WorkerId) -> Option<i32> {
    e.lab.status(id).ok().and_then(Status::exitcode)
}

fn state_of(e: &Engine, id: WorkerId) -> Value {
    e.lab
        .pid(id)
        .ok()
        .and_then(state)
        .map_or(Value::Null, |c| json!(c.to_string()))
}

/// Polls the engine until `cond` holds, collecting its events.
pub(super) fn until(
    e: &mut Engine,
    what: &str,
    mut cond: impl FnMut(&mut Engine) -> bool,
) -> Vec<EngineEvent> {
    let start = Instant::now();
    let mut events = Vec::new();
    loop {
        events.extend(e.poll());
        if cond(e) {
            return events;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "the lab: gave up waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Polls for `d`, collecting events.
pub(super) fn watch(e: &mut Engine, d: Duration) -> Vec<EngineEvent> {
    let end = Instant::now() + d;
    let mut events = Vec::new();
    while Instant::now() < end {
        events.extend(e.poll());
        std::thread::sleep(Duration::from_millis(5));
    }
    events
}

fn running(e: &mut Engine) -> WorkerId {
    let id = e.lab.start_with(forever()).unwrap();
    wait_state(e.lab.pid(id).unwrap(), "R");
    id
}

fn start() -> Value {
    let mut e = engine();
    let id = e.lab.start_with(forever()).unwrap();
    let v =
        json!({"is_alive": e.lab.is_alive(id).unwrap(), "exitcode": e.lab.exitcode(id).unwrap()});
    e.lab.kill(id).unwrap();
    v
}

/// A worker that returns after `tasks` tasks; its exitcode once joined.
fn ended(tasks: Option<u64>) -> Option<i32> {
    let mut e = engine();
    let id = e
        .lab
        .start_with(StartOptions {
            tasks,
            task_ms: 20,
            ..forever()
        })
        .unwrap();
    e.lab.join(id, Some(PATIENCE)).unwrap()
}

fn requested(control: Control) -> Option<i32> {
    let mut e = engine();
    let id = running(&mut e);
    e.lab.request(id, control).unwrap();
    e.lab.join(id, Some(PATIENCE)).unwrap()
}

fn signalled(send: impl Fn(&mut Engine, WorkerId)) -> Option<i32> {
    let mut e = engine();
    let id = running(&mut e);
    send(&mut e, id);
    e.lab.join(id, Some(PATIENCE)).unwrap()
}

fn paused(e: &mut Engine) -> WorkerId {
    let id = running(e);
    e.lab.pause(id).unwrap();
    wait_state(e.lab.pid(id).unwrap(), "T");
    id
}

fn pause_resume() -> Value {
    let mut e = engine();
    let id = paused(&mut e);
    let stopped = state_of(&e, id);
    let alive = e.lab.is_alive(id).unwrap();
    let joined = e.lab.join(id, Some(Duration::from_millis(300))).unwrap();
    let still = e.lab.is_alive(id).unwrap();
    e.lab.resume(id).unwrap();
    let pid = e.lab.pid(id).unwrap();
    wait_state(pid, "RS");
    let v = json!({"stopped": stopped, "is_alive_stopped": alive, "join_timeout_returns": joined,
        "alive_after_join_timeout": still, "runs_again": true});
    e.lab.kill(id).unwrap();
    v
}

fn terminate_stopped() -> Value {
    let mut e = engine();
    let id = paused(&mut e);
    e.lab.terminate(id).unwrap();
    e.lab.join(id, Some(HANG)).unwrap();
    let before = json!({"is_alive": e.lab.is_alive(id).unwrap(), "state": state_of(&e, id), "exitcode": exitcode(&e, id)});
    if e.lab.is_alive(id).unwrap() {
        e.lab.resume(id).unwrap();
    }
    json!({"before_sigcont": before, "exitcode": e.lab.join(id, Some(PATIENCE)).unwrap()})
}

fn kill_stopped() -> Value {
    let mut e = engine();
    let id = paused(&mut e);
    e.lab.kill(id).unwrap();
    json!({"exitcode": e.lab.join(id, Some(HANG)).unwrap()})
}

/// A worker that has ended and that nobody has joined.
fn zombie_of(e: &mut Engine) -> WorkerId {
    let id = e
        .lab
        .start_with(StartOptions {
            tasks: Some(1),
            task_ms: 20,
            ..forever()
        })
        .unwrap();
    let pid = e.lab.pid(id).unwrap();
    wait_state(pid, "Z");
    id
}

fn zombie() -> Value {
    let mut e = engine();
    let id = zombie_of(&mut e);
    let z = state_of(&e, id);
    std::thread::sleep(Duration::from_millis(300));
    e.poll();
    let later = state_of(&e, id);
    e.lab.join(id, Some(PATIENCE)).unwrap();
    let after = state_of(&e, id);
    json!({"state": z, "state_later": later, "before": later, "after_join": after, "after": after})
}

fn join_timeout() -> Value {
    let mut e = engine();
    let id = running(&mut e);
    let r = e.lab.join(id, Some(Duration::from_millis(200))).unwrap();
    let v = json!({"join_timeout_returns": r,
        "after_join_timeout": {"is_alive": e.lab.is_alive(id).unwrap(), "exitcode": e.lab.exitcode(id).unwrap()}});
    e.lab.kill(id).unwrap();
    v
}

fn is_alive_reaps() -> Value {
    let mut e = engine();
    let id = zombie_of(&mut e);
    let before = state_of(&e, id);
    let r = e.lab.is_alive(id).unwrap();
    json!({"before": before, "returns": r, "after": state_of(&e, id)})
}

/// A daemon and a non-daemon worker (a sleeper that ends by itself in
/// 0.8 s, or never).
fn exit_pair(e: &mut Engine, worker_tasks: Option<u64>) -> (WorkerId, WorkerId) {
    let daemon = e
        .lab
        .start_with(StartOptions {
            daemon: true,
            ..forever()
        })
        .unwrap();
    let worker = e
        .lab
        .start_with(StartOptions {
            tasks: worker_tasks,
            task_ms: 800,
            workload: Workload::Io,
            ..forever()
        })
        .unwrap();
    wait_state(e.lab.pid(worker).unwrap(), "S");
    (daemon, worker)
}

/// Quit as the app does: the exit begins (daemons get SIGTERM), the app
/// waits for the workers it names, then shuts down.
fn at_exit() -> Value {
    let mut e = engine();
    let (daemon, worker) = exit_pair(&mut e, Some(1));
    let begun = e.begin_exit();
    let mut order = Vec::new();
    until(&mut e, "the waited-for workers to end", |e| {
        for id in [daemon, worker] {
            if exitcode(e, id).is_some() && !order.contains(&id) {
                order.push(id);
            }
        }
        begun.waited.iter().all(|&id| exitcode(e, id).is_some())
    });
    e.shutdown(proclab::lab::SHUTDOWN_GRACE);
    json!({"parent_exit": 0, "daemon_got_sigterm": exitcode(&e, daemon) == Some(-15),
        "sigterm_at_the_end": begun.daemons == [daemon],
        "parent_waited_for_the_worker": begun.waited == [worker] && exitcode(&e, worker) == Some(0),
        "daemon_ended_before_the_worker": order == [daemon, worker]})
}

/// The same with a worker that never ends: the exit waits for it.
fn at_exit_forever() -> Value {
    let mut e = engine();
    let (daemon, worker) = exit_pair(&mut e, None);
    let begun = e.begin_exit();
    watch(&mut e, HANG);
    let v = json!({"parent_exit": if begun.waited.is_empty() { json!(0) } else { json!("hang") },
        "daemon_got_sigterm": exitcode(&e, daemon) == Some(-15),
        "worker_state_while_parent_waits": state_of(&e, worker)});
    e.shutdown(proclab::lab::SHUTDOWN_GRACE);
    v
}

fn pipeline_sentinel() -> Value {
    let mut e = engine();
    let ids = e.pipeline.start(&mut e.lab, Some(40)).unwrap();
    until(&mut e, "the stages to end", |e| {
        ids.iter().all(|&id| exitcode(e, id).is_some())
    });
    json!({"exitcodes": ids.iter().map(|&id| exitcode(&e, id)).collect::<Vec<_>>()})
}

fn queue_shutdown() -> Value {
    let mut e = engine();
    e.queue.set_rates(&e.lab, 200, 0);
    let producer = e.queue.add_producer(&mut e.lab, None).unwrap();
    let consumers = [
        e.queue.add_consumer(&mut e.lab).unwrap(),
        e.queue.add_consumer(&mut e.lab).unwrap(),
    ];
    watch(&mut e, Duration::from_millis(200));
    e.queue.begin_shutdown(&mut e.lab);
    until(&mut e, "the shutdown", |e| {
        consumers
            .iter()
            .chain([&producer])
            .all(|&id| exitcode(e, id).is_some())
    });
    let t = e.queue.stats(&e.lab).totals;
    json!({"producer_exit": exitcode(&e, producer),
        "consumer_exits": consumers.iter().map(|&c| exitcode(&e, c)).collect::<Vec<_>>(),
        "every_item_once": t.balanced() && t.lost == 0 && t.done > 0,
        "join": if t.unfinished() == 0 { "returned" } else { "hang" }})
}

/// Three items; a consumer terminated while it works on the first; a
/// second consumer and a sentinel.
fn queue_lost() -> Value {
    let mut e = engine();
    e.queue.set_rates(&e.lab, 0, 1);
    let p = e.queue.add_producer(&mut e.lab, Some(3)).unwrap();
    let c = e.queue.add_consumer(&mut e.lab).unwrap();
    until(&mut e, "the consumer to work on an item", |e| {
        e.lab
            .snapshot()
            .iter()
            .any(|w| w.id == c && w.wait == wait::WORK)
            && exitcode(e, p) == Some(0)
    });
    e.lab.terminate(c).unwrap();
    until(&mut e, "the loss", |e| {
        e.queue.stats(&e.lab).totals.lost > 0
    });
    e.queue.set_rates(&e.lab, 0, 0);
    let other = e.queue.add_consumer(&mut e.lab).unwrap();
    e.queue.send_sentinel(&mut e.lab);
    until(&mut e, "the other consumer to end", |e| {
        exitcode(e, other).is_some()
    });
    let t = e.queue.stats(&e.lab).totals;
    let others_done = e
        .lab
        .snapshot()
        .iter()
        .find(|w| w.id == other)
        .map_or(0, |w| w.tasks_done);
    json!({"others_done": others_done, "consumer_exit": exitcode(&e, other),
        "join": if t.unfinished() == 0 { "returned" } else { "hang" }})
}

fn job(method: Method, items: u32, chunk: ChunkChoice, workers: u32) -> JobSpec {
    JobSpec {
        method,
        items,
        chunk,
        workers,
        maxtasks: None,
        cost: Cost::Uniform,
        item_us: 0,
        init_ms: 0,
    }
}

fn pool_chunks() -> Value {
    let mut chunks = serde_json::Map::new();
    for (items, workers) in [(10, 2), (100, 2), (400, 2), (2000, 2), (2000, 3), (7, 4)] {
        let s = job(Method::Map, items, ChunkChoice::Default, workers);
        let sizes: Vec<usize> = (0..s.n_chunks()).map(|c| s.chunk_items(c).len()).collect();
        chunks.insert(format!("{items}x{workers}"), json!(sizes));
    }
    json!({"chunks": chunks})
}

fn run_job(e: &mut Engine, spec: JobSpec) -> (Outcome, Vec<(u32, u64)>) {
    e.pool.submit(&mut e.lab, spec).expect("the job starts");
    assert!(
        e.pool.wait_for(&mut e.lab, PATIENCE, |c| !c.running()),
        "the lab's run did not end"
    );
    let mut got = Vec::new();
    e.pool.drain(&e.lab, &mut got);
    (e.pool.outcome().unwrap(), got)
}

fn pool_order() -> Value {
    let mut e = engine();
    let (_, map) = run_job(&mut e, job(Method::Map, 6, ChunkChoice::Default, 2));
    let (_, imap) = run_job(&mut e, job(Method::Imap, 6, ChunkChoice::Default, 2));
    let values = |got: &[(u32, u64)]| got.iter().map(|&(_, r)| r).collect::<Vec<_>>();
    json!({"map": values(&map), "imap": values(&imap)})
}

/// A slow job; the worker inside a chunk is killed.
fn pool_killed(method: Method) -> Value {
    let mut e = engine();
    let spec = JobSpec {
        item_us: 2_000,
        ..job(method, 400, ChunkChoice::Fixed(50), 2)
    };
    e.pool.submit(&mut e.lab, spec).unwrap();
    let mut victim = None;
    wait_until("a pool worker inside a chunk", || {
        victim = e
            .pool
            .run_now(&e.lab)
            .and_then(|now| now.in_flight.first().map(|f| f.serial));
        victim.is_some()
    });
    let id = e.pool.worker_ids()[(victim.unwrap() - 1) as usize];
    e.lab.kill(id).unwrap();
    assert!(
        e.pool.wait_for(&mut e.lab, PATIENCE, |c| !c.running()),
        "the lab hung on a lost chunk"
    );
    let events = e.pool.take_events();
    let replaced = events
        .iter()
        .any(|ev| matches!(ev, PoolEvent::Replaced { .. }));
    match e.pool.outcome() {
        Some(Outcome::Hung) => json!({"map": "hang", "worker_replaced": replaced}),
        Some(Outcome::Broken) => json!({"result": ["BrokenProcessPool"]}),
        other => json!({"map": format!("{other:?}"), "result": [format!("{other:?}")]}),
    }
}

/// A slow job, its pool terminated (Esc) while the workers are inside
/// their chunks.
fn pool_terminated(method: Method) -> Value {
    let mut e = engine();
    let spec = JobSpec {
        item_us: 2_000,
        ..job(method, 400, ChunkChoice::Fixed(50), 2)
    };
    e.pool.submit(&mut e.lab, spec).unwrap();
    wait_until("both workers inside a chunk", || {
        e.pool
            .run_now(&e.lab)
            .is_some_and(|now| now.in_flight.len() == 2)
    });
    let ids = e.pool.worker_ids();
    assert!(e.pool.terminate(&mut e.lab));
    assert!(
        e.pool.wait_for(&mut e.lab, PATIENCE, |c| !c.running()),
        "the run went on after terminate"
    );
    let events = e.pool.take_events();
    let mut codes: Vec<i32> = ids
        .iter()
        .map(|&id| {
            wait_until("the worker joined", || {
                e.lab.poll();
                matches!(e.lab.status(id), Ok(Status::Joined(_)))
            });
            e.lab.status(id).unwrap().exitcode().unwrap()
        })
        .collect();
    codes.dedup();
    let terminated = events
        .iter()
        .any(|ev| matches!(ev, PoolEvent::Terminated { run: Some(_), .. }));
    // What the caller has: the whole list (ready), or never (a get hangs).
    let ready = e.pool.results(&e.lab).is_some();
    match e.pool.outcome() {
        Some(Outcome::Terminated) if terminated => {
            json!({"exitcodes": codes, "ready": ready, "get": if ready { "results" } else { "hang" }})
        }
        Some(Outcome::Broken) => json!({"exitcodes": codes, "pending": ["BrokenProcessPool"]}),
        other => json!({"exitcodes": codes, "outcome": format!("{other:?}")}),
    }
}

fn pool_retire() -> Value {
    let mut e = engine();
    let spec = JobSpec {
        maxtasks: Some(5),
        ..job(Method::Map, 20, ChunkChoice::Fixed(1), 2)
    };
    let (outcome, _) = run_job(&mut e, spec);
    assert_eq!(outcome, Outcome::Done);
    let pool: Vec<_> = e
        .lab
        .snapshot()
        .into_iter()
        .filter(|w| w.role == Role::Pool && w.tasks_done > 0)
        .collect();
    let most = pool.iter().map(|w| w.tasks_done).max();
    let mut retired: Vec<i32> = pool
        .iter()
        .filter_map(|w| match w.status {
            Status::Joined(c) | Status::Exited(c) => Some(c),
            Status::Alive { .. } => None,
        })
        .collect();
    retired.dedup();
    json!({"most_tasks_per_process": most, "four_processes_at_least": pool.len() >= 4,
        "retired_exitcodes": retired})
}

fn executor_max_tasks() -> Value {
    let mut e = engine();
    let spec = JobSpec {
        maxtasks: Some(5),
        ..job(Method::Futures, 20, ChunkChoice::Default, 2)
    };
    let (outcome, got) = run_job(&mut e, spec);
    let outcome = if outcome == Outcome::Done {
        "returned"
    } else {
        "hang"
    };
    json!({"5": {"results": got.len(), "outcome": outcome}})
}

fn counter_run(e: &mut Engine, spec: RunSpec) -> RunResult {
    e.counter.start_run(&mut e.lab, spec).unwrap();
    let start = Instant::now();
    loop {
        for ev in e.poll() {
            if let EngineEvent::Counter(CounterEvent::RunFinished(r)) = ev {
                return r;
            }
        }
        assert!(
            start.elapsed() < PATIENCE * 3,
            "the lab's counter run did not end"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn spec(mode: CounterMode, increments: u64) -> RunSpec {
    RunSpec {
        mode,
        workers: 2,
        increments,
        slow: false,
    }
}

/// Three runs with the defaults (2 x 1,000,000).
fn counter_racy() -> Value {
    let mut e = Engine::new(lab());
    let losses: Vec<i64> = (0..3)
        .map(|_| {
            counter_run(
                &mut e,
                spec(CounterMode::Racy, proclab::lab::counter::DEFAULT_INCREMENTS),
            )
            .lost
        })
        .collect();
    let mut distinct = losses.clone();
    distinct.sort();
    distinct.dedup();
    json!({"every_run_lost": losses.iter().all(|&l| l > 0), "losses_vary": distinct.len() > 1,
        "lab_losses": losses})
}

fn counter_exact(mode: CounterMode, increments: u64) -> Value {
    let mut e = engine();
    let r = counter_run(&mut e, spec(mode, increments));
    json!({"lost": r.lost})
}

fn counter_manager_lost() -> Value {
    let mut e = engine();
    let started = e
        .counter
        .start_run(&mut e.lab, spec(CounterMode::Manager, 100_000_000))
        .unwrap();
    until(&mut e, "increments to flow", |e| {
        e.counter.view().run.is_some_and(|r| r.done > 100)
    });
    e.lab.kill(started.manager.unwrap()).unwrap();
    let client = started.clients[0];
    until(&mut e, "the clients to end", |e| {
        exitcode(e, client).is_some()
    });
    json!({"exitcode": exitcode(&e, client)})
}

fn sync_engine(permits: u32, parties: u32) -> Engine {
    let mut e = engine();
    e.sync.set_permits(&e.lab, permits).unwrap();
    e.sync.set_parties(&e.lab, parties).unwrap();
    e
}

fn semaphore_limit() -> Value {
    let mut e = sync_engine(2, 4);
    for _ in 0..4 {
        e.sync.start_worker(&mut e.lab, 50).unwrap();
    }
    e.sync.set_event(&e.lab, true).unwrap();
    until(&mut e, "twenty entries", |e| e.sync.view().entries >= 20);
    json!({"most_inside": e.sync.view().most_inside})
}

fn semaphore_holder_killed() -> Value {
    let mut e = sync_engine(1, 3);
    e.sync.start_worker(&mut e.lab, 5_000).unwrap();
    e.sync.start_worker(&mut e.lab, 5_000).unwrap();
    e.sync.set_event(&e.lab, true).unwrap();
    let mut inside = None;
    until(&mut e, "a worker inside", |e| {
        inside = e.sync.view().in_section.first().copied();
        inside.is_some()
    });
    let victim = inside.unwrap();
    e.lab.kill(victim).unwrap();
    watch(&mut e, HANG);
    let next = if e.sync.view().in_section.is_empty() {
        "hang"
    } else {
        "got it"
    };
    json!({"next_acquire": next})
}

/// Barrier(3), with only the workers given at it.
fn at_barrier(e: &mut Engine, n: usize) -> Vec<WorkerId> {
    let ids: Vec<WorkerId> = (0..n)
        .map(|_| e.sync.start_worker(&mut e.lab, 0).unwrap())
        .collect();
    e.sync.set_event(&e.lab, true).unwrap();
    ids
}

fn barrier_missing() -> Value {
    let mut e = sync_engine(5, 3);
    let ids = at_barrier(&mut e, 2);
    until(&mut e, "both at the barrier", |e| {
        e.sync.view().at_barrier.len() == 2
    });
    watch(&mut e, HANG);
    let waiters: Vec<&str> = ids
        .iter()
        .map(|id| {
            if e.sync.view().at_barrier.contains(id) {
                "hang"
            } else {
                "passed"
            }
        })
        .collect();
    json!({"waiters": waiters})
}

fn barrier_dead_waiter() -> Value {
    let mut e = sync_engine(5, 3);
    let first = at_barrier(&mut e, 1)[0];
    until(&mut e, "the first at the barrier", |e| {
        e.sync.view().at_barrier == [first]
    });
    e.lab.kill(first).unwrap();
    // The witness joins it before starting the others.
    until(&mut e, "the dead party seen", |e| {
        e.sync.view().barrier_hung
    });
    let rounds = e.sync.view().rounds;
    let others: Vec<WorkerId> = (0..2)
        .map(|_| e.sync.start_worker(&mut e.lab, 0).unwrap())
        .collect();
    watch(&mut e, HANG);
    let passed = e.sync.view().rounds > rounds;
    let others: Vec<&str> = others
        .iter()
        .map(|_| if passed { "passed" } else { "hang" })
        .collect();
    json!({"others": others})
}
