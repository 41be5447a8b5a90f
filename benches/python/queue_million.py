"""The instrumentation's budget: one producer process puts N ints on a
multiprocessing.Queue (1,000,000 by default) and the main process gets
them all. Run by benches/instrument.rs plain and under proclab's
instrumentation, alternately.
"""

import multiprocessing as mp
import sys


def producer(q, n):
    put = q.put
    for i in range(n):
        put(i)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    mp.set_start_method("fork")
    q = mp.Queue()
    p = mp.Process(target=producer, args=(q, n))
    p.start()
    get = q.get
    for _ in range(n):
        get()
    p.join()
    print(n, p.exitcode)
