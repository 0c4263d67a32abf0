"""The handler tests' Athena stand-in loads rows column-wise through Arrow: the same table as binding each
row (the slow way it replaced), and a column Arrow cannot type falls back to row-by-row binding."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from handlers_fake_athena import ACTOR, FakeAthena

COLUMNS = [("id", "VARCHAR"), ("n", "BIGINT"), ("actor", ACTOR), ("seen_at", "TIMESTAMP"), ("ok", "BOOLEAN")]
ACTOR_VALUE = {
    "id": 7,
    "login": "octo",
    "display_login": "octo",
    "gravatar_id": "",
    "url": "https://u",
    "avatar_url": "https://a",
}


def loaded(rows: list[tuple[Any, ...]], row_by_row: bool) -> list[tuple[Any, ...]]:
    con = duckdb.connect(config={"threads": 1})  # a third cheaper to open than one thread per core
    con.execute("SET TimeZone = 'UTC'")
    if row_by_row:
        con.execute(f"CREATE TABLE t ({', '.join(f'{c} {t}' for c, t in COLUMNS)})")
        con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(COLUMNS))})", rows)
    else:
        FakeAthena._load(None, con, "t", COLUMNS, rows)  # type: ignore[arg-type]
    return con.execute("SELECT * FROM t ORDER BY id").fetchall()


def test_column_wise_load_equals_row_by_row() -> None:
    rows = [
        ("a", 1, ACTOR_VALUE, datetime(2025, 11, 20, 12, 0, tzinfo=UTC), True),
        ("b", None, None, datetime(2025, 11, 20, 13, 30), None),
        ("c", 2**40, {**ACTOR_VALUE, "id": None}, None, False),
    ]
    assert loaded(rows, row_by_row=False) == loaded(rows, row_by_row=True)


def test_a_column_of_mixed_types_falls_back_and_casts_the_same() -> None:
    rows = [("a", "12", None, None, "true"), ("b", 3, None, None, True), (4, 5, None, None, None)]
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError)):
        pa.array([row[1] for row in rows])  # so the load below takes the row-by-row path
    assert loaded(rows, row_by_row=False) == loaded(rows, row_by_row=True)
    assert [r[1] for r in loaded(rows, row_by_row=False)] == [5, 12, 3]  # ids '4' < 'a' < 'b'
