"""Run a deployed Lambda function the way the Lambda runtime would: its zip, its handler, its settings.

Everything comes from the deployed function (``lambda:GetFunction``), not from the repository:
- the code: the zip at ``Code.Location`` when that is fetchable from here (a loopback URL), else the local
  artifact whose SHA-256 equals the deployed ``CodeSha256`` (the exact bytes Terraform uploaded);
- ``Handler`` (``module.function``), ``Environment.Variables`` and ``Timeout``.

The zip is unpacked once per code hash. An execution environment is one Python subprocess (``python -I``:
no PYTHONPATH, no user site; boto3 from the interpreter's site-packages, as the Lambda runtime provides
it) whose bootstrap imports the handler from the unpacked code only on its first invocation, builds a
context object per invocation (``get_remaining_time_in_millis``, ``function_name``, ``aws_request_id``,
...), calls ``handler(event, context)`` and reports the result, or the error as Lambda does
(``errorType``, ``errorMessage``). As on Lambda, an environment stays warm for the function's next
invocation; it is stopped and discarded when an invocation's timeout passes.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.errors import HarnessError

# Runs inside an execution environment's process: argv = [code_dir, handler, name, memory_mb, arn, version].
# It serves invocations one after another, as Lambda's runtime does: one JSON request per line on stdin
# ({"event", "timeout", "log"}), the handler's stdout and stderr sent to that invocation's log file, one
# JSON result per line on the original stdout. Module state (imports, clients, the handler's own
# counters) lives as long as the process: the first invocation is the cold start, later ones are warm.
BOOTSTRAP = r"""
import importlib, json, os, sys, time, traceback, uuid
code_dir, handler_spec, name, memory, arn, version = sys.argv[1:7]
sys.path.insert(0, code_dir)
results = os.fdopen(os.dup(1), "w")
null = os.open(os.devnull, os.O_WRONLY)
os.dup2(null, 1)
log_stream = time.strftime("%Y/%m/%d") + "/[" + version + "]" + uuid.uuid4().hex
handler = None

class Context:
    function_name = name
    function_version = version
    invoked_function_arn = arn
    memory_limit_in_mb = memory
    log_group_name = "/aws/lambda/" + name
    log_stream_name = log_stream
    def __init__(self, deadline):
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = deadline
    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))

for line in sys.stdin:
    request = json.loads(line)
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    sys.stdout.flush(); sys.stderr.flush()
    os.dup2(log, 1); os.dup2(log, 2); os.close(log)
    try:
        if handler is None:
            module_name, _, func_name = handler_spec.rpartition(".")
            module = importlib.import_module(module_name)
            origin = getattr(module, "__file__", "") or ""
            if not origin.startswith(code_dir):
                raise ImportError(f"handler module {module_name} came from {origin}, not the function's code")
            handler = getattr(module, func_name)
        # The init phase is over: the function's timeout counts from here, as on Lambda.
        results.write('{"started": true}\n')
        results.flush()
        deadline = time.monotonic() + float(request["timeout"])
        out = {"ok": True, "result": handler(request["event"], Context(deadline))}
    except Exception as exc:
        out = {"ok": False, "errorType": type(exc).__name__, "errorMessage": str(exc),
               "stackTrace": traceback.format_exc().splitlines()}
    sys.stdout.flush(); sys.stderr.flush()
    results.write(json.dumps(out, default=str) + "\n")
    results.flush()
"""


class LambdaRuntimeError(HarnessError):
    """The function could not be run at all (code not found, bootstrap crashed)."""


@dataclass
class Invocation:
    """One invocation's outcome, shaped like Lambda's: a result or an error, plus the logs."""

    function: str
    event: Any
    ok: bool
    result: Any = None
    error_type: str | None = None
    error_message: str | None = None
    timed_out: bool = False
    logs: str = ""
    seconds: float = 0.0

    def raise_for_error(self) -> Any:
        if not self.ok:
            raise LambdaRuntimeError(
                f"{self.function} failed ({self.error_type}): {self.error_message}\n{self.logs[-3000:]}"
            )
        return self.result


@dataclass
class DeployedFunction:
    name: str
    handler: str
    environment: dict[str, str]
    timeout: int
    memory: int
    arn: str
    code_sha256: str
    code: bytes = field(repr=False)

    @property
    def runtime_env(self) -> dict[str, str]:
        """What the Lambda service sets beside the function's own variables."""
        return {
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.name}",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python_local",
            "LAMBDA_TASK_ROOT": "",
        }


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _fetch_location(location: str, timeout: float = 10.0) -> bytes | None:
    """The zip at Code.Location, only when it is served from this machine (never the network)."""
    parts = urlsplit(location)
    if parts.scheme not in {"http", "https"} or parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
        return None
    try:
        with urllib.request.urlopen(location, timeout=timeout) as resp:
            return bytes(resp.read())
    except OSError:
        return None


