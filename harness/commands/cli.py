"""`lakehouse`: push an events file through the deployed pipeline on the local target; keep one running.

    lakehouse run --events FILE [--date YYYY-MM-DD] [--json]
    lakehouse up                 # start the embedded AWS, the fake GitHub API, deploy; print endpoints
    lakehouse down               # destroy that environment and stop its process

`run` serves every record of FILE (JSONL, optionally gzip; one JSON value per line, newest first as the
API lists them) through the fake GitHub API the deployed ingest function polls, files them all under
--date (default: today, UTC), runs Silver and Gold for that day with the deployed functions, and prints
the counts as one JSON object on its last line (DESIGN.md section 5): served, unique, bronze,
quarantined, silver, gold_rows, gold_events. It uses the environment `lakehouse up` keeps running when
there is one, else it deploys a temporary one and destroys it at the end.

`up` runs in a background process that owns the local AWS, the fake GitHub API and the deployment, and
records them in .work/lakehouse-up.json; `down` asks it to destroy the environment and waits.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol

from harness import errors
from harness.errors import UsageError
from harness.paths import work_dir

STATE_FILE = "lakehouse-up.json"
# The API shows at most this many events (GitHub keeps ~300); each poll gets one batch that fits.
BATCH = 300
COUNT_KEYS = ("served", "unique", "bronze", "quarantined", "silver", "gold_rows", "gold_events")


class CliError(UsageError):
    """A problem the user can fix; printed without a traceback (exit 2)."""


def say(msg: str) -> None:
    errors.say("lakehouse", msg)


@contextlib.contextmanager
def step(what: str, expect: str = "") -> Iterator[None]:
    """Progress for a long step: a start line, a heartbeat every 15 s, and the time it took."""
    say(f"{what}{f' ({expect})' if expect else ''} ...")
    started = time.monotonic()
    done = threading.Event()

    def beat() -> None:
        while not done.wait(15):
            say(f"  {what}: still working, {time.monotonic() - started:.0f}s")

    threading.Thread(target=beat, daemon=True).start()
    try:
        yield
    finally:
        done.set()
    say(f"{what}: done in {time.monotonic() - started:.1f}s")


# ---------------------------------------------------------------------------------------------------
# Reading an events file


def read_events(path: Path) -> list[Any]:
    """Every JSON value of a JSONL file (gzip or not); clear errors for what cannot be read."""
    if not path.exists():
        raise CliError(f"events file {path} does not exist")
    if path.is_dir():
        raise CliError(f"events file {path} is a directory, not a file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CliError(f"events file {path} cannot be read: {exc.strerror or exc}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise CliError(f"events file {path} looks gzip-compressed but is damaged: {exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CliError(
            f"events file {path} is not UTF-8 text (byte {exc.start}); expected JSONL, optionally gzip"
        ) from None
    records: list[Any] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise CliError(
                f"{path}:{number} is not JSON ({exc.msg} at column {exc.colno}); expected JSONL: "
                "one JSON value (a GitHub event) per line"
            ) from None
    if not records:
        raise CliError(f"events file {path} holds no events (empty, or blank lines only)")
    return records


# ---------------------------------------------------------------------------------------------------
# The fake GitHub feed: in this process, or in the `up` process behind its control endpoint


class Feed(Protocol):
    def load(self, records: list[Any]) -> None: ...
    def push(self, records: list[Any]) -> None: ...
    def served_records(self) -> list[Any]: ...


@dataclass
class LocalFeed:
    api: Any  # FakeGitHub

    def load(self, records: list[Any]) -> None:
        self.api.load_events(records)
        self.api.reset_counters()

    def push(self, records: list[Any]) -> None:
        self.api.push_events(records)

    def served_records(self) -> list[Any]:
        return list(self.api.served_records)


@dataclass
class RemoteFeed:
    control_url: str

    def _call(self, path: str, body: Any = None) -> Any:
        import urllib.request

        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.control_url}{path}", data=data, method="POST" if data else "GET")
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read() or b"null")

    def load(self, records: list[Any]) -> None:
        self._call("/load", records)

    def push(self, records: list[Any]) -> None:
        self._call("/push", records)

    def served_records(self) -> list[Any]:
        return list(self._call("/served"))


def control_server(api: Any) -> ThreadingHTTPServer:
    """Loopback endpoint through which `lakehouse run` feeds the `up` process's fake GitHub API."""
    feed = LocalFeed(api)

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, value: Any) -> None:
            body = json.dumps(value).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/served":
                self._reply(feed.served_records())
            else:
                self.send_error(404)

        def do_POST(self) -> None:
            records = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            if self.path == "/load":
                feed.load(records)
            elif self.path == "/push":
                feed.push(records)
            else:
                self.send_error(404)
                return
            self._reply(None)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# ---------------------------------------------------------------------------------------------------
