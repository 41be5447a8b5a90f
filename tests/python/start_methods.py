"""What each start method does: fork copies the parent, spawn starts a
fresh interpreter that imports the main module again, forkserver forks
each child from a server process; and what an unguarded main module does
under spawn."""

import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time

from witness import alone, case, run

# Module level: runs again in every interpreter that imports this file,
# as spawn's and forkserver's children do (there its name is __mp_main__).
IMPORTED_AS = __name__
# Set by the parent at run time, after the import.
MARK = None


def report(q):
    q.put({"imported_as": IMPORTED_AS, "mark": MARK, "parent": os.getppid()})


def nothing():
    pass


def look(method):
    """A child of `method` reports what it sees of the parent."""
    global MARK
    MARK = "set by the parent"
    ctx = mp.get_context(method)
    q = ctx.Queue()
    p = ctx.Process(target=report, args=(q,))
    p.start()
    seen = q.get(timeout=30)
    p.join()
    return seen


@case
def fork_copies_the_parent():
    seen = look("fork")
    return {
        "sees_parent_global": seen["mark"] == "set by the parent",
        "module_imported_again": seen["imported_as"] != "__main__",
        "parent_is_the_parent": seen["parent"] == os.getpid(),
    }


@case
def spawn_imports_the_main_module_again():
    seen = look("spawn")
    return {
        "sees_parent_global": seen["mark"] == "set by the parent",
        "module_imported_again": seen["imported_as"] == "__mp_main__",
        "parent_is_the_parent": seen["parent"] == os.getpid(),
    }


@case
def forkserver_forks_each_child_from_a_server():
    seen = look("forkserver")
    server = seen["parent"]
    with open(f"/proc/{server}/cmdline", "rb") as f:
        cmdline = f.read().replace(b"\0", b" ").decode()
    return {
        "sees_parent_global": seen["mark"] == "set by the parent",
        "module_imported_again": seen["imported_as"] == "__mp_main__",
        "parent_is_the_parent": server == os.getpid(),
        "server_is_forkserver": "forkserver" in cmdline,
    }


def start_to_join(method, rounds=5):
    ctx = mp.get_context(method)
    took = []
    for _ in range(rounds):
        t = time.perf_counter()
        p = ctx.Process(target=nothing)
        p.start()
        p.join()
        took.append(time.perf_counter() - t)
    return statistics.median(took)


@alone
def spawn_starts_slower_than_fork():
    """Start to join of a child that does nothing: spawn starts and
    imports a whole interpreter, fork copies a running one."""
    fork = start_to_join("fork")
    spawn = start_to_join("spawn")
    return {"spawn_slower_than_fork": spawn > 3 * fork}


UNGUARDED = """\
import multiprocessing as mp
ctx = mp.get_context("spawn")
p = ctx.Process(target=print)
p.start()
p.join()
print("exitcode", p.exitcode)
"""


@case
def an_unguarded_main_module_under_spawn():
    """Without `if __name__ == "__main__":`, the spawned child runs the
    module's top level again and its own start() raises RuntimeError."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "unguarded.py")
        with open(path, "w") as f:
            f.write(UNGUARDED)
        out = subprocess.run(
            [sys.executable, path], capture_output=True, text=True, timeout=60
        )
    return {
        "child_raises": "RuntimeError" in out.stderr
        and "bootstrapping phase" in out.stderr,
        "child_exitcode": 1 if "exitcode 1" in out.stdout else out.stdout.strip(),
    }


if __name__ == "__main__":
    run()
