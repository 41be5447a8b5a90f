//! The Python instrumentation on real programs: every example in
//! examples/python gives the same output and exit code with and without
//! it, under fork and spawn; its events carry the right `file:line`;
//! a queue's depth comes back to zero; a program whose proclab goes away
//! goes on the same; an exception's traceback is unchanged.

mod instrument_common;

use std::path::Path;

use instrument_common::*;
use proclab::lab::run::instrument::state::{Role, site_of};
use proclab::lab::run::instrument::{Event, Instrument, Program, Report};
use proclab::lab::run::output::Stream;

/// Figures that differ from run to run (timings, lost updates).
fn normalize(line: &str) -> String {
    let mut out = String::new();
    let mut digits = false;
    for c in line.chars() {
        if c.is_ascii_digit() || (digits && c == '.') {
            if !digits {
                out.push('#');
            }
            digits = true;
        } else {
            digits = false;
            out.push(c);
        }
    }
    out
}

/// Examples whose figures are all deterministic keep their digits.
fn normalizer(name: &str) -> fn(&str) -> String {
    match name {
        "cpu_processes.py" | "cpu_threads.py" | "racy_counter.py" | "shared_state.py" => normalize,
        // Timings, and the lambda's address in the feeder thread's traceback.
        "pickling.py" => |l: &str| normalize(l.split(" at 0x").next().unwrap_or(l)),
        _ => |l: &str| l.to_string(),
    }
}

/// Short waits for the examples that wait on purpose.
fn args_of(name: &str) -> &'static [&'static str] {
    match name {
        "forgotten_join.py" | "unclosed_pipe.py" | "condition_array.py" => &["0.3"],
        // Long enough for the stuck child to be seen waiting.
        "rlock.py" => &["3"],
        _ => &[],
    }
}

const EXAMPLES: &[&str] = &[
    "cpu_processes.py",
    "cpu_threads.py",
    "producer_consumer.py",
    "pipeline.py",
    "racy_counter.py",
    "pool_map.py",
    "forgotten_join.py",
    "unclosed_pipe.py",
    "pickling.py",
    "condition_array.py",
    "rlock.py",
    "shared_state.py",
    "pool_api.py",
];

/// The events of `kind` logged at `needle`'s line of `file`.
fn at_line<'a>(p: &'a Program, kind: &'a str, file: &Path, needle: &str) -> Vec<&'a Event> {
    let line = line_of(file, needle);
    let file = file.to_str().unwrap();
    p.log_of(kind)
        .map(|e| &e.event)
        .filter(|e| site_of(e).is_some_and(|s| s.file == file && s.line == line))
        .collect()
}

fn made(p: &Program, what: &str, file: &Path, needle: &str) -> usize {
    at_line(p, "made", file, needle)
        .into_iter()
        .filter(|e| matches!(e, Event::Made(m) if m.what == what))
        .count()
}

