"""Build the upstream AWS provider with only the service packages the stack uses.

The full provider compiles ~260 service packages and their AWS SDK clients, which on a 2-core machine
takes far longer than CI allows (figures in docs/toolchain.md). The provider registers services in
two generated files; we hand `go build -overlay` trimmed copies of just those two, building the
upstream module as its own main module from a verbatim copy of the module cache's source (Go refuses
overlays inside GOMODCACHE):

- internal/provider/sdkv2/service_packages_gen.go lists the service packages to register;
- internal/conns/awsclient_gen.go has one client accessor per AWS service (and imports every SDK client).

Resource, data source and SDK code is compiled unmodified from the module proxy's copy.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError

PROVIDER_MODULE = "github.com/hashicorp/terraform-provider-aws"
SERVICE_PACKAGES_GEN = "internal/provider/sdkv2/service_packages_gen.go"
AWSCLIENT_GEN = "internal/conns/awsclient_gen.go"
NAMES_CONSTS = "names/consts_gen.go"

# `resource "aws_s3_bucket" "x"`, `data "aws_iam_policy_document" "y"`, `ephemeral "aws_..." "z"`
_BLOCK_TYPE = re.compile(r'^\s*(?:resource|data|ephemeral)\s+"(aws_[a-z0-9_]+)"', re.MULTILINE)
_TYPE_NAME = re.compile(r'TypeName:\s*"(aws_[a-z0-9_]+)"')
_CLIENT_METHOD = re.compile(
    r"^func \(c \*AWSClient\) (\w+Client)\(ctx context\.Context\) \*(\w+)\.Client \{\n.*?^\}\n",
    re.MULTILINE | re.DOTALL,
)
_IDENT = re.compile(r"\b(\w+Client)\b")


class TrimError(HarnessError):
    """The stack names a type the provider does not have, or the provider's layout changed."""


def stack_resource_types(terraform_dir: Path) -> set[str]:
    """Every aws_* resource, data source and ephemeral type declared under terraform_dir."""
    types: set[str] = set()
    for tf in sorted(terraform_dir.rglob("*.tf")):
        if ".terraform" in tf.parts:
            continue
        types.update(_BLOCK_TYPE.findall(tf.read_text(encoding="utf-8")))
    return types


def service_index(provider_src: Path) -> dict[str, str]:
    """Map each type name the provider implements to its service package directory name."""
    index: dict[str, str] = {}
    for gen in sorted((provider_src / "internal" / "service").glob("*/service_package_gen.go")):
        for type_name in _TYPE_NAME.findall(gen.read_text(encoding="utf-8")):
            index.setdefault(type_name, gen.parent.name)
    if not index:
        raise TrimError(f"no service_package_gen.go files under {provider_src}/internal/service")
    return index


def select_services(types: Iterable[str], index: dict[str, str]) -> list[str]:
    unknown = sorted(t for t in types if t not in index)
    if unknown:
        raise TrimError(f"the AWS provider source has no type(s): {', '.join(unknown)}")
    return sorted({index[t] for t in types})


def trimmed_service_packages(original: str, services: Iterable[str]) -> str:
    """service_packages_gen.go registering only `services` (import lines and list entries filtered)."""
    keep = set(services)
    out = []
    for line in original.splitlines(keepends=True):
        imp = re.match(rf'\s*"{re.escape(PROVIDER_MODULE)}/internal/service/(\w+)"', line)
        entry = re.match(r"\s*(\w+)\.ServicePackage\(ctx\),", line)
        name = (imp or entry).group(1) if (imp or entry) else None
        if name is None or name in keep:
            out.append(line)
    text = "".join(out)
    missing = [s for s in keep if f"{s}.ServicePackage(ctx)" not in text]
    if missing:
        raise TrimError(f"service packages not registered upstream: {', '.join(sorted(missing))}")
    return text


def trimmed_awsclient(original: str, needed_methods: set[str]) -> str:
    """awsclient_gen.go keeping only the accessors in needed_methods and the SDK imports they use."""
    kept_aliases: set[str] = set()

    def keep_or_drop(m: re.Match[str]) -> str:
        if m.group(1) in needed_methods:
            kept_aliases.add(m.group(2))
            return m.group(0)
        return ""

    body = _CLIENT_METHOD.sub(keep_or_drop, original)
    out = []
    for line in body.splitlines(keepends=True):
        imp = re.match(r'\s*(?:(\w+) )?"github\.com/aws/aws-sdk-go-v2/service/([\w/]+)"', line)
        if imp:
            alias = imp.group(1) or imp.group(2).rsplit("/", 1)[-1]
            if alias not in kept_aliases:
                continue
        out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "".join(out))


