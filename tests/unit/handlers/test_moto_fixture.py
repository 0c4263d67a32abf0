"""The handler tests share one moto mock per module (conftest.py): each test must still start on empty
backends, as with a mock of its own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from handler_support import DATABASE, RAW, empty_moto_backends


def test_emptying_forgets_everything_the_handler_tests_write(aws: dict[str, Any]) -> None:
    # SSM is emptied the same way (every BackendDict is) and left out here: moto.ssm imports moto.ec2,
    # ~0.35 s of CPU that only the one test of a token in SSM should pay.
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