fn check_events(name: &str, method: &str, p: &Program, out: &Outcome) {
    let file = example(name);
    let f = file.as_path();
    let ctx = format!("{name} under {method}");
    let starts = |needle| at_line(p, "start", f, needle).len();
    let joins = |needle| at_line(p, "join", f, needle).len();
    match name {
        "cpu_processes.py" => {
            assert_eq!(made(p, "Queue", f, "results = mp.Queue()"), 1, "{ctx}");
            assert_eq!(starts("p.start()"), 4, "{ctx}");
            assert_eq!(joins("p.join()"), 4, "{ctx}");
            let names: Vec<_> = p
                .processes
                .values()
                .filter_map(|c| c.name.clone())
                .collect();
            for i in 0..4 {
                assert!(names.contains(&format!("primes-{i}")), "{ctx}: {names:?}");
            }
            let worker = p
                .processes
                .values()
                .find(|c| c.name.as_deref() == Some("primes-0"));
            assert_eq!(worker.unwrap().role, Role::Process, "{ctx}");
        }
        "cpu_threads.py" => {
            assert!(p.log.is_empty(), "{ctx}: {:?}", p.log);
            assert_eq!(p.processes.len(), 1, "{ctx}");
        }
        "producer_consumer.py" => {
            assert_eq!(made(p, "Queue", f, "q = mp.Queue(maxsize=100)"), 1, "{ctx}");
            let q = p.queues.values().find(|q| q.maxsize == Some(100)).unwrap();
            assert_eq!(q.depth(), 0, "{ctx}: {q:?}");
            assert!(
                q.history.iter().any(|&(_, d)| d > 0),
                "{ctx}: {:?}",
                q.history
            );
            assert_eq!(starts("p.start()"), 4, "{ctx}");
            // The producers wait on the full queue, at their put.
            let put_line = line_of(f, "q.put(n)");
            let waited = out.reports.iter().any(|r| match r {
                Report::Event {
                    event: Event::Waits { w, .. },
                    ..
                } => w.iter().any(|w| {
                    w.call == "Queue.put"
                        && w.obj.as_deref() == Some(q.id.as_str())
                        && w.at.as_ref().is_some_and(|s| s.line == put_line)
                }),
                _ => false,
            });
            assert!(waited, "{ctx}: no producer seen waiting on its put");
        }
        "pipeline.py" => {
            assert_eq!(
                made(p, "Queue", f, "pages, counts = mp.Queue(), mp.Queue()"),
                2,
                "{ctx}"
            );
            assert_eq!(starts("s.start()"), 3, "{ctx}");
            assert_eq!(joins("s.join()"), 3, "{ctx}");
            for q in p.queues.values() {
                assert_eq!((q.size, q.depth()), (Some(0), 0), "{ctx}: {q:?}");
            }
        }
        "racy_counter.py" => {
            assert_eq!(
                made(p, "Value", f, "counter = mp.Value(\"i\", 0)"),
                2,
                "{ctx}"
            );
            // The value read after the joins is the one the program prints.
            let printed: Vec<i64> = out
                .texts(Stream::Stdout)
                .iter()
                .map(|l| l.split_whitespace().nth(1).unwrap().parse().unwrap())
                .collect();
            let mut values: Vec<(String, i64)> = p
                .shared
                .iter()
                .map(|(id, s)| (id.clone(), s.value.as_i64().unwrap()))
                .collect();
            values.sort_by_key(|(id, _)| id.split('.').nth(1).unwrap().parse::<u32>().unwrap());
            let values: Vec<i64> = values.into_iter().map(|(_, v)| v).collect();
            assert_eq!(values, printed, "{ctx}");
        }
        "pool_map.py" => {
            let pools = at_line(p, "made", f, "with mp.Pool(processes=2) as pool:");
            assert!(
                matches!(pools[..], [Event::Made(m)] if m.processes == Some(2)),
                "{ctx}"
            );
            let calls = |needle| at_line(p, "call", f, needle);
            let map = calls("pool.map(square, range(20))");
            // chunksize: 20 items / (4 * 2 processes) = 2, rounded up to 3
            assert!(
                matches!(map[..], [Event::Call(c)] if c.chunksize == Some(3) && c.items == Some(20)),
                "{ctx}: {map:?}"
            );
            let imap = calls("pool.imap_unordered(slow_square, range(8))");
            assert!(
                matches!(imap[..], [Event::Call(c)] if c.chunksize == Some(1)),
                "{ctx}"
            );
            let pool = p.pools.values().next().unwrap();
            let job_items = |api: &str| {
                let job = pool
                    .jobs
                    .values()
                    .find(|j| j.call.as_ref().is_some_and(|c| c.api == api));
                job.map_or(0, |j| j.items.values().sum::<u64>())
            };
            assert_eq!(
                (job_items("map"), job_items("imap_unordered")),
                (20, 8),
                "{ctx}"
            );
        }
        "forgotten_join.py" => {
            assert_eq!(starts("p.start()"), 1, "{ctx}");
            let reaped = at_line(p, "reaped", f, "p.join()  # reaps the zombie");
            assert!(
                matches!(reaped[..], [Event::Reaped { exitcode: Some(0), via: Some(v), .. }] if v == "join"),
                "{ctx}: {reaped:?}"
            );
            let child = p
                .processes
                .values()
                .find(|c| c.name.as_deref() == Some("forgotten"))
                .unwrap();
            assert_eq!(
                (child.exit_code, child.exitcode),
                (Some(0), Some(0)),
                "{ctx}"
            );
        }
        "unclosed_pipe.py" => {
            assert_eq!(
                made(p, "Pipe", f, "r, w = mp.Pipe(duplex=False)"),
                1,
                "{ctx}"
            );
            let pipe = p.pipes.values().next().unwrap();
            let main = pipe.made_by;
            let line = |needle| Some(line_of(f, needle));
            let closed: Vec<_> = pipe
                .closed
                .iter()
                .map(|(pid, end, at)| (*pid, *end, at.as_ref().map(|s| s.line)))
                .collect();
            assert!(
                closed.contains(&(main, 0, line("r.close()  # the parent only writes"))),
                "{ctx}: {closed:?}"
            );
            assert!(
                closed.contains(&(main, 1, line("w.close()  # the parent's copy"))),
                "{ctx}: {closed:?}"
            );
            // The receiver never closed its copy of the write end.
            assert!(
                closed.iter().all(|(pid, _, _)| *pid == main),
                "{ctx}: {closed:?}"
            );
        }
        "pickling.py" => {
            assert_eq!(made(p, "Pipe", f, "a, b = mp.Pipe()"), 1, "{ctx}");
            assert_eq!(made(p, "Pool", f, "with mp.Pool(2) as pool:"), 1, "{ctx}");
            // map of a lambda: the job is made, then its tasks fail to
            // pickle and map() raises.
            let maps = p
                .log_of("call")
                .filter(|e| matches!(&e.event, Event::Call(c) if c.api == "map"))
                .count();
            assert_eq!(maps, 1, "{ctx}");
        }
        "condition_array.py" => {
            assert_eq!(made(p, "Condition", f, "cond = mp.Condition()"), 1, "{ctx}");
            assert_eq!(
                made(
                    p,
                    "Condition",
                    f,
                    "cond, flag = mp.Condition(), mp.Value(\"i\", 0)"
                ),
                1,
                "{ctx}"
            );
            // producer, consumer, notifier and the two late waiters
            assert_eq!(p.log_of("start").count(), 5, "{ctx}");
        }
        "rlock.py" => {
            assert_eq!(made(p, "RLock", f, "lock = mp.RLock()"), 1, "{ctx}");
            assert_eq!(made(p, "Lock", f, "lock = mp.Lock()"), 1, "{ctx}");
            let ended = at_line(p, "terminate", f, "child.terminate()");
            assert_eq!(ended.len(), 1, "{ctx}");
            // The child is seen stuck in its second acquire, in helper().
            let line = line_of(f, "with lock:  # the second acquire");
            let stuck = out.reports.iter().any(|r| match r {
                Report::Event {
                    event: Event::Waits { w, .. },
                    ..
                } => w.iter().any(|w| {
                    w.call == "Lock.acquire" && w.at.as_ref().is_some_and(|s| s.line == line)
                }),
                _ => false,
            });
            assert!(
                stuck,
                "{ctx}: the deadlocked child was not seen in Lock.acquire"
            );
        }
        "shared_state.py" => {
            assert_eq!(made(p, "Array", f, "arr = mp.Array(\"i\", 5)"), 1, "{ctx}");
            assert_eq!(
                made(p, "SyncManager", f, "with mp.Manager() as m:"),
                1,
                "{ctx}"
            );
            let proxies = "lst, d = m.list(), m.dict()";
            assert_eq!(made(p, "Manager.list", f, proxies), 1, "{ctx}");
            assert_eq!(made(p, "Manager.dict", f, proxies), 1, "{ctx}");
        }
        "pool_api.py" => {
            let calls = |api: &str, needle| {
                at_line(p, "call", f, needle)
                    .into_iter()
                    .filter(|e| matches!(e, Event::Call(c) if c.api == api))
                    .count()
            };
            assert_eq!(calls("apply", "{pool.apply(square, (7,))}"), 1, "{ctx}");
            assert_eq!(calls("starmap", "{pool.starmap(add, pairs)}"), 1, "{ctx}");
            assert_eq!(calls("close", "pool.close()"), 1, "{ctx}");
            assert_eq!(calls("terminate", "pool.terminate()"), 1, "{ctx}");
            // join() before close() raised: only the joins after are logged.
            assert_eq!(
                p.log_of("call")
                    .filter(|e| matches!(&e.event, Event::Call(c) if c.api == "join"))
                    .count(),
                2,
                "{ctx}"
            );
        }
        _ => unreachable!(),
    }
}

