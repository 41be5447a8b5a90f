"""A lock taken again by its owner: RLock returns, Lock deadlocks.

update() takes the lock and calls helper(), which takes the same lock
again. An RLock knows its owner and counts: the second acquire returns
at once, and the lock is free again only after as many releases as
acquires (another process cannot take it in between). A Lock does not
know its owner: the second acquire waits for a release that can only
come from the process that is waiting. A child running update() with a
Lock never ends: join(SECONDS) returns with it still alive, and the
parent ends it with terminate() (SIGTERM: exitcode -15).

    python3 rlock.py [SECONDS]  # MP_START=spawn to spawn instead
"""

import multiprocessing as mp
import os
import sys

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5  # the join's wait


def helper(lock):
    with lock:  # the second acquire, by the same process
        pass


def update(lock):
    with lock:
        helper(lock)


def try_lock(lock, got):
    got.value = lock.acquire(timeout=0.1)
    if got.value:
        lock.release()


def free(lock):
    """Can another process take ``lock``?"""
    got = mp.Value("i", 0)
    p = mp.Process(target=try_lock, args=(lock, got), name="try-lock")
    p.start()
    p.join()
    return bool(got.value)


def with_rlock():
    lock = mp.RLock()
    update(lock)
    print("RLock: update() took it twice and returned", flush=True)
    lock.acquire()
    lock.acquire()
    lock.release()
    print(f"acquired twice, released once: free? {free(lock)}", flush=True)
    lock.release()
    print(f"released twice: free? {free(lock)}", flush=True)


def with_lock():
    lock = mp.Lock()
    child = mp.Process(target=update, args=(lock,), name="deadlocked")
    child.start()
    child.join(SECONDS)
    if child.is_alive():
        print(f"Lock: after join({SECONDS:g}) the child is still waiting",
              flush=True)
        child.terminate()
        child.join()
    print(f"terminated: exitcode {child.exitcode}", flush=True)


if __name__ == "__main__":
    if os.environ.get("MP_START"):
        mp.set_start_method(os.environ["MP_START"])
    with_rlock()
    with_lock()
