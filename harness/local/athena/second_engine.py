"""A second local Athena on another engine over the same local AWS, and a table wiped for it to rebuild.

The engine parity test and the archive bench both rebuild Silver and Gold from one Bronze on each engine:
the second local Athena gets the deployed workgroups (result location, enforcement, cutoff) so the
deployed functions run on it unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3

from . import LocalAthenaServer

# What a copied workgroup keeps of the deployed one's configuration.
WORKGROUP_KEYS = (
    "ResultConfiguration",
    "EnforceWorkGroupConfiguration",
    "PublishCloudWatchMetricsEnabled",
    "BytesScannedCutoffPerQuery",
    "RequesterPaysEnabled",
)


@contextmanager
def second_athena(target: Any, engine: str, wait_ready: bool = False) -> Iterator[str]:
    """The URL of a local Athena on ``engine`` in this process, over ``target``'s local AWS (anything with
    ``endpoints``, ``region`` and ``client(service)``), with the target's workgroups copied. ``wait_ready``
    waits for a Trino engine's JVM before yielding."""
    creds = target.endpoints.credentials
    server = LocalAthenaServer(
        aws_endpoint=target.endpoints.aws,
        region=target.region,
        access_key=creds["AWS_ACCESS_KEY_ID"],
        secret_key=creds["AWS_SECRET_ACCESS_KEY"],
        engine=engine,
    ).start()
    try:
        trino = getattr(server.backend.engine, "server", None)
        if wait_ready and trino is not None:
            trino.wait_ready()
        source = target.client("athena")
        copy = boto3.client(
            "athena",
            endpoint_url=server.url,
            region_name=target.region,
            aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
        )
        for summary in source.list_work_groups()["WorkGroups"]:
            if summary["Name"] == "primary":
                continue
            config = source.get_work_group(WorkGroup=summary["Name"])["WorkGroup"]["Configuration"]
            copy.create_work_group(
                Name=summary["Name"], Configuration={k: config[k] for k in WORKGROUP_KEYS if k in config}
            )
        yield server.url
    finally:
        server.stop()


def wipe_table(target: Any, database: str, table: str) -> None:
    """Every object and partition of a table, so the next engine builds it again from Bronze."""
    glue, s3 = target.client("glue"), target.client("s3")
    location = glue.get_table(DatabaseName=database, Name=table)["Table"]["StorageDescriptor"]["Location"]
    bucket, _, prefix = location[len("s3://") :].partition("/")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys})
    for page in glue.get_paginator("get_partitions").paginate(DatabaseName=database, TableName=table):
        values = [{"Values": p["Values"]} for p in page["Partitions"]]
        for i in range(0, len(values), 25):
            glue.batch_delete_partition(
                DatabaseName=database, TableName=table, PartitionsToDelete=values[i : i + 25]
            )
