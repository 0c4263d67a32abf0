"""Runs one Athena statement: Glue tables become DuckDB views over S3, results and writes go to S3."""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import duckdb
import pyarrow as pa
import pyarrow.dataset as pads
from sqlglot import exp

from . import partitions as parts_mod
from . import sql as sqlmod
from . import textserde, translate
from . import view_sql as views_sql
from . import views as views_mod
from . import writers as unload_mod
from .catalog import PARQUET_INPUT, PARQUET_OUTPUT, PARQUET_SERDE, GlueCatalog, TableDef
from .errors import DATA_ERROR, INTERNAL_ERROR, SYSTEM, USER_ERROR, QueryFailed, not_supported
from .information_schema import INFORMATION_SCHEMA, SCHEMA_TABLES, information_schema_rows
from .results import ResultSet, build
from .s3io import AwsConfig, S3Io, split_uri
from .types import (
    ROWS_COLUMN,
    HiveType,
    can_coerce,
    hive_to_trino_text,
    hive_type_of,
    parse_hive_type,
    trino_type_text,
    type_id,
)

ARROW_BATCH_ROWS = 64 * 1024
MAX_WRITTEN_PARTITIONS = 100  # Athena: CTAS, INSERT INTO and UNLOAD write at most 100 partitions


@dataclass
class QueryRequest:
    query_id: str
    sql: str
    parameters: list[str]
    database: str | None
    output_location: str | None  # folder, ends with '/'
    encryption: dict[str, str] | None
    bytes_cutoff: int | None = None


@dataclass
class Outcome:
    result: ResultSet
    data_scanned: int
    output_files: list[str] = field(default_factory=list)  # data files an INSERT/CTAS wrote
    planning_ms: int = 0  # resolving tables, views and partitions before the engine runs


def classify(sql: str) -> tuple[str, str]:
    """(StatementType, SubstatementType) from the leading keywords, as Athena reports on submission."""
    text = re.sub(r"^(\s|--[^\n]*\n|/\*.*?\*/)+", "", sql, flags=re.S).upper()
    words = text.split()
    first = words[0] if words else ""
    if first in ("SELECT", "WITH", "VALUES", "TABLE", "("):
        return "DML", "SELECT"
    if first == "INSERT":
        return "DML", "INSERT"
    if first in ("UPDATE", "DELETE", "MERGE"):
        return "DML", first
    if re.match(r"CREATE\s+(OR\s+REPLACE\s+)?VIEW\b", text):
        return "DDL", "CREATE_VIEW"
    if re.match(r"CREATE\s+TABLE\b", text) and re.search(r"\bAS\s*(\(\s*)?(SELECT|WITH|VALUES)\b", text):
        return "DDL", "CREATE_TABLE_AS_SELECT"
    if first in ("CREATE", "DROP", "ALTER", "MSCK"):
        return "DDL", f"{first}_{words[1] if len(words) > 1 else ''}".rstrip("_")
    if first in ("SHOW", "DESCRIBE", "EXPLAIN"):
        return "UTILITY", first
    return "DML", first or "UNKNOWN"


_CATALOG_OBJECTS = (
    "SELECT 'VIEW', view_name, temporary FROM duckdb_views() WHERE NOT internal"
    " UNION ALL SELECT 'TABLE', table_name, temporary FROM duckdb_tables()"
    " UNION ALL SELECT 'SEQUENCE', sequence_name, temporary FROM duckdb_sequences()"
)


class _Connection:
    """A DuckDB connection lent to one query at a time, with the translation macros defined on it.

    `interrupt()` (a cancelled query) reaches the connection only while its query holds it: once the
    query gave it back, a late cancel is a no-op, and a connection that was interrupted is never reused.
    """

    def __init__(self, threads: int):
        self.con = duckdb.connect(config={"threads": threads})
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET integer_division = true")  # Trino's integer / integer is integer
        # DuckDB caches file contents by path and modification time per database; S3's times have
        # one-second resolution, so a reused connection could read an object replaced within that second.
        self.con.execute("SET enable_external_file_cache = false")
        self.macros: set[str] = set()  # translation macros defined on this connection (fixed definitions)
        self._lock = threading.Lock()
        self._lent = False
        self.interrupted = False

    def lend(self) -> None:
        with self._lock:
            self._lent = True

    def interrupt(self) -> None:
        with self._lock:
            if self._lent:
                self.interrupted = True
                self.con.interrupt()

    def take_back(self) -> bool:
        """Ends the loan; True when the connection may serve another query."""
        with self._lock:
            self._lent = False
            return not self.interrupted

    def reset(self) -> bool:
        """Drops what a query left (its temporary views and tables); True when the catalog is then as a new
        connection's, apart from the translation macros (only `translate.install` defines any, each with
        one fixed definition). Anything else in it (a table or view that is not temporary, a sequence), a
        result left unfinished or an aborted transaction (both make these statements fail): False."""
        con = self.con
        objects = con.execute(_CATALOG_OBJECTS).fetchall()  # all: an unfinished result blocks the next
        if any(not temporary or kind == "SEQUENCE" for kind, _, temporary in objects):
            return False
        if objects:
            for kind, name, _ in sorted(objects, key=lambda o: o[0] != "VIEW"):  # views before tables
                con.execute(f"DROP {kind} temp.main.{_quote_ident(name)}")
            return con.execute(_CATALOG_OBJECTS).fetchall() == []
        return True

    def close(self) -> None:
        self.con.close()


