"""Trino functions DuckDB lacks or spells differently, as DuckDB macros and rewrites of the sqlglot AST.

translate.py calls `rewrite` on every node (children first) before its own rewrites, and defines the
macros below on demand like its own. Each function follows Trino 476's implementation: its NULL handling,
its result type, its order of elements and its error messages (raised with DuckDB's error() under Trino's
error names). Where a case cannot be reproduced exactly the query fails with NOT_SUPPORTED naming it.
"""

from __future__ import annotations

import math
import re
import unicodedata

from sqlglot import exp

from .errors import QueryFailed
from .joda import joda_tokens

WRITE = "duckdb"
T = exp.DataType.Type
_INTEGRAL_BITS = {T.TINYINT: 8, T.SMALLINT: 16, T.INT: 32, T.BIGINT: 64}
_ARG = "INVALID_FUNCTION_ARGUMENT"


def _shift_macros() -> tuple[str, ...]:
    """Trino's bitwise shifts on Java longs: the shifted value wraps to the argument's width."""
    out = []
    for bits in (8, 16, 32, 64):
        # Java's `<<` on a long uses the low six bits of the shift; the result is cut to the type's width.
        low = f"((CAST(v AS HUGEINT) * (CAST(1 AS HUGEINT) << CAST(s & 63 AS INTEGER))) & {2**bits - 1})"
        signed = f"CASE WHEN {low} >= {2 ** (bits - 1)} THEN {low} - {2**bits} ELSE {low} END"
        out.append(
            f"CREATE OR REPLACE MACRO __la_shl{bits}(v, s) AS CASE WHEN s >= 64 THEN 0 "
            f"ELSE CAST({signed} AS {_SQL_INT[bits]}) END"
        )
        # Logical right shift of the value's low `bits` bits (Trino masks to the type first).
        unsigned = f"(CAST(v AS HUGEINT) & {2**bits - 1})"
        shr = f"({unsigned} >> CAST(s & 63 AS INTEGER))"
        out.append(
            f"CREATE OR REPLACE MACRO __la_shr{bits}(v, s) AS CASE WHEN s >= 64 THEN 0 WHEN s = 0 THEN v "
            f"ELSE CAST(CASE WHEN {shr} >= {2 ** (bits - 1)} THEN {shr} - {2**bits} ELSE {shr} END "
            f"AS {_SQL_INT[bits]}) END"
        )
        out.append(
            f"CREATE OR REPLACE MACRO __la_sra{bits}(v, s) AS CASE WHEN s >= 64 THEN "
            f"CASE WHEN v >= 0 THEN 0 ELSE -1 END "
            f"ELSE CAST(CAST(v AS HUGEINT) >> CAST(s & 63 AS INTEGER) AS {_SQL_INT[bits]}) END"
        )
    return tuple(out)


