//! The rest of the Pool's API (the `pool-api` lesson, which runs
//! `pool_api.py` under the run view): apply, the async calls, starmap,
//! close()/join() against terminate(), and the with block.

use super::{Lab, claims, py, w};

claims! {
    /// Pool calls beyond map and imap.
    PoolApi {
        Apply => py(
            "pool.apply(square, (7,))  # blocks: one call, one result",
            "apply() sends one call to one worker and blocks until its result is back",
            &[w("pool_api", "apply_blocks_apply_async_returns_at_once", r#"{"apply_result": 49}"#)],
            Lab::Nothing,
        ),
        ApplyAsync => py(
            "r = pool.apply_async(slow_square, (7,)); r.get()",
            "apply_async() returns an AsyncResult at once; get() waits for the result",
            &[w("pool_api", "apply_blocks_apply_async_returns_at_once", r#"{"apply_async_ready_at_once": false, "apply_async_result": 49}"#)],
            Lab::Nothing,
        ),
        MapAsync => py(
            "r = pool.map_async(slow_square, items); r.get()",
            "map_async() returns at once; get() waits and gives the results in the order of the items",
            &[w("pool_api", "map_async_returns_at_once_get_gives_order", r#"{"ready_at_once": false, "in_order": true}"#)],
            Lab::Nothing,
        ),
        Starmap => py(
            "pool.starmap(add, [(1, 2), (3, 4)])  # [3, 7]",
            "starmap() unpacks each tuple into the function's arguments",
            &[w("pool_api", "starmap_unpacks_each_tuple", r#"{"result": [3, 7]}"#)],
            Lab::Nothing,
        ),
        CloseJoin => py(
            "pool.close(); pool.join()  # the queued work finishes",
            "close() takes no more work, and join() waits while the workers finish every queued task and end (exitcode 0)",
            &[w("pool_api", "close_then_join_finishes_the_queued_work", r#"{"all_done": true, "worker_exitcodes": [0, 0]}"#)],
            Lab::Nothing,
        ),
        Terminate => py(
            "pool.terminate()  # the queued work is dropped",
            "terminate() stops the workers at once, without waiting for the work: a worker busy with a task gets SIGTERM (exitcode -15), the queued work is dropped and its results never become ready",
            &[w("pool_api", "terminate_drops_the_queued_work", r#"{"ready_after": false, "worker_exitcodes": [-15, -15]}"#)],
            Lab::Nothing,
        ),
        WithBlock => py(
            "with Pool(2) as pool:\n    r = pool.map_async(slow_square, items)\n# leaving the block calls terminate(): r is dropped unfinished",
            "leaving a with block calls terminate(), not close() and join(): work still queued or running when the block ends is dropped, and its result never becomes ready",
            &[w("pool_api", "the_with_block_ends_by_terminate", r#"{"ready_after": false, "worker_exitcodes": [-15, -15]}"#)],
            Lab::Nothing,
        ),
        AfterClose => py(
            "pool.apply(square, (7,))  # after close(): ValueError",
            "a closed pool takes no work: apply() and the others raise ValueError (Pool not running)",
            &[w("pool_api", "work_after_close_raises", r#"{"raised": "ValueError"}"#)],
            Lab::Nothing,
        ),
        JoinBeforeClose => py(
            "pool.join()  # before close(): ValueError",
            "join() on a pool still running raises ValueError: close() or terminate() comes first",
            &[w("pool_api", "join_before_close_raises", r#"{"raised": "ValueError"}"#)],
            Lab::Nothing,
        ),
    }
}
