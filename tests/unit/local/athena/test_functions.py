"""The Trino functions harness/local/athena/functions.py gives the DuckDB engine: Trino's answers, NULLs and
errors, or NOT_SUPPORTED where the answer cannot be reproduced.

Expected values are Trino 476's, taken from the local Athena on its Trino engine for these statements.
"""

from __future__ import annotations

import pytest

from harness.local.athena import functions, translate
from harness.local.athena.errors import QueryFailed

from .test_translate import run

ANSWERS = [
    # arrays
    (
        "SELECT zip(ARRAY[1, 2, 3], ARRAY['a'])",
        ["array"],
        [["[{field0=1, field1=a}, {field0=2, field1=null}, {field0=3, field1=null}]"]],
    ),
    ("SELECT zip(ARRAY[1], CAST(NULL AS array(integer)))", ["array"], [[None]]),
    (
        "SELECT zip(ARRAY[1, NULL], ARRAY['a', 'b'], ARRAY[true, false])",
        ["array"],
        [["[{field0=1, field1=a, field2=true}, {field0=null, field1=b, field2=false}]"]],
    ),
    (
        "SELECT zip_with(ARRAY[1, 2, 3], ARRAY[10], (a, b) -> coalesce(a, 0) + coalesce(b, 0))",
        ["array"],
        [["[11, 2, 3]"]],
    ),
    ("SELECT zip_with(ARRAY['a'], ARRAY['b', 'c'], (x, y) -> concat(x, y))", ["array"], [["[ab, null]"]]),
    ("SELECT shuffle(ARRAY[7]), cardinality(shuffle(ARRAY[1, 2, 3]))", ["array", "bigint"], [["[7]", "3"]]),
    ("SELECT ngrams(ARRAY[1, 2, 3, 4], 5)", ["array"], [["[[1, 2, 3, 4]]"]]),
    ("SELECT ngrams(ARRAY[1, 2, 3], 1)", ["array"], [["[[1], [2], [3]]"]]),
    ("SELECT ngrams(CAST(ARRAY[] AS array(integer)), 2)", ["array"], [["[[]]"]]),
    (
        "SELECT combinations(ARRAY['a', 'b', 'c', 'd'], 3)",
        ["array"],
        [["[[a, b, c], [a, b, d], [a, c, d], [b, c, d]]"]],
    ),
    (
        "SELECT combinations(ARRAY[1, 2], 3), combinations(ARRAY[1, 2], 0)",
        ["array", "array"],
        [["[]", "[[]]"]],
    ),
    ("SELECT combinations(ARRAY[1, NULL, 3], 2)", ["array"], [["[[1, null], [1, 3], [null, 3]]"]]),
    (
        "SELECT trim_array(ARRAY[1, 2, 3], 3), trim_array(ARRAY[1, 2, 3], 0)",
        ["array", "array"],
        [["[]", "[1, 2, 3]"]],
    ),
    # bitwise
    (
        "SELECT bit_count(1152921504598458367, 62), bit_count(-1, 62), bit_count(33554132, 26), "
        "bit_count(0, 2)",
        ["bigint", "bigint", "bigint", "bigint"],
        [["59", "62", "20", "0"]],
    ),
    (
        "SELECT bitwise_left_shift(1, 31), bitwise_left_shift(-1, 33), bitwise_left_shift(5, 64)",
        ["integer", "integer", "integer"],
        [["-2147483648", "0", "0"]],
    ),
    (
        "SELECT bitwise_left_shift(BIGINT '1', 63), bitwise_right_shift(BIGINT '-1', 1), "
        "bitwise_right_shift_arithmetic(BIGINT '-1', 70)",
        ["bigint", "bigint", "bigint"],
        [["-9223372036854775808", "9223372036854775807", "-1"]],
    ),
    (
        "SELECT bitwise_right_shift(-16, 2), bitwise_right_shift(-16, 0), "
        "bitwise_right_shift_arithmetic(-16, 64)",
        ["integer", "integer", "integer"],
        [["1073741820", "-16", "-1"]],
    ),
    (
        "SELECT bitwise_left_shift(TINYINT '1', 7), bitwise_right_shift(SMALLINT '-1', 4)",
        ["tinyint", "smallint"],
        [["-128", "4095"]],
    ),
    (
        "SELECT bitwise_left_shift(-5, 2), bitwise_right_shift_arithmetic(-5, 1)",
        ["integer", "integer"],
        [["-20", "-3"]],
    ),
    # maps
    (
        "SELECT map_filter(MAP(ARRAY['d', 'b', 'c', 'a'], ARRAY[1, 2, NULL, 4]), (k, v) -> v > 1)",
        ["map"],
        [["{b=2, a=4}"]],
    ),
    ("SELECT map_filter(MAP(ARRAY['a'], ARRAY[1]), (k, v) -> false)", ["map"], [["{}"]]),
    (
        "SELECT transform_values(MAP(ARRAY['a', 'b'], ARRAY[1, 2]), (k, v) -> k || CAST(v AS varchar))",
        ["map"],
        [["{a=a1, b=b2}"]],
    ),
    (
        "SELECT transform_keys(MAP(ARRAY['b', 'a'], ARRAY[1, 2]), (k, v) -> upper(k))",
        ["map"],
        [["{B=1, A=2}"]],
    ),
    ("SELECT map_agg(k, v) FROM (VALUES ('a', 1), ('a', 2)) AS t(k, v)", ["map"], [["{a=1}"]]),
    ("SELECT histogram(x) FROM (VALUES 'b', 'b') AS t(x)", ["map"], [["{b=2}"]]),
    ("SELECT map_agg(k, v) FROM (VALUES (CAST(NULL AS varchar), 1)) AS t(k, v)", ["map"], [[None]]),
    (
        "SELECT g, multimap_agg(k, v) FROM (VALUES (1, 'a', 1), (2, 'b', 2), (1, 'a', 3)) AS t(g, k, v) "
        "GROUP BY g ORDER BY g",
        ["integer", "map"],
        [["1", "{a=[1, 3]}"], ["2", "{b=[2]}"]],
    ),
    (
        "SELECT approx_most_frequent(3, x, 10) "
        "FROM (VALUES 'd', 'd', 'd', 'd', 'b', 'b', 'b', 'c', 'c', 'a') AS t(x)",
        ["map"],
        [["{d=4, b=3, c=2}"]],
    ),
    (
        "SELECT approx_percentile(x, ARRAY[0.5, 0.0]) FROM (VALUES 1e0, 2e0, 3e0) AS t(x)",
        ["array"],
        [["[2.0, 1.0]"]],
    ),
    (
        "SELECT approx_percentile(x, ARRAY[0.5, 0.25, 0.99]), approx_percentile(x, 0.5) "
        "FROM (VALUES 1, 2, 3, 4) AS t(x)",
        ["array", "bigint"],
        [["[3, 2, 4]", "3"]],
    ),
    (
        "SELECT approx_percentile(x, 0.5), approx_percentile(x, 0.3) "
        "FROM (VALUES 1, 2, 2, 2, 9, 3, NULL, 7) AS t(x)",
        ["bigint", "bigint"],
        [["2", "2"]],
    ),
    (
        "SELECT g, approx_percentile(x, 0.75) "
        "FROM (VALUES (1, 1e0), (1, 5e0), (2, 3e0), (1, 2e0)) AS t(g, x) GROUP BY g ORDER BY g",
        ["integer", "double"],
        [["1", "5.0"], ["2", "3.0"]],
    ),
    ("SELECT approx_percentile(x, 0.5) FROM UNNEST(sequence(1, 30)) AS t(x)", ["bigint"], [["16"]]),
    ("SELECT approx_percentile(x, 0.5) FROM (VALUES CAST(NULL AS bigint)) AS t(x)", ["bigint"], [[None]]),
    ("SELECT approx_percentile(CAST(x AS real), 0.5) FROM (VALUES 1, 2, 3) AS t(x)", ["float"], [["2.0"]]),
    # math
    (
        "SELECT width_bucket(-1e0, 0e0, 10e0, 5), width_bucket(10e0, 0e0, 10e0, 5), "
        "width_bucket(3e0, 10e0, 0e0, 5), width_bucket(3, 0, 10, 4)",
        ["bigint", "bigint", "bigint", "bigint"],
        [["0", "6", "4", "2"]],
    ),
    (
        "SELECT from_base('-7fffffffffffffff', 16), from_base('+11', 2), from_base('Zz', 36), "
        "to_base(-255, 16), to_base(9223372036854775807, 36), to_base(-9223372036854775807 - 1, 10)",
        ["bigint", "bigint", "bigint", "varchar", "varchar", "varchar"],
        [["-9223372036854775807", "3", "1295", "-ff", "1y2p0ij32e8e7", "-9223372036854775808"]],
    ),
    ("SELECT from_base(NULL, 16), to_base(NULL, 2)", ["bigint", "varchar"], [[None, None]]),
    (
        "SELECT cosine_similarity(MAP(ARRAY['a', 'b'], ARRAY[1e0, 2e0]), "
        "MAP(ARRAY['b', 'c'], ARRAY[3e0, 4e0])), "
        "cosine_similarity(MAP(ARRAY['a'], ARRAY[1e0]), MAP(ARRAY['a'], ARRAY[CAST(NULL AS double)])), "
        "cosine_similarity(MAP(ARRAY['a'], ARRAY[0e0]), MAP(ARRAY['a'], ARRAY[1e0]))",
        ["double", "double", "double"],
        [["0.5366563145999494", None, "NaN"]],
    ),
    # strings, regex, JSON, dates
    (
        "SELECT regexp_position('abcabc', 'x'), regexp_position('abcabc', 'c', 7), "
        "regexp_position('ábcábc', 'b', 3), regexp_position('abc', 'c$')",
        ["integer", "integer", "integer", "integer"],
        [["-1", "-1", "5", "3"]],
    ),
    ("SELECT split_to_map('k=', ',', '='), split_to_map('', ',', '=')", ["map", "map"], [["{k=}", "{}"]]),
    (
        "SELECT normalize('ﬁ', NFKC), normalize('e' || U&'\\0301'), normalize('Å', NFKD) = 'Å'",
        ["varchar", "varchar", "boolean"],
        [["fi", "é", "false"]],
    ),
    (
        "SELECT luhn_check('4111111111111111'), luhn_check('4111111111111112'), luhn_check(''), "
        "luhn_check('0')",
        ["boolean", "boolean", "boolean", "boolean"],
        [["true", "false", "false", "true"]],
    ),
    (
        "SELECT json_array_contains('[1, \"2\", true, [2]]', 2), json_array_contains('[1, \"2\"]', '2'), "
        "json_array_contains('[true]', false), json_array_contains('{\"a\":1}', 1)",
        ["boolean", "boolean", "boolean", "boolean"],
        [["false", "true", "false", None]],
    ),
    (
        "SELECT json_array_contains('[1.0, 2]', 1), json_array_contains('[]', 1), "
        "json_array_contains(NULL, 1), "
        "json_array_contains('[1, 2]', 1e0), json_array_contains('[1.5, 2]', 1.5e0)",
        ["boolean", "boolean", "boolean", "boolean", "boolean"],
        [["false", "false", None, "false", "true"]],
    ),
    (
        "SELECT json_array_get('[1, [2, 3]]', 1), json_array_get('[1, 2]', -1), json_array_get('[1, 2]', 5), "
        'json_array_get(\'{"a":1}\', 0), json_array_get(\'[{"b": null, "a": 1}, null]\', 0), '
        "json_array_get('[1, null]', 1)",
        ["json", "json", "json", "json", "json", "json"],
        [["[2,3]", "2", None, None, '{"b":null,"a":1}', None]],
    ),
    (
        'SELECT json_extract_scalar(\'{"a b":{"c d":[1, 2]}}\', \'$["a b"]["c d"][1]\')',
        ["varchar"],
        [["2"]],
    ),
    (
        "SELECT parse_datetime('2024-3-5 7:8', 'yyyy-MM-dd HH:mm'), "
        "parse_datetime('05/03/2024', 'dd/MM/yyyy')",
        ["timestamp with time zone", "timestamp with time zone"],
        [["2024-03-05 07:08:00.000 UTC", "2024-03-05 00:00:00.000 UTC"]],
    ),
    (
        "SELECT regexp_position('abc', '^b', 2), regexp_position('afoo foo', '\\bfoo', 2), "
        "regexp_position('abc', 'x*', 2), regexp_position('abc', '$', 2), regexp_position('ab|ab', 'b|a', 2)",
        ["integer", "integer", "integer", "integer", "integer"],
        [["-1", "6", "2", "4", "2"]],
    ),
    (
        "SELECT regexp_position('aXbX', 'X', 1, 2), regexp_position('aXbX', 'X', 1, 3), "
        "regexp_position('abc', 'x*', 1, 4), regexp_position('abc', 'x*', 1, 5), "
        "regexp_position('aaaa', 'aa', 1, 2), regexp_position('éaéaé', 'é', 2, 2), "
        "regexp_position('abab', '\\bab', 1, 2)",
        ["integer", "integer", "integer", "integer", "integer", "integer", "integer"],
        [["4", "-1", "4", "-1", "3", "5", "-1"]],
    ),
    (
        "SELECT map_concat(MAP(ARRAY['d', 'b', 'c'], ARRAY[1, 2, 3]), "
        "MAP(ARRAY['zz', 'a', 'e'], ARRAY[4, 5, 6]), "
        "MAP(ARRAY['b', 'q'], ARRAY[7, 8])), map_concat(MAP(ARRAY['a'], ARRAY[1]), NULL)",
        ["map", "map"],
        [["{b=7, q=8, zz=4, a=5, e=6, d=1, c=3}", None]],
    ),
    (
        "SELECT map_zip_with(MAP(ARRAY['a', 'b'], ARRAY[1, 2]), MAP(ARRAY['c', 'a'], ARRAY[3, 4]), "
        "(k, x, y) -> coalesce(x, 0) + coalesce(y, 0)), "
        "map_zip_with(MAP(ARRAY['a'], ARRAY[1]), CAST(NULL AS map(varchar, integer)), (k, x, y) -> x)",
        ["map", "map"],
        [["{a=5, b=2, c=3}", None]],
    ),
    (
        "SELECT parse_datetime('2024/1/2 T 3', 'yyyy/M/d ''T'' H')",
        ["timestamp with time zone"],
        [["2024-01-02 03:00:00.000 UTC"]],
    ),
    # UNNEST
    (
        "SELECT k, v FROM UNNEST(MAP(ARRAY['b', 'a'], ARRAY[1, NULL])) AS t(k, v)",
        ["varchar", "integer"],
        [["b", "1"], ["a", None]],
    ),
    (
        "SELECT a, b, c FROM UNNEST(ARRAY[1], ARRAY['x', 'y'], ARRAY[true, false, true]) AS t(a, b, c)",
        ["integer", "varchar", "boolean"],
        [["1", "x", "true"], [None, "y", "false"], [None, None, "true"]],
    ),
    (
        "SELECT n, s, x FROM UNNEST(ARRAY[ROW(1, 'a')], ARRAY[10, 20]) AS t(n, s, x)",
        ["integer", "varchar", "integer"],
        [["1", "a", "10"], [None, None, "20"]],
    ),
    (
        "SELECT x, k FROM (VALUES 1, 2) AS v(x) CROSS JOIN UNNEST(MAP(ARRAY[x], ARRAY['v'])) AS t(k, w)",
        ["integer", "integer"],
        [["1", "1"], ["2", "2"]],
    ),
]


