//! The cluster lab's engine: real Celery 5 worker nodes on a real Redis
//! broker, driven and watched live. Nothing here is simulated.
//!
//! - [`broker`]: the lab's own redis-server, a child of proclab (or a
//!   Redis given with `--broker`, which the lab never stops).
//! - [`node`]: local nodes, `celery -A tasks worker -c C -n nodeK@%h -E`,
//!   children of proclab; their pool processes die with them (Celery sets
//!   their parent-death signal).
//! - [`producer`] and [`wire`]: proclab sends tasks itself, from Rust, as
//!   the Celery protocol v2 messages `task.delay(...)` sends.
//! - [`link`]: the network threads (gauges, events, remote-control
//!   `stats`), so that nothing the UI thread calls waits on a socket.
//! - [`tasks`] and [`nodes`]: what the lab knows of each task's path and
//!   each node, and what became of the tasks a dead node held.
//! - [`speedup`]: the same batch timed with 1, 2, ... nodes, and the
//!   broker's cost per task.
//! - [`ClusterLab`]: the cluster the app drives: `open`, `poll`,
//!   commands, `view`, `shutdown`.
//! - [`ClusterController`] ([`lazy`]): the lab's part of the engine, which
//!   opens a `ClusterLab` only when the lab is opened, after checking what
//!   is installed on a thread of its own.
//!
//! The tasks module the nodes import is plain Python in `python/tasks.py`,
//! written to a private folder for each run ([`files`]). [`doctor`] says what is installed and how to install the rest.

pub mod broker;
mod commands;
mod controller;
pub mod doctor;
pub mod error;
pub mod events;
pub mod files;
pub mod lazy;
pub mod link;
pub mod node;
pub mod nodes;
pub mod pool_run;
pub mod producer;
pub mod report;
pub mod settings;
mod snapshot;
pub mod speedup;
pub mod stats;
pub mod tasks;
pub mod view;
pub mod wire;

pub use self::controller::{ClusterLab, ClusterShutdown};
pub use self::doctor::{Doctor, Presence, doctor};
pub use self::error::ClusterError;
pub use self::lazy::{ClusterController, ClusterNews};
pub use self::link::BatchId;
pub use self::node::NodeId;
pub use self::report::{ClusterEvent, NodeEnd};
pub use self::settings::{BrokerChoice, BrokerUrl, ClusterSettings, TaskKind};
pub use self::pool_run::PoolRow;
pub use self::speedup::{Overhead, SpeedupPlan, SpeedupRow};
pub use self::view::ClusterView;
