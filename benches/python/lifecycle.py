"""CPython's side of the lifecycle benchmark: Process start()+join() under
each start method, and the resident memory of an idle child.

Prints one JSON object. Run by benches/lifecycle.rs in the same run as
proclab's figures, so the two are measured on the same machine and load.
"""

import json
import multiprocessing as mp
import statistics
import sys
import time


def noop():
    pass


def idle():
    time.sleep(60)


def percentile(sorted_values, q):
    i = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[i]


def start_join(method, n):
    ctx = mp.get_context(method)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        p = ctx.Process(target=noop)
        p.start()
        p.join()
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    return {
        "n": n,
        "median_ms": statistics.median(times),
        "p99_ms": percentile(times, 0.99),
    }


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def idle_rss(method):
    ctx = mp.get_context(method)
    p = ctx.Process(target=idle)
    p.start()
    time.sleep(1.0)
    kib = rss_kib(p.pid)
    p.kill()
    p.join()
    return kib


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    out = {"python": sys.version.split()[0]}
    for method, count in (("fork", n), ("forkserver", n), ("spawn", max(20, n // 5))):
        out[method] = start_join(method, count)
    out["idle_rss_kib"] = {"fork": idle_rss("fork"), "spawn": idle_rss("spawn")}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
