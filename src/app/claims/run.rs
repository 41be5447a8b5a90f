//! What the run view says about a real program: the objects it makes,
//! its Pool calls, who reaps an ended child, what a signal sent from
//! outside does to a process multiprocessing did not start, and the GIL.
//! Lines the labs already say (`p.start()`, `p.join()  # ...`,
//! `p.terminate()`...) are taken from their own areas.

use super::{Lab, claims, py, w};

claims! {
    /// The run view's lines.
    Run {
        /// A join with a timeout that returned before the child ended.
        JoinTimeout => py(
            "{p}.join({s})  # returned: {p}.exitcode is None, still running",
            "join(timeout) returns None when the timeout passes; the child is still alive, exitcode None",
            &[w("lifecycle", "alive_while_running", r#"{"join_timeout_returns": null, "after_join_timeout": {"is_alive": true, "exitcode": null}}"#)],
            Lab::Nothing,
        ),
        Queue => py(
            "Queue(maxsize={n})",
            "a queue between processes: put() waits while it holds maxsize items",
            &[w("run", "bounded_queue_put_waits", r#"{"third_put": "queue.Full", "got": [1, 2]}"#)],
            Lab::Nothing,
        ),
        QueueUnbounded => py(
            "Queue()",
            "a queue with no maxsize: put() never waits, the items pile up until got",
            &[w("run", "unbounded_queue_put_never_waits", r#"{"ever_full": false, "got_all": true}"#)],
            Lab::Nothing,
        ),
        JoinableQueue => py(
            "JoinableQueue(maxsize={n})",
            "a queue whose join() waits until every item put has had its task_done()",
            &[w("queues", "join_returns_when_done", r#"{"blocks_while_unfinished": true, "returns_when_all_done": true}"#)],
            Lab::Nothing,
        ),
        JoinableQueueUnbounded => py(
            "JoinableQueue()",
            "a queue whose join() waits until every item put has had its task_done()",
            &[w("queues", "join_returns_when_done", r#"{"blocks_while_unfinished": true, "returns_when_all_done": true}"#)],
            Lab::Nothing,
        ),
        SimpleQueue => py(
            "SimpleQueue()",
            "a queue with no feeder thread: put() writes to the pipe itself",
            &[w("run", "simple_queue_has_no_feeder", r#"{"simple_queue_feeder_thread": false, "queue_feeder_thread": true}"#)],
            Lab::Nothing,
        ),
        Pipe => py(
            "Pipe(duplex={bool})",
            "two Connection ends; with duplex=False the first only receives and the second only sends",
            &[w("pipe", "pipe_ends_fork", r#"{"duplex_round_trip": "ping-pong", "r_send": "OSError", "w_recv": "OSError"}"#)],
            Lab::Nothing,
        ),
        /// A Connection end the program closed.
        CloseEnd => py(
            "{conn}.close()  # recv() gets EOFError once every copy of the sending end is closed",
            "a receiver gets EOFError only once the sending end is closed in every process that holds it",
            &[w("pipe", "oneway_recv_ends_closed_fork", r#"{"recv": "EOFError"}"#)],
            Lab::Nothing,
        ),
        Value => py(
            "Value({tc}, {value})",
            "a number in shared memory, seen by every process it is passed to, with a lock (get_lock())",
            &[w("run", "value_is_shared_and_locked", r#"{"seen_by_parent": 7, "has_lock": true}"#)],
            Lab::Nothing,
        ),
        Array => py(
            "Array({tc}, {n})",
            "an array in shared memory, seen by every process it is passed to, with a lock (get_lock())",
            &[w("run", "array_is_shared_and_locked", r#"{"seen_by_parent": [0, 1, 4, 9], "has_lock": true}"#)],
            Lab::Nothing,
        ),
        Lock => py(
            "Lock()",
            "a lock between processes: one holder at a time",
            &[w("run", "lock_has_one_holder", r#"{"acquired_while_held": false, "acquired_after_release": true}"#)],
            Lab::Nothing,
        ),
        RLock => py(
            "RLock()",
            "a lock its holder may take again without blocking; it is free once released as many times as it was taken",
            &[w("rlock", "an_rlock_acquired_again_by_its_owner_returns", r#"{"second_acquire": true, "free_after_one_release": false, "free_after_two_releases": true}"#)],
            Lab::Nothing,
        ),
        Condition => py(
            "Condition()",
            "wait() gives up the lock and sleeps until notify() is called with the lock held (by another process or thread), or until its timeout ends",
            &[w("condition", "wait_releases_the_lock_while_it_waits", r#"{"other_process_acquired": true}"#)],
            Lab::Nothing,
        ),
        Semaphore => py(
            "Semaphore({k})",
            "at most k holders at once",
            &[w("sync", "semaphore_limits", r#"{"most_inside": 2}"#)],
            Lab::Nothing,
        ),
        Event => py(
            "Event()",
            "wait() blocks until another process calls set()",
            &[w("sync", "event_wait_and_set", r#"{"wait_blocks_until_set": true, "set_releases_waiters": true}"#)],
            Lab::Nothing,
        ),
        Barrier => py(
            "Barrier({n})",
            "wait() blocks until n parties wait, then lets them all go",
            &[w("sync", "barrier_fills", r#"{"two_of_three_wait": true, "all_three": [true, true, true]}"#)],
            Lab::Nothing,
        ),
        Manager => py(
            "Manager()",
            "starts a server process that holds the shared objects; each proxy call is a request to it",
            &[w("counter", "manager_counter_exact", r#"{"lost": 0, "server_exitcode": 0}"#)],
            Lab::Nothing,
        ),
        ManagerList => py(
            "manager.list()",
            "a list held by the manager's server process: every read or change, from any process, is a request to it",
            &[w("shared_state", "a_proxy_change_reaches_every_process", r#"{"list_append_seen": true}"#)],
            Lab::Nothing,
        ),
        ManagerDict => py(
            "manager.dict()",
            "a dict held by the manager's server process: every read or change, from any process, is a request to it",
            &[w("shared_state", "a_proxy_change_reaches_every_process", r#"{"dict_set_seen": true}"#)],
            Lab::Nothing,
        ),
        /// map, map_async, starmap, starmap_async.
        PoolMap => py(
            "pool.{api}({func}, items)  # chunksize={n}",
            "the items go out in chunks of chunksize (by default len / (4 * processes), rounded up); the results come back in order",
            &[
                w("pool", "map_default_chunksize", r#"{"chunks": {"10x2": [2, 2, 2, 2, 2], "100x2": [13, 13, 13, 13, 13, 13, 13, 9], "400x2": [50, 50, 50, 50, 50, 50, 50, 50], "2000x2": [250, 250, 250, 250, 250, 250, 250, 250], "2000x3": [167, 167, 167, 167, 167, 167, 167, 167, 167, 167, 167, 163], "7x4": [1, 1, 1, 1, 1, 1, 1]}}"#),
                w("pool", "result_order", r#"{"map": [0, 1, 4, 9, 16, 25]}"#),
            ],
            Lab::Nothing,
        ),
        /// imap, imap_unordered.
        PoolImap => py(
            "for r in pool.{api}({func}, items): ...  # chunksize={n}",
            "imap and imap_unordered hand out chunksize items at a time, 1 unless given",
            &[w("pool", "imap_default_chunksize", r#"{"imap": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], "imap_unordered": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}"#)],
            Lab::Nothing,
        ),
        /// apply, apply_async.
        PoolApply => py(
            "pool.{api}({func}, args)  # one task",
            "apply and apply_async send one call as one task to one worker",
            &[w("pool", "result_order", r#"{"apply_async_callback_item_0_last": true}"#)],
            Lab::Nothing,
        ),
        PoolClose => py(
            "pool.close()",
            "no more work is taken; the workers end (exitcode 0) once what was given out is done",
            &[w("pool", "close_and_shutdown", r#"{"pool_exitcodes": [0]}"#)],
            Lab::Nothing,
        ),
        PoolTerminate => py(
            "pool.terminate()",
            "stops the workers without waiting for the work given out: SIGTERM to each still running",
            &[w("run", "pool_terminate_sends_sigterm", r#"{"exitcodes": [-15, -15]}"#)],
            Lab::Nothing,
        ),
        PoolJoin => py(
            "pool.join()",
            "waits for the workers to end, after close() or terminate()",
            &[w("pool", "close_and_shutdown", r#"{"pool_exitcodes": [0]}"#)],
            Lab::Nothing,
        ),
        /// An ended Process its parent has not joined.
        ZombieReapers => py(
            "{p}.join()  # or {p}.is_alive(), {p}.exitcode, active_children()",
            "an ended child stays a zombie until its parent calls one of these, which reaps it",
            &[
                w("lifecycle", "join_reaps", r#"{"before": "Z", "after": null}"#),
                w("lifecycle", "zombie_is_alive", r#"{"before": "Z", "returns": false, "after": null}"#),
                w("lifecycle", "zombie_exitcode", r#"{"before": "Z", "returns": 0, "after": null}"#),
                w("lifecycle", "zombie_active_children", r#"{"before": "Z", "returns": false, "after": null}"#),
            ],
            Lab::Nothing,
        ),
        /// An ended child of `os.fork()` or `subprocess`.
        WaitpidReaps => py(
            "os.waitpid({pid}, 0)  # reaps it",
            "a child that is no Process stays a zombie until its parent waits for it; multiprocessing's calls do not reap it",
            &[w("run", "fork_child_is_a_zombie_until_waitpid", r#"{"before": "Z", "after_active_children": "Z", "after_waitpid": null, "exit_status": 3}"#)],
            Lab::Nothing,
        ),
        /// A forkserver child, under the forkserver.
        ForkserverReaps => py(
            "# the forkserver reaps it, and tells {p}.join() its exitcode",
            "under forkserver the children are the forkserver's: it reaps each as it ends, and the program learns the exitcode at join()",
            &[w("run", "forkserver_reaps_its_children", r#"{"parent_is_the_program": false, "gone_before_join": true, "exitcode": 0}"#)],
            Lab::Nothing,
        ),
        /// SIGTERM from outside to a process that is not a Process object's.
        Sigterm => py(
            "os.kill({pid}, signal.SIGTERM)",
            "a Python process with no SIGTERM handler ends at once, no finally block runs: returncode -15 (a shell shows 143)",
            &[w("run", "sigterm_ends_a_plain_python", r#"{"returncode": -15, "finally_ran": false, "shell_status": 143}"#)],
            Lab::Nothing,
        ),
        SigtermStopped => py(
            "os.kill({pid}, signal.SIGTERM)  # pending: it is stopped",
            "a stopped process acts on SIGTERM only once continued: it stays T until SIGCONT, then ends with -15",
            &[w("run", "sigterm_to_a_stopped_plain_python", r#"{"before_sigcont": {"state": "T", "returncode": null}, "returncode": -15}"#)],
            Lab::Nothing,
        ),
        ContinuePending => py(
            "os.kill({pid}, signal.SIGCONT)  # the pending SIGTERM acts",
            "once continued, a stopped process with SIGTERM pending ends with -15",
            &[w("run", "sigterm_to_a_stopped_plain_python", r#"{"returncode": -15}"#)],
            Lab::Nothing,
        ),
        Sigkill => py(
            "os.kill({pid}, signal.SIGKILL)",
            "SIGKILL ends any process at once, stopped or not: returncode -9 (a shell shows 137)",
            &[w("run", "sigkill_ends_a_plain_python", r#"{"returncode": -9, "finally_ran": false, "shell_status": 137}"#)],
            Lab::Nothing,
        ),
        /// The GIL verdict on a process whose threads take turns.
        GilTurns => py(
            "# {n} threads, one GIL: one runs Python at a time",
            "CPU-bound threads of one interpreter take turns holding its GIL: together they use about one core",
            &[w("gil", "cpu_threads_share_one_core", r#"{"at_most_one_core": true}"#)],
            Lab::Nothing,
        ),
    }
}
