"""The local Athena's Trino engine: the same interface as the DuckDB `Engine`, statements run by Trino.

Athena engine v3 is Trino: queries (SELECT, WITH, VALUES, EXPLAIN), INSERT INTO and CREATE TABLE AS go
to a single-node Trino whose catalog `awsdatacatalog` is the local AWS's Glue and S3. Everything Athena
itself handles outside Trino (Hive DDL, SHOW/DESCRIBE, DROP, ...) stays with the Athena layer, the
DuckDB engine's statement handlers, so both engines answer those alike.

A Trino that dies mid-query (crash, out of memory) fails that query with a clear reason and is
restarted, so the next query runs.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

from ..engine import Engine, Outcome, QueryRequest, classify
from ..errors import DATA_ERROR, INTERNAL_ERROR, SYSTEM, USER, USER_ERROR, QueryFailed
from ..results import ResultSet
from ..s3io import AwsConfig, S3Io, S3Object, split_uri
from ..types import ROWS_COLUMN
from . import client
from .results import build
from .server import CATALOG, TrinoServer, TrinoStartError

# Statements Athena runs on its Trino engine; the rest are Athena's own (DDL, metadata, utility).
TRINO_SUBSTATEMENTS = {"SELECT", "INSERT", "CREATE_TABLE_AS_SELECT", "EXPLAIN"}
# Trino error names that Athena reports as data errors (bad values rather than bad SQL).
DATA_ERRORS = {
    "INVALID_CAST_ARGUMENT",
    "INVALID_FUNCTION_ARGUMENT",
    "NUMERIC_VALUE_OUT_OF_RANGE",
    "DIVISION_BY_ZERO",
    "INVALID_JSON_LITERAL",
    "HIVE_BAD_DATA",
    "HIVE_CURSOR_ERROR",
    "HIVE_INVALID_PARTITION_VALUE",
}
# How long a failed INSERT/CTAS waits for Trino to be done with it (await_rollback), polling.
ROLLBACK_DEADLINE = 30.0
ROLLBACK_POLL = 0.1
# Athena CTAS properties Trino's Hive connector spells differently or lacks.
_COMPRESSION_PROPS = ("write_compression", "parquet_compression", "orc_compression")


class _Handle(client.QueryHandle):
    pass


class TrinoEngine:
    """`execute(QueryRequest, on_connection) -> Outcome`, like `Engine`; `close()` stops Trino."""

    name = "trino"

    def __init__(self, aws: AwsConfig, threads: int | None = None, server: TrinoServer | None = None):
        self.aws = aws
        self.s3 = S3Io(aws)
        self.athena_layer = Engine(aws, threads=threads)  # Athena's own statements (DDL, DROP, ...)
        self.catalog = self.athena_layer.catalog
        self.server = server or TrinoServer(
            aws.endpoint, region=aws.region, access_key=aws.access_key, secret_key=aws.secret_key
        )
        self._owns_server = server is None
        self._start_lock = threading.Lock()
        if self._owns_server:
            self.server.start()  # in the background: the JVM warms up while the caller does other work

    def close(self) -> None:
        if self._owns_server:
            self.server.stop()

    # --- dispatch ------------------------------------------------------------------------------------

    def execute(self, req: QueryRequest, on_connection: Callable[[Any], None]) -> Outcome:
        _stype, sub = classify(req.sql)
        if sub not in TRINO_SUBSTATEMENTS:
            return self.athena_layer.execute(req, on_connection)
        handle = _Handle()
        on_connection(handle)  # before waiting for Trino: a stop while it starts must still cancel
        self._ready()
        if handle.cancelled.is_set():
            raise QueryFailed("Query cancelled by user", state="CANCELLED")
        sql, session, location = req.sql, {}, None
        if sub == "CREATE_TABLE_AS_SELECT":
            sql, session, location = self._ctas(req)
        prepared: dict[str, str] = {}
        if req.parameters:
            prepared = {"athena_query": sql}
            sql = "EXECUTE athena_query USING " + ", ".join(req.parameters)
        cut_off = threading.Event()

        def watch(stats: dict[str, Any]) -> None:
            if req.bytes_cutoff and int(stats.get("physicalInputBytes") or 0) > req.bytes_cutoff:
                cut_off.set()
                handle.interrupt()

        try:
            res = _execute_once_nodes_registered(
                lambda: client.execute(
                    self.server.url,
                    sql,
                    catalog=CATALOG,
                    schema=req.database,
                    session=session,
                    prepared=prepared,
                    handle=handle,
                    on_stats=watch,
                )
            )
        except client.TrinoQueryError as e:
            if sub in ("INSERT", "CREATE_TABLE_AS_SELECT") and e.query_id:
                self._await_rollback(req, e.query_id, location)
            if cut_off.is_set():
                raise QueryFailed(
                    "Query cancelled! : Bytes scanned limit was exceeded", state="CANCELLED"
                ) from None
            if handle.cancelled.is_set():
                raise QueryFailed("Query cancelled by user", state="CANCELLED") from None
            raise translate(e) from None
        except client.TrinoUnreachable as e:
            raise self._engine_lost(e) from None
        scanned = int(res.stats.get("physicalInputBytes") or 0)
        if req.bytes_cutoff and scanned > req.bytes_cutoff:  # finished between two looks at its stats
            raise QueryFailed("Query cancelled! : Bytes scanned limit was exceeded", state="CANCELLED")
        if res.update_type is not None and sub in ("INSERT", "CREATE_TABLE_AS_SELECT"):
            files = self._written_files(req, sub, res.query_id, location)
            return _write_outcome(res.update_count or 0, files, scanned)
        if sub == "EXPLAIN" or res.columns:
            return Outcome(build(res.columns, res.rows), scanned)
        return Outcome(ResultSet([], [], header=False), scanned)

    # --- the server's health -------------------------------------------------------------------------

    def _ready(self) -> None:
        with self._start_lock:
            try:
                if self.server.ensure_running():
                    pass  # it had died since the last query: a fresh JVM, waited for below
                self.server.wait_ready()
            except TrinoStartError as e:
                raise QueryFailed(
                    f"GENERIC_INTERNAL_ERROR: the local Athena's Trino engine is not available: {e}",
                    category=SYSTEM,
                    error_type=INTERNAL_ERROR,
                    retryable=True,
                ) from None

    def _engine_lost(self, e: client.TrinoUnreachable) -> QueryFailed:
        code = self.server.wait_exit(5)  # a dropped connection comes a moment before the exit status
        if code is None:
            why = f"the Trino engine stopped answering ({e}); retry the query"
        else:
            oom = " (out of memory)" if code == 3 else ""
            why = (
                f"the Trino engine process exited{oom} with code {code} during the query; "
                "it has been restarted, retry the query"
            )
            self.server.ensure_running()  # restart now so the next query finds it warming up
        return QueryFailed(
            f"GENERIC_INTERNAL_ERROR: {why}. Trino log: {self.server.log_path}",
            category=SYSTEM,
            error_type=INTERNAL_ERROR,
            retryable=True,
        )

    # --- CREATE TABLE AS -----------------------------------------------------------------------------

    def _ctas(self, req: QueryRequest) -> tuple[str, dict[str, str], str]:
        """Athena's CTAS in Trino's dialect: its default location and compression property mapped."""
        m = _CTAS_HEAD.match(req.sql)
        if m is None:
            raise QueryFailed("SYNTAX_ERROR: line 1:1: cannot read this CREATE TABLE AS statement")
        props_text, rest = _with_clause(req.sql, m.end())
        props = _split_props(props_text) if props_text is not None else []
        session: dict[str, str] = {}
        kept = []
        location = None
        for key, value in props:
            k = key.lower()
            if k in _COMPRESSION_PROPS:
                session[f"{CATALOG}.compression_codec"] = value.strip().strip("'").upper()
            elif k == "external_location":
                location = value.strip().strip("'")
                kept.append(f"{key} = {value}")
            else:
                kept.append(f"{key} = {value}")
        if location is None:
            if not req.output_location:
                raise QueryFailed(
                    "INVALID_TABLE_PROPERTY: external_location is required without a result location"
                )
            location = f"{req.output_location}tables/{req.query_id}/"
            kept.append(f"external_location = '{location}'")
        if not any(k.lower() == "format" for k, _ in props):
            kept.append("format = 'PARQUET'")  # Athena's CTAS default
        if self.s3.has_objects(location):
            raise QueryFailed(
                f"HIVE_PATH_ALREADY_EXISTS: Target directory for table '{m.group('name')}' already exists: "
                + location
            )
        sql = f"{req.sql[: m.end()]} WITH ({', '.join(kept)}) {rest}"
        return sql, session, location

    def _write_location(self, req: QueryRequest, location: str | None) -> str | None:
        """Where an INSERT/CTAS writes: the CTAS's location, else the INSERT's table's (None: unknown)."""
        if location is not None:
            return location
        target = _INSERT_TARGET.match(req.sql)
        if target is None:
            return None
        parts = [p.strip('"').lower() for p in target.group("name").split(".")]
        db, name = (parts[-2], parts[-1]) if len(parts) >= 2 else (req.database or "", parts[-1])
        try:
            return self.catalog.get_table(db, name).location
        except QueryFailed:
            return None

    def _written_files(
        self, req: QueryRequest, sub: str, trino_query_id: str, location: str | None
    ) -> list[str]:
        """The data files this query wrote (the manifest Athena puts next to an INSERT/CTAS result)."""
        where = self._write_location(req, location)
        return [] if where is None else [f.uri for f in query_files(self.s3, where, trino_query_id)]

    def _await_rollback(self, req: QueryRequest, trino_query_id: str, location: str | None) -> None:
        where = self._write_location(req, location)
        if where is None:
            return
        url = self.server.url

        def final() -> bool:  # a JVM that has exited writes nothing more either
            return client.query_final(url, trino_query_id) or not self.server.alive()

        await_rollback(self.s3, where, trino_query_id, final)


