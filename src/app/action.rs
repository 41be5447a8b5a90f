//! Actions (what the user asked for) and effects (what the loop must do),
//! and one table of every action's names and words: the dashboard's here
//! ([`GENERAL`]), each lab's in its folder.

use std::sync::LazyLock;

use crate::lab::slot::Control;
use crate::lab::{StartOptions, WorkerId};

use super::labs::{ActionInfo, AppLab, LabId};

macro_rules! actions {
    ($( ($Lab:ident, $m:ident, $Ctl:ident, $State:ident, $($rest:tt)*) ),* $(,)?) => {
        /// Every change of UI state starts as an action; keys map to
        /// actions through the keymap.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            /// `p.start()` a new worker with the current settings.
            Spawn,
            /// SIGSTOP the selected worker, or SIGCONT it if paused.
            TogglePause,
            Terminate,
            Kill,
            Join,
            JoinAll,
            /// Make the selected worker raise an uncaught exception.
            Raise,
            /// Make the selected worker exit with status 3.
            Exit,
            /// Whether new workers are daemons.
            ToggleDaemon,
            /// CPU-bound or I/O-bound tasks for new workers.
            ToggleWorkload,
            /// Reap at once, or keep zombies until joined.
            ToggleAutoJoin,
            SelectPrev,
            SelectNext,
            SelectFirst,
            SelectLast,
            /// Select the n-th row of the worker table.
            SelectRow(usize),
            NextLab,
            PrevLab,
            GotoLab(LabId),
            ToggleHelp,
            /// Close the help (or whatever overlay is open).
            CloseOverlay,
            ScrollUp,
            ScrollDown,
            /// Save the screen as SVG and text.
            Screenshot,
            /// Show or hide the last keys pressed, for an audience.
            ToggleKeys,
            /// Open the lessons menu.
            Lessons,
            /// Start what the menu has selected.
            Choose,
            /// Go on from a lesson step that asks to watch.
            LessonNext,
            /// Pause the labs not shown (SIGSTOP), or keep them all running.
            ToggleBackground,
            /// Forget the joined workers' rows.
            ClearJoined,
            /// Scroll the log back a page, or towards the newest line.
            LogOlder,
            LogNewer,
            /// Stop redrawing the dashboard while the workers go on, or go live.
            ToggleFreeze,
            /// Run the lab's real counterpart, a course example, under the
            /// run view.
            RunExample,
            /// Run a named course example (a lesson's step).
            RunExampleNamed(&'static str),
            /// The first press begins Python's exit (daemons terminated);
            /// with workers a Python parent would wait for, a second press
            /// terminates them and leaves.
            Quit,
            $(
                #[doc = concat!("The ", stringify!($m), " lab's own actions.")]
                $Lab(<super::$m::$State as AppLab>::Action),
            )*
        }

        /// Work for the event loop, which owns the engine.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Effect {
            Start(StartOptions),
            Pause(WorkerId),
            Resume(WorkerId),
            Terminate(WorkerId),
            Kill(WorkerId),
            Join(WorkerId),
            JoinAll,
            Request(WorkerId, Control),
            SetAutoJoin(bool),
            /// Save the screen (the loop does it: it knows what was drawn).
            Screenshot,
            /// Leave this session and start the named lesson afresh.
            StartLesson(&'static str),
            /// A lab is shown: the others' workers pause, its own resume.
            Show(LabId),
            /// Every lab keeps running (true), or those not shown pause.
            KeepRunning(bool),
            /// Forget every joined worker.
            ClearJoined,
            /// Begin Python's exit: each lab's exit handlers, SIGTERM to
            /// the daemons; then leave, or wait for the workers a Python
            /// parent would wait for.
            BeginExit,
            Quit,
            $(
                #[doc = concat!("The ", stringify!($m), " lab's own effects.")]
                $Lab(<super::$m::$State as AppLab>::Effect),
            )*
        }
    };
}

crate::registry::for_each_lab!(actions);

/// The exit status `Action::Exit` asks for.
pub const EXIT_CODE: u8 = 3;

