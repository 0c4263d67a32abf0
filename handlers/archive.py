"""Archive Lambda: load GH Archive's hourly files (``<base>/YYYY-MM-DD-H.json.gz``) into Bronze, streamed.

GitHub's ``GET /events`` shows a small window of public activity; GH Archive publishes all of it, one gzip
JSONL file per hour. One invocation loads hours one at a time: each file is read in chunks, decompressed
incrementally and split into lines, valid events go to bounded Bronze parts (gzip JSONL, at most
``part_lines`` lines / ``part_bytes`` bytes each), invalid lines to quarantine with their reason. Memory
stays bounded whatever the file's size.

Each hour has a state document (``_state/archive/hours/YYYY-MM-DD-HH.json``) written with conditional PUTs:
a lease (``running``) taken before loading, so of two overlapping runs only one loads an hour; ``done`` only
after every part is written; ``missing`` on a 404 (a later scheduled run checks again); ``failed`` with the
reason when retries are exhausted or time runs out, after the attempt's parts are removed. A ``done``
hour is never loaded again.

Event: scheduled (EventBridge's ``{"time": ...}`` envelope, or ``{}``) loads the due hours of the lookback
window that are not done; ``{"hours": ["YYYY-MM-DDTHH", ...]}`` loads exactly those (a backfill).
"""

from __future__ import annotations

import http.client
import json
import logging
import random
import re
import urllib.error
import urllib.request
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from botocore.exceptions import ClientError
from lakehouse_common import clients
from lakehouse_common.clock import Clock, FixedBudget, SystemClock, iso
from lakehouse_common.config import ArchiveConfig
from lakehouse_common.events import validate_event
from lakehouse_common.keys import (
    BRONZE_PREFIX,
    QUARANTINE_PREFIX,
    archive_hour_stem,
    archive_part_key,
    archive_state_key,
)
from lakehouse_common.logs import get_logger, log, start_invocation
from lakehouse_common.metrics import Metrics
from lakehouse_common.state import StateConflict, Versioned, read_state, write_state

MAX_HOURS_PER_INVOCATION = 168  # a week; larger backfills go in batches (docs/runbook.md)
# The keys of an EventBridge scheduled event: anything else in an event is a mistake, not a schedule.
_SCHEDULE_KEYS = frozenset(
    ("version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail")
)
_REFUSED = {"PreconditionFailed", "ConditionalRequestConflict"}
_HOUR = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2})$")
_INFLATE_STEP = 1024 * 1024  # decompressed bytes per step: a tiny, highly compressible chunk can't balloon

logger = get_logger("archive")


class ArchiveInputError(ValueError):
    """The invocation event is malformed; nothing was read or written."""


class TruncatedArchive(Exception):
    """The file's gzip stream ended before its end."""


class OutOfTime(Exception):
    """Going on would run past the Lambda deadline less the reserve."""


# --------------------------------------------------------------------------------------------------
# HTTP: a streamed GET
# --------------------------------------------------------------------------------------------------
class Body(Protocol):
    status: int

    def read(self, amount: int) -> bytes: ...

    def close(self) -> None: ...


class TransientHttpError(Exception):
    """Could not connect, or the connection failed before an answer: worth retrying."""


class HttpOpener(Protocol):
    def open(self, url: str, timeout: float) -> Body: ...


@dataclass
class _Answer:
    """A non-200 answer: its status and nothing to read."""

    status: int

    def read(self, amount: int) -> bytes:
        return b""

    def close(self) -> None:
        pass


class UrllibOpener:
    def open(self, url: str, timeout: float) -> Body:
        try:
            return urllib.request.urlopen(url, timeout=timeout)  # type: ignore[no-any-return]
        except urllib.error.HTTPError as err:  # 404 and 5xx land here
            with err:
                return _Answer(err.code)
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts and resets are OSErrors
            raise TransientHttpError(f"{type(exc).__name__}: {exc}") from exc


