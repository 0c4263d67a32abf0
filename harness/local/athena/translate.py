"""Athena (Trino) expressions to DuckDB with Trino's semantics: typed rewrites, macros and a few UDFs.

sqlglot transpiles the syntax; this module fixes the meaning where DuckDB's built-ins answer differently.
Types come from sqlglot's annotator (fed the Glue column types of the tables a query reads), so rewrites
can depend on them: a DATE plus an interval stays a DATE, decimal division follows Trino's decimal rules.
Where Trino's meaning cannot be reproduced the translation fails with NOT_SUPPORTED naming the construct:
the local Athena may refuse a query, it must never answer it differently.
"""

from __future__ import annotations

import contextlib
import contextvars
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

from . import functions, json_text, zoned
from .errors import QueryFailed
from .joda import joda_tokens

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
    # split with a limit: at most n entries, the last one holding the rest of the string.
    "CREATE OR REPLACE MACRO __la_split_limit(s, d, n) AS CASE "
    "WHEN s IS NULL OR d IS NULL OR n IS NULL THEN NULL "
    "WHEN n <= 0 THEN error('INVALID_FUNCTION_ARGUMENT: Limit must be positive') "
    "WHEN len(__la_split(s, d)) <= n THEN __la_split(s, d) "
    "ELSE list_concat(__la_split(s, d)[1:n - 1], [array_to_string(__la_split(s, d)[n:], d)]) END",
    # Trino (Java's Character.toUpperCase) keeps ß; DuckDB makes it ẞ.
    "CREATE OR REPLACE MACRO __la_upper(s) AS "
    "array_to_string(list_transform(string_split(s, 'ß'), lambda p: upper(p)), 'ß')",
    # strpos(s, sub, n): the n-th occurrence, overlapping ones counted, 0 if there is none.
    # A negative n counts from the end (Java's lastIndexOf), which is the same list read backwards.
    "CREATE OR REPLACE MACRO __la_occurrences(s, sub) AS "
    "list_filter(range(1, length(s) + 1), lambda i: substr(s, i, length(sub)) = sub)",
    "CREATE OR REPLACE MACRO __la_nth(p, n) AS CAST(CASE WHEN abs(n) > len(p) THEN 0 "
    "WHEN n > 0 THEN p[n] ELSE p[len(p) + n + 1] END AS BIGINT)",
    "CREATE OR REPLACE MACRO __la_strpos(s, sub, n) AS CASE WHEN s IS NULL OR sub IS NULL OR n IS NULL "
    "THEN NULL WHEN n = 0 THEN error('INVALID_FUNCTION_ARGUMENT: ''instance'' must be a positive or "
    "negative number.') WHEN sub = '' THEN CAST(1 AS BIGINT) ELSE __la_nth(__la_occurrences(s, sub), n) END",
    # java.net.URLEncoder / URLDecoder (UTF-8): space is '+', '*' stays, '~' is encoded.
    "CREATE OR REPLACE MACRO __la_url_encode(s) AS "
    "replace(replace(replace(url_encode(s), '%20', '+'), '~', '%7E'), '%2A', '*')",
    "CREATE OR REPLACE MACRO __la_url_decode(s) AS CASE WHEN s IS NULL THEN NULL "
    "WHEN regexp_matches(s, '%([^0-9A-Fa-f]|.[^0-9A-Fa-f]|.?$)') THEN error('INVALID_FUNCTION_ARGUMENT: "
    "URLDecoder: Illegal hex characters in escape (%) pattern') "
    "WHEN TRY(url_decode(replace(s, '+', ' '))) IS NULL THEN error('NOT_SUPPORTED: url_decode of bytes "
    "that are not UTF-8 (Java substitutes them) is not supported by the local Athena engine') "
    "ELSE url_decode(replace(s, '+', ' ')) END",
    # Soundex as Trino (commons-codec's US English): H and W are skipped, vowels separate equal codes.
    "CREATE OR REPLACE MACRO __la_soundex_digits(c) AS "
    "translate(c, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '01230120022455012623010202')",
    "CREATE OR REPLACE MACRO __la_soundex_kept(d) AS array_to_string(list_transform(list_filter("
    "range(2, length(d) + 1), lambda i: substr(d, i, 1) <> '0' AND substr(d, i, 1) <> substr(d, i - 1, 1)), "
    "lambda i: substr(d, i, 1)), '')",
    "CREATE OR REPLACE MACRO __la_soundex_word(c) AS CASE WHEN c = '' THEN '' ELSE left(c, 1) || "
    "rpad(left(__la_soundex_kept(__la_soundex_digits(left(c, 1) || "
    "replace(replace(substr(c, 2), 'H', ''), 'W', ''))), 3), 3, '0') END",
    "CREATE OR REPLACE MACRO __la_soundex(s) AS CASE WHEN s IS NULL THEN NULL "
    "WHEN regexp_matches(s, '[^\\x00-\\x7F]') THEN error('NOT_SUPPORTED: soundex of a string with "
    "non-ASCII characters is not supported by the local Athena engine') "
    "ELSE __la_soundex_word(regexp_replace(upper(s), '[^A-Z]', '', 'g')) END",
    # Decimal modulus on unscaled 128-bit integers at the common scale; the sign is the dividend's.
    "CREATE OR REPLACE MACRO __la_decimal_mod(ua, ub, unit) AS CASE "
    "WHEN ua IS NULL OR ub IS NULL THEN NULL "
    "WHEN ub = 0 THEN error('DIVISION_BY_ZERO: Division by zero') "
    "ELSE CAST(ua % ub AS DECIMAL(38, 0)) * unit END",
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
    "CREATE OR REPLACE MACRO __la_from_iso8601_timestamp_any(s) AS CASE WHEN s IS NULL THEN NULL "
    f"WHEN NOT regexp_full_match(s, '{_ISO_TS}') THEN CASE "
    f"WHEN regexp_full_match(s, '{_ISO_OTHER}') THEN error('NOT_SUPPORTED: from_iso8601_timestamp of "
    "\"' || s || '\" (this ISO 8601 form) is not supported by the local Athena engine') "
    "ELSE error('INVALID_FUNCTION_ARGUMENT: Invalid format: \"' || s || '\"') END "
    "ELSE CAST(replace(s, ',', '.') AS TIMESTAMPTZ) END",
    # Only as a result column does the zone survive (zoned.py); elsewhere a non-UTC offset is refused.
    "CREATE OR REPLACE MACRO __la_from_iso8601_timestamp(s) AS CASE "
    f"WHEN regexp_full_match(s, '{_ISO_TS}') AND regexp_matches(s, 'T') "
    "AND regexp_matches(s, '[+-]\\d{2}(:?\\d{2})?$') "
    f"AND NOT regexp_matches(s, '{_ISO_ZERO_OFFSET}') "
    "THEN error('NOT_SUPPORTED: from_iso8601_timestamp with a non-UTC offset (\"' || s || '\") other than "
    "as a result column: the local Athena engine cannot keep the zone') "
    "ELSE __la_from_iso8601_timestamp_any(s) END",
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
    # JSON text made canonical by the translation (json_text.py): DuckDB keeps a JSON cast's text as is.
    "CREATE OR REPLACE MACRO __la_json_text(t) AS CAST(t AS JSON)",
    # An interval year to month as a result column: its Trino text (types.py, TEXT_CARRIERS).
    "CREATE OR REPLACE MACRO __la_year_month(t) AS {'__la_iym': t}",
    # CAST(varchar AS integer types): Java's parsing, trimmed; DuckDB would also take '1.5' and '1e0'.
    "CREATE OR REPLACE MACRO __la_integral_text(s) AS "
    "regexp_replace(s, '^[\\x00-\\x20]+|[\\x00-\\x20]+$', '', 'g')",
    "CREATE OR REPLACE MACRO __la_cast_integral(s, t) AS CASE WHEN s IS NULL THEN NULL "
    "WHEN regexp_full_match(__la_integral_text(s), '[+-]?[0-9]+') THEN __la_integral_text(s) "
    "WHEN regexp_matches(s, '[^\\x00-\\x7F]') THEN error('NOT_SUPPORTED: CAST of ''' || s || ''' to an "
    "integer (Java reads non-ASCII digits) is not supported by the local Athena engine') "
    "ELSE error('INVALID_CAST_ARGUMENT: Cannot cast ''' || s || ''' to ' || t) END",
    "CREATE OR REPLACE MACRO __la_trycast_integral(s) AS CASE WHEN s IS NULL THEN NULL "
    "WHEN regexp_full_match(__la_integral_text(s), '[+-]?[0-9]+') THEN __la_integral_text(s) "
    "WHEN regexp_matches(s, '[^\\x00-\\x7F]') THEN error('NOT_SUPPORTED: TRY_CAST of ''' || s || ''' to "
    "an integer (Java reads non-ASCII digits) is not supported by the local Athena engine') END",
    # CAST(varchar AS double/real) as Java parses it; CAST(varchar AS decimal) without trimming.
    "CREATE OR REPLACE MACRO __la_floating_ok(s) AS regexp_full_match(s, '[\\x00-\\x20]*[+-]?(NaN|Infinity|"
    "([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?)[fFdD]?[\\x00-\\x20]*')",
    "CREATE OR REPLACE MACRO __la_floating_text(s) AS regexp_replace(__la_integral_text(s), '[fFdD]$', '')",
    "CREATE OR REPLACE MACRO __la_cast_floating(s) AS CASE WHEN s IS NULL THEN NULL "
    "WHEN __la_floating_ok(s) THEN __la_floating_text(s) "
    "WHEN regexp_matches(s, '^[\\x00-\\x20]*[+-]?0[xX]') OR regexp_matches(s, '[^\\x00-\\x7F]') THEN "
    "error('NOT_SUPPORTED: CAST of ''' || s || ''' to a floating-point type (hexadecimal or Unicode "
    "forms) is not supported by the local Athena engine') "
    "ELSE error('INVALID_CAST_ARGUMENT: Cannot cast ''' || s || ''' to DOUBLE') END",
    "CREATE OR REPLACE MACRO __la_trycast_floating(s) AS CASE WHEN s IS NULL THEN NULL "
    "WHEN __la_floating_ok(s) THEN __la_floating_text(s) "
    "WHEN regexp_matches(s, '^[\\x00-\\x20]*[+-]?0[xX]') OR regexp_matches(s, '[^\\x00-\\x7F]') THEN "
    "error('NOT_SUPPORTED: TRY_CAST of ''' || s || ''' to a floating-point type (hexadecimal or "
    "Unicode forms) is not supported by the local Athena engine') END",
    "CREATE OR REPLACE MACRO __la_cast_decimal_text(s) AS CASE "
    "WHEN regexp_matches(s, '^[\\x00-\\x20]|[\\x00-\\x20]$') THEN error('INVALID_CAST_ARGUMENT: Cannot "
    "cast VARCHAR ''' || s || ''' to DECIMAL. Value is not a number.') ELSE s END",
    "CREATE OR REPLACE MACRO __la_trycast_decimal_text(s) AS CASE "
    "WHEN regexp_matches(s, '^[\\x00-\\x20]|[\\x00-\\x20]$') THEN NULL ELSE s END",
    # array_sort with a comparator, from the matrix m[i][j] = comparator(x[i], x[j]).
    "CREATE OR REPLACE MACRO __la_sort_places(m) AS list_transform(range(1, len(m) + 1), lambda i: 1 + "
    "len(list_filter(range(1, len(m) + 1), lambda j: m[j][i] < 0 OR (m[j][i] = 0 AND j < i))))",
    "CREATE OR REPLACE MACRO __la_sort_ok(m, p) AS list_sort(p) = range(1, len(m) + 1) AND "
    "len(list_filter(range(1, len(m) + 1), lambda i: len(list_filter(range(1, len(m) + 1), lambda j: "
    "m[i][j] IS NULL OR m[i][j] NOT IN (-1, 0, 1) OR (p[i] < p[j] AND m[i][j] > 0))) > 0)) = 0",
    "CREATE OR REPLACE MACRO __la_sort_by_matrix(x, m) AS CASE WHEN x IS NULL THEN NULL "
    "WHEN len(list_filter(flatten(m), lambda c: c IS NOT NULL AND c NOT IN (-1, 0, 1))) > 0 THEN "
    "error('INVALID_FUNCTION_ARGUMENT: Lambda comparator must return either -1, 0, or 1') "
    "WHEN NOT __la_sort_ok(m, __la_sort_places(m)) THEN error('NOT_SUPPORTED: array_sort with a comparator "
    "that is not a consistent -1/0/1 ordering of the array is not supported by the local Athena engine') "
    "ELSE list_transform(range(1, len(x) + 1), lambda k: x[list_position(__la_sort_places(m), k)]) END",
    # TRY_CAST of an array of text to an array of integers: NULL as a whole if any element fails.
    "CREATE OR REPLACE MACRO __la_all_or_null(x, y) AS CASE WHEN x IS NULL THEN NULL WHEN "
    "len(list_filter(x, lambda e: e IS NOT NULL)) = len(list_filter(y, lambda e: e IS NOT NULL)) THEN y END",
    *(
        f"CREATE OR REPLACE MACRO __la_trycast_list_{name.lower()}(x) AS __la_all_or_null(x, "
        f"list_transform(x, lambda e: TRY_CAST(__la_trycast_integral(e) AS {name})))"
        for name in ("TINYINT", "SMALLINT", "INT", "BIGINT")
    ),
    # map_entries: Trino's entries are anonymous rows (field0, field1).
    "CREATE OR REPLACE MACRO __la_map_entries(m) AS CASE WHEN m IS NULL THEN NULL ELSE "
    "list_transform(map_entries(m), lambda e: {'field0': e['key'], 'field1': e['value']}) END",
    *zoned.MACROS,
)


