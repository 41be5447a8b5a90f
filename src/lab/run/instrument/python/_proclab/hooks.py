"""Patching multiprocessing as its modules are imported, and the wrappers'
common rules.

A finder at the front of sys.meta_path sees each import of a module this
package patches (multiprocessing.queues, .pool, ...), lets the usual
finder find it and patches the module once it has run, so a program that
never imports multiprocessing pays nothing. Every wrapper calls the
original first and reports after; what it reports is computed in a
try/except, so no new exception reaches the program; an exception from
the original leaves with the traceback it would have had (the wrapper's
own frame is dropped: exact on 3.11+, where a bare `raise` keeps
`__traceback__`; on 3.8-3.10 one frame of this package shows).
"""

import functools
import sys

from . import where, wire

# module name -> functions that patch it once it has run
_patchers = {}
_ids = [0]


def on_import(name):
    def register(fn):
        _patchers.setdefault(name, []).append(fn)
        return fn

    return register


def new_id():
    """An id unique across the program's processes: this pid and a count."""
    _ids[0] += 1
    return "%d.%d" % (wire.st.pid, _ids[0])


def hide(e):
    tb = e.__traceback__
    if tb is not None and where.kind(tb.tb_frame.f_code) == where.OURS:
        e.__traceback__ = tb.tb_next


def report(fn, *args):
    """Calls a reporting function; whatever it raises stays here."""
    try:
        fn(*args)
    except Exception:
        pass


def _mark(wrapper, orig):
    functools.update_wrapper(wrapper, orig)
    wrapper._proclab = True
    return wrapper


def wrap(owner, name, after=None, before=None):
    """Replaces owner.name (a class's function or a module's) by a wrapper
    calling before(self_or_first, args, kwargs), the original, then
    after(self_or_first, result, args, kwargs)."""
    orig = owner.__dict__.get(name)
    if orig is None or getattr(orig, "_proclab", False):
        return
    if isinstance(orig, (staticmethod, classmethod)):
        return

    def wrapper(*args, **kwargs):
        if before is not None:
            try:
                before(args, kwargs)
            except Exception:
                pass
        try:
            result = orig(*args, **kwargs)
        except BaseException as e:
            hide(e)
            raise
        if after is not None:
            try:
                after(result, args, kwargs)
            except Exception:
                pass
        return result

    setattr(owner, name, _mark(wrapper, orig))


def replace(owner, name, make):
    """Replaces owner.name by make(orig), a wrapper written for it."""
    orig = owner.__dict__.get(name)
    if orig is None or getattr(orig, "_proclab", False):
        return
    setattr(owner, name, _mark(make(orig), orig))


def _patch(name, module):
    for fn in _patchers.get(name, ()):
        try:
            fn(module)
        except Exception:
            pass


class _Finder(object):
    """Finds nothing itself: wraps the loader the other finders give for
    the modules to patch."""

    def find_spec(self, name, path=None, target=None):
        if name not in _patchers:
            return None
        try:
            for finder in sys.meta_path:
                if finder is self:
                    continue
                find = getattr(finder, "find_spec", None)
                if find is None:
                    continue
                spec = find(name, path, target)
                if spec is not None:
                    break
            else:
                return None
            exec_module = getattr(spec.loader, "exec_module", None)
            # A loader that is a class serves every module: leave it alone.
            if exec_module is None or isinstance(spec.loader, type):
                return spec

            def exec_and_patch(module):
                exec_module(module)
                _patch(name, module)

            spec.loader.exec_module = exec_and_patch
            return spec
        except Exception:
            return None

    def invalidate_caches(self):
        pass


def install():
    from . import pools, procs, queues, shared, waits  # noqa: F401 (they register)

    sys.meta_path.insert(0, _Finder())
    for name in list(_patchers):
        module = sys.modules.get(name)
        if module is not None:
            _patch(name, module)
