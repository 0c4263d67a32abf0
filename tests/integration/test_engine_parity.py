"""Both engines of the local Athena give the same per-layer counts for everything the scenarios left.

Runs after every other test of the deployed environment (marker `after_scenarios`): by then the lake holds
the Bronze of every integration scenario and of every `lakehouse run` case, one ingest day each. For
each engine in turn, Silver and Gold are wiped and rebuilt from that Bronze by the deployed Silver and
Gold functions, pointed at a local Athena on that engine (same moto, same workgroup), and the per-day
counts are read; the two engines' counts must be identical, day by day.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.local.athena.second_engine import second_athena, wipe_table
from harness.local.athena.server import ENGINES, engine_choice
from harness.pipeline.counts import Lake
from harness.pipeline.runtime import LambdaRuntime
from harness.pipeline.schedule import Pipeline
from harness.targets.environment import Deployment
from harness.targets.target import Target

pytestmark = [
    pytest.mark.toolchain,
    pytest.mark.integration,
    pytest.mark.xdist_group("deployed"),
    pytest.mark.after_scenarios,
]


@pytest.fixture
def other_engine(target: Target, deployment: Deployment) -> Iterator[tuple[str, str]]:
    """(engine, Athena URL): a second local Athena on the engine the session's one does not use."""
    if target.endpoints is None or target.endpoints.athena is None or target.name != "local":
        pytest.skip("engine parity compares the two local Athena engines: TARGET=local only")
    other = next(e for e in ENGINES if e != engine_choice())
    with second_athena(target, other) as url:
        yield other, url


def _days(s3: Any, raw_bucket: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=raw_bucket, Prefix="github/events/ingest_dt=", Delimiter="/"
    )
    prefixes = [p["Prefix"] for page in pages for p in page.get("CommonPrefixes", [])]
    return sorted(p.rstrip("/").split("=", 1)[1] for p in prefixes)


def _check_encrypted(target: Target, database: str, table: str) -> None:
    """What the engine wrote carries the bucket's required SSE-KMS key (the stack's)."""
    glue, s3 = target.client("glue"), target.client("s3")
    location = glue.get_table(DatabaseName=database, Name=table)["Table"]["StorageDescriptor"]["Location"]
    bucket, _, prefix = location[len("s3://") :].partition("/")
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    key = rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"]
    objects = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    assert objects, f"nothing written under {location}"
    for obj in objects[:5]:
        head = s3.head_object(Bucket=bucket, Key=obj["Key"])
        assert head.get("ServerSideEncryption") == "aws:kms", (obj["Key"], head.get("ServerSideEncryption"))
        assert key.endswith(head["SSEKMSKeyId"].split("/")[-1]), (obj["Key"], head["SSEKMSKeyId"], key)


def _rebuild(pipeline: Pipeline, target: Target, deployment: Deployment, lake: Lake, days: list[str]) -> Any:
    database = deployment.outputs["glue_database"]
    for table in ("github_events_silver", "github_events_gold_daily"):
        wipe_table(target, database, table)
    pipeline.invoke("silver", {"ingest_dts": days}).raise_for_error()
    for day in days:
        pipeline.invoke("gold", {"ingest_dt": day}).raise_for_error()
    _check_encrypted(target, database, "github_events_silver")
    return lake.transform_counts(days)  # one statement for every day (`counts` per day: one each)


def test_both_engines_give_the_same_counts_for_every_scenario(
    other_engine: tuple[str, str],
    pipeline: Pipeline,
    target: Target,
    deployment: Deployment,
    lake: Lake,
    lambda_artifacts: Path,
    tmp_path: Path,
) -> None:
    other, other_url = other_engine
    days = _days(target.client("s3"), deployment.outputs["bucket_names"]["raw"])
    assert days, "expected the scenarios' days in Bronze, found none"
    counts = {engine_choice(): _rebuild(pipeline, target, deployment, lake, days)}
    runtime = LambdaRuntime(
        aws_env={**target.client_env(), "AWS_ENDPOINT_URL_ATHENA": other_url}, work_dir=tmp_path / "code"
    )
    try:
        other_pipeline = Pipeline.load(
            env=deployment.env, client=deployment.client, runtime=runtime, search_dirs=[lambda_artifacts]
        )
        counts[other] = _rebuild(other_pipeline, target, deployment, lake, days)
    finally:
        runtime.close()
    first, second = counts.values()
    assert any(silver for silver, *_ in first.values()), "the scenarios left no Silver rows to compare"
    differing = {day: (first[day], second[day]) for day in days if first[day] != second[day]}
    assert not differing, f"(silver, silver ids, gold rows, gold events) per day, {list(counts)}: {differing}"
