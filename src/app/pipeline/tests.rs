//! The pipeline lab's `update` without a terminal or an engine.

use super::*;
use crate::app::{Action, App, Effect, LabId, Machine, Settings, update};
use crate::lab::StartOptions;

fn app(lab: LabId) -> App {
    App::new(
        lab,
        Settings {
            start: StartOptions::default(),
            auto_join: false,
            max_workers: 8,
        },
        Machine { cores: 2 },
    )
}

#[test]
fn stage_keys_move_the_selection_and_change_its_time() {
    let mut a = app(LabId::Pipeline);
    assert_eq!(a.pipeline.selected, 1, "process is selected first");
    update(&mut a, Action::Pipeline(PipelineAction::StageNext));
    update(&mut a, Action::Pipeline(PipelineAction::StageNext));
    assert_eq!(a.pipeline.selected, 2, "stays on the last stage");
    assert_eq!(
        update(&mut a, Action::Pipeline(PipelineAction::StageSlower)),
        vec![Effect::Pipeline(PipelineEffect::SetStageMs {
            stage: 2,
            ms: 100
        })]
    );
}

#[test]
fn every_lab_key_is_in_the_help_and_has_a_label() {
    let map = crate::app::Keymap::standard();
    for b in &map.bindings {
        if let Action::Pipeline(_) = b.action {
            assert!(!b.action.label().is_empty());
            assert!(b.action.describe().len() > 10, "{:?}", b.action);
        }
    }
}
