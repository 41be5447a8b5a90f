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

use crate::app::comms::{count_alive, wait_words};
use crate::app::keymap::Key;
use crate::app::labs::{ActionInfo, AppLab};
use crate::app::metrics::Metric;
use crate::app::{Action, App, Effect, Startup};
use crate::lab::engine::Engine;
use crate::lab::pipeline::{self, PipelineEvent, PipelineLab};
use crate::lab::{Lab, Role, WorkerSnapshot};

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
}

/// What a stage waits on, in words: its work is fetching, working on or
/// saving an item.
pub fn stage_words(snap: &WorkerSnapshot) -> Option<String> {
    let work = match snap.role {
        Role::Fetch => "fetching an item",
        Role::Save => "saving an item",
        _ => "working on an item",
    };
    wait_words(snap.wait, work, "between sends")
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

impl AppLab for PipelineState {
    type Action = PipelineAction;
    type Effect = PipelineEffect;
    type Controller = PipelineLab;
    /// Each stage's time starts as the lab's defaults.
    type Opening = ();

    const ABOUT: &'static str = "fetch -> process -> save, joined by a pipe and a queue";
    const EXAMPLE: Option<&'static str> = Some("pipeline.py");
    const ACTIONS: &'static [ActionInfo<PipelineAction>] = &[
        ActionInfo::new(
            PipelineAction::Start,
            "pipeline-start",
            "start",
            "start fetch -> process -> save",
        ),
        ActionInfo::new(
            PipelineAction::Stop,
            "pipeline-stop",
            "stop",
            "stop: fetch sends a sentinel down the line",
        ),
        ActionInfo::new(
            PipelineAction::StagePrev,
            "pipeline-prev-stage",
            "◀ stage",
            "select the previous stage",
        ),
        ActionInfo::new(
            PipelineAction::StageNext,
            "pipeline-next-stage",
            "stage ▶",
            "select the next stage",
        ),
        ActionInfo::new(
            PipelineAction::StageFaster,
            "pipeline-faster",
            "stage faster",
            "the selected stage takes less time per item",
        ),
        ActionInfo::new(
            PipelineAction::StageSlower,
            "pipeline-slower",
            "stage slower",
            "the selected stage takes more time per item",
        ),
    ];
    const METRICS: &'static [Metric] = &[Metric::count(
        "pipeline-saved",
        "items the last stage has saved",
        |a| a.pipeline.view(&a.workers).stages[2].done as f64,
    )];

    /// Brackets change the selected stage's speed.
    fn keys() -> Vec<(Key, Action, bool)> {
        use PipelineAction::*;
        let c = Action::Pipeline;
        vec![
            (Key::char('s'), c(Start), true),
            (Key::char('x'), c(Stop), true),
            (Key::plain(KeyCode::Left), c(StagePrev), false),
            (Key::plain(KeyCode::Right), c(StageNext), true),
            (Key::char(']'), c(StageFaster), true),
            (Key::char('['), c(StageSlower), true),
            (Key::char('t'), Action::Terminate, true),
            (Key::char('k'), Action::Kill, false),
            (Key::char('j'), Action::Join, false),
            (Key::char('a'), Action::JoinAll, true),
        ]
    }

    fn open(app: &mut App, engine: &mut Engine, start: &Startup, _opening: &()) -> Result<(), String> {
        perform::open(app, engine, start);
        Ok(())
    }

    fn applies(app: &App, action: PipelineAction) -> bool {
        action.applies(app)
    }

    fn update(app: &mut App, action: PipelineAction) -> Vec<Effect> {
        update(app, action)
    }

    fn perform(app: &mut App, lab: &mut Lab, pipeline: &mut PipelineLab, effect: PipelineEffect) {
        perform::perform(app, lab, pipeline, effect)
    }

    fn on_event(app: &mut App, event: PipelineEvent) {
        perform::on_event(app, &event)
    }

    fn refresh(app: &mut App, lab: &Lab, pipeline: &PipelineLab) -> bool {
        perform::sample(app, lab, pipeline)
    }

    fn header(app: &App) -> String {
        let [f, p, s] = app.pipeline.stage_ms;
        format!("ms per item: fetch {f} · process {p} · save {s} ")
    }

    fn wait_words(snap: &WorkerSnapshot) -> Option<String> {
        stage_words(snap)
    }
}

#[cfg(test)]
mod tests;
