"""Processes on a CPU-bound task.

Counting primes is pure Python work: it holds the GIL all the time. Each
process has its own interpreter and its own GIL, so four processes can
keep every core busy. Compare with cpu_threads.py, the same work in
threads.

    python3 cpu_processes.py [LIMIT]    # MP_START=spawn to spawn instead
"""

import multiprocessing as mp
import os
import sys
import time

LIMIT = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
TASKS = 4


def count_primes(lo, hi):
    """Primes in [lo, hi), by trial division: slow on purpose."""
    count = 0
    for n in range(max(lo, 2), hi):
        if all(n % d for d in range(2, int(n**0.5) + 1)):
            count += 1
    return count


def worker(lo, hi, results):
    results.put((lo, count_primes(lo, hi)))


def main():
    step = LIMIT // TASKS
    ranges = [(i * step, (i + 1) * step) for i in range(TASKS)]
    start = time.perf_counter()
    results = mp.Queue()
    procs = [
        mp.Process(target=worker, args=(lo, hi, results), name=f"primes-{i}")
        for i, (lo, hi) in enumerate(ranges)
    ]
    for p in procs:
        p.start()
    # Get the results before joining: a child that has put on a Queue
    # does not end until what it put has gone into the pipe.
    counts = dict(results.get() for _ in procs)
    for p in procs:
        p.join()
    print(f"primes below {LIMIT}: {sum(counts.values())}")
    print(f"{TASKS} processes took {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    if os.environ.get("MP_START"):
        mp.set_start_method(os.environ["MP_START"])
    main()
