//! The lab's side of the pipe and pipeline claims: an end killed with the
//! unused ends closed or left open, what the other end met, and who held
//! the dead end's end of the pipe then, named as the witnesses name them
//! (`parent`, then the survivors by role).

use std::time::Duration;

use proclab::lab::WorkerId;
use proclab::lab::comms::Ends;
use proclab::lab::comms::holders::Holder;
use proclab::lab::comms::wait;
use proclab::lab::engine::{Engine, EngineEvent};
use proclab::lab::pipe::{EndState, PipeEvent, PipeMode};
use proclab::lab::pipeline::PipelineEvent;
use serde_json::{Value, json};

use super::{HANG, engine, exitcode, until, watch};

/// Holders as the witnesses name them: "parent", then each worker's role.
fn names(e: &Engine, holders: &[Holder]) -> Value {
    let snapshot = e.lab.snapshot();
    let name = |h: &Holder| match h.worker {
        None => "parent".to_string(),
        Some(id) => snapshot
            .iter()
            .find(|w| w.id == id)
            .map_or("?".into(), |w| w.role.name().to_string()),
    };
    json!(holders.iter().map(name).collect::<Vec<_>>())
}

/// Whether worker `id` is alive and blocked where `code` says (`recv()`
/// or `send()`): what a witness calls a hang.
fn hangs(e: &Engine, id: WorkerId, code: u32) -> bool {
    e.lab
        .snapshot()
        .iter()
        .any(|w| w.id == id && w.status.is_alive() && w.wait == code)
}

fn pipe_held(e: &Engine, events: &[EngineEvent]) -> Value {
    events
        .iter()
        .find_map(|ev| match ev {
            EngineEvent::Pipe(PipeEvent::HeldOpen { holders, .. }) => Some(names(e, holders)),
            _ => None,
        })
        .unwrap_or(json!([]))
}

/// A one-way pipe: the sender killed, what the receiver's `recv()` met.
pub fn pipe_eof(ends: Ends) -> Value {
    let mut e = engine();
    e.pipe.set_mode(PipeMode::Stream);
    e.pipe.set_ends(ends);
    e.pipe.set_rate(&e.lab, 20);
    let [sender, receiver] = e.pipe.start(&mut e.lab, None).unwrap();
    until(&mut e, "messages", |e| e.pipe.stats(&e.lab).count > 2);
    e.lab.kill(sender).unwrap();
    let events = watch(&mut e, HANG);
    let recv = match (exitcode(&e, receiver), e.pipe.stats(&e.lab).ends[1]) {
        (Some(0), EndState::Eof) => json!("EOFError"),
        (None, _) if hangs(&e, receiver, wait::RECV) => json!("hang"),
        (code, end) => json!(format!("{code:?} {end:?}")),
    };
    json!({"recv": recv, "held_by": pipe_held(&e, &events)})
}

/// A one-way pipe at full speed: the receiver killed, what the sender's
/// `send()` met.
pub fn pipe_broken(ends: Ends) -> Value {
    let mut e = engine();
    e.pipe.set_mode(PipeMode::Stream);
    e.pipe.set_ends(ends);
    e.pipe.set_rate(&e.lab, 1000);
    let [sender, receiver] = e.pipe.start(&mut e.lab, None).unwrap();
    until(&mut e, "messages", |e| e.pipe.stats(&e.lab).count > 5);
    e.lab.kill(receiver).unwrap();
    // Flat out, a sender nobody reads fills the pipe at once.
    e.pipe.set_rate(&e.lab, 0);
    let events = watch(&mut e, HANG);
    let send = match (exitcode(&e, sender), e.pipe.stats(&e.lab).ends[0]) {
        (Some(0), EndState::Broken) => json!("BrokenPipeError"),
        (None, _) if hangs(&e, sender, wait::SEND) => json!("hang"),
        (code, end) => json!(format!("{code:?} {end:?}")),
    };
    json!({"send": send, "held_by": pipe_held(&e, &events)})
}

fn pipeline_held(e: &Engine, events: &[EngineEvent]) -> Value {
    events
        .iter()
        .find_map(|ev| match ev {
            EngineEvent::Pipeline(PipelineEvent::HeldOpen { holders, .. }) => {
                Some(names(e, holders))
            }
            _ => None,
        })
        .unwrap_or(json!([]))
}

/// The three stages running, items reaching save.
fn pipeline_running(ends: Ends) -> (Engine, [WorkerId; 3]) {
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
            .any(|w| w.id == save && w.tasks_done > 3)
    });
    (e, ids)
}

/// fetch killed: what process met, and whether save returned.
pub fn pipeline_eof(ends: Ends) -> Value {
    let (mut e, [fetch, process, save]) = pipeline_running(ends);
    e.lab.kill(fetch).unwrap();
    let mut events = watch(&mut e, HANG);
    let held = pipeline_held(&e, &events);
    if hangs(&e, process, wait::RECV) {
        return json!({"process": "hang", "held_by": held});
    }
    events.extend(until(&mut e, "process and save to end", |e| {
        exitcode(e, process).is_some() && exitcode(e, save).is_some()
    }));
    let eof = events.contains(&EngineEvent::Pipeline(PipelineEvent::Eof { id: process }));
    json!({"process": if eof { json!("EOFError") } else { json!(exitcode(&e, process)) },
        "save": exitcode(&e, save), "held_by": held})
}

/// process killed: what fetch's `send()` met.
pub fn pipeline_broken(ends: Ends) -> Value {
    let (mut e, [fetch, process, _]) = pipeline_running(ends);
    e.lab.kill(process).unwrap();
    // Flat out, a fetch nobody reads fills the pipe at once.
    e.pipeline.set_stage_ms(&e.lab, 0, 0);
    let events = watch(&mut e, HANG + Duration::from_millis(500));
    let fetch_met = match (exitcode(&e, fetch), e.pipeline.stats(&e.lab).ended[0]) {
        (Some(0), proclab::lab::pipeline::StageEnd::Broken) => json!("BrokenPipeError"),
        (None, _) if hangs(&e, fetch, wait::SEND) => json!("hang"),
        (code, end) => json!(format!("{code:?} {end:?}")),
    };
    json!({"fetch": fetch_met, "held_by": pipeline_held(&e, &events)})
}
