//! The pipe lab on the UI side: its actions and effects, the next pipe's
//! kind and rate, the pure `update`, its keys and its header. [`perform`]
//! carries the effects out on the engine's [`PipeLab`]; [`view`] turns the
//! figures read into what the panel draws; [`narrate`] says each step with
//! the Python that does the same.
//!
//! [`PipeLab`]: crate::lab::pipe::PipeLab

pub mod claims;
pub mod narrate;
pub mod perform;
pub mod view;

use crate::app::comms::{PipeOpening, count_alive, ends_words, rate_words, step, wait_words};
use crate::app::keymap::Key;
use crate::app::labs::{ActionInfo, AppLab};
use crate::app::metrics::Metric;
use crate::app::{Action, App, Effect, Startup};
use crate::lab::engine::Engine;
use crate::lab::pipe::{self, PipeEvent, PipeLab, PipeMode};
use crate::lab::{Lab, Role, WorkerSnapshot};

pub use self::view::{EndView, PipeState, PipeView};

/// What the pipe lab's keys ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PipeAction {
    Start,
    /// Duplex ping-pong or one-way stream, for the next pipe.
    ToggleMode,
    /// Unused ends closed or left open, for the next pipe.
    ToggleEnds,
    Faster,
    Slower,
}

/// Work for the loop, which owns the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipeEffect {
    Start(PipeMode, crate::lab::comms::Ends),
    SetRate(u32),
}

/// The roles of a pipe's two ends, in either kind of pipe.
const ROLES: [Role; 4] = [Role::Ping, Role::Pong, Role::Sender, Role::Receiver];

impl PipeAction {
    /// Whether it would do anything now (the footer lists only those).
    pub fn applies(self, app: &App) -> bool {
        match self {
            PipeAction::Start => count_alive(&app.workers, &ROLES) == 0,
            PipeAction::Faster => app.pipe.rate != 0,
            PipeAction::Slower => app.pipe.rate != pipe::RATES[0],
            PipeAction::ToggleMode | PipeAction::ToggleEnds => true,
        }
    }
}

/// Applies an action to the lab's settings and says what the loop must do.
pub fn update(app: &mut App, action: PipeAction) -> Vec<Effect> {
    let p = &mut app.pipe;
    let effect = match action {
        PipeAction::Start => PipeEffect::Start(p.mode, p.ends),
        PipeAction::ToggleMode => {
            p.mode = match p.mode {
                PipeMode::PingPong => PipeMode::Stream,
                PipeMode::Stream => PipeMode::PingPong,
            };
            let line = narrate::pipe_mode(p.mode);
            app.say(line);
            return Vec::new();
        }
        PipeAction::ToggleEnds => {
            p.ends = p.ends.toggled();
            let line = narrate::pipe_ends(p.mode, p.ends);
            app.say(line);
            return Vec::new();
        }
        PipeAction::Faster | PipeAction::Slower => {
            p.rate = step(&pipe::RATES, p.rate, action == PipeAction::Faster);
            let rate = p.rate;
            app.say(narrate::pipe_rate(rate));
            PipeEffect::SetRate(rate)
        }
    };
    vec![Effect::Pipe(effect)]
}

impl AppLab for PipeState {
    type Action = PipeAction;
    type Effect = PipeEffect;
    type Controller = PipeLab;
    /// Whether the pipe's unused ends are closed (`--pipe-ends`); its kind
    /// and rate start as the lab's defaults.
    type Opening = PipeOpening;

    const ABOUT: &'static str = "Two workers and a Pipe: ping-pong or a one-way stream";
    const FLAGS: &'static [&'static str] = &["pipe-ends"];
    const CLAIMS: &'static [crate::app::claims::Table] = &[claims::Pipe::TABLE];
    const EXAMPLE: Option<&'static str> = Some("unclosed_pipe.py");
    const ACTIONS: &'static [ActionInfo<PipeAction>] = &[
        ActionInfo::new(
            PipeAction::Start,
            "pipe-start",
            "start pipe",
            "make a Pipe and start its two ends",
        ),
        ActionInfo::new(
            PipeAction::ToggleMode,
            "pipe-mode",
            "duplex/one-way",
            "next pipe: duplex (a socket pair) or one way (an OS pipe)",
        ),
        ActionInfo::new(
            PipeAction::ToggleEnds,
            "pipe-ends",
            "ends closed/open",
            "next pipe: unused ends closed (EOFError) or left open (a hang)",
        ),
        ActionInfo::new(
            PipeAction::Faster,
            "pipe-faster",
            "faster",
            "more round trips (or messages) per second",
        ),
        ActionInfo::new(
            PipeAction::Slower,
            "pipe-slower",
            "slower",
            "fewer round trips (or messages) per second",
        ),
    ];
    const METRICS: &'static [Metric] = &[Metric::count(
        "pipe-messages",
        "messages (or round trips) through the pipe",
        |a| a.pipe.view(&a.workers).count as f64,
    )];

    /// Brackets change the speed, as in the other comms labs.
    fn keys() -> Vec<(Key, Action, bool)> {
        use PipeAction::*;
        let c = Action::Pipe;
        vec![
            (Key::char('s'), c(Start), true),
            (Key::char('m'), c(ToggleMode), true),
            (Key::char('e'), c(ToggleEnds), true),
            (Key::char(']'), c(Faster), true),
            (Key::char('['), c(Slower), true),
            (Key::char('t'), Action::Terminate, true),
            (Key::char('k'), Action::Kill, true),
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

    fn applies(app: &App, action: PipeAction) -> bool {
        action.applies(app)
    }

    fn update(app: &mut App, action: PipeAction) -> Vec<Effect> {
        update(app, action)
    }

    fn perform(app: &mut App, lab: &mut Lab, pipe: &mut PipeLab, effect: PipeEffect) {
        perform::perform(app, lab, pipe, effect)
    }

    fn on_event(app: &mut App, event: PipeEvent) {
        perform::on_event(app, &event)
    }

    fn refresh(app: &mut App, lab: &Lab, pipe: &PipeLab) -> bool {
        perform::sample(app, lab, pipe)
    }

    fn header(app: &App) -> String {
        format!(
            "next: {} · {} · {} ",
            match app.pipe.mode {
                PipeMode::PingPong => "duplex",
                PipeMode::Stream => "one way",
            },
            ends_words(app.pipe.ends),
            rate_words(app.pipe.rate)
        )
    }

    fn wait_words(snap: &WorkerSnapshot) -> Option<String> {
        wait_words(snap.wait, "working on an item", "between sends")
    }
}

#[cfg(test)]
mod tests;
