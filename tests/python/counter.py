"""A counter shared by two processes: Value without a lock loses updates,
v.get_lock() makes it exact, and a Manager's proxies."""

import multiprocessing as mp
import time
from multiprocessing.managers import BaseManager

from witness import alone, case, run

RUNS = 3
# The lab's default size: long enough (a few hundred ms) that the two
# workers overlap even on a loaded machine, where 2 x 200,000 (about 45 ms)
# sometimes ran one worker to its end before the other got a core.
N = 1_000_000


def racy(v, n, go):
    go.wait()
    for _ in range(n):
        v.value += 1


def locked(v, n, go):
    go.wait()
    for _ in range(n):
        with v.get_lock():
            v.value += 1


def race(make, target, n=N, workers=2):
    """``workers`` processes add 1 ``n`` times each, released together
    by one Event; returns (counter, seconds)."""
    v = make()
    go = mp.Event()
    ps = [mp.Process(target=target, args=(v, n, go)) for _ in range(workers)]
    for p in ps:
        p.start()
    time.sleep(0.1)
    t = time.monotonic()
    go.set()
    for p in ps:
        p.join()
    return v.value, time.monotonic() - t


@alone
def racy_value_loses():
    """v = Value('i', 0, lock=False); v.value += 1: 2 x 1,000,000."""
    losses, secs = [], []
    for _ in range(RUNS):
        value, s = race(lambda: mp.Value("i", 0, lock=False), racy)
        losses.append(2 * N - value)
        secs.append(round(s, 3))
    return {
        "every_run_lost": all(l > 0 for l in losses),
        "losses_vary": len(set(losses)) > 1,
        "losses": losses,
        "seconds": secs,
    }


@alone
def value_with_lock_still_races():
    """Value('i', 0) has a lock, but v.value += 1 does not take it."""
    losses = []
    for _ in range(RUNS):
        value, _ = race(lambda: mp.Value("i", 0), racy)
        losses.append(2 * N - value)
    return {"every_run_lost": all(l > 0 for l in losses)}


def racy_slow(v, n, go):
    go.wait()
    for _ in range(n):
        t = v.value; time.sleep(0.3)
        v.value = t + 1
        time.sleep(0.15)


def locked_slow(v, n, go):
    go.wait()
    for _ in range(n):
        with v.get_lock():
            t = v.value; time.sleep(0.3)
            v.value = t + 1
        time.sleep(0.15)


@case
def slow_motion():
    """The slow-motion increments: a sleep between the read and the write.
    Racy, both workers read the same value nearly every time; with the
    lock, never."""
    racy_value, _ = race(lambda: mp.Value("i", 0, lock=False), racy_slow, n=3)
    locked_value, _ = race(lambda: mp.Value("i", 0), locked_slow, n=3)
    return {"racy_lost": 6 - racy_value > 0, "locked_lost": 6 - locked_value}


@case
def no_atomic_add():
    """A Value offers .value and get_lock(), and no atomic add."""
    v = mp.Value("i", 0)
    public = sorted(a for a in dir(v) if not a.startswith("_"))
    return {"methods": public}


def holds_the_lock(v, got):
    with v.get_lock():
        got.set()
        while True:
            time.sleep(0.01)


def takes_the_lock(v):
    with v.get_lock():
        v.value += 1


@case
def lock_holder_terminated():
    """terminate() inside 'with v.get_lock():': the lock stays held (no
    finally runs, no owner-died state), and the next acquire hangs."""
    v, got = mp.Value("i", 0), mp.Event()
    holder = mp.Process(target=holds_the_lock, args=(v, got))
    holder.start()
    got.wait(5)
    holder.terminate()
    holder.join()
    nxt = mp.Process(target=takes_the_lock, args=(v,))
    nxt.start()
    from witness import outcome
    return {"holder_exit": holder.exitcode, "next_locker": outcome(nxt)}


