"""CPython's side of the pool benchmark: Pool(2) over 20,000 trivial items,
with map at chunksize 1, map at its default chunksize, and imap_unordered at
chunksize 1 (each result consumed as it arrives).

Prints one JSON object. Run by benches/pool.rs in the same run as proclab's
figures, so the two are measured on the same machine and load.
"""

import json
import statistics
import sys
import time
from multiprocessing import Pool


def work(x):
    return x * x


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def timed(rounds, call):
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    times.sort()
    return {"rounds": rounds, "median_s": statistics.median(times), "min_s": times[0]}


def main():
    items = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    slow_rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    fast_rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    data = range(items)
    out = {"python": sys.version.split()[0], "items": items}
    with Pool(2) as pool:
        pool.map(work, range(100))  # the workers are up and warm
        expected = [work(x) for x in data]
        assert pool.map(work, data, chunksize=1) == expected
        out["map_chunksize_1"] = timed(slow_rounds, lambda: pool.map(work, data, chunksize=1))
        out["map_default"] = timed(fast_rounds, lambda: pool.map(work, data))

        def unordered():
            total = 0
            for r in pool.imap_unordered(work, data, chunksize=1):
                total += r
            assert total == sum(expected)

        out["imap_unordered_chunksize_1"] = timed(slow_rounds, unordered)
        time.sleep(0.5)
        rss = [rss_kib(w.pid) for w in pool._pool]
        out["idle_worker_rss_kib"] = max(r for r in rss if r is not None)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
