"""Helpers for the processes the harness runs: the long-lived children it starts (the Trino JVM, the
provider server), and leaving a process whose state ends with it."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import sys
from pathlib import Path
from typing import NoReturn


def die_with_parent() -> None:
    """A `preexec_fn`: runs in the child before exec, so it gets SIGTERM when the process that started it
    dies (Linux's PR_SET_PDEATHSIG; elsewhere nothing)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) process `pid` has used so far, from Linux's /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (fields 14, 15)


def exit_without_teardown(code: int) -> NoReturn:
    """Ends this process once its atexit handlers have run, without the interpreter's own teardown (freeing
    every module and object, ~0.15-1 s with moto's backends or DuckDB loaded): for a process whose state
    ends with it. Threads still running are not waited for."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
