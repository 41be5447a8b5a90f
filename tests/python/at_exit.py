"""What a Python parent does to its children when it reaches its end:
multiprocessing's exit handler sends SIGTERM to the daemons, then joins
the others (the parent waits for them)."""

import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time

from witness import HANG, case, run, state, wait_for


def note(path, what):
    with open(path, "a") as f:
        f.write(json.dumps([what, time.monotonic()]) + "\n")


def daemon(path):
    def on_term(sig, frame):
        note(path, "daemon got SIGTERM")
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
    signal.signal(signal.SIGTERM, on_term)
    while True:
        time.sleep(0.01)


def worker(path, seconds):
    if seconds is None:
        # A long sleep, so that the state read while the parent waits is
        # the sleep's and not a wake-up on a busy machine.
        while True:
            time.sleep(3600)
    time.sleep(seconds)
    note(path, "worker returned")


def parent(path, seconds):
    """The Python program under test: a daemon and a worker, then the end."""
    d = mp.Process(target=daemon, args=(path,), daemon=True)
    w = mp.Process(target=worker, args=(path, seconds))
    d.start()
    w.start()
    note(path, f"pids {d.pid} {w.pid}")
    time.sleep(0.2)
    note(path, "parent reached its end")


def watch(seconds):
    """Runs ``parent`` as a program of its own and reads what happened."""
    path = f"/tmp/proclab-at-exit-{os.getpid()}-{seconds}"
    if os.path.exists(path):
        os.unlink(path)
    prog = subprocess.Popen([sys.executable, __file__, "--as-parent", path, json.dumps(seconds)])
    try:
        code = prog.wait(timeout=(seconds or 0) + 0.2 + HANG)
    except subprocess.TimeoutExpired:
        code = "hang"
    exited = time.monotonic()
    events = [json.loads(l) for l in open(path)]
    pids = [int(p) for p in next(e for e, _ in events if e.startswith("pids")).split()[1:]]
    left = {"daemon": state(pids[0]), "worker": state(pids[1])}
    if code == "hang":
        # Killing the worker ends the parent's wait: it reaps its children
        # and exits, leaving nothing behind.
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            prog.wait(timeout=5)
        except subprocess.TimeoutExpired:
            prog.kill()
            prog.wait()
    os.unlink(path)
    t = {e: at for e, at in events}
    t["parent exited"] = exited
    return code, t, left


@case
def daemons_at_exit():
    code, t, left = watch(0.8)
    end = t["parent reached its end"]
    return {
        "parent_exit": code,
        "daemon_got_sigterm": "daemon got SIGTERM" in t,
        "sigterm_at_the_end": t["daemon got SIGTERM"] - end < 1.0,
        "parent_waited_for_the_worker": t["worker returned"] < t["parent exited"],
        "waited_after_its_end": round(t["parent exited"] - end, 1) >= 0.3,
        "daemon_ended_before_the_worker": t["daemon got SIGTERM"] < t["worker returned"],
    }


@case
def nondaemon_forever_at_exit():
    code, t, left = watch(None)
    return {
        "parent_exit": code,
        "daemon_got_sigterm": "daemon got SIGTERM" in t,
        "worker_state_while_parent_waits": left["worker"],
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--as-parent"]:
        parent(sys.argv[2], json.loads(sys.argv[3]))
    else:
        run()