_MACRO_NAME = re.compile(r"MACRO (\w+)\(")
_WORD = re.compile(r"\b\w+\b")


def _without_errors(sql: str) -> str:
    """`sql` with each `error(...)` call replaced by NULL (quotes and nested parentheses respected)."""
    out, i = [], 0
    while True:
        j = sql.find("error(", i)
        if j < 0 or (j > 0 and (sql[j - 1].isalnum() or sql[j - 1] == "_")):
            if j < 0:
                out.append(sql[i:])
                return "".join(out)
            out.append(sql[i : j + 6])
            i = j + 6
            continue
        out.append(sql[i:j] + "NULL")
        depth, k, quoted = 0, j + 5, False
        while k < len(sql):
            ch = sql[k]
            if ch == "'":
                quoted = not quoted
            elif not quoted and ch == "(":
                depth += 1
            elif not quoted and ch == ")":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        i = k + 1


_REFUSING: set[str] = set()  # macros that may fail with NOT_SUPPORTED: refused inside TRY


def _try_variants(macros: tuple[str, ...]) -> dict[str, str]:
    """For TRY(...): each macro that can fail (calls error(), or such a macro) as a variant whose
    failures are NULL, named __la_try_<name>. DuckDB's TRY refuses error() (it is volatile), and Trino's
    TRY gives NULL for the run-time checks the macros make."""
    bodies = {_MACRO_NAME.search(m).group(1): m for m in macros}  # type: ignore[union-attr]
    failing = {name for name, m in bodies.items() if "error(" in m.split(" AS ", 1)[1]}
    while True:
        more = {
            n
            for n, m in bodies.items()
            if n not in failing and failing & set(_WORD.findall(m.split(" AS ", 1)[1]))
        }
        if not more:
            break
        failing |= more
    refusing = {n for n in failing if "error('NOT_SUPPORTED" in bodies[n]}
    while True:  # a macro that may refuse loudly cannot become NULL under TRY: that would be silent
        more = {n for n in failing - refusing if refusing & set(_WORD.findall(bodies[n].split(" AS ", 1)[1]))}
        if not more:
            break
        refusing |= more
    failing -= refusing
    _REFUSING.update(refusing)
    renamed = {n: "__la_try_" + n.removeprefix("__la_") for n in failing}
    variants = {}
    for name in failing:
        text = _without_errors(bodies[name])
        text = re.sub(r"\b(\w+)\(", lambda m: renamed.get(m.group(1), m.group(1)) + "(", text)
        variants[renamed[name]] = text
    return variants