# Statements may open with comments (the handlers' SQL files do), as Athena accepts.
_LEADING = r"^(?:\s|--[^\n]*(?:\n|$)|/\*.*?\*/)*"
_CTAS_HEAD = re.compile(
    _LEADING + r"CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?(?P<name>[\w.\"`]+)\s*", flags=re.I | re.S
)
_INSERT_TARGET = re.compile(_LEADING + r"INSERT\s+INTO\s+(?P<name>[\w.\"`]+)", flags=re.I | re.S)


def _with_clause(sql: str, pos: int) -> tuple[str | None, str]:
    """The text inside `WITH ( ... )` at `pos` (None when absent) and the statement after it."""
    m = re.compile(r"WITH\s*\(", flags=re.I).match(sql, pos)
    if m is None:
        return None, sql[pos:]
    depth, i, quote = 1, m.end(), ""
    while i < len(sql) and depth:
        c = sql[i]
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        i += 1
    return sql[m.end() : i - 1], sql[i:]


def _split_props(text: str) -> list[tuple[str, str]]:
    out, depth, quote, start = [], 0, "", 0
    pieces = []
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "," and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
    pieces.append(text[start:])
    for piece in pieces:
        if piece.strip():
            key, _, value = piece.partition("=")
            out.append((key.strip(), value.strip()))
    return out


