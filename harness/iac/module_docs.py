"""Inputs and outputs tables of each Terraform module's README.md, generated from its variables.tf and
outputs.tf so the two cannot drift apart (tests/unit/iac/test_module_docs.py holds them equal).

    python -m harness.iac.module_docs            # list the modules whose README is out of date (exit 1)
    python -m harness.iac.module_docs --write    # rewrite the tables between the markers in each README

The parser reads `tofu fmt`-formatted HCL: top-level `variable`/`output` blocks, their one-line
`description`, and the `type` and `default` expressions (any length, brackets balanced).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.paths import repo_root

BEGIN, END = "<!-- BEGIN interface (python -m harness.iac.module_docs --write) -->", "<!-- END interface -->"
_BLOCK = re.compile(r'^(variable|output)\s+"([^"]+)"\s*\{', re.MULTILINE)
_ATTR = re.compile(r"^  ([a-z_]+)\s*=\s*", re.MULTILINE)


class ModuleDocsError(ValueError):
    """A module's .tf files could not be read as expected, or it has no README markers."""


@dataclass(frozen=True)
class Variable:
    name: str
    type: str
    default: str | None  # None: required
    description: str


@dataclass(frozen=True)
class Output:
    name: str
    description: str


def _code_chars(text: str, start: int) -> Iterator[tuple[int, str]]:
    """(index, char) of the HCL from start that is code: string literals are skipped, and a `#` comment
    yields its `#` and then resumes at the newline that ends it."""
    i, in_string = start, False
    while i < len(text):
        c = text[i]
        if in_string:
            if c == "\\":
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c == "#":
            yield i, c
            newline = text.find("\n", i)
            if newline < 0:
                return
            i = newline
            continue
        else:
            yield i, c
        i += 1


def _block_end(text: str, start: int) -> int:
    """Index just past the `}` closing the brace at text[start], skipping strings and comments."""
    depth = 0
    for i, c in _code_chars(text, start):
        if c in "{[(":
            depth += 1
        elif c in "}])":
            depth -= 1
            if depth == 0:
                return i + 1
    raise ModuleDocsError(f"unbalanced braces from offset {start}")


def _expression(body: str, start: int) -> str:
    """The expression starting at body[start], up to the newline (or comment) where its brackets are
    balanced."""
    depth, end = 0, len(body)
    for i, c in _code_chars(body, start):
        if c in "{[(":
            depth += 1
        elif c in "}])":
            depth -= 1
        elif c in "#\n" and depth == 0:
            end = i
            break
    return body[start:end].strip()


def _compact(expr: str) -> str:
    """One line: comments dropped, HCL's newline separators become commas, whitespace collapsed."""
    lines = [re.sub(r"\s+#.*$", "", line).strip() for line in expr.splitlines()]
    lines = [line for line in lines if line]
    one = lines[0] if lines else ""
    for line in lines[1:]:
        joined = one.endswith(("{", "[", "(", ",")) or line.startswith(("}", "]", ")"))
        one += (" " if joined else ", ") + line
    one = re.sub(r"\s+", " ", one)
    one = re.sub(r"([\[{(]) ", r"\1", one)
    one = re.sub(r" ([\]})])", r"\1", one)
    return re.sub(r",([\]})])", r"\1", one)


def _blocks(path: Path, kind: str) -> list[tuple[str, dict[str, str]]]:
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    found = []
    for m in _BLOCK.finditer(text):
        if m.group(1) != kind:
            continue
        brace = m.end() - 1
        body = text[brace + 1 : _block_end(text, brace) - 1]
        attrs: dict[str, str] = {}
        for a in _ATTR.finditer(body):
            attrs.setdefault(a.group(1), _expression(body, a.end()))
        found.append((m.group(2), attrs))
    return found


def _description(path: Path, name: str, attrs: dict[str, str]) -> str:
    raw = attrs.get("description")
    if raw is None or not (raw.startswith('"') and raw.endswith('"')):
        raise ModuleDocsError(f"{path}: {name} has no one-line description")
    return raw[1:-1].replace('\\"', '"')


def variables(module: Path) -> list[Variable]:
    path = module / "variables.tf"
    out = []
    for name, attrs in _blocks(path, "variable"):
        if "type" not in attrs:
            raise ModuleDocsError(f"{path}: variable {name} has no type")
        default = attrs.get("default")
        out.append(
            Variable(
                name,
                _compact(attrs["type"]),
                None if default is None else _compact(default),
                _description(path, name, attrs),
            )
        )
    return out


def outputs(module: Path) -> list[Output]:
    path = module / "outputs.tf"
    return [Output(name, _description(path, name, attrs)) for name, attrs in _blocks(path, "output")]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def interface_tables(module: Path) -> str:
    """The README section between the markers: an inputs table and an outputs table."""
    lines = ["## Inputs", "", "| name | type | default | description |", "|---|---|---|---|"]
    for v in variables(module):
        default = "required" if v.default is None else f"`{_cell(v.default)}`"
        lines.append(f"| `{v.name}` | `{_cell(v.type)}` | {default} | {_cell(v.description)} |")
    lines += ["", "## Outputs", "", "| name | description |", "|---|---|"]
    lines += [f"| `{o.name}` | {_cell(o.description)} |" for o in outputs(module)]
    return "\n".join(lines)


def modules(root: Path | None = None) -> list[Path]:
    base = (root or repo_root()) / "terraform" / "modules"
    return sorted(p for p in base.iterdir() if (p / "variables.tf").is_file())


def rendered(readme: str, tables: str, where: Path) -> str:
    if BEGIN not in readme or END not in readme:
        raise ModuleDocsError(f"{where}: no {BEGIN} ... {END} markers")
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{tables}\n{END}{tail}"


def stale(root: Path | None = None) -> list[Path]:
    """READMEs whose tables differ from their module's variables.tf/outputs.tf (or that are missing)."""
    out = []
    for module in modules(root):
        readme = module / "README.md"
        if not readme.is_file():
            out.append(readme)
            continue
        text = readme.read_text(encoding="utf-8")
        if rendered(text, interface_tables(module), readme) != text:
            out.append(readme)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.iac.module_docs", description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the tables in each README")
    args = parser.parse_args(argv)
    try:
        if args.write:
            for module in modules():
                readme = module / "README.md"
                text = readme.read_text(encoding="utf-8")
                readme.write_text(rendered(text, interface_tables(module), readme), encoding="utf-8")
            return 0
        out_of_date = stale()
    except ModuleDocsError as exc:
        print(f"module docs: {exc}", file=sys.stderr)
        return 2
    for readme in out_of_date:
        print(f"{readme}: inputs/outputs tables out of date (python -m harness.iac.module_docs --write)")
    return 1 if out_of_date else 0


if __name__ == "__main__":
    sys.exit(main())
