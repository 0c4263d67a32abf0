"""Benchmark GH Archive hours through the deployed pipeline on the local target, per Athena engine.

    .venv/bin/python bench/archive_bench.py [--engine duckdb|trino|both] [--events-per-hour 100000]
                                            [--hours 24] [--day 2025-06-10] [--json FILE]

A fresh local AWS (moto + the local Athena on the first engine), the stack applied with its archive function
pointed at a FakeArchive on loopback (generated hours, seed 6, 1 % invalid lines), then the stages, each
timed on the wall clock:

1. archive (once): the deployed archive function invoked once per hour (``{"hours": ["YYYY-MM-DDTHH"]}``,
   as a throttled backfill does; the stack's reserved concurrency is 1), streaming each file into Bronze;
2. silver[engine]: the deployed Silver function over the day (one ``INSERT INTO`` through the local Athena);
3. gold[engine]: the deployed Gold function for the day.

With ``--engine both`` Silver and Gold run on DuckDB (the deployed local Athena), are wiped, and run again
on Trino (a second local Athena in this process, its JVM a child of it) over the same Bronze.

Throughput is events (lines served) per second of the stage. Peak RSS per stage comes from sampling the
process tree every 0.1 s and reading each process's high-water mark (VmHWM, reset at each stage start for
the long-lived ones): the Lambda subprocess (what Lambda's memory_size bounds), the local AWS process
(moto, the local Athena and, on the duckdb engine, DuckDB), Trino's JVM, and this process (the fake archive
server generating and compressing the files). Counts are read back and checked against what the fake
archive served; a mismatch fails the bench. Figures go to docs/benchmarks.md.

Trino runs with LAKEHOUSE_TRINO_JIT=full (C1 + C2) unless the variable is set: at a day's scale the C2
compiler pays back (Silver over 1,000,000 events took 57 s with it, 81 s with C1 only, the harness's
default for test-scale work; docs/benchmarks.md, "The local Trino's JIT"). Its class cache is recorded
first when missing, as `make trino` does for the default.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections import defaultdict
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.iac.tofu import resolve  # noqa: E402
from harness.local.athena.second_engine import second_athena, wipe_table  # noqa: E402
from harness.local.athena.trino import aot  # noqa: E402
from harness.local.athena.trino.server import JIT_SWITCH  # noqa: E402
from harness.local.fake_archive import FakeArchive  # noqa: E402
from harness.paths import work_dir  # noqa: E402
from harness.pipeline import zips as lambda_zip  # noqa: E402
from harness.pipeline.runtime import LambdaRuntime  # noqa: E402
from harness.pipeline.schedule import Pipeline  # noqa: E402
from harness.targets.environment import deploy  # noqa: E402
from harness.targets.names import ephemeral_env_name  # noqa: E402
from harness.targets.target import open_target  # noqa: E402

INVALID_FRACTION = 0.01
SEED = 6


# ---------------------------------------------------------------------------------------------------
# Peak RSS of the process tree


def _status(pid: int) -> dict[str, int]:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                out[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        pass
    return out


def _children() -> dict[int, int]:
    """pid -> parent pid of every process on the machine (to walk our own tree)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    return parents


def _descendants(root: int) -> list[int]:
    parents = _children()
    out, frontier = [], [root]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parents.items() if pp == p]
        out += kids
        frontier += kids
    return out


def _role(pid: int) -> str:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "gone"
    text = [a.decode("utf-8", "replace") for a in argv]
    if any(a.endswith(".handler") for a in text):
        return "lambda:" + next(a for a in text if a.endswith(".handler")).split(".")[0]
    if "harness.local.aws" in text:
        return "local_aws"
    if text and text[0].endswith("java"):
        return "trino_jvm"
    return "other"


