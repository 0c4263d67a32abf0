"""The pinned toolchain: OpenTofu, the AWS provider and actionlint built from Go modules, per-user cache.

Each tool is pinned by a small Go module under tools/<name>/ (go.mod + go.sum). A build is keyed by
everything that decides its bytes (go.mod, go.sum, Go version, flags, and for the provider the stack's
resource types); a cache hit is a stamp-file comparison, so a warm `make tools` takes well under a second.

    python -m harness.iac.toolchain ensure        # build what is missing (what `make tools` runs)
    python -m harness.iac.toolchain env           # print TF_BIN / TF_CLI_CONFIG_FILE for the local toolchain
    python -m harness.iac.toolchain figures       # the recorded cold-build figures
"""

from __future__ import annotations

import argparse
import fcntl
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import HarnessError, entry_point
from harness.iac import provider_trim, provider_waits
from harness.paths import repo_root, tools_cache

PLATFORM = "linux_amd64"
MIRROR_HOST = "registry.opentofu.org"
# Bump when this file changes how binaries are produced, so old cache entries are not reused.
BUILDER_REVISION = "2"


@dataclass(frozen=True)
class ToolSpec:
    name: str
    module_dir: str  # under tools/
    package: str
    version: str  # the label the binary is cached (and, for providers, mirrored) under
    ldflags: str
    provider: bool = False
    notes: dict[str, str] = field(default_factory=dict)


OPENTOFU = ToolSpec(
    name="tofu",
    module_dir="opentofu",
    package="github.com/opentofu/opentofu/cmd/tofu",
    version="1.12.6",
    # The release build's flags (OpenTofu's .goreleaser.yaml): no -dev suffix in `tofu version`.
    ldflags="-s -w -X 'github.com/opentofu/opentofu/version.dev=no'",
)

# The module proxy serves no v6 tag of the provider (its go.mod has no /v6 suffix, so the tags are not
# valid Go module versions); we pin the revision of main it does serve, four days after v6.47.0, and
# label it as the 6.48.0 development snapshot it is. Prerelease labels only match exact constraints,
# so the harness pins this version in the working copy's override (see harness.iac.workspace).
AWS_PROVIDER = ToolSpec(
    name="terraform-provider-aws",
    module_dir="aws-provider",
    package="github.com/hashicorp/terraform-provider-aws",
    version="6.48.0-dev.20260602",
    ldflags="-s -w -X 'github.com/hashicorp/terraform-provider-aws/version.ProviderVersion="
    "6.48.0-dev.20260602'",
    provider=True,
    notes={"module_version": "v1.60.1-0.20260602190131-5f2286d6d836", "commit": "5f2286d6d836"},
)

# Lints .github/workflows in the test suite (tests/integration/test_workflows.py).
ACTIONLINT = ToolSpec(
    name="actionlint",
    module_dir="actionlint",
    package="github.com/rhysd/actionlint/cmd/actionlint",
    version="1.7.12",
    # The release build's flags (actionlint's .goreleaser.yaml): `actionlint -version` names the release.
    ldflags="-s -w -X 'github.com/rhysd/actionlint.version=1.7.12'",
)

ALL_TOOLS = (OPENTOFU, AWS_PROVIDER, ACTIONLINT)


class ToolchainError(HarnessError):
    pass


def log(msg: str) -> None:
    print(f"[tools] {msg}", file=sys.stderr, flush=True)


@functools.cache
def go_version() -> str:
    go = shutil.which("go")
    if go is None:
        raise ToolchainError(
            "Go is not on PATH: install Go >= 1.26 (https://go.dev/dl) to build the toolchain"
        )
    return subprocess.run([go, "env", "GOVERSION"], check=True, capture_output=True, text=True).stdout.strip()


def full_provider_requested() -> bool:
    return os.environ.get("LAKEHOUSE_FULL_PROVIDER", "") not in ("", "0", "false", "no")


def build_key(spec: ToolSpec, goversion: str) -> dict[str, object]:
    mod = repo_root() / "tools" / spec.module_dir
    key: dict[str, object] = {
        "builder": BUILDER_REVISION,
        "go": goversion,
        "ldflags": spec.ldflags,
        "go.mod": hashlib.sha256((mod / "go.mod").read_bytes()).hexdigest(),
        "go.sum": hashlib.sha256((mod / "go.sum").read_bytes()).hexdigest(),
    }
    if spec.provider:
        key["services"] = (
            "all"
            if full_provider_requested()
            else sorted(provider_trim.stack_resource_types(repo_root() / "terraform"))
        )
        key["wait_overlay"] = hashlib.sha256(provider_waits.fingerprint().encode()).hexdigest()
    return key


def key_hash(key: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]


def version_dir(spec: ToolSpec) -> Path:
    return tools_cache() / spec.name / spec.version


