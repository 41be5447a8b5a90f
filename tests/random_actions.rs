//! Random actions through `update` against a real engine, in every lab:
//! no panic, and after every step the invariants hold (the selection names
//! a worker shown, the counts add up and match the engine, every worker
//! not joined is a child of this process and every child is one of them
//! or a process of the program or the cluster the engine runs,
//! no more workers than the cap); after each session, nothing is left.
//!
//! The actions are every action with a name (`Action::names()`: the
//! dashboard's table and every lab's, from the registry), so a new lab's
//! actions join by themselves, plus mouse clicks through the hit test. An
//! action's effects go to the real engine through `perform`, as the event
//! loop sends them; `Quit` and a chosen lesson end the session (the engine
//! is shut down and checked, and a new one opens on another lab).
//!
//! ```text
//! cargo test --test random_actions                               # a short run
//! PROCLAB_RANDOM_ACTIONS=100000 cargo test --release --test random_actions -- --nocapture
//! ```
//!
//! Its own test binary: it counts this process's children.

mod common;

use std::cell::Cell;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use clap::Parser;
use common::procs::{self, Proc};
use proclab::app::{self, Action, App, Effect, LabId, Machine, Settings, perform};
use proclab::cli::Cli;
use proclab::lab::engine::Engine;
use proclab::lab::{Lab, LabConfig, Status};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// Actions in one case: one session or a few, ended by `Quit`.
const STEPS: usize = 400;
/// Actions in a plain `cargo test` run.
const DEFAULT_ACTIONS: usize = 1_000;
/// A cap low enough that random spawning keeps the machine usable.
const MAX_WORKERS: &str = "10";
/// How often (in steps) the children of this process are counted.
const COUNT_EVERY: usize = 25;

/// One thing the user (or time) does.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// The n-th action of [`actions`].
    Act(usize),
    /// A click at a fraction of the screen's width and height (per mille).
    Click(u16, u16),
    /// The loop's tick: the engine is looked at.
    Tick,
    /// Time passes: workers run, end, are reported.
    Wait(u8),
    /// `q`: the session ends and a new one opens.
    Quit,
    /// A frame drawn into a screen of this size.
    Draw(u16, u16),
}

/// Every action a key or a config file can name but `Quit` (a step of its
/// own, rarer, so that sessions last), then clicks on rows.
fn actions() -> Vec<Action> {
    let mut all: Vec<Action> = Action::names()
        .map(|n| Action::from_name(n).expect("a name the table gave"))
        .filter(|&a| a != Action::Quit)
        .collect();
    all.extend((0..12).map(Action::SelectRow));
    all
}

fn step(n_actions: usize) -> impl Strategy<Value = Step> {
    // About one quit in a case: a session lives a few hundred steps.
    prop_oneof![
        320 => (0..n_actions).prop_map(Step::Act),
        16 => (0u16..1000, 0u16..1000).prop_map(|(x, y)| Step::Click(x, y)),
        32 => Just(Step::Tick),
        20 => (1u8..60).prop_map(Step::Wait),
        24 => (1u16..=250, 1u16..=80).prop_map(|(w, h)| Step::Draw(w, h)),
        1 => Just(Step::Quit),
    ]
}

/// One session: the app and the engine as `proclab --lab NAME` opens them.
struct Session {
    app: App,
    engine: Engine,
    started: Instant,
    /// The terminal's size, as last drawn.
    area: Rect,
    /// Every worker process seen, by pid.
    seen: HashMap<u32, Proc>,
}

impl Session {
    fn open(lab: LabId) -> Session {
        let cli = Cli::try_parse_from([
            "proclab",
            "--lab",
            lab.name(),
            "--max-workers",
            MAX_WORKERS,
            "--workload",
            "io",
        ])
        .expect("the flags parse");
        let start = cli.start_options();
        let config = LabConfig {
            max_workers: cli.max_workers as usize,
            auto_join: cli.auto_join,
            defaults: start,
            pool_items: cli.items as usize,
            ..LabConfig::with_exe(common::PROCLAB)
        };
        let mut engine = Engine::new(Lab::new(config).expect("the engine starts"));
        let settings = Settings {
            start,
            auto_join: cli.auto_join,
            max_workers: cli.max_workers as usize,
        };
        let mut app = App::new(lab, settings, Machine { cores: 2 });
        app.catalogue = proclab::script::lesson::catalogue();
        app::open(&mut app, &mut engine, &cli.startup(2)).expect("the lab opens");
        Session {
            app,
            engine,
            started: Instant::now(),
            area: Rect::new(0, 0, 120, 36),
            seen: HashMap::new(),
        }
    }

