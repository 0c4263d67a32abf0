"""`lakehouse up` / `lakehouse down`: keep a local environment running in a background process.

`up` starts a process (`lakehouse _serve`) that owns the local AWS, the fake GitHub API, the deployment
and a control endpoint, records them in .work/lakehouse-up.json and prints the endpoints; `down` asks it
to destroy the environment and waits.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.commands.events_file import CliError
from harness.console import say, step
from harness.paths import work_dir
from harness.targets.endpoints import REGION, TEST_CREDENTIALS, Endpoints
from harness.targets.target import Target

STATE_FILE = "lakehouse-up.json"


def _say(msg: str) -> None:
    say("lakehouse", msg)


def state_path() -> Path:
    return work_dir() / STATE_FILE


def read_up_state() -> dict[str, Any] | None:
    path = state_path()
    if not path.is_file():
        return None
    state = json.loads(path.read_text(encoding="utf-8"))
    pid = state.get("pid")
    if not isinstance(pid, int) or not _alive(pid):
        return None
    return state


def target_of(state: dict[str, Any]) -> Target:
    """The local target the `up` process runs."""
    return Target("local", Endpoints(aws=state["aws"], athena=state.get("athena")))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def pyathena_snippet(state: dict[str, Any]) -> str:
    outputs = state["outputs"]
    return (
        "import pyathena\n"
        "conn = pyathena.connect(\n"
        f"    endpoint_url={state.get('athena')!r},\n"
        f"    work_group={outputs['athena_workgroup']!r},\n"
        f"    schema_name={outputs['glue_database']!r},\n"
        f"    region_name={REGION!r},\n"
        f"    aws_access_key_id={TEST_CREDENTIALS['AWS_ACCESS_KEY_ID']!r},\n"
        f"    aws_secret_access_key={TEST_CREDENTIALS['AWS_SECRET_ACCESS_KEY']!r},\n"
        ")\n"
        "cur = conn.cursor()\n"
        "cur.execute('SELECT ingest_dt, count(*) FROM github_events_bronze GROUP BY 1 ORDER BY 1')\n"
        "print(cur.fetchall())"
    )


def describe(state: dict[str, Any]) -> str:
    outputs = state["outputs"]
    exports = " ".join(
        f"{k}={v}"
        for k, v in target_of(state).client_env().items()
        if k not in {"AWS_REGION", "AWS_SESSION_TOKEN"}
    )
    lines = [
        f"environment  {state['env']}  (pid {state['pid']}, log {state['log']})",
        f"AWS (moto)   {state['aws']}",
        f"Athena       {state.get('athena')}",
        f"GitHub API   {state['github']}",
        f"buckets      {', '.join(outputs['bucket_names'].values())}",
        f"functions    {', '.join(outputs['function_names'].values())}",
        "",
        "environment variables for boto3 / the AWS CLI:",
        f"  export {exports}",
        "",
        "pyathena:",
        pyathena_snippet(state),
    ]
    return "\n".join(lines)


def cmd_up(args: argparse.Namespace) -> int:
    state = read_up_state()
    if state is not None:
        _say("an environment is already running")
        print(describe(state))
        return 0
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    log = work_dir() / "lakehouse-up.log"
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "harness.commands.cli", "_serve"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # outlives this command and its terminal's Ctrl-C
        )
    with step("lakehouse", "starting the local AWS and applying the stack", "about 20 seconds"):
        while True:
            if proc.poll() is not None:
                raise CliError(f"the environment process exited with code {proc.returncode}; see {log}")
            state = read_up_state()
            if state is not None and state.get("ready"):
                break
            time.sleep(1)
    print(describe(state))
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    state = read_up_state()
    if state is None:
        state_path().unlink(missing_ok=True)
        _say("no environment is running")
        return 0
    pid = int(state["pid"])
    os.kill(pid, signal.SIGTERM)
    with step("lakehouse", f"destroying {state['env']} and stopping its process", "about 10 seconds"):
        while _alive(pid):
            time.sleep(1)
    left = (
        json.loads(state_path().read_text(encoding="utf-8")).get("leftovers")
        if state_path().exists()
        else None
    )
    state_path().unlink(missing_ok=True)
    if left:
        _say(f"warning: destroy left {left}")
        return 1
    _say("down")
    return 0


def serve_up() -> int:
    """The `up` process: owns the local AWS, the fake GitHub API, the deployment and the control endpoint."""
    from harness.commands.feed import control_server
    from harness.commands.session import local_environment

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    path = state_path()
    with local_environment("up") as local:
        control = control_server(local.api)
        endpoints = local.target.endpoints
        assert endpoints is not None
        host, port = control.server_address[:2]
        state: dict[str, Any] = {
            "pid": os.getpid(),
            "env": local.env,
            "aws": endpoints.aws,
            "athena": endpoints.athena,
            "github": local.api.url,
            "control": f"http://{host}:{port}",
            "zips": str(local.zips),
            "outputs": local.deployment.outputs,
            "log": str(work_dir() / "lakehouse-up.log"),
            "started_at": datetime.now(UTC).isoformat(),
            "ready": True,
        }
        path.write_text(json.dumps(state, indent=2), encoding="utf-8")
        print(f"ready: {local.env}", flush=True)
        while not stop.wait(1):
            pass
        print(f"destroying {local.env}", flush=True)
        control.shutdown()
    state |= {"leftovers": local.leftovers, "ready": False}
    path.write_text(json.dumps(state, indent=2), encoding="utf-8")
    print(f"destroyed {local.env}; left behind: {local.leftovers}", flush=True)
    return 0
