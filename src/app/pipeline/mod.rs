//! The pipeline lab on the UI side: its actions and effects, each stage's
//! time per item and the stage selected, the pure `update`, its keys and
//! its header. [`perform`] carries the effects out on the engine's
//! [`PipelineLab`]; [`view`] turns the figures read into what the panel
//! draws; [`narrate`] says each step with the Python that does the same.
//!
//! [`PipelineLab`]: crate::lab::pipeline::PipelineLab

pub mod narrate;
pub mod perform;
pub mod view;

use ratatui::crossterm::event::KeyCode;

use crate::app::comms::count_alive;
use crate::app::keymap::{Key, Scope};
use crate::app::{Action, App, Effect, LabId};
use crate::lab::pipeline;

pub use self::view::{PipelineState, PipelineView, StageView};

/// What the pipeline lab's keys ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PipelineAction {
    Start,
    Stop,
    StagePrev,
    StageNext,
    StageFaster,
    StageSlower,
}

/// Work for the loop, which owns the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineEffect {
    Start,
    Stop,
    SetStageMs { stage: usize, ms: u32 },
}

impl PipelineAction {
    /// Whether it would do anything now (the footer lists only those).
    pub fn applies(self, app: &App) -> bool {
        let w = &app.workers;
        match self {
            PipelineAction::Start => count_alive(w, &pipeline::STAGES) == 0,
            PipelineAction::Stop => {
                count_alive(w, &pipeline::STAGES) > 0
                    && !app.pipeline.stats.is_some_and(|s| s.stopping)
            }
            _ => true,
        }
    }

    /// A word or two for the footer.
    pub fn label(self) -> &'static str {
        match self {
            PipelineAction::Start => "start",
            PipelineAction::Stop => "stop",
            PipelineAction::StagePrev => "◀ stage",
            PipelineAction::StageNext => "stage ▶",
            PipelineAction::StageFaster => "stage faster",
            PipelineAction::StageSlower => "stage slower",
        }
    }

    /// A sentence for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            PipelineAction::Start => "start fetch -> process -> save",
            PipelineAction::Stop => "stop: fetch sends a sentinel down the line",
            PipelineAction::StagePrev => "select the previous stage",
            PipelineAction::StageNext => "select the next stage",
            PipelineAction::StageFaster => "the selected stage takes less time per item",
            PipelineAction::StageSlower => "the selected stage takes more time per item",
        }
    }
}

/// Applies an action to the lab's settings and says what the loop must do.
pub fn update(app: &mut App, action: PipelineAction) -> Vec<Effect> {
    let p = &mut app.pipeline;
    let effect = match action {
        PipelineAction::Start => PipelineEffect::Start,
        PipelineAction::Stop => PipelineEffect::Stop,
        PipelineAction::StagePrev | PipelineAction::StageNext => {
            p.selected = if action == PipelineAction::StageNext {
                (p.selected + 1).min(2)
            } else {
                p.selected.saturating_sub(1)
            };
            return Vec::new();
        }
        PipelineAction::StageFaster | PipelineAction::StageSlower => {
            let stage = p.selected;
            p.stage_ms[stage] =
                pipeline::step_ms(p.stage_ms[stage], action == PipelineAction::StageFaster);
            let ms = p.stage_ms[stage];
            app.say(narrate::stage_ms(stage, ms));
            PipelineEffect::SetStageMs { stage, ms }
        }
    };
    vec![Effect::Pipeline(effect)]
}

/// Adds the lab's bindings through the keymap's `add(key, action, scope,
/// footer)`. Brackets change the selected stage's speed.
pub fn bind(add: &mut impl FnMut(Key, Action, Scope, bool)) {
    use PipelineAction::*;
    let c = Action::Pipeline;
    let l = Scope::Lab(LabId::Pipeline);
    add(Key::char('s'), c(Start), l, true);
    add(Key::char('x'), c(Stop), l, true);
    add(Key::plain(KeyCode::Left), c(StagePrev), l, false);
    add(Key::plain(KeyCode::Right), c(StageNext), l, true);
    add(Key::char(']'), c(StageFaster), l, true);
    add(Key::char('['), c(StageSlower), l, true);
    add(Key::char('t'), Action::Terminate, l, true);
    add(Key::char('k'), Action::Kill, l, false);
    add(Key::char('j'), Action::Join, l, false);
    add(Key::char('a'), Action::JoinAll, l, true);
}

/// The lab's settings, for the right of the header.
pub fn header(app: &App) -> String {
    let [f, p, s] = app.pipeline.stage_ms;
    format!("ms per item: fetch {f} · process {p} · save {s} ")
}

#[cfg(test)]
mod tests;
