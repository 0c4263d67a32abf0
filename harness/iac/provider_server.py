"""One long-lived AWS provider that the gates' `tofu plan` and `tofu show -json` attach to, on emulators.

Every tofu command starts the AWS provider afresh: a plan three times (schemas, the validate walk, the
plan walk) and `show -json` once more (schemas, to render the plan), ~0.15-0.25 s of CPU each, together
about 40 % of what a plan of a mutated copy costs. The provider's own debug mode (`-debug`:
terraform-plugin-go's managed debug server) serves any number of commands from one process; tofu attaches
to it through `TF_REATTACH_PROVIDERS` and then neither starts nor stops a provider. This module keeps such
servers, one per distinct provider environment, and lends one to a workspace for the duration of a plan
and its show (`attached`); a server serves one workspace at a time, so a concurrent plan gets a second
server.

Why the plan is the same (docs/toolchain.md says it for users; tests/integration/test_compliance.py
compares the plan JSON of a mutated stack made both ways):
- the same binary (the local build tofu would install from the mirror) in the environment tofu would
  give it: the tofu command's own environment, without TF_DATA_DIR (tofu's working data, which the
  provider never reads) and PYTEST_CURRENT_TEST (changes every test); any other difference starts
  another server;
- every command configures the provider itself (ConfigureProvider) before it plans, reads or renders,
  exactly as with a provider it started; a command never overlaps another on one server;
- it runs from a directory of its own rather than the working copy: the gates' plans give the provider
  absolute paths only (plan_env resolves the Lambda zips' directory).

Switched on only where provider_waits' switch is (an emulated target, the provider the harness built);
`LAKEHOUSE_PROVIDER_SERVER=per-command` turns it off (the benchmark and the equality test use it).
Callers done with an emulator end its idle servers (close_idle); the rest end with the process that
started them (atexit, and SIGTERM if that process dies first).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import re
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import HarnessError
from harness.iac import toolchain
from harness.processes import die_with_parent

if TYPE_CHECKING:
    from harness.iac.workspace import Workspace

ENV_VAR = "TF_REATTACH_PROVIDERS"
OPT_OUT_VAR, OPT_OUT_VALUE = "LAKEHOUSE_PROVIDER_SERVER", "per-command"
# The stack's `hashicorp/aws` as OpenTofu names it; the provider's debug line names it after Terraform's
# registry (registry.terraform.io), which tofu would then not match to the stack's provider.
PROVIDER_ADDRESS = "registry.opentofu.org/hashicorp/aws"
REATTACH_LINE = re.compile(r"TF_REATTACH_PROVIDERS='(?P<config>\{.*\})'")
# Not passed to a server, and not part of which server a command may use (see the module docstring).
NOT_FOR_THE_PROVIDER = ("TF_DATA_DIR", "PYTEST_CURRENT_TEST", ENV_VAR)
START_TIMEOUT_S = 60  # the provider prints its debug line within a second; minutes under heavy load


class ProviderServerError(HarnessError):
    """The provider did not start in debug mode or did not say where to attach."""


def wanted() -> bool:
    return os.environ.get(OPT_OUT_VAR, "").strip().lower() != OPT_OUT_VALUE


def applies(ws: Workspace) -> bool:
    """An emulated target and the provider the harness built (never TARGET=aws, never a user's TF_BIN)."""
    return ws.endpoints is not None and ws.tofu.provider_pin is not None and wanted()


def provider_env(ws: Workspace) -> dict[str, str]:
    """The environment the provider of a tofu command in `ws` would inherit, less NOT_FOR_THE_PROVIDER."""
    env = ws.tofu.environment(ws._env())
    return {k: v for k, v in env.items() if k not in NOT_FOR_THE_PROVIDER}


class ProviderServer:
    """`terraform-provider-aws -debug`: started, asked where to attach, ended by close()."""

    def __init__(self, binary: Path, env: Mapping[str, str]) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="provider-server-")
        log = Path(self._dir.name) / "stderr.log"
        with log.open("wb") as stderr:
            self._proc = subprocess.Popen(
                [str(binary), "-debug"],
                cwd=self._dir.name,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                preexec_fn=die_with_parent if os.name == "posix" else None,
            )
        lines: queue.Queue[str | None] = queue.Queue()
        # Read on a thread for the whole life of the server: the wait for the debug line has a deadline,
        # and the provider must never find its stdout pipe full.
        threading.Thread(target=self._read_stdout, args=(lines,), daemon=True).start()
        config, deadline = None, time.monotonic() + START_TIMEOUT_S
        while config is None:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:  # stdout ended: the provider is ending; its stderr says why
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._proc.wait(timeout=10)
                break
            if m := REATTACH_LINE.search(line):
                config = json.loads(m["config"])
        if config is None or len(config) != 1:
            tail = log.read_text(encoding="utf-8", errors="replace")[-1500:]
            self.close()
            raise ProviderServerError(
                f"{binary} -debug did not say where to attach within {START_TIMEOUT_S} s "
                f"(got {config}):\n{tail}"
            )
        self.reattach = json.dumps({PROVIDER_ADDRESS: next(iter(config.values()))})

    def _read_stdout(self, lines: queue.Queue[str | None]) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            lines.put(line)
        lines.put(None)

    @property
    def pid(self) -> int:
        return self._proc.pid

    def alive(self) -> bool:
        return self._proc.poll() is None

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._dir.cleanup()


_IDLE: dict[tuple[str, tuple[tuple[str, str], ...]], list[ProviderServer]] = {}
_ALL: list[ProviderServer] = []
_LOCK = threading.Lock()


def close_idle() -> None:
    """End every server no workspace is using now (one in use ends when it is next idle here, or at exit).
    For callers done with the emulator their plans ran against: a server holds ~150-250 MB."""
    with _LOCK:
        idle = [server for servers in _IDLE.values() for server in servers]
        _IDLE.clear()
        for server in idle:
            server.close()
            _ALL.remove(server)


def _close_all() -> None:
    with _LOCK:
        for server in _ALL:
            server.close()
        _ALL.clear()
        _IDLE.clear()


atexit.register(_close_all)


@contextlib.contextmanager
def attached(ws: Workspace) -> Iterator[ProviderServer | None]:
    """The workspace's tofu commands attach to a provider server until the block ends (None: this
    workspace starts its own providers, see applies())."""
    if not applies(ws):
        yield None
        return
    binary = toolchain.binary_path(toolchain.AWS_PROVIDER)
    env = provider_env(ws)
    key = (f"{binary}@{ws.tofu.provider_build_id}", tuple(sorted(env.items())))
    with _LOCK:
        idle = _IDLE.setdefault(key, [])
        while idle and not idle[-1].alive():
            idle.pop().close()
        server = idle.pop() if idle else None
    if server is None:
        server = ProviderServer(binary, env)
        with _LOCK:
            _ALL.append(server)
    ws.provider_reattach = server.reattach
    try:
        yield server
    finally:
        ws.provider_reattach = None
        with _LOCK:
            if server.alive():
                _IDLE.setdefault(key, []).append(server)
