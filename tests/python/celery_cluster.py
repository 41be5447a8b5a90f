"""Celery 5 worker nodes on a real redis-server, as the cluster lab runs
them: the nodes' command line, `delay()`, what a node killed mid-task does
to its tasks with acks_late off and on, a warm shutdown, the broker killed
and started again, and the speedup's Pool peer.

Every case starts its own redis-server, with the lab's own command line,
on a free port, and its own nodes, with the lab's command line and the
tasks module proclab ships (src/lab/cluster/python/tasks.py), copied to a
private folder. The visibility timeout is short, as in the lab.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from witness import case, descendants, run, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
SHIPPED = os.path.join(HERE, "..", "..", "src", "lab", "cluster", "python")
# Long enough for a node to start on a busy 2-core machine.
START = 60.0
# The visibility timeout of the cases that wait it out.
VISIBILITY = 2.0
HOST = socket.gethostname()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A redis-server and nodes, in a private folder holding the tasks
    module; everything stopped by ``close``."""

    def __init__(self, visibility=VISIBILITY):
        self.dir = tempfile.mkdtemp(prefix="proclab-witness-")
        for name in ("tasks.py", "pool_run.py"):
            shutil.copy(os.path.join(SHIPPED, name), self.dir)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.visibility = visibility
        self.redis = None
        self.nodes = {}
        self.start_redis()
        os.environ["PROCLAB_BROKER"] = self.url
        os.environ["PROCLAB_VISIBILITY_TIMEOUT"] = str(visibility)
        sys.path.insert(0, self.dir)
        # A case of its own per process in the suite; run by hand, several
        # cases share one, each with its own broker.
        sys.modules.pop("tasks", None)
        import redis
        import tasks
        self.tasks = tasks
        self.r = redis.Redis(port=self.port)

    def start_redis(self):
        """The lab's line: redis-server --port P --bind 127.0.0.1 --save "" --appendonly no"""
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            cwd=self.dir, stdout=subprocess.DEVNULL)
        import redis
        client = redis.Redis(port=self.port)

        def answers():
            try:
                return client.ping()
            except redis.ConnectionError:
                return False
        assert wait_for(answers, START), "redis-server did not answer"

    def start_node(self, name, concurrency=1):
        """The lab's line: celery -A tasks worker -c C -n NAME@%h -E
        --without-gossip --without-mingle"""
        env = dict(os.environ, PYTHONPATH=self.dir, PYTHONDONTWRITEBYTECODE="1")
        log = open(os.path.join(self.dir, f"{name}.log"), "w")
        p = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tasks", "worker",
             "-c", str(concurrency), "-n", f"{name}@%h", "-E",
             "--without-gossip", "--without-mingle"],
            cwd=self.dir, env=env, stdout=log, stderr=subprocess.STDOUT)
        full = f"{name}@{HOST}"
        self.nodes[full] = p
        ok = wait_for(lambda: self.ping(full), START)
        assert ok, f"{full} did not answer; its log:\n" + open(log.name).read()[-2000:]
        return full, p

    def ping(self, full):
        """Whether the node answers, over a connection of its own (one
        the broker has dropped is not used again)."""
        app = self.tasks.app
        try:
            with app.connection_for_write() as conn:
                return bool(app.control.ping(destination=[full], timeout=0.5, connection=conn))
        except Exception:
            return False

    def inspect(self, full):
        return self.tasks.app.control.inspect(destination=[full], timeout=1.0)

    def ids_in_queue(self):
        return [json.loads(m)["headers"]["id"] for m in self.r.lrange("celery", 0, -1)]

    def ids_unacked(self):
        """Kombu keeps what a node took and has not acknowledged in the
        `unacked` hash: delivery tag -> [envelope, exchange, routing key]."""
        return [json.loads(v)[0]["headers"]["id"] for v in self.r.hvals("unacked")]

    def running_and_reserved(self, full, running, reserved):
        """Waits until the node runs `running` tasks and holds `reserved`
        more taken but not started; returns their ids."""
        i = self.inspect(full)
        state = {}

        def look():
            active = (i.active() or {}).get(full, [])
            held = (i.reserved() or {}).get(full, [])
            state["ids"] = ([t["id"] for t in active], [t["id"] for t in held])
            return len(active) == running and len(held) == reserved
        assert wait_for(look, START), f"{full} holds {state}"
        return state["ids"]

    def total(self, full):
        stats = (self.inspect(full).stats() or {}).get(full, {})
        return stats.get("total", {})

    def close(self):
        for p in self.nodes.values():
            if p.poll() is None:
                p.kill()
            p.wait()
        if self.redis and self.redis.poll() is None:
            self.redis.kill()
            self.redis.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def killed(p):
    """SIGKILL to a node, as the lab's `k` does; returns whether its pool
    processes were gone within a second of its end."""
    pool = descendants(p.pid)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    return wait_for(lambda: not any(alive(q) for q in pool), 1.0)


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in "ZX"
    except FileNotFoundError:
        return False


