//! proclab's integration tests, in one binary so they link once: the
//! engine with real workers, UI snapshots, pseudo-terminal tests of the real
//! binary, recordings, bad files, and the layers' rules read from the
//! source. What needs a process of its own (`death_tie`, which makes itself
//! a subreaper) stays apart.
//!
//! Tests that time CPU-bound work take [`common::serial`] so they never
//! run beside each other.

#[path = "../common/mod.rs"]
mod common;

mod architecture;
mod bad_files;
mod classroom_e2e;
mod cluster_app;
mod cluster_e2e;
mod cluster_ui;
mod comms_e2e;
mod comms_snapshots;
mod counter;
mod counter_e2e;
mod counter_snapshots;
mod cuts;
mod e2e;
mod engine;
mod gil;
mod gil_e2e;
mod gil_snapshots;
mod holds;
mod lifecycle;
mod locks_killed;
mod look;
mod pipe;
mod pipe_ends;
mod pool;
mod pool_e2e;
mod pool_ui;
mod queue;
mod readme;
mod record;
mod run_e2e;
mod run_snapshots;
mod sync;
mod terminal;
mod ui_snapshots;
