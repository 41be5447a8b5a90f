//! The run view on real Python programs, driven as the terminal loop
//! drives it (update, perform, tick; samples from the real sampler) but
//! without a terminal: the tree with what each process is, the program's
//! events with their `file:line`, a queue's depth and who waits on it, a
//! real zombie and the call that reaps it, the GIL verdict for CPU-bound
//! threads, captured output, pause and terminate on a real child, `r`,
//! a lab's `R`, nothing left after quitting, and an attached program left
//! running. A file of its own: watching a program makes the test process
//! a child subreaper.

mod watch;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use proclab::app::claims::Run;
use proclab::app::lifecycle::claims::Lifecycle;
use proclab::app::run::RunOpening;
use proclab::app::run::view;
use proclab::app::{self, Action, App, LabId, Machine, Settings, Startup};
use proclab::lab::engine::Engine;
use proclab::lab::run::{ProcId, RunSpec, Target};
use proclab::lab::{SHUTDOWN_GRACE, StartOptions};
use proclab::metrics::{Sample, Sampler};
use watch::{Dir, lab};

/// Generous: the machine is shared and busy.
const PATIENCE: Duration = Duration::from_secs(40);

fn example(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/python")
        .join(name)
}

/// The 1-based number of the one line of `file` that contains `needle`.
fn line_of(file: &Path, needle: &str) -> u32 {
    let text = std::fs::read_to_string(file).unwrap();
    let found: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(found.len(), 1, "{needle:?}: {found:?}");
    found[0] as u32
}

/// proclab with the run view open, as `proclab run` opens it.
struct Session {
    app: App,
    engine: Engine,
    start: Instant,
    samples: Receiver<Sample>,
    _sampler: Sampler,
}

impl Session {
    fn open(lab_shown: LabId, target: Option<Target>) -> Session {
        let mut engine = Engine::new(lab());
        let settings = Settings {
            start: StartOptions::default(),
            auto_join: false,
            max_workers: 2,
        };
        let mut app = App::new(lab_shown, settings, Machine { cores: 2 });
        let startup = Startup {
            lab: lab_shown,
            workers: Some(0),
            run: RunOpening { target },
            ..Startup::default()
        };
        app::open(&mut app, &mut engine, &startup).expect("the program starts");
        let (tx, samples) = mpsc::channel();
        let sampler = Sampler::spawn(Duration::from_millis(250), move |s| tx.send(s).is_ok())
            .expect("the sampler starts");
        Session {
            app,
            engine,
            start: Instant::now(),
            samples,
            _sampler: sampler,
        }
    }

    fn run(spec: RunSpec) -> Session {
        Session::open(
            LabId::Program,
            Some(Target::Run {
                spec,
                instrument: true,
            }),
        )
    }

    fn tick(&mut self) {
        while let Ok(s) = self.samples.try_recv() {
            self.app.on_sample(s);
        }
        self.app.now = self.start.elapsed();
        app::perform::tick(&mut self.app, &mut self.engine);
    }

    fn act(&mut self, action: Action) {
        self.app.now = self.start.elapsed();
        for effect in app::update(&mut self.app, action) {
            app::perform::perform(&mut self.app, &mut self.engine, effect);
        }
    }

