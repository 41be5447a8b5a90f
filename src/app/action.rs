//! Actions (what the user asked for) and effects (what the loop must do).

use crate::lab::slot::Control;
use crate::lab::{StartOptions, WorkerId};

use super::counter::{CounterAction, CounterEffect};
use super::gil::{GilAction, GilEffect};
use super::labs::LabId;
use super::pool::{PoolAction, PoolEffect};
use super::sync::{SyncAction, SyncEffect};

/// Every change of UI state starts as an action; keys map to actions
/// through the keymap.
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
    /// Make the selected worker call `sys.exit(3)`.
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
    Quit,
    /// The counter lab's own actions.
    Counter(CounterAction),
    /// The sync lab's own actions.
    Sync(SyncAction),
    /// The pool lab's own actions.
    Pool(PoolAction),
    /// The queue lab's own actions.
    Queue(super::queue::QueueAction),
    /// The pipe lab's own actions.
    Pipe(super::pipe::PipeAction),
    /// The pipeline lab's own actions.
    Pipeline(super::pipeline::PipelineAction),
    /// The GIL lab's own actions.
    Gil(GilAction),
}

/// The exit status `Action::Exit` asks for.
pub const EXIT_CODE: u8 = 3;

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
    Quit,
    Counter(CounterEffect),
    Sync(SyncEffect),
    Pool(PoolEffect),
    Queue(super::queue::QueueEffect),
    Pipe(super::pipe::PipeEffect),
    Pipeline(super::pipeline::PipelineEffect),
    Gil(GilEffect),
}
