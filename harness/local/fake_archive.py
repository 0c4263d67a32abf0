"""A fake GH Archive (``https://data.gharchive.org``) on loopback: hourly gzip JSONL files, faults on demand.

    with FakeArchive(seed=7, events_per_hour=1000, invalid_fraction=0.01, gaps={"2025-11-20T03"}) as archive:
        archive.enqueue(ArchiveFault.server_error(503, times=2), ArchiveFault.cut(hour="2025-11-20T04"))
        ...  # point the archive handler at archive.url
        archive.expected_events("2025-11-20T04")   # lines / valid / invalid / (type, repo) groups served

Files are named as GH Archive names them: ``/YYYY-MM-DD-H.json.gz`` with the hour *without* a leading
zero (``2025-11-20-9.json.gz``). Each is gzip JSONL, one event per line, in the envelope of GitHub's
``GET /events`` (the same event shape: id, type, actor, repo, optional org, payload, public, created_at).

Two sources of files:

- generated (default): every hour exists unless it is a gap; its events are drawn deterministically from
  ``seed`` and the hour, with bodies cloned from the checked-in fixtures (harness/fixtures/, every payload
  type, weighted like GH Archive's mix where pushes dominate), actors and repos from bounded pools, ids
  increasing within and across hours, ``created_at`` spread over the hour; ``invalid_fraction`` of the
  lines break the Event schema (or are not JSON at all). Files are compressed while they are sent
  (chunked transfer encoding), never built whole in memory, so an hour of 100k+ events costs the server
  a few hundred kilobytes.
- ``directory=``: the ``YYYY-MM-DD-H.json.gz`` files of a folder (e.g. downloaded from GH Archive), sent
  with a ``Content-Length`` as a static file server would; hours without a file are 404.

Faults are consumed in order, one per request (``times=n`` serves n requests); one given ``hour=`` waits
for a request for that hour: 404 (not published yet), 5xx, a delay before the answer, a stall after part
of the body, a gzip stream cut short in a response that otherwise completes normally (a damaged file),
and a connection closed mid-body.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import json
import random
import re
import threading
import zlib
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from harness.fixtures import invalid_events, load_events, validate_event
from harness.local.loopback import LoopbackServer

__all__ = [
    "ArchiveFault",
    "ExpectedHour",
    "FakeArchive",
    "archive_file_name",
    "format_hour",
    "parse_hour",
]

_HOUR_TEXT = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2})$")
_FILE_NAME = re.compile(r"^/(\d{4}-\d{2}-\d{2})-(\d{1,2})\.json\.gz$")
_CHUNK = 64 * 1024
_API = "https://api.github.com"
# Roughly GH Archive's mix of event types: pushes are about half of all public events.
_TYPE_WEIGHTS = {
    "PushEvent": 45,
    "CreateEvent": 12,
    "WatchEvent": 8,
    "PullRequestEvent": 8,
    "IssueCommentEvent": 6,
    "DeleteEvent": 4,
    "IssuesEvent": 4,
    "PullRequestReviewEvent": 4,
    "ForkEvent": 3,
    "PullRequestReviewCommentEvent": 2,
    "ReleaseEvent": 1,
    "CommitCommentEvent": 1,
    "GollumEvent": 1,
    "MemberEvent": 1,
    "PublicEvent": 1,
    "DiscussionEvent": 1,
}
_EPOCH = datetime(2011, 2, 12, tzinfo=UTC)  # GH Archive's first hour; ids grow from here
_IDS_PER_HOUR = 1_000_000


# --------------------------------------------------------------------------------------------------
# Hours and file names
# --------------------------------------------------------------------------------------------------
def parse_hour(value: str | datetime) -> datetime:
    """``YYYY-MM-DDTHH`` (or a datetime) -> the hour as an aware UTC datetime; ValueError otherwise."""
    if isinstance(value, datetime):
        hour = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return hour.replace(minute=0, second=0, microsecond=0)
    match = _HOUR_TEXT.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"an archive hour is written YYYY-MM-DDTHH (UTC), got {value!r}")
    try:
        return datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}:00:00+00:00")
    except ValueError:
        raise ValueError(f"{value!r} is not a real hour") from None


def format_hour(hour: datetime) -> str:
    return f"{hour:%Y-%m-%dT%H}"


def archive_file_name(hour: datetime) -> str:
    """GH Archive's name for an hour: the hour without a leading zero (``2025-11-20-9.json.gz``)."""
    return f"{hour:%Y-%m-%d}-{hour.hour}.json.gz"


