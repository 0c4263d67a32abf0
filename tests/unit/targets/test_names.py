"""One environment-name rule: the harness's, the handlers' and terraform/variables.tf's are the same."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lakehouse_common import config

from harness.errors import EnvironmentNameError
from harness.targets import names

SAMPLES = ["dev", "staging", "prod", "pr-123", "it-3f9a1c-gw1", "a1b", "x" * 32]
BAD = ["Dev", "1dev", "pr_1", "a", "ab", "pr--1", "-dev", "dev-", "x" * 33, "dev.1", ""]


def _terraform_rule(repo_root: Path) -> tuple[str, bool]:
    """The regex terraform/variables.tf validates var.env with, and whether it also forbids '--'."""
    text = (repo_root / "terraform" / "variables.tf").read_text(encoding="utf-8")
    block = text[text.index('variable "env"') :]
    block = block[: block.index("\n}\n")]
    (pattern,) = re.findall(r'can\(regex\("((?:[^"\\]|\\.)*)",\s*var\.env\)\)', block)
    # HCL strings escape backslashes as Python raw strings do not.
    return pattern.replace("\\\\", "\\"), 'strcontains(var.env, "--")' in block


def test_the_three_rules_are_written_the_same(repo_root: Path) -> None:
    pattern, forbids_double_hyphen = _terraform_rule(repo_root)
    assert pattern == names.ENV_NAME_PATTERN == config.ENV_NAME_PATTERN
    assert forbids_double_hyphen


@pytest.mark.parametrize("name", SAMPLES + BAD)
def test_the_three_rules_agree_on_every_name(name: str, repo_root: Path) -> None:
    pattern, _ = _terraform_rule(repo_root)
    terraform_ok = bool(re.match(pattern, name)) and "--" not in name
    try:
        config.Common.from_env({"LAKEHOUSE_ENV": name})
        handlers_ok = True
    except config.ConfigError:
        handlers_ok = False
    assert names.is_valid_env_name(name) == terraform_ok == handlers_ok == (name in SAMPLES)


@pytest.mark.parametrize("name", BAD)
def test_bad_names_fail_with_what_is_allowed(name: str) -> None:
    with pytest.raises(EnvironmentNameError, match="3-32 lowercase letters"):
        names.check_env_name(name)


def test_ephemeral_names() -> None:
    assert names.is_ephemeral("pr-123") and names.is_ephemeral("it-3f9a1c-gw1")
    assert not any(names.is_ephemeral(n) for n in ("dev", "staging", "prod", "pr", "prod-1", "pr--1"))
    generated = names.ephemeral_env_name("run")
    assert names.is_ephemeral(generated) and generated.startswith("run-")
    with pytest.raises(ValueError):
        names.ephemeral_env_name("prod")