    fn until(&mut self, what: &str, cond: impl Fn(&App) -> bool) {
        let start = Instant::now();
        loop {
            self.tick();
            if cond(&self.app) {
                return;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "gave up waiting for {what}\nrows: {:#?}\nlog: {:#?}\noutput: {:?}",
                view::rows(&self.app.run),
                self.log(),
                self.app.run.output
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> Vec<(Option<String>, String)> {
        self.app
            .log
            .entries()
            .map(|e| (e.python.clone(), e.text.clone()))
            .collect()
    }

    /// Selects the row of the process whose `what` starts with `prefix`.
    fn select(&mut self, prefix: &str) -> ProcId {
        let rows = view::rows(&self.app.run);
        let i = rows
            .iter()
            .position(|r| r.live && r.what.starts_with(prefix))
            .unwrap_or_else(|| panic!("no row {prefix:?}: {rows:#?}"));
        self.act(Action::SelectRow(i));
        rows[i].id
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.engine.shutdown(SHUTDOWN_GRACE);
    }
}

/// A log line with this Python whose words contain `text`.
fn logged(app: &App, python: &str, text: &str) -> bool {
    app.log
        .entries()
        .any(|e| e.python.as_deref() == Some(python) && e.text.contains(text))
}

fn said(app: &App, text: &str) -> bool {
    app.log.entries().any(|e| e.text.contains(text))
}

#[test]
fn producers_and_consumers_show_their_tree_events_queue_and_output() {
    let _gate = beside();
    let file = example("producer_consumer.py");
    let spec = RunSpec::python(&file, vec!["3000".into()]);
    let mut s = Session::run(spec);
    s.until("two producers and two consumers", |a| {
        let rows = view::rows(&a.run);
        let names = ["producer-0", "producer-1", "consumer-0", "consumer-1"];
        names.iter().all(|n| {
            rows.iter()
                .any(|r| r.depth == 1 && r.what.starts_with(&format!("Process {n} → ")))
        })
    });
    let main = s.app.run.main_pid.unwrap();
    let rows = view::rows(&s.app.run);
    assert_eq!(rows[0].id.pid, main);
    assert_eq!(rows[0].what, "main producer_consumer.py");
    assert!(
        rows.iter()
            .any(|r| r.what == "Process producer-0 → producer")
    );

    // Its events, each with its line of the program.
    let start = format!("producer_consumer.py:{}", line_of(&file, "p.start()"));
    let made = format!(
        "producer_consumer.py:{}",
        line_of(&file, "q = mp.Queue(maxsize=100)")
    );
    s.until("the starts and the Queue in the log", |a| {
        logged(a, "p.start()", &start) && logged(a, "Queue(maxsize=100)", &made)
    });
    // The bounded queue fills: producers wait in put().
    s.until("producers waiting on a full queue", |a| {
        view::queues(&a.run)
            .iter()
            .any(|q| q.maxsize == Some(100) && q.waiting.contains("in put()"))
    });
    let q = view::queues(&s.app.run);
    let bounded = q.iter().find(|q| q.maxsize == Some(100)).unwrap();
    assert!(bounded.history.iter().any(|&d| d > 50.0), "{bounded:?}");
    assert_eq!(bounded.site, made);

    s.until("the program's end", |a| a.run.exited.is_some());
    assert_eq!(s.app.run.exited, Some(Some(0)));
    s.until("its last line", |a| {
        a.run.output.iter().any(|l| {
            l.text == "consumed 6000 items, sum 17997000 (expected 17997000)"
                && l.pid == Some(main)
                && !l.stderr
        })
    });
    let join = format!("producer_consumer.py:{}", line_of(&file, "c.join()"));
    assert!(
        logged(&s.app, "p.join()  # p.exitcode == 0", &join),
        "{:#?}",
        s.log()
    );
    // The view stays: every process of the run is listed as ended.
    s.until("every process listed as ended", |a| {
        let rows = view::rows(&a.run);
        rows.len() >= 5 && rows.iter().all(|r| !r.live)
    });
}

#[test]
fn a_forgotten_join_is_a_real_zombie_until_the_program_joins_it() {
    let _gate = beside();
    let file = example("forgotten_join.py");
    let mut s = Session::run(RunSpec::python(&file, vec!["2".into()]));
    s.until("the zombie", |a| {
        view::rows(&a.run).iter().any(|r| {
            r.what == "Process forgotten → quick"
                && r.words == "zombie: not joined"
                && r.letter == 'Z'
        })
    });
    let zombie = s.select("Process forgotten");
    let reaper = Run::ZombieReapers.fill(&[("p", "p")]);
    let detail = view::detail(&s.app.run);
    assert_eq!(
        detail[0].python.as_deref(),
        Some(reaper.as_str()),
        "{detail:?}"
    );
    assert!(detail[0].text.contains("not joined"), "{detail:?}");
    s.until("the zombie in the log", |a| {
        logged(a, &reaper, "not joined: a zombie (Z) until reaped")
    });
    // Two seconds later the program joins it: the zombie is gone.
    let join = format!(
        "forgotten_join.py:{}",
        line_of(&file, "p.join()  # reaps the zombie")
    );
    s.until("the join", |a| {
        logged(a, "p.join()  # p.exitcode == 0", &join)
    });
    s.until("the zombie reaped", |a| {
        view::rows(&a.run)
            .iter()
            .any(|r| r.id == zombie && !r.live && r.words == "ended, reaped by join()")
    });
    assert!(!zombie.exists());
}

/// Two threads on a CPU-bound loop until told to stop (a file appears).
const SPIN: &str = r#"
import os, sys, threading

def spin():
    x = 0
    while not os.path.exists("stop"):
        for _ in range(10000):
            x += 1

threads = [threading.Thread(target=spin) for _ in range(2)]
for t in threads:
    t.start()
print("spinning", flush=True)
for t in threads:
    t.join()
"#;

#[test]
fn threads_on_a_cpu_bound_task_are_told_to_take_turns_under_the_gil() {
    let _gate = alone();
    let dir = Dir::new("view-gil");
    let script = dir.script("spin.py", SPIN);
    let mut s = Session::run(RunSpec::python(&script, vec![]).with_cwd(&dir.0));
    s.until("the GIL verdict", |a| !a.run.gil_noted.is_empty());
    let main = s.app.run.main_pid.unwrap();
    assert!(s.app.run.gil_noted.iter().all(|id| id.pid == main));
    let python = Run::GilTurns.fill(&[("n", "2")]);
    assert!(
        logged(&s.app, &python, "take turns holding its GIL"),
        "{:#?}",
        s.log()
    );
    // The threads panel lists the program's threads, not proclab's own.
    s.select("main");
    s.until("the threads of the main process", |a| {
        view::threads(&a.run).len() == 3
    });
    let threads = view::threads(&s.app.run);
    assert!(threads[0].main);
    let tids: Vec<u32> = threads.iter().map(|t| t.tid).collect();
    // (Its sender thread starts with the first event it has to send: this
    // program makes none, so it may never start.)
    if let Some(ours) = s.app.run.model.processes[&main].sender_tid {
        assert!(!tids.contains(&ours), "{tids:?} has proclab's {ours}");
    }
    dir.touch("stop");
    s.until("the end", |a| a.run.exited == Some(Some(0)));
}

/// One Process that sleeps in a loop until it is ended; the parent joins
/// it and prints its exitcode.
const LOOPS: &str = r#"
import multiprocessing as mp, time

def loop():
    while True:
        time.sleep(0.02)

if __name__ == "__main__":
    mp.set_start_method("fork")
    p = mp.Process(target=loop, name="looper")
    p.start()
    p.join()
    print("exitcode", p.exitcode)
"#;

#[test]
fn a_stopped_child_gets_sigterm_alone_and_ends_once_resumed() {
    let _gate = beside();
    let dir = Dir::new("view-terminate");
    let script = dir.script("loops.py", LOOPS);
    let mut s = Session::run(RunSpec::python(&script, vec![]).with_cwd(&dir.0));
    s.until("the child", |a| {
        view::rows(&a.run)
            .iter()
            .any(|r| r.what.starts_with("Process looper"))
    });
    let child = s.select("Process looper");
    s.act(Action::Program(proclab::app::run::RunAction::Pause));
    let pid = child.pid.to_string();
    assert!(logged(
        &s.app,
        &format!("os.kill({pid}, signal.SIGSTOP)"),
        "stopped"
    ));
    s.until("the child stopped", |a| {
        a.run.selected_live().is_some_and(|p| p.state == 'T')
    });

    s.act(Action::Program(proclab::app::run::RunAction::Terminate));
    let pending = Lifecycle::TerminateStopped.fill(&[("p", "p")]);
    assert!(
        logged(&s.app, &pending, "waits until it is resumed"),
        "{:#?}",
        s.log()
    );
    assert!(logged(
        &s.app,
        "p.join()  # p.exitcode == -15",
        "once it joins"
    ));
    // SIGTERM alone: it stays stopped, the signal pending.
    std::thread::sleep(Duration::from_millis(300));
    s.tick();
    s.until("a fresh reading", |a| a.run.selected_live().is_some());
    let row = view::rows(&s.app.run)
        .into_iter()
        .find(|r| r.id == child)
        .unwrap();
    assert_eq!(
        (row.letter, row.words.as_str()),
        ('T', "stopped, SIGTERM pending")
    );

    s.act(Action::Program(proclab::app::run::RunAction::Pause));
    let resume = Run::ContinuePending.fill(&[("pid", &pid)]);
    assert!(
        logged(&s.app, &resume, "acts on the SIGTERM"),
        "{:#?}",
        s.log()
    );
    s.until("the program's word", |a| {
        a.run.output.iter().any(|l| l.text == "exitcode -15")
    });
    s.until("the join in the log", |a| {
        logged(a, "p.join()  # p.exitcode == -15", "loops.py:")
    });
}

#[test]
fn kill_ends_a_child_and_quitting_ends_the_whole_tree() {
    let _gate = beside();
    let dir = Dir::new("view-quit");
    // A child, and a grandchild of os.fork() below it, all sleeping.
    let script = dir.script(
        "tree.py",
        r#"
import multiprocessing as mp, os, time

def middle():
    if os.fork() == 0:
        time.sleep(60)
        os._exit(0)
    time.sleep(60)

if __name__ == "__main__":
    mp.set_start_method("fork")
    ps = [mp.Process(target=middle, name=f"middle-{i}") for i in range(2)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
        print("joined", p.name, p.exitcode)
    time.sleep(60)
"#,
    );
    let mut s = Session::run(RunSpec::python(&script, vec![]).with_cwd(&dir.0));
    s.until("five processes, the middle ones named", |a| {
        let rows = view::rows(&a.run);
        rows.iter().filter(|r| r.live).count() == 5
            && rows.iter().any(|r| r.what == "Process middle-0 → middle")
    });
    let ids: Vec<ProcId> = view::rows(&s.app.run).iter().map(|r| r.id).collect();
    s.select("Process middle-0");
    s.act(Action::Program(proclab::app::run::RunAction::Kill));
    assert!(logged(&s.app, "p.kill()", "SIGKILL to middle-0"));
    s.until("the join of the killed child", |a| {
        a.run.output.iter().any(|l| l.text == "joined middle-0 -9")
    });
    // Its child lost its parent: an orphan, now proclab's.
    s.until("the orphan", |a| {
        view::rows(&a.run)
            .iter()
            .any(|r| r.live && r.what.starts_with("orphan: "))
    });
    // q: the whole tree gets SIGTERM, then SIGKILL, and is reaped.
    s.engine.shutdown(SHUTDOWN_GRACE);
    let left: Vec<ProcId> = ids.into_iter().filter(|id| id.exists()).collect();
    assert_eq!(left, vec![], "processes left after quitting");
}

#[test]
fn an_attached_program_runs_on_after_proclab_quits() {
    let _gate = beside();
    let mut sleeper = Command::new("python3")
        .args(["-c", "import time; time.sleep(60)"])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let pid = sleeper.id();
    let mut s = Session::open(LabId::Program, Some(Target::Attach(pid)));
    s.until("the attached process", |a| {
        view::rows(&a.run).first().is_some_and(|r| r.id.pid == pid)
    });
    assert!(said(&s.app, &format!("attached to {pid}")));
    assert!(
        !s.app
            .applies(Action::Program(proclab::app::run::RunAction::Again))
    );
    // Its signals are the user's to send, and the log says so.
    s.act(Action::Program(proclab::app::run::RunAction::Pause));
    s.until("it stopped", |a| {
        a.run.selected_live().is_some_and(|p| p.state == 'T')
    });
    assert!(said(&s.app, "the process is yours, and so is the signal"));
    s.act(Action::Program(proclab::app::run::RunAction::Pause));
    s.until("it runs again", |a| {
        a.run.selected_live().is_some_and(|p| p.state != 'T')
    });
    let id = ProcId::of_pid(pid).unwrap();
    s.engine.shutdown(SHUTDOWN_GRACE);
    drop(s);
    std::thread::sleep(Duration::from_millis(200));
    assert!(id.exists(), "quitting attach ended the program");
    assert_eq!(sleeper.try_wait().unwrap(), None, "still running");
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();
}

#[test]
fn r_runs_it_again_and_a_labs_r_runs_its_example() {
    let _gate = beside();
    let dir = Dir::new("view-again");
    let script = dir.script("hello.py", "print('hello')\n");
    let mut s = Session::run(RunSpec::python(&script, vec![]).with_cwd(&dir.0));
    s.until("run 1 ends", |a| a.run.exited.is_some());
    s.act(Action::Program(proclab::app::run::RunAction::Again));
    s.until("run 2 ends", |a| a.run.run == 2 && a.run.exited.is_some());
    assert!(said(&s.app, "run 2 started"));
    let hellos: Vec<u32> = s
        .app
        .run
        .output
        .iter()
        .filter(|l| l.text == "hello")
        .map(|l| l.run)
        .collect();
    assert_eq!(hellos, [1, 2]);
    // Instrumented again: the new run's main process said hello.
    s.until("run 2's instrumentation", |a| a.run.main_model().is_some());

    // R in the queue lab: its example, in the run view.
    let mut lab = Session::open(LabId::Queue, None);
    assert!(lab.app.applies(Action::RunExample));
    lab.act(Action::RunExample);
    assert_eq!(lab.app.lab, LabId::Program);
    lab.until("producer_consumer.py running", |a| {
        a.run
            .watching
            .as_ref()
            .is_some_and(|w| w.what == "python3 producer_consumer.py 5000")
            && view::rows(&a.run).len() >= 3
    });
    let file = example("producer_consumer.py");
    let start = format!("producer_consumer.py:{}", line_of(&file, "p.start()"));
    lab.until("its starts", |a| logged(a, "p.start()", &start));
}

#[test]
fn without_instrumentation_the_tree_comes_from_proc_alone() {
    let _gate = beside();
    let file = example("forgotten_join.py");
    let mut s = Session::open(
        LabId::Program,
        Some(Target::Run {
            spec: RunSpec::python(&file, vec!["1".into()]),
            instrument: false,
        }),
    );
    s.until("the child, a zombie", |a| {
        view::rows(&a.run)
            .iter()
            .any(|r| r.what == "forked child" && r.words == "zombie: not joined")
    });
    s.until("the end", |a| a.run.exited.is_some());
    s.until("its output", |a| a.run.output.len() == 2);
    assert!(s.app.run.model.processes.is_empty());
    assert!(s.app.run.output.iter().all(|l| l.pid.is_none()));
    assert!(said(&s.app, "not instrumented"));
}

/// The GIL test measures threads' share of the CPU: it runs alone, the
/// others beside each other.
static GATE: RwLock<()> = RwLock::new(());

fn alone() -> RwLockWriteGuard<'static, ()> {
    GATE.write().unwrap_or_else(|e| e.into_inner())
}

fn beside() -> RwLockReadGuard<'static, ()> {
    GATE.read().unwrap_or_else(|e| e.into_inner())
}
