"""The speedup's batch on one machine, with multiprocessing.Pool: the same
function and arguments the nodes run, so that the cluster's times have
their one-machine peer beside them.

    python3 pool_run.py FUNCTION ARG PROCESSES TASKS

runs `pool.map(FUNCTION, [ARG] * TASKS, chunksize=1)` (one task per item,
as the broker hands out one message per task) and prints the seconds it
took, then the first result. The pool's processes are started before the
clock starts, as the nodes are online before a batch is sent. FUNCTION is
count_primes (ARG an int) or sleep (ARG seconds).
"""

import ctypes
import signal
import sys
import time
from multiprocessing import Pool

from tasks import _count_primes


def _sleep(seconds):
    time.sleep(seconds)
    return seconds


FUNCTIONS = {"count_primes": (_count_primes, int), "sleep": (_sleep, float)}


def _die_with_parent():
    """Each pool process gets SIGKILL when its parent dies (Linux's
    PR_SET_PDEATHSIG, as Celery does for its own pool), so that killing
    this script, even with SIGKILL, leaves no process behind."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def main():
    name, arg, processes, tasks = sys.argv[1:5]
    function, parse = FUNCTIONS[name]
    processes, tasks = int(processes), int(tasks)
    with Pool(processes, initializer=_die_with_parent) as pool:
        start = time.perf_counter()
        results = pool.map(function, [parse(arg)] * tasks, chunksize=1)
        wall = time.perf_counter() - start
    assert len(results) == tasks
    print(f"{wall:.6f} {results[0]}")


if __name__ == "__main__":
    main()
