"""gunicorn's sync worker, made safe from clients that send half a request and wait.

gunicorn's sync worker reads a request with blocking socket calls and no timeout of its own:
a client that sends half a request line holds the process until the arbiter's `timeout`
(300 s here) kills it, and 20 such clients kept every process of a 4-process server busy
(bench/bench_slow_clients.py). gunicorn has no setting for this: its `timeout` is a
per-request watchdog that restarts the process, and gthread's 5 s wait covers only
connections that send nothing. A read timeout on the socket alone is not enough either: each
slow client then still holds a process for that long, in turn (20 clients, 4 processes, 5 s:
25 s without an answer).

So a process hands a new connection to its own request handling only once the connection's
whole request head (request line and headers) has arrived. Until then the connection waits
in a small selector thread of the process (`_HeadGatherer`, epoll), costing no worker time,
and is closed when the head is not complete within `web_read_timeout` seconds. Once handled,
every read and write of the connection (a request body, the answer) also times out after
`web_read_timeout` seconds without progress; data that keeps coming (a large upload over a
slow link) is not cut. Linux (epoll), as the service's gunicorn deployment is.
"""

from __future__ import annotations

import errno
import logging
import os
import queue
import select
import socket
import threading
import time

from gunicorn import util
from gunicorn.workers.sync import SyncWorker

HEAD_PEEK = 65536  # a head longer than this goes to gunicorn, whose limits refuse it


class ReadTimeoutSyncWorker(SyncWorker):
    read_timeout: float = 0.0  # set by search_app.serve before gunicorn forks (0: none)

    def init_process(self):
        self.log.error_log.addFilter(_QuietTimeouts(self.read_timeout))
        self._ready: queue.SimpleQueue = queue.SimpleQueue()
        self._gatherer = None
        if self.read_timeout > 0 and not self.cfg.is_ssl:
            self._gatherer = _HeadGatherer(self.read_timeout, self._ready, self._wake,
                                           self.log)
        super().init_process()  # runs the worker's loop

    def _wake(self) -> None:
        """Make the worker's select() return (its own pipe, as gunicorn's signals do)."""
        try:
            os.write(self.PIPE[1], b".")
        except BlockingIOError:
            pass  # the pipe is full: the worker is waking anyway

    def accept(self, listener):
        self._serve_ready()
        client, addr = listener.accept()
        client.setblocking(True)
        util.close_on_exec(client)
        if self._gatherer is None:
            self._handle(listener, client, addr)
        elif _head_state(client) == "complete":  # the usual case: no detour
            self._handle(listener, client, addr)
        else:
            self._gatherer.add(listener, client, addr)

    def wait(self, timeout):
        try:
            return super().wait(timeout)
        finally:
            self._serve_ready()

    def _serve_ready(self) -> None:
        """Handle the connections whose request head has arrived meanwhile."""
        while True:
            try:
                listener, client, addr = self._ready.get_nowait()
            except queue.Empty:
                return
            self.notify()
            client.setblocking(True)
            self._handle(listener, client, addr)

    def _handle(self, listener, client, addr) -> None:
        if self.read_timeout > 0:
            client.settimeout(self.read_timeout)
        self.handle(listener, client, addr)


def _head_state(sock: socket.socket) -> str:
    """"complete" (the request head has arrived, or more than HEAD_PEEK of it), "closed"
    (the client went away or sent nothing and closed), or "partial"; never blocks."""
    try:
        data = sock.recv(HEAD_PEEK, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return "partial"
    except OSError:
        return "closed"
    if not data:
        return "closed"
    if b"\r\n\r\n" in data or b"\n\n" in data or len(data) >= HEAD_PEEK:
        return "complete"
    return "partial"


class _HeadGatherer:
    """Connections whose request head has not arrived yet, watched by one thread with
    edge-triggered epoll (woken only when more data comes, not while a partial head
    waits); complete ones go to `ready`, late ones are closed."""

    def __init__(self, seconds: float, ready: queue.SimpleQueue, wake, log):
        self.seconds, self.ready, self.wake, self.log = seconds, ready, wake, log
        self.epoll = select.epoll()
        self.lock = threading.Lock()
        self.waiting: dict[int, tuple[float, object, socket.socket, object]] = {}
        threading.Thread(target=self._run, name="head-gatherer", daemon=True).start()

    def add(self, listener, client: socket.socket, addr) -> None:
        fd = client.fileno()
        with self.lock:
            self.waiting[fd] = (time.monotonic() + self.seconds, listener, client, addr)
        self.epoll.register(fd, select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLET)
        self._check(fd)  # data may have come between the accept and the register

    def _run(self) -> None:
        while True:
            try:
                events = self.epoll.poll(0.25)
            except InterruptedError:
                continue
            for fd, _mask in events:
                self._check(fd)
            now = time.monotonic()
            with self.lock:
                late = [fd for fd, (deadline, *_rest) in self.waiting.items() if deadline < now]
            for fd in late:
                if self._take(fd, close=True):
                    self.log.warning("closed a connection whose request did not arrive "
                                     "within %g s (web_read_timeout)", self.seconds)

    def _check(self, fd: int) -> None:
        with self.lock:
            entry = self.waiting.get(fd)
        if entry is None:
            return
        state = _head_state(entry[2])
        if state == "complete":
            taken = self._take(fd, close=False)
            if taken is not None:
                self.ready.put(taken)
                self.wake()
        elif state == "closed":
            self._take(fd, close=True)

    def _take(self, fd: int, close: bool):
        """Stop watching fd: (listener, client, addr), or None when already taken."""
        with self.lock:
            entry = self.waiting.pop(fd, None)
        if entry is None:
            return None
        _deadline, listener, client, addr = entry
        try:
            self.epoll.unregister(fd)
        except OSError as exc:
            if exc.errno not in (errno.ENOENT, errno.EBADF):
                raise
        if close:
            util.close(client)
        return listener, client, addr


class _QuietTimeouts(logging.Filter):
    """A timed-out client is an expected event, not a traceback: one line instead."""

    def __init__(self, seconds: float):
        super().__init__()
        self.seconds = seconds

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, TimeoutError):
            record.msg = "closed a connection silent for %g s mid-request (web_read_timeout)"
            record.args = (self.seconds,)
            record.exc_info = record.exc_text = None
        return True
