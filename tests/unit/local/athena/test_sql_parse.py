"""A statement is parsed once: the trees Athena's rules read are handed, once, to the engine's parse of the
same text on the same thread; anything else parses afresh. Parameters are bound only where there are `?`."""

from __future__ import annotations

import contextlib
import threading

import pytest

from harness.local.athena import athena_rules, sql
from harness.local.athena.errors import QueryFailed

TEXT = "-- a note\nSELECT upper(x) AS u FROM t WHERE x = 'a'"


def test_the_trees_read_by_the_rules_are_the_engines_once() -> None:
    read = sql.parse_to_read(TEXT)
    assert sql.parse_statement(TEXT) is read[0]
    again = sql.parse_statement(TEXT)  # handed over once: the engine changes the tree it takes
    assert again is not read[0] and again == read[0]


def test_another_text_or_thread_parses_afresh() -> None:
    read = sql.parse_to_read(TEXT)
    other = TEXT.replace("'a'", "'b'")
    assert sql.parse_statement(other) == sql.parse_to_read(other)[0] != read[0]
    sql.parse_to_read(TEXT)
    taken: list[object] = []
    thread = threading.Thread(target=lambda: taken.append(sql.parse_statement(TEXT)))
    thread.start()
    thread.join()
    assert taken[0] is not read[0] and taken[0] == read[0]


def test_the_rules_read_the_text_the_engine_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[list[object]] = []
    monkeypatch.setattr(
        athena_rules, "parse_to_read", lambda text: read.append(sql.parse_to_read(text)) or read[-1]
    )
    athena_rules.check(TEXT)  # comments included: the same text the engine parses next
    assert sql.parse_statement(TEXT) is read[0][0]


def test_a_text_without_a_question_mark_binds_nothing_and_misses_nothing() -> None:
    assert sql.bind_parameters(TEXT, []) is TEXT
    assert sql.bind_parameters("SELECT ?", ["1"]) == "SELECT 1"
    with pytest.raises(QueryFailed, match="expected 1 but found 0"):
        sql.bind_parameters("SELECT ?", [])
    with pytest.raises(QueryFailed, match="expected 0 but found 1"):
        sql.bind_parameters("SELECT 1", ["1"])


def test_the_rules_leave_the_trees_they_hand_over_as_parsed() -> None:
    """The engine takes the trees the rules read (the rules only read them): over the corpus, what it takes
    equals a fresh parse of the text, whether the rules let the statement through or refuse it."""
    import sqlglot

    from harness.local.athena import fidelity

    # Every third statement (~170, every category): a rule that changed what it reads would change many.
    cases = [case for case in fidelity.load_corpus() if case.sql.strip()][::3]
    assert len(cases) > 150
    for case in cases:
        with contextlib.suppress(QueryFailed):
            athena_rules.check(case.sql)
        try:
            fresh = sqlglot.parse(case.sql, read=sql.READ)
        except (sqlglot.ParseError, sqlglot.TokenError):
            continue
        taken = sql._parsed(case.sql)
        assert taken == fresh, case.id
