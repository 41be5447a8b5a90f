//! The pipe's unused ends, closed or left open, with real workers: with
//! them closed an end whose other side dies meets EOFError (or
//! BrokenPipeError) and returns; left open it waits for ever, blocked in
//! `recv()` (state S) or, sending, once the pipe is full, and the engine
//! says who still holds the pipe open. Both kinds of pipe, and the
//! pipeline's. What proclab itself holds is read from `/proc/self/fd`.

use std::time::{Duration, Instant};

use crate::common::*;
use proclab::lab::WORKER_EXTRA_FD;
use proclab::lab::comms::Ends;
use proclab::lab::comms::holders::Holder;
use proclab::lab::comms::wait;
use proclab::lab::engine::{Engine, EngineEvent};
use proclab::lab::pipe::{EndState, PipeEvent, PipeMode};
use proclab::lab::pipeline::{PipelineEvent, StageEnd, Stopping};
use proclab::lab::{Status, WorkerId};

/// How long an end that would see EOF has to see it before it counts as
/// waiting for ever: CPython's witnesses wait as long.
const HANG: Duration = Duration::from_millis(1500);

fn engine() -> Engine {
    Engine::new(lab())
}

fn poll_for(e: &mut Engine, d: Duration) -> Vec<EngineEvent> {
    let end = Instant::now() + d;
    let mut events = Vec::new();
    while Instant::now() < end {
        events.extend(e.poll());
        std::thread::sleep(Duration::from_millis(5));
    }
    events
}

