"""Failures end FAILED with Athena-style reasons and AthenaError; API misuse gets a 400 like Athena's."""

from __future__ import annotations

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from .conftest import CREDS, Lake

FAILURES = [
    ("syntax", "SELECT FROM WHERE", "SYNTAX_ERROR"),
    ("unknown table", "SELECT * FROM no_such_table", "TABLE_NOT_FOUND: Table 'awsdatacatalog."),
    ("unknown schema", "SELECT * FROM nope.t", "SCHEMA_NOT_FOUND"),
    (
        "unknown column",
        "SELECT no_such_column FROM github_events_silver",
        "COLUMN_NOT_FOUND: line 1:8: Column 'no_such_column'",
    ),
    ("unknown function", "SELECT frobnicate(1)", "FUNCTION_NOT_FOUND: line 1:8: Function 'frobnicate'"),
    ("type mismatch", "SELECT event_id + 1 FROM github_events_silver", "TYPE_MISMATCH"),
    ("no function takes these arguments", "SELECT substr(1, 2)", "FUNCTION_NOT_FOUND: line 1:1: Unexpected"),
    ("arrays of different types", "SELECT ARRAY[1, 2] || ARRAY['a']", "FUNCTION_NOT_FOUND"),
    ("bad cast", "SELECT CAST('x' AS integer)", "INVALID_CAST_ARGUMENT"),
    (
        "insert type mismatch",
        "INSERT INTO github_events_gold_daily SELECT 'a', 'b', 'not a number', 1, NULL, NULL, '2024-03-01'",
        "TYPE_MISMATCH: Insert query has mismatched column types",
    ),
    (
        "insert timestamp with time zone",
        "INSERT INTO github_events_gold_daily SELECT 'a', 'b', 1, 1, "
        "from_iso8601_timestamp('2024-01-01T00:00:00Z'), NULL, '2024-03-01'",
        "timestamp(3) with time zone",
    ),
    (
        "json path wildcard",
        """SELECT json_extract_scalar('{"a":[1]}', '$.a[*]')""",
        "INVALID_FUNCTION_ARGUMENT: Invalid JSON path",
    ),
    ("unsupported statement", "ALTER TABLE github_events_silver RENAME TO x", "NOT_SUPPORTED"),
    ("two statements", "SELECT 1; SELECT 2", "SYNTAX_ERROR: line 1:9: mismatched input ';'"),
]


@pytest.mark.parametrize(("case", "sql", "reason"), FAILURES, ids=[f[0] for f in FAILURES])
def test_query_fails_like_athena(shared_lake: Lake, case: str, sql: str, reason: str) -> None:
    lake = shared_lake  # every query here fails and writes nothing
    qe = lake.query(sql)
    status = qe["Status"]
    assert status["State"] == "FAILED", status
    assert reason in status["StateChangeReason"]
    assert status["AthenaError"]["ErrorCategory"] == 2
    assert status["AthenaError"]["ErrorMessage"] == status["StateChangeReason"]
    with pytest.raises(botocore.exceptions.ClientError, match="did not finish successfully"):
        lake.athena.get_query_results(QueryExecutionId=qe["QueryExecutionId"])


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        (["1; DROP TABLE x"], "is not a literal"),
        (["'a'", "'b'"], "Incorrect number of parameters: expected 1 but found 2"),
    ],
)
def test_execution_parameters_are_literals_only(shared_lake: Lake, params: list[str], reason: str) -> None:
    qe = shared_lake.query("SELECT ?", params)
    assert qe["Status"]["State"] == "FAILED"
    assert reason in qe["Status"]["StateChangeReason"]


def test_parameter_bound_as_literal_not_sql(shared_lake: Lake) -> None:
    assert shared_lake.rows("SELECT ?, ?, ?", ["'it''s'", "42", "DATE '2024-01-02'"]) == [
        ["it's", "42", "2024-01-02"]
    ]


def test_unknown_query_id_is_invalid_request(shared_lake: Lake) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as err:
        shared_lake.athena.get_query_execution(QueryExecutionId="00000000-0000-0000-0000-000000000000")
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"


def test_no_output_location_is_rejected(lake: Lake) -> None:
    lake.athena.create_work_group(Name=f"bare-{lake.name}", Configuration={})
    with pytest.raises(botocore.exceptions.ClientError, match="No output location provided"):
        lake.athena.start_query_execution(QueryString="SELECT 1", WorkGroup=f"bare-{lake.name}")


def test_bytes_scanned_cutoff_cancels(lake: Lake) -> None:
    from .conftest import event

    lake.put_bronze("2024-03-01", [event(i) for i in range(2000)])
    # Athena's minimum cutoff is 10 MB; skip boto3's check to use a tiny one on tiny data.
    unchecked = boto3.client(
        "athena",
        endpoint_url=lake.athena.meta.endpoint_url,
        config=Config(parameter_validation=False),
        **CREDS,
    )
    unchecked.update_work_group(
        WorkGroup=lake.workgroup, ConfigurationUpdates={"BytesScannedCutoffPerQuery": 1024}
    )
    qe = lake.query("SELECT count(*) FROM github_events_bronze")
    assert qe["Status"]["State"] == "CANCELLED"
    assert "Bytes scanned limit was exceeded" in qe["Status"]["StateChangeReason"]
