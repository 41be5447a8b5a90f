//! The queue lab on the UI side: its actions and effects, the producers'
//! and consumers' rates, the pure `update`, its keys and its header.
//! [`perform`] carries the effects out on the engine's [`QueueLab`];
//! [`view`] turns the figures read into what the panel draws;
//! [`narrate`] says each step with the Python that does the same.
//!
//! [`QueueLab`]: crate::lab::queue::QueueLab

pub mod claims;
pub mod narrate;
pub mod perform;
pub mod view;

use crate::app::comms::{count_alive, rate_words, wait_words};
use crate::app::keymap::Key;
use crate::app::labs::{ActionInfo, AppLab};
use crate::app::metrics::{Metric, Most};
use crate::app::{Action, App, Effect, LabId, Startup};
use crate::lab::engine::Engine;
use crate::lab::queue::{QueueEvent, QueueLab};
use crate::lab::{Lab, Role, WorkerSnapshot, queue};

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

/// What the command line opens the lab with: producers and consumers to
/// start (2 and 1 when it opens on the queue lab, else none unless
/// asked), the queue's capacity and their rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueOpening {
    pub producers: Option<u32>,
    pub consumers: Option<u32>,
    pub capacity: u64,
    pub producer_rate: u32,
    pub consumer_rate: u32,
}

impl Default for QueueOpening {
    fn default() -> Self {
        let state = QueueState::default();
        QueueOpening {
            producers: None,
            consumers: None,
            capacity: queue::DEFAULT_CAPACITY,
            producer_rate: state.producer_rate,
            consumer_rate: state.consumer_rate,
        }
    }
}

impl QueueOpening {
    /// Producers and consumers to start when proclab opens on `lab`.
    pub fn workers(&self, lab: LabId) -> (u32, u32) {
        let default = |n| if lab == LabId::Queue { n } else { 0 };
        (
            self.producers.unwrap_or(default(2)),
            self.consumers.unwrap_or(default(1)),
        )
    }
}

impl AppLab for QueueState {
    type Action = QueueAction;
    type Effect = QueueEffect;
    type Controller = QueueLab;
    type Opening = QueueOpening;

