"""Benchmark: Bronze -> Silver -> Gold through the local Athena on each engine, against DuckDB alone.

    .venv/bin/python bench/local_athena_bench.py --sizes 100000 1000000 --engines duckdb trino --runs 1

Both engines run in one invocation over the same generated Bronze files; for Trino the run's Trino is
started (and waited for) before the clock starts, and its JVM's peak RSS (VmHWM) is reported beside the
worker's (`peak_rss_mb_trino_jvm`; `peak_rss_mb_total` adds the two). The local AWS is
`python -m harness.local.aws --no-athena` (moto with the harness's extensions) for both engines.

Each size's Bronze files are generated once; each run is a fresh worker process (so peak RSS is per
run): moto server in its own process as the local AWS, the local Athena in the worker. The Silver step
is the handlers' own SQL (handlers/sql/silver_insert.sql). Query times are Athena's
TotalExecutionTimeInMillis (submission to completion on the server, results written), so the client's
polling neither adds latency nor competes for the worker's CPU. The ceiling is DuckDB alone running the
very statements the local Athena ran for the Silver step (traced from the engine: same SQL, same macros,
same settings) over local copies of the same files, Parquet out to local disk, in the same worker right
after. Prints one JSON line per run, then the median of each figure per size.
Not a test: figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "unit" / "local"))

EVENTS_PER_FILE = 20_000
DAY = "2024-03-01"


def realistic_event(i: int, rng: random.Random) -> dict[str, Any]:
    """A GitHub public event of realistic size and shape (~1 KB, PushEvent payloads with commits)."""
    login = f"user{rng.randrange(50_000)}"
    repo = f"org{rng.randrange(2_000)}/repo{rng.randrange(20)}"
    etype = rng.choices(
        ["PushEvent", "CreateEvent", "IssuesEvent", "WatchEvent", "PullRequestEvent"], [50, 15, 10, 15, 10]
    )[0]
    if etype == "PushEvent":
        payload: dict[str, Any] = {
            "repository_id": rng.randrange(10**8),
            "push_id": 10**10 + i,
            "size": 2,
            "distinct_size": 2,
            "ref": "refs/heads/main",
            "head": f"{i:040x}",
            "before": f"{i + 1:040x}",
            "commits": [
                {
                    "sha": f"{i + k:040x}",
                    "author": {"email": f"{login}@example.com", "name": login},
                    "message": "Fix the thing that was broken " * 2,
                    "distinct": True,
                    "url": f"https://api.github.com/repos/{repo}/commits/{i + k:040x}",
                }
                for k in range(2)
            ],
        }
    elif etype == "CreateEvent":
        payload = {"ref": "feature", "ref_type": "branch", "master_branch": "main", "description": None}
    else:
        payload = {"action": rng.choice(["opened", "closed", "started"]), "number": rng.randrange(1000)}
    return {
        "id": str(30_000_000_000 + i),
        "type": etype,
        "actor": {
            "id": rng.randrange(10**7),
            "login": login,
            "display_login": login,
            "gravatar_id": "",
            "url": f"https://api.github.com/users/{login}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{i}?",
        },
        "repo": {"id": rng.randrange(10**8), "name": repo, "url": f"https://api.github.com/repos/{repo}"},
        "org": {
            "id": 9,
            "login": repo.split("/")[0],
            "gravatar_id": "",
            "url": "https://api.github.com/orgs/x",
            "avatar_url": "https://avatars.githubusercontent.com/u/9?",
        },
        "payload": payload,
        "public": True,
        "created_at": f"{DAY}T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}Z",
        "ingested_at": f"{DAY}T23:59:00Z",
        "source": "github",
    }


def generate(n: int, folder: Path) -> list[Path]:
    rng = random.Random(n)
    files: list[Path] = []
    for start in range(0, n, EVENTS_PER_FILE):
        path = folder / f"events-{start:08d}.jsonl.gz"
        with gzip.open(path, "wt", compresslevel=6) as out:
            for i in range(start, min(n, start + EVENTS_PER_FILE)):
                out.write(json.dumps(realistic_event(i, rng)) + "\n")
        files.append(path)
    return files


def _reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def duckdb_ceiling(statements: list[str], s3_folder: str, local_folder: Path, out_dir: Path) -> float:
    """Seconds for DuckDB alone: the engine's Silver statements over the local files, Parquet to disk."""
    import duckdb

    from harness.local.athena import sql as sqlmod

    con = duckdb.connect(config={"threads": os.cpu_count() or 2})
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET integer_division = true")
    for macro in sqlmod.MACROS:
        con.execute(macro)
    local = [s.replace(s3_folder, f"{local_folder}/") for s in statements]
    *views, final = local
    assert all(v.startswith("CREATE TEMP VIEW") for v in views), views
    started = time.perf_counter()
    for view in views:
        con.execute(view)
    con.execute(
        f"COPY ({final}) TO '{out_dir}' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (year, month), "
        "OVERWRITE_OR_IGNORE)"
    )
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def wait(athena: Any, qid: str) -> dict[str, Any]:
    """Polls with backoff: the client shares the worker's CPU with the engine."""
    delay = 0.01
    while True:
        qe = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
        if qe["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return qe  # type: ignore[no-any-return]
        time.sleep(delay)
        delay = min(0.25, delay * 1.5)


def _process_peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker(n: int, data: Path, engine: str = "duckdb") -> dict[str, Any]:
    import boto3
    from athena.conftest import CREDS, create_tables

    from harness.local.athena import LocalAthenaServer

    with tempfile.TemporaryDirectory(prefix="la-bench-") as tmp:
        folder = Path(tmp)
        files = sorted(data.glob("*.jsonl.gz"))
        bronze_bytes = sum(f.stat().st_size for f in files)
        moto = subprocess.Popen(
            [sys.executable, "-m", "harness.local.aws", "--no-athena"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            endpoint = json.loads(moto.stdout.readline())["aws"]  # type: ignore[union-attr]
            s3 = boto3.client("s3", endpoint_url=endpoint, **CREDS)
            glue = boto3.client("glue", endpoint_url=endpoint, **CREDS)
            for b in ("raw", "silver", "gold", "logs"):
                s3.create_bucket(Bucket=f"dp-bench-123456789012-{b}")
            glue.create_database(DatabaseInput={"Name": "lakehouse_bench"})
            create_tables(
                glue,
                "lakehouse_bench",
                "dp-bench-123456789012-raw",
                "dp-bench-123456789012-silver",
                "dp-bench-123456789012-gold",
            )
            for f in files:
                s3.upload_file(str(f), "dp-bench-123456789012-raw", f"github/events/ingest_dt={DAY}/{f.name}")
            traced: list[str] = []
            _reset_peak_rss()
            jvm_rss = 0.0
            with LocalAthenaServer(aws_endpoint=endpoint, engine=engine) as server:
                trino = getattr(server.backend.engine, "server", None)
                if trino is not None:
                    trino.wait_ready()
                athena = boto3.client("athena", endpoint_url=server.url, **CREDS)
                athena.create_work_group(
                    Name="bench",
                    Configuration={
                        "ResultConfiguration": {
                            "OutputLocation": "s3://dp-bench-123456789012-logs/athena-results/"
                        }
                    },
                )

                def run(sql: str, params: list[str]) -> tuple[float, dict[str, Any]]:
                    started = time.perf_counter()
                    extra = {"ExecutionParameters": params} if params else {}
                    qid = athena.start_query_execution(
                        QueryString=sql,
                        WorkGroup="bench",
                        QueryExecutionContext={"Database": "lakehouse_bench"},
                        **extra,
                    )["QueryExecutionId"]
                    qe = wait(athena, qid)
                    assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]
                    return time.perf_counter() - started, qe

                silver_sql = (ROOT / "handlers/sql/silver_insert.sql").read_text()
                gold_sql = (ROOT / "handlers/sql/gold_daily_insert.sql").read_text()
                server.backend.engine.trace = traced.append
                silver_client_s, silver_qe = run(silver_sql, [f"'{DAY}'", f"'{DAY}'"])
                server.backend.engine.trace = None
                traced = traced if engine == "duckdb" else []
                _, gold_qe = run(gold_sql, ["'2024'", "'03'", f"'{DAY}'"])
                silver_s = silver_qe["Statistics"]["TotalExecutionTimeInMillis"] / 1000
                gold_s = gold_qe["Statistics"]["TotalExecutionTimeInMillis"] / 1000
                _, count_qe = run("SELECT count(*) FROM github_events_silver", [])
                silver_rows = int(
                    athena.get_query_results(QueryExecutionId=count_qe["QueryExecutionId"])["ResultSet"][
                        "Rows"
                    ][1]["Data"][0]["VarCharValue"]
                )
                if trino is not None:
                    jvm_rss = _process_peak_rss_mb(trino.proc.pid)
            athena_rss = _peak_rss_mb()
            s3_folder = f"s3://dp-bench-123456789012-raw/github/events/ingest_dt={DAY}/"
            ceiling_s = (
                duckdb_ceiling(traced, s3_folder, data, folder / "ceiling-out") if traced else float("nan")
            )
        finally:
            moto.terminate()
            moto.wait(timeout=30)
    return {
        "engine": engine,
        "events": n,
        "silver_rows": silver_rows,
        "bronze_gzip_mb": round(bronze_bytes / 2**20, 1),
        "silver_s": round(silver_s, 2),
        "silver_client_s": round(silver_client_s, 2),
        "silver_events_per_s": round(n / silver_s),
        "gold_s": round(gold_s, 2),
        "end_to_end_events_per_s": round(n / (silver_s + gold_s)),
        "silver_scanned_mb": round(silver_qe["Statistics"]["DataScannedInBytes"] / 2**20, 1),
        # The DuckDB-alone ceiling replays the DuckDB engine's own statements: none for Trino (-1).
        "duckdb_alone_s": round(ceiling_s, 2) if traced else -1,
        "duckdb_alone_events_per_s": round(n / ceiling_s) if traced else -1,
        "ratio_of_ceiling": round(ceiling_s / silver_s, 2) if traced else -1,
        "peak_rss_mb_athena_process": round(athena_rss),
        "peak_rss_mb_trino_jvm": round(jvm_rss),
        "peak_rss_mb_total": round(athena_rss + jvm_rss),
        "gold_events_per_s": round(n / gold_s),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--engines", nargs="+", choices=("duckdb", "trino"), default=["duckdb", "trino"])
    parser.add_argument("--runs", type=int, default=3, help="fresh workers per size (medians reported)")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="duckdb", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.data, args.engine)), flush=True)
        return 0
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    print(f"cpus={os.cpu_count()} python={sys.version.split()[0]} load={os.getloadavg()}", flush=True)
    medians: list[dict[str, Any]] = []
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="la-bench-data-") as data:
            generate(n, Path(data))
            for engine in args.engines:
                runs: list[dict[str, Any]] = []
                for _ in range(args.runs):
                    out = subprocess.run(
                        [sys.executable, __file__, "--worker", str(n), "--data", data, "--engine", engine],
                        capture_output=True,
                        text=True,
                        env=env,
                    )
                    if out.returncode:
                        print(out.stderr[-3000:], file=sys.stderr)
                        return out.returncode
                    runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
                    print(json.dumps({**runs[-1], "load": os.getloadavg()[0]}), flush=True)
                medians.append(
                    {
                        k: r0 if isinstance(r0, str) else statistics.median(r[k] for r in runs)
                        for k, r0 in runs[0].items()
                    }
                )
    print(f"medians of {args.runs} runs (load={os.getloadavg()}):")
    for m in medians:
        print(json.dumps(m), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
