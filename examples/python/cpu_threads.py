"""Threads on the same CPU-bound task as cpu_processes.py.

The threads share one interpreter and one GIL: only the thread holding it
runs Python code, and it is handed over every 5 ms
(sys.getswitchinterval()). Four threads of pure Python work take about
as long as doing the four tasks one after the other, on one core.

    python3 cpu_threads.py [LIMIT]
"""

import sys
import threading
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


def main():
    step = LIMIT // TASKS
    counts = [0] * TASKS

    def task(i):
        counts[i] = count_primes(i * step, (i + 1) * step)

    start = time.perf_counter()
    threads = [threading.Thread(target=task, args=(i,), name=f"primes-{i}") for i in range(TASKS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"primes below {LIMIT}: {sum(counts)}")
    print(f"{TASKS} threads took {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
