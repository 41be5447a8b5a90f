//! The queue lesson's Python (`assets/lessons/queue.toml`, each step's
//! `python`) that no lab line already says; it moves to the queue lab's
//! claims with the lab's other lines. A lesson's code matches a claim when
//! it is the claim's template filled with some values, spaces aside.

use super::{Lab, LabCheck, claims, py, w};

claims! {
    /// The queue lesson's steps.
    Lesson {
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
    }
}
