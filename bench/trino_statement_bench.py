"""Benchmark: what one small statement costs on the local Athena's Trino engine, per configuration arm.

    .venv/bin/python bench/trino_statement_bench.py --arms before after --runs 3

Every run of every arm starts a fresh local AWS process (moto with the harness's extensions and the local
Athena on the Trino engine, as `python -m harness.local.aws` runs it), so a fresh JVM; the arms alternate
within each round (a, b, then b, a, ...). An arm is a set of Trino configuration lines applied on top of
the harness's own (`ARMS`; `after` is the harness's configuration unchanged, `before` the one it replaced:
Trino's default of 5 GetPartitions segments and a local AWS without the segment extension, emulator gap
13).

The workload is the pipeline's small statements over three days of a few dozen events each, as in the
integration scenarios: per day the handlers' Silver INSERT (its NOT EXISTS de-duplication) and Gold
INSERT, the three per-layer counts of harness/pipeline/counts.py, and a SELECT over information_schema.
The first day warms the JVM up; the figures are the medians over the later days and over the runs.

Per statement: wall time (StartQueryExecution to a final state seen by a client polling every 20 ms, plus
fetching the result), the JVM's CPU and the local AWS process's CPU over it (user + system of each process
from /proc/<pid>/stat), Trino's own times for the query (GET /v1/query/<id>: queued, analysis, planning,
execution, elapsed, CPU), and every call the local AWS answered during it, by caller (Trino: the AWS SDK
for Java; the Athena layer: boto3) and API. Every run's answers (rows, update counts) must equal the first
run's: a configuration changes how fast, never what. Prints one JSON line per run and arm, then medians.
Not a test: figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "unit" / "local"))

CLOCK_TICK = os.sysconf("SC_CLK_TCK")
CALLS_PATH = "/__bench/calls"
DAYS = ("2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04")
EVENTS_PER_DAY = 40

# name -> (lines added to config.properties, lines added to the catalog's properties); a later line for
# the same key wins over the harness's.
ARMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "before": ((), ("hive.metastore.glue.partitions-segments=5",)),  # Trino's default; see serve()
    "after": ((), ()),
    "after-all-at-once": (("query.execution-policy=all-at-once",), ()),
    "after-no-stats": ((), ("hive.table-statistics-enabled=false",)),
    "after-no-dynamic-filtering": (("enable-dynamic-filtering=false",), ()),
    "after-task-concurrency-1": (("task.concurrency=1",), ()),
}
# Arms that run without the GetPartitions-by-segment extension (moto answered each segment with all).
WITHOUT_SEGMENTS_GAP = {"before"}


# --- the local AWS process (run by the bench as `--serve ARM`) ----------------------------------------


def _s3_action(method: str, path: str, query: str) -> str:
    keyed = path.strip("/").count("/") >= 1
    if method == "GET":
        return "GetObject" if keyed else ("ListObjectsV2" if "list-type" in query else "GetBucket?" + query)
    if method == "HEAD":
        return "HeadObject" if keyed else "HeadBucket"
    if method == "PUT":
        return "UploadPart" if "partNumber" in query else ("PutObject" if keyed else "PutBucket")
    if method == "POST":
        if "delete" in query:
            return "DeleteObjects"
        return "CreateMultipartUpload" if "uploads" in query else "CompleteMultipartUpload"
    return "DeleteObject" if method == "DELETE" else method


def _counting(app: Any) -> Any:
    """Counts every call by caller and API, with the CPU its handling thread spent."""
    lock = threading.Lock()
    calls: Counter[str] = Counter()
    cpu: Counter[str] = Counter()

    def counted(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == CALLS_PATH:
            with lock:
                body = json.dumps({"calls": dict(calls), "cpu": dict(cpu)}).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        caller = "trino" if "aws-sdk-java" in environ.get("HTTP_USER_AGENT", "") else "python"
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        auth = environ.get("HTTP_AUTHORIZATION", "")
        service = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", auth)
        name = service.group(1) if service else "?"
        if target:
            action = target.split(".")[-1]
        elif name == "s3":
            action = _s3_action(
                environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
            )
        else:
            action = environ["REQUEST_METHOD"]
        key = f"{caller} {name}.{action}"
        t0 = time.thread_time()
        out = list(app(environ, start_response))
        spent = time.thread_time() - t0
        with lock:
            calls[key] += 1
            cpu[key] += spent
        return out

    return counted


def serve(arm: str) -> None:
    from harness.local import aws, emulator
    from harness.local.athena.trino import server as trino_server

    config_lines, catalog_lines = ARMS[arm]
    if arm in WITHOUT_SEGMENTS_GAP:
        emulator.GAPS = tuple(g for g in emulator.GAPS if g != "glue_partition_segments")
    wrap_all = emulator.wrap_all
    emulator.wrap_all = lambda app: _counting(wrap_all(app))  # type: ignore[assignment]
    write_config = trino_server.TrinoServer._write_config

    def write_with_arm(self: Any, home: Path) -> None:
        write_config(self, home)
        etc = self.dir / "etc"
        for path, lines in (
            (etc / "config.properties", config_lines),
            (etc / "catalog" / f"{trino_server.CATALOG}.properties", catalog_lines),
        ):
            if lines:
                with path.open("a", encoding="utf-8") as f:
                    f.write("\n".join(lines) + "\n")

    trino_server.TrinoServer._write_config = write_with_arm  # type: ignore[method-assign]
    for k, v in aws.CREDENTIALS.items():
        os.environ.setdefault(k, v)
    aws.serve(0, with_athena=True, athena_engine="trino")


# --- the bench -------------------------------------------------------------------------------------------


def threads_cpu(pid: int) -> Counter[str]:
    """CPU seconds per thread group of a process (thread names without their numbers)."""
    out: Counter[str] = Counter()
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = re.sub(r"[-#\d]+", "", text[text.index("(") + 1 : text.rindex(")")]).strip()
        fields = text.rsplit(")", 1)[1].split()
        out[name] += (int(fields[11]) + int(fields[12])) / CLOCK_TICK
    return out


def jvm_of(parent: int) -> tuple[int, str]:
    """The Trino JVM the local AWS process started, and its URL."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                cmdline = (stat.parent / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if int(fields[1]) == parent and cmdline and cmdline[0].endswith(b"java"):
                config = next(a for a in cmdline if a.startswith(b"-Dconfig="))[len(b"-Dconfig=") :]
                text = Path(config.decode()).read_text()
                port = re.search(r"http-server\.http\.port=(\d+)", text).group(1)  # type: ignore[union-attr]
                return int(stat.parent.name), f"http://127.0.0.1:{port}"
        time.sleep(0.2)
    raise RuntimeError("no Trino JVM under the local AWS process")


