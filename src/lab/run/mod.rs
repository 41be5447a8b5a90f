//! Watching a real program: a Python program proclab starts (`proclab run`)
//! or one it attaches to (`proclab attach`). Its processes are found in
//! `/proc` rather than owned by [`crate::lab::Lab`] ([`tree`]), its threads
//! tell whether the GIL holds it back ([`gil`]), what it prints is captured
//! line by line ([`output`]), what it does with multiprocessing is told by
//! a module proclab ships ([`instrument`]), and [`Program`] starts,
//! signals, reaps and stops it. [`RunLab`] is the run view's controller
//! ([`controller`]); [`examples`] are the course's programs, shipped.

pub mod controller;
mod error;
pub mod examples;
pub mod gil;
pub mod instrument;
pub mod kind;
pub mod output;
pub mod pidfd;
pub mod procfs;
pub mod program;
pub mod spec;
pub mod tree;

pub use controller::{RunLab, RunNews, Target};
pub use error::RunError;
pub use gil::{GilContext, GilVerdict, gil_verdict, gil_verdicts};
pub use kind::Kind;
pub use program::{Program, RunEvent, STOP_GRACE, StopReport};
pub use spec::RunSpec;
pub use tree::{ProcId, ProcessSample, Scope, ThreadSample, TreeSample, sample_tree};
