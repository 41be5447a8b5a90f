//! The queue lab on the UI side: its actions and effects, the producers'
//! and consumers' rates, the pure `update`, its keys and its header.
//! [`perform`] carries the effects out on the engine's [`QueueLab`];
//! [`view`] turns the figures read into what the panel draws;
//! [`narrate`] says each step with the Python that does the same.
//!
//! [`QueueLab`]: crate::lab::queue::QueueLab

pub mod narrate;
pub mod perform;
pub mod view;

use crate::app::comms::{count_alive, rate_words};
use crate::app::keymap::{Key, Scope};
use crate::app::{Action, App, Effect, LabId};
use crate::lab::{Role, queue};

pub use self::view::{QueueState, QueueView};

/// What the queue lab's keys ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueAction {
    AddProducer,
    StopProducer,
    AddConsumer,
    /// `q.put(None)`: one consumer will stop.
    Sentinel,
    ProducersFaster,
    ProducersSlower,
    ConsumersFaster,
    ConsumersSlower,
    /// `q.join()`.
    Join,
    /// Stop producers, then one sentinel per consumer, then join them all.
    Shutdown,
}

/// Work for the loop, which owns the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueEffect {
    AddProducer,
    StopProducer,
    AddConsumer,
    Sentinel,
    SetRates { producer: u32, consumer: u32 },
    Join,
    Shutdown,
}

impl QueueAction {
    /// Whether it would do anything now (the footer lists only those).
    pub fn applies(self, app: &App) -> bool {
        let w = &app.workers;
        let q = &app.queue;
        match self {
            QueueAction::StopProducer => count_alive(w, &[Role::Producer]) > 0,
            QueueAction::Sentinel => count_alive(w, &[Role::Consumer]) > 0,
            QueueAction::Join => !q.stats.is_some_and(|s| s.join_pending),
            QueueAction::Shutdown => count_alive(w, &[Role::Producer, Role::Consumer]) > 0,
            QueueAction::ProducersFaster => q.producer_rate != 0,
            QueueAction::ConsumersFaster => q.consumer_rate != 0,
            QueueAction::ProducersSlower => q.producer_rate != queue::RATES[0],
            QueueAction::ConsumersSlower => q.consumer_rate != queue::RATES[0],
            _ => true,
        }
    }

    /// A word or two for the footer.
    pub fn label(self) -> &'static str {
        match self {
            QueueAction::AddProducer => "+producer",
            QueueAction::StopProducer => "-producer",
            QueueAction::AddConsumer => "+consumer",
            QueueAction::Sentinel => "-consumer",
            QueueAction::ProducersFaster => "producers faster",
            QueueAction::ProducersSlower => "producers slower",
            QueueAction::ConsumersFaster => "consumers faster",
            QueueAction::ConsumersSlower => "consumers slower",
            QueueAction::Join => "q.join",
            QueueAction::Shutdown => "shut down",
        }
    }

    /// A sentence for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            QueueAction::AddProducer => {
                "start a producer: it puts items into the queue at its rate"
            }
            QueueAction::StopProducer => {
                "stop the newest producer: it returns after its current put"
            }
            QueueAction::AddConsumer => "start a consumer: get, work on the item, task_done",
            QueueAction::Sentinel => "q.put(None), a sentinel: the consumer that gets it returns",
            QueueAction::ProducersFaster => "producers put more items per second",
            QueueAction::ProducersSlower => "producers put fewer items per second",
            QueueAction::ConsumersFaster => "consumers take less time per item",
            QueueAction::ConsumersSlower => "consumers take more time per item",
            QueueAction::Join => "q.join(): wait until every item put has been marked done",
            QueueAction::Shutdown => "shut down: stop producers, a sentinel per consumer, join all",
        }
    }
}

/// Applies an action to the lab's settings and says what the loop must do.
pub fn update(app: &mut App, action: QueueAction) -> Vec<Effect> {
    let q = &mut app.queue;
    let effect = match action {
        QueueAction::AddProducer => QueueEffect::AddProducer,
        QueueAction::StopProducer => QueueEffect::StopProducer,
        QueueAction::AddConsumer => QueueEffect::AddConsumer,
        QueueAction::Sentinel => QueueEffect::Sentinel,
        QueueAction::ProducersFaster
        | QueueAction::ProducersSlower
        | QueueAction::ConsumersFaster
        | QueueAction::ConsumersSlower => {
            let producers = matches!(
                action,
                QueueAction::ProducersFaster | QueueAction::ProducersSlower
            );
            let faster = matches!(
                action,
                QueueAction::ProducersFaster | QueueAction::ConsumersFaster
            );
            let rate = if producers {
                &mut q.producer_rate
            } else {
                &mut q.consumer_rate
            };
            *rate = queue::step_rate(&queue::RATES, *rate, faster);
            let line = if producers {
                narrate::producer_rate(*rate)
            } else {
                narrate::consumer_rate(*rate)
            };
            let effect = QueueEffect::SetRates {
                producer: q.producer_rate,
                consumer: q.consumer_rate,
            };
            app.say(line);
            effect
        }
        QueueAction::Join => QueueEffect::Join,
        QueueAction::Shutdown => QueueEffect::Shutdown,
    };
    vec![Effect::Queue(effect)]
}

/// Adds the lab's bindings through the keymap's `add(key, action, scope,
/// footer)`. Brackets change speeds: `[` `]` for producers, `{` `}` for
/// consumers.
pub fn bind(add: &mut impl FnMut(Key, Action, Scope, bool)) {
    use QueueAction::*;
    let c = Action::Queue;
    let q = Scope::Lab(LabId::Queue);
    add(Key::char('p'), c(AddProducer), q, true);
    add(Key::char('P'), c(StopProducer), q, true);
    add(Key::char('c'), c(AddConsumer), q, true);
    add(Key::char('C'), c(Sentinel), q, true);
    add(Key::char(']'), c(ProducersFaster), q, true);
    add(Key::char('['), c(ProducersSlower), q, true);
    add(Key::char('}'), c(ConsumersFaster), q, true);
    add(Key::char('{'), c(ConsumersSlower), q, true);
    add(Key::char('J'), c(Join), q, true);
    add(Key::char('x'), c(Shutdown), q, true);
    add(Key::char('t'), Action::Terminate, q, true);
    add(Key::char('k'), Action::Kill, q, false);
    add(Key::char('j'), Action::Join, q, false);
    add(Key::char('a'), Action::JoinAll, q, true);
}

/// The lab's settings, for the right of the header.
pub fn header(app: &App) -> String {
    format!(
        "producers {} · consumers {} ",
        rate_words(app.queue.producer_rate),
        rate_words(app.queue.consumer_rate)
    )
}

#[cfg(test)]
mod tests;
