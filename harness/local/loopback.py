"""A fake HTTP service on loopback, served from a background thread (the fake GitHub API, the fake GH
Archive): start/stop, a context manager, its URL, and a stop that lets in-flight handlers finish."""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

# serve_forever's poll for the loopback servers that use it (moto in the local AWS process, the local
# Athena): shutdown() waits out one poll at every stop, 0.5 s by default; this costs an idle server 20
# wakeups a second.
SHUTDOWN_POLL_SECONDS = 0.05


class LoopbackServer:
    """Subclasses answer each GET in ``_respond``; handlers sleeping in a slow fault wait on
    ``_stopping``, which ``stop`` sets before it waits for them."""

    what = "the fake service"  # for errors
    server_version = "Fake"

    def __init__(self, host: str) -> None:
        if not host.startswith("127.") and host != "localhost":
            raise ValueError(f"{self.what} only binds to loopback")
        self._host = host
        self._stopping = threading.Event()
        self._idle = threading.Condition()
        self.in_flight = 0  # requests being handled right now
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None  # stop writes, the accept loop reads

    def _respond(self, req: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = ThreadingHTTPServer((self._host, 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.timeout = 0  # handle_request never blocks: it is only called once a connection waits
        self._wake = socket.socketpair()
        self._thread = threading.Thread(
            target=_accept_until_woken,
            args=(self._server, self._wake[1]),
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # wakes slow or stalled handlers and stops streaming ones
        assert self._wake is not None
        self._wake[0].send(b"x")  # ends the accept loop now (serve_forever's shutdown waits out a poll)
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._idle:  # let those handlers finish before we return
            self._idle.wait_for(lambda: self.in_flight == 0, timeout=5)
        self._server.server_close()
        for end in self._wake:
            end.close()
        self._server = None
        self._thread = None
        self._wake = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL, no trailing slash."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"


def _accept_until_woken(server: ThreadingHTTPServer, wake: socket.socket) -> None:
    """Serves each connection (on a thread of its own) until ``wake`` is readable."""
    with selectors.DefaultSelector() as selector:
        selector.register(server, selectors.EVENT_READ)
        selector.register(wake, selectors.EVENT_READ)
        while True:
            ready = {key.fileobj for key, _ in selector.select()}
            if wake in ready:
                return
            server.handle_request()  # accepts the waiting connection


def _handler_for(service: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Keep-alive connections: without TCP_NODELAY the body, written after the headers, waits
        # for the client's delayed ACK (Nagle), ~40 ms per request on Linux loopback.
        disable_nagle_algorithm = True
        server_version = service.server_version
        sys_version = ""

        def do_GET(self) -> None:
            with service._idle:
                service.in_flight += 1
            try:
                # The client may give up first (its timeout fired during a slow fault or a stall).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    service._respond(self)
            finally:
                with service._idle:
                    service.in_flight -= 1
                    service._idle.notify_all()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # tests read the counters, not stderr

    return Handler
