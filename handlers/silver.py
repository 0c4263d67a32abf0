"""Silver Lambda: Bronze -> Silver through Athena for the Bronze partitions touched since the last run.

Event (all optional): ``{"from_dt": "YYYY-MM-DD", "to_dt": "YYYY-MM-DD"}`` for an explicit window
(inclusive), or ``{"ingest_dts": [...]}``. Without one, the window is every ``ingest_dt`` partition
holding a Bronze object written since the watermark of the last successful run. Explicit windows
leave the watermark alone. The SQL de-duplicates by event id against Silver, so any window can re-run.

A query is only submitted while the invocation's time left covers one running to its timeout; ranges left
over are named in the log, counted in QueriesNotSubmitted, and the run ends ``partial`` without moving the
watermark, so the next run takes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from lakehouse_common import clients
from lakehouse_common.athena import AthenaRunner, date_literal, load_sql
from lakehouse_common.clock import Clock, SystemClock, iso
from lakehouse_common.config import TransformConfig
from lakehouse_common.keys import BRONZE_PREFIX, SILVER_STATE_KEY, partition_of, validate_date
from lakehouse_common.logs import get_logger, log, start_invocation
from lakehouse_common.state import read_state, write_state

TRANSFORM = "silver"
# Re-scan this much before the last listing: an upload in flight then may carry an earlier
# LastModified than objects already listed. Re-processing is harmless (the SQL de-duplicates).
WATERMARK_OVERLAP = timedelta(minutes=15)

logger = get_logger("silver")


@dataclass
class SilverDeps:
    config: TransformConfig
    s3: Any
    athena: Any
    cloudwatch: Any
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def from_env(cls) -> SilverDeps:
        config = TransformConfig.from_env(buckets=("raw", "silver"))
        return cls(config, clients.client("s3"), clients.client("athena"), clients.client("cloudwatch"))


def handler(event: dict[str, Any] | None, context: Any) -> dict[str, Any]:
    start_invocation(context)
    return run(event or {}, SilverDeps.from_env(), context)


def touched_partitions(s3: Any, bucket: str, since: datetime | None) -> list[str]:
    """``ingest_dt`` values of Bronze partitions with an object modified after ``since`` (all if None)."""
    found: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=BRONZE_PREFIX):
        for obj in page.get("Contents", []):
            dt = partition_of(obj["Key"])
            if dt and (since is None or obj["LastModified"] > since):
                found.add(dt)
    return sorted(found)


def contiguous_ranges(days: list[str]) -> list[tuple[str, str]]:
    """[d1, d2, d3, d7] -> [(d1, d3), (d7, d7)]: one query per run of consecutive days."""
    ranges: list[tuple[str, str]] = []
    for day in sorted(set(days)):
        if ranges and date.fromisoformat(day) - date.fromisoformat(ranges[-1][1]) == timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def _explicit_window(event: dict[str, Any]) -> list[str] | None:
    if "ingest_dts" in event:
        days = event["ingest_dts"]
        if not isinstance(days, list):
            raise ValueError("ingest_dts must be a list of YYYY-MM-DD dates")
        return sorted({validate_date(d, "ingest_dts item") for d in days})
    if "from_dt" in event or "to_dt" in event:
        start = date.fromisoformat(validate_date(event.get("from_dt"), "from_dt"))
        end = date.fromisoformat(validate_date(event.get("to_dt", event.get("from_dt")), "to_dt"))
        if end < start:
            raise ValueError(f"to_dt {end} is before from_dt {start}")
        if (end - start).days > 366:
            raise ValueError("a window may span at most 366 days; split it")
        return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
    return None


def run(event: dict[str, Any], deps: SilverDeps, context: Any = None) -> dict[str, Any]:
    cfg = deps.config
    assert cfg.raw_bucket and cfg.silver_bucket  # guaranteed by TransformConfig.from_env(buckets=...)
    runner = AthenaRunner.for_transform(deps, transform=TRANSFORM, logger=logger, context=context)
    try:
        explicit = _explicit_window(event)
        state = read_state(deps.s3, cfg.silver_bucket, SILVER_STATE_KEY)
        listed_at = deps.clock.now()
        if explicit is None:
            watermark = state.doc.get("watermark")
            since = datetime.fromisoformat(watermark.replace("Z", "+00:00")) if watermark else None
            days = touched_partitions(deps.s3, cfg.raw_bucket, since)
        else:
            days = explicit
        ranges = contiguous_ranges(days)
        log(logger, "silver window", days=days, explicit=explicit is not None, ranges=ranges)

        sql = load_sql("silver_insert")
        queries, left_over = [], []
        for n, (start, end) in enumerate(ranges):
            name = f"silver_insert {start}..{end}"
            if not runner.covers_one_more(name, not_submitted=len(ranges) - n):
                left_over = ranges[n:]
                break
            queries.append(runner.run(sql, [date_literal(start), date_literal(end)], name=name))

        if left_over:
            summary = {
                "status": "partial",
                "days": days,
                "queries": [q.query_id for q in queries],
                "not_submitted": [f"{start}..{end}" for start, end in left_over],
                "watermark_moved": False,  # the next run lists these days again
            }
            log(logger, "silver stopped before the deadline", **summary)
            return summary
        if explicit is None:
            doc = dict(state.doc)
            doc.update(
                watermark=iso(listed_at - WATERMARK_OVERLAP),
                last_success_at=iso(deps.clock.now()),
                last_window=days,
            )
            write_state(deps.s3, cfg.silver_bucket, SILVER_STATE_KEY, doc, state.etag)
        summary = {
            "status": "ok",
            "days": days,
            "queries": [q.query_id for q in queries],
            "watermark_moved": explicit is None,
        }
        log(logger, "silver done", **summary)
        return summary
    finally:
        runner.metrics.flush()
