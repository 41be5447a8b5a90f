//! The queue, pipe and pipeline labs' lines: a JoinableQueue and its
//! sentinels, Pipe() and when its ends meet EOF or a broken pipe.

use super::{Lab, LabCheck, claims, py, w};

/// The pipe witnesses' case for both start methods, with one outcome.
macro_rules! both {
    ($file:literal, $case:literal, $expect:literal) => {
        [
            w($file, concat!($case, "_fork"), $expect),
            w($file, concat!($case, "_spawn"), $expect),
        ]
    };
}

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

claims! {
    /// The pipe lab's lines and its panel's. `{end}` is the end a process
    /// uses (`r`, `w`, `a` or `b`), `{other}` the end at the other side.
    Pipe {
        Duplex => py(
            "a, b = Pipe()",
            "a duplex pipe (a socket pair): each end sends and receives",
            &both!("pipe", "pipe_ends", r#"{"duplex_round_trip": "ping-pong"}"#),
            Lab::Nothing,
        ),
        OneWay => py(
            "r, w = Pipe(duplex=False)",
            "a one-way pipe (an OS pipe): r only receives, w only sends (OSError otherwise)",
            &both!("pipe", "pipe_ends", r#"{"r_send": "OSError", "w_recv": "OSError"}"#),
            Lab::Nothing,
        ),
        StartBoth => py(
            "{p}.start(); {p2}.start()",
            "each end runs in its own process",
            &both!("pipe", "sender_closes", r#"{"received": 100, "sender_exit": 0}"#),
            Lab::Nothing,
        ),
        /// The ends no process of the parent's uses, closed by the parent.
        CloseInParent => py(
            "{end}.close(); {other}.close()  # in the parent, after start()",
            "the parent's copies would keep the pipe open: closed, only the processes' ends are left",
            &[
                w("pipe", "oneway_recv_ends_closed_fork", r#"{"recv": "EOFError", "held_by": []}"#),
                w("pipe", "oneway_recv_ends_closed_spawn", r#"{"recv": "EOFError", "held_by": []}"#),
                w("pipe", "duplex_recv_ends_closed_fork", r#"{"recv": "EOFError", "held_by": []}"#),
            ],
            Lab::Same(LabCheck::PipeEof),
        ),
        /// The end a process does not use, closed first thing in it.
        CloseUnused => py(
            "{other}.close()  # first thing in {p}, which uses {end}",
            "each process holds both ends (inherited under fork, or passed in): until it closes the one it does not use, the other side never sees EOFError or BrokenPipeError",
            &[
                w("pipe", "oneway_recv_parent_closes_fork", r#"{"recv": "hang", "held_by": ["receiver"]}"#),
                w("pipe", "oneway_recv_ends_closed_fork", r#"{"recv": "EOFError"}"#),
                w("pipe", "oneway_send_ends_closed_fork", r#"{"send": "BrokenPipeError"}"#),
            ],
            Lab::Nothing,
        ),
        /// The classic bug: no end closed anywhere.
        LeftOpen => py(
            "# no close() anywhere: every process keeps {end} and {other}",
            "with every end left open, an end whose other side dies waits for ever: the parent and the survivor itself still hold the other end",
            &[
                w("pipe", "oneway_recv_ends_open_fork", r#"{"recv": "hang", "held_by": ["parent", "receiver"]}"#),
                w("pipe", "oneway_send_ends_open_fork", r#"{"send": "hang", "held_by": ["parent", "sender"]}"#),
                w("pipe", "duplex_recv_ends_open_spawn", r#"{"recv": "hang", "held_by": ["parent", "receiver"]}"#),
            ],
            Lab::Same(LabCheck::PipeEofOpen),
        ),
        /// The parent closed its ends; the receiver was handed only r.
        ParentCloseOnly => py(
            "w.close()  # in the parent only",
            "not enough under fork: the receiver inherited w and recv() blocks; under spawn it holds only what it was handed, and gets EOFError",
            &[
                w("pipe", "oneway_recv_parent_closes_fork", r#"{"recv": "hang"}"#),
                w("pipe", "oneway_recv_parent_closes_spawn", r#"{"recv": "EOFError", "held_by": []}"#),
            ],
            Lab::Nothing,
        ),
        /// recv() once the other end is gone and every copy of it closed.
        Eof => py(
            "{end}.recv()  # in {p}: EOFError, every copy of {other} is closed",
            "recv() raises EOFError only once every copy of the other end is closed",
            &[
                w("pipe", "oneway_recv_ends_closed_fork", r#"{"recv": "EOFError", "held_by": []}"#),
                w("pipe", "oneway_recv_ends_closed_spawn", r#"{"recv": "EOFError", "held_by": []}"#),
                w("pipe", "duplex_recv_ends_closed_fork", r#"{"recv": "EOFError", "held_by": []}"#),
                w("pipe", "duplex_recv_ends_closed_spawn", r#"{"recv": "EOFError", "held_by": []}"#),
            ],
            Lab::Same(LabCheck::PipeEof),
        ),
        /// recv() once the sender is gone, with ends left open.
        EofNever => py(
            "{end}.recv()  # in {p}: blocks forever, {other} is still open in {names}",
            "with a copy of the other end still open (the parent's, or its own), recv() blocks forever after the sender dies",
            &[
                w("pipe", "oneway_recv_ends_open_fork", r#"{"recv": "hang", "held_by": ["parent", "receiver"]}"#),
                w("pipe", "oneway_recv_ends_open_spawn", r#"{"recv": "hang", "held_by": ["parent", "receiver"]}"#),
                w("pipe", "duplex_recv_ends_open_fork", r#"{"recv": "hang", "held_by": ["parent", "receiver"]}"#),
                w("pipe", "duplex_recv_ends_open_spawn", r#"{"recv": "hang", "held_by": ["parent", "receiver"]}"#),
            ],
            Lab::Same(LabCheck::PipeEofOpen),
        ),
        Broken => py(
            "{end}.send(item)  # in {p}: BrokenPipeError, every copy of {other} is closed",
            "send() raises BrokenPipeError once every copy of the reading end is closed",
            &[
                w("pipe", "oneway_send_ends_closed_fork", r#"{"send": "BrokenPipeError", "held_by": []}"#),
                w("pipe", "oneway_send_ends_closed_spawn", r#"{"send": "BrokenPipeError", "held_by": []}"#),
                w("pipe", "duplex_send_ends_closed_fork", r#"{"send": "BrokenPipeError", "held_by": []}"#),
                w("pipe", "duplex_send_ends_closed_spawn", r#"{"send": "BrokenPipeError", "held_by": []}"#),
            ],
            Lab::Same(LabCheck::PipeBroken),
        ),
        BrokenNever => py(
            "{end}.send(item)  # in {p}: blocks once the pipe is full, {other} is still open in {names}",
            "with a copy of the reading end still open, send() after the reader dies fills the pipe and then blocks forever",
            &[
                w("pipe", "oneway_send_ends_open_fork", r#"{"send": "hang", "held_by": ["parent", "sender"]}"#),
                w("pipe", "oneway_send_ends_open_spawn", r#"{"send": "hang", "held_by": ["parent", "sender"]}"#),
                w("pipe", "duplex_send_ends_open_fork", r#"{"send": "hang", "held_by": ["parent", "sender"]}"#),
                w("pipe", "duplex_send_ends_open_spawn", r#"{"send": "hang", "held_by": ["parent", "sender"]}"#),
            ],
            Lab::Same(LabCheck::PipeBrokenOpen),
        ),
        /// The sender is done and closes its end.
        SenderCloses => py(
            "{end}.close()  # in {p}: all sent",
            "the receiver reads every item, then recv() raises EOFError",
            &both!("pipe", "sender_closes", r#"{"received": 100, "then": "EOFError", "sender_exit": 0}"#),
            Lab::Nothing,
        ),
        Pace => py(
            "time.sleep(1/{rate})  # between sends",
            "a sleep of 1/rate between sends: at most rate messages a second",
            &[w("queues", "paced_producer", r#"{"at_most_the_rate": true}"#)],
            Lab::Nothing,
        ),
        NoPace => py(
            "# no sleep between sends: flat out",
            "with no sleep an end sends as fast as the pipe takes messages",
            &both!("pipe", "sender_closes", r#"{"received": 100}"#),
            Lab::Nothing,
        ),
    }
}

claims! {
    /// The pipeline lab's lines: fetch -> process -> save.
    Pipeline {
        Make => py(
            "q = JoinableQueue(maxsize={n})  # process -> save",
            "the queue between process and save",
            &[w("pipeline", "sentinel_drains_the_line", r#"{"in_order": true}"#)],
            Lab::Nothing,
        ),
        StartAll => py(
            "for s in stages: s.start()",
            "each stage is a process",
            &[w("pipeline", "sentinel_drains_the_line", r#"{"exitcodes": [0, 0, 0]}"#)],
            Lab::Same(LabCheck::PipelineSentinel),
        ),
        /// A stage that is not an end of the pipe closes both ends too.
        CloseInBystander => py(
            "r.close(); w.close()  # in save too: forked after Pipe(), it holds both",
            "under fork every child holds both ends of a Pipe made before it: a bystander that keeps them keeps the pipe open",
            &[
                w("pipeline", "bystander_keeps_the_pipe_open", r#"{"process": "hang", "held_by": ["save"]}"#),
                w("pipeline", "fetch_killed_ends_closed", r#"{"process": "EOFError", "save": 0, "held_by": []}"#),
            ],
            Lab::Nothing,
        ),
        Stop => py(
            "w.send(None)  # in fetch, then return",
            "the sentinel goes down the line behind the backlog: every stage returns 0, every item saved in order",
            &[w("pipeline", "sentinel_drains_the_line", r#"{"exitcodes": [0, 0, 0], "in_order": true}"#)],
            Lab::Same(LabCheck::PipelineSentinel),
        ),
        /// process is gone: the parent puts save's sentinel itself.
        SentinelForSave => py(
            "q.put(None)  # in the parent: process is gone",
            "with process dead, save waits on the queue for ever unless someone puts the sentinel: the parent can, and save returns 0",
            &[w("pipeline", "process_killed_parent_puts_the_sentinel", r#"{"save": 0}"#)],
            Lab::Nothing,
        ),
        FetchDone => py(
            "w.send(None); return",
            "fetch sends the sentinel and returns: exitcode 0",
            &[w("pipeline", "sentinel_drains_the_line", r#"{"exitcodes": [0, 0, 0]}"#)],
            Lab::Same(LabCheck::PipelineSentinel),
        ),
        ProcessDone => py(
            "q.put(None); return",
            "process passes the sentinel on and returns: exitcode 0",
            &[w("pipeline", "sentinel_drains_the_line", r#"{"exitcodes": [0, 0, 0]}"#)],
            Lab::Same(LabCheck::PipelineSentinel),
        ),
        SaveDone => py(
            "return  # item is None",
            "save gets the sentinel and returns: exitcode 0",
            &[w("pipeline", "sentinel_drains_the_line", r#"{"exitcodes": [0, 0, 0]}"#)],
            Lab::Same(LabCheck::PipelineSentinel),
        ),
        /// process meets EOF: fetch died with every end closed.
        Eof => py(
            "item = r.recv()  # EOFError in process: q.put(None)",
            "with every copy of w closed, process meets EOFError when fetch dies, and a sentinel it passes on lets save return",
            &[w("pipeline", "fetch_killed_ends_closed", r#"{"process": "EOFError", "save": 0, "held_by": []}"#)],
            Lab::Same(LabCheck::PipelineEof),
        ),
        EofNever => py(
            "item = r.recv()  # blocks forever in process: w is still open in {names}",
            "with the ends left open, process never learns that fetch died: the parent, process itself and save still hold w",
            &[w("pipeline", "fetch_killed_ends_open", r#"{"process": "hang", "held_by": ["parent", "process", "save"]}"#)],
            Lab::Same(LabCheck::PipelineEofOpen),
        ),
        Broken => py(
            "w.send(item)  # BrokenPipeError in fetch: nobody reads",
            "with every copy of r closed, fetch meets BrokenPipeError when process dies",
            &[w("pipeline", "process_killed_ends_closed", r#"{"fetch": "BrokenPipeError", "held_by": []}"#)],
            Lab::Same(LabCheck::PipelineBroken),
        ),
        BrokenNever => py(
            "w.send(item)  # blocks in fetch once the pipe is full: r is still open in {names}",
            "with the ends left open, fetch never learns that process died: it fills the pipe and then waits for ever, as the parent, fetch itself and save still hold r",
            &[w("pipeline", "process_killed_ends_open", r#"{"fetch": "hang", "held_by": ["parent", "fetch", "save"]}"#)],
            Lab::Same(LabCheck::PipelineBrokenOpen),
        ),
        StageWork => py(
            "time.sleep({s})  # in {stage}",
            "a stage that sleeps s per item handles at most 1/s items a second",
            &[w("queues", "paced_producer", r#"{"at_most_the_rate": true}"#)],
            Lab::Nothing,
        ),
        StageNoWork => py(
            "{stage}(item)  # no work",
            "a stage with no work passes items on as fast as it gets them",
            &[w("pipeline", "sentinel_drains_the_line", r#"{"in_order": true}"#)],
            Lab::Nothing,
        ),
    }
}
