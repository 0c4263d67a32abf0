"""One Athena statement through the DuckDB translation, as the engine runs it, for the translation tests.

A query (SELECT, VALUES, ...) runs on one connection kept per worker, with the macros it has needed so far:
a query leaves nothing behind on a connection, and opening one with the settings and macros costs more
than most of these statements. Anything else gets a connection of its own.
"""

from __future__ import annotations

import duckdb
from sqlglot import exp

from harness.local.athena import athena_rules, sql, translate
from harness.local.athena.errors import QueryFailed
from harness.local.athena.results import build

_shared: list[tuple[duckdb.DuckDBPyConnection, set[str]]] = []


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"threads": 1})  # a third cheaper to open than one thread per core
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET integer_division = true")
    return con


def _connection(query: bool) -> tuple[duckdb.DuckDBPyConnection, set[str]]:
    if not query:
        return _connect(), set()
    if not _shared:
        _shared.append((_connect(), set()))
    return _shared[0]


def run(query: str, *, result: bool) -> tuple[list[str], list[list[str | None]]]:
    """(ColumnInfo types, rows as Athena text) for one statement, or QueryFailed like the engine's;
    `result`: translated as a statement whose rows are the query's result (sql.to_duckdb)."""
    athena_rules.check(query)
    ast = sql.parse_statement(query)
    sql.name_outputs(ast)
    text = sql.to_duckdb(ast, result=result)
    con, macros = _connection(isinstance(ast, exp.Query))
    translate.install(con, text, macros)
    try:
        cur = con.execute(text)
    except duckdb.Error as e:
        raise QueryFailed(str(e).split("\n")[0].split("Error: ", 1)[-1]) from None
    desc = cur.description or []
    out = build([d[0] for d in desc], [d[1] for d in desc], cur.fetchall())
    return [str(c["Type"]) for c in out.column_info], out.rows
