"""Benchmark: the local Athena's per-query cost (DuckDB engine) and the unit tests' per-test catalog setup.

    .venv/bin/python bench/athena_query_bench.py [--queries 40]                 # this checkout, one JSON line
    .venv/bin/python bench/athena_query_bench.py --before DIR [--rounds 3]      # DIR against this checkout

`--before DIR` runs the measurement on the checkout DIR (e.g. `git archive <commit> | tar -x -C DIR`, with
`.venv` symlinked) and on this one, alternately, `--rounds` fresh processes each, and prints the medians.

Everything runs in one process, as in the unit tests: moto's ThreadedMotoServer as the local AWS, the local
Athena's HTTP server on the DuckDB engine, boto3 clients. CPU is the process's (every thread: client,
Athena server, engine, moto), per call; wall is per call. Each figure is the median over --queries calls
after three warm-up calls:

- `api_select1`: `SELECT 1` through the API as a client runs it: StartQueryExecution, GetQueryExecution
  every 5 ms until final, GetQueryResults.
- `api_bronze`: `count(*)` of one day of the Bronze table (partition projection over 2020-01-01..NOW,
  gzip JSON), the same way.
- `engine_select1`: `SELECT 1` through `Engine.execute` (no HTTP, no result files): what the fidelity
  corpus test pays per statement.
- `lake`: the unit tests' `make_lake` (4 buckets, Glue database and 3 tables, a workgroup).

Not a test: figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]


def _measure(fn: Callable[[], object], n: int) -> dict[str, float]:
    for _ in range(3):
        fn()
    walls, cpus = [], []
    for _ in range(n):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return {"wall_ms": statistics.median(walls) * 1000, "cpu_ms": statistics.median(cpus) * 1000}


def worker(root: Path, n: int) -> dict[str, Any]:
    sys.path.insert(0, str(root))
    import boto3
    from moto.server import ThreadedMotoServer

    spec = importlib.util.spec_from_file_location(
        "athena_conftest", root / "tests/unit/local/athena/conftest.py"
    )
    assert spec is not None and spec.loader is not None
    conftest = importlib.util.module_from_spec(spec)
    sys.modules["athena_conftest"] = conftest
    spec.loader.exec_module(conftest)
    from harness.local.athena import LocalAthenaServer
    from harness.local.athena.engine import QueryRequest

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    server = LocalAthenaServer(aws_endpoint=endpoint, region=conftest.REGION, threads=1, engine="duckdb")
    server.start()
    try:
        athena = boto3.client("athena", endpoint_url=server.url, **conftest.CREDS)
        lake = conftest.make_lake(endpoint, athena)
        lake.put_bronze("2024-01-01", [{"id": str(i), "type": "PushEvent"} for i in range(50)])

        def api(sql: str) -> Callable[[], object]:
            def run() -> object:
                qid = athena.start_query_execution(
                    QueryString=sql,
                    WorkGroup=lake.workgroup,
                    QueryExecutionContext={"Database": lake.database},
                )["QueryExecutionId"]
                while True:
                    state = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"][
                        "State"
                    ]
                    if state in ("SUCCEEDED", "FAILED", "CANCELLED"):
                        break
                    time.sleep(0.005)
                assert state == "SUCCEEDED", (sql, state)
                return athena.get_query_results(QueryExecutionId=qid)

            return run

        engine = server.backend.engine

        def engine_select1() -> object:
            req = QueryRequest(uuid.uuid4().hex, "SELECT 1", [], "default", None, None)
            return engine.execute(req, lambda connection: None)

        return {
            "api_select1": _measure(api("SELECT 1"), n),
            "api_bronze": _measure(
                api("SELECT count(*) FROM github_events_bronze WHERE ingest_dt = '2024-01-01'"), n
            ),
            "engine_select1": _measure(engine_select1, n),
            "lake": _measure(lambda: conftest.make_lake(endpoint, athena), max(5, n // 4)),
        }
    finally:
        server.stop()
        moto.stop()


def run_arm(root: Path, n: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", str(root), "--queries", str(n)],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--before", type=Path, help="a checkout to compare with this one")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker.resolve(), args.queries)))
        return 0
    if not args.before:
        print(json.dumps(run_arm(HERE, args.queries)))
        return 0
    arms: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
    for _ in range(args.rounds):
        for name, root in (("before", args.before.resolve()), ("after", HERE)):
            result = run_arm(root, args.queries)
            arms[name].append(result)
            print(json.dumps({"arm": name, **result}), flush=True)
    print("| figure | before wall / CPU (ms) | after wall / CPU (ms) |")
    print("|---|---:|---:|")
    for figure in arms["after"][0]:
        cells = []
        for name in ("before", "after"):
            wall = statistics.median(r[figure]["wall_ms"] for r in arms[name])
            cpu = statistics.median(r[figure]["cpu_ms"] for r in arms[name])
            cells.append(f"{wall:.1f} / {cpu:.1f}")
        print(f"| `{figure}` | {cells[0]} | {cells[1]} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