class Events:
    """Celery's own event receiver on a thread, as a monitor (the lab, or
    `celery events`) follows the `celeryev` exchange; it stops at the
    `until`-th event of type `until_type`."""

    def __init__(self, app, until_type, until):
        import threading
        self.types = []
        self.ready = threading.Event()
        self.thread = threading.Thread(
            target=self._run, args=(app, until_type, until), daemon=True)
        self.thread.start()
        assert self.ready.wait(START), "the event receiver did not start"

    def _run(self, app, until_type, until):
        with app.connection() as conn:
            def on_event(event):
                self.types.append(event["type"])
                if self.types.count(until_type) >= until:
                    recv.should_stop = True
            recv = app.events.Receiver(conn, handlers={"*": on_event})
            # Subscribed as capture starts; the first event can come only
            # once a node has started, seconds later.
            self.ready.set()
            recv.capture(limit=None, timeout=START, wakeup=False)

    def join(self):
        self.thread.join(START)
        return sorted(set(t for t in self.types if t.startswith("task-")))


@case
def delay_and_a_node():
    c = Cluster()
    try:
        events = Events(c.tasks.app, "task-succeeded", 4)
        # Sent with no node up: each delay() is one message on the list.
        [c.tasks.count_primes.delay(3000) for _ in range(4)]
        queued = c.r.llen("celery")
        full, p = c.start_node("node1")
        assert wait_for(lambda: c.total(full).get("tasks.count_primes") == 4, START)
        stats = c.inspect(full).stats()[full]
        return {
            "queued_by_delay": queued,
            "node_name": full == f"node1@{HOST}",
            "pool_processes": stats["pool"]["max-concurrency"],
            "pool_is_prefork": stats["pool"]["implementation"].endswith("prefork:TaskPool"),
            "task_events": events.join(),
            "ran": c.total(full),
            "queue_after": c.r.llen("celery"),
            "redis_save": c.r.config_get("save")["save"],
            "redis_appendonly": c.r.config_get("appendonly")["appendonly"],
        }
    finally:
        c.close()


@case
def kill_with_acks_late_off():
    """A node runs one task and has taken a second; SIGKILL. The running
    one was acknowledged when it started: it is gone from the broker. The
    second is unacknowledged: once the visibility timeout has passed, a
    live node takes it."""
    c = Cluster()
    try:
        full, p = c.start_node("node1")
        for _ in range(2):
            c.tasks.sleep.delay(3.0)
        (running,), (held,) = c.running_and_reserved(full, 1, 1)
        unacked_at_kill = c.ids_unacked()
        delivered = float(c.r.zscore("unacked_index", c.r.hkeys("unacked")[0]))
        pool_gone = killed(p)
        after_kill = c.ids_in_queue() + c.ids_unacked()
        full2, _ = c.start_node("node2")
        assert wait_for(lambda: c.total(full2).get("tasks.sleep") == 1, START)
        ran_at = time.time()
        # The lost one never comes back: it is nowhere in the broker.
        return {
            "running_unacked_at_kill": running in unacked_at_kill,
            "reserved_unacked_at_kill": held in unacked_at_kill,
            "pool_died_with_node": pool_gone,
            "running_in_broker_after_kill": running in after_kill,
            "reserved_in_broker_after_kill": held in after_kill,
            "reserved_ran_on_another_node": True,
            "after_visibility_timeout": ran_at - delivered >= VISIBILITY,
            "left_in_broker": c.ids_in_queue() + c.ids_unacked(),
        }
    finally:
        c.close()


