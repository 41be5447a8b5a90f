"""A Pool's calls: apply, apply_async, map_async, starmap, close,
terminate, and what `with` does.

apply(f, args) sends one call to a worker and waits for its result.
apply_async and map_async return an AsyncResult at once, before the
work is done: its get() waits (map_async's list is in the order of the
items). starmap unpacks each tuple into the function's arguments.
close() takes no more work but lets what is queued finish, then the
workers end by themselves (exitcode 0); join() waits for them, and is
only allowed after close() or terminate(). terminate() drops what is
queued and ends the workers with SIGTERM (exitcode -15). Leaving
`with Pool() as pool:` calls terminate(), not close() and join(): a job
not waited for inside the block never completes.

    python3 pool_api.py [SECONDS]  # MP_START=spawn to spawn instead
"""

import multiprocessing as mp
import os
import sys
import time

# How long each slow task takes.
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 0.05


def square(n):
    return n * n


def slow_square(n):
    time.sleep(SECONDS)
    return n * n


def add(a, b):
    return a + b


def exitcodes(pool):
    return [p.exitcode for p in pool._pool]  # _pool: its worker processes


def calls():
    pool = mp.Pool(2)
    print(f"apply(square, (7,)): {pool.apply(square, (7,))}", flush=True)
    r = pool.apply_async(slow_square, (7,))
    print(f"apply_async: ready() {r.ready()}, then get() {r.get()}", flush=True)
    r = pool.map_async(slow_square, range(6))
    print(f"map_async: ready() {r.ready()}, then get() {r.get()}", flush=True)
    pairs = [(1, 2), (3, 4)]
    print(f"starmap(add, {pairs}): {pool.starmap(add, pairs)}", flush=True)
    try:
        pool.join()
    except ValueError as e:
        print(f"join() before close(): ValueError: {e}", flush=True)

    r = pool.map_async(slow_square, range(6))
    pool.close()
    try:
        pool.apply(square, (7,))
    except ValueError as e:
        print(f"apply() after close(): ValueError: {e}", flush=True)
    pool.join()
    print(f"close(), join(): ready() {r.ready()}, {r.get()}", flush=True)
    print(f"  the workers' exitcodes: {exitcodes(pool)}", flush=True)


def terminate():
    pool = mp.Pool(2)
    rs = [pool.apply_async(slow_square, (n,)) for n in range(10)]
    rs[0].wait()  # the workers are busy with the next tasks
    pool.terminate()
    pool.join()
    print(f"terminate(): the last task's ready() {rs[-1].ready()}", flush=True)
    print(f"  the workers' exitcodes: {exitcodes(pool)}", flush=True)


def with_block():
    with mp.Pool(2) as pool:
        r = pool.map_async(slow_square, range(10))
        r.wait(SECONDS)  # one task's time: the job is not done
    # __exit__ called terminate(): the job never completes
    print(f"left the with block: map_async ready() {r.ready()}", flush=True)
    print(f"  the workers' exitcodes: {exitcodes(pool)}", flush=True)


if __name__ == "__main__":
    if os.environ.get("MP_START"):
        mp.set_start_method(os.environ["MP_START"])
    calls()
    terminate()
    with_block()