    /// Draws a frame, as the loop does, into a screen of the last size.
    fn draw(&mut self) -> proclab::ui::AppLayout {
        let layout = proclab::ui::layout(self.area, &self.app);
        let mut buf = Buffer::empty(self.area);
        proclab::ui::render_buffer(&self.app, &layout, &mut buf);
        layout
    }

    /// Carries out an action as the loop does; returns whether the session
    /// ended.
    fn act(&mut self, action: Action) -> bool {
        self.app.now = self.started.elapsed();
        let mut ended = false;
        for effect in app::update(&mut self.app, action) {
            match effect {
                Effect::Quit | Effect::StartLesson(_) => ended = true,
                Effect::Screenshot => {
                    self.draw();
                }
                other => perform::perform(&mut self.app, &mut self.engine, other),
            }
        }
        ended
    }

    fn tick(&mut self) {
        self.app.now = self.started.elapsed();
        perform::tick(&mut self.app, &mut self.engine);
    }

    /// Plays one step; returns whether the session ended.
    fn play(&mut self, step: Step, all: &[Action]) -> bool {
        match step {
            Step::Act(i) => return self.act(all[i]),
            Step::Quit => return self.act(Action::Quit),
            Step::Click(x, y) => {
                let layout = self.draw();
                let x = (u32::from(self.area.width) * u32::from(x) / 1000) as u16;
                let y = (u32::from(self.area.height) * u32::from(y) / 1000) as u16;
                if let Some(action) = proclab::ui::hit_test(&self.app, &layout, x, y) {
                    return self.act(action);
                }
            }
            Step::Tick => self.tick(),
            Step::Wait(ms) => {
                std::thread::sleep(Duration::from_millis(u64::from(ms)));
                self.tick();
            }
            Step::Draw(w, h) => {
                self.area = Rect::new(0, 0, w, h);
                self.draw();
            }
        }
        false
    }

    /// What must hold after every step.
    fn check(&self, at: usize) -> Result<(), String> {
        let app = &self.app;
        match app.selected {
            Some(id) if !app.workers.iter().any(|w| w.id == id) => {
                return Err(format!("step {at}: worker {id} selected, not in the table"));
            }
            None if !app.workers.is_empty() => {
                return Err(format!("step {at}: workers shown, none selected"));
            }
            _ => {}
        }
        let c = app.counts();
        if c.alive + c.zombies + c.joined != app.workers.len() || c.paused > c.alive {
            return Err(format!(
                "step {at}: counts {c:?} for {} workers",
                app.workers.len()
            ));
        }
        if c.alive + c.zombies > app.settings.max_workers {
            return Err(format!("step {at}: {c:?} above the cap"));
        }
        // The table shows what the engine holds (figures move; who and
        // in which state do not between two looks).
        let shown: Vec<(u32, Status)> = app.workers.iter().map(|w| (w.id, w.status)).collect();
        let held: Vec<(u32, Status)> = self
            .engine
            .lab
            .snapshot()
            .iter()
            .map(|w| (w.id, w.status))
            .collect();
        if shown != held {
            return Err(format!(
                "step {at}: the table shows {shown:?}, the engine holds {held:?}"
            ));
        }
        if !app.tabs().contains(&app.lab) {
            return Err(format!("step {at}: {:?} shown, not in the tabs", app.lab));
        }
        Ok(())
    }

    /// Every worker not joined is a child of this process, and every child
    /// is one of them.
    fn count_children(&mut self, at: usize) -> Result<(), String> {
        let me = std::process::id();
        let children = procs::children_of(me);
        // Read after the children: a worker started in between is in both.
        let workers = self.engine.lab.snapshot();
        let not_joined: Vec<u32> = workers
            .iter()
            .filter(|w| !matches!(w.status, Status::Joined(_)))
            .map(|w| w.pid)
            .collect();
        for child in &children {
            if !not_joined.contains(&child.pid) && !self.lab_process(child) {
                let comm = std::fs::read_to_string(format!("/proc/{}/comm", child.pid))
                    .unwrap_or_default();
                return Err(format!(
                    "step {at}: child {child:?} ({}) is no worker the engine holds ({workers:?}), \
                     nor a process of the program it runs or of its cluster",
                    comm.trim()
                ));
            }
            self.seen.entry(child.pid).or_insert(*child);
        }
        for pid in not_joined {
            let p = procs::read(pid).filter(|p| p.ppid == me);
            match p {
                Some(p) => {
                    self.seen.entry(pid).or_insert(p);
                }
                None => return Err(format!("step {at}: worker pid {pid} is not our child")),
            }
        }
        Ok(())
    }

