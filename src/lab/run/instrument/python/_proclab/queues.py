"""Queues: each Queue, JoinableQueue and SimpleQueue made by the program
gets an id, carried to spawned processes inside the queue's pickled state.

A Queue's depth, puts minus gets across all processes, is kept by the
queue itself: its semaphore `_sem` is taken by each put and given back
by each get (it is what qsize() reads). The process that made the queue
reads it at each tick, so put() and get() run unwrapped: a hot loop pays
nothing. A JoinableQueue's unfinished tasks are read the same way.

A SimpleQueue has no semaphore: each process counts its own puts and
gets (one itertools.count step, atomic under the GIL) and reports its
totals when they change; proclab adds them over the processes.
"""

import itertools
import weakref

from . import hooks, where, wire
from .hooks import on_import

TAG = "proclab-queue"

# id -> [weakref to the queue, put counter, get counter, last put, last get]
# for SimpleQueues; [weakref, None, None, last size, last unfinished] for
# the Queues this process made
_live = {}


def _count_of(counter):
    # repr is "count(N)"; reading it does not step the counter
    return int(repr(counter)[6:-1])


def _counters(q, qid, internal):
    """Gives q its id, and a SimpleQueue fresh counters; registers it for
    reports unless internal."""
    d = q.__dict__
    d["_proclab_q"] = qid
    d["_proclab_internal"] = internal
    if "_sem" in d:
        return
    put, get = itertools.count(), itertools.count()
    d["_proclab_put"] = put
    d["_proclab_get"] = get
    if not internal:
        # Freed queues are noticed by a callback: the sender never holds
        # one (its last reference dropped there would run the program's
        # finalizers on the sender's thread).
        _live[qid] = [weakref.ref(q, _freed(qid)), put, get, 0, 0, False]
        wire.ensure_sender()


def _freed(qid):
    def freed(_ref):
        entry = _live.get(qid)
        if type(entry) is list:
            entry[5] = True

    return freed


class _Sampled(object):
    """A Queue this process made, read through its semaphores' C objects:
    they stay readable after the queue is freed (its last depth is then
    reported), without keeping the queue, or its finalizers, waiting."""

    __slots__ = ("qid", "ref", "maxsize", "sem", "joinable", "unfinished", "last")

    def __init__(self, q, qid):
        d = q.__dict__
        self.qid = qid
        self.ref = weakref.ref(q, self.gone)
        self.maxsize = d["_maxsize"]
        self.sem = d["_sem"]._semlock
        # JoinableQueue.__init__ makes its task count after Queue.__init__
        self.joinable = type(q).__name__ == "JoinableQueue"
        self.unfinished = None
        self.last = None

    def read(self):
        """The event to send, if the queue changed since the last one."""
        if self.joinable and self.unfinished is None:
            q = self.ref()
            if q is not None and "_unfinished_tasks" in q.__dict__:
                self.unfinished = q.__dict__["_unfinished_tasks"]._semlock
        size = self.maxsize - self.sem._get_value()
        unfinished = self.unfinished._get_value() if self.unfinished is not None else None
        if (size, unfinished) == self.last:
            return None
        self.last = (size, unfinished)
        e = {"k": "q", "id": self.qid, "size": size}
        if unfinished is not None:
            e["unfinished"] = unfinished
        return e

    def gone(self, _ref):
        # A weakref callback: whatever goes wrong must stay here.
        try:
            _live.pop(self.qid, None)
            e = self.read()
            if e is not None:
                wire.emit(e)
        except Exception:
            pass


def _sampled(q, qid):
    """The process that made a Queue reads its depth."""
    _live[qid] = _Sampled(q, qid)
    wire.ensure_sender()


def _made(result, args, kwargs):
    q = args[0]
    at, nested = where.site()
    qid = hooks.new_id()
    _counters(q, qid, nested)
    if not nested and "_sem" in q.__dict__:
        _sampled(q, qid)
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
        if type(entry) is _Sampled:
            e = entry.read()
        else:
            put, get = _count_of(entry[1]), _count_of(entry[2])
            e = None
            if put != entry[3] or get != entry[4]:
                entry[3], entry[4] = put, get
                e = {"k": "q", "id": qid, "put": put, "get": get}
        if e is not None:
            out.append(e)
        if type(entry) is list and entry[5]:
            _live.pop(qid, None)
    return out


def _after_fork():
    """A child counts its own puts and gets, from zero; the Queues' depth
    stays the parent's to read."""
    for qid, entry in list(_live.items()):
        q = entry[0]() if type(entry) is list else None
        if q is None:
            del _live[qid]
            continue
        put, get = itertools.count(), itertools.count()
        q.__dict__["_proclab_put"] = put
        q.__dict__["_proclab_get"] = get
        entry[1:] = [put, get, 0, 0, False]


wire.samplers.append(sample)
wire.fork_resetters.append(_after_fork)


@on_import("multiprocessing.queues")
def _patch(m):
    for cls in (m.Queue, m.SimpleQueue):
        hooks.wrap(cls, "__init__", after=_made)
        hooks.replace(cls, "__getstate__", _getstate)
        hooks.replace(cls, "__setstate__", _setstate)
    hooks.replace(m.SimpleQueue, "put", _put1)
    hooks.replace(m.SimpleQueue, "get", _get1)
