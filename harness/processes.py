"""Helpers for the long-lived child processes the harness starts (the Trino JVM, the provider server)."""

from __future__ import annotations

import contextlib
import ctypes
import signal


def die_with_parent() -> None:
    """A `preexec_fn`: runs in the child before exec, so it gets SIGTERM when the process that started it
    dies (Linux's PR_SET_PDEATHSIG; elsewhere nothing)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