def tool_dir(spec: ToolSpec) -> Path:
    """Where a build lives. The provider's key follows the stack's resource types, which differ between
    branches and worktrees, so each provider key gets its own directory: switching back and forth reuses
    both builds instead of rebuilding each time."""
    if spec.provider:
        return version_dir(spec) / key_hash(build_key(spec, go_version()))
    return version_dir(spec)


def mirror_dir() -> Path:
    return tool_dir(AWS_PROVIDER) / "mirror"


def binary_path(spec: ToolSpec) -> Path:
    if spec.provider:
        return (
            mirror_dir()
            / MIRROR_HOST
            / "hashicorp"
            / "aws"
            / spec.version
            / PLATFORM
            / f"terraform-provider-aws_v{spec.version}_x5"
        )
    return tool_dir(spec) / "bin" / spec.name


def stamp_path(spec: ToolSpec) -> Path:
    return tool_dir(spec) / "build.json"


def read_stamp(spec: ToolSpec) -> dict[str, object] | None:
    try:
        return json.loads(stamp_path(spec).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def build_id(spec: ToolSpec) -> str | None:
    """Identity of the cached build (its stamp), so lock files recorded for an older build are dropped."""
    try:
        return hashlib.sha256(stamp_path(spec).read_bytes()).hexdigest()[:16]
    except FileNotFoundError:
        return None


def is_current(spec: ToolSpec, key: dict[str, object]) -> bool:
    stamp = read_stamp(spec)
    return stamp is not None and stamp.get("key") == key and binary_path(spec).is_file()


class _TreeRss:
    """Samples the summed RSS of a process tree, so the figure covers go's parallel compile workers."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        todo, seen = [self.pid], []
        while todo:
            p = todo.pop()
            seen.append(p)
            todo.extend(children.get(p, []))
        return seen

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            total = 0
            for p in self._tree():
                try:
                    for line in Path(f"/proc/{p}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
                except OSError:
                    pass
            self.peak_kib = max(self.peak_kib, total)

    def __enter__(self) -> _TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _go_build(
    spec: ToolSpec, cwd: Path, target: str, out: Path, extra: list[str], expected_pkgs: int | None
) -> dict[str, object]:
    """Run go build with progress lines every 30 s; return wall time and peak RSS of the build tree."""
    cmd = [
        "go",
        "build",
        "-v",
        "-trimpath",
        "-buildvcs=false",
        f"-ldflags={spec.ldflags}",
        *extra,
        "-o",
        str(out),
        target,
    ]
    env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=readonly"}
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stderr=subprocess.PIPE, text=True)
    state = {"compiled": 0}
    tail: list[str] = []
    done = threading.Event()

    def report() -> None:  # a timer, not the output, drives progress: one package can take minutes
        while not done.wait(30):
            of = f"/{expected_pkgs}" if expected_pkgs else ""
            log(
                f"{spec.name}: {state['compiled']}{of} packages compiled, {time.monotonic() - started:.0f}s, "
                f"{rss.peak_kib / 1024 / 1024:.1f} GiB peak"
            )

    with _TreeRss(proc.pid) as rss:
        reporter = threading.Thread(target=report, daemon=True)
        reporter.start()
        assert proc.stderr is not None
        for line in proc.stderr:
            line = line.rstrip()
            tail = [*tail[-40:], line]
            if not line.startswith(("go: ", "#")) and " " not in line:
                state["compiled"] += 1
        code = proc.wait()
        done.set()
        reporter.join()
    compiled = state["compiled"]
    if code != 0:
        raise ToolchainError(f"go build of {spec.name} failed (exit {code}):\n" + "\n".join(tail))
    return {
        "wall_seconds": round(time.monotonic() - started, 1),
        "peak_rss_mib": rss.peak_kib // 1024,
        "packages_compiled": compiled,
    }


def _provider_overlay(spec: ToolSpec, key: dict[str, object]) -> tuple[Path, list[str], dict[str, object]]:
    """Build the provider from a writable copy of its source with an overlay: the emulator wait switch
    (harness.iac.provider_waits) always, and the trimmed service registry unless the full provider is
    asked for (harness.iac.provider_trim)."""
    mod = repo_root() / "tools" / spec.module_dir
    cached = Path(
        subprocess.run(
            ["go", "list", "-m", "-f", "{{.Dir}}", spec.package],
            cwd=mod,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    src = provider_trim.copy_source(cached, version_dir(spec) / "src")
    replace = provider_waits.write_overlay(src, tool_dir(spec) / "overlay" / "waits")
    details: dict[str, object] = {"wait_overlay": f"{provider_waits.STATE_GO} by {provider_waits.ENV_VAR}"}
    if key.get("services") != "all":
        types = set(key["services"])  # type: ignore[arg-type]
        trim = provider_trim.write_overlay(src, types, tool_dir(spec) / "overlay")
        replace |= json.loads(trim.overlay_json.read_text(encoding="utf-8"))["Replace"]
        details |= {"services": trim.services, "client_accessors": trim.accessors}
        log(
            f"{spec.name}: trimmed to {len(trim.services)} service packages "
            f"({', '.join(trim.services)}) and {len(trim.accessors)} SDK clients"
        )
    overlay_json = tool_dir(spec) / "overlay" / "build-overlay.json"
    overlay_json.write_text(json.dumps({"Replace": replace}, indent=1), encoding="utf-8")
    return src, [f"-overlay={overlay_json}"], details


def build(spec: ToolSpec, key: dict[str, object]) -> Path:
    final = binary_path(spec)
    final.parent.mkdir(parents=True, exist_ok=True)
    tool_dir(spec).mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(final.name + ".partial")
    mod = repo_root() / "tools" / spec.module_dir
    extra: list[str] = []
    details: dict[str, object] = {}
    cwd, target = mod, spec.package
    started = time.monotonic()
    log(f"downloading {spec.name} modules (go mod download)")
    subprocess.run(["go", "mod", "download"], cwd=mod, check=True)
    if spec.provider:
        cwd, extra, details = _provider_overlay(spec, key)
        target = "."
    download_seconds = round(time.monotonic() - started, 1)
    deps = subprocess.run(["go", "list", "-deps", *extra, target], cwd=cwd, capture_output=True, text=True)
    expected = len(deps.stdout.splitlines()) if deps.returncode == 0 else None
    log(f"building {spec.name} {spec.version} ({expected or '?'} packages; progress every 30 s)")
    figures = _go_build(spec, cwd, target, tmp, extra, expected)
    tmp.chmod(0o755)
    os.replace(tmp, final)
    figures.update(
        download_seconds=download_seconds,
        binary_bytes=final.stat().st_size,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        cpus=os.cpu_count(),
    )
    stamp = {
        "tool": spec.name,
        "version": spec.version,
        "key": key,
        "figures": figures,
        **details,
        **spec.notes,
    }
    stamp_path(spec).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    log(
        f"{spec.name} built in {figures['wall_seconds']}s (+{download_seconds}s download), "
        f"{figures['peak_rss_mib']} MiB peak, {final.stat().st_size / 1e6:.0f} MB -> {final}"
    )
    return final


def ensure(specs: tuple[ToolSpec, ...] = ALL_TOOLS) -> dict[str, Path]:
    goversion = go_version()
    paths = {}
    for spec in specs:
        key = build_key(spec, goversion)
        if not is_current(spec, key):
            with _build_lock(spec):
                if not is_current(spec, key):  # another process may have built it while we waited
                    build(spec, key)
        paths[spec.name] = binary_path(spec)
    write_cli_config()
    return paths


@contextmanager
def _build_lock(spec: ToolSpec) -> Iterator[None]:
    """One build of a tool at a time per cache (checkouts and xdist workers share the cache)."""
    path = tools_cache() / f".{spec.name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"waiting for another process building {spec.name} in {tools_cache()}")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def cli_config_path() -> Path:
    """Per provider build: a checkout whose stack needs another trimmed provider gets its own config."""
    return tool_dir(AWS_PROVIDER) / "tofurc"


def write_cli_config() -> Path:
    """A CLI config that installs hashicorp/aws only from the local mirror: `tofu init` needs no network."""
    text = (
        "# Written by harness.iac.toolchain: providers come from the locally built mirror only.\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror_dir()}"\n'
        f'    include = ["{MIRROR_HOST}/hashicorp/aws"]\n'
        "  }\n"
        "}\n"
    )
    path = cli_config_path()
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.iac.toolchain",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("ensure", help="build missing tools (no-op when warm)")
    sub.add_parser("env", help="print shell assignments for the local toolchain")
    sub.add_parser("figures", help="print the recorded build figures as JSON")
    args = parser.parse_args(argv)
    return entry_point("tools", lambda: _run(args.cmd))


def _run(cmd: str) -> int:
    try:
        if cmd == "ensure":
            started = time.monotonic()
            paths = ensure()
            for name, path in paths.items():
                print(f"{name}: {path}")
            log(f"toolchain ready in {time.monotonic() - started:.2f}s (cache: {tools_cache()})")
        elif cmd == "env":
            print(f"TF_BIN={binary_path(OPENTOFU)}")
            print(f"TF_CLI_CONFIG_FILE={cli_config_path()}")
        else:
            print(json.dumps({s.name: read_stamp(s) for s in ALL_TOOLS}, indent=2))
    except subprocess.CalledProcessError as exc:  # go mod download / go list: say which, in one line
        raise ToolchainError(
            f"`{' '.join(map(str, exc.cmd))}` failed with exit code {exc.returncode}"
        ) from None
    return 0


if __name__ == "__main__":
    sys.exit(main())
