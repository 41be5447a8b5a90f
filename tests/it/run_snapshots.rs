//! Snapshots of the run view, drawn from fixed news taken in through the
//! view's own code (`on_event`): a producer/consumer program with a
//! zombie, a queue, a Value and a Pool, at 80x24 (each lower panel in
//! turn) and 120x36; a process whose threads take turns under the GIL;
//! the view before anything is watched.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use insta::assert_snapshot;
use proclab::app::run::{RunAction, RunState};
use proclab::app::{self, Action, App, AppLab, LabId, Machine, Settings};
use proclab::lab::StartOptions;
use proclab::lab::run::instrument::{Report, wire};
use proclab::lab::run::output::{OutputLine, Stream};
use proclab::lab::run::{Kind, ProcId, ProcessSample, RunEvent, RunNews, ThreadSample, TreeSample};

use crate::common::draw::screen;

const ROOT: &str = "/home/student/course";
const MAIN: u32 = 4100;

fn id(pid: u32) -> ProcId {
    ProcId {
        pid,
        start_ticks: u64::from(pid),
    }
}

/// A thread: (tid, CPU seconds so far, voluntary switches so far, state).
type T = (u32, f32, u64, char);

#[allow(clippy::too_many_arguments)]
fn process(
    pid: u32,
    parent: Option<u32>,
    kind: Kind,
    state: char,
    cpu: f32,
    cmdline: &str,
    threads: &[T],
    exitcode: Option<i32>,
) -> ProcessSample {
    let threads: Vec<ThreadSample> = threads
        .iter()
        .map(|&(tid, secs, switches, state)| ThreadSample {
            tid,
            start_ticks: u64::from(tid),
            name: "python3".into(),
            state,
            cpu_percent: 0.0,
            cpu_time: Duration::from_secs_f32(secs),
            voluntary_switches: switches,
            involuntary_switches: 0,
        })
        .collect();
    ProcessSample {
        id: id(pid),
        ppid: parent.unwrap_or(1),
        pgid: MAIN,
        parent: parent.map(id),
        depth: usize::from(parent.is_some()),
        orphan: false,
        kind,
        label: None,
        comm: "python3".into(),
        cmdline: cmdline.split(' ').map(String::from).collect(),
        state,
        cpu_percent: cpu,
        cpu_time: threads.iter().map(|t| t.cpu_time).sum(),
        rss_bytes: 12 * 1024 * 1024 + u64::from(pid) * 1000,
        thread_count: threads.len() as u32,
        threads,
        exitcode,
    }
}

fn sample(at_secs: f32, processes: Vec<ProcessSample>, ended: Vec<ProcessSample>) -> TreeSample {
    TreeSample {
        at: Instant::now(),
        since_boot: Duration::from_secs_f32(1000.0 + at_secs),
        processes,
        ended,
    }
}

fn report(pid: u32, json: &str) -> RunNews {
    let (mut events, bad) = wire::decode(json.as_bytes());
    assert_eq!((events.len(), bad), (1, 0), "{json}");
    let event = events.remove(0);
    RunNews::Report {
        run: 1,
        report: Report::Event {
            pid,
            time: event.time().unwrap_or(0.0),
            event,
        },
    }
}

fn line(pid: Option<u32>, stream: Stream, text: &str) -> RunNews {
    RunNews::Program(RunEvent::Output {
        run: 1,
        line: OutputLine {
            pid,
            stream,
            text: text.into(),
        },
    })
}

fn app_with(news: Vec<RunNews>) -> App {
    let mut app = App::new(
        LabId::Program,
        Settings {
            start: StartOptions::default(),
            auto_join: false,
            max_workers: 256,
        },
        Machine { cores: 2 },
    );
    // The log's clock stays at zero: every event lands at 00:00.0.
    app.now = Duration::ZERO;
    for n in news {
        <RunState as AppLab>::on_event(&mut app, n);
    }
    app
}

fn watching(what: &str) -> RunNews {
    RunNews::Watching {
        what: what.into(),
        pid: MAIN,
        run: 1,
        owned: true,
        instrumented: true,
        note: None,
        cwd: Some(PathBuf::from(ROOT)),
    }
}

