//! Pickling's lines (the `pickling` lesson, which runs the course's
//! `pickling.py` under the run view): what crosses a Queue or a Pipe is
//! a pickled copy, what a large object costs, and how an object that
//! cannot be pickled (a lambda) fails at each door.

use super::{Lab, claims, py, w};

claims! {
    /// What crosses between processes, and what cannot.
    Pickling {
        Copy => py(
            "q.put(data)  # the other side gets a copy",
            "what crosses a Queue or a Pipe is pickled and unpickled: the receiver gets an equal copy, and its changes are never seen by the sender",
            &[w("pickling", "the_receiver_gets_a_copy", r#"{"equal": true, "change_seen_by_sender": false}"#)],
            Lab::Nothing,
        ),
        LargeObject => py(
            "q.put(big)  # pickled whole, copied, unpickled",
            "a large object is pickled whole, copied through a pipe and unpickled every time it is sent: ten times the items cost several times the time",
            &[w("pickling", "a_larger_object_costs_more_to_send", r#"{"ten_times_larger_costs_more": true}"#)],
            Lab::Nothing,
        ),
        PutReturns => py(
            "q.put(big)  # returns at once: a feeder thread pickles and writes it",
            "Queue.put() on a queue with room hands the object to the queue's feeder thread and returns at once, even with no reader; Connection.send() writes it itself and blocks while the pipe is full",
            &[w("pickling", "a_large_put_returns_with_no_reader_a_large_send_blocks", r#"{"put_returned": true, "send_returned": false}"#)],
            Lab::Nothing,
        ),
        SendLambda => py(
            "conn.send(square)  # PicklingError, at once",
            "a lambda cannot be pickled: Connection.send() raises PicklingError in the sender",
            &[w("pickling", "a_pipe_send_of_a_lambda_raises_at_once", r#"{"raised": "PicklingError"}"#)],
            Lab::Nothing,
        ),
        PutLambda => py(
            "q.put(square)  # returns; the feeder thread prints the PicklingError",
            "Queue.put() of a lambda returns: the pickling fails later in the feeder thread, whose traceback goes to stderr, and the item never arrives",
            &[w("pickling", "a_queue_put_of_a_lambda_returns_and_the_item_never_arrives", r#"{"put_raised": false, "arrived": false, "feeder_reported": true}"#)],
            Lab::Nothing,
        ),
        MapLambda => py(
            "pool.map(square, items)  # PicklingError",
            "Pool.map() of a lambda raises PicklingError in the caller: the tasks cannot be sent to the workers",
            &[w("pickling", "pool_map_of_a_lambda_raises_in_the_caller", r#"{"raised": "PicklingError"}"#)],
            Lab::Nothing,
        ),
        TargetLambda => py(
            "Process(target=square).start()  # fork: runs; spawn: PicklingError",
            "a fork child is a copy of the parent, so nothing is pickled and a lambda target runs; spawn must pickle the Process, and start() raises PicklingError",
            &[w("pickling", "a_lambda_target_starts_under_fork_not_spawn", r#"{"fork_exitcode": 0, "spawn_raised": "PicklingError"}"#)],
            Lab::Nothing,
        ),
    }
}
