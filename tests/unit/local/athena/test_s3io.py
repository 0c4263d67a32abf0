"""The local Athena's S3 client writes its in-memory bodies without an `Expect: 100-continue` round trip."""

from __future__ import annotations

from typing import Any

from harness.local.athena import LocalAthenaServer

from .conftest import client


def test_a_put_sends_its_body_at_once_and_stores_it(
    athena_server: LocalAthenaServer, aws_endpoint: str
) -> None:
    s3 = athena_server.backend.engine.s3  # the engine's own client, as it writes results
    client("s3", aws_endpoint).create_bucket(Bucket="s3io-expect")
    sent: list[dict[str, Any]] = []

    def note(request: Any, **_: Any) -> None:
        sent.append(dict(request.headers))

    s3.client.meta.events.register("before-send.s3.PutObject", note)
    try:
        s3.put("s3://s3io-expect/k.csv", b"a\n1\n", None, "text/csv")
    finally:
        s3.client.meta.events.unregister("before-send.s3.PutObject", note)
    assert len(sent) == 1 and "Expect" not in sent[0]
    stored = client("s3", aws_endpoint).get_object(Bucket="s3io-expect", Key="k.csv")
    assert stored["Body"].read() == b"a\n1\n" and stored["ContentType"] == "text/csv"
