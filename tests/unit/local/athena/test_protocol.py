"""The wire protocol boto3 and the AWS provider use: lifecycle, pagination, workgroups, tags."""

from __future__ import annotations

import threading
from typing import Any

import botocore.exceptions
import pytest

from harness.local.athena import responses

from .conftest import Lake, fetch_rows, wait


def test_pagination_counts_the_header_row(shared_lake: Lake) -> None:
    qe = shared_lake.query("SELECT x FROM UNNEST(sequence(1, 25)) AS t(x) ORDER BY x")
    pages, kwargs = [], {"QueryExecutionId": qe["QueryExecutionId"], "MaxResults": 10}
    while True:
        page = shared_lake.athena.get_query_results(**kwargs)
        pages.append([r["Data"][0].get("VarCharValue") for r in page["ResultSet"]["Rows"]])
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert [len(p) for p in pages] == [10, 10, 6]
    assert pages[0][0] == "x" and pages[0][1] == "1" and pages[-1][-1] == "25"
    with pytest.raises(botocore.exceptions.ClientError, match="MaxResults"):
        shared_lake.athena.get_query_results(QueryExecutionId=qe["QueryExecutionId"], MaxResults=1001)


def test_paginator_and_batch_and_list(shared_lake: Lake) -> None:
    a = shared_lake.query("SELECT 1")
    b = shared_lake.query("SELECT 2")
    paginator = shared_lake.athena.get_paginator("get_query_results")
    rows = [
        r
        for page in paginator.paginate(QueryExecutionId=b["QueryExecutionId"])
        for r in page["ResultSet"]["Rows"]
    ]
    assert rows[1]["Data"][0]["VarCharValue"] == "2"
    batch = shared_lake.athena.batch_get_query_execution(QueryExecutionIds=[a["QueryExecutionId"], "missing"])
    assert [q["QueryExecutionId"] for q in batch["QueryExecutions"]] == [a["QueryExecutionId"]]
    assert batch["UnprocessedQueryExecutionIds"][0]["QueryExecutionId"] == "missing"
    listed = shared_lake.athena.list_query_executions(WorkGroup=shared_lake.workgroup)["QueryExecutionIds"]
    assert listed[:2] == [b["QueryExecutionId"], a["QueryExecutionId"]]


def test_execution_shape(shared_lake: Lake) -> None:
    qe = shared_lake.query("SELECT 1")
    assert qe["WorkGroup"] == shared_lake.workgroup
    assert qe["QueryExecutionContext"] == {"Database": shared_lake.database, "Catalog": "AwsDataCatalog"}
    assert qe["ResultConfiguration"]["EncryptionConfiguration"] == {
        "EncryptionOption": "SSE_KMS",
        "KmsKey": shared_lake.kms_key_arn,
    }
    assert qe["Status"]["SubmissionDateTime"] <= qe["Status"]["CompletionDateTime"]
    assert qe["EngineVersion"]["EffectiveEngineVersion"] == "Athena engine version 3"


def test_stop_query_cancels(shared_lake: Lake, athena_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The poll of the held query below is answered at once, not after the long poll's hold (test_long_poll).
    monkeypatch.setattr(responses, "STATE_HOLD_SECONDS", 0.0)
    started = threading.Event()
    release = threading.Event()
    engine = athena_server.backend.engine
    original = engine.execute

    def slow(req: Any, on_connection: Any) -> Any:
        started.set()
        release.wait(10)
        return original(req, on_connection)

    engine.execute = slow
    try:
        qid = shared_lake.athena.start_query_execution(
            QueryString="SELECT 1", WorkGroup=shared_lake.workgroup
        )["QueryExecutionId"]
        assert started.wait(10)
        assert (
            shared_lake.athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"]
            == "RUNNING"
        )
        shared_lake.athena.stop_query_execution(QueryExecutionId=qid)
    finally:
        release.set()
        engine.execute = original
    assert wait(shared_lake.athena, qid)["Status"]["State"] == "CANCELLED"


def test_workgroup_lifecycle_and_tags(lake: Lake) -> None:
    athena = lake.athena
    name = f"tf-{lake.name}"
    arn = f"arn:aws:athena:us-east-1:123456789012:workgroup/{name}"
    athena.create_work_group(
        Name=name,
        Description="d",
        Configuration={
            "EnforceWorkGroupConfiguration": True,
            "PublishCloudWatchMetricsEnabled": True,
            "BytesScannedCutoffPerQuery": 10485760,
            "ResultConfiguration": {"OutputLocation": f"s3://{lake.logs}/x/"},
        },
        Tags=[{"Key": "env", "Value": "t"}],
    )
    wg = athena.get_work_group(WorkGroup=name)["WorkGroup"]
    assert wg["State"] == "ENABLED" and wg["Configuration"]["BytesScannedCutoffPerQuery"] == 10485760
    athena.update_work_group(
        WorkGroup=name,
        Description="e",
        ConfigurationUpdates={
            "RemoveBytesScannedCutoffPerQuery": True,
            "ResultConfigurationUpdates": {
                "EncryptionConfiguration": {"EncryptionOption": "SSE_KMS", "KmsKey": lake.kms_key_arn}
            },
        },
    )
    wg = athena.get_work_group(WorkGroup=name)["WorkGroup"]
    assert wg["Description"] == "e" and "BytesScannedCutoffPerQuery" not in wg["Configuration"]
    assert wg["Configuration"]["ResultConfiguration"]["EncryptionConfiguration"]["KmsKey"] == lake.kms_key_arn
    athena.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "data"}])
    athena.untag_resource(ResourceARN=arn, TagKeys=["env"])
    assert athena.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "data"}]
    assert name in [w["Name"] for w in athena.list_work_groups()["WorkGroups"]]
    athena.update_work_group(WorkGroup=name, State="DISABLED")
    with pytest.raises(botocore.exceptions.ClientError, match="disabled"):
        athena.start_query_execution(QueryString="SELECT 1", WorkGroup=name)
    athena.delete_work_group(WorkGroup=name, RecursiveDeleteOption=True)
    with pytest.raises(botocore.exceptions.ClientError, match="is not found"):
        athena.get_work_group(WorkGroup=name)


def test_client_result_location_used_when_not_enforced(lake: Lake) -> None:
    name = f"open-{lake.name}"
    lake.athena.create_work_group(
        Name=name,
        Configuration={
            "EnforceWorkGroupConfiguration": False,
            "ResultConfiguration": {"OutputLocation": f"s3://{lake.logs}/wg/"},
        },
    )
    qid = lake.athena.start_query_execution(
        QueryString="SELECT 1",
        WorkGroup=name,
        ResultConfiguration={"OutputLocation": f"s3://{lake.logs}/mine/"},
    )["QueryExecutionId"]
    qe = wait(lake.athena, qid)
    assert qe["ResultConfiguration"]["OutputLocation"] == f"s3://{lake.logs}/mine/{qid}.csv"
    assert fetch_rows(lake.athena, qid) == [["1"]]
