"""A racy and a locked shared Value.

`counter.value += 1` is a read and then a write: the Value's lock is
taken for each of them, not around both, so two processes can read the
same number and both write it plus one; one increment is lost. Taking
the lock around the whole update (`with counter.get_lock():`) loses none.

    python3 racy_counter.py [INCREMENTS]  # MP_START=spawn to spawn instead
"""

import multiprocessing as mp
import os
import sys

INCREMENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000  # per process


def racy(counter):
    for _ in range(INCREMENTS):
        counter.value += 1


def locked(counter):
    for _ in range(INCREMENTS):
        with counter.get_lock():
            counter.value += 1


def run(target, label):
    counter = mp.Value("i", 0)
    procs = [mp.Process(target=target, args=(counter,)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    lost = 2 * INCREMENTS - counter.value
    print(f"{label}: {counter.value} of {2 * INCREMENTS} ({lost} lost)")


if __name__ == "__main__":
    if os.environ.get("MP_START"):
        mp.set_start_method(os.environ["MP_START"])
    run(racy, "racy")
    run(locked, "locked")
