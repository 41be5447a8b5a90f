//! The pipeline lab on the UI side: its actions and effects, each stage's
//! time per item and the stage marked ▶ (the speed keys, `t` and `k` act
//! on it), whether the pipe's unused ends are closed, the pure `update`,
//! its keys and its header. [`perform`] carries the effects out on the engine's
//! [`PipelineLab`]; [`view`] turns the figures read into what the panel
//! draws; [`narrate`] says each step with the Python that does the same.
//!
//! [`PipelineLab`]: crate::lab::pipeline::PipelineLab

pub mod claims;
pub mod narrate;
pub mod perform;
pub mod view;

use ratatui::crossterm::event::KeyCode;

use crate::app::comms::{PipeOpening, count_alive, ends_words, wait_words};
use crate::app::keymap::Key;
use crate::app::labs::{ActionInfo, AppLab};
use crate::app::metrics::Metric;
use crate::app::{Action, App, Effect, Startup};
use crate::lab::comms::Ends;
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
    /// Unused ends closed or left open, for the next run.
    ToggleEnds,
    /// `terminate()` / `kill()` the stage marked ▶.
    TerminateStage,
    KillStage,
}

/// Work for the loop, which owns the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineEffect {
    Start(Ends),
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
            PipelineAction::TerminateStage | PipelineAction::KillStage => {
                marked_worker(app).is_some_and(|id| {
                    w.iter().any(|w| w.id == id && w.status.is_alive())
                })
            }
            _ => true,
        }
    }
}

/// The worker of the stage marked ▶, in the current run.
pub fn marked_worker(app: &App) -> Option<crate::lab::WorkerId> {
    let p = &app.pipeline;
    p.ids().map(|ids| ids[p.marked(app.selected)])
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
        PipelineAction::Start => PipelineEffect::Start(p.ends),
        PipelineAction::Stop => PipelineEffect::Stop,
        PipelineAction::StagePrev | PipelineAction::StageNext => {
            let from = p.marked(app.selected);
            p.selected = if action == PipelineAction::StageNext {
                (from + 1).min(2)
            } else {
                from.saturating_sub(1)
            };
            // The worker table follows the mark, so both say the same.
            if let Some(ids) = p.ids() {
                app.selected = Some(ids[p.selected]);
            }
            return Vec::new();
        }
        PipelineAction::ToggleEnds => {
            p.ends = p.ends.toggled();
            let line = narrate::pipeline_ends(p.ends);
            app.say(line);
            return Vec::new();
        }
        PipelineAction::TerminateStage | PipelineAction::KillStage => {
            let Some(id) = marked_worker(app) else {
                app.say(narrate::no_stage());
                return Vec::new();
            };
            app.selected = Some(id);
            if !app
                .workers
                .iter()
                .any(|w| w.id == id && w.status.is_alive())
            {
                app.say(crate::app::narrate::error(&crate::lab::LabError::NotAlive(id)));
                return Vec::new();
            }
            return vec![if action == PipelineAction::TerminateStage {
                Effect::Terminate(id)
            } else {
                Effect::Kill(id)
            }];
        }
        PipelineAction::StageFaster | PipelineAction::StageSlower => {
            let stage = p.marked(app.selected);
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
    /// Whether the pipe's unused ends are closed (`--pipe-ends`); each
    /// stage's time starts as the lab's defaults.
    type Opening = PipeOpening;

    const ABOUT: &'static str = "fetch -> process -> save, joined by a pipe and a queue";
    const FLAGS: &'static [&'static str] = &["pipe-ends"];
    const CLAIMS: &'static [crate::app::claims::Table] = &[claims::Pipeline::TABLE];
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
            "mark the previous stage ▶ (the table selects it too)",
        ),
        ActionInfo::new(
            PipelineAction::StageNext,
            "pipeline-next-stage",
            "stage ▶",
            "mark the next stage ▶ (the table selects it too)",
        ),
        ActionInfo::new(
            PipelineAction::StageFaster,
            "pipeline-faster",
            "▶ faster",
            "the stage marked ▶ takes less time per item",
        ),
        ActionInfo::new(
            PipelineAction::StageSlower,
            "pipeline-slower",
            "▶ slower",
            "the stage marked ▶ takes more time per item",
        ),
        ActionInfo::new(
            PipelineAction::ToggleEnds,
            "pipeline-ends",
            "ends closed/open",
            "next run: unused pipe ends closed (EOFError) or left open (a hang)",
        ),
        ActionInfo::new(
            PipelineAction::TerminateStage,
            "pipeline-terminate",
            "terminate ▶",
            "terminate the stage marked ▶ (SIGTERM)",
        ),
        ActionInfo::new(
            PipelineAction::KillStage,
            "pipeline-kill",
            "kill ▶",
            "kill the stage marked ▶ (SIGKILL)",
        ),
    ];
    const METRICS: &'static [Metric] = &[Metric::count(
        "pipeline-saved",
        "items the last stage has saved",
        |a| a.pipeline.view(&a.workers, a.selected).stages[2].done as f64,
    )];

    /// `t` and `k` act on the stage marked ▶, brackets change its speed;
    /// `t` comes early, so the footer keeps it at 80 columns.
    fn keys() -> Vec<(Key, Action, bool)> {
        use PipelineAction::*;
        let c = Action::Pipeline;
        vec![
            (Key::char('s'), c(Start), true),
            (Key::char('x'), c(Stop), true),
            (Key::char('t'), c(TerminateStage), true),
            (Key::char('k'), c(KillStage), false),
            (Key::plain(KeyCode::Left), c(StagePrev), false),
            (Key::plain(KeyCode::Right), c(StageNext), true),
            (Key::char(']'), c(StageFaster), true),
            (Key::char('['), c(StageSlower), true),
            (Key::char('e'), c(ToggleEnds), true),
            (Key::char('j'), Action::Join, false),
            (Key::char('a'), Action::JoinAll, true),
        ]
    }

    fn open(
        app: &mut App,
        engine: &mut Engine,
        start: &Startup,
        opening: &PipeOpening,
    ) -> Result<(), String> {
        perform::open(app, engine, start, opening);
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

    /// `t` and `k` name the stage they act on.
    fn label(app: &App, action: PipelineAction) -> &'static str {
        const TERMINATE: [&str; 3] = ["terminate ▶ fetch", "terminate ▶ process", "terminate ▶ save"];
        const KILL: [&str; 3] = ["kill ▶ fetch", "kill ▶ process", "kill ▶ save"];
        let stage = app.pipeline.marked(app.selected);
        match action {
            PipelineAction::TerminateStage => TERMINATE[stage],
            PipelineAction::KillStage => KILL[stage],
            _ => crate::app::labs::info::<PipelineState>(action).map_or("", |i| i.label),
        }
    }

    fn header(app: &App) -> String {
        let [f, p, s] = app.pipeline.stage_ms;
        format!(
            "next: {} · ms per item: fetch {f} · process {p} · save {s} ",
            ends_words(app.pipeline.ends)
        )
    }

    fn wait_words(snap: &WorkerSnapshot) -> Option<String> {
        stage_words(snap)
    }
}

#[cfg(test)]
mod tests;
