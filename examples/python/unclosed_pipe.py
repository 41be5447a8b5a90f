"""An unclosed pipe end that hangs.

recv() raises EOFError only once every copy of the pipe's write end is
closed. The receiver was given both ends and never closes the write end
it does not use, so after the last message it would wait forever: its own
copy keeps the pipe open. Here it gives up after a few seconds and says
so. With --fixed it closes its write end first, and gets EOF at once.

    python3 unclosed_pipe.py [SECONDS] [--fixed]
"""

import multiprocessing as mp
import os
import sys


def receiver(r, w, wait, fixed):
    if fixed:
        w.close()  # the end this process does not use
    while True:
        if not r.poll(wait):
            print(f"receiver: no message and no EOF after {wait} s: a write end is still open")
            return
        try:
            print("receiver got", r.recv())
        except EOFError:
            print("receiver: EOF, every write end is closed")
            return


def main(wait, fixed):
    r, w = mp.Pipe(duplex=False)
    p = mp.Process(target=receiver, args=(r, w, wait, fixed), name="receiver")
    p.start()
    r.close()  # the parent only writes
    for word in ("fetch", "process", "save"):
        w.send(word)
    w.close()  # the parent's copy of the write end
    p.join()


if __name__ == "__main__":
    if os.environ.get("MP_START"):
        mp.set_start_method(os.environ["MP_START"])
    args = [a for a in sys.argv[1:] if a != "--fixed"]
    main(float(args[0]) if args else 5.0, "--fixed" in sys.argv)
