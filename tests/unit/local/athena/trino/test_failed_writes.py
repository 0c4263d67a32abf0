"""A failed INSERT/CTAS on the Trino engine keeps nothing by the time it is reported FAILED.

Trino reports the query failed before its rollback (run when the query's transaction is aborted, a moment
later) has deleted the files the query wrote. These tests stand a listing in for S3 that still shows the
query's files for a few looks, as Trino's rollback does, or never lets them go (no JVM, no timing)."""

from __future__ import annotations

from typing import Any

import pytest

from harness.local.athena.engine import QueryRequest
from harness.local.athena.errors import QueryFailed
from harness.local.athena.s3io import AwsConfig, S3Object
from harness.local.athena.trino import client, engine
from harness.local.athena.trino.engine import TrinoEngine, await_rollback

QUERY_ID = "20261130_021500_00042_abcde"
LOCATION = "s3://silver/too_many/"


class RollingBackS3:
    """A bucket listing in which the query's files disappear after `looks` listings (None: never)."""

    def __init__(self, files: list[str], looks: int | None) -> None:
        self.files = [S3Object("silver", key, 10) for key in files]
        self.looks = looks
        self.listings = 0
        self.deleted: list[str] = []

    def list_files(self, uri: str, folder: bool = True) -> list[S3Object]:
        assert uri == LOCATION
        self.listings += 1
        if self.looks is not None and self.listings > self.looks:
            self.files = [f for f in self.files if not f.key.rsplit("/", 1)[-1].startswith(QUERY_ID)]
        return list(self.files)

    def has_objects(self, uri: str) -> bool:
        return False  # the CTAS location is empty before the query

    def delete_files(self, paths: list[str]) -> None:
        self.deleted += paths
        self.files = [f for f in self.files if f.path not in paths]


def ours(n: int) -> list[str]:
    return [f"too_many/p={i}/{QUERY_ID}_{i:04d}-uuid" for i in range(n)]


def test_waits_until_trinos_rollback_has_deleted_the_querys_files() -> None:
    s3 = RollingBackS3(ours(2), looks=3)
    naps: list[float] = []
    await_rollback(s3, LOCATION, QUERY_ID, sleep=naps.append)  # type: ignore[arg-type]
    assert s3.files == [] and s3.deleted == []  # Trino's rollback did it; nothing deleted here
    assert s3.listings == 4 and len(naps) == 3


def test_what_is_still_there_at_the_deadline_is_deleted_and_nothing_else() -> None:
    someone_elses = "too_many/p=1/20261130_021400_00041_zzzzz_0001-uuid"
    s3 = RollingBackS3([*ours(3), someone_elses], looks=None)
    naps: list[float] = []
    await_rollback(s3, LOCATION, QUERY_ID, deadline=1.0, sleep=naps.append)  # type: ignore[arg-type]
    assert sorted(s3.deleted) == sorted(f"silver/{key}" for key in ours(3))
    assert [f.key for f in s3.files] == [someone_elses]  # another query's file stays
    assert 0 < sum(naps) <= 1.0 + engine.ROLLBACK_POLL  # bounded: gave up waiting at the deadline


def test_a_write_that_wrote_nothing_is_reported_at_once() -> None:
    s3 = RollingBackS3([], looks=0)
    naps: list[float] = []
    await_rollback(s3, LOCATION, QUERY_ID, sleep=naps.append)  # type: ignore[arg-type]
    assert s3.listings == 1 and naps == []


class NeverDownServer:
    url = "http://127.0.0.1:1"
    log_path = "server.log"

    def ensure_running(self) -> bool:
        return False

    def wait_ready(self) -> float:
        return 0.0


def test_a_failed_ctas_is_reported_only_once_its_files_are_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    trino = TrinoEngine(AwsConfig("http://127.0.0.1:1"), threads=1, server=NeverDownServer())  # type: ignore[arg-type]
    s3 = RollingBackS3(ours(2), looks=5)
    trino.s3 = s3  # type: ignore[assignment]

    def fail(*args: Any, **kwargs: Any) -> None:
        raise client.TrinoQueryError(
            {"errorName": "HIVE_TOO_MANY_OPEN_PARTITIONS", "errorType": "USER_ERROR", "message": "Exceeded"},
            QUERY_ID,
        )

    monkeypatch.setattr(client, "execute", fail)
    req = QueryRequest(
        query_id="q1",
        sql=f"CREATE TABLE too_many WITH (external_location = '{LOCATION}', partitioned_by = ARRAY['p']) "
        "AS SELECT 1 AS n, '1' AS p",
        parameters=[],
        database="db",
        output_location="s3://logs/results/",
        encryption=None,
    )
    with pytest.raises(QueryFailed, match=r"^HIVE_TOO_MANY_OPEN_PARTITIONS"):
        trino.execute(req, lambda handle: None)
    assert s3.files == [], "reported FAILED while the query's files were still listed"
    assert s3.deleted == []  # Trino's own rollback removed them, waited for
