"""A small Athena stand-in for unit tests: runs our Trino SQL on DuckDB over the data in (moto) S3.

Enough to check the transforms' semantics (de-duplication, idempotent re-runs, partition replacement),
not a general engine: that is harness/local/athena's job. Like Athena it binds ``ExecutionParameters``
in order, reads Bronze from S3 objects (partition from the key), and for INSERT INTO writes one object
per partition under the table's location and registers missing partitions in Glue. Silver/Gold rows
are kept beside their object key and read back only while that object still exists in S3, so deleting
a partition's objects really removes its rows.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import json
import uuid
from collections import defaultdict
from typing import Any

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp

ACTOR = (
    "STRUCT(id BIGINT, login VARCHAR, display_login VARCHAR, "
    "gravatar_id VARCHAR, url VARCHAR, avatar_url VARCHAR)"
)
REPO = "STRUCT(id BIGINT, name VARCHAR, url VARCHAR)"
ORG = "STRUCT(id BIGINT, login VARCHAR, gravatar_id VARCHAR, url VARCHAR, avatar_url VARCHAR)"
STRUCT_FIELDS = {
    "actor": ["id", "login", "display_login", "gravatar_id", "url", "avatar_url"],
    "repo": ["id", "name", "url"],
    "org": ["id", "login", "gravatar_id", "url", "avatar_url"],
}
BRONZE_COLUMNS = [
    ("id", "VARCHAR"),
    ("type", "VARCHAR"),
    ("actor", ACTOR),
    ("repo", REPO),
    ("org", ORG),
    ("payload", "VARCHAR"),
    ("public", "BOOLEAN"),
    ("created_at", "VARCHAR"),
    ("ingested_at", "VARCHAR"),
    ("source", "VARCHAR"),
    ("ingest_dt", "VARCHAR"),
]
SILVER_COLUMNS = [
    ("event_id", "VARCHAR"),
    ("event_type", "VARCHAR"),
    ("created_at", "TIMESTAMP"),
    ("actor_id", "BIGINT"),
    ("actor_login", "VARCHAR"),
    ("repo_id", "BIGINT"),
    ("repo_name", "VARCHAR"),
    ("org_id", "BIGINT"),
    ("org_login", "VARCHAR"),
    ("is_public", "BOOLEAN"),
    ("payload_action", "VARCHAR"),
    ("payload_ref", "VARCHAR"),
    ("payload_ref_type", "VARCHAR"),
    ("payload_size", "INTEGER"),
    ("ingest_dt", "VARCHAR"),
    ("ingested_at", "TIMESTAMP"),
    ("year", "VARCHAR"),
    ("month", "VARCHAR"),
]
GOLD_COLUMNS = [
    ("event_type", "VARCHAR"),
    ("repo_name", "VARCHAR"),
    ("event_count", "BIGINT"),
    ("distinct_actors", "BIGINT"),
    ("first_event_at", "TIMESTAMP"),
    ("last_event_at", "TIMESTAMP"),
    ("ingest_dt", "VARCHAR"),
]


@functools.cache
def _database() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per worker: opening one costs ~18 ms, more than most of the queries run on it.
    Each execution works on a cursor of it (a connection of its own) in temporary tables, which are that
    connection's alone and go with it, so no execution sees another's tables."""
    return duckdb.connect(config={"threads": 1})  # a third cheaper to open than one thread per core


