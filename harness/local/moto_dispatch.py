"""moto's server routes each request to a service backend by its host (or the host it infers from the
request's signature). Its lookup lists moto's package folders from disk and tries every service's URL
patterns, about 0.5 ms of CPU, on every request and under the dispatcher's one lock. The answer depends
on the host alone (the folders and patterns are fixed for the life of the process), so it is kept per
host: the same backend for the same host, looked up once. The in-process mock (`mock_aws`) re-executes
moto's S3 URL module on each S3 request: it runs again only when the setting it reads changes.
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


_s3_urls_loaded_with: list[str | None] = []  # MOTO_S3_CUSTOM_ENDPOINTS as `moto.s3.urls` last ran with it


def memoize_s3_url_patterns() -> None:
    """moto's in-process mock (``mock_aws``) looks up the S3 backend's URL patterns twice on every S3
    request, and each lookup re-executes ``moto.s3.urls`` (``importlib.reload``, ~1.3 ms of CPU) so that
    a changed ``MOTO_S3_CUSTOM_ENDPOINTS``, the one setting that module reads, takes effect. Here it is
    re-executed only when that setting differs from the last run: the same patterns. Idempotent."""
    import importlib
    import os

    from moto.s3.models import S3Backend

    with _lock:
        if getattr(S3Backend, "_lakehouse_memoized", False):
            return

        def url_module(self: Any) -> Any:
            import moto.s3.urls as module

            setting = os.environ.get("MOTO_S3_CUSTOM_ENDPOINTS")
            with _lock:
                if _s3_urls_loaded_with != [setting]:
                    importlib.reload(module)
                    _s3_urls_loaded_with[:] = [setting]
            return module

        S3Backend._url_module = property(url_module)  # type: ignore[method-assign,assignment]
        S3Backend._lakehouse_memoized = True  # type: ignore[attr-defined]
