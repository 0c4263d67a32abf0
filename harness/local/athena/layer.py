"""Athena's own layer in front of the query engine (DuckDB or Trino).

Athena runs Hive DDL, SHOW and DESCRIBE in its own DDL service against the Glue catalog, and UNLOAD
around the engine's query; everything else goes to the engine. The same split here keeps those
statements identical whichever engine is selected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import hive
from .ddl import HiveDdl
from .errors import QueryFailed
from .s3io import AwsConfig, S3Io
from .unload import is_unload, parse_unload


class AthenaLayer:
    def __init__(self, engine: Any, aws: AwsConfig):
        self.engine = engine
        self.aws = aws
        self.glue = aws.client("glue")
        self.ddl = HiveDdl(self.glue, S3Io(aws))

    def execute(self, req: Any, on_connection: Callable[[Any], None]) -> Any:
        from .engine import Outcome

        if hive.is_hive_statement(req.sql):
            if req.parameters:
                raise QueryFailed(
                    "INVALID_PARAMETER_USAGE: Execution parameters are not supported in DDL statements"
                )
            return Outcome(self.ddl.execute(req.sql, req.database), 0)
        if is_unload(req.sql):
            spec = parse_unload(req.sql)
            unload = getattr(self.engine, "unload", None)
            if unload is None:
                raise QueryFailed("NOT_SUPPORTED: UNLOAD is not supported by this local Athena engine")
            return unload(req, spec, on_connection)
        return self.engine.execute(req, on_connection)