def get_json(url: str) -> Any:
    req = urllib.request.Request(url, headers={"X-Trino-User": "bench"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def millis(duration: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)\s*(\w+)", duration).groups()  # type: ignore[union-attr]
    return (
        float(value) * {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4, "h": 3.6e6, "d": 8.64e7}[unit]
    )


def statements(lake: Any, day: str) -> list[tuple[str, str, list[str] | None]]:
    silver = (ROOT / "handlers/sql/silver_insert.sql").read_text()
    gold = (ROOT / "handlers/sql/gold_daily_insert.sql").read_text()
    y, m = day[:4], day[5:7]
    return [
        ("silver_insert", silver, [f"'{day}'", f"'{day}'"]),
        ("gold_insert", gold, [f"'{y}'", f"'{m}'", f"'{day}'"]),
        (
            "count_bronze",
            "SELECT count(*), count(DISTINCT id) FROM github_events_bronze WHERE ingest_dt = ?",
            [f"'{day}'"],
        ),
        (
            "count_silver",
            "SELECT count(*), count(DISTINCT event_id) FROM github_events_silver "
            "WHERE year = ? AND month = ? AND ingest_dt = ?",
            [f"'{y}'", f"'{m}'", f"'{day}'"],
        ),
        (
            "count_gold",
            "SELECT count(*), coalesce(sum(event_count), 0) FROM github_events_gold_daily "
            "WHERE ingest_dt = ?",
            [f"'{day}'"],
        ),
        (
            "information_schema",
            "SELECT table_name, column_name FROM information_schema.columns "
            f"WHERE table_schema = '{lake.database}' ORDER BY 1, 2",
            None,
        ),
    ]


def run_arm(arm: str) -> tuple[list[dict[str, Any]], list[Any]]:
    from athena.conftest import client, event, fetch_rows, make_lake

    from harness.local.aws import CREDENTIALS
    from harness.processes import cpu_seconds

    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", arm],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **CREDENTIALS},
    )
    try:
        info = json.loads(proc.stdout.readline())  # type: ignore[union-attr]
        jvm, trino = jvm_of(proc.pid)
        athena = client("athena", info["athena"])
        lake = make_lake(info["aws"], athena)
        while True:  # Trino ready: a query runs
            qe = lake.query("SELECT 1", timeout=600)
            if qe["Status"]["State"] == "SUCCEEDED":
                break
            time.sleep(1)
        for d, day in enumerate(DAYS):
            lake.put_bronze(
                day,
                [
                    event(d * EVENTS_PER_DAY + i, etype=("PushEvent", "IssuesEvent")[i % 2])
                    for i in range(EVENTS_PER_DAY)
                ],
            )
        figures: list[dict[str, Any]] = []
        answers: list[Any] = []
        for d, day in enumerate(DAYS):
            if d == 1:
                threads0 = threads_cpu(jvm)
            for kind, sql, params in statements(lake, day):
                calls0 = get_json(info["aws"] + CALLS_PATH)
                aws0, jvm0, t0 = cpu_seconds(proc.pid), cpu_seconds(jvm), time.perf_counter()
                qe = lake.query(sql, params, timeout=300)
                qid = qe["QueryExecutionId"]
                assert qe["Status"]["State"] == "SUCCEEDED", (kind, qe["Status"])
                rows = fetch_rows(athena, qid)
                wall = time.perf_counter() - t0
                aws_cpu, jvm_cpu = cpu_seconds(proc.pid) - aws0, cpu_seconds(jvm) - jvm0
                calls1 = get_json(info["aws"] + CALLS_PATH)
                answers.append([kind, day, rows if kind != "information_schema" else len(rows)])
                latest = max(get_json(trino + "/v1/query"), key=lambda q: q["queryStats"]["createTime"])
                stats = get_json(f"{trino}/v1/query/{latest['queryId']}")["queryStats"]
                delta = {k: v - calls0["calls"].get(k, 0) for k, v in calls1["calls"].items()}
                figures.append(
                    {
                        "kind": kind,
                        "day": d,
                        "wall_ms": round(wall * 1000),
                        "jvm_cpu_ms": round(jvm_cpu * 1000),
                        "aws_cpu_ms": round(aws_cpu * 1000),
                        "trino": {
                            k: round(millis(stats[k]))
                            for k in (
                                "queuedTime",
                                "analysisTime",
                                "planningTime",
                                "executionTime",
                                "elapsedTime",
                                "totalCpuTime",
                            )
                        },
                        "calls": {k: v for k, v in sorted(delta.items()) if v},
                    }
                )
        aws_calls = get_json(info["aws"] + CALLS_PATH)
        figures.append(
            {
                "aws_calls_total": {
                    k: [n, round(aws_calls["cpu"][k] * 1000 / n, 1)]
                    for k, n in sorted(aws_calls["calls"].items())
                }
            }
        )
        spent = threads_cpu(jvm)
        spent.subtract(threads0)
        figures.append({"jvm_threads_warm_cpu_s": {k: round(v, 2) for k, v in spent.most_common(12)}})
        return figures, answers
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def summarize(figures: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians per statement kind over the warm days (day 0 warms the JVM up)."""
    out: dict[str, Any] = {}
    warm = [f for f in figures if f.get("day", 0) > 0]
    for kind in dict.fromkeys(f["kind"] for f in warm):
        rows = [f for f in warm if f["kind"] == kind]
        med = {k: statistics.median(f[k] for f in rows) for k in ("wall_ms", "jvm_cpu_ms", "aws_cpu_ms")}
        med["trino"] = {k: statistics.median(f["trino"][k] for f in rows) for k in rows[0]["trino"]}
        med["trino_calls"] = statistics.median(
            sum(v for k, v in f["calls"].items() if k.startswith("trino ")) for f in rows
        )
        med["python_calls"] = statistics.median(
            sum(v for k, v in f["calls"].items() if k.startswith("python ")) for f in rows
        )
        out[kind] = med
    per_stmt = {k: statistics.median(f[k] for f in warm) for k in ("wall_ms", "jvm_cpu_ms", "aws_cpu_ms")}
    total = {k: sum(f[k] for f in warm) for k in ("wall_ms", "jvm_cpu_ms", "aws_cpu_ms")}
    return {"per_kind": out, "median_statement": per_stmt, "warm_total": total}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--arms", nargs="+", default=["before", "after"], choices=sorted(ARMS))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serve", choices=sorted(ARMS), help=argparse.SUPPRESS)
    parser.add_argument("--calls", action="store_true", help="print each statement's calls (first run)")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return 0
    reference: list[Any] | None = None
    results: dict[str, list[dict[str, Any]]] = {arm: [] for arm in args.arms}
    for r in range(args.runs):
        for arm in args.arms if r % 2 == 0 else list(reversed(args.arms)):
            figures, answers = run_arm(arm)
            reference = reference if reference is not None else answers
            if answers != reference:
                print(json.dumps({"arm": arm, "run": r, "different answers": answers}), flush=True)
                return 1
            print(json.dumps(figures[-2]), flush=True)
            print(json.dumps(figures[-1]), flush=True)
            if args.calls and r == 0:
                for f in figures:
                    print(json.dumps(f), flush=True)
            results[arm].extend(figures)
            print(json.dumps({"run": r, "arm": arm, **summarize(figures)}), flush=True)
    print(json.dumps({"same answers in every run": True, "statements": len(reference or [])}))
    for arm, figures in results.items():
        print(json.dumps({"arm": arm, "median over runs": summarize(figures)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
