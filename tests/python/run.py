"""What the run view says about a real program: what each object the
program makes is, what a signal from outside does to a Python process
that multiprocessing did not start, who reaps a child that is not a
Process, and what the forkserver does with its children."""

import multiprocessing as mp
import os
import queue
import signal
import subprocess
import sys
import threading
import time

from witness import HANG, case, run, state, wait_for, wait_state


def returns():
    pass


def sets_squares(a):
    for i in range(len(a)):
        a[i] = i * i


def sets_seven(v):
    v.value = 7


def tries_lock(lock, timeout, got):
    got.value = 1 if lock.acquire(timeout=timeout) else 0
    if got.value:
        lock.release()


@case
def bounded_queue_put_waits():
    """Queue(maxsize=2): a third put() waits for room (here it gives up)."""
    q = mp.Queue(maxsize=2)
    q.put(1)
    q.put(2)
    try:
        q.put(3, timeout=0.2)
        third = "went in"
    except queue.Full:
        third = "queue.Full"
    got = [q.get(), q.get()]
    return {"third_put": third, "got": got}


@case
def unbounded_queue_put_never_waits():
    """Queue(): put() never waits, however many items nobody has got."""
    q = mp.Queue()
    full = False
    for i in range(2000):
        try:
            q.put_nowait(i)
        except queue.Full:
            full = True
    got = [q.get(timeout=HANG) for _ in range(2000)]
    return {"ever_full": full, "got_all": got == list(range(2000))}


@case
def simple_queue_has_no_feeder():
    """A Queue's put() hands the item to a feeder thread; a SimpleQueue's
    writes it to the pipe itself."""
    before = threading.active_count()
    sq = mp.SimpleQueue()
    sq.put(1)
    sq.get()
    after_simple = threading.active_count()
    q = mp.Queue()
    q.put(1)
    q.get()
    after_queue = threading.active_count()
    return {
        "simple_queue_feeder_thread": after_simple > before,
        "queue_feeder_thread": after_queue > after_simple,
    }


@case
def value_is_shared_and_locked():
    v = mp.Value("i", 0)
    p = mp.Process(target=sets_seven, args=(v,))
    p.start()
    p.join()
    return {"seen_by_parent": v.value, "has_lock": hasattr(v, "get_lock")}


@case
def array_is_shared_and_locked():
    a = mp.Array("i", 4)
    p = mp.Process(target=sets_squares, args=(a,))
    p.start()
    p.join()
    return {"seen_by_parent": list(a), "has_lock": hasattr(a, "get_lock")}


@case
def lock_has_one_holder():
    lock = mp.Lock()
    got = mp.Value("i", -1)
    lock.acquire()
    p = mp.Process(target=tries_lock, args=(lock, 0.2, got))
    p.start()
    p.join()
    while_held = got.value
    lock.release()
    p = mp.Process(target=tries_lock, args=(lock, HANG, got))
    p.start()
    p.join()
    return {"acquired_while_held": bool(while_held), "acquired_after_release": bool(got.value)}


@case
def pool_terminate_sends_sigterm():
    """terminate() does not wait for the work given out: each worker still
    running gets SIGTERM."""
    pool = mp.Pool(2)
    workers = list(pool._pool)
    pool.map_async(time.sleep, [30, 30], chunksize=1)
    wait_for(lambda: all(state(w.pid) == "S" for w in workers))
    time.sleep(0.2)
    pool.terminate()
    pool.join()
    return {"exitcodes": [w.exitcode for w in workers]}


def plain_python(code):
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)


SLEEPER = (
    "import time\n"
    "try:\n"
    "    print('ready', flush=True)\n"
    "    time.sleep(30)\n"
    "finally:\n"
    "    print('finally ran', flush=True)\n"
)


def signalled(sig):
    p = plain_python(SLEEPER)
    p.stdout.readline()
    os.kill(p.pid, sig)
    out, _ = p.communicate(timeout=10)
    shell = subprocess.run(
        ["sh", "-c", f'{sys.executable} -c "import os, signal; os.kill(os.getpid(), {int(sig)})"; echo $?'],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {"returncode": p.returncode, "finally_ran": "finally ran" in out, "shell_status": int(shell)}


@case
def sigterm_ends_a_plain_python():
    """A Python process with no SIGTERM handler (not started by
    multiprocessing) ends at once; no finally block runs."""
    return signalled(signal.SIGTERM)


@case
def sigkill_ends_a_plain_python():
    return signalled(signal.SIGKILL)


@case
def sigterm_to_a_stopped_plain_python():
    p = plain_python(SLEEPER)
    p.stdout.readline()
    os.kill(p.pid, signal.SIGSTOP)
    wait_state(p.pid, "T")
    os.kill(p.pid, signal.SIGTERM)
    time.sleep(0.3)
    before = {"state": state(p.pid), "returncode": p.poll()}
    os.kill(p.pid, signal.SIGCONT)
    p.communicate(timeout=10)
    return {"before_sigcont": before, "returncode": p.returncode}


@case
def fork_child_is_a_zombie_until_waitpid():
    """A child of os.fork() is no Process: none of multiprocessing's calls
    reaps it; os.waitpid() does."""
    pid = os.fork()
    if pid == 0:
        os._exit(3)
    before = wait_state(pid, "Z")
    mp.active_children()
    time.sleep(0.2)
    later = state(pid)
    _, status = os.waitpid(pid, 0)
    return {"before": before, "after_active_children": later, "after_waitpid": state(pid),
            "exit_status": os.waitstatus_to_exitcode(status)}


@case
def forkserver_reaps_its_children():
    """Under forkserver the children are the forkserver's: it reaps them
    as they end, and the program learns the exitcode from it at join()."""
    ctx = mp.get_context("forkserver")
    p = ctx.Process(target=returns)
    p.start()
    parent = int(open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()[1])
    gone = wait_for(lambda: state(p.pid) is None, 5.0)
    p.join()
    return {"parent_is_the_program": parent == os.getpid(), "gone_before_join": bool(gone),
            "exitcode": p.exitcode}


if __name__ == "__main__":
    run()
