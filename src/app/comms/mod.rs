//! The communication labs (queue, pipe, pipeline) on the UI side: their
//! actions, effects, settings, the pure `update`, and what the footer says.
//! [`perform`] carries the effects out and takes in the engine's figures;
//! [`view`] turns those into what the panels draw; [`narrate`] says each
//! step with the Python that does the same.

pub mod keys;
pub mod narrate;
pub mod options;
pub mod perform;
pub mod view;

use crate::lab::pipe::{self, PipeMode};
use crate::lab::{Role, Status, WorkerSnapshot, pipeline, queue};

use self::view::{PipeState, PipelineState, QueueState};
use super::App;

/// What the keys of the three labs ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommsAction {
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
    JoinQueue,
    /// Stop producers, then one sentinel per consumer, then join them all.
    ShutdownQueue,
    StartPipe,
    /// Duplex ping-pong or one-way stream, for the next pipe.
    TogglePipeMode,
    PipeFaster,
    PipeSlower,
    StartPipeline,
    StopPipeline,
    StagePrev,
    StageNext,
    StageFaster,
    StageSlower,
}

/// Work for the loop, which owns the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommsEffect {
    AddProducer,
    StopProducer,
    AddConsumer,
    Sentinel,
    SetQueueRates { producer: u32, consumer: u32 },
    JoinQueue,
    ShutdownQueue,
    StartPipe(PipeMode),
    SetPipeRate(u32),
    StartPipeline,
    StopPipeline,
    SetStageMs { stage: usize, ms: u32 },
}

/// The three labs' settings and the figures last read from the engine.
#[derive(Debug, Clone, Default)]
pub struct CommsState {
    pub queue: QueueState,
    pub pipe: PipeState,
    pub pipeline: PipelineState,
}

fn alive(w: &WorkerSnapshot, roles: &[Role]) -> bool {
    roles.contains(&w.role) && matches!(w.status, Status::Alive { .. })
}

/// Live workers of these roles.
pub fn count_alive(workers: &[WorkerSnapshot], roles: &[Role]) -> usize {
    workers.iter().filter(|w| alive(w, roles)).count()
}

const PIPE_ROLES: [Role; 4] = [Role::Ping, Role::Pong, Role::Sender, Role::Receiver];

impl CommsAction {
    /// Whether it would do anything now (the footer lists only those).
    pub fn applies(self, app: &App) -> bool {
        let w = &app.workers;
        let q = &app.comms.queue;
        match self {
            CommsAction::StopProducer => count_alive(w, &[Role::Producer]) > 0,
            CommsAction::Sentinel => count_alive(w, &[Role::Consumer]) > 0,
            CommsAction::JoinQueue => !q.stats.is_some_and(|s| s.join_pending),
            CommsAction::ShutdownQueue => count_alive(w, &[Role::Producer, Role::Consumer]) > 0,
            CommsAction::StartPipe => count_alive(w, &PIPE_ROLES) == 0,
            CommsAction::StartPipeline => count_alive(w, &pipeline::STAGES) == 0,
            CommsAction::StopPipeline => {
                count_alive(w, &pipeline::STAGES) > 0
                    && !app.comms.pipeline.stats.is_some_and(|s| s.stopping)
            }
            CommsAction::ProducersFaster => q.producer_rate != 0,
            CommsAction::ConsumersFaster => q.consumer_rate != 0,
            CommsAction::ProducersSlower => q.producer_rate != queue::RATES[0],
            CommsAction::ConsumersSlower => q.consumer_rate != queue::RATES[0],
            CommsAction::PipeFaster => app.comms.pipe.rate != 0,
            CommsAction::PipeSlower => app.comms.pipe.rate != pipe::RATES[0],
            _ => true,
        }
    }

