"""Athena's limit on the partitions one CTAS, INSERT INTO or UNLOAD may write (100), on the DuckDB engine."""

from __future__ import annotations

from .conftest import Lake


def _ctas(lake: Lake, name: str, partitions: int) -> dict:
    return lake.query(
        f"CREATE TABLE {name} WITH (format = 'PARQUET', external_location = 's3://{lake.silver}/{name}/', "
        f"partitioned_by = ARRAY['p']) AS SELECT n, CAST(n AS varchar) AS p "
        f"FROM UNNEST(sequence(1, {partitions})) AS t(n)"
    )


def _objects(lake: Lake, name: str) -> int:
    return lake.s3.list_objects_v2(Bucket=lake.silver, Prefix=f"{name}/").get("KeyCount", 0)


def test_one_hundred_partitions_are_written(lake: Lake) -> None:
    qe = _ctas(lake, "hundred", 100)
    assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]
    assert lake.rows("SELECT count(DISTINCT p) FROM hundred") == [["100"]]


def test_more_than_one_hundred_fail_and_keep_nothing(lake: Lake) -> None:
    qe = _ctas(lake, "too_many", 101)
    assert qe["Status"]["State"] == "FAILED"
    reason = qe["Status"]["StateChangeReason"]
    assert reason.startswith("HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of 100"), reason
    assert _objects(lake, "too_many") == 0
    assert lake.query("SELECT 1 FROM too_many")["Status"]["StateChangeReason"].startswith("TABLE_NOT_FOUND")
