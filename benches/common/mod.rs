//! Helpers shared by the benchmarks: order statistics, the round count, and
//! finding the peers (python3, htop) to measure beside proclab.
#![allow(dead_code)]

use std::time::Duration;

/// Sorted samples of one figure.
pub struct Stats {
    sorted: Vec<Duration>,
}

impl Stats {
    pub fn of(mut samples: Vec<Duration>) -> Stats {
        assert!(!samples.is_empty(), "no samples");
        samples.sort();
        Stats { sorted: samples }
    }

    pub fn quantile(&self, q: f64) -> Duration {
        let i = ((self.sorted.len() - 1) as f64 * q).round() as usize;
        self.sorted[i.min(self.sorted.len() - 1)]
    }

    pub fn median_ms(&self) -> f64 {
        self.quantile(0.5).as_secs_f64() * 1e3
    }

    pub fn median(&self) -> String {
        format!("{:.2} ms", self.median_ms())
    }

    pub fn p99(&self) -> String {
        format!("{:.2} ms", self.quantile(0.99).as_secs_f64() * 1e3)
    }
}

/// Rounds to run: `PROCLAB_BENCH_ROUNDS`, or `default`.
pub fn rounds(default: usize) -> usize {
    std::env::var("PROCLAB_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A program on the PATH, if it is there.
pub fn on_path(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

pub fn python3() -> Option<std::path::PathBuf> {
    on_path("python3")
}
