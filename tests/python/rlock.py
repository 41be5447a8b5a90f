"""Lock and RLock between processes: taking a lock again, who may release
it, and a child deadlocked on its own Lock."""

import multiprocessing as mp
import sys

from witness import HANG, RETURNED, case, outcome, run, wait_state


@case
def a_lock_acquired_again_by_its_owner_blocks():
    """lock.acquire() twice in one process: the second waits for a release
    that only this process could make."""
    lock = mp.Lock()
    lock.acquire()
    second = lock.acquire(timeout=HANG)
    return {"second_acquire": second}


def acquires_briefly(lock):
    """Exits RETURNED if it gets ``lock`` within a short timeout."""
    if lock.acquire(timeout=0.3):
        lock.release()
        sys.exit(RETURNED)


def free(lock):
    """Another process can take ``lock``."""
    p = mp.Process(target=acquires_briefly, args=(lock,))
    p.start()
    return outcome(p) == RETURNED


@case
def an_rlock_acquired_again_by_its_owner_returns():
    """An RLock counts its owner's acquires: it is free again only after
    as many releases."""
    lock = mp.RLock()
    lock.acquire()
    second = lock.acquire(timeout=HANG)
    lock.release()
    after_one = free(lock)
    lock.release()
    after_two = free(lock)
    return {"second_acquire": second, "free_after_one_release": after_one,
            "free_after_two_releases": after_two}


def takes_twice(lock):
    with lock:
        with lock:  # a Lock: waits for itself, forever
            pass
    sys.exit(RETURNED)


@case
def a_deadlocked_child_is_ended_by_terminate():
    """A child that takes its Lock twice never ends: join(timeout) returns
    with it alive, and terminate() (SIGTERM) ends it."""
    lock = mp.Lock()
    p = mp.Process(target=takes_twice, args=(lock,))
    p.start()
    p.join(HANG)
    joined = not p.is_alive()
    wait_state(p.pid, "S")  # asleep in the second acquire
    p.terminate()
    p.join(HANG)
    return {"joined_in_time": joined, "exitcode": p.exitcode}


def reports_release(lock, q):
    """Puts None if it may release ``lock``, else its exception's name."""
    try:
        lock.release()
        q.put(None)
    except Exception as e:
        q.put(type(e).__name__)


def released_by_another(lock):
    """What another process's lock.release() did: None, or what it raised."""
    q = mp.SimpleQueue()
    p = mp.Process(target=reports_release, args=(lock, q))
    p.start()
    p.join(HANG)
    return q.get() if not q.empty() else "nothing"


@case
def an_rlock_released_by_another_process_raises():
    """An RLock knows its owner: a release from another process raises
    (AssertionError, 'attempt to release recursive lock not owned by
    thread', from C: python3 -O does not remove it)."""
    lock = mp.RLock()
    lock.acquire()
    return {"raised": released_by_another(lock)}


@case
def a_lock_can_be_released_by_another_process():
    """A Lock is a semaphore of one: any process may release it, and the
    next acquire then succeeds."""
    lock = mp.Lock()
    lock.acquire()
    raised = released_by_another(lock)
    return {"released": raised is None and lock.acquire(timeout=HANG)}


if __name__ == "__main__":
    run()
