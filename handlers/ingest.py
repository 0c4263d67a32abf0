"""Ingest Lambda: poll GitHub's ``GET /events`` and land what is new in Bronze as gzip JSONL.

One invocation is one poll: page 1 with ``If-None-Match`` (304: nothing new), then ``Link: rel="next"``
through the API's window. Events seen in the previous poll or earlier in this one are skipped, valid
ones go to Bronze, invalid ones to quarantine with the reason. State (ETag, ids seen, poll interval,
a lease against overlapping polls) is one JSON object in the raw bucket, written with conditional PUTs.

Event (all optional): ``{"ingest_dt": "YYYY-MM-DD"}`` files everything under that day instead of today
(UTC); ``{"force": true}`` polls even inside the ``X-Poll-Interval`` GitHub asked for.
"""

from __future__ import annotations

import gzip
import http.client
import json
import logging
import random
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from botocore.exceptions import ClientError
from lakehouse_common import clients
from lakehouse_common.clock import Clock, FixedBudget, SystemClock, iso
from lakehouse_common.config import IngestConfig
from lakehouse_common.events import dedupe_key, validate_event
from lakehouse_common.keys import INGEST_STATE_KEY, bronze_key, quarantine_key, validate_date
from lakehouse_common.logs import get_logger, log, start_invocation
from lakehouse_common.metrics import Metrics
from lakehouse_common.state import StateConflict, read_state, write_state

PER_PAGE = 100
MAX_SEEN_IDS = 3000  # GitHub's window is ~300 events; this spans many polls
SECONDARY_RATE_LIMIT_WAIT = 60.0  # GitHub's advice when a 403/429 carries no timing header
_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="([^"]+)"')

logger = get_logger("ingest")


# --------------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------------
@dataclass
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes


class TransientHttpError(Exception):
    """Timeout, reset or truncated body: worth retrying."""


class HttpClient(Protocol):
    def get(self, url: str, headers: Mapping[str, str], timeout: float) -> HttpResponse: ...


class UrllibClient:
    def __init__(self) -> None:
        # No redirects to other hosts with our token; GitHub does not redirect /events.
        self._opener = urllib.request.build_opener()

    def get(self, url: str, headers: Mapping[str, str], timeout: float) -> HttpResponse:
        request = urllib.request.Request(url, headers=dict(headers), method="GET")
        try:
            try:
                with self._opener.open(request, timeout=timeout) as resp:
                    return HttpResponse(resp.status, _lower(resp.headers), resp.read())
            except urllib.error.HTTPError as err:  # 304 and every 4xx/5xx land here
                with err:
                    return HttpResponse(err.code, _lower(err.headers), err.read())
        except (TimeoutError, http.client.HTTPException, ConnectionError, urllib.error.URLError) as exc:
            raise TransientHttpError(f"{type(exc).__name__}: {exc}") from exc
        except OSError as exc:
            raise TransientHttpError(f"{type(exc).__name__}: {exc}") from exc


def _lower(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()} if headers else {}


def next_link(headers: Mapping[str, str]) -> str | None:
    for url, rel in _LINK.findall(headers.get("link", "")):
        if rel == "next":
            return url
    return None


# --------------------------------------------------------------------------------------------------
# Dependencies and settings
# --------------------------------------------------------------------------------------------------
@dataclass
class Settings:
    request_timeout: float = 10.0
    max_attempts: int = 5  # per page, for 5xx, timeouts, truncated or malformed bodies
    backoff_base: float = 1.0
    backoff_cap: float = 20.0
    max_rate_limit_waits: int = 3
    reserve_seconds: float = 10.0  # kept back for writing Bronze and state
    max_pages: int = 10  # GitHub serves at most 300 events: 3 pages of 100


@dataclass
class IngestDeps:
    config: IngestConfig
    s3: Any
    cloudwatch: Any
    ssm: Any = None
    secrets: Any = None
    http: HttpClient = field(default_factory=UrllibClient)
    clock: Clock = field(default_factory=SystemClock)
    rng: random.Random = field(default_factory=random.Random)
    settings: Settings = field(default_factory=Settings)

    @classmethod
    def from_env(cls) -> IngestDeps:
        config = IngestConfig.from_env()
        return cls(
            config=config,
            s3=clients.client("s3"),
            cloudwatch=clients.client("cloudwatch"),
            ssm=clients.client("ssm") if config.token_parameter else None,
            secrets=clients.client("secretsmanager") if config.token_secret_arn else None,
        )


