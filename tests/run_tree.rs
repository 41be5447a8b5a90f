//! `proclab run` and `attach` on real Python programs: the process tree
//! read from `/proc` with its parent links and kinds, a real zombie, signals
//! through the controller, captured output, orphans reaped, and nothing left
//! after a stop; an attached program goes on after proclab lets go.

mod watch;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use proclab::lab::run::output::Stream;
use proclab::lab::run::{Kind, Program, RunError, RunEvent, RunSpec};
use proclab::lab::{StartOptions, Workload};
use watch::*;

/// Starts two `Process`es that wait for a file, then joins them.
const TREE: &str = r#"
import multiprocessing as mp, os, sys, time

def wait(go):
    while not os.path.exists(go):
        time.sleep(0.02)

if __name__ == "__main__":
    mp.set_start_method(sys.argv[1])
    ps = [mp.Process(target=wait, args=(sys.argv[2],)) for _ in range(2)]
    for p in ps:
        p.start()
    print("started", *[p.pid for p in ps])
    for p in ps:
        p.join()
    print("joined", *[p.exitcode for p in ps])
"#;

/// Runs TREE with `method` and checks where the two children hang and what
/// they are; returns the kinds of the other processes, by parent kind.
fn tree_of(method: &str, child_kind: Kind, child_parent: Kind) -> Vec<(Kind, Kind)> {
    let dir = Dir::new(&format!("tree-{method}"));
    let script = dir.script("tree.py", TREE);
    let go = dir.path("go");
    let lab = lab();
    let spec = python(&dir, &script, &[method, go.to_str().unwrap()]);
    let mut w = Watch::new(Program::run(&lab, spec).unwrap());
    let children = pids_of(&w.until_line("started"));
    assert_eq!(children.len(), 2);
    let main = w.program.main_id();
    let s = w.until(&format!("both {child_kind:?} children"), |s| {
        children
            .iter()
            .all(|&pid| s.by_pid(pid).is_some_and(|p| p.kind == child_kind))
    });
    let root = s.get(main).expect("the main process is in the tree");
    assert_eq!((root.kind, root.parent, root.depth), (Kind::Main, None, 0));
    for &pid in &children {
        let p = s.by_pid(pid).unwrap();
        let parent = s.get(p.parent.expect("a parent")).unwrap();
        assert_eq!(parent.kind, child_parent, "{method}: parent of {pid}");
        assert_eq!(p.ppid, parent.id.pid);
        assert_eq!(p.depth, parent.depth + 1);
        assert!(!p.orphan && p.thread_count >= 1 && !p.threads.is_empty());
        assert!(p.rss_bytes > 0);
    }
    let others = s
        .processes
        .iter()
        .filter(|p| p.id != main && !children.contains(&p.id.pid))
        .map(|p| (p.kind, s.get(p.parent.unwrap()).unwrap().kind))
        .collect();
    dir.touch("go");
    assert_eq!(w.until_line("joined"), "joined 0 0");
    assert_eq!(w.until_exit(), Some(0));
    let report = w.program.shutdown(STOP);
    assert!(report.left.is_empty());
    assert_eq!(w.left(), vec![], "{method}: processes left");
    others
}

const STOP: Duration = Duration::from_millis(300);

#[test]
fn fork_children_hang_under_the_main_process() {
    let others = tree_of("fork", Kind::Child, Kind::Main);
    assert_eq!(others, vec![]);
}

#[test]
fn spawn_children_and_the_resource_tracker_hang_under_the_main_process() {
    let others = tree_of("spawn", Kind::Spawned, Kind::Main);
    assert_eq!(others, vec![(Kind::ResourceTracker, Kind::Main)]);
}

#[test]
fn forkserver_children_hang_under_the_forkserver() {
    let mut others = tree_of("forkserver", Kind::Child, Kind::Forkserver);
    others.sort_by_key(|(k, _)| k.word());
    assert_eq!(
        others,
        vec![
            (Kind::Forkserver, Kind::Main),
            (Kind::ResourceTracker, Kind::Main)
        ]
    );
}

