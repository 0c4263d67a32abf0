"""boto3 clients at module scope: made once per execution environment, which Lambda keeps warm across
invocations, instead of once per invocation. Tests inject their own (moto's, or fakes) with `inject`."""

from __future__ import annotations

from typing import Any

import boto3

_clients: dict[str, Any] = {}


def client(service: str) -> Any:
    """The cached client for ``service`` (region, endpoint and credentials from the environment)."""
    found = _clients.get(service)
    if found is None:
        found = _clients[service] = boto3.client(service)
    return found


def inject(service: str, value: Any) -> None:
    """Use ``value`` as the client for ``service`` from now on (tests)."""
    _clients[service] = value


def reset() -> None:
    """Forget every cached or injected client (tests)."""
    _clients.clear()
