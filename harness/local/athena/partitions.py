"""Which partitions (and files) a table occurrence reads: projection, registered partitions, pruning.

Partition projection is evaluated the way Athena does it: the projected values are enumerated from
the table properties, filtered by the query's predicate on the partition keys, and only the surviving
partitions' locations are listed. Tables without projection use the partitions registered in Glue.
"""

from __future__ import annotations

import calendar
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import product

from .catalog import GlueCatalog, TableDef
from .errors import QueryFailed, not_supported
from .s3io import S3Io, S3Object

# Past this many surviving partitions, one LIST of the common prefix beats one LIST per partition.
PER_PARTITION_LISTING_LIMIT = 64
# Projections larger than this are discovered by listing instead of enumerated.
MAX_ENUMERATED = 200_000

Pruner = Callable[[list[tuple[str, ...]]], list[int]]


@dataclass
class Partition:
    values: tuple[str, ...]
    location: str
    files: list[S3Object] = field(default_factory=list)


def _slash(uri: str) -> str:
    return uri if uri.endswith("/") else uri + "/"


def resolve(table: TableDef, catalog: GlueCatalog, s3: S3Io, prune: Pruner | None) -> list[Partition]:
    """The partitions of `table` the query reads, each with its data files."""
    if not table.partition_keys:
        part = Partition((), table.location)
        part.files = s3.list_files(table.location)
        return [part]
    if table.projection_enabled:
        parts = _projected(table, s3, prune)
    else:
        parts = [
            Partition(tuple(v), loc or _default_location(table, v)) for v, loc in catalog.partitions(table)
        ]
        parts = _apply(parts, prune)
    _attach_files(parts, s3, _static_prefix(table))
    return [p for p in parts if p.files]


def _apply(parts: list[Partition], prune: Pruner | None) -> list[Partition]:
    if prune is None or not parts:
        return parts
    return [parts[i] for i in prune([p.values for p in parts])]


def _default_location(table: TableDef, values: list[str] | tuple[str, ...]) -> str:
    segments = "/".join(f"{k.name}={v}" for k, v in zip(table.partition_keys, values, strict=True))
    return _slash(table.location) + segments + "/"


def _template(table: TableDef) -> str:
    return table.parameters.get("storage.location.template") or (
        _slash(table.location) + "/".join(f"{k.name}=${{{k.name}}}" for k in table.partition_keys) + "/"
    )


def _static_prefix(table: TableDef) -> str:
    if table.projection_enabled:
        template = _template(table)
        return template.split("${", 1)[0]
    return _slash(table.location)


def _attach_files(parts: list[Partition], s3: S3Io, prefix: str) -> None:
    if len(parts) <= PER_PARTITION_LISTING_LIMIT or not all(p.location.startswith(prefix) for p in parts):
        for part in parts:
            part.files = s3.list_files(part.location)
        return
    by_location = {_slash(p.location): p for p in parts}
    for obj in s3.list_files(prefix, folder=False):
        directory = obj.uri.rsplit("/", 1)[0] + "/"
        # A partition's files may sit in nested folders below its location.
        probe = directory
        while probe.startswith(prefix):
            part = by_location.get(probe)
            if part is not None:
                part.files.append(obj)
                break
            probe = probe[:-1].rsplit("/", 1)[0] + "/"


def _projected(table: TableDef, s3: S3Io, prune: Pruner | None) -> list[Partition]:
    keys = [k.name for k in table.partition_keys]
    template = _template(table)
    domains: list[list[str]] | None = []
    for key in keys:
        domain = _projection_domain(table, key)
        if domain is None:
            domains = None
            break
        domains.append(domain)
    size = 1
    for d in domains or []:
        size *= len(d)
    if domains is not None and size <= MAX_ENUMERATED:
        values = [tuple(combo) for combo in product(*domains)]
        if prune is not None and values:  # pruned before the locations are made: thousands of dates
            values = [values[i] for i in prune(values)]
        return [Partition(v, _fill(template, keys, v)) for v in values]
    # Injected (or very large) projections: discover the values present by listing.
    return _apply(_discover(table, template, keys, s3), prune)


def _fill(template: str, keys: list[str], values: tuple[str, ...]) -> str:
    out = template
    for k, v in zip(keys, values, strict=True):
        out = out.replace("${" + k + "}", v)
    return out


def _discover(table: TableDef, template: str, keys: list[str], s3: S3Io) -> list[Partition]:
    prefix = template.split("${", 1)[0]
    pattern = re.escape(template)
    for k in keys:
        pattern = pattern.replace(re.escape("${" + k + "}"), f"(?P<{k}>[^/]+)", 1)
    regex = re.compile(pattern.rstrip("/") + "/")
    found: dict[tuple[str, ...], Partition] = {}
    for obj in s3.list_files(prefix, folder=False):
        m = regex.match(obj.uri)
        if not m:
            continue
        values = tuple(m.group(k) for k in keys)
        if not all(_in_projection(table, k, v) for k, v in zip(keys, values, strict=True)):
            continue
        part = found.setdefault(values, Partition(values, m.group(0)))
        part.files.append(obj)
    return list(found.values())


def _in_projection(table: TableDef, key: str, value: str) -> bool:
    domain = _projection_domain(table, key)
    return domain is None or value in set(domain)


