"""Reading the events file `lakehouse run` is given: JSONL, optionally gzip, with clear errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from harness.errors import UsageError


class CliError(UsageError):
    """A problem the user can fix; printed without a traceback (exit 2)."""


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
