//! What the truth suite can do with the lab itself to compare it with
//! CPython: one name per check, each carried out with the engine and real
//! workers by `tests/truth/lab_checks.rs`. A lab that adds a check adds
//! its name here and its code there.

/// An action done with the engine (`proclab::lab`) and read back as the
/// same JSON a witness case reports, so the two can be compared key by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LabCheck {
    /// A worker that is started: `{"is_alive": true, "exitcode": null}`.
    Start,
    /// Exit codes after return, raise, `sys.exit(3)`, SIGTERM, SIGKILL.
    ExitReturn,
    ExitRaise,
    ExitSysExit,
    Terminate,
    Kill,
    /// SIGSTOP (state T) and SIGCONT (runs again).
    PauseResume,
    /// SIGTERM to a stopped worker: pending until SIGCONT.
    TerminateStopped,
    KillStopped,
    /// An ended worker stays Z until joined, and join reaps it.
    Zombie,
    /// `join(timeout)` on a running worker returns with it still alive.
    JoinTimeout,
    /// `is_alive()` on a zombie reaps it.
    IsAliveReaps,
    /// Quit with a daemon and a non-daemon worker alive, which ends by
    /// itself a little later.
    AtExit,
    /// Quit with a daemon and a non-daemon worker that never ends.
    AtExitForever,
    /// A one-way pipe, its ends closed: the sender terminated, the
    /// receiver's `recv()`, and who held the sender's end then.
    PipeEof,
    /// The same with the ends left open.
    PipeEofOpen,
    /// A one-way pipe, its ends closed: the reader killed, the writer's
    /// `send()`, and who held the reader's end then.
    PipeBroken,
    /// The same with the ends left open.
    PipeBrokenOpen,
    /// The pipeline's sentinel: every stage returns 0.
    PipelineSentinel,
    /// The pipeline's fetch terminated: process meets EOF, save returns.
    PipelineEof,
    /// The same with the ends left open: process waits for ever.
    PipelineEofOpen,
    /// The pipeline's process killed: fetch meets BrokenPipeError.
    PipelineBroken,
    /// The same with the ends left open: fetch waits for ever.
    PipelineBrokenOpen,
    /// Producers stopped, a sentinel per consumer: all return 0.
    QueueShutdown,
    /// A consumer terminated holding an item: `q.join()` never returns.
    QueueLost,
    /// `Pool.map`'s chunks for several sizes.
    PoolChunks,
    /// The order results reach the caller, per method.
    PoolOrder,
    /// A Pool worker killed mid-job: the job hangs.
    PoolKilled,
    /// A ProcessPoolExecutor worker killed mid-job: BrokenProcessPool.
    ExecutorKilled,
    /// `maxtasksperchild`: retired workers exit 0.
    PoolRetire,
    /// A ProcessPoolExecutor with `max_tasks_per_child=5`, 20 tasks.
    ExecutorMaxTasks,
    /// `pool.terminate()` mid-job: -15 each, the results never come.
    PoolTerminated,
    /// An executor's workers terminated mid-job: BrokenProcessPool.
    ExecutorTerminated,
    /// The racy counter's default runs lose updates, by varying amounts.
    CounterRacy,
    /// The locked counter is exact.
    CounterLocked,
    /// The manager's counter is exact.
    CounterManager,
    /// A worker whose manager dies ends with exitcode 1.
    CounterManagerLost,
    /// A Semaphore(k) never lets more than k in.
    SemaphoreLimit,
    /// A worker killed holding a permit takes it with it.
    SemaphoreHolderKilled,
    /// A barrier with a party missing holds everyone.
    BarrierMissing,
    /// A party killed inside `b.wait()`, then the others arrive.
    BarrierDeadWaiter,
}
