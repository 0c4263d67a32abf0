"""The docs name real things: every `make <target>` is a Makefile target, every `python -m harness.<m>`
a module, every repository path they cite exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ["README.md", "docs/runbook.md", "docs/architecture.md", "docs/fidelity.md", "docs/security.md"]
MAKE = re.compile(r"\bmake ((?:[\w%<>.-]+)(?: +[A-Z_]+=\S+)*)")
MODULE = re.compile(r"python -m (harness(?:\.\w+)+)")
# Paths under these roots, as the docs write them in backticks or tables.
PATH = re.compile(r"`((?:terraform|handlers|harness|features|tests|docs|tools|\.github)/[\w./*-]*\w)`")


def _text(doc: str) -> str:
    return (ROOT / doc).read_text(encoding="utf-8")


def make_mentions(text: str) -> set[str]:
    """Targets named after `make`, with placeholders filled in (plan-<env> -> plan-dev)."""
    targets = set()
    for m in MAKE.finditer(text):
        target = m.group(1).split()[0]
        if target in ("help",) or not re.match(r"^[a-z]", target):
            continue
        targets.add(target.replace("<env>", "dev").replace("%", "dev"))
    return targets


def test_the_extractor_sees_placeholders_and_variables() -> None:
    text = "run `make plan-<env> TARGET=aws`, then make smoke ENV=dev; make lock"
    assert make_mentions(text) == {"plan-dev", "smoke", "lock"}


@pytest.mark.parametrize("doc", DOCS)
def test_every_make_target_in_the_docs_exists(doc: str) -> None:
    targets = make_mentions(_text(doc))
    assert targets, f"{doc} names no make target"
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin"}
    # make -q exits 2 only for errors such as "No rule to make target"; 0/1 mean it exists.
    missing = [
        t
        for t in sorted(targets)
        if subprocess.run(["make", "-q", t], cwd=ROOT, capture_output=True, env=env).returncode == 2
    ]
    assert not missing, f"{doc} names make targets the Makefile lacks: {missing}"


def test_a_missing_target_is_caught() -> None:
    proc = subprocess.run(["make", "-q", "no-such-target"], cwd=ROOT, capture_output=True)
    assert proc.returncode == 2


@pytest.mark.parametrize("doc", DOCS)
def test_every_harness_module_in_the_docs_exists(doc: str) -> None:
    modules = set(MODULE.findall(_text(doc)))
    missing = [m for m in sorted(modules) if not (ROOT / (m.replace(".", "/") + ".py")).is_file()]
    assert not missing, f"{doc} names modules that do not exist: {missing}"


@pytest.mark.parametrize("doc", ["docs/runbook.md", "docs/architecture.md", "docs/design.md"])
def test_every_repository_path_in_the_docs_exists(doc: str) -> None:
    paths = set(PATH.findall(_text(doc)))
    missing = [p for p in sorted(paths) if "<" not in p and not list(ROOT.glob(p))]
    assert not missing, f"{doc} cites paths that do not exist: {missing}"


def test_the_repository_stands_on_its_own() -> None:
    """The design the docs and code rely on is in docs/design.md: nothing cites a file outside the repo."""
    cited = []
    for root in ("README.md", "docs", "harness", "handlers", "tests", "bench", "features", "terraform"):
        for path in [ROOT / root] if root.endswith(".md") else (ROOT / root).rglob("*"):
            readable = path.is_file() and path.suffix in {".md", ".py", ".tf", ".feature"}
            if readable and "DESIGN" + ".md" in path.read_text(encoding="utf-8", errors="replace"):
                cited.append(str(path.relative_to(ROOT)))
    assert cited == [], f"these cite a design file that is not in the repository: {cited}"
