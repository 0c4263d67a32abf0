"""moto's server routes each request to a service backend by its host (or the host it infers from the
request's signature). Its lookup lists moto's package folders from disk and tries every service's URL
patterns, about 0.5 ms of CPU, on every request and under the dispatcher's one lock. The answer depends
on the host alone (the folders and patterns are fixed for the life of the process), so it is kept per
host: the same backend for the same host, looked up once.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()


def memoize_backend_lookup() -> None:
    """Keep moto's host → backend answers per dispatcher (ours and ThreadedMotoServer's); idempotent."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    with _lock:
        if getattr(DomainDispatcherApplication, "_lakehouse_memoized", False):
            return
        lookup = DomainDispatcherApplication.get_backend_for_host

        def get_backend_for_host(self: Any, host: str | None) -> Any:
            memo = self.__dict__.setdefault("_backend_by_host", {})
            if host not in memo:
                memo[host] = lookup(self, host)
            return memo[host]

        DomainDispatcherApplication.get_backend_for_host = get_backend_for_host
        DomainDispatcherApplication._lakehouse_memoized = True