def handler(event: dict[str, Any] | None, context: Any) -> dict[str, Any]:
    start_invocation(context)
    return run(event or {}, context, IngestDeps.from_env())


class IngestError(RuntimeError):
    """The poll could not be done for a reason retrying will not fix (bad token, 404, ...)."""


def github_token(deps: IngestDeps) -> str | None:
    cfg = deps.config
    if cfg.token_secret_arn:
        secret = deps.secrets.get_secret_value(SecretId=cfg.token_secret_arn)["SecretString"]
        try:
            parsed = json.loads(secret)
        except json.JSONDecodeError:
            parsed = secret
        token = parsed.get("token") if isinstance(parsed, dict) else parsed
        if not isinstance(token, str) or not token.strip():
            raise IngestError(
                f"secret {cfg.token_secret_arn} holds no token (a string, or JSON with a 'token' key)"
            )
        return token.strip()
    if cfg.token_parameter:
        value = deps.ssm.get_parameter(Name=cfg.token_parameter, WithDecryption=True)["Parameter"]["Value"]
        if not value.strip():
            raise IngestError(f"SSM parameter {cfg.token_parameter} is empty")
        return str(value).strip()
    return None


# --------------------------------------------------------------------------------------------------
# The poll
# --------------------------------------------------------------------------------------------------
@dataclass
class PollResult:
    records: list[Any] = field(default_factory=list)  # every record of every page, in order
    pages: int = 0
    not_modified: bool = False
    complete: bool = False
    etag: str | None = None
    poll_interval: int | None = None
    rate_limited: int = 0
    stopped_because: str | None = None
    fatal: str | None = None


