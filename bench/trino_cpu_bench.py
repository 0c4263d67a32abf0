"""Benchmark: the local Trino's JVM CPU and wall time for one fixed workload, per JIT mode.

    .venv/bin/python bench/trino_cpu_bench.py --arms full c1 --runs 3

An arm is a value of LAKEHOUSE_TRINO_JIT (`full`: the JVM's tiered C1 + C2, the local Trino's JVM options
before C1 became the default; `c1`: the client compiler only). One local AWS (moto with the harness's
extensions) serves the whole run; every run of every arm starts a fresh local Athena on the Trino engine,
so a fresh JVM, and the arms alternate within each round (full, c1, then c1, full, ...), so both see the
same machine. Before measuring, each arm's JVM class cache is recorded as `make trino` does for the
default (`--no-aot`: every JVM starts without one).

The workload is what the harness's tests and pipeline do, at their scale: Bronze for three days (a few
hundred events each), the handlers' own Silver and Gold INSERTs per day, reads (counts, a window, a join,
JSON and date functions, EXPLAIN), a partitioned CTAS, and failing statements (a bad column, a CTAS over
Athena's 100-partition limit). Every run's answers must equal the first run's: the JIT changes how fast,
never what.

Per run: seconds to a server that runs a query and the JVM's CPU by then; the workload's wall time and
the JVM's CPU over it; the JVM's CPU over `--idle` seconds of idling after it (what an engine costs while a
test session does other things); the JVM's total. JVM CPU is user + system time of the process from
/proc/<pid>/stat. Prints one JSON line per run, then the medians per arm.
Not a test: figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "unit" / "local"))

from athena.conftest import REGION, Lake, client, event, fetch_rows, make_lake  # noqa: E402

from harness.local.athena import LocalAthenaServer  # noqa: E402
from harness.local.athena.trino import aot  # noqa: E402
from harness.local.athena.trino.server import JIT_MODES, JIT_SWITCH  # noqa: E402
from harness.local.aws import LocalAws  # noqa: E402
from harness.processes import cpu_seconds  # noqa: E402

DAYS = ("2024-03-01", "2024-03-02", "2024-03-03")
EVENTS_PER_DAY = 300

READS = (
    "SELECT count(*) FROM github_events_silver",
    "SELECT ingest_dt, event_type, sum(event_count), max(distinct_actors) FROM github_events_gold_daily "
    "GROUP BY 1, 2 ORDER BY 1, 2",
    "SELECT actor_login, count(*) AS n, row_number() OVER (ORDER BY count(*) DESC, actor_login) AS rank "
    "FROM github_events_silver GROUP BY actor_login ORDER BY rank",
    "SELECT s.event_type, count(*) FROM github_events_silver AS s JOIN github_events_gold_daily AS g "
    "ON s.event_type = g.event_type AND s.ingest_dt = g.ingest_dt GROUP BY 1 ORDER BY 1",
    "SELECT json_extract_scalar(payload, '$.ref'), date_trunc('hour', from_iso8601_timestamp(created_at)), "
    "count(*) FROM github_events_bronze WHERE ingest_dt = '2024-03-02' GROUP BY 1, 2 ORDER BY 1, 2",
    "SELECT approx_distinct(actor_id), min(created_at), max(created_at) FROM github_events_silver",
    "EXPLAIN SELECT count(*) FROM github_events_silver WHERE year = '2024'",
)
FAILING = (
    "SELECT no_such_column FROM github_events_silver",
    "CREATE TABLE too_many WITH (format = 'PARQUET', external_location = 's3://{silver}/too_many/', "
    "partitioned_by = ARRAY['p']) AS SELECT n, CAST(n AS varchar) AS p FROM UNNEST(sequence(1, 101)) AS t(n)",
)
CTAS = (
    "CREATE TABLE by_type WITH (format = 'PARQUET', external_location = 's3://{silver}/by_type/', "
    "partitioned_by = ARRAY['event_type']) AS SELECT actor_login, count(*) AS n, event_type "
    "FROM github_events_silver GROUP BY actor_login, event_type"
)


def _query(lake: Lake, sql: str, params: list[str] | None = None) -> dict[str, Any]:
    return lake.query(sql, params, timeout=300)


def workload(lake: Lake) -> list[Any]:
    """Runs the fixed workload; returns every answer (rows, or the failure's state and reason)."""
    answers: list[Any] = []
    for d, day in enumerate(DAYS):
        lake.put_bronze(
            day,
            [
                event(d * EVENTS_PER_DAY + i, etype=("PushEvent", "IssuesEvent", "WatchEvent")[i % 3])
                for i in range(EVENTS_PER_DAY)
            ],
        )
    silver = (ROOT / "handlers/sql/silver_insert.sql").read_text()
    gold = (ROOT / "handlers/sql/gold_daily_insert.sql").read_text()
    for day in DAYS:
        for sql, params in ((silver, [f"'{day}'", f"'{day}'"]), (gold, ["'2024'", "'03'", f"'{day}'"])):
            qe = _query(lake, sql, params)
            assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]
    for sql in (*READS, CTAS.format(silver=lake.silver), "SELECT * FROM by_type ORDER BY 1, 3"):
        qe = _query(lake, sql)
        assert qe["Status"]["State"] == "SUCCEEDED", (sql, qe["Status"])
        rows = fetch_rows(lake.athena, qe["QueryExecutionId"])
        answers.append(rows if not sql.startswith("EXPLAIN") else len(rows) > 0)  # plans name query ids
    for sql in FAILING:
        qe = _query(lake, sql.format(silver=lake.silver))
        answers.append([qe["Status"]["State"], qe["Status"]["StateChangeReason"].split(":")[0]])
    objects = lake.s3.list_objects_v2(Bucket=lake.silver, Prefix="too_many/").get("KeyCount", 0)
    answers.append(["objects left by the failed CTAS", objects])
    return answers


