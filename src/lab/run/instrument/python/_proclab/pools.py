"""Pools: a Pool made with its processes, each map/imap/imap_unordered/
starmap/apply_async with its job number and chunksize, and, inside each
worker, which chunks of which job it took and finished.

A worker's tasks come through the pool's inqueue (a SimpleQueue whose id
the worker knows), so tasks are reported against that id; the Pool's
"made" event gives it as `inq`. Chunk numbers taken are sent as ranges
once per tick, not one message per task.
"""

import _thread

from . import hooks, where, wire
from .hooks import on_import

_pool_module = [None]
# job -> [inq id, chunk indices taken, done, failed, items taken], since
# the last report; shared by the worker's thread and the sender
_jobs = {}
_lock = [_thread.allocate_lock()]


def _entry(job, inq):
    entry = _jobs.get(job)
    if entry is None:
        entry = _jobs[job] = [inq, [], 0, 0, 0]
    return entry


def _pool_made(result, args, kwargs):
    pool = args[0]
    at, nested = where.site()
    pid = hooks.new_id()
    d = pool.__dict__
    d["_proclab_p"] = pid
    inq = d.get("_inqueue")
    workers = [getattr(w, "pid", None) for w in d.get("_pool", [])]
    wire.emit(
        {
            "k": "made",
            "what": type(pool).__name__,
            "id": pid,
            "processes": d.get("_processes"),
            "workers": [w for w in workers if isinstance(w, int)],
            "inq": getattr(inq, "__dict__", {}).get("_proclab_q"),
            "at": at,
        }
    )


def _result_made(result, args, kwargs):
    res = args[0]
    if _map_result_inside(res):
        return
    user, api = where.frames()
    d = res.__dict__
    pool = d.get("_pool")
    e = {
        "k": "call",
        "api": api.f_code.co_name if api is not None else type(res).__name__,
        "pool": getattr(pool, "__dict__", {}).get("_proclab_p"),
        "job": d.get("_job"),
        "at": where.line_of(user),
    }
    if api is not None:
        local = api.f_locals
        e["func"] = where.callable_name(local.get("func"))
        chunksize = d.get("_chunksize", local.get("chunksize"))
        if isinstance(chunksize, int):
            e["chunksize"] = chunksize
    value = d.get("_value")
    if type(value) is list:
        e["items"] = len(value)
    wire.emit(e)


def _map_result_inside(res):
    """ApplyResult.__init__ running inside MapResult.__init__: wait for it."""
    m = _pool_module[0]
    return m is not None and isinstance(res, m.MapResult) and "_chunksize" not in res.__dict__


def _pool_call(name):
    def after(result, args, kwargs):
        pool = args[0]
        wire.emit({"k": "call", "api": name, "pool": pool.__dict__.get("_proclab_p"), "at": where.at()})

    return after


def _chunk_len(func, args):
    m = _pool_module[0]
    if m is not None and (func is m.mapstar or func is m.starmapstar):
        try:
            return len(args[0][1])
        except Exception:
            return 1
    return 1


class _Tasks(object):
    """The worker's inqueue, seen through: each task got is noted."""

    def __init__(self, q):
        self._proclab_inner = q
        self._proclab_inq = getattr(q, "__dict__", {}).get("_proclab_q")

    def __getattr__(self, name):
        return getattr(self._proclab_inner, name)

    def get(self):
        task = self._proclab_inner.get()
        try:
            if type(task) is tuple and len(task) == 5:
                job, i, func, args, _ = task
                n = _chunk_len(func, args)
                with _lock[0]:
                    entry = _entry(job, self._proclab_inq)
                    entry[1].append(i)
                    entry[4] += n
                if not wire.st.running:
                    wire.ensure_sender()
        except Exception:
            pass
        return task


class _Results(object):
    """The worker's outqueue, seen through: each result put is noted."""

    def __init__(self, q, tasks):
        self._proclab_inner = q
        self._proclab_tasks = tasks
        self._proclab_inq = tasks._proclab_inq

    def __getattr__(self, name):
        return getattr(self._proclab_inner, name)

    def put(self, obj):
        try:
            if type(obj) is tuple and len(obj) == 3:
                ok = type(obj[2]) is tuple and obj[2] and obj[2][0] is True
                with _lock[0]:
                    _entry(obj[0], self._proclab_inq)[2 if ok else 3] += 1
                # No task waiting: this may be the last result the pool
                # needs, and the pool may terminate its workers as soon as
                # it has it. Report first (the worker would wait anyway).
                if not self._proclab_tasks._proclab_inner._poll():
                    wire.flush(wire.TIMEOUT)
        except Exception:
            pass
        return self._proclab_inner.put(obj)


def _ranges(indices):
    out = []
    for i in sorted(indices):
        if out and out[-1][1] + 1 == i:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def sample():
    with _lock[0]:
        jobs = list(_jobs.items())
        _jobs.clear()
    return [
        {"k": "tasks", "inq": inq, "job": job, "took": _ranges(took), "items": items, "done": done, "failed": failed}
        for job, (inq, took, done, failed, items) in jobs
    ]


def _after_fork():
    _jobs.clear()
    _lock[0] = _thread.allocate_lock()


def _worker(orig):
    def worker(inqueue, outqueue, *args, **kwargs):
        try:
            tasks = _Tasks(inqueue)
            results = _Results(outqueue, tasks)
            wire.emit({"k": "worker", "inq": tasks._proclab_inq})
        except Exception:
            tasks, results = inqueue, outqueue
        return orig(tasks, results, *args, **kwargs)

    return worker


wire.samplers.append(sample)
wire.fork_resetters.append(_after_fork)


@on_import("multiprocessing.pool")
def _patch(m):
    _pool_module[0] = m
    hooks.wrap(m.Pool, "__init__", after=_pool_made)
    for name in ("close", "terminate", "join"):
        hooks.wrap(m.Pool, name, after=_pool_call(name))
    hooks.wrap(m.ApplyResult, "__init__", after=_result_made)
    hooks.wrap(m.MapResult, "__init__", after=_result_made)
    hooks.wrap(m.IMapIterator, "__init__", after=_result_made)
    hooks.replace(m, "worker", _worker)
