"""A single-node Trino (coordinator and worker in one JVM) wired to the local AWS.

Its one catalog, `awsdatacatalog` (Athena's name for the Glue catalog), is Trino's Hive connector with
Glue as the metastore and S3 through Trino's native S3 filesystem, both at the moto endpoint. The server
starts in the background (`start()` returns at once) so the JVM's ~20 s of startup overlaps other work;
`wait_ready()` blocks until it answers. Configuration, data and logs live under .work/trino/<name>/.

    python -m harness.local.athena.trino.server --aws-endpoint http://127.0.0.1:5000 [--port 8080]

prints one JSON line {"trino": "http://127.0.0.1:PORT", "log": ...} once the server answers queries,
then serves until interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from harness.paths import work_dir
from harness.processes import die_with_parent

from . import aot, install

CATALOG = "awsdatacatalog"
# ~20 s on a quiet 2-core machine; minutes when other JVMs and test runs share it.
STARTUP_TIMEOUT = float(os.environ.get("LAKEHOUSE_TRINO_STARTUP_TIMEOUT", "300"))


JIT_SWITCH = "LAKEHOUSE_TRINO_JIT"
# The JIT compilers the JVM may use. c1 (the default): the client compiler only (`TieredStopAtLevel=1`).
# At the harness's scale (queries over a few rows to a few MB) C2 compiling the planner and operators was
# ~40 % of a Trino's CPU and never paid back before the JVM ended. full: the JVM's default tiered C1 + C2,
# for throughput on big data (it pays back from about a million events per query: the archive bench).
# Compilation never changes what a Java program computes, only how fast (docs/benchmarks.md).
JIT_MODES: dict[str, tuple[str, ...]] = {"c1": ("-XX:TieredStopAtLevel=1",), "full": ()}


@dataclass(frozen=True)
class TrinoSettings:
    """Memory sized for a 2-core / 24 GiB machine shared with the tests: one Trino takes at most ~3 GiB.
    Read from the environment when made (not when imported), so a process can start differently set ones."""

    heap: str = field(default_factory=lambda: os.environ.get("LAKEHOUSE_TRINO_HEAP", "2G"))
    jit: str = field(default_factory=lambda: os.environ.get(JIT_SWITCH, "c1"))
    # Athena's own limit on partitions one INSERT/CTAS may write (HIVE_TOO_MANY_OPEN_PARTITIONS).
    max_partitions_per_writer: int = 100

    @property
    def query_max_memory(self) -> str:
        """Half the heap (1GB at the default 2G): a bigger heap lets bigger queries run, as it does on
        a Trino worker; the other half is the JVM's headroom."""
        match = re.fullmatch(r"(\d+)([gGmM])", self.heap)
        if not match:
            raise TrinoStartError(f"LAKEHOUSE_TRINO_HEAP must look like 2G or 1536M, got {self.heap!r}")
        megabytes = int(match.group(1)) * (1024 if match.group(2) in "gG" else 1)
        return f"{megabytes // 2}MB"

    @property
    def jit_options(self) -> list[str]:
        mode = self.jit.strip().lower()
        if mode not in JIT_MODES:
            raise TrinoStartError(f"{JIT_SWITCH} must be one of {', '.join(JIT_MODES)}, got {self.jit!r}")
        return list(JIT_MODES[mode])


