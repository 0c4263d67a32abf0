"""Athena's own layer in front of the query engine (DuckDB or Trino).

Athena runs Hive DDL, SHOW and DESCRIBE in its own DDL service against the Glue catalog, and UNLOAD
around the engine's query; everything else goes to the engine. The same split here keeps those
statements identical whichever engine is selected.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from typing import Any

from . import hive
from .ddl import HiveDdl
from .errors import QueryFailed
from .s3io import AwsConfig, S3Io
from .unload import Unload, is_unload, parse_unload

# Where UNLOAD's scratch tables live while an engine without its own UNLOAD writes the files.
SCRATCH_DATABASE = "local_athena_unload_scratch"


class AthenaLayer:
    def __init__(self, engine: Any, aws: AwsConfig):
        self.engine = engine
        self.aws = aws
        self.glue = aws.client("glue")
        # The engine's S3 client when it has one (an S3Io is stateless; making one costs ~40 ms of CPU).
        s3 = getattr(engine, "s3", None)
        self.ddl = HiveDdl(self.glue, s3 if isinstance(s3, S3Io) else S3Io(aws))

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
                return self._unload_through_ctas(req, spec, on_connection)
            return unload(req, spec, on_connection)
        return self.engine.execute(req, on_connection)

    def _unload_through_ctas(self, req: Any, spec: Unload, on_connection: Callable[[Any], None]) -> Any:
        """UNLOAD on an engine without its own writer (Trino has no UNLOAD): a CTAS into the target
        folder through a scratch table whose Glue entry is removed afterwards; the files stay."""
        if spec.format not in ("PARQUET", "ORC", "AVRO", "JSON", "TEXTFILE"):
            raise QueryFailed(f"INVALID_UNLOAD_PROPERTY: Unsupported format: {spec.format}")
        if not spec.partitioned_by and self.ddl.s3.has_objects(spec.location):
            raise QueryFailed(
                f"HIVE_PATH_ALREADY_EXISTS: Target directory for UNLOAD already exists: {spec.location}. "
                "UNLOAD requires an empty location."
            )
        with contextlib.suppress(self.glue.exceptions.AlreadyExistsException):
            self.glue.create_database(DatabaseInput={"Name": SCRATCH_DATABASE})
        table = f"unload_{req.query_id.replace('-', '_')}"
        props = [f"format = '{spec.format}'", f"external_location = '{spec.location}'"]
        if spec.compression:
            props.append(f"write_compression = '{spec.compression}'")
        if spec.field_delimiter is not None:
            props.append("field_delimiter = '" + spec.field_delimiter.replace("'", "''") + "'")
        if spec.partitioned_by:
            props.append("partitioned_by = ARRAY[" + ", ".join(f"'{k}'" for k in spec.partitioned_by) + "]")
        ctas = f'CREATE TABLE "{SCRATCH_DATABASE}"."{table}" WITH ({", ".join(props)}) AS {spec.query}'
        inner = dataclasses.replace(req, sql=ctas)
        try:
            return self.engine.execute(inner, on_connection)
        finally:
            with contextlib.suppress(self.glue.exceptions.EntityNotFoundException):
                self.glue.delete_table(DatabaseName=SCRATCH_DATABASE, Name=table)