@functools.cache
def _translate(sql: str, parameters: tuple[str, ...]) -> tuple[str, str]:
    """The target table and the bound statement of ``sql`` with ``parameters`` (a pure function of them,
    kept per worker: the handlers send a dozen distinct statements many times, and parsing and generating
    the Silver SQL costs ~20 ms). Bad input raises each time, as exceptions are not cached."""
    tree = sqlglot.parse_one(sql, read="trino")
    placeholders = list(tree.find_all(exp.Placeholder, bfs=False))  # textual order, as Athena binds
    if len(placeholders) != len(parameters):
        raise duckdb.InvalidInputException(f"{len(placeholders)} placeholders, {len(parameters)} parameters")
    for node, value in zip(placeholders, parameters, strict=True):
        node.replace(sqlglot.parse_one(value, read="trino"))  # Athena binds each value as a literal
    if not isinstance(tree, exp.Insert):
        raise duckdb.InvalidInputException("the fake only runs INSERT INTO ... SELECT")
    target = tree.this.name
    tree.this.replace(exp.to_table("_out"))
    return target, tree.sql(dialect="duckdb")


# Bronze objects as rows, by (key, ETag): an object's rows are a function of its bytes, and each query
# re-reads all of Bronze. A rewritten object has another ETag, a deleted one is no longer listed.
_bronze_cache: dict[tuple[str, str, str], list[tuple[Any, ...]]] = {}


