//! The command line's checks: defaults, each lab's flags, and errors
//! that name the flag.

use super::*;
use crate::app::LabId;
use crate::lab::counter::CounterMode;
use crate::lab::gil::Mode;
use crate::lab::pool::{ChunkChoice, Cost, Method};

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::parse_checked(std::iter::once("proclab").chain(args.iter().copied()))
}

/// The one line of a refusal, without clap's usage lines.
fn refusal(args: &[&str]) -> String {
    let e = parse(args).unwrap_err();
    crate::config::clap_message(&e)
}

#[test]
fn a_labs_flag_opens_its_lab() {
    let lab = |args: &[&str]| parse(args).unwrap().lab;
    assert_eq!(lab(&["--mode", "threads"]), LabId::Gil);
    assert_eq!(lab(&["--producers", "3", "--consumers", "2"]), LabId::Queue);
    assert_eq!(lab(&["--permits", "3", "--workers", "4"]), LabId::Sync);
    assert_eq!(lab(&["--counter", "locked"]), LabId::Counter);
    assert_eq!(lab(&["--maxtasksperchild", "5"]), LabId::Pool);
    // A flag several labs take keeps the lab proclab opens on.
    assert_eq!(
        lab(&["--workers", "3", "--task-ms", "200"]),
        LabId::Lifecycle
    );
    assert_eq!(lab(&["--workload", "io", "--mode", "threads"]), LabId::Gil);
    // Flags every lab takes open nothing.
    assert_eq!(
        lab(&["--theme", "projector", "--keep-running"]),
        LabId::Lifecycle
    );
}

#[test]
fn a_labs_flag_with_another_lab_is_refused_naming_the_lab() {
    assert_eq!(
        refusal(&["--lab", "pipe", "--workers", "3"]),
        "--workers goes with the Lifecycle, GIL race, Counter, Sync and Pool labs \
         (--lab lifecycle, gil, counter, sync or pool): --lab pipe does not take it"
    );
    assert_eq!(
        refusal(&["--lab", "lifecycle", "--mode", "threads"]),
        "--mode goes with the GIL race lab (--lab gil): --lab lifecycle does not take it"
    );
    assert_eq!(
        refusal(&["--lab", "gil", "--producers", "3"]),
        "--producers goes with the Queue lab (--lab queue): --lab gil does not take it"
    );
    assert_eq!(
        refusal(&["--mode", "threads", "--counter", "locked"]),
        "--counter (Counter lab), --mode (GIL race lab) belong to different labs: \
         give one lab's flags, with --lab to say which"
    );
    assert!(parse(&["--lab", "gil", "--workers", "3", "--mode", "threads"]).is_ok());
}

#[test]
fn every_labs_flag_is_a_flag() {
    let longs: Vec<String> = Cli::command()
        .get_arguments()
        .filter_map(|a| a.get_long().map(String::from))
        .collect();
    for (lab, flags) in crate::app::labs::flags() {
        for flag in flags {
            assert!(longs.iter().any(|l| l == flag), "{lab:?}: no --{flag}");
        }
    }
}

#[test]
fn the_defaults_need_no_flag() {
    let cli = parse(&[]).unwrap();
    assert_eq!(cli.lab, LabId::Lifecycle);
    assert_eq!(cli.lifecycle_workers(), 2);
    let o = cli.startup(2).queue;
    assert_eq!(o.workers(cli.lab), (0, 0), "none off the queue lab");
    let q = parse(&["--lab", "queue"]).unwrap();
    assert_eq!(
        q.lifecycle_workers(),
        0,
        "no lifecycle workers on the queue lab"
    );
    let o = q.startup(2).queue;
    assert_eq!((o.workers(q.lab), o.capacity), ((2, 1), 16));
    assert_eq!((o.producer_rate, o.consumer_rate), (5, 8));
    let fast = parse(&["--lab", "queue", "--producer-rate", "max"]).unwrap();
    assert_eq!(fast.comms.producer_rate, 0, "max is as fast as it can");
    assert_eq!(cli.items, 2_000);
    assert_eq!(
        cli.startup(4).pool.workers,
        4,
        "a pool has one worker per core"
    );
    assert_eq!(cli.refresh_ms, 100);
    assert_eq!(cli.max_workers, 256);
    assert_eq!(cli.counter, CounterMode::Racy);
    assert_eq!(cli.increments, 1_000_000);
    assert_eq!(cli.permits, 2);
}

#[test]
fn the_pipe_labs_close_their_ends_unless_told() {
    use crate::lab::comms::Ends;
    let s = parse(&["--lab", "pipe"]).unwrap().startup(2);
    assert_eq!((s.pipe.ends, s.pipeline.ends), (Ends::Closed, Ends::Closed));
    let s = parse(&["--lab", "pipeline", "--pipe-ends", "open"])
        .unwrap()
        .startup(2);
    assert_eq!((s.pipe.ends, s.pipeline.ends), (Ends::Open, Ends::Open));
}