#[test]
fn a_child_not_joined_is_a_zombie_until_the_program_joins_it() {
    let dir = Dir::new("zombie");
    let script = dir.script(
        "zombie.py",
        r#"
import multiprocessing as mp, os, sys, time

def quit():
    sys.exit(3)

def wait(name):
    while not os.path.exists(name):
        time.sleep(0.02)

if __name__ == "__main__":
    mp.set_start_method("fork")
    p = mp.Process(target=quit)
    p.start()
    print("child", p.pid)
    wait("join")
    p.join()
    print("joined", p.exitcode)
    wait("end")
"#,
    );
    let lab = lab();
    let mut w = Watch::new(Program::run(&lab, python(&dir, &script, &[])).unwrap());
    let pid = pids_of(&w.until_line("child"))[0];
    let s = w.until("the child to be a zombie", |s| {
        s.by_pid(pid).is_some_and(|p| p.state == 'Z')
    });
    let z = s.by_pid(pid).unwrap();
    assert!(z.is_unjoined_zombie());
    assert_eq!(z.parent, Some(w.program.main_id()));
    assert_eq!(z.exitcode, Some(3), "the zombie holds its exitcode");
    assert_eq!(z.kind, Kind::Child);
    assert_eq!(s.unjoined_zombies().count(), 1);
    dir.touch("join");
    assert_eq!(w.until_line("joined"), "joined 3");
    let s = w.until("the zombie to be gone", |s| s.by_pid(pid).is_none());
    assert_eq!(s.unjoined_zombies().count(), 0);
    dir.touch("end");
    assert_eq!(w.until_exit(), Some(0));
}

#[test]
fn a_child_is_paused_resumed_and_terminated_through_its_pidfd() {
    let dir = Dir::new("signals");
    let script = dir.script(
        "signals.py",
        r#"
import multiprocessing as mp, time

def loop():
    while True:
        time.sleep(0.02)

if __name__ == "__main__":
    mp.set_start_method("fork")
    p = mp.Process(target=loop)
    p.start()
    print("child", p.pid)
    p.join()
    print("exitcode", p.exitcode)
"#,
    );
    let lab = lab();
    let mut w = Watch::new(Program::run(&lab, python(&dir, &script, &[])).unwrap());
    let pid = pids_of(&w.until_line("child"))[0];
    let s = w.until("the child", |s| s.by_pid(pid).is_some());
    let id = s.by_pid(pid).unwrap().id;

    w.program.pause(id).unwrap();
    let s = w.until("the child to stop", |s| s.get(id).unwrap().state == 'T');
    assert_eq!(s.get(id).unwrap().state_words(), "stopped");
    w.program.resume(id).unwrap();
    w.until("the child to go on", |s| s.get(id).unwrap().state != 'T');

    w.program.pause(id).unwrap();
    w.until("the child to stop again", |s| {
        s.get(id).unwrap().state == 'T'
    });
    assert!(w.program.terminate(id).unwrap(), "it was stopped");
    // As with p.terminate(): SIGTERM alone stays pending while it is stopped.
    std::thread::sleep(Duration::from_millis(100));
    let s = w.sample();
    assert_eq!(s.get(id).map(|p| p.state), Some('T'), "still stopped");
    w.program.resume(id).unwrap();
    assert_eq!(w.until_line("exitcode"), "exitcode -15");
    assert_eq!(w.until_exit(), Some(0));
    let s = w.until("the child to be gone", |s| s.get(id).is_none());
    assert!(matches!(
        w.program.kill(id),
        Err(RunError::NotInProgram(p)) if p == pid
    ));
    assert!(s.processes.is_empty());
}

