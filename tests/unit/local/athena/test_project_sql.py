"""The handlers' own SQL files (handlers/sql) run on the local engine with the counts the contract asks."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Lake, event

SQL_DIR = Path(__file__).resolve().parents[4] / "handlers" / "sql"


def _sql(name: str) -> str:
    path = SQL_DIR / name
    if not path.exists():
        pytest.skip(f"{path} not written yet")
    return path.read_text()


def test_handlers_silver_and_gold_sql(lake: Lake) -> None:
    silver, gold = _sql("silver_insert.sql"), _sql("gold_daily_insert.sql")
    lake.put_bronze("2024-03-01", [event(i) for i in range(5)] + [event(1)])
    lake.put_bronze("2024-03-02", [event(i, repo="octo/b") for i in range(4, 9)])  # 1004 repeats a day-1 id

    qe = lake.query(silver, ["'2024-03-01'", "'2024-03-02'"])
    assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]
    assert lake.athena.get_query_results(QueryExecutionId=qe["QueryExecutionId"])["UpdateCount"] == 9
    rerun = lake.query(silver, ["'2024-03-01'", "'2024-03-02'"])
    assert lake.athena.get_query_results(QueryExecutionId=rerun["QueryExecutionId"])["UpdateCount"] == 0
    assert lake.rows("SELECT ingest_dt, count(*) FROM github_events_silver GROUP BY 1 ORDER BY 1") == [
        ["2024-03-01", "5"],
        ["2024-03-02", "4"],
    ]
    for day, expected in (("2024-03-01", "5"), ("2024-03-02", "4")):
        g = lake.query(gold, ["'2024'", "'03'", f"'{day}'"])
        assert g["Status"]["State"] == "SUCCEEDED", g["Status"]
        assert lake.rows(
            "SELECT sum(event_count) FROM github_events_gold_daily WHERE ingest_dt = ?", [f"'{day}'"]
        ) == [[expected]]
