//! The labs on the UI side: [`LabId`], the [`AppLab`] trait every lab's
//! state implements, and the dispatch from the central `update`,
//! `perform`, `tick` and views to each lab, all generated from the registry
//! ([`crate::registry`]).

use std::fmt::Debug;
use std::hash::Hash;

use crate::lab::engine::{Controller, Engine, EngineEvent};
use crate::lab::{Role, WorkerSnapshot};

use super::keymap::Key;
use super::metrics::Metric;
use super::startup::Startup;
use super::{Action, App, Effect};

/// Where a lab sits in the tab bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Always there, with a number key.
    Numbered,
    /// There once opened (from the command line or a key), without a
    /// number.
    WhenOpen,
}

/// One action in a lab's table: the name a config file's `[keys]` table
/// uses, the footer's word or two, and the help's sentence (it fits an
/// 80-column terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionInfo<A> {
    pub action: A,
    pub name: &'static str,
    pub label: &'static str,
    pub describe: &'static str,
}

impl<A> ActionInfo<A> {
    pub const fn new(
        action: A,
        name: &'static str,
        label: &'static str,
        describe: &'static str,
    ) -> ActionInfo<A> {
        ActionInfo {
            action,
            name,
            label,
            describe,
        }
    }
}

/// One lab on the UI side, implemented by the lab's state (held in
/// [`App`], one field per lab). Its functions take the whole `App`: a lab
/// reads the workers, the settings and the selection, and writes the log.
pub trait AppLab: Default + Sized {
    /// What its keys ask for.
    type Action: Copy + Eq + Hash + Debug + Send + Sync + 'static;
    /// Work for the loop, which owns the engine.
    type Effect: Copy + Eq + Debug;
    /// Its part of the engine.
    type Controller: Controller;
    /// What the command line (or a lesson's or scenario's arguments) opens
    /// it with.
    type Opening: Clone + Debug + Default;

    /// What the lab shows, in one line (`--lab`'s help).
    const ABOUT: &'static str;
    /// Its actions, each with its names and words.
    const ACTIONS: &'static [ActionInfo<Self::Action>];
    /// Its figures, for the conditions of scenarios and lessons.
    const METRICS: &'static [Metric] = &[];
    /// The command line's flags (long names) that mean something for it:
    /// its own, and the shared ones it reads (`workers`). A flag given
    /// without `--lab` opens the lab it belongs to; with `--lab` naming a
    /// lab that does not take it, it is refused (`cli`).
    const FLAGS: &'static [&'static str] = &[];
    /// Every Python line it can show, its panel's and its lessons', with
    /// what backs each (its `claims.rs`, see [`super::claims`]).
    const CLAIMS: &'static [super::claims::Table] = &[];
    /// The course's example program that is this lab's real counterpart
    /// (`examples/python/`), run under the run view by `R`; None if none.
    const EXAMPLE: Option<&'static str> = None;

    /// Its key bindings: (key, action, listed in the footer). The keys that
    /// act on the selected worker (`Action::Terminate`...) are bound here
    /// too, where the lab wants them.
    fn keys() -> Vec<(Key, Action, bool)>;

    /// Sets the lab up from the start-up settings; when proclab opens on
    /// it (`start.lab`), starts its first workers too.
    fn open(
        app: &mut App,
        engine: &mut Engine,
        start: &Startup,
        opening: &Self::Opening,
    ) -> Result<(), String>;

    /// Whether an action would do anything now (the footer lists only
    /// those).
    fn applies(_app: &App, _action: Self::Action) -> bool {
        true
    }

    /// The footer's word for an action, which may follow the state.
    fn label(_app: &App, action: Self::Action) -> &'static str {
        info::<Self>(action).map_or("", |i| i.label)
    }

    /// Applies an action to the UI state and says what the loop must do.
    fn update(app: &mut App, action: Self::Action) -> Vec<Effect>;

    /// Carries out one of its effects on its controller, and logs what
    /// happened.
    fn perform(
        app: &mut App,
        lab: &mut crate::lab::Lab,
        ctl: &mut Self::Controller,
        effect: Self::Effect,
    );

    /// Takes in one event from its controller.
    fn on_event(app: &mut App, event: <Self::Controller as Controller>::Event);

    /// Reads its controller's figures, once a tick; returns whether
    /// anything shown changed.
    fn refresh(_app: &mut App, _lab: &crate::lab::Lab, _ctl: &Self::Controller) -> bool {
        false
    }

    /// Follows a fresh snapshot of the workers, while the lab is shown.
    fn on_workers(_app: &mut App) {}

    /// The lab has just come on screen (a tab or number key, or a
    /// script's): what the loop must do then. A lab that starts programs
    /// of its own only when first shown opens here.
    fn shown(_app: &mut App) -> Vec<Effect> {
        Vec::new()
    }

    /// Lines the help shows under the lab's keys.
    fn help() -> Vec<String> {
        Vec::new()
    }

    /// Its settings, for the right of the header.
    fn header(app: &App) -> String;

    /// What a live worker of one of its roles is doing, in its role's
    /// words ("blocked on put", "waiting at barrier 3/4"); None to show
    /// the kernel's state in words.
    fn wait_words(_snap: &WorkerSnapshot) -> Option<String> {
        None
    }

    /// The count the worker table shows for a worker of one of its roles.
    fn count_shown(snap: &WorkerSnapshot) -> u64 {
        snap.tasks_done
    }

    /// Takes a selection action (the arrows, Home, End, the mouse) for a
    /// list of its own, while it is shown; false leaves it to the worker
    /// table.
    fn select(_app: &mut App, _action: Action) -> bool {
        false
    }

    /// Runs a course example (`EXAMPLE` of some lab, or a lesson's):
    /// for a view that runs programs; the others do nothing.
    fn run_example(_app: &mut App, _example: &'static str) -> Vec<Effect> {
        Vec::new()
    }
}