# Pushing a file through the pipeline


def push_through(
    records: list[Any], day: str, feed: Feed, pipe: Any, lake: Any, progress: Callable[[str], None] = say
) -> dict[str, Any]:
    """Serve ``records`` in batches the API window holds, one forced ingest poll per batch, all filed
    under ``day``; then Silver and Gold for the day; then the counts."""
    from harness.pipeline.counts import record_key

    if lake.counts(day).bronze or lake.quarantine(day):
        raise CliError(
            f"{day} already holds data in this environment; choose another --date, or start afresh "
            "with `lakehouse down && lakehouse up`"
        )
    pipe.reset_ingest_state()
    feed.load([])
    batches = [records[i : i + BATCH] for i in range(0, len(records), BATCH)]
    # The feed lists newest first: the file's first line is the newest, so its last batch goes first.
    for n, batch in enumerate(reversed(batches), 1):
        feed.push(batch)
        inv = pipe.invoke("ingest", {"ingest_dt": day, "force": True})
        result = inv.raise_for_error()
        if result.get("status") not in {"ok", "not_modified"}:
            raise CliError(f"ingest poll {n} ended {result.get('status')}: {result}")
        progress(
            f"ingest poll {n}/{len(batches)}: {result['received']} received, {result['written']} written, "
            f"{result['quarantined']} quarantined, {result['duplicates']} duplicates"
        )
    pipe.invoke("silver", {"ingest_dts": [day]}).raise_for_error()
    progress("silver done")
    pipe.invoke("gold", {"ingest_dt": day}).raise_for_error()
    progress("gold done")
    served = feed.served_records()
    counts = lake.counts(day)
    return {
        "ingest_dt": day,
        "served": len(served),
        "unique": len({record_key(r) for r in served}),
        "bronze": counts.bronze,
        "quarantined": counts.quarantined,
        "silver": counts.silver,
        "gold_rows": counts.gold_rows,
        "gold_events": counts.gold_events,
    }


# ---------------------------------------------------------------------------------------------------
# Environments: the `up` one, or a temporary one


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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _client_factory(aws: str, athena: str | None) -> Callable[[str], Any]:
    import boto3
    from botocore.config import Config

    from harness.local.aws import CREDENTIALS, REGION

    def client(service: str) -> Any:
        endpoint = athena if service == "athena" and athena else aws
        return boto3.client(
            service,
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=CREDENTIALS["AWS_SESSION_TOKEN"],
            config=Config(retries={"max_attempts": 3}),
        )

    return client


@dataclass
class Session:
    """What `run` needs of an environment."""

    env: str
    feed: Feed
    pipe: Any
    lake: Any


def _session(
    env: str, outputs: dict[str, Any], aws: str, athena: str | None, zips: Path, feed: Feed
) -> Session:
    from harness.local.aws import CREDENTIALS, LocalAwsEndpoints
    from harness.pipeline.counts import Lake
    from harness.pipeline.runtime import LambdaRuntime
    from harness.pipeline.schedule import Pipeline

    client = _client_factory(aws, athena)
    runtime = LambdaRuntime(aws_env=LocalAwsEndpoints(aws=aws, athena=athena).client_env())
    pipe = Pipeline.load(env=env, client=client, runtime=runtime, search_dirs=[zips])
    lake = Lake.connect(outputs, s3=client("s3"), athena_endpoint=athena, credentials=CREDENTIALS)
    return Session(env, feed, pipe, lake)


