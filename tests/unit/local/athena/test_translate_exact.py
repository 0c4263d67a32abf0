"""Constructs the DuckDB engine used to refuse and now answers as Trino 476 does, or refuses loudly.

Expected values are Trino's (asked through the local Athena's Trino engine); the fidelity suite
(harness/local/athena/fidelity.py) re-checks the corpus statements against a live Trino.
"""

from __future__ import annotations

import duckdb
import pytest

from harness.local.athena import athena_rules, sql, translate, zoned
from harness.local.athena.errors import QueryFailed
from harness.local.athena.results import build


def run(query: str, result: bool = True) -> tuple[list[str], list[list[str | None]]]:
    """(ColumnInfo types, rows as Athena text) of a statement whose rows are its result (a SELECT)."""
    con = duckdb.connect(config={"threads": 1})  # a third cheaper to open than one thread per core
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET integer_division = true")
    athena_rules.check(query)
    ast = sql.parse_statement(query)
    sql.name_outputs(ast)
    text = sql.to_duckdb(ast, result=result)
    translate.install(con, text, set())
    try:
        cur = con.execute(text)
    except duckdb.Error as e:
        raise QueryFailed(str(e).split("\n")[0].split("Error: ", 1)[-1]) from None
    desc = cur.description or []
    out = build([d[0] for d in desc], [d[1] for d in desc], cur.fetchall())
    return [str(c["Type"]) for c in out.column_info], out.rows


TSTZ = "timestamp with time zone"

