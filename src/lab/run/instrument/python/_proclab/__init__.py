"""proclab's instrumentation of multiprocessing, started by the
sitecustomize beside this package when proclab runs a program.

Each process connects to proclab (PROCLAB_EVENTS, a Unix socket in a
private folder), says who it is, and reports what the program does with
multiprocessing: see wire (the connection), hooks (patching on import),
procs, queues, pools and shared (what is reported). Nothing here changes
what the program prints, returns or raises.
"""


def start():
    from . import hooks, wire

    if wire.start():
        hooks.install()
