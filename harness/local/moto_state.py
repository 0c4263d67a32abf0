"""State made in this process's moto backends directly, for test fixtures: the objects moto's CreateBucket,
PutBucketVersioning, CreateDatabase and CreateTable handlers make (they parse the request, then call these
same backend methods, here with no ACL, lock or ownership headers), without the ~1.5 ms of client and
request handling each call costs; and moto's backends emptied, as stopping a `mock_aws` empties them.
Only for a moto in this process (the in-process mock, or a moto server thread); the tests that use each
prove the state equal to what the API calls make (tests/unit/handlers/test_moto_fixture.py,
tests/unit/local/athena/test_lake_fixture.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

REGION = "us-east-1"


def create_buckets(*names: str, versioned: bool = False, region: str = REGION) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    for name in names:
        backend.create_bucket(name, region)
        if versioned:
            backend.put_bucket_versioning(name, "Enabled")


def create_tables(database: str, table_inputs: Iterable[dict[str, Any]], region: str = REGION) -> None:
    """The database, and a table for each Glue TableInput (each names its table)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.glue.models import glue_backends

    backend = glue_backends[DEFAULT_ACCOUNT_ID][region]
    backend.create_database(database, {"Name": database})
    for table_input in table_inputs:
        backend.create_table(database, table_input["Name"], table_input)


def empty_backends() -> None:
    """What stopping a `mock_aws` does to its data: every backend and every model instance forgotten."""
    from moto.core.base_backend import BackendDict
    from moto.core.model_instances import reset_model_data

    BackendDict.reset()
    reset_model_data()


def seen_through_the_api(s3: Any, glue: Any, buckets: Iterable[str], database: str) -> tuple[Any, ...]:
    """What clients see of the buckets (versioning, location, ACL, the versions two PUTs of one key leave:
    this writes a `probe` object twice in each) and of the database and its tables (without their times):
    what the tests compare between state made here and state made by the API calls."""
    seen = []
    for bucket in buckets:
        acl = s3.get_bucket_acl(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="probe", Body=b"1")
        s3.put_object(Bucket=bucket, Key="probe", Body=b"2")
        versions = s3.list_object_versions(Bucket=bucket, Prefix="probe")["Versions"]
        seen.append(
            (
                bucket,
                s3.get_bucket_versioning(Bucket=bucket).get("Status"),
                s3.get_bucket_location(Bucket=bucket).get("LocationConstraint"),
                acl["Owner"],
                acl["Grants"],
                len(versions),
            )
        )

    def timeless(doc: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in doc.items() if k not in {"CreateTime", "UpdateTime"}}

    tables = sorted(
        (timeless(t) for t in glue.get_tables(DatabaseName=database)["TableList"]), key=lambda t: t["Name"]
    )
    return seen, timeless(glue.get_database(Name=database)["Database"]), tables
