//! The pool lab's `update` without an engine: settings in, effects and log out.

use super::*;
use crate::app::{Action, App, LabId, Machine, Settings, update};
use crate::lab::StartOptions;
use crate::app::pool::view::RunView;
use crate::lab::pool::{Outcome, RunStats};

fn app() -> App {
    let mut app = App::new(
        LabId::Pool,
        Settings {
            start: StartOptions::default(),
            auto_join: false,
            max_workers: 8,
        },
        Machine { cores: 2 },
    );
    app.pool.settings = PoolSettings::for_cores(2);
    app
}

fn act(app: &mut App, a: PoolAction) -> Vec<Effect> {
    update(app, Action::Pool(a))
}

fn running_view(spec: JobSpec) -> RunView {
    RunView {
        number: 4,
        spec,
        chunksize: spec.chunksize(),
        n_chunks: spec.n_chunks(),
        outcome: Outcome::Running,
        cells: Vec::new(),
        items_per_cell: 1,
        queued_chunks: 3,
        lanes: Vec::new(),
        lane_span: std::time::Duration::ZERO,
        done_items: 0,
        delivered_items: 0,
        lost_items: 0,
        failed_items: 0,
        awaited: None,
        arrivals: Vec::new(),
        lost: Vec::new(),
        stats: RunStats::default(),
    }
}

#[test]
fn run_submits_the_current_settings() {
    let mut a = app();
    let effects = act(&mut a, PoolAction::Run);
    assert_eq!(
        effects,
        vec![Effect::Pool(PoolEffect::Run(a.pool.settings.spec()))]
    );
    assert!(applies(&a, PoolAction::Run));
}

#[test]
fn run_while_a_run_goes_says_so_and_does_nothing() {
    let mut a = app();
    a.pool.view.run = Some(running_view(a.pool.settings.spec()));
    assert!(!applies(&a, PoolAction::Run), "the footer hides it");
    assert!(act(&mut a, PoolAction::Run).is_empty());
    assert!(a.log.last().unwrap().text.contains("run 4 is still going"));
}

#[test]
fn the_chunksize_key_steps_default_one_and_one_chunk_per_worker() {
    let mut a = app();
    assert_eq!(a.pool.settings.spec().chunksize(), 250, "map's default");
    act(&mut a, PoolAction::NextChunk);
    assert_eq!(a.pool.settings.chunk, ChunkChoice::Fixed(1));
    assert!(
        a.log
            .last()
            .unwrap()
            .python
            .as_deref()
            .unwrap()
            .contains("chunksize=1")
    );
    act(&mut a, PoolAction::NextChunk);
    assert_eq!(a.pool.settings.chunk, ChunkChoice::Fixed(1_000));
    act(&mut a, PoolAction::NextChunk);
    assert_eq!(a.pool.settings.chunk, ChunkChoice::Default);
}

#[test]
fn bigger_and_smaller_double_and_halve_within_bounds() {
    let mut a = app();
    act(&mut a, PoolAction::BiggerChunks);
    assert_eq!(a.pool.settings.chunk, ChunkChoice::Fixed(500));
    for _ in 0..5 {
        act(&mut a, PoolAction::BiggerChunks);
    }
    assert_eq!(
        a.pool.settings.chunk,
        ChunkChoice::Fixed(2_000),
        "no bigger than the job"
    );
    for _ in 0..20 {
        act(&mut a, PoolAction::SmallerChunks);
    }
    assert_eq!(a.pool.settings.chunk, ChunkChoice::Fixed(1), "never 0");
}

#[test]
fn one_task_per_item_methods_take_no_chunksize() {
    let mut a = app();
    while a.pool.settings.method != Method::ApplyAsync {
        act(&mut a, PoolAction::NextMethod);
    }
    assert!(!applies(&a, PoolAction::NextChunk));
    let before = a.pool.settings;
    act(&mut a, PoolAction::NextChunk);
    assert_eq!(a.pool.settings, before);
    assert!(a.log.last().unwrap().text.contains("one task per item"));
}

