"""Helpers for the handler tests: names of the test environment, a fake clock and Lambda context."""

from __future__ import annotations

import functools
import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from harness.fixtures import load_events
from harness.local import moto_state

ENV = "test"
RAW = "dp-test-123456789012-raw"
SILVER = "dp-test-123456789012-silver"
GOLD = "dp-test-123456789012-gold"
DATABASE = "lakehouse_test"
WORKGROUP = "lakehouse-test"
NAMESPACE = "Lakehouse/Pipeline"
START = datetime(2025, 11, 20, 12, 0, 0, tzinfo=UTC)
REGION = "us-east-1"
# The transforms' Glue tables: name, bucket, prefix, partition keys.
TRANSFORM_TABLES = (
    ("github_events_silver", SILVER, "github/events_silver/", ["year", "month"]),
    ("github_events_gold_daily", GOLD, "github/events_gold_daily/", ["ingest_dt"]),
)


class FakeClock:
    """Time that moves only when slept on (or advanced); every sleep is recorded."""

    def __init__(self, start: datetime = START) -> None:
        self.current = start
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"negative sleep {seconds}"
        self.sleeps.append(seconds)
        self.current += timedelta(seconds=seconds)

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)

    def epoch(self) -> float:
        return self.current.timestamp()


class FakeContext:
    """The part of the Lambda context the handlers use; its deadline follows the fake clock."""

    def __init__(self, clock: FakeClock, budget_seconds: float = 180.0) -> None:
        self.clock = clock
        self.deadline = clock.now() + timedelta(seconds=budget_seconds)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - self.clock.now()).total_seconds() * 1000))


@functools.cache
def _fixture_texts() -> tuple[str, ...]:
    return tuple(json.dumps(event) for event in load_events())


def make_events(n: int, start_id: int = 60_000_000_000) -> list[dict[str, Any]]:
    """``n`` distinct valid events (fixtures cloned with new ids), newest first like the API."""
    texts = _fixture_texts()  # each clone parsed afresh: half the cost of a deepcopy
    out = []
    for i in range(n):
        event = json.loads(texts[i % len(texts)])
        event["id"] = str(start_id + n - i)
        event["created_at"] = (START - timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append(event)
    return out


def read_jsonl_objects(s3: Any, bucket: str, prefix: str) -> dict[str, list[dict[str, Any]]]:
    """Every object under ``prefix`` (all versions count: an overwrite would show as a second one)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for version in page.get("Versions", []):
            body = s3.get_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])[
                "Body"
            ].read()
            lines = gzip.decompress(body).decode().splitlines()
            out[f"{version['Key']}#{version['VersionId']}"] = [json.loads(x) for x in lines]
    return out


def table_input(name: str, bucket: str, prefix: str, partition_keys: list[str]) -> dict[str, Any]:
    return {
        "Name": name,
        "StorageDescriptor": {"Location": f"s3://{bucket}/{prefix}"},
        "PartitionKeys": [{"Name": p, "Type": "string"} for p in partition_keys],
    }


# The fixtures' buckets, database and tables are made in moto's backends directly (harness.local.moto_state);
# test_moto_fixture.py proves the state is the same as the API calls make.
def versioned_buckets(*names: str) -> None:
    moto_state.create_buckets(*names, versioned=True, region=REGION)


def transform_tables() -> None:
    tables = [table_input(*table) for table in TRANSFORM_TABLES]
    moto_state.create_tables(DATABASE, tables, region=REGION)


empty_moto_backends = moto_state.empty_backends


def metric_sum(cloudwatch: Any, name: str, **dimensions: str) -> float:
    dims = [{"Name": "Environment", "Value": ENV}] + [{"Name": k, "Value": v} for k, v in dimensions.items()]
    stats = cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=name,
        Dimensions=dims,
        StartTime=datetime.now(UTC) - timedelta(days=1),
        EndTime=datetime.now(UTC) + timedelta(days=1),
        Period=86400 * 2,
        Statistics=["Sum"],
    )
    return sum(p["Sum"] for p in stats["Datapoints"])