    const ABOUT: &'static str = "Producers and consumers around a bounded queue in shared memory";
    const FLAGS: &'static [&'static str] = &["producers", "consumers", "capacity", "producer-rate", "consumer-rate"];
    const CLAIMS: &'static [crate::app::claims::Table] = &[claims::Queue::TABLE];
    const EXAMPLE: Option<&'static str> = Some("producer_consumer.py");
    const ACTIONS: &'static [ActionInfo<QueueAction>] = &[
        ActionInfo::new(
            QueueAction::AddProducer,
            "queue-add-producer",
            "+producer",
            "start a producer: it puts items into the queue at its rate",
        ),
        ActionInfo::new(
            QueueAction::StopProducer,
            "queue-stop-producer",
            "-producer",
            "stop the newest producer: it returns after its current put",
        ),
        ActionInfo::new(
            QueueAction::AddConsumer,
            "queue-add-consumer",
            "+consumer",
            "start a consumer: get, work on the item, task_done",
        ),
        ActionInfo::new(
            QueueAction::Sentinel,
            "queue-sentinel",
            "-consumer",
            "put a sentinel (None): the consumer that gets it returns",
        ),
        ActionInfo::new(
            QueueAction::ProducersFaster,
            "queue-producers-faster",
            "producers faster",
            "producers put more items per second",
        ),
        ActionInfo::new(
            QueueAction::ProducersSlower,
            "queue-producers-slower",
            "producers slower",
            "producers put fewer items per second",
        ),
        ActionInfo::new(
            QueueAction::ConsumersFaster,
            "queue-consumers-faster",
            "consumers faster",
            "consumers take less time per item",
        ),
        ActionInfo::new(
            QueueAction::ConsumersSlower,
            "queue-consumers-slower",
            "consumers slower",
            "consumers take more time per item",
        ),
        ActionInfo::new(
            QueueAction::Join,
            "queue-join",
            "join queue",
            "join the queue: wait until every item put has been marked done",
        ),
        ActionInfo::new(
            QueueAction::Shutdown,
            "queue-shutdown",
            "shut down",
            "shut down: stop producers, a sentinel per consumer, join all",
        ),
    ];
    const METRICS: &'static [Metric] = &[
        Metric {
            most: Most::Capacity,
            ..Metric::count("queue-depth", "items in the queue", |a| {
                a.queue.view(&a.workers).depth as f64
            })
        },
        Metric::count("queue-put", "items put in all", |a| {
            a.queue.view(&a.workers).put_total as f64
        }),
        Metric::count("queue-done", "items got and done", |a| {
            a.queue.view(&a.workers).done_total as f64
        }),
        Metric::count("queue-lost", "items lost with a killed consumer", |a| {
            a.queue.view(&a.workers).lost as f64
        }),
        Metric::workers("producers", "producers alive", |a| {
            a.queue.view(&a.workers).producers as f64
        }),
        Metric::workers("consumers", "consumers alive", |a| {
            a.queue.view(&a.workers).consumers as f64
        }),
        Metric::workers("blocked-put", "producers blocked on a full queue", |a| {
            a.queue.view(&a.workers).blocked_put as f64
        }),
        Metric::workers("waiting-get", "consumers waiting on an empty queue", |a| {
            a.queue.view(&a.workers).waiting_get as f64
        }),
    ];

    /// Brackets change speeds: `[` `]` for producers, `{` `}` for
    /// consumers.
    fn keys() -> Vec<(Key, Action, bool)> {
        use QueueAction::*;
        let c = Action::Queue;
        vec![
            (Key::char('p'), c(AddProducer), true),
            (Key::char('P'), c(StopProducer), true),
            (Key::char('c'), c(AddConsumer), true),
            (Key::char('C'), c(Sentinel), true),
            (Key::char(']'), c(ProducersFaster), true),
            (Key::char('['), c(ProducersSlower), true),
            (Key::char('}'), c(ConsumersFaster), true),
            (Key::char('{'), c(ConsumersSlower), true),
            (Key::char('J'), c(Join), true),
            (Key::char('x'), c(Shutdown), true),
            (Key::char('t'), Action::Terminate, true),
            (Key::char('k'), Action::Kill, false),
            (Key::char('j'), Action::Join, false),
            (Key::char('a'), Action::JoinAll, true),
        ]
    }

    fn open(
        app: &mut App,
        engine: &mut Engine,
        start: &Startup,
        opening: &QueueOpening,
    ) -> Result<(), String> {
        perform::open(app, engine, start, opening).map_err(|e| format!("cannot set up the queue: {e}"))
    }

    fn applies(app: &App, action: QueueAction) -> bool {
        action.applies(app)
    }

    fn update(app: &mut App, action: QueueAction) -> Vec<Effect> {
        update(app, action)
    }

    fn perform(app: &mut App, lab: &mut Lab, queue: &mut QueueLab, effect: QueueEffect) {
        perform::perform(app, lab, queue, effect)
    }

    fn on_event(app: &mut App, event: QueueEvent) {
        perform::on_event(app, &event)
    }

    fn refresh(app: &mut App, lab: &Lab, queue: &QueueLab) -> bool {
        perform::sample(app, lab, queue)
    }

    fn header(app: &App) -> String {
        format!(
            "producers {} · consumers {} ",
            rate_words(app.queue.producer_rate),
            rate_words(app.queue.consumer_rate)
        )
    }

    fn wait_words(snap: &WorkerSnapshot) -> Option<String> {
        let pace = match snap.role {
            Role::Producer => "between puts",
            _ => "between sends",
        };
        wait_words(snap.wait, "working on an item", pace)
    }
}

#[cfg(test)]
mod tests;