_SQL_INT = {8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT"}
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"

MACROS: tuple[str, ...] = (
    *_shift_macros(),
    # bit_count(x, bits): the set bits of x's two's complement in `bits` bits (Trino's BitwiseFunctions).
    "CREATE OR REPLACE MACRO __la_bit_count(x, bits) AS CASE WHEN x IS NULL OR bits IS NULL THEN NULL "
    "WHEN bits = 64 THEN CAST(bit_count(CAST(x AS BIGINT)) AS BIGINT) "
    f"WHEN bits <= 1 OR bits > 64 THEN error('{_ARG}: Bits specified in bit_count must be between 2 and 64, "
    "got ' || bits) "
    "WHEN x > (CAST(1 AS HUGEINT) << CAST(bits - 1 AS INTEGER)) - 1 "
    "OR x < -(CAST(1 AS HUGEINT) << CAST(bits - 1 AS INTEGER)) "
    f"THEN error('{_ARG}: Number must be representable with the bits specified. ' || x || "
    "' cannot be represented with ' || bits || ' bits') "
    "ELSE CAST(bit_count(CAST(x AS HUGEINT) & ((CAST(1 AS HUGEINT) << CAST(bits AS INTEGER)) - 1)) "
    "AS BIGINT) END",
    "CREATE OR REPLACE MACRO __la_trim_array(a, n) AS CASE WHEN a IS NULL OR n IS NULL THEN NULL "
    f"WHEN n < 0 THEN error('{_ARG}: size must not be negative: ' || n) "
    f"WHEN n > len(a) THEN error('{_ARG}: size must not exceed array cardinality ' || len(a) || ': ' || n) "
    "ELSE list_slice(a, 1, len(a) - n) END",
    # ngrams: an n larger than the array gives the whole array as the only n-gram.
    "CREATE OR REPLACE MACRO __la_ngrams(a, n) AS CASE WHEN a IS NULL OR n IS NULL THEN NULL "
    f"WHEN n <= 0 THEN error('{_ARG}: N must be positive') "
    "WHEN n >= len(a) THEN [a] "
    "ELSE list_transform(range(1, len(a) - n + 2), lambda i: list_slice(a, i, i + n - 1)) END",
    "CREATE OR REPLACE MACRO __la_shuffle(a) AS list_transform(list_sort(list_transform(a, "
    "lambda x: {'r': random(), 'v': x})), lambda p: p.v)",
    # width_bucket(x, bound1, bound2, n) as Trino's MathFunctions.widthBucket, in doubles.
    "CREATE OR REPLACE MACRO __la_width_bucket(x, b1, b2, n) AS CASE "
    "WHEN x IS NULL OR b1 IS NULL OR b2 IS NULL OR n IS NULL THEN NULL "
    f"WHEN n <= 0 THEN error('{_ARG}: bucketCount must be greater than 0') "
    f"WHEN isnan(x) THEN error('{_ARG}: operand must not be NaN') "
    f"WHEN NOT isfinite(b1) THEN error('{_ARG}: first bound must be finite') "
    f"WHEN NOT isfinite(b2) THEN error('{_ARG}: second bound must be finite') "
    f"WHEN b1 = b2 THEN error('{_ARG}: bounds cannot equal each other') "
    "WHEN n = 9223372036854775807 THEN error('NOT_SUPPORTED: width_bucket with the largest bucket count') "
    "ELSE __la_width_bucket_flip(__la_width_bucket_up(x, least(b1, b2), greatest(b1, b2), n), b1 > b2, n) "
    "END",
    "CREATE OR REPLACE MACRO __la_width_bucket_up(x, lo, hi, n) AS CASE WHEN x < lo THEN CAST(0 AS BIGINT) "
    "WHEN x >= hi THEN CAST(n + 1 AS BIGINT) "
    "ELSE CAST(trunc(CAST(n AS DOUBLE) * (x - lo) / (hi - lo) + 1) AS BIGINT) END",
    "CREATE OR REPLACE MACRO __la_width_bucket_flip(r, down, n) AS "
    "CASE WHEN down THEN CAST(n - r + 1 AS BIGINT) ELSE r END",
    # from_base/to_base: Java's Long.parseLong / Long.toString with a radix.
    "CREATE OR REPLACE MACRO __la_radix_check(r) AS CASE WHEN r < 2 OR r > 36 THEN "
    f"error('{_ARG}: Radix must be between 2 and 36') END",
    "CREATE OR REPLACE MACRO __la_base_digits(s, r) AS list_transform(string_split(s, ''), "
    f"lambda c: strpos('{_DIGITS}', lower(c)) - 1)",
    # The fold saturates above 2^64 so that it cannot overflow; the range is checked afterwards.
    "CREATE OR REPLACE MACRO __la_base_value(d, r) AS list_reduce(d, lambda acc, x: CASE "
    "WHEN acc > CAST(18446744073709551616 AS HUGEINT) THEN acc ELSE acc * r + x END, CAST(0 AS HUGEINT))",
    "CREATE OR REPLACE MACRO __la_from_base(s, r) AS CASE WHEN s IS NULL OR r IS NULL THEN NULL "
    "ELSE coalesce(__la_radix_check(r), __la_from_base_checked(regexp_extract(s, '^[+-]?'), "
    "regexp_replace(s, '^[+-]', ''), s, r)) END",
    "CREATE OR REPLACE MACRO __la_from_base_checked(sign, digits, s, r) AS CASE "
    "WHEN regexp_matches(s, '[^\\x00-\\x7F]') THEN error('NOT_SUPPORTED: from_base of a string with "
    "non-ASCII characters (Java reads other scripts'' digits) is not supported by the local Athena engine') "
    "WHEN digits = '' OR NOT regexp_full_match(digits, '[0-9A-Za-z]+') "
    "OR list_max(__la_base_digits(digits, r)) >= r "
    "OR __la_base_value(__la_base_digits(digits, r), r) > "
    "CASE WHEN sign = '-' THEN CAST(9223372036854775808 AS HUGEINT) ELSE 9223372036854775807 END "
    f"THEN error('{_ARG}: Not a valid base-' || r || ' number: ' || s) "
    "ELSE CAST(CASE WHEN sign = '-' THEN -__la_base_value(__la_base_digits(digits, r), r) "
    "ELSE __la_base_value(__la_base_digits(digits, r), r) END AS BIGINT) END",
    "CREATE OR REPLACE MACRO __la_to_base(x, r) AS CASE WHEN x IS NULL OR r IS NULL THEN NULL "
    "ELSE coalesce(__la_radix_check(r), CASE "
    # -2^63 has no positive bigint: its digits are those of its quotient and remainder (truncating).
    "WHEN x = -9223372036854775808 THEN '-' || lower(to_base(CAST(-(CAST(x AS BIGINT) // r) AS BIGINT), "
    "CAST(r AS INTEGER))) || lower(to_base(CAST(-(CAST(x AS BIGINT) % r) AS BIGINT), CAST(r AS INTEGER))) "
    "WHEN x < 0 THEN '-' || lower(to_base(CAST(-CAST(x AS HUGEINT) AS BIGINT), CAST(r AS INTEGER))) "
    "ELSE lower(to_base(CAST(x AS BIGINT), CAST(r AS INTEGER))) END) END",
    # cosine_similarity of two map(varchar, double): sums taken in map order, as Trino's loops do.
    "CREATE OR REPLACE MACRO __la_l2norm(m) AS CASE WHEN list_position(map_values(m), NULL) IS NOT NULL "
    "THEN NULL ELSE sqrt(list_reduce(list_transform(map_values(m), lambda v: v * v), "
    "lambda a, b: a + b, CAST(0 AS DOUBLE))) END",
    "CREATE OR REPLACE MACRO __la_map_dot(a, b) AS list_reduce(list_transform(list_filter(map_entries(a), "
    "lambda e: map_contains(b, e.key)), lambda e: e.value * b[e.key]), lambda x, y: x + y, "
    "CAST(0 AS DOUBLE))",
    "CREATE OR REPLACE MACRO __la_cosine_similarity(a, b) AS CASE "
    "WHEN __la_l2norm(a) IS NULL OR __la_l2norm(b) IS NULL THEN NULL "
    "ELSE __la_double_divide(__la_map_dot(a, b), __la_l2norm(a) * __la_l2norm(b)) END",
    # regexp_position: the code-point position of the n-th match at or after `start`, or -1. The whole
    # string is matched (so ^, $ and \\b see the text before `start`, as in Trino) behind a lazy prefix
    # of at least `skip_n` characters: the shortest such prefix ends where the next match begins. After a
    # match the search goes on at its end, or one character further after an empty match (as Trino does).
    "CREATE OR REPLACE MACRO __la_regexp_position(s, p, start, occurrence) AS CASE "
    "WHEN s IS NULL OR p IS NULL OR start IS NULL OR occurrence IS NULL THEN NULL "
    f"WHEN start < 1 THEN error('{_ARG}: start position cannot be smaller than 1') "
    f"WHEN occurrence < 1 THEN error('{_ARG}: occurrence cannot be smaller than 1') "
    "WHEN start > length(s) THEN CAST(-1 AS INTEGER) "
    "ELSE CAST(list_reduce(range(occurrence - 1), lambda acc, i: CASE WHEN acc.pos = -1 THEN acc "
    "ELSE __la_regexp_match(s, p, acc.next) END, __la_regexp_match(s, p, start - 1)).pos AS INTEGER) END",
    "CREATE OR REPLACE MACRO __la_regexp_match(s, p, skip_n) AS CASE "
    "WHEN skip_n > length(s) OR NOT regexp_matches(s, __la_after(p, skip_n)) THEN "
    "{'pos': CAST(-1 AS BIGINT), 'next': CAST(skip_n AS BIGINT)} "
    "WHEN skip_n > 1000 THEN error('NOT_SUPPORTED: regexp_position beyond the 1001st character (the regular "
    "expression engine repeats at most 1000 times) is not supported by the local Athena engine') "
    "ELSE {'pos': CAST(length(regexp_extract(s, __la_after(p, skip_n), 1)) + 1 AS BIGINT), "
    "'next': CAST(length(regexp_extract(s, __la_after(p, skip_n), 1)) "
    "+ greatest(length(regexp_extract(s, __la_after(p, skip_n), 2)), 1) AS BIGINT)} END",
    "CREATE OR REPLACE MACRO __la_after(p, skip_n) AS "
    "'^((?s:.{' || least(skip_n, 1000) || ',}?))((?:' || p || '))'",
    # parse_datetime of a text in the strict form of its pattern (four-digit years, one- or two-digit
    # fields): other texts Joda may read differently from strptime, so they are refused.
    "CREATE OR REPLACE MACRO __la_parse_datetime(s, f, shape, pattern) AS CASE WHEN s IS NULL THEN NULL "
    "WHEN NOT regexp_full_match(s, shape) THEN error('NOT_SUPPORTED: parse_datetime of \"' || s || '\" "
    "(not in the strict form of \"' || pattern || '\") is not supported by the local Athena engine') "
    "WHEN try_strptime(s, f) IS NULL THEN "
    "error('INVALID_FUNCTION_ARGUMENT: Invalid format: \"' || s || '\"') "
    "ELSE CAST(strptime(s, f) AS TIMESTAMPTZ) END",
    # map_concat: the last map's entries first, then each earlier map's keys not seen yet (Trino's order).
    "CREATE OR REPLACE MACRO __la_map_concat2(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL "
    "ELSE map_from_entries(list_concat(map_entries(b), "
    "list_filter(map_entries(a), lambda e: NOT map_contains(b, e.key)))) END",
    "CREATE OR REPLACE MACRO __la_map_zip_keys(a, b) AS "
    "list_concat(map_keys(a), list_filter(map_keys(b), lambda k: NOT map_contains(a, k)))",
    # approx_percentile as Trino's t-digest answers it while every sample is its own centroid (at most 32
    # values: a digest of that size is never compressed): the sorted values' entry floor(q * n).
    "CREATE OR REPLACE MACRO __la_pct_values(l) AS CASE WHEN l IS NULL OR len(l) = 0 THEN NULL "
    "WHEN len(l) > 32 THEN error('NOT_SUPPORTED: approx_percentile over more than 32 values (Trino''s "
    "t-digest answer is approximate) is not supported by the local Athena engine') "
    "ELSE list_sort(l) END",
    "CREATE OR REPLACE MACRO __la_pct_at(v, q) AS CASE WHEN q IS NULL THEN NULL "
    f"WHEN q < 0 OR q > 1 THEN error('{_ARG}: Percentile must be between 0 and 1') "
    "WHEN v IS NULL THEN NULL "
    "ELSE v[CAST(least(floor(CAST(q AS DOUBLE) * len(v)), len(v) - 1) AS BIGINT) + 1] END",
    "CREATE OR REPLACE MACRO __la_pct_finite(l) AS CASE "
    "WHEN list_bool_or(list_transform(l, lambda x: isnan(x) OR isinf(x))) THEN error('NOT_SUPPORTED: "
    "approx_percentile over NaN or infinite values is not supported by the local Athena engine') ELSE l END",
    "CREATE OR REPLACE MACRO __la_luhn_digit(n) AS CASE WHEN n > 9 THEN n - 9 ELSE n END",
    "CREATE OR REPLACE MACRO __la_luhn_check(s) AS CASE WHEN s IS NULL THEN NULL WHEN s = '' THEN false "
    f"WHEN NOT regexp_full_match(s, '[0-9]+') THEN error('{_ARG}: Input contains non-digit character') "
    "ELSE list_sum(list_transform(range(length(s)), lambda i: "
    "__la_luhn_digit(CAST(substr(reverse(s), i + 1, 1) AS INTEGER) * (1 + i % 2)))) % 10 = 0 END",
    # split_to_map: entries split on the entry delimiter (a trailing one ends the string), each with
    # exactly one key-value delimiter; keys unique; the map keeps the entries' order.
    "CREATE OR REPLACE MACRO __la_split_to_map(s, ed, kd) AS CASE "
    "WHEN s IS NULL OR ed IS NULL OR kd IS NULL THEN NULL "
    f"WHEN ed = '' THEN error('{_ARG}: entryDelimiter is empty') "
    f"WHEN kd = '' THEN error('{_ARG}: keyValueDelimiter is empty') "
    f"WHEN ed = kd THEN error('{_ARG}: entryDelimiter and keyValueDelimiter must not be the same') "
    "WHEN s = '' THEN map_from_entries(list_filter([{'key': '', 'value': ''}], lambda e: false)) "
    "ELSE __la_split_to_map_entries(string_split(CASE WHEN suffix(s, ed) THEN "
    "substr(s, 1, length(s) - length(ed)) ELSE s END, ed), kd) END",
    "CREATE OR REPLACE MACRO __la_split_to_map_entries(entries, kd) AS CASE "
    "WHEN list_position(list_transform(entries, lambda e: len(string_split(e, kd)) = 2), false) IS NOT NULL "
    f"THEN error('{_ARG}: Key-value delimiter must appear exactly once in each entry. Bad input: ''' || "
    "list_filter(entries, lambda e: len(string_split(e, kd)) <> 2)[1] || '''') "
    "ELSE __la_hash_ordered(__la_unique_map(list_transform(entries, lambda e: "
    "{'key': string_split(e, kd)[1], 'value': string_split(e, kd)[2]}), 'Duplicate keys'), "
    "'split_to_map') END",
    # Trino's map_agg, multimap_agg, histogram and split_to_map emit their entries in the order of a hash
    # table (xxhash64 of the keys); that order is not reproduced, so a map of more than one entry is refused.
    "CREATE OR REPLACE MACRO __la_hash_ordered(m, what) AS CASE WHEN cardinality(m) > 1 THEN "
    "__la_hash_order_refused(what) ELSE m END",
    "CREATE OR REPLACE MACRO __la_hash_order_refused(what) AS error('NOT_SUPPORTED: ' || what || "
    "' of more than one key (Trino orders the entries by its hash table) is not supported by the local "
    "Athena engine')",
    "CREATE OR REPLACE MACRO __la_unique_map(pairs, what) AS CASE WHEN pairs IS NULL THEN NULL "
    "WHEN list_position(list_transform(pairs, lambda p: p.key IS NULL), true) IS NOT NULL THEN "
    f"error('{_ARG}: map key cannot be null') "
    "WHEN len(list_distinct(list_transform(pairs, lambda p: p.key))) <> len(pairs) THEN "
    f"error('{_ARG}: ' || what || ' (' || list_filter(pairs, lambda p, i: "
    "list_position(list_transform(pairs, lambda q: q.key), p.key) <> i)[1].key || ') are not allowed') "
    "ELSE map_from_entries(pairs) END",
    # json_array_contains: only elements of the value's own JSON kind match (Trino's token checks).
    "CREATE OR REPLACE MACRO __la_json_elements(j) AS CASE WHEN j IS NULL THEN NULL "
    "WHEN NOT json_valid(j) THEN error('NOT_SUPPORTED: json_array_contains/json_array_get of invalid JSON "
    "(Trino answers from the part it read before the error)') "
    "WHEN json_type(j) <> 'ARRAY' THEN NULL "
    "ELSE list_transform(range(CAST(json_array_length(j) AS BIGINT)), "
    "lambda i: json_extract(j, '$[' || i || ']')) "
    "END",
    "CREATE OR REPLACE MACRO __la_json_array_contains_int(j, v) AS CASE WHEN v IS NULL THEN NULL "
    "ELSE __la_any(list_transform(__la_json_elements(j), lambda e: json_type(e) IN ('BIGINT', 'UBIGINT') "
    "AND TRY_CAST(CAST(e AS VARCHAR) AS HUGEINT) = v)) END",
    "CREATE OR REPLACE MACRO __la_json_array_contains_double(j, v) AS CASE WHEN v IS NULL THEN NULL "
    "ELSE __la_any(list_transform(__la_json_elements(j), lambda e: json_type(e) = 'DOUBLE' "
    "AND CAST(CAST(e AS VARCHAR) AS DOUBLE) = v)) END",
    "CREATE OR REPLACE MACRO __la_any(flags) AS CASE WHEN flags IS NULL THEN NULL "
    "ELSE coalesce(list_bool_or(flags), false) END",
    "CREATE OR REPLACE MACRO __la_json_array_contains_bool(j, v) AS CASE WHEN v IS NULL THEN NULL "
    "ELSE __la_any(list_transform(__la_json_elements(j), lambda e: json_type(e) = 'BOOLEAN' "
    "AND CAST(CAST(e AS VARCHAR) AS BOOLEAN) = v)) END",
    "CREATE OR REPLACE MACRO __la_json_array_contains_text(j, v) AS CASE WHEN v IS NULL THEN NULL "
    "ELSE __la_any(list_transform(__la_json_elements(j), lambda e: json_type(e) = 'VARCHAR' "
    "AND e ->> '$' = v)) END",
    "CREATE OR REPLACE MACRO __la_json_array_get(j, i) AS CASE WHEN j IS NULL OR i IS NULL THEN NULL "
    "ELSE __la_json_element_text(__la_json_elements(j)[CASE WHEN i >= 0 THEN i + 1 "
    "ELSE len(__la_json_elements(j)) + i + 1 END]) END",
    "CREATE OR REPLACE MACRO __la_json_element_text(e) AS CASE WHEN e IS NULL OR json_type(e) = 'NULL' "
    "THEN NULL WHEN json_type(e) = 'VARCHAR' THEN error('NOT_SUPPORTED: json_array_get of a string element "
    "(Trino returns its unquoted text as json) is not supported by the local Athena engine') "
    "WHEN regexp_matches(CAST(e AS VARCHAR), '[0-9][.eE]') THEN error('NOT_SUPPORTED: json_array_get of an "
    "element with a non-integer number (Trino keeps the number as written; the local Athena engine "
    "re-prints it)') ELSE e END",
    # approx_most_frequent: exact counts when the values fit the capacity and no tie decides the answer
    # (Trino's stream summary orders tied counts by its own internal state).
    "CREATE OR REPLACE MACRO __la_amf(b, cap, h) AS CASE WHEN h IS NULL THEN NULL "
    f"WHEN b <= 1 THEN error('{_ARG}: approx_most_frequent bucket count must be greater than one') "
    "WHEN len(map_keys(h)) > cap THEN error('NOT_SUPPORTED: approx_most_frequent over more distinct values "
    "than its capacity (Trino''s answer is approximate)') "
    "ELSE __la_amf_top(b, list_sort(map_entries(h), 'DESC')) END",
    "CREATE OR REPLACE MACRO __la_amf_top(b, entries) AS CASE "
    "WHEN len(list_distinct(list_transform(list_slice(__la_amf_by_count(entries), 1, b + 1), "
    "lambda e: e.value))) < len(list_slice(entries, 1, b + 1)) "
    "THEN error('NOT_SUPPORTED: approx_most_frequent with tied counts (Trino orders ties by its "
    "internal state)') ELSE map_from_entries(list_transform(list_slice(__la_amf_by_count(entries), 1, b), "
    "lambda e: {'key': e.key, 'value': CAST(e.value AS BIGINT)})) END",
    "CREATE OR REPLACE MACRO __la_amf_by_count(entries) AS list_transform(list_sort(list_transform(entries, "
    "lambda e: {'c': e.value, 'k': e.key}), 'DESC'), lambda e: {'key': e.k, 'value': e.c})",
    # map_agg: rows with a NULL key are skipped; a repeated key keeps its first value.
    # (map_from_entries of two distinct keys only to fail with NOT_SUPPORTED in __la_hash_ordered.)
    "CREATE OR REPLACE MACRO __la_map_agg(pairs) AS CASE WHEN pairs IS NULL THEN NULL "
    "WHEN len(list_distinct(list_transform(pairs, lambda p: p.key))) > 1 THEN "
    "__la_hash_order_refused('map_agg') "
    "ELSE map_from_entries(list_slice(pairs, 1, 1)) END",
    "CREATE OR REPLACE MACRO __la_multimap_agg(pairs) AS CASE WHEN pairs IS NULL THEN NULL "
    "WHEN len(list_distinct(list_transform(pairs, lambda p: p.key))) > 1 THEN "
    "__la_hash_order_refused('multimap_agg') "
    "ELSE map_from_entries([{'key': pairs[1].key, 'value': list_transform(pairs, lambda p: p.value)}]) END",
)


# --- helpers ------------------------------------------------------------------------------------------


def _type(node: exp.Expression | None) -> exp.DataType | None:
    t = getattr(node, "type", None) if node is not None else None
    if t is None or t.this in (T.UNKNOWN, T.NULL):
        return None
    return t


def _is(node: exp.Expression | None, *kinds: exp.DataType.Type) -> bool:
    t = _type(node)
    return t is not None and t.this in kinds


def _call(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _parse(sql: str, **args: exp.Expression) -> exp.Expression:
    """DuckDB SQL with `__name` placeholders replaced by the given expressions."""
    tree = exp.maybe_parse(sql, dialect=WRITE)
    for col in list(tree.find_all(exp.Column)):
        if col.name.startswith("__") and col.name[2:] in args and not col.table:
            col.replace(args[col.name[2:]].copy())
    return tree


def _not_supported(what: str) -> QueryFailed:
    return QueryFailed(f"NOT_SUPPORTED: {what} is not supported by the local Athena engine")


def _int_literal(node: exp.Expression | None) -> int | None:
    inner = node.this if isinstance(node, exp.Neg) else node
    if isinstance(inner, exp.Literal) and inner.is_int:
        return -int(inner.name) if isinstance(node, exp.Neg) else int(inner.name)
    return None


def _lambda_body(fn: exp.Expression, arity: int, what: str, *values: exp.Expression) -> exp.Expression:
    """The lambda's body with each parameter replaced by the matching expression."""
    if not isinstance(fn, exp.Lambda) or len(fn.expressions) != arity:
        raise _not_supported(f"{what} with this function argument")
    names = [p.name for p in fn.expressions]
    body = fn.this.copy()
    for inner in body.find_all(exp.Lambda):
        if {p.name for p in inner.expressions} & set(names):
            raise _not_supported(f"{what} with a nested lambda that reuses a parameter name")
    bare = isinstance(body, exp.Identifier) or (isinstance(body, exp.Column) and not body.table)
    if bare and body.name in names:
        return values[names.index(body.name)].copy()
    for ref in list(body.find_all(exp.Column, exp.Identifier)):
        if isinstance(ref.parent, exp.Dot) and ref.arg_key == "this" and ref.name in names:
            raise _not_supported(f"{what} with a field access on a lambda parameter")
        if isinstance(ref.parent, exp.Column | exp.Lambda | exp.Dot) and not isinstance(ref, exp.Column):
            continue  # part of a column, a nested lambda's parameter list or a field access
        if isinstance(ref, exp.Column) and ref.table:
            if ref.table in names:  # a field of a row parameter (p.x): would bind to a table alias instead
                raise _not_supported(f"{what} with a field access on a lambda parameter")
            continue
        if ref.name in names:
            ref.replace(values[names.index(ref.name)].copy())
    return body


def _lambda(param: str, body: exp.Expression) -> exp.Lambda:
    return exp.Lambda(this=body, expressions=[exp.to_identifier(param)])


def _field(var: str, name: str) -> exp.Expression:
    return _call("struct_extract", exp.column(var), exp.Literal.string(name))


# --- the rewrites -----------------------------------------------------------------------------------------


def _zip(args: list[exp.Expression]) -> exp.Expression:
    if not 2 <= len(args) <= 5:  # Trino's zip takes two to five arrays
        raise QueryFailed(
            f"FUNCTION_NOT_FOUND: line 1:1: Unexpected parameters ({len(args)} arrays) for function zip"
        )
    fields = ", ".join(f"'field{i}': struct_extract_at(__z, {i + 1})" for i in range(len(args)))
    nulls = " OR ".join(f"__a{i} IS NULL" for i in range(len(args)))
    arrays = ", ".join(f"__a{i}" for i in range(len(args)))
    return _parse(
        f"CASE WHEN {nulls} THEN NULL ELSE list_transform(list_zip({arrays}), lambda __z: {{{fields}}}) END",
        **{f"a{i}": a for i, a in enumerate(args)},
    )


def _zip_with(args: list[exp.Expression]) -> exp.Expression:
    if len(args) != 3:
        raise _not_supported("zip_with with these arguments")
    z = exp.column("__z")
    body = _lambda_body(
        args[2],
        2,
        "zip_with",
        _call("struct_extract_at", z.copy(), exp.Literal.number(1)),
        _call("struct_extract_at", z.copy(), exp.Literal.number(2)),
    )
    return _parse(
        "CASE WHEN __a IS NULL OR __b IS NULL THEN NULL ELSE list_transform(list_zip(__a, __b), __f) END",
        a=args[0],
        b=args[1],
        f=_lambda("__z", body),
    )


def _map_lambda(name: str, args: list[exp.Expression]) -> exp.Expression:
    if len(args) != 2:
        raise _not_supported(f"{name} with these arguments")
    key, value = _field("__e", "key"), _field("__e", "value")
    body = _lambda_body(args[1], 2, name, key, value)
    if name == "map_filter":
        template = "map_from_entries(list_filter(map_entries(__m), __f))"
        fn = _lambda("__e", body)
    elif name == "transform_values":
        template = "map_from_entries(list_transform(map_entries(__m), __f))"
        fn = _lambda("__e", exp.Struct(expressions=[_prop("key", key), _prop("value", body)]))
    else:  # transform_keys: Trino refuses NULL and repeated keys
        template = "__la_unique_map(list_transform(map_entries(__m), __f), 'Duplicate map keys')"
        fn = _lambda("__e", exp.Struct(expressions=[_prop("key", body), _prop("value", value)]))
    return _parse(template, m=args[0], f=fn)


def _map_zip_with(args: list[exp.Expression]) -> exp.Expression:
    """map_zip_with(a, b, (k, x, y) -> f): the first map's keys, then the second's new ones."""
    k = exp.column("__k")
    body = _lambda_body(
        args[2],
        3,
        "map_zip_with",
        k.copy(),
        _call("map_extract_value", args[0].copy(), k.copy()),
        _call("map_extract_value", args[1].copy(), k.copy()),
    )
    pair = exp.Struct(expressions=[_prop("key", k.copy()), _prop("value", body)])
    return _parse(
        "CASE WHEN __a IS NULL OR __b IS NULL THEN NULL "
        "ELSE map_from_entries(list_transform(__la_map_zip_keys(__a, __b), __f)) END",
        a=args[0],
        b=args[1],
        f=_lambda("__k", pair),
    )


def _prop(name: str, value: exp.Expression) -> exp.Expression:
    return exp.PropertyEQ(this=exp.to_identifier(name, quoted=True), expression=value)


def _combinations(args: list[exp.Expression]) -> exp.Expression:
    n = _int_literal(args[1]) if len(args) == 2 else None
    if n is None:
        raise _not_supported("combinations with a size that is not a literal")
    if n < 0:
        raise QueryFailed(f"{_ARG}: combination size must not be negative: {n}")
    if n > 5:
        raise QueryFailed(f"{_ARG}: combination size must not exceed 5: {n}")
    if n == 0:
        return _parse("CASE WHEN __a IS NULL THEN NULL ELSE [[]] END", a=args[0])
    # Trino lists the combinations of indices in colexicographic order: the last index varies slowest.
    inner = "[" + ", ".join(f"__a[__i{k}]" for k in range(1, n + 1)) + "]"
    for k in range(1, n + 1):
        upper = f"__i{k + 1}" if k < n else "len(__a) + 1"
        inner = f"list_transform(range({k}, {upper}), lambda __i{k}: {inner})"
        if k > 1:
            inner = f"flatten({inner})"
    count = " * ".join(f"(len(__a) - {k})" for k in range(n)) + f" // {math.factorial(n)}"
    return _parse(
        f"CASE WHEN __a IS NULL THEN NULL WHEN len(__a) < {n} THEN list_slice([[__a[1]]], 1, 0) "
        f"WHEN CAST({count} AS HUGEINT) * {n} > 100000 THEN "
        f"error('{_ARG}: combinations exceed max size') ELSE {inner} END",
        a=args[0],
    )


def _bitwise(name: str, args: list[exp.Expression]) -> exp.Expression:
    t = _type(args[0]) if args else None
    bits = _INTEGRAL_BITS.get(t.this) if t is not None else None
    if bits is None or len(args) != 2:
        raise _not_supported(f"{name} of a value whose integer type is not known")
    kind = {"bitwise_left_shift": "shl", "bitwise_right_shift": "shr"}.get(name, "sra")
    return _call(f"__la_{kind}{bits}", *args)


def _normalize(node: exp.Normalize) -> exp.Expression:
    form = node.args.get("form")
    form_name = form.name.upper() if isinstance(form, exp.Expression) else "NFC"
    if form_name not in ("NFC", "NFD", "NFKC", "NFKD"):
        raise QueryFailed(f"SYNTAX_ERROR: line 1:1: '{form_name}' is not a valid normalization form")
    text = node.this
    if isinstance(text, exp.Literal) and text.is_string:  # folded here: DuckDB only has NFC
        return exp.Literal.string(unicodedata.normalize(form_name, text.name))
    if form_name == "NFC":
        return _call("nfc_normalize", text)
    raise _not_supported(f"normalize to {form_name} of a value that is not a literal")


# Joda pattern letters parse_datetime accepts here: numeric fields DuckDB's strptime reads alike.
_JODA_PARSE = {"yyyy": "%Y", "MM": "%m", "M": "%m", "dd": "%d", "d": "%d", "HH": "%H", "H": "%H",
               "mm": "%M", "m": "%M", "ss": "%S", "s": "%S"}  # fmt: skip


def _parse_datetime(node: exp.Expression) -> exp.Expression:
    fmt = node.args.get("format")
    if not (isinstance(fmt, exp.Literal) and fmt.is_string):
        raise _not_supported("parse_datetime with a pattern that is not a literal")
    pattern, last_numeric = fmt.name, False
    out: list[str] = []
    shape: list[str] = []  # the text's strict form: DuckDB's strptime is laxer than Joda (spaces, widths)
    for kind, text in joda_tokens(pattern):
        if kind == "field":
            if text not in _JODA_PARSE or last_numeric:  # adjacent numeric fields parse by width in Joda
                raise _not_supported(f"parse_datetime pattern '{pattern}'")
            out.append(_JODA_PARSE[text])
            shape.append(r"\d{4}" if text == "yyyy" else r"\d{1,2}")
            last_numeric = True
        else:
            out.append(text.replace("%", "%%"))
            shape.append(re.escape(text))
            last_numeric = False
    return _call(
        "__la_parse_datetime",
        node.this,
        exp.Literal.string("".join(out)),
        exp.Literal.string("".join(shape)),
        exp.Literal.string(pattern),
    )


def _unnest(node: exp.Unnest) -> exp.Expression | None:
    """UNNEST of a map, of several arrays (zipped, padded with NULL) or of an array of rows: one
    DuckDB UNNEST per output column in a subquery; DuckDB zips a select list's UNNESTs the same way."""
    items = node.expressions
    kinds = []
    for item in items:
        t = _type(item)
        if t is not None and t.this == T.MAP:
            kinds.append(("map", 2))
        elif t is not None and t.this == T.ARRAY and t.expressions and t.expressions[0].this == T.STRUCT:
            kinds.append(("rows", len(t.expressions[0].expressions)))
        elif t is not None and t.this == T.ARRAY:
            kinds.append(("array", 1))
        else:
            kinds.append(("unknown", 1))
    if len(items) == 1 and kinds[0][0] in ("array", "unknown"):
        return None  # DuckDB's own UNNEST
    if any(k == "unknown" for k, _ in kinds):
        raise _not_supported("UNNEST of several values or of a value whose type is not known")
    if node.args.get("offset"):
        raise _not_supported("UNNEST WITH ORDINALITY of a map, several arrays or rows")
    columns: list[exp.Expression] = []
    for item, (kind, width) in zip(items, kinds, strict=True):
        if kind == "map":
            columns += [_call("map_keys", item.copy()), _call("map_values", item.copy())]
        elif kind == "rows":
            columns += [
                _parse(f"list_transform(__a, lambda __r: struct_extract_at(__r, {i + 1}))", a=item)
                for i in range(width)
            ]
        else:
            columns.append(item.copy())
    alias = node.args.get("alias")
    names = alias.columns if isinstance(alias, exp.TableAlias) else []
    if names and len(names) != len(columns):  # DuckDB would rename only some columns
        raise QueryFailed(
            f"MISMATCHED_COLUMN_ALIASES: line 1:1: Column alias list has {len(names)} entries but "
            f"'{alias.name}' has {len(columns)} columns available"
        )
    select = exp.select(*[exp.Unnest(expressions=[c]) for c in columns])
    return exp.Subquery(this=select, alias=alias.copy() if alias is not None else None)


_SIMPLE: dict[str, tuple[str, int]] = {
    "trim_array": ("__la_trim_array", 2),
    "ngrams": ("__la_ngrams", 2),
    "to_base": ("__la_to_base", 2),
    "luhn_check": ("__la_luhn_check", 1),
    "bit_count": ("__la_bit_count", 2),
}


def _json_array_contains(j: exp.Expression, value: exp.Expression) -> exp.Expression:
    if _is(value, *_INTEGRAL_BITS):
        return _call("__la_json_array_contains_int", j, value)
    if _is(value, T.BOOLEAN):
        return _call("__la_json_array_contains_bool", j, value)
    if _is(value, T.DOUBLE):
        return _call("__la_json_array_contains_double", j, value)
    if _is(value, T.VARCHAR, T.TEXT, T.CHAR):
        return _call("__la_json_array_contains_text", j, value)
    raise _not_supported("json_array_contains of a value that is not a bigint, double, boolean or varchar")


def _aggregate(name: str, node: exp.Expression, args: list[exp.Expression]) -> exp.Expression:
    if isinstance(node.parent, exp.Window | exp.Filter):
        raise _not_supported(f"{name} as a window function or with FILTER")
    if name == "approx_most_frequent":
        if len(args) != 3:
            raise _not_supported("approx_most_frequent with these arguments")
        b, x, cap = args
        return _call("__la_amf", b, cap, _call("histogram", x))
    if len(args) != 2:
        raise _not_supported(f"{name} with these arguments")
    key, value = args
    pair = exp.Struct(expressions=[_prop("key", key.copy()), _prop("value", value.copy())])
    pairs = exp.Filter(
        this=_call("list", pair),
        expression=exp.Where(this=exp.Not(this=exp.Is(this=key.copy(), expression=exp.Null()))),
    )
    return _call(f"__la_{name}", pairs)


def _approx_percentile(node: exp.ApproxQuantile) -> exp.Expression:
    if node.args.get("weight") is not None or node.args.get("accuracy") is not None:
        raise _not_supported("approx_percentile with a weight or an accuracy")
    if isinstance(node.parent, exp.Window | exp.Filter):
        raise _not_supported("approx_percentile as a window function or with FILTER")
    x = node.this
    if _is(x, *_INTEGRAL_BITS):
        cast = "BIGINT"
    elif _is(x, T.DOUBLE, T.FLOAT):
        cast = "DOUBLE" if _is(x, T.DOUBLE) else "FLOAT"
    else:
        raise _not_supported(
            "approx_percentile of a value that is not an integer, real or double of known type"
        )
    values = _parse(
        "__la_pct_values(list_filter(list(CAST(__x AS " + cast + ")), lambda __v: __v IS NOT NULL))", x=x
    )
    if cast != "BIGINT":
        values = _call("__la_pct_finite", values)
    quantile = node.args["quantile"]
    if isinstance(quantile, exp.Array):
        return _parse("list_transform(__q, lambda __p: __la_pct_at(__v, __p))", q=quantile, v=values)
    return _call("__la_pct_at", values, quantile)


_AGGREGATES = ("map_agg", "multimap_agg", "approx_most_frequent")


def _anonymous(node: exp.Anonymous) -> exp.Expression | None:
    name = node.name.lower()
    args = list(node.expressions)
    if name in _SIMPLE:
        macro, arity = _SIMPLE[name]
        if len(args) != arity:
            return None
        return _call(macro, *args)
    if name == "zip":
        return _zip(args)
    if name == "zip_with":
        return _zip_with(args)
    if name in ("map_filter", "transform_values", "transform_keys"):
        return _map_lambda(name, args)
    if name == "map_concat" and len(args) >= 2:
        # Folded from the right: concat(m1, m2, m3) = concat2(m1, concat2(m2, m3)) keeps Trino's order.
        out = args[-1]
        for m in reversed(args[:-1]):
            out = _call("__la_map_concat2", m, out)
        return out
    if name == "map_zip_with" and len(args) == 3:
        return _map_zip_with(args)
    if name == "combinations":
        return _combinations(args)
    if name in ("bitwise_left_shift", "bitwise_right_shift", "bitwise_right_shift_arithmetic"):
        return _bitwise(name, args)
    if name == "cosine_similarity" and len(args) == 2:
        if not (_is(args[0], T.MAP) and _is(args[1], T.MAP)):
            raise _not_supported("cosine_similarity of values that are not maps of known type")
        return _call("__la_cosine_similarity", *args)
    if name == "regexp_position" and 2 <= len(args) <= 4:
        start = args[2] if len(args) > 2 else exp.Literal.number(1)
        occurrence = args[3] if len(args) > 3 else exp.Literal.number(1)
        return _call("__la_regexp_position", args[0], args[1], start, occurrence)
    if name == "json_array_get" and len(args) == 2:
        return _call("__la_json_array_get", *args)
    if name == "json_array_contains" and len(args) == 2:
        return _json_array_contains(*args)
    if name in _AGGREGATES:
        return _aggregate(name, node, args)
    if name == "histogram" and len(args) == 1:  # DuckDB's sorts its keys; Trino's are in hash order
        if isinstance(node.parent, exp.Window | exp.Filter):
            raise _not_supported("histogram as a window function or with FILTER")
        return _call("__la_hash_ordered", _call("histogram", args[0]), exp.Literal.string("histogram"))
    if name == "checksum":
        raise _not_supported("checksum (Trino's xxhash64 of each value cannot be reproduced)")
    return None


def _concat_of_null(node: exp.Expression) -> bool:
    """`x || NULL` where x is a varchar of unbounded length (a concatenation's result): Trino cannot
    choose between concat(varchar, varchar) and concat(varchar, array(varchar))."""
    if not isinstance(node, exp.DPipe):
        return False
    a, b = node.this, node.expression
    return (
        isinstance(b, exp.Null) and isinstance(a, exp.DPipe | exp.Concat) and not isinstance(a.this, exp.Null)
    ) or (isinstance(a, exp.Null) and isinstance(b, exp.DPipe | exp.Concat))


def rewrite(node: exp.Expression) -> exp.Expression | None:
    """The DuckDB form of one (already annotated) node for the functions this module owns, or None."""
    if isinstance(node, exp.Anonymous):
        return _anonymous(node)
    if _concat_of_null(node):
        raise QueryFailed(
            "AMBIGUOUS_FUNCTION_CALL: Could not choose a best candidate operator. "
            "Explicit type casts must be added."
        )
    if isinstance(node, exp.ApproxQuantile):
        return _approx_percentile(node)
    if isinstance(node, exp.Shuffle):
        return _call("__la_shuffle", node.this)
    if isinstance(node, exp.WidthBucket):
        if node.args.get("max_value") is None or node.args.get("num_buckets") is None:
            raise _not_supported("width_bucket with an array of bins")
        dbl = exp.DataType.build("DOUBLE")
        bounds = [exp.Cast(this=node.args[k], to=dbl.copy()) for k in ("this", "min_value", "max_value")]
        return _call("__la_width_bucket", *bounds, node.args["num_buckets"])
    if isinstance(node, exp.FromBase):
        return _call("__la_from_base", node.this, node.expression)
    if isinstance(node, exp.StrToMap):
        return _call(
            "__la_split_to_map",
            node.this,
            node.args.get("pair_delim") or exp.Literal.string(","),
            node.args.get("key_value_delim") or exp.Literal.string(":"),
        )
    if isinstance(node, exp.Normalize):
        return _normalize(node)
    if isinstance(node, exp.JSONArrayContains):
        return _json_array_contains(node.this, node.expression)
    if type(node).__name__ == "ParseDatetime":
        return _parse_datetime(node)
    if isinstance(node, exp.Unnest) and isinstance(node.parent, exp.From | exp.Join):
        return _unnest(node)
    return None
