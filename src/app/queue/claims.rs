//! The queue lab's Python lines, its panel's and its log's, each with the
//! CPython witness that backs it (see `crate::app::claims`): a
//! JoinableQueue, its producers and consumers, its sentinels, `join()`,
//! and an item lost with a consumer.

use crate::app::claims::{Lab, LabCheck, claims, py, w};

const SHUTDOWN: &str = r#"{"producer_exit": 0, "consumer_exits": [0, 0], "every_item_once": true, "join": "returned"}"#;

claims! {
    /// The queue lab's lines and its panel's.
    Queue {
        Make => py(
            "q = JoinableQueue(maxsize={n})",
            "a queue of at most n items: put() blocks while it is full, get() while it is empty",
            &[
                w("queues", "full_queue_blocks_put", r#"{"put_timeout_raises": "queue.Full", "put_blocks": true}"#),
                w("queues", "empty_queue_blocks_get", r#"{"get_timeout_raises": "queue.Empty"}"#),
            ],
            Lab::Nothing,
        ),
        ProducerStart => py(
            "{p}.start()  # producer(q)",
            "a producer process puts items into q until told to stop, then returns (exitcode 0)",
            &[w("queues", "sentinel_shutdown", SHUTDOWN)],
            Lab::Same(LabCheck::QueueShutdown),
        ),
        ConsumerStart => py(
            "{p}.start()  # consumer(q)",
            "a consumer gets items and marks each done until it gets the sentinel, then returns (exitcode 0)",
            &[w("queues", "sentinel_shutdown", SHUTDOWN)],
            Lab::Same(LabCheck::QueueShutdown),
        ),
        Put => py(
            "q.put(item)",
            "put() blocks while the queue is full: back-pressure",
            &[w("queues", "full_queue_blocks_put", r#"{"put_blocks": true}"#)],
            Lab::Nothing,
        ),
        Get => py(
            "item = q.get()",
            "get() blocks while the queue is empty",
            &[w("queues", "empty_queue_blocks_get", r#"{"get_timeout_raises": "queue.Empty"}"#)],
            Lab::Nothing,
        ),
        TaskDone => py(
            "work(item); q.task_done()",
            "one task_done() per get(): one too many raises ValueError",
            &[w("queues", "task_done_too_many", r#"{"raises": "ValueError: task_done() called too many times"}"#)],
            Lab::Nothing,
        ),
        JoinThenSentinel => py(
            "q.join(); q.put(None)",
            "join() waits until every item put is done; then a sentinel stops a consumer",
            &[w("queues", "join_returns_when_done", r#"{"returns_when_all_done": true}"#)],
            Lab::Nothing,
        ),
        StopProducer => py(
            "stop[{id}].set()",
            "a producer that looks at its Event between puts returns after its current put",
            &[w("queues", "sentinel_shutdown", r#"{"producer_exit": 0}"#)],
            Lab::Same(LabCheck::QueueShutdown),
        ),
        Sentinel => py(
            "q.put(None)  # a sentinel",
            "the consumer that gets None returns: exitcode 0",
            &[w("queues", "sentinel_shutdown", r#"{"consumer_exits": [0, 0]}"#)],
            Lab::Same(LabCheck::QueueShutdown),
        ),
        SentinelWaited => py(
            "q.put(None)  # had to wait for room",
            "a put into a full queue waits, and goes in once a get makes room",
            &[w("queues", "full_queue_blocks_put", r#"{"sentinel_goes_in_when_room": true}"#)],
            Lab::Nothing,
        ),
        Pace => py(
            "time.sleep(1/{rate})  # between puts",
            "a sleep of 1/rate between puts: at most rate items a second",
            &[w("queues", "paced_producer", r#"{"at_most_the_rate": true}"#)],
            Lab::Nothing,
        ),
        NoPace => py(
            "# no sleep between puts: flat out",
            "with no sleep a producer puts as fast as the queue takes items",
            &[w("queues", "sentinel_shutdown", r#"{"every_item_once": true}"#)],
            Lab::Nothing,
        ),
        /// A consumer's work on each item, a sleep.
        Work => py(
            "time.sleep(1/{rate})  # the work on each item, in consumers",
            "a consumer that works 1/rate on each item gets at most rate items a second, however many wait",
            &[w("queues", "paced_consumer", r#"{"at_most_the_rate": true}"#)],
            Lab::Nothing,
        ),
        NoWork => py(
            "# no work on an item: consumers get flat out",
            "with no work a consumer gets items as fast as they come",
            &[w("queues", "sentinel_shutdown", r#"{"every_item_once": true}"#)],
            Lab::Nothing,
        ),
        /// The panel's line while the main program waits on the queue.
        Join => py(
            "q.join()",
            "join() waits until every item put has had its task_done()",
            &[w("queues", "join_returns_when_done", r#"{"blocks_while_unfinished": true, "returns_when_all_done": true}"#)],
            Lab::Nothing,
        ),
        JoinAtOnce => py(
            "q.join()  # returns at once",
            "with nothing unfinished, join() returns at once",
            &[w("queues", "join_returns_when_done", r#"{"empty_returns_at_once": true}"#)],
            Lab::Nothing,
        ),
        JoinBlocks => py(
            "q.join()  # blocks",
            "join() blocks while items put have not all had task_done()",
            &[w("queues", "join_returns_when_done", r#"{"blocks_while_unfinished": true}"#)],
            Lab::Nothing,
        ),
        JoinReturned => py(
            "q.join()  # returned",
            "join() returns once every item put has had its task_done()",
            &[w("queues", "join_returns_when_done", r#"{"returns_when_all_done": true}"#)],
            Lab::Nothing,
        ),
        /// A consumer terminated between get() and task_done().
        Lost => py(
            "q.task_done()  # never comes: q.join() waits forever",
            "an item taken by a process that dies before task_done() is lost, and join() never returns",
            &[
                w("queues", "joinable_lost_item", r#"{"others_done": 2, "consumer_exit": 0, "join": "hang"}"#),
                w("queues", "queue_lost_item", r#"{"put": 3, "got_after": 2, "lost": 1}"#),
            ],
            Lab::Same(LabCheck::QueueLost),
        ),
        StopAll => py(
            "for e in stops: e.set()",
            "every producer returns after its current put",
            &[w("queues", "sentinel_shutdown", r#"{"producer_exit": 0}"#)],
            Lab::Same(LabCheck::QueueShutdown),
        ),
        JoinProducers => py(
            "for p in producers: p.join()",
            "the producers have returned: exitcode 0",
            &[w("queues", "sentinel_shutdown", r#"{"producer_exit": 0}"#)],
            Lab::Same(LabCheck::QueueShutdown),
        ),
        SentinelEach => py(
            "for _ in consumers: q.put(None)",
            "one sentinel per consumer, behind the backlog: each consumer finishes what is ahead of its own",
            &[w("queues", "sentinel_shutdown", SHUTDOWN)],
            Lab::Same(LabCheck::QueueShutdown),
        ),
        JoinConsumers => py(
            "for c in consumers: c.join()",
            "every consumer drained the backlog and returned: exitcode 0, nothing lost",
            &[w("queues", "sentinel_shutdown", SHUTDOWN)],
            Lab::Same(LabCheck::QueueShutdown),
        ),
    }
}
