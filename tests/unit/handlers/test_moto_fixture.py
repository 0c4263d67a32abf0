"""The handler tests' moto (conftest.py): one mock per module, each test on empty backends, and the
environment's buckets and tables made in moto's backends directly, as the API calls would make them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from handler_support import (
    DATABASE,
    GOLD,
    RAW,
    SILVER,
    TRANSFORM_TABLES,
    empty_moto_backends,
    table_input,
    transform_tables,
    versioned_buckets,
)

from harness.local import moto_state


def test_emptying_forgets_everything_the_handler_tests_write(aws: dict[str, Any]) -> None:
    # SSM is emptied the same way (every BackendDict is) and left out here: moto.ssm imports moto.ec2,
    # ~0.35 s of CPU that no handler test needs to pay.
    s3, glue, cloudwatch, secrets = (aws[k] for k in ("s3", "glue", "cloudwatch", "secrets"))
    s3.put_object(Bucket=RAW, Key="k", Body=b"x")
    glue.create_partition(
        DatabaseName=DATABASE,
        TableName="github_events_gold_daily",
        PartitionInput={"Values": ["2025-11-20"], "StorageDescriptor": {"Location": "s3://x/y/"}},
    )
    metric = {"MetricName": "M", "Value": 1.0, "Timestamp": datetime.now(UTC)}
    cloudwatch.put_metric_data(Namespace="N", MetricData=[metric])
    secrets.create_secret(Name="s", SecretString="v")
    assert len(s3.list_buckets()["Buckets"]) == 3 and cloudwatch.list_metrics()["Metrics"]

    empty_moto_backends()

    assert s3.list_buckets()["Buckets"] == []
    assert glue.get_databases()["DatabaseList"] == []
    assert cloudwatch.list_metrics()["Metrics"] == []
    assert secrets.list_secrets()["SecretList"] == []


def _state(s3: Any, glue: Any) -> tuple[Any, ...]:
    """What the handlers and the fake Athena can see of the buckets, the database and its tables."""
    buckets = sorted(b["Name"] for b in s3.list_buckets()["Buckets"])
    return moto_state.seen_through_the_api(s3, glue, buckets, DATABASE)


def test_the_buckets_and_tables_are_what_the_api_calls_make(aws: dict[str, Any]) -> None:
    s3, glue = aws["s3"], aws["glue"]
    empty_moto_backends()
    for bucket in (RAW, SILVER, GOLD):
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    glue.create_database(DatabaseInput={"Name": DATABASE})
    for name, bucket, prefix, partition_keys in TRANSFORM_TABLES:
        glue.create_table(DatabaseName=DATABASE, TableInput=table_input(name, bucket, prefix, partition_keys))
    through_the_api = _state(s3, glue)

    empty_moto_backends()
    versioned_buckets(RAW, SILVER, GOLD)
    transform_tables()
    assert _state(s3, glue) == through_the_api
    assert [b[1] for b in through_the_api[0]] == ["Enabled"] * 3 and len(through_the_api[2]) == 2