# --------------------------------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------------------------------
@dataclass
class ArchiveFault:
    """One injected behaviour for the next request(s). Build with the class methods."""

    kind: str
    status: int = 200
    delay: float = 0.0
    after_bytes: int | None = None  # where a truncation, cut or stall happens (None: half the body)
    times: int = 1
    hour: datetime | None = None  # only for requests of this hour (None: any)

    @classmethod
    def not_found(cls, times: int = 1, hour: str | datetime | None = None) -> ArchiveFault:
        """404 although the hour exists (not published yet)."""
        return cls("not_found", status=404, times=times, hour=_opt_hour(hour))

    @classmethod
    def server_error(
        cls, status: int = 503, times: int = 1, hour: str | datetime | None = None
    ) -> ArchiveFault:
        if not 500 <= status <= 599:
            raise ValueError(f"server_error needs a 5xx status, got {status}")
        return cls("server_error", status=status, times=times, hour=_opt_hour(hour))

    @classmethod
    def slow(cls, delay: float, times: int = 1, hour: str | datetime | None = None) -> ArchiveFault:
        """Wait ``delay`` seconds before answering (set it past the client's timeout)."""
        return cls("slow", delay=delay, times=times, hour=_opt_hour(hour))

    @classmethod
    def stall(
        cls, delay: float, after_bytes: int | None = None, times: int = 1, hour: str | datetime | None = None
    ) -> ArchiveFault:
        """Send part of the body, then wait ``delay`` seconds before the rest (a read timeout mid-stream)."""
        return cls("stall", delay=delay, after_bytes=after_bytes, times=times, hour=_opt_hour(hour))

    @classmethod
    def truncated_gzip(
        cls, after_bytes: int | None = None, times: int = 1, hour: str | datetime | None = None
    ) -> ArchiveFault:
        """A damaged file: the HTTP response completes normally but its gzip stream stops short."""
        return cls("truncated_gzip", after_bytes=after_bytes, times=times, hour=_opt_hour(hour))

    @classmethod
    def cut(
        cls, after_bytes: int | None = None, times: int = 1, hour: str | datetime | None = None
    ) -> ArchiveFault:
        """The connection is closed mid-body (short of Content-Length, or no last chunk)."""
        return cls("cut", after_bytes=after_bytes, times=times, hour=_opt_hour(hour))


def _opt_hour(hour: str | datetime | None) -> datetime | None:
    return None if hour is None else parse_hour(hour)


# --------------------------------------------------------------------------------------------------
# What an hour holds
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExpectedHour:
    """What the file of one hour holds, derived from what the server serves (not from the pipeline)."""

    hour: str
    lines: int
    valid: int  # distinct valid events (GitHub's Event schema, harness.fixtures)
    invalid: int  # lines that are not valid events (not JSON, or breaking the schema)
    groups: frozenset[tuple[str | None, str | None]]  # distinct (event_type, repo_name) of valid events


@dataclass(frozen=True)
class _Planned:
    """One line of a generated hour, before it is rendered: enough to count it without building it."""

    index: int
    valid: bool
    template: int  # index into the valid templates, or into the invalid kinds
    event_type: str | None
    actor: int
    repo: int
    second: int


