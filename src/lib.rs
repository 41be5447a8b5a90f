//! proclab: a terminal lab that makes parallelism visible.
//!
//! The engine ([`lab`]) runs real worker processes and knows nothing of the
//! terminal; [`metrics`] samples the machine; [`app`] turns input into
//! actions and effects; [`ui`] draws the state with pure functions.

pub mod app;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod lab;
pub mod limits;
pub mod metrics;
pub mod record;
pub mod registry;
pub mod script;
pub mod tui;
pub mod ui;
