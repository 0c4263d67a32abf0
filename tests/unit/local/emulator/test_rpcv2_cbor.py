"""CloudWatch over Smithy RPC v2 CBOR: the protocol the provider's Go SDK (and botocore) now speak."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import datetime
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from harness.local.emulator.rpcv2_cbor import _Decoder, _Encoder
from harness.targets.endpoints import Endpoints

pytestmark = pytest.mark.xdist_group("local-aws")  # one local AWS process per run (conftest.py)

ALARM = {
    "AlarmName": "dp-x-ingest-errors",
    "MetricName": "Errors",
    "Namespace": "AWS/Lambda",
    "Statistic": "Sum",
    "Period": 300,
    "EvaluationPeriods": 1,
    "Threshold": 1.0,
    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
}


def test_boto3_speaks_cbor_to_cloudwatch(client: Any) -> None:
    cw = client("cloudwatch")
    assert cw.meta.service_model.protocol == "smithy-rpc-v2-cbor"  # the protocol under test
    cw.put_metric_alarm(**ALARM)
    (alarm,) = cw.describe_alarms(AlarmNames=[ALARM["AlarmName"]])["MetricAlarms"]
    assert alarm["Threshold"] == 1.0 and alarm["Period"] == 300
    assert isinstance(alarm["AlarmConfigurationUpdatedTimestamp"], datetime)  # CBOR tag 1 read back


def test_errors_keep_their_type(client: Any) -> None:
    with pytest.raises(ClientError) as info:
        client("cloudwatch").set_alarm_state(AlarmName="nope", StateValue="OK", StateReason="test")
    assert info.value.response["Error"]["Code"] == "ResourceNotFound"


def _signed(endpoints: Endpoints, path: str, body: bytes) -> urllib.request.Request:
    """A SigV4-signed POST as the Go SDK sends it (signing name `monitoring`)."""
    request = AWSRequest(
        method="POST",
        url=f"{endpoints.aws}{path}",
        data=body,
        headers={"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"},
    )
    SigV4Auth(Credentials(endpoints.access_key, endpoints.secret_key), "monitoring", "us-east-1").add_auth(
        request
    )
    return urllib.request.Request(request.url, data=body, method="POST", headers=dict(request.headers))


def test_the_raw_request_the_provider_sends(client: Any, endpoints: Endpoints) -> None:
    """POST /service/<smithy id>/operation/<Op> with a CBOR body and the smithy-protocol header."""
    import botocore.session

    client("cloudwatch").put_metric_alarm(**ALARM)  # this test's own alarm: xdist may run it alone

    model = botocore.session.get_session().get_service_model("cloudwatch")
    op = model.operation_model("DescribeAlarms")
    body = _Encoder().encode_shaped({"AlarmNames": [ALARM["AlarmName"]]}, op.input_shape)
    req = _signed(endpoints, "/service/GraniteServiceVersion20100801/operation/DescribeAlarms", body)
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.headers["Content-Type"] == "application/cbor"
        assert resp.headers["smithy-protocol"] == "rpc-v2-cbor"
        answer = _Decoder().decode(resp.read())
    assert [a["AlarmName"] for a in answer["MetricAlarms"]] == [ALARM["AlarmName"]]


def test_an_unknown_service_id_is_left_to_moto(endpoints: Endpoints) -> None:
    req = _signed(endpoints, "/service/NoSuchService/operation/DoIt", b"\xa0")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=30)
    assert info.value.code == 404
