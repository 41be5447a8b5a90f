"""CPython's side of the counter benchmark: a shared counter incremented by
two processes, the ways multiprocessing offers.

- value_lock: Value('i') and `with v.get_lock(): v.value += 1`
- racy: Value('i', lock=False) and `v.value += 1`: the updates lost
- manager_lock: Manager().Value and Manager().Lock(), `with l: v.value += 1`
  (four round trips to the server per increment: acquire, get, set, release)
- manager_proxy: a registered Counter with an increment() method, one
  round trip per increment (what proclab's manager mode does)

Both workers wait at a Barrier and time themselves with perf_counter
(CLOCK_MONOTONIC, one clock for every process), so process start-up is not
counted. Prints one JSON object. Run by benches/counter.rs in the same run as
proclab's figures.
"""

import json
import multiprocessing as mp
import statistics
import sys
import threading
import time
from multiprocessing.managers import BaseManager

WORKERS = 2


class Counter:
    def __init__(self):
        self.value = 0
        self.lock = threading.Lock()

    def increment(self):
        with self.lock:
            self.value += 1
            return self.value

    def get(self):
        return self.value


class CounterManager(BaseManager):
    pass


CounterManager.register("Counter", Counter)


def value_lock(v, n, barrier, times, i):
    barrier.wait()
    t = time.perf_counter()
    for _ in range(n):
        with v.get_lock():
            v.value += 1
    times[2 * i] = t
    times[2 * i + 1] = time.perf_counter()


def racy(v, n, barrier, times, i):
    barrier.wait()
    t = time.perf_counter()
    for _ in range(n):
        v.value += 1
    times[2 * i] = t
    times[2 * i + 1] = time.perf_counter()


def manager_lock(v, lock, n, barrier, times, i):
    barrier.wait()
    t = time.perf_counter()
    for _ in range(n):
        with lock:
            v.value += 1
    times[2 * i] = t
    times[2 * i + 1] = time.perf_counter()


def manager_proxy(c, n, barrier, times, i):
    barrier.wait()
    t = time.perf_counter()
    for _ in range(n):
        c.increment()
    times[2 * i] = t
    times[2 * i + 1] = time.perf_counter()


def run(target, shared, n):
    """Runs WORKERS processes of `target`; returns the wall time of the
    increments, from the first start to the last end."""
    barrier = mp.Barrier(WORKERS)
    times = mp.Array("d", 2 * WORKERS, lock=False)
    ps = [
        mp.Process(target=target, args=(*shared, n, barrier, times, i))
        for i in range(WORKERS)
    ]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    return max(times[1::2]) - min(times[0::2])


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    n_lock = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
    n_racy = int(sys.argv[3]) if len(sys.argv) > 3 else 200_000
    n_manager = int(sys.argv[4]) if len(sys.argv) > 4 else 2_000
    n_proxy = int(sys.argv[5]) if len(sys.argv) > 5 else 5_000
    racy_rounds = int(sys.argv[6]) if len(sys.argv) > 6 else rounds
    out = {"python": sys.version.split()[0], "start_method": mp.get_start_method()}

    rates = []
    for _ in range(rounds):
        v = mp.Value("i", 0)
        secs = run(value_lock, (v,), n_lock)
        assert v.value == WORKERS * n_lock
        rates.append(WORKERS * n_lock / secs)
    out["value_lock"] = {"n": n_lock, "rate": statistics.median(rates), "rates": rates}

    lost = []
    for _ in range(racy_rounds):
        v = mp.Value("i", 0, lock=False)
        run(racy, (v,), n_racy)
        lost.append(WORKERS * n_racy - v.value)
    out["racy"] = {"n": n_racy, "lost": lost, "median_lost": statistics.median(lost)}

    rates = []
    with mp.Manager() as m:
        for _ in range(rounds):
            v = m.Value("i", 0)
            lock = m.Lock()
            secs = run(manager_lock, (v, lock), n_manager)
            assert v.value == WORKERS * n_manager
            rates.append(WORKERS * n_manager / secs)
    out["manager_lock"] = {"n": n_manager, "rate": statistics.median(rates), "rates": rates}

    rates = []
    with CounterManager() as m:
        for _ in range(rounds):
            c = m.Counter()
            secs = run(manager_proxy, (c,), n_proxy)
            assert c.get() == WORKERS * n_proxy
            rates.append(WORKERS * n_proxy / secs)
    out["manager_proxy"] = {"n": n_proxy, "rate": statistics.median(rates), "rates": rates}

    print(json.dumps(out))


if __name__ == "__main__":
    main()
