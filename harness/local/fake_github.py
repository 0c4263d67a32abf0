"""A fake GitHub REST API (``GET /events``) on loopback, with the real headers and faults on demand.

    with FakeGitHub(events) as api:          # newest first, as GitHub lists them
        api.enqueue(Fault.rate_limited(reset_in=30), Fault.server_error(503))
        ...  # point the ingest handler at api.url
        api.served, api.served_ids, api.status_counts

Served like GitHub: at most ``window`` events (GitHub keeps ~300), ``per_page`` up to 100, pages linked
with ``Link: <...>; rel="next"``, a strong ``ETag`` per page body honoured by ``If-None-Match`` (304, no
body, no rate-limit cost), ``X-Poll-Interval``, and ``X-RateLimit-*`` counting down per 200.

Faults are consumed in order, one per request (a fault with ``times=n`` serves n requests):
304, 403 with a reset time, 429 with Retry-After, 5xx, a delay past the client's timeout, a truncated
body, malformed JSON, events pushed on top before serving (which shifts later pages: duplicates across
pages, as on the real API) and an arbitrary set of records served in place of the page.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from harness.local.loopback import LoopbackServer

__all__ = ["FakeGitHub", "Fault"]


@dataclass
class Fault:
    """One injected behaviour for the next request(s). Build with the class methods."""

    kind: str
    status: int = 200
    delay: float = 0.0
    retry_after: int | None = None
    reset_in: int | None = None
    events: list[Any] = field(default_factory=list)
    times: int = 1
    page: int | None = None  # only apply to requests for this page (None: any)

    def on_page(self, page: int) -> Fault:
        """Hold this fault until a request for ``page`` comes (e.g. fail page 2 of a poll)."""
        self.page = page
        return self

    @classmethod
    def not_modified(cls, times: int = 1) -> Fault:
        return cls("not_modified", status=304, times=times)

    @classmethod
    def rate_limited(cls, reset_in: int = 60, times: int = 1) -> Fault:
        """403 with ``X-RateLimit-Remaining: 0`` and a reset ``reset_in`` seconds ahead."""
        return cls("rate_limited", status=403, reset_in=reset_in, times=times)

    @classmethod
    def too_many_requests(cls, retry_after: int = 30, times: int = 1) -> Fault:
        """429 with ``Retry-After`` (a secondary rate limit)."""
        return cls("too_many_requests", status=429, retry_after=retry_after, times=times)

    @classmethod
    def server_error(cls, status: int = 500, times: int = 1) -> Fault:
        if not 500 <= status <= 599:
            raise ValueError(f"server_error needs a 5xx status, got {status}")
        return cls("server_error", status=status, times=times)

    @classmethod
    def client_error(cls, status: int = 401, times: int = 1) -> Fault:
        return cls("client_error", status=status, times=times)

    @classmethod
    def slow(cls, delay: float, times: int = 1) -> Fault:
        """Wait ``delay`` seconds before answering normally (set it past the client's timeout)."""
        return cls("slow", delay=delay, times=times)

    @classmethod
    def truncated(cls, times: int = 1) -> Fault:
        """Announce the full Content-Length, send half the body, close the connection."""
        return cls("truncated", times=times)

    @classmethod
    def malformed_json(cls, times: int = 1) -> Fault:
        return cls("malformed_json", times=times)

    @classmethod
    def push_events(cls, events: Iterable[Any], page: int | None = None) -> Fault:
        """New events arrive on top of the feed just before this request is served."""
        return cls("push_events", events=list(events), page=page)

    @classmethod
    def serve_records(cls, records: Iterable[Any], page: int | None = None) -> Fault:
        """Serve exactly ``records`` (any JSON values, e.g. invalid events) as this page's body."""
        return cls("serve_records", events=list(records), page=page)


class FakeGitHub(LoopbackServer):
    what = "the fake GitHub API"
    server_version = "GitHub.com"

    def __init__(
        self,
        events: Iterable[Any] = (),
        *,
        window: int = 300,
        poll_interval: int = 60,
        rate_limit: int = 5000,
        clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
    ) -> None:
        super().__init__(host)
        self.window = window
        self.poll_interval = poll_interval
        self.rate_limit = rate_limit
        self.clock = clock
        self._lock = threading.RLock()  # _send re-enters it
        self._feed: list[Any] = list(events)
        self._faults: deque[Fault] = deque()
        self._remaining = rate_limit
        self._reset_at = int(clock()) + 3600
        self.reset_counters()

    # state ---------------------------------------------------------------------------------------
    def load_events(self, events: Iterable[Any]) -> None:
        """Replace the feed (newest first)."""
        with self._lock:
            self._feed = list(events)

    def push_events(self, events: Iterable[Any]) -> None:
        """New events arrive: ``events`` (newest first) go on top of the feed."""
        with self._lock:
            self._feed = list(events) + self._feed

    def enqueue(self, *faults: Fault) -> None:
        with self._lock:
            self._faults.extend(faults)

    @property
    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    def reset_counters(self) -> None:
        self.requests = 0
        self.served = 0  # event records returned in 200 bodies, repeats included
        self.served_ids: Counter[str] = Counter()
        self.served_records: list[Any] = []
        self.status_counts: Counter[int] = Counter()
        self.request_log: list[dict[str, Any]] = []

    @property
    def unique_ids(self) -> set[str]:
        return set(self.served_ids)

    # request handling ----------------------------------------------------------------------------
    def _take_fault(self, page: int) -> Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            if fault.page is not None and fault.page != page:
                return None
            fault.times -= 1
            if fault.times <= 0:
                self._faults.popleft()
            return fault

    def _rate_headers(self) -> dict[str, str]:
        now = int(self.clock())
        if now >= self._reset_at:
            self._remaining = self.rate_limit
            self._reset_at = now + 3600
        return {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(self._remaining),
            "X-RateLimit-Reset": str(self._reset_at),
            "X-RateLimit-Used": str(self.rate_limit - self._remaining),
            "X-RateLimit-Resource": "core",
        }

    def _respond(self, req: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(req.path)
        query = parse_qs(parts.query)
        try:
            per_page = max(1, min(100, int(query.get("per_page", ["30"])[0])))
            page = max(1, int(query.get("page", ["1"])[0]))
        except ValueError:
            self._send(req, 422, {}, json.dumps({"message": "Invalid request"}).encode())
            return
        with self._lock:
            self.requests += 1
            self.request_log.append(
                {
                    "path": req.path,
                    "page": page,
                    "if_none_match": req.headers.get("If-None-Match"),
                    "authorization": req.headers.get("Authorization"),
                    "user_agent": req.headers.get("User-Agent"),
                }
            )
        if parts.path.rstrip("/") != "/events":
            self._send(req, 404, {}, json.dumps({"message": "Not Found"}).encode())
            return

        fault = self._take_fault(page)
        kind = fault.kind if fault else None
        if fault and kind == "slow" and self._stopping.wait(fault.delay):
            return
        if fault and kind == "push_events":
            self.push_events(fault.events)

        with self._lock:
            headers = {"X-Poll-Interval": str(self.poll_interval), **self._rate_headers()}
            if kind == "not_modified":
                self._send(req, 304, headers, b"")
                return
            if kind == "rate_limited":
                self._remaining = 0
                self._reset_at = int(self.clock()) + int(fault.reset_in or 60)  # type: ignore[union-attr]
                body = {"message": "API rate limit exceeded for 127.0.0.1.", "documentation_url": "x"}
                self._send(req, 403, {**headers, **self._rate_headers()}, json.dumps(body).encode())
                return
            if kind == "too_many_requests":
                headers["Retry-After"] = str(fault.retry_after)  # type: ignore[union-attr]
                body = {"message": "You have exceeded a secondary rate limit."}
                self._send(req, 429, headers, json.dumps(body).encode())
                return
            if kind in {"server_error", "client_error"}:
                body = {"message": "Server Error" if kind == "server_error" else "Bad credentials"}
                self._send(req, fault.status, headers, json.dumps(body).encode())  # type: ignore[union-attr]
                return

            feed = self._feed[: self.window]
            last_page = max(1, -(-len(feed) // per_page))
            records = (
                fault.events if kind == "serve_records" else feed[(page - 1) * per_page : page * per_page]
            )  # type: ignore[union-attr]
            body = json.dumps(records, separators=(",", ":")).encode()
            etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
            if kind in {None, "slow", "push_events"} and req.headers.get("If-None-Match") in {
                etag,
                f"W/{etag}",
            }:
                self._send(req, 304, {**headers, "ETag": etag}, b"")
                return
            if kind == "malformed_json":
                body = body[: max(1, len(body) // 2)] + b"}{not json"
            headers["ETag"] = etag
            links = []
            base = f"http://{req.headers.get('Host', self.url.removeprefix('http://'))}{parts.path}"
            if page < last_page:
                links.append(f'<{base}?per_page={per_page}&page={page + 1}>; rel="next"')
                links.append(f'<{base}?per_page={per_page}&page={last_page}>; rel="last"')
            if page > 1:
                links.append(f'<{base}?per_page={per_page}&page=1>; rel="first"')
                links.append(f'<{base}?per_page={per_page}&page={page - 1}>; rel="prev"')
            if links:
                headers["Link"] = ", ".join(links)
            self._remaining = max(0, self._remaining - 1)
            headers.update(self._rate_headers())
            if kind not in {"malformed_json", "truncated"}:
                self.served += len(records)
                self.served_records.extend(records)
                self.served_ids.update(r["id"] for r in records if isinstance(r, dict) and "id" in r)
        if kind == "truncated":
            self._send(req, 200, headers, body, truncate=True)
        else:
            self._send(req, 200, headers, body)

    def _send(
        self,
        req: BaseHTTPRequestHandler,
        status: int,
        headers: dict[str, str],
        body: bytes,
        truncate: bool = False,
    ) -> None:
        with self._lock:
            self.status_counts[status] += 1
        req.send_response(status)
        if status != 304:
            req.send_header("Content-Type", "application/json; charset=utf-8")
            req.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            req.send_header(name, value)
        if truncate:
            req.send_header("Connection", "close")
            req.close_connection = True
        req.end_headers()
        if status == 304:
            return
        req.wfile.write(body[: len(body) // 2] if truncate else body)
        req.wfile.flush()