#[test]
fn methods_cycle_and_say_how_results_come_back() {
    let mut a = app();
    let mut seen = vec![a.pool.settings.method];
    for _ in 0..5 {
        act(&mut a, PoolAction::NextMethod);
        seen.push(a.pool.settings.method);
    }
    assert_eq!(&seen[..5], &Method::ALL);
    assert_eq!(seen[5], Method::Map);
    act(&mut a, PoolAction::NextMethod);
    assert!(
        a.log
            .last()
            .unwrap()
            .text
            .contains("in order, each as soon")
    );
}

#[test]
fn maxtasksperchild_steps_and_names_the_new_pool() {
    let mut a = app();
    let mut seen = Vec::new();
    for _ in 0..4 {
        act(&mut a, PoolAction::NextMaxTasks);
        seen.push(a.pool.settings.maxtasks);
    }
    assert_eq!(seen, vec![Some(1), Some(5), Some(25), None]);
    act(&mut a, PoolAction::NextMaxTasks);
    let last = a.log.last().unwrap();
    assert_eq!(
        last.python.as_deref(),
        Some("pool = Pool(2, initializer=init, maxtasksperchild=1)")
    );
}

#[test]
fn skew_names_the_heavy_items() {
    let mut a = app();
    act(&mut a, PoolAction::ToggleCost);
    assert_eq!(a.pool.settings.cost, Cost::Skewed);
    assert!(
        a.log
            .last()
            .unwrap()
            .text
            .contains("items 1750-1769 are 50x heavier")
    );
}

#[test]
fn pool_keys_live_in_the_pool_lab_only() {
    let a = app();
    let map = &a.keymap;
    use crate::app::Key;
    assert_eq!(
        map.lookup(Key::char('r'), LabId::Pool, None),
        Some(Action::Pool(PoolAction::Run))
    );
    assert_eq!(
        map.lookup(Key::char('k'), LabId::Pool, None),
        Some(Action::Kill)
    );
    assert_eq!(map.lookup(Key::char('r'), LabId::Lifecycle, None), None);
    assert_eq!(
        map.lookup(Key::char('t'), LabId::Lifecycle, None),
        Some(Action::Terminate)
    );
}

#[test]
fn a_recycling_run_says_how_many_fresh_workers_to_expect() {
    let mut spec = PoolSettings::for_cores(2).spec();
    spec.chunk = ChunkChoice::Fixed(25);
    assert!(narrate::recycling(&spec).is_none(), "no maxtasksperchild");
    spec.maxtasks = Some(3);
    let line = narrate::recycling(&spec).unwrap();
    assert!(line.text.contains("80 tasks"), "{}", line.text);
    assert!(
        line.text.contains("about 25 fresh workers"),
        "{}",
        line.text
    );
    spec.maxtasks = Some(100);
    assert!(narrate::recycling(&spec).is_none(), "no one retires");
}

#[test]
fn an_executor_retiring_workers_after_more_than_one_task_says_cpython_deadlocks() {
    let mut spec = PoolSettings::for_cores(2).spec();
    spec.method = Method::Futures;
    spec.items = 12;
    spec.maxtasks = Some(5);
    let line = narrate::recycling(&spec).unwrap();
    assert_eq!(
        line.python.as_deref(),
        Some("ex = ProcessPoolExecutor(2, max_tasks_per_child=5)  # spawn")
    );
    assert!(line.text.contains("gh-115634"), "{}", line.text);
    // One task per worker: CPython 3.11 starts a fresh one each time.
    spec.maxtasks = Some(1);
    let line = narrate::recycling(&spec).unwrap();
    assert!(!line.text.contains("gh-115634"), "{}", line.text);
    // Every task taken by the first workers: nobody needs replacing.
    spec.maxtasks = Some(6);
    assert!(narrate::recycling(&spec).is_none());
}
