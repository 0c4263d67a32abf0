"""Gold Lambda: aggregate one ingest day of Silver into github_events_gold_daily, replacing the day.

Event (optional): ``{"ingest_dt": "YYYY-MM-DD"}``; default yesterday (UTC). The day's Gold objects and
Glue partition are deleted before the INSERT, so a re-run replaces the day instead of adding to it.

When the invocation's time left cannot cover the query running to its timeout, nothing is cleared or
submitted: the run says so (log, QueriesNotSubmitted) and fails with OutOfTime, so Lambda's retry runs the
day again with a full budget and the day's Gold is never left cleared and empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from lakehouse_common import clients
from lakehouse_common.athena import AthenaRunner, load_sql
from lakehouse_common.clock import Clock, SystemClock
from lakehouse_common.config import TransformConfig
from lakehouse_common.keys import gold_partition_prefix, validate_date
from lakehouse_common.logs import get_logger, log, start_invocation

TRANSFORM = "gold"
GOLD_TABLE = "github_events_gold_daily"

logger = get_logger("gold")


@dataclass
class GoldDeps:
    config: TransformConfig
    s3: Any
    glue: Any
    athena: Any
    cloudwatch: Any
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def from_env(cls) -> GoldDeps:
        config = TransformConfig.from_env(buckets=("gold",))
        return cls(
            config,
            clients.client("s3"),
            clients.client("glue"),
            clients.client("athena"),
            clients.client("cloudwatch"),
        )


class OutOfTime(RuntimeError):
    """The invocation's time left cannot cover the day's query; a retry gets a full budget."""


def handler(event: dict[str, Any] | None, context: Any) -> dict[str, Any]:
    start_invocation(context)
    return run(event or {}, GoldDeps.from_env(), context)


def delete_prefix(s3: Any, bucket: str, prefix: str) -> int:
    """Delete every object under ``prefix``; returns how many. Raises if S3 refuses any."""
    deleted = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
        if not keys:
            continue
        out = s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
        if out.get("Errors"):
            first = out["Errors"][0]
            raise RuntimeError(
                f"could not delete {len(out['Errors'])} objects under s3://{bucket}/{prefix}, "
                f"e.g. {first.get('Key')}: {first.get('Code')} {first.get('Message')}"
            )
        deleted += len(keys)
    return deleted


def drop_partition(glue: Any, database: str, day: str) -> bool:
    """Remove the day's partition from the catalog; False if it was not there."""
    out = glue.batch_delete_partition(
        DatabaseName=database, TableName=GOLD_TABLE, PartitionsToDelete=[{"Values": [day]}]
    )
    for error in out.get("Errors", []):
        detail = error.get("ErrorDetail", {})
        if detail.get("ErrorCode") == "EntityNotFoundException":
            return False
        raise RuntimeError(f"could not delete Gold partition {day}: {detail}")
    return True


def run(event: dict[str, Any], deps: GoldDeps, context: Any = None) -> dict[str, Any]:
    cfg = deps.config
    assert cfg.gold_bucket  # guaranteed by TransformConfig.from_env(buckets=...)
    runner = AthenaRunner.for_transform(deps, transform=TRANSFORM, logger=logger, context=context)
    try:
        if event.get("ingest_dt") is not None:
            day = validate_date(event["ingest_dt"], "ingest_dt")
        else:
            day = (deps.clock.now().date() - timedelta(days=1)).isoformat()
        name = f"gold_daily_insert {day}"
        if not runner.covers_one_more(name):
            raise OutOfTime(f"not enough time left for {name}; the day is left as it was")
        deleted = delete_prefix(deps.s3, cfg.gold_bucket, gold_partition_prefix(day))
        dropped = drop_partition(deps.glue, cfg.database, day)
        log(logger, "gold day cleared", ingest_dt=day, objects_deleted=deleted, partition_dropped=dropped)
        year, month = day[:4], day[5:7]
        query = runner.run(
            load_sql("gold_daily_insert"),
            [f"'{year}'", f"'{month}'", f"'{day}'"],  # parts of a validated date: digits only
            name=name,
        )
        summary = {
            "status": "ok",
            "ingest_dt": day,
            "objects_deleted": deleted,
            "partition_replaced": dropped,
            "query": query.query_id,
        }
        log(logger, "gold done", **summary)
        return summary
    finally:
        runner.metrics.flush()
