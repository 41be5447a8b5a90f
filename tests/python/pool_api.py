"""A Pool's calls: apply blocks, apply_async and map_async return at
once, starmap unpacks tuples; close() lets the queued work finish,
terminate() drops it and SIGTERMs the workers, and so does leaving a
`with` block; a closed pool takes no work, a running one cannot be
joined."""

import multiprocessing as mp
import time

from witness import HANG, case, run, wait_for

# Set in each worker by the pool's initializer: a count of the tasks
# begun, so that a case knows when every worker is busy.
BEGUN = None


def count_into(begun):
    global BEGUN
    BEGUN = begun


def square(n):
    return n * n


def slow_square(n):
    time.sleep(0.2)
    return n * n


def faster_later(n):
    """The first items take longest: they finish last."""
    time.sleep(0.05 * (5 - n))
    return n * n


def add(a, b):
    return a + b


def busy(n):
    """Counts itself begun, then takes longer than any case waits."""
    with BEGUN.get_lock():
        BEGUN.value += 1
    time.sleep(30)
    return n


def exitcodes(pool):
    return sorted(p.exitcode for p in pool._pool)


@case
def apply_blocks_apply_async_returns_at_once():
    with mp.Pool(2) as pool:
        applied = pool.apply(square, (7,))
        r = pool.apply_async(slow_square, (7,))
        ready = r.ready()
        got = r.get(timeout=30)
    pool.join()
    return {"apply_result": applied, "apply_async_ready_at_once": ready,
            "apply_async_result": got}


@case
def map_async_returns_at_once_get_gives_order():
    with mp.Pool(2) as pool:
        r = pool.map_async(faster_later, range(5), chunksize=1)
        ready = r.ready()
        got = r.get(timeout=30)
    pool.join()
    return {"ready_at_once": ready, "in_order": got == [n * n for n in range(5)]}


@case
def starmap_unpacks_each_tuple():
    with mp.Pool(2) as pool:
        got = pool.starmap(add, [(1, 2), (3, 4)])
    pool.join()
    return {"result": got}


@case
def close_then_join_finishes_the_queued_work():
    pool = mp.Pool(2)
    r = pool.map_async(slow_square, range(6), chunksize=1)
    pool.close()
    pool.join()
    return {"all_done": r.ready() and r.get(0) == [n * n for n in range(6)],
            "worker_exitcodes": exitcodes(pool)}


def all_busy(pool, begun):
    """Starts a job of more tasks than workers, and returns it once
    both workers are inside a task: a worker still idle at terminate()
    could instead take the pool's end-of-work sentinel and return
    (exitcode 0)."""
    r = pool.map_async(busy, range(6), chunksize=1)
    assert wait_for(lambda: begun.value == 2, 30), "the workers never began"
    return r


@case
def terminate_drops_the_queued_work():
    begun = mp.Value("i", 0)
    pool = mp.Pool(2, initializer=count_into, initargs=(begun,))
    r = all_busy(pool, begun)
    pool.terminate()
    pool.join()
    r.wait(HANG)
    return {"ready_after": r.ready(), "worker_exitcodes": exitcodes(pool)}


@case
def the_with_block_ends_by_terminate():
    """Pool.__exit__ calls terminate(), not close() and join()."""
    begun = mp.Value("i", 0)
    with mp.Pool(2, initializer=count_into, initargs=(begun,)) as pool:
        r = all_busy(pool, begun)
    pool.join()
    r.wait(HANG)
    return {"ready_after": r.ready(), "worker_exitcodes": exitcodes(pool)}


@case
def work_after_close_raises():
    pool = mp.Pool(2)
    pool.close()
    try:
        pool.apply(square, (7,))
        raised = None
    except Exception as e:
        raised = type(e).__name__
    finally:
        pool.join()
    return {"raised": raised}


@case
def join_before_close_raises():
    pool = mp.Pool(2)
    try:
        pool.join()
        raised = None
    except Exception as e:
        raised = type(e).__name__
    finally:
        pool.close()
        pool.join()
    return {"raised": raised}


if __name__ == "__main__":
    run()
