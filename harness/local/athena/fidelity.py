"""Differential fidelity suite: the Athena SQL corpus on the local Athena (DuckDB) against Trino, the oracle.

    python -m harness.local.athena.fidelity --trino http://127.0.0.1:8099 --record   # real Trino; re-record
    python -m harness.local.athena.fidelity                                           # recorded answers

Each statement of tests/fidelity/corpus/*.sql runs on both sides; the local side goes through the local
Athena's API (boto3 against an in-process LocalAthenaServer over an in-process moto server), Trino through
its REST protocol with the results rendered as Athena renders them. Answers compare on success/failure,
error name, result type names (ColumnInfo.Type) and the values as text. Each statement is classified:

- identical: same outcome, types and values (rows as a multiset unless the statement has ORDER BY);
- not_supported: the local Athena refused with NOT_SUPPORTED naming the construct (loud, acceptable);
- loud_error: both failed with different error names, or the local side failed where Trino answered;
- silent: the local side answered differently from Trino, or answered where Trino failed.

Trino's answers are recorded into tests/fidelity/trino_answers.json by `--record` (only from a real Trino),
so the unit test guarding "no silent divergence" runs without starting Trino.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import re
import sys
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .results import _double, _real

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "tests" / "fidelity" / "corpus"
GOLDEN = ROOT / "tests" / "fidelity" / "trino_answers.json"
REPORT = ROOT / "docs" / "fidelity.md"
# Categories whose statements need Athena's own DDL layer in front of Trino (Athena routes Hive DDL and
# UNLOAD outside Trino): Trino alone is not their oracle.
ATHENA_LAYER = {"ddl"}
KINDS = ("identical", "not_supported", "loud_error", "silent")


@dataclass(frozen=True)
class Case:
    id: str  # category:NNN
    category: str
    sql: str
    note: str = ""

    @property
    def ordered(self) -> bool:
        return bool(re.search(r"\bORDER\s+BY\b[^)]*$", self.sql, re.I | re.S))


@dataclass
class Answer:
    ok: bool
    types: list[str] = field(default_factory=list)
    rows: list[list[str | None]] = field(default_factory=list)
    error: str = ""

    @property
    def error_name(self) -> str:
        m = re.match(r"([A-Z][A-Z_]+):", self.error)
        return m.group(1) if m else self.error.split(":")[0][:60]


@dataclass
class Verdict:
    case: Case
    kind: str
    detail: str = ""


# --- corpus -------------------------------------------------------------------------------------------


def load_corpus(root: Path = CORPUS) -> list[Case]:
    """Statements end with `;` at the end of a line; `--` lines before one are its note."""
    cases: list[Case] = []
    for path in sorted(root.glob("*.sql")):
        category = path.stem
        note: list[str] = []
        buf: list[str] = []
        n = 0
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if not buf and stripped.startswith("--"):
                note.append(stripped[2:].strip())
                continue
            if not buf and not stripped:
                continue
            buf.append(line)
            if stripped.endswith(";"):
                n += 1
                sql = "\n".join(buf).strip()[:-1].strip()
                cases.append(Case(f"{category}:{n:03d}", category, sql, " ".join(note)))
                buf, note = [], []
        if buf:
            raise ValueError(f"{path}: last statement has no terminating ';'")
    return cases


# --- Trino over its REST protocol, rendered as Athena renders results ---------------------------------


def _render(value: Any, sig: dict[str, Any]) -> str:
    raw = str(sig.get("rawType", "")).lower()
    args = [a["value"] for a in sig.get("arguments") or []]
    if isinstance(value, bool):
        return "true" if value else "false"
    if raw == "double":
        return _double(float(value))
    if raw == "real":
        return _real(float(value))
    if raw == "varbinary":
        return " ".join(f"{b:02x}" for b in base64.b64decode(value))
    if raw == "array":
        return "[" + ", ".join(_nested(v, args[0]) for v in value) + "]"
    if raw == "map":
        return "{" + ", ".join(f"{_nested(k, args[0])}={_nested(v, args[1])}" for k, v in value.items()) + "}"
    if raw == "row":
        parts = []
        for i, (arg, v) in enumerate(zip(args, value, strict=True)):
            name = (arg.get("fieldName") or {}).get("name") or f"field{i}"
            parts.append(f"{name}={_nested(v, arg['typeSignature'])}")
        return "{" + ", ".join(parts) + "}"
    return str(value)


def _nested(value: Any, sig: dict[str, Any]) -> str:
    return "null" if value is None else _render(value, sig)


_ATHENA_TYPE = {"real": "float"}


def athena_type(sig: dict[str, Any]) -> str:
    raw = str(sig.get("rawType", "")).lower()
    return _ATHENA_TYPE.get(raw, raw)


def trino_answer(url: str, sql: str, timeout: float = 120) -> Answer:
    headers = {
        "X-Trino-User": "fidelity",
        "X-Trino-Catalog": "awsdatacatalog",
        "X-Trino-Time-Zone": "UTC",
        "Content-Type": "text/plain",
    }
    request = urllib.request.Request(f"{url}/v1/statement", data=sql.encode(), headers=headers)
    deadline = time.monotonic() + timeout
    columns: list[dict[str, Any]] | None = None
    data: list[list[Any]] = []
    while True:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            body = json.loads(resp.read())
        if body.get("columns") and columns is None:
            columns = body["columns"]
        data.extend(body.get("data") or [])
        if body.get("error"):
            err = body["error"]
            return Answer(False, error=f"{err.get('errorName', 'ERROR')}: {err.get('message', '')}")
        next_uri = body.get("nextUri")
        if not next_uri:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"Trino did not finish within {timeout}s: {sql[:80]}")
        request = urllib.request.Request(next_uri, headers=headers)
    sigs = [c.get("typeSignature") or {"rawType": c.get("type")} for c in columns or []]
    rows = [[None if v is None else _render(v, s) for v, s in zip(r, sigs, strict=True)] for r in data]
    return Answer(True, [athena_type(s) for s in sigs], rows)


# --- the local Athena (DuckDB) through its API ---------------------------------------------------------


@dataclass
class LocalAthena:
    client: Any
    workgroup: str
    database: str
    bucket: str

    def answer(self, sql: str, timeout: float = 120) -> Answer:
        qid = self.client.start_query_execution(
            QueryString=sql,
            WorkGroup=self.workgroup,
            QueryExecutionContext={"Database": self.database},
        )["QueryExecutionId"]
        deadline = time.monotonic() + timeout
        while True:
            qe = self.client.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
            state = qe["Status"]["State"]
            if state in ("SUCCEEDED", "FAILED", "CANCELLED"):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"local Athena did not finish within {timeout}s: {sql[:80]}")
            time.sleep(0.005)
        if state != "SUCCEEDED":
            return Answer(False, error=qe["Status"].get("StateChangeReason", state))
        types: list[str] = []
        rows: list[list[str | None]] = []
        kwargs: dict[str, Any] = {"QueryExecutionId": qid}
        first = True
        while True:
            page = self.client.get_query_results(**kwargs)
            if first:
                types = [c["Type"] for c in page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
            data = [[c.get("VarCharValue") for c in r["Data"]] for r in page["ResultSet"]["Rows"]]
            header = first and qe.get("StatementType") == "DML" and qe.get("SubstatementType") == "SELECT"
            rows.extend(data[1:] if header else data)
            first = False
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
        return Answer(True, types, rows)


@contextlib.contextmanager
def local_athena(database: str, engine: str = "duckdb") -> Iterator[LocalAthena]:
    """An in-process local AWS (moto with the harness's emulator extensions, as `harness.local.aws`
    serves it) and local Athena (on `engine`) with a workgroup, a bucket, `database`.

    The extensions matter to the Trino engine: its Glue metastore writes column statistics after
    CTAS/INSERT/UNLOAD (docs/emulator-gaps.md, gap 10).
    """
    import logging
    import threading

    import boto3

    from harness.local.aws import moto_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from .server import LocalAthenaServer

    creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
    moto = moto_server(0)
    threading.Thread(target=moto.serve_forever, daemon=True).start()
    host, port = moto.server_address[:2]
    endpoint = f"http://{host}:{port}"
    try:
        with LocalAthenaServer(aws_endpoint=endpoint, threads=1, engine=engine) as server:
            s3 = boto3.client("s3", endpoint_url=endpoint, **creds)
            bucket = f"fidelity-{uuid.uuid4().hex[:8]}"
            s3.create_bucket(Bucket=bucket)
            boto3.client("glue", endpoint_url=endpoint, **creds).create_database(
                DatabaseInput={"Name": database}
            )
            athena = boto3.client("athena", endpoint_url=server.url, **creds)
            athena.create_work_group(
                Name="fidelity",
                Configuration={"ResultConfiguration": {"OutputLocation": f"s3://{bucket}/results/"}},
            )
            yield LocalAthena(athena, "fidelity", database, bucket)
    finally:
        moto.shutdown()


# --- comparing -----------------------------------------------------------------------------------------


def _rows_key(rows: list[list[str | None]]) -> list[tuple[tuple[bool, str], ...]]:
    return sorted(tuple((v is None, v or "") for v in row) for row in rows)


def compare(case: Case, oracle: Answer, local: Answer) -> Verdict:
    if not local.ok and local.error_name == "NOT_SUPPORTED" and oracle.ok:
        return Verdict(case, "not_supported", local.error)
    if not oracle.ok and not local.ok:
        if oracle.error_name == local.error_name:
            return Verdict(case, "identical")
        return Verdict(case, "loud_error", f"Trino `{oracle.error}`; local `{local.error}`")
    if not local.ok:
        return Verdict(case, "loud_error", f"Trino answered; local `{local.error}`")
    if not oracle.ok:
        return Verdict(case, "silent", f"Trino failed `{oracle.error}`; local answered {local.rows[:3]}")
    if oracle.types != local.types:
        return Verdict(case, "silent", f"types: Trino {oracle.types}, local {local.types}")
    same = oracle.rows == local.rows if case.ordered else _rows_key(oracle.rows) == _rows_key(local.rows)
    if not same:
        return Verdict(case, "silent", f"values: Trino {oracle.rows[:3]}, local {local.rows[:3]}")
    return Verdict(case, "identical")


# --- golden file -----------------------------------------------------------------------------------------


def _bind(sql: str, local: LocalAthena) -> str:
    return sql.replace("{db}", local.database).replace("{bucket}", local.bucket)


def _unbind(answer: Answer, local: LocalAthena) -> Answer:
    """Answers recorded without the run's random names, so runs compare."""

    def clean(v: str | None) -> str | None:
        return None if v is None else v.replace(local.database, "{db}").replace(local.bucket, "{bucket}")

    return Answer(
        answer.ok, answer.types, [[clean(v) for v in r] for r in answer.rows], clean(answer.error) or ""
    )


