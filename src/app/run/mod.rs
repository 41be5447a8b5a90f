//! The run view on the UI side: a real Python program (`proclab run`,
//! `proclab attach`, a lab's `R`), followed from its controller's news:
//! its process tree read from `/proc`, its output, and what its
//! instrumentation reports (folded here into [`instrument::Program`]),
//! with the lifecycle keys acting on the selected real process.

pub mod narrate;
pub mod take;
pub mod view;

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;

use crate::app::keymap::Key;
use crate::app::labs::{ActionInfo, AppLab};
use crate::app::metrics::Metric;
use crate::app::{Action, App, Effect, LabId, Startup};
use crate::lab::engine::Engine;
use crate::lab::run::instrument;
use crate::lab::run::{GilVerdict, ProcId, RunLab, RunNews, Target, TreeSample, examples};
use crate::lab::Lab;

/// Output lines kept; the oldest go first.
pub const OUTPUT_KEPT: usize = 2000;
/// Ended processes of a run kept in view; the oldest go first.
pub const GONE_KEPT: usize = 200;

/// What the command line opens the run view with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOpening {
    /// A program to start or a pid to attach to; nothing for a view that
    /// waits for a lab's `R`.
    pub target: Option<Target>,
}

/// What is watched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watching {
    /// The command line (`python3 demo.py`), or the attached process's.
    pub what: String,
    /// Started by proclab (`run`), or attached to.
    pub owned: bool,
    pub instrumented: bool,
}

/// One line of the program's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputLine {
    pub run: u32,
    /// The process that wrote it, where that is known.
    pub pid: Option<u32>,
    pub stderr: bool,
    pub text: String,
}

/// A process of the run that is gone, as last seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Gone {
    pub process: crate::lab::run::ProcessSample,
    /// Python's exitcode, where known.
    pub exitcode: Option<i32>,
    /// Who reaped it, in words ("joined", "proclab, its subreaper").
    pub reaped_by: Option<String>,
}

/// What the lower panel shows where there is room for one only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Panel {
    #[default]
    Output,
    Threads,
    Queues,
    Values,
    Pools,
}

impl Panel {
    pub const ALL: [Panel; 5] = [
        Panel::Output,
        Panel::Threads,
        Panel::Queues,
        Panel::Values,
        Panel::Pools,
    ];

    pub fn word(self) -> &'static str {
        match self {
            Panel::Output => "output",
            Panel::Threads => "threads",
            Panel::Queues => "queues",
            Panel::Values => "values",
            Panel::Pools => "pools",
        }
    }
}

/// The run view's state.
#[derive(Debug, Clone, Default)]
pub struct RunState {
    pub watching: Option<Watching>,
    /// The run number, from 1 (`r` starts another).
    pub run: u32,
    pub main_pid: Option<u32>,
    /// The main process ended, with its exitcode where known.
    pub exited: Option<Option<i32>>,
    /// The latest reading of the tree.
    pub sample: Option<TreeSample>,
    /// The last readings, for the GIL verdict.
    pub window: VecDeque<TreeSample>,
    /// Processes of this run that are gone, oldest first.
    pub gone: Vec<Gone>,
    /// Other commands of this run that ended without running Python (a
    /// launcher's helpers, as a pyenv shim's before it starts Python; a
    /// `subprocess` command): counted in the tree's title, not listed.
    pub commands_ended: HashSet<ProcId>,
    /// What the instrumentation told of this run.
    pub model: instrument::Program,
    pub output: VecDeque<OutputLine>,
    pub selected: Option<ProcId>,
    /// The lower panel, where only one fits.
    pub panel: Panel,
    /// Processes whose threads take turns under the GIL now.
    pub verdicts: Vec<GilVerdict>,
    /// Processes sent SIGTERM by `t` while stopped: it waits for SIGCONT.
    pub pending_term: HashSet<ProcId>,
    /// The folder the program runs in: sites under it are shown relative.
    pub root: Option<PathBuf>,
    /// Unix time of proclab's start, to place the program's events on
    /// the log's clock.
    pub unix_zero: Option<f64>,
    /// The course example being run, if it is one.
    pub example: Option<&'static str>,
    /// Orphans proclab reaped before a reading saw them gone: pid, exitcode.
    pub orphans_reaped: HashMap<u32, i32>,
    /// Zombies and GIL verdicts already said in the log.
    pub zombies_noted: HashSet<ProcId>,
    pub gil_noted: HashSet<ProcId>,
}

