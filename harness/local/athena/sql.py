"""Athena (Trino) SQL on sqlglot: parsing, parameter binding, table references, transpiling to DuckDB."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError, UnsupportedError
from sqlglot.tokens import TokenType

from . import translate
from .errors import QueryFailed

READ = "athena"
WRITE = "duckdb"


def warm_up() -> None:
    """Loads sqlglot's lazily imported dialect modules at startup rather than in the first query."""
    to_duckdb(parse_statement(bind_parameters("SELECT CAST(? AS timestamp) FROM t WHERE x = 1", ["'x'"])))


# The statements of the text last parsed for reading on this thread (`parse_to_read`), kept for the next
# `parse_statement` of the same text: Athena's rules read each statement just before the engine parses it.
_read = threading.local()


def parse_to_read(sql: str) -> list[exp.Expression | None]:
    """sqlglot's statements of `sql` (ParseError, TokenError as sqlglot raises them) for a caller that only
    reads them; the next `parse_statement` of the same text on this thread takes them instead of parsing
    again (parsing is a fixed cost of every statement, ~0.2-1 ms of CPU)."""
    _read.last = None
    statements = sqlglot.parse(sql, read=READ)
    _read.last = (sql, statements)
    return statements


def _parsed(sql: str) -> list[exp.Expression | None]:
    last = getattr(_read, "last", None)
    _read.last = None  # handed over once: the taker changes the trees
    if last is not None and last[0] == sql:
        return last[1]  # type: ignore[no-any-return]
    return sqlglot.parse(sql, read=READ)


def parse_statement(sql: str) -> exp.Expression:
    try:
        statements = [s for s in _parsed(sql) if s is not None]
    except ParseError as e:
        err = e.errors[0] if e.errors else {}
        line, col = err.get("line", 1), err.get("col", 1)
        desc = err.get("description") or str(e)
        raise QueryFailed(f"SYNTAX_ERROR: line {line}:{col}: {desc}") from None
    except TokenError as e:
        raise QueryFailed(f"SYNTAX_ERROR: line 1:1: {e}") from None
    if not statements:
        raise QueryFailed("SYNTAX_ERROR: line 1:1: mismatched input '<EOF>'. Expecting a statement")
    if len(statements) > 1:  # Trino's parser takes one statement and stops at the first ';'
        raise QueryFailed(f"SYNTAX_ERROR: line {_separator(sql)}: mismatched input ';'. Expecting: <EOF>")
    return statements[0]


def _separator(sql: str) -> str:
    """line:column of the ';' that ends the first of several statements."""
    tokens = sqlglot.Dialect.get_or_raise(READ).tokenize(sql)
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.SEMICOLON and any(
            t.token_type != TokenType.SEMICOLON for t in tokens[i + 1 :]
        ):
            return f"{tok.line}:{tok.col}"
    return "1:1"


def _safe_literal(text: str) -> str:
    """An ExecutionParameters value, accepted only if it is a single literal (so it cannot inject SQL)."""
    try:
        node = sqlglot.parse_one(text, read=READ)
    except (ParseError, TokenError):
        node = None
    inner = node.this if isinstance(node, exp.Neg) else node
    if isinstance(inner, exp.Cast) and isinstance(inner.this, exp.Literal) and inner.this.is_string:
        inner = inner.this  # typed literals: DATE '2024-01-01', TIMESTAMP '...'
    if not isinstance(inner, exp.Literal | exp.Boolean | exp.Null):
        raise QueryFailed(
            f"INVALID_PARAMETER_USAGE: Execution parameter {text!r} is not a literal "
            "(quote strings: 'value'; numbers, true/false, NULL, DATE '...' are accepted)"
        )
    return node.sql(dialect=READ)  # type: ignore[union-attr]


def bind_parameters(sql: str, params: list[str]) -> str:
    """Replaces each positional `?` with its parameter as a literal, by token position."""
    if not params and "?" not in sql:
        return sql  # no `?` token without a `?` in the text: nothing to bind, nothing missing
    tokens = sqlglot.Dialect.get_or_raise(READ).tokenize(sql)
    marks = [t for t in tokens if t.token_type == TokenType.PLACEHOLDER and sql[t.start : t.end + 1] == "?"]
    if len(marks) != len(params):
        raise QueryFailed(
            "INVALID_PARAMETER_USAGE: Incorrect number of parameters: "
            f"expected {len(marks)} but found {len(params)}"
        )
    out, last = [], 0
    for tok, value in zip(marks, params, strict=True):
        out.append(sql[last : tok.start])
        out.append(_safe_literal(value))
        last = tok.end + 1
    out.append(sql[last:])
    return "".join(out)


# --- table references -------------------------------------------------------------------------------


@dataclass
class TableRef:
    node: exp.Table
    database: str
    name: str
    alias: str  # how columns qualify it inside the query


def table_refs(ast: exp.Expression, default_db: str | None) -> list[TableRef]:
    """Catalog tables the query reads (CTE names and table functions excluded)."""
    cte_names = {cte.alias_or_name.lower() for cte in ast.find_all(exp.CTE)}
    refs: list[TableRef] = []
    for node in ast.find_all(exp.Table):
        if not isinstance(node.this, exp.Identifier):
            continue  # UNNEST(...), VALUES, table functions
        name = node.name.lower()
        db = node.db.lower() if node.db else None
        if db is None and name in cte_names:
            continue
        if node.catalog and node.catalog.lower() not in ("awsdatacatalog",):
            raise QueryFailed(f"CATALOG_NOT_FOUND: Catalog '{node.catalog}' does not exist")
        if db is None:
            if not default_db:
                raise QueryFailed(f"SCHEMA_NOT_FOUND: line 1:1: Schema must be specified for table '{name}'")
            db = default_db.lower()
        alias = node.alias.lower() if node.alias else name
        refs.append(TableRef(node, db, name, alias))
    return refs