ANSWERS: list[tuple[str, str, list[str], list[str | None]]] = [
    # time zones kept in result columns
    (
        "AT TIME ZONE a region",
        "SELECT TIMESTAMP '2024-03-01 10:00:00.123456' AT TIME ZONE 'America/New_York'",
        [TSTZ],
        ["2024-03-01 05:00:00.123 America/New_York"],
    ),
    (
        "AT TIME ZONE an offset",
        "SELECT TIMESTAMP '2024-03-01 10:00:00.5' AT TIME ZONE '+05:30'",
        [TSTZ],
        ["2024-03-01 15:30:00.500 +05:30"],
    ),
    (
        "at_timezone of a UTC literal",
        "SELECT at_timezone(TIMESTAMP '2024-03-01 10:00:00 UTC', 'Europe/Berlin')",
        [TSTZ],
        ["2024-03-01 11:00:00.000 Europe/Berlin"],
    ),
    (
        "with_timezone in a DST gap moves forward",
        "SELECT with_timezone(TIMESTAMP '2024-03-10 02:30:00', 'America/New_York'), "
        "with_timezone(TIMESTAMP '2024-03-01 10:00:00.123', '+01:00')",
        [TSTZ, TSTZ],
        ["2024-03-10 03:30:00.000 America/New_York", "2024-03-01 10:00:00.123 +01:00"],
    ),
    (
        "from_unixtime with a zone",
        "SELECT from_unixtime(1.5, 'Asia/Tokyo'), from_unixtime(0, '+05:30'), from_unixtime(0, 'UTC')",
        [TSTZ, TSTZ, TSTZ],
        [
            "1970-01-01 09:00:01.500 Asia/Tokyo",
            "1970-01-01 05:30:00.000 +05:30",
            "1970-01-01 00:00:00.000 UTC",
        ],
    ),
    (
        "from_iso8601_timestamp keeps its offset",
        "SELECT from_iso8601_timestamp('2026-11-02T03:04:05.123+05:30'), "
        "from_iso8601_timestamp('2026-11-02T03:04:05-0800'), "
        "from_iso8601_timestamp('2026-11-02T03:04:05+02'), "
        "from_iso8601_timestamp('2026-11-02T03:04:05Z'), from_iso8601_timestamp('2026-11-02T03:04:05+00:00')",
        [TSTZ] * 5,
        [
            "2026-11-02 03:04:05.123 +05:30",
            "2026-11-02 03:04:05.000 -08:00",
            "2026-11-02 03:04:05.000 +02:00",
            "2026-11-02 03:04:05.000 UTC",
            "2026-11-02 03:04:05.000 UTC",
        ],
    ),
    (
        "zoned literals",
        "SELECT TIMESTAMP '2024-03-01 10:00:00 Europe/Berlin', TIMESTAMP '2024-03-01 10:00:00.12 +01:00'",
        [TSTZ, TSTZ],
        ["2024-03-01 10:00:00.000 Europe/Berlin", "2024-03-01 10:00:00.120 +01:00"],
    ),
    (
        "zoned literals compare as instants",
        "SELECT TIMESTAMP '2024-03-01 10:00:00 +01:00' < TIMESTAMP '2024-03-01 09:30:00 UTC', "
        "TIMESTAMP '2024-03-01 10:00:00 Europe/Berlin' = TIMESTAMP '2024-03-01 09:00:00 UTC'",
        ["boolean", "boolean"],
        ["true", "true"],
    ),
    (
        "timezone_hour and timezone_minute truncate toward zero",
        "SELECT timezone_hour(TIMESTAMP '2024-03-01 10:00:00 -05:30'), "
        "timezone_minute(TIMESTAMP '2024-03-01 10:00:00 -05:30'), "
        "timezone_hour(TIMESTAMP '2024-03-01 10:00:00 America/New_York'), "
        "timezone_minute(TIMESTAMP '2024-03-01 10:00:00 UTC')",
        ["bigint"] * 4,
        ["-5", "-30", "-5", "0"],
    ),
    ("zoned NULL", "SELECT from_unixtime(CAST(NULL AS double), 'Asia/Tokyo')", [TSTZ], [None]),
    (
        "to_iso8601 prints the literal's precision",
        "SELECT to_iso8601(TIMESTAMP '2024-03-01 10:00:00.12'), "
        "to_iso8601(CAST('2024-03-01 10:00:00' AS timestamp)), "
        "to_iso8601(TIMESTAMP '2024-03-01 10:00:00 UTC'), to_iso8601(TIMESTAMP '2024-03-01 10:00:00 +05:30')",
        ["varchar"] * 4,
        [
            "2024-03-01T10:00:00.12",
            "2024-03-01T10:00:00.000",
            "2024-03-01T10:00:00Z",
            "2024-03-01T10:00:00+05:30",
        ],
    ),
    # decimal modulus
    (
        "decimal modulus",
        "SELECT mod(-7.5, 2), CAST(1.55 AS decimal(5,2)) % 0.4, mod(CAST(7 AS decimal(3,0)), 4), 5 % 2.5, "
        "mod(12345678901234567890.5, 3), CAST(NULL AS decimal(3,1)) % 2",
        ["decimal"] * 6,
        ["-1.5", "0.35", "3", "0.0", "0.5", None],
    ),
    # typeof
    (
        "typeof of literals and casts",
        "SELECT typeof(CAST(1 AS bigint)), typeof(1e0), typeof(true), typeof(DATE '2024-01-01'), "
        "typeof(NULL), typeof(TIMESTAMP '2024-01-01 00:00:00'), typeof(CAST('a' AS varchar)), "
        "typeof(3000000000), typeof(1.50), typeof(CAST(1 AS real)), typeof('')",
        ["varchar"] * 11,
        [
            "bigint",
            "double",
            "boolean",
            "date",
            "unknown",
            "timestamp(0)",
            "varchar",
            "bigint",
            "decimal(3,2)",
            "real",
            "varchar(0)",
        ],
    ),
    # strings
    (
        "strpos with an occurrence counts overlapping matches",
        "SELECT strpos('aaaa', 'aa', 2), strpos('abc', '', 2), strpos('abc', 'b', 3), "
        "strpos(CAST(NULL AS varchar), 'a', 1), strpos('aaaa', 'aa', -1), strpos('aaaa', 'aa', -2), "
        "strpos('abc', 'b', -5), strpos('abc', '', -1)",
        ["bigint"] * 8,
        ["2", "1", "0", None, "3", "2", "0", "1"],
    ),
    (
        "split with a limit",
        "SELECT split('a,b,c', ',', 1), split('a,b,c', ',', 5), split('a,,', ',', 2), split('', ',', 2), "
        "split(CAST(NULL AS varchar), ',', 2)",
        ["array"] * 5,
        ["[a,b,c]", "[a, b, c]", "[a, ,]", "[]", None],
    ),
    (
        "soundex",
        "SELECT soundex(''), soundex('Tymczak'), soundex('Ashcraft'), soundex('123'), soundex('O''Hara'), "
        "soundex('Pfister'), soundex('a b'), soundex('HW'), soundex(CAST(NULL AS varchar))",
        ["varchar"] * 9,
        ["", "T522", "A261", "", "O600", "P236", "A100", "H000", None],
    ),
    (
        "url_encode and url_decode as java.net",
        "SELECT url_encode('~*-_.!''()@:'), url_encode(''), url_decode('%e2%82%ac'), url_decode('a+%2B'), "
        "url_encode(CAST(NULL AS varchar)), url_decode(CAST(NULL AS varchar))",
        ["varchar"] * 6,
        ["%7E*-_.%21%27%28%29%40%3A", "", "€", "a +", None, None],
    ),
    (
        "upper keeps ß, lower of ẞ is ß",
        "SELECT upper('ẞ'), lower('ẞ'), upper('straße'), lower('STRASSE'), upper(CAST(NULL AS varchar))",
        ["varchar"] * 5,
        ["ẞ", "ß", "STRAßE", "strasse", None],
    ),
    (
        "a bare NULL concatenated",
        "SELECT 'a' || NULL, NULL || 'a', concat('a', NULL), concat(NULL, 'a'), concat('a', 'b', NULL)",
        ["array", "array", "array", "array", "varchar"],
        [None, None, None, None, None],
    ),
    # TRY and casts
    (
        "TRY gives NULL where the translation's checks fail",
        "SELECT TRY(CAST('x' AS integer) + 1), TRY(ARRAY[1][0]), TRY(split_part('a', ',', 0)), "
        "TRY(CAST(1 AS integer) / 0), TRY(1e0 / 0), TRY(CAST(10 AS decimal(5,2)) / 0), TRY(1 + 1)",
        ["integer", "integer", "varchar", "integer", "double", "decimal", "integer"],
        [None, None, None, None, "Infinity", None, "2"],
    ),
    (
        "CAST of text to integers parses as Java does",
        "SELECT CAST(' 1' AS integer), CAST('1 ' AS bigint), CAST('+1' AS integer), CAST('-0' AS integer), "
        "CAST('01' AS integer), CAST('-2147483648' AS integer)",
        ["integer", "bigint", "integer", "integer", "integer", "integer"],
        ["1", "1", "1", "0", "1", "-2147483648"],
    ),
    (
        "TRY_CAST of text that is not an integer",
        "SELECT TRY_CAST('1.5' AS integer), TRY_CAST('1e0' AS bigint), TRY_CAST('' AS integer), "
        "TRY_CAST('9999999999' AS integer), TRY_CAST('0x10' AS integer), TRY_CAST('1_000' AS integer)",
        ["integer", "bigint", "integer", "integer", "integer", "integer"],
        [None, None, None, None, None, None],
    ),
    (
        "CAST of text to double, real and decimal parses as Java does",
        "SELECT TRY_CAST('1.55' AS decimal(3,1)), TRY_CAST(' 1.5 ' AS double), TRY_CAST('nan' AS double), "
        "TRY_CAST('1d' AS double), TRY_CAST('Infinity' AS double), TRY_CAST('1e1' AS double), "
        "TRY_CAST(' 1.5' AS decimal(3,1)), TRY_CAST('1e1' AS decimal(3,1)), CAST('2' AS real)",
        ["decimal", "double", "double", "double", "double", "double", "decimal", "decimal", "float"],
        ["1.6", "1.5", None, "1.0", "Infinity", "10.0", None, "10.0", "2.0"],
    ),
    (
        "interval year to month result columns",
        "SELECT INTERVAL '14' MONTH, INTERVAL '2' YEAR, INTERVAL '-3' MONTH, INTERVAL '1-2' YEAR TO MONTH, "
        "INTERVAL '3' DAY",
        ["interval year to month"] * 4 + ["interval day to second"],
        ["1-2", "2-0", "-0-3", "1-2", "3 00:00:00.000"],
    ),
    # regular expressions of literals, with Java's empty-match and group rules
    (
        "regexp_replace with empty matches",
        "SELECT regexp_replace('aaa', 'a*', 'X'), regexp_replace('abc', 'x*', '-'), "
        "regexp_replace('', 'a*', 'X'), regexp_replace('abc', '', '-'), "
        "regexp_replace('ab', 'b*', '[$0]'), regexp_replace('abc', 'b')",
        ["varchar"] * 6,
        ["XX", "-a-b-c-", "X", "-a-b-c-", "[]a[b][]", "ac"],
    ),
    (
        "regexp_extract of a group that took no part is NULL",
        "SELECT regexp_extract('foo', '(x)?foo', 1), regexp_extract('ab', '(a)(x)?', 2), "
        "regexp_extract('ab', '(a)(x?)', 2), regexp_extract('abc', 'x')",
        ["varchar"] * 4,
        [None, None, "", None],
    ),
    # JSON literals as Trino reads and prints them
    (
        "json_extract_scalar keeps numbers as written, the first duplicate key",
        """SELECT json_extract_scalar('{"a":-1.5e+3}', '$.a'), json_extract_scalar('{"a":0.10}', '$.a'), """
        """json_extract_scalar('[1.0]', '$[0]'), json_extract_scalar('{"a":"x\\u00e9"}', '$.a'), """
        """json_extract_scalar('{"a":1.50,"a":2.5}', '$.a'), json_extract_scalar('{"a b":1}', '$["a b"]'), """
        """json_extract_scalar('{"a":[1]}', '$.a'), json_extract_scalar('{"a":null}', '$.a'), """
        """json_extract_scalar(json_parse('{"a":1.50}'), '$.a')""",
        ["varchar"] * 9,
        ["-1.5e+3", "0.10", "1.0", "xé", "1.50", "1", None, None, "1.5"],
    ),
    (
        "json_parse is canonical",
        """SELECT json_format(json_parse('{"a":1.50,"b":1E2,"c":-0.0,"d":12345678901234567890,"e":0.1,"""
        """"f":1e-7}')), json_format(json_parse('{"b":{"z":1,"y":2},"a":null,"B":true}')), """
        """json_parse('{"b":1, "a":2}'), json_format(json_parse('["\\u00e9/\\/","a\\"b\\\\c\\nd"]'))""",
        ["varchar", "varchar", "json", "varchar"],
        [
            '{"a":1.5,"b":100.0,"c":-0.0,"d":12345678901234567890,"e":0.1,"f":1.0E-7}',
            '{"B":true,"a":null,"b":{"y":2,"z":1}}',
            '{"a":2,"b":1}',
            '["é//","a\\"b\\\\c\\nd"]',
        ],
    ),
    (
        "CAST to and from json",
        """SELECT CAST('{"a":1}' AS json), CAST(json_parse('"b"') AS varchar), """
        """CAST(json_parse('1.50') AS varchar), CAST(json_parse('true') AS varchar), """
        """CAST(json_parse('null') AS varchar), CAST(json_parse('12') AS varchar)""",
        ["json", "varchar", "varchar", "varchar", "varchar", "varchar"],
        ['"{\\"a\\":1}"', "b", "1.5E0", "true", None, "12"],
    ),
    (
        "SQL/JSON functions with lax paths",
        """SELECT json_value('[{"a":1},{"a":2}]', 'lax $.a'), json_exists('[{"a":1}]', 'lax $.a'), """
        """json_exists('{"a":1}', 'lax $.b'), json_value('{"a":"x"}', 'lax $.a'), """
        """json_query('{"a":{"z":1,"b":2}}', 'lax $.a'), json_value('{"a":[1]}', 'lax $.a[0]')""",
        ["varchar", "boolean", "boolean", "varchar", "varchar", "varchar"],
        [None, "true", "false", "x", '{"z":1,"b":2}', "1"],
    ),
    (
        "SQL/JSON scalars, NULLs and indexes",
        """SELECT json_value('{"a":[5]}', 'lax $.a'), json_query('{"a":5}', 'lax $.a'), """
        """json_value('{"a":true}', 'lax $.a'), json_value('{"a":null}', 'lax $.a'), """
        """json_value('5', 'lax $[0]'), json_exists('{"a":[1,2]}', 'lax $.a[5]')""",
        ["varchar", "varchar", "varchar", "varchar", "varchar", "boolean"],
        [None, "5", "true", None, "5", "false"],
    ),
    (
        "TRY_CAST of text arrays to integer arrays fails the whole value",
        "SELECT TRY_CAST(ARRAY['1', 'x'] AS array(integer)), "
        "TRY_CAST(ARRAY['1', NULL, ' 2'] AS array(integer)), "
        "TRY_CAST(ARRAY['1.5'] AS array(bigint)), TRY_CAST(CAST(NULL AS array(varchar)) AS array(integer))",
        ["array"] * 4,
        [None, "[1, null, 2]", None, None],
    ),
    (
        "Java replacement syntax",
        "SELECT regexp_replace('a.b', '\\.', '$0$0'), regexp_extract('x1y22', '\\d+'), "
        "regexp_replace('abc', '(b)', '\\$1')",
        ["varchar"] * 3,
        ["a..b", "1", "a$1c"],
    ),
    (
        "array_sort with a comparator is a stable sort",
        "SELECT array_sort(ARRAY[3, 1, 2], (a, b) -> IF(a < b, 1, IF(a = b, 0, -1))), "
        "array_sort(ARRAY['bb', 'a', 'ccc', 'dd'], (x, y) -> IF(length(x) < length(y), -1, "
        "IF(length(x) = length(y), 0, 1))), array_sort(CAST(NULL AS array(integer)), (a, b) -> 0)",
        ["array"] * 3,
        ["[3, 2, 1]", "[a, bb, dd, ccc]", None],
    ),
    (
        "at_timezone of a timestamp, from_unixtime rounds to milliseconds",
        "SELECT at_timezone(TIMESTAMP '2024-03-01 10:00:00', 'Asia/Tokyo'), "
        "at_timezone(TIMESTAMP '2024-03-01 10:00:00', '-08:00'), from_unixtime(1.0005, 'UTC')",
        [TSTZ] * 3,
        [
            "2024-03-01 19:00:00.000 Asia/Tokyo",
            "2024-03-01 02:00:00.000 -08:00",
            "1970-01-01 00:00:01.001 UTC",
        ],
    ),
    (
        "json_parse keeps the last duplicate key; json_query of scalars",
        """SELECT json_parse('{"a":1,"a":2}'), json_query('{"a":"x"}', 'lax $.a'), """
        """json_query('{"a":null}', 'lax $.a'), json_query('{"a":true}', 'lax $.a')""",
        ["json", "varchar", "varchar", "varchar"],
        ['{"a":2}', '"x"', "null", "true"],
    ),
    (
        "typeof of casts, TRY of casts that overflow",
        "SELECT typeof(CAST('a' AS varchar(3))), typeof(CAST(1 AS decimal(10))), "
        "typeof(CAST('2024-01-01' AS timestamp(6))), typeof(CAST(1 AS tinyint)), "
        "TRY(CAST(1e10 AS integer)), TRY(CAST(300 AS tinyint))",
        ["varchar", "varchar", "varchar", "varchar", "integer", "tinyint"],
        ["varchar(3)", "decimal(10,0)", "timestamp(6)", "tinyint", None, None],
    ),
    (
        "JSON escapes: short forms, characters beyond the BMP as surrogate pairs, keys in UTF-16 order",
        """SELECT json_format(json_parse('["\\b\\t\\f\\r\\u007f\\u001f", "\U0001f600", """
        """{"\U0001f600":1, "\\uffff":2, "z":3}]'))""",
        ["varchar"],
        ['["\\b\\t\\f\\r\x7f\\u001F","\\uD83D\\uDE00",{"z":3,"\\uD83D\\uDE00":1,"\uffff":2}]'],
    ),
    (
        "more texts as Java parses them",
        "SELECT CAST('-1' AS tinyint), TRY_CAST('1 2' AS integer), TRY_CAST('+-1' AS integer), "
        "TRY_CAST('1.' AS double), TRY_CAST('.5' AS double), TRY_CAST('+.5e-1' AS double), "
        "TRY_CAST('1e' AS double), TRY_CAST('1.' AS decimal(3,1)), TRY_CAST('-1.55' AS decimal(3,1))",
        ["tinyint", "integer", "integer", "double", "double", "double", "double", "decimal", "decimal"],
        ["-1", None, None, "1.0", "0.5", "0.05", None, "1.0", "-1.6"],
    ),
    (
        "offsets of zero are UTC",
        "SELECT from_iso8601_timestamp('2026-11-02T03:04:05-00:00'), "
        "from_iso8601_timestamp('2026-11-02T03:04:05+0000'), "
        "from_iso8601_timestamp('2026-11-02T03:04:05.5-03')",
        [TSTZ] * 3,
        ["2026-11-02 03:04:05.000 UTC", "2026-11-02 03:04:05.000 UTC", "2026-11-02 03:04:05.500 -03:00"],
    ),
    (
        "map_entries are anonymous rows",
        "SELECT map_entries(MAP(ARRAY['a', 'b'], ARRAY[1, NULL])), "
        "map_entries(CAST(NULL AS map(varchar, integer)))",
        ["array", "array"],
        ["[{field0=a, field1=1}, {field0=b, field1=null}]", None],
    ),
]


