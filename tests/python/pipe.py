"""Pipe(): when recv() meets EOFError and send() BrokenPipeError, with the
unused ends left open or closed, under fork and under spawn.

recv() raises EOFError only once every copy of the other end is closed:
the parent's and the one a child inherited (fork) or was handed (args).
Until then it blocks. The same holds for send() and BrokenPipeError.
Where it blocks, ``held_by`` names who still holds the other end, read
from /proc as proclab reads it."""

import os
import signal
import sys
import time

from witness import (BROKEN_PIPE, EOF_ERROR, HANG, RETURNED, both_methods,
                     end_of, held_by, outcome, run, wait_state)

WORDS = {EOF_ERROR: "EOFError", BROKEN_PIPE: "BrokenPipeError", RETURNED: "returned"}


def said(code):
    return WORDS.get(code, code)


def receiver(got, r, w=None, close_w=False):
    if close_w:
        w.close()
    try:
        r.recv()
        got.set()
        while True:
            r.recv()
    except EOFError:
        sys.exit(EOF_ERROR)


def sender(r, w, close_r=False):
    if close_r:
        r.close()
    w.send("item")
    while True:
        time.sleep(0.01)


def reads_once(got, r, w, close_w=False):
    if close_w:
        w.close()
    r.recv()
    got.set()
    while True:
        time.sleep(0.01)


def sends_when_told(r, w, go, close_r=False):
    if close_r:
        r.close()
    w.send("item")
    go.wait()
    try:
        for _ in range(4000):
            w.send(b"x" * 1024)
    except BrokenPipeError:
        sys.exit(BROKEN_PIPE)
    sys.exit(RETURNED)


def recv_after_the_sender_dies(ctx, duplex, close, args_of_receiver="both"):
    """Starts a receiver and a sender, kills the sender, and says what the
    receiver's recv() did, and who held the sender's end then."""
    a, b = ctx.Pipe(duplex=duplex)
    sender_end = end_of(b)
    got = ctx.Event()
    # One way: a is r (receive only), b is w (send only).
    rargs = (got, a, b, close) if args_of_receiver == "both" else (got, a)
    rec = ctx.Process(target=receiver, args=rargs)
    snd = ctx.Process(target=sender, args=(a, b, close))
    rec.start()
    snd.start()
    if close or args_of_receiver == "r":
        a.close()
        b.close()
    # The receiver has its first item and waits in recv() for the next.
    got.wait(30)
    wait_state(rec.pid, "S")
    snd.kill()
    snd.join()
    held = held_by(sender_end, {"parent": os.getpid(), "receiver": rec.pid})
    return {"recv": said(outcome(rec)), "held_by": held}


def send_after_the_receiver_dies(ctx, duplex, close):
    a, b = ctx.Pipe(duplex=duplex)
    receiver_end = end_of(a)
    go, got = ctx.Event(), ctx.Event()
    rec = ctx.Process(target=reads_once, args=(got, a, b, close))
    snd = ctx.Process(target=sends_when_told, args=(a, b, go, close))
    rec.start()
    snd.start()
    if close:
        a.close()
        b.close()
    got.wait(30)
    rec.kill()
    rec.join()
    held = held_by(receiver_end, {"parent": os.getpid(), "sender": snd.pid})
    go.set()
    return {"send": said(outcome(snd)), "held_by": held}


@both_methods
def oneway_recv_ends_open(ctx):
    """r, w = Pipe(duplex=False); nobody closes w: the receiver blocks."""
    return recv_after_the_sender_dies(ctx, False, close=False)


@both_methods
def oneway_recv_parent_closes(ctx):
    """The parent closes its ends; the receiver, given only r, holds an
    inherited w under fork (blocks) but not under spawn (EOFError)."""
    return recv_after_the_sender_dies(ctx, False, close=False, args_of_receiver="r")


@both_methods
def oneway_recv_ends_closed(ctx):
    """The parent closes both ends after start(); the receiver closes w,
    the sender r: killing the sender gives the receiver EOFError."""
    return recv_after_the_sender_dies(ctx, False, close=True)


@both_methods
def oneway_send_ends_open(ctx):
    return send_after_the_receiver_dies(ctx, False, close=False)


@both_methods
def oneway_send_ends_closed(ctx):
    return send_after_the_receiver_dies(ctx, False, close=True)


@both_methods
def duplex_recv_ends_open(ctx):
    return recv_after_the_sender_dies(ctx, True, close=False)


@both_methods
def duplex_recv_ends_closed(ctx):
    return recv_after_the_sender_dies(ctx, True, close=True)


@both_methods
def duplex_send_ends_open(ctx):
    return send_after_the_receiver_dies(ctx, True, close=False)


@both_methods
def duplex_send_ends_closed(ctx):
    return send_after_the_receiver_dies(ctx, True, close=True)


def sends_then_closes(r, w, n):
    r.close()
    for i in range(n):
        w.send(i)
    w.close()


def counts_until_eof(r, w, out):
    w.close()
    n = 0
    try:
        while True:
            r.recv()
            n += 1
    except EOFError:
        out.put(n)
        sys.exit(EOF_ERROR)


@both_methods
def sender_closes(ctx):
    """The sender closes its end after its last item: the receiver reads
    every item, then recv() raises EOFError."""
    r, w = ctx.Pipe(duplex=False)
    out = ctx.Queue()
    rec = ctx.Process(target=counts_until_eof, args=(r, w, out))
    snd = ctx.Process(target=sends_then_closes, args=(r, w, 100))
    rec.start()
    snd.start()
    r.close()
    w.close()
    code = outcome(rec)
    snd.join()
    return {"received": out.get(timeout=5) if code == EOF_ERROR else None,
            "then": said(code), "sender_exit": snd.exitcode}


def error_of(call):
    try:
        call()
    except Exception as e:
        return type(e).__name__
    return None


@both_methods
def pipe_ends(ctx):
    """a, b = Pipe(): both ends send and receive. r, w = Pipe(duplex=False):
    r only receives, w only sends."""
    a, b = ctx.Pipe()
    a.send("ping")
    b.send(b.recv() + "-pong")
    r, w = ctx.Pipe(duplex=False)
    return {"duplex_round_trip": a.recv(), "r_send": error_of(lambda: r.send(1)),
            "w_recv": error_of(w.recv)}


if __name__ == "__main__":
    run()
