//! The course's bounded buffer on a Condition and an Array (the
//! `condition` lesson, which runs `condition_array.py` under the run
//! view), and the lost wake-up.

use super::{Lab, claims, py, w};

claims! {
    /// A Condition around shared memory.
    ConditionArray {
        Buffer => py(
            "with cond:\n    while count.value == len(buf):\n        cond.wait()\n    buf[tail] = item\n    count.value += 1\n    cond.notify()",
            "the producer sleeps in wait() while the Array is full and notifies after each item; the consumer does the mirror image; every item arrives, in order",
            &[w("condition", "a_bounded_buffer_on_condition_and_array_loses_nothing", r#"{"all_arrived_in_order": true}"#)],
            Lab::Nothing,
        ),
        WaitReleases => py(
            "with cond:\n    cond.wait()  # gives the lock up while it sleeps",
            "wait() releases the Condition's lock while it sleeps, so another process can take it and notify",
            &[w("condition", "wait_releases_the_lock_while_it_waits", r#"{"other_process_acquired": true}"#)],
            Lab::Nothing,
        ),
        ArrayInPlace => py(
            "buf = Array(\"i\", 4)  # shared memory: writes are seen in place",
            "an Array lives in shared memory: a child's write is seen by the parent, nothing is pickled",
            &[w("condition", "an_array_is_shared_in_place", r#"{"parent_sees_child_writes": true}"#)],
            Lab::Nothing,
        ),
        LostWakeup => py(
            "with cond:\n    cond.wait(timeout=1)  # False: the notify() came first",
            "notify() wakes only a process already waiting: one sent before the wait is lost, and the wait sleeps until its timeout (for ever without one)",
            &[w("condition", "a_notify_before_the_wait_is_lost", r#"{"woken": false}"#)],
            Lab::Nothing,
        ),
        WaitFor => py(
            "with cond:\n    cond.wait_for(lambda: ready.value, timeout=1)",
            "wait_for() checks its predicate before it sleeps: a change made and notified earlier is not missed",
            &[w("condition", "wait_for_checks_the_predicate_first", r#"{"returned_at_once": true, "result": true}"#)],
            Lab::Nothing,
        ),
        NotifyUnlocked => py(
            "cond.notify()  # without the lock: AssertionError",
            "a multiprocessing Condition's notify() without its lock held fails an assert, AssertionError (python -O skips the check); threading's raises RuntimeError",
            &[
                w("condition", "notify_without_holding_the_lock_raises", r#"{"raised": "AssertionError"}"#),
                w("condition", "threading_notify_without_the_lock_raises", r#"{"raised": "RuntimeError"}"#),
            ],
            Lab::Nothing,
        ),
    }
}
