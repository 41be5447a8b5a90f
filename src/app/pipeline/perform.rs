//! Carrying out the pipeline lab's effects on the engine, and taking in
//! its figures and events. Like `app::perform`, it needs no terminal.

use crate::app::comms::{PipeOpening, failed, join_ended};
use crate::app::{App, Effect, LabId, Startup};
use crate::lab::Lab;
use crate::lab::engine::Engine;
use crate::lab::pipeline::{PipelineEvent, PipelineLab};

use super::{PipelineEffect, narrate};

/// Carries out one effect and logs what happened.
pub fn perform(app: &mut App, lab: &mut Lab, pipeline: &mut PipelineLab, effect: PipelineEffect) {
    match effect {
        PipelineEffect::Start(ends) => {
            join_ended(app, lab, pipeline.ids().into_iter().flatten());
            pipeline.set_ends(ends);
            match pipeline.start(lab, None) {
                Ok(ids) => {
                    app.pipeline.held = None;
                    for line in narrate::pipeline_started(ids, ends) {
                        app.say(line);
                    }
                    // The table selects the stage marked ▶.
                    app.selected = Some(ids[app.pipeline.selected.min(2)]);
                }
                Err(e) => app.say(failed("start the pipeline", &e)),
            }
        }
        PipelineEffect::Stop => {
            if let Some(how) = pipeline.stop(lab) {
                app.say(narrate::pipeline_stopping(how));
            }
        }
        PipelineEffect::SetStageMs { stage, ms } => pipeline.set_stage_ms(lab, stage, ms),
    }
}

/// Takes in one event from the engine's pipeline.
pub fn on_event(app: &mut App, e: &PipelineEvent) {
    if let PipelineEvent::HeldOpen { stage, id, holders } = e {
        app.pipeline.held = Some(narrate::held_open(*stage, *id, holders.clone()));
    }
    app.say(narrate::pipeline_event(e));
}

/// Reads the pipeline's figures once. Returns whether the lab, if on
/// screen, shows anything new.
pub fn sample(app: &mut App, lab: &Lab, pipeline: &PipelineLab) -> bool {
    let p = &mut app.pipeline;
    let before = (p.stats, p.window.rates());
    p.sample(app.now, pipeline.stats(lab), &app.workers);
    let after = (p.stats, p.window.rates());
    app.lab == LabId::Pipeline && before != after
}

/// Brings the engine in line with the lab's settings (`--pipe-ends` among
/// them); opened on this lab, starts `--workers` plain workers (none
/// unless told), then the pipeline.
pub fn open(app: &mut App, engine: &mut Engine, start: &Startup, opening: &PipeOpening) {
    if start.lab == LabId::Pipeline {
        for _ in 0..start.workers.unwrap_or(0) {
            let options = app.settings.start;
            crate::app::perform::perform(app, engine, Effect::Start(options));
        }
    }
    app.pipeline.ends = opening.ends;
    engine.pipeline.set_ends(opening.ends);
    for (stage, ms) in app.pipeline.stage_ms.into_iter().enumerate() {
        engine.pipeline.set_stage_ms(&engine.lab, stage, ms);
    }
    if start.lab == LabId::Pipeline {
        perform(
            app,
            &mut engine.lab,
            &mut engine.pipeline,
            PipelineEffect::Start(opening.ends),
        );
    }
}