class FakeAthena:
    def __init__(
        self, s3: Any, glue: Any, *, raw_bucket: str, silver_bucket: str, gold_bucket: str, database: str
    ) -> None:
        self.s3 = s3
        self.glue = glue
        self.database = database
        self.raw_bucket = raw_bucket
        self.tables: dict[str, dict[str, Any]] = {
            "github_events_silver": {
                "bucket": silver_bucket,
                "prefix": "github/events_silver/",
                "columns": SILVER_COLUMNS,
                "partitions": ["year", "month"],
            },
            "github_events_gold_daily": {
                "bucket": gold_bucket,
                "prefix": "github/events_gold_daily/",
                "columns": GOLD_COLUMNS,
                "partitions": ["ingest_dt"],
            },
        }
        self.batches: dict[str, list[tuple[str, list[tuple[Any, ...]]]]] = defaultdict(list)
        self.requests: list[dict[str, Any]] = []
        self.executions: dict[str, dict[str, Any]] = {}
        self.scripted: list[dict[str, Any]] = []  # statuses to return instead of running, in order
        self.stopped: list[str] = []

    # Athena API ---------------------------------------------------------------------------------
    def start_query_execution(self, **request: Any) -> dict[str, str]:
        self.requests.append(request)
        if request["QueryExecutionContext"]["Database"] != self.database:
            raise ValueError(f"unknown database {request['QueryExecutionContext']['Database']}")
        query_id = str(uuid.uuid4())
        if self.scripted:
            self.executions[query_id] = {"states": list(self.scripted.pop(0)["states"])}
            return {"QueryExecutionId": query_id}
        try:
            self._execute(request["QueryString"], request.get("ExecutionParameters", []))
            status = {"State": "SUCCEEDED"}
        except duckdb.Error as exc:
            status = {"State": "FAILED", "StateChangeReason": f"duckdb: {exc}"}
        self.executions[query_id] = {"states": [status]}
        return {"QueryExecutionId": query_id}

    def get_query_execution(self, QueryExecutionId: str) -> dict[str, Any]:
        states = self.executions[QueryExecutionId]["states"]
        status = states.pop(0) if len(states) > 1 else states[0]
        return {"QueryExecution": {"QueryExecutionId": QueryExecutionId, "Status": status, "Statistics": {}}}

    def stop_query_execution(self, QueryExecutionId: str) -> dict[str, Any]:
        self.stopped.append(QueryExecutionId)
        self.executions[QueryExecutionId]["states"] = [{"State": "CANCELLED"}]
        return {}

    # reading tables -----------------------------------------------------------------------------
    def rows(self, table: str) -> list[dict[str, Any]]:
        """Current rows of a Silver/Gold table: those whose object still exists in S3."""
        spec = self.tables[table]
        existing = set()
        for page in self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=spec["bucket"], Prefix=spec["prefix"]
        ):
            existing.update(obj["Key"] for obj in page.get("Contents", []))
        names = [c for c, _ in spec["columns"]]
        return [
            dict(zip(names, r, strict=True))
            for key, rows in self.batches[table]
            if key in existing
            for r in rows
        ]

    def _bronze_rows(self) -> list[tuple[Any, ...]]:
        out = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.raw_bucket, Prefix="github/events/"
        ):
            for obj in page.get("Contents", []):
                cache_key = (self.raw_bucket, obj["Key"], obj["ETag"])
                if cache_key not in _bronze_cache:
                    _bronze_cache[cache_key] = self._object_rows(obj["Key"])
                out.extend(_bronze_cache[cache_key])
        return out

    def _object_rows(self, key: str) -> list[tuple[Any, ...]]:
        ingest_dt = key.split("ingest_dt=")[1].split("/")[0]
        body = gzip.decompress(self.s3.get_object(Bucket=self.raw_bucket, Key=key)["Body"].read())
        out = []
        for line in body.decode().splitlines():
            rec = json.loads(line)
            row = []
            for name, _ in BRONZE_COLUMNS[:-1]:
                value = rec.get(name)
                if name in STRUCT_FIELDS and isinstance(value, dict):
                    value = {f: value.get(f) for f in STRUCT_FIELDS[name]}  # the SerDe's view
                elif name == "payload" and value is not None:
                    value = json.dumps(value)  # declared string: the SerDe returns JSON text
                row.append(value)
            out.append((*row, ingest_dt))
        return out

    def _load(
        self, con: duckdb.DuckDBPyConnection, name: str, columns: list[tuple[str, str]], rows: list
    ) -> None:
        con.execute(f"CREATE TEMP TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns)})")
        if not rows:
            return
        # Column-wise through Arrow: one INSERT ... SELECT, the same casts to the declared types as binding
        # each row (executemany), but ~50x cheaper. A column Arrow cannot type as one type (a value of
        # another type in it) takes the row-by-row path, so every load still reads what Athena would.
        try:
            batch = pa.table({f"c{i}": pa.array([row[i] for row in rows]) for i in range(len(columns))})
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            con.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * len(columns))})", rows)
            return
        con.register("_rows", batch)
        con.execute(f"INSERT INTO {name} SELECT * FROM _rows")
        con.unregister("_rows")

    # running ------------------------------------------------------------------------------------
    def _execute(self, sql: str, parameters: list[str]) -> None:
        target, statement = _translate(sql, tuple(parameters))
        spec = self.tables[target]
        con = _database().cursor()
        try:
            con.execute("SET TimeZone = 'UTC'")
            self._load(con, "github_events_bronze", BRONZE_COLUMNS, self._bronze_rows())
            for table, tspec in self.tables.items():
                current = [tuple(r.values()) for r in self.rows(table)]
                self._load(con, table, tspec["columns"], current)
            self._load(con, "_out", spec["columns"], [])
            con.execute(statement)
            produced = con.execute("SELECT * FROM _out").fetchall()
        finally:
            con.close()  # and its temporary tables with it
        names = [c for c, _ in spec["columns"]]
        by_partition: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
        for row in produced:
            values = dict(zip(names, row, strict=True))
            by_partition[tuple(str(values[p]) for p in spec["partitions"])].append(row)
        for values, rows in by_partition.items():
            path = "".join(f"{p}={v}/" for p, v in zip(spec["partitions"], values, strict=True))
            key = f"{spec['prefix']}{path}{uuid.uuid4().hex}.parquet"
            self.s3.put_object(Bucket=spec["bucket"], Key=key, Body=f"{len(rows)} rows".encode())
            self.batches[target].append((key, rows))
            self._register(target, list(values), f"s3://{spec['bucket']}/{spec['prefix']}{path}")

    def _register(self, table: str, values: list[str], location: str) -> None:
        with contextlib.suppress(self.glue.exceptions.AlreadyExistsException):
            self.glue.create_partition(
                DatabaseName=self.database,
                TableName=table,
                PartitionInput={"Values": values, "StorageDescriptor": {"Location": location}},
            )