def load_golden(path: Path = GOLDEN) -> dict[str, tuple[str, Answer]]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {k: (v["sql"], Answer(**v["answer"])) for k, v in data["answers"].items()}


def save_golden(answers: dict[str, tuple[str, Answer]], source: str, path: Path = GOLDEN) -> None:
    body = {
        "source": source,
        "answers": {k: {"sql": sql, "answer": asdict(a)} for k, (sql, a) in sorted(answers.items())},
    }
    path.write_text(json.dumps(body, indent=1, sort_keys=False) + "\n")


def golden_source(path: Path = GOLDEN) -> str:
    return json.loads(path.read_text()).get("source", "") if path.exists() else ""


# --- running and reporting -----------------------------------------------------------------------------


# Failures of the oracle's own machinery (Trino's metastore calls into the emulated Glue, the runner),
# not answers Athena would give: such statements, and later ones on the objects they failed to create,
# are not compared.
ORACLE_FAULTS = re.compile(
    r"^(HIVE_METASTORE_ERROR|GENERIC_INTERNAL_ERROR|RUNNER_ERROR):|cannot read this CREATE TABLE AS"
)
_OBJECT = re.compile(r"\{db\}\.(\w+)")


def _oracle_fault(case: Case, oracle: Answer, failed: set[str]) -> str | None:
    objects = set(_OBJECT.findall(case.sql))
    if not oracle.ok and ORACLE_FAULTS.search(oracle.error):
        failed |= objects
        return f"the oracle could not run it ({oracle.error[:120]})"
    if objects & failed:
        return "it uses an object the oracle failed to create"
    return None


