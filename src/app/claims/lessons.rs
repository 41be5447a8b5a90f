//! The lessons' Python (`assets/lessons/*.toml`, each step's `python`)
//! that no lab line already says. A lesson's code matches a claim when it
//! is the claim's template filled with some values, spaces aside.

use super::{Lab, LabCheck, claims, py, w};

const ONE_CORE: &str = r#"{"at_most_one_core": true}"#;
const AT_ONCE: &str = r#"{"processes_at_once": true, "threads_at_once": false}"#;

claims! {
    /// Lessons' steps.
    Lesson {
        StartProcess => py(
            "{p} = Process(target={target})\n{p}.start()",
            "a Process runs its target in a new process once started",
            &[w("lifecycle", "alive_while_running", r#"{"is_alive": true, "exitcode": null}"#)],
            Lab::Same(LabCheck::Start),
        ),
        JoinExitcode => py(
            "{p}.join()\n{p}.exitcode # {code}",
            "join() reaps the child; exitcode is -N after death by signal N",
            &[
                w("lifecycle", "exitcode_terminate", r#"{"exitcode": -15}"#),
                w("lifecycle", "exitcode_kill", r#"{"exitcode": -9}"#),
            ],
            Lab::Same(LabCheck::Terminate),
        ),
        CounterRacySlow => py(
            "v = Value('i', 0, lock=False)\n# in each worker, 10 times:\nt = v.value; time.sleep(0.3)\nv.value = t + 1",
            "with a pause between the read and the write, both workers read the same value nearly every time",
            &[w("counter", "slow_motion", r#"{"racy_lost": true}"#)],
            Lab::Nothing,
        ),
        CounterLockedOneLine => py(
            "with v.get_lock(): v.value += 1",
            "the lock held around read and write: exact",
            &[w("counter", "locked_value_exact", r#"{"lost": 0}"#)],
            Lab::Same(LabCheck::CounterLocked),
        ),
        CounterLockedLoop => py(
            "for _ in range(1_000_000):\n    with v.get_lock():\n        v.value += 1",
            "a million locked increments each: exact",
            &[w("counter", "locked_value_exact", r#"{"lost": 0}"#)],
            Lab::Same(LabCheck::CounterLocked),
        ),
        CounterAtomic => py(
            "# no Python equivalent: one atomic fetch-and-add",
            "a Value has no atomic add",
            &[w("counter", "no_atomic_add", r#"{"methods": ["acquire", "get_lock", "get_obj", "release", "value"]}"#)],
            Lab::Nothing,
        ),
        CounterManager => py(
            "manager = CounterManager(); manager.start()\nc = manager.Counter()\nc.increment()  # a request to the server, a reply",
            "the server applies each increment: exact, a round trip each",
            &[w("counter", "manager_counter_exact", r#"{"lost": 0, "server_exitcode": 0}"#)],
            Lab::Same(LabCheck::CounterManager),
        ),
        SemaphoreSection => py(
            "with sem: # sem = Semaphore(2)\n    use_the_database()",
            "at most two inside at once",
            &[w("sync", "semaphore_limits", r#"{"most_inside": 2}"#)],
            Lab::Same(LabCheck::SemaphoreLimit),
        ),
        SyncWorkerStart => py(
            "{p} = Process(target=worker, args=(e, sem, b))\n{p}.start()",
            "a new party: the barrier fills when it arrives",
            &[w("sync", "barrier_fills", r#"{"all_three": [true, true, true]}"#)],
            Lab::Nothing,
        ),
        BarrierForever => py(
            "b.wait() # blocks forever",
            "a barrier that can no longer fill holds its waiters forever",
            &[w("sync", "barrier_party_missing", r#"{"waiters": ["hang", "hang"]}"#)],
            Lab::Same(LabCheck::BarrierMissing),
        ),
        QueueRoles => py(
            "q = JoinableQueue(maxsize={n})\n# producer: q.put(item)\n# consumer: item = q.get(); ...; q.task_done()",
            "a bounded queue: put() blocks while it is full",
            &[w("queues", "full_queue_blocks_put", r#"{"put_blocks": true}"#)],
            Lab::Nothing,
        ),
        ConsumerStart => py(
            "{p} = Process(target=consumer, args=(q,))\n{p}.start()",
            "another consumer: gets outrun puts",
            &[w("queues", "sentinel_shutdown", r#"{"consumer_exits": [0, 0]}"#)],
            Lab::Same(LabCheck::QueueShutdown),
        ),
        FasterConsumers => py(
            "# each consumer works faster on each item",
            "less time per item: more items a second",
            &[w("queues", "paced_producer", r#"{"at_most_the_rate": true}"#)],
            Lab::Nothing,
        ),
        QueueShutdown => py(
            "stop.set(); producer.join()\nfor _ in consumers:\n    q.put(None)\nfor c in consumers:\n    c.join()",
            "stop the producer and join it, then a sentinel per consumer: each returns 0, nothing lost",
            &[w("queues", "sentinel_shutdown", r#"{"producer_exit": 0, "consumer_exits": [0, 0], "every_item_once": true, "join": "returned"}"#)],
            Lab::Same(LabCheck::QueueShutdown),
        ),
        PoolMapDefault => py(
            "results = pool.map(work, range({items}))",
            "map with no chunksize cuts the items into chunks of divmod(len, 4 * workers), plus one if there is a remainder",
            &[w("pool", "map_default_chunksize", super::pool::CHUNKS)],
            Lab::Same(LabCheck::PoolChunks),
        ),
        StartThreads => py(
            "t1 = Thread(target={target})\nt2 = Thread(target={target})\nt1.start(); t2.start()",
            "two CPU-bound threads of one interpreter take turns at the GIL: about one core",
            &[w("gil", "cpu_threads_share_one_core", ONE_CORE)],
            Lab::Nothing,
        ),
        FreeThreads => py(
            "# python3.13t: the same Thread code, no GIL",
            "free-threaded CPython runs the same threads with no GIL",
            &[],
            Lab::Nothing,
        ),
        StartProcesses => py(
            "p1 = Process(target={target})\np2 = Process(target={target})\np1.start(); p2.start()",
            "two processes, a GIL each: they run at the same moment on two cores",
            &[w("gil", "same_time_processes_not_threads", AT_ONCE)],
            Lab::Nothing,
        ),
        Executors => py(
            "with ThreadPoolExecutor(2) as ex: list(ex.map(task, range(4)))\nwith ProcessPoolExecutor(2) as ex: list(ex.map(task, range(4)))",
            "CPU-bound tasks: threads take turns at one GIL, processes run at once",
            &[
                w("gil", "cpu_threads_share_one_core", ONE_CORE),
                w("gil", "same_time_processes_not_threads", AT_ONCE),
            ],
            Lab::Nothing,
        ),
        SleepTask => py(
            "def task(_): time.sleep(0.4)",
            "a sleeping thread lets go of the GIL: sleeps in threads overlap",
            &[w("gil", "sleeping_threads_overlap", r#"{"overlap": true}"#)],
            Lab::Nothing,
        ),
    }
}
