//! Carrying out the pipe lab's effects on the engine, and taking in its
//! figures and events. Like `app::perform`, it needs no terminal.

use crate::app::comms::{failed, join_ended};
use crate::app::{App, LabId};
use crate::lab::engine::Engine;
use crate::lab::pipe::PipeEvent;

use super::{PipeEffect, narrate};

/// Carries out one effect and logs what happened.
pub fn perform(app: &mut App, engine: &mut Engine, effect: PipeEffect) {
    let lab = &mut engine.lab;
    match effect {
        PipeEffect::Start(mode) => {
            join_ended(app, lab, engine.pipe.ids().into_iter().flatten());
            engine.pipe.set_mode(mode);
            match engine.pipe.start(lab, None) {
                Ok(ids) => {
                    for line in narrate::pipe_started(mode, ids) {
                        app.say(line);
                    }
                    app.selected = Some(ids[0]);
                }
                Err(e) => app.say(failed("start a pipe", &e)),
            }
        }
        PipeEffect::SetRate(rate) => engine.pipe.set_rate(lab, rate),
    }
}

/// Takes in one event from the engine's pipe.
pub fn on_event(app: &mut App, e: &PipeEvent) {
    app.say(narrate::pipe_event(e));
}

/// Reads the pipe's figures once. Returns whether the lab, if on screen,
/// shows anything new.
pub fn sample(app: &mut App, engine: &Engine) -> bool {
    let p = &mut app.pipe;
    let before = (p.stats, p.window.rates());
    p.sample(app.now, engine.pipe.stats(&engine.lab));
    let after = (p.stats, p.window.rates());
    app.lab == LabId::Pipe && before != after
}

/// Brings the engine in line with the lab's settings, and starts a pipe
/// when proclab opens on this lab.
pub fn open(app: &mut App, engine: &mut Engine, lab: LabId) {
    engine.pipe.set_rate(&engine.lab, app.pipe.rate);
    engine.pipe.set_mode(app.pipe.mode);
    if lab == LabId::Pipe {
        perform(app, engine, PipeEffect::Start(app.pipe.mode));
    }
}
