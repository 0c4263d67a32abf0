"""The one rule for environment names, and which names are ephemeral.

The same rule is written in terraform/variables.tf (the stack's `env` validation) and, because handlers
cannot import the harness, in handlers/lakehouse_common/config.py; tests/unit/targets/test_names.py holds
the three equal. Bucket names are dp-<env>-<12-digit account>-silver: at most 63 DNS-safe characters.
"""

from __future__ import annotations

import os
import re
import uuid

from harness.errors import EnvironmentNameError

# 3-32 characters: lowercase letters, digits and hyphens, starting with a letter, not ending with a
# hyphen; and (a second check, as Terraform's RE2 has no lookahead) no two hyphens in a row.
ENV_NAME_PATTERN = r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$"
ENV_NAME = re.compile(ENV_NAME_PATTERN)
NAMED_ENVS = ("dev", "staging", "prod")
# Environments made and destroyed by one run (a PR, a test session, `lakehouse run|up`, a benchmark): no
# var file, force_destroy on, and the only names the suites may apply to and destroy on a real account.
EPHEMERAL_PREFIXES = ("pr", "it", "eph", "run", "up", "bench")


def is_valid_env_name(name: str) -> bool:
    return bool(ENV_NAME.match(name)) and "--" not in name


def check_env_name(name: str) -> str:
    if not is_valid_env_name(name):
        raise EnvironmentNameError(
            f"environment {name!r} is not a valid name: 3-32 lowercase letters, digits and single "
            "hyphens, starting with a letter (dev, staging, prod, pr-123)"
        )
    return name


def is_ephemeral(name: str) -> bool:
    return is_valid_env_name(name) and name.split("-", 1)[0] in EPHEMERAL_PREFIXES and "-" in name


def ephemeral_env_name(prefix: str = "it") -> str:
    """A unique, valid environment name per run and per xdist worker (e.g. it-3f9a1c-gw1)."""
    if prefix not in EPHEMERAL_PREFIXES:
        raise ValueError(f"{prefix!r} is not an ephemeral prefix ({', '.join(EPHEMERAL_PREFIXES)})")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "w")
    return check_env_name(f"{prefix}-{uuid.uuid4().hex[:6]}-{worker}")
