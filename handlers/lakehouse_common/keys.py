"""S3 key naming for the lake (docs/contracts.md, 'S3 layout') and strict date validation."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime

BRONZE_PREFIX = "github/events/"
QUARANTINE_PREFIX = "github/quarantine/"
INGEST_STATE_KEY = "_state/ingest/state.json"
SILVER_STATE_KEY = "_state/silver/state.json"
ARCHIVE_STATE_PREFIX = "_state/archive/hours/"
GOLD_PREFIX = "github/events_gold_daily/"

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PARTITION = re.compile(r"(?:^|/)ingest_dt=(\d{4}-\d{2}-\d{2})/")


def validate_date(value: object, what: str = "date") -> str:
    """Return ``value`` if it is a real calendar date written YYYY-MM-DD, else raise ValueError."""
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError(f"{what} must be a date written YYYY-MM-DD, got {value!r}")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a calendar date") from None
    return value


def object_name(now: datetime) -> str:
    """Sortable by write time, unique by a random UUID (with If-None-Match on the PUT as backstop)."""
    return f"{now:%Y%m%dT%H%M%S%f}Z-{uuid.uuid4().hex}.jsonl.gz"


def bronze_key(ingest_dt: str, now: datetime) -> str:
    return f"{BRONZE_PREFIX}ingest_dt={validate_date(ingest_dt)}/{object_name(now)}"


def quarantine_key(ingest_dt: str, now: datetime) -> str:
    return f"{QUARANTINE_PREFIX}ingest_dt={validate_date(ingest_dt)}/{object_name(now)}"


def archive_hour_stem(hour: datetime) -> str:
    """What every object of one archive hour starts with: ``archive-YYYY-MM-DD-HH-`` (HH zero-padded)."""
    return f"archive-{hour:%Y-%m-%d-%H}-"


def archive_part_key(prefix: str, hour: datetime, attempt: str, part: int) -> str:
    """Part ``part`` of one attempt at an hour, under ``prefix`` (Bronze or quarantine) and the hour's day."""
    return f"{prefix}ingest_dt={hour:%Y-%m-%d}/{archive_hour_stem(hour)}{attempt}-{part:05d}.jsonl.gz"


def archive_state_key(hour: datetime) -> str:
    return f"{ARCHIVE_STATE_PREFIX}{hour:%Y-%m-%d-%H}.json"


def gold_partition_prefix(ingest_dt: str) -> str:
    return f"{GOLD_PREFIX}ingest_dt={validate_date(ingest_dt)}/"


def partition_of(key: str) -> str | None:
    """The ``ingest_dt`` a key lies under, or None."""
    match = _PARTITION.search(key)
    return match.group(1) if match else None