@pytest.mark.parametrize(("case", "query", "types", "row"), ANSWERS, ids=[a[0] for a in ANSWERS])
def test_trino_answer(case: str, query: str, types: list[str], row: list[str | None]) -> None:
    assert run(query) == (types, [row])


REJECTED = [
    (
        "zone unknown to Trino",
        "SELECT TIMESTAMP '2024-03-01 10:00:00' AT TIME ZONE 'Not/AZone'",
        "INVALID_FUNCTION_ARGUMENT: 'Not/AZone' is not a valid time zone",
    ),
    (
        "zone name is case-sensitive",
        "SELECT at_timezone(TIMESTAMP '2024-03-01 10:00:00', 'europe/berlin')",
        "INVALID_FUNCTION_ARGUMENT: ",
    ),
    (
        "from_unixtime zone unknown",
        "SELECT from_unixtime(0, 'Not/AZone')",
        "NOT_SUPPORTED: Time zone not supported",
    ),
    ("offset in another spelling", "SELECT from_unixtime(0, '+5:30')", "NOT_SUPPORTED: the time zone"),
    (
        "wall time of a zoned value",
        "SELECT hour(TIMESTAMP '2024-03-01 10:00:00' AT TIME ZONE 'Asia/Tokyo')",
        "NOT_SUPPORTED: AT TIME ZONE",
    ),
    (
        "zoned literal read as a wall time",
        "SELECT hour(TIMESTAMP '2024-03-01 10:00:00 +01:00')",
        "NOT_SUPPORTED: A timestamp",
    ),
    (
        "with_timezone in a subquery",
        "SELECT x FROM (SELECT with_timezone(TIMESTAMP '2024-03-01 10:00:00', 'Asia/Tokyo') AS x)",
        "NOT_SUPPORTED: with_timezone",
    ),
    (
        "to_iso8601 of a computed timestamp",
        "SELECT to_iso8601(date_trunc('hour', TIMESTAMP '2024-03-01 10:00:00'))",
        "NOT_SUPPORTED: to_iso8601",
    ),
    (
        "decimal modulus by zero",
        "SELECT mod(CAST(7 AS decimal(3,0)), 0)",
        "DIVISION_BY_ZERO: Division by zero",
    ),
    ("typeof of an expression", "SELECT typeof(1 + 1)", "NOT_SUPPORTED: typeof"),
    ("typeof still evaluates its argument", "SELECT typeof(CAST('x' AS integer))", "INVALID_CAST_ARGUMENT: "),
    ("strpos occurrence zero", "SELECT strpos('abc', 'b', 0)", "INVALID_FUNCTION_ARGUMENT: 'instance'"),
    (
        "split limit zero",
        "SELECT split('a,b,c', ',', 0)",
        "INVALID_FUNCTION_ARGUMENT: Limit must be positive",
    ),
    ("split empty delimiter", "SELECT split('a,b,c', '', 2)", "INVALID_FUNCTION_ARGUMENT: The delimiter"),
    ("soundex of non-ASCII", "SELECT soundex('Ärger')", "NOT_SUPPORTED: soundex"),
    ("url_decode incomplete escape", "SELECT url_decode('100%')", "INVALID_FUNCTION_ARGUMENT: URLDecoder"),
    ("url_decode bad escape", "SELECT url_decode('%zz')", "INVALID_FUNCTION_ARGUMENT: URLDecoder"),
    ("url_decode of bytes not UTF-8", "SELECT url_decode('%C3')", "NOT_SUPPORTED: url_decode"),
    ("json_parse of invalid JSON", "SELECT json_parse('x')", "INVALID_FUNCTION_ARGUMENT: Cannot convert"),
    (
        "CAST of a JSON object to varchar",
        """SELECT CAST(json_parse('[1]') AS varchar)""",
        "INVALID_CAST_ARGUMENT",
    ),
    (
        "json_format of JSON known at run time",
        "SELECT json_format(json_parse(s)) FROM (VALUES '1') AS t(s)",
        "NOT_SUPPORTED: json_format",
    ),
    (
        "CAST of a decimal text to integer",
        "SELECT CAST('1.5' AS integer)",
        "INVALID_CAST_ARGUMENT: Cannot cast '1.5' to INT",
    ),
    (
        "CAST of a column's text to integer",
        "SELECT CAST(s AS integer) FROM (VALUES '1.5') AS t(s)",
        "INVALID_CAST_ARGUMENT: Cannot cast '1.5'",
    ),
    ("non-ASCII digits", "SELECT TRY_CAST('\uff11' AS integer)", "NOT_SUPPORTED: CAST of"),
    ("TRY around a check that may refuse", "SELECT TRY(url_decode('%zz'))", "NOT_SUPPORTED: TRY around"),
    ("interval year to month computed", "SELECT INTERVAL '1' MONTH * 2", "NOT_SUPPORTED: "),
    (
        "regexp group beyond the pattern's",
        "SELECT regexp_extract('abc', '(b)', 2)",
        "INVALID_FUNCTION_ARGUMENT: Pattern has 1 groups",
    ),
    (
        "regexp_replace with empty matches on a column",
        "SELECT regexp_replace(s, 'a*', 'X') FROM (VALUES 'aaa') AS t(s)",
        "NOT_SUPPORTED: regexp_replace",
    ),
    ("SQL/JSON strict path", """SELECT json_value('{"a":1}', 'strict $.a')""", "NOT_SUPPORTED: json_value"),
    (
        "SQL/JSON RETURNING",
        """SELECT json_value('{"a":1}', 'lax $.a' RETURNING integer)""",
        "NOT_SUPPORTED: json_value",
    ),
    (
        "TRY_CAST to a map",
        "SELECT TRY_CAST(MAP(ARRAY['a'], ARRAY['1']) AS map(varchar, integer))",
        "NOT_SUPPORTED: TRY_CAST",
    ),
    ("CAST of text with spaces to decimal", "SELECT CAST(' 1.5' AS decimal(3,1))", "INVALID_CAST_ARGUMENT: "),
    (
        "CAST of 'nan' to double",
        "SELECT CAST(s AS double) FROM (VALUES 'nan') AS t(s)",
        "INVALID_CAST_ARGUMENT: ",
    ),
    ("hexadecimal double", "SELECT TRY_CAST('0x1p3' AS double)", "NOT_SUPPORTED: CAST of '0x1p3'"),
    (
        "zoned result column ordered by",
        "SELECT from_iso8601_timestamp(s) AS z FROM (VALUES '2026-11-02T03:04:05+02:00') AS t(s) ORDER BY z",
        "NOT_SUPPORTED: ",
    ),
    ("concat of NULLs only", "SELECT concat(NULL, NULL, NULL)", "NOT_SUPPORTED: Concatenating"),
    (
        "array_sort comparator out of range",
        "SELECT array_sort(ARRAY[1, 2], (a, b) -> 2)",
        "INVALID_FUNCTION_ARGUMENT: Lambda comparator must return either -1, 0, or 1",
    ),
    (
        "array_sort with an inconsistent comparator",
        "SELECT array_sort(ARRAY[1, 2], (a, b) -> 1)",
        "NOT_SUPPORTED: array_sort",
    ),
    ("unbounded varchar || NULL is ambiguous", "SELECT 'a' || 'b' || NULL", "AMBIGUOUS_FUNCTION_CALL: "),
]


