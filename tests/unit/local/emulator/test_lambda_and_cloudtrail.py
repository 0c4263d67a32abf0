"""Lambda's LoggingConfig and CloudTrail's DeleteTrail by ARN, as the provider uses them."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.xdist_group("local-aws")  # one local AWS process per run (conftest.py)

ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("f.py", "def handler(event, context):\n    return event\n")
    return buf.getvalue()


@pytest.fixture(scope="module")
def role(client: Any) -> str:
    return str(
        client("iam").create_role(RoleName="fn-role", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    )


def _create(client: Any, role: str, name: str, **extra: Any) -> None:
    client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="f.handler",
        Code={"ZipFile": _zip()},
        **extra,
    )


def test_logging_config_given_at_create_is_returned(client: Any, role: str) -> None:
    _create(client, role, "fn-json", LoggingConfig={"LogFormat": "JSON", "LogGroup": "/lakehouse/fn"})
    config = client("lambda").get_function(FunctionName="fn-json")["Configuration"]["LoggingConfig"]
    assert config == {"LogFormat": "JSON", "LogGroup": "/lakehouse/fn"}


def test_logging_config_defaults_as_on_aws_and_updates(client: Any, role: str) -> None:
    lam = client("lambda")
    _create(client, role, "fn-text")
    assert lam.get_function(FunctionName="fn-text")["Configuration"]["LoggingConfig"] == {
        "LogFormat": "Text",
        "LogGroup": "/aws/lambda/fn-text",
    }
    lam.update_function_configuration(FunctionName="fn-text", LoggingConfig={"LogFormat": "JSON"})
    assert lam.get_function(FunctionName="fn-text")["Configuration"]["LoggingConfig"]["LogFormat"] == "JSON"


def test_a_trail_deleted_by_arn_is_gone(client: Any) -> None:
    client("s3").create_bucket(Bucket="trail-logs")
    trail = client("cloudtrail")
    arn = trail.create_trail(Name="dp-x-trail", S3BucketName="trail-logs")["TrailARN"]
    trail.delete_trail(Name=arn)
    assert trail.describe_trails(trailNameList=["dp-x-trail"])["trailList"] == []


def test_an_unknown_trail_arn_is_not_found(client: Any) -> None:
    with pytest.raises(ClientError) as info:
        client("cloudtrail").delete_trail(Name="arn:aws:cloudtrail:us-east-1:123456789012:trail/nope")
    assert info.value.response["Error"]["Code"] == "TrailNotFoundException"
