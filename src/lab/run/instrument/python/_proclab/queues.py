"""Queues: each Queue, JoinableQueue and SimpleQueue made by the program
gets an id, carried to spawned processes inside the queue's pickled state,
and two counters per process (puts and gets that returned). The sender
reports a process's totals when they change; proclab adds them over the
processes, so a queue's depth is puts minus gets across the program.

A put or get pays for one itertools.count step (atomic under the GIL), so
a hot loop stays within a few percent of its speed without proclab.
"""

import itertools
import weakref

from . import hooks, where, wire
from .hooks import on_import

TAG = "proclab-queue"

# id -> [weakref to the queue, put counter, get counter, last put, last get]
_live = {}


def _count_of(counter):
    # repr is "count(N)"; reading it does not step the counter
    return int(repr(counter)[6:-1])


def _counters(q, qid, internal):
    """Gives q fresh counters; registers it for reports unless internal."""
    put, get = itertools.count(), itertools.count()
    d = q.__dict__
    d["_proclab_q"] = qid
    d["_proclab_internal"] = internal
    d["_proclab_put"] = put
    d["_proclab_get"] = get
    if not internal:
        _live[qid] = [weakref.ref(q), put, get, 0, 0]
        wire.ensure_sender()


def _made(result, args, kwargs):
    q = args[0]
    at, nested = where.site()
    qid = hooks.new_id()
    _counters(q, qid, nested)
    if not nested:
        e = {"k": "made", "what": type(q).__name__, "id": qid, "at": at}
        maxsize = q.__dict__.get("_maxsize")
        if isinstance(maxsize, int):
            e["maxsize"] = maxsize
        wire.emit(e)


def _getstate(orig):
    def __getstate__(self):
        state = orig(self)
        d = self.__dict__
        if type(state) is tuple and "_proclab_q" in d:
            state = state + ((TAG, d["_proclab_q"], d.get("_proclab_internal", False)),)
        return state

    return __getstate__


def _setstate(orig):
    def __setstate__(self, state):
        tag = None
        if type(state) is tuple and state:
            last = state[-1]
            if type(last) is tuple and len(last) == 3 and last[0] == TAG:
                tag, state = last, state[:-1]
        orig(self, state)
        if tag is not None:
            hooks.report(_counters, self, tag[1], bool(tag[2]))

    return __setstate__


def _put3(orig):
    def put(self, obj, block=True, timeout=None):
        try:
            orig(self, obj, block, timeout)
        except BaseException as e:
            hooks.hide(e)
            raise
        try:
            next(self._proclab_put)
        except Exception:
            pass

    return put


def _get3(orig):
    def get(self, block=True, timeout=None):
        try:
            item = orig(self, block, timeout)
        except BaseException as e:
            hooks.hide(e)
            raise
        try:
            next(self._proclab_get)
        except Exception:
            pass
        return item

    return get


def _put1(orig):
    def put(self, obj):
        try:
            orig(self, obj)
        except BaseException as e:
            hooks.hide(e)
            raise
        try:
            next(self._proclab_put)
        except Exception:
            pass

    return put


def _get1(orig):
    def get(self):
        try:
            item = orig(self)
        except BaseException as e:
            hooks.hide(e)
            raise
        try:
            next(self._proclab_get)
        except Exception:
            pass
        return item

    return get


def sample():
    out = []
    for qid, entry in list(_live.items()):
        put, get = _count_of(entry[1]), _count_of(entry[2])
        if put != entry[3] or get != entry[4]:
            entry[3], entry[4] = put, get
            out.append({"k": "q", "id": qid, "put": put, "get": get})
        if entry[0]() is None:
            del _live[qid]
    return out


def _after_fork():
    """A child counts its own puts and gets, from zero."""
    for qid, entry in list(_live.items()):
        q = entry[0]()
        if q is None:
            del _live[qid]
            continue
        put, get = itertools.count(), itertools.count()
        q.__dict__["_proclab_put"] = put
        q.__dict__["_proclab_get"] = get
        entry[1:] = [put, get, 0, 0]


wire.samplers.append(sample)
wire.fork_resetters.append(_after_fork)


@on_import("multiprocessing.queues")
def _patch(m):
    for cls in (m.Queue, m.SimpleQueue):
        hooks.wrap(cls, "__init__", after=_made)
        hooks.replace(cls, "__getstate__", _getstate)
        hooks.replace(cls, "__setstate__", _setstate)
    hooks.replace(m.Queue, "put", _put3)
    hooks.replace(m.Queue, "get", _get3)
    hooks.replace(m.JoinableQueue, "put", _put3)
    hooks.replace(m.SimpleQueue, "put", _put1)
    hooks.replace(m.SimpleQueue, "get", _get1)
