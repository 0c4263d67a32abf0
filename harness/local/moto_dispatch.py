"""Lookups moto makes for every request, kept cheap with the same answers.

The backend: moto's server routes each request to a service backend by its host (or the host it infers
from the request's signature). Its lookup lists moto's package folders from disk and tries every service's URL
patterns, about 0.5 ms of CPU, on every request and under the dispatcher's one lock. The answer depends
on the host alone (the folders and patterns are fixed for the life of the process), so it is kept per
host: the same backend for the same host, looked up once. The in-process mock (`mock_aws`) re-executes
moto's S3 URL module on each S3 request: it runs again only when the setting it reads changes.

The account: moto finds the account of the request's access key by asking the IAM backend of every
partition of every account whether it holds the key, and asking builds each backend it asks. With the AWS
managed policies loaded (emulator/iam_aws_managed_policies.py) one IAM backend costs ~70 ms of CPU, so the
first request built six (aws, aws-cn, aws-us-gov, ...), ~0.4 s, where the local AWS serves one region.
A key is only ever held by a backend that exists (the requests that make keys build it), so asking the
backends already built gives the same answer and builds none.
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


def lookup_accounts_in_built_backends() -> None:
    """moto's access key → account lookup, asking only the IAM backends that exist; idempotent."""
    from moto.iam import models

    with _lock:
        if getattr(models.get_account_id_from, "_lakehouse_built_only", False):
            return

        def get_account_id_from(access_key: str) -> str:
            for account_id, account in list(models.iam_backends.items()):
                for partition in models.PARTITION_NAMES:
                    # dict.get, not account[partition]: that would build the partition's backend
                    backend = dict.get(account, partition)
                    if backend is not None and access_key in backend.access_keys:
                        return account_id
            return models.DEFAULT_ACCOUNT_ID

        get_account_id_from._lakehouse_built_only = True  # type: ignore[attr-defined]
        models.get_account_id_from = get_account_id_from


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