#[test]
fn output_is_captured_with_its_stream_and_the_exitcode_is_pythons() {
    let dir = Dir::new("output");
    let script = dir.script(
        "output.py",
        "import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\nsys.exit(3)\n",
    );
    let lab = lab();
    let mut w = Watch::new(Program::run(&lab, python(&dir, &script, &[])).unwrap());
    assert_eq!(w.until_exit(), Some(3));
    w.until_line("to stdout");
    w.until_line("to stderr");
    let lines: Vec<_> = w
        .events
        .iter()
        .filter_map(|e| match e {
            RunEvent::Output { run: 1, line } => Some((line.stream, line.text.as_str())),
            _ => None,
        })
        .collect();
    assert!(lines.contains(&(Stream::Stdout, "to stdout")), "{lines:?}");
    assert!(lines.contains(&(Stream::Stderr, "to stderr")), "{lines:?}");

    // A command after --, killed by a signal: -9, as Python would say.
    let killed = RunSpec::command(
        "python3",
        vec!["-c".into(), "import os; os.kill(os.getpid(), 9)".into()],
    );
    let mut w = Watch::new(Program::run(&lab, killed).unwrap());
    assert_eq!(w.until_exit(), Some(-9));
    assert_eq!(w.program.exitcode(), Some(-9));

    // `r`: the same program again, as run 2.
    let mut w = Watch::new(Program::run(&lab, python(&dir, &script, &[])).unwrap());
    assert_eq!(w.until_exit(), Some(3));
    w.program.restart(&lab, STOP).unwrap();
    assert_eq!(w.program.run_number(), 2);
    w.until_event("run 2 to end", |e| {
        matches!(
            e,
            RunEvent::Exited {
                run: 2,
                exitcode: Some(3),
                ..
            }
        )
    });
}

#[test]
fn a_program_that_cannot_start_says_why() {
    let lab = lab();
    let bad = RunSpec::command("/no/such/program", vec![]);
    let e = Program::run(&lab, bad).err().unwrap().to_string();
    assert!(e.starts_with("cannot start /no/such/program: "), "{e}");
}

#[test]
fn orphans_stay_in_view_and_are_reaped() {
    let dir = Dir::new("orphans");
    // The middle process leaves at once: the grandchild is reparented to
    // proclab before any sample could see its parent.
    let script = dir.script(
        "orphans.py",
        r#"
import os, sys, time
pid = os.fork()
if pid == 0:
    if os.fork() == 0:
        print("grandchild", os.getpid())
        while not os.path.exists("go"):
            time.sleep(0.02)
        os._exit(5)
    os._exit(0)
os.waitpid(pid, 0)
"#,
    );
    let lab = lab();
    let mut w = Watch::new(Program::run(&lab, python(&dir, &script, &[])).unwrap());
    let pid = pids_of(&w.until_line("grandchild"))[0];
    assert_eq!(w.until_exit(), Some(0));
    let s = w.until("the orphan", |s| s.by_pid(pid).is_some());
    let orphan = s.by_pid(pid).unwrap();
    assert!(orphan.orphan && orphan.parent.is_none());
    assert_eq!(
        orphan.ppid,
        std::process::id(),
        "reparented to the subreaper"
    );
    dir.touch("go");
    let e = w.until_event("the orphan to be reaped", |e| {
        matches!(e, RunEvent::OrphanReaped { .. })
    });
    assert_eq!(
        e,
        RunEvent::OrphanReaped {
            run: 1,
            pid,
            exitcode: 5
        }
    );
    w.until("an empty tree", |s| s.processes.is_empty());
    assert_eq!(w.left(), vec![]);
}

#[test]
fn the_labs_own_workers_are_never_reaped_by_a_program() {
    let mut lab = lab();
    let worker = lab
        .start_with(StartOptions {
            workload: Workload::Io,
            tasks: Some(1),
            task_ms: 10,
            ..StartOptions::default()
        })
        .unwrap();
    let pid = lab.pid(worker).unwrap();
    let zombie =
        || std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| s.contains(") Z "));
    let start = std::time::Instant::now();
    while !zombie() {
        assert!(start.elapsed() < PATIENCE, "the worker did not end");
        std::thread::sleep(Duration::from_millis(10));
    }
    // A program whose orphan proclab reaps, polled and stopped beside the
    // ended worker, which waits for the lab's join.
    let dir = Dir::new("workers");
    let script = dir.script(
        "quick.py",
        "import os\nif os.fork() == 0:\n    os._exit(4)\n",
    );
    let mut w = Watch::new(Program::run(&lab, python(&dir, &script, &[])).unwrap());
    assert_eq!(w.until_exit(), Some(0));
    w.until("the program's tree to empty", |s| s.processes.is_empty());
    w.program.shutdown(STOP);
    w.program.poll();
    assert!(zombie(), "the worker is still the lab's zombie");
    assert_eq!(lab.join(worker, Some(PATIENCE)).unwrap(), Some(0));
}