@pytest.mark.parametrize(("query", "types", "rows"), ANSWERS, ids=[a[0][:70] for a in ANSWERS])
def test_trino_answer(query: str, types: list[str], rows: list[list[str | None]]) -> None:
    got_types, got_rows = run(query)
    assert got_types == types
    assert sorted(got_rows, key=str) == sorted(rows, key=str)


ERRORS = [
    ("SELECT ngrams(ARRAY[1, 2], 0)", "INVALID_FUNCTION_ARGUMENT: N must be positive"),
    (
        "SELECT combinations(ARRAY[1, 2], 6)",
        "INVALID_FUNCTION_ARGUMENT: combination size must not exceed 5: 6",
    ),
    (
        "SELECT combinations(ARRAY[1, 2], -1)",
        "INVALID_FUNCTION_ARGUMENT: combination size must not be negative",
    ),
    ("SELECT combinations(sequence(1, 100), 5)", "INVALID_FUNCTION_ARGUMENT: combinations exceed max size"),
    (
        "SELECT trim_array(ARRAY[1, 2, 3], 4)",
        "INVALID_FUNCTION_ARGUMENT: size must not exceed array cardinality 3: 4",
    ),
    ("SELECT trim_array(ARRAY[1, 2, 3], -1)", "INVALID_FUNCTION_ARGUMENT: size must not be negative: -1"),
    (
        "SELECT bit_count(33554132, 25)",
        "INVALID_FUNCTION_ARGUMENT: Number must be representable with the bits specified. "
        "33554132 cannot be represented with 25 bits",
    ),
    (
        "SELECT bit_count(5, 65)",
        "INVALID_FUNCTION_ARGUMENT: Bits specified in bit_count must be between 2 and 64",
    ),
    (
        "SELECT bit_count(3, 1)",
        "INVALID_FUNCTION_ARGUMENT: Bits specified in bit_count must be between 2 and 64",
    ),
    (
        "SELECT transform_keys(MAP(ARRAY['a', 'b'], ARRAY[1, 2]), (k, v) -> 'x')",
        "INVALID_FUNCTION_ARGUMENT: Duplicate map keys (x) are not allowed",
    ),
    (
        "SELECT transform_keys(MAP(ARRAY['a'], ARRAY[1]), (k, v) -> CAST(NULL AS varchar))",
        "INVALID_FUNCTION_ARGUMENT: map key cannot be null",
    ),
    ("SELECT zip(ARRAY[1], ARRAY[2], ARRAY[3], ARRAY[4], ARRAY[5], ARRAY[6])", "FUNCTION_NOT_FOUND"),
    (
        "SELECT approx_most_frequent(1, x, 10) FROM (VALUES 'a', 'b', 'b') AS t(x)",
        "INVALID_FUNCTION_ARGUMENT: approx_most_frequent bucket count must be greater than one",
    ),
    ("SELECT width_bucket(1e0, 1e0, 1e0, 3)", "INVALID_FUNCTION_ARGUMENT: bounds cannot equal each other"),
    (
        "SELECT width_bucket(1e0, 0e0, 2e0, 0)",
        "INVALID_FUNCTION_ARGUMENT: bucketCount must be greater than 0",
    ),
    ("SELECT width_bucket(nan(), 0e0, 2e0, 3)", "INVALID_FUNCTION_ARGUMENT: operand must not be NaN"),
    ("SELECT width_bucket(1e0, infinity(), 2e0, 3)", "INVALID_FUNCTION_ARGUMENT: first bound must be finite"),
    (
        "SELECT from_base('8000000000000000', 16)",
        "INVALID_FUNCTION_ARGUMENT: Not a valid base-16 number: 8000000000000000",
    ),
    ("SELECT from_base('12', 2)", "INVALID_FUNCTION_ARGUMENT: Not a valid base-2 number: 12"),
    ("SELECT from_base('', 10)", "INVALID_FUNCTION_ARGUMENT: Not a valid base-10 number: "),
    ("SELECT from_base('1', 37)", "INVALID_FUNCTION_ARGUMENT: Radix must be between 2 and 36"),
    ("SELECT to_base(1, 1)", "INVALID_FUNCTION_ARGUMENT: Radix must be between 2 and 36"),
    (
        "SELECT regexp_position('abc', 'b', 0)",
        "INVALID_FUNCTION_ARGUMENT: start position cannot be smaller than 1",
    ),
    (
        "SELECT split_to_map('a=1,a=2', ',', '=')",
        "INVALID_FUNCTION_ARGUMENT: Duplicate keys (a) are not allowed",
    ),
    (
        "SELECT split_to_map('a=1,b', ',', '=')",
        "INVALID_FUNCTION_ARGUMENT: Key-value delimiter must appear exactly once in each entry. "
        "Bad input: 'b'",
    ),
    (
        "SELECT split_to_map('a=1', ',', ',')",
        "INVALID_FUNCTION_ARGUMENT: entryDelimiter and keyValueDelimiter must not be the same",
    ),
    ("SELECT luhn_check('12a4')", "INVALID_FUNCTION_ARGUMENT: Input contains non-digit character"),
    (
        "SELECT parse_datetime('2024-03-05 25:00', 'yyyy-MM-dd HH:mm')",
        "INVALID_FUNCTION_ARGUMENT: Invalid format",
    ),
    ("SELECT parse_datetime('2024-02-30', 'yyyy-MM-dd')", "INVALID_FUNCTION_ARGUMENT: Invalid format"),
    ("SELECT parse_datetime(' 5/03/2024', 'dd/MM/yyyy')", "NOT_SUPPORTED: parse_datetime of"),
    ("SELECT parse_datetime('24-03-05', 'yyyy-MM-dd')", "NOT_SUPPORTED: parse_datetime of"),
    ("SELECT from_base('١٢', 10)", "NOT_SUPPORTED: from_base of a string with non-ASCII"),
    ("SELECT regexp_position('abc', 'b', 1, 0)", "INVALID_FUNCTION_ARGUMENT: occurrence cannot be smaller"),
    ("SELECT regexp_position(lpad('a', 1200, 'a'), 'a', 1100)", "NOT_SUPPORTED: regexp_position beyond"),
    ("SELECT 'a' || 'b' || NULL", "AMBIGUOUS_FUNCTION_CALL"),
    (
        "SELECT approx_percentile(x, 1.5) FROM (VALUES 1) AS t(x)",
        "INVALID_FUNCTION_ARGUMENT: Percentile must be",
    ),
    ("SELECT * FROM UNNEST(ARRAY[ROW(1, 'a')]) AS t(r)", "MISMATCHED_COLUMN_ALIASES: line 1:1: Column alias"),
    ("SELECT * FROM UNNEST(MAP(ARRAY['a'], ARRAY[1])) AS t(k)", "MISMATCHED_COLUMN_ALIASES"),
    ("SELECT * FROM UNNEST(ARRAY[1], ARRAY[2]) AS t(a, b, c)", "MISMATCHED_COLUMN_ALIASES"),
    # Where the answer cannot be reproduced: loudly refused, never answered differently.
    (
        "SELECT approx_percentile(x, 0.5) FROM UNNEST(sequence(1, 33)) AS t(x)",
        "NOT_SUPPORTED: approx_percentile",
    ),
    ("SELECT approx_percentile(x, 0.5) FROM (VALUES nan(), 1e0) AS t(x)", "NOT_SUPPORTED: approx_percentile"),
    ("SELECT approx_percentile(x, 2, 0.5) FROM (VALUES 1) AS t(x)", "NOT_SUPPORTED: approx_percentile with"),
    ("SELECT checksum(x) FROM (VALUES 1) AS t(x)", "NOT_SUPPORTED: checksum"),
    (
        "SELECT map_agg(k, v) FROM (VALUES ('a', 1), ('b', 2)) AS t(k, v)",
        "NOT_SUPPORTED: map_agg of more than one",
    ),
    (
        "SELECT multimap_agg(k, v) FROM (VALUES ('a', 1), ('b', 2)) AS t(k, v)",
        "NOT_SUPPORTED: multimap_agg of more than one",
    ),
    ("SELECT split_to_map('b=1,a=2', ',', '=')", "NOT_SUPPORTED: split_to_map of more than one"),
    ("SELECT histogram(x) FROM (VALUES 'b', 'a', 'b') AS t(x)", "NOT_SUPPORTED: histogram of more than one"),
    (
        "SELECT map_agg(k, v) FROM (VALUES ('a', 1), ('a', 2), ('b', 3)) AS t(k, v)",
        "NOT_SUPPORTED: map_agg of more than one",
    ),
    (
        "SELECT multimap_agg(k, v) FROM (VALUES ('a', 1), ('a', 2), ('b', 3)) AS t(k, v)",
        "NOT_SUPPORTED: multimap_agg of more than one",
    ),
    (
        "SELECT approx_most_frequent(2, x, 10) FROM (VALUES 'a', 'b') AS t(x)",
        "NOT_SUPPORTED: approx_most_frequent",
    ),
    (
        "SELECT approx_most_frequent(2, x, 1) FROM (VALUES 'a', 'b', 'b') AS t(x)",
        "NOT_SUPPORTED: approx_most",
    ),
    ("SELECT json_array_get('[1, \"a\"]', 1)", "NOT_SUPPORTED: json_array_get of a string element"),
    ("SELECT json_array_get('[1.50]', 0)", "NOT_SUPPORTED: json_array_get of an element with a non-integer"),
    (
        "SELECT json_array_contains('[1, 2', 1)",
        "NOT_SUPPORTED: json_array_contains/json_array_get of invalid",
    ),
    (
        "SELECT combinations(ARRAY[1, 2], n) FROM (VALUES 1) AS t(n)",
        "NOT_SUPPORTED: combinations with a size",
    ),
    ("SELECT width_bucket(1e0, ARRAY[1e0])", "NOT_SUPPORTED: width_bucket with an array of bins"),
    (
        "SELECT transform_values(MAP(ARRAY['a'], ARRAY[ROW(1)]), (k, v) -> v.field0) "
        "FROM (VALUES 1) AS v(field0)",
        "NOT_SUPPORTED: transform_values with a field access on a lambda parameter",
    ),
    (
        "SELECT zip_with(ARRAY[1], ARRAY[2], (x, y) -> transform(ARRAY[x], x -> x + y))",
        "NOT_SUPPORTED: zip_with with a nested lambda that reuses a parameter name",
    ),
    ("SELECT normalize(s, NFD) FROM (VALUES 'a') AS t(s)", "NOT_SUPPORTED: normalize to NFD"),
    ("SELECT parse_datetime('20240305', 'yyyyMMdd')", "NOT_SUPPORTED: parse_datetime pattern"),
    ("SELECT parse_datetime('March', 'MMMM')", "NOT_SUPPORTED: parse_datetime pattern"),
    (
        "SELECT a, n FROM UNNEST(ARRAY[1], ARRAY[2]) WITH ORDINALITY AS t(a, b, n)",
        "NOT_SUPPORTED: UNNEST WITH",
    ),
]