# --------------------------------------------------------------------------------------------------
# Dependencies and settings
# --------------------------------------------------------------------------------------------------
@dataclass
class Settings:
    request_timeout: float = 30.0  # socket timeout for the connection and each read
    max_attempts: int = 4  # per hour, for 5xx, timeouts, cut connections and truncated files
    backoff_base: float = 2.0
    backoff_cap: float = 30.0
    reserve_seconds: float = 30.0  # kept back for removing an attempt's parts and writing state
    part_lines: int = 50_000  # Bronze objects stay a size Athena splits and S3 PUTs well
    part_bytes: int = 64 * 1024 * 1024  # uncompressed bytes per part, whatever the lines' size
    read_bytes: int = 256 * 1024
    compresslevel: int = 6


@dataclass
class ArchiveDeps:
    config: ArchiveConfig
    s3: Any
    cloudwatch: Any
    http: HttpOpener = field(default_factory=UrllibOpener)
    clock: Clock = field(default_factory=SystemClock)
    rng: random.Random = field(default_factory=random.Random)
    settings: Settings = field(default_factory=Settings)

    @classmethod
    def from_env(cls) -> ArchiveDeps:
        return cls(
            config=ArchiveConfig.from_env(), s3=clients.client("s3"), cloudwatch=clients.client("cloudwatch")
        )


def handler(event: dict[str, Any] | None, context: Any) -> dict[str, Any]:
    start_invocation(context)
    return run(event or {}, context, ArchiveDeps.from_env())


DEFAULT_BUDGET_SECONDS = 900.0  # the stack's archive timeout


# --------------------------------------------------------------------------------------------------
# Which hours
# --------------------------------------------------------------------------------------------------
def parse_hour(value: Any) -> datetime:
    match = _HOUR.match(value) if isinstance(value, str) else None
    if not match:
        raise ArchiveInputError(f"an hour is written YYYY-MM-DDTHH (UTC), got {value!r}")
    try:
        return datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}:00:00+00:00")
    except ValueError:
        raise ArchiveInputError(f"{value!r} is not a real hour") from None


def file_url(base_url: str, hour: datetime) -> str:
    """GH Archive's name for an hour has no leading zero on the hour: ``2025-11-20-9.json.gz``."""
    return f"{base_url}/{hour:%Y-%m-%d}-{hour.hour}.json.gz"


def latest_due_hour(now: datetime, lag_hours: int) -> datetime:
    """Hour H is published by H + 1h + lag: the newest hour a run at ``now`` may expect to find."""
    return (now - timedelta(hours=1 + lag_hours)).replace(minute=0, second=0, microsecond=0)


def hours_to_load(event: dict[str, Any], config: ArchiveConfig, now: datetime) -> tuple[str, list[datetime]]:
    """("hours", the hours asked for) or ("scheduled", the lookback window's due hours), oldest first."""
    if not isinstance(event, dict):
        raise ArchiveInputError(f"the event must be a JSON object, got {type(event).__name__}")
    if "hours" in event:
        extra = set(event) - {"hours"}
        if extra:
            raise ArchiveInputError(f"unknown keys beside 'hours': {sorted(extra)}")
        asked = event["hours"]
        if not isinstance(asked, list) or not asked:
            raise ArchiveInputError("'hours' must be a non-empty list of 'YYYY-MM-DDTHH' strings")
        if len(asked) > MAX_HOURS_PER_INVOCATION:
            raise ArchiveInputError(
                f"{len(asked)} hours asked for; at most {MAX_HOURS_PER_INVOCATION} per invocation "
                "(send larger ranges in batches)"
            )
        hours = sorted({parse_hour(h) for h in asked})
        future = [h for h in hours if h > now]
        if future:
            raise ArchiveInputError(f"hour {future[0]:%Y-%m-%dT%H} has not started yet (now {iso(now)})")
        return "hours", hours
    extra = set(event) - _SCHEDULE_KEYS
    if extra:
        raise ArchiveInputError(
            f"unknown keys {sorted(extra)}: send {{}} or a schedule event, or {{'hours': [...]}}"
        )
    newest = latest_due_hour(now, config.lag_hours)
    return "scheduled", [newest - timedelta(hours=n) for n in reversed(range(config.lookback_hours))]