class _Poller:
    def __init__(self, deps: IngestDeps, context: Any, token: str | None, etag: str | None) -> None:
        self.deps = deps
        self.context = context
        self.settings = deps.settings
        self.origin = urlsplit(deps.config.github_api_url)[:2]
        self.etag = etag
        self.headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": f"lakehouse-ingest/{deps.config.common.env}",
        }
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def time_left(self) -> float:
        """Seconds we may still spend on the API: the Lambda's remaining time less the write reserve."""
        return self.context.get_remaining_time_in_millis() / 1000.0 - self.settings.reserve_seconds

    def _sleep_within_deadline(self, seconds: float, why: str) -> bool:
        """Sleep ``seconds`` unless that (plus one more request) would run past the deadline."""
        if seconds + min(1.0, self.settings.request_timeout) > self.time_left():
            log(
                logger,
                "not waiting past the deadline",
                logging.WARNING,
                wait_s=seconds,
                why=why,
                time_left_s=round(self.time_left(), 3),
            )
            return False
        self.deps.clock.sleep(seconds)
        return True

    def _rate_limit_wait(self, resp: HttpResponse) -> float | None:
        """Seconds to wait if ``resp`` is a rate-limit answer, else None."""
        h = resp.headers
        if resp.status not in (403, 429):
            return None
        if "retry-after" in h:
            try:
                return max(0.0, float(h["retry-after"]))
            except ValueError:
                return SECONDARY_RATE_LIMIT_WAIT
        if h.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in h:
            try:
                reset = datetime.fromtimestamp(int(h["x-ratelimit-reset"]), self.deps.clock.now().tzinfo)
            except ValueError:
                return SECONDARY_RATE_LIMIT_WAIT
            return max(0.0, (reset - self.deps.clock.now()).total_seconds()) + 1.0
        if resp.status == 429 or b"rate limit" in resp.body.lower():
            return SECONDARY_RATE_LIMIT_WAIT
        return None  # a plain 403: forbidden, not throttled

    def fetch_page(self, url: str, first: bool, result: PollResult) -> tuple[list[Any], str | None] | None:
        """One page's records and the next page's URL; None when the poll must stop (see ``result``)."""
        headers = dict(self.headers)
        if first and self.etag:
            headers["If-None-Match"] = self.etag
        attempt = 0
        rate_waits = 0
        while True:
            timeout = min(self.settings.request_timeout, self.time_left())
            if timeout <= 0.05:
                result.stopped_because = "out of time"
                return None
            problem: str
            try:
                resp = self.deps.http.get(url, headers, timeout)
            except TransientHttpError as exc:
                problem = str(exc)
            else:
                if resp.status == 304:
                    result.not_modified = True
                    return [], None
                wait = self._rate_limit_wait(resp)
                if wait is not None:
                    result.rate_limited += 1
                    rate_waits += 1
                    log(
                        logger,
                        "rate limited",
                        logging.WARNING,
                        status=resp.status,
                        wait_s=wait,
                        url=url,
                        remaining=resp.headers.get("x-ratelimit-remaining"),
                    )
                    if rate_waits > self.settings.max_rate_limit_waits or not self._sleep_within_deadline(
                        wait, "rate limit"
                    ):
                        result.stopped_because = f"rate limited (HTTP {resp.status}), wait {wait:.0f}s"
                        return None
                    continue
                if resp.status == 200:
                    try:
                        records = json.loads(resp.body)
                    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                        problem = f"malformed JSON body: {exc}"
                    else:
                        if isinstance(records, list):
                            if first:
                                result.etag = resp.headers.get("etag")
                                interval = resp.headers.get("x-poll-interval", "")
                                result.poll_interval = int(interval) if interval.isdigit() else None
                            return records, self._next(resp.headers)
                        problem = f"body is a JSON {type(records).__name__}, not a list"
                elif resp.status >= 500:
                    problem = f"HTTP {resp.status}"
                else:
                    message = resp.body[:200].decode("utf-8", "replace")
                    result.fatal = f"HTTP {resp.status} from {url}: {message}"
                    result.stopped_because = result.fatal
                    return None
            attempt += 1
            if attempt >= self.settings.max_attempts:
                result.stopped_because = f"gave up after {attempt} attempts: {problem}"
                return None
            # Full jitter: spreads retries of overlapping pollers apart.
            backoff = self.deps.rng.uniform(
                0, min(self.settings.backoff_cap, self.settings.backoff_base * 2 ** (attempt - 1))
            )
            log(logger, "retrying", logging.WARNING, attempt=attempt, problem=problem, backoff_s=backoff)
            if not self._sleep_within_deadline(backoff, "retry backoff"):
                result.stopped_because = f"out of time retrying: {problem}"
                return None

    def _next(self, headers: Mapping[str, str]) -> str | None:
        url = next_link(headers)
        if url is not None and urlsplit(url)[:2] != self.origin:
            # Never send the token to another host.
            log(logger, "ignoring next link to another origin", logging.WARNING, link=url)
            return None
        return url

    def poll(self) -> PollResult:
        result = PollResult()
        url: str | None = f"{self.deps.config.github_api_url}/events?per_page={PER_PAGE}"
        first = True
        while url is not None:
            if result.pages >= self.settings.max_pages:
                result.stopped_because = f"stopped after {result.pages} pages"
                return result
            page = self.fetch_page(url, first, result)
            if page is None:
                return result
            if result.not_modified:
                result.complete = True
                return result
            records, url = page
            result.pages += 1
            result.records.extend(records)
            first = False
        result.complete = True
        return result


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------
def _jsonl_gz(lines: list[dict[str, Any]]) -> bytes:
    text = "".join(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n" for line in lines)
    return gzip.compress(text.encode("utf-8"), mtime=0)


def put_new_object(s3: Any, bucket: str, make_key: Any, body: bytes) -> str:
    """PUT under a fresh key; If-None-Match makes S3 refuse to overwrite even on a key collision."""
    for _ in range(3):
        key = make_key()
        try:
            s3.put_object(
                Bucket=bucket, Key=key, Body=body, ContentType="application/x-ndjson", IfNoneMatch="*"
            )
            return str(key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in {
                "PreconditionFailed",
                "ConditionalRequestConflict",
            }:
                raise
            log(logger, "key already taken; drawing another", logging.WARNING, key=key)
    raise RuntimeError("could not find a free object key in 3 tries")


# --------------------------------------------------------------------------------------------------
# The handler's work
# --------------------------------------------------------------------------------------------------
def _parse_ts(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


DEFAULT_BUDGET_SECONDS = 180.0  # the stack's ingest timeout


def run(event: dict[str, Any], context: Any, deps: IngestDeps) -> dict[str, Any]:
    cfg = deps.config
    bucket = cfg.raw_bucket
    if not callable(getattr(context, "get_remaining_time_in_millis", None)):
        context = FixedBudget(deps.clock, DEFAULT_BUDGET_SECONDS)
    metrics = Metrics(deps.cloudwatch, cfg.common.namespace, cfg.common.env)
    for name in ("EventsWritten", "EventsQuarantined", "PagesFetched", "NotModified", "RateLimited"):
        metrics.add(name, 0)
    try:
        return _run(event, context, deps, metrics, bucket)
    finally:
        metrics.flush()


@dataclass
class Sorted:
    """A poll's records sorted against the ids seen before: new valid ones, new invalid ones, repeats."""

    valid: list[dict[str, Any]] = field(default_factory=list)
    invalid: list[tuple[str, Any]] = field(default_factory=list)  # (reason, record)
    keys: list[str] = field(default_factory=list)  # dedupe keys of this poll's new records, in order
    duplicates: int = 0


def _run(
    event: dict[str, Any], context: Any, deps: IngestDeps, metrics: Metrics, bucket: str
) -> dict[str, Any]:
    """One poll, step by step: skip if not due, take the lease, poll, sort, write, record the state."""
    started = deps.clock.now()
    ingest_dt = (
        validate_date(event["ingest_dt"], "ingest_dt")
        if event.get("ingest_dt")
        else started.date().isoformat()
    )
    state = read_state(deps.s3, bucket, INGEST_STATE_KEY)
    doc = dict(state.doc)
    lease_etag = None
    reason = _not_due(doc, event, started)
    if reason is None:
        lease_etag = _take_lease(deps, bucket, doc, state.etag, started, context)
        if lease_etag is None:
            reason = "another poll took the lease first"
    if reason is not None or lease_etag is None:
        log(logger, "poll skipped", reason=reason)
        return {"status": "skipped", "reason": reason, "ingest_dt": ingest_dt}

    try:
        result = _Poller(deps, context, github_token(deps), doc.get("etag")).poll()
    except Exception:
        _release(deps, bucket, doc, lease_etag)
        raise
    metrics.add("PagesFetched", result.pages)
    metrics.add("NotModified", 1 if result.not_modified else 0)
    metrics.add("RateLimited", result.rate_limited)

    fresh = sort_records(result.records, set(doc.get("seen_ids") or []))
    summary: dict[str, Any] = {
        "status": "not_modified" if result.not_modified else ("ok" if result.complete else "partial"),
        "ingest_dt": ingest_dt,
        "pages": result.pages,
        "received": len(result.records),
        "duplicates": fresh.duplicates,
        "written": 0,
        "quarantined": 0,
        "rate_limited": result.rate_limited,
        "bronze_key": None,
        "quarantine_key": None,
    }
    if result.stopped_because:
        summary["stopped_because"] = result.stopped_because
    try:
        _write(deps, bucket, ingest_dt, fresh, summary, metrics)
    except Exception:
        # Nothing recorded as seen: the next poll fetches these events again.
        _release(deps, bucket, doc, lease_etag)
        raise

    write_state(deps.s3, bucket, INGEST_STATE_KEY, _next_state(doc, fresh, result, started), lease_etag)
    log(logger, "poll done", **summary)
    if result.fatal:
        raise IngestError(result.fatal)
    return summary


def _not_due(doc: dict[str, Any], event: dict[str, Any], started: datetime) -> str | None:
    """Why this poll must not run now (another holds the lease, or GitHub's poll interval), or None."""
    lease_until = _parse_ts(doc.get("lease_until"))
    if lease_until and started < lease_until:
        return f"another poll holds the lease until {doc['lease_until']}"
    last_poll = _parse_ts(doc.get("last_poll_at"))
    interval = doc.get("poll_interval")
    if (
        not event.get("force")
        and last_poll
        and isinstance(interval, int)
        and started < last_poll + timedelta(seconds=interval)
    ):
        return f"X-Poll-Interval: next poll allowed {interval}s after {doc['last_poll_at']}"
    return None


def _take_lease(
    deps: IngestDeps, bucket: str, doc: dict[str, Any], etag: str | None, started: datetime, context: Any
) -> str | None:
    """Take the lease with a conditional PUT, so of two overlapping polls only one proceeds; returns the
    state's new ETag, or None when another poll took it first."""
    lease_seconds = max(1.0, context.get_remaining_time_in_millis() / 1000.0)
    lease_doc = {
        **doc,
        "lease_until": iso(started + timedelta(seconds=lease_seconds)),
        "lease_owner": uuid.uuid4().hex,
    }
    try:
        return write_state(deps.s3, bucket, INGEST_STATE_KEY, lease_doc, etag)
    except StateConflict:
        return None


def sort_records(records: list[Any], previous: set[str]) -> Sorted:
    """Skip what earlier polls or this one saw already; split the rest into valid and invalid."""
    out = Sorted()
    this_poll: set[str] = set()
    for record in records:
        key = dedupe_key(record)
        if key in previous or key in this_poll:
            out.duplicates += 1
            continue
        out.keys.append(key)
        this_poll.add(key)
        reason = validate_event(record)
        if reason is None:
            out.valid.append(record)
        else:
            out.invalid.append((reason, record))
    return out


def _write(
    deps: IngestDeps, bucket: str, ingest_dt: str, fresh: Sorted, summary: dict[str, Any], metrics: Metrics
) -> None:
    """New valid events to Bronze, new invalid ones to quarantine with their reason (one object each)."""
    ingested_at = iso(deps.clock.now())
    source = f"{deps.config.github_api_url}/events"
    if fresh.valid:
        lines = [{**record, "ingested_at": ingested_at, "source": source} for record in fresh.valid]
        summary["bronze_key"] = put_new_object(
            deps.s3, bucket, lambda: bronze_key(ingest_dt, deps.clock.now()), _jsonl_gz(lines)
        )
        summary["written"] = len(lines)
        metrics.add("EventsWritten", len(lines))
    if fresh.invalid:
        quarantined = [
            {"reason": reason, "record": record, "ingested_at": ingested_at, "source": source}
            for reason, record in fresh.invalid
        ]
        summary["quarantine_key"] = put_new_object(
            deps.s3, bucket, lambda: quarantine_key(ingest_dt, deps.clock.now()), _jsonl_gz(quarantined)
        )
        summary["quarantined"] = len(quarantined)
        metrics.add("EventsQuarantined", len(quarantined))
        for reason, record in fresh.invalid:
            log(logger, "event quarantined", logging.WARNING, reason=reason, id=dedupe_key(record))


def _next_state(doc: dict[str, Any], fresh: Sorted, result: PollResult, started: datetime) -> dict[str, Any]:
    """The state after a poll: ids seen (newest first, bounded), when, the ETag to send next, no lease."""
    new_keys = set(fresh.keys)
    seen = fresh.keys + [i for i in (doc.get("seen_ids") or []) if i not in new_keys]
    status = "not_modified" if result.not_modified else ("ok" if result.complete else "partial")
    new_doc = {
        **doc,
        "seen_ids": seen[:MAX_SEEN_IDS],
        "last_poll_at": iso(started),
        "last_status": status,
        "lease_until": None,
        "lease_owner": None,
    }
    if result.not_modified:
        pass  # keep the ETag that matched
    elif result.complete:
        new_doc["etag"] = result.etag
    else:
        new_doc["etag"] = None  # an incomplete poll must re-read page 1 next time, not get a 304
    if result.poll_interval is not None:
        new_doc["poll_interval"] = result.poll_interval
    return new_doc


def _release(deps: IngestDeps, bucket: str, doc: dict[str, Any], lease_etag: str) -> None:
    """Best effort: drop our lease so the next poll need not wait for it to expire."""
    try:
        write_state(
            deps.s3, bucket, INGEST_STATE_KEY, {**doc, "lease_until": None, "lease_owner": None}, lease_etag
        )
    except Exception as exc:
        log(logger, "could not release the lease", logging.WARNING, error=str(exc))
