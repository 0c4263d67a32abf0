"""Trino's client REST protocol (POST /v1/statement, then follow nextUri), over urllib: no extra dependency.

Numbers are kept as the text Trino sent (Java's rendering of doubles and reals is what Athena shows), so
result values are formatted without a round trip through Python floats.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

USER = "local-athena"
RETRY_STATUSES = (502, 503, 504)


class TrinoUnreachable(Exception):
    """The server did not answer (refused, reset, closed): it is down or has died."""


class TrinoQueryError(Exception):
    def __init__(self, error: dict[str, Any], query_id: str | None):
        super().__init__(error.get("message", "query failed"))
        self.error = error
        self.query_id = query_id

    @property
    def name(self) -> str:
        return str(self.error.get("errorName", "GENERIC_INTERNAL_ERROR"))

    @property
    def error_type(self) -> str:
        return str(self.error.get("errorType", "INTERNAL_ERROR"))

    @property
    def message(self) -> str:
        return str(self.error.get("message", ""))


@dataclass
class TrinoResult:
    query_id: str
    columns: list[dict[str, Any]]
    rows: list[list[Any]]
    update_type: str | None
    update_count: int | None
    stats: dict[str, Any]
    warnings: list[dict[str, Any]] = field(default_factory=list)


class QueryHandle:
    """What the Athena layer holds to stop a running query (StopQueryExecution)."""

    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self.next_uri: str | None = None

    def interrupt(self) -> None:
        self.cancelled.set()
        uri = self.next_uri
        if uri:
            _request("DELETE", uri, None, {}, timeout=5, ignore_errors=True)


def _request(
    method: str,
    url: str,
    body: bytes | None,
    headers: dict[str, str],
    timeout: float,
    ignore_errors: bool = False,
) -> dict[str, Any] | None:
    req = urllib.request.Request(url, data=body, method=method, headers={"X-Trino-User": USER, **headers})
    for attempt in range(20):
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                data = resp.read()
                return json.loads(data, parse_float=str, parse_int=str) if data else None
        except urllib.error.HTTPError as e:
            if e.code in RETRY_STATUSES and attempt < 19:
                time.sleep(0.1 * (attempt + 1))
                continue
            if ignore_errors:
                return None
            raise TrinoUnreachable(f"HTTP {e.code} from {url}: {e.read()[:200]!r}") from None
        except (
            urllib.error.URLError,
            http.client.HTTPException,
            ConnectionError,
            TimeoutError,
            OSError,
        ) as e:
            if ignore_errors:
                return None
            raise TrinoUnreachable(f"{type(e).__name__}: {getattr(e, 'reason', e)}") from None
    return None


def execute(
    base_url: str,
    sql: str,
    *,
    catalog: str,
    schema: str | None,
    session: dict[str, str] | None = None,
    prepared: dict[str, str] | None = None,
    handle: QueryHandle | None = None,
    on_stats: Callable[[dict[str, Any]], None] | None = None,
    timeout: float = 600,
) -> TrinoResult:
    """Run one statement to completion; raise TrinoQueryError when it fails, TrinoUnreachable when the
    server stops answering."""
    headers = {"X-Trino-Catalog": catalog, "X-Trino-Source": "lakehouse-local-athena"}
    if schema:
        headers["X-Trino-Schema"] = schema
    if session:
        headers["X-Trino-Session"] = ",".join(
            f"{k}={urllib.parse.quote(v, safe='')}" for k, v in session.items()
        )
    if prepared:
        headers["X-Trino-Prepared-Statement"] = ",".join(
            f"{k}={urllib.parse.quote(v, safe='')}" for k, v in prepared.items()
        )
    handle = handle or QueryHandle()
    resp = _request("POST", f"{base_url}/v1/statement", sql.encode(), headers, timeout=30)
    columns: list[dict[str, Any]] = []
    rows: list[list[Any]] = []
    update_type = update_count = None
    stats: dict[str, Any] = {}
    warnings: list[dict[str, Any]] = []
    query_id = ""
    while resp is not None:
        query_id = str(resp.get("id", query_id))
        columns = resp.get("columns") or columns
        rows.extend(resp.get("data") or [])
        stats = resp.get("stats") or stats
        warnings = resp.get("warnings") or warnings
        update_type = resp.get("updateType") or update_type
        if resp.get("updateCount") is not None:
            update_count = int(resp["updateCount"])
        if on_stats is not None and stats:
            on_stats(stats)
        if resp.get("error"):
            raise TrinoQueryError(resp["error"], query_id)
        next_uri = resp.get("nextUri")
        handle.next_uri = next_uri
        if not next_uri:
            break
        if handle.cancelled.is_set():
            handle.interrupt()
        resp = _request("GET", next_uri, None, {}, timeout=timeout)
    return TrinoResult(query_id, columns, rows, update_type, update_count, stats, warnings)


def query_final(base_url: str, query_id: str) -> bool:
    """Whether Trino has finished with a query: its tasks have all terminated (a failed query's writers
    have closed or aborted their files), not only its state being FAILED. False when it cannot tell."""
    try:
        info = _request("GET", f"{base_url}/v1/query/{urllib.parse.quote(query_id)}", None, {}, timeout=10)
    except TrinoUnreachable:
        return False
    return bool(info and info.get("finalQueryInfo"))
