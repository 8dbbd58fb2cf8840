#!/usr/bin/python3
"""A PSI trigger poller, as Documentation/accounting/psi.rst's example: open FILE O_RDWR|O_NONBLOCK,
write TRIGGER ("some 150000 1000000"), poll() for POLLPRI up to TIMEOUT seconds.

Prints one line: `write ERRNO-NAME` when the write fails (exit 2), else
`armed` once the trigger is written (flushed at once, for the tests to wait for), then
`event pri=0|1 err=0|1 in=0|1 after=SECONDS` for the first poll() that returns with POLLPRI or
POLLERR, or `timeout after=SECONDS` (exit 1). With --events N it waits for N POLLPRI events
(and stops at the first POLLERR). --open-only: open and print `opened` or `open ERRNO-NAME`."""
import errno
import os
import select
import sys
import time


def main(argv):
    args = argv[1:]
    events, open_only = 1, False
    while args and args[0].startswith("--"):
        if args[0] == "--events":
            events = int(args[1])
            args = args[2:]
        elif args[0] == "--open-only":
            open_only = True
            args = args[1:]
        else:
            print("unknown option " + args[0])
            return 64
    path, trigger, timeout = args[0], args[1], float(args[2])
    try:
        fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    except OSError as e:
        print("open " + errno.errorcode[e.errno], flush=True)
        return 2
    if open_only:
        print("opened", flush=True)
        return 0
    try:
        os.write(fd, trigger.encode().decode("unicode_escape").encode("latin-1"))
    except OSError as e:
        print("write " + errno.errorcode[e.errno], flush=True)
        return 2
    print("armed", flush=True)
    p = select.poll()
    p.register(fd, select.POLLPRI)
    start = time.monotonic()
    seen = 0
    while True:
        left = timeout - (time.monotonic() - start)
        if left <= 0:
            print("timeout after=%.3f" % (time.monotonic() - start), flush=True)
            return 1
        ev = p.poll(int(left * 1000) + 1)
        if not ev:
            continue
        m = ev[0][1]
        pri, err = int(m & select.POLLPRI != 0), int(m & select.POLLERR != 0)
        if pri and not err:
            seen += 1
            if seen < events:
                continue
        if pri or err:
            print("event pri=%d err=%d in=%d after=%.3f" % (pri, err, int(m & select.POLLIN != 0),
                                                           time.monotonic() - start), flush=True)
            return 0


sys.exit(main(sys.argv))
