//! The GIL lab's `update` without a terminal or an engine.

use super::*;
use crate::app::Action;
use crate::app::{LabId, Machine, Settings};
use crate::lab::StartOptions;

fn app() -> App {
    let mut app = App::new(
        LabId::Gil,
        Settings {
            start: StartOptions::default(),
            auto_join: false,
            max_workers: 8,
        },
        Machine { cores: 2 },
    );
    app.gil.task_ms = 100;
    app
}

#[test]
fn m_cycles_the_mode_through_an_effect() {
    let mut a = app();
    assert_eq!(
        update(&mut a, GilAction::CycleMode),
        vec![Effect::Gil(GilEffect::SwitchMode(Mode::Threads))]
    );
    assert_eq!(
        a.gil.mode,
        Mode::Processes,
        "the mode changes once performed"
    );
    assert_eq!(action_label(&a, GilAction::CycleMode), "mode: threads");
}

#[test]
fn the_interval_steps_and_says_the_python() {
    let mut a = app();
    let effects = update(&mut a, GilAction::IntervalDown);
    assert_eq!(effects, vec![Effect::Gil(GilEffect::SetInterval(2_000))]);
    assert_eq!(
        a.log.last().unwrap().python.as_deref(),
        Some("sys.setswitchinterval(0.002)")
    );
    for _ in 0..20 {
        update(&mut a, GilAction::IntervalDown);
    }
    assert_eq!(
        a.gil.interval_us,
        gil::MIN_INTERVAL_US,
        "never below 0.1 ms"
    );
}

#[test]
fn while_racing_only_cancel_and_views_apply() {
    let mut a = app();
    assert!(!applies(&a, GilAction::CancelRace));
    assert_eq!(
        update(&mut a, GilAction::Race),
        vec![Effect::Gil(GilEffect::StartRace)]
    );
    let plan = a.gil.race_plan(2);
    assert_eq!(
        plan.runs.len(),
        3 * 4,
        "three modes, 1 to 2 x cores workers"
    );
    assert_eq!(plan.tasks, 4);
    a.gil.race = Some(race::RaceView::new(&plan, 2));
    assert!(applies(&a, GilAction::CancelRace));
    assert!(!applies(&a, GilAction::Add));
    assert!(update(&mut a, GilAction::Add).is_empty());
    assert!(a.log.last().unwrap().text.contains("Esc"));
    assert_eq!(
        update(&mut a, GilAction::CancelRace),
        vec![Effect::Gil(GilEffect::CancelRace)]
    );
}

#[test]
fn the_gil_keys_are_in_the_keymap() {
    let a = app();
    let find = |c: char| a.keymap.lookup(crate::app::Key::char(c), LabId::Gil, None);
    assert_eq!(find('m'), Some(Action::Gil(GilAction::CycleMode)));
    assert_eq!(find('s'), Some(Action::Gil(GilAction::Add)));
    assert_eq!(find('p'), Some(Action::TogglePause));
    assert_eq!(find('q'), Some(Action::Quit));
}

#[test]
fn every_help_line_fits_an_80_column_terminal() {
    use GilAction::*;
    for a in [
        Add,
        CycleMode,
        ToggleWorkload,
        ToggleConvoy,
        IntervalDown,
        IntervalUp,
        Race,
        CancelRace,
        Zoom,
        ToggleView,
    ] {
        // The help box is 76 wide: borders and a 14-cell key column.
        let describe = Action::Gil(a).describe();
        assert!(describe.chars().count() <= 60, "{a:?}: {describe}");
    }
}
