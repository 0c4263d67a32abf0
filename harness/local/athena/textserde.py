"""Hive's LazySimpleSerDe (TEXTFILE) read in DuckDB SQL: a line split into typed fields.

Each line is read whole and split here, as Hive does: a blank line is a row (its first field empty,
the rest NULL), `\\N` is NULL at any depth, nested values are split by \\x02, \\x03, ... by depth
(unless the table sets `colelction.delim` / `mapkey.delim`), binary is base64 when it decodes as such,
and a field that does not parse as its type is NULL.
"""

from __future__ import annotations

from .types import HiveType

# A column delimiter no text line contains: DuckDB reads each line as one field.
LINE_DELIMITER = "\x1e\x1f\x1d"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def field_expr(value: str, t: HiveType, level: int, params: dict[str, str], null: str) -> str:
    """DuckDB expression converting the text `value` (an SQL expression) to the column type `t`."""
    inner = _convert(value, t, level, params, null)
    return f"CASE WHEN {value} IS NULL OR {value} = {_lit(null)} THEN NULL ELSE {inner} END"


def _sep(level: int, params: dict[str, str], key: str) -> str:
    if level == 0 and key in params:
        return params[key]
    return chr(level + 2)


def _convert(v: str, t: HiveType, level: int, params: dict[str, str], null: str) -> str:
    n = t.name
    if n in ("string", "varchar", "char"):
        if n != "string" and t.params:
            return f"left({v}, {t.params[0]})"
        return v
    if n == "binary":
        return f"COALESCE(TRY(from_base64({v})), encode({v}))"
    if n == "boolean":
        return f"CASE lower({v}) WHEN 'true' THEN true WHEN 'false' THEN false END"
    if n == "array":
        sep = _sep(level, params, "colelction.delim")
        elem = field_expr("__e", t.fields[0][1], level + 1, params, null)
        items = f"list_transform(string_split({v}, {_lit(sep)}), lambda __e: {elem})"
        return f"CASE WHEN {v} = '' THEN [] ELSE {items} END"
    if n == "map":
        sep = _sep(level, params, "colelction.delim")
        kv = params.get("mapkey.delim", chr(level + 3)) if level == 0 else chr(level + 3)
        key = field_expr(f"split_part(__e, {_lit(kv)}, 1)", t.fields[0][1], level + 2, params, null)
        value = field_expr(
            f"NULLIF(array_to_string(string_split(__e, {_lit(kv)})[2:], {_lit(kv)}), '')",
            t.fields[1][1],
            level + 2,
            params,
            null,
        )
        pair = f"struct_pack(k := {key}, v := {value})"
        entries = f"list_transform(string_split({v}, {_lit(sep)}), lambda __e: {pair})"
        return f"CASE WHEN {v} = '' THEN MAP() ELSE map_from_entries({entries}) END"
    if n == "struct":
        sep = _sep(level, params, "colelction.delim")
        split = f"string_split({v}, {_lit(sep)})"
        parts = ", ".join(
            f'"{name}" := {field_expr(f"{split}[{i + 1}]", ft, level + 1, params, null)}'
            for i, (name, ft) in enumerate(t.fields)
        )
        return f"struct_pack({parts})"
    return f"TRY_CAST({v} AS {t.duckdb()})"


def select_list(
    columns: list[tuple[str, HiveType]], params: dict[str, str], delim: str, null: str
) -> list[str]:
    """The table's columns from the `__line` column of a line-per-row read."""
    fields = f"string_split(COALESCE(__line, ''), {_lit(delim)})"
    return [
        f'{field_expr(f"{fields}[{i + 1}]", t, 0, params, null)} AS "{name}"'
        for i, (name, t) in enumerate(columns)
    ]
