"""The embedded local AWS: moto server on loopback, in its own process, with the harness's extensions.

A separate process keeps its state apart from in-process `mock_aws` unit tests (which reset moto's
global backends) and lets several xdist workers each run their own. Extensions for APIs moto lacks
or answers unfaithfully live in harness.local.emulator and are applied before the server starts
(each listed in docs/emulator-gaps.md).

    python -m harness.local.aws [--port 0] [--athena-engine trino|duckdb] [--no-prepare]
                                               # prints one JSON line with the endpoints, then serves

The local Athena's engine is --athena-engine, else $LAKEHOUSE_ATHENA_ENGINE, else Trino
(docs/athena-engines.md says why); Trino starts in the background and answers its first query ~20 s later.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from harness.console import say
from harness.errors import HarnessError
from harness.local.loopback import SHUTDOWN_POLL_SECONDS
from harness.processes import exit_without_teardown
from harness.targets.endpoints import REGION, TEST_CREDENTIALS, Endpoints

ACCOUNT_ID = "123456789012"  # moto's default account
CREDENTIALS = TEST_CREDENTIALS


@dataclass
class LocalAws:
    """Starts and stops a local AWS process; use as a context manager."""

    port: int = 0
    with_athena: bool = True
    athena_engine: str | None = None  # None: $LAKEHOUSE_ATHENA_ENGINE, else the default
    # Build the stack's service backends ahead of the first request (`_prepare_backends`). Off only where a
    # few requests of a few services follow (the emulator's unit tests): each built on its first, as moto
    # does.
    prepare_backends: bool = True
    startup_timeout: float = 60.0
    endpoints: Endpoints | None = None
    _proc: subprocess.Popen[str] | None = field(default=None, repr=False)

    def start(self) -> Endpoints:
        if self.with_athena:
            from harness.local.athena.server import engine_choice

            if engine_choice(self.athena_engine) == "trino":
                from harness.local.athena.trino import install

                try:  # here, not in the server process: progress lines and a one-line error for a cold cache
                    install.ensure()
                except install.TrinoInstallError as e:
                    raise HarnessError(f"local Athena (Trino engine): {e}") from None
        cmd = [sys.executable, "-m", "harness.local.aws", "--port", str(self.port)]
        if not self.with_athena:
            cmd.append("--no-athena")
        if self.athena_engine:
            cmd += ["--athena-engine", self.athena_engine]
        if not self.prepare_backends:
            cmd.append("--no-prepare")
        env = {**os.environ, **CREDENTIALS}
        self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=None, text=True, env=env)
        assert self._proc.stdout is not None
        line = _readline_with_timeout(self._proc, self.startup_timeout)
        if not line:
            code = self._proc.poll()
            self.stop()
            raise HarnessError(f"local AWS did not start (exit code {code}); see its stderr above")
        info = json.loads(line)
        self.endpoints = Endpoints(aws=info["aws"], athena=info.get("athena"))
        return self.endpoints

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def __enter__(self) -> Endpoints:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _readline_with_timeout(proc: subprocess.Popen[str], timeout: float) -> str:
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    return result[0].strip() if result else ""


def quiet_request_handler() -> Any:
    """moto's request handler without werkzeug's log line per request (it drowns the output, and costs
    each request a log record through every handler)."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class QuietHandler(MotoRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    return QuietHandler


def moto_server(port: int, prepare: bool = True) -> Any:
    """moto's WSGI app behind the emulator's middlewares, on a threaded loopback server; `prepare`: the
    stack's service backends are built in the background from the start (`_prepare_backends`)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    from harness.local import emulator
    from harness.local.moto_dispatch import lookup_accounts_in_built_backends, memoize_backend_lookup

    emulator.apply_all()
    memoize_backend_lookup()
    lookup_accounts_in_built_backends()
    dispatcher = DomainDispatcherApplication(create_backend_app)
    app = emulator.wrap_all(dispatcher)
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=quiet_request_handler())
    if prepare:
        _prepare_in_background(dispatcher)
    return server


def _prepare_in_background(dispatcher: Any) -> None:
    threading.Thread(target=_prepare_backends, args=(dispatcher,), daemon=True).start()


# moto builds a service's request routing (and imports its models) on the service's first request, and
# every request marks its access key's use in the account's IAM backend of its partition, which the first
# builds with the AWS managed policies (emulator/iam_aws_managed_policies.py; the account lookup builds no
# other partition's, moto_dispatch.py). All on the critical path of the first `tofu apply`; built here in
# the background instead, while the caller is still starting tofu. The same objects moto would build; only
# for what the stack's provider calls.
PREPARED_BACKENDS = (
    "iam", "sts", "kms", "s3", "s3control", "glue", "lambda", "logs", "sqs", "sns", "events", "cloudtrail",
    "cloudwatch",
)  # fmt: skip


BOTOCORE_NAMES = {"lambda": "lambda", "logs": "logs", "events": "events"}


def _prepare_backends(dispatcher: Any) -> None:
    from moto.core.utils import get_service_model
    from moto.iam.models import iam_backends

    iam_backends[ACCOUNT_ID]["aws"]  # the IAM backend every request of the region marks its key's use in
    for name in PREPARED_BACKENDS:
        with dispatcher.lock:
            if name in dispatcher.app_instances:
                continue
        built = dispatcher.create_app(name)
        with dispatcher.lock:
            dispatcher.app_instances.setdefault(name, built)
        with contextlib.suppress(Exception):  # the API model moto parses requests with (cached by moto)
            get_service_model(BOTOCORE_NAMES.get(name, name))


def serve(port: int, with_athena: bool, athena_engine: str | None = None, prepare: bool = True) -> None:
    server = moto_server(port, prepare)
    threading.Thread(target=server.serve_forever, args=(SHUTDOWN_POLL_SECONDS,), daemon=True).start()
    host, bound = server.server_address[:2]
    info: dict[str, str] = {"aws": f"http://{host}:{bound}"}
    athena = None
    if with_athena:
        from harness.local.athena import LocalAthenaServer

        athena = LocalAthenaServer(aws_endpoint=info["aws"], region=REGION, engine=athena_engine)
        athena.start()
        info["athena"] = athena.url
        info["athena_engine"] = athena.engine_name
    print(json.dumps(info), flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    if athena is not None:
        athena.stop()
    server.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.local.aws", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port for moto (0: any free port)")
    parser.add_argument("--no-athena", action="store_true", help="do not start the local Athena endpoint")
    parser.add_argument(
        "--athena-engine", choices=("trino", "duckdb"), default=None, help="default: $LAKEHOUSE_ATHENA_ENGINE"
    )
    parser.add_argument(
        "--no-prepare", action="store_true", help="build each service's backend on its first request only"
    )
    args = parser.parse_args(argv)
    for k, v in CREDENTIALS.items():
        os.environ.setdefault(k, v)
    started = time.monotonic()
    serve(
        args.port,
        with_athena=not args.no_athena,
        athena_engine=args.athena_engine,
        prepare=not args.no_prepare,
    )
    say("local-aws", f"stopped after {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    # The emulator's state lives in this process's memory and ends with it: no interpreter teardown (freeing
    # every backend moto built: ~0.15 s of a stop, and its CPU).
    exit_without_teardown(main())
