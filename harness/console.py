"""What the harness tells a person while it works: tagged stderr lines and progress for long steps."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator


def say(tag: str, message: str) -> None:
    """The one stderr printer: `[tag] message`, flushed (progress lines interleave with subprocesses)."""
    print(f"[{tag}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def step(tag: str, what: str, expect: str = "") -> Iterator[None]:
    """Progress for a long step: a start line, a heartbeat every 15 s, and the time it took."""
    say(tag, f"{what}{f' ({expect})' if expect else ''} ...")
    started = time.monotonic()
    done = threading.Event()

    def beat() -> None:
        while not done.wait(15):
            say(tag, f"  {what}: still working, {time.monotonic() - started:.0f}s")

    threading.Thread(target=beat, daemon=True).start()
    try:
        yield
    finally:
        done.set()
    say(tag, f"{what}: done in {time.monotonic() - started:.1f}s")