class Engine:
    """Executes statements against the local AWS; one DuckDB connection per query at a time.

    Opening a DuckDB connection costs more CPU than a small query (~20-40 ms), so connections are kept
    for the next query, but only after a query that returned or failed as a query (QueryFailed), was
    never interrupted and left nothing `_Connection.reset` cannot drop; each query still registers its
    own S3 filesystem (its byte counter, its listing) and drops it at the end.
    """

    IDLE_CONNECTIONS = 4

    def __init__(self, aws: AwsConfig, threads: int | None = None):
        self.aws = aws
        self.s3 = S3Io(aws)
        self.catalog = GlueCatalog(aws.client("glue"))
        self.threads = threads or os.cpu_count() or 2
        self._idle: list[_Connection] = []
        self._idle_lock = threading.Lock()
        sqlmod.warm_up()
        # Receives each DuckDB statement a query runs (its views, then the query): for debugging and for
        # the benchmark, which replays them over local copies of the files as its ceiling.
        self.trace: Callable[[str], None] | None = None

    def execute(self, req: QueryRequest, on_connection: Callable[[Any], None]) -> Outcome:
        """Runs one statement; `on_connection` gets what a cancel interrupts (`.interrupt()`)."""
        with self._session(req, on_connection) as session:
            return session.run()

    def unload(self, req: QueryRequest, spec: Any, on_connection: Callable[[Any], None]) -> Outcome:
        """Athena's UNLOAD (parsed by the Athena layer): the query's rows written as files under TO."""
        with self._session(req, on_connection) as session:
            try:
                return unload_mod.run(session, spec)
            except duckdb.Error as e:
                raise session._duckdb_failure(e, spec.query) from None

    @contextlib.contextmanager
    def _session(self, req: QueryRequest, on_connection: Callable[[Any], None]) -> Iterator[_Session]:
        """A session for one statement; its connection may serve again after the statement returned or
        failed as a query (QueryFailed), if `reset` then finds it clean, never after anything else."""
        session = _Session(self, req)
        on_connection(session.connection)
        reuse = False
        try:
            yield session
            reuse = True
        except QueryFailed:
            reuse = True
            raise
        finally:
            session.close(reuse=reuse)

    def _connection(self) -> _Connection:
        with self._idle_lock:
            connection = self._idle.pop() if self._idle else None
        connection = connection or _Connection(self.threads)
        connection.lend()
        return connection

    def _give_back(self, connection: _Connection, reuse: bool) -> None:
        keep = connection.take_back() and reuse
        if keep:
            try:
                keep = connection.reset()
            except Exception:  # e.g. a result the query left unfinished: a new connection is certain
                keep = False
        if keep:
            with self._idle_lock:
                keep = len(self._idle) < self.IDLE_CONNECTIONS
                if keep:
                    self._idle.append(connection)
        if not keep:
            connection.close()

    def close(self) -> None:
        """Closes the idle connections."""
        with self._idle_lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


