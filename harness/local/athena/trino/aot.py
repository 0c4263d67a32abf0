"""An ahead-of-time class cache for the local Trino's JVM (JDK 25's AOT cache, JEP 483/514/515).

Most of Trino's start-up is the JVM loading, verifying and linking tens of thousands of classes of
lib/ and warming up the planner. Java 25 can record that once (`-XX:AOTCacheOutput`: a training run
that writes the cache when the JVM exits) and map it in on every later start (`-XX:AOTCache`): the
classes come pre-parsed and pre-linked, with the method profiles of the training run. Measured here
it halves the time to a started server (docs/athena-engines.md, "Start-up").

Nothing a query sees changes: the same classes and bytecode run, only loaded sooner. The JVM checks
that a cache matches its own version and class path and ignores one that does not (`-XX:AOTMode=auto`,
its default), so a stale cache costs nothing but the speed-up. The cache lives in the tool cache, one
file per key (Trino, Java, JVM options), written by `make trino` (`python -m
harness.local.athena.trino.install ensure`): a training server answers a few queries, stops, and the
JVM writes the cache, about a minute once per machine. Servers started before a cache exists start
without one, as before. `LAKEHOUSE_TRINO_AOT=off` starts without it and never trains.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import install

SWITCH = "LAKEHOUSE_TRINO_AOT"
MIN_JAVA = 25
# What the training server runs after its start: the planner, optimizer and executor paths every
# Athena query takes (parsing, analysis, aggregation, joins, window functions, JSON and date functions).
TRAINING_QUERIES = (
    "SELECT 1",
    "SELECT node_id, count(*) FROM system.runtime.nodes GROUP BY node_id",
    "SELECT a.x, b.y FROM (VALUES (1, 'a'), (2, 'b')) AS a(x, s) JOIN (VALUES (1, 10), (3, 30)) AS b(x, y) "
    "ON a.x = b.x ORDER BY 1",
    "SELECT x, row_number() OVER (PARTITION BY x % 2 ORDER BY x DESC) FROM UNNEST(sequence(1, 100)) AS t(x)",
    "SELECT json_extract_scalar('{\"a\": {\"b\": 1}}', '$.a.b'), date_trunc('hour', TIMESTAMP '2025-06-01 "
    "10:11:12'), from_iso8601_timestamp('2025-06-01T10:11:12Z'), CAST('1.5' AS DECIMAL(10, 2))",
    "SELECT approx_distinct(x), sum(x), max_by(x, x) FROM UNNEST(sequence(1, 1000)) AS t(x)",
)


def enabled() -> bool:
    return os.environ.get(SWITCH, "on").strip().lower() not in {"off", "0", "false", "no"}


def cache_path(java: install.Java, jvm_options: Sequence[str]) -> Path:
    """Where the cache for this Trino, this Java and these JVM options lives."""
    # Not Java's path: checkouts with the same runtime share a cache (the JVM checks it is its own build).
    key = json.dumps([install.VERSION, install.INSTALLER_REVISION, java.version, list(jvm_options)])
    return install.install_dir() / "aot" / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.aot"


def options(java: install.Java, jvm_options: Sequence[str]) -> list[str]:
    """The JVM options that map the cache in, when there is one and the switch is on."""
    path = cache_path(java, jvm_options)
    return [f"-XX:AOTCache={path}"] if enabled() and path.is_file() else []


def supported(java: install.Java) -> bool:
    """One-step recording (-XX:AOTCacheOutput) came with Java 25; Trino itself runs on 24 too."""
    head = java.version.split(".")[0]
    return head.isdigit() and int(head) >= MIN_JAVA


def train(quiet: bool = False) -> Path | None:
    """Write the cache for the server's own JVM options, once: a training server on a throwaway port
    answers TRAINING_QUERIES and stops; its JVM writes the cache as it exits. Returns the cache, or None
    when the switch is off, the Java cannot record one, or recording failed (then Trino starts without a
    cache, as before, and the one-line reason is logged). Held under the installer's lock, so parallel
    callers train once."""
    from .server import TrinoServer

    if not enabled():
        return None
    _home, java = install.ensure(quiet=True)
    if not supported(java):
        install.log(
            f"Java {java.version} cannot record a class cache (needs {MIN_JAVA}+); Trino starts without"
        )
        return None
    probe = TrinoServer("http://127.0.0.1:1", name=f"aot-training-{os.getpid()}")
    path = cache_path(java, probe._jvm_options())
    if path.is_file():
        return path
    with install._install_lock():
        if path.is_file():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        install.log(f"recording the JVM's class cache for Trino's start-up (once per machine) -> {path}")
        started = time.monotonic()
        server = TrinoServer("http://127.0.0.1:1", name=probe.dir.name, aot_record=partial)
        try:
            _record(server)
        except Exception as exc:  # a speed-up only: never fail the install for it
            install.log(
                f"warning: no class cache recorded ({type(exc).__name__}: {exc}); see {server.log_path}"
            )
            partial.unlink(missing_ok=True)
            return None
        finally:
            partial.with_name(partial.name + ".config").unlink(missing_ok=True)
        os.replace(partial, path)
        shutil.rmtree(server.dir, ignore_errors=True)
        if not quiet:
            install.log(
                f"class cache recorded in {time.monotonic() - started:.0f}s "
                f"({path.stat().st_size / 1e6:.0f} MB); Trino starts with it from now on"
            )
    return path


def _record(server: Any) -> None:
    """Run the training server to its end; its JVM writes server.aot_record as it exits."""
    from .client import execute

    server.start()
    try:
        server.wait_ready()
        for sql in TRAINING_QUERIES:
            execute(server.url, sql, catalog="system", schema=None, timeout=120)
    finally:
        proc = server.proc
        if proc is not None:
            proc.terminate()  # the JVM writes the cache on its way out
            try:
                proc.wait(timeout=900)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    if not server.aot_record.is_file():
        raise RuntimeError("the training JVM exited without writing the cache")