/// The dashboard's actions, whatever the lab.
pub const GENERAL: &[ActionInfo<Action>] = &[
    ActionInfo::new(
        Action::Spawn,
        "spawn",
        "start",
        "start a new worker process (Process.start)",
    ),
    ActionInfo::new(
        Action::TogglePause,
        "pause",
        "pause/resume",
        "pause the selected worker (SIGSTOP) or resume it (SIGCONT)",
    ),
    ActionInfo::new(
        Action::Terminate,
        "terminate",
        "terminate",
        "terminate: SIGTERM, -15 (a paused one waits until resumed)",
    ),
    ActionInfo::new(Action::Kill, "kill", "kill", "kill: SIGKILL, exitcode -9"),
    ActionInfo::new(
        Action::Join,
        "join",
        "join",
        "join: reap an ended worker, or wait for it to end",
    ),
    ActionInfo::new(
        Action::JoinAll,
        "join-all",
        "join all",
        "join every ended worker (no zombie left)",
    ),
    ActionInfo::new(
        Action::Raise,
        "raise",
        "raise",
        "make the worker raise an uncaught exception: exitcode 1",
    ),
    ActionInfo::new(
        Action::Exit,
        "exit",
        "sys.exit",
        "make the worker exit with status 3, as sys.exit does",
    ),
    ActionInfo::new(
        Action::ToggleDaemon,
        "daemon",
        "daemon",
        "new workers: daemons (SIGTERM at quit) or not (waited for)",
    ),
    ActionInfo::new(
        Action::ToggleWorkload,
        "workload",
        "cpu/io",
        "new workers: CPU-bound loop or I/O-bound sleep",
    ),
    ActionInfo::new(
        Action::ToggleAutoJoin,
        "auto-join",
        "auto-join",
        "join ended workers at once, or keep the zombies",
    ),
    ActionInfo::new(Action::SelectPrev, "up", "up", "select the previous worker"),
    ActionInfo::new(Action::SelectNext, "down", "down", "select the next worker"),
    ActionInfo::new(
        Action::SelectFirst,
        "first",
        "first",
        "select the first worker",
    ),
    ActionInfo::new(Action::SelectLast, "last", "last", "select the last worker"),
    ActionInfo::new(Action::NextLab, "next-lab", "labs", "next lab"),
    ActionInfo::new(Action::PrevLab, "prev-lab", "previous lab", "previous lab"),
    ActionInfo::new(
        Action::Screenshot,
        "screenshot",
        "screenshot",
        "save the screen as SVG (colours kept) and as text",
    ),
    ActionInfo::new(
        Action::ToggleKeys,
        "show-keys",
        "show keys",
        "show the last keys pressed in a corner, for an audience",
    ),
    ActionInfo::new(
        Action::Lessons,
        "lessons",
        "lessons",
        "the lessons: a concept walked through step by step",
    ),
    ActionInfo::new(
        Action::Choose,
        "choose",
        "start",
        "start the selected lesson",
    ),
    ActionInfo::new(
        Action::LessonNext,
        "lesson-next",
        "go on",
        "in a lesson, go on from a step that asks you to watch",
    ),
    ActionInfo::new(
        Action::ToggleBackground,
        "keep-running",
        "others: paused",
        "labs not shown: workers paused (SIGSTOP), or kept running",
    ),
    ActionInfo::new(
        Action::ClearJoined,
        "clear-joined",
        "clear joined",
        "clear the joined workers' rows from the table",
    ),
    ActionInfo::new(
        Action::LogOlder,
        "log-older",
        "log ▲",
        "scroll the log back a page (to older lines)",
    ),
    ActionInfo::new(
        Action::LogNewer,
        "log-newer",
        "log ▼",
        "scroll the log on a page (to the newest line)",
    ),
    ActionInfo::new(
        Action::ToggleFreeze,
        "freeze",
        "freeze",
        "freeze the screen while the workers go on; again to go live",
    ),
    ActionInfo::new(
        Action::RunExample,
        "run-example",
        "real program",
        "run this lab's counterpart, a real Python example",
    ),
    ActionInfo::new(Action::ToggleHelp, "help", "help", "show or hide this help"),
    ActionInfo::new(
        Action::Quit,
        "quit",
        "quit",
        "quit: SIGTERM to daemons; Python waits for others: q again",
    ),
    ActionInfo::new(Action::CloseOverlay, "close", "close", "close this"),
    ActionInfo::new(Action::ScrollUp, "scroll-up", "scroll", "up"),
    ActionInfo::new(Action::ScrollDown, "scroll-down", "scroll", "down"),
];

/// A mouse click's action has no name: a config file cannot bind it.
const SELECT_ROW: ActionInfo<()> =
    ActionInfo::new((), "", "select", "select a worker (mouse click)");

/// Every action with a name, the dashboard's first, then each lab's after
/// the key that opens it.
static TABLE: LazyLock<Vec<ActionInfo<Action>>> = LazyLock::new(|| {
    let mut table = GENERAL.to_vec();
    table.extend(super::labs::action_table());
    table
});

impl Action {
    /// The names a config file's `[keys]` table uses, for actions a key can do.
    pub fn names() -> impl Iterator<Item = &'static str> {
        TABLE.iter().map(|i| i.name)
    }

    /// The action a config file names.
    pub fn from_name(name: &str) -> Option<Action> {
        TABLE.iter().find(|i| i.name == name).map(|i| i.action)
    }

    fn info(self) -> Option<&'static ActionInfo<Action>> {
        TABLE.iter().find(|i| i.action == self)
    }

    /// A word or two for the footer.
    pub fn label(self) -> &'static str {
        match self {
            Action::SelectRow(_) => SELECT_ROW.label,
            other => other.info().map_or("", |i| i.label),
        }
    }

    /// A sentence for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            Action::SelectRow(_) => SELECT_ROW.describe,
            other => other.info().map_or("", |i| i.describe),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found_again() {
        let names: Vec<&str> = Action::names().collect();
        for (i, name) in names.iter().enumerate() {
            assert!(!names[i + 1..].contains(name), "{name} twice");
            let action = Action::from_name(name).unwrap();
            assert!(!action.label().is_empty(), "{name}");
            assert!(!action.describe().is_empty(), "{name}");
        }
        assert_eq!(
            Action::from_name("lab-gil"),
            Some(Action::GotoLab(LabId::Gil))
        );
        assert_eq!(
            Action::GotoLab(LabId::Gil).describe(),
            "open the GIL race lab"
        );
        assert!(Action::from_name("fly").is_none());
    }

    #[test]
    fn exit_says_its_code() {
        assert!(
            Action::Exit
                .describe()
                .contains(&format!("status {EXIT_CODE}"))
        );
    }

    #[test]
    fn every_sentence_fits_the_help_at_80_columns() {
        // The help is 76 wide at 80 columns: borders, then 14 for the keys.
        for i in GENERAL {
            assert!(
                i.describe.chars().count() <= 60,
                "{}: {}",
                i.name,
                i.describe
            );
        }
    }
}
