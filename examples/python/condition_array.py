"""A bounded buffer on a Condition and a shared Array, and a lost wake-up.

A producer process puts numbers into a ring of 4 slots in an Array, a
slower consumer process takes them out; the Array and a Value that
counts the full slots live in shared memory, and the Condition's lock
guards them. The producer waits on the Condition while all 4 slots are
full, the consumer while none is, and each calls notify() after its
change, to wake the other. Then the lost wake-up: a Condition keeps no
record of a notify() made while nobody waits, so a process that calls
wait() afterwards sleeps until its timeout (wait() returns False).
wait_for() first tests its predicate (a flag the notifier set in shared
memory) and returns True at once. SECONDS is the late wait's timeout,
and how long the consumer takes for all the numbers.

    python3 condition_array.py [SECONDS]  # MP_START=spawn to spawn instead
"""

import multiprocessing as mp
import os
import sys
import time

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5  # the late wait
ITEMS = 100
SLOTS = 4


def producer(cond, buf, count):
    tail = 0  # the next slot to fill: only the producer uses it
    for item in range(ITEMS):
        with cond:
            while count.value == len(buf):  # full: wait for the consumer
                cond.wait()
            buf[tail] = item
            count.value += 1
            cond.notify()
        tail = (tail + 1) % len(buf)


def consumer(cond, buf, count, got):
    head = 0  # the next slot to empty: only the consumer uses it
    for i in range(ITEMS):
        with cond:
            while count.value == 0:  # empty: wait for the producer
                cond.wait()
            got[i] = buf[head]
            count.value -= 1
            cond.notify()
        head = (head + 1) % len(buf)
        time.sleep(SECONDS / ITEMS)  # the work each item takes


def notifier(cond, flag):
    with cond:
        flag.value = 1
        cond.notify()  # nobody is waiting: this wakes no one


def late_waiter(cond, result, took):
    with cond:
        start = time.monotonic()
        result.value = cond.wait(timeout=SECONDS)
        took.value = time.monotonic() - start


def late_wait_for(cond, flag, result, took):
    with cond:
        start = time.monotonic()
        result.value = cond.wait_for(lambda: flag.value == 1, timeout=SECONDS)
        took.value = time.monotonic() - start


def run(target, *args, name):
    p = mp.Process(target=target, args=args, name=name)
    p.start()
    p.join()


def bounded_buffer():
    cond = mp.Condition()
    # No locks of their own: the Condition's lock guards them.
    buf = mp.Array("i", SLOTS, lock=False)
    count = mp.Value("i", 0, lock=False)  # how many slots are full
    got = mp.Array("i", ITEMS, lock=False)  # what the consumer took
    procs = [
        mp.Process(target=producer, args=(cond, buf, count), name="producer"),
        mp.Process(target=consumer, args=(cond, buf, count, got), name="consumer"),
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    print(f"the producer put 0..{ITEMS - 1} through {SLOTS} slots", flush=True)
    in_order = list(got) == list(range(ITEMS))
    print(f"the consumer got all {ITEMS}, in order: {in_order}", flush=True)


def lost_wake_up():
    cond, flag = mp.Condition(), mp.Value("i", 0)
    result, took = mp.Value("i", -1), mp.Value("d", 0.0)
    run(notifier, cond, flag, name="notifier")
    print("notify() with nobody waiting: it is not kept", flush=True)
    run(late_waiter, cond, result, took, name="late-waiter")
    print(f"wait(timeout={SECONDS:g}) after it: {bool(result.value)}, "
          f"after {took.value:.1f} s", flush=True)
    run(late_wait_for, cond, flag, result, took, name="late-wait-for")
    print(f"wait_for(flag set, timeout={SECONDS:g}) after it: "
          f"{bool(result.value)}, after {took.value:.1f} s", flush=True)


if __name__ == "__main__":
    if os.environ.get("MP_START"):
        mp.set_start_method(os.environ["MP_START"])
    bounded_buffer()
    lost_wake_up()
