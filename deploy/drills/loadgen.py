#!/usr/bin/env python3
"""Closed-loop HTTP/1.1 load: N keep-alive connections, each sending one POST after the other for D seconds (or until SIGUSR1).

Every request gets exactly one outcome, written to an .npy file of records (start offset s, latency s, status):
status is the HTTP code, or a negative code for a client-side failure (-1 connection refused/reset or closed before
a full response, -2 timeout, -3 malformed response). A failed request is counted and its connection reopened; it
is not retried (the balancer's retries are what the drills measure). Standard library + numpy only.

loadgen.py --host 127.0.0.1 --port P --path /v1/models/dense:predict --body FILE --connections 64 --duration 60 \
           --out records.npy
"""
import argparse
import asyncio
import signal
import time

import numpy as np

REFUSED, TIMEOUT, MALFORMED = -1, -2, -3


async def read_response(reader):
    """Reads one response; returns the status code. Raises on a short or malformed response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise ValueError(f"bad status line {lines[0][:60]!r}")
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        if b":" in line:
            k, v = line.split(b":", 1)
            headers[k.strip().lower()] = v.strip()
    if b"content-length" in headers:
        await reader.readexactly(int(headers[b"content-length"]))
    elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    close = headers.get(b"connection", b"").lower() == b"close"
    return status, close


async def worker(args, request, t0, deadline, records):
    reader = writer = None
    while True:
        start = time.monotonic()
        if start >= deadline[0]:
            break
        status = None
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(args.host, args.port), args.timeout)
            writer.write(request)
            status, close = await asyncio.wait_for(read_response(reader), args.timeout)
            if close:
                writer.close()
                writer = None
        except asyncio.TimeoutError:
            status = TIMEOUT
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            status = REFUSED
        except (ValueError, asyncio.LimitOverrunError):
            status = MALFORMED
        if status < 0 and writer is not None:
            writer.close()
            writer = None
        records.append((start - t0, time.monotonic() - start, status))
        if status == REFUSED:
            await asyncio.sleep(0.01)  # a refused connection must not spin
    if writer is not None:
        writer.close()


async def main_async(args):
    body = open(args.body, "rb").read()
    request = (f"POST {args.path} HTTP/1.1\r\nHost: {args.host}:{args.port}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    records = []
    t0 = time.monotonic()
    if args.start_at:
        # Start on the driver's clock (time.time()), so event times and request times share one origin.
        await asyncio.sleep(max(0.0, args.start_at - time.time()))
        t0 = time.monotonic()
    deadline = [t0 + args.duration]
    # SIGUSR1 ends the run early (the driver's events are done): requests in flight finish and are recorded.
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, lambda: deadline.__setitem__(0, 0.0))
    await asyncio.gather(*(worker(args, request, t0, deadline, records) for _ in range(args.connections)))
    return np.array(records, dtype=[("t", "f8"), ("latency", "f8"), ("status", "i4")])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", required=True)
    ap.add_argument("--body", required=True)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--timeout", type=float, default=15)
    ap.add_argument("--start-at", type=float, default=0, help="wall-clock time (time.time()) to start at")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    records = asyncio.run(main_async(args))
    np.save(args.out, records)
    ok = int((records["status"] == 200).sum())
    print(f"{len(records)} requests, {ok} ok, {len(records) - ok} failed")


if __name__ == "__main__":
    main()
