//! Carrying out the queue lab's effects on the engine, and taking in its
//! figures and events. Like `app::perform`, it needs no terminal.

use crate::app::comms::{failed, join_ended};
use crate::app::{App, LabId};
use crate::lab::engine::Engine;
use crate::lab::queue::QueueEvent;
use crate::lab::{Role, WorkerId};

use super::{QueueEffect, narrate};

/// Carries out one effect and logs what happened.
pub fn perform(app: &mut App, engine: &mut Engine, effect: QueueEffect) {
    let lab = &mut engine.lab;
    match effect {
        QueueEffect::AddProducer => match engine.queue.add_producer(lab, None) {
            Ok(id) => {
                let pid = lab.pid(id).unwrap_or(0);
                let rate = engine.queue.rates(lab).0;
                app.say(narrate::producer_started(id, pid, rate));
                app.selected = Some(id);
            }
            Err(e) => app.say(failed("start a producer", &e)),
        },
        QueueEffect::AddConsumer => match engine.queue.add_consumer(lab) {
            Ok(id) => {
                let pid = lab.pid(id).unwrap_or(0);
                let rate = engine.queue.rates(lab).1;
                app.say(narrate::consumer_started(id, pid, rate));
                app.selected = Some(id);
            }
            Err(e) => app.say(failed("start a consumer", &e)),
        },
        QueueEffect::StopProducer => match engine.queue.stop_producer(lab) {
            Some(id) => app.say(narrate::producer_stopping(id)),
            None => app.say(narrate::no_producer()),
        },
        QueueEffect::Sentinel => {
            let depth = engine.queue.stats(lab).totals.depth();
            if engine.queue.send_sentinel(lab) {
                app.say(narrate::sentinel_sent(depth));
            } else {
                app.say(narrate::no_consumer_left());
            }
        }
        QueueEffect::SetRates { producer, consumer } => {
            engine.queue.set_rates(lab, producer, consumer);
        }
        QueueEffect::Join => {
            if engine.queue.join(lab) {
                app.say(narrate::join_returned_at_once());
            } else {
                let unfinished = engine.queue.stats(lab).totals.unfinished();
                app.say(narrate::join_waiting(unfinished));
            }
        }
        QueueEffect::Shutdown => {
            let ended = app.workers.iter().filter(|w| w.role == Role::Consumer);
            let ended: Vec<WorkerId> = ended.map(|w| w.id).collect();
            join_ended(app, lab, ended);
            let producers = engine.queue.shutdown(lab);
            for line in narrate::shutdown(&producers) {
                app.say(line);
            }
        }
    }
}

/// Takes in one event from the engine's queue.
pub fn on_event(app: &mut App, e: &QueueEvent) {
    app.say(narrate::queue_event(e));
}

/// Reads the queue's figures once. Returns whether the lab, if on screen,
/// shows anything new.
pub fn sample(app: &mut App, engine: &Engine) -> bool {
    let q = &mut app.queue;
    let before = (q.stats, q.window.rates());
    q.sample(app.now, engine.queue.stats(&engine.lab));
    let after = (q.stats, q.window.rates());
    app.lab == LabId::Queue && before != after
}

/// Sets the queue up as the flags say and starts the producers and
/// consumers they ask for.
pub fn open(
    app: &mut App,
    engine: &mut Engine,
    opening: &crate::app::comms::options::Opening,
) -> Result<(), crate::lab::queue::QueueError> {
    engine
        .queue
        .set_capacity(&mut engine.lab, opening.capacity)?;
    app.queue.producer_rate = opening.producer_rate;
    app.queue.consumer_rate = opening.consumer_rate;
    let q = &app.queue;
    engine
        .queue
        .set_rates(&engine.lab, q.producer_rate, q.consumer_rate);
    for _ in 0..opening.consumers {
        perform(app, engine, QueueEffect::AddConsumer);
    }
    for _ in 0..opening.producers {
        perform(app, engine, QueueEffect::AddProducer);
    }
    Ok(())
}
