"""Lambda zips are reproducible: same sources give the same bytes, whatever mtimes and modes say."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from harness.pipeline import zips as lambda_zip


def _handlers(root: Path) -> Path:
    h = root / "handlers"
    (h / "lakehouse_common").mkdir(parents=True)
    (h / "sql").mkdir()
    for fn in lambda_zip.FUNCTIONS:
        (h / f"{fn}.py").write_text(f"def handler(event, context):\n    return '{fn}'\n")
    (h / "lakehouse_common" / "__init__.py").write_text("")
    (h / "sql" / "silver_insert.sql").write_text("SELECT 1\n")
    (h / "lakehouse_common" / "__pycache__").mkdir()
    (h / "lakehouse_common" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"junk")
    return h


def test_same_sources_same_bytes(tmp_path: Path) -> None:
    h = _handlers(tmp_path)
    a = lambda_zip.build_all(tmp_path / "a", h)
    for p in h.rglob("*"):
        os.utime(p, (1_700_000_000, 1_700_000_000))
        if p.is_file():
            p.chmod(0o600)
    b = lambda_zip.build_all(tmp_path / "b", h)
    for fn in lambda_zip.FUNCTIONS:
        assert a[fn].read_bytes() == b[fn].read_bytes()
        assert lambda_zip.source_code_hash(a[fn]) == lambda_zip.source_code_hash(b[fn])


def test_changed_source_changes_hash(tmp_path: Path) -> None:
    h = _handlers(tmp_path)
    before = lambda_zip.source_code_hash(lambda_zip.build_all(tmp_path / "a", h)["silver"])
    (h / "sql" / "silver_insert.sql").write_text("SELECT 2\n")
    after = lambda_zip.source_code_hash(lambda_zip.build_all(tmp_path / "b", h)["silver"])
    assert before != after


def test_zip_layout_is_module_common_and_sql_without_bytecode(tmp_path: Path) -> None:
    h = _handlers(tmp_path)
    names = zipfile.ZipFile(lambda_zip.build_all(tmp_path / "out", h)["gold"]).namelist()
    assert names == sorted(names)
    assert "gold.py" in names and "sql/silver_insert.sql" in names and "lakehouse_common/__init__.py" in names
    assert "ingest.py" not in names
    assert not any(n.endswith(".pyc") for n in names)


def test_missing_handler_is_a_clear_error(tmp_path: Path) -> None:
    h = _handlers(tmp_path)
    (h / "gold.py").unlink()
    with pytest.raises(FileNotFoundError, match=r"gold\.py"):
        lambda_zip.build_all(tmp_path / "out", h)


def test_an_unwritable_output_directory_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:

    blocked = tmp_path / "file"
    blocked.write_text("not a directory", encoding="utf-8")
    assert lambda_zip.main(["--out", str(blocked / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("[zips] error: cannot write the zips: ") and "Traceback" not in err
