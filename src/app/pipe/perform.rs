//! Carrying out the pipe lab's effects on the engine, and taking in its
//! figures and events. Like `app::perform`, it needs no terminal.

use crate::app::comms::{PipeOpening, failed, join_ended};
use crate::app::{App, Effect, LabId, Startup};
use crate::lab::Lab;
use crate::lab::engine::Engine;
use crate::lab::pipe::{PipeEvent, PipeLab};

use super::{PipeEffect, narrate};

/// Carries out one effect and logs what happened.
pub fn perform(app: &mut App, lab: &mut Lab, pipe: &mut PipeLab, effect: PipeEffect) {
    match effect {
        PipeEffect::Start(mode, ends) => {
            join_ended(app, lab, pipe.ids().into_iter().flatten());
            pipe.set_mode(mode);
            pipe.set_ends(ends);
            match pipe.start(lab, None) {
                Ok(ids) => {
                    app.pipe.held = None;
                    // The new pair's figures at once, not the last one's
                    // until the next look (a scenario waiting for its
                    // messages would otherwise see the old count).
                    app.pipe.sample(app.now, pipe.stats(lab));
                    for line in narrate::pipe_started(mode, ends, ids) {
                        app.say(line);
                    }
                    app.selected = Some(ids[0]);
                }
                Err(e) => app.say(failed("start a pipe", &e)),
            }
        }
        PipeEffect::SetRate(rate) => pipe.set_rate(lab, rate),
    }
}

/// Takes in one event from the engine's pipe.
pub fn on_event(app: &mut App, e: &PipeEvent) {
    if let PipeEvent::HeldOpen { id, role, holders } = e {
        app.pipe.held = Some(narrate::held_open(*id, *role, holders.clone()));
    }
    app.say(narrate::pipe_event(e));
}

/// Reads the pipe's figures once. Returns whether the lab, if on screen,
/// shows anything new.
pub fn sample(app: &mut App, lab: &Lab, pipe: &PipeLab) -> bool {
    let p = &mut app.pipe;
    let before = (p.stats, p.window.rates());
    p.sample(app.now, pipe.stats(lab));
    let after = (p.stats, p.window.rates());
    app.lab == LabId::Pipe && before != after
}

/// Brings the engine in line with the lab's settings (`--pipe-ends`
/// among them); opened on this lab, starts `--workers` plain workers
/// (none unless told), then a pipe.
pub fn open(app: &mut App, engine: &mut Engine, start: &Startup, opening: &PipeOpening) {
    if start.lab == LabId::Pipe {
        for _ in 0..start.workers.unwrap_or(0) {
            let options = app.settings.start;
            crate::app::perform::perform(app, engine, Effect::Start(options));
        }
    }
    app.pipe.ends = opening.ends;
    engine.pipe.set_rate(&engine.lab, app.pipe.rate);
    engine.pipe.set_mode(app.pipe.mode);
    engine.pipe.set_ends(app.pipe.ends);
    if start.lab == LabId::Pipe {
        let (mode, ends) = (app.pipe.mode, app.pipe.ends);
        perform(
            app,
            &mut engine.lab,
            &mut engine.pipe,
            PipeEffect::Start(mode, ends),
        );
    }
}
