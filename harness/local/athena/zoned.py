"""Timestamps with a time zone other than UTC, for the DuckDB engine, where they can be exact.

DuckDB's TIMESTAMP WITH TIME ZONE is an instant without a zone (sessions are UTC), while Trino's keeps the
zone it was given and renders it (`2024-03-01 05:00:00.000 America/New_York`). So a zoned value is kept
only where the zone cannot change the meaning:

- as a result column of the statement itself, it travels as a one-field struct holding its Trino text
  (`ZONED_FIELD`), which the result layer reports as `timestamp with time zone` (results.py, types.py);
- as an operand of a comparison or of `AT TIME ZONE`/`at_timezone`, only its instant counts, so a zoned
  literal becomes that instant;
- `timezone_hour`/`timezone_minute` of a zoned literal are its offset at that instant.

Anywhere else (`hour(ts AT TIME ZONE 'X')` reads the wall time in X) the query fails with NOT_SUPPORTED.
Zones are Trino's: `UTC`, fixed offsets `+HH:MM`, and the region ids of `trino_zones.txt` (spelled
exactly); any other name fails loudly instead of being guessed.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from sqlglot import exp

from .errors import QueryFailed
from .types import ZONED_FIELD

_ZONES_FILE = Path(__file__).with_name("trino_zones.txt")
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")
_LITERAL = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,9})?) ?(\S+)")

MACROS = (
    # The Trino text of instant i in a zone: wall time with milliseconds, then the zone as given.
    "CREATE OR REPLACE MACRO __la_zoned_at(i, zone, mins) AS CASE WHEN i IS NULL THEN NULL ELSE "
    f"{{'{ZONED_FIELD}': strftime(CASE WHEN mins IS NULL THEN timezone(zone, CAST(i AS TIMESTAMPTZ)) "
    "ELSE CAST(CAST(i AS TIMESTAMPTZ) AS TIMESTAMP) + to_minutes(CAST(mins AS BIGINT)) END, "
    "'%Y-%m-%d %H:%M:%S.%g') || ' ' || zone} END",
    # A local wall time in a zone as an instant; a time in a DST gap moves forward, as in Trino.
    "CREATE OR REPLACE MACRO __la_zoned_local(ts, zone, mins) AS CASE WHEN mins IS NULL "
    "THEN timezone(zone, CAST(ts AS TIMESTAMP)) "
    "ELSE CAST(CAST(ts AS TIMESTAMP) - to_minutes(CAST(mins AS BIGINT)) AS TIMESTAMPTZ) END",
    # from_unixtime keeps milliseconds, rounded as Java's Math.round (half up).
    "CREATE OR REPLACE MACRO __la_unixtime_ms(x) AS "
    "CAST(epoch_ms(CAST(floor(x * 1000 + 0.5) AS BIGINT)) AS TIMESTAMPTZ)",
    "CREATE OR REPLACE MACRO __la_zone_offset_minutes(i, zone) AS "
    "datediff('minute', CAST(CAST(i AS TIMESTAMPTZ) AS TIMESTAMP), timezone(zone, CAST(i AS TIMESTAMPTZ)))",
    # from_iso8601_timestamp keeping the offset it was given (`Z` and +00:00 are UTC, as in Trino).
    "CREATE OR REPLACE MACRO __la_iso8601_offset(s) AS CASE WHEN contains(s, 'T') "
    "THEN replace(regexp_extract(s, '([+-]\\d{2}(:?\\d{2})?)$', 1), ':', '') ELSE '' END",
    "CREATE OR REPLACE MACRO __la_iso8601_zone(o) AS CASE "
    "WHEN o = '' OR regexp_full_match(o, '[+-]00(00)?') THEN 'UTC' "
    "ELSE substr(o, 1, 3) || ':' || CASE WHEN length(o) = 5 THEN substr(o, 4, 2) ELSE '00' END END",
    "CREATE OR REPLACE MACRO __la_iso8601_minutes(o) AS CASE WHEN o = '' THEN 0 ELSE "
    "(CASE WHEN substr(o, 1, 1) = '-' THEN -1 ELSE 1 END) * (CAST(substr(o, 2, 2) AS INTEGER) * 60 + "
    "CASE WHEN length(o) = 5 THEN CAST(substr(o, 4, 2) AS INTEGER) ELSE 0 END) END",
    "CREATE OR REPLACE MACRO __la_from_iso8601_zoned(s) AS __la_zoned_at("
    "__la_from_iso8601_timestamp_any(s), __la_iso8601_zone(__la_iso8601_offset(s)), "
    "__la_iso8601_minutes(__la_iso8601_offset(s)))",
)


@functools.cache
def region_zones() -> frozenset[str]:
    lines = _ZONES_FILE.read_text().splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _not_supported(what: str) -> QueryFailed:
    return QueryFailed(f"NOT_SUPPORTED: {what} is not supported by the local Athena engine")


def zone(text: str, unknown: str = "invalid") -> tuple[str, int | None]:
    """(Trino's name, offset in minutes or None for a region) of a zone literal.

    A name Trino does not know fails as Trino fails it: INVALID_FUNCTION_ARGUMENT (AT TIME ZONE,
    at_timezone, with_timezone) or NOT_SUPPORTED (from_unixtime, `unknown="unsupported"`); an offset
    in another spelling is refused rather than guessed at.
    """
    if text == "UTC":
        return "UTC", 0
    m = _OFFSET.fullmatch(text)
    if m:
        minutes = int(m.group(2)) * 60 + int(m.group(3))
        if 0 < minutes <= 14 * 60 and int(m.group(3)) < 60:
            return text, minutes if m.group(1) == "+" else -minutes
    elif text in region_zones():
        return text, None
    elif not re.match(r"[+-]|\d", text):
        if unknown == "invalid":  # names are exact: Trino's at_timezone refuses 'utc' too
            raise QueryFailed(f"INVALID_FUNCTION_ARGUMENT: '{text}' is not a valid time zone")
        if text.upper() != "UTC":
            raise QueryFailed(f"NOT_SUPPORTED: Time zone not supported: {text}")
    raise _not_supported(f"the time zone '{text}' (only UTC, offsets +HH:MM and Trino's region ids)")


def _args(name: str, minutes: int | None) -> list[exp.Expression]:
    return [exp.Literal.string(name), exp.Null() if minutes is None else exp.Literal.number(minutes)]


def _call(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def literal_parts(text: str) -> tuple[exp.Expression, str, int | None] | None:
    """(instant, zone, minutes) of a `TIMESTAMP '... zone'` literal whose zone is not UTC, else None."""
    m = _LITERAL.fullmatch(text.strip())
    if m is None:
        if text.strip().upper().endswith(" UTC"):
            return None
        raise _not_supported(f"the timestamp literal '{text}' with a time zone")
    local, zone_text = m.groups()
    if zone_text == "UTC":
        return None
    name, minutes = zone(zone_text)
    wall = exp.Cast(this=exp.Literal.string(local), to=exp.DataType.build("TIMESTAMP"))
    return _call("__la_zoned_local", wall, *_args(name, minutes)), name, minutes


def output(instant: exp.Expression, name: str, minutes: int | None) -> exp.Expression:
    """The result column of instant `instant` in zone `name`, rendered as Trino renders it."""
    return _call("__la_zoned_at", instant, *_args(name, minutes))


def zoned_output(instant: exp.Expression, zone_text: str, unknown: str = "invalid") -> exp.Expression:
    name, minutes = zone(zone_text, unknown)
    return output(instant, name, minutes)


def with_timezone(local: exp.Expression, zone_text: str) -> exp.Expression:
    name, minutes = zone(zone_text)
    instant = _call("__la_zoned_local", local, *_args(name, minutes))
    return _call("__la_zoned_at", instant, *_args(name, minutes))


def offset_part(instant: exp.Expression, name: str, minutes: int | None, part: str) -> exp.Expression:
    """timezone_hour / timezone_minute: Java truncates toward zero (-05:30 is -5 and -30)."""
    mins: exp.Expression = (
        exp.Literal.number(minutes)
        if minutes is not None
        else _call("__la_zone_offset_minutes", instant, exp.Literal.string(name))
    )
    hours = exp.Cast(
        this=_call("trunc", exp.Div(this=mins, expression=exp.Literal.number("60.0"))),
        to=exp.DataType.build("BIGINT"),
    )
    if part == "hour":
        return hours
    whole_hours = exp.Mul(this=hours.copy(), expression=exp.Literal.number(60))
    return exp.Cast(this=exp.Sub(this=mins.copy(), expression=whole_hours), to=exp.DataType.build("BIGINT"))


def is_result_column(node: exp.Expression, root: exp.Expression | None) -> bool:
    """Whether `node` is a result column of `root`, the SELECT whose rows are the statement's result."""
    parent, child = node.parent, node
    if isinstance(parent, exp.Alias):
        parent, child = parent.parent, parent
    is_root_select = root is not None and parent is root and isinstance(root, exp.Select)
    # Ordering, grouping or DISTINCT would compare the carried text, not the instant: refused.
    reordered = is_root_select and any(root.args.get(k) for k in ("order", "group", "distinct"))
    return is_root_select and not reordered and child.arg_key == "expressions"