#[test]
fn a_stop_leaves_nothing_behind() {
    let dir = Dir::new("stop");
    let script = dir.script(
        "stop.py",
        r#"
import multiprocessing as mp, signal, time

def stubborn():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        time.sleep(0.02)

def quick():
    pass

def square(x):
    time.sleep(0.01)
    return x * x

if __name__ == "__main__":
    mp.set_start_method("fork")
    mp.Process(target=stubborn).start()
    pool = mp.Pool(3)
    mp.Process(target=quick).start()
    print("ready")
    while True:
        pool.map(square, range(10))
"#,
    );
    let lab = lab();
    let mut w = Watch::new(Program::run(&lab, python(&dir, &script, &[])).unwrap());
    w.until_line("ready");
    w.until("six processes, one a zombie", |s| {
        s.processes.len() >= 6 && s.unjoined_zombies().count() == 1
    });
    let report = w.program.shutdown(STOP);
    assert_eq!(report.left, vec![]);
    assert!(
        report.killed >= 1,
        "the process that ignores SIGTERM is killed: {report:?}"
    );
    assert!(report.terminated >= 4, "{report:?}");
    assert_eq!(w.left(), vec![], "every process seen is gone");
    let events = w.program.poll();
    assert!(
        events.contains(&RunEvent::Exited {
            run: 1,
            pid: w.program.main_id().pid,
            exitcode: Some(-15)
        }),
        "{events:?}"
    );
    // Stopping twice does nothing more.
    assert_eq!(w.program.shutdown(STOP).reaped, 0);
}

#[test]
fn an_attached_program_goes_on_after_proclab_lets_go() {
    let dir = Dir::new("attach");
    let script = dir.script(
        "attach.py",
        r#"
import multiprocessing as mp, time

def nap():
    time.sleep(60)

if __name__ == "__main__":
    mp.set_start_method("fork")
    p = mp.Process(target=nap)
    p.start()
    print(p.pid, flush=True)
    p.join()
"#,
    );
    let mut main = Command::new("python3")
        .arg(&script)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(main.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let child: u32 = line.trim().parse().unwrap();

    let mut w = Watch::new(Program::attach(main.id()).unwrap());
    assert!(!w.program.is_owned());
    let s = w.until("the child", |s| s.by_pid(child).is_some());
    let id = s.by_pid(child).unwrap().id;
    assert_eq!(s.by_pid(child).unwrap().kind, Kind::Child);
    // Signals work on processes the user owns.
    w.program.pause(id).unwrap();
    w.until("the child to stop", |s| s.get(id).unwrap().state == 'T');
    w.program.resume(id).unwrap();
    w.until("the child to go on", |s| s.get(id).unwrap().state != 'T');
    assert!(matches!(
        w.program.restart(&lab(), STOP),
        Err(RunError::NotOwned)
    ));
    assert_eq!(w.program.shutdown(STOP).reaped, 0);
    let seen: Vec<_> = w.seen.iter().copied().collect();
    drop(w);
    std::thread::sleep(Duration::from_millis(100));
    for id in &seen {
        assert!(id.exists(), "process {} still runs", id.pid);
    }
    assert_eq!(main.try_wait().unwrap(), None);

    // Attached again, it sees the program end: the child killed, its
    // parent joins it and leaves; its exitcode is read while it waits, a
    // zombie, for its own parent (this test) to reap it.
    let mut w = Watch::new(Program::attach(main.id()).unwrap());
    let s = w.until("the child", |s| s.by_pid(child).is_some());
    w.program.kill(s.by_pid(child).unwrap().id).unwrap();
    assert_eq!(w.until_exit(), Some(0));
    assert_eq!(main.wait().unwrap().code(), Some(0));
}

#[test]
fn attaching_to_nothing_or_to_proclab_itself_is_refused() {
    let none = Program::attach(u32::MAX - 1).err().unwrap().to_string();
    assert_eq!(
        none,
        format!("there is no process {} to attach to", u32::MAX - 1)
    );
    let me = Program::attach(std::process::id())
        .err()
        .unwrap()
        .to_string();
    assert!(me.contains("proclab itself"), "{me}");
}
