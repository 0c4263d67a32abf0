"""The DuckDB engine keeps connections between queries, and nothing of one query reaches the next."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from harness.local.athena.engine import Engine, Outcome, QueryRequest, _Connection
from harness.local.athena.errors import QueryFailed

from .conftest import Lake

TEMP_OBJECTS = (
    "SELECT (SELECT count(*) FROM duckdb_views() WHERE temporary AND NOT internal)"
    " + (SELECT count(*) FROM duckdb_tables() WHERE temporary)"
)


def run(
    engine: Engine, sql: str, database: str = "default", on_connection: Any = None
) -> tuple[Outcome, Any]:
    lent: list[Any] = []

    def attach(connection: Any) -> None:
        lent.append(connection)
        if on_connection is not None:
            on_connection(connection)

    outcome = engine.execute(QueryRequest(uuid.uuid4().hex, sql, [], database, None, None), attach)
    return outcome, lent[0]


@pytest.fixture
def engine(athena_server: Any) -> Engine:
    return athena_server.backend.engine  # type: ignore[no-any-return]


def test_the_next_query_gets_the_connection_without_the_last_ones_objects(engine: Engine, lake: Lake) -> None:
    lake.put_bronze("2024-01-01", [{"id": "1", "type": "PushEvent"}, {"id": "2", "type": "WatchEvent"}])
    outcome, first = run(
        engine, "SELECT count(*) FROM github_events_bronze WHERE ingest_dt = '2024-01-01'", lake.database
    )
    assert outcome.result.rows == [["2"]] and outcome.data_scanned > 0
    assert first in engine._idle  # given back
    # The table's view (and its partition lookup) are gone: a new query sees an empty temporary catalog.
    assert first.con.execute(TEMP_OBJECTS).fetchall() == [(0,)]
    outcome, second = run(engine, "SELECT 1")
    assert second is first and outcome.result.rows == [["1"]]
    assert outcome.data_scanned == 0  # the byte counter is the query's own


def test_a_failed_query_gives_its_connection_back_only_clean(engine: Engine, lake: Lake) -> None:
    lake.put_bronze("2024-01-02", [{"id": "1", "type": "PushEvent"}])
    lent: list[Any] = []
    sql = "SELECT CAST(type AS integer) FROM github_events_bronze WHERE ingest_dt = '2024-01-02'"
    with pytest.raises(QueryFailed, match=r"INVALID_CAST_ARGUMENT|Cannot cast"):
        engine.execute(QueryRequest("q", sql, [], lake.database, None, None), lent.append)
    assert lent[0] in engine._idle  # the table's view was made before the cast failed: dropped
    assert lent[0].con.execute(TEMP_OBJECTS).fetchall() == [(0,)]


def test_an_interrupted_connection_is_never_reused_and_a_late_cancel_reaches_nothing(engine: Engine) -> None:
    # A cancel while the query holds the connection (DuckDB clears the flag when a statement starts, so
    # this one does not cut the query; what matters is that the connection is not trusted again).
    _, interrupted = run(engine, "SELECT 1", on_connection=_interrupt)
    assert interrupted not in engine._idle
    _, lent = run(engine, "SELECT 1")
    assert lent is not interrupted
    assert lent in engine._idle
    lent.interrupt()  # a cancel that arrives after its query gave the connection back
    assert not lent.interrupted
    outcome, again = run(engine, "SELECT 2")
    assert again is lent and outcome.result.rows == [["2"]]


def _interrupt(connection: Any) -> None:
    connection.interrupt()
    assert connection.interrupted


def test_a_connection_holding_anything_unexpected_is_closed(engine: Engine) -> None:
    connection = _Connection(1)
    connection.con.execute("CREATE TEMP VIEW left_over AS SELECT 1")
    assert connection.reset()  # a query's temporary objects are dropped
    connection.con.execute("CREATE TABLE not_ours (a INTEGER)")
    assert not connection.reset()  # anything else: the connection is not reused
    connection.lend()
    engine._give_back(connection, reuse=True)
    assert connection not in engine._idle
