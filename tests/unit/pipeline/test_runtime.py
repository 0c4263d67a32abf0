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
    runtime.timeout_override = 0.1  # counted from the end of the init phase, as on Lambda: load cannot eat it
    inv = runtime.invoke(function(make_zip(), timeout=1), {"sleep": 30})
    assert not inv.ok and inv.timed_out and inv.error_type == "Sandbox.Timedout"
    assert inv.error_message == "Task timed out after 0.10 seconds"


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


WARM_HANDLER = """
import os, sys, time
served = 0
def handler(event, context):
    global served
    served += 1
    print("log line of", event["n"])
    print("to stderr too", file=sys.stderr)
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("exit"):
        os._exit(3)
    return {"served": served, "pid": os.getpid(), "request": context.aws_request_id,
            "stream": context.log_stream_name}
"""


def test_an_environment_stays_warm_for_the_next_invocation(runtime: LambdaRuntime) -> None:
    fn = function(make_zip(WARM_HANDLER))
    first, second = (runtime.invoke(fn, {"n": n}) for n in (1, 2))
    assert first.ok and second.ok, first.logs + second.logs
    assert (first.result["served"], second.result["served"]) == (1, 2)  # module state kept: warm
    assert first.result["pid"] == second.result["pid"] and runtime.started_environments == 1
    assert first.result["request"] != second.result["request"]
    assert first.result["stream"] == second.result["stream"]  # one environment, one log stream
    # Each invocation's logs are its own.
    assert "log line of 1" in first.logs and "to stderr too" in first.logs and "of 2" not in first.logs
    assert "log line of 2" in second.logs and "of 1" not in second.logs


def test_without_warm_environments_every_invocation_is_a_cold_start(tmp_path: Path) -> None:
    rt = LambdaRuntime(work_dir=tmp_path, warm=False)
    fn = function(make_zip(WARM_HANDLER))
    try:
        results = [rt.invoke(fn, {"n": n}).result for n in (1, 2)]
    finally:
        rt.close()
    assert [r["served"] for r in results] == [1, 1] and results[0]["pid"] != results[1]["pid"]
    assert rt.started_environments == 2


# Each invocation arrives at a barrier (a file per process) and waits there for the other: both can
# return `met` only if they ran at the same time, in two environments.
BARRIER_HANDLER = """
import os, time
def handler(event, context):
    os.close(os.open(os.path.join(event["dir"], str(os.getpid())), os.O_CREAT | os.O_WRONLY))
    deadline = time.monotonic() + 10
    while len(os.listdir(event["dir"])) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    return {"pid": os.getpid(), "met": len(os.listdir(event["dir"])) >= 2}
"""


def test_concurrent_invocations_get_an_environment_each(runtime: LambdaRuntime, tmp_path: Path) -> None:
    import threading

    fn = function(make_zip(BARRIER_HANDLER), timeout=30)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    out: list = []
    threads = [
        threading.Thread(target=lambda: out.append(runtime.invoke(fn, {"dir": str(barrier)}))) for _ in "ab"
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(i.ok for i in out), [i.logs for i in out]
    assert all(i.result["met"] for i in out) and out[0].result["pid"] != out[1].result["pid"]
    assert runtime.started_environments == 2


def test_a_timed_out_or_exited_environment_is_discarded(runtime: LambdaRuntime) -> None:
    fn = function(make_zip(WARM_HANDLER), timeout=1)
    runtime.timeout_override = 0.5
    assert runtime.invoke(fn, {"n": 1}).result["served"] == 1
    timed_out = runtime.invoke(fn, {"n": 2, "sleep": 30})
    assert timed_out.timed_out and "log line of 2" in timed_out.logs
    assert runtime.invoke(fn, {"n": 3}).result["served"] == 1  # a new environment: cold again
    exited = runtime.invoke(fn, {"n": 4, "exit": True})
    assert not exited.ok and exited.error_type == "Runtime.ExitError" and "log line of 4" in exited.logs
    assert runtime.invoke(fn, {"n": 5}).result["served"] == 1
    assert runtime.started_environments == 3


def test_a_redeployed_configuration_gets_new_environments(runtime: LambdaRuntime) -> None:
    fn = function(make_zip(WARM_HANDLER))
    assert runtime.invoke(fn, {"n": 1}).result["served"] == 1
    fn.environment = {"MY_VAR": "changed"}
    assert runtime.invoke(fn, {"n": 2}).result["served"] == 1
    assert runtime.started_environments == 2
