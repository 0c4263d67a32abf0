"""Which Terraform binary runs, and how: the local toolchain by default, or $TF_BIN.

- TF_BIN unset: the OpenTofu and AWS provider built by harness.iac.toolchain, with a CLI config that
  installs providers from the local mirror only (no network), and the local provider build pinned.
- TF_BIN=/path/to/terraform (or tofu): that binary with its own provider installation (registry
  access), official provider releases, no pin. For users' CI with network access.

    python -m harness.iac.tofu <args...>    # run the resolved binary, e.g. with `fmt -check`
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.console import say
from harness.errors import HarnessError, ToolMissing, entry_point
from harness.iac import toolchain


class TofuError(HarnessError):
    def __init__(self, args: Sequence[str], code: int, output: str) -> None:
        tail = "\n".join(output.strip().splitlines()[-60:])
        super().__init__(f"`{' '.join(args)}` failed with exit code {code}:\n{tail}")
        self.code = code
        self.output = output


@dataclass(frozen=True)
class Tofu:
    binary: Path
    env: Mapping[str, str] = field(default_factory=dict)
    provider_pin: str | None = None  # version the working copy must pin (local mirror build)
    provider_build_id: str | None = None  # changes whenever the local provider is rebuilt

    def environment(self, extra_env: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment a command runs with (and the providers it starts inherit)."""
        return {**os.environ, **self.env, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", **(extra_env or {})}

    def run(
        self,
        args: Sequence[str],
        cwd: Path,
        extra_env: Mapping[str, str] | None = None,
        ok_codes: tuple[int, ...] = (0,),
        echo: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.binary), *args]
        env = self.environment(extra_env)
        started = time.monotonic()
        if echo:
            say("tofu", " ".join(args))
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
        if proc.returncode not in ok_codes:
            raise TofuError(cmd, proc.returncode, proc.stdout + proc.stderr)
        if echo:
            say("tofu", f"{args[0]} done in {time.monotonic() - started:.1f}s")
        return proc


# Go's GC target for our own tofu and provider builds (the provider inherits tofu's environment): a plan's
# largest process then peaks at ~155 MB instead of ~110 MB, for 10-25 % less CPU (docs/toolchain.md).
GO_GC_PERCENT = "400"


def go_gc_env() -> dict[str, str]:
    """GOGC for the local build, unless the caller's environment chose its own."""
    return {} if "GOGC" in os.environ else {"GOGC": GO_GC_PERCENT}


def resolve(build: bool = True) -> Tofu:
    """The Terraform binary to use. Builds the local toolchain when missing (build=True)."""
    tf_bin = os.environ.get("TF_BIN", "").strip()
    if tf_bin:
        path = Path(tf_bin) if os.sep in tf_bin else Path(shutil.which(tf_bin) or tf_bin)
        if not path.is_file():
            raise ToolMissing(
                f"TF_BIN={tf_bin} is not an executable file; unset TF_BIN to use the local build"
            )
        return Tofu(binary=path)
    if build:
        toolchain.ensure()  # its errors are HarnessErrors that say what to install or fix
    binary = toolchain.binary_path(toolchain.OPENTOFU)
    if not binary.is_file():
        raise ToolMissing(f"{binary} is missing: run `make tools`")
    return Tofu(
        binary=binary,
        env={"TF_CLI_CONFIG_FILE": str(toolchain.write_cli_config()), **go_gc_env()},
        provider_pin=toolchain.AWS_PROVIDER.version,
        provider_build_id=toolchain.build_id(toolchain.AWS_PROVIDER),
    )


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)

    def run() -> int:
        tofu = resolve(build=False)
        return subprocess.call([str(tofu.binary), *args], env={**os.environ, **tofu.env})

    return entry_point("tofu", run)


if __name__ == "__main__":
    sys.exit(main())
