"""moto's per-request lookups: host → backend kept per host, the S3 URL patterns per setting, access key →
account asked of the IAM backends that exist; the same answers as moto's own."""

from __future__ import annotations

from typing import Any

import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from harness.local import moto_dispatch

HOSTS = [
    None,
    "moto_api",
    "s3.us-east-1.amazonaws.com",
    "glue.us-east-1.amazonaws.com",
    "athena.us-east-1.amazonaws.com",
    "s3control",
    "no-such-service.example.com",
]


def test_the_memoized_lookup_gives_moto_s_own_answers_and_asks_once_per_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = DomainDispatcherApplication.get_backend_for_host
    expected = {host: original(DomainDispatcherApplication(create_backend_app), host) for host in HOSTS}
    assert expected["s3.us-east-1.amazonaws.com"] == "s3" and expected["no-such-service.example.com"] is None

    asked: list[Any] = []

    def counting(self: Any, host: str | None) -> Any:
        asked.append(host)
        return original(self, host)

    monkeypatch.setattr(DomainDispatcherApplication, "get_backend_for_host", counting)
    monkeypatch.delattr(DomainDispatcherApplication, "_lakehouse_memoized", raising=False)
    moto_dispatch.memoize_backend_lookup()
    moto_dispatch.memoize_backend_lookup()  # idempotent: not wrapped twice
    dispatcher = DomainDispatcherApplication(create_backend_app)
    for _ in range(3):
        assert {host: dispatcher.get_backend_for_host(host) for host in HOSTS} == expected
    assert sorted(asked, key=str) == sorted(HOSTS, key=str)


def test_the_account_lookup_finds_keys_as_moto_does_and_builds_no_backend(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam import models

    original = models.get_account_id_from
    monkeypatch.setattr(models, "get_account_id_from", original)  # the patch below is undone afterwards
    account = "210987654321"  # an account of this test alone
    keys = {}
    for partition in ("aws", "aws-cn"):  # one key in the default partition, one in another
        backend = models.iam_backends[account][partition]
        backend.create_user("us-east-1" if partition == "aws" else "cn-north-1", f"u-{partition}")
        keys[partition] = backend.create_access_key(f"u-{partition}").access_key_id
    queries = [*keys.values(), "AKIANOSUCHKEY0000000"]
    assert set(dict.keys(models.iam_backends[account])) == {"aws", "aws-cn"}

    moto_dispatch.lookup_accounts_in_built_backends()
    moto_dispatch.lookup_accounts_in_built_backends()  # idempotent
    patched = models.get_account_id_from
    assert patched is not original
    assert [patched(k) for k in queries] == [account, account, DEFAULT_ACCOUNT_ID]
    # Asking built no backend: moto's own lookup would have built every other partition of the account.
    assert set(dict.keys(models.iam_backends[account])) == {"aws", "aws-cn"}
    assert [original(k) for k in queries] == [account, account, DEFAULT_ACCOUNT_ID]
    assert set(dict.keys(models.iam_backends[account])) == set(models.PARTITION_NAMES)


def test_s3_url_patterns_are_moto_s_own_and_follow_the_setting_they_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    from moto.s3.models import S3Backend

    monkeypatch.delenv("MOTO_S3_CUSTOM_ENDPOINTS", raising=False)
    backend = S3Backend("us-east-1", "123456789012")
    own = S3Backend._url_module  # moto's property, or ours if this worker installed it already
    monkeypatch.setattr(S3Backend, "_lakehouse_memoized", False, raising=False)
    monkeypatch.setattr(S3Backend, "_url_module", own)  # put back after the test, whichever it is
    expected = (backend.url_bases, backend.urls)
    reloads: list[str] = []
    reload = importlib.reload
    monkeypatch.setattr(importlib, "reload", lambda module: reloads.append(module.__name__) or reload(module))

    moto_dispatch.memoize_s3_url_patterns()
    moto_dispatch.memoize_s3_url_patterns()  # idempotent
    for _ in range(3):
        assert (backend.url_bases, backend.urls) == expected
    assert len(reloads) <= 1  # at most once, when this process had last loaded it with another setting

    reloads.clear()
    monkeypatch.setenv("MOTO_S3_CUSTOM_ENDPOINTS", "http://custom.example:4566")
    assert backend.url_bases == [*expected[0], "http://custom.example:4566"]
    assert backend.url_bases == [*expected[0], "http://custom.example:4566"]
    assert reloads == ["moto.s3.urls"]  # the setting changed: run again, once
    monkeypatch.delenv("MOTO_S3_CUSTOM_ENDPOINTS")
    assert (backend.url_bases, backend.urls) == expected
