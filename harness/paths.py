"""Where things live: the repository checkout and the per-user tool cache."""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    """The checkout the harness works on: $LAKEHOUSE_ROOT, else the tree this package sits in, else cwd."""
    env = os.environ.get("LAKEHOUSE_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parent.parent
    if (here / "terraform").is_dir() and (here / "tools").is_dir():
        return here
    return Path.cwd().resolve()


def tools_cache() -> Path:
    """Per-user cache for built tools, outside the repo so clean clones and CI reuse it."""
    env = os.environ.get("LAKEHOUSE_TOOLS_CACHE")
    if env:
        return Path(env).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lakehouse-harness" / "tools"


def work_dir() -> Path:
    """Scratch space for working copies of the stack, plans and reports (git-ignored)."""
    return repo_root() / ".work"
