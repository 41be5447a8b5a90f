//! Pipes and the pipeline with real worker processes: ping-pong, a stream
//! read to its end, EOF when one end dies, and the pipeline's sentinel.

use std::time::{Duration, Instant};

use crate::common::*;
use proclab::lab::engine::{Engine, EngineEvent};
use proclab::lab::pipe::{EndState, PipeError, PipeEvent, PipeMode};
use proclab::lab::pipeline::{PipelineEvent, StageEnd, Stopping};
use proclab::lab::{Status, WorkerId};

fn engine() -> Engine {
    Engine::new(lab())
}

fn until(
    engine: &mut Engine,
    what: &str,
    mut cond: impl FnMut(&mut Engine) -> bool,
) -> Vec<EngineEvent> {
    let start = Instant::now();
    let mut events = Vec::new();
    loop {
        events.extend(engine.poll());
        if cond(engine) {
            return events;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "gave up after {PATIENCE:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn exited(engine: &Engine, id: WorkerId) -> Option<i32> {
    engine.lab.status(id).ok().and_then(Status::exitcode)
}

#[test]
fn ping_pong_times_round_trips_and_a_dead_end_gives_eof() {
    let mut e = engine();
    e.pipe.set_rate(&e.lab, 0);
    let [ping, pong] = e.pipe.start(&mut e.lab, None).unwrap();
    until(&mut e, "50 round trips", |e| {
        e.pipe.stats(&e.lab).count >= 50
    });
    let s = e.pipe.stats(&e.lab);
    assert!(s.latency_min_ns > 0 && s.latency_min_ns <= s.latency_mean_ns);
    assert!(s.latency_mean_ns <= s.latency_max_ns);
    // Exactly two ends: no second pipe while they run.
    assert!(matches!(
        e.pipe.start(&mut e.lab, None),
        Err(PipeError::Running(..))
    ));

    // Paced, pong sits in recv() between pings: the death it sees is EOF.
    // Ping is stopped first (and seen stopped: SIGSTOP lands a moment after
    // it is sent), so that it cannot send one more ping that pong would
    // answer into a closed pipe (BrokenPipeError, not EOFError); a stopped
    // process handed SIGTERM (pending while it is stopped, as with Python's
    // terminate()) and then SIGCONT dies before running again.
    e.pipe.set_rate(&e.lab, 5);
    e.lab.pause(ping).unwrap();
    let ping_pid = e.lab.pid(ping).unwrap();
    until(&mut e, "ping to stop (state T)", |_| {
        proclab::metrics::procstat::read_process(ping_pid).is_some_and(|st| st.state == 'T')
    });
    until(&mut e, "pong to wait on recv", |e| {
        e.lab
            .snapshot()
            .iter()
            .any(|w| w.id == pong && w.wait == proclab::lab::queue::wait::RECV)
    });
    e.lab.terminate(ping).unwrap();
    e.lab.resume(ping).unwrap();
    let events = until(&mut e, "pong to end", |e| exited(e, pong).is_some());
    assert_eq!(exited(&e, ping), Some(-15));
    assert_eq!(
        exited(&e, pong),
        Some(0),
        "pong caught EOFError and returned"
    );
    assert_eq!(e.pipe.stats(&e.lab).ends[1], EndState::Eof);
    assert!(
        events.contains(&EngineEvent::Pipe(PipeEvent::Eof {
            id: pong,
            role: proclab::lab::Role::Pong
        })),
        "{events:?}"
    );
}

#[test]
fn a_stream_is_read_to_its_end_in_order() {
    let mut e = engine();
    e.pipe.set_mode(PipeMode::Stream);
    e.pipe.set_rate(&e.lab, 0);
    let [sender, receiver] = e.pipe.start(&mut e.lab, Some(20_000)).unwrap();
    until(&mut e, "both ends to finish", |e| {
        exited(e, sender).is_some() && exited(e, receiver).is_some()
    });
    assert_eq!(
        (exited(&e, sender), exited(&e, receiver)),
        (Some(0), Some(0))
    );
    let s = e.pipe.stats(&e.lab);
    assert_eq!((s.sent, s.count), (20_000, 20_000), "every message, once");
    assert_eq!(s.ends, [EndState::Finished, EndState::Eof]);
    assert!(e.pipe.received_rate(&e.lab).unwrap() > 0.0);
}

#[test]
fn killing_the_reader_breaks_the_writers_pipe() {
    let mut e = engine();
    e.pipe.set_mode(PipeMode::Stream);
    e.pipe.set_rate(&e.lab, 1000);
    let [sender, receiver] = e.pipe.start(&mut e.lab, None).unwrap();
    until(&mut e, "some messages", |e| e.pipe.stats(&e.lab).count > 5);
    e.lab.kill(receiver).unwrap();
    until(&mut e, "the sender to end", |e| exited(e, sender).is_some());
    assert_eq!(
        exited(&e, sender),
        Some(0),
        "BrokenPipeError caught, returned"
    );
    assert_eq!(e.pipe.stats(&e.lab).ends[0], EndState::Broken);
}

#[test]
fn a_new_pipe_joins_the_last_ones_ends_and_starts_both_or_neither() {
    let mut e = Engine::new(lab_with(|c| c.max_workers = 3));
    e.pipe.set_mode(PipeMode::Stream);
    e.pipe.set_rate(&e.lab, 0);
    let old = e.pipe.start(&mut e.lab, Some(10)).unwrap();
    until(&mut e, "both ends to finish", |e| {
        old.iter().all(|&id| exited(e, id).is_some())
    });
    // Two zombies and a cap of three: the next pipe fits only once they
    // are joined, which starting it does.
    let new = e.pipe.start(&mut e.lab, None).unwrap();
    for id in old {
        assert!(
            matches!(e.lab.status(id), Ok(Status::Joined(0))),
            "worker {id}: {:?}",
            e.lab.status(id)
        );
    }
    for id in new {
        e.lab.kill(id).unwrap();
    }
    until(&mut e, "the new ends to die", |e| {
        new.iter().all(|&id| exited(e, id).is_some())
    });
    for id in new {
        e.lab.join_nowait(id).unwrap();
    }
    // Two other workers leave room for one
    // end only: neither starts.
    let others = [(); 2].map(|_| e.lab.start_with(forever()).unwrap());
    assert!(matches!(
        e.pipe.start(&mut e.lab, None),
        Err(PipeError::Lab(proclab::lab::LabError::Cap(3)))
    ));
    assert_eq!(
        e.lab.live_count(),
        2,
        "a refused pipe leaves no worker behind"
    );
    for id in others {
        e.lab.kill(id).unwrap();
    }
    until(&mut e, "the other workers to die", |e| {
        others.iter().all(|&id| exited(e, id).is_some())
    });
}

#[test]
fn the_pipeline_passes_every_item_and_its_sentinel_down_the_line() {
    let mut e = engine();
    for (stage, ms) in [(0, 0), (1, 1), (2, 0)] {
        e.pipeline.set_stage_ms(&e.lab, stage, ms);
    }
    let [fetch, process, save] = e.pipeline.start(&mut e.lab, Some(40)).unwrap();
    let events = until(&mut e, "all three stages to end", |e| {
        [fetch, process, save]
            .iter()
            .all(|&id| exited(e, id).is_some())
    });
    for id in [fetch, process, save] {
        assert_eq!(exited(&e, id), Some(0), "worker {id}");
    }
    let s = e.pipeline.stats(&e.lab);
    assert_eq!(s.ended, [StageEnd::Sentinel; 3]);
    let done: Vec<u64> = e
        .lab
        .snapshot()
        .iter()
        .filter(|w| [fetch, process, save].contains(&w.id))
        .map(|w| w.tasks_done)
        .collect();
    assert_eq!(done, vec![40, 40, 40], "each stage handled every item");
    assert_eq!(s.queue.unfinished(), 0);
    assert!(
        events.contains(&EngineEvent::Pipeline(PipelineEvent::StageDone {
            stage: 2,
            id: save
        }))
    );
}

#[test]
fn the_backlog_grows_in_front_of_the_slowest_stage_and_stop_drains_it() {
    let mut e = engine();
    // process is slow: items wait in the pipe, none in the queue.
    for (stage, ms) in [(0, 0), (1, 20), (2, 0)] {
        e.pipeline.set_stage_ms(&e.lab, stage, ms);
    }
    let [fetch, process, save] = e.pipeline.start(&mut e.lab, None).unwrap();
    until(&mut e, "a backlog in the pipe", |e| {
        e.pipeline.stats(&e.lab).pipe_items > 20
    });
    assert!(e.pipeline.stats(&e.lab).queue.depth() <= 1);
    // Speed process up and slow save down: the backlog moves to the queue.
    e.pipeline.set_stage_ms(&e.lab, 1, 0);
    e.pipeline.set_stage_ms(&e.lab, 2, 20);
    until(&mut e, "the queue to fill", |e| {
        let s = e.pipeline.stats(&e.lab);
        s.queue.depth() == s.queue.capacity
    });
    e.pipeline.set_stage_ms(&e.lab, 2, 0);
    assert_eq!(e.pipeline.stop(&mut e.lab), Some(Stopping::Fetch));
    until(&mut e, "the pipeline to stop", |e| {
        [fetch, process, save]
            .iter()
            .all(|&id| exited(e, id).is_some())
    });
    for id in [fetch, process, save] {
        assert_eq!(exited(&e, id), Some(0));
    }
    let fetched = e
        .lab
        .snapshot()
        .iter()
        .find(|w| w.id == fetch)
        .unwrap()
        .tasks_done;
    let saved = e
        .lab
        .snapshot()
        .iter()
        .find(|w| w.id == save)
        .unwrap()
        .tasks_done;
    assert_eq!(fetched, saved, "the sentinel came after the whole backlog");
}

#[test]
fn with_process_killed_stop_still_lets_save_finish() {
    let mut e = engine();
    for (stage, ms) in [(0, 5), (1, 5), (2, 5)] {
        e.pipeline.set_stage_ms(&e.lab, stage, ms);
    }
    let [fetch, process, save] = e.pipeline.start(&mut e.lab, None).unwrap();
    until(&mut e, "items to reach save", |e| {
        e.lab
            .snapshot()
            .iter()
            .any(|w| w.id == save && w.tasks_done > 3)
    });
    e.lab.kill(process).unwrap();
    until(&mut e, "fetch to find the pipe broken", |e| {
        exited(e, fetch).is_some()
    });
    assert_eq!(e.pipeline.stats(&e.lab).ended[0], StageEnd::Broken);
    assert_eq!(
        e.pipeline.stop(&mut e.lab),
        Some(Stopping::ForSave),
        "save still runs"
    );
    until(&mut e, "save to stop", |e| exited(e, save).is_some());
    assert_eq!(
        exited(&e, save),
        Some(0),
        "save got a sentinel from proclab"
    );
}

#[test]
fn a_new_pipe_shows_its_own_figures_at_once_not_the_last_ones() {
    use proclab::app::pipe::{PipeEffect, perform};
    use proclab::app::{App, LabId, Machine, Settings};
    use proclab::lab::StartOptions;
    use proclab::lab::comms::Ends;

    let mut e = engine();
    let mut app = App::new(
        LabId::Pipe,
        Settings {
            start: StartOptions::default(),
            auto_join: false,
            max_workers: 8,
        },
        Machine { cores: 2 },
    );
    let start = PipeEffect::Start(PipeMode::PingPong, Ends::Closed);
    perform::perform(&mut app, &mut e.lab, &mut e.pipe, start);
    let old = e.pipe.ids().unwrap();
    until(&mut e, "round trips", |e| e.pipe.stats(&e.lab).count > 5);
    perform::sample(&mut app, &e.lab, &e.pipe);
    assert!(app.pipe.view(&[]).count > 5);
    // Its ends closed, the other end meets EOFError and returns.
    e.lab.kill(old[0]).unwrap();
    until(&mut e, "both ends to end", |e| {
        old.iter().all(|&id| exited(e, id).is_some())
    });
    perform::perform(&mut app, &mut e.lab, &mut e.pipe, start);
    let new = e.pipe.ids().unwrap();
    assert_ne!(new, old);
    let stats = app.pipe.stats.unwrap();
    assert_eq!(stats.ids, Some(new), "the panel shows the new pair");
    assert!(
        app.pipe.view(&[]).count < 5,
        "the new pair's count, not the last one's"
    );
    e.lab.kill(new[0]).unwrap();
    until(&mut e, "the new ends to end", |e| {
        new.iter().all(|&id| exited(e, id).is_some())
    });
}
