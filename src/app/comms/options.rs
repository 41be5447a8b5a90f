//! The queue, pipe and pipeline labs' flags, checked before the terminal
//! is touched, and what proclab starts with them.

use clap::Args;

use crate::app::LabId;
use crate::lab::queue::{DEFAULT_CAPACITY, MAX_CAPACITY};

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

/// What proclab opens the labs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opening {
    pub lab: LabId,
    pub producers: u32,
    pub consumers: u32,
    pub capacity: u64,
    pub producer_rate: u32,
    pub consumer_rate: u32,
}

impl CommsArgs {
    /// Producers to start, given the lab opened.
    pub fn producers(&self, lab: LabId) -> u32 {
        self.producers
            .unwrap_or(if lab == LabId::Queue { 2 } else { 0 })
    }

    pub fn consumers(&self, lab: LabId) -> u32 {
        self.consumers
            .unwrap_or(if lab == LabId::Queue { 1 } else { 0 })
    }

    pub fn opening(&self, lab: LabId) -> Opening {
        Opening {
            lab,
            producers: self.producers(lab),
            consumers: self.consumers(lab),
            capacity: self.capacity,
            producer_rate: self.producer_rate,
            consumer_rate: self.consumer_rate,
        }
    }
}
