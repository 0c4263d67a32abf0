"""Builders for the silver/gold tests: deps over moto + the DuckDB fake Athena, and Bronze data."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import gold
import ingest
import silver
from handler_support import DATABASE, ENV, GOLD, RAW, SILVER, WORKGROUP, FakeClock, FakeContext
from handlers_fake_athena import FakeAthena
from lakehouse_common.config import IngestConfig, TransformConfig

from harness.local.fake_github import FakeGitHub


class RealTimeNoSleepClock:
    """Real time (S3 LastModified is real time in moto), but polling Athena does not wait."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        pass


def transform_env(**extra: str) -> dict[str, str]:
    return {
        "LAKEHOUSE_ENV": ENV,
        "RAW_BUCKET": RAW,
        "SILVER_BUCKET": SILVER,
        "GOLD_BUCKET": GOLD,
        "ATHENA_WORKGROUP": WORKGROUP,
        "GLUE_DATABASE": DATABASE,
        "QUERY_TIMEOUT_SECONDS": "30",
        **extra,
    }


def fake_athena(aws: dict[str, Any]) -> FakeAthena:
    return FakeAthena(
        aws["s3"], aws["glue"], raw_bucket=RAW, silver_bucket=SILVER, gold_bucket=GOLD, database=DATABASE
    )


def silver_deps(aws: dict[str, Any], athena: Any, clock: Any = None) -> silver.SilverDeps:
    config = TransformConfig.from_env(transform_env(), buckets=("raw", "silver"))
    return silver.SilverDeps(config, aws["s3"], athena, aws["cloudwatch"], clock or RealTimeNoSleepClock())


def gold_deps(aws: dict[str, Any], athena: Any, clock: Any = None) -> gold.GoldDeps:
    config = TransformConfig.from_env(transform_env(), buckets=("gold",))
    return gold.GoldDeps(
        config, aws["s3"], aws["glue"], athena, aws["cloudwatch"], clock or RealTimeNoSleepClock()
    )


def ingest_deps(aws: dict[str, Any], api: FakeGitHub, clock: FakeClock) -> ingest.IngestDeps:
    """The ingest handler's deps over moto, polling ``api``."""
    config = IngestConfig.from_env({"LAKEHOUSE_ENV": ENV, "RAW_BUCKET": RAW, "GITHUB_API_URL": api.url})
    return ingest.IngestDeps(
        config=config,
        s3=aws["s3"],
        cloudwatch=aws["cloudwatch"],
        clock=clock,
        rng=random.Random(1),
        settings=ingest.Settings(request_timeout=2.0, reserve_seconds=1.0),
    )


def ingest_into_bronze(aws: dict[str, Any], api: FakeGitHub, events: list[dict[str, Any]], day: str) -> dict:
    """Serve ``events`` and run one forced poll filing them under ``day``, like `lakehouse run`."""
    api.load_events(events)
    clock = FakeClock()
    return ingest.run(
        {"ingest_dt": day, "force": True}, FakeContext(clock, 120), ingest_deps(aws, api, clock)
    )
