"""The fake GitHub feed `lakehouse run` fills: in this process, or in the `lakehouse up` process behind
its loopback control endpoint."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from harness.errors import EndpointUnreachable


class Feed(Protocol):
    def load(self, records: list[Any]) -> None: ...
    def push(self, records: list[Any]) -> None: ...
    def served_records(self) -> list[Any]: ...


@dataclass
class LocalFeed:
    api: Any  # FakeGitHub

    def load(self, records: list[Any]) -> None:
        self.api.load_events(records)
        self.api.reset_counters()

    def push(self, records: list[Any]) -> None:
        self.api.push_events(records)

    def served_records(self) -> list[Any]:
        return list(self.api.served_records)


@dataclass
class RemoteFeed:
    control_url: str

    def _call(self, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.control_url}{path}", data=data, method="POST" if data else "GET")
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return json.loads(resp.read() or b"null")
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise EndpointUnreachable(
                f"the `lakehouse up` environment's control endpoint {self.control_url} does not answer "
                f"({reason}); restart it with `lakehouse down && lakehouse up`"
            ) from None

    def load(self, records: list[Any]) -> None:
        self._call("/load", records)

    def push(self, records: list[Any]) -> None:
        self._call("/push", records)

    def served_records(self) -> list[Any]:
        return list(self._call("/served"))


def control_server(api: Any) -> ThreadingHTTPServer:
    """Loopback endpoint through which `lakehouse run` feeds the `up` process's fake GitHub API."""
    feed = LocalFeed(api)

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, value: Any) -> None:
            body = json.dumps(value).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/served":
                self._reply(feed.served_records())
            else:
                self.send_error(404)

        def do_POST(self) -> None:
            records = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            if self.path == "/load":
                feed.load(records)
            elif self.path == "/push":
                feed.push(records)
            else:
                self.send_error(404)
                return
            self._reply(None)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