TRY_VARIANTS = _try_variants((*MACROS, *functions.MACROS))
_MACROS_BY_NAME = {  # this module's, functions.py's, and their variants under TRY
    **{_MACRO_NAME.search(m).group(1): m for m in (*MACROS, *functions.MACROS)},  # type: ignore[union-attr]
    **TRY_VARIANTS,
}


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
    out = []
    for kind, text in joda_tokens(pattern):
        if kind == "quoted":
            out.append(text.replace("%", "%%"))
        elif kind == "field":
            if text not in _JODA:
                raise _not_supported(f"format_datetime pattern letter '{text}'")
            out.append(_JODA[text])
        else:
            out.append("%%" if text == "%" else text)
    return "".join(out)


# --- the rewrite pass ---------------------------------------------------------------------------------

_UNSUPPORTED_FUNCTIONS = {
    "word_stem": "word_stem (DuckDB's stemmer is an extension this offline engine cannot load)",
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
}
_ZONED_ONLY_AS_RESULT = "(DuckDB keeps no zone in a timestamp with time zone) other than as a result column"
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


# --- constructs made exact: zoned timestamps, decimal modulus, typeof, concatenating NULL ------------

# The tree whose rows are the statement's result (set by translate(result=True)), else None.
_RESULT_TREE: contextvars.ContextVar[exp.Expression | None] = contextvars.ContextVar(
    "la_result_tree", default=None
)
# Functions whose zoned-literal argument keeps its meaning as an instant (or is read by the function).
_INSTANT_CONSUMERS = ("at_timezone", "to_unixtime")
_LITERAL_READERS = ("timezone_hour", "timezone_minute", "to_iso8601")