/// producer_consumer.py, a moment in: two producers waiting on the full
/// queue, two consumers, a child that ended and was not joined, one that
/// was joined, a Value and a Pool.
fn busy_program() -> App {
    let f = format!("{ROOT}/producer_consumer.py");
    let main_cmd = "python3 producer_consumer.py";
    let kids = |state_p: char, state_c: char| {
        vec![
            process(
                MAIN,
                None,
                Kind::Main,
                'S',
                0.0,
                main_cmd,
                &[(MAIN, 0.1, 5, 'S')],
                None,
            ),
            process(
                4201,
                Some(MAIN),
                Kind::Child,
                state_p,
                3.0,
                main_cmd,
                &[(4201, 0.1, 9, 'S'), (4202, 0.0, 3, 'S')],
                None,
            ),
            process(
                4203,
                Some(MAIN),
                Kind::Child,
                state_p,
                4.0,
                main_cmd,
                &[(4203, 0.1, 9, 'S')],
                None,
            ),
            process(
                4205,
                Some(MAIN),
                Kind::Child,
                state_c,
                61.0,
                main_cmd,
                &[(4205, 0.6, 9, 'R')],
                None,
            ),
            process(
                4207,
                Some(MAIN),
                Kind::Child,
                state_c,
                58.0,
                main_cmd,
                &[(4207, 0.6, 9, 'R')],
                None,
            ),
            process(4209, Some(MAIN), Kind::Child, 'Z', 0.0, "", &[], Some(0)),
        ]
    };
    let joined = process(4211, Some(MAIN), Kind::Child, 'Z', 0.0, "", &[], Some(-15));
    let t = 1_700_000_000.0;
    let mut news = vec![
        watching("python3 producer_consumer.py"),
        RunNews::Program(RunEvent::Started { run: 1, pid: MAIN }),
        report(
            MAIN,
            &format!(
                r#"{{"k":"hello","v":1,"pid":{MAIN},"ppid":1,"role":"python","py":"3.11.7","ft":false,"gil":true,"t":{t}}}"#
            ),
        ),
        report(
            MAIN,
            &format!(
                r#"{{"k":"made","what":"Queue","id":"1.1","maxsize":100,"at":"{f}:38","t":{t}}}"#
            ),
        ),
        report(
            MAIN,
            &format!(
                r#"{{"k":"made","what":"Value","id":"1.2","typecode":"i","value":0,"at":"{f}:40","t":{t}}}"#
            ),
        ),
    ];
    for (pid, name, target) in [
        (4201, "producer-0", "producer"),
        (4203, "producer-1", "producer"),
        (4205, "consumer-0", "consumer"),
        (4207, "consumer-1", "consumer"),
        (4209, "checker", "check"),
        (4211, "stopper", "stop"),
    ] {
        news.push(report(MAIN, &format!(r#"{{"k":"start","pid":{pid},"name":"{name}","target":"__main__.{target}","daemon":false,"role":"process","method":"fork","at":"{f}:43","t":{t}}}"#)));
    }
    news.push(report(MAIN, &format!(r#"{{"k":"made","what":"Pool","id":"1.3","processes":2,"workers":[4300,4301],"inq":"1.4","at":"{f}:52","t":{t}}}"#)));
    news.push(report(MAIN, &format!(r#"{{"k":"call","api":"map","pool":"1.3","job":0,"func":"__main__.square","chunksize":3,"items":20,"at":"{f}:53","t":{t}}}"#)));
    news.push(report(
        4300,
        r#"{"k":"tasks","inq":"1.4","job":0,"took":[[0,2],[5,5]],"items":12,"done":4,"failed":0}"#,
    ));
    news.push(report(
        4301,
        r#"{"k":"tasks","inq":"1.4","job":0,"took":[[3,4],[6,6]],"items":8,"done":3,"failed":0}"#,
    ));
    news.push(report(
        MAIN,
        &format!(
            r#"{{"k":"join","pid":4211,"exitcode":-15,"timeout":null,"at":"{f}:47","t":{t}}}"#
        ),
    ));
    for (n, depth) in [0, 40, 90, 100, 100, 100].into_iter().enumerate() {
        let _ = n;
        news.push(report(
            MAIN,
            &format!(r#"{{"k":"q","id":"1.1","size":{depth}}}"#),
        ));
    }
    news.push(report(MAIN, r#"{"k":"val","id":"1.2","value":39211}"#));
    for pid in [4201, 4203] {
        news.push(report(pid, &format!(r#"{{"k":"waits","w":[{{"tid":{pid},"call":"Queue.put","obj":"1.1","at":"{f}:22"}}],"t":{t}}}"#)));
    }
    news.push(line(Some(4205), Stream::Stdout, "consumer-0 got 500 items"));
    news.push(line(
        Some(4207),
        Stream::Stderr,
        "consumer-1: warning: slow item 512",
    ));
    news.push(line(
        None,
        Stream::Stdout,
        "a line from a process proclab cannot name",
    ));
    news.push(RunNews::Sample {
        run: 1,
        sample: Box::new(sample(0.0, kids('S', 'R'), vec![])),
    });
    let mut later = kids('S', 'R');
    later.iter_mut().for_each(|p| p.cpu_percent += 1.0);
    news.push(RunNews::Sample {
        run: 1,
        sample: Box::new(sample(0.25, later, vec![joined])),
    });
    app_with(news)
}

#[test]
fn a_busy_program_at_80x24_shows_its_tree_output_and_events() {
    let app = busy_program();
    assert_snapshot!(screen(&app, 80, 24).backend());
}

#[test]
fn the_lower_panel_goes_round_threads_queues_values_and_pools_at_80x24() {
    let mut app = busy_program();
    // The producer with two threads, selected.
    app::update(&mut app, Action::SelectNext);
    for name in ["threads", "queues", "values", "pools"] {
        app::update(&mut app, Action::Program(RunAction::NextPanel));
        insta::assert_snapshot!(
            format!("lower_panel_{name}"),
            screen(&app, 80, 24).backend()
        );
    }
}

#[test]
fn a_busy_program_at_120x36_shows_every_panel() {
    let mut app = busy_program();
    // The zombie, selected: the call that would reap it is named.
    app::update(&mut app, Action::SelectRow(5));
    assert_snapshot!(screen(&app, 120, 36).backend());
}

#[test]
fn threads_taking_turns_under_the_gil_are_named() {
    let cmd = "python3 cpu_threads.py";
    let at = |secs: f32, each: f32, switches: u64| {
        let threads: Vec<T> = std::iter::once((MAIN, 0.05, 2, 'S'))
            .chain((1..=4).map(|i| (MAIN + i, each, switches, if i == 2 { 'R' } else { 'S' })))
            .collect();
        sample(
            secs,
            vec![process(
                MAIN,
                None,
                Kind::Main,
                'S',
                99.0,
                cmd,
                &threads,
                None,
            )],
            vec![],
        )
    };
    let mut news = vec![
        watching(cmd),
        RunNews::Program(RunEvent::Started { run: 1, pid: MAIN }),
    ];
    for (i, secs) in [0.0f32, 0.5, 1.0, 1.5].into_iter().enumerate() {
        let i = i as f32;
        news.push(RunNews::Sample {
            run: 1,
            sample: Box::new(at(secs, 0.12 * i, (100.0 * i) as u64)),
        });
    }
    let app = app_with(news);
    assert_eq!(app.run.verdicts.len(), 1, "{:?}", app.run.window.len());
    assert_snapshot!(screen(&app, 120, 36).backend());
}

#[test]
fn before_anything_is_watched_the_view_says_how() {
    let app = app_with(Vec::new());
    assert_snapshot!(screen(&app, 80, 24).backend());
}

/// A launcher's helpers (a pyenv shim runs bash before it starts Python)
/// that ended are counted in the tree's title, not listed; an ended
/// Python child is listed.
#[test]
fn other_commands_that_ended_are_counted_not_listed() {
    let cmd = "python3 demo.py";
    let main = process(
        MAIN,
        None,
        Kind::Main,
        'S',
        0.0,
        cmd,
        &[(MAIN, 0.1, 5, 'S')],
        None,
    );
    let helper = process(
        4101,
        Some(MAIN),
        Kind::Command,
        'S',
        0.0,
        "bash /root/.pyenv/libexec/pyenv-exec python3",
        &[(4101, 0.0, 1, 'S')],
        None,
    );
    let subshell = process(
        4102,
        Some(4101),
        Kind::Child,
        'S',
        0.0,
        "bash /root/.pyenv/libexec/pyenv-exec python3",
        &[(4102, 0.0, 1, 'S')],
        None,
    );
    let child = process(
        4103,
        Some(MAIN),
        Kind::Child,
        'S',
        0.0,
        cmd,
        &[(4103, 0.1, 1, 'S')],
        None,
    );
    let news = vec![
        watching(cmd),
        RunNews::Program(RunEvent::Started { run: 1, pid: MAIN }),
        RunNews::Sample {
            run: 1,
            sample: Box::new(sample(
                0.0,
                vec![
                    main.clone(),
                    helper.clone(),
                    subshell.clone(),
                    child.clone(),
                ],
                vec![],
            )),
        },
        RunNews::Sample {
            run: 1,
            sample: Box::new(sample(
                0.25,
                vec![main.clone()],
                vec![helper, subshell, child.clone()],
            )),
        },
        // A later reading that still names them ended counts them once.
        RunNews::Sample {
            run: 1,
            sample: Box::new(sample(0.5, vec![main], vec![child])),
        },
    ];
    let app = app_with(news);
    let text = screen(&app, 100, 30).backend().to_string();
    assert!(
        text.contains("run 1 · 1 live · 2 other commands ended"),
        "{text}"
    );
    assert!(text.contains("4103"), "the Python child is listed: {text}");
    assert!(!text.contains("4101") && !text.contains("4102"), "{text}");
}

/// A program of the course's last lessons at 120x36, from its news:
/// `made` events, then `call` events, each `(json fields, line)`.
fn course_program(made: &[(&str, u32)], calls: &[(&str, u32)]) -> App {
    let f = format!("{ROOT}/course.py");
    let cmd = "python3 course.py";
    let t = 1_700_000_000.0;
    let main = process(
        MAIN,
        None,
        Kind::Main,
        'S',
        0.0,
        cmd,
        &[(MAIN, 0.1, 5, 'S')],
        None,
    );
    let mut news = vec![
        watching(cmd),
        RunNews::Program(RunEvent::Started { run: 1, pid: MAIN }),
    ];
    for (n, (what, line)) in made.iter().enumerate() {
        news.push(report(
            MAIN,
            &format!(r#"{{"k":"made",{what},"id":"1.{n}","at":"{f}:{line}","t":{t}}}"#),
        ));
    }
    for (call, line) in calls {
        news.push(report(
            MAIN,
            &format!(r#"{{"k":"call",{call},"at":"{f}:{line}","t":{t}}}"#),
        ));
    }
    news.push(RunNews::Sample {
        run: 1,
        sample: Box::new(sample(0.0, vec![main], vec![])),
    });
    app_with(news)
}

fn assert_on_screen(app: &App, python: &[&str]) -> String {
    let shown = screen(app, 120, 36);
    let text = format!("{:?}", shown.backend());
    for p in python {
        assert!(text.contains(p), "{p} is not on screen:\n{text}");
    }
    shown.backend().to_string()
}

/// condition_array.py's, rlock.py's and shared_state.py's objects, each
/// logged with its Python: a Condition, an Array, an RLock, a Manager
/// and its list and dict.
#[test]
fn a_condition_an_rlock_and_a_managers_proxies_are_named() {
    let app = course_program(
        &[
            (r#""what":"Condition""#, 10),
            (
                r#""what":"Array","typecode":"i","len":4,"value":[0,0,0,0]"#,
                11,
            ),
            (r#""what":"RLock""#, 12),
            (r#""what":"SyncManager","server":4150"#, 13),
            (r#""what":"Manager.list""#, 14),
            (r#""what":"Manager.dict""#, 15),
        ],
        &[],
    );
    let screen = assert_on_screen(
        &app,
        &["Condition()", "RLock()", "manager.list()", "manager.dict()"],
    );
    assert_snapshot!(screen);
}

/// pool_api.py's calls past map: apply, map_async, starmap, close, join.
#[test]
fn the_pool_calls_past_map_are_named() {
    let app = course_program(
        &[(
            r#""what":"Pool","processes":2,"workers":[4300,4301],"inq":"1.9""#,
            16,
        )],
        &[
            (
                r#""api":"apply","pool":"1.0","job":0,"func":"__main__.square""#,
                20,
            ),
            (
                r#""api":"map_async","pool":"1.0","job":1,"func":"__main__.square","chunksize":2,"items":8"#,
                21,
            ),
            (
                r#""api":"starmap","pool":"1.0","job":2,"func":"__main__.add","chunksize":1,"items":2"#,
                22,
            ),
            (r#""api":"close","pool":"1.0""#, 23),
            (r#""api":"join","pool":"1.0""#, 24),
        ],
    );
    let screen = assert_on_screen(
        &app,
        &[
            "pool.apply(square",
            "pool.map_async(square",
            "pool.starmap(add",
            "pool.close()",
            "pool.join()",
        ],
    );
    assert_snapshot!(screen);
}
