//! Every lab, listed once.
//!
//! A lab is three parts, one folder each: its engine part in
//! `src/lab/<lab>/` (a [`Controller`](crate::lab::engine::Controller)), its
//! UI state, actions and words in `src/app/<lab>/` (an
//! [`AppLab`](crate::app::labs::AppLab)), and its panel in `src/ui/<lab>/`
//! (a [`LabPanel`](crate::ui::labs::LabPanel)). The line below names them,
//! and each layer generates from it what it needs: the engine its fields,
//! its events and its phased `poll`; the app [`LabId`](crate::app::LabId),
//! the lab's fields of `App`, the `Action` and `Effect` variants, every
//! dispatch of `update`, `perform`, the keys and the figures; the UI the
//! panels' heights, places and drawing.
//!
//! The order is the order of the tabs and of the number keys, and the order
//! in which the engine's controllers are polled within a phase.

/// Calls `$callback!` with every lab, one parenthesised line each:
///
/// ```text
/// (Variant, module, EngineController, AppState, "--lab name", "Title", "Short", Tab,
///     [Role "role name", ...])
/// ```
///
/// `Tab` is `Numbered` for a lab in the tab bar with a number key, or
/// `WhenOpen` for a view that appears in the tab bar only once opened (from
/// the command line or a key). The roles are the kinds of worker process
/// the lab starts (`proclab worker --role NAME`), each run by the lab's
/// controller; a lab that only starts plain workers (`Role::Tasks`, the
/// engine's own) or other programs has none (`[]`).
macro_rules! for_each_lab {
    ($callback:ident) => {
        $callback! {
            (Lifecycle, lifecycle, LifecycleLab, LifecycleState, "lifecycle", "Lifecycle", "Life", Numbered,
                []),
            (Gil, gil, GilLab, GilState, "gil", "GIL race", "GIL", Numbered,
                [Interpreter "interp"]),
            (Queue, queue, QueueLab, QueueState, "queue", "Queue", "Queue", Numbered,
                [Producer "producer", Consumer "consumer"]),
            (Pipe, pipe, PipeLab, PipeState, "pipe", "Pipe", "Pipe", Numbered,
                [Ping "ping", Pong "pong", Sender "sender", Receiver "receiver"]),
            (Pipeline, pipeline, PipelineLab, PipelineState, "pipeline", "Pipeline", "Line", Numbered,
                [Fetch "fetch", Process "process", Save "save"]),
            (Counter, counter, CounterLab, CounterState, "counter", "Counter", "Count", Numbered,
                [Counter "counter", Manager "manager"]),
            (Sync, sync, SyncLab, SyncState, "sync", "Sync", "Sync", Numbered,
                [Sync "sync"]),
            (Pool, pool, PoolLab, PoolState, "pool", "Pool", "Pool", Numbered,
                [Pool "pool"]),
            (Cluster, cluster, ClusterController, ClusterState, "cluster", "Cluster", "Nodes", Numbered,
                []),
            (Program, run, RunLab, RunState, "run", "Run", "Run", WhenOpen,
                []),
        }
    };
}

pub(crate) use for_each_lab;
