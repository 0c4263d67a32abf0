"""Row counts per layer, read through Athena with pyathena (and quarantine from S3), and the counts
expected from what the fake GitHub API served, computed without the pipeline.

    lake = Lake.connect(outputs, athena_endpoint=..., aws_env=...)
    lake.counts("2025-11-20")     -> LayerCounts(bronze=..., silver=..., gold_rows=..., ...)
    expected_counts(api.served_records)
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from harness.fixtures import validate_event

QUARANTINE_PREFIX = "github/quarantine/"  # docs/contracts.md, 'S3 layout'
BRONZE_PREFIX = "github/events/"


def record_key(record: Any) -> str:
    """What makes two served records the same record: the event id, else the whole content."""
    if isinstance(record, dict) and isinstance(record.get("id"), str) and record["id"].strip():
        return record["id"].strip()
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Expected:
    """What the pipeline must end with, from the records served alone."""

    served: int
    unique: int
    valid_ids: frozenset[str]
    invalid_keys: frozenset[str]
    groups: frozenset[tuple[str | None, str | None]]  # distinct (event_type, repo_name) of valid events

    @property
    def bronze(self) -> int:
        return len(self.valid_ids)

    @property
    def quarantined(self) -> int:
        return len(self.invalid_keys)


def expected_counts(served: Sequence[Any]) -> Expected:
    """Distinct valid events (by GitHub's Event schema, harness.fixtures) and distinct invalid records."""
    first: dict[str, Any] = {}
    for record in served:
        first.setdefault(record_key(record), record)
    valid, invalid, groups = set(), set(), set()
    for key, record in first.items():
        if validate_event(record):
            invalid.add(key)
        else:
            valid.add(key)
            groups.add((record.get("type"), (record.get("repo") or {}).get("name")))
    return Expected(len(served), len(first), frozenset(valid), frozenset(invalid), frozenset(groups))


@dataclass
class LayerCounts:
    ingest_dt: str
    bronze: int
    bronze_ids: int
    quarantined: int
    silver: int
    silver_ids: int
    gold_rows: int
    gold_events: int
    quarantine_reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["quarantine_reasons"] = dict(self.quarantine_reasons)
        return out


@dataclass
class DayKeys:
    """What identifies a day's rows in each layer (Lake.day_keys)."""

    bronze_ids: set[str] = field(default_factory=set)
    silver_ids: set[str] = field(default_factory=set)
    gold_groups: set[tuple[str | None, str | None]] = field(default_factory=set)


@dataclass
class Lake:
    """Query access to one deployed environment's lake."""

    connection: Any
    s3: Any
    raw_bucket: str

    @classmethod
    def connect(
        cls,
        outputs: Mapping[str, Any],
        *,
        s3: Any,
        athena_endpoint: str | None = None,
        credentials: Mapping[str, str] | None = None,
        region: str = "us-east-1",
    ) -> Lake:
        import pyathena

        kwargs: dict[str, Any] = {
            "work_group": outputs["athena_workgroup"],  # it enforces the (encrypted) result location
            "schema_name": outputs["glue_database"],
            "region_name": region,
            "poll_interval": 0.1,
        }
        if athena_endpoint:
            kwargs["endpoint_url"] = athena_endpoint
        if credentials:
            kwargs |= {
                "aws_access_key_id": credentials["AWS_ACCESS_KEY_ID"],
                "aws_secret_access_key": credentials["AWS_SECRET_ACCESS_KEY"],
            }
        return cls(pyathena.connect(**kwargs), s3, outputs["bucket_names"]["raw"])

    def scalar_row(self, sql: str, params: Sequence[str] = ()) -> tuple[Any, ...]:
        cur = self.connection.cursor()
        cur.execute(sql, [f"'{p}'" for p in params] if params else None, paramstyle="qmark")
        row = cur.fetchone()
        return tuple(row) if row is not None else ()

    def rows(self, sql: str, params: Sequence[str] = ()) -> list[tuple[Any, ...]]:
        cur = self.connection.cursor()
        cur.execute(sql, [f"'{p}'" for p in params] if params else None, paramstyle="qmark")
        return [tuple(r) for r in cur.fetchall()]

    def quarantine(self, ingest_dt: str) -> list[dict[str, Any]]:
        """Every quarantined line of the day, as written (reason, record, ingested_at, source)."""
        lines: list[dict[str, Any]] = []
        prefix = f"{QUARANTINE_PREFIX}ingest_dt={ingest_dt}/"
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.raw_bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                body = self.s3.get_object(Bucket=self.raw_bucket, Key=obj["Key"])["Body"].read()
                text = gzip.decompress(body).decode("utf-8")
                lines += [json.loads(line) for line in text.splitlines() if line.strip()]
        return lines

    def counts(self, ingest_dt: str) -> LayerCounts:
        # One statement for the three layers: each statement is a round trip and an engine's planning.
        bronze, bronze_ids, silver, silver_ids, gold_rows, gold_events = self.scalar_row(
            "SELECT b.n, b.ids, s.n, s.ids, g.n, g.events FROM "
            "(SELECT count(*) AS n, count(DISTINCT id) AS ids FROM github_events_bronze "
            "WHERE ingest_dt = ?) b "
            "CROSS JOIN (SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM github_events_silver "
            "WHERE year = ? AND month = ? AND ingest_dt = ?) s "
            "CROSS JOIN (SELECT count(*) AS n, coalesce(sum(event_count), 0) AS events "
            "FROM github_events_gold_daily WHERE ingest_dt = ?) g",
            [ingest_dt, ingest_dt[:4], ingest_dt[5:7], ingest_dt, ingest_dt],
        )
        quarantined = self.quarantine(ingest_dt)
        return LayerCounts(
            ingest_dt=ingest_dt,
            bronze=int(bronze),
            bronze_ids=int(bronze_ids),
            quarantined=len(quarantined),
            silver=int(silver),
            silver_ids=int(silver_ids),
            gold_rows=int(gold_rows),
            gold_events=int(gold_events),
            quarantine_reasons=Counter(str(q.get("reason")) for q in quarantined),
        )

    def transform_counts(self, days: Sequence[str]) -> dict[str, tuple[int, int, int, int]]:
        """(silver rows, silver distinct ids, gold rows, gold events) of each day, read in one statement for
        all the days (what `counts` gives for those four, day by day; a day with no rows gives zeros)."""
        if not days:
            return {}
        marks = ", ".join("?" for _ in days)
        rows = self.rows(
            "SELECT coalesce(s.ingest_dt, g.ingest_dt), coalesce(s.n, 0), coalesce(s.ids, 0), "
            "coalesce(g.n, 0), coalesce(g.events, 0) FROM "
            "(SELECT ingest_dt, count(*) AS n, count(DISTINCT event_id) AS ids FROM github_events_silver "
            f"WHERE ingest_dt IN ({marks}) GROUP BY ingest_dt) s "
            "FULL OUTER JOIN (SELECT ingest_dt, count(*) AS n, coalesce(sum(event_count), 0) AS events "
            f"FROM github_events_gold_daily WHERE ingest_dt IN ({marks}) GROUP BY ingest_dt) g "
            "ON s.ingest_dt = g.ingest_dt",
            [*days, *days],
        )
        found = {str(r[0]): (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}
        return {day: found.get(day, (0, 0, 0, 0)) for day in days}

    def day_keys(self, ingest_dt: str) -> DayKeys:
        """The day's Bronze ids, Silver ids and Gold (event_type, repo_name) groups, in one statement."""
        rows = self.rows(
            "SELECT 'bronze', id, CAST(NULL AS varchar) FROM github_events_bronze WHERE ingest_dt = ? "
            "UNION ALL SELECT 'silver', event_id, NULL FROM github_events_silver "
            "WHERE year = ? AND month = ? AND ingest_dt = ? "
            "UNION ALL SELECT 'gold', event_type, repo_name FROM github_events_gold_daily "
            "WHERE ingest_dt = ?",
            [ingest_dt, ingest_dt[:4], ingest_dt[5:7], ingest_dt, ingest_dt],
        )
        keys = DayKeys()
        for layer, first, second in rows:
            if layer == "bronze":
                keys.bronze_ids.add(first)
            elif layer == "silver":
                keys.silver_ids.add(first)
            else:
                keys.gold_groups.add((first, second))
        return keys

    def close(self) -> None:
        self.connection.close()


COUNTS_FILE_ENV = "LAKEHOUSE_COUNTS_FILE"


def record(
    counts: LayerCounts, scenario: str = "", expected: Expected | None = None, gold_built: bool = True
) -> None:
    """Append a day's counts to $LAKEHOUSE_COUNTS_FILE (JSON lines), when set: `make verify` reports them
    and checks their invariants (with what was served, when the caller knows it)."""
    import os

    path = os.environ.get(COUNTS_FILE_ENV)
    if not path:
        return
    facts: dict[str, Any] = {"scenario": scenario, "gold_built": gold_built, **counts.as_dict()}
    if expected is not None:
        facts |= {
            "unique": expected.unique,
            "distinct_valid": expected.bronze,
            "groups": len(expected.groups),
        }
    line = json.dumps(facts, sort_keys=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def totals(per_day: Iterable[LayerCounts]) -> dict[str, int]:
    keys = ("bronze", "quarantined", "silver", "gold_rows", "gold_events")
    out = dict.fromkeys(keys, 0)
    for c in per_day:
        for k in keys:
            out[k] += int(getattr(c, k))
    return out