def find_code(code_sha256: str, location: str | None, search_dirs: Iterable[Path]) -> bytes:
    """The deployed zip's bytes, checked against CodeSha256."""
    if location:
        data = _fetch_location(location)
        if data is not None and sha256_b64(data) == code_sha256:
            return data
    looked: list[str] = []
    for directory in search_dirs:
        for path in sorted(Path(directory).glob("*.zip")):
            looked.append(str(path))
            data = path.read_bytes()
            if sha256_b64(data) == code_sha256:
                return data
    raise LambdaRuntimeError(
        f"no zip with the deployed CodeSha256 {code_sha256}: Code.Location {location!r} is not fetchable "
        f"from here and none of {looked or 'no local zips'} matches (was the stack applied from other zips?)"
    )


def load_function(lambda_client: Any, name: str, search_dirs: Iterable[Path] = ()) -> DeployedFunction:
    """Read a deployed function back: configuration and code."""
    out = lambda_client.get_function(FunctionName=name)
    conf = out["Configuration"]
    code = find_code(conf["CodeSha256"], out.get("Code", {}).get("Location"), search_dirs)
    return DeployedFunction(
        name=conf["FunctionName"],
        handler=conf["Handler"],
        environment=dict(conf.get("Environment", {}).get("Variables", {})),
        timeout=int(conf.get("Timeout", 3)),
        memory=int(conf.get("MemorySize", 128)),
        arn=conf["FunctionArn"],
        code_sha256=conf["CodeSha256"],
        code=code,
    )


VERSION = "$LATEST"
# How long a cold environment may take to start and import its handler before its invocation's
# timeout starts (Lambda's init phase has its own limit, 10 s).
INIT_GRACE_SECONDS = 5.0
STARTED = b'{"started": true}'


