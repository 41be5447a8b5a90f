//! The pipeline lab's `update` without a terminal or an engine.

use super::*;
use crate::app::tests::snap;
use crate::app::{Action, App, Effect, LabId, Machine, Settings, update};
use crate::lab::comms::Ends;
use crate::lab::comms::ring::Totals;
use crate::lab::pipeline::{PipelineStats, StageEnd};
use crate::lab::{StartOptions, Status, WorkerSnapshot};

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

/// A run of stages 4, 5 and 6, all alive, and a plain worker 9.
fn running(a: &mut App) {
    a.pipeline.stats = Some(PipelineStats {
        ids: Some([4, 5, 6]),
        ends_next: Ends::Closed,
        run_ends: Some(Ends::Closed),
        stage_ms: pipeline::DEFAULT_MS,
        ended: [StageEnd::Running; 3],
        pipe_bytes: 0,
        pipe_items: 0,
        pipe_capacity: 4096,
        queue: Totals::default(),
        stopping: false,
    });
    let alive = Status::Alive { paused: false };
    let stage = |id, role| WorkerSnapshot {
        role,
        ..snap(id, alive)
    };
    a.on_workers(vec![
        stage(4, Role::Fetch),
        stage(5, Role::Process),
        stage(6, Role::Save),
        snap(9, alive),
    ]);
}

#[test]
fn terminate_and_kill_act_on_the_stage_marked_and_the_table_follows_the_mark() {
    let mut a = app(LabId::Pipeline);
    let t = Action::Pipeline(PipelineAction::TerminateStage);
    let k = Action::Pipeline(PipelineAction::KillStage);
    assert!(!a.applies(t), "no run, no stage to act on");
    running(&mut a);
    // The table's selection is a plain worker: the mark stays on process.
    a.selected = Some(9);
    assert_eq!(a.pipeline.marked(a.selected), 1);
    assert_eq!(update(&mut a, t), vec![Effect::Terminate(5)]);
    assert_eq!(a.selected, Some(5), "the table selects what was acted on");
    // Selecting fetch in the table marks it.
    a.selected = Some(4);
    assert_eq!(a.pipeline.view(&a.workers, a.selected).selected, 0);
    assert_eq!(update(&mut a, k), vec![Effect::Kill(4)]);
    // → marks save and selects its row.
    update(&mut a, Action::Pipeline(PipelineAction::StageNext));
    update(&mut a, Action::Pipeline(PipelineAction::StageNext));
    assert_eq!((a.pipeline.selected, a.selected), (2, Some(6)));
    assert_eq!(update(&mut a, t), vec![Effect::Terminate(6)]);
    assert_eq!(
        <PipelineState as AppLab>::label(&a, PipelineAction::TerminateStage),
        "terminate ▶ save"
    );
    // An ended stage: nothing to do, said once.
    a.on_workers(vec![snap(6, Status::Exited(-15))]);
    assert!(!a.applies(t));
    assert_eq!(update(&mut a, t), vec![]);
    assert!(a.log.last().unwrap().text.contains("already ended"));
}

#[test]
fn the_ends_key_sets_the_next_run_and_says_its_python() {
    let mut a = app(LabId::Pipeline);
    assert_eq!(
        update(&mut a, Action::Pipeline(PipelineAction::Start)),
        vec![Effect::Pipeline(PipelineEffect::Start(Ends::Closed))]
    );
    update(&mut a, Action::Pipeline(PipelineAction::ToggleEnds));
    assert_eq!(
        a.log.last().unwrap().python.as_deref(),
        Some("# no close() anywhere: every process keeps r and w")
    );
    assert_eq!(
        update(&mut a, Action::Pipeline(PipelineAction::Start)),
        vec![Effect::Pipeline(PipelineEffect::Start(Ends::Open))]
    );
    update(&mut a, Action::Pipeline(PipelineAction::ToggleEnds));
    assert_eq!(
        a.log.last().unwrap().python.as_deref(),
        Some("r.close(); w.close()  # in the parent, after start()")
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