/// What the user asks of the run view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunAction {
    /// SIGSTOP the selected process, or SIGCONT it if stopped.
    Pause,
    Terminate,
    Kill,
    /// End the program and start it again.
    Again,
    /// Show the next of output, threads, queues, values, pools.
    NextPanel,
}

/// What the loop must do for the run view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEffect {
    Pause(ProcId),
    Resume(ProcId),
    Terminate(ProcId),
    Kill(ProcId),
    Again,
    /// Run a course example (a lab's `R`, a lesson's step).
    Example(&'static str),
}

const ACTIONS: &[ActionInfo<RunAction>] = &[
    ActionInfo::new(
        RunAction::Pause,
        "run-pause",
        "pause/resume",
        "pause the selected process (SIGSTOP) or resume it (SIGCONT)",
    ),
    ActionInfo::new(
        RunAction::Terminate,
        "run-terminate",
        "terminate",
        "SIGTERM to the selected process, alone: pending while it is stopped",
    ),
    ActionInfo::new(
        RunAction::Kill,
        "run-kill",
        "kill",
        "SIGKILL to the selected process: it ends at once, even stopped",
    ),
    ActionInfo::new(
        RunAction::Again,
        "run-again",
        "run again",
        "end the program (its whole tree) and run it again",
    ),
    ActionInfo::new(
        RunAction::NextPanel,
        "run-panel",
        "show",
        "below the tree: output, threads, queues, values or pools",
    ),
];

impl RunState {
    /// Is the selected process there and not ended?
    pub fn selected_live(&self) -> Option<&crate::lab::run::ProcessSample> {
        let id = self.selected?;
        self.sample
            .as_ref()?
            .get(id)
            .filter(|p| !p.is_zombie())
    }

    /// The main process's instrumentation, if it said hello.
    pub fn main_model(&self) -> Option<&instrument::state::Proc> {
        self.model.processes.get(&self.main_pid?)
    }

    /// The panels that have something to show, output and threads always.
    pub fn panels(&self) -> Vec<Panel> {
        Panel::ALL
            .into_iter()
            .filter(|p| match p {
                Panel::Output | Panel::Threads => true,
                Panel::Queues => !self.model.queues.is_empty(),
                Panel::Values => !self.model.shared.is_empty(),
                Panel::Pools => !self.model.pools.is_empty(),
            })
            .collect()
    }
}

impl AppLab for RunState {
    type Action = RunAction;
    type Effect = RunEffect;
    type Controller = RunLab;
    type Opening = RunOpening;

