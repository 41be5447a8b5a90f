"""CPython's side of the scale benchmark: start N processes with the fork
start method, and time until every child runs.

Each child releases a semaphore as its first act and then sleeps, so the
parent knows when the last one is running. Prints one JSON object per
round. Run by benches/scale.rs in the same run as proclab's figures.
"""

import json
import multiprocessing as mp
import sys
import time


def idle(started):
    started.release()
    time.sleep(600)


def one_round(n):
    ctx = mp.get_context("fork")
    started = ctx.Semaphore(0)
    procs = [ctx.Process(target=idle, args=(started,), daemon=True) for _ in range(n)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    loop = time.perf_counter() - t0
    for _ in range(n):
        started.acquire()
    running = time.perf_counter() - t0
    t1 = time.perf_counter()
    for p in procs:
        p.terminate()
    for p in procs:
        p.join()
    stopped = time.perf_counter() - t1
    return {"n": n, "loop_s": loop, "running_s": running, "stop_s": stopped}


if __name__ == "__main__":
    n = int(sys.argv[1])
    rounds = int(sys.argv[2])
    for _ in range(rounds):
        print(json.dumps(one_round(n)), flush=True)
