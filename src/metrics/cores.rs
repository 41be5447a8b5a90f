//! Per-core load, from sysinfo.

use sysinfo::System;

/// Load of every core, in percent of that core, in core order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CoreLoad {
    pub percent: Vec<f32>,
}

impl CoreLoad {
    /// The total, in percent of one core (200 = two cores busy).
    pub fn total(&self) -> f32 {
        self.percent.iter().sum()
    }
}

/// Reads each core's load since the previous call.
///
/// sysinfo computes usage from the difference between two readings, so the
/// first call after `System::new` reads zero and calls closer together than
/// `sysinfo::MINIMUM_CPU_UPDATE_INTERVAL` are noisy.
pub fn sample_cores(sys: &mut System) -> CoreLoad {
    sys.refresh_cpu_usage();
    CoreLoad {
        percent: sys.cpus().iter().map(|c| c.usage()).collect(),
    }
}
