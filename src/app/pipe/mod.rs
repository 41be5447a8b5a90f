//! The pipe lab on the UI side: its actions and effects, the next pipe's
//! kind and rate, the pure `update`, its keys and its header. [`perform`]
//! carries the effects out on the engine's [`PipeLab`]; [`view`] turns the
//! figures read into what the panel draws; [`narrate`] says each step with
//! the Python that does the same.
//!
//! [`PipeLab`]: crate::lab::pipe::PipeLab

pub mod narrate;
pub mod perform;
pub mod view;

use crate::app::comms::{count_alive, rate_words, step};
use crate::app::keymap::{Key, Scope};
use crate::app::{Action, App, Effect, LabId};
use crate::lab::Role;
use crate::lab::pipe::{self, PipeMode};

pub use self::view::{EndView, PipeState, PipeView};

/// What the pipe lab's keys ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PipeAction {
    Start,
    /// Duplex ping-pong or one-way stream, for the next pipe.
    ToggleMode,
    Faster,
    Slower,
}

/// Work for the loop, which owns the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipeEffect {
    Start(PipeMode),
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
            PipeAction::ToggleMode => true,
        }
    }

    /// A word or two for the footer.
    pub fn label(self) -> &'static str {
        match self {
            PipeAction::Start => "start pipe",
            PipeAction::ToggleMode => "duplex/one-way",
            PipeAction::Faster => "faster",
            PipeAction::Slower => "slower",
        }
    }

    /// A sentence for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            PipeAction::Start => "make a Pipe and start its two ends",
            PipeAction::ToggleMode => "next pipe: duplex (a socket pair) or one way (an OS pipe)",
            PipeAction::Faster => "more round trips (or messages) per second",
            PipeAction::Slower => "fewer round trips (or messages) per second",
        }
    }
}

/// Applies an action to the lab's settings and says what the loop must do.
pub fn update(app: &mut App, action: PipeAction) -> Vec<Effect> {
    let p = &mut app.pipe;
    let effect = match action {
        PipeAction::Start => PipeEffect::Start(p.mode),
        PipeAction::ToggleMode => {
            p.mode = match p.mode {
                PipeMode::PingPong => PipeMode::Stream,
                PipeMode::Stream => PipeMode::PingPong,
            };
            let line = narrate::pipe_mode(p.mode);
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

/// Adds the lab's bindings through the keymap's `add(key, action, scope,
/// footer)`. Brackets change the speed, as in the other comms labs.
pub fn bind(add: &mut impl FnMut(Key, Action, Scope, bool)) {
    use PipeAction::*;
    let c = Action::Pipe;
    let p = Scope::Lab(LabId::Pipe);
    add(Key::char('s'), c(Start), p, true);
    add(Key::char('m'), c(ToggleMode), p, true);
    add(Key::char(']'), c(Faster), p, true);
    add(Key::char('['), c(Slower), p, true);
    add(Key::char('t'), Action::Terminate, p, true);
    add(Key::char('k'), Action::Kill, p, true);
    add(Key::char('j'), Action::Join, p, false);
    add(Key::char('a'), Action::JoinAll, p, true);
}

/// The lab's settings, for the right of the header.
pub fn header(app: &App) -> String {
    format!(
        "next: {} · {} ",
        match app.pipe.mode {
            PipeMode::PingPong => "duplex",
            PipeMode::Stream => "one way",
        },
        rate_words(app.pipe.rate)
    )
}

#[cfg(test)]
mod tests;
