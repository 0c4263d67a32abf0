"""Gap: S3 Control puts the account id in front of the endpoint's host, which loopback cannot resolve.

The AWS provider reads and writes bucket tags through S3 Control (`ListTagsForResource` on the
bucket ARN). Its endpoint rules turn a custom endpoint `http://127.0.0.1:PORT` into
`http://<account>.127.0.0.1:PORT`, which no resolver knows. The harness therefore gives tofu
`HTTP_PROXY` = the local AWS (Go never proxies plain loopback addresses, so only these requests take
the proxy route), and this middleware turns the proxied `<account>.<anything>` host into the S3
Control host moto routes on. moto's S3 Control shares its tag store with S3, so tags written either
way read back the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

_ACCOUNT_HOST = re.compile(r"^(?P<account>\d{12})\.(?!s3-control\.)")


def wrap(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        match = _ACCOUNT_HOST.match(environ.get("HTTP_HOST", ""))
        if match and environ.get("PATH_INFO", "").startswith("/v20180820/"):
            environ = {**environ, "HTTP_HOST": f"{match['account']}.s3-control.us-east-1.amazonaws.com"}
        return app(environ, start_response)

    return middleware