# --------------------------------------------------------------------------------------------------
# Reading a file: chunks -> gzip members -> lines
# --------------------------------------------------------------------------------------------------
def iter_lines(read: Callable[[int], bytes], read_bytes: int, between: Callable[[], None]) -> Iterator[bytes]:
    """The lines of a gzip file (one or more members, as ``cat a.gz b.gz`` makes), read ``read_bytes`` at a
    time. Calls ``between`` after each read (deadline checks). Raises TruncatedArchive when the data ends
    inside a member, zlib.error when it is not gzip."""
    inflater = zlib.decompressobj(31)
    in_member = False  # bytes of a member were fed and its end not seen yet
    tail = b""
    seen_data = False
    while True:
        chunk = read(read_bytes)
        between()
        if not chunk:
            break
        seen_data = True
        pending = chunk
        while True:
            out = inflater.decompress(pending, _INFLATE_STEP)
            pending = inflater.unconsumed_tail
            in_member = True
            if out:
                lines = (tail + out).split(b"\n")
                tail = lines.pop()
                yield from lines
            if inflater.eof:
                # The member ended; what follows it is the next member, or nothing.
                pending = inflater.unused_data + pending
                inflater = zlib.decompressobj(31)
                in_member = False
                if not pending:
                    break
            elif not pending and len(out) < _INFLATE_STEP:
                break  # this chunk is used up (a full step may leave output inside zlib: drain it first)
    if not seen_data:
        raise TruncatedArchive("the file is empty")
    if in_member:
        raise TruncatedArchive("the gzip stream ends before the end of the file (truncated)")
    if tail.strip():
        yield tail


# --------------------------------------------------------------------------------------------------
# Writing: bounded gzip JSONL parts
# --------------------------------------------------------------------------------------------------
class Parts:
    """Lines compressed as they come into one part at a time; a full part is PUT (never overwriting)."""

    def __init__(self, deps: ArchiveDeps, prefix: str, hour: datetime, attempt: str) -> None:
        self.deps = deps
        self.prefix = prefix
        self.hour = hour
        self.attempt = attempt
        self.keys: list[str] = []
        self.lines = 0
        self._reset()

    def _reset(self) -> None:
        self._compressor = zlib.compressobj(self.deps.settings.compresslevel, zlib.DEFLATED, 31)
        self._chunks: list[bytes] = []
        self._part_lines = 0
        self._part_bytes = 0

    def add(self, line: bytes) -> None:
        settings = self.deps.settings
        if self._part_lines and self._part_bytes + len(line) > settings.part_bytes:
            self.flush()  # a part never passes part_bytes, unless one line alone does
        out = self._compressor.compress(line)
        if out:
            self._chunks.append(out)
        self._part_lines += 1
        self._part_bytes += len(line)
        self.lines += 1
        if self._part_lines >= settings.part_lines:
            self.flush()

    def flush(self) -> None:
        if not self._part_lines:
            return
        self._chunks.append(self._compressor.flush())
        body = b"".join(self._chunks)
        self._chunks = []
        key = archive_part_key(self.prefix, self.hour, self.attempt, len(self.keys))
        try:
            self.deps.s3.put_object(
                Bucket=self.deps.config.raw_bucket,
                Key=key,
                Body=body,
                ContentType="application/x-ndjson",
                ContentEncoding="gzip",
                IfNoneMatch="*",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {
                "PreconditionFailed",
                "ConditionalRequestConflict",
            }:
                raise RuntimeError(f"part {key} exists already: attempt ids must be unique") from exc
            raise
        self.keys.append(key)
        self._reset()


def remove_hour_objects(deps: ArchiveDeps, hour: datetime) -> int:
    """Delete every Bronze and quarantine object of ``hour`` (only ever called while holding its lease on
    an hour that is not done: they are leftovers of an attempt that did not finish)."""
    bucket = deps.config.raw_bucket
    removed = 0
    for prefix in (BRONZE_PREFIX, QUARANTINE_PREFIX):
        listing = f"{prefix}ingest_dt={hour:%Y-%m-%d}/{archive_hour_stem(hour)}"
        for page in deps.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=listing):
            keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
            if keys:
                out = deps.s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
                if out.get("Errors"):
                    first = out["Errors"][0]
                    raise RuntimeError(f"could not delete {first.get('Key')}: {first.get('Message')}")
                removed += len(keys)
    return removed


