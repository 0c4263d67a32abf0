"""`make verify`'s report of the pipeline counts: summary line, per-day table, Gold chart (SVG)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.commands.verify import PhaseResult, counts_line, gold_chart_svg, read_counts, write_report
from harness.pipeline.counts import COUNTS_FILE_ENV, LayerCounts, record


def _counts(day: str, n: int, rows: int) -> LayerCounts:
    return LayerCounts(day, n, n, 1, n, n, rows, n)


def test_recorded_counts_reach_the_report(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "counts.jsonl"
    monkeypatch.setenv(COUNTS_FILE_ENV, str(file))
    record(_counts("2025-03-02", 40, 12), scenario="b")
    record(_counts("2025-03-01", 150, 22), scenario="a")
    record(_counts("2025-03-01", 150, 22), scenario="a")  # the same day asserted again after a re-run
    rows = read_counts(file)
    assert [r["ingest_dt"] for r in rows] == ["2025-03-01", "2025-03-02"]
    assert counts_line(rows) == "2 days: bronze 190, quarantined 2, silver 190, gold 34 rows / 190 events"

    report = tmp_path / "verify-report.md"
    write_report([PhaseResult("integration", True, 12.5, "13 passed")], report, rows)
    text = report.read_text(encoding="utf-8")
    assert "| 2025-03-01 | a | 150 | 1 | 150 | 22 | 150 |" in text
    assert "![Gold events and rows per ingest day](verify-gold.svg)" in text
    svg = ET.fromstring((tmp_path / "verify-gold.svg").read_text(encoding="utf-8"))
    bars = [el for el in svg.iter() if el.tag.endswith("rect")]
    assert len(bars) == 2
    heights = [float(b.get("height", "0")) for b in bars]
    assert heights[0] > heights[1] > 0  # 150 events vs 40


def test_no_counts_no_chart(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv(COUNTS_FILE_ENV, raising=False)
    record(_counts("2025-03-01", 1, 1))  # not set: nothing written, nothing raised
    report = tmp_path / "verify-report.md"
    write_report([PhaseResult("unit", False, 1.0, "1 failed")], report, [])
    assert "Row counts" not in report.read_text(encoding="utf-8")
    assert not (tmp_path / "verify-gold.svg").exists()
    assert json.loads(json.dumps(read_counts(tmp_path / "missing.jsonl"))) == []
    assert gold_chart_svg([]).startswith("<svg")