@pytest.mark.parametrize(("query", "error"), ERRORS, ids=[e[0][:70] for e in ERRORS])
def test_fails_as_trino_or_loudly(query: str, error: str) -> None:
    with pytest.raises(QueryFailed) as failure:
        run(query)
    assert error in failure.value.reason


def test_every_macro_is_defined_with_its_dependencies() -> None:
    """Each macro of functions.py installs (with what it calls) in a catalog of its own.

    Each goes into a fresh in-memory database attached to one connection and made the default: it sees
    none of the other macros' definitions, as a new connection would not (DuckDB binds a macro's body
    when it is created, so a dependency `install` left out fails here), at a hundredth of a connection's
    cost. One listing of the functions then shows each defined once, in its own database only."""
    import duckdb

    con = duckdb.connect(config={"threads": 1})
    names = [translate._MACRO_NAME.search(m).group(1) for m in functions.MACROS]  # type: ignore[union-attr]
    for i, name in enumerate(names):
        con.execute(f"ATTACH ':memory:' AS macro_{i}")
        con.execute(f"USE macro_{i}")
        translate.install(con, f"SELECT {name}", set())
    defined = con.execute(
        "SELECT function_name, database_name, count(*) FROM duckdb_functions() "
        "WHERE list_contains(?, function_name) GROUP BY ALL",
        [names],
    ).fetchall()
    con.close()
    for i, name in enumerate(names):
        assert (name, f"macro_{i}", 1) in defined, name
        assert [d for d in defined if d[0] == name and not d[1].startswith("macro_")] == [], name


def test_lambda_parameters_are_replaced_but_not_qualified_columns() -> None:
    """zip_with's lambda body: its parameters become the zipped fields; a column t.a stays a column."""
    types, rows = run(
        "SELECT zip_with(ARRAY[1], ARRAY[2], (a, b) -> a * 10 + b + t.a) FROM (VALUES 100) AS t(a)"
    )
    assert (types, rows) == (["array"], [["[112]"]])
