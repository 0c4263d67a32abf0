"""Glue's column-statistics APIs (gap 10), as Trino's Glue metastore calls them around reads and writes."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.xdist_group("local-aws")  # one local AWS process per run (conftest.py)


def _stats(name: str, nulls: int) -> dict[str, Any]:
    return {
        "ColumnName": name,
        "ColumnType": "bigint",
        "AnalyzedTime": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        "StatisticsData": {
            "Type": "LONG",
            "LongColumnStatisticsData": {
                "MinimumValue": 1,
                "MaximumValue": 9,
                "NumberOfNulls": nulls,
                "NumberOfDistinctValues": 3,
            },
        },
    }


@pytest.fixture
def table(partitioned_table: Callable[[str, list[str]], tuple[Any, str]]) -> tuple[Any, str]:
    return partitioned_table("stats", ["2026-01-01"])


def test_table_statistics_round_trip(table: tuple[Any, str]) -> None:
    glue, db = table
    assert (
        glue.get_column_statistics_for_table(DatabaseName=db, TableName="t", ColumnNames=["n"])[
            "ColumnStatisticsList"
        ]
        == []
    )
    glue.update_column_statistics_for_table(
        DatabaseName=db, TableName="t", ColumnStatisticsList=[_stats("n", 2)]
    )
    got = glue.get_column_statistics_for_table(DatabaseName=db, TableName="t", ColumnNames=["n"])
    [stats] = got["ColumnStatisticsList"]
    assert stats["StatisticsData"]["LongColumnStatisticsData"]["NumberOfNulls"] == 2
    glue.delete_column_statistics_for_table(DatabaseName=db, TableName="t", ColumnName="n")
    glue.delete_column_statistics_for_table(DatabaseName=db, TableName="t", ColumnName="n")  # absent: no-op
    assert (
        glue.get_column_statistics_for_table(DatabaseName=db, TableName="t", ColumnNames=["n"])[
            "ColumnStatisticsList"
        ]
        == []
    )


def test_partition_statistics_are_kept_per_partition(table: tuple[Any, str]) -> None:
    glue, db = table
    part = {"DatabaseName": db, "TableName": "t", "PartitionValues": ["2026-01-01"]}
    glue.update_column_statistics_for_partition(**part, ColumnStatisticsList=[_stats("n", 5)])
    [stats] = glue.get_column_statistics_for_partition(**part, ColumnNames=["n"])["ColumnStatisticsList"]
    assert stats["StatisticsData"]["LongColumnStatisticsData"]["NumberOfNulls"] == 5
    assert (
        glue.get_column_statistics_for_table(DatabaseName=db, TableName="t", ColumnNames=["n"])[
            "ColumnStatisticsList"
        ]
        == []
    )  # the table's own statistics are apart from its partitions'


def test_unknown_table_or_partition_is_entity_not_found(table: tuple[Any, str]) -> None:
    glue, db = table
    with pytest.raises(ClientError) as err:
        glue.get_column_statistics_for_table(DatabaseName=db, TableName="nope", ColumnNames=["n"])
    assert err.value.response["Error"]["Code"] == "EntityNotFoundException"
    with pytest.raises(ClientError) as err:
        glue.update_column_statistics_for_partition(
            DatabaseName=db,
            TableName="t",
            PartitionValues=["1999-01-01"],
            ColumnStatisticsList=[_stats("n", 0)],
        )
    assert err.value.response["Error"]["Code"] == "EntityNotFoundException"
