"""Where Athena engine v3 documents behaviour of its own, on top of Trino: applied before either engine.

Athena runs Trino, but not all of it: some statements and constructs are refused by Athena itself (its
documentation lists them; docs/fidelity.md links each source). The local Athena applies these rules to
every statement before handing it to its engine (DuckDB or Trino), so both refuse what Athena refuses,
with Athena's error. Statements sqlglot cannot parse are left to the engine: a rule never guesses.
The rules only read the trees they parse: the engine's parse of the same text takes them next
(sql.parse_to_read), so a rule that changed one would change the statement the engine runs.
"""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from .errors import QueryFailed
from .sql import parse_to_read

MAX_FUNCTION_ARGUMENTS = 127  # "Functions cannot take more than 127 parameters" (engine v3 limitations)

# Statements Athena refuses whatever the engine ("Considerations and limitations for SQL queries").
_REFUSED_STATEMENTS = (
    (re.compile(r"^\s*CREATE\s+TABLE\s+\S+\s+\(?\s*LIKE\b", re.I), "CREATE TABLE LIKE"),
    (re.compile(r"^\s*DESCRIBE\s+(INPUT|OUTPUT)\b", re.I), "DESCRIBE INPUT and DESCRIBE OUTPUT"),
    (re.compile(r"^\s*CALL\b", re.I), "Stored procedures (CALL)"),
)
_ROW_LEVEL = re.compile(r"^\s*(UPDATE|DELETE|MERGE)\b", re.I)


def _strip_comments(sql: str) -> str:
    return re.sub(r"^(\s|--[^\n]*\n|/\*.*?\*/)+", "", sql, flags=re.S)


def check(sql: str) -> None:
    """Raises QueryFailed, as Athena would, for a statement Athena itself refuses."""
    text = _strip_comments(sql)
    for pattern, what in _REFUSED_STATEMENTS:
        if pattern.match(text):
            raise QueryFailed(f"NOT_SUPPORTED: {what} is not supported by Athena")
    if _ROW_LEVEL.match(text):
        # Athena's row-level statements need Iceberg (transactional) tables; this stack has none.
        raise QueryFailed(
            "NOT_SUPPORTED: Modifying Hive table rows is only supported for transactional tables"
        )
    try:
        statements = parse_to_read(sql)  # with its comments: the engine parses the same text next
    except (ParseError, TokenError):
        return
    for ast in statements:
        if ast is not None:
            _check_tree(ast)


def _check_tree(ast: exp.Expression) -> None:
    if isinstance(ast, exp.Create) and isinstance(ast.expression, exp.Query):
        for column in ast.expression.selects:
            if isinstance(column.unalias(), exp.Uuid):  # engine v3's uuid() has no Hive column type
                raise QueryFailed("NOT_SUPPORTED: Unsupported Hive type: uuid")
    for node in ast.walk():
        if isinstance(node, exp.Func) and not isinstance(node, exp.Cast | exp.Bracket):
            args = [a for a in node.iter_expressions() if not isinstance(a, exp.DataType)]
            if isinstance(node, exp.Anonymous):
                args = list(node.expressions)
            if len(args) > MAX_FUNCTION_ARGUMENTS:
                name = node.sql_name().lower() if not isinstance(node, exp.Anonymous) else node.name
                raise QueryFailed(f"TOO_MANY_ARGUMENTS: Too many arguments for function call {name}()")
        if isinstance(node, exp.Concat) and len(node.expressions) < 2:
            raise QueryFailed("INVALID_FUNCTION_ARGUMENT: There must be two or more concatenation arguments")
        if isinstance(node, exp.Identifier) and node.quoted and node.name == "":
            raise QueryFailed("SYNTAX_ERROR: Zero-length delimited identifier not allowed")
