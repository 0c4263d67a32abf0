"""The translation gives Trino's answers (as Trino 476 gave them) or fails as Trino does, or loudly.

In-process DuckDB, no servers: each case is a few milliseconds. Expected values are Trino's, checked
against a real Trino by the fidelity suite (harness/local/athena/fidelity.py).
"""

from __future__ import annotations

import duckdb
import pytest

from harness.local.athena import athena_rules, sql, translate
from harness.local.athena.errors import QueryFailed
from harness.local.athena.results import build


def run(query: str) -> tuple[list[str], list[list[str | None]]]:
    """(ColumnInfo types, rows as Athena text) for one statement, or QueryFailed like the engine's."""
    con = duckdb.connect(config={"threads": 1})  # a third cheaper to open than one thread per core
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET integer_division = true")
    athena_rules.check(query)
    ast = sql.parse_statement(query)
    sql.name_outputs(ast)
    text = sql.to_duckdb(ast)
    translate.install(con, text, set())
    try:
        cur = con.execute(text)
    except duckdb.Error as e:
        msg = str(e).split("\n")[0].split("Error: ", 1)[-1]
        raise QueryFailed(msg) from None
    desc = cur.description or []
    result = build([d[0] for d in desc], [d[1] for d in desc], cur.fetchall())
    return [str(c["Type"]) for c in result.column_info], result.rows


ANSWERS = [
    (
        "date_trunc of a date is a date",
        "SELECT date_trunc('month', DATE '2024-03-15')",
        ["date"],
        "2024-03-01",
    ),
    (
        "date_add to a date is a date",
        "SELECT date_add('month', 1, DATE '2024-01-31')",
        ["date"],
        "2024-02-29",
    ),
    ("date plus interval is a date", "SELECT DATE '2024-03-15' + INTERVAL '1' DAY", ["date"], "2024-03-16"),
    ("decimal division", "SELECT CAST(10 AS decimal(5,2)) / 3", ["decimal"], "3.33"),
    (
        "decimal division rounds half up",
        "SELECT CAST(2 AS decimal(5,2)) / CAST(3 AS decimal(5,2))",
        ["decimal"],
        "0.67",
    ),
    (
        "avg of decimals is a decimal",
        "SELECT avg(x) FROM (VALUES CAST(1.67 AS decimal(10,2)), CAST(1.68 AS decimal(10,2))) AS t(x)",
        ["decimal"],
        "1.68",
    ),
    ("decimal literal keeps its scale", "SELECT DECIMAL '0.00000000001'", ["decimal"], "0.00000000001"),
    ("double as varchar", "SELECT CAST(0.1e0 + 0.2e0 AS varchar)", ["varchar"], "3.0000000000000004E-1"),
    ("small double as varchar", "SELECT CAST(1e-3 AS varchar)", ["varchar"], "1.0E-3"),
    ("real as varchar", "SELECT CAST(REAL '0.1' AS varchar)", ["varchar"], "1.0E-1"),
    ("split_part past the end", "SELECT split_part('a,b', ',', 5)", ["varchar"], None),
    ("array_distinct keeps order", "SELECT array_distinct(ARRAY[3, 1, 3, 2, 1])", ["array"], "[3, 1, 2]"),
    (
        "url_extract_host",
        "SELECT url_extract_host('https://u@example.com:8080/p?q=1')",
        ["varchar"],
        "example.com",
    ),
    ("url_extract_port", "SELECT url_extract_port('https://example.com:8080/p')", ["bigint"], "8080"),
    ("url_extract_parameter", "SELECT url_extract_parameter('http://x/?a=1&b=2', 'b')", ["varchar"], "2"),
    (
        "format_datetime",
        "SELECT format_datetime(TIMESTAMP '2024-03-05 07:08:09', 'yyyy-MM-dd HH:mm')",
        ["varchar"],
        "2024-03-05 07:08",
    ),
    ("json_size", """SELECT json_size('{"a":[1,2]}', '$.a')""", ["bigint"], "2"),
    ("is_json_scalar", "SELECT is_json_scalar('[1]')", ["boolean"], "false"),
    ("codepoint", "SELECT codepoint('A')", ["integer"], "65"),
    ("nan", "SELECT nan()", ["double"], "NaN"),
    ("hamming_distance", "SELECT hamming_distance('abc', 'abd')", ["bigint"], "1"),
    ("human_readable_seconds", "SELECT human_readable_seconds(96)", ["varchar"], "1 minute, 36 seconds"),
    (
        "reduce with an output function",
        "SELECT reduce(ARRAY[1, 2, 3], 0, (s, x) -> s + x, s -> s * 10)",
        ["integer"],
        "60",
    ),
    ("cardinality of a map", "SELECT cardinality(MAP(ARRAY['a', 'b'], ARRAY[1, 2]))", ["bigint"], "2"),
    ("double division by zero", "SELECT 5e0 / 0", ["double"], "Infinity"),
    ("double to integer rounds half up", "SELECT CAST(2.5e0 AS integer)", ["integer"], "3"),
    ("integer division keeps integer", "SELECT -7 / 2", ["integer"], "-3"),
    ("sequence counts down by default", "SELECT sequence(3, 1)", ["array"], "[3, 2, 1]"),
    ("json number text", """SELECT json_extract_scalar('{"a":150}', '$.a')""", ["varchar"], "150"),
]


