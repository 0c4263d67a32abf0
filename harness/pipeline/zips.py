"""Reproducible Lambda zips: same handler sources -> same bytes -> same source_code_hash.

Each function's zip holds its module, the shared lakehouse_common/ package and sql/, at the zip root.
Entries are sorted, timestamps fixed and permissions normalised, so nothing about the checkout
(mtimes, umask, file order) leaks into the artifact.

    python -m harness.pipeline.zips [--out dist/lambda]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import sys
import zipfile
from pathlib import Path

from harness.errors import HarnessError, entry_point
from harness.paths import repo_root

FUNCTIONS = ("ingest", "silver", "gold", "archive")
SHARED = ("lakehouse_common", "sql")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest timestamp a zip can hold


class PackagingError(HarnessError, FileNotFoundError):
    """A handler source the zips need is missing."""


def _files(handlers: Path, function: str) -> list[tuple[str, Path]]:
    module = handlers / f"{function}.py"
    if not module.is_file():
        raise PackagingError(f"handler module missing: {module}")
    entries = [(module.name, module)]
    for shared in SHARED:
        root = handlers / shared
        if not root.is_dir():
            raise PackagingError(f"shared handler directory missing: {root}")
        for path in root.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                entries.append((path.relative_to(handlers).as_posix(), path))
    return sorted(entries)


def build_zip(handlers: Path, function: str, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".zip.partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for arcname, path in _files(handlers, function):
            info = zipfile.ZipInfo(arcname, date_time=FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, whatever the build host
            zf.writestr(info, path.read_bytes(), compresslevel=9)
    tmp.replace(out)
    return out


def source_code_hash(path: Path) -> str:
    """What Terraform's filebase64sha256() and Lambda's CodeSha256 report."""
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def build_all(out_dir: Path | None = None, handlers: Path | None = None) -> dict[str, Path]:
    handlers = handlers or repo_root() / "handlers"
    out_dir = out_dir or repo_root() / "dist" / "lambda"
    return {fn: build_zip(handlers, fn, out_dir / f"{fn}.zip") for fn in FUNCTIONS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.pipeline.zips", description=__doc__)
    parser.add_argument("--out", type=Path, default=None, help="output directory (default dist/lambda)")
    args = parser.parse_args(argv)

    def run() -> int:
        try:
            built = build_all(args.out)
        except PackagingError:
            raise
        except OSError as exc:  # an output directory that cannot be written
            raise PackagingError(f"cannot write the zips: {exc.strerror or exc}: {exc.filename}") from None
        for fn, path in built.items():
            print(f"{fn}: {path} sha256={source_code_hash(path)}")
        return 0

    return entry_point("zips", run)


if __name__ == "__main__":
    sys.exit(main())
