"""The Trino engine finds an INSERT's target and a CTAS's head after leading comments, as Athena reads
them (the handlers' SQL files open with comments): else an INSERT's manifest would list no files and a
CTAS would be refused. No JVM: the patterns alone."""

from __future__ import annotations

import pytest

from harness.local.athena.trino import engine

HEADS = ["", "-- Silver: one hour\n", "  /* a block\n comment */ ", "-- one\n-- two\n  "]


@pytest.mark.parametrize("head", HEADS)
def test_the_insert_target_is_found_after_comments(head: str) -> None:
    m = engine._INSERT_TARGET.match(head + "INSERT INTO db.github_events_silver SELECT 1 -- trailing")
    assert m is not None and m.group("name") == "db.github_events_silver"


@pytest.mark.parametrize("head", HEADS)
def test_the_ctas_head_is_found_after_comments_and_keeps_them(head: str) -> None:
    sql = head + "CREATE TABLE IF NOT EXISTS t WITH (format = 'PARQUET') AS SELECT 1 AS x"
    m = engine._CTAS_HEAD.match(sql)
    assert m is not None and m.group("name") == "t"
    assert sql[: m.end()].startswith(head) and sql[m.end() :].startswith("WITH (")


def test_a_commented_out_insert_is_not_a_target() -> None:
    assert engine._INSERT_TARGET.match("-- INSERT INTO t SELECT 1\nSELECT 1") is None
