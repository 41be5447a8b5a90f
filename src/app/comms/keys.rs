//! The keys of the queue, pipe and pipeline labs, added to the keymap.
//! Brackets change speeds everywhere: `[` `]` for producers, the pipe or
//! the selected stage, `{` `}` for consumers.

use ratatui::crossterm::event::KeyCode;

use super::CommsAction::*;
use crate::app::action::Action;
use crate::app::keymap::{Key, Scope};
use crate::app::labs::LabId;

/// Adds the bindings through the keymap's `add(key, action, scope, footer)`.
pub fn bind(add: &mut impl FnMut(Key, Action, Scope, bool)) {
    let c = Action::Comms;
    let q = Scope::Lab(LabId::Queue);
    add(Key::char('p'), c(AddProducer), q, true);
    add(Key::char('P'), c(StopProducer), q, true);
    add(Key::char('c'), c(AddConsumer), q, true);
    add(Key::char('C'), c(Sentinel), q, true);
    add(Key::char(']'), c(ProducersFaster), q, true);
    add(Key::char('['), c(ProducersSlower), q, true);
    add(Key::char('}'), c(ConsumersFaster), q, true);
    add(Key::char('{'), c(ConsumersSlower), q, true);
    add(Key::char('J'), c(JoinQueue), q, true);
    add(Key::char('x'), c(ShutdownQueue), q, true);
    add(Key::char('t'), Action::Terminate, q, true);
    add(Key::char('k'), Action::Kill, q, false);
    add(Key::char('j'), Action::Join, q, false);
    add(Key::char('a'), Action::JoinAll, q, true);

    let p = Scope::Lab(LabId::Pipe);
    add(Key::char('s'), c(StartPipe), p, true);
    add(Key::char('m'), c(TogglePipeMode), p, true);
    add(Key::char(']'), c(PipeFaster), p, true);
    add(Key::char('['), c(PipeSlower), p, true);
    add(Key::char('t'), Action::Terminate, p, true);
    add(Key::char('k'), Action::Kill, p, true);
    add(Key::char('j'), Action::Join, p, false);
    add(Key::char('a'), Action::JoinAll, p, true);

    let l = Scope::Lab(LabId::Pipeline);
    add(Key::char('s'), c(StartPipeline), l, true);
    add(Key::char('x'), c(StopPipeline), l, true);
    add(Key::plain(KeyCode::Left), c(StagePrev), l, false);
    add(Key::plain(KeyCode::Right), c(StageNext), l, true);
    add(Key::char(']'), c(StageFaster), l, true);
    add(Key::char('['), c(StageSlower), l, true);
    add(Key::char('t'), Action::Terminate, l, true);
    add(Key::char('k'), Action::Kill, l, false);
    add(Key::char('j'), Action::Join, l, false);
    add(Key::char('a'), Action::JoinAll, l, true);
}
