//! Sampling the machine: per-core load and per-worker CPU and state.
//!
//! One plain function per metric returns a plain struct; the [`sampler`]
//! thread calls them on its own cadence, never the render path, and history
//! is kept by the app, not here.

pub mod cores;
pub mod procs;
pub mod procstat;
pub mod sampler;
pub mod threads;

pub use cores::{CoreLoad, CoreSampler};
pub use procs::{ProcLoad, ProcSampler};
pub use sampler::{Sample, Sampler, Watched};
pub use threads::{ThreadLoad, ThreadSampler};
