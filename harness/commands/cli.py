"""`lakehouse`: push an events file through the deployed pipeline on the local target; keep one running.

    lakehouse run --events FILE [--date YYYY-MM-DD] [--json]
    lakehouse backfill --from YYYY-MM-DDTHH --to YYYY-MM-DDTHH [--archive-dir DIR | --archive-url URL]
    lakehouse up                 # start the embedded AWS, the fake GitHub API, deploy; print endpoints
    lakehouse down               # destroy that environment and stop its process

`run` serves every record of FILE (JSONL, optionally gzip; one JSON value per line, newest first as the
API lists them) through the fake GitHub API the deployed ingest function polls, files them all under
--date (default: today, UTC), runs Silver and Gold for that day with the deployed functions, and prints
the counts as one JSON object on its last line: served, unique, bronze, quarantined, silver, gold_rows,
gold_events. It checks the invariants of docs/design.md ('Invariants') on them and exits non-zero naming
any that is broken. It uses the environment `lakehouse up` keeps running when there is one, else it
deploys a temporary one and destroys it at the end.

`backfill` loads a range of GH Archive hours through the deployed archive function (the fake archive
serving --archive-dir's YYYY-MM-DD-H.json.gz files, --archive-url as it is, or generated hours), in
throttled batches, then Silver and Gold for the days touched, in a temporary environment; its last line
is the counts for the range in the shape of `run`'s plus hours done / missing / failed.

`up` runs in a background process that owns the local AWS, the fake GitHub API and the deployment, and
records them in .work/lakehouse-up.json; `down` asks it to destroy the environment and waits.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from harness import errors
from harness.commands import backfill, run, up


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lakehouse", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    cmd = sub.add_parser("run", help="push an events file through the deployed pipeline; print the counts")
    cmd.add_argument("--events", required=True, help="JSONL file of GitHub events, optionally gzip")
    cmd.add_argument("--date", help="ingest date YYYY-MM-DD (default: today, UTC)")
    cmd.add_argument("--json", action="store_true", help="print only the JSON counts on stdout")
    backfill.add_parser(sub)
    sub.add_parser("up", help="keep a local environment running; print its endpoints")
    sub.add_parser("down", help="destroy the environment `up` started and stop its process")
    sub.add_parser("_serve", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "run": run.cmd_run,
        "backfill": backfill.cmd_backfill,
        "up": up.cmd_up,
        "down": up.cmd_down,
        "_serve": lambda _: up.serve_up(),
    }
    return errors.entry_point("lakehouse", lambda: commands[args.cmd](args))


if __name__ == "__main__":
    sys.exit(main())