class TreeRss:
    """Samples VmHWM of this process and every descendant; peaks per role (KiB) for the current stage."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.peaks: dict[str, int] = defaultdict(int)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        me = os.getpid()
        seen = {"bench": _status(me).get("VmHWM", 0)}
        for pid in _descendants(me):
            role = _role(pid)
            seen[role] = max(seen.get(role, 0), _status(pid).get("VmHWM", 0))
        with self._lock:
            for role, kib in seen.items():
                self.peaks[role] = max(self.peaks[role], kib)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def new_stage(self) -> None:
        """Reset the high-water marks of the long-lived processes (this one, local AWS, Trino)."""
        for pid in [os.getpid(), *_descendants(os.getpid())]:
            with suppress(OSError):
                Path(f"/proc/{pid}/clear_refs").write_text("5")
        with self._lock:
            self.peaks.clear()

    def stage_peaks_mb(self) -> dict[str, int]:
        self._sample()
        with self._lock:
            return {
                role: round(kib / 1024) for role, kib in sorted(self.peaks.items()) if role != "gone" and kib
            }


# ---------------------------------------------------------------------------------------------------


@contextmanager
def engine_env(engine: str):  # type: ignore[no-untyped-def]
    old = os.environ.get("LAKEHOUSE_ATHENA_ENGINE")
    os.environ["LAKEHOUSE_ATHENA_ENGINE"] = engine
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("LAKEHOUSE_ATHENA_ENGINE", None)
        else:
            os.environ["LAKEHOUSE_ATHENA_ENGINE"] = old


def stage(name: str, rss: TreeRss, events: int, fn: Any) -> dict[str, Any]:
    rss.new_stage()
    started = time.monotonic()
    detail = fn()
    seconds = time.monotonic() - started
    out = {
        "stage": name,
        "seconds": round(seconds, 1),
        "events": events,
        "events_per_s": round(events / seconds) if seconds else None,
        # Warm Lambda environments of earlier stages idle on: only the stage's own function is its figure.
        "peak_rss_mb": {
            k: v
            for k, v in rss.stage_peaks_mb().items()
            if not k.startswith("lambda:") or k == f"lambda:{name.split('[')[0]}"
        },
    }
    if detail:
        out["detail"] = detail
    print(json.dumps(out), flush=True)
    return out


def transforms(
    pipe: Pipeline, lake: Any, rss: TreeRss, day: str, lines: int, valid: int, engine: str
) -> dict[str, Any]:
    """Silver and Gold of the day through one engine, then the counts checked against what was served."""

    def silver() -> dict[str, Any]:
        return {"status": pipe.invoke("silver", {"from_dt": day, "to_dt": day}).raise_for_error()["status"]}

    def gold() -> dict[str, Any]:
        out = pipe.invoke("gold", {"ingest_dt": day}).raise_for_error()
        return {"partition_replaced": out.get("partition_replaced")}

    try:
        stages = [stage(f"silver[{engine}]", rss, valid, silver), stage(f"gold[{engine}]", rss, valid, gold)]
    except Exception as exc:  # a stage the engine cannot run at this size is a result, not a crash
        failed = {"engine": engine, "failed": f"{type(exc).__name__}: {exc}"[:600]}
        print(json.dumps(failed), flush=True)
        return failed
    counts = lake.counts(day)
    got = (counts.bronze, counts.quarantined, counts.silver, counts.gold_events)
    want = (valid, lines - valid, valid, valid)
    if got != want:
        raise SystemExit(f"{engine}: counts (bronze, quarantined, silver, gold_events) {got} != {want}")
    return {"engine": engine, "stages": stages, "counts": counts.as_dict() | {"served_lines": lines}}


def run(engines: tuple[str, ...], day: str, hours: int, per_hour: int, zips: Path) -> dict[str, Any]:
    """One environment: the archive stage once, then Silver and Gold on each engine in turn (Silver and Gold
    wiped in between). The deployed local Athena runs the first engine, a second one the other."""
    from harness.pipeline.counts import Lake

    tofu = resolve(build=False)
    hour_list = [f"{day}T{h:02d}" for h in range(hours)]
    result: dict[str, Any] = {"day": day, "hours": hours, "events_per_hour": per_hour, "engines": []}
    with (
        engine_env(engines[0]),
        TreeRss() as rss,
        FakeArchive(seed=SEED, events_per_hour=per_hour, invalid_fraction=INVALID_FRACTION) as archive,
        open_target("local") as local,
    ):
        expected = [archive.expected_events(h) for h in hour_list]
        lines = sum(e.lines for e in expected)
        valid = sum(e.valid for e in expected)
        env = ephemeral_env_name("bench")
        started = time.monotonic()
        dep = deploy(
            local,
            env,
            tofu,
            zips,
            name=f"abench-{env}",
            extra_vars={"archive": {"base_url": archive.url, "lag_hours": 1, "lookback_hours": 24}},
        )
        result["apply_s"] = round(time.monotonic() - started, 1)
        runtime = LambdaRuntime(aws_env=local.client_env())
        try:
            pipe = Pipeline.load(env=env, client=dep.client, runtime=runtime, search_dirs=[zips])

            def load_hours() -> dict[str, Any]:
                per_hour_s, statuses = [], defaultdict(int)
                for hour in hour_list:
                    inv = pipe.invoke("archive", {"hours": [hour]})
                    out = inv.raise_for_error()
                    per_hour_s.append(inv.seconds)
                    for status, n in out["hours"].items():
                        statuses[status] += n
                per_hour_s.sort()
                return {
                    "hours": dict(statuses),
                    "median_hour_s": round(per_hour_s[(len(per_hour_s) - 1) // 2], 1),
                    "max_hour_s": round(per_hour_s[-1], 1),
                }

            result["archive"] = stage("archive", rss, lines, load_hours)
            lake = local.lake(dep.outputs)
            result["engines"].append(transforms(pipe, lake, rss, day, lines, valid, engines[0]))
            lake.close()
            for engine in engines[1:]:
                for table in ("github_events_silver", "github_events_gold_daily"):
                    wipe_table(local, dep.outputs["glue_database"], table)
                # The JVM's start is not the stage's time (docs/benchmarks.md has it).
                with second_athena(local, engine, wait_ready=True) as url:
                    other = LambdaRuntime(aws_env={**local.client_env(), "AWS_ENDPOINT_URL_ATHENA": url})
                    try:
                        pipe2 = Pipeline.load(env=env, client=dep.client, runtime=other, search_dirs=[zips])
                        lake2 = Lake.connect(
                            dep.outputs,
                            s3=local.client("s3"),
                            athena_endpoint=url,
                            credentials=local.credentials,
                            region=local.region,
                        )
                        result["engines"].append(transforms(pipe2, lake2, rss, day, lines, valid, engine))
                        lake2.close()
                    finally:
                        other.close()
        finally:
            runtime.close()
            dep.destroy()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=("duckdb", "trino", "both"), default="both")
    parser.add_argument("--events-per-hour", type=int, default=100_000)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--day", default="2025-06-10")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this file")
    args = parser.parse_args()
    if not 1 <= args.hours <= 24:
        parser.error("--hours must be 1-24 (one day)")
    os.environ.setdefault(JIT_SWITCH, "full")  # throughput on big data: see the docstring
    if "trino" in (args.engine, "both"):
        aot.train(quiet=True)  # this JIT mode's class cache, once per machine
    zips = work_dir() / "archive-bench-zips"
    lambda_zip.build_all(zips)
    engines = ("duckdb", "trino") if args.engine == "both" else (args.engine,)
    results = run(engines, args.day, args.hours, args.events_per_hour, zips)
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
