//! A worker killed inside each lock the labs share, through the app as the
//! user does it (the worker selected, `k`): the lab goes on, its log says
//! what happened, and the next user of the lock is not hung.
//!
//! "Inside" is made certain where the lock is a mutex: the worker is
//! stopped (SIGSTOP) at random moments until the mutex's own word names it
//! as the holder (glibc keeps the holder's thread id in the low 30 bits of
//! a robust mutex's lock word), and only then killed. The semaphore's
//! inside is holding a permit, the barrier's is waiting in `b.wait()`, the
//! manager's is serving, the GIL's is a thread holding it, the pool's is a
//! chunk taken.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use proclab::app::counter::CounterAction;
use proclab::app::gil::GilAction;
use proclab::app::pool::PoolAction;
use proclab::app::queue::QueueAction;
use proclab::app::sync::SyncAction;
use proclab::app::{self, Action, App, Effect, Machine, Settings, perform};
use proclab::cli::Cli;
use proclab::lab::comms::ring::Block;
use proclab::lab::counter::CounterSection;
use proclab::lab::engine::Engine;
use proclab::lab::gil::area::ThreadState;
use proclab::lab::pool::Outcome;
use proclab::lab::shm::SectionId;
use proclab::lab::{Lab, LabConfig, Role, Status, WorkerId};

use crate::common::{PATIENCE, PROCLAB};

/// The low 30 bits of a robust mutex's lock word: its holder's thread id
/// (the top two are FUTEX_WAITERS and FUTEX_OWNER_DIED).
const TID_MASK: u32 = 0x3fff_ffff;

/// proclab opened as `proclab ARGS`, without a terminal: the app, the
/// engine, and the loop's part in between.
struct Session {
    app: App,
    engine: Engine,
    started: Instant,
}

impl Session {
    fn open(args: &[&str]) -> Session {
        let cli = Cli::try_parse_from(std::iter::once("proclab").chain(args.iter().copied()))
            .expect("the flags parse");
        let start = cli.start_options();
        let config = LabConfig {
            max_workers: cli.max_workers as usize,
            defaults: start,
            pool_items: cli.items as usize,
            ..LabConfig::with_exe(PROCLAB)
        };
        let mut engine = Engine::new(Lab::new(config).expect("the engine starts"));
        let settings = Settings {
            start,
            auto_join: cli.auto_join,
            max_workers: cli.max_workers as usize,
        };
        let mut app = App::new(cli.lab, settings, Machine { cores: 2 });
        app::open(&mut app, &mut engine, &cli.startup(2)).expect("the lab opens");
        Session {
            app,
            engine,
            started: Instant::now(),
        }
    }

    /// An action, as a key press makes it, its effects performed.
    fn act(&mut self, action: Action) {
        self.app.now = self.started.elapsed();
        for effect in app::update(&mut self.app, action) {
            if !matches!(effect, Effect::Quit | Effect::Screenshot) {
                perform::perform(&mut self.app, &mut self.engine, effect);
            }
        }
    }

    /// Actions and ticks with a worker stopped inside a lock: each must
    /// come back at once, since proclab never waits on a lock a worker may
    /// hold. A hang would hang the test: a watchdog ends the process then.
    fn responsive(&mut self, actions: &[Action]) {
        for &action in actions {
            let _watch = Watchdog::arm(format!("{action:?} with a worker stopped inside the lock"));
            let start = Instant::now();
            self.act(action);
            self.tick();
            let took = start.elapsed();
            assert!(
                took < Duration::from_secs(2),
                "{action:?} took {took:?} with a worker stopped inside the lock"
            );
        }
    }

    /// `k` on worker `id`.
    fn kill(&mut self, id: WorkerId) {
        self.app.selected = Some(id);
        self.act(Action::Kill);
    }

    fn tick(&mut self) {
        self.app.now = self.started.elapsed();
        perform::tick(&mut self.app, &mut self.engine);
    }

