"""Athena's Hive DDL dialect: a tokenizer and a parser for the statements Athena runs outside Trino.

Athena sends `CREATE DATABASE`, `CREATE EXTERNAL TABLE`, `ALTER TABLE`, `DROP TABLE/DATABASE`,
`MSCK REPAIR`, `SHOW ...` and `DESCRIBE` to a Hive-compatible DDL engine, not to Trino: string
literals there use backslash escapes (`'jim o\\'rourke'`), identifiers may be back-quoted, and types are
Hive's (`array<int>`, `struct<a:int>`). The parser returns plain dataclasses; ddl.py executes them.
Errors read like Athena's Hive engine: `FAILED: ParseException line 1:7 ...`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import QueryFailed

# Statements Athena routes to its Hive DDL engine (CREATE TABLE only when it is not a CTAS).
_HIVE_HEAD = re.compile(
    r"""^(?:
          ALTER\s+(?:DATABASE|SCHEMA|TABLE)\b
        | CREATE\s+(?:DATABASE|SCHEMA)\b
        | CREATE\s+(?:EXTERNAL\s+)?TABLE\b
        | DROP\s+(?:DATABASE|SCHEMA|TABLE)\b
        | MSCK\s+REPAIR\b
        | SHOW\b
        | DESC(?:RIBE)?\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_LEADING = re.compile(r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)+", re.S)
_CTAS = re.compile(r"\bAS\s*(?:\(\s*)?(?:SELECT|WITH|VALUES|TABLE)\b", re.I)


def strip_leading_comments(sql: str) -> str:
    return _LEADING.sub("", sql, count=1)


def is_hive_statement(sql: str) -> bool:
    text = strip_leading_comments(sql)
    if not _HIVE_HEAD.match(text):
        return False
    # CTAS runs on the engine
    return not (
        re.match(r"CREATE\s+(?:EXTERNAL\s+)?TABLE\b", text, re.I) and _CTAS.search(_without_strings(text))
    )


def _without_strings(text: str) -> str:
    return re.sub(r"'(?:[^'\\]|\\.|'')*'", "''", text)


# --- tokens ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # word, ident (back-quoted), string, number, punct, eof
    text: str
    line: int
    col: int
    quote: str = ""  # the quote character of a string literal

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "0": "\0",
    "b": "\b",
    "Z": "\x1a",
    "\\": "\\",
    "'": "'",
    '"': '"',
}


