//! Carrying out the labs' effects on the engine, and taking in its figures
//! and events. Like `app::perform`, it needs no terminal.

use crate::lab::engine::Engine;
use crate::lab::pipe::PipeEvent;
use crate::lab::pipeline::PipelineEvent;
use crate::lab::queue::QueueEvent;
use crate::lab::{JoinOutcome, Lab, Role, Status, WorkerId};

use super::super::{App, LabId};
use super::{CommsEffect, narrate};

/// Carries out one effect and logs what happened.
pub fn perform(app: &mut App, engine: &mut Engine, effect: CommsEffect) {
    let lab = &mut engine.lab;
    match effect {
        CommsEffect::AddProducer => match engine.queue.add_producer(lab, None) {
            Ok(id) => {
                let pid = lab.pid(id).unwrap_or(0);
                let rate = engine.queue.rates(lab).0;
                app.say(narrate::producer_started(id, pid, rate));
                app.selected = Some(id);
            }
            Err(e) => app.say(narrate::failed("start a producer", &e)),
        },
        CommsEffect::AddConsumer => match engine.queue.add_consumer(lab) {
            Ok(id) => {
                let pid = lab.pid(id).unwrap_or(0);
                let rate = engine.queue.rates(lab).1;
                app.say(narrate::consumer_started(id, pid, rate));
                app.selected = Some(id);
            }
            Err(e) => app.say(narrate::failed("start a consumer", &e)),
        },
        CommsEffect::StopProducer => match engine.queue.stop_producer(lab) {
            Some(id) => app.say(narrate::producer_stopping(id)),
            None => app.say(narrate::no_producer()),
        },
        CommsEffect::Sentinel => {
            let depth = engine.queue.stats(lab).totals.depth();
            if engine.queue.send_sentinel(lab) {
                app.say(narrate::sentinel_sent(depth));
            } else {
                app.say(narrate::no_consumer_left());
            }
        }
        CommsEffect::SetQueueRates { producer, consumer } => {
            engine.queue.set_rates(lab, producer, consumer);
        }
        CommsEffect::JoinQueue => {
            if engine.queue.join(lab) {
                app.say(narrate::join_returned_at_once());
            } else {
                let unfinished = engine.queue.stats(lab).totals.unfinished();
                app.say(narrate::join_waiting(unfinished));
            }
        }
        CommsEffect::ShutdownQueue => {
            let ended = app.workers.iter().filter(|w| w.role == Role::Consumer);
            let ended: Vec<WorkerId> = ended.map(|w| w.id).collect();
            join_ended(app, lab, ended);
            let producers = engine.queue.shutdown(lab);
            for line in narrate::shutdown(&producers) {
                app.say(line);
            }
        }
        CommsEffect::StartPipe(mode) => {
            join_ended(app, lab, engine.pipe.ids().into_iter().flatten());
            engine.pipe.set_mode(mode);
            match engine.pipe.start(lab, None) {
                Ok(ids) => {
                    for line in narrate::pipe_started(mode, ids) {
                        app.say(line);
                    }
                    app.selected = Some(ids[0]);
                }
                Err(e) => app.say(narrate::failed("start a pipe", &e)),
            }
        }
        CommsEffect::SetPipeRate(rate) => engine.pipe.set_rate(lab, rate),
        CommsEffect::StartPipeline => {
            join_ended(app, lab, engine.pipeline.ids().into_iter().flatten());
            match engine.pipeline.start(lab, None) {
                Ok(ids) => {
                    for line in narrate::pipeline_started(ids) {
                        app.say(line);
                    }
                    app.selected = Some(ids[0]);
                }
                Err(e) => app.say(narrate::failed("start the pipeline", &e)),
            }
        }
        CommsEffect::StopPipeline => {
            if engine.pipeline.stop(lab) {
                app.say(narrate::pipeline_stopping());
            }
        }
        CommsEffect::SetStageMs { stage, ms } => engine.pipeline.set_stage_ms(lab, stage, ms),
    }
}

/// Joins those of `ids` that have ended (zombies), saying so: what a
/// script does with the last processes before it starts new ones.
fn join_ended(app: &mut App, lab: &mut Lab, ids: impl IntoIterator<Item = WorkerId>) {
    for id in ids {
        if matches!(lab.status(id), Ok(Status::Exited(_)))
            && let Ok(JoinOutcome::Joined(code)) = lab.join_nowait(id)
        {
            app.say(crate::app::narrate::joined(id, code));
        }
    }
}

/// Brings the engine in line with the app's settings (at start).
pub fn apply_settings(app: &App, engine: &mut Engine) {
    let q = &app.comms.queue;
    engine
        .queue
        .set_rates(&engine.lab, q.producer_rate, q.consumer_rate);
    engine.pipe.set_rate(&engine.lab, app.comms.pipe.rate);
    engine.pipe.set_mode(app.comms.pipe.mode);
    for (stage, ms) in app.comms.pipeline.stage_ms.into_iter().enumerate() {
        engine.pipeline.set_stage_ms(&engine.lab, stage, ms);
    }
}

pub fn on_queue_event(app: &mut App, e: &QueueEvent) {
    app.say(narrate::queue_event(e));
}

pub fn on_pipe_event(app: &mut App, e: &PipeEvent) {
    app.say(narrate::pipe_event(e));
}

pub fn on_pipeline_event(app: &mut App, e: &PipelineEvent) {
    app.say(narrate::pipeline_event(e));
}

/// Reads the labs' figures once. Returns whether the lab on screen shows
/// anything new.
pub fn sample(app: &mut App, engine: &Engine) -> bool {
    let lab = &engine.lab;
    let at = app.now;
    let c = &mut app.comms;
    let shown = |c: &super::CommsState| {
        (
            c.queue.stats,
            c.queue.window.rates(),
            c.pipe.stats,
            c.pipe.window.rates(),
            c.pipeline.stats,
            c.pipeline.window.rates(),
        )
    };
    let before = shown(c);
    c.queue.sample(at, engine.queue.stats(lab));
    c.pipe.sample(at, engine.pipe.stats(lab));
    c.pipeline
        .sample(at, engine.pipeline.stats(lab), &app.workers);
    let after = shown(c);
    match app.lab {
        LabId::Queue => (before.0, before.1) != (after.0, after.1),
        LabId::Pipe => (before.2, before.3) != (after.2, after.3),
        LabId::Pipeline => (before.4, before.5) != (after.4, after.5),
        _ => false,
    }
}

/// Sets the labs up as the flags say and starts what they ask for: the
/// queue's producers and consumers, and a pipe or a pipeline when proclab
/// opens on that lab.
pub fn open(
    app: &mut App,
    engine: &mut Engine,
    opening: &super::options::Opening,
) -> Result<(), crate::lab::queue::QueueError> {
    engine
        .queue
        .set_capacity(&mut engine.lab, opening.capacity)?;
    app.comms.queue.producer_rate = opening.producer_rate;
    app.comms.queue.consumer_rate = opening.consumer_rate;
    apply_settings(app, engine);
    for _ in 0..opening.consumers {
        perform(app, engine, CommsEffect::AddConsumer);
    }
    for _ in 0..opening.producers {
        perform(app, engine, CommsEffect::AddProducer);
    }
    match opening.lab {
        LabId::Pipe => perform(app, engine, CommsEffect::StartPipe(app.comms.pipe.mode)),
        LabId::Pipeline => perform(app, engine, CommsEffect::StartPipeline),
        _ => {}
    }
    app.on_workers(engine.lab.snapshot());
    Ok(())
}
