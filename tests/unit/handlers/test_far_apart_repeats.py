"""`lakehouse run`'s path, in process, on a real-shaped file: 5,000 records of which 300 are exact repeats
spread far apart and 200 are invalid.

The real handlers run (ingest, then Silver and Gold on the DuckDB Athena stand-in) over moto S3, fed
through the fake GitHub API in the batches `lakehouse run` pushes. The ingest remembers the last 3,000
ids it saw, so a repeat further back than that lands in Bronze again: Bronze is at-least-once, Silver
holds one row per distinct valid id, and the invariants of harness.pipeline.invariants hold while the
old `bronze + quarantined == unique` does not.
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

import gold
import ingest
import pytest
import silver
from handler_support import RAW, FakeClock, FakeContext, make_events
from lakehouse_common.keys import INGEST_STATE_KEY
from transform_support import fake_athena, gold_deps, ingest_deps, silver_deps

from harness.commands.feed import LocalFeed
from harness.commands.run import push_through
from harness.local.fake_github import FakeGitHub
from harness.pipeline import invariants
from harness.pipeline.counts import LayerCounts

# A 5,000-record scenario through all three handlers (~1 min of CPU): the slow tier, not `make unit`.
pytestmark = pytest.mark.slow

DAY = "2025-11-20"


@dataclass
class Done:
    result: dict[str, Any]

    def raise_for_error(self) -> dict[str, Any]:
        return self.result


class InProcessPipeline:
    """The three handlers called in process, as `Pipeline.invoke` calls the deployed ones."""

    def __init__(self, aws: dict[str, Any], api: FakeGitHub, athena: Any, clock: FakeClock) -> None:
        self.aws, self.athena, self.clock = aws, athena, clock
        self.ingest = ingest_deps(aws, api, clock)

    def reset_ingest_state(self) -> None:
        self.aws["s3"].delete_object(Bucket=RAW, Key=INGEST_STATE_KEY)

    def invoke(self, role: str, event: dict[str, Any]) -> Done:
        if role == "ingest":
            return Done(ingest.run(dict(event), FakeContext(self.clock, 180), self.ingest))
        if role == "silver":
            return Done(silver.run(dict(event), silver_deps(self.aws, self.athena)))
        return Done(gold.run(dict(event), gold_deps(self.aws, self.athena)))


class InProcessLake:
    """The day's counts read from moto S3 (Bronze, quarantine) and the Athena stand-in (Silver, Gold)."""

    def __init__(self, aws: dict[str, Any], athena: Any) -> None:
        self.s3, self.athena = aws["s3"], athena

    def _lines(self, prefix: str) -> list[dict[str, Any]]:
        import gzip
        import json

        out = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=RAW, Prefix=prefix):
            for obj in page.get("Contents", []):
                body = self.s3.get_object(Bucket=RAW, Key=obj["Key"])["Body"].read()
                out += [json.loads(x) for x in gzip.decompress(body).decode().splitlines() if x.strip()]
        return out

    def quarantine(self, day: str) -> list[dict[str, Any]]:
        return self._lines(f"github/quarantine/ingest_dt={day}/")

    def counts(self, day: str) -> LayerCounts:
        bronze = self._lines(f"github/events/ingest_dt={day}/")
        silver_rows = [r for r in self.athena.rows("github_events_silver") if r["ingest_dt"] == day]
        gold_rows = [r for r in self.athena.rows("github_events_gold_daily") if r["ingest_dt"] == day]
        return LayerCounts(
            ingest_dt=day,
            bronze=len(bronze),
            bronze_ids=len({r["id"] for r in bronze}),
            quarantined=len(self.quarantine(day)),
            silver=len(silver_rows),
            silver_ids=len({r["event_id"] for r in silver_rows}),
            gold_rows=len(gold_rows),
            gold_events=sum(int(r["event_count"]) for r in gold_rows),
        )


def real_shaped_file(seed: int = 20251120) -> list[dict[str, Any]]:
    """4,500 distinct valid events, 200 invalid ones, and 300 exact repeats of valid events placed far
    from their first occurrence; 5,000 lines in all."""
    rng = random.Random(seed)
    valid = make_events(4500)
    invalid = []
    for i, event in enumerate(make_events(200, start_id=90_000_000_000)):
        bad = copy.deepcopy(event)
        bad["public"] = "yes"  # the schema's `public` is a boolean
        bad["id"] = f"bad-{i}"
        invalid.append(bad)
    lines: list[dict[str, Any]] = valid + invalid
    rng.shuffle(lines)
    for source in rng.sample(range(len(lines)), 300):
        if lines[source]["id"].startswith("bad-"):
            source = next(j for j in range(len(lines)) if not lines[j]["id"].startswith("bad-"))
        # A repeat at least 2,000 lines away, on either side: often older than the ingest's memory.
        far = [
            j for j in (source - 3500, source + 3500, source - 2000, source + 2000) if 0 <= j <= len(lines)
        ]
        lines.insert(rng.choice(far), copy.deepcopy(lines[source]))
    return lines


def test_far_apart_repeats_keep_every_invariant(aws: dict[str, Any], clock: FakeClock) -> None:
    records = real_shaped_file()
    assert len(records) == 5000
    with FakeGitHub([], clock=clock.epoch) as api:
        athena = fake_athena(aws)
        counts, facts = push_through(
            records,
            DAY,
            LocalFeed(api),
            InProcessPipeline(aws, api, athena, clock),
            InProcessLake(aws, athena),
            progress=lambda _: None,
        )
    assert (counts["served"], counts["unique"]) == (5000, 4700)
    assert counts["quarantined"] == 200 and counts["silver"] == 4500 == facts["distinct_valid"]
    # Bronze is at-least-once: some far-apart repeats landed again, and only Silver dedupes them.
    assert counts["bronze"] > 4500
    assert counts["bronze"] + counts["quarantined"] > counts["unique"]
    assert counts["gold_events"] == counts["silver"]
    groups = {(r["type"], r["repo"]["name"]) for r in records if not r["id"].startswith("bad-")}
    assert counts["gold_rows"] == len(groups) == facts["groups"]
    assert invariants.broken(facts) == []
    # The Bronze surplus is exactly repeats: every id in Bronze more than once is a repeated record.
    repeated = {k for k, n in Counter(r["id"] for r in records).items() if n > 1}
    assert counts["bronze"] - 4500 <= len(repeated)
