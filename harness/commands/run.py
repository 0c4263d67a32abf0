"""`lakehouse run`: push an events file through the deployed pipeline, print the counts, check the invariants.

Every record of the file is served through the fake GitHub API the deployed ingest function polls, in
batches the API window holds (one forced poll each), all filed under one day; then Silver and Gold run
for that day, and the counts are printed as one JSON object on the last line of stdout. The counts must
keep the invariants (docs/design.md, 'Invariants'); a broken one is named and the exit code is non-zero.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from harness.commands import up
from harness.commands.events_file import CliError, read_events
from harness.commands.feed import Feed, LocalFeed, RemoteFeed
from harness.commands.session import Session, local_environment, session_for
from harness.console import say, step
from harness.pipeline import invariants
from harness.targets.target import check_reachable

# The API shows at most this many events (GitHub keeps ~300); each poll gets one batch that fits.
BATCH = 300
COUNT_KEYS = ("served", "unique", "bronze", "quarantined", "silver", "gold_rows", "gold_events")


def _say(msg: str) -> None:
    say("lakehouse", msg)


def push_through(
    records: list[Any], day: str, feed: Feed, pipe: Any, lake: Any, progress: Callable[[str], None] = _say
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Serve ``records`` in batches the API window holds, one forced ingest poll per batch, all filed
    under ``day``; then Silver and Gold for the day. Returns the counts `run` prints and the facts the
    invariants are checked on (the counts plus what was served: distinct valid ids and Gold groups)."""
    from harness.pipeline.counts import expected_counts, record_key

    if lake.counts(day).bronze or lake.quarantine(day):
        raise CliError(
            f"{day} already holds data in this environment; choose another --date, or start afresh "
            "with `lakehouse down && lakehouse up`"
        )
    pipe.reset_ingest_state()
    feed.load([])
    batches = [records[i : i + BATCH] for i in range(0, len(records), BATCH)]
    # The feed lists newest first: the file's first line is the newest, so its last batch goes first.
    for n, batch in enumerate(reversed(batches), 1):
        feed.push(batch)
        inv = pipe.invoke("ingest", {"ingest_dt": day, "force": True})
        result = inv.raise_for_error()
        if result.get("status") not in {"ok", "not_modified"}:
            raise CliError(f"ingest poll {n} ended {result.get('status')}: {result}")
        progress(
            f"ingest poll {n}/{len(batches)}: {result['received']} received, {result['written']} written, "
            f"{result['quarantined']} quarantined, {result['duplicates']} duplicates"
        )
    pipe.invoke("silver", {"ingest_dts": [day]}).raise_for_error()
    progress("silver done")
    pipe.invoke("gold", {"ingest_dt": day}).raise_for_error()
    progress("gold done")
    served = feed.served_records()
    counts = lake.counts(day)
    shown = {
        "ingest_dt": day,
        "served": len(served),
        "unique": len({record_key(r) for r in served}),
        "bronze": counts.bronze,
        "quarantined": counts.quarantined,
        "silver": counts.silver,
        "gold_rows": counts.gold_rows,
        "gold_events": counts.gold_events,
    }
    expected = expected_counts(served)
    facts = {
        **shown,
        "silver_ids": counts.silver_ids,
        "distinct_valid": expected.bronze,
        "groups": len(expected.groups),
    }
    return shown, facts


@contextlib.contextmanager
def temporary_environment() -> Iterator[Session]:
    """A fresh local environment for one run, destroyed on the way out (also on errors)."""
    with local_environment("run") as local:
        yield session_for(local.target, local.env, local.deployment.outputs, local.zips, LocalFeed(local.api))


def _ingest_day(text: str | None) -> str:
    if not text:
        return datetime.now(UTC).date().isoformat()
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise CliError(f"--date {text!r} is not a date written YYYY-MM-DD") from None


def cmd_run(args: argparse.Namespace) -> int:
    path = Path(args.events)
    records = read_events(path)  # fail fast, before anything is started
    day = _ingest_day(args.date)
    _say(f"{len(records)} records from {path}, ingested on {day}")
    state = up.read_up_state()
    if state is not None:
        _say(f"using the running environment {state['env']} (lakehouse up)")
        for what, url in (("local AWS", state["aws"]), ("control endpoint", state["control"])):
            check_reachable(url, f"the `lakehouse up` {what}", "restart it: `lakehouse down && lakehouse up`")
        session = session_for(
            up.target_of(state),
            state["env"],
            state["outputs"],
            Path(state["zips"]),
            RemoteFeed(state["control"]),
        )
        with step("lakehouse", "pushing the events through the pipeline"):
            counts, facts = push_through(records, day, session.feed, session.pipe, session.lake)
    else:
        _say("no running environment (lakehouse up): deploying a temporary one")
        with temporary_environment() as session, step("lakehouse", "pushing the events through the pipeline"):
            counts, facts = push_through(records, day, session.feed, session.pipe, session.lake)
    if not args.json:
        width = max(len(k) for k in COUNT_KEYS)
        for key in COUNT_KEYS:
            print(f"{key:<{width}}  {counts[key]}")
    print(json.dumps(counts, sort_keys=False), flush=True)
    invariants.require(facts, where=day)
    return 0