@pytest.mark.parametrize(("case", "query", "types", "value"), ANSWERS, ids=[a[0] for a in ANSWERS])
def test_trino_answer(case: str, query: str, types: list[str], value: str | None) -> None:
    assert run(query) == (types, [[value]])


REJECTED = [
    (
        "from_iso8601_timestamp without T",
        "SELECT from_iso8601_timestamp('2026-11-02 03:04:05')",
        "INVALID_FUNCTION_ARGUMENT: Invalid format",
    ),
    (
        "subscript past the end",
        "SELECT ARRAY[1, 2][5]",
        "INVALID_FUNCTION_ARGUMENT: Array subscript must be less than or equal to array length: 5 > 2",
    ),
    ("subscript zero", "SELECT ARRAY[1, 2][0]", "INVALID_FUNCTION_ARGUMENT: SQL array indices start at 1"),
    (
        "missing map key",
        "SELECT MAP(ARRAY['a'], ARRAY[1])['b']",
        "INVALID_FUNCTION_ARGUMENT: Key not present in map: b",
    ),
    (
        "split_part index zero",
        "SELECT split_part('a', ',', 0)",
        "INVALID_FUNCTION_ARGUMENT: Index must be greater than zero",
    ),
    (
        "hour on a date",
        "SELECT date_add('hour', 1, DATE '2024-01-01')",
        "INVALID_FUNCTION_ARGUMENT: 'hour' is not a valid DATE field",
    ),
    (
        "hour interval on a date",
        "SELECT DATE '2024-01-01' + INTERVAL '1' HOUR",
        "INVALID_FUNCTION_ARGUMENT: Cannot add hour, minutes or seconds to a date",
    ),
    ("decimal division by zero", "SELECT CAST(5 AS decimal(3,1)) / 0", "DIVISION_BY_ZERO: Division by zero"),
    (
        "huge sequence",
        "SELECT sequence(1, 100000000)",
        "INVALID_FUNCTION_ARGUMENT: result of sequence function must not have more than 10000 entries",
    ),
    (
        "concat of one argument",
        "SELECT concat('a')",
        "INVALID_FUNCTION_ARGUMENT: There must be two or more concatenation arguments",
    ),
    ("zero-length identifier", 'SELECT 1 AS ""', "SYNTAX_ERROR: Zero-length delimited identifier"),
    ("too many arguments", "SELECT greatest(" + ", ".join(["1"] * 128) + ")", "TOO_MANY_ARGUMENTS"),
    ("row-level DELETE", "DELETE FROM t WHERE x = 1", "NOT_SUPPORTED: Modifying Hive table rows"),
    ("uuid() as a CTAS column", "CREATE TABLE t AS SELECT uuid() AS id", "NOT_SUPPORTED: Unsupported Hive"),
    # Loud where the local engine cannot match Trino: never a different answer.
    (
        "zone offset read as a wall time",
        "SELECT hour(from_iso8601_timestamp('2026-11-02T03:04:05+02:00'))",
        "NOT_SUPPORTED: ",
    ),
    (
        "json number as written, of JSON known at run time",
        """SELECT json_extract_scalar(s, '$.a') FROM (VALUES '{"a":1.50}') AS t(s)""",
        "NOT_SUPPORTED: ",
    ),
    (
        "array_sort with an inconsistent comparator",
        "SELECT array_sort(ARRAY[2, 1], (a, b) -> 1)",
        "NOT_SUPPORTED: ",
    ),
    ("word_stem", "SELECT word_stem('running')", "NOT_SUPPORTED: word_stem"),
    ("typeof of an expression", "SELECT typeof(1 + 1)", "NOT_SUPPORTED: typeof"),
]


@pytest.mark.parametrize(("case", "query", "error"), REJECTED, ids=[r[0] for r in REJECTED])
def test_rejected_like_athena(case: str, query: str, error: str) -> None:
    with pytest.raises(QueryFailed) as failed:
        run(query)
    assert failed.value.reason.startswith(error), failed.value.reason


def test_timestamp_columns_keep_their_type_and_dates_theirs() -> None:
    """Typing follows the columns: a timestamp column is truncated as a timestamp, a date one as a date."""
    ast = sql.parse_statement("SELECT date_trunc('day', ts), date_trunc('month', d) FROM v")
    text = sql.to_duckdb(ast, {"v": {"ts": "TIMESTAMP", "d": "DATE"}})
    assert "CAST(DATE_TRUNC('MONTH', d) AS DATE)" in text
    assert "CAST(DATE_TRUNC('DAY', ts) AS DATE)" not in text


def test_only_the_macros_a_query_calls_are_defined() -> None:
    have: set[str] = set()
    con = duckdb.connect(config={"threads": 1})  # a third cheaper to open than one thread per core
    translate.install(con, "SELECT __LA_DATE_SEQUENCE(a, b, 1)", have)
    assert have == {"__la_date_sequence", "__la_sequence_check", "__la_sequence_stop"}
    translate.install(con, "SELECT 1", have)
    assert have == {"__la_date_sequence", "__la_sequence_check", "__la_sequence_stop"}


def test_a_uuid_cast_to_varchar_is_a_fine_ctas_column() -> None:
    athena_rules.check("CREATE TABLE t AS SELECT CAST(uuid() AS varchar) AS id, 1 AS n")
    athena_rules.check("SELECT uuid() IS NOT NULL")
