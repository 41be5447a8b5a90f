//! The counter lab's lines: a Value with and without its lock, the
//! manager's proxy, and a lock whose holder was terminated.

use crate::app::claims::{Lab, LabCheck, claims, py, w};

const RACY: &str = r#"{"every_run_lost": true, "losses_vary": true}"#;

claims! {
    /// The counter lab's lines, its panel's and its verdicts'.
    Counter {
        RacySetup => py(
            "v = Value('i', 0, lock=False)",
            "a shared int with no lock: two processes adding 1 lose updates, a varying number each run",
            &[w("counter", "racy_value_loses", RACY)],
            Lab::Same(LabCheck::CounterRacy),
        ),
        RacyStep => py(
            "v.value += 1  # read, add, write",
            "+= on a Value is a read and a write: two processes that read the same value both write value+1",
            &[w("counter", "racy_value_loses", RACY)],
            Lab::Same(LabCheck::CounterRacy),
        ),
        /// Slow motion: the read and the write pulled apart.
        RacySlow => py(
            "t = v.value; time.sleep(0.3)\nv.value = t + 1",
            "with a pause between read and write, two processes read the same value nearly every time",
            &[w("counter", "slow_motion", r#"{"racy_lost": true}"#)],
            Lab::Nothing,
        ),
        LockedSetup => py(
            "v = Value('i', 0)  # with a lock",
            "Value has a lock by default, but v.value += 1 alone does not take it: still racy",
            &[w("counter", "value_with_lock_still_races", r#"{"every_run_lost": true}"#)],
            Lab::Nothing,
        ),
        LockedStep => py(
            "with v.get_lock():\n    v.value += 1",
            "with the Value's lock held around the read and the write, no update is lost",
            &[w("counter", "locked_value_exact", r#"{"lost": 0}"#)],
            Lab::Same(LabCheck::CounterLocked),
        ),
        LockedSlow => py(
            "with v.get_lock():\n    t = v.value; time.sleep(0.3)\n    v.value = t + 1",
            "with the lock held across the pause, no update is lost",
            &[w("counter", "slow_motion", r#"{"locked_lost": 0}"#)],
            Lab::Nothing,
        ),
        AtomicSetup => py(
            "# no multiprocessing equivalent",
            "a Value offers value, get_lock(), acquire() and release(): no atomic add",
            &[w("counter", "no_atomic_add", r#"{"methods": ["acquire", "get_lock", "get_obj", "release", "value"]}"#)],
            Lab::Nothing,
        ),
        AtomicStep => py(
            "# one atomic add (C: atomic_fetch_add)",
            "Python has no atomic add for a Value",
            &[w("counter", "no_atomic_add", r#"{"methods": ["acquire", "get_lock", "get_obj", "release", "value"]}"#)],
            Lab::Nothing,
        ),
        /// Slow motion, atomic: the add, then the pause.
        AtomicSlow => py(
            "# one atomic add (C: atomic_fetch_add)\ntime.sleep(0.3)",
            "Python has no atomic add for a Value; slow motion pauses after each add so a person can follow",
            &[w("counter", "no_atomic_add", r#"{"methods": ["acquire", "get_lock", "get_obj", "release", "value"]}"#)],
            Lab::Nothing,
        ),
        /// The same on one line, for the short panel.
        AtomicSlowLine => py(
            "time.sleep(0.3)  # after one atomic add (C: atomic_fetch_add)",
            "Python has no atomic add for a Value",
            &[w("counter", "no_atomic_add", r#"{"methods": ["acquire", "get_lock", "get_obj", "release", "value"]}"#)],
            Lab::Nothing,
        ),
        /// Slow motion's racy step on one line, for the short panel.
        RacySlowLine => py(
            "t = v.value; time.sleep(0.3); v.value = t + 1",
            "with a pause between read and write, two processes read the same value nearly every time",
            &[w("counter", "slow_motion", r#"{"racy_lost": true}"#)],
            Lab::Nothing,
        ),
        /// Slow motion's locked step on one line, for the short panel.
        LockedSlowLine => py(
            "with v.get_lock(): t = v.value; time.sleep(0.3); v.value = t + 1",
            "with the lock held across the pause, no update is lost",
            &[w("counter", "slow_motion", r#"{"locked_lost": 0}"#)],
            Lab::Nothing,
        ),
        /// The manager, defined as the lab's manager works: one request
        /// and one reply per increment, applied by the server.
        ManagerDefined => py(
            "class Counter:\n    def __init__(self): self.n = 0\n    def increment(self): self.n += 1; return self.n\nclass CounterManager(BaseManager): pass\nCounterManager.register('Counter', Counter)",
            "a manager's server process holds the Counter; proxies call it one request at a time",
            &[w("counter", "manager_counter_exact", r#"{"lost": 0, "server_exitcode": 0}"#)],
            Lab::Same(LabCheck::CounterManager),
        ),
        ManagerStart => py(
            "manager = CounterManager(); manager.start()",
            "start() starts the manager's server process",
            &[w("counter", "manager_counter_exact", r#"{"server_exitcode": 0}"#)],
            Lab::Same(LabCheck::CounterManager),
        ),
        ManagerSetup => py(
            "c = manager.Counter()  # a proxy",
            "a proxy: every call is a request to the server and a reply",
            &[w("counter", "manager_counter_exact", r#"{"lost": 0}"#)],
            Lab::Same(LabCheck::CounterManager),
        ),
        ManagerStep => py(
            "c.increment()  # a request, a reply",
            "the server applies one increment per request: exact, and slow",
            &[w("counter", "manager_counter_exact", r#"{"lost": 0}"#)],
            Lab::Same(LabCheck::CounterManager),
        ),
        /// The standard manager's Value with its Lock, four round trips an
        /// increment.
        ManagerValue => py(
            "with Manager() as m:\n    v = m.Value('i', 0); lock = m.Lock()\n    # in each worker: with lock: v.value += 1",
            "a manager's Value and Lock: exact with the lock (four round trips an increment), racy without it",
            &[
                w("counter", "manager_value_with_lock_exact", r#"{"lost": 0}"#),
                w("counter", "manager_value_without_lock_races", r#"{"every_run_lost": true}"#),
            ],
            Lab::Nothing,
        ),
        /// Slow motion, manager: the round trip, then the pause.
        ManagerSlow => py(
            "c.increment()  # a request, a reply\ntime.sleep(0.3)",
            "the server applies one increment per request; slow motion pauses after each",
            &[w("counter", "manager_counter_exact", r#"{"lost": 0}"#)],
            Lab::Same(LabCheck::CounterManager),
        ),
        /// The same on one line, for the short panel.
        ManagerSlowLine => py(
            "c.increment(); time.sleep(0.3)  # a request, a reply",
            "the server applies one increment per request",
            &[w("counter", "manager_counter_exact", r#"{"lost": 0}"#)],
            Lab::Same(LabCheck::CounterManager),
        ),
        ManagerLost => py(
            "c.increment()  # raises ConnectionError: the server is gone",
            "a proxy call after the server died raises a ConnectionError (reset or broken pipe); uncaught, exitcode 1",
            &[
                w("counter", "manager_killed_mid_run", r#"{"a_connection_error": true, "exitcode": 1}"#),
                w("counter", "manager_gone", r#"{"raises": {"connected": "BrokenPipeError", "not_yet_connected": "BrokenPipeError"}}"#),
            ],
            Lab::Same(LabCheck::CounterManagerLost),
        ),
        Workers => py(
            "ps = [Process(...) for _ in range({n})]",
            "n processes, started together",
            &[w("counter", "racy_value_loses", r#"{"every_run_lost": true}"#)],
            Lab::Nothing,
        ),
        StartAll => py(
            "for p in ps: p.start()  # {n} x {count}",
            "every worker adds 1 count times",
            &[w("counter", "racy_value_loses", r#"{"every_run_lost": true}"#)],
            Lab::Same(LabCheck::CounterRacy),
        ),
        StopAll => py(
            "for p in ps: p.terminate()",
            "SIGTERM to every worker: each ends with -15 wherever it was",
            &[w("lifecycle", "exitcode_terminate", r#"{"exitcode": -15}"#)],
            Lab::Same(LabCheck::Terminate),
        ),
        JoinAll => py(
            "for p in ps: p.join()  # v.value == {count}",
            "once every worker is joined, v.value is the final count",
            &[w("counter", "locked_value_exact", r#"{"lost": 0}"#)],
            Lab::Same(LabCheck::CounterLocked),
        ),
        /// A holder terminated inside its critical section.
        HolderTerminated => py(
            "p.terminate()  # inside 'with lock:'",
            "a process terminated while holding a multiprocessing lock leaves it held: no finally runs",
            &[
                w("counter", "lock_holder_terminated", r#"{"holder_exit": -15, "next_locker": "hang"}"#),
                w("lifecycle", "exitcode_terminate", r#"{"finally_ran": false}"#),
            ],
            Lab::Nothing,
        ),
        NoFinally => py(
            "# finally: never ran, the lock stays held",
            "SIGTERM kills the process before any finally block",
            &[w("lifecycle", "exitcode_terminate", r#"{"finally_ran": false}"#)],
            Lab::Nothing,
        ),
        NextLockerHangs => py(
            "lock.acquire()  # Python: hangs forever",
            "a multiprocessing lock has no owner-died state: the next acquire() waits forever",
            &[w("counter", "lock_holder_terminated", r#"{"next_locker": "hang"}"#)],
            Lab::Nothing,
        ),
        // The lessons' lines.
        /// A lesson's step.
        RacySlowLoop => py(
            "v = Value('i', 0, lock=False)\n# in each worker, 10 times:\nt = v.value; time.sleep(0.3)\nv.value = t + 1",
            "with a pause between the read and the write, both workers read the same value nearly every time",
            &[w("counter", "slow_motion", r#"{"racy_lost": true}"#)],
            Lab::Nothing,
        ),
        /// A lesson's step.
        LockedOneLine => py(
            "with v.get_lock(): v.value += 1",
            "the lock held around read and write: exact",
            &[w("counter", "locked_value_exact", r#"{"lost": 0}"#)],
            Lab::Same(LabCheck::CounterLocked),
        ),
        /// A lesson's step.
        LockedLoop => py(
            "for _ in range(1_000_000):\n    with v.get_lock():\n        v.value += 1",
            "a million locked increments each: exact",
            &[w("counter", "locked_value_exact", r#"{"lost": 0}"#)],
            Lab::Same(LabCheck::CounterLocked),
        ),
        /// A lesson's step.
        NoAtomicAdd => py(
            "# no Python equivalent: one atomic fetch-and-add",
            "a Value has no atomic add",
            &[w("counter", "no_atomic_add", r#"{"methods": ["acquire", "get_lock", "get_obj", "release", "value"]}"#)],
            Lab::Nothing,
        ),
        /// A lesson's step.
        ManagerUse => py(
            "manager = CounterManager(); manager.start()\nc = manager.Counter()\nc.increment()  # a request to the server, a reply",
            "the server applies each increment: exact, a round trip each",
            &[w("counter", "manager_counter_exact", r#"{"lost": 0, "server_exitcode": 0}"#)],
            Lab::Same(LabCheck::CounterManager),
        ),
    }
}
