"""Athena (Trino) expressions to DuckDB with Trino's semantics: typed rewrites, macros and a few UDFs.

sqlglot transpiles the syntax; this module fixes the meaning where DuckDB's built-ins answer differently.
Types come from sqlglot's annotator (fed the Glue column types of the tables a query reads), so rewrites
can depend on them: a DATE plus an interval stays a DATE, decimal division follows Trino's decimal rules.
Where Trino's meaning cannot be reproduced the translation fails with NOT_SUPPORTED naming the construct:
the local Athena may refuse a query, it must never answer it differently.
"""

from __future__ import annotations

import contextlib
import functools
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.tokens import TokenType

from . import functions
from .errors import QueryFailed

READ = "athena"
WRITE = "duckdb"
T = exp.DataType.Type

_INTEGRAL_PRECISION = {T.TINYINT: 3, T.SMALLINT: 5, T.INT: 10, T.BIGINT: 19}
_FLOATING = {T.DOUBLE, T.FLOAT}

# An ISO 8601 date-time as from_iso8601_timestamp accepts it and DuckDB can read it; Trino also accepts
# week dates, ordinal dates and partial times, which are refused loudly below instead.
_ISO_TS = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}([.,]\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$"
_ISO_OTHER = r"^\d{4}(-?W\d{2}(-?\d)?|-?\d{3}|-\d{2})?(T[0-9:.,]*(Z|[+-][0-9:]+)?)?$"
_ISO_ZERO_OFFSET = r"(Z|[+-]00(:?00)?)$"

# DuckDB macros giving Trino's semantics; errors carry Trino's error names so they surface as Athena's.
MACROS = (
    # json_value is NULL for non-scalars and TRY makes invalid JSON NULL. Trino returns a number's text
    # as written (`1.50`); DuckDB re-prints non-integral numbers (`1.5`), so those fail loudly.
    "CREATE OR REPLACE MACRO __la_json_scalar_text(v) AS CASE "
    "WHEN json_type(v) = 'DOUBLE' AND regexp_matches(CAST(v AS VARCHAR), '[.eE]') THEN "
    "error('NOT_SUPPORTED: json_extract_scalar of a non-integer JSON number (' || CAST(v AS VARCHAR) || "
    "') is not supported by the local Athena engine: it cannot keep the number as written') "
    "ELSE v ->> '$' END",
    "CREATE OR REPLACE MACRO __la_json_extract_scalar(j, p) AS __la_json_scalar_text(TRY(json_value(j, p)))",
    # CAST(double AS varchar): Trino prints the shortest digits in scientific notation (`3.0E-1`).
    "CREATE OR REPLACE MACRO __la_sci3(sig, e) AS "
    "substr(sig, 1, 1) || '.' || coalesce(nullif(substr(sig, 2), ''), '0') || 'E' || e",
    "CREATE OR REPLACE MACRO __la_sci2(digits, iplen, e0) AS __la_sci3(rtrim(ltrim(digits, '0'), '0'), "
    "e0 + iplen - 1 - (length(digits) - length(ltrim(digits, '0'))))",
    "CREATE OR REPLACE MACRO __la_sci1(mant, e0) AS "
    "__la_sci2(replace(mant, '.', ''), length(split_part(mant, '.', 1)), e0)",
    "CREATE OR REPLACE MACRO __la_sci(t) AS __la_sci1(split_part(t, 'e', 1), "
    "CASE WHEN contains(t, 'e') THEN CAST(split_part(t, 'e', 2) AS INTEGER) ELSE 0 END)",
    "CREATE OR REPLACE MACRO __la_double_text(x) AS CASE WHEN x IS NULL THEN NULL "
    "WHEN isnan(x) THEN 'NaN' WHEN isinf(x) THEN CASE WHEN x > 0 THEN 'Infinity' ELSE '-Infinity' END "
    "WHEN x = 0 THEN CASE WHEN signbit(x) THEN '-0E0' ELSE '0E0' END "
    "ELSE CASE WHEN x < 0 THEN '-' ELSE '' END || __la_sci(CAST(abs(x) AS VARCHAR)) END",
    # CAST(x AS varchar) where the translation could not type x: decided on DuckDB's type at bind time.
    "CREATE OR REPLACE MACRO __la_to_varchar(x) AS CASE "
    "WHEN typeof(x) = 'DOUBLE' THEN __la_double_text(TRY_CAST(x AS DOUBLE)) "
    "WHEN typeof(x) = 'FLOAT' THEN __la_double_text(TRY_CAST(x AS FLOAT)) ELSE CAST(x AS VARCHAR) END",
    "CREATE OR REPLACE MACRO __la_to_boolean(s) AS CASE WHEN s IS NULL THEN NULL "
    "WHEN lower(s) IN ('true', 't', '1') THEN true WHEN lower(s) IN ('false', 'f', '0') THEN false "
    "ELSE error('INVALID_CAST_ARGUMENT: Cannot cast ''' || s || ''' to BOOLEAN') END",
    "CREATE OR REPLACE MACRO __la_fit_varchar(t, n) AS CASE WHEN length(t) > n THEN "
    "error('INVALID_CAST_ARGUMENT: Value ' || t || ' cannot be represented as varchar(' || n || ')') "
    "ELSE t END",
    "CREATE OR REPLACE MACRO __la_array_max(a) AS "
    "CASE WHEN list_position(a, NULL) IS NOT NULL THEN NULL ELSE list_max(a) END",
    "CREATE OR REPLACE MACRO __la_array_min(a) AS "
    "CASE WHEN list_position(a, NULL) IS NOT NULL THEN NULL ELSE list_min(a) END",
    "CREATE OR REPLACE MACRO __la_array_position(a, x) AS "
    "CASE WHEN a IS NULL THEN NULL ELSE coalesce(CAST(list_position(a, x) AS BIGINT), 0) END",
    "CREATE OR REPLACE MACRO __la_array_except(a, b) AS "
    "list_filter(__la_array_distinct(a), lambda x: NOT list_contains(b, x))",
    "CREATE OR REPLACE MACRO __la_repeat(x, n) AS CASE "
    "WHEN n < 0 THEN error('INVALID_FUNCTION_ARGUMENT: count argument of repeat function must be greater "
    "than or equal to 0') WHEN n > 10000 THEN error('INVALID_FUNCTION_ARGUMENT: count argument of repeat "
    "function must be less than or equal to 10000') ELSE list_transform(range(n), lambda i: x) END",
    # any_match/all_match/none_match over the predicate's results, NULL when a NULL could decide it.
    "CREATE OR REPLACE MACRO __la_any_match(t) AS CASE WHEN t IS NULL THEN NULL "
    "WHEN list_contains(t, true) THEN true WHEN list_position(t, NULL) IS NOT NULL THEN NULL ELSE false END",
    "CREATE OR REPLACE MACRO __la_all_match(t) AS CASE WHEN t IS NULL THEN NULL "
    "WHEN list_contains(t, false) THEN false WHEN list_position(t, NULL) IS NOT NULL THEN NULL ELSE true END",
    "CREATE OR REPLACE MACRO __la_none_match(t) AS CASE WHEN t IS NULL THEN NULL "
    "WHEN list_contains(t, true) THEN false WHEN list_position(t, NULL) IS NOT NULL THEN NULL ELSE true END",
    "CREATE OR REPLACE MACRO __la_array_intersect(a, b) AS "
    "list_filter(__la_array_distinct(a), lambda x: list_contains(b, x))",
    "CREATE OR REPLACE MACRO __la_contains(a, x) AS CASE WHEN a IS NULL OR x IS NULL THEN NULL "
    "WHEN list_contains(a, x) THEN true WHEN list_position(a, NULL) IS NOT NULL THEN NULL ELSE false END",
    "CREATE OR REPLACE MACRO __la_slice_from(a, s) AS CASE WHEN s > 0 THEN s ELSE len(a) + s + 1 END",
    "CREATE OR REPLACE MACRO __la_slice(a, s, n) AS CASE "
    "WHEN s = 0 THEN error('INVALID_FUNCTION_ARGUMENT: SQL array indices start at 1') "
    "WHEN n < 0 THEN error('INVALID_FUNCTION_ARGUMENT: Length must be greater than or equal to 0') "
    "WHEN __la_slice_from(a, s) < 1 THEN list_slice(a, 1, 0) "
    "ELSE list_slice(a, __la_slice_from(a, s), __la_slice_from(a, s) + n - 1) END",
    "CREATE OR REPLACE MACRO __la_regexp_extract(s, p, g) AS CASE "
    "WHEN NOT regexp_matches(s, p) THEN NULL "
    "WHEN g > 0 AND regexp_extract(s, p, g) = '' THEN error('NOT_SUPPORTED: regexp_extract of a group "
    "that matched the empty string (Trino tells an empty group from one that did not take part; "
    "the local Athena engine cannot)') ELSE regexp_extract(s, p, g) END",
    "CREATE OR REPLACE MACRO __la_json_array_length(j) AS "
    "CASE WHEN TRY(json_type(j)) = 'ARRAY' THEN CAST(json_array_length(j) AS BIGINT) END",
    "CREATE OR REPLACE MACRO __la_json_parse(s) AS CASE WHEN s IS NULL THEN NULL "
    "WHEN NOT json_valid(s) THEN error('INVALID_FUNCTION_ARGUMENT: Cannot convert value to JSON: ''' "
    "|| s || '''') WHEN json_type(s) = 'OBJECT' AND json_keys(s) <> list_sort(json_keys(s)) THEN "
    "error('NOT_SUPPORTED: json_parse of an object whose keys are not in order (Trino sorts them; "
    "the local Athena engine keeps them as written)') ELSE json(s) END",
    "CREATE OR REPLACE MACRO __la_split(s, d) AS CASE WHEN d = '' THEN "
    "error('INVALID_FUNCTION_ARGUMENT: The delimiter may not be the empty string') "
    "ELSE string_split(s, d) END",
    "CREATE OR REPLACE MACRO __la_upper(s) AS CASE WHEN contains(s, 'ß') THEN error('NOT_SUPPORTED: upper "
    "of a string with ß (Java and DuckDB case it differently)') ELSE upper(s) END",
    "CREATE OR REPLACE MACRO __la_lpad(s, n, p) AS CASE WHEN n < 0 OR n > 2147483647 THEN "
    "error('INVALID_FUNCTION_ARGUMENT: Target length must be in the range [0..2147483647]') "
    "WHEN p = '' THEN error('INVALID_FUNCTION_ARGUMENT: Padding string must not be empty') "
    "ELSE lpad(s, CAST(n AS INTEGER), p) END",
    "CREATE OR REPLACE MACRO __la_rpad(s, n, p) AS CASE WHEN n < 0 OR n > 2147483647 THEN "
    "error('INVALID_FUNCTION_ARGUMENT: Target length must be in the range [0..2147483647]') "
    "WHEN p = '' THEN error('INVALID_FUNCTION_ARGUMENT: Padding string must not be empty') "
    "ELSE rpad(s, CAST(n AS INTEGER), p) END",
    # Java's Math.cbrt is exact on perfect cubes; one Newton step makes DuckDB's pow-based cbrt agree.
    "CREATE OR REPLACE MACRO __la_cbrt(x) AS CASE WHEN x = 0 OR isnan(x) OR isinf(x) THEN cbrt(x) "
    "ELSE cbrt(x) - (cbrt(x) * cbrt(x) * cbrt(x) - x) / (3 * cbrt(x) * cbrt(x)) END",
    "CREATE OR REPLACE MACRO __la_unit(n, name) AS "
    "CASE WHEN n = 0 THEN NULL ELSE n || ' ' || name || CASE WHEN n = 1 THEN '' ELSE 's' END END",
    "CREATE OR REPLACE MACRO __la_hrs(s) AS coalesce(nullif(array_to_string(list_filter(["
    "__la_unit(s // 604800, 'week'), __la_unit(s % 604800 // 86400, 'day'), "
    "__la_unit(s % 86400 // 3600, 'hour'), __la_unit(s % 3600 // 60, 'minute'), "
    "__la_unit(s % 60, 'second')], lambda p: p IS NOT NULL), ', '), ''), '0 seconds')",
    "CREATE OR REPLACE MACRO human_readable_seconds(x) AS CASE WHEN x IS NULL THEN NULL "
    "WHEN isnan(x) OR isinf(x) THEN error('INVALID_FUNCTION_ARGUMENT: Invalid argument found: ' || x) "
    "ELSE __la_hrs(CAST(round(abs(x)) AS BIGINT)) END",
    "CREATE OR REPLACE MACRO __la_subscript(a, i) AS CASE WHEN a IS NULL OR i IS NULL THEN NULL "
    "WHEN i = 0 THEN error('INVALID_FUNCTION_ARGUMENT: SQL array indices start at 1') "
    "WHEN i < 0 THEN error('INVALID_FUNCTION_ARGUMENT: Array subscript is negative: ' || i) "
    "WHEN i > len(a) THEN error('INVALID_FUNCTION_ARGUMENT: Array subscript must be less than or equal "
    "to array length: ' || i || ' > ' || len(a)) ELSE a[i] END",
    "CREATE OR REPLACE MACRO __la_element_at(a, i) AS CASE "
    "WHEN i = 0 THEN error('INVALID_FUNCTION_ARGUMENT: SQL array indices start at 1') ELSE a[i] END",
    "CREATE OR REPLACE MACRO __la_map_subscript(m, k) AS CASE WHEN m IS NULL OR k IS NULL THEN NULL "
    "WHEN NOT map_contains(m, k) THEN error('INVALID_FUNCTION_ARGUMENT: Key not present in map: ' || k) "
    "ELSE m[k] END",
    "CREATE OR REPLACE MACRO __la_split_part(s, d, i) AS CASE "
    "WHEN i <= 0 THEN error('INVALID_FUNCTION_ARGUMENT: Index must be greater than zero') "
    "WHEN i > len(string_split(s, d)) THEN NULL ELSE split_part(s, d, i) END",
    # sequence(): Trino checks the step's direction and caps the result at 10000 entries.
    "CREATE OR REPLACE MACRO __la_sequence_check(start, stop, step, n) AS CASE "
    "WHEN step = 0 THEN error('INVALID_FUNCTION_ARGUMENT: step must not be zero') "
    "WHEN (step > 0 AND start > stop) OR (step < 0 AND start < stop) THEN "
    "error('INVALID_FUNCTION_ARGUMENT: sequence stop value should be greater than or equal to start value "
    "if step is greater than zero otherwise stop should be less than or equal to start') "
    "WHEN n > 10000 THEN "
    "error('INVALID_FUNCTION_ARGUMENT: result of sequence function must not have more than 10000 entries') "
    "END",
    "CREATE OR REPLACE MACRO __la_sequence(start, stop, step) AS coalesce("
    "__la_sequence_check(start, stop, step, (stop - start) // step + 1), "
    "generate_series(CAST(start AS BIGINT), CAST(__la_sequence_stop(start, stop, step) AS BIGINT), "
    "CAST(step AS BIGINT)))",
    # The stop is clamped so that constant folding never builds an oversized series before the check.
    "CREATE OR REPLACE MACRO __la_sequence_stop(start, stop, step) AS "
    "CASE WHEN step = 0 OR (stop - start) // step + 1 > 10000 THEN start ELSE stop END",
    "CREATE OR REPLACE MACRO __la_date_sequence(start, stop, step) AS coalesce("
    "__la_sequence_check(start, stop, step, (stop - start) // step + 1), "
    "CAST(generate_series(CAST(start AS TIMESTAMP), "
    "CAST(__la_sequence_stop(start, stop, step) AS TIMESTAMP), "
    "to_days(CASE WHEN step = 0 THEN 1 ELSE step END)) AS DATE[]))",
    "CREATE OR REPLACE MACRO __la_array_distinct(a) AS list_filter(a, lambda x, i: list_position(a, x) = i)",
    "CREATE OR REPLACE MACRO __la_from_iso8601_timestamp(s) AS CASE WHEN s IS NULL THEN NULL "
    f"WHEN NOT regexp_full_match(s, '{_ISO_TS}') THEN CASE "
    f"WHEN regexp_full_match(s, '{_ISO_OTHER}') THEN error('NOT_SUPPORTED: from_iso8601_timestamp of "
    "\"' || s || '\" (this ISO 8601 form) is not supported by the local Athena engine') "
    "ELSE error('INVALID_FUNCTION_ARGUMENT: Invalid format: \"' || s || '\"') END "
    f"WHEN regexp_matches(s, 'T') AND regexp_matches(s, '[+-]\\d{{2}}(:?\\d{{2}})?$') "
    f"AND NOT regexp_matches(s, '{_ISO_ZERO_OFFSET}') "
    "THEN error('NOT_SUPPORTED: from_iso8601_timestamp with a non-UTC offset (\"' || s || '\"): "
    "the local Athena engine cannot keep the zone') "
    "ELSE CAST(replace(s, ',', '.') AS TIMESTAMPTZ) END",
    "CREATE OR REPLACE MACRO __la_from_iso8601_date(s) AS CASE WHEN s IS NULL THEN NULL "
    "WHEN NOT regexp_full_match(s, '^\\d{4}-\\d{2}-\\d{2}$') THEN CASE "
    f"WHEN regexp_full_match(s, '{_ISO_OTHER}') THEN error('NOT_SUPPORTED: from_iso8601_date of "
    "\"' || s || '\" (this ISO 8601 form) is not supported by the local Athena engine') "
    "ELSE error('INVALID_FUNCTION_ARGUMENT: Invalid format: \"' || s || '\"') END "
    "ELSE CAST(s AS DATE) END",
    # Decimal division on unscaled 128-bit integers, rounded half away from zero as Trino does.
    "CREATE OR REPLACE MACRO __la_decimal_divide(ua, ub, scale_up, unit) AS CASE "
    "WHEN ua IS NULL OR ub IS NULL THEN NULL "
    "WHEN ub = 0 THEN error('DIVISION_BY_ZERO: Division by zero') "
    "ELSE CAST(sign(ua) * sign(ub) * ((abs(ua) * scale_up * 2 + abs(ub)) // (2 * abs(ub))) "
    "AS DECIMAL(38, 0)) * unit END",
    "CREATE OR REPLACE MACRO __la_double_divide(a, b) AS CASE "
    "WHEN b = 0 THEN CASE WHEN isnan(a) OR a = 0 THEN CAST('NaN' AS DOUBLE) "
    "WHEN a > 0 THEN CAST('Infinity' AS DOUBLE) ELSE CAST('-Infinity' AS DOUBLE) END "
    "ELSE CAST(a AS DOUBLE) / CAST(b AS DOUBLE) END",
    "CREATE OR REPLACE MACRO __la_double_mod(a, b) AS CASE WHEN b = 0 THEN CAST('NaN' AS DOUBLE) "
    "ELSE fmod(CAST(a AS DOUBLE), CAST(b AS DOUBLE)) END",
    # URLs split as RFC 3986 appendix B does; Trino (java.net.URI) gives NULL for what it cannot parse.
    "CREATE OR REPLACE MACRO __la_url_part(u, g) AS "
    "regexp_extract(u, '^(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\\?([^#]*))?(#(.*))?', g)",
    "CREATE OR REPLACE MACRO __la_url_authority_host(u) AS "
    "regexp_extract(__la_url_part(u, 4), '^([^@]*@)?(\\[[^\\]]*\\]|[^:]*)(:(\\d*))?$', 2)",
    "CREATE OR REPLACE MACRO url_extract_protocol(u) AS nullif(__la_url_part(u, 2), '')",
    "CREATE OR REPLACE MACRO url_extract_host(u) AS nullif(__la_url_authority_host(u), '')",
    "CREATE OR REPLACE MACRO url_extract_port(u) AS TRY_CAST(nullif(regexp_extract(__la_url_part(u, 4), "
    "'^([^@]*@)?(\\[[^\\]]*\\]|[^:]*)(:(\\d*))?$', 4), '') AS BIGINT)",
    "CREATE OR REPLACE MACRO url_extract_path(u) AS __la_url_part(u, 5)",
    "CREATE OR REPLACE MACRO url_extract_query(u) AS __la_url_part(u, 7)",
    "CREATE OR REPLACE MACRO url_extract_fragment(u) AS __la_url_part(u, 9)",
    "CREATE OR REPLACE MACRO url_extract_parameter(u, name) AS list_extract(list_transform(list_filter("
    "string_split(CASE WHEN regexp_matches(u, '^[^#]*\\?') THEN __la_url_part(u, 7) END, '&'), "
    "lambda p: split_part(p, '=', 1) = name), lambda p: CASE WHEN strpos(p, '=') > 0 "
    "THEN substr(p, strpos(p, '=') + 1) ELSE '' END), 1)",
    "CREATE OR REPLACE MACRO json_size(j, p) AS CASE json_type(j, p) "
    "WHEN 'ARRAY' THEN CAST(json_array_length(j, p) AS BIGINT) "
    "WHEN 'OBJECT' THEN CAST(len(json_keys(j, p)) AS BIGINT) "
    "WHEN NULL THEN NULL ELSE CAST(0 AS BIGINT) END",
    "CREATE OR REPLACE MACRO is_json_scalar(j) AS CASE WHEN j IS NULL THEN NULL "
    "WHEN NOT json_valid(j) THEN error('INVALID_FUNCTION_ARGUMENT: Invalid JSON value: ' || j) "
    "ELSE json_type(j) NOT IN ('OBJECT', 'ARRAY') END",
    "CREATE OR REPLACE MACRO codepoint(s) AS CASE WHEN length(s) <> 1 THEN "
    "error('INVALID_FUNCTION_ARGUMENT: codepoint of a string that is not exactly one character') "
    "ELSE CAST(unicode(s) AS INTEGER) END",
    "CREATE OR REPLACE MACRO nan() AS CAST('NaN' AS DOUBLE)",
    "CREATE OR REPLACE MACRO infinity() AS CAST('Infinity' AS DOUBLE)",
    "CREATE OR REPLACE MACRO is_nan(x) AS isnan(x)",
    "CREATE OR REPLACE MACRO every(x) AS bool_and(x)",
    "CREATE OR REPLACE MACRO e() AS exp(1.0::DOUBLE)",
    "CREATE OR REPLACE MACRO current_timezone() AS 'UTC'",
    "CREATE OR REPLACE MACRO array_union(a, b) AS __la_array_distinct(list_concat(a, b))",
    "CREATE OR REPLACE MACRO arrays_overlap(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL "
    "WHEN len(list_intersect(a, b)) > 0 THEN true "
    "WHEN list_position(a, NULL) IS NOT NULL OR list_position(b, NULL) IS NOT NULL THEN NULL ELSE false END",
    "CREATE OR REPLACE MACRO is_finite(x) AS isfinite(x)",
    "CREATE OR REPLACE MACRO is_infinite(x) AS isinf(x)",
    "CREATE OR REPLACE MACRO hamming_distance(a, b) AS CASE WHEN length(a) <> length(b) THEN "
    "error('INVALID_FUNCTION_ARGUMENT: The input strings to hamming_distance function must have "
    "the same length') ELSE CAST(hamming(a, b) AS BIGINT) END",
)


_MACRO_NAME = re.compile(r"MACRO (\w+)\(")
_MACROS_BY_NAME = {  # this module's and functions.py's
    _MACRO_NAME.search(m).group(1): m  # type: ignore[union-attr]
    for m in (*MACROS, *functions.MACROS)
}
_WORD = re.compile(r"\b\w+\b")


def _needed(sql: str, have: set[str]) -> list[str]:
    """Macros `sql` calls, their dependencies first, leaving out those already defined."""
    out: list[str] = []

    def visit(text: str) -> None:
        for word in dict.fromkeys(w.lower() for w in _WORD.findall(text)):
            if word in _MACROS_BY_NAME and word not in have:
                have.add(word)
                visit(_MACROS_BY_NAME[word].split(" AS ", 1)[1])
                out.append(word)

    visit(sql)
    return out


def install(con: Any, sql: str, have: set[str]) -> None:
    """Defines on a DuckDB connection the macros `sql` needs (each connection starts empty; defining
    all of them costs more than most queries)."""
    names = _needed(sql, have)
    if names:
        con.execute(";\n".join(_MACROS_BY_NAME[n] for n in names))


# --- types --------------------------------------------------------------------------------------------


def _type(node: exp.Expression | None) -> exp.DataType | None:
    t = getattr(node, "type", None) if node is not None else None
    if t is None or t.this in (T.UNKNOWN, T.NULL):
        return None
    return t


def _is(node: exp.Expression | None, *kinds: Any) -> bool:
    if isinstance(node, exp.Anonymous) and node.name.lower() in ("nan", "infinity") and not node.expressions:
        return T.DOUBLE in kinds  # the macros sqlglot cannot type
    t = _type(node)
    return t is not None and t.this in kinds


def _decimal_ps(node: exp.Expression | None) -> tuple[int, int] | None:
    """(precision, scale) of a decimal or integral operand as Trino widens it, or None if not exact."""
    t = _type(node)
    if t is None:
        return None
    if t.this in _INTEGRAL_PRECISION:
        return _INTEGRAL_PRECISION[t.this], 0
    if t.this == T.DECIMAL:
        params = [int(p.name) for p in t.expressions]
        if not params:
            return None
        return params[0], params[1] if len(params) > 1 else 0
    return None


def _dec_type(p: int, s: int) -> exp.DataType:
    return exp.DataType.build(f"DECIMAL({p}, {s})", dialect=WRITE)


def _call(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _lit(sql: str) -> exp.Expression:
    return exp.maybe_parse(sql, dialect=WRITE)


def _unscaled(node: exp.Expression, scale: int) -> exp.Expression:
    scaled = exp.Mul(this=node, expression=exp.Literal.number(10**scale)) if scale else node
    return exp.Cast(this=scaled, to=exp.DataType.build("HUGEINT", dialect=WRITE))


def _decimal_divide(
    a: exp.Expression, b: exp.Expression, pa: tuple[int, int], pb: tuple[int, int]
) -> exp.Expression:
    (p1, s1), (_, s2) = pa, pb
    s = max(s1, s2)
    p = min(38, p1 + s2 + max(0, s2 - s1))
    unit = _lit(f"CAST('{Decimal(1).scaleb(-s):f}' AS DECIMAL(38, {s}))")
    scale_up = _lit(f"CAST({10 ** (s - s1 + s2)} AS HUGEINT)")
    call = _call("__la_decimal_divide", _unscaled(a, s1), _unscaled(b, s2), scale_up, unit)
    return exp.Cast(this=call, to=_dec_type(p, s))


def _not_supported(what: str) -> QueryFailed:
    return QueryFailed(f"NOT_SUPPORTED: {what} is not supported by the local Athena engine")


# --- format_datetime: Joda patterns to strftime -------------------------------------------------------

_JODA = {
    "yyyy": "%Y",
    "yy": "%y",
    "MMMM": "%B",
    "MMM": "%b",
    "MM": "%m",
    "dd": "%d",
    "HH": "%H",
    "hh": "%I",
    "mm": "%M",
    "ss": "%S",
    "SSS": "%g",
    "EEEE": "%A",
    "EEE": "%a",
    "a": "%p",
    "DDD": "%j",
    "d": "%-d",
    "M": "%-m",
    "H": "%-H",
    "h": "%-I",
    "m": "%-M",
    "s": "%-S",
}


def _joda_to_strftime(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "'":
            end = pattern.find("'", i + 1)
            if end < 0:
                raise QueryFailed(f"INVALID_FUNCTION_ARGUMENT: Invalid pattern specification: {pattern}")
            out.append(pattern[i + 1 : end].replace("%", "%%") or "'")
            i = end + 1
            continue
        if ch.isalpha():
            j = i
            while j < len(pattern) and pattern[j] == ch:
                j += 1
            token = pattern[i:j]
            if token not in _JODA:
                raise _not_supported(f"format_datetime pattern letter '{token}'")
            out.append(_JODA[token])
            i = j
            continue
        out.append("%%" if ch == "%" else ch)
        i += 1
    return "".join(out)


# --- the rewrite pass ---------------------------------------------------------------------------------

_UNSUPPORTED_FUNCTIONS = {
    "word_stem": "word_stem (DuckDB's stemmer is an extension this offline engine cannot load)",
    "typeof": "typeof (DuckDB's type names are not Trino's)",
    "url_encode": "url_encode (DuckDB encodes differently from java.net.URLEncoder)",
    "url_decode": "url_decode (DuckDB decodes '+' differently from java.net.URLDecoder)",
}


_NOT_SUPPORTED_NODES: dict[type, str] = {
    exp.Corr: "corr (DuckDB computes it with a different floating-point algorithm)",
    exp.CovarSamp: "covar_samp (DuckDB computes it with a different floating-point algorithm)",
    exp.CovarPop: "covar_pop (DuckDB computes it with a different floating-point algorithm)",
    exp.JSONFormat: "json_format (Trino prints JSON canonically; DuckDB keeps it as stored)",
    exp.JSONValue: "json_value (SQL/JSON path modes)",
    exp.JSONExists: "json_exists (SQL/JSON path modes)",
}
_NOT_SUPPORTED_NAMES = {
    "regr_slope": "regr_slope (DuckDB computes it with a different floating-point algorithm)",
    "regr_intercept": "regr_intercept (DuckDB computes it with a different floating-point algorithm)",
    "json_exists": "json_exists (SQL/JSON path modes)",
    "json_query": "json_query (SQL/JSON path modes)",
    "map_entries": "map_entries (DuckDB names the entry fields)",
    "at_timezone": "at_timezone (DuckDB keeps no zone in a timestamp with time zone)",
    "with_timezone": "with_timezone (DuckDB keeps no zone in a timestamp with time zone)",
}
_SIMPLE_FORMAT = re.compile(r"(%%|%-?\d*(\.\d+)?[sdfx]|[^%])*")
_COMPARISONS = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE)


def _literal_text(node: exp.Expression | None) -> str | None:
    return node.name if isinstance(node, exp.Literal) and node.is_string else None


def _regex_checks(pattern: exp.Expression | None, group: exp.Expression | None, what: str) -> None:
    """Literal patterns Trino and DuckDB treat differently are refused before they run."""
    text = _literal_text(pattern)
    if text is None:
        return
    try:
        compiled = re.compile(text)
    except re.error:
        return  # DuckDB reports the bad pattern itself
    if (
        group is not None
        and isinstance(group, exp.Literal)
        and group.is_int
        and int(group.name) > compiled.groups
    ):
        raise QueryFailed(
            f"INVALID_FUNCTION_ARGUMENT: Pattern has {compiled.groups} groups. "
            f"Cannot access group {group.name}"
        )
    if what and compiled.search("") is not None:
        raise _not_supported(f"{what} with a pattern that matches the empty string")


_UNITS = {"millisecond", "second", "minute", "hour", "day", "week", "month", "quarter", "year"}


def _rewrite_one(node: exp.Expression) -> exp.Expression | None:
    """The DuckDB form of one (already annotated) node, or None to keep it."""
    new = functions.rewrite(node)  # the Trino functions DuckDB lacks
    if new is not None:
        return new
    if isinstance(node, exp.DateAdd | exp.DateDiff | exp.TimestampTrunc | exp.DateTrunc):
        unit = node.text("unit").lower()
        if unit and unit not in _UNITS:
            kind = "DATE" if _is(node.this, T.DATE) else "TIMESTAMP"
            raise QueryFailed(f"INVALID_FUNCTION_ARGUMENT: '{unit}' is not a valid {kind} field")
    if isinstance(node, exp.Repeat):  # Trino's repeat builds an array; DuckDB's repeats a string
        return _call("__la_repeat", node.this, node.args["times"])
    known = (
        isinstance(node, exp.DPipe) and _type(node.this) is not None and _type(node.expression) is not None
    )
    if known and _is(node.this, T.ARRAY) and not _is(node.expression, T.ARRAY):
        return _call("list_append", node.this, node.expression)
    if known and _is(node.expression, T.ARRAY) and not _is(node.this, T.ARRAY):
        return _call("list_prepend", node.this, node.expression)
    for cls, why in _NOT_SUPPORTED_NODES.items():
        if type(node) is cls:
            raise _not_supported(why)
    if isinstance(node, exp.JSONExtract) and re.match(r"^'?(lax|strict)\b", node.expression.sql()):
        raise _not_supported("json_query (SQL/JSON path modes)")
    if isinstance(node, exp.ApproxQuantile) and _is(node.this, *_INTEGRAL_PRECISION):
        many = isinstance(node.args.get("quantile"), exp.Array)
        return exp.Cast(this=node, to=exp.DataType.build("BIGINT[]" if many else "BIGINT", dialect=WRITE))
    if isinstance(node, exp.GroupConcat) and node.args.get("separator") is None:
        node.set("separator", exp.Literal.string(""))  # Trino's listagg default separator is empty
        return None
    if isinstance(node, exp.Grouping):
        return exp.Cast(this=node, to=exp.DataType.build("INT"))
    if isinstance(node, exp.ArrayMax):
        return _call("__la_array_max", node.this)
    if isinstance(node, exp.ArrayMin):
        return _call("__la_array_min", node.this)
    if isinstance(node, exp.ArrayPosition):
        return _call("__la_array_position", node.this, node.expression)
    if isinstance(node, exp.ArrayIntersect) and len(node.expressions) == 2:
        return _call("__la_array_intersect", *node.expressions)
    if isinstance(node, exp.ArrayExcept):
        return _call("__la_array_except", node.this, node.expression)
    if isinstance(node, exp.ArrayContains):
        return _call("__la_contains", node.this, node.expression)
    if isinstance(node, exp.ArraySlice):
        if node.args.get("step") is not None or node.args.get("end") is None:
            raise _not_supported("slice with these arguments")
        return _call("__la_slice", node.this, node.args["start"], node.args["end"])
    if isinstance(node, exp.Reverse) and _is(node.this, T.ARRAY):
        return _call("list_reverse", node.this)
    bitwise = (exp.BitwiseAnd, exp.BitwiseOr, exp.BitwiseXor, exp.BitwiseLeftShift, exp.BitwiseRightShift)
    if isinstance(node, (*bitwise, exp.BitwiseNot, exp.BitwiseAndAgg, exp.BitwiseOrAgg, exp.BitwiseXorAgg)):
        return exp.Cast(this=node, to=exp.DataType.build("BIGINT"))
    sign_type = _type(node.this) if isinstance(node, exp.Sign) else None
    if sign_type is not None and sign_type.this in (*_INTEGRAL_PRECISION, *_FLOATING):
        return exp.Cast(this=node, to=sign_type.copy())
    if isinstance(node, exp.Cbrt):
        return _call("__la_cbrt", node.this)
    if isinstance(node, exp.Sum) and _is(node.this, *_INTEGRAL_PRECISION):
        if isinstance(node.parent, exp.Window | exp.Filter):
            return None
        return exp.Cast(this=node, to=exp.DataType.build("BIGINT"))
    if (
        isinstance(node, exp.Window | exp.Filter)
        and isinstance(node.this, exp.Sum)
        and _is(node.this.this, *_INTEGRAL_PRECISION)
    ):
        return exp.Cast(this=node, to=exp.DataType.build("BIGINT"))
    if isinstance(node, exp.Neg) and _is(node.this, T.BIGINT):
        return exp.Cast(this=node, to=exp.DataType.build("BIGINT"))
    if isinstance(node, exp.Round | exp.Trunc) and node.args.get("decimals") is not None:
        ps = _decimal_ps(node.this) if _is(node.this, T.DECIMAL) else None
        if ps:
            p, s = ps
            return exp.Cast(this=node, to=_dec_type(min(38, p + 1) if isinstance(node, exp.Round) else p, s))
        if _is(node.this, T.DECIMAL):
            raise _not_supported("round/truncate of a decimal whose precision is not known")
    numeric = (*_INTEGRAL_PRECISION, *_FLOATING, T.DECIMAL)
    if isinstance(node, _COMPARISONS) and (
        (_is(node.this, T.VARCHAR) and _is(node.expression, *numeric))
        or (_is(node.expression, T.VARCHAR) and _is(node.this, *numeric))
    ):  # DuckDB casts one side implicitly; Trino refuses to compare text with numbers
        raise QueryFailed(
            f"TYPE_MISMATCH: Cannot apply operator: {node.this.type.sql().lower()} {node.key} "
            f"{node.expression.type.sql().lower()}"
        )
    if isinstance(node, _COMPARISONS) and (_is(node.this, *_FLOATING) or _is(node.expression, *_FLOATING)):
        a, b = node.this, node.expression
        nan = exp.or_(_call("isnan", a.copy()), _call("isnan", b.copy()))
        return exp.Case(
            ifs=[exp.If(this=nan, true=exp.Boolean(this=isinstance(node, exp.NEQ)))], default=node
        )
    if isinstance(node, exp.DPipe | exp.Concat) and any(
        isinstance(e, exp.Null) for e in node.iter_expressions()
    ):
        raise _not_supported("Concatenating a bare NULL (Trino types it as an array)")
    if isinstance(node, exp.RegexpExtract):
        group = node.args.get("group")
        _regex_checks(node.expression, group, "")
        return _call("__la_regexp_extract", node.this, node.expression, group or exp.Literal.number(0))
    if isinstance(node, exp.RegexpReplace):
        _regex_checks(node.expression, None, "regexp_replace")
        repl = node.args.get("replacement")
        text = _literal_text(repl)
        if repl is not None and text is None:
            raise _not_supported("regexp_replace with a replacement that is not a literal")
        if text is not None:  # Java's $1 group references are RE2's \1
            node.set(
                "replacement", exp.Literal.string(re.sub(r"\$(\d)", r"\\\1", text.replace("\\", "\\\\")))
            )
        return None
    if isinstance(node, exp.RegexpExtractAll | exp.RegexpSplit | exp.RegexpCount):
        _regex_checks(node.expression, node.args.get("group"), node.key)
        return None
    if isinstance(node, exp.Split):
        if node.args.get("limit") is not None:
            raise _not_supported("split with a limit")
        return _call("__la_split", node.this, node.expression)
    if isinstance(node, exp.Format):
        fmt = _literal_text(node.this)
        if fmt is None or not _SIMPLE_FORMAT.fullmatch(fmt):
            raise _not_supported("format with this format string")
        return _call("printf", node.this, *node.expressions)
    if isinstance(node, exp.Upper):
        return _call("__la_upper", node.this)
    if isinstance(node, exp.Pad) and node.args.get("fill_pattern") is not None:
        name = "__la_lpad" if node.args.get("is_left") else "__la_rpad"
        return _call(name, node.this, node.expression, node.args["fill_pattern"])
    if isinstance(node, exp.ParseJSON):
        return _call("__la_json_parse", node.this)
    if isinstance(node, exp.AtTimeZone):
        # Sessions are UTC, so AT TIME ZONE 'UTC' is the same instant as a timestamp with time zone.
        if (_literal_text(node.args.get("zone")) or "").upper() == "UTC":
            return exp.Cast(this=node.this, to=exp.DataType.build("TIMESTAMPTZ"))
        raise _not_supported(
            "AT TIME ZONE other than 'UTC' (DuckDB keeps no zone in a timestamp with time zone)"
        )
    if isinstance(node, exp.UnixToTime) and node.args.get("zone") is not None:
        raise _not_supported("from_unixtime with a time zone")
    if (
        isinstance(node, exp.Interval)
        and isinstance(node.parent, exp.Alias | exp.Select)
        and node.text("unit").lower() in ("year", "month")
    ):
        raise _not_supported("An interval year to month as a result column")
    if isinstance(node, exp.Sub) and _is(node.this, T.DATE) and _is(node.expression, T.DATE):
        return _call("to_days", exp.Cast(this=node, to=exp.DataType.build("INT")))
    if isinstance(node, exp.TryCast) and node.to.this in (T.ARRAY, T.MAP, T.STRUCT):
        raise _not_supported("TRY_CAST to an array, map or row (Trino fails the whole value)")
    if isinstance(node, exp.Typeof):
        raise _not_supported(_UNSUPPORTED_FUNCTIONS["typeof"])
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        if name in _UNSUPPORTED_FUNCTIONS:
            raise _not_supported(_UNSUPPORTED_FUNCTIONS[name])
        if name in _NOT_SUPPORTED_NAMES:
            raise _not_supported(_NOT_SUPPORTED_NAMES[name])
        if name in ("any_match", "all_match", "none_match") and len(node.expressions) == 2:
            applied = exp.Anonymous(this="list_transform", expressions=list(node.expressions))
            return _call(f"__la_{name}", applied)
        if name == "to_iso8601" and len(node.expressions) == 1:
            arg = node.expressions[0]
            if not _is(arg, T.DATE):  # a timestamp prints as many fractional digits as its precision
                raise _not_supported("to_iso8601 of a timestamp (its precision decides the digits)")
            return exp.TimeToStr(this=arg, format=exp.Literal.string("%Y-%m-%d"))
        if name == "millisecond" and node.expressions:
            return exp.Mod(this=node, expression=exp.Literal.number(1000))
        if name == "json_array_length" and node.expressions:
            return _call("__la_json_array_length", node.expressions[0])
        if name == "format_datetime":
            fmt = node.expressions[1] if len(node.expressions) > 1 else None
            if not (isinstance(fmt, exp.Literal) and fmt.is_string):
                raise _not_supported("format_datetime with a pattern that is not a literal")
            return exp.TimeToStr(
                this=node.expressions[0], format=exp.Literal.string(_joda_to_strftime(fmt.name))
            )
        if name == "human_readable_seconds" and node.expressions:
            arg = node.expressions[0]
            return _call(name, exp.Cast(this=arg, to=exp.DataType.build("DOUBLE")))
        return None
    if isinstance(node, exp.FromISO8601Timestamp):
        return _call("__la_from_iso8601_timestamp", node.this)
    if isinstance(node, exp.FromISO8601Date):
        return _call("__la_from_iso8601_date", node.this)
    if isinstance(node, exp.SplitPart):
        return _call("__la_split_part", node.this, node.args["delimiter"], node.args["part_index"])
    if isinstance(node, exp.GenerateSeries) and isinstance(node.parent, exp.Select | exp.Alias | exp.Func):
        start, stop, step = node.args["start"], node.args["end"], node.args.get("step")
        kind = "__la_date_sequence" if _is(start, T.DATE) and _is(stop, T.DATE) else "__la_sequence"
        if kind == "__la_sequence" and not (_decimal_ps(start) and _decimal_ps(stop)):
            raise _not_supported("sequence over timestamps or values of unknown type")
        if step is not None and not _decimal_ps(step):
            raise _not_supported("sequence with an interval step")
        if step is None:
            step = exp.If(
                this=exp.LTE(this=start.copy(), expression=stop.copy()),
                true=exp.Literal.number(1),
                false=exp.Literal.number(-1),
            )
        return _call(kind, start, stop, step)
    if isinstance(node, exp.ArrayDistinct):
        return _call("__la_array_distinct", node.this)
    if isinstance(node, exp.Bracket):
        if len(node.expressions) != 1:
            return None
        index = node.expressions[0]
        literal = index.this if isinstance(index, exp.Neg) else index
        if not node.args.get("offset") and isinstance(literal, exp.Literal) and literal.is_int:
            value = -int(literal.name) if isinstance(index, exp.Neg) else int(literal.name)
            index = exp.Literal.number(value + 1)  # sqlglot stores literal subscripts 0-based
        if _is(node.this, T.MAP):
            return None if node.args.get("safe") else _call("__la_map_subscript", node.this, index)
        if _is(node.this, T.STRUCT):
            return None
        return _call("__la_element_at" if node.args.get("safe") else "__la_subscript", node.this, index)
    if isinstance(node, exp.ArraySize) and _is(node.this, T.MAP):
        return _call("cardinality", node.this)
    if isinstance(node, exp.Reduce) and node.args.get("finish") is not None:
        finish = node.args["finish"]
        reduced = node.copy()
        reduced.set("finish", None)
        if not isinstance(finish, exp.Lambda) or len(finish.expressions) != 1:
            raise _not_supported("reduce with this output function")
        param = finish.expressions[0].name
        body = finish.this.copy()
        if isinstance(body, exp.Column | exp.Identifier) and body.name == param:
            return reduced
        for ref in list(body.find_all(exp.Column, exp.Identifier)):
            if ref.name == param and not isinstance(ref.parent, exp.Column):
                ref.replace(reduced.copy())
        return exp.Paren(this=body)
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal) and node.this.is_string:
        to = node.to
        if to.this == T.DECIMAL and not to.expressions:  # DECIMAL '1.50' is decimal(3,2)
            text = node.this.name.strip()
            m = re.fullmatch(r"[+-]?(\d*)(?:\.(\d*))?", text)
            if not m or not (m.group(1) or m.group(2)):
                raise QueryFailed(f"INVALID_LITERAL: '{text}' is not a valid DECIMAL literal")
            whole, frac = (m.group(1) or "").lstrip("0"), m.group(2) or ""
            p, s = max(len(whole) + len(frac), 1), len(frac)
            if p > 38:
                raise QueryFailed(f"INVALID_LITERAL: Decimal overflow: {text}")
            return exp.Cast(this=node.this, to=_dec_type(p, s))
    if isinstance(node, exp.Cast | exp.TryCast):
        to = node.to
        text_target = to.this in (T.VARCHAR, T.TEXT, T.CHAR)
        if text_target and _is(node.this, T.JSON):
            raise _not_supported("CAST of JSON to varchar")
        if text_target and to.expressions and to.this == T.VARCHAR:
            n = int(to.expressions[0].name)
            if _is(node.this, T.VARCHAR, T.TEXT, T.CHAR):
                return _call("substr", node.this, exp.Literal.number(1), exp.Literal.number(n))
            bare = node.copy()
            bare.set("to", exp.DataType.build("VARCHAR"))
            return _call("__la_fit_varchar", _rewrite_one(bare) or bare, exp.Literal.number(n))
        if to.this == T.BOOLEAN and _is(node.this, T.VARCHAR, T.TEXT):
            return _call("__la_to_boolean", node.this)
        if text_target and _is(node.this, *_FLOATING):
            return _call("__la_double_text", node.this)
        if text_target and _type(node.this) is None and not isinstance(node.this, exp.Null):
            return _call("__la_to_varchar", node.this)
        if to.this in _INTEGRAL_PRECISION and _is(node.this, *_FLOATING):
            # Trino rounds half away from zero; DuckDB's cast rounds half to even.
            return node.__class__(this=exp.Round(this=node.this), to=to)
        return None
    if isinstance(node, exp.Div):
        a, b = node.this, node.expression
        if _is(a, *_FLOATING) or _is(b, *_FLOATING):
            return _call("__la_double_divide", a, b)
        da, db = _decimal_ps(a), _decimal_ps(b)
        if da and db and (_is(a, T.DECIMAL) or _is(b, T.DECIMAL)):
            return _decimal_divide(a, b, da, db)
        if _is(a, T.DECIMAL) or _is(b, T.DECIMAL):
            raise _not_supported("Division of a decimal whose precision is not known")
        if _decimal_ps(a) and _decimal_ps(b):  # integers: truncating division keeping the type
            return exp.IntDiv(this=a, expression=b)
        return None
    if isinstance(node, exp.Mod):
        if _is(node.this, *_FLOATING) or _is(node.expression, *_FLOATING):
            return _call("__la_double_mod", node.this, node.expression)
        if _is(node.this, T.DECIMAL) or _is(node.expression, T.DECIMAL):
            raise _not_supported("The modulus of decimals")
        return None
    if isinstance(node, exp.Window) and isinstance(node.this, exp.Avg):
        return _decimal_avg(node.this, node)
    if isinstance(node, exp.Avg) and not isinstance(node.parent, exp.Window):
        return _decimal_avg(node, None)
    if isinstance(node, exp.TimestampTrunc | exp.DateTrunc) and _is(node.this, T.DATE):
        unit = node.text("unit").lower()
        if unit in ("hour", "minute", "second", "millisecond"):
            raise QueryFailed(f"INVALID_FUNCTION_ARGUMENT: '{unit}' is not a valid DATE field")
        return exp.Cast(this=node, to=exp.DataType.build("DATE"))
    if isinstance(node, exp.DateAdd) and _is(node.this, T.DATE):
        unit = node.text("unit").lower()
        if unit in ("hour", "minute", "second", "millisecond"):
            raise QueryFailed(f"INVALID_FUNCTION_ARGUMENT: '{unit}' is not a valid DATE field")
        return exp.Cast(this=node, to=exp.DataType.build("DATE"))
    if isinstance(node, exp.Add | exp.Sub):
        a, b = node.this, node.expression
        if (_is(a, T.DATE) and isinstance(b, exp.Interval)) or (
            isinstance(node, exp.Add) and _is(b, T.DATE) and isinstance(a, exp.Interval)
        ):
            interval = b if isinstance(b, exp.Interval) else a
            unit = interval.text("unit").lower()
            if unit in ("hour", "minute", "second"):
                raise QueryFailed("INVALID_FUNCTION_ARGUMENT: Cannot add hour, minutes or seconds to a date")
            return exp.Cast(this=node, to=exp.DataType.build("DATE"))
    return None


def _decimal_avg(avg: exp.Avg, window: exp.Window | None) -> exp.Expression | None:
    ps = _decimal_ps(avg.this) if _is(avg.this, T.DECIMAL) else None
    if _is(avg.this, T.DECIMAL) and (ps is None or isinstance(avg.this, exp.Distinct)):
        raise _not_supported("avg over a decimal of unknown precision or with DISTINCT")
    if ps is None:
        return None
    p, s = ps

    def over(agg: exp.Expression) -> exp.Expression:
        if window is None:
            return agg
        w = window.copy()
        w.set("this", agg)
        return w

    total = over(exp.Sum(this=avg.this.copy()))
    count = over(exp.Count(this=avg.this.copy()))
    unit = _lit(f"CAST('{Decimal(1).scaleb(-s):f}' AS DECIMAL(38, {s}))")
    call = _call("__la_decimal_divide", _unscaled(total, s), count, _lit("CAST(1 AS HUGEINT)"), unit)
    return exp.Cast(this=call, to=_dec_type(p, s))


def _literal_type(self: Any, literal: exp.Literal) -> exp.Literal:
    """Trino's literal types: 1.50 is decimal(3,2) (sqlglot says double), 3000000000 is bigint."""
    text = literal.name
    if literal.is_string:
        self._set_type(literal, T.VARCHAR)
    elif re.fullmatch(r"\d+", text):
        self._set_type(literal, T.INT if int(text) <= 2147483647 else T.BIGINT)
    elif re.fullmatch(r"\d*\.\d*", text):
        whole, frac = text.split(".")
        p, s = max(len(whole.lstrip("0")) + len(frac), 1), len(frac)
        self._set_type(literal, exp.DataType.build(f"DECIMAL({p}, {s})") if p <= 38 else T.DOUBLE)
    else:
        self._set_type(literal, T.DOUBLE)
    return literal


_METADATA = {**Dialect.get_or_raise(READ).EXPRESSION_METADATA, exp.Literal: {"annotator": _literal_type}}


def _annotate(tree: exp.Expression, schema: dict[str, dict[str, str]]) -> None:
    """Types on every node sqlglot can type; columns get theirs from `schema` (view -> column -> type).

    Qualifying rewrites the tree (aliases, qualifiers), so it runs on a copy whose types are then
    carried back to the original nodes: the SQL DuckDB runs keeps the query's own shape.
    """
    twin = tree.copy()
    pairs = {id(c): o for o, c in zip(tree.walk(), twin.walk(), strict=True)}
    with contextlib.suppress(Exception):  # columns then stay untyped; literals are still typed
        qualify(
            twin,
            schema=schema or None,
            dialect=READ,
            expand_alias_refs=False,
            expand_stars=False,
            validate_qualify_columns=False,
            quote_identifiers=False,
            identify=False,
        )
    try:
        annotate_types(twin, schema=schema or None, dialect=READ, expression_metadata=_METADATA)
    except Exception:
        return
    for node in twin.walk():
        original = pairs.get(id(node))
        if original is not None and node.type is not None:
            original.type = node.type


def _check_where_aliases(tree: exp.Expression, schema: dict[str, dict[str, str]]) -> None:
    """Trino does not let WHERE see the select list's aliases; DuckDB does, so refuse it as Trino does.

    Only when every source of the SELECT has known columns (a table view, an aliased VALUES or
    subquery with a column list) and none of them has the name.
    """
    for select in tree.find_all(exp.Select):
        where = select.args.get("where")
        if where is None:
            continue
        aliases = {p.alias.lower() for p in select.expressions if isinstance(p, exp.Alias)}
        if not aliases:
            continue
        sources: set[str] = set()
        for source in [select.args.get("from_"), *(select.args.get("joins") or [])]:
            item = source.this if source is not None else None
            if isinstance(item, exp.Table) and item.name in schema:
                sources |= {c.lower() for c in schema[item.name]}
                continue
            alias = item.args.get("alias") if item is not None else None
            columns = alias.columns if isinstance(alias, exp.TableAlias) else []
            if not columns:
                return  # a source of unknown columns: no verdict
            sources |= {c.name.lower() for c in columns}
        for col in where.find_all(exp.Column):
            if col.table or col.find_ancestor(exp.Select) is not select:
                continue
            name = col.name.lower()
            if name in aliases and name not in sources:
                raise QueryFailed(f"COLUMN_NOT_FOUND: line 1:1: Column '{col.name}' cannot be resolved")


def translate(tree: exp.Expression, schema: dict[str, dict[str, str]] | None = None) -> exp.Expression:
    """Rewrites an Athena AST in place into one whose DuckDB rendering has Trino's semantics."""
    _check_where_aliases(tree, schema or {})
    _annotate(tree, schema or {})
    # Post-order: children are rewritten before their parents, whose types were taken beforehand.
    for node in reversed(list(tree.walk())):
        parent, key, index = node.parent, node.arg_key, node.index
        new = _rewrite_one(node)  # may wrap `node`, which moves it under the new node
        if new is not None and new is not node:
            new.type = node.type
            if parent is None:
                tree = new
            else:
                parent.set(key, new, index)
    return tree


# --- functions Trino has ------------------------------------------------------------------------------

_FUNCTIONS_FILE = Path(__file__).with_name("trino_functions.txt")
# Names followed by "(" that are syntax or special forms rather than functions SHOW FUNCTIONS lists.
_SYNTAX = {
    "if",
    "try",
    "nullif",
    "coalesce",
    "cast",
    "try_cast",
    "grouping",
    "extract",
    "position",
    "format",
    "current_user",
    "json_value",
    "json_query",
    "json_exists",
    "json_object",
    "json_array",
    "row",
    "array",
    "map",
    "decimal",
    "varchar",
    "char",
    "timestamp",
    "time",
    "interval",
    "varbinary",
    "in",
    "exists",
    "values",
    "unnest",
    "over",
    "filter",
    "within",
    "group",
    "sets",
    "cube",
    "rollup",
    "lateral",
    "using",
    "on",
    "and",
    "or",
    "not",
    "when",
    "then",
    "else",
    "case",
    "select",
    "from",
    "where",
    "by",
    "as",
    "join",
    "distinct",
    "all",
    "union",
    "intersect",
    "except",
    "with",
    "table",
    "like",
    "between",
    "is",
    "into",
    "view",
    "partitioned_by",
    "bucketed_by",
    "ordinality",
    "window",
    "partition",
    "order",
    "rows",
    "range",
    "groups",
    "preceding",
    "following",
    "current",
    "zone",
    "at",
    "precision",
    "double",
    "real",
    "integer",
    "int",
    "bigint",
    "smallint",
    "tinyint",
    "boolean",
    "date",
    "ipaddress",
    "uuid",
    "json",
    "return",
    "end",
    "limit",
    "offset",
    "fetch",
    "having",
    "recursive",
    "set",
    "tablesample",
    "bernoulli",
    "system",
    "to",
    "any",
    "some",
    "escape",
    "substring",
    "trim",
    "normalize",
    "localtime",
    "localtimestamp",
}


@functools.cache
def trino_functions() -> frozenset[str]:
    lines = _FUNCTIONS_FILE.read_text().splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def check_functions(sql: str) -> None:
    """FUNCTION_NOT_FOUND, as Trino says it, for a call to a function Trino does not have.

    DuckDB has many functions Trino lacks (string_agg, set_agg, left, ...); sqlglot passes them through,
    so without this check the local Athena would answer queries Athena rejects.
    """
    tokens = Dialect.get_or_raise(READ).tokenize(sql)
    known = trino_functions()
    for i, tok in enumerate(tokens[:-1]):
        if tokens[i + 1].token_type != TokenType.L_PAREN or tok.token_type in (
            TokenType.STRING,
            TokenType.NUMBER,
        ):
            continue
        if tok.token_type == TokenType.VAR and tok.text.startswith('"'):
            continue
        prev = tokens[i - 1] if i else None
        if prev is not None and (
            prev.token_type in (TokenType.R_PAREN, TokenType.VAR, TokenType.ALIAS, TokenType.DOT)
            or prev.text.upper() in ("TABLE", "INTO", "VIEW", "WITH", "EXISTS", "JOIN", "FROM", "ON")
            or (prev.token_type == TokenType.COMMA and _in_with_clause(tokens, i))
        ):
            continue  # an alias's column list (t(x)), a table's column list, a CTE's, a qualified name
        name = tok.text.lower()
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or name in _SYNTAX or name in known:
            continue
        where = f"{tok.line}:{tok.col - len(tok.text) + 1}"
        raise QueryFailed(f"FUNCTION_NOT_FOUND: line {where}: Function '{name}' not registered")


def _in_with_clause(tokens: list[Any], i: int) -> bool:
    """Whether position i follows WITH at depth 0 and precedes the main SELECT (a CTE name)."""
    depth = 0
    for tok in reversed(tokens[:i]):
        if tok.token_type == TokenType.R_PAREN:
            depth += 1
        elif tok.token_type == TokenType.L_PAREN:
            depth -= 1
        elif depth == 0 and tok.token_type == TokenType.WITH:
            return True
        elif depth == 0 and tok.token_type == TokenType.SELECT:
            return False
    return False
