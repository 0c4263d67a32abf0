"""A failed INSERT/CTAS on the Trino engine keeps nothing by the time it is reported FAILED.

Trino reports a query FAILED before it has finished with it: an aborted writer may still be closing a file
(an S3 upload) after that, and Trino's rollback deletes the query's files later still, as its transaction
is aborted. Here a fake Trino says when the query is final and a fake S3 listing gets the query's file
only after the failure was reported, as then happens; no JVM, no timing."""

from __future__ import annotations

from typing import Any

import pytest

from harness.local.athena.engine import QueryRequest
from harness.local.athena.errors import QueryFailed
from harness.local.athena.s3io import AwsConfig, S3Object
from harness.local.athena.trino import client, engine
from harness.local.athena.trino.engine import TrinoEngine, await_rollback

QUERY_ID = "20261130_021500_00042_abcde"
OTHER_QUERY = "20261130_021400_00041_zzzzz"
LOCATION = "s3://silver/too_many/"


def ours(n: int) -> list[str]:
    return [f"too_many/p={i}/{QUERY_ID}_{i:04d}-uuid" for i in range(n)]


class LateTrino:
    """A failed query that Trino finishes with at its `final_at`-th look (None: never); its writer closes
    the query's `late_files` at the `written_at`-th look, i.e. after the failure was already reported."""

    def __init__(self, s3: FakeS3, final_at: int | None, late_files: list[str], written_at: int = 1) -> None:
        self.s3, self.final_at, self.late_files, self.written_at = s3, final_at, late_files, written_at
        self.looks = 0

    def query_final(self) -> bool:
        self.looks += 1
        if self.looks == self.written_at:
            self.s3.files += [S3Object("silver", key, 10) for key in self.late_files]
        return self.final_at is not None and self.looks >= self.final_at


class FakeS3:
    def __init__(self, files: list[str] | None = None) -> None:
        self.files = [S3Object("silver", key, 10) for key in files or []]
        self.listings = 0
        self.deleted: list[str] = []

    def list_files(self, uri: str, folder: bool = True) -> list[S3Object]:
        assert uri == LOCATION
        self.listings += 1
        return list(self.files)

    def has_objects(self, uri: str) -> bool:
        return False  # the CTAS location is empty before the query

    def delete_files(self, paths: list[str]) -> None:
        self.deleted += paths
        self.files = [f for f in self.files if f.path not in paths]


def test_files_a_writer_closes_after_the_failure_are_gone_when_it_is_reported() -> None:
    s3 = FakeS3()
    trino = LateTrino(s3, final_at=3, late_files=ours(2), written_at=2)
    naps: list[float] = []
    await_rollback(s3, LOCATION, QUERY_ID, trino.query_final, sleep=naps.append)  # type: ignore[arg-type]
    assert trino.looks == 3 and len(naps) == 2  # waited until Trino was done with the query
    assert s3.files == []
    assert sorted(s3.deleted) == sorted(f"silver/{key}" for key in ours(2))


def test_only_the_failed_querys_files_are_deleted() -> None:
    someone_elses = f"too_many/p=1/{OTHER_QUERY}_0001-uuid"
    s3 = FakeS3([someone_elses, *ours(3)])
    await_rollback(s3, LOCATION, QUERY_ID, LateTrino(s3, 1, []).query_final, sleep=lambda _: None)  # type: ignore[arg-type]
    assert [f.key for f in s3.files] == [someone_elses]


def test_the_wait_is_bounded_when_trino_never_says_final() -> None:
    s3 = FakeS3(ours(1))
    naps: list[float] = []
    await_rollback(
        s3, LOCATION, QUERY_ID, LateTrino(s3, None, []).query_final, deadline=1.0, sleep=naps.append
    )  # type: ignore[arg-type]
    assert 0 < sum(naps) <= 1.0 + engine.ROLLBACK_POLL
    assert s3.files == [] and s3.listings == 1


def test_a_query_trino_is_done_with_and_that_left_nothing_costs_one_listing() -> None:
    s3 = FakeS3()
    naps: list[float] = []
    await_rollback(s3, LOCATION, QUERY_ID, LateTrino(s3, 1, []).query_final, sleep=naps.append)  # type: ignore[arg-type]
    assert naps == [] and s3.listings == 1 and s3.deleted == []


class NeverDownServer:
    url = "http://127.0.0.1:1"
    log_path = "server.log"

    def ensure_running(self) -> bool:
        return False

    def wait_ready(self) -> float:
        return 0.0

    def alive(self) -> bool:
        return True


def test_a_failed_ctas_is_reported_only_once_its_files_are_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    trino = TrinoEngine(AwsConfig("http://127.0.0.1:1"), threads=1, server=NeverDownServer())  # type: ignore[arg-type]
    s3 = FakeS3()
    trino.s3 = s3  # type: ignore[assignment]
    late = LateTrino(s3, final_at=3, late_files=ours(2), written_at=2)
    asked: list[tuple[str, str]] = []

    def fail(*args: Any, **kwargs: Any) -> None:
        raise client.TrinoQueryError(
            {"errorName": "HIVE_TOO_MANY_OPEN_PARTITIONS", "errorType": "USER_ERROR", "message": "Exceeded"},
            QUERY_ID,
        )

    def query_final(url: str, query_id: str) -> bool:
        asked.append((url, query_id))
        return late.query_final()

    monkeypatch.setattr(client, "execute", fail)
    monkeypatch.setattr(client, "query_final", query_final)
    monkeypatch.setattr(engine, "ROLLBACK_POLL", 0.001)
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
    assert asked == [(NeverDownServer.url, QUERY_ID)] * 3
