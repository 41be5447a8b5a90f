"""A Process's life: exit codes, what signals do, which calls reap a
zombie, a stopped process, the daemon flag."""

import multiprocessing as mp
import os
import signal
import sys
import tempfile
import time

from witness import HANG, case, run, state, wait_for, wait_state


def returns():
    pass


def raises():
    raise RuntimeError("uncaught")


def exits_3():
    sys.exit(3)


def forever():
    while True:
        time.sleep(0.01)


def forever_with_finally(path):
    try:
        open(path + ".started", "w").close()
        while True:
            time.sleep(0.01)
    finally:
        open(path + ".finally", "w").close()


def ends_soon():
    time.sleep(0.05)


def catches_sigkill():
    try:
        signal.signal(signal.SIGKILL, signal.SIG_IGN)
    except OSError:
        sys.exit(7)
    sys.exit(0)


def zombie():
    """A child that has ended but that nobody has reaped: state Z."""
    p = mp.Process(target=ends_soon)
    p.start()
    wait_state(p.pid, "Z")
    return p


@case
def exitcode_return():
    p = mp.Process(target=returns)
    p.start()
    p.join()
    return {"exitcode": p.exitcode}


@case
def exitcode_raise():
    p = mp.Process(target=raises)
    p.start()
    p.join()
    return {"exitcode": p.exitcode}


@case
def exitcode_sys_exit():
    p = mp.Process(target=exits_3)
    p.start()
    p.join()
    return {"exitcode": p.exitcode}


@case
def exitcode_terminate():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "mark")
        p = mp.Process(target=forever_with_finally, args=(path,))
        p.start()
        wait_for(lambda: os.path.exists(path + ".started"))
        p.terminate()
        p.join()
        return {
            "exitcode": p.exitcode,
            "finally_ran": os.path.exists(path + ".finally"),
        }


@case
def exitcode_kill():
    p = mp.Process(target=forever)
    p.start()
    p.kill()
    p.join()
    q = mp.Process(target=catches_sigkill)
    q.start()
    q.join()
    return {"exitcode": p.exitcode, "sigkill_can_be_caught": q.exitcode == 0}


@case
def alive_while_running():
    p = mp.Process(target=forever)
    before = p.exitcode
    p.start()
    alive, code = p.is_alive(), p.exitcode
    r = p.join(0.2)
    after = (p.is_alive(), p.exitcode)
    p.kill()
    p.join()
    return {
        "exitcode_before_start": before,
        "is_alive": alive,
        "exitcode": code,
        "join_timeout_returns": r,
        "after_join_timeout": {"is_alive": after[0], "exitcode": after[1]},
    }


@case
def zombie_until_reaped():
    """An ended child nobody looked at stays Z; each call below reaps it."""
    p = zombie()
    z = state(p.pid)
    time.sleep(0.3)
    still = state(p.pid)
    p.join()
    return {"state": z, "state_later": still, "after_join": state(p.pid)}


def reaped_by(look):
    p = zombie()
    before = state(p.pid)
    seen = look(p)
    return {"before": before, "returns": seen, "after": state(p.pid)}


@case
def zombie_is_alive():
    return reaped_by(lambda p: p.is_alive())


@case
def zombie_exitcode():
    return reaped_by(lambda p: p.exitcode)


@case
def zombie_active_children():
    return reaped_by(lambda p: p in mp.active_children())


@case
def zombie_next_start():
    def start_another(p):
        q = mp.Process(target=returns)
        q.start()
        q.join()
        return None
    return reaped_by(start_another)


@case
def zombie_pid_does_not_reap():
    return reaped_by(lambda p: p.pid is not None)


@case
def join_reaps():
    return reaped_by(lambda p: p.join())


@case
def pause_and_resume():
    p = mp.Process(target=forever)
    p.start()
    wait_state(p.pid, "RS")
    os.kill(p.pid, signal.SIGSTOP)
    stopped = wait_state(p.pid, "T")
    alive = p.is_alive()
    joined = p.join(0.3)
    still = p.is_alive()
    os.kill(p.pid, signal.SIGCONT)
    resumed = wait_state(p.pid, "RS")
    p.kill()
    p.join()
    return {
        "stopped": stopped,
        "is_alive_stopped": alive,
        "join_timeout_returns": joined,
        "alive_after_join_timeout": still,
        "runs_again": resumed in ("R", "S"),
    }


@case
def terminate_stopped():
    """SIGTERM to a stopped process stays pending until SIGCONT."""
    p = mp.Process(target=forever)
    p.start()
    wait_state(p.pid, "RS")
    os.kill(p.pid, signal.SIGSTOP)
    wait_state(p.pid, "T")
    p.terminate()
    p.join(HANG)
    pending = {"is_alive": p.is_alive(), "state": state(p.pid), "exitcode": p.exitcode}
    os.kill(p.pid, signal.SIGCONT)
    p.join(5)
    return {"before_sigcont": pending, "exitcode": p.exitcode}


@case
def kill_stopped():
    p = mp.Process(target=forever)
    p.start()
    wait_state(p.pid, "RS")
    os.kill(p.pid, signal.SIGSTOP)
    wait_state(p.pid, "T")
    p.kill()
    p.join(HANG)
    return {"exitcode": p.exitcode}


@case
def raise_in_stopped():
    """A stopped child runs no code: what it would do waits for SIGCONT."""
    p = mp.Process(target=forever)
    p.start()
    wait_state(p.pid, "RS")
    os.kill(p.pid, signal.SIGSTOP)
    wait_state(p.pid, "T")
    p.join(0.3)
    alive = p.is_alive()
    p.kill()
    p.join()
    return {"runs_nothing_while_stopped": alive}


@case
def join_after_end():
    p = mp.Process(target=exits_3)
    p.start()
    p.join()
    p.join()
    return {"join_twice": "ok", "exitcode": p.exitcode}


@case
def daemon_flag():
    p = mp.Process(target=forever)
    p.daemon = True
    p.start()
    try:
        p.daemon = False
        after_start = "allowed"
    except AssertionError as e:
        after_start = f"AssertionError: {e}"
    d = p.daemon
    p.kill()
    p.join()
    return {"daemon": d, "set_after_start": after_start}


def starts_child(path):
    try:
        c = mp.Process(target=returns)
        c.start()
        c.join()
        open(path, "w").write("started")
    except AssertionError as e:
        open(path, "w").write(f"AssertionError: {e}")


@case
def daemon_no_children():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "out")
        p = mp.Process(target=starts_child, args=(path,), daemon=True)
        p.start()
        p.join()
        return {"daemon_starts_a_child": open(path).read()}


@case
def nothing_to_join():
    return {"active_children": mp.active_children()}


if __name__ == "__main__":
    run()