@pytest.mark.parametrize(("case", "query", "error"), REJECTED, ids=[r[0] for r in REJECTED])
def test_rejected_like_trino_or_loudly(case: str, query: str, error: str) -> None:
    with pytest.raises(QueryFailed) as failed:
        run(query)
    assert failed.value.reason.startswith(error), failed.value.reason


def test_zoned_values_only_in_the_statements_own_result() -> None:
    """A CTAS, INSERT or view reads the query's rows as data: a zoned value there is refused."""
    with pytest.raises(QueryFailed, match="NOT_SUPPORTED: AT TIME ZONE"):
        run("SELECT TIMESTAMP '2024-03-01 10:00:00' AT TIME ZONE 'Asia/Tokyo'", result=False)
    with pytest.raises(QueryFailed, match="NOT_SUPPORTED: from_iso8601_timestamp with a non-UTC offset"):
        run("SELECT from_iso8601_timestamp('2026-11-02T03:04:05+02:00')", result=False)


def test_try_rows_of_a_table_become_null_one_by_one() -> None:
    query = (
        "SELECT TRY_CAST(s AS integer), TRY(ARRAY[1, 2][i]) "
        "FROM (VALUES ('1.5', 1), ('x', 3), (NULL, 2), ('7', 0)) AS t(s, i)"
    )
    assert sorted(run(query)[1], key=str) == sorted(
        [[None, "1"], [None, None], [None, "2"], ["7", None]], key=str
    )