@case
def kill_with_acks_late_on():
    """With acks_late a node acknowledges after the task returns, and
    holds nothing more (prefetch 1): SIGKILL mid-task, and the task comes
    back to another node once the visibility timeout has passed."""
    c = Cluster()
    try:
        full, p = c.start_node("node1")
        first = c.tasks.sleep_late.delay(3.0).id
        (running,), () = c.running_and_reserved(full, 1, 0)
        second = c.tasks.sleep_late.delay(0.1).id
        time.sleep(0.5)
        unacked_at_kill = c.ids_unacked()
        queued_at_kill = c.ids_in_queue()
        delivered = float(c.r.zscore("unacked_index", c.r.hkeys("unacked")[0]))
        pool_gone = killed(p)
        full2, _ = c.start_node("node2")
        assert wait_for(lambda: c.total(full2).get("tasks.sleep_late") == 2, START)
        return {
            "running_is_first": running == first,
            "running_unacked_at_kill": first in unacked_at_kill,
            "nothing_more_taken": queued_at_kill == [second],
            "pool_died_with_node": pool_gone,
            "running_ran_again_on_another_node": True,
            "after_visibility_timeout": time.time() - delivered >= VISIBILITY,
            "left_in_broker": c.ids_in_queue() + c.ids_unacked(),
        }
    finally:
        c.close()


@case
def warm_shutdown():
    """SIGTERM: the node finishes the task it runs and puts the one it had
    taken but not started back on the queue at once, well before the
    visibility timeout (here 30 s)."""
    c = Cluster(visibility=30.0)
    try:
        full, p = c.start_node("node1")
        for _ in range(2):
            c.tasks.sleep.delay(1.5)
        (running,), (held,) = c.running_and_reserved(full, 1, 1)
        t = time.time()
        os.kill(p.pid, signal.SIGTERM)
        code = p.wait(timeout=START)
        return {
            "exitcode": code,
            "took_less_than_the_timeout": time.time() - t < 30.0,
            "reserved_back_in_queue": c.ids_in_queue() == [held],
            "unacked_after": c.ids_unacked(),
        }
    finally:
        c.close()


@case
def broker_restarted():
    """redis-server with `--save "" --appendonly no` keeps nothing: killed
    and started again on its port, its queue is empty; a node that lost it
    finds it again by itself."""
    c = Cluster()
    try:
        full, _ = c.start_node("node1")
        c.r.lpush("probe", "x")
        c.redis.kill()
        c.redis.wait()
        c.start_redis()
        back = wait_for(lambda: c.ping(full), START)
        return {"kept_after_restart": c.r.llen("probe"), "node_back": back}
    finally:
        c.close()


@case
def pool_peer():
    """The speedup's one-machine peer: Pool.map of the same function, one
    item per task, and the script the lab runs for it."""
    c = Cluster()
    try:
        from multiprocessing import Pool
        with Pool(2) as pool:
            results = pool.map(c.tasks._count_primes, [3000] * 4, chunksize=1)
        out = subprocess.run(
            [sys.executable, "pool_run.py", "count_primes", "3000", "2", "4"],
            cwd=c.dir, env=dict(os.environ, PYTHONPATH=c.dir),
            capture_output=True, text=True, check=True)
        wall, first = out.stdout.split()
        return {
            "results": results,
            "same_as_the_task": results[0] == c.tasks._count_primes(3000),
            "script_result": int(first),
            "script_timed": float(wall) > 0,
        }
    finally:
        c.close()


run()
