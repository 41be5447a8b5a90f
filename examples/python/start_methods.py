"""Three ways to start a Process: fork, spawn and forkserver.

For each start method the program starts three children that report how
long they took to start and what they see of their parent, then stay a
few seconds so that their processes can be looked at (ps, /proc, or
proclab's Run tab): fork's children are copies of the parent; spawn's are
fresh interpreters that import this file again (so it needs its
`if __name__ == "__main__":`); forkserver's are forked from a server
process that imported it once.

    python3 start_methods.py [SECONDS]  # how long each child stays (default 0)
"""

import multiprocessing as mp
import os
import sys
import time

# Set by the parent at run time: a fork child has it, the others do not.
SETTING = "default"


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def child(started, q, seconds):
    q.put((time.perf_counter() - started, SETTING, rss_kib(), os.getppid()))
    time.sleep(seconds)


def show(method, seconds):
    ctx = mp.get_context(method)
    q = ctx.Queue()
    children = []
    for _ in range(3):
        p = ctx.Process(target=child, args=(time.perf_counter(), q, seconds))
        p.start()
        children.append(p)
    reports = [q.get() for _ in children]
    for p in children:
        p.join()
    took = sorted(r[0] for r in reports)[1] * 1000
    rss = sorted(r[2] for r in reports)[1] / 1024
    parent = "us" if reports[0][3] == os.getpid() else reports[0][3]
    print(
        f"{method}: {took:.1f} ms, {rss:.1f} MiB, SETTING={reports[0][1]!r}, parent {parent}",
        flush=True,
    )


def main(seconds):
    global SETTING
    SETTING = "from the parent"
    for method in ("fork", "spawn", "forkserver"):
        show(method, seconds)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 0.0)