def tokenize(sql: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(sql)
    line, line_start = 1, 0

    def pos(at: int) -> tuple[int, int]:
        return line, at - line_start

    while i < n:
        ch = sql[i]
        if ch == "\n":
            line, line_start = line + 1, i + 1
            i += 1
            continue
        if ch.isspace():
            i += 1
            continue
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end
            continue
        if sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            if end < 0:
                raise parse_error(*pos(i), "unterminated comment")
            line += sql.count("\n", i, end)
            i = end + 2
            continue
        ln, col = pos(i)
        if ch in ("'", '"'):
            out, j = [], i + 1
            while True:
                if j >= n:
                    raise parse_error(ln, col, "character '<EOF>' not supported here")
                c = sql[j]
                if c == "\\" and j + 1 < n:
                    nxt = sql[j + 1]
                    if nxt.isdigit() and sql[j + 1 : j + 4].isdigit() and len(sql[j + 1 : j + 4]) == 3:
                        out.append(chr(int(sql[j + 1 : j + 4], 8)))  # Hive's octal escape: '\001'
                        j += 4
                        continue
                    if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", sql[j + 2 : j + 6]):
                        out.append(
                            chr(int(sql[j + 2 : j + 6], 16))
                        )  # '\u0001' as SHOW CREATE TABLE prints it
                        j += 6
                        continue
                    out.append(_ESCAPES.get(nxt, nxt))
                    j += 2
                    continue
                if c == ch:
                    if j + 1 < n and sql[j + 1] == ch:  # '' inside '...'
                        out.append(ch)
                        j += 2
                        continue
                    break
                out.append(c)
                j += 1
            text = "".join(out)
            if tokens and tokens[-1].kind == "string":  # Hive concatenates adjacent literals
                prev = tokens.pop()
                tokens.append(Token("string", prev.text + text, prev.line, prev.col, prev.quote))
            else:
                tokens.append(Token("string", text, ln, col, ch))
            line += sql.count("\n", i, j)
            i = j + 1
            continue
        if ch == "`":
            end = sql.find("`", i + 1)
            if end < 0:
                raise parse_error(ln, col, "unterminated quoted identifier")
            tokens.append(Token("ident", sql[i + 1 : end], ln, col))
            i = end + 1
            continue
        m = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*|\d+(?:\.\d+)?").match(sql, i)
        if m:
            kind = "number" if m.group(0)[0].isdigit() else "word"
            tokens.append(Token(kind, m.group(0), ln, col))
            i = m.end()
            continue
        tokens.append(Token("punct", ch, ln, col))
        i += 1
    tokens.append(Token("eof", "<EOF>", line, n - line_start))
    return tokens


def parse_error(line: int, col: int, what: str) -> QueryFailed:
    return QueryFailed(f"FAILED: ParseException line {line}:{col} {what}")


# --- statements --------------------------------------------------------------------------------------


@dataclass
class ColumnSpec:
    name: str
    type: str  # Hive type text as Glue stores it (lower-case, no spaces)
    comment: str | None = None


@dataclass
class CreateDatabase:
    name: str
    if_not_exists: bool
    comment: str | None
    location: str | None
    properties: dict[str, str]


@dataclass
class DropDatabase:
    name: str
    if_exists: bool
    cascade: bool


@dataclass
class CreateTable:
    database: str | None
    name: str
    external: bool
    if_not_exists: bool
    columns: list[ColumnSpec]
    comment: str | None
    partitions: list[ColumnSpec]
    serde: str | None = None
    serde_properties: dict[str, str] = field(default_factory=dict)
    delimited: dict[str, str] = field(default_factory=dict)  # field.delim, collection.delim, ...
    stored_as: str | None = None
    input_format: str | None = None
    output_format: str | None = None
    location: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    buckets: tuple[list[str], int] | None = None


@dataclass
class DropTable:
    database: str | None
    name: str
    if_exists: bool


@dataclass
class PartitionSpec:
    values: dict[str, str]  # key -> value as written
    location: str | None = None


@dataclass
class AddPartitions:
    database: str | None
    name: str
    if_not_exists: bool
    partitions: list[PartitionSpec]


@dataclass
class DropPartitions:
    database: str | None
    name: str
    if_exists: bool
    partitions: list[PartitionSpec]


@dataclass
class SetTableProperties:
    database: str | None
    name: str
    properties: dict[str, str]


@dataclass
class RepairTable:
    database: str | None
    name: str


@dataclass
class Show:
    what: str  # TABLES, DATABASES, COLUMNS, PARTITIONS, CREATE_TABLE, TBLPROPERTIES, VIEWS
    database: str | None = None
    name: str | None = None
    pattern: str | None = None
    property: str | None = None


@dataclass
class Describe:
    database: str | None
    name: str
    mode: str  # "", EXTENDED, FORMATTED
    column: str | None = None


Statement = (
    CreateDatabase
    | DropDatabase
    | CreateTable
    | DropTable
    | AddPartitions
    | DropPartitions
    | SetTableProperties
    | RepairTable
    | Show
    | Describe
)


class Parser:
    def __init__(self, sql: str):
        self.tokens = tokenize(sql)
        self.pos = 0

    # -- primitives --

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def next(self) -> Token:
        tok = self.tok
        if tok.kind != "eof":
            self.pos += 1
        return tok

    def error(self, expecting: str | None = None) -> QueryFailed:
        tok = self.tok
        what = f"cannot recognize input near '{tok.text}'"
        if tok.kind == "eof":
            what = "mismatched input '<EOF>'"
        if expecting:
            what += f" expecting {expecting}"
        return parse_error(tok.line, tok.col, what)

    def at(self, *words: str) -> bool:
        for offset, word in enumerate(words):
            t = self.tokens[min(self.pos + offset, len(self.tokens) - 1)]
            if (t.kind == "word" and t.upper == word) or (t.kind == "punct" and t.text == word):
                continue
            return False
        return True

    def accept(self, *words: str) -> bool:
        if self.at(*words):
            self.pos += len(words)
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            raise self.error(" ".join(words))

    def identifier(self) -> str:
        tok = self.tok
        # "name" is a string in Hive; Athena also accepts it as an identifier (SHOW CREATE VIEW "db"."v").
        if tok.kind in ("word", "ident") or (tok.kind == "string" and tok.quote == '"'):
            self.pos += 1
            return tok.text.lower()
        raise self.error("an identifier")

    def string(self) -> str:
        tok = self.tok
        if tok.kind != "string":
            raise self.error("StringLiteral")
        self.pos += 1
        return tok.text

    def qualified(self) -> tuple[str | None, str]:
        first = self.identifier()
        if self.accept("."):
            return first, self.identifier()
        return None, first

    def end(self) -> None:
        self.accept(";")
        if self.tok.kind != "eof":
            raise self.error()

    def properties(self) -> dict[str, str]:
        self.expect("(")
        out: dict[str, str] = {}
        while True:
            key = self.string()
            self.expect("=")
            out[key] = self.string()
            if not self.accept(","):
                break
        self.expect(")")
        return out

    # -- types --

    def hive_type(self) -> str:
        tok = self.tok
        if tok.kind not in ("word", "ident"):
            raise self.error("a column type")
        name = self.next().text.lower()
        if name in ("array",):
            self.expect("<")
            inner = self.hive_type()
            self._close_angle()
            return f"array<{inner}>"
        if name == "map":
            self.expect("<")
            key = self.hive_type()
            self.expect(",")
            value = self.hive_type()
            self._close_angle()
            return f"map<{key},{value}>"
        if name == "struct":
            self.expect("<")
            fields = []
            while True:
                fname = self.identifier()
                self.expect(":")
                fields.append(f"{fname}:{self.hive_type()}")
                if self.accept("COMMENT"):
                    self.string()
                if not self.accept(","):
                    break
            self._close_angle()
            return "struct<" + ",".join(fields) + ">"
        if name == "integer":
            name = "int"
        if name == "double" and self.accept("PRECISION"):
            pass
        if name not in _SCALARS:
            raise parse_error(tok.line, tok.col, f"cannot recognize input near '{tok.text}' in column type")
        if self.accept("("):
            args = [self.next().text]
            while self.accept(","):
                args.append(self.next().text)
            self.expect(")")
            return f"{name}({','.join(args)})"
        return name

    def _close_angle(self) -> None:
        # `>>` never tokenizes as one token here (each punct is one character), so plain '>' works.
        self.expect(">")

    def columns(self) -> list[ColumnSpec]:
        self.expect("(")
        cols: list[ColumnSpec] = []
        while True:
            name = self.identifier()
            ctype = self.hive_type()
            comment = self.string() if self.accept("COMMENT") else None
            cols.append(ColumnSpec(name, ctype, comment))
            if not self.accept(","):
                break
        self.expect(")")
        return cols

    # -- statements --

    def statement(self) -> Statement:
        if self.accept("CREATE"):
            if self.accept("DATABASE") or self.accept("SCHEMA"):
                return self.create_database()
            external = self.accept("EXTERNAL")
            if self.accept("TABLE"):
                return self.create_table(external)
            raise self.error("DATABASE, SCHEMA or TABLE")
        if self.accept("DROP"):
            if self.accept("DATABASE") or self.accept("SCHEMA"):
                if_exists = self.accept("IF", "EXISTS")
                name = self.identifier()
                cascade = self.accept("CASCADE")
                if not cascade:
                    self.accept("RESTRICT")
                self.end()
                return DropDatabase(name, if_exists, cascade)
            self.expect("TABLE")
            if_exists = self.accept("IF", "EXISTS")
            db, name = self.qualified()
            self.accept("PURGE")
            self.end()
            return DropTable(db, name, if_exists)
        if self.accept("ALTER"):
            if self.at("DATABASE") or self.at("SCHEMA"):
                raise QueryFailed("NOT_SUPPORTED: ALTER DATABASE is not supported by the local Athena engine")
            self.expect("TABLE")
            return self.alter_table()
        if self.accept("MSCK"):
            self.expect("REPAIR")
            self.expect("TABLE")
            db, name = self.qualified()
            self.end()
            return RepairTable(db, name)
        if self.accept("SHOW"):
            return self.show()
        if self.accept("DESCRIBE") or self.accept("DESC"):
            mode = ""
            if self.at("FORMATTED") or self.at("EXTENDED"):
                mode = self.next().upper
            db, name = self.qualified()
            column = None
            if self.tok.kind in ("word", "ident"):
                column = self.identifier()
            self.end()
            return Describe(db, name, mode, column)
        raise self.error()

    def create_database(self) -> CreateDatabase:
        if_not_exists = self.accept("IF", "NOT", "EXISTS")
        name = self.identifier()
        comment = location = None
        props: dict[str, str] = {}
        while self.tok.kind != "eof" and not self.at(";"):
            if self.accept("COMMENT"):
                comment = self.string()
            elif self.accept("LOCATION"):
                location = self.string()
            elif self.accept("WITH", "DBPROPERTIES") or self.accept("WITH", "PROPERTIES"):
                props = self.properties()
            else:
                raise self.error()
        self.end()
        return CreateDatabase(name, if_not_exists, comment, location, props)

    def create_table(self, external: bool) -> CreateTable:
        if_not_exists = self.accept("IF", "NOT", "EXISTS")
        db, name = self.qualified()
        columns = self.columns() if self.at("(") else []
        stmt = CreateTable(db, name, external, if_not_exists, columns, None, [])
        while self.tok.kind != "eof" and not self.at(";"):
            if self.accept("COMMENT"):
                stmt.comment = self.string()
            elif self.accept("PARTITIONED", "BY"):
                stmt.partitions = self.columns()
            elif self.accept("CLUSTERED", "BY"):
                self.expect("(")
                cols = [self.identifier()]
                while self.accept(","):
                    cols.append(self.identifier())
                self.expect(")")
                if self.accept("SORTED", "BY"):
                    raise QueryFailed("NOT_SUPPORTED: SORTED BY is not supported by Athena")
                self.expect("INTO")
                count = int(self.next().text)
                self.expect("BUCKETS")
                stmt.buckets = (cols, count)
            elif self.accept("ROW", "FORMAT"):
                if self.accept("SERDE"):
                    stmt.serde = self.string()
                    if self.accept("WITH", "SERDEPROPERTIES"):
                        stmt.serde_properties = self.properties()
                else:
                    self.expect("DELIMITED")
                    stmt.delimited = self.delimited()
            elif self.accept("WITH", "SERDEPROPERTIES"):
                stmt.serde_properties = self.properties()
            elif self.accept("STORED", "AS"):
                if self.accept("INPUTFORMAT"):
                    stmt.input_format = self.string()
                    self.expect("OUTPUTFORMAT")
                    stmt.output_format = self.string()
                else:
                    stmt.stored_as = self.identifier().upper()
            elif self.accept("LOCATION"):
                stmt.location = self.string()
            elif self.accept("TBLPROPERTIES"):
                stmt.properties = self.properties()
            else:
                raise self.error()
        self.end()
        return stmt

    def delimited(self) -> dict[str, str]:
        out: dict[str, str] = {}
        while True:
            if self.accept("FIELDS", "TERMINATED", "BY"):
                out["field.delim"] = self.string()
                if self.accept("ESCAPED", "BY"):
                    out["escape.delim"] = self.string()
            elif self.accept("COLLECTION", "ITEMS", "TERMINATED", "BY"):
                out["collection.delim"] = self.string()
            elif self.accept("MAP", "KEYS", "TERMINATED", "BY"):
                out["mapkey.delim"] = self.string()
            elif self.accept("LINES", "TERMINATED", "BY"):
                out["line.delim"] = self.string()
            elif self.accept("NULL", "DEFINED", "AS"):
                out["serialization.null.format"] = self.string()
            else:
                return out

    def partition_spec(self, with_location: bool) -> PartitionSpec:
        self.expect("PARTITION")
        self.expect("(")
        values: dict[str, str] = {}
        while True:
            key = self.identifier()
            self.expect("=")
            tok = self.next()
            if tok.kind not in ("string", "number", "word"):
                raise parse_error(tok.line, tok.col, f"cannot recognize input near '{tok.text}'")
            if tok.kind == "word" and tok.upper in ("DATE", "TIMESTAMP") and self.tok.kind == "string":
                tok = self.next()
            values[key] = tok.text
            if not self.accept(","):
                break
        self.expect(")")
        location = self.string() if with_location and self.accept("LOCATION") else None
        return PartitionSpec(values, location)

    def alter_table(self) -> Statement:
        db, name = self.qualified()
        if self.accept("ADD"):
            if_not_exists = self.accept("IF", "NOT", "EXISTS")
            specs = [self.partition_spec(True)]
            while self.at("PARTITION"):
                specs.append(self.partition_spec(True))
            self.end()
            return AddPartitions(db, name, if_not_exists, specs)
        if self.accept("DROP"):
            if_exists = self.accept("IF", "EXISTS")
            specs = [self.partition_spec(False)]
            while self.accept(","):
                specs.append(self.partition_spec(False))
            self.end()
            return DropPartitions(db, name, if_exists, specs)
        if self.accept("SET", "TBLPROPERTIES"):
            props = self.properties()
            self.end()
            return SetTableProperties(db, name, props)
        raise QueryFailed(
            "NOT_SUPPORTED: this form of ALTER TABLE is not supported by the local Athena engine "
            "(ADD/DROP PARTITION and SET TBLPROPERTIES are)"
        )

    def show(self) -> Show:
        if self.accept("TABLES") or self.accept("VIEWS"):
            what = self.tokens[self.pos - 1].upper
            db = self.identifier() if (self.accept("IN") or self.accept("FROM")) else None
            self.accept("LIKE")
            pattern = self.string() if self.tok.kind == "string" else None
            self.end()
            return Show(what, database=db, pattern=pattern)
        if self.accept("DATABASES") or self.accept("SCHEMAS"):
            self.accept("LIKE")
            pattern = self.string() if self.tok.kind == "string" else None
            self.end()
            return Show("DATABASES", pattern=pattern)
        if self.accept("COLUMNS"):
            if not (self.accept("IN") or self.accept("FROM")):
                raise self.error("IN or FROM")
            db, name = self.qualified()
            if self.accept("IN") or self.accept("FROM"):
                db = self.identifier()
            self.end()
            return Show("COLUMNS", database=db, name=name)
        if self.accept("PARTITIONS"):
            db, name = self.qualified()
            self.end()
            return Show("PARTITIONS", database=db, name=name)
        if self.accept("CREATE"):
            if self.accept("VIEW"):
                db, name = self.qualified()
                self.end()
                return Show("CREATE_VIEW", database=db, name=name)
            self.expect("TABLE")
            db, name = self.qualified()
            self.end()
            return Show("CREATE_TABLE", database=db, name=name)
        if self.accept("TBLPROPERTIES"):
            db, name = self.qualified()
            prop = None
            if self.accept("("):
                prop = self.string()
                self.expect(")")
            self.end()
            return Show("TBLPROPERTIES", database=db, name=name, property=prop)
        raise self.error("TABLES, DATABASES, COLUMNS, PARTITIONS, CREATE TABLE or TBLPROPERTIES")


_SCALARS = {
    "tinyint",
    "smallint",
    "int",
    "bigint",
    "boolean",
    "float",
    "double",
    "string",
    "binary",
    "timestamp",
    "date",
    "decimal",
    "char",
    "varchar",
}


def parse(sql: str) -> Statement:
    return Parser(sql).statement()