def _result_column(node: exp.Expression) -> bool:
    return zoned.is_result_column(node, _RESULT_TREE.get())


def _named(node: exp.Expression | None, *names: str) -> bool:
    return isinstance(node, exp.Anonymous) and node.name.lower() in names


def _zoned(node: exp.Expression) -> exp.Expression | None:
    """Timestamps with a non-UTC time zone where they can be exact (zoned.py), else None."""
    if (
        isinstance(node, exp.Cast)
        and node.to.this == T.TIMESTAMPTZ
        and isinstance(node.this, exp.Literal)
        and node.this.is_string
    ):
        parts = zoned.literal_parts(node.this.name)
        if parts is None:
            return None
        instant, name, minutes = parts
        parent = node.parent
        if _result_column(node):
            return zoned.output(instant, name, minutes)
        if isinstance(parent, (*_COMPARISONS, exp.AtTimeZone)) or _named(parent, *_INSTANT_CONSUMERS):
            return instant
        if _named(parent, *_LITERAL_READERS):
            return None  # the function reads the literal itself
        raise _not_supported(
            "A timestamp with a time zone other than UTC other than as a result column or compared"
        )
    if isinstance(node, exp.AtTimeZone) or (_named(node, "at_timezone", "with_timezone")):
        args = [node.this, node.args.get("zone")] if isinstance(node, exp.AtTimeZone) else node.expressions
        text = _literal_text(args[1]) if len(args) == 2 else None
        if text is None or (isinstance(node, exp.AtTimeZone) and text.upper() == "UTC"):
            return None
        zoned.zone(text)  # an unknown zone fails as in Trino, wherever the call is
        # with_timezone takes a timestamp, at_timezone a timestamp with time zone (coercions unverified).
        wanted = (T.TIMESTAMP,) if _named(node, "with_timezone") else (T.TIMESTAMP, T.TIMESTAMPTZ)
        if not _result_column(node) or (not isinstance(node, exp.AtTimeZone) and not _is(args[0], *wanted)):
            return None
        if _named(node, "with_timezone"):
            return zoned.with_timezone(args[0], text)
        return zoned.zoned_output(args[0], text)
    if isinstance(node, exp.UnixToTime) and node.args.get("zone") is not None:
        text = _literal_text(node.args["zone"])
        if text is None:
            return None
        zoned.zone(text, "unsupported")
        if not _result_column(node):
            return None
        return zoned.zoned_output(_call("__la_unixtime_ms", node.this), text, "unsupported")
    if _named(node, "timezone_hour", "timezone_minute") and len(node.expressions) == 1:
        arg = node.expressions[0]
        literal = isinstance(arg, exp.Cast) and isinstance(arg.this, exp.Literal)
        if not (literal and arg.to.this == T.TIMESTAMPTZ):
            return None
        parts = zoned.literal_parts(arg.this.name)
        if parts is None:
            return exp.Cast(this=exp.Literal.number(0), to=exp.DataType.build("BIGINT"))
        return zoned.offset_part(parts[0], parts[1], parts[2], node.name.lower().split("_")[1])
    return None


_ISO_LITERAL = re.compile(r"(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,12}))?")


def _to_iso8601_timestamp(arg: exp.Expression) -> exp.Expression:
    """to_iso8601 of a timestamp prints as many fractional digits as the timestamp's precision, which
    only a literal (its digits) or a CAST of one (precision 3) tells exactly."""
    if isinstance(arg, exp.Cast) and isinstance(arg.this, exp.Literal) and arg.this.is_string:
        text = arg.this.name.strip()
        if arg.to.this == T.TIMESTAMPTZ:
            m = zoned._LITERAL.fullmatch(text)
            zone_text = m.group(2) if m else ""
            if m and (zone_text == "UTC" or zoned._OFFSET.fullmatch(zone_text)):
                local = m.group(1).replace(" ", "T")
                return exp.Literal.string(local + ("Z" if zone_text == "UTC" else zone_text))
        m = _ISO_LITERAL.fullmatch(text)
        if arg.to.this == T.TIMESTAMP and m:
            params = arg.to.expressions
            frac = m.group(3) or ""
            digits = int(params[0].name) if params else 3
            if len(frac) <= digits:
                frac = frac.ljust(digits, "0")
                return exp.Literal.string(f"{m.group(1)}T{m.group(2)}" + (f".{frac}" if frac else ""))
    raise _not_supported("to_iso8601 of a timestamp other than a literal (its precision decides the digits)")


def _decimal_mod(
    a: exp.Expression, b: exp.Expression, pa: tuple[int, int], pb: tuple[int, int]
) -> exp.Expression:
    """Trino's decimal modulus: decimal(min(p2 - s2, p1 - s1) + max(s1, s2), max(s1, s2))."""
    (p1, s1), (p2, s2) = pa, pb
    s = max(s1, s2)
    p = min(38, min(p2 - s2, p1 - s1) + s)
    unit = _lit(f"CAST('{Decimal(1).scaleb(-s):f}' AS DECIMAL(38, {s}))")
    call = _call("__la_decimal_mod", _unscaled(a, s), _unscaled(b, s), unit)
    return exp.Cast(this=call, to=_dec_type(max(p, 1), s))


_AMBIGUOUS_CONCAT = (
    "AMBIGUOUS_FUNCTION_CALL: Could not choose a best candidate operator. Explicit type casts must be "
    "added. Candidates are: (varchar,array(varchar)):array(varchar), (varchar,varchar):varchar"
)


