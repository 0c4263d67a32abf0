"""What the Lambda zips rely on: stdlib + boto3 imports only, SQL beside the code, valid Trino SQL."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
import sqlglot
from lakehouse_common.athena import SQL_DIR, load_sql, placeholder_count

HANDLERS = Path(__file__).resolve().parents[3] / "handlers"
ALLOWED = set(sys.stdlib_module_names) | {"boto3", "botocore", "lakehouse_common", "__future__"}


def runtime_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", sorted(HANDLERS.rglob("*.py")), ids=lambda p: str(p.relative_to(HANDLERS)))
def test_handlers_import_only_stdlib_and_boto3(path):
    assert runtime_imports(path) - ALLOWED == set()


def test_the_import_check_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import requests\nfrom yaml import safe_load\nimport json\n")
    assert runtime_imports(bad) - ALLOWED == {"requests", "yaml"}


def test_each_function_module_has_a_handler():
    for name in ("ingest", "archive", "silver", "gold"):
        tree = ast.parse((HANDLERS / f"{name}.py").read_text())
        handler = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "handler")
        assert [a.arg for a in handler.args.args] == ["event", "context"]


def test_sql_lives_beside_lakehouse_common():
    assert SQL_DIR == HANDLERS / "sql"


@pytest.mark.parametrize("name,placeholders", [("silver_insert", 2), ("gold_daily_insert", 3)])
def test_sql_is_one_trino_insert_with_bound_parameters(name, placeholders):
    sql = load_sql(name)
    statements = sqlglot.parse(sql, read="trino")
    assert len(statements) == 1 and isinstance(statements[0], sqlglot.exp.Insert)
    assert placeholder_count(sql) == placeholders
    assert len(list(statements[0].find_all(sqlglot.exp.Placeholder))) == placeholders
    assert "{" not in sql  # nothing is formatted into the SQL