def replace_table(ref: TableRef, view: str) -> None:
    """Points one table occurrence at the engine's view, keeping the name columns qualify it with."""
    ref.node.set("this", exp.to_identifier(view))
    ref.node.set("db", None)
    ref.node.set("catalog", None)
    if not ref.node.alias:
        ref.node.set("alias", exp.TableAlias(this=exp.to_identifier(ref.alias)))


def strip_db_qualifiers(ast: exp.Expression, refs: list[TableRef]) -> None:
    """`db.table.col` must become `table.col` once `db.table` is a view."""
    names = {(r.database, r.alias) for r in refs}
    for col in ast.find_all(exp.Column):
        if col.args.get("db") and (col.db.lower(), col.table.lower()) in names:
            col.set("db", None)
            col.set("catalog", None)


def partition_conjuncts(ref: TableRef, keys: set[str]) -> list[exp.Expression]:
    """WHERE conjuncts next to this table that only involve its partition keys (for pruning)."""
    parent = ref.node.parent
    select = parent.parent if isinstance(parent, exp.From | exp.Join) else None
    if not isinstance(select, exp.Select) or not select.args.get("where"):
        return []
    if any(j.side or j.kind in ("FULL", "OUTER") for j in select.args.get("joins") or []):
        return []  # with outer joins a WHERE on the null-extended side is not a scan filter
    condition = select.args["where"].this
    out: list[exp.Expression] = []
    for conj in condition.flatten() if isinstance(condition, exp.And) else [condition]:
        if conj.find(exp.Select, exp.Subquery):
            continue
        columns = list(conj.find_all(exp.Column))
        if not columns:
            continue
        ok = all(c.name.lower() in keys and (not c.table or c.table.lower() == ref.alias) for c in columns)
        if ok:
            stripped = conj.copy()
            for c in stripped.find_all(exp.Column):
                c.set("table", None)
                c.set("db", None)
            out.append(stripped)
    return out


# --- output names and transpiling ---------------------------------------------------------------------


def leftmost_select(query: exp.Expression) -> exp.Select | None:
    node = query
    while isinstance(node, exp.SetOperation):
        node = node.this
    if isinstance(node, exp.Subquery):
        return leftmost_select(node.this)
    return node if isinstance(node, exp.Select) else None


def name_outputs(query: exp.Expression) -> None:
    """Trino names unnamed result columns `_col0`, `_col1`, ... by position; DuckDB uses the SQL text."""
    select = leftmost_select(query)
    if select is None:
        return
    named: list[exp.Expression] = []
    for i, projection in enumerate(select.expressions):
        if isinstance(projection, exp.Alias | exp.Column | exp.Star | exp.Dot) or projection.find(exp.Star):
            named.append(projection)
        else:
            named.append(exp.alias_(projection, f"_col{i}", quoted=True))
    select.set("expressions", named)


# Trino's json_extract_scalar paths: `$`, `.key`, `["key"]`, `[index]`; no wildcards, slices, `..`.
_SIMPLE_PATH = (exp.JSONPath, exp.JSONPathRoot, exp.JSONPathKey, exp.JSONPathSubscript)


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.JSONExtractScalar):
        path = node.expression
        if isinstance(path, exp.JSONPath) and not all(
            isinstance(part, _SIMPLE_PATH) and not isinstance(part.this, exp.Expression)
            for part in path.walk()
        ):
            # DuckDB would answer these with a list of matches; Trino rejects the path.
            try:
                text = path.sql(dialect=WRITE)
            except ValueError:  # sqlglot cannot render every path it parses (`$..a`)
                text = "(recursive descent)"
            raise QueryFailed(f"INVALID_FUNCTION_ARGUMENT: Invalid JSON path: {text}")
        path_sql = (
            path
            if not isinstance(path, exp.JSONPath)
            else exp.Literal.string(path.sql(dialect=WRITE).strip("'"))  # DuckDB spells `["a b"]` `."a b"`
        )
        return exp.Anonymous(this="__la_json_extract_scalar", expressions=[node.this, path_sql])
    if isinstance(node, exp.DataType) and node.this in (
        exp.DataType.Type.TIMESTAMP,
        exp.DataType.Type.TIMESTAMPTZ,
    ):
        # Trino's timestamp(p); DuckDB's TIMESTAMP is microseconds and takes no precision.
        return exp.DataType(this=node.this)
    return node


def to_duckdb(
    node: exp.Expression, schema: dict[str, dict[str, str]] | None = None, result: bool = False
) -> str:
    """DuckDB SQL with Trino's semantics; `schema` types the engine's views (view -> column -> type);
    `result`: the query's rows are the statement's result, rendered as Athena renders them."""
    tree = translate.translate(node.copy(), schema, result=result)
    try:  # `tree` is this call's own copy: rewritten and rendered in place, not copied twice more
        return tree.transform(_rewrite, copy=False).sql(
            dialect=WRITE, copy=False, unsupported_level=ErrorLevel.RAISE
        )
    except UnsupportedError as e:  # sqlglot would otherwise drop what DuckDB cannot say, silently
        raise QueryFailed(f"NOT_SUPPORTED: {e} (not supported by the local Athena engine)") from None