class _Generator:
    """Deterministic hours of events from a seed; lines rendered from string templates (fast, no deepcopy)."""

    def __init__(self, seed: int, events_per_hour: int, invalid_fraction: float) -> None:
        if not 0 <= events_per_hour <= _IDS_PER_HOUR:
            raise ValueError(f"events_per_hour must be within [0, {_IDS_PER_HOUR}], got {events_per_hour}")
        if not 0.0 <= invalid_fraction <= 1.0:
            raise ValueError(f"invalid_fraction must be within [0, 1], got {invalid_fraction}")
        self.seed = seed
        self.events_per_hour = events_per_hour
        self.invalid_fraction = invalid_fraction
        self.fixtures = load_events()
        self.types = sorted({e["type"] for e in self.fixtures})
        self.by_type = {t: [i for i, e in enumerate(self.fixtures) if e["type"] == t] for t in self.types}
        self.weights = [_TYPE_WEIGHTS.get(t, 1) for t in self.types]
        self.templates = [self._template(e) for e in self.fixtures]
        self.invalid_kinds = [
            record for record, _reason in invalid_events() if isinstance(record, dict) and "id" in record
        ]
        self.invalid_kinds = [r for r in self.invalid_kinds if isinstance(r["id"], str)]
        # Pools bounded by the hour's size, so Gold has realistic (type, repo) groups at any scale.
        self.n_actors = max(50, events_per_hour // 4)
        self.n_repos = max(20, events_per_hour // 10)

    @staticmethod
    def _template(event: dict[str, Any]) -> str:
        body = {
            "id": "@@ID@@",
            "type": event["type"],
            "actor": "@@ACTOR@@",
            "repo": "@@REPO@@",
            "payload": event["payload"],
            "public": event["public"],
            "created_at": "@@TS@@",
        }
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False).replace("%", "%%")
        for marker in ('"@@ID@@"', '"@@ACTOR@@"', '"@@REPO@@"', '"@@TS@@"'):
            text = text.replace(marker, '"%s"' if marker in ('"@@ID@@"', '"@@TS@@"') else "%s", 1)
        return text

    def first_id(self, hour: datetime) -> int:
        # Ids grow with time like GitHub's: each hour owns a block of ids, so hours never share one.
        return 20_000_000_000 + int((hour - _EPOCH).total_seconds() // 3600) * _IDS_PER_HOUR

    def plan(self, hour: datetime) -> Iterator[_Planned]:
        rng = random.Random(f"{self.seed}:{format_hour(hour)}")
        n = self.events_per_hour
        for i in range(n):
            second = (i * 3600) // n if n else 0
            actor = rng.randrange(self.n_actors)
            repo = rng.randrange(self.n_repos)
            if self.invalid_fraction and rng.random() < self.invalid_fraction:
                kind = rng.randrange(len(self.invalid_kinds) + 2)
                yield _Planned(i, False, kind, None, actor, repo, second)
                continue
            event_type = rng.choices(self.types, self.weights)[0]
            choices = self.by_type[event_type]
            yield _Planned(i, True, choices[rng.randrange(len(choices))], event_type, actor, repo, second)

    @staticmethod
    def repo_name(repo: int) -> str:
        return f"org{repo % 97}/project-{repo}"

    def _actor_json(self, actor: int) -> str:
        login = f"dev{actor}"
        uid = 1_000_000 + actor
        return (
            f'{{"id":{uid},"login":"{login}","display_login":"{login}","gravatar_id":"",'
            f'"url":"{_API}/users/{login}","avatar_url":"https://avatars.githubusercontent.com/u/{uid}?"}}'
        )

    def _repo_json(self, repo: int) -> str:
        name = self.repo_name(repo)
        text = f'{{"id":{500_000_000 + repo},"name":"{name}","url":"{_API}/repos/{name}"}}'
        if repo % 3 == 0:  # about a third of public repos belong to an organisation
            org = name.split("/", 1)[0]
            oid = 9_000_000 + repo % 97
            text += (
                f',"org":{{"id":{oid},"login":"{org}","gravatar_id":"","url":"{_API}/orgs/{org}",'
                f'"avatar_url":"https://avatars.githubusercontent.com/u/{oid}?"}}'
            )
        return text

    def render(self, hour: datetime, line: _Planned) -> bytes:
        ts = (hour + timedelta(seconds=line.second)).strftime("%Y-%m-%dT%H:%M:%SZ")
        if line.valid:
            text = self.templates[line.template] % (
                self.first_id(hour) + line.index,
                self._actor_json(line.actor),
                self._repo_json(line.repo),
                ts,
            )
            # "repo":{...},"org":{...} came in through the repo slot: keep key order as GH Archive does.
            return (text + "\n").encode("utf-8")
        bad_id = f"bad-{hour:%Y%m%d%H}-{line.index}"
        if line.template == len(self.invalid_kinds):
            return f'{{"id":"{bad_id}","type":"PushEvent","actor":{{"id":1\n'.encode()  # not JSON
        if line.template == len(self.invalid_kinds) + 1:
            return (json.dumps(["not", "an", "event", bad_id]) + "\n").encode()
        record = copy.deepcopy(self.invalid_kinds[line.template])
        record["id"] = bad_id
        return (json.dumps(record, separators=(",", ":")) + "\n").encode("utf-8")

    def lines(self, hour: datetime) -> Iterator[bytes]:
        for line in self.plan(hour):
            yield self.render(hour, line)

    def expected(self, hour: datetime) -> ExpectedHour:
        lines = valid = 0
        groups: set[tuple[str | None, str | None]] = set()
        for line in self.plan(hour):
            lines += 1
            if line.valid:
                valid += 1
                groups.add((line.event_type, self.repo_name(line.repo)))
        return ExpectedHour(format_hour(hour), lines, valid, lines - valid, frozenset(groups))


def _gzip_stream(lines: Iterable[bytes], level: int) -> Iterator[bytes]:
    """gzip (RFC 1952, as ``gzip`` writes it) compressed incrementally: bounded memory for any size."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    pending: list[bytes] = []
    size = 0
    for line in lines:
        pending.append(line)
        size += len(line)
        if size >= _CHUNK:
            out = compressor.compress(b"".join(pending))
            pending, size = [], 0
            if out:
                yield out
    out = compressor.compress(b"".join(pending)) + compressor.flush()
    if out:
        yield out


# --------------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------------
class FakeArchive(LoopbackServer):
    what = "the fake archive"
    server_version = "FakeArchive"

    def __init__(
        self,
        *,
        seed: int = 0,
        events_per_hour: int = 100,
        invalid_fraction: float = 0.0,
        directory: str | Path | None = None,
        gaps: Iterable[str | datetime] = (),
        compresslevel: int = 6,
        host: str = "127.0.0.1",
    ) -> None:
        super().__init__(host)
        self.directory = Path(directory) if directory is not None else None
        if self.directory is not None and not self.directory.is_dir():
            raise ValueError(f"archive directory {self.directory} does not exist or is not a folder")
        self.generator = _Generator(seed, events_per_hour, invalid_fraction)
        self.compresslevel = compresslevel
        self._lock = threading.RLock()
        self._gaps: set[datetime] = {parse_hour(h) for h in gaps}
        self._faults: deque[ArchiveFault] = deque()
        self.reset_counters()

    @property
    def url(self) -> str:
        """The base URL (no trailing slash), as ``ARCHIVE_BASE_URL`` takes it."""
        return super().url

    def file_url(self, hour: str | datetime) -> str:
        return f"{self.url}/{archive_file_name(parse_hour(hour))}"

    # what is published ---------------------------------------------------------------------------
    def withdraw(self, *hours: str | datetime) -> None:
        """These hours are not published (404) until :meth:`publish`."""
        with self._lock:
            self._gaps.update(parse_hour(h) for h in hours)

    def publish(self, *hours: str | datetime) -> None:
        with self._lock:
            self._gaps.difference_update(parse_hour(h) for h in hours)

    def has_hour(self, hour: str | datetime) -> bool:
        hour = parse_hour(hour)
        with self._lock:
            if hour in self._gaps:
                return False
        if self.directory is not None:
            return (self.directory / archive_file_name(hour)).is_file()
        return True

    def enqueue(self, *faults: ArchiveFault) -> None:
        with self._lock:
            self._faults.extend(faults)

    @property
    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    def reset_counters(self) -> None:
        self.requests = 0
        self.status_counts: Counter[int] = Counter()
        self.completed: Counter[str] = Counter()  # hour -> bodies sent whole and undamaged
        self.request_log: list[dict[str, Any]] = []

    # what an hour holds --------------------------------------------------------------------------
    def lines(self, hour: str | datetime) -> Iterator[bytes]:
        """The raw lines of an hour's file, as served (``\\n`` kept), generated or read lazily."""
        hour = parse_hour(hour)
        if self.directory is None:
            yield from self.generator.lines(hour)
            return
        with gzip.open(self.directory / archive_file_name(hour), "rb") as fh:
            yield from fh

    def records(self, hour: str | datetime) -> Iterator[Any]:
        """The hour's lines parsed (a line that is not JSON comes back as its text)."""
        for line in self.lines(hour):
            try:
                yield json.loads(line)
            except ValueError:
                yield line.decode("utf-8", "replace").rstrip("\n")

    def expected_events(self, hour: str | datetime) -> ExpectedHour:
        """Counts of what the hour's file holds. Generated hours are counted from their plan (no rendering);
        a folder's file is read and each line checked against GitHub's Event schema (harness.fixtures)."""
        hour = parse_hour(hour)
        if self.directory is None:
            return self.generator.expected(hour)
        lines = 0
        valid_ids: set[str] = set()
        groups: set[tuple[str | None, str | None]] = set()
        for record in self.records(hour):
            lines += 1
            if isinstance(record, dict) and not validate_event(record):
                valid_ids.add(record["id"])
                groups.add((record.get("type"), (record.get("repo") or {}).get("name")))
        return ExpectedHour(
            format_hour(hour), lines, len(valid_ids), lines - len(valid_ids), frozenset(groups)
        )

    def _body(self, hour: datetime) -> tuple[Iterator[bytes], int | None]:
        """The compressed file as chunks, and its length when known up front (a file on disk)."""
        if self.directory is None:
            return _gzip_stream(self.generator.lines(hour), self.compresslevel), None
        path = self.directory / archive_file_name(hour)

        def read() -> Iterator[bytes]:
            with path.open("rb") as fh:
                while chunk := fh.read(_CHUNK):
                    yield chunk

        return read(), path.stat().st_size

    def _full_size(self, hour: datetime) -> int:
        chunks, size = self._body(hour)
        return size if size is not None else sum(len(c) for c in chunks)

    # request handling ----------------------------------------------------------------------------
    def _take_fault(self, hour: datetime | None) -> ArchiveFault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            if fault.hour is not None and fault.hour != hour:
                return None
            fault.times -= 1
            if fault.times <= 0:
                self._faults.popleft()
            return fault

    def _respond(self, req: BaseHTTPRequestHandler) -> None:
        match = _FILE_NAME.match(req.path.split("?", 1)[0])
        hour: datetime | None = None
        if match:
            with contextlib.suppress(ValueError):
                hour = datetime.fromisoformat(f"{match.group(1)}T{int(match.group(2)):02d}:00:00+00:00")
        with self._lock:
            self.requests += 1
            self.request_log.append({"path": req.path, "hour": format_hour(hour) if hour else None})
        if hour is None or not self.has_hour(hour):
            self._send_simple(req, 404, b"Not Found")
            return
        fault = self._take_fault(hour)
        kind = fault.kind if fault else None
        if fault and kind == "slow" and self._stopping.wait(fault.delay):
            return
        if fault and kind in {"not_found", "server_error"}:
            self._send_simple(
                req, fault.status, b"Not Found" if kind == "not_found" else b"Service Unavailable"
            )
            return

        limit: int | None = None
        if fault and kind in {"truncated_gzip", "cut", "stall"}:
            limit = fault.after_bytes if fault.after_bytes is not None else self._full_size(hour) // 2
        chunks, size = self._body(hour)
        with self._lock:
            self.status_counts[200] += 1
        req.send_response(200)
        req.send_header("Content-Type", "application/gzip")
        chunked = size is None or kind == "truncated_gzip"
        if chunked:
            req.send_header("Transfer-Encoding", "chunked")
        else:
            req.send_header("Content-Length", str(size))
        if kind == "cut":
            req.send_header("Connection", "close")
            req.close_connection = True
        req.end_headers()

        sent = 0
        held: bytes | None = None  # the last chunk is held back until the counters say "complete"
        for chunk in chunks:
            if self._stopping.is_set():
                req.close_connection = True
                return
            if limit is not None and sent + len(chunk) >= limit:
                head, chunk = chunk[: limit - sent], chunk[limit - sent :]
                if held:
                    self._write(req, held, chunked)
                    held = None
                self._write(req, head, chunked)
                sent += len(head)
                if kind == "truncated_gzip":
                    break  # end the response cleanly: the file itself is short
                if kind == "cut":
                    req.wfile.flush()
                    return  # no last chunk / short of Content-Length; the connection closes
                req.wfile.flush()
                if self._stopping.wait(fault.delay):  # type: ignore[union-attr]
                    return
                limit = None
            if held:
                self._write(req, held, chunked)
            held = chunk
            sent += len(chunk)
        if kind != "truncated_gzip":
            with self._lock:  # before the last bytes: a client that has them all sees the count
                self.completed[format_hour(hour)] += 1
        if held:
            self._write(req, held, chunked)
        if chunked:
            req.wfile.write(b"0\r\n\r\n")
        req.wfile.flush()

    @staticmethod
    def _write(req: BaseHTTPRequestHandler, data: bytes, chunked: bool) -> None:
        if not data:
            return
        if chunked:
            req.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        else:
            req.wfile.write(data)

    def _send_simple(self, req: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        with self._lock:
            self.status_counts[status] += 1
        req.send_response(status)
        req.send_header("Content-Type", "text/plain")
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)
        req.wfile.flush()
