"""One error type for everything the harness refuses or cannot do, and how entry points report it.

A `HarnessError` is a problem the user can act on (a missing tool, a bad environment name, an endpoint
that does not answer, a failed tofu command). Every entry point (`lakehouse`, `python -m
harness.commands.deploy|verify`, `harness.gates.compliance`, `harness.pipeline.zips`) runs through
`entry_point`, which prints such an error as one line on stderr, with no traceback, and exits with the
error's code. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from harness.console import say


class HarnessError(RuntimeError):
    """A problem the user can fix. `str(exc)` is one line saying what to do; `detail` may add more."""

    exit_code: int = 1

    def __init__(self, message: str, *, detail: str = "", exit_code: int | None = None) -> None:
        super().__init__(message)
        self.detail = detail
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def line(self) -> str:
        """The message as one line (a multi-line message keeps its first line; the rest is detail)."""
        text = str(self).strip()
        return text.splitlines()[0] if text else type(self).__name__


class UsageError(HarnessError):
    """Bad input on the command line or in a file named there (exit 2, as argparse uses)."""

    exit_code = 2


class DeployError(HarnessError):
    """A deployment is misconfigured or refused by a guard rail; the message says what to set."""


class EnvironmentNameError(DeployError):
    """An environment name the stack would reject."""


class EndpointUnreachable(HarnessError):
    """An endpoint the harness was told to use does not answer."""


class ToolMissing(HarnessError):
    """A program the harness needs (Go, Java, tofu) is not installed where it looks."""


def report(tag: str, exc: HarnessError) -> int:
    """Print an error's detail (if any) and then its one line; return its exit code."""
    rest = "\n".join(str(exc).strip().splitlines()[1:])
    detail = "\n".join(part for part in (rest, exc.detail.strip()) if part)
    if detail:
        print(detail, file=sys.stderr, flush=True)
    say(tag, f"error: {exc.line}")
    return exc.exit_code


def entry_point(tag: str, main: Callable[[], int]) -> int:
    """Run an entry point's body: a HarnessError becomes one stderr line and its exit code."""
    try:
        return main()
    except HarnessError as exc:
        return report(tag, exc)
    except KeyboardInterrupt:
        say(tag, "interrupted")
        return 130