fn same_output(name: &str, method: &str, plain: &Outcome, inst: &Outcome) {
    let norm = normalizer(name);
    for stream in [Stream::Stdout, Stream::Stderr] {
        assert_eq!(
            plain.sorted(stream, &norm),
            inst.sorted(stream, &norm),
            "{name} under {method}: {stream:?} differs"
        );
    }
    assert_eq!(plain.code, inst.code, "{name} under {method}: exit code");
    assert!(!plain.stdout.is_empty(), "{name} printed nothing");
}

fn every_example(method: &str) {
    for name in EXAMPLES {
        let script = example(name);
        let args = args_of(name);
        let plain = plain(command(&script, args, Some(method)));
        let inst = instrumented(command(&script, args, Some(method)));
        same_output(name, method, &plain, &inst);
        check_events(name, method, &inst.program, &inst);
        // Each process's lines are marked with their writer.
        let main_pid = inst
            .program
            .processes
            .values()
            .find(|p| p.role == Role::Python)
            .unwrap()
            .pid;
        assert!(
            inst.stdout.iter().all(|l| l.pid.is_some()),
            "{name}: {:?}",
            inst.stdout
        );
        assert!(inst.program.processes.contains_key(&main_pid));
        assert_eq!(inst.program.dropped, 0, "{name} under {method}");
    }
}