def run_arm(aws_endpoint: str, arm: str, idle: float) -> tuple[dict[str, Any], list[Any]]:
    os.environ[JIT_SWITCH] = arm
    started = time.perf_counter()
    with LocalAthenaServer(aws_endpoint=aws_endpoint, region=REGION, engine="trino") as server:
        trino = server.backend.engine.server  # type: ignore[attr-defined]
        pid = trino.proc.pid
        trino.wait_ready()
        ready_s, ready_cpu = time.perf_counter() - started, cpu_seconds(pid)
        lake = make_lake(aws_endpoint, client("athena", server.url))
        t0 = time.perf_counter()
        answers = workload(lake)
        work_s, work_cpu = time.perf_counter() - t0, cpu_seconds(pid) - ready_cpu
        time.sleep(idle)
        total_cpu = cpu_seconds(pid)
        idle_cpu = total_cpu - ready_cpu - work_cpu
    figures = {
        "arm": arm,
        "start_s": round(ready_s, 1),
        "start_cpu_s": round(ready_cpu, 1),
        "workload_s": round(work_s, 1),
        "workload_cpu_s": round(work_cpu, 1),
        "idle_cpu_s": round(idle_cpu, 2),
        "jvm_cpu_s": round(total_cpu, 1),
        "load_1m": round(os.getloadavg()[0], 1),
    }
    return figures, answers


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--arms", nargs="+", default=["full", "c1"], choices=sorted(JIT_MODES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idling measured after it")
    parser.add_argument("--no-aot", action="store_true", help="start every JVM without a class cache")
    args = parser.parse_args()
    if args.no_aot:
        os.environ[aot.SWITCH] = "off"
    else:
        for arm in args.arms:  # as `make trino` leaves each: its class cache recorded (once per machine)
            os.environ[JIT_SWITCH] = arm
            aot.train(quiet=True)
    results: dict[str, list[dict[str, Any]]] = {arm: [] for arm in args.arms}
    reference: list[Any] | None = None
    with LocalAws(with_athena=False) as endpoints:
        for r in range(args.runs):
            order = args.arms if r % 2 == 0 else list(reversed(args.arms))
            for arm in order:
                figures, answers = run_arm(endpoints.aws, arm, args.idle)
                reference = reference if reference is not None else answers
                if answers != reference:
                    print(json.dumps({"arm": arm, "run": r, "different answers": answers}), flush=True)
                    return 1
                print(json.dumps({"run": r, **figures}), flush=True)
                results[arm].append(figures)
    print(json.dumps({"same answers in every run": True, "answers": len(reference or [])}))
    keys = ("start_s", "start_cpu_s", "workload_s", "workload_cpu_s", "idle_cpu_s", "jvm_cpu_s")
    for arm, runs in results.items():
        print(json.dumps({"arm": arm, "median": {k: statistics.median(f[k] for f in runs) for k in keys}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
