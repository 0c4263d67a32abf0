"""The stack applied to the embedded local AWS, read back with boto3 (not from the plan).

The `deployment` fixture applies from empty state and, at teardown, destroys and asserts nothing remains.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.local.fake_archive import FakeArchive
from harness.targets.environment import Deployment

pytestmark = [pytest.mark.toolchain, pytest.mark.integration, pytest.mark.xdist_group("deployed")]

LAKE = ("raw", "silver", "gold")
# Actions AWS grants only on Resource "*": metrics (scoped by a namespace condition) and X-Ray traces.
NO_RESOURCE_LEVEL_PERMISSION = [
    {"cloudwatch:PutMetricData"},
    {"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
]
KEY_USE_ACTIONS = {
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
}


def _statements(policy: str) -> list[dict[str, Any]]:
    return json.loads(policy)["Statement"]


def _as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]


def test_second_plan_shows_no_changes(deployment: Deployment) -> None:
    assert deployment.workspace.plan() == 0, "the applied stack plans changes again (perpetual diff)"


def test_bucket_names_follow_the_convention(deployment: Deployment) -> None:
    account = deployment.outputs["account_id"]
    assert deployment.outputs["bucket_names"] == {
        role: f"dp-{deployment.env}-{account}-{role}" for role in ("raw", "silver", "gold", "logs")
    }


@pytest.mark.parametrize("role", ["raw", "silver", "gold", "logs"])
def test_every_bucket_denies_insecure_transport_and_blocks_public_access(
    deployment: Deployment, role: str
) -> None:
    s3, bucket = deployment.client("s3"), deployment.outputs["bucket_names"][role]
    denies = [
        s
        for s in _statements(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        if s["Effect"] == "Deny"
        and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert denies, f"{bucket} has no TLS-only deny"
    assert "s3:*" in _as_list(denies[0]["Action"])
    assert set(_as_list(denies[0]["Resource"])) == {f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"}
    pab = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert pab == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }


@pytest.mark.parametrize("role", LAKE)
def test_lake_buckets_encrypt_with_the_env_key_version_and_log(deployment: Deployment, role: str) -> None:
    s3, bucket = deployment.client("s3"), deployment.outputs["bucket_names"][role]
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == deployment.outputs["kms_key_arn"]
    assert rule["BucketKeyEnabled"] is True
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    logging = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
    assert logging["TargetBucket"] == deployment.outputs["bucket_names"]["logs"]
    assert logging["TargetPrefix"] == f"s3-access/{bucket}/"


@pytest.mark.parametrize("role", LAKE)
def test_lake_lifecycle_tiers_and_expires(deployment: Deployment, role: str) -> None:
    s3, bucket = deployment.client("s3"), deployment.outputs["bucket_names"][role]
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["Status"] == "Enabled"
    assert sorted((t["Days"], t["StorageClass"]) for t in rule["Transitions"]) == [
        (30, "STANDARD_IA"),
        (180, "GLACIER"),
    ]
    assert rule["Expiration"]["Days"] == 730
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] > 0
    assert rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7


def test_logs_bucket_admits_access_logs_and_cloudtrail(deployment: Deployment) -> None:
    s3, logs = deployment.client("s3"), deployment.outputs["bucket_names"]["logs"]
    sids = {s.get("Sid") for s in _statements(s3.get_bucket_policy(Bucket=logs)["Policy"])}
    assert {"S3ServerAccessLogsDelivery", "CloudTrailAclCheck", "CloudTrailWrite"} <= sids
    rule = s3.get_bucket_encryption(Bucket=logs)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"  # access logs need SSE-S3


def test_kms_key_rotates_and_has_its_alias(deployment: Deployment) -> None:
    kms, key = deployment.client("kms"), deployment.outputs["kms_key_arn"]
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is True
    aliases = [a["AliasName"] for a in kms.list_aliases(KeyId=key)["Aliases"]]
    assert aliases == [f"alias/dp-{deployment.env}-lake"]
    principals = {
        str(s["Principal"])
        for s in _statements(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
    }
    assert not any("'*'" in p for p in principals), "the key policy must not grant everyone"


def test_glue_tables_formats_partitions_and_projection(deployment: Deployment) -> None:
    glue, db = deployment.client("glue"), deployment.outputs["glue_database"]
    names = deployment.outputs["bucket_names"]
    bronze = glue.get_table(DatabaseName=db, Name="github_events_bronze")["Table"]
    assert (
        bronze["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"]
        == "org.openx.data.jsonserde.JsonSerDe"
    )
    assert bronze["StorageDescriptor"]["Location"] == f"s3://{names['raw']}/github/events/"
    assert [k["Name"] for k in bronze["PartitionKeys"]] == ["ingest_dt"]
    params = bronze["Parameters"]
    assert params["projection.enabled"] == "true" and params["projection.ingest_dt.type"] == "date"
    assert (
        params["storage.location.template"] == f"s3://{names['raw']}/github/events/ingest_dt=${{ingest_dt}}/"
    )
    silver = glue.get_table(DatabaseName=db, Name="github_events_silver")["Table"]
    assert silver["StorageDescriptor"]["InputFormat"].endswith("MapredParquetInputFormat")
    assert [k["Name"] for k in silver["PartitionKeys"]] == ["year", "month"]
    assert silver["StorageDescriptor"]["Location"] == f"s3://{names['silver']}/github/events_silver/"
    assert {c["Name"]: c["Type"] for c in silver["StorageDescriptor"]["Columns"]}["created_at"] == "timestamp"
    gold = glue.get_table(DatabaseName=db, Name="github_events_gold_daily")["Table"]
    assert [k["Name"] for k in gold["PartitionKeys"]] == ["ingest_dt"]
    assert gold["StorageDescriptor"]["Location"] == f"s3://{names['gold']}/github/events_gold_daily/"
    assert glue.get_crawlers()["Crawlers"] == []


def test_athena_workgroup_enforces_encrypted_results(deployment: Deployment) -> None:
    wg = deployment.client("athena").get_work_group(WorkGroup=deployment.outputs["athena_workgroup"])[
        "WorkGroup"
    ]
    conf = wg["Configuration"]
    assert conf["EnforceWorkGroupConfiguration"] is True
    assert conf["PublishCloudWatchMetricsEnabled"] is True
    assert conf["BytesScannedCutoffPerQuery"] >= 10 * 1024 * 1024
    result = conf["ResultConfiguration"]
    assert result["OutputLocation"] == f"s3://{deployment.outputs['bucket_names']['logs']}/athena-results/"
    assert result["EncryptionConfiguration"] == {
        "EncryptionOption": "SSE_KMS",
        "KmsKey": deployment.outputs["kms_key_arn"],
    }


@pytest.mark.parametrize("function", ["ingest", "silver", "gold", "archive"])
def test_each_role_is_least_privilege(deployment: Deployment, function: str) -> None:
    iam = deployment.client("iam")
    role = (
        deployment.client("lambda")
        .get_function(FunctionName=deployment.outputs["function_names"][function])["Configuration"]["Role"]
        .rsplit("/", 1)[1]
    )
    (name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    doc = json.loads(doc) if isinstance(doc, str) else doc
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    for stmt in doc["Statement"]:
        assert stmt["Effect"] == "Allow"
        assert not any("*" in a for a in _as_list(stmt["Action"])), stmt
        if "*" in _as_list(stmt["Resource"]):  # only where AWS has no resource-level permission
            assert set(_as_list(stmt["Action"])) in NO_RESOURCE_LEVEL_PERMISSION, stmt
            if _as_list(stmt["Action"]) == ["cloudwatch:PutMetricData"]:
                assert "Condition" in stmt, stmt
    actions = {a for s in doc["Statement"] for a in _as_list(s["Action"])}
    resources = {r for s in doc["Statement"] for r in _as_list(s["Resource"])}
    names = deployment.outputs["bucket_names"]
    if function == "ingest":
        assert "athena:StartQueryExecution" not in actions and "glue:GetTable" not in actions
        assert f"arn:aws:s3:::{names['raw']}/github/events/*" in resources
        assert not any(names["silver"] in r or names["gold"] in r for r in resources)
    elif function == "archive":
        # Only its own objects: archive-* parts in Bronze and quarantine, and its per-hour state.
        assert "athena:StartQueryExecution" not in actions and "glue:GetTable" not in actions
        raw = f"arn:aws:s3:::{names['raw']}"
        objects = {r for r in resources if r.startswith(f"{raw}/")}
        assert objects == {
            f"{raw}/github/events/ingest_dt=*/archive-*",
            f"{raw}/github/quarantine/ingest_dt=*/archive-*",
            f"{raw}/_state/archive/*",
        }
        assert not any(names["silver"] in r or names["gold"] in r for r in resources)
    else:
        assert "athena:StartQueryExecution" in actions
        other = "gold" if function == "silver" else "raw"
        assert not any(f"{names[other]}/" in r for r in resources if "s3" in r)


def test_schedules_invoke_the_functions(deployment: Deployment) -> None:
    events, lam = deployment.client("events"), deployment.client("lambda")
    expected = {
        "ingest": "rate(5 minutes)",
        "silver": "cron(15 * * * ? *)",
        "gold": "cron(30 1 * * ? *)",
        "archive": "cron(5 * * * ? *)",
    }
    assert set(deployment.outputs["schedule_rules"]) == set(expected)
    for fn, rule_name in deployment.outputs["schedule_rules"].items():
        assert events.describe_rule(Name=rule_name)["ScheduleExpression"] == expected[fn]
        (target,) = events.list_targets_by_rule(Rule=rule_name)["Targets"]
        function = lam.get_function(FunctionName=deployment.outputs["function_names"][fn])["Configuration"]
        assert target["Arn"] == function["FunctionArn"]
        policy = json.loads(lam.get_policy(FunctionName=function["FunctionName"])["Policy"])
        assert any(s["Principal"] == {"Service": "events.amazonaws.com"} for s in policy["Statement"])
        invoke = lam.get_function_event_invoke_config(FunctionName=function["FunctionName"])
        assert invoke["DestinationConfig"]["OnFailure"]["Destination"].endswith(
            f"dp-{deployment.env}-lambda-failures"
        )


def test_log_groups_retain_and_encrypt(deployment: Deployment) -> None:
    logs = deployment.client("logs")
    names = [f"/aws/lambda/{fn}" for fn in deployment.outputs["function_names"].values()]
    for name in [*names, deployment.outputs["trail_log_group"]]:
        (group,) = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        assert group["retentionInDays"] == 30, name  # envs/dev.tfvars; prod keeps 365 (gated)
        assert group["kmsKeyId"] == deployment.outputs["kms_key_arn"], name


@pytest.mark.parametrize("function", ["ingest", "silver", "gold", "archive"])
def test_functions_trace_with_xray_and_encrypt_their_environment(
    deployment: Deployment, function: str
) -> None:
    conf = deployment.client("lambda").get_function(
        FunctionName=deployment.outputs["function_names"][function]
    )["Configuration"]
    assert conf["TracingConfig"] == {"Mode": "Active"}
    assert conf["KMSKeyArn"] == deployment.outputs["kms_key_arn"]
    iam, role = deployment.client("iam"), conf["Role"].rsplit("/", 1)[1]
    (name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    doc = json.loads(doc) if isinstance(doc, str) else doc
    granted = {a for s in doc["Statement"] for a in _as_list(s["Action"])}
    assert {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "kms:Decrypt"} <= granted


def test_topic_and_failure_queue_are_encrypted_with_the_lake_key(deployment: Deployment) -> None:
    key = deployment.outputs["kms_key_arn"]
    topic = deployment.client("sns").get_topic_attributes(TopicArn=deployment.outputs["alarm_topic_arn"])
    assert topic["Attributes"]["KmsMasterKeyId"] == key
    sqs = deployment.client("sqs")
    url = sqs.get_queue_url(QueueName=deployment.outputs["failure_queue_arn"].rsplit(":", 1)[1])["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["KmsMasterKeyId"] == key
    assert attrs.get("SqsManagedSseEnabled", "false") == "false"


def test_key_policy_conditions_every_statement(deployment: Deployment) -> None:
    kms, key = deployment.client("kms"), deployment.outputs["kms_key_arn"]
    statements = _statements(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
    by_sid = {s["Sid"]: s for s in statements}
    for stmt in statements:
        assert stmt["Effect"] == "Allow" and stmt.get("Condition"), stmt
        assert not any(a.endswith("*") for a in _as_list(stmt["Action"])), stmt
    admin = by_sid["AccountAdministersKey"]
    assert not KEY_USE_ACTIONS & set(_as_list(admin["Action"])), (
        "administering the key must not mean using it"
    )
    via = by_sid["AccountUsesKeyThroughLakeServices"]["Condition"]["StringEquals"]["kms:ViaService"]
    assert sorted(_as_list(via)) == sorted(
        f"{s}.us-east-1.amazonaws.com" for s in ("s3", "sqs", "sns", "lambda")
    )


def test_alarms_watch_ingest_errors_and_transform_failures(deployment: Deployment) -> None:
    cw = deployment.client("cloudwatch")
    alarms = {
        a["AlarmName"]: a for a in cw.describe_alarms(AlarmNamePrefix=f"dp-{deployment.env}-")["MetricAlarms"]
    }
    ingest = alarms[f"dp-{deployment.env}-ingest-errors"]
    assert (ingest["Namespace"], ingest["MetricName"]) == ("AWS/Lambda", "Errors")
    for transform in ("silver", "gold"):
        athena = alarms[f"dp-{deployment.env}-{transform}-athena-failures"]
        assert athena["MetricName"] == "AthenaQueryFailures"
        assert {d["Name"]: d["Value"] for d in athena["Dimensions"]} == {
            "Environment": deployment.env,
            "Transform": transform,
        }
        assert f"dp-{deployment.env}-{transform}-errors" in alarms
    archive = alarms[f"dp-{deployment.env}-archive-errors"]
    assert {d["Name"]: d["Value"] for d in archive["Dimensions"]} == {
        "FunctionName": deployment.outputs["function_names"]["archive"]
    }
    hours = alarms[f"dp-{deployment.env}-archive-failed-hours"]
    assert (hours["MetricName"], hours["Threshold"]) == ("ArchiveHoursFailed", 1)
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [deployment.outputs["alarm_topic_arn"]]
    topic = deployment.client("sns").get_topic_attributes(TopicArn=deployment.outputs["alarm_topic_arn"])
    assert topic["Attributes"]["KmsMasterKeyId"] == deployment.outputs["kms_key_arn"]


def test_trail_validates_and_records_lake_data_events(deployment: Deployment) -> None:
    ct = deployment.client("cloudtrail")
    (trail,) = ct.describe_trails(trailNameList=[deployment.outputs["trail_name"]])["trailList"]
    assert trail["LogFileValidationEnabled"] is True
    assert trail["S3BucketName"] == deployment.outputs["bucket_names"]["logs"]
    selectors = ct.get_event_selectors(TrailName=trail["Name"])["EventSelectors"]
    values = {v for s in selectors for d in s["DataResources"] for v in d["Values"]}
    assert values == {f"arn:aws:s3:::{deployment.outputs['bucket_names'][r]}/" for r in LAKE}


def test_trail_covers_all_regions_and_delivers_to_encrypted_logs(deployment: Deployment) -> None:
    ct, logs, iam = deployment.client("cloudtrail"), deployment.client("logs"), deployment.client("iam")
    (trail,) = ct.describe_trails(trailNameList=[deployment.outputs["trail_name"]])["trailList"]
    assert trail["IsMultiRegionTrail"] is True
    assert trail["IncludeGlobalServiceEvents"] is True
    (group,) = logs.describe_log_groups(logGroupNamePrefix=deployment.outputs["trail_log_group"])["logGroups"]
    group_arn = group["arn"].removesuffix(":*")  # AWS lists it with ":*", the provider without
    assert trail["CloudWatchLogsLogGroupArn"] == f"{group_arn}:*"
    role = iam.get_role(RoleName=trail["CloudWatchLogsRoleArn"].rsplit("/", 1)[1])["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    (assume,) = trust["Statement"]
    assert assume["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert assume["Condition"]["StringEquals"]["aws:SourceArn"] == trail["TrailARN"]
    (name,) = iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]
    doc = iam.get_role_policy(RoleName=role["RoleName"], PolicyName=name)["PolicyDocument"]
    doc = json.loads(doc) if isinstance(doc, str) else doc
    (stmt,) = doc["Statement"]
    assert sorted(_as_list(stmt["Action"])) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert _as_list(stmt["Resource"]) == [f"{group_arn}:log-stream:*"]


def test_security_metric_filters_raise_alarms(deployment: Deployment) -> None:
    logs, cw = deployment.client("logs"), deployment.client("cloudwatch")
    filters = {
        f["filterName"]: f
        for f in logs.describe_metric_filters(logGroupName=deployment.outputs["trail_log_group"])[
            "metricFilters"
        ]
    }
    trail, names = deployment.outputs["trail_name"], deployment.outputs["bucket_names"]
    namespace = f"Lakehouse/Security/{deployment.env}"
    expected = {
        "unauthorized-api-calls": ("UnauthorizedApiCalls", ['"*UnauthorizedOperation"', '"AccessDenied*"']),
        "lake-bucket-policy-changes": (
            "LakeBucketPolicyChanges",
            ['"PutBucketPolicy"', '"PutBucketAcl"', *(f'"{names[r]}"' for r in names)],
        ),
        "lake-key-changes": (
            "LakeKeyChanges",
            ['"ScheduleKeyDeletion"', '"PutKeyPolicy"', f'"{deployment.outputs["kms_key_arn"]}"'],
        ),
    }
    assert sorted(filters) == sorted(f"{trail}-{k}" for k in expected)
    alarms = {a["AlarmName"]: a for a in cw.describe_alarms(AlarmNamePrefix=f"{trail}-")["MetricAlarms"]}
    for suffix, (metric, fragments) in expected.items():
        f = filters[f"{trail}-{suffix}"]
        (transform,) = f["metricTransformations"]
        assert (transform["metricNamespace"], transform["metricName"]) == (namespace, metric)
        assert all(fragment in f["filterPattern"] for fragment in fragments), f["filterPattern"]
        alarm = alarms[f"{trail}-{suffix}"]
        assert (alarm["Namespace"], alarm["MetricName"], alarm["Threshold"]) == (namespace, metric, 1.0)
        assert alarm["AlarmActions"] == [deployment.outputs["alarm_topic_arn"]]
    assert deployment.outputs["security_alarms"] == {k.replace("-", "_"): f"{trail}-{k}" for k in expected}


def test_default_tags_reach_resources(deployment: Deployment) -> None:
    s3 = deployment.client("s3")
    tags = {
        t["Key"]: t["Value"]
        for t in s3.get_bucket_tagging(Bucket=deployment.outputs["bucket_names"]["raw"])["TagSet"]
    }
    assert tags == {
        "env": deployment.env,
        "owner": "data-platform",
        "project": "github-lakehouse",
        "managed_by": "terraform",
    }


def test_transforms_have_reserved_concurrency_of_one(deployment: Deployment) -> None:
    lam = deployment.client("lambda")
    for fn in ("silver", "gold"):
        name = deployment.outputs["function_names"][fn]
        assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 1


def test_archive_function_runs_alone_within_lambda_limits_and_knows_its_archive(
    deployment: Deployment, fake_archive: FakeArchive, archive_settings: dict[str, int]
) -> None:
    lam = deployment.client("lambda")
    name = deployment.outputs["function_names"]["archive"]
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 1
    conf = lam.get_function(FunctionName=name)["Configuration"]
    assert (conf["Handler"], conf["MemorySize"], conf["Timeout"]) == ("archive.handler", 256, 900)
    env = conf["Environment"]["Variables"]
    assert env["ARCHIVE_BASE_URL"] == fake_archive.url  # the local target's archive is the harness's fake
    assert env["RAW_BUCKET"] == deployment.outputs["bucket_names"]["raw"]
    assert env["ARCHIVE_LAG_HOURS"] == str(archive_settings["lag_hours"])
    assert env["ARCHIVE_LOOKBACK_HOURS"] == str(archive_settings["lookback_hours"])