# --------------------------------------------------------------------------------------------------
# One hour
# --------------------------------------------------------------------------------------------------
@dataclass
class HourResult:
    hour: str
    status: str  # done | missing | failed | skipped
    events: int = 0
    invalid: int = 0
    parts: int = 0
    attempts: int = 0
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class _Hour:
    def __init__(self, deps: ArchiveDeps, context: Any, metrics: Metrics, hour: datetime) -> None:
        self.deps = deps
        self.context = context
        self.metrics = metrics
        self.hour = hour
        self.name = f"{hour:%Y-%m-%dT%H}"
        self.key = archive_state_key(hour)
        self.url = file_url(deps.config.base_url, hour)
        self.settings = deps.settings

    def remaining(self) -> float:
        return float(self.context.get_remaining_time_in_millis()) / 1000.0

    def must_stop(self) -> bool:
        # One more blocking read may take request_timeout; the reserve must still be left after it.
        return self.remaining() < self.settings.reserve_seconds + self.settings.request_timeout

    # state ---------------------------------------------------------------------------------------
    def _why_not(self, state: Versioned, now: datetime) -> str | None:
        status = state.doc.get("status")
        if status == "done":
            return "done already"
        if status == "running":
            until = _parse_ts(state.doc.get("lease_until"))
            if until and now < until:
                return f"another run holds the lease until {state.doc['lease_until']}"
        return None

    def load(self) -> HourResult:
        now = self.deps.clock.now()
        state = read_state(self.deps.s3, self.deps.config.raw_bucket, self.key)
        reason = self._why_not(state, now)
        if reason:
            return HourResult(self.name, "skipped", reason=reason)
        lease_doc = {
            "status": "running",
            "hour": self.name,
            "url": self.url,
            "lease_owner": uuid.uuid4().hex,
            "lease_until": iso(now + timedelta(seconds=max(1.0, self.remaining()))),
            "started_at": iso(now),
            "previous_status": state.doc.get("status"),
            "checks": int(state.doc.get("checks") or 0) + 1,
        }
        try:
            etag = write_state(self.deps.s3, self.deps.config.raw_bucket, self.key, lease_doc, state.etag)
        except StateConflict:
            return HourResult(self.name, "skipped", reason="another run took the lease first")
        try:
            result = self._attempts()
        except Exception as exc:
            # Unexpected (S3 refused a write, ...): no partial hour may stay; the hour is failed.
            log(logger, "hour failed unexpectedly", logging.ERROR, hour=self.name, error=str(exc))
            self._finish_failed(etag, lease_doc, f"{type(exc).__name__}: {exc}", 0)
            raise
        final = {
            "hour": self.name,
            "url": self.url,
            "status": result.status,
            "checks": lease_doc["checks"],
            "attempts": result.attempts,
            "finished_at": iso(self.deps.clock.now()),
        }
        if result.status == "done":
            final.update(events=result.events, invalid=result.invalid, parts=self._part_keys)
        elif result.reason:
            final["reason"] = result.reason
        try:
            write_state(self.deps.s3, self.deps.config.raw_bucket, self.key, final, etag)
        except StateConflict:
            # Our lease ran out and another run owns the hour now: it cleans up what we wrote.
            log(logger, "lost the lease before recording the hour", logging.ERROR, hour=self.name)
            return HourResult(self.name, "skipped", reason="lost the lease before recording the hour")
        return result

    def _finish_failed(self, etag: str, lease_doc: dict[str, Any], reason: str, attempts: int) -> None:
        try:
            remove_hour_objects(self.deps, self.hour)
            doc = {
                "hour": self.name,
                "url": self.url,
                "status": "failed",
                "reason": reason,
                "checks": lease_doc["checks"],
                "attempts": attempts,
                "finished_at": iso(self.deps.clock.now()),
            }
            write_state(self.deps.s3, self.deps.config.raw_bucket, self.key, doc, etag)
        except Exception as exc:  # the lease expires; the next run cleans up before it loads
            log(logger, "could not record the failed hour", logging.ERROR, hour=self.name, error=str(exc))

    # attempts ------------------------------------------------------------------------------------
    def _attempts(self) -> HourResult:
        self._part_keys: dict[str, list[str]] = {"bronze": [], "quarantine": []}
        # Leftovers of an attempt that was killed (Lambda timeout, crash) would double the hour.
        leftovers = remove_hour_objects(self.deps, self.hour)
        if leftovers:
            log(logger, "removed leftovers of an unfinished attempt", hour=self.name, objects=leftovers)
        problem = "not attempted"
        for attempt in range(1, self.settings.max_attempts + 1):
            if self.must_stop():
                return self._failed(f"out of time before attempt {attempt}: {problem}", attempt - 1)
            try:
                outcome = self._attempt()
            except OutOfTime:
                return self._failed("out of time: stopped before the Lambda deadline", attempt)
            except TruncatedArchive as exc:
                outcome = str(exc)
            except (TransientHttpError, http.client.HTTPException, OSError, zlib.error) as exc:
                outcome = f"{type(exc).__name__}: {exc}"
            if isinstance(outcome, HourResult):
                outcome.attempts = attempt
                return outcome
            if outcome.startswith("fatal: "):
                return self._failed(outcome.removeprefix("fatal: "), attempt)
            problem = outcome
            # Nothing of a failed attempt may stay: the next one starts from an empty hour.
            self._failed(problem, attempt)
            if attempt == self.settings.max_attempts:
                break
            self.metrics.add("ArchiveRetries")
            backoff = self.deps.rng.uniform(
                0, min(self.settings.backoff_cap, self.settings.backoff_base * 2 ** (attempt - 1))
            )
            log(logger, "retrying hour", logging.WARNING, hour=self.name, attempt=attempt, problem=problem)
            if self.remaining() - backoff < self.settings.reserve_seconds + self.settings.request_timeout:
                return self._failed(f"out of time retrying: {problem}", attempt)
            self.deps.clock.sleep(backoff)
        return self._failed(f"gave up after {self.settings.max_attempts} attempts: {problem}", attempt)

    def _failed(self, reason: str, attempts: int) -> HourResult:
        remove_hour_objects(self.deps, self.hour)
        self._part_keys = {"bronze": [], "quarantine": []}
        return HourResult(self.name, "failed", attempts=attempts, reason=reason)

    def _attempt(self) -> HourResult | str:
        """One GET of the file: a result (done, missing), or why it failed ("fatal: ..." when retrying
        cannot help). Transport and gzip errors propagate."""
        # At least 1 s (or the configured timeout, if shorter) even when the budget is nearly spent.
        configured = self.settings.request_timeout
        timeout = max(min(1.0, configured), min(configured, self.remaining() - self.settings.reserve_seconds))
        body = self.deps.http.open(self.url, timeout)
        try:
            if body.status == 404:
                return HourResult(self.name, "missing", reason="not published (404)")
            if body.status >= 500 or body.status == 429:
                return f"HTTP {body.status}"
            if body.status != 200:
                return f"fatal: HTTP {body.status} from {self.url}"
            return self._stream(body)
        finally:
            body.close()

    def _stream(self, body: Body) -> HourResult:
        attempt = uuid.uuid4().hex[:12]
        bronze = Parts(self.deps, BRONZE_PREFIX, self.hour, attempt)
        quarantine = Parts(self.deps, QUARANTINE_PREFIX, self.hour, attempt)
        ingested_at = iso(self.deps.clock.now())
        source = json.dumps(self.url)
        suffix = f',"ingested_at":"{ingested_at}","source":{source}}}\n'.encode()

        def between() -> None:
            if self.must_stop():
                raise OutOfTime()

        try:
            for raw in iter_lines(body.read, self.settings.read_bytes, between):
                line = raw.strip()
                if not line:
                    continue  # blank lines are not records
                problem, record = _check_line(line)
                if problem is None:
                    if "ingested_at" in record or "source" in record:
                        bronze.add(_bronze_line(record, ingested_at, self.url))
                    else:
                        # The event as published, with our two fields appended: no re-serialising.
                        bronze.add(line[:-1] + suffix)
                else:
                    quarantine.add(_quarantine_line(problem, record, ingested_at, self.url))
            bronze.flush()
            quarantine.flush()
        finally:
            self._part_keys = {"bronze": bronze.keys, "quarantine": quarantine.keys}
        self.metrics.add("ArchiveEventsWritten", bronze.lines)
        self.metrics.add("ArchiveEventsQuarantined", quarantine.lines)
        return HourResult(
            self.name,
            "done",
            events=bronze.lines,
            invalid=quarantine.lines,
            parts=len(bronze.keys) + len(quarantine.keys),
        )


