//! The sync lab's lines: an Event, a Semaphore(k) and a Barrier between
//! processes, and a party that dies holding or waiting on one.

use crate::app::claims::{Lab, LabCheck, claims, py, w};

claims! {
    /// The sync lab's lines and its panel's.
    Sync {
        Make => py(
            "e = Event(); sem = Semaphore({k}); b = Barrier({n})",
            "an Event, a Semaphore with k permits and a Barrier of n parties, shared by the workers",
            &[
                w("sync", "semaphore_limits", r#"{"most_inside": 2}"#),
                w("sync", "barrier_fills", r#"{"two_of_three_wait": true, "all_three": [true, true, true]}"#),
            ],
            Lab::Same(LabCheck::SemaphoreLimit),
        ),
        WorkerStart => py(
            "{p}.start()  # worker(e, sem, b)",
            "each worker waits for the event, takes a permit, then meets the others at the barrier",
            &[w("sync", "event_wait_and_set", r#"{"wait_blocks_until_set": true}"#)],
            Lab::Nothing,
        ),
        EventWait => py(
            "e.wait()",
            "wait() blocks until the event is set; once set, every wait passes",
            &[w("sync", "event_wait_and_set", r#"{"wait_blocks_until_set": true, "later_waits_pass": true}"#)],
            Lab::Nothing,
        ),
        EventSet => py(
            "e.set()",
            "set() releases every waiter, and later waits pass at once",
            &[w("sync", "event_wait_and_set", r#"{"set_releases_waiters": true, "later_waits_pass": true}"#)],
            Lab::Nothing,
        ),
        EventClear => py(
            "e.clear()",
            "after clear(), wait() blocks again",
            &[w("sync", "event_wait_and_set", r#"{"after_clear": "hang", "wait_timeout_returns": false}"#)],
            Lab::Nothing,
        ),
        WithSem => py(
            "with sem: ...",
            "at most k processes inside at once",
            &[w("sync", "semaphore_limits", r#"{"most_inside": 2}"#)],
            Lab::Same(LabCheck::SemaphoreLimit),
        ),
        Release => py(
            "sem.release()  # one more permit",
            "a Semaphore has no upper bound: release() adds a permit (a BoundedSemaphore refuses)",
            &[w("sync", "semaphore_limits", r#"{"most_after_release": 3, "bounded_release": "ValueError: semaphore or lock released too many times"}"#)],
            Lab::Nothing,
        ),
        Acquire => py(
            "sem.acquire()  # the parent keeps one",
            "a permit the parent holds is one fewer for the workers",
            &[w("sync", "semaphore_acquire_in_parent", r#"{"most_inside": 1}"#)],
            Lab::Nothing,
        ),
        BarrierWait => py(
            "b.wait()",
            "wait() blocks until all parties have arrived, then all go on together",
            &[w("sync", "barrier_fills", r#"{"two_of_three_wait": true, "all_three": [true, true, true]}"#)],
            Lab::Nothing,
        ),
        NewBarrier => py(
            "b = Barrier({n})",
            "a Barrier's parties are fixed: another number of parties is a new Barrier",
            &[w("sync", "barrier_parties_fixed", r#"{"parties": 3, "set_parties": "AttributeError"}"#)],
            Lab::Nothing,
        ),
        /// A worker died inside `with sem:`.
        PermitLost => py(
            "{ended}  # inside 'with sem:'",
            "a process that dies holding a permit never gives it back",
            &[w("sync", "semaphore_holder_killed", r#"{"next_acquire": "hang"}"#)],
            Lab::Same(LabCheck::SemaphoreHolderKilled),
        ),
        /// A worker died inside `b.wait()`.
        DiedAtBarrier => py(
            "{ended}  # inside b.wait(): it hangs now",
            "its arrival counted, but the last party to arrive waits for it to wake, forever: every later party hangs",
            &[w("sync", "barrier_party_killed_while_waiting", r#"{"n_waiting_after_the_kill": 1, "others": ["hang", "hang"]}"#)],
            Lab::Same(LabCheck::BarrierDeadWaiter),
        ),
        PartyMissing => py(
            "b.wait()  # hangs: a party is gone",
            "with fewer live parties than the barrier needs, wait() blocks forever",
            &[w("sync", "barrier_party_missing", r#"{"waiters": ["hang", "hang"]}"#)],
            Lab::Same(LabCheck::BarrierMissing),
        ),
        BrokenBarrier => py(
            "b.wait(timeout=1)  # BrokenBarrierError when it expires",
            "a wait that times out breaks the barrier: it, every other waiter and every later wait raise BrokenBarrierError until reset()",
            &[w("sync", "barrier_broken", r#"{"timed_out_waiter": "BrokenBarrierError", "other_waiter": "BrokenBarrierError", "later_wait": "BrokenBarrierError", "broken": true, "broken_after_reset": false}"#)],
            Lab::Nothing,
        ),
        Condition => py(
            "with cond: cond.wait_for(lambda: ready.value)",
            "wait_for() sleeps until notified with the predicate true; wait(timeout) returns False when it expires",
            &[w("sync", "condition_notify", r#"{"waits_until_notified": true, "wakes": true, "wait_timeout_returns": false}"#)],
            Lab::Nothing,
        ),
        // The lessons' lines.
        /// A lesson's step.
        SemaphoreSection => py(
            "with sem: # sem = Semaphore(2)\n    use_the_database()",
            "at most two inside at once",
            &[w("sync", "semaphore_limits", r#"{"most_inside": 2}"#)],
            Lab::Same(LabCheck::SemaphoreLimit),
        ),
        /// A lesson's step.
        NewParty => py(
            "{p} = Process(target=worker, args=(e, sem, b))\n{p}.start()",
            "a new party: the barrier fills when it arrives",
            &[w("sync", "barrier_fills", r#"{"all_three": [true, true, true]}"#)],
            Lab::Nothing,
        ),
        /// A lesson's step.
        BarrierForever => py(
            "b.wait() # blocks forever",
            "a barrier that can no longer fill holds its waiters forever",
            &[w("sync", "barrier_party_missing", r#"{"waiters": ["hang", "hang"]}"#)],
            Lab::Same(LabCheck::BarrierMissing),
        ),
    }
}
