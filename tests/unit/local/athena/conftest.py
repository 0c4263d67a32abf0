"""A moto server as the local AWS and the local Athena in front of it, once per xdist worker."""

from __future__ import annotations

import functools
import gzip
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from harness.local import moto_state
from harness.local.athena import LocalAthenaServer
from harness.local.aws import quiet_request_handler
from harness.local.loopback import SHUTDOWN_POLL_SECONDS
from harness.local.moto_dispatch import memoize_backend_lookup

REGION = "us-east-1"
CREDS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": REGION}
JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"

BRONZE_COLUMNS = [
    ("id", "string"),
    ("type", "string"),
    (
        "actor",
        "struct<id:bigint,login:string,display_login:string,gravatar_id:string,url:string,avatar_url:string>",
    ),
    ("repo", "struct<id:bigint,name:string,url:string>"),
    ("org", "struct<id:bigint,login:string,gravatar_id:string,url:string,avatar_url:string>"),
    ("payload", "string"),
    ("public", "boolean"),
    ("created_at", "string"),
    ("ingested_at", "string"),
    ("source", "string"),
]
SILVER_COLUMNS = [
    ("event_id", "string"),
    ("event_type", "string"),
    ("created_at", "timestamp"),
    ("actor_id", "bigint"),
    ("actor_login", "string"),
    ("repo_id", "bigint"),
    ("repo_name", "string"),
    ("org_id", "bigint"),
    ("org_login", "string"),
    ("is_public", "boolean"),
    ("payload_action", "string"),
    ("payload_ref", "string"),
    ("payload_ref_type", "string"),
    ("payload_size", "int"),
    ("ingest_dt", "string"),
    ("ingested_at", "timestamp"),
]
GOLD_COLUMNS = [
    ("event_type", "string"),
    ("repo_name", "string"),
    ("event_count", "bigint"),
    ("distinct_actors", "bigint"),
    ("first_event_at", "timestamp"),
    ("last_event_at", "timestamp"),
]


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    """moto's server app in a thread of this worker, as moto's ThreadedMotoServer runs it, but with the
    local AWS process's request handler: no log line per request (each went through every log handler)."""
    memoize_backend_lookup()  # as the local AWS process does (harness/local/moto_dispatch.py)
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=quiet_request_handler())
    thread = threading.Thread(target=server.serve_forever, args=(SHUTDOWN_POLL_SECONDS,), daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    endpoint = f"http://{host}:{port}"
    IN_PROCESS_AWS.add(endpoint)
    yield endpoint
    IN_PROCESS_AWS.discard(endpoint)
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def athena_server(aws_endpoint: str) -> Iterator[LocalAthenaServer]:
    # These are the DuckDB engine's tests (and the Athena layer's, on it); Trino's are tests/unit/local/trino.
    with LocalAthenaServer(aws_endpoint=aws_endpoint, region=REGION, threads=1, engine="duckdb") as server:
        IN_PROCESS[server.url] = server
        yield server
        IN_PROCESS.pop(server.url, None)


@pytest.fixture(scope="session")
def athena(athena_server: LocalAthenaServer) -> Any:
    return boto3.client("athena", endpoint_url=athena_server.url, **CREDS)


@functools.cache
def client(service: str, endpoint: str) -> Any:
    """One client per service and endpoint in a worker (a client costs ~10 ms of CPU to make, and a `lake`
    needs three per test); boto3 clients are safe to share between tests and threads."""
    return boto3.client(service, endpoint_url=endpoint, **CREDS)


@functools.cache
def lake_kms_key(endpoint: str) -> str:
    """One KMS key per local AWS for every lake's result encryption: moto makes each new key with an RSA
    key pair (~60 ms of CPU), and no test needs a key of its own, only the lake's key to be the one used.
    Cached per endpoint, not as a session fixture: the Trino tests run on another local AWS."""
    return client("kms", endpoint).create_key(Description="lake")["KeyMetadata"]["Arn"]


@dataclass
class Lake:
    """One isolated environment: buckets, KMS key, Glue database with the three tables, a workgroup."""

    name: str
    raw: str
    silver: str
    gold: str
    logs: str
    database: str
    workgroup: str
    kms_key_arn: str
    s3: Any
    glue: Any
    athena: Any

    def put_bronze(self, day: str, events: list[dict[str, Any]], key: str = "part-0.jsonl.gz") -> int:
        body = gzip.compress("".join(json.dumps(e) + "\n" for e in events).encode())
        self.s3.put_object(Bucket=self.raw, Key=f"github/events/ingest_dt={day}/{key}", Body=body)
        return len(body)

    def query(self, sql: str, params: list[str] | None = None, timeout: float = 60) -> dict[str, Any]:
        """Runs a query to a final state; returns the QueryExecution."""
        kwargs: dict[str, Any] = {
            "QueryString": sql,
            "WorkGroup": self.workgroup,
            "QueryExecutionContext": {"Database": self.database},
        }
        if params:
            kwargs["ExecutionParameters"] = params
        qid = self.athena.start_query_execution(**kwargs)["QueryExecutionId"]
        return wait(self.athena, qid, timeout)

    def rows(self, sql: str, params: list[str] | None = None) -> list[list[str | None]]:
        qe = self.query(sql, params)
        assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]
        return fetch_rows(self.athena, qe["QueryExecutionId"])


