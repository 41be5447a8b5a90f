"""Event, Semaphore, Barrier and Condition between processes, and what a
process that dies holding one does to the others."""

import multiprocessing as mp
import sys
import threading
import time

from witness import HANG, RAISED, RETURNED, case, outcome, run, wait_for


def waits_for(e):
    e.wait()
    sys.exit(RETURNED)


def inside(sem, busy, most, n=3):
    """with sem: ..., counting how many are inside at once."""
    for _ in range(n):
        with sem:
            with busy.get_lock():
                busy.value += 1
                most.value = max(most.value, busy.value)
            time.sleep(0.05)
            with busy.get_lock():
                busy.value -= 1


def holds_forever(sem, got):
    sem.acquire()
    got.set()
    while True:
        time.sleep(0.01)


def acquires(sem):
    sem.acquire()
    sys.exit(RETURNED)


def at_barrier(b, timeout=None):
    try:
        b.wait(timeout)
    except threading.BrokenBarrierError:
        sys.exit(RAISED)
    sys.exit(RETURNED)


def most_inside(permits, workers=4, release=0):
    sem = mp.Semaphore(permits)
    for _ in range(release):
        sem.release()
    busy, most = mp.Value("i", 0), mp.Value("i", 0)
    ps = [mp.Process(target=inside, args=(sem, busy, most)) for _ in range(workers)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    return most.value


@case
def event_wait_and_set():
    e = mp.Event()
    p = mp.Process(target=waits_for, args=(e,))
    p.start()
    p.join(0.3)
    blocked = p.is_alive()
    e.set()
    after_set = outcome(p) == RETURNED
    late = mp.Process(target=waits_for, args=(e,))
    late.start()
    passes = outcome(late) == RETURNED
    e.clear()
    again = mp.Process(target=waits_for, args=(e,))
    again.start()
    return {"wait_blocks_until_set": blocked, "set_releases_waiters": after_set,
            "later_waits_pass": passes, "after_clear": outcome(again),
            "wait_timeout_returns": e.wait(0.1)}


@case
def semaphore_limits():
    """Semaphore(2): at most two inside at once; sem.release() adds a
    permit (a Semaphore has no upper bound); a BoundedSemaphore refuses."""
    b = mp.BoundedSemaphore(2)
    try:
        b.release()
        bounded = "allowed"
    except ValueError as e:
        bounded = f"ValueError: {e}"
    return {"most_inside": most_inside(2), "most_after_release": most_inside(2, release=1),
            "bounded_release": bounded}


@case
def semaphore_acquire_in_parent():
    """sem.acquire() in the parent keeps a permit: one fewer for workers."""
    sem = mp.Semaphore(2)
    sem.acquire()
    busy, most = mp.Value("i", 0), mp.Value("i", 0)
    ps = [mp.Process(target=inside, args=(sem, busy, most)) for _ in range(3)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    return {"most_inside": most.value}


@case
def semaphore_holder_killed():
    """A process killed holding a permit never gives it back."""
    sem, got = mp.Semaphore(1), mp.Event()
    holder = mp.Process(target=holds_forever, args=(sem, got))
    holder.start()
    got.wait(5)
    holder.kill()
    holder.join()
    p = mp.Process(target=acquires, args=(sem,))
    p.start()
    return {"next_acquire": "hang" if outcome(p) == "hang" else "got it"}


@case
def barrier_fills():
    b = mp.Barrier(3)
    ps = [mp.Process(target=at_barrier, args=(b,)) for _ in range(3)]
    for p in ps[:2]:
        p.start()
    time.sleep(0.2)
    two_wait = all(p.is_alive() for p in ps[:2])
    ps[2].start()
    return {"two_of_three_wait": two_wait, "all_three": [outcome(p) == RETURNED for p in ps]}


@case
def barrier_parties_fixed():
    b = mp.Barrier(3)
    try:
        b.parties = 4
        change = "allowed"
    except AttributeError:
        change = "AttributeError"
    return {"parties": b.parties, "set_parties": change}


@case
def barrier_party_missing():
    """Barrier(3) with two parties: b.wait() blocks forever."""
    b = mp.Barrier(3)
    ps = [mp.Process(target=at_barrier, args=(b,)) for _ in range(2)]
    for p in ps:
        p.start()
    return {"waiters": [outcome(p) for p in ps]}


@case
def barrier_party_killed_while_waiting():
    """A party killed inside b.wait(): its arrival counted, and the last
    party to arrive wakes the sleepers; it waits for each, the dead one
    too, and never returns."""
    b = mp.Barrier(3)
    first = mp.Process(target=at_barrier, args=(b,))
    first.start()
    wait_for(lambda: b.n_waiting == 1, 5)
    first.kill()
    first.join()
    counted = b.n_waiting
    ps = [mp.Process(target=at_barrier, args=(b,)) for _ in range(2)]
    for p in ps:
        p.start()
    return {"n_waiting_after_the_kill": counted, "others": [outcome(p) for p in ps]}


@case
def barrier_broken():
    """b.wait(timeout) that expires breaks the barrier: that waiter and
    every other raise BrokenBarrierError, and so does every later wait."""
    b = mp.Barrier(3)
    patient = mp.Process(target=at_barrier, args=(b,))
    patient.start()
    wait_for(lambda: b.n_waiting == 1, 5)
    hasty = mp.Process(target=at_barrier, args=(b, 0.3))
    hasty.start()
    results = {"timed_out_waiter": outcome(hasty), "other_waiter": outcome(patient)}
    later = mp.Process(target=at_barrier, args=(b,))
    later.start()
    results["later_wait"] = outcome(later)
    results["broken"] = b.broken
    b.reset()
    results["broken_after_reset"] = b.broken
    return {k: ("BrokenBarrierError" if v == RAISED else v) for k, v in results.items()}


def waits_on(cond, flag):
    with cond:
        cond.wait_for(lambda: flag.value == 1)
    sys.exit(RETURNED)


@case
def condition_notify():
    cond, flag = mp.Condition(), mp.Value("i", 0)
    p = mp.Process(target=waits_on, args=(cond, flag))
    p.start()
    p.join(0.3)
    waits = p.is_alive()
    with cond:
        flag.value = 1
        cond.notify_all()
    with cond:
        timed = cond.wait(0.1)
    return {"waits_until_notified": waits, "wakes": outcome(p) == RETURNED,
            "wait_timeout_returns": timed}


if __name__ == "__main__":
    run()