#[test]
fn the_counter_lab_takes_its_flags() {
    let cli = parse(&[
        "--lab",
        "counter",
        "--workers",
        "3",
        "--counter",
        "locked",
        "--increments",
        "1_000",
        "--slow",
    ])
    .unwrap();
    assert_eq!(cli.lab, LabId::Counter);
    assert_eq!(cli.counter, CounterMode::Locked);
    assert_eq!(cli.increments, 1000);
    assert!(cli.slow);
    let max = parse(&["--increments", "18446744073709551615"]).unwrap();
    assert_eq!(
        max.increments,
        u64::MAX,
        "one worker may count to u64's largest"
    );
}

#[test]
fn bad_values_name_the_flag() {
    for (args, needle) in [
        (&["--workers", "5000"][..], "--workers"),
        (&["--max-workers", "0"], "--max-workers"),
        (&["--workers", "9", "--max-workers", "4"], "--max-workers 4"),
        (&["--workload", "gpu"], "--workload"),
        (&["--lab", "nope"], "--lab"),
        (&["--tasks", "0"], "--tasks"),
        (&["--refresh-ms", "1"], "--refresh-ms"),
        (&["--task-ms", "abc"], "--task-ms"),
        (&["--lab", "pool", "--workers", "0"], "1 to 52"),
        (&["--lab", "pool", "--workers", "53"], "1 to 52"),
        (&["--chunksize", "0"], "--chunksize"),
        (&["--items", "0"], "1 to 1000000"),
        (&["--items", "2000000"], "40 bytes an item"),
        (&["--items", "many"], "--items"),
        (&["--method", "starmap"], "imap_unordered"),
        (&["--maxtasksperchild", "0"], "--maxtasksperchild"),
        (&["--cost", "heavy"], "skewed"),
        (&["--mode", "greenlets"], "--mode"),
        (&["--switch-interval-ms", "0.05"], "0.1 to 1000 ms"),
        (&["--switch-interval-ms", "1001"], "--switch-interval-ms"),
        (&["--switch-interval-ms", "fast"], "0.1 to 1000 ms"),
        (&["--race-workers", "0"], "--race-workers"),
        (&["--race-workers", "65"], "--race-workers"),
        (
            &["--race-workers", "9", "--max-workers", "4"],
            "--max-workers 4",
        ),
        (
            &["--lab", "gil", "--mode", "threads", "--workers", "65"],
            "64 threads",
        ),
        (&["--capacity", "0"], "--capacity"),
        (&["--capacity", "65537"], "1..=65536"),
        (&["--producers", "300"], "--producers"),
        (&["--consumer-rate", "0"], "1 to 100000"),
        (&["--producer-rate", "fast"], "--producer-rate"),
        (&["--pipe-ends", "half"], "closed, open"),
        (
            &["--lab", "queue", "--producers", "200", "--consumers", "100"],
            "more than --max-workers 256",
        ),
        (&["--increments", "0"], "--increments"),
        (
            &["--increments", "18446744073709551616"],
            "at most 18446744073709551615",
        ),
        (&["--increments", "-5"], "--increments"),
        (&["--counter", "fast"], "--counter"),
        (
            &["--lab", "pool", "--method", "futures", "--chunksize", "5"],
            "--chunksize goes with map",
        ),
        (&["--permits", "0"], "--permits"),
        (
            &["--permits", "9", "--max-workers", "8"],
            "k must be from 1 to 8",
        ),
        (&["--parties", "0"], "--parties"),
        (&["--parties", "300"], "--parties 300"),
        (
            &[
                "--lab",
                "counter",
                "--workers",
                "4",
                "--increments",
                "18446744073709551615",
            ],
            "--increments",
        ),
        (
            &[
                "--lab",
                "counter",
                "--counter",
                "manager",
                "--workers",
                "4",
                "--max-workers",
                "4",
            ],
            "one more process",
        ),
    ] {
        let err = parse(args).unwrap_err().to_string();
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn pool_flags_make_the_settings() {
    let cli = parse(&[
        "--lab",
        "pool",
        "--workers",
        "3",
        "--items",
        "500",
        "--chunksize",
        "7",
        "--method",
        "imap_unordered",
        "--maxtasksperchild",
        "4",
        "--cost",
        "skewed",
    ])
    .unwrap();
    assert_eq!(cli.lifecycle_workers(), 0, "the pool starts its own");
    let s = cli.startup(2).pool;
    assert_eq!(s.workers, 3);
    assert_eq!(s.items, 500);
    assert_eq!(s.chunk, ChunkChoice::Fixed(7));
    assert_eq!(s.method, Method::ImapUnordered);
    assert_eq!(s.maxtasks, Some(4));
    assert_eq!(s.cost, Cost::Skewed);
    let alias = parse(&["--method", "apply-async"]).unwrap();
    assert_eq!(alias.method, Method::ApplyAsync);
}

#[test]
fn the_gil_flags_parse() {
    let cli = parse(&[
        "--lab",
        "gil",
        "--mode",
        "free-threads",
        "--switch-interval-ms",
        "0.1",
    ])
    .unwrap();
    assert_eq!(cli.lab, LabId::Gil);
    assert_eq!(cli.mode, Mode::FreeThreads);
    assert_eq!(cli.switch_interval_us, 100);
    assert_eq!(parse(&[]).unwrap().switch_interval_us, 5_000);
    assert!(
        parse(&["--lab", "gil", "--mode", "processes", "--workers", "100"]).is_ok(),
        "the thread cap is for threads"
    );
}
