"""A local Athena: Athena's JSON API on loopback, Glue + S3 of the local AWS, DuckDB as the engine.

    from harness.local_athena import LocalAthenaServer
    with LocalAthenaServer(aws_endpoint="http://127.0.0.1:5000") as athena:
        ...  # AWS_ENDPOINT_URL_ATHENA=athena.url

Modules: models (workgroups, query state), responses (wire protocol), server (HTTP), engine
(statements), sql (sqlglot), catalog (Glue), partitions (projection, pruning), s3io, results, types.
"""

from .server import LocalAthenaServer

__all__ = ["LocalAthenaServer"]