    /// Ticks, as the loop does, until `cond` holds.
    fn until(&mut self, what: &str, mut cond: impl FnMut(&mut Session) -> bool) {
        let start = Instant::now();
        loop {
            self.tick();
            if cond(self) {
                return;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "gave up waiting for {what}; the log says:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn log(&self) -> String {
        self.app
            .log
            .entries()
            .map(|e| format!("{}  |  {}", e.python.as_deref().unwrap_or(""), e.text))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn said(&self, needle: &str) -> bool {
        self.app.log.entries().any(|e| e.text.contains(needle))
    }

    fn workers(&self, role: Role) -> Vec<WorkerId> {
        self.engine
            .lab
            .snapshot()
            .iter()
            .filter(|w| w.role == role && w.status.is_alive())
            .map(|w| w.id)
            .collect()
    }

    fn count(&self, id: WorkerId) -> (u64, u64) {
        let w = self.engine.lab.snapshot();
        let w = w.iter().find(|w| w.id == id).expect("a worker started");
        (w.tasks_done, w.aux)
    }

    /// Stops worker `id` inside the mutex whose lock word is `word`: the
    /// word is watched until it names the worker, the worker is stopped at
    /// once, and kept stopped if it still holds the mutex then (else it
    /// goes on and the watch goes on).
    fn stop_inside(&mut self, id: WorkerId, word: &AtomicU32) {
        let pid = self.engine.lab.pid(id).unwrap();
        let start = Instant::now();
        let mut tries = 0u64;
        loop {
            let mut spins = 0u32;
            while word.load(Ordering::SeqCst) & TID_MASK != pid {
                std::hint::spin_loop();
                spins += 1;
                if spins.is_multiple_of(4096) {
                    assert!(
                        start.elapsed() < PATIENCE,
                        "worker {id} never held the lock ({tries} stops too late)"
                    );
                    std::thread::yield_now();
                }
            }
            self.engine.lab.pause(id).unwrap();
            crate::common::wait_state(pid, "Tt");
            if word.load(Ordering::SeqCst) & TID_MASK == pid {
                println!("worker {id} stopped inside the lock after {tries} stops too late");
                return;
            }
            self.engine.lab.resume(id).unwrap();
            tries += 1;
        }
    }
}

/// Ends the whole test process if it is still armed after [`PATIENCE`]:
/// a call that hangs on a lock would otherwise hang the test run for ever.
struct Watchdog(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Watchdog {
    fn arm(what: String) -> Watchdog {
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = done.clone();
        std::thread::spawn(move || {
            let start = Instant::now();
            while start.elapsed() < PATIENCE {
                if flag.load(Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            eprintln!("hung for {PATIENCE:?}: {what}");
            std::process::abort();
        });
        Watchdog(done)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A robust mutex's lock word, at the start of the mutex, in the shared
/// region (which outlives every use here: the session holds it).
fn word_at<T>(mutex: &T) -> &'static AtomicU32 {
    // Safety: a pthread mutex starts with its 4-byte lock word, which the
    // kernel and glibc change atomically; reading it is what the kernel's
    // robust-list code does too. The region stays mapped while the
    // session lives, and each test uses the word only then.
    unsafe { &*(mutex as *const T).cast::<AtomicU32>() }
}

#[test]
fn a_worker_killed_inside_the_counter_lock_abandons_it_and_the_next_locker_goes_on() {
    let mut s = Session::open(&[
        "--lab",
        "counter",
        "--counter",
        "locked",
        "--slow",
        "--workers",
        "3",
    ]);
    let sec: &CounterSection = s.engine.lab.region().section(SectionId::Counter);
    let word = word_at(&sec.hot.lock);
    let mut holder = None;
    s.until("a worker inside the critical section", |s| {
        holder = s.engine.counter.view().lock.holder;
        holder.is_some()
    });
    let holder = holder.unwrap();
    let others: Vec<WorkerId> = s
        .workers(Role::Counter)
        .into_iter()
        .filter(|&id| id != holder)
        .collect();
    s.stop_inside(holder, word);
    // proclab itself never waits on the lock: it reads the lab, asks for
    // another run (refused: one is going), changes the next run's mode.
    s.responsive(&[
        Action::Counter(CounterAction::Run),
        Action::Counter(CounterAction::MoreWorkers),
        Action::Counter(CounterAction::FewerWorkers),
    ]);
    s.kill(holder);
    s.until("the abandoned lock told", |s| {
        s.said("inside its critical section: the lock was abandoned")
    });
    assert!(
        s.said("got EOWNERDEAD and marked it consistent"),
        "{}",
        s.log()
    );
    // The others take the lock again and finish their increments.
    s.until("the run to end", |s| !s.engine.counter.is_running());
    assert_eq!(others.len(), 2);
    for id in others {
        assert_eq!(s.count(id).1, 10, "worker {id} made all 10 increments");
    }
    // And a new run goes through the repaired lock, exact.
    let first = s.app.counter.last;
    s.act(Action::Counter(CounterAction::Run));
    s.until("the second run to end", |s| {
        !s.engine.counter.is_running() && s.app.counter.last != first
    });
    let last = s.app.counter.last.unwrap();
    assert_eq!(
        (last.value, last.done, last.failed),
        (30, 30, 0),
        "{last:?}"
    );
}

#[test]
fn a_manager_killed_while_it_serves_fails_its_proxies_and_the_next_run_has_a_new_one() {
    let mut s = Session::open(&[
        "--lab",
        "counter",
        "--counter",
        "manager",
        "--slow",
        "--workers",
        "2",
    ]);
    let mut manager = Vec::new();
    s.until("the manager and a worker at work", |s| {
        manager = s.workers(Role::Manager);
        let clients = s.workers(Role::Counter);
        !manager.is_empty() && clients.iter().any(|&c| s.count(c).1 > 0)
    });
    s.kill(manager[0]);
    s.until("the manager's end told", |s| {
        s.said("every proxy call now raises")
    });
    s.until("the run to end, not hang", |s| {
        !s.engine.counter.is_running()
    });
    // The next run starts its own manager and is exact.
    s.act(Action::Counter(CounterAction::Run));
    s.until("a new manager", |s| {
        s.workers(Role::Manager)
            .first()
            .is_some_and(|&m| m != manager[0])
    });
    s.until("the second run to end", |s| !s.engine.counter.is_running());
    let last = s.app.counter.last.expect("the run's result");
    assert_eq!(last.value, last.done, "{last:?}");
    assert_eq!(last.failed, 0, "{last:?}");
}

#[test]
fn a_worker_killed_inside_the_queue_lock_is_repaired_after_and_the_queue_goes_on() {
    let mut s = Session::open(&[
        "--lab",
        "queue",
        "--producers",
        "1",
        "--consumers",
        "2",
        "--producer-rate",
        "max",
        "--consumer-rate",
        "max",
    ]);
    let blocks: &[Block] = s.engine.lab.region().section_slice(SectionId::Queue);
    // The queue's ring starts at the section's second block, its header
    // (and lock) first.
    let word = word_at(&blocks[1]);
    s.until("items flowing", |s| {
        s.engine.queue.stats(&s.engine.lab).totals.head > 1000
    });
    let victim = s.workers(Role::Consumer)[0];
    s.stop_inside(victim, word);
    // proclab reads the queue, puts a sentinel, asks q.join(), starts a
    // consumer, all with the lock held by a stopped worker.
    s.responsive(&[
        Action::Queue(QueueAction::Sentinel),
        Action::Queue(QueueAction::Join),
        Action::Queue(QueueAction::AddConsumer),
        Action::Queue(QueueAction::ProducersSlower),
    ]);
    s.kill(victim);
    s.until("the repair told", |s| {
        s.said("a worker died holding the queue's lock: the next one got EOWNERDEAD")
    });
    let got = s.engine.queue.stats(&s.engine.lab).totals.head;
    s.until("the queue to go on", |s| {
        s.engine.queue.stats(&s.engine.lab).totals.head > got + 1000
    });
    let t = s.engine.queue.stats(&s.engine.lab).totals;
    assert!(t.consistent && t.balanced(), "{t:?}");
    assert_eq!(t.repaired, 1);
}

#[test]
fn a_worker_killed_holding_a_permit_takes_it_and_the_next_waiter_takes_the_other() {
    let mut s = Session::open(&[
        "--lab",
        "sync",
        "--workers",
        "3",
        "--permits",
        "2",
        "--parties",
        "3",
        "--task-ms",
        "300",
    ]);
    s.act(Action::Sync(SyncAction::ToggleEvent));
    let mut inside = Vec::new();
    s.until("two inside, one waiting on the semaphore", |s| {
        let v = s.engine.sync.view();
        inside = v.in_section.clone();
        inside.len() == 2 && v.at_semaphore.len() == 1
    });
    let entries = s.engine.sync.view().entries;
    s.kill(inside[0]);
    s.until("the lost permit told", |s| {
        s.said("holding a permit: it is never given back")
    });
    // The waiter gets in on the permit that is left.
    s.until("the waiter to get in", |s| {
        s.engine.sync.view().entries > entries
    });
    let v = s.engine.sync.view();
    assert_eq!((v.permits, v.lost), (2, 1), "{v:?}");
    // Two workers for Barrier(3): said, and lowering it lets them go round.
    s.until("the short barrier told", |s| {
        s.said("2 workers left for a barrier of 3: it never fills again")
    });
    s.act(Action::Sync(SyncAction::FewerParties));
    let rounds = s.engine.sync.view().rounds;
    s.until("rounds to go on", |s| {
        s.engine.sync.view().rounds > rounds + 1
    });
}

#[test]
fn a_worker_killed_in_the_barrier_hangs_it_for_the_others_until_they_are_ended_and_a_new_one_made()
{
    let mut s = Session::open(&[
        "--lab",
        "sync",
        "--workers",
        "3",
        "--permits",
        "1",
        "--parties",
        "3",
        "--task-ms",
        "200",
    ]);
    s.act(Action::Sync(SyncAction::ToggleEvent));
    let mut waiting = Vec::new();
    s.until("a worker waiting at the barrier", |s| {
        waiting = s.engine.sync.view().at_barrier.clone();
        !waiting.is_empty()
    });
    let victim = waiting[0];
    let rounds = s.engine.sync.view().rounds;
    s.kill(victim);
    s.until("the death at the barrier told", |s| {
        s.said("waiting at the barrier: its arrival counts, and the barrier hangs for good")
    });
    // As in CPython 3.11, the two left arrive and wait for ever: the dead
    // party's arrival counted, but nobody passes.
    let others: Vec<WorkerId> = s.workers(Role::Sync);
    assert_eq!(others.len(), 2, "{others:?}");
    s.until("both others waiting at the barrier", |s| {
        let v = s.engine.sync.view();
        others.iter().all(|id| v.at_barrier.contains(id))
    });
    let since = Instant::now();
    while since.elapsed() < Duration::from_millis(1500) {
        s.tick();
        std::thread::sleep(Duration::from_millis(20));
    }
    let v = s.engine.sync.view().clone();
    assert!(v.barrier_hung, "the lab says the barrier hangs: {v:?}");
    assert_eq!(v.rounds, rounds, "nobody passed the barrier: {v:?}");
    assert_eq!(v.at_barrier, others, "both still wait: {v:?}");
    // proclab itself does not hang: it answers at once, and a new barrier
    // is refused while live workers wait at the hung one.
    s.responsive(&[
        Action::Sync(SyncAction::FewerParties),
        Action::Sync(SyncAction::MoreParties),
    ]);
    assert!(
        s.said("end them (t, k) before making a new barrier"),
        "{}",
        s.log()
    );
    assert_eq!(s.engine.sync.view().parties, 3, "the hung barrier stays");
    // The user ends the waiters, makes a new barrier of 2 and starts two
    // workers: they go round it.
    for &id in &others {
        s.kill(id);
    }
    s.until("the waiters ended", |s| s.workers(Role::Sync).is_empty());
    s.act(Action::Sync(SyncAction::FewerParties));
    s.until("a new barrier of 2", |s| s.engine.sync.view().parties == 2);
    let renewed = s.engine.sync.view().rounds;
    s.act(Action::Sync(SyncAction::Start));
    s.act(Action::Sync(SyncAction::Start));
    s.until("rounds to go on at the new barrier", |s| {
        s.engine.sync.view().rounds > renewed + 1
    });
    assert!(!s.engine.sync.view().barrier_hung);
}

#[test]
fn an_interpreter_killed_while_a_thread_holds_the_gil_is_replaced_by_a_working_one() {
    let mut s = Session::open(&["--lab", "gil", "--mode", "threads", "--workers", "3"]);
    let mut interp = None;
    s.until("a thread holding the GIL", |s| {
        let snap = s.engine.gil.snapshot(&s.engine.lab);
        interp = snap
            .interactive
            .filter(|i| i.holder.is_some())
            .map(|i| i.id);
        interp.is_some()
    });
    let interp = interp.unwrap();
    s.engine.lab.pause(interp).unwrap();
    crate::common::wait_state(s.engine.lab.pid(interp).unwrap(), "Tt");
    let snap = s.engine.gil.snapshot(&s.engine.lab);
    let held = snap
        .interactive
        .is_some_and(|i| i.threads.iter().any(|t| t.state == ThreadState::Holding));
    assert!(held, "stopped with a thread holding the GIL");
    s.kill(interp);
    s.until("the interpreter's end told", |s| {
        s.said(&format!("worker {interp}"))
            && s.engine.lab.status(interp).is_ok_and(|st| !st.is_alive())
    });
    // A new thread needs a new interpreter, whose GIL is free.
    s.act(Action::Gil(GilAction::Add));
    s.until("the new thread to hold the GIL and work", |s| {
        let snap = s.engine.gil.snapshot(&s.engine.lab);
        snap.interactive.is_some_and(|i| {
            i.id != interp
                && i.threads
                    .iter()
                    .any(|t| t.state == ThreadState::Holding && t.tasks_done > 0)
        })
    });
}

#[test]
fn a_pool_worker_killed_inside_its_chunk_is_told_replaced_and_the_next_job_runs() {
    let mut s = Session::open(&[
        "--lab",
        "pool",
        "--workers",
        "2",
        "--items",
        "200",
        "--chunksize",
        "10",
        "--item-us",
        "3000",
        "--init-ms",
        "0",
    ]);
    s.act(Action::Pool(PoolAction::Run));
    let mut victim = None;
    s.until("a worker inside a chunk", |s| {
        victim = s
            .engine
            .lab
            .snapshot()
            .iter()
            .find(|w| w.role == Role::Pool && w.status.is_alive() && w.progress > 0.0)
            .map(|w| w.id);
        victim.is_some()
    });
    let victim = victim.unwrap();
    s.kill(victim);
    s.until("the lost chunk told", |s| s.said("lost with it"));
    s.until("its replacement told", |s| s.said("takes the place of"));
    s.until("the run to end", |s| !s.engine.pool.running());
    assert!(
        s.said("Python would hang here, proclab goes on"),
        "{}",
        s.log()
    );
    // The next job runs to its end on the repaired pool.
    s.act(Action::Pool(PoolAction::Run));
    s.until("the next job to finish", |s| {
        !s.engine.pool.running() && s.engine.pool.outcome() == Some(Outcome::Done)
    });
    assert!(
        !matches!(s.engine.lab.status(victim), Ok(Status::Alive { .. })),
        "the victim stays dead"
    );
}
