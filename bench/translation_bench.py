"""What the typed translation costs per query: sqlglot's plain transpile against the local Athena's.

    .venv/bin/python bench/translation_bench.py [--repeat 30]

Statements: the project's Silver and Gold SQL (handlers/sql) over their tables' Glue types, and the
fidelity corpus's SELECTs. Reports medians in milliseconds; results go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from pathlib import Path

from sqlglot import exp

from harness.local.athena import fidelity, sql

ROOT = Path(__file__).resolve().parents[1]
SILVER_SCHEMA = {"e": {"id": "VARCHAR", "type": "VARCHAR", "payload": "VARCHAR", "created_at": "VARCHAR"}}


def plain(node: exp.Expression) -> str:
    """The transpile before the typed translation: sqlglot's rendering with the JSON/timestamp fixes."""
    return node.copy().transform(sql._rewrite).sql(dialect=sql.WRITE)


def median_ms(fn: object, node: exp.Expression, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn(node)  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    project = []
    for path in sorted((ROOT / "handlers" / "sql").glob("*.sql")):
        text = path.read_text().replace("${", "{")
        try:
            project.append((path.name, sql.parse_statement(text)))
        except Exception:  # a template the parser cannot read as is
            continue
    corpus = []
    for case in fidelity.load_corpus():
        if case.category in fidelity.ATHENA_LAYER:
            continue
        try:
            corpus.append(sql.parse_statement(case.sql))
        except Exception:  # statements that are syntax errors on purpose
            continue
    print("| statements | sqlglot transpile (ms, median) | typed translation (ms, median) |")
    print("|---|---:|---:|")
    for name, node in project:
        before = median_ms(_plain_safe, node, args.repeat)
        after = median_ms(lambda n: _safe(n), node, args.repeat)
        print(f"| {name} | {before:.2f} | {after:.2f} |")
    befores = [median_ms(_plain_safe, n, 5) for n in corpus]
    afters = [median_ms(lambda n: _safe(n), n, 5) for n in corpus]
    print(
        f"| fidelity corpus ({len(corpus)} SELECTs), median of medians | "
        f"{statistics.median(befores):.2f} | {statistics.median(afters):.2f} |"
    )


def _safe(node: exp.Expression) -> None:
    with contextlib.suppress(Exception):  # refusals (NOT_SUPPORTED) cost time too, and are counted
        sql.to_duckdb(node, SILVER_SCHEMA)


def _plain_safe(node: exp.Expression) -> None:
    with contextlib.suppress(Exception):
        plain(node)


if __name__ == "__main__":
    main()