def _concat_null(node: exp.Expression) -> exp.Expression:
    """A bare NULL concatenated: Trino reads `'a' || NULL` as array concatenation (a NULL array), a
    concat of three or more values as text (NULL), and `x || NULL` of an unbounded varchar as ambiguous."""
    operands = list(node.iter_expressions())
    texts = [isinstance(e, exp.Literal) and e.is_string for e in operands]
    nulls = [isinstance(e, exp.Null) for e in operands]
    if len(operands) == 2 and sorted(zip(texts, nulls, strict=True)) == [(False, True), (True, False)]:
        return exp.Cast(this=exp.Null(), to=exp.DataType.build("VARCHAR[]", dialect=WRITE))
    if len(operands) > 2 and any(texts) and all(t or n for t, n in zip(texts, nulls, strict=True)):
        return exp.Cast(this=exp.Null(), to=exp.DataType.build("VARCHAR"))
    if isinstance(node, exp.DPipe) and len(operands) == 2 and nulls[1]:
        left = operands[0]
        unbounded = isinstance(left, exp.DPipe | exp.Concat) or (
            isinstance(left, exp.Cast) and left.to.this == T.VARCHAR and not left.to.expressions
        )
        if unbounded:
            raise QueryFailed(_AMBIGUOUS_CONCAT)
    raise _not_supported("Concatenating a bare NULL (Trino types it as an array)")


_TYPE_NAMES = {
    T.TINYINT: "tinyint",
    T.SMALLINT: "smallint",
    T.INT: "integer",
    T.BIGINT: "bigint",
    T.DOUBLE: "double",
    T.FLOAT: "real",
    T.BOOLEAN: "boolean",
    T.DATE: "date",
}


def _trino_type_name(node: exp.Expression) -> str | None:
    """Trino's name of a literal's or a CAST's type (typeof), or None where it is not certain."""
    if isinstance(node, exp.Null):
        return "unknown"
    if isinstance(node, exp.Boolean):
        return "boolean"
    if isinstance(node, exp.Literal) and node.is_string:
        return f"varchar({len(node.name)})"
    to = node.to if isinstance(node, exp.Cast) and not isinstance(node, exp.TryCast) else None
    t = to if to is not None else (_type(node) if isinstance(node, exp.Literal) else None)
    if t is None:
        return None
    params = [p.name for p in t.expressions]
    if t.this in _TYPE_NAMES and not params:
        return _TYPE_NAMES[t.this]
    if t.this == T.DECIMAL:
        p, s = (params[0], params[1] if len(params) > 1 else "0") if params else ("38", "0")
        return f"decimal({p},{s})"
    if t.this == T.VARCHAR and to is not None:
        return f"varchar({params[0]})" if params else "varchar"
    if t.this == T.TIMESTAMP and to is not None:
        return f"timestamp({params[0] if params else 3})"
    return None


_UNITS = {"millisecond", "second", "minute", "hour", "day", "week", "month", "quarter", "year"}


# Patterns on which Python's re (ASCII mode) and Java's regex (Trino's) agree: literal characters,
# \d \w \s and escaped punctuation, simple classes, groups without (?...), quantifiers, alternation.
_PORTABLE_REGEX = re.compile(
    r"([A-Za-z0-9 _,;:=/#@!%&'\"<>~-]|\\[dwsDWS.*+?()\[\]{}|^$\\/-]|[.*+?()|^$]"
    r"|\[\^?([A-Za-z0-9 _,;:=/#@!%&'\"<>~.-]|\\[dws])+\]|\{\d+(,\d*)?\})*"
)


_LINE_ENDS = "\n\r\x85\u2028\u2029"


def _portable_regex(pattern: str, subject: str) -> re.Pattern[str] | None:
    # Java's `.` and `$` also treat \r, \u0085, \u2028, \u2029 as line terminators; Python's only \n.
    if "(?" in pattern or not _PORTABLE_REGEX.fullmatch(pattern) or any(c in subject for c in _LINE_ENDS):
        return None
    try:
        return re.compile(pattern, re.ASCII)
    except re.error:
        return None


def _java_replacement(text: str, groups: int) -> str | None:
    """Java's replacement syntax ($n groups, \\x literal) as Python's, or None if it would fail."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1].replace("\\", "\\\\"))
            i += 2
        elif ch == "$":
            m = re.match(r"\d", text[i + 1 :])
            if m is None or int(m.group(0)) > groups:
                return None
            out.append(f"\\g<{m.group(0)}>")
            i += 2
        elif ch == "\\":
            return None
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _regex_fold(node: exp.Expression) -> exp.Expression | None:
    """regexp_replace / regexp_extract of literals, computed with Java's matching rules (empty matches
    included, a group that took no part is NULL) where Python's re is known to agree."""
    if not isinstance(node, exp.RegexpReplace | exp.RegexpExtract):
        return None
    subject, pattern = _literal_text(node.this), _literal_text(node.expression)
    if subject is None or pattern is None:
        return None
    compiled = _portable_regex(pattern, subject)
    if compiled is None:
        return None
    null = exp.Cast(this=exp.Null(), to=exp.DataType.build("VARCHAR"))
    if isinstance(node, exp.RegexpExtract):
        group = node.args.get("group")
        index = (
            int(group.name) if isinstance(group, exp.Literal) and group.is_int else 0 if group is None else -1
        )
        if not 0 <= index <= compiled.groups:
            return None  # the checks below fail it as Trino does
        m = compiled.search(subject)
        value = m.group(index) if m else None
        return exp.Literal.string(value) if value is not None else null
    replacement = node.args.get("replacement")
    text = _literal_text(replacement) if replacement is not None else ""
    python = _java_replacement(text, compiled.groups) if text is not None else None
    if python is None:
        return None
    return exp.Literal.string(compiled.sub(python, subject))


def _json_path_steps(path: exp.Expression | None) -> list[str | int] | None:
    if not isinstance(path, exp.JSONPath):
        return None
    steps: list[str | int] = []
    for part in path.expressions:
        if isinstance(part, exp.JSONPathRoot):
            continue
        key = isinstance(part, exp.JSONPathKey) and isinstance(part.this, str)
        if not (key or (isinstance(part, exp.JSONPathSubscript) and isinstance(part.this, int))):
            return None
        steps.append(part.this)
    return steps


def _folded_json(node: exp.Expression | None) -> str | None:
    """The canonical text of a JSON value the translation computed (json_parse or CAST of a literal)."""
    if _named(node, "__la_json_text") and node is not None:
        return _literal_text(node.expressions[0])
    return None