def accessor_names(awsclient_src: str) -> set[str]:
    return {m.group(1) for m in _CLIENT_METHOD.finditer(awsclient_src)}


def accessor_services(awsclient_src: str, names_consts: str) -> dict[str, str]:
    """Map each accessor to the service package that creates its client (names.S3Control -> s3control).

    A client is made by its service package, so every accessor kept needs its package registered.
    """
    consts = dict(re.findall(r'^\s*(\w+)\s*=\s*"([a-z0-9]+)"', names_consts, re.MULTILINE))
    out = {}
    for m in _CLIENT_METHOD.finditer(awsclient_src):
        ref = re.search(r"names\.(\w+)", m.group(0))
        if ref is None or ref.group(1) not in consts:
            raise TrimError(f"cannot tell which service package makes {m.group(1)}")
        out[m.group(1)] = consts[ref.group(1)]
    return out


def referenced_accessors(package_dirs: Iterable[Path], accessors: set[str]) -> set[str]:
    """Accessor names used anywhere in the non-test Go files of the given package directories."""
    used: set[str] = set()
    for d in package_dirs:
        for go in d.glob("*.go"):
            if go.name.endswith("_test.go") or go.name == "awsclient_gen.go":
                continue
            used.update(i for i in _IDENT.findall(go.read_text(encoding="utf-8")) if i in accessors)
    return used


@dataclass
class Overlay:
    services: list[str]
    accessors: list[str]
    overlay_json: Path


def copy_source(module_cache_dir: Path, dest: Path) -> Path:
    """A writable, verbatim copy of the provider's module source (kept while its version is cached)."""
    marker = dest / ".copied"
    if marker.is_file():
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(module_cache_dir, dest, ignore=shutil.ignore_patterns("website", "examples", ".teamcity"))
    for path in [dest, *dest.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)
    marker.write_text(str(module_cache_dir) + "\n", encoding="utf-8")
    return dest


def write_overlay(provider_src: Path, types: set[str], out_dir: Path) -> Overlay:
    """Generate the two trimmed files and the -overlay JSON that points go build at them.

    provider_src is the copy from copy_source(): the build runs there, as the upstream main module.
    Starting from the stack's services, registers every service whose client a compiled package
    calls (s3 tags go through s3control, lambda reaches iam, ...), until nothing new is needed.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    services = set(select_services(types, service_index(provider_src)))
    awsclient_src = (provider_src / AWSCLIENT_GEN).read_text(encoding="utf-8")
    owners = accessor_services(awsclient_src, (provider_src / NAMES_CONSTS).read_text(encoding="utf-8"))
    original_sp = (provider_src / SERVICE_PACKAGES_GEN).read_text(encoding="utf-8")
    sp_path, ac_path = out_dir / "service_packages_gen.go", out_dir / "awsclient_gen.go"
    overlay_json = out_dir / "overlay.json"
    while True:
        sp_path.write_text(trimmed_service_packages(original_sp, services), encoding="utf-8")
        overlay_json.write_text(
            json.dumps({"Replace": {str(provider_src / SERVICE_PACKAGES_GEN): str(sp_path)}})
        )
        deps = subprocess.run(
            ["go", "list", "-deps", f"-overlay={overlay_json}", "-f", "{{.ImportPath}}\t{{.Dir}}", "."],
            cwd=provider_src,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
        internal_dirs = [
            Path(d) for p, d in (line.split("\t", 1) for line in deps) if p.startswith(f"{PROVIDER_MODULE}/")
        ]
        needed = referenced_accessors(internal_dirs, set(owners))
        missing = {owners[a] for a in needed} - services
        if not missing:
            break
        services |= missing
    ac_path.write_text(trimmed_awsclient(awsclient_src, needed), encoding="utf-8")
    replace = {
        str(provider_src / SERVICE_PACKAGES_GEN): str(sp_path),
        str(provider_src / AWSCLIENT_GEN): str(ac_path),
    }
    overlay_json.write_text(json.dumps({"Replace": replace}, indent=1), encoding="utf-8")
    return Overlay(services=sorted(services), accessors=sorted(needed), overlay_json=overlay_json)
