"""moto's host → backend lookup, kept per host: the same answers, each host looked up once."""

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
