"""S3 Control: the provider reads bucket tags at `<account>.<endpoint host>`, through HTTP_PROXY.

botocore's endpoint rules make the same host as the provider's Go SDK (`http://<account>.127.0.0.1:PORT`),
and with the local AWS as its HTTP proxy it sends the request the way tofu does.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config

from harness.local.aws import ACCOUNT_ID
from harness.targets.endpoints import Endpoints

pytestmark = pytest.mark.xdist_group("local-aws")  # one local AWS process per run (conftest.py)


def test_account_prefixed_host_reaches_s3_control(client: Any, endpoints: Endpoints) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="ctl-tags")
    s3.put_bucket_tagging(Bucket="ctl-tags", Tagging={"TagSet": [{"Key": "env", "Value": "dev"}]})
    control = boto3.client(
        "s3control",
        region_name="us-east-1",
        endpoint_url=endpoints.aws,
        aws_access_key_id=endpoints.access_key,
        aws_secret_access_key=endpoints.secret_key,
        config=Config(proxies={"http": endpoints.aws}, retries={"max_attempts": 1}),
    )
    tags = control.list_tags_for_resource(AccountId=ACCOUNT_ID, ResourceArn="arn:aws:s3:::ctl-tags")["Tags"]
    assert tags == [{"Key": "env", "Value": "dev"}]  # S3's tag store, read through S3 Control
