//! Figures a scenario waits for and a lesson checks, by name: the
//! dashboard's own here, each lab's in its folder ([`AppLab::METRICS`]),
//! one table for all of them ([`all`]).
//!
//! [`AppLab::METRICS`]: super::labs::AppLab::METRICS

use super::App;

/// How large a figure can be, so a wait that can never end is refused
/// before it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Most {
    /// No bound.
    Unbounded,
    /// A count of workers: at most `--max-workers`.
    Workers,
    /// Items in the queue: at most its capacity.
    Capacity,
}

/// One figure.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    pub name: &'static str,
    /// What it counts, in words: "workers alive".
    pub what: &'static str,
    pub read: fn(&App) -> f64,
    pub most: Most,
    /// For a figure that numbers choices or says yes and no: what
    /// `NAME == N` means, by N ("" for a value said as a number). Its
    /// largest value is the last one.
    pub phrases: &'static [&'static str],
}

impl Metric {
    /// A count with no bound.
    pub const fn count(name: &'static str, what: &'static str, read: fn(&App) -> f64) -> Metric {
        Metric {
            name,
            what,
            read,
            most: Most::Unbounded,
            phrases: &[],
        }
    }

    /// A count of workers.
    pub const fn workers(name: &'static str, what: &'static str, read: fn(&App) -> f64) -> Metric {
        Metric {
            most: Most::Workers,
            ..Metric::count(name, what, read)
        }
    }

    /// A figure whose values are choices, each said by its phrase.
    pub const fn choice(
        name: &'static str,
        what: &'static str,
        read: fn(&App) -> f64,
        phrases: &'static [&'static str],
    ) -> Metric {
        Metric {
            phrases,
            ..Metric::count(name, what, read)
        }
    }

    /// The phrase for `NAME == value`, if it has one.
    pub fn phrase(&self, value: f64) -> Option<&'static str> {
        (value >= 0.0 && value.fract() == 0.0)
            .then(|| self.phrases.get(value as usize).copied())
            .flatten()
            .filter(|p| !p.is_empty())
    }

    /// The largest value of a figure of choices.
    pub fn largest_choice(&self) -> Option<f64> {
        self.phrases.len().checked_sub(1).map(|n| n as f64)
    }
}

/// The dashboard's figures, whatever the lab.
const GENERAL: &[Metric] = &[
    Metric::workers("workers", "workers alive", |a| a.counts().alive as f64),
    Metric::workers("alive", "workers alive", |a| a.counts().alive as f64),
    Metric::workers("paused", "workers paused", |a| a.counts().paused as f64),
    Metric::workers("zombies", "workers ended and not joined", |a| {
        a.counts().zombies as f64
    }),
    Metric::count("joined", "workers joined", |a| a.counts().joined as f64),
    Metric::count("started", "workers started in all", |a| {
        a.workers.len() as f64
    }),
];

/// Every figure, the dashboard's first, then each lab's in registry order.
pub fn all() -> impl Iterator<Item = &'static Metric> {
    GENERAL.iter().chain(super::labs::metrics())
}

/// The figure named `name`.
pub fn find(name: &str) -> Option<&'static Metric> {
    all().find(|m| m.name == name)
}

/// The value of a figure now; None if the name is unknown.
pub fn metric(app: &App, name: &str) -> Option<f64> {
    find(name).map(|m| (m.read)(app))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{LabId, Machine, Settings};

    #[test]
    fn every_name_is_unique_and_reads_a_value() {
        let app = App::new(
            LabId::Lifecycle,
            Settings {
                start: crate::lab::StartOptions::default(),
                auto_join: false,
                max_workers: 8,
            },
            Machine { cores: 2 },
        );
        let names: Vec<&str> = all().map(|m| m.name).collect();
        for (i, name) in names.iter().enumerate() {
            assert!(!names[i + 1..].contains(name), "{name} twice");
            let value = metric(&app, name).unwrap_or(f64::NAN);
            assert!(value.is_finite(), "{name} reads {value}");
            assert!(!find(name).unwrap().what.is_empty());
        }
        assert!(metric(&app, "wrokers").is_none());
        assert!(names.contains(&"queue-depth") && names.contains(&"gil-mode"));
    }
}