def query_files(s3: S3Io, location: str, trino_query_id: str) -> list[S3Object]:
    """The files one Trino query wrote under a location: Trino names each `<query id>_<uuid>`."""
    bucket, _prefix = split_uri(location)
    return [
        f
        for f in s3.list_files(location)
        if f.key.rsplit("/", 1)[-1].startswith(trino_query_id) and f.bucket == bucket
    ]


def await_rollback(
    s3: S3Io,
    location: str,
    trino_query_id: str,
    query_final: Callable[[], bool],
    deadline: float = ROLLBACK_DEADLINE,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """A failed INSERT/CTAS keeps nothing, as on Athena. But Trino reports a query FAILED (or CANCELLED)
    before it has finished with it: its aborted writers may still be closing files (each an S3 upload) and
    its rollback, run as the query's transaction is aborted, deletes them only afterwards. So the failure
    is reported once Trino says the query is final (every task terminated, so no writer of it is left;
    waited for `deadline` seconds at most), and whatever the query wrote that is still there then is
    deleted here: the end state Trino's rollback reaches (S3 deletes are idempotent, so racing it is
    harmless), without waiting for its asynchronous abort."""
    waited = 0.0
    while not query_final() and waited < deadline:
        sleep(ROLLBACK_POLL)
        waited += ROLLBACK_POLL
    left = query_files(s3, location, trino_query_id)
    if left:
        s3.delete_files([f.path for f in left])


def _write_outcome(rows: int, files: list[str], scanned: int) -> Outcome:
    info = [dict(ROWS_COLUMN)]
    return Outcome(ResultSet(info, [], header=False, update_count=rows), scanned, files)


def translate(e: client.TrinoQueryError) -> QueryFailed:
    """A Trino failure in Athena's words: `ERROR_NAME: message`, with Athena's category and type."""
    name, message = e.name, e.message
    reason = message if message.startswith(name) else f"{name}: {message}"
    if e.error_type in ("INTERNAL_ERROR", "EXTERNAL"):
        return QueryFailed(reason, category=SYSTEM, error_type=INTERNAL_ERROR)
    if name in DATA_ERRORS:
        return QueryFailed(reason, category=USER, error_type=DATA_ERROR)
    return QueryFailed(reason, category=USER, error_type=USER_ERROR)


def _execute_once_nodes_registered(run: Callable[[], Any], wait: float = 60.0) -> Any:
    """A freshly (re)started single-node Trino answers NO_NODES_AVAILABLE until its coordinator has
    registered itself as a worker, a few seconds after it reports started. Athena never says that: the
    statement is submitted again until the node is there (the query never ran, so nothing is repeated)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return run()
        except client.TrinoQueryError as e:
            if e.name != "NO_NODES_AVAILABLE" or time.monotonic() > deadline:
                raise
            time.sleep(0.5)