@contextlib.contextmanager
def temporary_environment() -> Iterator[Session]:
    """Local AWS + fake GitHub + a fresh deployment, destroyed on the way out (also on errors)."""
    from harness.iac.tofu import resolve
    from harness.iac.workspace import Endpoints
    from harness.local.aws import LocalAws
    from harness.local.fake_github import FakeGitHub
    from harness.pipeline import zips as lambda_zip
    from harness.targets.environment import deploy, ephemeral_env_name

    env = ephemeral_env_name("run")
    zips = work_dir() / f"cli-zips-{env}"
    lambda_zip.build_all(zips)
    with step("starting the local AWS"):
        tofu = resolve(build=True)
        local = LocalAws()
        endpoints = local.start()
    try:
        with FakeGitHub([], poll_interval=60) as api:
            with step(f"applying the stack as {env}", "about a minute"):
                dep = deploy(
                    env,
                    tofu,
                    Endpoints(aws=endpoints.aws, athena=endpoints.athena),
                    zips,
                    name=f"cli-{env}",
                    extra_vars={"github_api_url": api.url},
                )
            try:
                yield _session(env, dep.outputs, endpoints.aws, endpoints.athena, zips, LocalFeed(api))
            finally:
                with step(f"destroying {env}", "about two and a half minutes"):
                    left = dep.destroy()
                if left:
                    say(f"warning: destroy left {left}")
    finally:
        local.stop()


# ---------------------------------------------------------------------------------------------------
# Commands


def cmd_run(args: argparse.Namespace) -> int:
    path = Path(args.events)
    records = read_events(path)  # fail fast, before anything is started
    try:
        day = date.fromisoformat(args.date).isoformat() if args.date else datetime.now(UTC).date().isoformat()
    except ValueError:
        raise CliError(f"--date {args.date!r} is not a date written YYYY-MM-DD") from None
    say(f"{len(records)} records from {path}, ingested on {day}")
    state = read_up_state()
    if state is not None:
        say(f"using the running environment {state['env']} (lakehouse up)")
        session = _session(
            state["env"],
            state["outputs"],
            state["aws"],
            state.get("athena"),
            Path(state["zips"]),
            RemoteFeed(state["control"]),
        )
        with step("pushing the events through the pipeline"):
            counts = push_through(records, day, session.feed, session.pipe, session.lake)
    else:
        say("no running environment (lakehouse up): deploying a temporary one")
        with temporary_environment() as session, step("pushing the events through the pipeline"):
            counts = push_through(records, day, session.feed, session.pipe, session.lake)
    if not args.json:
        width = max(len(k) for k in COUNT_KEYS)
        for key in COUNT_KEYS:
            print(f"{key:<{width}}  {counts[key]}")
    print(json.dumps(counts, sort_keys=False), flush=True)
    return 0


def pyathena_snippet(state: dict[str, Any]) -> str:
    outputs = state["outputs"]
    return (
        "import pyathena\n"
        "conn = pyathena.connect(\n"
        f"    endpoint_url={state.get('athena')!r},\n"
        f"    work_group={outputs['athena_workgroup']!r},\n"
        f"    schema_name={outputs['glue_database']!r},\n"
        "    region_name='us-east-1',\n"
        "    aws_access_key_id='testing',\n"
        "    aws_secret_access_key='testing',\n"
        ")\n"
        "cur = conn.cursor()\n"
        "cur.execute('SELECT ingest_dt, count(*) FROM github_events_bronze GROUP BY 1 ORDER BY 1')\n"
        "print(cur.fetchall())"
    )


