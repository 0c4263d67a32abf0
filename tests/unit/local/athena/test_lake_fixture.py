"""The lakes the local Athena's tests make on their own in-process moto (conftest.make_lake, through
harness.local.moto_state) are what the API calls make: the same buckets, database and tables as seen through
the API, and the same answers to a query over them."""

from __future__ import annotations

from typing import Any

from harness.local import moto_state

from .conftest import IN_PROCESS_AWS, Lake, make_lake


def _state(lake: Lake) -> str:
    """What the engine and the tests can see of a lake, its own names replaced by a placeholder."""
    buckets = (lake.raw, lake.silver, lake.gold, lake.logs)
    seen = moto_state.seen_through_the_api(lake.s3, lake.glue, buckets, lake.database)
    return repr(seen).replace(lake.name, "<lake>")


def test_a_lake_made_in_moto_is_what_the_api_calls_make(aws_endpoint: str, athena: Any) -> None:
    assert aws_endpoint in IN_PROCESS_AWS  # made in moto's backends directly
    direct = make_lake(aws_endpoint, athena)
    IN_PROCESS_AWS.discard(aws_endpoint)  # made through the server, as on another local AWS
    try:
        through_the_api = make_lake(aws_endpoint, athena)
    finally:
        IN_PROCESS_AWS.add(aws_endpoint)
    assert _state(direct) == _state(through_the_api)
    for lake in (direct, through_the_api):
        lake.put_bronze("2024-03-01", [{"id": "1", "type": "PushEvent"}])
    sql = "SELECT id, type, ingest_dt FROM github_events_bronze"
    assert direct.rows(sql) == through_the_api.rows(sql) == [["1", "PushEvent", "2024-03-01"]]
