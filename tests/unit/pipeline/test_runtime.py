"""The Lambda runtime imitation: the zip's handler in a subprocess, context, errors, timeout, code lookup."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from harness.pipeline.runtime import (
    DeployedFunction,
    LambdaRuntime,
    LambdaRuntimeError,
    find_code,
    sha256_b64,
)

HANDLER = """
import os, time
def handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {
        "event": event,
        "remaining": context.get_remaining_time_in_millis(),
        "name": context.function_name,
        "request": context.aws_request_id,
        "var": os.environ.get("MY_VAR"),
        "endpoint": os.environ.get("AWS_ENDPOINT_URL"),
    }
"""


def make_zip(source: str = HANDLER) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("fn.py", source)
    return buf.getvalue()


def function(code: bytes, timeout: int = 10, handler: str = "fn.handler") -> DeployedFunction:
    return DeployedFunction(
        name="dp-x-fn",
        handler=handler,
        environment={"MY_VAR": "from-config"},
        timeout=timeout,
        memory=128,
        arn="arn:aws:lambda:us-east-1:123456789012:function:dp-x-fn",
        code_sha256=sha256_b64(code),
        code=code,
    )


@pytest.fixture
def runtime(tmp_path: Path) -> LambdaRuntime:
    rt = LambdaRuntime(aws_env={"AWS_ENDPOINT_URL": "http://127.0.0.1:1"}, work_dir=tmp_path)
    yield rt  # type: ignore[misc]
    rt.close()


def test_runs_the_handler_with_event_context_and_env(runtime: LambdaRuntime) -> None:
    inv = runtime.invoke(function(make_zip()), {"a": 1})
    assert inv.ok, inv.logs
    out = inv.result
    assert out["event"] == {"a": 1} and out["name"] == "dp-x-fn" and out["request"]
    assert 0 < out["remaining"] <= 10_000
    assert (out["var"], out["endpoint"]) == ("from-config", "http://127.0.0.1:1")


def test_reports_errors_as_lambda_does(runtime: LambdaRuntime) -> None:
    inv = runtime.invoke(function(make_zip()), {"fail": True})
    assert not inv.ok and inv.error_type == "ValueError" and inv.error_message == "asked to fail"
    with pytest.raises(LambdaRuntimeError, match="asked to fail"):
        inv.raise_for_error()


def test_kills_at_the_timeout(runtime: LambdaRuntime) -> None:
    runtime.timeout_override = 1
    inv = runtime.invoke(function(make_zip(), timeout=1), {"sleep": 30})
    assert not inv.ok and inv.timed_out and inv.error_type == "Sandbox.Timedout"


def test_imports_only_from_the_functions_code(runtime: LambdaRuntime) -> None:
    inv = runtime.invoke(function(make_zip(), handler="json.dumps"), {})
    assert not inv.ok and inv.error_type == "ImportError", inv.error_message


def test_code_found_by_hash_only(tmp_path: Path) -> None:
    code = make_zip()
    (tmp_path / "other.zip").write_bytes(make_zip("x = 1\n"))
    with pytest.raises(LambdaRuntimeError, match="no zip with the deployed CodeSha256"):
        find_code(sha256_b64(code), "https://awslambda-us-east-1-tasks.s3.amazonaws.com/x", [tmp_path])
    (tmp_path / "fn.zip").write_bytes(code)
    assert find_code(sha256_b64(code), None, [tmp_path]) == code