def _json_fold(node: exp.Expression) -> exp.Expression | None:
    """JSON functions of literal JSON text, computed as Trino computes them (json_text.py)."""
    if isinstance(node, exp.ParseJSON):
        text = _literal_text(node.this)
        value = json_text.parse(text) if text is not None else json_text.INVALID
        if value is json_text.INVALID:
            return None  # invalid JSON fails at run time, as in Trino
        try:
            return _call("__la_json_text", exp.Literal.string(json_text.canonical(value)))
        except json_text.Unsupported as e:
            raise _not_supported(f"json_parse of {e}") from None
    if isinstance(node, exp.Cast) and node.to.this == T.JSON and _literal_text(node.this) is not None:
        return _call("__la_json_text", exp.Literal.string(json_text.quote(node.this.name)))
    sql_json = (
        "json_value"
        if isinstance(node, exp.JSONValue)
        else "json_query"
        if isinstance(node, exp.JSONExtract) and node.args.get("json_query")
        else "json_exists"
        if _named(node, "json_exists") and len(node.expressions) == 2
        else None
    )
    if sql_json is not None:
        source, path = (
            (node.expressions[0], node.expressions[1])
            if isinstance(node, exp.Anonymous)
            else (node.this, node.args.get("path") or node.args.get("expression"))
        )
        text, path_text = _literal_text(source), _literal_text(path)
        steps = json_text.lax_path(path_text) if path_text is not None else None
        value = json_text.parse(text) if text is not None and steps is not None else json_text.INVALID
        options = [node.args.get(k) for k in ("returning", "on_condition", "option", "quote")]
        if value is json_text.INVALID or steps is None or any(options):
            return None  # RETURNING, ON EMPTY/ERROR, wrappers and quotes keep the loud refusal
        decided, answer = json_text.sql_json(sql_json, value, steps)
        if not decided:
            return None
        if isinstance(answer, bool):
            return exp.Boolean(this=answer)
        return (
            exp.Literal.string(answer)
            if answer is not None
            else exp.Cast(this=exp.Null(), to=exp.DataType.build("VARCHAR"))
        )
    if isinstance(node, exp.JSONFormat):
        folded = _folded_json(node.this)
        return exp.Literal.string(folded) if folded is not None else None
    if isinstance(node, exp.JSONExtractScalar):
        source = _literal_text(node.this)
        source = source if source is not None else _folded_json(node.this)
        steps = _json_path_steps(node.expression)
        value = json_text.parse(source) if source is not None else json_text.INVALID
        if value is json_text.INVALID or steps is None:
            return None
        scalar = json_text.extract_scalar(value, steps)
        if scalar is None:
            return exp.Cast(this=exp.Null(), to=exp.DataType.build("VARCHAR"))
        return exp.Literal.string(scalar)
    if isinstance(node, exp.Cast) and node.to.this == T.VARCHAR and not node.to.expressions:
        folded = _folded_json(node.this)
        if folded is None:
            return None
        value = json_text.parse(folded)
        if isinstance(value, json_text.Obj | list):
            if isinstance(node, exp.TryCast):
                return exp.Cast(this=exp.Null(), to=exp.DataType.build("VARCHAR"))
            # A constant that fails for every row: refused before running (loud also for no rows).
            raise QueryFailed(f"INVALID_CAST_ARGUMENT: Cannot cast '{folded}' to varchar")
        if isinstance(value, json_text.Number) and not value.integral:
            as_double = exp.Cast(this=exp.Literal.string(value.token), to=exp.DataType.build("DOUBLE"))
            return _call("__la_double_text", as_double)
        text = json_text.extract_scalar(value, [])
        if text is None:
            return exp.Cast(this=exp.Null(), to=exp.DataType.build("VARCHAR"))
        return exp.Literal.string(text)
    return None


_INTEGRAL_NAMES = {T.TINYINT: "TINYINT", T.SMALLINT: "SMALLINT", T.INT: "INT", T.BIGINT: "BIGINT"}
_INTEGRAL_TEXT = re.compile(r"[\x00-\x20]*([+-]?[0-9]+)[\x00-\x20]*")


def _cast_integral(node: exp.Cast) -> exp.Expression:
    """CAST/TRY_CAST of text to an integer type as Trino parses it (Java's Long.parseLong of the trimmed
    text): '1.5' and '1e0' fail, where DuckDB would round them."""
    to, name = node.to, _INTEGRAL_NAMES[node.to.this]
    text = _literal_text(node.this)
    if text is not None:  # a literal is decided here, so TRY(...) can still make a failure NULL
        m = _INTEGRAL_TEXT.fullmatch(text)
        if m:
            return node.__class__(this=exp.Literal.string(m.group(1)), to=to)
        if not text.isascii():
            raise _not_supported(f"CAST of '{text}' to an integer (Java reads non-ASCII digits)")
        if isinstance(node, exp.TryCast):
            return exp.Cast(this=exp.Null(), to=to)
        failure = exp.Literal.string(f"INVALID_CAST_ARGUMENT: Cannot cast '{text}' to {name}")
        return exp.Cast(this=_call("error", failure), to=to)
    if isinstance(node, exp.TryCast):
        return exp.TryCast(this=_call("__la_trycast_integral", node.this), to=to)
    return exp.Cast(this=_call("__la_cast_integral", node.this, exp.Literal.string(name)), to=to)


# Java's Double.parseDouble: trimmed, NaN/Infinity spelled so, an optional f/d suffix (hex floats aside).
_FLOATING_TEXT = re.compile(
    r"[\x00-\x20]*([+-]?(NaN|Infinity|([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?))[fFdD]?[\x00-\x20]*"
)
_HEX_FLOAT = re.compile(r"[\x00-\x20]*[+-]?0[xX]")
_CONTROL = "".join(map(chr, range(0x21)))  # what Java's String.trim() removes


