"""The local Athena's S3 client writes its in-memory bodies without an `Expect: 100-continue` round trip."""

from __future__ import annotations

from typing import Any

from harness.local.athena.s3io import AwsConfig, S3Io

from .conftest import REGION, client


def test_a_put_sends_its_body_at_once_and_stores_it(aws_endpoint: str) -> None:
    s3 = S3Io(AwsConfig(aws_endpoint, REGION))
    client("s3", aws_endpoint).create_bucket(Bucket="s3io-expect")
    sent: list[dict[str, Any]] = []
    s3.client.meta.events.register(
        "before-send.s3.PutObject", lambda request, **_: sent.append(request.headers)
    )
    s3.put("s3://s3io-expect/k.csv", b"a\n1\n", None, "text/csv")
    assert len(sent) == 1 and "Expect" not in sent[0]
    stored = client("s3", aws_endpoint).get_object(Bucket="s3io-expect", Key="k.csv")
    assert stored["Body"].read() == b"a\n1\n" and stored["ContentType"] == "text/csv"
