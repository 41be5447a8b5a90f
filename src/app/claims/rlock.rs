//! A Lock taken again by its holder, against an RLock (the `rlock`
//! lesson, which runs `rlock.py` under the run view).

use super::{Lab, claims, py, w};

claims! {
    /// Re-entry.
    Reentry {
        LockTwice => py(
            "with lock:\n    with lock:  # blocks for ever: a Lock is not re-entrant\n        ...",
            "a Lock taken again by the process that holds it blocks: it waits for itself, for ever",
            &[w("rlock", "a_lock_acquired_again_by_its_owner_blocks", r#"{"second_acquire": false}"#)],
            Lab::Nothing,
        ),
        RLockTwice => py(
            "with rlock:\n    with rlock:  # an RLock lets its holder in again\n        ...",
            "an RLock lets its holder take it again; it is free once released as many times as it was taken",
            &[w("rlock", "an_rlock_acquired_again_by_its_owner_returns", r#"{"second_acquire": true, "free_after_one_release": false, "free_after_two_releases": true}"#)],
            Lab::Nothing,
        ),
        DeadlockEnded => py(
            "p.join(timeout=1); p.terminate()  # a deadlocked child ends by SIGTERM",
            "a child stuck on its own Lock never ends: join(timeout) returns with it alive, and terminate() ends it (exitcode -15)",
            &[w("rlock", "a_deadlocked_child_is_ended_by_terminate", r#"{"joined_in_time": false, "exitcode": -15}"#)],
            Lab::Nothing,
        ),
        RLockOwner => py(
            "rlock.release()  # by a process that does not hold it: AssertionError",
            "an RLock knows its holder: a release by another process fails",
            &[w("rlock", "an_rlock_released_by_another_process_raises", r#"{"raised": "AssertionError"}"#)],
            Lab::Nothing,
        ),
        LockOwner => py(
            "lock.release()  # by a process that does not hold it: allowed",
            "a Lock is a semaphore of one and does not know its holder: another process may release it",
            &[w("rlock", "a_lock_can_be_released_by_another_process", r#"{"released": true}"#)],
            Lab::Nothing,
        ),
    }
}