def _projection_domain(table: TableDef, key: str) -> list[str] | None:
    """Every value a projected key can take, or None when it is injected (known only from queries)."""
    p = table.parameters
    kind = p.get(f"projection.{key}.type", "").lower()
    if kind == "enum":
        return [v.strip() for v in p.get(f"projection.{key}.values", "").split(",") if v.strip()]
    if kind == "integer":
        lo, hi = (int(x) for x in p[f"projection.{key}.range"].split(","))
        step = int(p.get(f"projection.{key}.interval", "1"))
        digits = int(p.get(f"projection.{key}.digits", "0"))
        return [str(i).zfill(digits) for i in range(lo, hi + 1, step)]
    if kind == "date":
        return _date_domain(p, key)
    if kind == "injected":
        return None
    raise QueryFailed(f"HIVE_INVALID_METADATA: projection type '{kind}' for column '{key}' is not valid")


_JAVA_TOKENS = {"yyyy": "%Y", "yy": "%y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}


def java_to_strftime(fmt: str) -> str:
    out, i = [], 0
    while i < len(fmt):
        for tok, rep in _JAVA_TOKENS.items():
            if fmt.startswith(tok, i):
                out.append(rep)
                i += len(tok)
                break
        else:
            ch = fmt[i]
            if ch.isalpha():
                raise not_supported(f"date projection format letter '{ch}' in '{fmt}'")
            out.append("%%" if ch == "%" else ch)
            i += 1
    return "".join(out)


_UNITS = {"SECONDS": 1, "MINUTES": 60, "HOURS": 3600, "DAYS": 86400, "WEEKS": 7 * 86400}
_NOW = re.compile(r"^NOW(?:([+-])(\d+)(YEARS?|MONTHS?|WEEKS?|DAYS?|HOURS?|MINUTES?|SECONDS?))?$", re.I)


def _date_bound(text: str, fmt: str) -> datetime:
    text = text.strip()
    m = _NOW.match(text)
    if not m:
        return datetime.strptime(text, fmt).replace(tzinfo=UTC)
    now = datetime.now(UTC)
    if not m.group(1):
        return now
    amount = int(m.group(2)) * (1 if m.group(1) == "+" else -1)
    unit = m.group(3).upper().rstrip("S") + "S"
    if unit in ("MONTHS", "YEARS"):
        return _plus_months(now, amount * (12 if unit == "YEARS" else 1))
    return now + timedelta(seconds=amount * _UNITS[unit])


def _plus_months(value: datetime, months: int) -> datetime:
    """Java's plusMonths: the same day of the month, or the month's last day where it has no such day."""
    y, mo = divmod(value.month - 1 + months, 12)
    year, month = value.year + y, mo + 1
    return value.replace(year=year, month=month, day=min(value.day, calendar.monthrange(year, month)[1]))


def _date_domain(p: dict[str, str], key: str) -> list[str]:
    fmt = java_to_strftime(p[f"projection.{key}.format"])
    lo_text, hi_text = p[f"projection.{key}.range"].split(",")
    lo, hi = _date_bound(lo_text, fmt), _date_bound(hi_text, fmt)
    interval = int(p.get(f"projection.{key}.interval", "1"))
    unit = p.get(f"projection.{key}.interval.unit", "DAYS").upper()
    return enumerate_dates(fmt, lo, hi, interval, unit, remember=not _NOW.match(lo_text.strip()))


# A date projection's values from a fixed start, as far as the latest end asked for: the typical range
# "2020-01-01,NOW" is thousands of formatted dates per query, and NOW only ever moves forward. The
# enumeration is a fixed sequence cut at `hi`, so a later, larger `hi` continues where the last one
# stopped and gives exactly what enumerating from the start would.
_DATE_RUNS: dict[tuple[str, datetime, int, str], tuple[tuple[str, ...], datetime, datetime]] = {}
_DATE_RUNS_LOCK = threading.Lock()
_DATE_RUNS_MAX = 64


def enumerate_dates(
    fmt: str, lo: datetime, hi: datetime, interval: int, unit: str, remember: bool = True
) -> list[str]:
    """The values lo, lo + interval, ... up to hi, formatted (at most MAX_ENUMERATED + 1 of them)."""
    run_key = (fmt, lo, interval, unit)
    with _DATE_RUNS_LOCK:
        run = _DATE_RUNS.get(run_key) if remember else None
    if run is not None and run[2] <= hi:
        values, current = list(run[0]), run[1]
    else:
        values, current = [], lo
    current = _extend_dates(values, current, fmt, hi, interval, unit)
    if remember:
        with _DATE_RUNS_LOCK:
            if len(_DATE_RUNS) >= _DATE_RUNS_MAX:
                _DATE_RUNS.clear()
            _DATE_RUNS[run_key] = (tuple(values), current, hi)
    return values


def _extend_dates(
    out: list[str], current: datetime, fmt: str, hi: datetime, interval: int, unit: str
) -> datetime:
    """Appends to `out` from `current` up to `hi`; returns the next value not appended."""
    while current <= hi and len(out) <= MAX_ENUMERATED:
        out.append(current.strftime(fmt))
        if unit in ("MONTHS", "YEARS"):
            # Each step from the last value (Jan 31, Feb 29, Mar 29, ...), as Trino's projection loop steps.
            current = _plus_months(current, interval * (12 if unit == "YEARS" else 1))
        else:
            current += timedelta(seconds=interval * _UNITS.get(unit, 86400))
    return current