class _Session:
    def __init__(self, engine: Engine, req: QueryRequest):
        self.engine = engine
        self.req = req
        self.s3 = engine.s3
        self.catalog = engine.catalog
        self.scanned = 0
        self.cut_off = False
        self._lock = threading.Lock()
        self.connection = engine._connection()
        self.con = self.connection.con
        self._macros = self.connection.macros  # translation macros defined on this connection
        self.fs = self.s3.duckdb_filesystem(self._count)
        self.con.register_filesystem(self.fs)
        self._tables: dict[tuple[str, str], TableDef] = {}
        self._views = 0
        self._schema: dict[str, dict[str, str]] = {}  # view -> column -> DuckDB type, for the translation
        self.planning = 0.0  # seconds spent resolving tables, views and partitions
        self._view_depth = 0

    def close(self, reuse: bool = False) -> None:
        try:
            self.con.unregister_filesystem(self.fs.protocol[0])
        except Exception:
            reuse = False
        self.fs.close()
        self.engine._give_back(self.connection, reuse)

    def _translate(self, node: exp.Expression, result: bool = False) -> str:
        """DuckDB SQL for an Athena expression, with the macros it calls defined on this connection.

        `result`: the query's rows are the statement's result (not a view's, a CTAS's or an INSERT's).
        """
        text = sqlmod.to_duckdb(node, self._schema, result=result)
        translate.install(self.con, text, self._macros)
        return text

    def _run_sql(self, sql: str) -> duckdb.DuckDBPyConnection:
        if self.engine.trace is not None:
            self.engine.trace(sql)
        return self.con.execute(sql)

    def _count(self, n: int) -> None:
        with self._lock:
            self.scanned += n
            if self.req.bytes_cutoff and self.scanned > self.req.bytes_cutoff:
                self.cut_off = True
                raise OSError("bytes scanned limit exceeded")

    # --- dispatch ------------------------------------------------------------------------------------

    def run(self) -> Outcome:
        text = sqlmod.bind_parameters(self.req.sql, self.req.parameters)
        ast = sqlmod.parse_statement(text)
        translate.check_functions(text)
        try:
            if isinstance(ast, exp.Query):
                return self._select(ast)
            if isinstance(ast, exp.Insert):
                return self._insert(ast)
            if isinstance(ast, exp.Create) and ast.kind == "TABLE" and isinstance(ast.expression, exp.Query):
                return self._ctas(ast)
            if isinstance(ast, exp.Drop) and ast.kind == "TABLE":
                return self._drop(ast)
            if isinstance(ast, exp.Create) and ast.kind == "VIEW":
                return views_sql.create_view(self, ast, text)
            if isinstance(ast, exp.Drop) and ast.kind == "VIEW":
                return views_sql.drop_view(self, ast)
        except duckdb.Error as e:
            raise self._duckdb_failure(e, text) from None
        kind = (
            ast.key.upper() if not isinstance(ast, exp.Create | exp.Drop) else f"{ast.key.upper()} {ast.kind}"
        )
        raise not_supported(f"The statement {kind}")

    # --- reading tables ------------------------------------------------------------------------------

    def _table(self, database: str, name: str) -> TableDef:
        key = (database, name)
        if key not in self._tables:
            self._tables[key] = self.catalog.get_table(database, name)
        return self._tables[key]

    def _bind_tables(self, ast: exp.Expression, default_db: str | None = None) -> None:
        started = time.perf_counter()
        try:
            refs = sqlmod.table_refs(ast, default_db or self.req.database)
            for ref in refs:
                view = f"__la_t{self._views}"
                self._views += 1
                if ref.database == INFORMATION_SCHEMA:
                    self._information_schema(ref.name, view)
                else:
                    table = self._table(ref.database, ref.name)
                    if views_mod.is_view(table.raw):
                        self._expand_view(table, view)
                    else:
                        prune = self._pruner(ref, table)
                        partitions = parts_mod.resolve(table, self.catalog, self.s3, prune)
                        self._run_sql(
                            f'CREATE TEMP VIEW "{view}" AS {self._reader_sql(table, partitions, view)}'
                        )
                        columns = [*table.columns, *table.partition_keys]
                        self._schema[view] = {c.name: c.type.duckdb() for c in columns}
                sqlmod.replace_table(ref, view)
            sqlmod.strip_db_qualifiers(ast, refs)
        finally:
            if self._view_depth == 0:
                self.planning += time.perf_counter() - started

    def _expand_view(self, table: TableDef, view: str) -> None:
        """A stored (Presto-format) view read as its query, resolved in the view's own schema."""
        doc = views_mod.decode_view(table.raw)
        if self._view_depth >= 16:
            raise QueryFailed(f"VIEW_IS_RECURSIVE: View '{table.qualified}' is recursive")
        query = sqlmod.parse_statement(doc["originalSql"])
        self._view_depth += 1
        try:
            self._bind_tables(query, doc.get("schema") or table.database)
        finally:
            self._view_depth -= 1
        sqlmod.name_outputs(query)
        names = [c["name"] for c in doc.get("columns", [])]
        columns = f"({', '.join(_quote_ident(n) for n in names)})" if names else ""
        self._run_sql(f'CREATE TEMP VIEW "{view}"{columns} AS {self._translate(query)}')

    def _information_schema(self, name: str, view: str) -> None:
        rows = information_schema_rows(self.catalog.glue, name)
        spec = SCHEMA_TABLES[name]
        arrow = pa.table(
            {
                c: pa.array([r[i] for r in rows], type=pa.int64() if t == "BIGINT" else pa.string())
                for i, (c, t) in enumerate(spec)
            }
        )
        self.con.register(f"{view}_arrow", arrow)
        self.con.execute(f'CREATE TEMP TABLE "{view}" AS SELECT * FROM "{view}_arrow"')
        self.con.unregister(f"{view}_arrow")

    def _pruner(self, ref: sqlmod.TableRef, table: TableDef) -> parts_mod.Pruner | None:
        keys = table.partition_keys
        conjuncts = sqlmod.partition_conjuncts(ref, {k.name for k in keys}) if keys else []
        if not conjuncts:
            return None
        condition = self._translate(exp.and_(*conjuncts))

        def prune(candidates: list[tuple[str, ...]]) -> list[int]:
            data = {"__idx": list(range(len(candidates)))}
            for i in range(len(keys)):
                data[f"__v{i}"] = [c[i] for c in candidates]
            name = f"__la_parts{id(candidates)}"
            self.con.register(name, pa.table(data))
            casts = ", ".join(
                f'TRY_CAST("__v{i}" AS {k.type.duckdb()}) AS "{k.name}"' for i, k in enumerate(keys)
            )
            try:
                inner = f'SELECT __idx, {casts} FROM "{name}"'
                rows = self.con.execute(
                    f"SELECT __idx FROM ({inner}) WHERE {condition} ORDER BY __idx"
                ).fetchall()
                return [r[0] for r in rows]
            except duckdb.Error:
                return list(range(len(candidates)))  # a predicate the engine cannot pre-evaluate: read all
            finally:
                self.con.unregister(name)

        return prune

    def _reader_sql(self, table: TableDef, partitions: list[parts_mod.Partition], view: str) -> str:
        files = [f.uri for p in partitions for f in p.files]
        keys = table.partition_keys
        if not files:
            cols = [f'CAST(NULL AS {c.type.duckdb()}) AS "{c.name}"' for c in [*table.columns, *keys]]
            return f"SELECT {', '.join(cols)} WHERE false"
        multi = len(partitions) > 1 and bool(keys)
        # Text formats are read front to back: fetched whole, ahead of DuckDB, in file-list order.
        self.fs.add_files([f for p in partitions for f in p.files], table.format in ("json", "csv", "text"))
        source, data_cols = self._scan(table, files, with_filename=multi)
        if not keys:
            return f"SELECT {', '.join(data_cols)} FROM {source}"
        if not multi:
            values = partitions[0].values
            consts = [
                f'CAST({_sql_str(v)} AS {k.type.duckdb()}) AS "{k.name}"'
                for k, v in zip(keys, values, strict=True)
            ]
            return f"SELECT {', '.join(data_cols + consts)} FROM {source}"
        # Several partitions: each file's partition values come from a small lookup table.
        lookup = {"filename": [f.uri for p in partitions for f in p.files]}
        for i, k in enumerate(keys):
            lookup[k.name] = [p.values[i] for p in partitions for _ in p.files]
        name = f"{view}_partitions"
        self.con.register(f"{name}_arrow", pa.table(lookup))
        self.con.execute(f'CREATE TEMP TABLE "{name}" AS SELECT * FROM "{name}_arrow"')
        self.con.unregister(f"{name}_arrow")
        pcols = [f'CAST(p."{k.name}" AS {k.type.duckdb()}) AS "{k.name}"' for k in keys]
        data = ", ".join(f"d.{c}" if c.startswith('"') else c for c in data_cols)
        return f'SELECT {data}, {", ".join(pcols)} FROM {source} AS d JOIN "{name}" AS p USING (filename)'

    def _scan(self, table: TableDef, files: list[str], with_filename: bool) -> tuple[str, list[str]]:
        """The table function reading `files` and the select list giving the table's columns."""
        file_list = "[" + ", ".join(_sql_str(f) for f in files) + "]"
        fname = ", filename = true" if with_filename else ""
        fmt = table.format
        if fmt == "json":
            mapping = {
                k[len("mapping.") :].lower(): v
                for k, v in table.serde_params.items()
                if k.startswith("mapping.")
            }
            spec = ", ".join(
                f"{_sql_str(mapping.get(c.name, c.name))}: {_sql_str(c.type.duckdb())}" for c in table.columns
            )
            ignore = table.serde_params.get("ignore.malformed.json", "false").lower() == "true"
            source = (
                f"read_json({file_list}, format = 'newline_delimited', columns = {{{spec}}}, "
                f"ignore_errors = {str(ignore).lower()}, maximum_object_size = 134217728{fname})"
            )
            cols = [f'"{mapping.get(c.name, c.name)}" AS "{c.name}"' for c in table.columns]
            return source, cols
        if fmt == "parquet":
            source = f"read_parquet({file_list}, union_by_name = true{fname})"
            present = {r[0].lower() for r in self.con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
            cols = [
                f'CAST("{c.name}" AS {c.type.duckdb()}) AS "{c.name}"'
                if c.name in present
                else f'CAST(NULL AS {c.type.duckdb()}) AS "{c.name}"'
                for c in table.columns
            ]
            return source, cols
        if fmt == "text":
            # Hive's LazySimpleSerDe: each line read whole, split and typed in SQL (textserde).
            p = table.serde_params
            delim = _text_delimiter(table)
            null = p.get("serialization.null.format", "\\N")
            skip = int(table.parameters.get("skip.header.line.count", "0"))
            source = (
                f"read_csv({file_list}, columns = {{'__line': 'VARCHAR'}}, "
                f"delim = {_sql_str(textserde.LINE_DELIMITER)}, quote = '', escape = '', header = false, "
                f"skip = {skip}, auto_detect = false{fname})"
            )
            cols = textserde.select_list([(c.name, c.type) for c in table.columns], p, delim, null)
            return source, cols
        if fmt == "csv":
            p = table.serde_params
            delim, quote, escape, null = (
                p.get("separatorChar", ","),
                p.get("quoteChar", '"'),
                p.get("escapeChar", "\\"),
                "",
            )
            skip = int(table.parameters.get("skip.header.line.count", "0"))
            spec = ", ".join(f"{_sql_str(c.name)}: 'VARCHAR'" for c in table.columns)
            source = (
                f"read_csv({file_list}, columns = {{{spec}}}, delim = {_sql_str(delim)}, "
                f"quote = {_sql_str(quote)}, "
                f"escape = {_sql_str(escape)}, header = false, skip = {skip}, nullstr = {_sql_str(null)}, "
                f"auto_detect = false, null_padding = true{fname})"
            )
            # OpenCSVSerde gives NULL for a field that does not parse as the column's type.
            cols = [f'TRY_CAST("{c.name}" AS {c.type.duckdb()}) AS "{c.name}"' for c in table.columns]
            return source, cols
        raise not_supported(f"Reading table {table.qualified} stored with {fmt}")

    # --- statements ----------------------------------------------------------------------------------

    def _select(self, ast: exp.Query) -> Outcome:
        self._bind_tables(ast)
        sqlmod.name_outputs(ast)
        cur = self._run_sql(self._translate(ast, result=True))
        desc = cur.description or []
        rows = cur.fetchall()
        result = build([d[0] for d in desc], [d[1] for d in desc], rows)
        return Outcome(result, self.scanned, planning_ms=self.planning_ms)

    @property
    def planning_ms(self) -> int:
        return int(self.planning * 1000 + 0.999)

    def _query_relation(self, query: exp.Expression) -> tuple[str, list[str], list[Any]]:
        self._bind_tables(query)
        text = self._translate(query)
        rel = self.con.sql(text)
        return text, list(rel.columns), list(rel.types)

    def _insert(self, ast: exp.Insert) -> Outcome:
        target = ast.this
        column_list: list[str] | None = None
        if isinstance(target, exp.Schema):
            column_list = [c.name.lower() for c in target.expressions]
            target = target.this
        if not isinstance(target, exp.Table) or not isinstance(ast.expression, exp.Query | exp.Values):
            raise not_supported("This form of INSERT")
        db = (target.db or self.req.database or "").lower()
        table = self._table(db, target.name.lower())
        if table.format not in ("parquet", "text", "json"):
            raise not_supported(f"INSERT INTO a table stored as {table.format} ({table.qualified})")
        if views_mod.is_view(table.raw):
            raise QueryFailed(f"NOT_SUPPORTED: Inserting into views is not supported: {table.qualified}")
        text, _names, types = self._query_relation(ast.expression)
        all_cols = [*table.columns, *table.partition_keys]
        targets = [table.column(c) for c in column_list] if column_list else all_cols
        if any(c is None for c in targets):
            missing = next(n for n, c in zip(column_list or [], targets, strict=True) if c is None)
            raise QueryFailed(
                f"COLUMN_NOT_FOUND: Insert column name does not exist in target table: {missing}"
            )
        if len(types) != len(targets) or not all(
            can_coerce(t, c.type)
            for t, c in zip(types, targets, strict=True)  # type: ignore[union-attr]
        ):
            raise QueryFailed(
                "TYPE_MISMATCH: Insert query has mismatched column types: Table: ["
                + ", ".join(hive_to_trino_text(c.type) for c in targets)  # type: ignore[union-attr]
                + "], Query: ["
                + ", ".join(trino_type_text(t) for t in types)
                + "]"
            )
        aliases = ", ".join(f'"__c{i}"' for i in range(len(types)))
        given = {c.name: i for i, c in enumerate(targets)}  # type: ignore[union-attr]
        select = [
            f'CAST("__c{given[c.name]}" AS {c.type.duckdb()}) AS "{c.name}"'
            if c.name in given
            else f'CAST(NULL AS {c.type.duckdb()}) AS "{c.name}"'
            for c in all_cols
        ]
        final = f"SELECT {', '.join(select)} FROM ({text}) AS __q({aliases})"
        if table.format == "parquet":
            rows, files, written = self._write(table.location, table.partition_keys, final, table.parameters)
        else:
            rows, files, written = unload_mod.write_text(
                self,
                table.location,
                [k.name for k in table.partition_keys],
                final,
                "JSON" if table.format == "json" else "TEXTFILE",
                (table.parameters.get("write.compression") or "GZIP").upper(),
                _text_delimiter(table),
            )
        if table.partition_keys and not table.projection_enabled and written:
            self.catalog.add_partitions(table, written)
        return self._write_outcome(rows, files)

    def _write(
        self,
        location: str,
        keys: list[Any],
        select_sql: str,
        params: dict[str, str],
        hive_layout: bool = False,
    ) -> tuple[int, list[str], list[tuple[list[str], str]]]:
        """Streams a query into Parquet under `location`, Hive-style; returns rows, files, partitions.

        `hive_layout` writes Parquet as Athena's UNLOAD does (Trino's Hive writer): timestamps as INT96,
        list elements named `array_element`."""
        bucket, prefix = split_uri(location if location.endswith("/") else location + "/")
        if self.engine.trace is not None:
            self.engine.trace(select_sql)
        reader = self.con.sql(select_sql).to_arrow_reader(ARROW_BATCH_ROWS)
        if hive_layout:
            reader = unload_mod.hive_parquet_layout(reader)
        written: list[tuple[str, int]] = []

        def visit(f: Any) -> None:
            written.append((f.path, f.metadata.num_rows if f.metadata is not None else 0))

        compression = (
            params.get("parquet.compression") or params.get("write.compression") or "snappy"
        ).lower()
        fmt = pads.ParquetFileFormat()
        partitioning = None
        if keys:
            schema = pa.schema([reader.schema.field(k.name) for k in keys])
            partitioning = pads.partitioning(schema, flavor="hive")
        pads.write_dataset(
            reader,
            base_dir=f"{bucket}/{prefix}".rstrip("/"),
            filesystem=self.s3.arrow_fs,
            format=fmt,
            file_options=fmt.make_write_options(
                compression=None if compression == "none" else compression,
                **(
                    {"use_deprecated_int96_timestamps": True, "use_compliant_nested_type": False}
                    if hive_layout
                    else {}
                ),
            ),
            partitioning=partitioning,
            basename_template=f"{self.req.query_id}_{{i}}",
            existing_data_behavior="overwrite_or_ignore",
            file_visitor=visit,
            create_dir=False,
            max_partitions=100_000,
        )
        files = [f"s3://{path}" for path, _ in written]
        partitions: dict[tuple[str, ...], str] = {}
        base = f"{bucket}/{prefix}"
        for path, _ in written:
            rel = path[len(base) :].split("/")[:-1]
            values = tuple(unquote(seg.split("=", 1)[1]) for seg in rel[: len(keys)]) if keys else ()
            if keys:
                partitions[values] = f"s3://{base}{'/'.join(rel[: len(keys)])}/"
        if len(partitions) > MAX_WRITTEN_PARTITIONS:
            # Athena's writer fails the query and keeps none of its output; the limit binds Trino alike.
            self.s3.delete_files([path for path, _ in written])
            raise QueryFailed(
                f"HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of {MAX_WRITTEN_PARTITIONS} open writers "
                f"for partitions/buckets (the query wrote {len(partitions)} partitions)"
            )
        return sum(n for _, n in written), files, [(list(v), loc) for v, loc in partitions.items()]

    def _write_outcome(self, rows: int, files: list[str]) -> Outcome:
        info = [dict(ROWS_COLUMN)]
        return Outcome(
            ResultSet(info, [], header=False, update_count=rows),
            self.scanned,
            files,
            planning_ms=self.planning_ms,
        )

    def _ctas(self, ast: exp.Create) -> Outcome:
        target = ast.this.this if isinstance(ast.this, exp.Schema) else ast.this
        db = (target.db or self.req.database or "").lower()
        name = target.name.lower()
        if not self.catalog.database_exists(db):
            raise QueryFailed(f"SCHEMA_NOT_FOUND: Schema '{db}' does not exist")
        if self.catalog.table_exists(db, name):
            if ast.args.get("exists"):
                return self._write_outcome(0, [])
            raise QueryFailed(f"TABLE_ALREADY_EXISTS: Table 'awsdatacatalog.{db}.{name}' already exists")
        props = _ctas_properties(ast)
        fmt = props.get("format", "parquet").lower()
        if fmt not in _CTAS_STORAGE:
            raise not_supported(f"CREATE TABLE AS with format '{fmt}'")
        compression = str(
            props.get("write_compression")
            or props.get("parquet_compression")
            or ("SNAPPY" if fmt == "parquet" else "GZIP")
        ).upper()
        delimiter = str(props.get("field_delimiter") or "\x01")
        if "bucketed_by" in props:
            raise not_supported("CREATE TABLE AS with bucketed_by")
        if not self.req.output_location and "external_location" not in props:
            raise QueryFailed(
                "INVALID_TABLE_PROPERTY: external_location is required without a result location"
            )
        location = props.get("external_location") or f"{self.req.output_location}tables/{self.req.query_id}/"
        location = location if location.endswith("/") else location + "/"
        if self.s3.has_objects(location):
            raise QueryFailed(
                f"HIVE_PATH_ALREADY_EXISTS: Target directory for table '{db}.{name}' already exists: "
                + location
            )
        text, names, types = self._query_relation(ast.expression)
        names = [n.lower() for n in names]
        partitioned_by = [p.lower() for p in props.get("partitioned_by", [])]
        if partitioned_by and names[-len(partitioned_by) :] != partitioned_by:
            raise QueryFailed(
                "HIVE_COLUMN_ORDER_MISMATCH: Partition keys must be the last columns in the table "
                "and in the same order as the table properties: " + str(partitioned_by)
            )
        for t in types:
            if type_id(t) == "timestamp with time zone":
                raise QueryFailed("NOT_SUPPORTED: Unsupported Hive type: timestamp(3) with time zone")
        hive_types = [hive_type_of(t) for t in types]
        cols = [(n, h) for n, h in zip(names, hive_types, strict=True)]
        data_cols = cols[: len(cols) - len(partitioned_by)]
        key_cols = cols[len(cols) - len(partitioned_by) :]
        in_fmt, out_fmt, serde = _CTAS_STORAGE[fmt]
        if fmt == "parquet":
            params = {"classification": "parquet", "EXTERNAL": "TRUE", "parquet.compression": compression}
            serde_params = {"serialization.format": "1"}
        else:
            params = {"classification": fmt.replace("textfile", "csv"), "EXTERNAL": "TRUE"}
            params["write.compression"] = compression
            serde_params = (
                {"field.delim": delimiter, "serialization.format": delimiter} if fmt == "textfile" else {}
            )
        table_input = {
            "Name": name,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": params,
            "PartitionKeys": [{"Name": n, "Type": h} for n, h in key_cols],
            "StorageDescriptor": {
                "Columns": [{"Name": n, "Type": h} for n, h in data_cols],
                "Location": location,
                "InputFormat": in_fmt,
                "OutputFormat": out_fmt,
                "SerdeInfo": {"SerializationLibrary": serde, "Parameters": serde_params},
            },
        }
        aliases = ", ".join(f'"__c{i}"' for i in range(len(names)))
        select = ", ".join(
            f'CAST("__c{i}" AS {parse_hive_type(h).duckdb()}) AS "{n}"' for i, (n, h) in enumerate(cols)
        )
        final = f"SELECT {select} FROM ({text}) AS __q({aliases})"
        key_defs = [HiveColumn(n, parse_hive_type(h)) for n, h in key_cols]
        if fmt == "parquet":
            rows, files, written = self._write(location, key_defs, final, params)
        else:
            rows, files, written = unload_mod.write_text(
                self, location, partitioned_by, final, fmt.upper(), compression, delimiter
            )
        self.catalog.create_table(db, table_input)
        if key_cols and written:
            self.catalog.add_partitions(self._table(db, name), written)
        return self._write_outcome(rows, files)

    def _drop(self, ast: exp.Drop) -> Outcome:
        target = ast.find(exp.Table)
        if target is None:
            raise not_supported("DROP without a table name")
        db = (target.db or self.req.database or "").lower()
        name = target.name.lower()
        if not self.catalog.table_exists(db, name):
            if ast.args.get("exists"):
                return Outcome(ResultSet([], [], header=False), 0)
            raise QueryFailed(f"SemanticException [Error 10001]: Table not found {db}.{name}")
        self.catalog.drop_table(db, name)
        return Outcome(ResultSet([], [], header=False), 0)

    # --- errors --------------------------------------------------------------------------------------

    def _duckdb_failure(self, e: duckdb.Error, sql: str) -> QueryFailed:
        if self.cut_off:
            return QueryFailed("Query cancelled! : Bytes scanned limit was exceeded", state="CANCELLED")
        if isinstance(e, duckdb.InterruptException):
            return QueryFailed("Query cancelled by user", state="CANCELLED")
        msg = str(e).split("\n")[0]
        msg = re.sub(r"^[A-Za-z ]+Error: ", "", msg)
        m = _RAISED.match(msg)
        if m:  # raised by a translation macro in Trino's words
            data = m.group(1) in ("INVALID_FUNCTION_ARGUMENT", "DIVISION_BY_ZERO")
            return QueryFailed(msg, error_type=DATA_ERROR if data else USER_ERROR)
        for pattern, name in _DUCKDB_ERROR_NAMES:
            if pattern.search(msg):
                return QueryFailed(
                    f"{name}: {msg}", error_type=DATA_ERROR if name != "TYPE_MISMATCH" else USER_ERROR
                )
        if msg.startswith("Division by zero"):
            return QueryFailed("DIVISION_BY_ZERO: Division by zero", error_type=DATA_ERROR)
        m = re.search(r'Referenced column "([^"]+)" not found|does not have a column named "([^"]+)"', msg)
        if m:
            col = m.group(1) or m.group(2)
            return QueryFailed(
                f"COLUMN_NOT_FOUND: line {_position(sql, col)}: Column '{col}' cannot be resolved"
            )
        m = re.search(r"(?:Scalar|Aggregate|Table) Function with name (\w+) does not exist", msg)
        if m:
            fn = m.group(1)
            return QueryFailed(
                f"FUNCTION_NOT_FOUND: line {_position(sql, fn)}: Function '{fn}' not registered "
                "(or not supported by the local Athena engine)"
            )
        if isinstance(e, duckdb.BinderException) and re.search(
            r"^(No function matches the given name and argument types '\w+\(|Cannot concatenate lists of)",
            msg,
        ):  # Trino: no function of that name takes these argument types (operators are TYPE_MISMATCH)
            return QueryFailed(f"FUNCTION_NOT_FOUND: line 1:1: Unexpected parameters: {msg}")
        if isinstance(e, duckdb.BinderException) and re.search(
            r"No function matches|explicit cast|Cannot compare|Cannot mix", msg
        ):
            return QueryFailed(f"TYPE_MISMATCH: line 1:1: {msg}")
        if isinstance(e, duckdb.ConversionException) and "out of range for the destination type" in msg:
            return QueryFailed(f"NUMERIC_VALUE_OUT_OF_RANGE: {msg}", error_type=DATA_ERROR)
        if isinstance(e, duckdb.ConversionException):
            return QueryFailed(f"INVALID_CAST_ARGUMENT: {msg}", error_type=DATA_ERROR)
        if isinstance(e, duckdb.OutOfRangeException):
            return QueryFailed(f"NUMERIC_VALUE_OUT_OF_RANGE: {msg}", error_type=DATA_ERROR)
        if "Malformed JSON" in msg or ("JSON" in msg and isinstance(e, duckdb.InvalidInputException)):
            return QueryFailed(
                f"HIVE_CURSOR_ERROR: Row is not a valid JSON Object - {msg}", error_type=DATA_ERROR
            )
        if isinstance(e, duckdb.ParserException):
            return not_supported(
                f"A construct in this query (DuckDB could not parse the transpiled SQL: {msg})"
            )
        if isinstance(e, duckdb.BinderException | duckdb.CatalogException):
            return QueryFailed(f"SYNTAX_ERROR: line 1:1: {msg}")
        return QueryFailed(f"GENERIC_INTERNAL_ERROR: {msg}", category=SYSTEM, error_type=INTERNAL_ERROR)


# DuckDB's messages for failures Trino reports under these names.
_DUCKDB_ERROR_NAMES = [
    (re.compile(p), name)
    for p, name in (
        (r"^Could not choose a best candidate function for the function call \"[-+*/%]", "TYPE_MISMATCH"),
        (r"^Could not convert string '.*' to (INT|BIGINT|DOUBLE|DECIMAL|BOOL)", "INVALID_CAST_ARGUMENT"),
        (r"^Type DOUBLE with value .* can't be cast", "INVALID_CAST_ARGUMENT"),
        (r"must appear in the GROUP BY clause", "EXPRESSION_NOT_AGGREGATE"),
        (r"^Referenced table \"[^\"]+\" not found", "COLUMN_NOT_FOUND"),
        (r"^ORDER term out of range", "INVALID_COLUMN_REFERENCE"),
        (r"^Could not find key \"[^\"]+\" in struct", "INVALID_COLUMN_REFERENCE"),
        (r"^Could not parse string \".*\" according to format specifier", "INVALID_FUNCTION_ARGUMENT"),
        (r"^Epoch seconds out of range", "INVALID_FUNCTION_ARGUMENT"),
        (r"^Invalid UTF8 Codepoint", "INVALID_FUNCTION_ARGUMENT"),
        (r"^Map keys must be unique", "INVALID_FUNCTION_ARGUMENT"),
        (
            r"^(missing \]|missing \)|invalid escape|bad repetition|invalid character class)",
            "INVALID_FUNCTION_ARGUMENT",
        ),
        (r"^TRY can not be used in combination with a volatile function", "NOT_SUPPORTED"),
        (r"^Unknown TimeZone '[+-]\d", "NOT_SUPPORTED"),  # a literal with an offset: DuckDB keeps no zone
    )
]

# Error names the translation macros raise with DuckDB's error(); they pass through as Athena's.
_RAISED = re.compile(r"^(NOT_SUPPORTED|INVALID_FUNCTION_ARGUMENT|DIVISION_BY_ZERO|INVALID_CAST_ARGUMENT): ")


@dataclass(frozen=True)
class HiveColumn:
    name: str
    type: HiveType


_TEXT = (
    "org.apache.hadoop.mapred.TextInputFormat",
    "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
)
# CTAS `format` -> (InputFormat, OutputFormat, SerDe) of the table Athena registers.
_CTAS_STORAGE = {
    "parquet": (PARQUET_INPUT, PARQUET_OUTPUT, PARQUET_SERDE),
    "textfile": (*_TEXT, "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"),
    "json": (*_TEXT, "org.apache.hive.hcatalog.data.JsonSerDe"),
}


def _text_delimiter(table: TableDef) -> str:
    p = table.serde_params
    delim = p.get("field.delim", p.get("serialization.format", "\x01"))
    return "\x01" if delim == "1" else delim


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _position(sql: str, word: str) -> str:
    m = re.search(r"\b" + re.escape(word) + r"\b", sql, flags=re.I)
    if not m:
        return "1:1"
    before = sql[: m.start()]
    return f"{before.count(chr(10)) + 1}:{m.start() - (before.rfind(chr(10)) + 1) + 1}"


def _ctas_properties(ast: exp.Create) -> dict[str, Any]:
    out: dict[str, Any] = {}
    props = ast.args.get("properties")
    for prop in props.expressions if props else []:
        if isinstance(prop, exp.FileFormatProperty):
            out["format"] = prop.this.name if isinstance(prop.this, exp.Literal) else prop.this.sql()
        elif isinstance(prop, exp.PartitionedByProperty):
            arr = prop.this
            out["partitioned_by"] = [
                e.name for e in (arr.expressions if isinstance(arr, exp.Array | exp.Schema) else [arr])
            ]
        elif isinstance(prop, exp.LocationProperty):
            out["external_location"] = prop.this.name
        elif isinstance(prop, exp.Property):
            key = prop.name.lower()
            value = prop.args.get("value")
            if isinstance(value, exp.Array):
                out[key] = [e.name for e in value.expressions]
            elif value is not None:
                out[key] = value.name
        else:
            raise not_supported(f"The table property {prop.sql(dialect=sqlmod.READ)}")
    return out