    /// A word or two for the footer.
    pub fn label(self) -> &'static str {
        match self {
            CommsAction::AddProducer => "+producer",
            CommsAction::StopProducer => "-producer",
            CommsAction::AddConsumer => "+consumer",
            CommsAction::Sentinel => "-consumer",
            CommsAction::ProducersFaster => "producers faster",
            CommsAction::ProducersSlower => "producers slower",
            CommsAction::ConsumersFaster => "consumers faster",
            CommsAction::ConsumersSlower => "consumers slower",
            CommsAction::JoinQueue => "q.join",
            CommsAction::ShutdownQueue => "shut down",
            CommsAction::StartPipe => "start pipe",
            CommsAction::TogglePipeMode => "duplex/one-way",
            CommsAction::PipeFaster => "faster",
            CommsAction::PipeSlower => "slower",
            CommsAction::StartPipeline => "start",
            CommsAction::StopPipeline => "stop",
            CommsAction::StagePrev => "◀ stage",
            CommsAction::StageNext => "stage ▶",
            CommsAction::StageFaster => "stage faster",
            CommsAction::StageSlower => "stage slower",
        }
    }

    /// A sentence for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            CommsAction::AddProducer => {
                "start a producer: it puts items into the queue at its rate"
            }
            CommsAction::StopProducer => {
                "stop the newest producer: it returns after its current put"
            }
            CommsAction::AddConsumer => "start a consumer: get, work on the item, task_done",
            CommsAction::Sentinel => "q.put(None), a sentinel: the consumer that gets it returns",
            CommsAction::ProducersFaster => "producers put more items per second",
            CommsAction::ProducersSlower => "producers put fewer items per second",
            CommsAction::ConsumersFaster => "consumers take less time per item",
            CommsAction::ConsumersSlower => "consumers take more time per item",
            CommsAction::JoinQueue => "q.join(): wait until every item put has been marked done",
            CommsAction::ShutdownQueue => {
                "shut down: stop producers, a sentinel per consumer, join all"
            }
            CommsAction::StartPipe => "make a Pipe and start its two ends",
            CommsAction::TogglePipeMode => {
                "next pipe: duplex (a socket pair) or one way (an OS pipe)"
            }
            CommsAction::PipeFaster => "more round trips (or messages) per second",
            CommsAction::PipeSlower => "fewer round trips (or messages) per second",
            CommsAction::StartPipeline => "start fetch -> process -> save",
            CommsAction::StopPipeline => "stop: fetch sends a sentinel down the line",
            CommsAction::StagePrev => "select the previous stage",
            CommsAction::StageNext => "select the next stage",
            CommsAction::StageFaster => "the selected stage takes less time per item",
            CommsAction::StageSlower => "the selected stage takes more time per item",
        }
    }
}

/// Applies an action to the labs' settings and says what the loop must do.
pub fn update(app: &mut App, action: CommsAction) -> Vec<CommsEffect> {
    let q = &mut app.comms.queue;
    let effect = match action {
        CommsAction::AddProducer => CommsEffect::AddProducer,
        CommsAction::StopProducer => CommsEffect::StopProducer,
        CommsAction::AddConsumer => CommsEffect::AddConsumer,
        CommsAction::Sentinel => CommsEffect::Sentinel,
        CommsAction::ProducersFaster
        | CommsAction::ProducersSlower
        | CommsAction::ConsumersFaster
        | CommsAction::ConsumersSlower => {
            let producers = matches!(
                action,
                CommsAction::ProducersFaster | CommsAction::ProducersSlower
            );
            let faster = matches!(
                action,
                CommsAction::ProducersFaster | CommsAction::ConsumersFaster
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
            let effect = CommsEffect::SetQueueRates {
                producer: q.producer_rate,
                consumer: q.consumer_rate,
            };
            app.say(line);
            effect
        }
        CommsAction::JoinQueue => CommsEffect::JoinQueue,
        CommsAction::ShutdownQueue => CommsEffect::ShutdownQueue,
        CommsAction::StartPipe => CommsEffect::StartPipe(app.comms.pipe.mode),
        CommsAction::TogglePipeMode => {
            let p = &mut app.comms.pipe;
            p.mode = match p.mode {
                PipeMode::PingPong => PipeMode::Stream,
                PipeMode::Stream => PipeMode::PingPong,
            };
            let line = narrate::pipe_mode(p.mode);
            app.say(line);
            return Vec::new();
        }
        CommsAction::PipeFaster | CommsAction::PipeSlower => {
            let p = &mut app.comms.pipe;
            p.rate = view::step(&pipe::RATES, p.rate, action == CommsAction::PipeFaster);
            let rate = p.rate;
            app.say(narrate::pipe_rate(rate));
            CommsEffect::SetPipeRate(rate)
        }
        CommsAction::StartPipeline => CommsEffect::StartPipeline,
        CommsAction::StopPipeline => CommsEffect::StopPipeline,
        CommsAction::StagePrev | CommsAction::StageNext => {
            let p = &mut app.comms.pipeline;
            p.selected = if action == CommsAction::StageNext {
                (p.selected + 1).min(2)
            } else {
                p.selected.saturating_sub(1)
            };
            return Vec::new();
        }
        CommsAction::StageFaster | CommsAction::StageSlower => {
            let p = &mut app.comms.pipeline;
            let stage = p.selected;
            p.stage_ms[stage] =
                pipeline::step_ms(p.stage_ms[stage], action == CommsAction::StageFaster);
            let ms = p.stage_ms[stage];
            app.say(narrate::stage_ms(stage, ms));
            CommsEffect::SetStageMs { stage, ms }
        }
    };
    vec![effect]
}

#[cfg(test)]
mod tests;