def _guarded(fn: Any, target: Any, sql: str) -> Answer:
    """A statement the runner could not get an answer for is a failed answer, not a crashed run."""
    try:
        return fn(target, sql)  # type: ignore[no-any-return]
    except Exception as e:
        return Answer(False, error=f"RUNNER_ERROR: {type(e).__name__}: {e}")


def run(
    cases: list[Case],
    trino: str | None,
    local: LocalAthena,
    golden: dict[str, tuple[str, Answer]],
    oracle_athena: LocalAthena | None = None,
) -> tuple[list[Verdict], dict[str, tuple[str, Answer]], list[tuple[Case, str]]]:
    verdicts: list[Verdict] = []
    recorded: dict[str, tuple[str, Answer]] = {}
    skipped: list[tuple[Case, str]] = []
    failed: set[str] = set()
    for case in cases:
        if oracle_athena is not None:  # Trino behind the local Athena (its DDL layer included)
            sql = _bind(case.sql, oracle_athena)
            oracle = _unbind(_guarded(lambda _, q: oracle_athena.answer(q), None, sql), oracle_athena)
            recorded[case.id] = (case.sql, oracle)
        elif trino is not None and case.category not in ATHENA_LAYER:
            oracle = _unbind(_guarded(trino_answer, trino, _bind(case.sql, local)), local)
            recorded[case.id] = (case.sql, oracle)
        elif case.id in golden and golden[case.id][0] == case.sql:
            oracle = golden[case.id][1]
        else:
            why = (
                "needs Athena's DDL layer in front of Trino"
                if case.category in ATHENA_LAYER
                else ("no recorded Trino answer (re-record with --trino URL --record)")
            )
            skipped.append((case, why))
            continue
        fault = _oracle_fault(case, oracle, failed)
        if fault:
            skipped.append((case, fault))
            continue
        mine = _unbind(_guarded(lambda _, sql: local.answer(sql), None, _bind(case.sql, local)), local)
        verdicts.append(compare(case, oracle, mine))
    return verdicts, recorded, skipped


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:300]


