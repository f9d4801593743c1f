"""The stored analyses (analysed.py) of a big build's passages, made by worker processes.

A build's indexing process is what the build waits for, and the stored analysis was about
half of its time (py-spy, 628 UNGA texts) while the reader processes sat partly idle. With
`procs` > 1 the analyses are made by that many worker processes, a document at a time, while
this process goes on storing and indexing; they come back in the documents' order. The
documents are still taken from `batches` in this process (the store they are written to is
this process's own).

The workers are `python -m indexer.engines.analysing` processes on two pipes, like the
readers (ingest/reader.py), not a multiprocessing pool: spawn would import the caller's
main script again in each worker, and fork would copy the writer's threads and the readers'
pipe ends. Each worker takes its requests on a thread of its own, so that this process never
waits to send while the worker waits for its answer to be read.
"""

from __future__ import annotations

import pickle
import queue
import signal
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from typing import TypeVar

from indexer import children
from indexer.engines import analysed

T = TypeVar("T")
IN_FLIGHT = 8  # documents handed to a worker and not yet indexed


Encode = Callable[[dict], str]  # a record's stored analysis (analysed.encode with its analysis)


def in_order(batches: Iterable[tuple[T, list[dict]]], encode: Encode,
             procs: int = 1) -> Iterator[tuple[T, list[dict], list[str]]]:
    """(item, records, each record's stored analysis) for each (item, passage records) of
    `batches`, in order. `encode` must pickle (a module-level function, or a partial of one):
    the workers import it."""
    if procs <= 1:
        try:
            for item, records in batches:
                yield item, records, [encode(r) for r in records]
        finally:  # this may be a server process, indexing an upload
            analysed.forget_pieces()
        return
    workers: list[_Worker] = []
    try:
        workers = [_Worker() for _ in range(procs)]
        waiting: deque[tuple[T, list[dict], _Worker]] = deque()
        for n, (item, records) in enumerate(batches):
            worker = workers[n % procs]
            worker.send(encode, [_needed(r) for r in records])
            waiting.append((item, records, worker))
            if len(waiting) >= IN_FLIGHT * procs:
                item, records, worker = waiting.popleft()
                yield item, records, worker.receive()
        while waiting:
            item, records, worker = waiting.popleft()
            yield item, records, worker.receive()
    finally:
        for worker in workers:
            worker.close()


def _needed(record: dict) -> dict:
    """What of a record the analysis reads (the rest need not cross to the worker)."""
    return {"content": record.get("content", ""), "lang": record.get("lang", ""),
            "title": record.get("title", "")}


class AnalysisWorkerFailed(RuntimeError):
    """A worker died or raised: a bug (or the machine killed it), never a user's error."""


class _Worker:
    """One worker process and the two pipes to it."""

    def __init__(self) -> None:
        self.proc, self.down, self.up = children.start("indexer.engines.analysing")

    def send(self, encode: Encode, records: list[dict]) -> None:
        self.down.send_bytes(pickle.dumps((encode, records)))

    def receive(self) -> list[str]:
        try:
            kind, value = pickle.loads(self.up.recv_bytes())
        except EOFError:
            raise AnalysisWorkerFailed(
                f"an analysis worker ended (exit status {self.proc.wait()})") from None
        if kind == "error":
            raise AnalysisWorkerFailed(f"an analysis worker failed:\n{value}")
        return value

    def close(self) -> None:
        children.stop(self.proc, self.down, self.up)


def _child_main(down_fd: int, up_fd: int, parent: int) -> int:
    """`python -m indexer.engines.analysing DOWN UP PARENT`: analyse the batches read from
    DOWN, answer each on UP in order, until DOWN closes."""
    children.die_with(parent)
    # a terminal's Ctrl-C goes to the build, which ends its workers itself
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    down = Connection(down_fd, writable=False)
    up = Connection(up_fd, readable=False)
    requests: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()

    def take() -> None:  # always reading, so that the parent never blocks sending
        try:
            while True:
                requests.put(down.recv_bytes())
        except EOFError:
            requests.put(None)

    threading.Thread(target=take, daemon=True).start()
    while (request := requests.get()) is not None:
        answer: tuple[str, list[str] | str]
        try:
            encode, records = pickle.loads(request)
            answer = ("ok", [encode(r) for r in records])
        except Exception:  # reported to the parent, which raises it
            answer = ("error", traceback.format_exc())
        try:
            up.send_bytes(pickle.dumps(answer))
        except BrokenPipeError:  # the parent stopped reading (it failed): nothing to say
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(*map(int, sys.argv[1:4])))