def describe(state: dict[str, Any]) -> str:
    outputs = state["outputs"]
    lines = [
        f"environment  {state['env']}  (pid {state['pid']}, log {state['log']})",
        f"AWS (moto)   {state['aws']}",
        f"Athena       {state.get('athena')}",
        f"GitHub API   {state['github']}",
        f"buckets      {', '.join(outputs['bucket_names'].values())}",
        f"functions    {', '.join(outputs['function_names'].values())}",
        "",
        "environment variables for boto3 / the AWS CLI:",
        f"  export AWS_ENDPOINT_URL={state['aws']} AWS_ENDPOINT_URL_ATHENA={state.get('athena')}",
        "  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1",
        "",
        "pyathena:",
        pyathena_snippet(state),
    ]
    return "\n".join(lines)


def cmd_up(args: argparse.Namespace) -> int:
    state = read_up_state()
    if state is not None:
        say("an environment is already running")
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
    with step("starting the local AWS and applying the stack", "about a minute"):
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
        say("no environment is running")
        return 0
    pid = int(state["pid"])
    os.kill(pid, signal.SIGTERM)
    with step(f"destroying {state['env']} and stopping its process", "about two and a half minutes"):
        while _alive(pid):
            time.sleep(1)
    left = (
        json.loads(state_path().read_text(encoding="utf-8")).get("leftovers")
        if state_path().exists()
        else None
    )
    state_path().unlink(missing_ok=True)
    if left:
        say(f"warning: destroy left {left}")
        return 1
    say("down")
    return 0


def serve_up() -> int:
    """The `up` process: owns the local AWS, the fake GitHub API, the deployment and the control endpoint."""
    from harness.iac.tofu import resolve
    from harness.iac.workspace import Endpoints
    from harness.local.aws import LocalAws
    from harness.local.fake_github import FakeGitHub
    from harness.pipeline import zips as lambda_zip
    from harness.targets.environment import deploy, ephemeral_env_name

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    env = ephemeral_env_name("up")
    zips = work_dir() / f"up-zips-{env}"
    lambda_zip.build_all(zips)
    path = state_path()
    with LocalAws() as endpoints, FakeGitHub([], poll_interval=60) as api:
        control = control_server(api)
        dep = deploy(
            env,
            resolve(build=True),
            Endpoints(aws=endpoints.aws, athena=endpoints.athena),
            zips,
            name=f"up-{env}",
            extra_vars={"github_api_url": api.url},
        )
        host, port = control.server_address[:2]
        state = {
            "pid": os.getpid(),
            "env": env,
            "aws": endpoints.aws,
            "athena": endpoints.athena,
            "github": api.url,
            "control": f"http://{host}:{port}",
            "zips": str(zips),
            "outputs": dep.outputs,
            "log": str(work_dir() / "lakehouse-up.log"),
            "started_at": datetime.now(UTC).isoformat(),
            "ready": True,
        }
        path.write_text(json.dumps(state, indent=2), encoding="utf-8")
        print(f"ready: {env}", flush=True)
        while not stop.wait(1):
            pass
        print(f"destroying {env}", flush=True)
        left = dep.destroy()
        state["leftovers"] = left
        state["ready"] = False
        path.write_text(json.dumps(state, indent=2), encoding="utf-8")
        control.shutdown()
        print(f"destroyed {env}; left behind: {left}", flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lakehouse", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="push an events file through the deployed pipeline; print the counts")
    run.add_argument("--events", required=True, help="JSONL file of GitHub events, optionally gzip")
    run.add_argument("--date", help="ingest date YYYY-MM-DD (default: today, UTC)")
    run.add_argument("--json", action="store_true", help="print only the JSON counts on stdout")
    sub.add_parser("up", help="keep a local environment running; print its endpoints")
    sub.add_parser("down", help="destroy the environment `up` started and stop its process")
    sub.add_parser("_serve", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "run": cmd_run,
        "up": cmd_up,
        "down": cmd_down,
        "_serve": lambda _: serve_up(),
    }
    return errors.entry_point("lakehouse", lambda: commands[args.cmd](args))


if __name__ == "__main__":
    sys.exit(main())
