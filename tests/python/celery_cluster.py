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
    """A redis-server (unless ``broker`` is false) and nodes, in a private
    folder holding the tasks module; everything stopped by ``close``."""

    def __init__(self, visibility=VISIBILITY, broker=True):
        self.dir = tempfile.mkdtemp(prefix="proclab-witness-")
        for name in ("tasks.py", "pool_run.py"):
            shutil.copy(os.path.join(SHIPPED, name), self.dir)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.visibility = visibility
        self.redis = None
        self.nodes = {}
        if broker:
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
        """Starts a node and waits until it answers."""
        return self.start_nodes([name], concurrency)[0]

    def start_nodes(self, names, concurrency=1):
        """The lab's line for each, all at once: celery -A tasks worker
        -c C -n NAME@%h -E --without-gossip --without-mingle; waits until
        every one answers."""
        started = [self.spawn_node(n, concurrency) for n in names]
        for full, p in started:
            ok = wait_for(lambda: self.ping(full), START)
            log = os.path.join(self.dir, f"{full.split('@')[0]}.log")
            assert ok, f"{full} did not answer; its log:\n" + open(log).read()[-2000:]
        return started

    def spawn_node(self, name, concurrency):
        env = dict(os.environ, PYTHONPATH=self.dir, PYTHONDONTWRITEBYTECODE="1")
        log = open(os.path.join(self.dir, f"{name}.log"), "w")
        p = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tasks", "worker",
             "-c", str(concurrency), "-n", f"{name}@%h", "-E",
             "--without-gossip", "--without-mingle"],
            cwd=self.dir, env=env, stdout=log, stderr=subprocess.STDOUT)
        full = f"{name}@{HOST}"
        self.nodes[full] = p
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

    def ask(self, full, method):
        """An inspect request (`active`, `reserved`, `stats`) to one node,
        over a connection of its own; its reply, or {} without one."""
        app = self.tasks.app
        try:
            with app.connection_for_write() as conn:
                i = app.control.inspect(destination=[full], timeout=1.0, connection=conn)
                return (getattr(i, method)() or {}).get(full, {})
        except Exception:
            return {}

    def consume(self, full, on):
        """Tells a node to stop taking tasks from the queue, or to start
        again (remote control's cancel_consumer and add_consumer)."""
        app = self.tasks.app
        with app.connection_for_write() as conn:
            call = app.control.add_consumer if on else app.control.cancel_consumer
            return call("celery", destination=[full], reply=True, connection=conn)

    def ids_in_queue(self):
        return [json.loads(m)["headers"]["id"] for m in self.r.lrange("celery", 0, -1)]

    def ids_unacked(self):
        """Kombu keeps what a node took and has not acknowledged in the
        `unacked` hash: delivery tag -> [envelope, exchange, routing key]."""
        return [json.loads(v)[0]["headers"]["id"] for v in self.r.hvals("unacked")]

    def running_and_reserved(self, full, running, reserved):
        """Waits until the node runs `running` tasks and holds `reserved`
        more taken but not started; returns their ids."""
        state = {}

        def look():
            active = self.ask(full, "active") or []
            held = self.ask(full, "reserved") or []
            state["ids"] = ([t["id"] for t in active], [t["id"] for t in held])
            return len(active) == running and len(held) == reserved
        assert wait_for(look, START), f"{full} holds {state}"
        return state["ids"]

    def total(self, full):
        return self.ask(full, "stats").get("total", {})

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
def one_node():
    """A node started with the lab's line runs what delay() sent; the
    broker killed and started again comes back empty and the node finds it
    again; then SIGTERM (a warm shutdown): the node finishes the task it
    runs and puts the one it had taken but not started back on the queue
    at once, well before the visibility timeout (here 30 s)."""
    c = Cluster(visibility=30.0)
    try:
        events = Events(c.tasks.app, "task-succeeded", 4)
        # Sent with no node up: each delay() is one message on the list.
        [c.tasks.count_primes.delay(3000) for _ in range(4)]
        queued = c.r.llen("celery")
        full, p = c.start_node("node1")
        assert wait_for(lambda: c.total(full).get("tasks.count_primes") == 4, START)
        stats = c.ask(full, "stats")
        out = {
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
        c.r.lpush("probe", "x")
        c.redis.kill()
        c.redis.wait()
        c.start_redis()
        out["kept_after_restart"] = c.r.llen("probe")
        out["node_back"] = wait_for(lambda: c.ping(full), START)
        # This process's pooled connections died with the broker: these
        # two go out over a new one.
        import kombu
        with c.tasks.app.connection_for_write() as conn:
            producer = kombu.Producer(conn)
            for _ in range(2):
                c.tasks.sleep.apply_async((1.5,), producer=producer)
        (running,), (held,) = c.running_and_reserved(full, 1, 1)
        t = time.time()
        os.kill(p.pid, signal.SIGTERM)
        out["warm_exitcode"] = p.wait(timeout=START)
        out["warm_took_less_than_the_timeout"] = time.time() - t < 30.0
        out["reserved_back_in_queue"] = c.ids_in_queue() == [held]
        out["unacked_after_warm_stop"] = c.ids_unacked()
        return out
    finally:
        c.close()


@case
def killed_nodes():
    """A node runs one task and has taken a second; SIGKILL. acks_late off:
    the running one was acknowledged when it started and is gone from the
    broker; the second is unacknowledged and goes to a live node once the
    visibility timeout has passed. Then acks_late on: a node acknowledges
    after the task returns and takes nothing more meanwhile (prefetch 1);
    killed mid-task, the task goes to another node after the timeout."""
    c = Cluster()
    try:
        out = {}
        # Three nodes start together; each takes tasks only when let.
        (full, p), (full2, _), (full3, p3) = c.start_nodes(["node1", "node2", "node3"])
        c.consume(full2, False)
        c.consume(full3, False)
        for _ in range(2):
            c.tasks.sleep.delay(3.0)
        (running,), (held,) = c.running_and_reserved(full, 1, 1)
        unacked_at_kill = c.ids_unacked()
        delivered = float(c.r.zscore("unacked_index", c.r.hkeys("unacked")[0]))
        out["off_pool_died_with_node"] = killed(p)
        after_kill = c.ids_in_queue() + c.ids_unacked()
        c.consume(full2, True)
        assert wait_for(lambda: c.total(full2).get("tasks.sleep") == 1, START)
        out.update({
            "off_running_unacked_at_kill": running in unacked_at_kill,
            "off_reserved_unacked_at_kill": held in unacked_at_kill,
            "off_running_in_broker_after_kill": running in after_kill,
            "off_reserved_in_broker_after_kill": held in after_kill,
            "off_reserved_ran_on_another_node": True,
            "off_after_visibility_timeout": time.time() - delivered >= VISIBILITY,
        })
        # The lost one never comes back: once node2 runs the other (and so
        # has acknowledged it), the broker holds nothing.
        assert wait_for(lambda: c.ask(full2, "active"), START)
        out["off_left_in_broker"] = c.ids_in_queue() + c.ids_unacked()

        # Now node3 alone takes tasks: acks_late ones.
        c.consume(full2, False)
        c.consume(full3, True)
        first = c.tasks.sleep_late.delay(2.0).id
        (running,), () = c.running_and_reserved(full3, 1, 0)
        second = c.tasks.sleep_late.delay(0.1).id
        time.sleep(0.5)
        unacked_at_kill = c.ids_unacked()
        queued_at_kill = c.ids_in_queue()
        delivered = max(float(s) for _, s in c.r.zrange("unacked_index", 0, -1, withscores=True))
        out["on_pool_died_with_node"] = killed(p3)
        c.consume(full2, True)
        assert wait_for(lambda: c.total(full2).get("tasks.sleep_late") == 2, START)
        out.update({
            "on_running_is_first": running == first,
            "on_running_unacked_at_kill": first in unacked_at_kill,
            "on_nothing_more_taken": second in queued_at_kill,
            "on_running_ran_again_on_another_node": True,
            "on_after_visibility_timeout": time.time() - delivered >= VISIBILITY,
        })
        return out
    finally:
        c.close()


@case
def pool_peer():
    """The speedup's one-machine peer: Pool.map of the same function, one
    item per task, and the script the lab runs for it."""
    c = Cluster(broker=False)
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
