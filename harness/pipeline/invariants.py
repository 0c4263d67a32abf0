"""The invariants every run of the pipeline keeps (docs/design.md, 'Invariants'), checked on its counts.

Counts come as a mapping with some of these keys:

- served, unique: records the API returned (repeats included) and distinct records among them;
- distinct_valid: distinct valid event ids served (the run knows it) or found in Bronze (`make verify`);
- bronze, quarantined, silver, silver_ids, gold_rows, gold_events: what the lake holds for the day;
- groups: distinct (ingest_dt, event_type, repo_name) of the day's valid events;
- gold_built: False for a day whose Gold has not been built yet (its Gold invariants do not apply).

An invariant is checked only when the counts hold every key it needs, so each caller checks all it can.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.errors import HarnessError


@dataclass(frozen=True)
class Invariant:
    name: str
    needs: tuple[str, ...]
    holds: Callable[[Mapping[str, int]], bool]
    gold: bool = False  # about Gold: skipped for a day whose Gold is not built


INVARIANTS: tuple[Invariant, ...] = (
    # Bronze is at-least-once: a repeat older than the ingest's memory of seen ids lands again.
    Invariant(
        "bronze + quarantined >= unique",
        ("bronze", "quarantined", "unique"),
        lambda c: c["bronze"] + c["quarantined"] >= c["unique"],
    ),
    Invariant(
        "silver == distinct valid ids",
        ("silver", "distinct_valid"),
        lambda c: c["silver"] == c["distinct_valid"],
    ),
    Invariant(
        "silver rows have distinct ids", ("silver", "silver_ids"), lambda c: c["silver"] == c["silver_ids"]
    ),
    Invariant(
        "gold_events == silver",
        ("gold_events", "silver"),
        lambda c: c["gold_events"] == c["silver"],
        gold=True,
    ),
    Invariant(
        "gold_rows == distinct (ingest_dt, event_type, repo_name)",
        ("gold_rows", "groups"),
        lambda c: c["gold_rows"] == c["groups"],
        gold=True,
    ),
)


class InvariantBroken(HarnessError):
    """The lake's counts break an invariant: a defect in the pipeline, not in the input."""


def broken(counts: Mapping[str, Any]) -> list[str]:
    """The names of the invariants these counts break, each with the figures that break it."""
    found = []
    for inv in INVARIANTS:
        if inv.gold and counts.get("gold_built") is False:
            continue
        if not all(isinstance(counts.get(k), int) for k in inv.needs):
            continue
        if not inv.holds(counts):
            figures = ", ".join(f"{k} {counts[k]}" for k in inv.needs)
            found.append(f"{inv.name} ({figures})")
    return found


def require(counts: Mapping[str, Any], where: str = "") -> None:
    """InvariantBroken naming every broken invariant, when any is."""
    found = broken(counts)
    if found:
        at = f" on {where}" if where else ""
        raise InvariantBroken(f"invariant broken{at}: {'; '.join(found)}")
