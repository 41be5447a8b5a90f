//! What the command line means to the labs: the queue labs' flags, the
//! names `--lab` takes, and the start-up settings ([`Startup`]) every lab
//! opens with.

use clap::Args;
use clap::builder::PossibleValue;

use crate::app::counter::CounterOpening;
use crate::app::gil::GilOpening;
use crate::app::pool::PoolSettings;
use crate::app::queue::QueueOpening;
use crate::app::sync::SyncOpening;
use crate::app::{LabId, Startup};
use crate::lab::pool::{ChunkChoice, MAX_POOL_WORKERS};
use crate::lab::queue::{DEFAULT_CAPACITY, MAX_CAPACITY};
use crate::lab::{Role, StartOptions};

use super::Cli;

/// The fastest rate a flag may ask for, in items per second ("max" asks
/// for as fast as it can).
pub const MAX_RATE: u32 = 100_000;

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Queue, pipe and pipeline labs")]
pub struct CommsArgs {
    /// Producers to start right away (default: 2 with --lab queue, else 0).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=256))]
    pub producers: Option<u32>,

    /// Consumers to start right away (default: 1 with --lab queue, else 0).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=256))]
    pub consumers: Option<u32>,

    /// The queue's capacity: JoinableQueue(maxsize=C).
    #[arg(long, default_value_t = DEFAULT_CAPACITY, value_parser = clap::value_parser!(u64).range(1..=MAX_CAPACITY))]
    pub capacity: u64,

    /// Items per second each producer puts: 1 to 100000, or max.
    #[arg(long, default_value = "5", value_parser = parse_rate)]
    pub producer_rate: u32,

    /// Items per second each consumer works through: 1 to 100000, or max.
    #[arg(long, default_value = "8", value_parser = parse_rate)]
    pub consumer_rate: u32,
}

/// A rate flag's value: a number of items per second, or `max` (0).
pub fn parse_rate(s: &str) -> Result<u32, String> {
    if s.eq_ignore_ascii_case("max") {
        return Ok(0);
    }
    match s.parse::<u32>() {
        Ok(n) if (1..=MAX_RATE).contains(&n) => Ok(n),
        _ => Err(format!("expected 1 to {MAX_RATE} items per second, or max")),
    }
}

impl CommsArgs {
    /// What the queue lab opens with.
    pub fn opening(&self) -> QueueOpening {
        QueueOpening {
            producers: self.producers,
            consumers: self.consumers,
            capacity: self.capacity,
            producer_rate: self.producer_rate,
            consumer_rate: self.consumer_rate,
        }
    }
}

/// `--lab` takes the registry's names, in tab order, each with its line.
impl clap::ValueEnum for LabId {
    fn value_variants<'a>() -> &'a [LabId] {
        LabId::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()).help(self.about()))
    }
}

impl Cli {
    /// Workers the lab starts at once with `--workers` left out or given:
    /// 2 by default, none on the queue labs (producers and consumers are
    /// theirs) and on the pool lab (the pool starts its own).
    pub fn lifecycle_workers(&self) -> u32 {
        match self.lab {
            LabId::Pool | LabId::Queue | LabId::Pipe | LabId::Pipeline => 0,
            _ => self.workers.unwrap_or(2),
        }
    }

    /// The pool lab's settings, on a machine with `cores` cores.
    fn pool_settings(&self, cores: usize) -> PoolSettings {
        let mut s = PoolSettings::for_cores(cores);
        if let Some(w) = self.workers.filter(|&w| w > 0) {
            s.workers = w.min(MAX_POOL_WORKERS as u32);
        }
        s.workers = s.workers.min(self.max_workers);
        s.items = self.items;
        s.chunk = self
            .chunksize
            .map_or(ChunkChoice::Default, ChunkChoice::Fixed);
        s.method = self.method;
        s.maxtasks = self.maxtasksperchild;
        s.cost = self.cost;
        s.item_us = self.item_us;
        s.init_ms = self.init_ms;
        s
    }

    /// What new plain workers run.
    pub fn start_options(&self) -> StartOptions {
        StartOptions {
            role: Role::Tasks,
            workload: self.workload,
            tasks: self.tasks,
            task_ms: self.task_ms,
            daemon: self.daemon,
        }
    }

    /// The start-up settings, on a machine with `cores` cores.
    pub fn startup(&self, cores: usize) -> Startup {
        Startup {
            lab: self.lab,
            workers: self.workers,
            start: self.start_options(),
            gil: GilOpening {
                mode: self.mode,
                interval_us: self.switch_interval_us,
                race_tasks: self.race_tasks,
                race_workers: self.race_workers.map(|n| n as usize),
            },
            queue: self.comms.opening(),
            counter: CounterOpening {
                mode: self.counter,
                increments: self.increments,
                slow: self.slow,
            },
            sync: SyncOpening {
                permits: self.permits,
                parties: self.parties,
            },
            pool: self.pool_settings(cores),
            ..Startup::default()
        }
    }
}
