"""The invariants `lakehouse run` and `make verify` check, on counts that keep and break each of them.

The far-apart-repeats case runs the real ingest and Silver/Gold handlers in process (moto for S3, the
in-process Athena fake of the handler tests): Bronze is at-least-once, so a repeat older than the ingest's
memory of seen ids lands in Bronze again, and only Silver dedupes.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from harness.commands import verify
from harness.errors import HarnessError
from harness.pipeline import invariants

GOOD = {
    "served": 5300,
    "unique": 4700,
    "bronze": 4541,  # 41 repeats older than the ingest's memory landed again
    "quarantined": 200,
    "distinct_valid": 4500,
    "silver": 4500,
    "silver_ids": 4500,
    "gold_events": 4500,
    "gold_rows": 37,
    "groups": 37,
}


def test_real_shaped_counts_keep_every_invariant() -> None:
    assert invariants.broken(GOOD) == []
    invariants.require(GOOD)


@pytest.mark.parametrize(
    ("change", "name"),
    [
        ({"bronze": 4400}, "bronze + quarantined >= unique"),
        ({"silver": 4541, "silver_ids": 4541, "gold_events": 4541}, "silver == distinct valid ids"),
        ({"silver_ids": 4499}, "silver rows have distinct ids"),
        ({"gold_events": 4541}, "gold_events == silver"),
        ({"gold_rows": 38}, "gold_rows == distinct (ingest_dt, event_type, repo_name)"),
    ],
)
def test_each_broken_invariant_is_named(change: dict[str, int], name: str) -> None:
    counts = {**GOOD, **change}
    found = invariants.broken(counts)
    assert len(found) == 1 and found[0].startswith(f"{name} (")
    with pytest.raises(
        invariants.InvariantBroken, match=re.escape(f"invariant broken on 2025-01-01: {name}")
    ):
        invariants.require(counts, where="2025-01-01")


def test_only_what_the_counts_hold_is_checked_and_unbuilt_gold_is_skipped() -> None:
    assert invariants.broken({"silver": 3, "gold_events": 0, "gold_built": False}) == []
    assert invariants.broken({"silver": 3, "gold_events": 0}) == [
        "gold_events == silver (gold_events 0, silver 3)"
    ]
    assert invariants.broken({"served": 1}) == []


def test_verify_names_the_broken_invariant_and_its_day() -> None:
    rows: list[dict[str, Any]] = [
        {**GOOD, "ingest_dt": "2025-01-01", "scenario": "clean_day"},
        {**GOOD, "ingest_dt": "2025-01-02", "scenario": "reruns", "gold_events": 1},
    ]
    with pytest.raises(HarnessError, match=r"2025-01-02 \(reruns\): gold_events == silver"):
        verify.check_invariants(rows)
    verify.check_invariants(rows[:1])