    const ABOUT: &'static str =
        "A real Python program: its processes, threads, output and multiprocessing events";
    const ACTIONS: &'static [ActionInfo<RunAction>] = ACTIONS;
    const METRICS: &'static [Metric] = &[
        Metric::count("program-processes", "live processes of the watched program", |a| {
            a.run.sample.as_ref().map_or(0, |s| s.processes.len()) as f64
        }),
        Metric::count(
            "program-zombies",
            "children of the watched program seen as zombies, not joined",
            |a| a.run.zombies_noted.len() as f64,
        ),
        Metric::count(
            "program-gil",
            "processes of the watched program seen taking turns under a GIL",
            |a| a.run.gil_noted.len() as f64,
        ),
        Metric::choice(
            "program-ended",
            "the watched program's main process has ended",
            |a| f64::from(u8::from(a.run.exited.is_some())),
            &["the program is running", "the program has ended"],
        ),
    ];

    fn keys() -> Vec<(Key, Action, bool)> {
        let r = Action::Program;
        vec![
            (Key::char('p'), r(RunAction::Pause), true),
            (Key::char('t'), r(RunAction::Terminate), true),
            (Key::char('k'), r(RunAction::Kill), true),
            (Key::char('r'), r(RunAction::Again), true),
            (Key::char('o'), r(RunAction::NextPanel), true),
        ]
    }

    /// Starts the program (or attaches to it) when the command line says
    /// so; an error here is said before the terminal is touched.
    fn open(
        app: &mut App,
        engine: &mut Engine,
        _start: &Startup,
        opening: &RunOpening,
    ) -> Result<(), String> {
        let Some(target) = &opening.target else {
            return Ok(());
        };
        engine
            .run
            .start(&engine.lab, target.clone())
            .map_err(|e| e.to_string())?;
        app.show(LabId::Program);
        Ok(())
    }

    fn applies(app: &App, action: RunAction) -> bool {
        let s = &app.run;
        match action {
            RunAction::Pause | RunAction::Terminate | RunAction::Kill => {
                s.selected_live().is_some()
            }
            RunAction::Again => s.watching.as_ref().is_some_and(|w| w.owned),
            RunAction::NextPanel => s.watching.is_some(),
        }
    }

    fn label(app: &App, action: RunAction) -> &'static str {
        match action {
            RunAction::Pause if app.run.selected_live().is_some_and(|p| p.is_stopped()) => {
                "resume"
            }
            RunAction::Pause => "pause",
            RunAction::NextPanel => {
                let panels = app.run.panels();
                let next = view::next_panel(&panels, app.run.panel);
                match next {
                    Panel::Output => "show output",
                    Panel::Threads => "show threads",
                    Panel::Queues => "show queues",
                    Panel::Values => "show values",
                    Panel::Pools => "show pools",
                }
            }
            other => crate::app::labs::info::<RunState>(other).map_or("", |i| i.label),
        }
    }

    fn update(app: &mut App, action: RunAction) -> Vec<Effect> {
        let effect = match action {
            RunAction::NextPanel => {
                let panels = app.run.panels();
                app.run.panel = view::next_panel(&panels, app.run.panel);
                return Vec::new();
            }
            RunAction::Again => match &app.run.watching {
                Some(w) if w.owned => RunEffect::Again,
                Some(_) => {
                    app.say(narrate::cannot_restart());
                    return Vec::new();
                }
                None => return Vec::new(),
            },
            RunAction::Pause | RunAction::Terminate | RunAction::Kill => {
                let Some(p) = app.run.selected_live() else {
                    app.say(narrate::nothing_selected(&app.run));
                    return Vec::new();
                };
                let id = p.id;
                match action {
                    RunAction::Pause if p.is_stopped() => RunEffect::Resume(id),
                    RunAction::Pause => RunEffect::Pause(id),
                    RunAction::Terminate => RunEffect::Terminate(id),
                    _ => RunEffect::Kill(id),
                }
            }
        };
        vec![Effect::Program(effect)]
    }

    fn perform(app: &mut App, lab: &mut Lab, ctl: &mut RunLab, effect: RunEffect) {
        take::perform(app, lab, ctl, effect);
    }

    fn on_event(app: &mut App, news: RunNews) {
        take::news(app, news);
    }

    fn header(app: &App) -> String {
        view::header(&app.run)
    }

    fn select(app: &mut App, action: Action) -> bool {
        view::select(&mut app.run, action);
        true
    }

    /// Opens the view and runs the example in it.
    fn run_example(app: &mut App, example: &'static str) -> Vec<Effect> {
        if examples::find(example).is_none() {
            return Vec::new();
        }
        app.show(LabId::Program);
        vec![Effect::Program(RunEffect::Example(example))]
    }
}
