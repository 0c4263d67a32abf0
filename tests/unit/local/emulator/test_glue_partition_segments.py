"""Glue's GetPartitions by segment (gap 13), as Trino's Glue metastore lists partitions in parallel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.xdist_group("local-aws")  # one local AWS process per run (conftest.py)

DAYS = [f"2026-01-{d:02d}" for d in range(1, 12)]


@pytest.fixture(scope="module")
def table(partitioned_table: Callable[[str, list[str]], tuple[Any, str]]) -> tuple[Any, str]:
    return partitioned_table("segments", DAYS)


def _days(glue: Any, db: str, **kwargs: Any) -> list[str]:
    return [
        p["Values"][0] for p in glue.get_partitions(DatabaseName=db, TableName="t", **kwargs)["Partitions"]
    ]


@pytest.mark.parametrize("total", [1, 2, 5, 10])
def test_segments_are_disjoint_and_cover_every_partition(table: tuple[Any, str], total: int) -> None:
    glue, db = table
    parts = [_days(glue, db, Segment={"SegmentNumber": n, "TotalSegments": total}) for n in range(total)]
    every = [d for part in parts for d in part]
    assert sorted(every) == DAYS  # each partition in exactly one segment
    assert sorted(_days(glue, db)) == DAYS
    if total > 1:
        assert all(len(part) < len(DAYS) for part in parts)  # a segment is not the whole table


def test_segments_keep_the_expression(table: tuple[Any, str]) -> None:
    glue, db = table
    expression = "dt >= '2026-01-06'"
    parts = [
        _days(glue, db, Expression=expression, Segment={"SegmentNumber": n, "TotalSegments": 3})
        for n in range(3)
    ]
    assert sorted(d for part in parts for d in part) == DAYS[5:]


@pytest.mark.parametrize(
    "segment",
    [{"SegmentNumber": 0, "TotalSegments": 11}, {"SegmentNumber": 3, "TotalSegments": 3}],
)
def test_out_of_bounds_segment_is_invalid_input(table: tuple[Any, str], segment: dict[str, int]) -> None:
    glue, db = table
    with pytest.raises(ClientError) as caught:
        glue.get_partitions(DatabaseName=db, TableName="t", Segment=segment)
    assert caught.value.response["Error"]["Code"] == "InvalidInputException"
