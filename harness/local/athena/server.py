"""The local Athena endpoint: a threaded HTTP server on loopback speaking Athena's JSON protocol."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness.local.loopback import SHUTDOWN_POLL_SECONDS

from .engine import Engine
from .models import AthenaBackend
from .responses import dispatch
from .s3io import AwsConfig

ENGINES = ("duckdb", "trino")
# Athena engine v3 is Trino: the faithful engine is the default, DuckDB the fast opt-in.
DEFAULT_ENGINE = "trino"


def engine_choice(explicit: str | None = None) -> str:
    """The query engine: the argument, else $LAKEHOUSE_ATHENA_ENGINE, else Trino (docs/athena-engines.md)."""
    name = (explicit or os.environ.get("LAKEHOUSE_ATHENA_ENGINE", "") or DEFAULT_ENGINE).strip().lower()
    if name not in ENGINES:
        raise ValueError(f"LAKEHOUSE_ATHENA_ENGINE={name!r}: choose one of {', '.join(ENGINES)}")
    return name


class LocalAthenaServer:
    """`AWS_ENDPOINT_URL_ATHENA=server.url` points boto3, pyathena and the AWS provider here.

    The engine reads Glue, S3 and KMS of the local AWS at `aws_endpoint` (moto server).
    """

    def __init__(
        self,
        aws_endpoint: str,
        region: str = "us-east-1",
        access_key: str = "testing",
        secret_key: str = "testing",
        host: str = "127.0.0.1",
        port: int = 0,
        account_id: str = "123456789012",
        threads: int | None = None,
        engine: str | None = None,
    ):
        self.aws = AwsConfig(aws_endpoint, region, access_key, secret_key)
        self.engine_name = engine_choice(engine)
        if self.engine_name == "trino":
            from .trino.engine import TrinoEngine  # starts Trino in the background

            query_engine: Engine = TrinoEngine(self.aws, threads=threads)  # type: ignore[assignment]
        else:
            query_engine = Engine(self.aws, threads=threads)
        self.backend = AthenaBackend(query_engine, account_id=account_id)
        self._host, self._port = host, port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the local Athena server is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LocalAthenaServer:
        backend = self.backend

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Keep-alive connections: without TCP_NODELAY the body, written after the headers, waits
            # for the client's delayed ACK (Nagle), ~40 ms per request on Linux loopback.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                target = self.headers.get("X-Amz-Target", "")
                try:
                    status, payload = dispatch(backend, target, body)
                except Exception as e:  # a bug here must still answer like AWS, not drop the connection
                    status, payload = 500, {"__type": "InternalServerException", "Message": str(e)}
                data = json.dumps(payload, default=str).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", "local-athena")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer((self._host, self._port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            args=(SHUTDOWN_POLL_SECONDS,),
            name="local-athena-http",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        self.backend.shutdown()
        close = getattr(self.backend.engine, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> LocalAthenaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m harness.local.athena", description=LocalAthenaServer.__doc__
    )
    parser.add_argument("--aws-endpoint", required=True, help="the local AWS (moto server) URL")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--engine", choices=ENGINES, default=None, help="default: $LAKEHOUSE_ATHENA_ENGINE")
    args = parser.parse_args()
    server = LocalAthenaServer(
        args.aws_endpoint, region=args.region, port=args.port, engine=args.engine
    ).start()
    print(json.dumps({"athena": server.url}), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
