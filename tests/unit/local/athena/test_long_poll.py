"""GetQueryExecution on an unfinished query is a long poll: answered when the query ends, or after
STATE_HOLD_SECONDS with the state it has then (harness/local/athena/responses.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from harness.local.athena import LocalAthenaServer, responses

from .conftest import Lake, wait


@pytest.fixture
def held_queries(
    athena_server: LocalAthenaServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[threading.Event]:
    """Queries run only once the event is set (statements marked `held` only)."""
    release = threading.Event()
    layer = athena_server.backend.layer
    execute = layer.execute

    def held_execute(req: Any, attach: Any) -> Any:
        if "held" in req.sql:
            release.wait(30)
        return execute(req, attach)

    monkeypatch.setattr(layer, "execute", held_execute)
    yield release
    release.set()


def _start(lake: Lake) -> str:
    return lake.athena.start_query_execution(
        QueryString="SELECT 'held' AS x",
        WorkGroup=lake.workgroup,
        QueryExecutionContext={"Database": lake.database},
    )["QueryExecutionId"]


def test_a_poll_of_a_running_query_is_answered_when_it_ends(
    shared_lake: Lake,
    athena_server: LocalAthenaServer,
    held_queries: threading.Event,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(responses, "STATE_HOLD_SECONDS", 30.0)
    qid = _start(shared_lake)
    backend = athena_server.backend
    polled = threading.Event()
    get_query = backend.get_query

    def noting_get_query(query_id: str) -> Any:
        polled.set()
        return get_query(query_id)

    monkeypatch.setattr(backend, "get_query", noting_get_query)
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(shared_lake.athena.get_query_execution, QueryExecutionId=qid)
        assert polled.wait(30)
        assert not backend.executions[qid].done.is_set()
        held_queries.set()  # the query ends while the poll is held
        assert answer.result(timeout=30)["QueryExecution"]["Status"]["State"] == "SUCCEEDED"


def test_a_query_still_running_after_the_hold_is_answered_with_its_state(
    shared_lake: Lake, held_queries: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(responses, "STATE_HOLD_SECONDS", 0.05)
    qid = _start(shared_lake)
    assert (
        shared_lake.athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"]
        == "RUNNING"
    )
    held_queries.set()
    assert wait(shared_lake.athena, qid)["Status"]["State"] == "SUCCEEDED"
