"""Configuration from the environment variables docs/contracts.md lists; misconfiguration fails fast."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_NAMESPACE = "Lakehouse/Pipeline"
DEFAULT_GITHUB_API_URL = "https://api.github.com"
DEFAULT_QUERY_TIMEOUT_SECONDS = 600.0
DEFAULT_ARCHIVE_BASE_URL = "https://data.gharchive.org"
DEFAULT_ARCHIVE_LAG_HOURS = 1
DEFAULT_ARCHIVE_LOOKBACK_HOURS = 48

# The stack's environment-name rule (terraform/variables.tf, harness/targets/names.py; a test holds the
# three equal): 3-32 lowercase letters, digits and single hyphens, starting with a letter.
ENV_NAME_PATTERN = r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$"
_ENV_NAME = re.compile(ENV_NAME_PATTERN)
# Glue database names: Athena identifiers we never quote or format into SQL, only pass as context.
_GLUE_DATABASE = re.compile(r"^[a-z0-9_]{1,255}$")
_WORKGROUP = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class ConfigError(RuntimeError):
    """A required setting is missing or malformed; the message says which variable to set."""


def _get(env: Mapping[str, str], name: str, default: str | None = None) -> str:
    value = env.get(name, "").strip()
    if value:
        return value
    if default is not None:
        return default
    raise ConfigError(f"environment variable {name} is not set (see docs/contracts.md, 'Lambda functions')")


def _match(name: str, value: str, pattern: re.Pattern[str], what: str) -> str:
    if not pattern.match(value):
        raise ConfigError(f"{name}={value!r} is not a valid {what}")
    return value


def _env_name(value: str) -> str:
    # Terraform's RE2 has no lookahead, so "no two hyphens in a row" is a second check there and here.
    if "--" in value:
        raise ConfigError(f"LAKEHOUSE_ENV={value!r} is not a valid environment name")
    return _match("LAKEHOUSE_ENV", value, _ENV_NAME, "environment name")


@dataclass(frozen=True)
class Common:
    env: str
    namespace: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Common:
        return cls(
            env=_env_name(_get(env, "LAKEHOUSE_ENV")),
            namespace=_get(env, "METRICS_NAMESPACE", DEFAULT_NAMESPACE),
        )


@dataclass(frozen=True)
class IngestConfig:
    common: Common
    raw_bucket: str
    github_api_url: str
    token_parameter: str | None
    token_secret_arn: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> IngestConfig:
        env = os.environ if env is None else env
        url = _get(env, "GITHUB_API_URL", DEFAULT_GITHUB_API_URL).rstrip("/")
        if not re.match(r"^https?://[^\s/]+", url):
            raise ConfigError(f"GITHUB_API_URL={url!r} is not an http(s) URL")
        return cls(
            common=Common.from_env(env),
            raw_bucket=_match("RAW_BUCKET", _get(env, "RAW_BUCKET"), _BUCKET, "bucket name"),
            github_api_url=url,
            token_parameter=env.get("GITHUB_TOKEN_PARAMETER") or None,
            token_secret_arn=env.get("GITHUB_TOKEN_SECRET_ARN") or None,
        )


def _int_setting(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = _get(env, name, str(default))
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name}={text!r} is not a whole number") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={text!r} must be within [{low}, {high}]")
    return value


@dataclass(frozen=True)
class ArchiveConfig:
    common: Common
    raw_bucket: str
    base_url: str  # no trailing slash; files are <base>/YYYY-MM-DD-H.json.gz
    lag_hours: int  # hour H is due at H + 1h + lag
    lookback_hours: int  # a scheduled run re-checks this many due hours, newest included

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ArchiveConfig:
        env = os.environ if env is None else env
        url = _get(env, "ARCHIVE_BASE_URL", DEFAULT_ARCHIVE_BASE_URL)
        if not re.match(r"^https?://[^\s/]+(/[^\s]*)?$", url) or url.endswith("/"):
            raise ConfigError(f"ARCHIVE_BASE_URL={url!r} is not an http(s) URL without a trailing slash")
        return cls(
            common=Common.from_env(env),
            raw_bucket=_match("RAW_BUCKET", _get(env, "RAW_BUCKET"), _BUCKET, "bucket name"),
            base_url=url,
            lag_hours=_int_setting(env, "ARCHIVE_LAG_HOURS", DEFAULT_ARCHIVE_LAG_HOURS, 0, 72),
            lookback_hours=_int_setting(
                env, "ARCHIVE_LOOKBACK_HOURS", DEFAULT_ARCHIVE_LOOKBACK_HOURS, 1, 168
            ),
        )


@dataclass(frozen=True)
class TransformConfig:
    common: Common
    workgroup: str
    database: str
    query_timeout_seconds: float
    raw_bucket: str | None = None
    silver_bucket: str | None = None
    gold_bucket: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, buckets: tuple[str, ...]) -> TransformConfig:
        env = os.environ if env is None else env
        timeout_text = _get(env, "QUERY_TIMEOUT_SECONDS", str(DEFAULT_QUERY_TIMEOUT_SECONDS))
        try:
            timeout = float(timeout_text)
        except ValueError:
            raise ConfigError(f"QUERY_TIMEOUT_SECONDS={timeout_text!r} is not a number") from None
        if timeout <= 0:
            raise ConfigError(f"QUERY_TIMEOUT_SECONDS={timeout_text!r} must be positive")
        named = {
            f"{b}_bucket": _match(
                f"{b.upper()}_BUCKET", _get(env, f"{b.upper()}_BUCKET"), _BUCKET, "bucket name"
            )
            for b in buckets
        }
        return cls(
            common=Common.from_env(env),
            workgroup=_match("ATHENA_WORKGROUP", _get(env, "ATHENA_WORKGROUP"), _WORKGROUP, "workgroup name"),
            database=_match(
                "GLUE_DATABASE", _get(env, "GLUE_DATABASE"), _GLUE_DATABASE, "Glue database name"
            ),
            query_timeout_seconds=timeout,
            **named,
        )
