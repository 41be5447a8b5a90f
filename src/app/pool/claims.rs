//! The pool lab's lines: a Pool or a ProcessPoolExecutor, the methods that
//! submit a job, chunks, maxtasksperchild, and a worker killed mid-job.

use crate::app::claims::{Lab, LabCheck, claims, py, w};

const ORDER: &str = r#"{"map": [0, 1, 4, 9, 16, 25], "imap": [0, 1, 4, 9, 16, 25], "imap_waits_for_item_0": true, "imap_unordered_item_0_last": true, "apply_async_callback_item_0_last": true, "as_completed_item_0_last": true, "same_results": true}"#;
const CHUNKS: &str = r#"{"chunks": {"10x2": [2, 2, 2, 2, 2], "100x2": [13, 13, 13, 13, 13, 13, 13, 9], "400x2": [50, 50, 50, 50, 50, 50, 50, 50], "2000x2": [250, 250, 250, 250, 250, 250, 250, 250], "2000x3": [167, 167, 167, 167, 167, 167, 167, 167, 167, 167, 167, 163], "7x4": [1, 1, 1, 1, 1, 1, 1]}}"#;

claims! {
    /// The pool lab's lines and its panel's.
    Pool {
        MakePool => py(
            "pool = Pool({n}{options})",
            "a Pool of n worker processes, daemons; maxtasksperchild retires a worker after that many tasks",
            &[
                w("pool", "maxtasksperchild_retires", r#"{"most_tasks_per_process": 5, "four_processes_at_least": true, "retired_exitcodes": [0]}"#),
                w("pool", "workers_daemon_or_not", r#"{"pool": [true]}"#),
            ],
            Lab::Same(LabCheck::PoolRetire),
        ),
        MakeExecutor => py(
            "ex = ProcessPoolExecutor({n}{options})",
            "a ProcessPoolExecutor of n worker processes, not daemons",
            &[w("pool", "workers_daemon_or_not", r#"{"executor": [false]}"#)],
            Lab::Nothing,
        ),
        /// An executor that recycles its workers.
        ExecutorRecycles => py(
            "ex = ProcessPoolExecutor({n}, max_tasks_per_child={max})  # spawn",
            "max_tasks_per_child makes the executor use spawn; with more tasks than its first workers take, CPython 3.11 to 3.14 deadlock once they retire (gh-115634), except at 1",
            &[w("pool", "executor_max_tasks_per_child", r#"{"1": {"start_method": "spawn", "results": 4, "processes": 4, "outcome": "returned"}, "5": {"start_method": "spawn", "results": 10, "processes": 2, "outcome": "hang"}}"#)],
            Lab::Differs(LabCheck::ExecutorMaxTasks, "the lab's executor with max_tasks_per_child=5 runs every task"),
        ),
        Close => py(
            "pool.close(); pool.join()",
            "close() lets the workers finish and return: exitcode 0",
            &[w("pool", "close_and_shutdown", r#"{"pool_exitcodes": [0]}"#)],
            Lab::Nothing,
        ),
        Shutdown => py(
            "ex.shutdown(wait=True)",
            "shutdown(wait=True) waits for the workers to return: exitcode 0",
            &[w("pool", "close_and_shutdown", r#"{"executor_exitcodes": [0]}"#)],
            Lab::Nothing,
        ),
        Map => py(
            "results = pool.map(work, range({items}){chunk})",
            "map cuts the items into chunks of divmod(len, 4 * workers), plus one if there is a remainder; every result at once, in order",
            &[
                w("pool", "map_default_chunksize", CHUNKS),
                w("pool", "result_order", ORDER),
            ],
            Lab::Same(LabCheck::PoolChunks),
        ),
        Imap => py(
            "for r in pool.imap(work, range({items}){chunk}): ...",
            "imap's chunksize is 1 unless given; results in order, each once those before it are in",
            &[
                w("pool", "result_order", ORDER),
                w("pool", "imap_default_chunksize", r#"{"imap": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}"#),
            ],
            Lab::Same(LabCheck::PoolOrder),
        ),
        ImapUnordered => py(
            "for r in pool.imap_unordered(work, range({items}){chunk}): ...",
            "imap_unordered's chunksize is 1 unless given; results as they complete",
            &[
                w("pool", "result_order", ORDER),
                w("pool", "imap_default_chunksize", r#"{"imap_unordered": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}"#),
            ],
            Lab::Same(LabCheck::PoolOrder),
        ),
        ApplyAsync => py(
            "[pool.apply_async(work, (x,), callback=got) for x in range({items})]",
            "one task per call; each callback as its item completes",
            &[w("pool", "result_order", ORDER)],
            Lab::Same(LabCheck::PoolOrder),
        ),
        Futures => py(
            "for f in as_completed([ex.submit(work, x) for x in range({items})]): ...",
            "one future per item; as_completed yields them as they complete",
            &[w("pool", "result_order", ORDER)],
            Lab::Same(LabCheck::PoolOrder),
        ),
        Retired => py(
            "# maxtasksperchild: {letter} returns",
            "after maxtasksperchild tasks (a task is a chunk) a worker returns: exitcode 0",
            &[w("pool", "maxtasksperchild_retires", r#"{"retired_exitcodes": [0]}"#)],
            Lab::Same(LabCheck::PoolRetire),
        ),
        Replaced => py(
            "# the pool starts a fresh worker",
            "a retired or dead worker is replaced by a new process",
            &[
                w("pool", "maxtasksperchild_retires", r#"{"four_processes_at_least": true}"#),
                w("pool", "pool_worker_killed", r#"{"worker_replaced": true}"#),
            ],
            Lab::Same(LabCheck::PoolRetire),
        ),
        KilledHangs => py(
            "# pool.map(...) never returns",
            "a Pool replaces a killed worker but waits forever for the task it held",
            &[w("pool", "pool_worker_killed", r#"{"map": "hang", "worker_replaced": true}"#)],
            Lab::Same(LabCheck::PoolKilled),
        ),
        WouldBlock => py(
            "{call}  # would block forever",
            "the call never returns once a chunk is lost with its worker",
            &[w("pool", "pool_worker_killed", r#"{"map": "hang"}"#)],
            Lab::Same(LabCheck::PoolKilled),
        ),
        ResultGetHangs => py(
            "result.get()  # would wait forever",
            "the AsyncResult of a task lost with its worker never gets a value",
            &[w("pool", "pool_worker_killed", r#"{"map": "hang"}"#)],
            Lab::Same(LabCheck::PoolKilled),
        ),
        BrokenExecutor => py(
            "concurrent.futures.process.BrokenProcessPool",
            "a ProcessPoolExecutor whose worker ends abruptly is broken: every pending future and every later submit raise BrokenProcessPool",
            &[w("pool", "executor_worker_killed", r#"{"result": ["BrokenProcessPool"], "submit_after": "BrokenProcessPool"}"#)],
            Lab::Same(LabCheck::ExecutorKilled),
        ),
        BrokenResult => py(
            "f.result()  # raises BrokenProcessPool",
            "the pending futures of a broken executor raise BrokenProcessPool",
            &[w("pool", "executor_worker_killed", r#"{"result": ["BrokenProcessPool"]}"#)],
            Lab::Same(LabCheck::ExecutorKilled),
        ),
        RunDone => py(
            "# run {run} returned in {time}",
            "the call returned every result",
            &[w("pool", "result_order", r#"{"same_results": true}"#)],
            Lab::Nothing,
        ),
        /// Esc on a Pool's run.
        Terminate => py(
            "pool.terminate(); pool.join()",
            "terminate() stops every worker at once (SIGTERM: exitcode -15) without finishing the work: the results never come (get() waits forever) and the pool takes no more work",
            &[w("pool", "terminate_mid_job", r#"{"exitcodes": [-15], "ready": false, "get": "hang", "after": "Pool not running"}"#)],
            Lab::Same(LabCheck::PoolTerminated),
        ),
        /// Esc on an executor's run: it has no terminate().
        TerminateExecutor => py(
            "for p in multiprocessing.active_children(): p.terminate()",
            "a ProcessPoolExecutor has no terminate(); its workers terminated as any child processes (exitcode -15), it breaks and every pending future raises BrokenProcessPool",
            &[w("pool", "executor_workers_terminated", r#"{"exitcodes": [-15], "pending": ["BrokenProcessPool"], "has_terminate": false}"#)],
            Lab::Same(LabCheck::ExecutorTerminated),
        ),
        /// The pool lesson's first map.
        MapDefault => py(
            "results = pool.map(work, range({items}))",
            "map with no chunksize cuts the items into chunks of divmod(len, 4 * workers), plus one if there is a remainder",
            &[w("pool", "map_default_chunksize", CHUNKS)],
            Lab::Same(LabCheck::PoolChunks),
        ),
    }
}
