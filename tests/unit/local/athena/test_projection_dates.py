"""A date projection's values, remembered between queries, are exactly what enumerating afresh gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from harness.local.athena import partitions


def fresh(fmt: str, lo: datetime, hi: datetime, interval: int, unit: str) -> list[str]:
    return partitions.enumerate_dates(fmt, lo, hi, interval, unit, remember=False)


@pytest.mark.parametrize(
    ("fmt", "interval", "unit", "step"),
    [
        ("%Y-%m-%d", 1, "DAYS", timedelta(hours=7)),
        ("%Y/%m/%d/%H", 3, "HOURS", timedelta(minutes=50)),
        ("%Y-%m", 1, "MONTHS", timedelta(days=11)),
    ],
)
def test_a_later_end_continues_the_run_and_an_earlier_one_starts_afresh(
    fmt: str, interval: int, unit: str, step: timedelta
) -> None:
    lo = datetime(2020, 1, 1, tzinfo=UTC)
    hi = datetime(2021, 3, 1, 5, 30, tzinfo=UTC)
    partitions._DATE_RUNS.clear()
    ends = [hi + k * step for k in (0, 1, 2, 5, 40)] + [hi - step, hi + 3 * step]
    for end in ends:
        remembered = partitions.enumerate_dates(fmt, lo, end, interval, unit)
        assert remembered == fresh(fmt, lo, end, interval, unit), end
    assert partitions._DATE_RUNS  # the runs were remembered, so the equality above covered continuing


def test_a_run_cut_at_the_enumeration_limit_stays_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(partitions, "MAX_ENUMERATED", 10)
    partitions._DATE_RUNS.clear()
    lo = datetime(2024, 1, 1, tzinfo=UTC)
    first = partitions.enumerate_dates("%Y-%m-%d", lo, lo + timedelta(days=5), 1, "DAYS")
    later = partitions.enumerate_dates("%Y-%m-%d", lo, lo + timedelta(days=50), 1, "DAYS")
    assert len(first) == 6 and later == fresh("%Y-%m-%d", lo, lo + timedelta(days=50), 1, "DAYS")
    assert len(later) == 11


def test_a_start_relative_to_now_is_not_remembered() -> None:
    partitions._DATE_RUNS.clear()
    params = {
        "projection.d.format": "yyyy-MM-dd",
        "projection.d.range": "NOW-3DAYS,NOW",
        "projection.d.interval.unit": "DAYS",
    }
    assert len(partitions._date_domain(params, "d")) == 4
    assert not partitions._DATE_RUNS