def report(verdicts: list[Verdict], skipped: list[tuple[Case, str]], source: str) -> str:
    by_cat: dict[str, Counter[str]] = {}
    for v in verdicts:
        by_cat.setdefault(v.case.category, Counter())[v.kind] += 1
    total = Counter(v.kind for v in verdicts)
    n = len(verdicts)
    pct = 100.0 * total["identical"] / n if n else 0.0
    lines = [
        "<!-- generated by `make fidelity` (harness/local/athena/fidelity.py); edit the generator -->",
        "## Results",
        "",
        f"Oracle: {source}. Compared: {n} statements; identical {total['identical']} ({pct:.1f} %), "
        f"NOT_SUPPORTED {total['not_supported']}, other loud errors {total['loud_error']}, "
        f"**silent divergences {total['silent']}**; not compared: {len(skipped)}.",
        "",
        "| category | statements | identical | NOT_SUPPORTED | loud error | silent |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for cat in sorted(by_cat):
        c = by_cat[cat]
        lines.append(
            f"| {cat} | {sum(c.values())} | {c['identical']} | {c['not_supported']} | "
            f"{c['loud_error']} | {c['silent']} |"
        )
    lines += ["", "### Every remaining difference", ""]
    diffs = [v for v in verdicts if v.kind != "identical"]
    if not diffs:
        lines.append("None.")
    else:
        lines += ["| id | kind | statement | difference |", "|---|---|---|---|"]
        for v in sorted(diffs, key=lambda v: (KINDS.index(v.kind), v.case.id)):
            lines.append(f"| {v.case.id} | {v.kind} | `{_cell(v.case.sql)}` | {_cell(v.detail)} |")
    if skipped:
        lines += ["", "### Not compared", ""]
        reasons = Counter(why for _, why in skipped)
        for why, count in reasons.items():
            ids = ", ".join(c.id for c, w in skipped if w == why)
            lines.append(f"- {count} statements: {why} ({ids})")
    return "\n".join(lines) + "\n"


MARKER = "<!-- generated by `make fidelity`"


def write_report(section: str, path: Path = REPORT) -> None:
    """Replaces the generated section of docs/fidelity.md, keeping the hand-written part above it."""
    head = path.read_text().split(MARKER)[0].rstrip() + "\n\n" if path.exists() else "# Fidelity\n\n"
    path.write_text(head + section)


def recorded_source(source: str, day: str) -> str:
    """'... (live)' / '... (its Trino engine, live)' as the golden file names it: recorded on `day`."""
    return re.sub(r"\blive\)$", f"recorded {day})", source)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m harness.local.athena.fidelity", description=__doc__)
    ap.add_argument("--trino", help="URL of a running Trino (the oracle); default: the recorded answers")
    ap.add_argument(
        "--trino-engine",
        action="store_true",
        help="oracle: the local Athena on its Trino engine (starts Trino; covers the DDL statements too)",
    )
    ap.add_argument("--record", action="store_true", help="store Trino's answers as the golden file")
    ap.add_argument("--only", help="run only the statements whose id starts with this (e.g. 'json')")
    ap.add_argument("--no-report", action="store_true", help="do not rewrite docs/fidelity.md")
    args = ap.parse_args(argv)
    if args.record and not (args.trino or args.trino_engine):
        ap.error("--record needs --trino URL: recorded answers must come from a real Trino")
    cases = load_corpus()
    if args.only:
        cases = [c for c in cases if c.id.startswith(args.only)]
    golden = load_golden()
    database = f"fidelity_{uuid.uuid4().hex[:8]}"
    with contextlib.ExitStack() as stack:
        local = stack.enter_context(local_athena(database))
        # In-process moto servers share one state: the oracle gets a database of its own.
        oracle = stack.enter_context(local_athena(f"{database}t", "trino")) if args.trino_engine else None
        verdicts, recorded, skipped = run(cases, args.trino, local, golden, oracle)
        if oracle is not None:
            version = oracle.answer("SELECT version()").rows
    if args.trino_engine:
        source = f"Trino {version[0][0] if version else '?'} behind the local Athena (its Trino engine, live)"
    elif args.trino:
        version = trino_answer(args.trino, "SELECT version()").rows
        source = f"Trino {version[0][0] if version else '?'} over its REST protocol (live)"
    else:
        source = golden_source() + " (recorded answers, tests/fidelity/trino_answers.json)"
    if args.record:
        merged = {**{k: v for k, v in golden.items() if k not in recorded}, **recorded}
        save_golden(merged, recorded_source(source, time.strftime("%Y-%m-%d")))
    counts = Counter(v.kind for v in verdicts)
    for v in verdicts:
        if v.kind != "identical":
            print(f"{v.case.id} {v.kind}: {v.case.sql[:100]!r} -- {v.detail[:200]}", file=sys.stderr)
    for case, why in skipped:
        print(f"{case.id} not compared: {case.sql[:100]!r} -- {why}", file=sys.stderr)
    print(json.dumps({"compared": len(verdicts), "skipped": len(skipped), **{k: counts[k] for k in KINDS}}))
    if not args.no_report and not args.only:
        write_report(report(verdicts, skipped, source))
    return 1 if counts["silent"] else 0


if __name__ == "__main__":
    sys.exit(main())
