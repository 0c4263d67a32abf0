"""A local Athena: Athena's JSON API on loopback, Glue + S3 of the local AWS, DuckDB as the engine.

    from harness.local.athena import LocalAthenaServer
    with LocalAthenaServer(aws_endpoint="http://127.0.0.1:5000") as athena:
        ...  # AWS_ENDPOINT_URL_ATHENA=athena.url

Routing: the endpoint answers every Athena call the harness and the AWS provider make, workgroups and
their tags included; it does not delegate to moto's Athena (moto lacks UpdateWorkGroup, and the
workgroup's result location, encryption, enforcement and bytes-scanned cutoff must live where the
queries run). Glue, S3 and KMS stay in moto, reached over boto3/pyarrow at `aws_endpoint`.

Modules: models (workgroups, query state), responses (wire protocol), server (HTTP), engine
(statements), sql (sqlglot), catalog (Glue), partitions (projection, pruning), s3io, results, types,
arrow_pool (Arrow's allocator).
"""

from typing import TYPE_CHECKING, Any

from .arrow_pool import prefer_system_pool

prefer_system_pool()  # before anything here loads pyarrow (arrow_pool.py says why)

if TYPE_CHECKING:
    from .server import LocalAthenaServer

__all__ = ["LocalAthenaServer"]


def __getattr__(name: str) -> Any:
    # The server is imported on first use: it brings DuckDB, sqlglot, pyarrow and boto3 (~0.45 s of CPU),
    # which the package's light entry points (`python -m harness.local.athena.trino.install`) never need.
    if name == "LocalAthenaServer":
        from .server import LocalAthenaServer

        return LocalAthenaServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