class TrinoStartError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TrinoServer:
    def __init__(
        self,
        aws_endpoint: str,
        region: str = "us-east-1",
        access_key: str = "testing",
        secret_key: str = "testing",
        port: int = 0,
        name: str | None = None,
        settings: TrinoSettings | None = None,
        aot_record: Path | None = None,
    ):
        self.aws_endpoint = aws_endpoint.rstrip("/")
        self.region = region
        self.access_key = access_key
        self.secret_key = secret_key
        self.requested_port = port
        self.port = 0
        self.settings = settings or TrinoSettings()
        self.aot_record = aot_record  # record the JVM's class cache here instead of using one (aot.train)
        self.dir = work_dir() / "trino" / (name or f"trino-{os.getpid()}-{uuid.uuid4().hex[:6]}")
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._lock = threading.Lock()
        self._ready = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.dir / "server.log"

    # --- configuration -------------------------------------------------------------------------------

    def _write_config(self, home: Path) -> None:
        etc = self.dir / "etc"
        (etc / "catalog").mkdir(parents=True, exist_ok=True)
        (self.dir / "data").mkdir(parents=True, exist_ok=True)
        s = self.settings

        def write(path: Path, lines: list[str]) -> None:
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")

        write(
            etc / "config.properties",
            [
                "node.environment=lakehouse_local",
                f"node.id={uuid.uuid4()}",
                "node.bind-ip=127.0.0.1",  # loopback only
                "node.internal-address=127.0.0.1",
                "coordinator=true",
                "node-scheduler.include-coordinator=true",
                f"http-server.http.port={self.port}",
                f"discovery.uri={self.url}",
                f"plugin.dir={home / 'plugin'}",
                f"catalog.config-dir={etc / 'catalog'}",
                f"query.max-memory={s.query_max_memory}",
                f"query.max-memory-per-node={s.query_max_memory}",
                "query.client.timeout=5m",
                # Few CPUs: fewer threads than Trino's server-sized defaults, fewer context switches.
                "task.concurrency=2",
                "task.max-worker-threads=4",
                # One writer per query on this single node, so hive.max-partitions-per-writers (100) bounds
                # the query's partitions as Athena's limit does, not each of several writers' share.
                "task.max-writer-count=1",
                "http-server.log.enabled=false",
            ],
        )
        write(etc / "log.properties", ["io.trino=INFO", "io.airlift=WARN", "org.apache=WARN"])
        write(
            etc / "catalog" / f"{CATALOG}.properties",
            [
                "connector.name=hive",
                "hive.metastore=glue",
                f"hive.metastore.glue.region={self.region}",
                f"hive.metastore.glue.endpoint-url={self.aws_endpoint}",
                f"hive.metastore.glue.aws-access-key={self.access_key}",
                f"hive.metastore.glue.aws-secret-key={self.secret_key}",
                "fs.native-s3.enabled=true",
                f"s3.endpoint={self.aws_endpoint}",
                f"s3.region={self.region}",
                "s3.path-style-access=true",
                f"s3.aws-access-key={self.access_key}",
                f"s3.aws-secret-key={self.secret_key}",
                # Athena writes into external tables (INSERT INTO) and reads projected partitions.
                "hive.non-managed-table-writes-enabled=true",
                "hive.partition-projection-enabled=true",
                "hive.storage-format=PARQUET",
                "hive.compression-codec=SNAPPY",
                f"hive.max-partitions-per-writers={s.max_partitions_per_writer}",
                # Athena does not keep Hive column statistics on writes; moto's Glue has no API for them.
                "hive.collect-column-statistics-on-write=false",
                # A table's partitions in one GetPartitions listing rather than 5 parallel segments: the same
                # partitions (the segments are disjoint and cover them), 4 calls fewer per partitioned table
                # read; parallel listing only pays off on tables with many thousands of partitions.
                "hive.metastore.glue.partitions-segments=1",
            ],
        )

    def _jvm_options(self) -> list[str]:
        return [
            f"-Xmx{self.settings.heap}",
            "-XX:+UseG1GC",
            "-XX:G1HeapRegionSize=32M",
            "-XX:+ExplicitGCInvokesConcurrent",
            "-XX:+ExitOnOutOfMemoryError",  # an OOM ends the JVM; the engine reports it and restarts it
            "-XX:-OmitStackTraceInFastThrow",
            "-XX:ReservedCodeCacheSize=256M",
            "-XX:PerMethodRecompilationCutoff=10000",
            "-XX:PerBytecodeRecompilationCutoff=10000",
            "-XX:+EnableDynamicAgentLoading",
            "-Djdk.attach.allowAttachSelf=true",
            "-Djdk.nio.maxCachedBufferSize=2000000",
            "-Dfile.encoding=UTF-8",
            "-Duser.timezone=UTC",  # Athena runs in UTC
            # GC and compiler threads are left to the JVM: on 2 cores it already runs 2 parallel GC, 1
            # concurrent GC and 1 (C1) or 2 (C1 + C2) compiler threads (docs/athena-engines.md).
            *self.settings.jit_options,
        ]

    def _aot_options(self, java: install.Java) -> list[str]:
        """Start from the recorded class cache when there is one (aot.py); record one when asked to."""
        if self.aot_record is not None:
            return [f"-XX:AOTCacheOutput={self.aot_record}"]
        return aot.options(java, self._jvm_options())

    # --- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> TrinoServer:
        """Spawn the JVM and return at once; `wait_ready()` waits for it."""
        with self._lock:
            self._spawn()
        return self

    def _spawn(self) -> None:
        home, java = install.ensure(quiet=True)
        self.port = self.requested_port or _free_port()
        self._write_config(home)
        cmd = [
            str(java.binary),
            *self._jvm_options(),
            *self._aot_options(java),
            "-cp",
            str(home / "lib" / "*"),
            f"-Dconfig={self.dir / 'etc' / 'config.properties'}",
            f"-Dlog.levels-file={self.dir / 'etc' / 'log.properties'}",
            "io.trino.server.TrinoServer",
        ]
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps writing to it
        log.write(f"\n=== starting Trino {install.VERSION} on port {self.port}: {' '.join(cmd)}\n".encode())
        log.flush()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}  # config files say it all
        self.proc = subprocess.Popen(
            cmd,
            cwd=self.dir / "data",
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            preexec_fn=die_with_parent,
        )
        log.close()
        self._ready = False
        self.started_at = time.monotonic()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout: float) -> int | None:
        """The exit code once the JVM has exited within `timeout`, else None (still running)."""
        proc = self.proc
        if proc is None:
            return None
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def exit_code(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def _info(self) -> dict[str, object] | None:
        try:
            with urllib.request.urlopen(f"{self.url}/v1/info", timeout=2) as resp:
                return json.loads(resp.read())  # type: ignore[no-any-return]
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def _runs_a_query(self) -> bool:
        """The coordinator reports started before it has registered itself as a worker; until then every
        query fails with NO_NODES_AVAILABLE. Ready means a query runs."""
        from . import client

        try:
            client.execute(self.url, "SELECT 1", catalog="system", schema=None, timeout=10)
        except (client.TrinoQueryError, client.TrinoUnreachable):
            return False
        return True

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> float:
        """Block until the server accepts queries; returns seconds since the JVM was spawned."""
        deadline = time.monotonic() + timeout
        while True:
            if self._ready:
                return 0.0
            if not self.alive():
                raise TrinoStartError(
                    f"Trino exited during startup (exit code {self.exit_code()}); log: {self.log_path}: "
                    + self.log_tail(3)
                )
            info = self._info()
            if info is not None and info.get("starting") is False and self._runs_a_query():
                self._ready = True
                return time.monotonic() - self.started_at
            if time.monotonic() > deadline:
                raise TrinoStartError(f"Trino did not start within {timeout:.0f}s; log: {self.log_path}")
            time.sleep(0.25)

    def ensure_running(self) -> bool:
        """Restart a server that died (crash, OOM); True when it was restarted."""
        with self._lock:
            if self.alive():
                return False
            self.restarts += 1
            self._spawn()
            return True

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        except OSError:
            return ""
        keep = [t for t in text if "ERROR" in t or "Exception" in t or "Error" in t] or text
        return " | ".join(t.strip() for t in keep[-lines:])

    def stop(self) -> None:
        with self._lock:
            proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def __enter__(self) -> TrinoServer:
        self.start()
        self.wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.local.athena.trino.server",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--aws-endpoint", required=True, help="the local AWS (moto server) URL")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--port", type=int, default=0, help="HTTP port (0: any free port)")
    parser.add_argument("--name", default=None, help="folder under .work/trino/ (default: per process)")
    args = parser.parse_args(argv)
    try:
        server = TrinoServer(args.aws_endpoint, region=args.region, port=args.port, name=args.name).start()
        seconds = server.wait_ready()
    except (install.TrinoInstallError, TrinoStartError) as e:
        print(f"[trino] error: {e}", file=sys.stderr)
        return 1
    info = {"trino": server.url, "log": str(server.log_path), "startup_seconds": round(seconds, 1)}
    print(json.dumps(info), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.5):
        if not server.alive():
            print(f"[trino] exited (code {server.exit_code()}); log: {server.log_path}", file=sys.stderr)
            return 1
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
