"""CREATE [OR REPLACE] VIEW and DROP VIEW on the DuckDB engine, stored in Athena's view format."""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING

from sqlglot import exp

from . import sql as sqlmod
from .errors import QueryFailed
from .results import ResultSet
from .types import hive_type_of, trino_type_text
from .views import CATALOG, is_view, view_table_input

if TYPE_CHECKING:
    from .engine import Outcome, _Session

_VIEW_HEAD = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(?:\"[^\"]*\"|[\w$]+)(?:\s*\.\s*(?:\"[^\"]*\"|[\w$]+))*\s+AS\s+",
    re.I | re.S,
)


def _target(session: _Session, table: exp.Table) -> tuple[str, str]:
    db = (table.db or session.req.database or "").lower()
    if not db:
        raise QueryFailed(f"SCHEMA_NOT_FOUND: line 1:1: Schema must be specified for view '{table.name}'")
    return db, table.name.lower()


def create_view(session: _Session, ast: exp.Create, text: str) -> Outcome:
    from .engine import Outcome

    target = ast.this.this if isinstance(ast.this, exp.Schema) else ast.this
    db, name = _target(session, target)
    query = ast.expression
    if not isinstance(query, exp.Query):
        raise QueryFailed("SYNTAX_ERROR: line 1:1: CREATE VIEW needs AS <query>")
    select = sqlmod.leftmost_select(query)
    for i, projection in enumerate(select.expressions if select else []):
        if not isinstance(projection, exp.Alias | exp.Column | exp.Star | exp.Dot) and not projection.find(
            exp.Star
        ):
            raise QueryFailed(f"MISSING_COLUMN_NAME: line 1:1: Column name not specified at position {i + 1}")
    if not session.catalog.database_exists(db):
        raise QueryFailed(f"SCHEMA_NOT_FOUND: line 1:1: Schema '{db}' does not exist")
    glue = session.catalog.glue
    existing = None
    with contextlib.suppress(glue.exceptions.EntityNotFoundException):
        existing = glue.get_table(DatabaseName=db, Name=name)["Table"]
    if existing is not None and not is_view(existing):
        raise QueryFailed(f"TABLE_ALREADY_EXISTS: line 1:1: Table '{CATALOG}.{db}.{name}' already exists")
    if existing is not None and not ast.args.get("replace"):
        raise QueryFailed(f"TABLE_ALREADY_EXISTS: line 1:1: View '{CATALOG}.{db}.{name}' already exists")
    m = _VIEW_HEAD.match(text)
    original = text[m.end() :].strip().rstrip(";").strip() if m else query.sql(dialect=sqlmod.READ)
    probe = query.copy()
    sqlmod.name_outputs(probe)
    _, names, types = session._query_relation(probe)
    columns = [(n.lower(), trino_type_text(t), hive_type_of(t)) for n, t in zip(names, types, strict=True)]
    table_input = view_table_input(name, original, db, columns)
    if existing is not None:
        glue.update_table(DatabaseName=db, TableInput=table_input)
    else:
        glue.create_table(DatabaseName=db, TableInput=table_input)
    return Outcome(ResultSet([], [], header=False), 0)


def drop_view(session: _Session, ast: exp.Drop) -> Outcome:
    from .engine import Outcome

    target = ast.find(exp.Table)
    if target is None:
        raise QueryFailed("SYNTAX_ERROR: line 1:1: DROP VIEW needs a view name")
    db, name = _target(session, target)
    glue = session.catalog.glue
    try:
        table = glue.get_table(DatabaseName=db, Name=name)["Table"]
    except glue.exceptions.EntityNotFoundException:
        if ast.args.get("exists"):
            return Outcome(ResultSet([], [], header=False), 0)
        raise QueryFailed(f"TABLE_NOT_FOUND: line 1:1: View '{CATALOG}.{db}.{name}' does not exist") from None
    if not is_view(table):
        raise QueryFailed(f"TABLE_NOT_FOUND: line 1:1: View '{CATALOG}.{db}.{name}' does not exist")
    glue.delete_table(DatabaseName=db, Name=name)
    return Outcome(ResultSet([], [], header=False), 0)