class ExecutionEnvironment:
    """One function's execution environment: a Python process that serves its invocations one at a time."""

    def __init__(
        self, fn: DeployedFunction, code_dir: Path, env: Mapping[str, str], python: str, scratch: Path
    ):
        self.function = fn
        self.scratch = scratch
        self.invocations = 0
        self._pending = bytearray()  # bytes read from the runtime's result pipe, not yet a whole line
        self._stderr = scratch / f"env-{uuid.uuid4().hex[:8]}.stderr"
        with open(self._stderr, "wb") as stderr:
            self.proc = subprocess.Popen(
                [
                    python,
                    "-I",
                    "-u",  # unbuffered: a line printed before a timeout is in the logs, as on Lambda
                    "-c",
                    BOOTSTRAP,
                    str(code_dir),
                    fn.handler,
                    fn.name,
                    str(fn.memory),
                    fn.arn,
                    VERSION,
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=dict(env),
                cwd=code_dir,
            )

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def invoke(self, event: Any, timeout: float) -> Invocation:
        fn = self.function
        self.invocations += 1
        log = self.scratch / f"invocation-{uuid.uuid4().hex}.log"
        request = json.dumps({"event": event, "timeout": timeout, "log": str(log)}) + "\n"
        started = time.monotonic()
        line, timed_out = b"", False
        try:
            assert self.proc.stdin is not None and self.proc.stdout is not None
            self.proc.stdin.write(request.encode())
            self.proc.stdin.flush()
            # A cold environment's interpreter start and imports (Lambda's init phase) are not the
            # function's time: they get INIT_GRACE_SECONDS; the timeout counts from the runtime's
            # "started" line, so a timed-out invocation is stopped right at its timeout.
            line, timed_out = self._read_line(INIT_GRACE_SECONDS)
            if line == STARTED:
                line, timed_out = self._read_line(timeout)
        except (BrokenPipeError, OSError):
            line = b""
        seconds = time.monotonic() - started
        logs = _read_and_remove(log)
        if timed_out:  # still running past the deadline: Lambda stops it and discards the environment
            self.close()
            return Invocation(
                fn.name,
                event,
                ok=False,
                error_type="Sandbox.Timedout",
                error_message=f"Task timed out after {timeout:.2f} seconds",
                timed_out=True,
                logs=logs,
                seconds=seconds,
            )
        if not line:
            code = self.proc.wait()
            return Invocation(
                fn.name,
                event,
                ok=False,
                error_type="Runtime.ExitError",
                error_message=f"the runtime exited with code {code} before returning a result",
                logs=logs + self._stderr.read_text(encoding="utf-8", errors="replace"),
                seconds=seconds,
            )
        out = json.loads(line)
        if out["ok"]:
            return Invocation(fn.name, event, ok=True, result=out["result"], logs=logs, seconds=seconds)
        return Invocation(
            fn.name,
            event,
            ok=False,
            error_type=out["errorType"],
            error_message=out["errorMessage"],
            logs=logs + "\n".join(out.get("stackTrace", [])),
            seconds=seconds,
        )

    def _read_line(self, seconds: float) -> tuple[bytes, bool]:
        """The runtime's next line and False; (b"", True) if none comes within `seconds`; (b"", False) at EOF.

        Reads the pipe's descriptor directly into our own buffer: a buffered reader could hold a second
        line that select() on the descriptor would then never report.
        """
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        end = time.monotonic() + seconds
        while b"\n" not in self._pending:
            left = end - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return b"", True
            chunk = os.read(fd, 65536)
            if not chunk:
                return b"", False
            self._pending += chunk
        line, _, rest = bytes(self._pending).partition(b"\n")
        self._pending = bytearray(rest)
        return line, False

    def close(self) -> None:
        if self.alive:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._stderr.unlink(missing_ok=True)


def _read_and_remove(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    path.unlink(missing_ok=True)
    return text


@dataclass
class LambdaRuntime:
    """Invokes deployed functions in execution environments of their own (one Python process each).

    As Lambda does, an environment that finished an invocation is kept warm and serves the function's next
    one (``cold_start`` false in the handlers' logs); concurrent invocations get an environment each; an
    environment whose invocation timed out or whose process exited is discarded. ``warm=False`` gives
    every invocation a fresh environment (a cold start each time). An environment belongs to one exact
    deployed configuration (code, handler, variables, memory): a redeployed function gets new ones.

    ``aws_env``: how the code reaches the target's AWS APIs (for emulated targets the endpoint variables
    and test credentials of Target.client_env(); empty on AWS, where the caller's credentials
    apply). ``work_dir``: where each function's code is unpacked (once per code hash).
    """

    aws_env: Mapping[str, str] = field(default_factory=dict)
    work_dir: Path | None = None
    python: str = sys.executable
    timeout_override: float | None = None  # e.g. shorter than deployed, for fault scenarios
    warm: bool = True
    _unpacked: dict[str, Path] = field(default_factory=dict, repr=False)
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)
    _idle: dict[str, list[ExecutionEnvironment]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    started_environments: int = 0

    def _base(self) -> Path:
        if self.work_dir is not None:
            return self.work_dir
        self._tmp = self._tmp or tempfile.TemporaryDirectory(prefix="lambda-runtime-")
        return Path(self._tmp.name)

    def _code_dir(self, fn: DeployedFunction) -> Path:
        with self._lock:  # concurrent first invocations unpack once
            return self._unpack(fn)

    def _unpack(self, fn: DeployedFunction) -> Path:
        if fn.code_sha256 in self._unpacked:
            return self._unpacked[fn.code_sha256]
        base = self._base()
        digest = hashlib.sha256(fn.code).hexdigest()[:16]
        target = base / f"{fn.name}-{digest}"
        if not target.exists():
            staging = base / f".{target.name}-{uuid.uuid4().hex[:6]}"
            with zipfile.ZipFile(io.BytesIO(fn.code)) as zf:
                zf.extractall(staging)
            staging.rename(target)
        self._unpacked[fn.code_sha256] = target
        return target

    def _environment_key(self, fn: DeployedFunction) -> str:
        config = [fn.name, fn.handler, fn.code_sha256, fn.memory, fn.arn, sorted(fn.environment.items())]
        config.append(sorted(self.aws_env.items()))
        return hashlib.sha256(json.dumps(config).encode()).hexdigest()

    def _acquire(self, fn: DeployedFunction, key: str) -> ExecutionEnvironment:
        with self._lock:
            idle = self._idle.get(key, [])
            while idle:
                environment = idle.pop()
                if environment.alive:
                    return environment
                environment.close()
            self.started_environments += 1
        code_dir = self._code_dir(fn)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            **fn.runtime_env,
            "LAMBDA_TASK_ROOT": str(code_dir),
            **fn.environment,
            **self.aws_env,
        }
        scratch = self._base() / ".invocations"
        scratch.mkdir(parents=True, exist_ok=True)
        return ExecutionEnvironment(fn, code_dir, env, self.python, scratch)

    def invoke(self, fn: DeployedFunction, event: Any) -> Invocation:
        key = self._environment_key(fn)
        environment = self._acquire(fn, key)
        timeout = float(self.timeout_override or fn.timeout)
        invocation = environment.invoke(event, timeout)
        if self.warm and environment.alive:
            with self._lock:
                self._idle.setdefault(key, []).append(environment)
        else:
            environment.close()
        return invocation

    def close(self) -> None:
        with self._lock:
            environments = [e for idle in self._idle.values() for e in idle]
            self._idle.clear()
        for environment in environments:
            environment.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        self._unpacked.clear()
