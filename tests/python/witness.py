"""What every witness shares: a registry of cases, the kernel's view of a
process, hang detection, and clean-up that leaves no process behind.

A witness file registers cases with ``@case`` (or ``both_methods`` for a
case run under fork and under spawn) and ends with ``run()``. Run as
``python3 tests/python/FILE.py [CASE ...]``, it runs the cases named (all
by default) one after another and prints one JSON line per case
(``--list`` prints its cases as a JSON list instead, each with whether
it must run alone):
``{"case": NAME, "result": {...}}`` or ``{"case": NAME, "error": TEXT}``,
then ``{"done": true}``. ``tests/truth.rs`` reads these lines.
"""

import json
import multiprocessing as mp
import os
import signal
import sys
import time
import traceback

# How long a call may block before it counts as a hang. The calls that do
# return take milliseconds; a hang is forever. Long enough for a busy
# 2-core machine to start a spawned interpreter.
HANG = 1.5

CASES = {}


ALONE = set()


def case(fn, name=None):
    """Registers ``fn`` as a case."""
    CASES[name or fn.__name__] = fn
    return fn


def alone(fn):
    """Registers ``fn`` as a case that measures what other work on the
    machine would disturb: the suite runs it by itself."""
    ALONE.add(fn.__name__)
    return case(fn)


def both_methods(fn):
    """Registers ``fn(ctx)`` twice: NAME_fork and NAME_spawn."""
    for method in ("fork", "spawn"):
        def bound(method=method):
            return fn(mp.get_context(method))
        CASES[f"{fn.__name__}_{method}"] = bound
    return fn


def state(pid):
    """The kernel's state letter for ``pid`` (R, S, T, Z...), None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat[stat.rindex(")") + 2]


def wait_for(cond, timeout=5.0):
    """Polls ``cond`` until true or ``timeout``; returns its last value."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() > end:
            return v
        time.sleep(0.005)


def wait_state(pid, letters, timeout=5.0):
    """Waits until ``pid`` is in one of ``letters``; returns its state."""
    wait_for(lambda: state(pid) in letters, timeout)
    return state(pid)


def outcome(p, hang=HANG):
    """How process ``p`` (whose target reports through its exit code)
    ended within ``hang`` seconds: its exitcode, or "hang" if it is still
    running then (it is killed and joined)."""
    p.join(hang)
    if p.is_alive():
        p.kill()
        p.join()
        return "hang"
    return p.exitcode


def flags(pid, fd):
    with open(f"/proc/{pid}/fdinfo/{fd}") as f:
        for line in f:
            if line.startswith("flags:"):
                return int(line.split()[1], 8)
    return 0


def end_of(conn):
    """An end as /proc names it: its link, and for an OS pipe (whose two
    ends share the link) its access mode."""
    fd = conn.fileno()
    link = os.readlink(f"/proc/self/fd/{fd}")
    mode = flags(os.getpid(), fd) & 3 if link.startswith("pipe:") else None
    return link, mode


def held_by(end, pids):
    """The names (of name -> pid) of the processes holding ``end`` open,
    in the order given."""
    link, mode = end
    out = []
    for name, pid in pids.items():
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                same = os.readlink(f"/proc/{pid}/fd/{fd}") == link
                if same and (mode is None or flags(pid, fd) & 3 == mode):
                    out.append(name)
                    break
            except FileNotFoundError:
                continue
    return out


def descendants(pid):
    """Every process below ``pid``, children first, from /proc."""
    out = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids = [int(k) for k in f.read().split()]
        except FileNotFoundError:
            continue
        for kid in kids:
            out.append(kid)
            out.extend(descendants(kid))
    return out


def kill_tree(pid):
    """SIGKILL to ``pid`` and everything below it."""
    for p in [pid] + descendants(pid):
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


def clean_up():
    """Kills and joins every child still running, and anything below it:
    a failed case leaves nothing behind."""
    for p in mp.active_children():
        kill_tree(p.pid)
        p.join()
    for pid in descendants(os.getpid()):
        kill_tree(pid)


def run():
    if sys.argv[1:] == ["--list"]:
        print(json.dumps([{"case": n, "alone": n in ALONE} for n in CASES]))
        return
    wanted = sys.argv[1:] or list(CASES)
    unknown = [n for n in wanted if n not in CASES]
    if unknown:
        sys.exit(f"no such case: {', '.join(unknown)}; cases: {', '.join(CASES)}")
    for name in wanted:
        try:
            line = {"case": name, "result": CASES[name]()}
        except Exception:
            line = {"case": name, "error": traceback.format_exc()}
        finally:
            clean_up()
        print(json.dumps(line), flush=True)
    print(json.dumps({"done": True}), flush=True)


# Exit codes a child uses to say what a blocking call did.
EOF_ERROR = 10
BROKEN_PIPE = 11
RETURNED = 12
RAISED = 13