#[test]
fn every_example_is_the_same_instrumented_under_fork() {
    every_example("fork");
}

#[test]
fn every_example_is_the_same_instrumented_under_spawn() {
    every_example("spawn");
}

#[test]
fn a_program_whose_proclab_is_gone_runs_the_same() {
    let script = example("producer_consumer.py");
    let plain = plain(command(&script, &[], Some("fork")));
    // Nobody listens: the socket is gone before the program starts.
    let mut gone = Instrument::prepare().unwrap();
    let mut cmd = command(&script, &[], Some("fork"));
    gone.apply(&mut cmd, true);
    gone.stop();
    let before = run(cmd, None, &mut |_, _| {});
    same_output("producer_consumer.py", "fork", &plain, &before);
    assert!(before.stdout.iter().all(|l| l.pid.is_none()));
    // proclab goes away while the program runs, after its first process
    // has said hello and handed over its output.
    let mut i = Instrument::prepare().unwrap();
    let mut stopped = false;
    let during = run(
        command(&script, &[], Some("fork")),
        Some(&mut i),
        &mut |r, inst| {
            if !stopped
                && matches!(
                    r,
                    Report::Event {
                        event: Event::Out { .. },
                        ..
                    }
                )
            {
                stopped = true;
                inst.as_deref_mut().unwrap().stop();
            }
        },
    );
    assert!(stopped);
    same_output("producer_consumer.py", "fork", &plain, &during);
}

#[test]
fn a_traceback_through_a_wrapped_call_is_unchanged() {
    let dir = Instrument::prepare().unwrap();
    let script = dir.dir().join("fails.py");
    std::fs::write(
        &script,
        "import multiprocessing as mp\n\
         def main():\n    q = mp.Queue()\n    q.put(1)\n    q.get()\n    q.get(timeout=0.05)\n\
         if __name__ == '__main__':\n    main()\n",
    )
    .unwrap();
    let plain = plain(command(&script, &[], None));
    let inst = instrumented(command(&script, &[], None));
    assert_eq!(plain.code, Some(1));
    assert_eq!(plain.code, inst.code);
    assert_eq!(plain.texts(Stream::Stderr), inst.texts(Stream::Stderr));
    assert!(
        plain
            .texts(Stream::Stderr)
            .last()
            .unwrap()
            .starts_with("_queue.Empty")
    );
    let q = inst.program.queues.values().next().unwrap();
    assert_eq!(q.size, Some(0));
}