def test_casts_of_a_columns_text_decide_row_by_row() -> None:
    query = (
        "SELECT TRY_CAST(s AS double), TRY_CAST(s AS decimal(3,1)), TRY_CAST(s AS real) "
        "FROM (VALUES (1, ' 1.5 '), (2, 'nan'), (3, '1d'), (4, NULL), (5, '-Infinity'), (6, '1.55')) "
        "AS t(n, s) "
        "ORDER BY n"
    )
    assert run(query)[1] == [
        ["1.5", None, "1.5"],
        [None, None, None],
        ["1.0", None, "1.0"],
        [None, None, None],
        ["-Infinity", None, "-Infinity"],
        ["1.55", "1.6", "1.55"],
    ]


def test_try_variants_return_null_instead_of_failing() -> None:
    assert "error(" not in "".join(translate.TRY_VARIANTS.values())
    assert "__la_try_subscript" in translate.TRY_VARIANTS
    assert "__la_url_decode" in translate._REFUSING  # may refuse loudly: never NULL under TRY


def test_zone_names_are_trinos() -> None:
    assert {"America/New_York", "Europe/Berlin", "Asia/Tokyo"} <= zoned.region_zones()
    assert "EST" not in zoned.region_zones() and "utc" not in zoned.region_zones()
    assert zoned.zone("+05:30") == ("+05:30", 330)
    assert zoned.zone("-08:00") == ("-08:00", -480)
    assert zoned.zone("UTC") == ("UTC", 0)
    with pytest.raises(QueryFailed, match="NOT_SUPPORTED"):
        zoned.zone("+15:00")
