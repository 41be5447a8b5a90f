//! Carrying out the pipeline lab's effects on the engine, and taking in
//! its figures and events. Like `app::perform`, it needs no terminal.

use crate::app::comms::{failed, join_ended};
use crate::app::{App, LabId};
use crate::lab::engine::Engine;
use crate::lab::pipeline::PipelineEvent;

use super::{PipelineEffect, narrate};

/// Carries out one effect and logs what happened.
pub fn perform(app: &mut App, engine: &mut Engine, effect: PipelineEffect) {
    let lab = &mut engine.lab;
    match effect {
        PipelineEffect::Start => {
            join_ended(app, lab, engine.pipeline.ids().into_iter().flatten());
            match engine.pipeline.start(lab, None) {
                Ok(ids) => {
                    for line in narrate::pipeline_started(ids) {
                        app.say(line);
                    }
                    app.selected = Some(ids[0]);
                }
                Err(e) => app.say(failed("start the pipeline", &e)),
            }
        }
        PipelineEffect::Stop => {
            if engine.pipeline.stop(lab) {
                app.say(narrate::pipeline_stopping());
            }
        }
        PipelineEffect::SetStageMs { stage, ms } => engine.pipeline.set_stage_ms(lab, stage, ms),
    }
}

/// Takes in one event from the engine's pipeline.
pub fn on_event(app: &mut App, e: &PipelineEvent) {
    app.say(narrate::pipeline_event(e));
}

/// Reads the pipeline's figures once. Returns whether the lab, if on
/// screen, shows anything new.
pub fn sample(app: &mut App, engine: &Engine) -> bool {
    let p = &mut app.pipeline;
    let before = (p.stats, p.window.rates());
    p.sample(app.now, engine.pipeline.stats(&engine.lab), &app.workers);
    let after = (p.stats, p.window.rates());
    app.lab == LabId::Pipeline && before != after
}

/// Brings the engine in line with the lab's settings, and starts the
/// pipeline when proclab opens on this lab.
pub fn open(app: &mut App, engine: &mut Engine, lab: LabId) {
    for (stage, ms) in app.pipeline.stage_ms.into_iter().enumerate() {
        engine.pipeline.set_stage_ms(&engine.lab, stage, ms);
    }
    if lab == LabId::Pipeline {
        perform(app, engine, PipelineEffect::Start);
    }
}