def _cast_floating(node: exp.Cast) -> exp.Expression:
    """CAST/TRY_CAST of text to double/real as Java parses it: 'nan' fails, '1d' is 1.0."""
    to = node.to
    text = _literal_text(node.this)
    if text is not None:
        m = _FLOATING_TEXT.fullmatch(text)
        if m:
            return node.__class__(this=exp.Literal.string(m.group(1)), to=to)
        if _HEX_FLOAT.match(text) or not text.isascii():
            raise _not_supported(
                f"CAST of '{text}' to a floating-point type (Java's hexadecimal or Unicode forms)"
            )
        if isinstance(node, exp.TryCast):
            return exp.Cast(this=exp.Null(), to=to)
        failure = exp.Literal.string(f"INVALID_CAST_ARGUMENT: Cannot cast '{text}' to DOUBLE")
        return exp.Cast(this=_call("error", failure), to=to)
    name = "__la_trycast_floating" if isinstance(node, exp.TryCast) else "__la_cast_floating"
    return node.__class__(this=_call(name, node.this), to=to)


def _cast_decimal(node: exp.Cast) -> exp.Expression:
    """CAST/TRY_CAST of text to decimal: Trino does not trim the text (' 1.5' fails); DuckDB does."""
    text = _literal_text(node.this)
    if text is not None:
        if text == text.strip(_CONTROL):
            return node.__class__(this=node.this, to=node.to)
        if isinstance(node, exp.TryCast):
            return exp.Cast(this=exp.Null(), to=node.to)
        failure = f"INVALID_CAST_ARGUMENT: Cannot cast VARCHAR '{text}' to DECIMAL. Value is not a number."
        return exp.Cast(this=_call("error", exp.Literal.string(failure)), to=node.to)
    name = "__la_trycast_decimal_text" if isinstance(node, exp.TryCast) else "__la_cast_decimal_text"
    return node.__class__(this=_call(name, node.this), to=node.to)


def _array_sort_comparator(node: exp.ArraySort) -> exp.Expression:
    """array_sort(x, (a, b) -> ...): Java's stable sort with the comparator. Each element's place is the
    number of elements the comparator puts before it (ties keep their order); that is the sort's answer
    when the comparator is consistent on the array, which the macro checks, refusing otherwise."""
    lam = node.expression
    if not isinstance(lam, exp.Lambda) or len(lam.expressions) != 2:
        raise _not_supported("array_sort with this comparator")
    first, second = (p.name for p in lam.expressions)
    array = node.this

    def element(var: str) -> exp.Expression:
        return _call("list_extract", array.copy(), exp.to_identifier(var))

    body = lam.this.copy()
    for ref in list(body.find_all(exp.Column, exp.Identifier)):
        if isinstance(ref.parent, exp.Column) or ref.name not in (first, second):
            continue
        ref.replace(element("__la_i" if ref.name == first else "__la_j"))
    size = _call("len", array.copy())
    row = _call(
        "list_transform",
        _call("range", exp.Literal.number(1), exp.Add(this=size.copy(), expression=exp.Literal.number(1))),
        exp.Lambda(this=body, expressions=[exp.to_identifier("__la_j")]),
    )
    matrix = _call(
        "list_transform",
        _call("range", exp.Literal.number(1), exp.Add(this=size, expression=exp.Literal.number(1))),
        exp.Lambda(this=row, expressions=[exp.to_identifier("__la_i")]),
    )
    return _call("__la_sort_by_matrix", array, matrix)


def _year_month(text: str | None, kind: str) -> int | None:
    """Months of an `INTERVAL 'n' YEAR|MONTH` or `INTERVAL 'y-m' YEAR TO MONTH` literal."""
    m = re.fullmatch(r"([+-]?)(\d+)(?:-(\d+))?", (text or "").strip())
    if m is None or (kind == "year-month") != (m.group(3) is not None):
        return None
    whole = int(m.group(2))
    n = whole * 12 + int(m.group(3)) if m.group(3) else whole * (12 if kind == "year" else 1)
    return -n if m.group(1) == "-" else n


def _try(node: exp.Try) -> exp.Expression:
    """Trino's TRY gives NULL where the expression fails: the translation's checks inside it use their
    NULL-giving variants (TRY_VARIANTS), casts become TRY_CAST, and DuckDB's TRY catches the rest."""
    body = node.this
    for sub in list(body.walk()):
        refusing = isinstance(sub, exp.Anonymous) and sub.name in _REFUSING
        if refusing or (_named(sub, "error") and "NOT_SUPPORTED" in sub.sql()):
            raise _not_supported(f"TRY around {sub.name} (it may refuse what it cannot answer exactly)")
        if isinstance(sub, exp.Anonymous) and sub.name.lower() == "error":
            sub.replace(exp.Null())
        elif isinstance(sub, exp.Anonymous) and "__la_try_" + sub.name.removeprefix("__la_") in TRY_VARIANTS:
            sub.set("this", "__la_try_" + sub.name.removeprefix("__la_"))
        elif type(sub) is exp.Cast:
            sub.replace(exp.TryCast(this=sub.this, to=sub.to))
    return node


