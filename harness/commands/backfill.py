"""`lakehouse backfill`: a range of GH Archive hours through the deployed archive function and the pipeline.

    lakehouse backfill --from 2025-11-20T00 --to 2025-11-20T23 [--archive-dir DIR | --archive-url URL]

The archive the deployed function reads is the fake GH Archive serving ``--archive-dir``'s
``YYYY-MM-DD-H.json.gz`` files (hours without a file are 404: missing), or ``--archive-url`` as it is, or
(neither given) hours the fake archive generates (``--events-per-hour``, ``--seed``). A temporary local
environment is deployed with that archive as ``archive.base_url``; the range goes to the archive function
in batches of ``--batch-hours`` hours, one invocation at a time (as on AWS: docs/runbook.md, 'Backfill
from GH Archive'), hours an invocation had no time for go again; then Silver for the days touched and
Gold for each of them. The last line of stdout is one JSON object of counts for the range, in the shape
of `lakehouse run`'s plus the hours done / missing / failed. The invariants of docs/design.md are checked
on them; a broken one, or a failed hour, exits non-zero.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from harness.commands.events_file import CliError
from harness.console import say, step
from harness.errors import HarnessError
from harness.pipeline import invariants

MAX_HOURS = 24 * 31  # a month per command; the runbook's AWS procedure has no such limit
DEFAULT_BATCH_HOURS = 24
MAX_BATCH_HOURS = 168  # what the archive function accepts per invocation
COUNT_KEYS = (
    "hours",
    "hours_done",
    "hours_missing",
    "hours_failed",
    "served",
    "unique",
    "bronze",
    "quarantined",
    "silver",
    "gold_rows",
    "gold_events",
)


class BackfillFailed(HarnessError):
    """Hours of the range could not be loaded (their reasons are in the message)."""


def _say(msg: str) -> None:
    say("lakehouse", msg)


# --------------------------------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------------------------------
def parse_hour(text: str, flag: str) -> datetime:
    try:
        hour = datetime.strptime(text, "%Y-%m-%dT%H").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        raise CliError(f"{flag} {text!r} is not an hour written YYYY-MM-DDTHH (UTC)") from None
    if f"{hour:%Y-%m-%dT%H}" != text:  # strptime takes "T9" for "T09"; the handler does not
        raise CliError(f"{flag} {text!r} is not an hour written YYYY-MM-DDTHH (UTC)")
    return hour


def hour_range(first: str, last: str, now: datetime | None = None) -> list[str]:
    """Every hour from ``first`` to ``last`` inclusive, as ``YYYY-MM-DDTHH``; clear errors otherwise."""
    start, end = parse_hour(first, "--from"), parse_hour(last, "--to")
    if end < start:
        raise CliError(f"--to {last} is before --from {first}")
    count = int((end - start).total_seconds() // 3600) + 1
    if count > MAX_HOURS:
        raise CliError(f"{count} hours asked for; at most {MAX_HOURS} (a month) per backfill")
    now = now or datetime.now(UTC)
    if end > now:
        raise CliError(f"--to {last} has not started yet (now {now:%Y-%m-%dT%H:%M}Z)")
    return [f"{start + timedelta(hours=n):%Y-%m-%dT%H}" for n in range(count)]


def file_name(hour: str) -> str:
    """GH Archive's name for an hour: no leading zero on the hour."""
    day, hh = hour.split("T")
    return f"{day}-{int(hh)}.json.gz"


def check_archive_dir(directory: Path, hours: Sequence[str]) -> int:
    """How many of the range's files the folder holds; a clear error when it holds none or a damaged one
    (before anything is deployed)."""
    if not directory.exists():
        raise CliError(f"--archive-dir {directory} does not exist")
    if not directory.is_dir():
        raise CliError(f"--archive-dir {directory} is not a folder")
    present = 0
    for hour in hours:
        path = directory / file_name(hour)
        if not path.exists():
            continue
        try:
            with path.open("rb") as fh:
                magic = fh.read(2)
        except OSError as exc:
            raise CliError(f"{path} cannot be read: {exc.strerror or exc}") from None
        if magic != b"\x1f\x8b":
            raise CliError(f"{path} is not gzip (GH Archive's files are gzip JSONL)")
        present += 1
    if not present:
        raise CliError(
            f"--archive-dir {directory} holds none of the {len(hours)} hours' files "
            f"({file_name(hours[0])} .. {file_name(hours[-1])})"
        )
    return present


def check_archive_url(url: str) -> str:
    if not url.startswith(("http://", "https://")) or any(c.isspace() for c in url):
        raise CliError(f"--archive-url {url!r} is not an http(s) URL")
    return url.rstrip("/")