/// The row of a lab's action table for `action`.
pub fn info<S: AppLab>(action: S::Action) -> Option<&'static ActionInfo<S::Action>> {
    S::ACTIONS.iter().find(|i| i.action == action)
}

/// The tabs in the tab bar: every numbered lab, then the views opened so
/// far that have no number.
pub fn tabs(opened: &[LabId]) -> Vec<LabId> {
    let mut tabs: Vec<LabId> = LabId::ALL
        .iter()
        .copied()
        .filter(|l| l.tab() == Tab::Numbered)
        .collect();
    for &lab in opened {
        if !tabs.contains(&lab) {
            tabs.push(lab);
        }
    }
    tabs
}

/// The tab after (or before) `current` among `tabs`, going round.
pub fn step(tabs: &[LabId], current: LabId, forward: bool) -> LabId {
    let Some(i) = tabs.iter().position(|&l| l == current) else {
        return tabs.first().copied().unwrap_or(current);
    };
    let n = tabs.len();
    tabs[if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    }]
}

macro_rules! labs {
    ($( ($Lab:ident, $m:ident, $Ctl:ident, $State:ident, $name:literal, $title:literal,
         $short:literal, $tab:ident, [$($Role:ident $rname:literal),* $(,)?]) ),* $(,)?) => {
        /// One lab: a focus panel and its keys on top of the shared
        /// dashboard.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum LabId {
            #[default]
            $( $Lab, )*
        }

        impl LabId {
            /// Every lab, in tab order; number keys pick the numbered ones
            /// by position.
            pub const ALL: &'static [LabId] = &[$(LabId::$Lab),*];

            /// The name `--lab` and conditions use.
            pub fn name(self) -> &'static str {
                match self { $( LabId::$Lab => $name, )* }
            }

            /// The title in the tab bar and the help.
            pub fn title(self) -> &'static str {
                match self { $( LabId::$Lab => $title, )* }
            }

            /// A short title, for a narrow tab bar.
            pub fn short(self) -> &'static str {
                match self { $( LabId::$Lab => $short, )* }
            }

            /// What the lab shows, in one line.
            pub fn about(self) -> &'static str {
                match self { $( LabId::$Lab => <super::$m::$State as AppLab>::ABOUT, )* }
            }

            pub fn tab(self) -> Tab {
                match self { $( LabId::$Lab => Tab::$tab, )* }
            }

            /// The lab a `--lab` or `lab is` name means.
            pub fn from_name(name: &str) -> Option<LabId> {
                LabId::ALL.iter().copied().find(|l| l.name() == name)
            }
        }

        /// Every lab's action table, as central actions, each lab's after
        /// the key that opens it.
        pub(crate) fn action_table() -> Vec<ActionInfo<Action>> {
            let mut table = Vec::new();
            $(
                table.push(ActionInfo::new(
                    Action::GotoLab(LabId::$Lab),
                    concat!("lab-", $name),
                    "lab",
                    concat!("open the ", $title, " lab"),
                ));
                table.extend(<super::$m::$State as AppLab>::ACTIONS.iter().map(|i| {
                    ActionInfo::new(Action::$Lab(i.action), i.name, i.label, i.describe)
                }));
            )*
            table
        }

        /// Every lab's figures.
        pub(crate) fn metrics() -> impl Iterator<Item = &'static Metric> {
            std::iter::empty()
                $( .chain(<super::$m::$State as AppLab>::METRICS.iter()) )*
        }

        /// Every lab's key bindings, with the lab they belong to.
        pub(crate) fn keys() -> Vec<(LabId, Key, Action, bool)> {
            let mut keys = Vec::new();
            $(
                for (key, action, footer) in <super::$m::$State as AppLab>::keys() {
                    keys.push((LabId::$Lab, key, action, footer));
                }
            )*
            keys
        }

        /// Opens the lab proclab starts on first, so its workers are
        /// numbered from 1, then every other lab in registry order.
        pub(crate) fn open(app: &mut App, engine: &mut Engine, start: &Startup) -> Result<(), String> {
            fn one(app: &mut App, engine: &mut Engine, lab: LabId, start: &Startup) -> Result<(), String> {
                // What a lab starts as it opens is its own.
                let acting = engine.lab.set_acting(Some(lab.name()));
                let opened = match lab {
                    $( LabId::$Lab => <super::$m::$State as AppLab>::open(app, engine, start, &start.$m), )*
                };
                engine.lab.set_acting(acting);
                opened
            }
            one(app, engine, start.lab, start)?;
            for &lab in LabId::ALL.iter().filter(|&&l| l != start.lab) {
                one(app, engine, lab, start)?;
            }
            Ok(())
        }

        /// A lab's action: whether it applies now; None for the others.
        pub(crate) fn applies(app: &App, action: Action) -> Option<bool> {
            match action {
                $( Action::$Lab(a) => Some(<super::$m::$State as AppLab>::applies(app, a)), )*
                _ => None,
            }
        }

        /// A lab's action: the footer's word now; None for the others.
        pub(crate) fn label(app: &App, action: Action) -> Option<&'static str> {
            match action {
                $( Action::$Lab(a) => Some(<super::$m::$State as AppLab>::label(app, a)), )*
                _ => None,
            }
        }

        /// A lab's action: what it does to the state; None for the others.
        pub(crate) fn update(app: &mut App, action: Action) -> Option<Vec<Effect>> {
            match action {
                $( Action::$Lab(a) => Some(<super::$m::$State as AppLab>::update(app, a)), )*
                _ => None,
            }
        }

        /// A lab's effect, carried out on its controller; false for the
        /// others.
        pub(crate) fn perform(app: &mut App, engine: &mut Engine, effect: Effect) -> bool {
            match effect {
                $(
                    Effect::$Lab(e) => {
                        let acting = engine.lab.set_acting(Some($name));
                        <super::$m::$State as AppLab>::perform(app, &mut engine.lab, &mut engine.$m, e);
                        engine.lab.set_acting(acting);
                        true
                    }
                )*
                _ => false,
            }
        }

        /// A lab's event, taken in by its state; the engine's own events
        /// are given back.
        pub(crate) fn on_event(app: &mut App, event: EngineEvent) -> Option<crate::lab::LabEvent> {
            match event {
                EngineEvent::Lab(e) => return Some(e),
                $( EngineEvent::$Lab(e) => <super::$m::$State as AppLab>::on_event(app, e), )*
            }
            None
        }

        /// Every lab reads its controller's figures; whether anything
        /// shown changed.
        pub(crate) fn refresh(app: &mut App, engine: &Engine) -> bool {
            let mut changed = false;
            $( changed |= <super::$m::$State as AppLab>::refresh(app, &engine.lab, &engine.$m); )*
            changed
        }

        /// The lab just shown says what it needs done.
        pub(crate) fn shown(app: &mut App) -> Vec<Effect> {
            match app.lab {
                $( LabId::$Lab => <super::$m::$State as AppLab>::shown(app), )*
            }
        }

        /// The lab's lines for the help, under its keys.
        pub fn help(lab: LabId) -> Vec<String> {
            match lab {
                $( LabId::$Lab => <super::$m::$State as AppLab>::help(), )*
            }
        }

        /// The lab shown follows a fresh snapshot of the workers.
        pub(crate) fn on_workers(app: &mut App) {
            match app.lab {
                $( LabId::$Lab => <super::$m::$State as AppLab>::on_workers(app), )*
            }
        }

        /// The header's words for the lab shown.
        pub(crate) fn header(app: &App) -> String {
            match app.lab {
                $( LabId::$Lab => <super::$m::$State as AppLab>::header(app), )*
            }
        }

        /// The words of the lab whose role the worker has, for what it
        /// waits on; a plain worker's state is the kernel's.
        pub(crate) fn wait_words(snap: &WorkerSnapshot) -> Option<String> {
            match snap.role {
                Role::Tasks => None,
                $($( Role::$Role => <super::$m::$State as AppLab>::wait_words(snap), )*)*
            }
        }

        /// The lab whose role a worker has; None for the plain worker,
        /// which several labs start.
        pub fn lab_of_role(role: Role) -> Option<LabId> {
            match role {
                Role::Tasks => None,
                $($( Role::$Role => Some(LabId::$Lab), )*)*
            }
        }

        /// Every lab's flags (long names, as `--lab` takes its own).
        pub fn flags() -> Vec<(LabId, &'static [&'static str])> {
            vec![$( (LabId::$Lab, <super::$m::$State as AppLab>::FLAGS) ),*]
        }

        /// The example program that is the lab's real counterpart.
        pub fn example(lab: LabId) -> Option<&'static str> {
            match lab {
                $( LabId::$Lab => <super::$m::$State as AppLab>::EXAMPLE, )*
            }
        }

        /// The lab shown takes a selection action for a list of its own.
        pub(crate) fn select(app: &mut App, action: Action) -> bool {
            match app.lab {
                $( LabId::$Lab => <super::$m::$State as AppLab>::select(app, action), )*
            }
        }

        /// Runs an example program in the view that runs programs.
        pub(crate) fn run_example(app: &mut App, example: &'static str) -> Vec<Effect> {
            let mut effects = Vec::new();
            $( effects.extend(<super::$m::$State as AppLab>::run_example(app, example)); )*
            effects
        }

        /// The count the worker table shows for a worker, as the lab of its
        /// role says.
        pub(crate) fn count_shown(snap: &WorkerSnapshot) -> u64 {
            match snap.role {
                Role::Tasks => snap.tasks_done,
                $($( Role::$Role => <super::$m::$State as AppLab>::count_shown(snap), )*)*
            }
        }
    };
}

