//! Carrying out the queue lab's effects on the engine, and taking in its
//! figures and events. Like `app::perform`, it needs no terminal.

use crate::app::comms::{failed, join_ended};
use crate::app::{App, Effect, LabId, Startup};
use crate::lab::engine::Engine;
use crate::lab::queue::{QueueError, QueueEvent, QueueLab};
use crate::lab::{Lab, Role, WorkerId};

use super::{QueueEffect, QueueOpening, narrate};

/// Carries out one effect and logs what happened.
pub fn perform(app: &mut App, lab: &mut Lab, queue: &mut QueueLab, effect: QueueEffect) {
    match effect {
        QueueEffect::AddProducer => match queue.add_producer(lab, None) {
            Ok(id) => {
                let pid = lab.pid(id).unwrap_or(0);
                let rate = queue.rates(lab).0;
                app.say(narrate::producer_started(id, pid, rate));
                app.selected = Some(id);
            }
            Err(e) => app.say(failed("start a producer", &e)),
        },
        QueueEffect::AddConsumer => match queue.add_consumer(lab) {
            Ok(id) => {
                let pid = lab.pid(id).unwrap_or(0);
                let rate = queue.rates(lab).1;
                app.say(narrate::consumer_started(id, pid, rate));
                app.selected = Some(id);
            }
            Err(e) => app.say(failed("start a consumer", &e)),
        },
        QueueEffect::StopProducer => match queue.stop_producer(lab) {
            Some(id) => app.say(narrate::producer_stopping(id)),
            None => app.say(narrate::no_producer()),
        },
        QueueEffect::Sentinel => {
            let depth = queue.stats(lab).totals.depth();
            if queue.send_sentinel(lab) {
                app.say(narrate::sentinel_sent(depth));
            } else {
                app.say(narrate::no_consumer_left());
            }
        }
        QueueEffect::SetRates { producer, consumer } => {
            queue.set_rates(lab, producer, consumer);
        }
        QueueEffect::Join => {
            if queue.join(lab) {
                app.say(narrate::join_returned_at_once());
            } else {
                let unfinished = queue.stats(lab).totals.unfinished();
                app.say(narrate::join_waiting(unfinished));
            }
        }
        QueueEffect::Shutdown => {
            let ended = app.workers.iter().filter(|w| w.role == Role::Consumer);
            let ended: Vec<WorkerId> = ended.map(|w| w.id).collect();
            join_ended(app, lab, ended);
            let producers = queue.begin_shutdown(lab);
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
pub fn sample(app: &mut App, lab: &Lab, queue: &QueueLab) -> bool {
    let q = &mut app.queue;
    let before = (q.stats, q.window.rates());
    q.sample(app.now, queue.stats(lab));
    let after = (q.stats, q.window.rates());
    app.lab == LabId::Queue && before != after
}

/// Sets the queue up as the flags say; opened on this lab, starts
/// `--workers` plain workers (none unless told), then the producers and
/// consumers asked for (on any lab).
pub fn open(
    app: &mut App,
    engine: &mut Engine,
    start: &Startup,
    opening: &QueueOpening,
) -> Result<(), QueueError> {
    if start.lab == LabId::Queue {
        for _ in 0..start.workers.unwrap_or(0) {
            let options = app.settings.start;
            crate::app::perform::perform(app, engine, Effect::Start(options));
        }
    }
    let queue = &mut engine.queue;
    queue.set_capacity(&mut engine.lab, opening.capacity)?;
    app.queue.producer_rate = opening.producer_rate;
    app.queue.consumer_rate = opening.consumer_rate;
    queue.set_rates(&engine.lab, opening.producer_rate, opening.consumer_rate);
    let (producers, consumers) = opening.workers(start.lab);
    for _ in 0..consumers {
        perform(app, &mut engine.lab, &mut engine.queue, QueueEffect::AddConsumer);
    }
    for _ in 0..producers {
        perform(app, &mut engine.lab, &mut engine.queue, QueueEffect::AddProducer);
    }
    Ok(())
}