@case
def locked_value_exact():
    """with v.get_lock(): v.value += 1: exact."""
    value, s = race(lambda: mp.Value("i", 0), locked, n=50_000)
    return {"lost": 2 * 50_000 - value, "per_s": round(2 * 50_000 / s)}


# The Counter and its manager, as proclab shows them (value() is the
# witness's own, to read the count).
class Counter:
    def __init__(self): self.n = 0
    def increment(self): self.n += 1; return self.n
    def value(self): return self.n


class CounterManager(BaseManager): pass
CounterManager.register('Counter', Counter)


def proxy_increments(c, n, go):
    go.wait()
    for _ in range(n):
        c.increment()


def manager_locked(v, lock, n, go):
    go.wait()
    for _ in range(n):
        with lock:
            v.value += 1


def manager_racy(v, lock, n, go):
    go.wait()
    for _ in range(n):
        v.value += 1


def manager_race(target, n):
    with mp.Manager() as m:
        v = m.Value("i", 0)
        lock = m.Lock()
        go = mp.Event()
        ps = [mp.Process(target=target, args=(v, lock, n, go)) for _ in range(2)]
        for p in ps:
            p.start()
        t = time.monotonic()
        go.set()
        for p in ps:
            p.join()
        return v.value, time.monotonic() - t


@case
def manager_counter_exact():
    """manager = CounterManager(); manager.start(); c = manager.Counter():
    one request and one reply per c.increment(), applied by the server."""
    manager = CounterManager()
    manager.start()
    try:
        c = manager.Counter()
        go = mp.Event()
        ps = [mp.Process(target=proxy_increments, args=(c, 2_000, go)) for _ in range(2)]
        for p in ps:
            p.start()
        t = time.monotonic()
        go.set()
        for p in ps:
            p.join()
        s = time.monotonic() - t
        value = c.value()
        server = manager._process
    finally:
        manager.shutdown()
    return {"lost": 4_000 - value, "per_s": round(4_000 / s), "server_exitcode": server.exitcode}


@case
def manager_value_with_lock_exact():
    """with Manager() as m: v = m.Value('i', 0); lock = m.Lock();
    with lock: v.value += 1: exact (four round trips each)."""
    value, s = manager_race(manager_locked, 1_000)
    return {"lost": 2_000 - value, "per_s": round(2_000 / s)}


@case
def manager_value_without_lock_races():
    """m.Value's v.value += 1 is a get and a set: updates are lost."""
    lost = []
    for _ in range(RUNS):
        value, _ = manager_race(manager_racy, 2_000)
        lost.append(4_000 - value)
    return {"every_run_lost": all(l > 0 for l in lost)}


def increments_until_it_fails(c, said):
    try:
        while True:
            c.increment()
    except Exception as e:
        said.put(type(e).__name__)
        raise


@case
def manager_killed_mid_run():
    """A worker incrementing through its proxy when the server is killed:
    its call raises, uncaught, and it ends with exitcode 1."""
    manager = CounterManager()
    manager.start()
    c = manager.Counter()
    said = mp.Queue()
    p = mp.Process(target=increments_until_it_fails, args=(c, said))
    p.start()
    time.sleep(0.2)
    manager._process.kill()
    manager._process.join()
    p.join(5)
    raised = said.get(timeout=5)
    kind = getattr(__builtins__, raised, None) if not isinstance(__builtins__, dict) else __builtins__.get(raised)
    return {"raises": raised,
            "a_connection_error": isinstance(kind, type) and issubclass(kind, (ConnectionError, EOFError)),
            "exitcode": p.exitcode}


@case
def manager_gone():
    """A proxy call after the server has ended raises."""
    manager = CounterManager()
    manager.start()
    c = manager.Counter()
    fresh = manager.Counter()
    c.increment()
    manager._process.kill()
    manager._process.join()
    raised = {}
    for name, proxy in (("connected", c), ("not_yet_connected", fresh)):
        try:
            proxy.increment()
            raised[name] = None
        except Exception as e:
            raised[name] = type(e).__name__
    return {"raises": raised}


if __name__ == "__main__":
    run()