crate::registry::for_each_lab!(labs);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found_again() {
        for &lab in LabId::ALL {
            assert_eq!(LabId::from_name(lab.name()), Some(lab));
            assert!(!lab.about().ends_with('.'), "{lab:?}: clap shows it as is");
            assert!(lab.short().chars().count() <= 5, "{lab:?}");
        }
        assert_eq!(LabId::from_name("moon"), None);
    }

    #[test]
    fn a_view_without_a_number_joins_the_tabs_once_opened() {
        let numbered = tabs(&[]);
        let with_number = LabId::ALL.iter().filter(|l| l.tab() == Tab::Numbered);
        assert_eq!(numbered.len(), with_number.count(), "every numbered lab");
        // A view without a number is appended once opened; the keys that
        // go round the tabs then pass through it.
        let some: Vec<LabId> = numbered[..3].to_vec();
        let extra = numbered[5];
        let mut with_view = some.clone();
        with_view.push(extra);
        assert_eq!(step(&with_view, some[2], true), extra);
        assert_eq!(step(&with_view, extra, true), some[0]);
        assert_eq!(step(&with_view, some[0], false), extra);
        assert_eq!(step(&some, extra, true), some[0], "a lab not in the tabs");
    }

    #[test]
    fn every_lab_action_has_a_row_in_its_table() {
        let table = action_table();
        for (lab, _, action, _) in keys() {
            if let Action::GotoLab(_) = action {
                continue;
            }
            let general = crate::app::action::GENERAL
                .iter()
                .any(|i| i.action == action);
            assert!(
                general || table.iter().any(|i| i.action == action),
                "{lab:?}: {action:?} has no name, label or sentence"
            );
        }
    }
}
