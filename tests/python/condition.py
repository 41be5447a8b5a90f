"""A Condition between processes: a bounded buffer on a shared Array, the
lost wake-up, wait_for, and who must hold the lock."""

import multiprocessing as mp
import threading
import time

from witness import HANG, case, run, wait_for

SLOTS = 4
ITEMS = 200


def produce(cond, buf, count, n):
    tail = 0
    for item in range(n):
        with cond:
            if not cond.wait_for(lambda: count.value < len(buf), 10):
                return
            buf[tail] = item
            count.value += 1
            cond.notify()
        tail = (tail + 1) % len(buf)


def consume(cond, buf, count, got, n):
    head = 0
    for i in range(n):
        with cond:
            if not cond.wait_for(lambda: count.value > 0, 10):
                return
            got[i] = buf[head]
            count.value -= 1
            cond.notify()
        head = (head + 1) % len(buf)


@case
def a_bounded_buffer_on_condition_and_array_loses_nothing():
    """A producer and a consumer process share a ring of 4 slots (an
    Array) and the count of full ones (a Value); neither has a lock of
    its own: the Condition's lock guards them."""
    cond = mp.Condition()
    buf = mp.Array("i", SLOTS, lock=False)
    count = mp.Value("i", 0, lock=False)
    got = mp.Array("i", [-1] * ITEMS, lock=False)
    ps = [mp.Process(target=produce, args=(cond, buf, count, ITEMS)),
          mp.Process(target=consume, args=(cond, buf, count, got, ITEMS))]
    for p in ps:
        p.start()
    for p in ps:
        p.join(10)
    return {"all_arrived_in_order": list(got) == list(range(ITEMS))
            and all(p.exitcode == 0 for p in ps)}


def notifies(cond):
    with cond:
        cond.notify()


@case
def a_notify_before_the_wait_is_lost():
    """Another process calls notify() (and ends) before this wait()
    starts: a Condition keeps no record of it, and the wait times out."""
    cond = mp.Condition()
    p = mp.Process(target=notifies, args=(cond,))
    p.start()
    p.join()
    with cond:
        woken = cond.wait(timeout=HANG)
    return {"woken": woken}


def sets_flag(cond, flag):
    with cond:
        flag.value = 1
        cond.notify()


@case
def wait_for_checks_the_predicate_first():
    """The same notify before the wait, but wait_for(predicate) tests the
    shared flag before it waits, and returns at once."""
    cond, flag = mp.Condition(), mp.Value("i", 0)
    p = mp.Process(target=sets_flag, args=(cond, flag))
    p.start()
    p.join()
    with cond:
        t = time.monotonic()
        result = cond.wait_for(lambda: flag.value == 1, timeout=HANG)
        took = time.monotonic() - t
    return {"returned_at_once": took < HANG / 3, "result": result}


def waits_long(cond, ready):
    with cond:
        ready.value = 1  # set while holding the lock
        cond.wait(timeout=10 * HANG)


@case
def wait_releases_the_lock_while_it_waits():
    """A child takes the Condition, sets a flag and waits; the parent,
    seeing the flag, can take the lock while the child is still inside
    its 'with cond:' (in wait())."""
    cond, ready = mp.Condition(), mp.Value("i", 0)
    p = mp.Process(target=waits_long, args=(cond, ready))
    p.start()
    wait_for(lambda: ready.value == 1, 5)
    got, waiting = cond.acquire(timeout=HANG), False
    if got:
        waiting = p.is_alive()
        cond.notify()
        cond.release()
    p.join(HANG)
    return {"other_process_acquired": got and waiting}


@case
def notify_without_holding_the_lock_raises():
    """multiprocessing's Condition.notify() checks with an assert
    statement ('lock is not owned'); under python3 -O it does not."""
    cond = mp.Condition()
    try:
        cond.notify()
        raised = None
    except Exception as e:
        raised = type(e).__name__
    return {"raised": raised}


@case
def threading_notify_without_the_lock_raises():
    """threading's Condition.notify() raises RuntimeError."""
    try:
        threading.Condition().notify()
        raised = None
    except Exception as e:
        raised = type(e).__name__
    return {"raised": raised}


def writes(arr):
    for i in range(len(arr)):
        arr[i] = i * i


@case
def an_array_is_shared_in_place():
    arr = mp.Array("i", 8)
    p = mp.Process(target=writes, args=(arr,))
    p.start()
    p.join()
    return {"parent_sees_child_writes": list(arr) == [i * i for i in range(8)]}


if __name__ == "__main__":
    run()
