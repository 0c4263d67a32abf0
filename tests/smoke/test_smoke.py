"""Post-deploy checks against a deployed environment, through Athena (pyathena).

Run with `make smoke ENV=<env> [TARGET=local|localstack|aws]`. Each check fails when the data it
expects is missing; thresholds are environment variables so an operator can tighten them:
LAKEHOUSE_SMOKE_BRONZE_FRESH_MINUTES (default 60: the ingest schedule is every 5 minutes) and
LAKEHOUSE_SMOKE_SILVER_LAG_MINUTES (default 120: Silver runs hourly).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from harness.pipeline.counts import Lake

from .conftest import Deployed

EXPECTED_COLUMNS = {
    "github_events_bronze": (
        ["id", "type", "actor", "repo", "org", "payload", "public", "created_at", "ingested_at", "source"],
        ["ingest_dt"],
    ),
    "github_events_silver": (
        [
            "event_id",
            "event_type",
            "created_at",
            "actor_id",
            "actor_login",
            "repo_id",
            "repo_name",
            "org_id",
            "org_login",
            "is_public",
            "payload_action",
            "payload_ref",
            "payload_ref_type",
            "payload_size",
            "ingest_dt",
            "ingested_at",
        ],
        ["year", "month"],
    ),
    "github_events_gold_daily": (
        ["event_type", "repo_name", "event_count", "distinct_actors", "first_event_at", "last_event_at"],
        ["ingest_dt"],
    ),
}


def _minutes(name: str, default: int) -> timedelta:
    return timedelta(minutes=int(os.environ.get(name, str(default))))


def _utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@pytest.mark.parametrize("table", sorted(EXPECTED_COLUMNS))
def test_table_exists_with_expected_columns(lake: Lake, deployed: Deployed, table: str) -> None:
    columns, partitions = EXPECTED_COLUMNS[table]
    glue = deployed.client("glue").get_table(DatabaseName=deployed.outputs["glue_database"], Name=table)
    descriptor = glue["Table"]
    assert [c["Name"] for c in descriptor["StorageDescriptor"]["Columns"]] == columns
    assert [p["Name"] for p in descriptor["PartitionKeys"]] == partitions
    cur = lake.connection.cursor()
    cur.execute(f"SELECT * FROM {table} LIMIT 0")  # the name is one of three constants above
    assert [d[0] for d in cur.description] == columns + partitions


def test_todays_bronze_partition_has_fresh_rows(lake: Lake) -> None:
    today = datetime.now(UTC).date().isoformat()
    count, newest = lake.scalar_row(
        "SELECT count(*), max(ingested_at) FROM github_events_bronze WHERE ingest_dt = ?", [today]
    )
    assert count > 0, f"no Bronze rows for today ({today}): is the ingest schedule running?"
    age = datetime.now(UTC) - _utc(newest)
    limit = _minutes("LAKEHOUSE_SMOKE_BRONZE_FRESH_MINUTES", 60)
    assert age < limit, f"newest Bronze row of {today} was ingested {age} ago (limit {limit})"


def test_silver_lags_bronze_by_less_than_two_hours(lake: Lake) -> None:
    since = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    (bronze_newest,) = lake.scalar_row(
        "SELECT max(ingested_at) FROM github_events_bronze WHERE ingest_dt >= ?", [since]
    )
    (silver_newest,) = lake.scalar_row(
        "SELECT max(ingested_at) FROM github_events_silver WHERE ingest_dt >= ?", [since]
    )
    assert bronze_newest is not None, f"no Bronze rows since {since}"
    assert silver_newest is not None, f"no Silver rows since {since}: is the silver schedule running?"
    lag = _utc(bronze_newest) - _utc(silver_newest)
    limit = _minutes("LAKEHOUSE_SMOKE_SILVER_LAG_MINUTES", 120)
    assert lag < limit, f"Silver lags Bronze by {lag} (limit {limit})"


def test_gold_has_yesterday(lake: Lake) -> None:
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    rows, events = lake.scalar_row(
        "SELECT count(*), coalesce(sum(event_count), 0) FROM github_events_gold_daily WHERE ingest_dt = ?",
        [yesterday],
    )
    assert rows > 0 and events > 0, f"Gold has no rows for yesterday ({yesterday}): did the gold run fail?"