def _check_line(line: bytes) -> tuple[str | None, Any]:
    """(None, event) for a valid event; (reason, what the line holds) otherwise."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"line is not UTF-8: {exc}", line.decode("utf-8", "replace")
    try:
        record = json.loads(text)
    except ValueError as exc:
        return f"line is not JSON: {exc}", text
    return validate_event(record), record


def _bronze_line(record: dict[str, Any], ingested_at: str, url: str) -> bytes:
    doc = {**record, "ingested_at": ingested_at, "source": url}
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _quarantine_line(reason: str, record: Any, ingested_at: str, url: str) -> bytes:
    doc = {"reason": reason, "record": record, "ingested_at": ingested_at, "source": url}
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _parse_ts(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------------
# The invocation
# --------------------------------------------------------------------------------------------------
_METRICS = (
    "ArchiveEventsWritten",
    "ArchiveEventsQuarantined",
    "ArchiveHoursDone",
    "ArchiveHoursMissing",
    "ArchiveHoursFailed",
    "ArchiveHoursSkipped",
    "ArchiveRetries",
)


def run(event: dict[str, Any], context: Any, deps: ArchiveDeps) -> dict[str, Any]:
    cfg = deps.config
    if not callable(getattr(context, "get_remaining_time_in_millis", None)):
        context = FixedBudget(deps.clock, DEFAULT_BUDGET_SECONDS)
    mode, hours = hours_to_load(event, cfg, deps.clock.now())  # bad input fails before any I/O
    metrics = Metrics(deps.cloudwatch, cfg.common.namespace, cfg.common.env)
    for name in _METRICS:
        metrics.add(name, 0)
    try:
        return _run(mode, hours, context, deps, metrics)
    finally:
        metrics.flush()


def _run(
    mode: str, hours: list[datetime], context: Any, deps: ArchiveDeps, metrics: Metrics
) -> dict[str, Any]:
    counts = {"done": 0, "missing": 0, "failed": 0, "skipped": 0}
    summary: dict[str, Any] = {"mode": mode, "hours": counts, "events": 0, "invalid": 0, "results": []}
    deferred: list[str] = []
    for hour in hours:
        work = _Hour(deps, context, metrics, hour)
        if deferred or work.must_stop():
            deferred.append(work.name)  # left for the next run; nothing about the hour changes
            continue
        result = work.load()
        counts[result.status] += 1
        summary["events"] += result.events
        summary["invalid"] += result.invalid
        summary["results"].append(result.as_dict())
        metrics.add(f"ArchiveHours{result.status.capitalize()}")
        level = logging.WARNING if result.status == "failed" else logging.INFO
        log(logger, f"hour {result.status}", level, **result.as_dict())
    summary["deferred"] = deferred
    log(logger, "archive run done", mode=mode, hours=counts, events=summary["events"], deferred=len(deferred))
    return summary