# Local Athena servers of this process by URL: `wait` sleeps on the server's own completion event instead
# of polling every 20 ms (idle time, and CPU for each poll); the state it returns is still the API's.
IN_PROCESS: dict[str, LocalAthenaServer] = {}


def wait(athena: Any, qid: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    server = IN_PROCESS.get(athena.meta.endpoint_url)
    if server is not None and qid in server.backend.executions:
        server.backend.executions[qid].done.wait(timeout)
    while True:
        qe = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
        if qe["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return qe
        if time.monotonic() > deadline:
            raise AssertionError(f"query {qid} still {qe['Status']['State']} after {timeout}s")
        time.sleep(0.02)


def fetch_rows(athena: Any, qid: str) -> list[list[str | None]]:
    """All data rows (header row dropped) through GetQueryResults pagination."""
    rows: list[list[str | None]] = []
    kwargs: dict[str, Any] = {"QueryExecutionId": qid}
    first = True
    while True:
        page = athena.get_query_results(**kwargs)
        data = [[c.get("VarCharValue") for c in r["Data"]] for r in page["ResultSet"]["Rows"]]
        rows.extend(data[1:] if first else data)
        first = False
        if not page.get("NextToken"):
            return rows
        kwargs["NextToken"] = page["NextToken"]


def table_inputs(raw: str, silver: str, gold: str) -> list[dict[str, Any]]:
    """Glue TableInputs of the three tables, as the stack defines them."""

    def cols(items: list[tuple[str, str]]) -> list[dict[str, str]]:
        return [{"Name": n, "Type": t} for n, t in items]

    tables: list[dict[str, Any]] = [
        {
            "Name": "github_events_bronze",
            "TableType": "EXTERNAL_TABLE",
            "PartitionKeys": [{"Name": "ingest_dt", "Type": "string"}],
            "Parameters": {
                "projection.enabled": "true",
                "projection.ingest_dt.type": "date",
                "projection.ingest_dt.format": "yyyy-MM-dd",
                "projection.ingest_dt.range": "2020-01-01,NOW",
                "projection.ingest_dt.interval": "1",
                "projection.ingest_dt.interval.unit": "DAYS",
                "storage.location.template": f"s3://{raw}/github/events/ingest_dt=${{ingest_dt}}/",
            },
            "StorageDescriptor": {
                "Columns": cols(BRONZE_COLUMNS),
                "Location": f"s3://{raw}/github/events/",
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "SerdeInfo": {"SerializationLibrary": JSON_SERDE},
            },
        }
    ]
    for name, bucket, path, columns, keys in (
        ("github_events_silver", silver, "github/events_silver/", SILVER_COLUMNS, ["year", "month"]),
        ("github_events_gold_daily", gold, "github/events_gold_daily/", GOLD_COLUMNS, ["ingest_dt"]),
    ):
        tables.append(
            {
                "Name": name,
                "TableType": "EXTERNAL_TABLE",
                "PartitionKeys": [{"Name": k, "Type": "string"} for k in keys],
                "Parameters": {"classification": "parquet"},
                "StorageDescriptor": {
                    "Columns": cols(columns),
                    "Location": f"s3://{bucket}/{path}",
                    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                    "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE},
                },
            }
        )
    return tables


@pytest.fixture
def lake(aws_endpoint: str, athena: Any) -> Lake:
    """A fresh environment per test (names are unique, so tests share the servers safely)."""
    return make_lake(aws_endpoint, athena)


@pytest.fixture(scope="module")
def shared_lake(aws_endpoint: str, athena: Any) -> Lake:
    """One environment for a module's tests that only read what every lake starts with (queries on
    constants, queries that must fail and write nothing): a lake costs ~0.1 s of CPU to make. A test that
    writes anything takes `lake`. Module-scoped, so the Trino tests get one on their own local AWS."""
    return make_lake(aws_endpoint, athena)


# This process's own moto servers (the `aws_endpoint` fixture): a lake's buckets, database and tables are made
# there by moto's backends directly (harness.local.moto_state: ~1 ms of CPU instead of ~20 ms of requests;
# test_lake_fixture.py proves them the same). What the tests ask of them still goes through the server.
# Elsewhere (the Trino tests' local AWS) by API.
IN_PROCESS_AWS: set[str] = set()


def make_lake(aws_endpoint: str, athena: Any) -> Lake:
    suffix = uuid.uuid4().hex[:8]
    s3, glue = client("s3", aws_endpoint), client("glue", aws_endpoint)
    buckets = {kind: f"dp-t{suffix}-123456789012-{kind}" for kind in ("raw", "silver", "gold", "logs")}
    key_arn = lake_kms_key(aws_endpoint)
    database = f"lakehouse_t{suffix}"
    tables = table_inputs(buckets["raw"], buckets["silver"], buckets["gold"])
    if aws_endpoint in IN_PROCESS_AWS:
        moto_state.create_buckets(*buckets.values(), region=REGION)
        moto_state.create_tables(database, tables, region=REGION)
    else:
        for bucket in buckets.values():
            s3.create_bucket(Bucket=bucket)
        glue.create_database(DatabaseInput={"Name": database})
        for table_input in tables:
            glue.create_table(DatabaseName=database, TableInput=table_input)
    workgroup = f"wg-{suffix}"
    athena.create_work_group(
        Name=workgroup,
        Configuration={
            "EnforceWorkGroupConfiguration": True,
            "PublishCloudWatchMetricsEnabled": True,
            "ResultConfiguration": {
                "OutputLocation": f"s3://{buckets['logs']}/athena-results/",
                "EncryptionConfiguration": {"EncryptionOption": "SSE_KMS", "KmsKey": key_arn},
            },
        },
    )
    return Lake(
        suffix,
        buckets["raw"],
        buckets["silver"],
        buckets["gold"],
        buckets["logs"],
        database,
        workgroup,
        key_arn,
        s3,
        glue,
        athena,
    )


def event(
    i: int,
    *,
    etype: str = "PushEvent",
    actor: str | None = None,
    repo: str = "octo/repo",
    created: str = "2024-03-01T10:00:00Z",
    payload: dict[str, Any] | None = None,
    org: bool = True,
) -> dict[str, Any]:
    """A GitHub public event shaped like the API's."""
    login = actor or f"user{i % 7}"
    ev: dict[str, Any] = {
        "id": str(1000 + i),
        "type": etype,
        "actor": {
            "id": 10 + i % 7,
            "login": login,
            "display_login": login,
            "gravatar_id": "",
            "url": f"https://api.github.com/users/{login}",
            "avatar_url": "https://a/",
        },
        "repo": {"id": 500, "name": repo, "url": f"https://api.github.com/repos/{repo}"},
        "payload": payload
        if payload is not None
        else {"push_id": i, "size": 2, "ref": "refs/heads/main", "commits": [{"sha": "abc", "message": "m"}]},
        "public": True,
        "created_at": created,
        "ingested_at": "2024-03-01T10:05:00Z",
        "source": "github",
    }
    if org:
        ev["org"] = {
            "id": 77,
            "login": "octo",
            "gravatar_id": "",
            "url": "https://o/",
            "avatar_url": "https://a/",
        }
    return ev


Runner = Callable[..., dict[str, Any]]