fn until(
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
        assert!(start.elapsed() < PATIENCE, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn exited(e: &Engine, id: WorkerId) -> Option<i32> {
    e.lab.status(id).ok().and_then(Status::exitcode)
}

/// The `/proc` link of the pipe end worker `id` uses: `pipe:[N]`.
fn link_of(e: &Engine, id: WorkerId) -> String {
    let pid = e.lab.pid(id).unwrap();
    std::fs::read_link(format!("/proc/{pid}/fd/{WORKER_EXTRA_FD}"))
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// Whether this process (proclab, the parent) has a descriptor on `link`.
fn parent_holds(link: &str) -> bool {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .flatten()
        .any(|f| std::fs::read_link(f.path()).is_ok_and(|l| l.to_string_lossy() == link))
}

/// Alive, asleep in the kernel (S) and waiting where `code` says.
fn waits_for_ever(e: &Engine, id: WorkerId, code: u32) {
    let w = e.lab.snapshot().into_iter().find(|w| w.id == id).unwrap();
    assert!(w.status.is_alive(), "worker {id} ended: {:?}", w.status);
    assert_eq!(w.wait, code, "worker {id} waits on something else");
    wait_state(w.pid, "S");
}

fn pipe_holders(events: &[EngineEvent]) -> Option<Vec<Holder>> {
    events.iter().find_map(|ev| match ev {
        EngineEvent::Pipe(PipeEvent::HeldOpen { holders, .. }) => Some(holders.clone()),
        _ => None,
    })
}

fn holder(e: &Engine, id: Option<WorkerId>) -> Holder {
    Holder {
        pid: id.map_or(std::process::id(), |id| e.lab.pid(id).unwrap()),
        worker: id,
    }
}

/// A one-way stream, flowing.
fn stream(ends: Ends, rate: u32) -> (Engine, [WorkerId; 2]) {
    let mut e = engine();
    e.pipe.set_mode(PipeMode::Stream);
    e.pipe.set_ends(ends);
    e.pipe.set_rate(&e.lab, rate);
    let ids = e.pipe.start(&mut e.lab, None).unwrap();
    until(&mut e, "messages", |e| e.pipe.stats(&e.lab).count > 3);
    (e, ids)
}

#[test]
fn ends_closed_the_receiver_of_a_dead_sender_meets_eof_and_returns() {
    let (mut e, [sender, receiver]) = stream(Ends::Closed, 50);
    let link = link_of(&e, receiver);
    assert!(!parent_holds(&link), "the parent closed its copies");
    e.lab.kill(sender).unwrap();
    let events = until(&mut e, "the receiver to end", |e| {
        exited(e, receiver).is_some()
    });
    assert_eq!(exited(&e, receiver), Some(0), "EOFError caught, returned");
    assert_eq!(e.pipe.stats(&e.lab).ends[1], EndState::Eof);
    assert_eq!(pipe_holders(&events), None, "nobody held w");
}

#[test]
fn ends_left_open_the_receiver_of_a_dead_sender_waits_for_ever_and_who_holds_w_is_said() {
    let (mut e, [sender, receiver]) = stream(Ends::Open, 50);
    let link = link_of(&e, receiver);
    assert!(parent_holds(&link), "the parent keeps its copies");
    e.lab.kill(sender).unwrap();
    let events = poll_for(&mut e, HANG);
    waits_for_ever(&e, receiver, wait::RECV);
    assert_eq!(e.pipe.stats(&e.lab).ends[1], EndState::Running);
    assert_eq!(
        pipe_holders(&events),
        Some(vec![holder(&e, None), holder(&e, Some(receiver))]),
        "w is open in the parent and in the receiver itself"
    );
    // Once no end is left, proclab lets its copies go.
    e.lab.kill(receiver).unwrap();
    until(&mut e, "the receiver to end", |e| {
        exited(e, receiver).is_some()
    });
    e.poll();
    assert!(!parent_holds(&link), "proclab's copies outlive the pair");
}

#[test]
fn ends_closed_the_sender_to_a_dead_receiver_meets_a_broken_pipe() {
    let (mut e, [sender, receiver]) = stream(Ends::Closed, 1000);
    e.lab.kill(receiver).unwrap();
    let events = until(&mut e, "the sender to end", |e| exited(e, sender).is_some());
    assert_eq!(exited(&e, sender), Some(0), "BrokenPipeError caught");
    assert_eq!(e.pipe.stats(&e.lab).ends[0], EndState::Broken);
    assert_eq!(pipe_holders(&events), None);
}

#[test]
fn ends_left_open_the_sender_to_a_dead_receiver_fills_the_pipe_and_waits_for_ever() {
    let (mut e, [sender, receiver]) = stream(Ends::Open, 1000);
    e.lab.kill(receiver).unwrap();
    e.pipe.set_rate(&e.lab, 0);
    let events = until(&mut e, "the sender to block on send", |e| {
        e.lab
            .snapshot()
            .iter()
            .any(|w| w.id == sender && w.wait == wait::SEND)
    });
    let mut events = events;
    events.extend(poll_for(&mut e, HANG));
    waits_for_ever(&e, sender, wait::SEND);
    assert_eq!(e.pipe.stats(&e.lab).ends[0], EndState::Running);
    assert_eq!(
        pipe_holders(&events),
        Some(vec![holder(&e, None), holder(&e, Some(sender))]),
        "r is open in the parent and in the sender itself"
    );
}

/// A duplex pipe, paced: the pinger stopped and seen stopped, so that the
/// answerer sits in `recv()` when the pinger dies (see `pipe.rs`).
fn duplex_with_ping_dead(ends: Ends) -> (Engine, WorkerId, Vec<EngineEvent>) {
    let mut e = engine();
    e.pipe.set_ends(ends);
    e.pipe.set_rate(&e.lab, 5);
    let [ping, pong] = e.pipe.start(&mut e.lab, None).unwrap();
    until(&mut e, "round trips", |e| e.pipe.stats(&e.lab).count >= 2);
    e.lab.pause(ping).unwrap();
    let ping_pid = e.lab.pid(ping).unwrap();
    wait_state(ping_pid, "T");
    until(&mut e, "pong to wait on recv", |e| {
        e.lab
            .snapshot()
            .iter()
            .any(|w| w.id == pong && w.wait == wait::RECV)
    });
    e.lab.kill(ping).unwrap();
    let events = until(&mut e, "ping to end", |e| exited(e, ping).is_some());
    (e, pong, events)
}

#[test]
fn a_duplex_pipe_gives_eof_with_its_ends_closed_and_waits_for_ever_with_them_open() {
    let (mut e, pong, _) = duplex_with_ping_dead(Ends::Closed);
    until(&mut e, "pong to end", |e| exited(e, pong).is_some());
    assert_eq!(exited(&e, pong), Some(0));
    assert_eq!(e.pipe.stats(&e.lab).ends[1], EndState::Eof);

    let (mut e, pong, mut events) = duplex_with_ping_dead(Ends::Open);
    events.extend(poll_for(&mut e, HANG));
    waits_for_ever(&e, pong, wait::RECV);
    assert_eq!(
        pipe_holders(&events),
        Some(vec![holder(&e, None), holder(&e, Some(pong))]),
        "a, the pinger's end, is open in the parent and in pong itself"
    );
}

/// A duplex pipe whose answerer is stopped while a ping waits for it in
/// the socket, and whose pinger is then killed: once continued, the
/// answerer reads the ping and answers a dead end. The events until it
/// is continued, then after.
fn duplex_answering_the_dead(ends: Ends) -> (Engine, WorkerId, Vec<EngineEvent>, Vec<EngineEvent>) {
    let mut e = engine();
    e.pipe.set_ends(ends);
    e.pipe.set_rate(&e.lab, 20);
    let [ping, pong] = e.pipe.start(&mut e.lab, None).unwrap();
    until(&mut e, "round trips", |e| e.pipe.stats(&e.lab).count >= 2);
    e.lab.pause(pong).unwrap();
    wait_state(e.lab.pid(pong).unwrap(), "T");
    until(&mut e, "a ping left unanswered", |e| {
        let s = e.pipe.stats(&e.lab);
        s.sent > s.count
    });
    e.lab.kill(ping).unwrap();
    let mut stopped = until(&mut e, "ping to end", |e| exited(e, ping).is_some());
    stopped.extend(poll_for(&mut e, Duration::from_millis(100)));
    e.lab.resume(pong).unwrap();
    let events = poll_for(&mut e, Duration::from_millis(100));
    (e, pong, stopped, events)
}

#[test]
fn a_duplex_answer_to_a_dead_end_breaks_with_the_ends_closed_and_waits_with_them_open() {
    let (mut e, pong, _, _) = duplex_answering_the_dead(Ends::Closed);
    until(&mut e, "pong to end", |e| exited(e, pong).is_some());
    assert_eq!(exited(&e, pong), Some(0), "BrokenPipeError caught");
    assert_eq!(e.pipe.stats(&e.lab).ends[1], EndState::Broken);

    // Left open, the answer goes into a, which proclab and pong still
    // hold; pong then waits in recv() for the next ping, for ever.
    let (mut e, pong, stopped, mut events) = duplex_answering_the_dead(Ends::Open);
    assert_eq!(
        pipe_holders(&stopped),
        None,
        "not said to wait for ever while stopped with a ping to read"
    );
    events.extend(poll_for(&mut e, HANG));
    waits_for_ever(&e, pong, wait::RECV);
    assert_eq!(e.pipe.stats(&e.lab).ends[1], EndState::Running);
    assert_eq!(
        pipe_holders(&events),
        Some(vec![holder(&e, None), holder(&e, Some(pong))])
    );
}

fn pipeline_holders(events: &[EngineEvent]) -> Option<(usize, Vec<Holder>)> {
    events.iter().find_map(|ev| match ev {
        EngineEvent::Pipeline(PipelineEvent::HeldOpen { stage, holders, .. }) => {
            Some((*stage, holders.clone()))
        }
        _ => None,
    })
}

fn pipeline(ends: Ends) -> (Engine, [WorkerId; 3]) {
    let mut e = engine();
    e.pipeline.set_ends(ends);
    for stage in 0..3 {
        e.pipeline.set_stage_ms(&e.lab, stage, 5);
    }
    let ids = e.pipeline.start(&mut e.lab, None).unwrap();
    let save = ids[2];
    until(&mut e, "items to reach save", |e| {
        e.lab
            .snapshot()
            .iter()
            .any(|w| w.id == save && w.tasks_done > 2)
    });
    (e, ids)
}

#[test]
fn the_pipelines_ends_closed_a_dead_fetch_gives_process_eof_and_save_returns() {
    let (mut e, [fetch, process, save]) = pipeline(Ends::Closed);
    assert!(!parent_holds(&link_of(&e, process)));
    e.lab.kill(fetch).unwrap();
    let events = until(&mut e, "process and save to end", |e| {
        exited(e, process).is_some() && exited(e, save).is_some()
    });
    assert_eq!((exited(&e, process), exited(&e, save)), (Some(0), Some(0)));
    assert_eq!(e.pipeline.stats(&e.lab).ended[1], StageEnd::Eof);
    assert_eq!(pipeline_holders(&events), None);
}

#[test]
fn the_pipelines_ends_left_open_process_waits_for_ever_as_save_holds_w_too() {
    let (mut e, [fetch, process, save]) = pipeline(Ends::Open);
    e.lab.kill(fetch).unwrap();
    let events = poll_for(&mut e, HANG);
    waits_for_ever(&e, process, wait::RECV);
    assert!(e.lab.is_alive(save).unwrap(), "save waits on the queue");
    assert_eq!(
        pipeline_holders(&events),
        Some((
            1,
            vec![
                holder(&e, None),
                holder(&e, Some(process)),
                holder(&e, Some(save))
            ]
        )),
        "w is open in the parent, in process itself, and in save"
    );
    // No sentinel can come down the pipe from a dead fetch.
    assert_eq!(e.pipeline.stop(&mut e.lab), Some(Stopping::NoSender));
    poll_for(&mut e, Duration::from_millis(300));
    waits_for_ever(&e, process, wait::RECV);
    assert!(!e.pipeline.stats(&e.lab).stopping);
}

#[test]
fn the_pipelines_ends_closed_a_dead_process_breaks_fetchs_pipe_and_open_it_waits() {
    let (mut e, [fetch, process, _]) = pipeline(Ends::Closed);
    e.lab.kill(process).unwrap();
    until(&mut e, "fetch to end", |e| exited(e, fetch).is_some());
    assert_eq!(exited(&e, fetch), Some(0));
    assert_eq!(e.pipeline.stats(&e.lab).ended[0], StageEnd::Broken);

    let (mut e, [fetch, process, save]) = pipeline(Ends::Open);
    e.lab.kill(process).unwrap();
    e.pipeline.set_stage_ms(&e.lab, 0, 0);
    let mut events = until(&mut e, "fetch to block on send", |e| {
        e.lab
            .snapshot()
            .iter()
            .any(|w| w.id == fetch && w.wait == wait::SEND)
    });
    events.extend(poll_for(&mut e, HANG));
    waits_for_ever(&e, fetch, wait::SEND);
    assert_eq!(
        pipeline_holders(&events),
        Some((
            0,
            vec![
                holder(&e, None),
                holder(&e, Some(fetch)),
                holder(&e, Some(save))
            ]
        )),
        "r is open in the parent, in fetch itself, and in save"
    );
}

#[test]
fn the_pipelines_process_is_said_to_wait_for_ever_only_once_it_has_read_the_backlog() {
    let mut e = engine();
    e.pipeline.set_ends(Ends::Open);
    for (stage, ms) in [(0, 5), (1, 50), (2, 5)] {
        e.pipeline.set_stage_ms(&e.lab, stage, ms);
    }
    let [fetch, process, _] = e.pipeline.start(&mut e.lab, None).unwrap();
    until(&mut e, "a backlog in the pipe", |e| {
        e.pipeline.stats(&e.lab).pipe_items >= 5
    });
    e.lab.kill(fetch).unwrap();
    let done = |e: &Engine| {
        e.lab
            .snapshot()
            .iter()
            .find(|w| w.id == process)
            .map_or(0, |w| w.tasks_done)
    };
    let at_kill = done(&e);
    // process reads on through what fetch left in the pipe; only then
    // does it wait in recv() for ever, and only then is it said to.
    let start = Instant::now();
    let (left, read) = loop {
        let told = e.poll().iter().any(|ev| {
            matches!(
                ev,
                EngineEvent::Pipeline(PipelineEvent::HeldOpen { stage: 1, .. })
            )
        });
        if told {
            break (e.pipeline.stats(&e.lab).pipe_items, done(&e));
        }
        assert!(start.elapsed() < PATIENCE, "process never said to wait");
        std::thread::sleep(Duration::from_millis(5));
    };
    assert_eq!(left, 0, "said while items were left in the pipe");
    assert!(
        read >= at_kill + 3,
        "read {read}, {at_kill} when fetch died"
    );
    waits_for_ever(&e, process, wait::RECV);
}
