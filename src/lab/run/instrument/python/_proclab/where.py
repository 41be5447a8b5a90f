"""Where in the program a call came from: the first frame outside
multiprocessing, the standard library and this package, as `file:line`.
"""

import os
import sys
from types import BuiltinFunctionType, FunctionType, MethodType

_here = os.path.dirname(os.path.abspath(__file__))
_stdlib = os.path.dirname(os.path.abspath(os.__file__))
_mp = os.path.join(_stdlib, "multiprocessing")

USER, MP, OURS, STDLIB = 0, 1, 2, 3
_kinds = {}


def kind(code):
    k = _kinds.get(code)
    if k is None:
        f = code.co_filename
        if f.startswith(_here + os.sep):
            k = OURS
        elif f.startswith(_mp + os.sep):
            k = MP
        elif f.startswith("<frozen") or (
            f.startswith(_stdlib + os.sep) and "-packages" + os.sep not in f
        ):
            k = STDLIB
        else:
            k = USER
        _kinds[code] = k
    return k


def frames():
    """(user, api): the program's innermost frame on the stack, and the
    frame it called into (the multiprocessing function it called), leaving
    out this package's own frames at the top. Either may be None."""
    f = sys._getframe(1)
    while f is not None and kind(f.f_code) == OURS:
        f = f.f_back
    api = None
    while f is not None:
        k = kind(f.f_code)
        if k == USER:
            return f, api
        if k != OURS:
            api = f
        f = f.f_back
    return None, api


def site():
    """(at, nested): `at` is the program's `file:line` for the call being
    reported (None if no frame of the program is on the stack); `nested`
    is True when another hook of this package or a standard library module
    other than multiprocessing lies between, so that the object is not the
    program's own (a Lock inside a Queue, the Queues inside a Pool)."""
    f = sys._getframe(1)
    while f is not None and kind(f.f_code) == OURS:
        f = f.f_back
    nested = False
    while f is not None:
        k = kind(f.f_code)
        if k == USER:
            return "%s:%d" % (f.f_code.co_filename, f.f_lineno), nested
        if k != MP:
            nested = True
        f = f.f_back
    return None, nested


def at():
    return site()[0]


def line_of(frame):
    if frame is None:
        return None
    return "%s:%d" % (frame.f_code.co_filename, frame.f_lineno)


def callable_name(fn):
    """`module.qualname` of a target, without running the program's code
    (no repr, no __getattr__ of its objects): a function's own name, else
    its class's."""
    if fn is None:
        return None
    t = type(fn)
    if t is MethodType:
        fn = fn.__func__
        t = type(fn)
    if t is FunctionType or t is BuiltinFunctionType:
        return "%s.%s" % (fn.__module__, fn.__qualname__)
    return "%s.%s" % (t.__module__, t.__qualname__)