# --------------------------------------------------------------------------------------------------
# The range through the pipeline
# --------------------------------------------------------------------------------------------------
@dataclass
class Loaded:
    """What the archive function reported for the range."""

    status: dict[str, str] = field(default_factory=dict)  # hour -> done | missing | failed | skipped
    reasons: dict[str, str] = field(default_factory=dict)
    events: int = 0
    invalid: int = 0

    def hours(self, status: str) -> list[str]:
        return sorted(h for h, s in self.status.items() if s == status)


def batches(hours: Sequence[str], size: int) -> list[list[str]]:
    return [list(hours[i : i + size]) for i in range(0, len(hours), size)]


def load_hours(
    hours: Sequence[str], pipe: Any, batch_hours: int, progress: Callable[[str], None] = _say
) -> Loaded:
    """The hours through the archive function, one batch per invocation, one invocation at a time.

    Hours an invocation had no time for (``deferred``) go again in the next invocation; an invocation
    that makes no progress at all ends the loop (a failure, not an endless retry)."""
    loaded = Loaded()
    queue = batches(hours, batch_hours)
    total = len(queue)
    n = 0
    while queue:
        batch = queue.pop(0)
        n += 1
        result = pipe.invoke("archive", {"hours": batch}).raise_for_error()
        for item in result.get("results", []):
            loaded.status[item["hour"]] = item["status"]
            if item.get("reason"):
                loaded.reasons[item["hour"]] = item["reason"]
        loaded.events += int(result.get("events", 0))
        loaded.invalid += int(result.get("invalid", 0))
        deferred = list(result.get("deferred", []))
        counts = result.get("hours", {})
        progress(
            f"archive batch {n}/{total + (1 if deferred else 0)} ({batch[0]} .. {batch[-1]}): "
            f"{counts.get('done', 0)} done, {counts.get('missing', 0)} missing, "
            f"{counts.get('failed', 0)} failed, {counts.get('skipped', 0)} skipped, "
            f"{result.get('events', 0)} events, {result.get('invalid', 0)} invalid"
            + (f", {len(deferred)} deferred" if deferred else "")
        )
        if deferred:
            if len(deferred) == len(batch):
                raise BackfillFailed(f"the archive function made no progress on {batch[0]} .. {batch[-1]}")
            queue.insert(0, deferred)
    for hour in hours:
        # A hour skipped because it was done already counts as done; one another run holds stays skipped.
        if loaded.status.get(hour) == "skipped" and loaded.reasons.get(hour) == "done already":
            loaded.status[hour] = "done"
    return loaded


def days_of(hours: Sequence[str]) -> list[str]:
    return sorted({h.split("T")[0] for h in hours})


def transform(days: Sequence[str], pipe: Any, progress: Callable[[str], None] = _say) -> None:
    """Silver for the days touched (one invocation: it runs a query per run of consecutive days), then
    Gold for each day."""
    pipe.invoke("silver", {"ingest_dts": list(days)}).raise_for_error()
    progress(f"silver done for {len(days)} day(s)")
    for day in days:
        pipe.invoke("gold", {"ingest_dt": day}).raise_for_error()
    progress(f"gold done for {len(days)} day(s)")


@dataclass(frozen=True)
class Served:
    """What the archive served for the loaded hours, when the harness serves it (None: an outside URL)."""

    lines: int
    unique: int
    distinct_valid: int
    groups: int  # distinct (ingest_dt, event_type, repo_name) of the valid events


def served_by(archive: Any, done_hours: Sequence[str]) -> Served:
    lines = unique = valid = 0
    groups: set[tuple[str, str | None, str | None]] = set()
    for hour in done_hours:
        expected = archive.expected_events(hour)
        lines += expected.lines
        valid += expected.valid
        unique += expected.valid + expected.invalid
        day = hour.split("T")[0]
        groups |= {(day, t, r) for t, r in expected.groups}
    return Served(lines, unique, valid, len(groups))


