"""A forgotten join: a zombie you can see.

The child ends at once, but its parent does not join it for a while.
Until then the kernel keeps the child's exit status for the parent: the
child is a zombie, state Z in /proc (and in ps). join() reaps it, as would
is_alive(), reading exitcode, multiprocessing.active_children() or
starting another Process.

    python3 forgotten_join.py [SECONDS]  # how long to leave it (default 5)
"""

import multiprocessing as mp
import os
import sys
import time


def quick():
    pass  # ends at once


def state(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def main(seconds):
    p = mp.Process(target=quick, name="forgotten")
    p.start()
    deadline = time.monotonic() + seconds
    while state(p.pid) != "Z" and time.monotonic() < deadline:
        time.sleep(0.01)  # wait for it to end, without reaping it
    print(f"the child is now {state(p.pid)}: ended, and nobody has joined it")
    time.sleep(max(0.0, deadline - time.monotonic()))
    p.join()  # reaps the zombie
    print(f"joined: exitcode {p.exitcode}; the zombie is gone")


if __name__ == "__main__":
    if os.environ.get("MP_START"):
        mp.set_start_method(os.environ["MP_START"])
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 5.0)
