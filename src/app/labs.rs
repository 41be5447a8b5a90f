//! The labs proclab has, in the order of the lab selector.

/// One lab: a focus panel and its keys on top of the shared dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum LabId {
    /// Spawn, pause, resume, terminate, kill and join real worker processes.
    Lifecycle,
    /// Threads under a simulated GIL, processes and free threads, and a race.
    Gil,
}

impl LabId {
    /// Every lab, in selector order; number keys pick them by position.
    pub const ALL: &'static [LabId] = &[LabId::Lifecycle, LabId::Gil];

    pub fn title(self) -> &'static str {
        match self {
            LabId::Lifecycle => "Lifecycle",
            LabId::Gil => "GIL race",
        }
    }

    /// The name used by `--lab`.
    pub fn name(self) -> &'static str {
        match self {
            LabId::Lifecycle => "lifecycle",
            LabId::Gil => "gil",
        }
    }

    pub fn index(self) -> usize {
        LabId::ALL.iter().position(|&l| l == self).unwrap_or(0)
    }

    pub fn next(self) -> LabId {
        LabId::ALL[(self.index() + 1) % LabId::ALL.len()]
    }

    pub fn prev(self) -> LabId {
        LabId::ALL[(self.index() + LabId::ALL.len() - 1) % LabId::ALL.len()]
    }
}