def range_counts(
    hours: Sequence[str], loaded: Loaded, lake: Any, served: Served | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The counts `backfill` prints (summed over the days of the range) and the facts the invariants are
    checked on."""
    totals = {"bronze": 0, "quarantined": 0, "silver": 0, "silver_ids": 0, "gold_rows": 0, "gold_events": 0}
    for day in days_of(hours):
        counts = lake.counts(day)
        for key in totals:
            totals[key] += int(getattr(counts, key))
    shown: dict[str, Any] = {
        "from": hours[0],
        "to": hours[-1],
        "hours": len(hours),
        "hours_done": len(loaded.hours("done")),
        "hours_missing": len(loaded.hours("missing")),
        "hours_failed": len(loaded.hours("failed")),
        # Lines of the loaded files: counted by the harness's archive, else as the function reported them.
        "served": served.lines if served else loaded.events + loaded.invalid,
        "unique": served.unique if served else None,
        **{k: totals[k] for k in ("bronze", "quarantined", "silver", "gold_rows", "gold_events")},
    }
    facts = {**shown, "silver_ids": totals["silver_ids"]}
    if served:
        facts |= {"distinct_valid": served.distinct_valid, "groups": served.groups}
    return shown, facts


# --------------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def archive_source(args: argparse.Namespace, hours: Sequence[str]) -> Iterator[tuple[str, Any]]:
    """(the base URL the deployed function will read, the fake archive serving it or None)."""
    from harness.local.fake_archive import FakeArchive

    if args.archive_url:
        yield check_archive_url(args.archive_url), None
        return
    if args.archive_dir:
        with FakeArchive(directory=Path(args.archive_dir)) as archive:
            yield archive.url, archive
        return
    with FakeArchive(seed=args.seed, events_per_hour=args.events_per_hour) as archive:
        yield archive.url, archive


def backfill(
    hours: Sequence[str],
    pipe: Any,
    lake: Any,
    archive: Any,
    batch_hours: int,
    progress: Callable[[str], None] = _say,
) -> tuple[dict[str, Any], dict[str, Any], Loaded]:
    """The range through a deployed environment: archive batches, Silver, Gold, counts."""
    loaded = load_hours(hours, pipe, batch_hours, progress)
    touched = days_of(loaded.hours("done")) or days_of(hours)
    transform(touched, pipe, progress)
    served = served_by(archive, loaded.hours("done")) if archive is not None else None
    shown, facts = range_counts(hours, loaded, lake, served)
    return shown, facts, loaded


def cmd_backfill(args: argparse.Namespace) -> int:
    hours = hour_range(args.from_hour, args.to_hour)  # fail fast, before anything is started
    if not 1 <= args.batch_hours <= MAX_BATCH_HOURS:
        raise CliError(f"--batch-hours must be within [1, {MAX_BATCH_HOURS}], got {args.batch_hours}")
    if args.events_per_hour < 0:
        raise CliError(f"--events-per-hour must be >= 0, got {args.events_per_hour}")
    if args.archive_dir:
        present = check_archive_dir(Path(args.archive_dir), hours)
        _say(f"{present} of the {len(hours)} hours' files are in {args.archive_dir}; the others are missing")
    _say(f"backfilling {len(hours)} hours, {hours[0]} .. {hours[-1]}, in batches of {args.batch_hours}")
    from harness.commands.session import local_environment, session_for

    with (
        archive_source(args, hours) as (url, archive),
        local_environment("run", extra_vars={"archive": {"base_url": url}}) as local,
    ):
        from harness.commands.feed import LocalFeed

        outputs = local.deployment.outputs
        session = session_for(local.target, local.env, outputs, local.zips, LocalFeed(local.api))
        with step("lakehouse", "loading the hours through the archive function, then Silver and Gold"):
            shown, facts, loaded = backfill(hours, session.pipe, session.lake, archive, args.batch_hours)
    if not args.json:
        width = max(len(k) for k in COUNT_KEYS)
        for key in COUNT_KEYS:
            print(f"{key:<{width}}  {shown[key]}")
    print(json.dumps(shown), flush=True)
    invariants.require(facts, where=f"{hours[0]} .. {hours[-1]}")
    failed = loaded.hours("failed")
    if failed:
        reasons = "; ".join(f"{h}: {loaded.reasons.get(h, '?')}" for h in failed[:5])
        raise BackfillFailed(f"{len(failed)} hour(s) failed to load ({reasons})")
    busy = loaded.hours("skipped")
    if busy:
        raise BackfillFailed(f"{len(busy)} hour(s) were being loaded by another run ({', '.join(busy[:5])})")
    return 0


def add_parser(sub: Any) -> None:
    cmd = sub.add_parser(
        "backfill", help="load a range of GH Archive hours through the deployed pipeline; print the counts"
    )
    cmd.add_argument("--from", dest="from_hour", required=True, help="first hour, YYYY-MM-DDTHH (UTC)")
    cmd.add_argument("--to", dest="to_hour", required=True, help="last hour, YYYY-MM-DDTHH (UTC), inclusive")
    source = cmd.add_mutually_exclusive_group()
    source.add_argument("--archive-dir", help="folder of GH Archive files YYYY-MM-DD-H.json.gz to serve")
    source.add_argument("--archive-url", help="an archive to read as it is (base URL, no trailing slash)")
    cmd.add_argument(
        "--events-per-hour", type=int, default=100, help="generated hours (no --archive-*): events per hour"
    )
    cmd.add_argument("--seed", type=int, default=0, help="generated hours: the seed")
    cmd.add_argument(
        "--batch-hours", type=int, default=DEFAULT_BATCH_HOURS, help="hours per archive invocation (1-168)"
    )
    cmd.add_argument("--json", action="store_true", help="print only the JSON counts on stdout")
