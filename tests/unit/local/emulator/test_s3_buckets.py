"""The S3 extensions: tags on create, the logging target check, TLS-only policies, delete markers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from harness.local.emulator.s3_logging_policy import grants_log_delivery
from harness.local.emulator.s3_secure_transport import effective_policy

pytestmark = pytest.mark.xdist_group("local-aws")  # one local AWS process per run (conftest.py)


def _tls_only(bucket: str, secure: str = "false") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": secure}},
                }
            ],
        }
    )


def test_tags_given_at_creation_are_kept(client: Any) -> None:
    s3 = client("s3")
    s3.create_bucket(
        Bucket="tagged-on-create", CreateBucketConfiguration={"Tags": [{"Key": "env", "Value": "dev"}]}
    )
    assert s3.get_bucket_tagging(Bucket="tagged-on-create")["TagSet"] == [{"Key": "env", "Value": "dev"}]


def test_logging_target_with_a_tls_deny_and_a_prefix_grant(client: Any) -> None:
    s3 = client("s3")
    for bucket in ("log-source", "log-target"):
        s3.create_bucket(Bucket=bucket)
    policy = json.loads(_tls_only("log-target"))
    policy["Statement"].append(
        {
            "Sid": "S3ServerAccessLogs",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::log-target/s3-access/*",
        }
    )
    s3.put_bucket_policy(Bucket="log-target", Policy=json.dumps(policy))
    s3.put_bucket_logging(
        Bucket="log-source",
        BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": "log-target", "TargetPrefix": "s3-access/log-source/"}
        },
    )
    assert s3.get_bucket_logging(Bucket="log-source")["LoggingEnabled"]["TargetBucket"] == "log-target"


def test_logging_target_without_a_grant_is_refused(client: Any) -> None:
    s3 = client("s3")
    for bucket in ("log-source-2", "log-target-2"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket="log-target-2", Policy=_tls_only("log-target-2"))
    with pytest.raises(ClientError) as info:
        s3.put_bucket_logging(
            Bucket="log-source-2",
            BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "log-target-2", "TargetPrefix": "x/"}},
        )
    assert info.value.response["Error"]["Code"] == "InvalidTargetBucketForLogging"


def test_the_grant_check_reads_policies_as_iam_does() -> None:
    grant = {
        "Effect": "Allow",
        "Principal": {"Service": ["logging.s3.amazonaws.com"]},
        "Action": ["s3:Put*"],
        "Resource": ["arn:aws:s3:::logs/*"],
    }
    assert grants_log_delivery({"Statement": [grant]}, "aws", "logs", "s3-access/")
    assert not grants_log_delivery({"Statement": [{**grant, "Effect": "Deny"}]}, "aws", "logs", "s3-access/")
    other = {**grant, "Resource": "arn:aws:s3:::logs/elsewhere/*"}
    assert not grants_log_delivery({"Statement": other}, "aws", "logs", "s3-access/")


def test_a_tls_only_policy_lets_requests_through(client: Any) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="tls-only")
    s3.put_bucket_policy(Bucket="tls-only", Policy=_tls_only("tls-only"))
    s3.put_object(Bucket="tls-only", Key="k", Body=b"v")
    assert s3.get_object(Bucket="tls-only", Key="k")["Body"].read() == b"v"


def test_a_deny_on_secure_requests_still_denies(client: Any) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="deny-secure")
    s3.put_object(Bucket="deny-secure", Key="k", Body=b"v")
    s3.put_bucket_policy(Bucket="deny-secure", Policy=_tls_only("deny-secure", secure="true"))
    with pytest.raises(ClientError) as info:
        s3.get_object(Bucket="deny-secure", Key="k")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_effective_policy_for_a_tls_request() -> None:
    assert json.loads(effective_policy(_tls_only("b")))["Statement"] == []
    (kept,) = json.loads(effective_policy(_tls_only("b", secure="true")))["Statement"]
    assert "Condition" not in kept and kept["Effect"] == "Deny"


def test_deleting_the_last_version_beside_a_delete_marker(client: Any) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="versions")
    s3.put_bucket_versioning(Bucket="versions", VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket="versions", Key="state.json", Body=b"1")["VersionId"]
    s3.delete_object(Bucket="versions", Key="state.json")  # a delete marker
    s3.delete_object(Bucket="versions", Key="state.json", VersionId=first)  # was a 500
    listed = s3.list_object_versions(Bucket="versions")
    assert [v["VersionId"] for v in listed.get("Versions", [])] == []
