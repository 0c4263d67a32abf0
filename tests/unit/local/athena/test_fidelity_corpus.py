"""No silent divergence: every corpus statement answers as the recorded Trino did, or fails loudly.

The oracle is tests/fidelity/trino_answers.json, written only by the fidelity runner from a real Trino
(`make fidelity TRINO_URL=... RECORD=1`), so this test needs no Trino. The local side runs each statement
through the local Athena's engine directly (no HTTP, no result files): the same translation and engine
the API uses, a few milliseconds per statement.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

import pytest

from harness.local.athena import athena_rules, fidelity
from harness.local.athena.engine import QueryRequest
from harness.local.athena.errors import QueryFailed
from harness.local.athena.server import LocalAthenaServer

GOLDEN = fidelity.load_golden()
BY_CATEGORY: dict[str, list[fidelity.Case]] = defaultdict(list)
for _case in fidelity.load_corpus():
    # DDL needs Athena's layer and a real database: the fidelity runner compares those end to end.
    if _case.category in fidelity.ATHENA_LAYER:
        continue
    if _case.id in GOLDEN and GOLDEN[_case.id][0] == _case.sql:
        BY_CATEGORY[_case.category].append(_case)


def local_answer(server: LocalAthenaServer, sql: str) -> fidelity.Answer:
    req = QueryRequest(uuid.uuid4().hex, sql, [], "default", None, None)
    try:
        athena_rules.check(sql)
        outcome = server.backend.engine.execute(req, lambda con: None)
    except QueryFailed as e:
        return fidelity.Answer(False, error=e.reason)
    result = outcome.result
    return fidelity.Answer(True, [str(c["Type"]) for c in result.column_info], result.rows)


def test_the_recorded_answers_come_from_trino() -> None:
    assert fidelity.golden_source().startswith("Trino "), "re-record with a real Trino (make fidelity)"
    assert sum(len(v) for v in BY_CATEGORY.values()) >= 300


@pytest.mark.parametrize("category", sorted(BY_CATEGORY))
def test_no_silent_divergence(athena_server: LocalAthenaServer, category: str) -> None:
    silent = []
    for case in BY_CATEGORY[category]:
        verdict = fidelity.compare(case, GOLDEN[case.id][1], local_answer(athena_server, case.sql))
        if verdict.kind == "silent":
            silent.append(f"{case.id}: {case.sql} -- {verdict.detail}")
    assert not silent, "\n".join(silent)


def test_compare_catches_each_kind_of_divergence() -> None:
    case = fidelity.Case("x:001", "x", "SELECT 1")
    ok = fidelity.Answer(True, ["integer"], [["1"]])
    assert fidelity.compare(case, ok, ok).kind == "identical"
    assert fidelity.compare(case, ok, fidelity.Answer(True, ["bigint"], [["1"]])).kind == "silent"
    assert fidelity.compare(case, ok, fidelity.Answer(True, ["integer"], [["2"]])).kind == "silent"
    failed = fidelity.Answer(False, error="INVALID_FUNCTION_ARGUMENT: no")
    assert fidelity.compare(case, failed, ok).kind == "silent"
    assert (
        fidelity.compare(case, ok, fidelity.Answer(False, error="NOT_SUPPORTED: x")).kind == "not_supported"
    )
    assert (
        fidelity.compare(case, failed, fidelity.Answer(False, error="TYPE_MISMATCH: y")).kind == "loud_error"
    )
    assert fidelity.compare(
        case, failed, fidelity.Answer(False, error="INVALID_FUNCTION_ARGUMENT: z")
    ).kind == ("identical")
    unordered = fidelity.Answer(True, ["integer"], [["2"], ["1"]])
    assert (
        fidelity.compare(case, fidelity.Answer(True, ["integer"], [["1"], ["2"]]), unordered).kind
        == "identical"
    )
    ordered = fidelity.Case("x:002", "x", "SELECT x FROM t ORDER BY x")
    assert (
        fidelity.compare(ordered, fidelity.Answer(True, ["integer"], [["1"], ["2"]]), unordered).kind
        == "silent"
    )


def test_corpus_files_parse_into_statements(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "demo.sql"  # type: ignore[operator]
    path.write_text("-- a note\nSELECT 1;\n\nSELECT\n  2;\n")
    cases = fidelity.load_corpus(tmp_path)  # type: ignore[arg-type]
    assert [(c.id, c.sql, c.note) for c in cases] == [
        ("demo:001", "SELECT 1", "a note"),
        ("demo:002", "SELECT\n  2", ""),
    ]
    path.write_text("SELECT 1")
    with pytest.raises(ValueError, match="no terminating"):
        fidelity.load_corpus(tmp_path)  # type: ignore[arg-type]


def test_recorded_answers_name_the_day_they_were_recorded() -> None:
    live = "Trino 476 behind the local Athena (its Trino engine, live)"
    assert fidelity.recorded_source(live, "2026-11-30").endswith("(its Trino engine, recorded 2026-11-30)")
    assert fidelity.recorded_source("Trino 476 over its REST protocol (live)", "2026-11-30").endswith(
        "(recorded 2026-11-30)"
    )