def _rewrite_one(node: exp.Expression) -> exp.Expression | None:
    """The DuckDB form of one (already annotated) node, or None to keep it."""
    new = functions.rewrite(node)  # the Trino functions DuckDB lacks
    if new is None:
        new = _json_fold(node)
    if new is None:
        new = _regex_fold(node)
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
        return _concat_null(node)
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
            return _call("__la_split_limit", node.this, node.expression, node.args["limit"])
        return _call("__la_split", node.this, node.expression)
    if isinstance(node, exp.StrPosition) and node.args.get("occurrence") is not None:
        if node.args.get("position") is not None:
            raise _not_supported("strpos with both a start position and an occurrence")
        return _call("__la_strpos", node.this, node.args["substr"], node.args["occurrence"])
    if isinstance(node, exp.Soundex):
        return _call("__la_soundex", node.this)
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
    zoned_node = _zoned(node)
    if zoned_node is not None:
        return zoned_node
    if isinstance(node, exp.AtTimeZone):
        # Sessions are UTC, so AT TIME ZONE 'UTC' is the same instant as a timestamp with time zone.
        if (_literal_text(node.args.get("zone")) or "").upper() == "UTC":
            return exp.Cast(this=node.this, to=exp.DataType.build("TIMESTAMPTZ"))
        raise _not_supported(f"AT TIME ZONE other than 'UTC' {_ZONED_ONLY_AS_RESULT}")
    if isinstance(node, exp.UnixToTime) and node.args.get("zone") is not None:
        raise _not_supported("from_unixtime with a time zone other than as a result column")
    if isinstance(node, exp.Interval):
        unit = node.args.get("unit")
        span = isinstance(unit, exp.IntervalSpan)
        kind = f"{unit.this.name}-{unit.expression.name}".lower() if span else node.text("unit").lower()
        if kind in ("year", "month", "year-month"):
            months = _year_month(_literal_text(node.this), kind)
            if months is not None and _result_column(node):
                sign, months = ("-" if months < 0 else ""), abs(months)
                return _call("__la_year_month", exp.Literal.string(f"{sign}{months // 12}-{months % 12}"))
            parent = node.parent
            interval_sum = isinstance(parent, exp.Add | exp.Sub) and all(
                isinstance(e, exp.Interval) for e in (parent.this, parent.expression)
            )
            # A year-month interval as a value (not added to a date) would print as DuckDB's days.
            as_value = isinstance(parent, exp.Alias | exp.Select | exp.Mul | exp.Div | exp.Neg)
            if span or interval_sum or as_value:
                raise _not_supported("An interval year to month as a result column of a computed value")
    if isinstance(node, exp.Sub) and _is(node.this, T.DATE) and _is(node.expression, T.DATE):
        return _call("to_days", exp.Cast(this=node, to=exp.DataType.build("INT")))
    if isinstance(node, exp.Try):
        return _try(node)
    if isinstance(node, exp.ArraySort) and node.expression is not None:
        return _array_sort_comparator(node)
    if isinstance(node, exp.TryCast) and node.to.this in (T.ARRAY, T.MAP, T.STRUCT):
        element = node.to.expressions[0] if node.to.this == T.ARRAY and node.to.expressions else None
        source = _type(node.this)
        source_element = source.expressions[0] if source is not None and source.this == T.ARRAY else None
        texts = source_element is not None and source_element.this in (T.VARCHAR, T.TEXT)
        if element is not None and element.this in _INTEGRAL_NAMES and texts and not element.expressions:
            return _call(f"__la_trycast_list_{_INTEGRAL_NAMES[element.this].lower()}", node.this)
        raise _not_supported("TRY_CAST to an array, map or row (Trino fails the whole value)")
    if isinstance(node, exp.Typeof):
        name = node.meta.get("la_type_name")
        if name is None:
            raise _not_supported("typeof of an expression other than a literal or a CAST")
        # The argument is still evaluated (a failing CAST fails typeof too); its text adds nothing.
        evaluated = _call(
            "left", exp.Cast(this=node.this, to=exp.DataType.build("VARCHAR")), exp.Literal.number(0)
        )
        return _call("concat", exp.Literal.string(name), evaluated)
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        if name in _UNSUPPORTED_FUNCTIONS:
            raise _not_supported(_UNSUPPORTED_FUNCTIONS[name])
        if name in _NOT_SUPPORTED_NAMES:
            raise _not_supported(_NOT_SUPPORTED_NAMES[name])
        if name in ("at_timezone", "with_timezone"):
            raise _not_supported(f"{name} {_ZONED_ONLY_AS_RESULT}")
        if name == "url_encode" and len(node.expressions) == 1:
            return _call("__la_url_encode", node.expressions[0])
        if name == "url_decode" and len(node.expressions) == 1:
            return _call("__la_url_decode", node.expressions[0])
        if name == "map_entries" and len(node.expressions) == 1:
            return _call("__la_map_entries", node.expressions[0])
        if name in ("any_match", "all_match", "none_match") and len(node.expressions) == 2:
            applied = exp.Anonymous(this="list_transform", expressions=list(node.expressions))
            return _call(f"__la_{name}", applied)
        if name == "to_iso8601" and len(node.expressions) == 1:
            arg = node.expressions[0]
            if _is(arg, T.DATE):
                return exp.TimeToStr(this=arg, format=exp.Literal.string("%Y-%m-%d"))
            return _to_iso8601_timestamp(arg)
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
        if _result_column(node):
            return _call("__la_from_iso8601_zoned", node.this)
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
        if to.this in _INTEGRAL_PRECISION and _is(node.this, T.VARCHAR, T.TEXT, T.CHAR):
            return _cast_integral(node)
        if to.this in _FLOATING and _is(node.this, T.VARCHAR, T.TEXT, T.CHAR):
            return _cast_floating(node)
        if to.this == T.DECIMAL and _is(node.this, T.VARCHAR, T.TEXT, T.CHAR):
            return _cast_decimal(node)
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
            da, db = _decimal_ps(node.this), _decimal_ps(node.expression)
            if not (da and db):
                raise _not_supported("The modulus of a decimal whose precision is not known")
            return _decimal_mod(node.this, node.expression, da, db)
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


def translate(
    tree: exp.Expression, schema: dict[str, dict[str, str]] | None = None, result: bool = False
) -> exp.Expression:
    """Rewrites an Athena AST in place into one whose DuckDB rendering has Trino's semantics.

    `result`: the tree's rows are the statement's result as the client sees it (a SELECT), so its
    result columns may carry what only the result layer can render (a zoned timestamp, zoned.py).
    """
    token = _RESULT_TREE.set(tree if result else None)
    try:
        return _translate(tree, schema)
    finally:
        _RESULT_TREE.reset(token)


def _translate(tree: exp.Expression, schema: dict[str, dict[str, str]] | None) -> exp.Expression:
    _check_where_aliases(tree, schema or {})
    _annotate(tree, schema or {})
    # Post-order: children are rewritten before their parents, whose types were taken beforehand.
    for typeof in tree.find_all(exp.Typeof):  # named before its argument is rewritten
        typeof.meta["la_type_name"] = _trino_type_name(typeof.this)
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