    /// Whether `child`, not a worker, is one the engine holds otherwise: a
    /// process of the program the run lab started (in its process group),
    /// or, while the cluster lab is open or checking what it needs, its
    /// redis-server, its nodes or a probe. Each must be gone after the
    /// shutdown as a worker must.
    fn lab_process(&self, child: &Proc) -> bool {
        let group = self
            .engine
            .run
            .program()
            .filter(|p| p.is_owned())
            .and_then(|p| p.scope().group);
        let pgid = rustix::process::getpgid(rustix::process::Pid::from_raw(child.pid as i32))
            .ok()
            .map(|g| g.as_raw_nonzero().get() as u32);
        let in_program = group.is_some_and(|g| pgid == Some(g));
        let cluster = self.engine.cluster.lab().is_some() || self.engine.cluster.checking();
        in_program || cluster
    }

    /// Shuts the engine down, as quitting does; nothing may be left.
    fn close(mut self) -> Result<usize, String> {
        self.count_children(usize::MAX)?;
        // The run lab makes this process the subreaper of what it starts,
        // so a process of a program or of a cluster that ends a moment
        // after the shutdown (a Celery node's pool, forked as the node was
        // stopped) comes to it as a zombie. Proclab exits then, and init
        // reaps it; here this process does, once it is dead. One still
        // running is left behind.
        let adopting = self.engine.run.is_watching()
            || self.engine.cluster.lab().is_some()
            || self.engine.cluster.checking();
        self.engine.shutdown(proclab::lab::SHUTDOWN_GRACE);
        let me = std::process::id();
        if adopting {
            let deadline = Instant::now() + common::PATIENCE;
            let mut quiet_since = Instant::now();
            while quiet_since.elapsed() < Duration::from_millis(500) && Instant::now() < deadline {
                for dead in procs::children_of(me).iter().filter(|c| c.state == 'Z') {
                    let pid = rustix::process::Pid::from_raw(dead.pid as i32).unwrap();
                    let _ =
                        rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::NOHANG);
                    quiet_since = Instant::now();
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let left = procs::children_of(me);
        if !left.is_empty() {
            return Err(format!("left behind after shutdown: {left:?}"));
        }
        if let Some(p) = self.seen.values().find(|p| procs::still_there(p)) {
            return Err(format!("worker {p:?} outlived the shutdown"));
        }
        Ok(self.seen.len())
    }
}

/// Plays `steps`, opening sessions on `labs` in turn; returns the workers
/// seen.
fn play(labs: &[LabId], steps: &[Step], all: &[Action]) -> Result<usize, String> {
    let mut labs = labs.iter().cycle();
    let mut session = Session::open(*labs.next().unwrap());
    let mut workers = 0;
    for (i, &step) in steps.iter().enumerate() {
        let ended = session.play(step, all);
        session.check(i)?;
        if ended {
            workers += session.close()?;
            session = Session::open(*labs.next().unwrap());
        } else if i % COUNT_EVERY == 0 {
            session.count_children(i)?;
        }
    }
    Ok(workers + session.close()?)
}

fn total_actions() -> usize {
    std::env::var("PROCLAB_RANDOM_ACTIONS")
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("PROCLAB_RANDOM_ACTIONS={v:?}: expected a count"))
        })
        .unwrap_or(DEFAULT_ACTIONS)
}

#[test]
fn random_actions_in_every_lab_keep_the_invariants_and_leave_nothing() {
    // Politeness on a shared machine: the workers inherit it.
    // Safety: setpriority changes only this thread's nice value.
    unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 10) };
    let all = actions();
    let total = total_actions();
    // Four steps in five are actions (clicks included): enough cases that
    // the actions alone reach the total.
    let cases = (total * 5).div_ceil(STEPS * 4) as u32;
    let mut runner = TestRunner::new(Config {
        cases,
        max_shrink_iters: 32,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/random_actions.proptest-regressions",
        ))),
        ..Config::default()
    });
    let labs = prop::collection::vec(prop::sample::select(LabId::ALL.to_vec()), 1..6);
    let steps = prop::collection::vec(step(all.len()), STEPS);
    let started = Instant::now();
    let played = Cell::new(0usize);
    let workers = Cell::new(0usize);
    let result = runner.run(&(labs, steps), |(labs, steps)| {
        let seen = play(&labs, &steps, &all).map_err(TestCaseError::fail)?;
        let acts = steps
            .iter()
            .filter(|s| matches!(s, Step::Act(_) | Step::Click(..) | Step::Quit))
            .count();
        played.set(played.get() + acts);
        workers.set(workers.get() + seen);
        Ok(())
    });
    println!(
        "{} random actions in {cases} cases of {STEPS} steps, {} worker processes, {:.1} s",
        played.get(),
        workers.get(),
        started.elapsed().as_secs_f64()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}
