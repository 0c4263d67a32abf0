"""Run a deployed Lambda function the way the Lambda runtime would: its zip, its handler, its settings.

Everything comes from the deployed function (``lambda:GetFunction``), not from the repository:
- the code: the zip at ``Code.Location`` when that is fetchable from here (a loopback URL), else the local
  artifact whose SHA-256 equals the deployed ``CodeSha256`` (the exact bytes Terraform uploaded);
- ``Handler`` (``module.function``), ``Environment.Variables`` and ``Timeout``.

Each invocation unpacks the zip into a fresh directory and runs one Python subprocess (``python -I``:
no PYTHONPATH, no user site; boto3 from the interpreter's site-packages, as the Lambda runtime provides
it). The bootstrap imports the handler from the unpacked code only, builds a context object
(``get_remaining_time_in_millis``, ``function_name``, ``aws_request_id``, ...), calls
``handler(event, context)`` and reports the result, or the error as Lambda does (``errorType``,
``errorMessage``). The process is killed when the function's timeout passes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
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

RESULT_MARKER = "__LAKEHOUSE_LAMBDA_RESULT__"

# Runs inside the subprocess: argv = [code_dir, handler, function_name, timeout_s, memory_mb, arn].
BOOTSTRAP = r"""
import importlib, json, sys, time, traceback, uuid
code_dir, handler_spec, name, timeout_s, memory, arn, version = sys.argv[1:8]
sys.path.insert(0, code_dir)
deadline = time.monotonic() + float(timeout_s)

class Context:
    function_name = name
    function_version = version
    invoked_function_arn = arn
    memory_limit_in_mb = memory
    aws_request_id = str(uuid.uuid4())
    log_group_name = "/aws/lambda/" + name
    log_stream_name = time.strftime("%Y/%m/%d") + "/[$LATEST]" + uuid.uuid4().hex
    def get_remaining_time_in_millis(self):
        return max(0, int((deadline - time.monotonic()) * 1000))

event = json.loads(sys.stdin.read() or "null")
try:
    module_name, _, func_name = handler_spec.rpartition(".")
    module = importlib.import_module(module_name)
    origin = getattr(module, "__file__", "") or ""
    if not origin.startswith(code_dir):
        raise ImportError(f"handler module {module_name} came from {origin}, not the function's code")
    result = getattr(module, func_name)(event, Context())
    out = {"ok": True, "result": result}
except Exception as exc:
    out = {"ok": False, "errorType": type(exc).__name__, "errorMessage": str(exc),
           "stackTrace": traceback.format_exc().splitlines()}
sys.stdout.flush()
print("\n" + MARKER + json.dumps(out, default=str), flush=True)
""".replace("MARKER", repr(RESULT_MARKER))


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


@dataclass
class LambdaRuntime:
    """Invokes deployed functions in subprocesses.

    ``aws_env``: how the code reaches the target's AWS APIs (for emulated targets the endpoint variables
    and test credentials of Target.client_env(); empty on AWS, where the caller's credentials
    apply). ``work_dir``: where each function's code is unpacked (once per code hash).
    """

    aws_env: Mapping[str, str] = field(default_factory=dict)
    work_dir: Path | None = None
    python: str = sys.executable
    timeout_override: float | None = None  # e.g. shorter than deployed, for fault scenarios
    _unpacked: dict[str, Path] = field(default_factory=dict, repr=False)
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    def _code_dir(self, fn: DeployedFunction) -> Path:
        if fn.code_sha256 in self._unpacked:
            return self._unpacked[fn.code_sha256]
        if self.work_dir is None:
            self._tmp = self._tmp or tempfile.TemporaryDirectory(prefix="lambda-runtime-")
            base = Path(self._tmp.name)
        else:
            base = self.work_dir
        digest = hashlib.sha256(fn.code).hexdigest()[:16]
        target = base / f"{fn.name}-{digest}"
        if not target.exists():
            staging = base / f".{target.name}-{uuid.uuid4().hex[:6]}"
            with zipfile.ZipFile(io.BytesIO(fn.code)) as zf:
                zf.extractall(staging)
            staging.rename(target)
        self._unpacked[fn.code_sha256] = target
        return target

    def invoke(self, fn: DeployedFunction, event: Any) -> Invocation:
        code_dir = self._code_dir(fn)
        timeout = float(self.timeout_override or fn.timeout)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            **fn.runtime_env,
            "LAMBDA_TASK_ROOT": str(code_dir),
            **fn.environment,
            **self.aws_env,
        }
        cmd = [
            self.python,
            "-I",
            "-c",
            BOOTSTRAP,
            str(code_dir),
            fn.handler,
            fn.name,
            str(timeout),
            str(fn.memory),
            fn.arn,
            "$LATEST",
        ]
        started = time.monotonic()
        try:
            proc = subprocess.run(
                cmd,
                input=json.dumps(event),
                capture_output=True,
                text=True,
                env=env,
                cwd=code_dir,
                timeout=timeout + 5.0,  # the bootstrap's own start-up is not the function's time
            )
        except subprocess.TimeoutExpired as exc:
            logs = _text(exc.stdout) + _text(exc.stderr)
            return Invocation(
                fn.name,
                event,
                ok=False,
                error_type="Sandbox.Timedout",
                error_message=f"Task timed out after {timeout:.2f} seconds",
                timed_out=True,
                logs=logs,
                seconds=time.monotonic() - started,
            )
        seconds = time.monotonic() - started
        logs, marker, tail = proc.stdout.rpartition(RESULT_MARKER)
        if not marker or proc.returncode != 0:
            return Invocation(
                fn.name,
                event,
                ok=False,
                error_type="Runtime.ExitError",
                error_message=f"the runtime exited with code {proc.returncode} before returning a result",
                logs=proc.stdout + proc.stderr,
                seconds=seconds,
            )
        out = json.loads(tail)
        logs = logs + proc.stderr
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

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        self._unpacked.clear()


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
