"""The ingest handler against the fake GitHub API and moto S3: every path and every fault."""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import ingest
import pytest
from botocore.stub import Stubber
from handler_support import (
    ENV,
    RAW,
    FakeClock,
    FakeContext,
    make_events,
    metric_sum,
    read_jsonl_objects,
)
from ingest import IngestDeps, IngestError, Settings
from lakehouse_common.config import ConfigError, IngestConfig
from lakehouse_common.keys import INGEST_STATE_KEY

from harness.fixtures import invalid_events, load_events
from harness.local.fake_github import FakeGitHub, Fault

SOURCE_SUFFIX = "/events"


@pytest.fixture
def aws(aws_raw: dict[str, Any]) -> dict[str, Any]:
    """The Raw bucket is all this handler has: the transforms' buckets and tables are not made."""
    return aws_raw


def make_deps(aws: dict[str, Any], clock: FakeClock, url: str, env: dict[str, str] | None = None, **kw: Any):
    config = IngestConfig.from_env(
        {"LAKEHOUSE_ENV": ENV, "RAW_BUCKET": RAW, "GITHUB_API_URL": url, **(env or {})}
    )
    settings = Settings(**{"request_timeout": 0.5, "reserve_seconds": 5.0, **kw})
    return IngestDeps(
        config=config,
        s3=aws["s3"],
        cloudwatch=aws["cloudwatch"],
        ssm=aws["ssm"],
        secrets=aws["secrets"],
        clock=clock,
        rng=random.Random(7),
        settings=settings,
    )


def poll(deps: IngestDeps, clock: FakeClock, budget: float = 180.0, **event: Any) -> dict[str, Any]:
    return ingest.run(event, FakeContext(clock, budget), deps)


def bronze(aws: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return read_jsonl_objects(aws["s3"], RAW, "github/events/")


def bronze_ids(aws: dict[str, Any]) -> list[str]:
    return [line["id"] for lines in bronze(aws).values() for line in lines]


def quarantine(aws: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        line for lines in read_jsonl_objects(aws["s3"], RAW, "github/quarantine/").values() for line in lines
    ]


def state(aws: dict[str, Any]) -> dict[str, Any]:
    return json.loads(aws["s3"].get_object(Bucket=RAW, Key=INGEST_STATE_KEY)["Body"].read())


def assert_nothing_lost(aws: dict[str, Any], api: FakeGitHub) -> None:
    """Every distinct id the API served is in Bronze exactly once."""
    ids = bronze_ids(aws)
    assert sorted(set(ids)) == sorted(api.unique_ids)
    assert [i for i, n in Counter(ids).items() if n > 1] == []


# --- the happy path --------------------------------------------------------------------------------
def test_poll_follows_pages_and_lands_every_event_with_metadata(aws, clock, api):
    events = make_events(250)
    api.load_events(events)
    summary = poll(make_deps(aws, clock, api.url), clock)

    assert summary["status"] == "ok"
    assert summary["pages"] == 3 and summary["written"] == 250 and summary["quarantined"] == 0
    assert [r["page"] for r in api.request_log] == [1, 2, 3]
    assert all("per_page=100" in r["path"] for r in api.request_log)
    objects = bronze(aws)
    assert len(objects) == 1
    (key,) = objects
    assert key.startswith("github/events/ingest_dt=2025-11-20/") and ".jsonl.gz#" in key
    lines = next(iter(objects.values()))
    assert [line["id"] for line in lines] == [e["id"] for e in events]
    first = lines[0]
    assert first["source"] == api.url + SOURCE_SUFFIX
    assert first["ingested_at"].startswith("2025-11-20T12:00:00")
    assert {k: v for k, v in first.items() if k not in {"ingested_at", "source"}} == events[0]
    assert metric_sum(aws["cloudwatch"], "EventsWritten") == 250
    assert metric_sum(aws["cloudwatch"], "PagesFetched") == 3
    assert_nothing_lost(aws, api)


def test_ingest_dt_override_files_events_under_that_day(aws, clock, api, fixture_events):
    api.load_events(fixture_events)
    summary = poll(make_deps(aws, clock, api.url), clock, ingest_dt="2024-02-29")
    assert summary["bronze_key"].startswith("github/events/ingest_dt=2024-02-29/")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        poll(make_deps(aws, clock, api.url), clock, ingest_dt="2024-02-29' OR 1=1")


def test_every_fixture_type_is_accepted_as_valid(aws, clock, api, fixture_events):
    api.load_events(fixture_events)
    summary = poll(make_deps(aws, clock, api.url), clock)
    assert summary["written"] == len(fixture_events) and summary["quarantined"] == 0


# --- ETag, 304 and X-Poll-Interval -----------------------------------------------------------------
def test_second_poll_sends_etag_and_treats_304_as_nothing_new(aws, clock, api, fixture_events):
    api.load_events(fixture_events)
    deps = make_deps(aws, clock, api.url)
    poll(deps, clock)
    etag = state(aws)["etag"]
    assert etag
    clock.advance(61)
    summary = poll(deps, clock)

    assert summary["status"] == "not_modified" and summary["pages"] == 0 and summary["written"] == 0
    assert api.request_log[-1]["if_none_match"] == etag
    assert api.status_counts[304] == 1
    assert len(bronze(aws)) == 1
    assert state(aws)["etag"] == etag
    assert metric_sum(aws["cloudwatch"], "NotModified") == 1


def test_injected_304_writes_nothing(aws, clock, api, fixture_events):
    api.load_events(fixture_events)
    api.enqueue(Fault.not_modified())
    summary = poll(make_deps(aws, clock, api.url), clock)
    assert summary["status"] == "not_modified"
    assert bronze(aws) == {}


def test_poll_inside_x_poll_interval_is_skipped_without_a_request(aws, clock, api, fixture_events):
    api.load_events(fixture_events)
    api.poll_interval = 120
    deps = make_deps(aws, clock, api.url)
    poll(deps, clock)
    assert state(aws)["poll_interval"] == 120
    requests = api.requests
    clock.advance(60)
    summary = poll(deps, clock)
    assert summary["status"] == "skipped" and "X-Poll-Interval" in summary["reason"]
    assert api.requests == requests
    forced = poll(deps, clock, force=True)
    assert forced["status"] == "not_modified"
    assert api.requests == requests + 1


# --- duplicates ------------------------------------------------------------------------------------
def test_duplicates_across_pages_are_written_once(aws, clock, api):
    api.load_events(make_events(200))
    # 5 new events land on top before page 2 is served: page 2 repeats the last 5 of page 1.
    api.enqueue(Fault.push_events(make_events(5, start_id=70_000_000_000), page=2))
    deps = make_deps(aws, clock, api.url)
    summary = poll(deps, clock)
    assert summary["duplicates"] == 5
    assert summary["written"] == 200
    clock.advance(61)
    second = poll(deps, clock)  # the 5 new ones, which this poll's page 1 had missed
    assert second["written"] == 5
    assert_nothing_lost(aws, api)


def test_duplicates_across_polls_are_written_once(aws, clock, api):
    api.load_events(make_events(120))
    deps = make_deps(aws, clock, api.url)
    poll(deps, clock)
    api.push_events(make_events(30, start_id=80_000_000_000))
    clock.advance(61)
    summary = poll(deps, clock)
    assert summary["written"] == 30
    assert summary["duplicates"] == 120
    assert_nothing_lost(aws, api)
    assert len(bronze_ids(aws)) == 150


def test_records_repeated_inside_one_page_are_written_once(aws, clock, api, fixture_events):
    api.enqueue(Fault.serve_records(fixture_events + fixture_events[:4]))
    summary = poll(make_deps(aws, clock, api.url), clock)
    assert summary["duplicates"] == 4
    assert sorted(bronze_ids(aws)) == sorted(e["id"] for e in fixture_events)


# --- quarantine ------------------------------------------------------------------------------------
def test_invalid_events_go_to_quarantine_with_their_reason(aws, clock, api, fixture_events):
    cases = list(invalid_events())
    api.load_events(fixture_events[:5] + [event for event, _ in cases])
    summary = poll(make_deps(aws, clock, api.url), clock)

    assert summary["written"] == 5
    assert summary["quarantined"] == len(cases)
    assert sorted(bronze_ids(aws)) == sorted(e["id"] for e in fixture_events[:5])
    records = quarantine(aws)
    assert len(records) == len(cases)
    for (event, fragment), record in zip(cases, records, strict=True):
        assert record["record"] == event
        assert fragment in record["reason"], (fragment, record["reason"])
        assert record["source"].endswith(SOURCE_SUFFIX) and record["ingested_at"]
    assert metric_sum(aws["cloudwatch"], "EventsQuarantined") == len(cases)


def test_invalid_events_served_again_are_not_quarantined_twice(aws, clock, api, fixture_events):
    cases = [event for event, _ in invalid_events()]
    api.load_events(fixture_events[:3] + cases)
    deps = make_deps(aws, clock, api.url)
    poll(deps, clock)
    api.push_events(make_events(2, start_id=90_000_000_000))
    clock.advance(61)
    summary = poll(deps, clock)
    assert summary["quarantined"] == 0 and summary["written"] == 2
    assert len(quarantine(aws)) == len(cases)


@pytest.mark.parametrize(
    "created_at,ok",
    [
        ("2025-11-20T12:00:00Z", True),
        ("2025-11-20T12:00:00.123+02:00", True),
        (None, True),  # the schema allows null
        ("2025-11-20 12:00:00Z", False),  # Silver's from_iso8601_timestamp would fail the whole query
        ("2025-11-20", False),
        ("", False),
    ],
)
def test_created_at_must_be_what_silver_can_parse(fixture_events, created_at, ok):
    event = {**fixture_events[0], "created_at": created_at}
    assert (ingest.validate_event(event) is None) == ok


@pytest.mark.parametrize(
    "change,fragment",
    [
        ({"actor": {**load_events()[0]["actor"], "id": True}}, "'actor.id' must be an integer"),
        ({"actor": {**load_events()[0]["actor"], "id": 2**63}}, "does not fit a bigint"),
        ({"org": "github"}, "'org' must be an object"),
        ({"org": {"id": 1, "login": "x"}}, "missing required field 'org.gravatar_id'"),
        ({"id": "  "}, "'id' is empty"),
        ({"type": 7}, "'type' must be a string or null"),
    ],
)
def test_envelope_types_match_what_bronze_declares(change, fragment):
    reason = ingest.validate_event({**load_events()[0], **change})
    assert reason is not None and fragment in reason


# --- rate limits -----------------------------------------------------------------------------------
def test_403_rate_limit_waits_for_the_reset_then_completes(aws, clock, api, fixture_events):
    api.load_events(fixture_events)
    api.enqueue(Fault.rate_limited(reset_in=30))
    summary = poll(make_deps(aws, clock, api.url), clock)

    assert summary["status"] == "ok" and summary["rate_limited"] == 1
    assert 30 <= clock.sleeps[0] <= 32  # until X-RateLimit-Reset (+1 s margin), by the fake clock
    assert summary["written"] == len(fixture_events)
    assert metric_sum(aws["cloudwatch"], "RateLimited") == 1


def test_rate_limit_reset_past_the_deadline_stops_without_waiting_past_it(aws, clock, api):
    api.load_events(make_events(250))
    api.enqueue(Fault.rate_limited(reset_in=3600).on_page(2))
    deps = make_deps(aws, clock, api.url)
    context = FakeContext(clock, 120)
    summary = ingest.run({}, context, deps)

    assert summary["status"] == "partial" and "rate limited" in summary["stopped_because"]
    assert summary["written"] == 100  # page 1 is kept
    assert sum(clock.sleeps) < 120 and context.get_remaining_time_in_millis() > 0
    assert state(aws)["etag"] is None  # incomplete: next poll must not get a 304 for page 1
    clock.advance(3600)
    again = poll(deps, clock)
    assert again["status"] == "ok"
    assert_nothing_lost(aws, api)


def test_429_retry_after_is_honoured(aws, clock, api, fixture_events):
    api.load_events(fixture_events)
    api.enqueue(Fault.too_many_requests(retry_after=17))
    summary = poll(make_deps(aws, clock, api.url), clock)
    assert summary["status"] == "ok" and summary["rate_limited"] == 1
    assert clock.sleeps == [17]
    assert api.status_counts[429] == 1


def test_429_longer_than_the_remaining_time_is_not_waited_for(aws, clock, api, fixture_events):
    api.load_events(fixture_events)
    api.enqueue(Fault.too_many_requests(retry_after=600))
    summary = poll(make_deps(aws, clock, api.url), clock, budget=60)
    assert summary["status"] == "partial" and clock.sleeps == []
    assert bronze(aws) == {}


# --- server errors, timeouts, broken bodies ---------------------------------------------------------
@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_retried_with_jittered_backoff(aws, clock, api, fixture_events, status):
    api.load_events(fixture_events)
    api.enqueue(Fault.server_error(status, times=2))
    summary = poll(make_deps(aws, clock, api.url, backoff_base=2.0), clock)
    assert summary["status"] == "ok" and summary["written"] == len(fixture_events)
    assert api.status_counts[status] == 2
    assert len(clock.sleeps) == 2
    assert 0 <= clock.sleeps[0] <= 2.0 and 0 <= clock.sleeps[1] <= 4.0  # full jitter under a doubling cap
    assert_nothing_lost(aws, api)


def test_persistent_5xx_gives_up_after_max_attempts_and_keeps_earlier_pages(aws, clock, api):
    api.load_events(make_events(150))
    api.enqueue(Fault.server_error(503, times=10))
    api.enqueue(Fault.server_error(503, times=10))  # still failing after the first 10
    deps = make_deps(aws, clock, api.url, max_attempts=3)
    summary = poll(deps, clock)
    assert summary["status"] == "partial" and "3 attempts" in summary["stopped_because"]
    assert api.status_counts[503] == 3 and bronze(aws) == {}
    assert state(aws)["etag"] is None


def test_slow_response_past_the_client_timeout_is_retried(aws, clock, api, fixture_events):
    api.load_events(fixture_events)
    api.enqueue(Fault.slow(3.0))
    summary = poll(make_deps(aws, clock, api.url, request_timeout=0.3), clock)
    assert summary["status"] == "ok" and summary["written"] == len(fixture_events)
    assert len(clock.sleeps) == 1  # one backoff after the timeout
    assert api.requests == 2


def test_truncated_body_is_retried(aws, clock, api, fixture_events):
    api.load_events(fixture_events)
    api.enqueue(Fault.truncated())
    summary = poll(make_deps(aws, clock, api.url), clock)
    assert summary["status"] == "ok" and summary["written"] == len(fixture_events)
    assert api.requests == 2
    assert_nothing_lost(aws, api)


def test_malformed_json_is_retried(aws, clock, api, fixture_events):
    api.load_events(fixture_events)
    api.enqueue(Fault.malformed_json())
    summary = poll(make_deps(aws, clock, api.url), clock)
    assert summary["status"] == "ok" and summary["written"] == len(fixture_events)
    assert api.requests == 2


def test_malformed_json_every_time_stops_the_poll_without_writing(aws, clock, api, fixture_events):
    api.load_events(fixture_events)
    api.enqueue(Fault.malformed_json(times=5))
    summary = poll(make_deps(aws, clock, api.url, max_attempts=5), clock)
    assert summary["status"] == "partial" and "malformed JSON" in summary["stopped_because"]
    assert bronze(aws) == {}


def test_retry_backoff_never_runs_past_the_deadline(aws, clock, api, fixture_events):
    api.load_events(fixture_events)
    api.enqueue(Fault.server_error(500, times=50))
    context = FakeContext(clock, 12)
    deps = make_deps(aws, clock, api.url, max_attempts=50, backoff_base=5.0, reserve_seconds=5.0)
    summary = ingest.run({}, context, deps)
    assert summary["status"] == "partial"
    assert context.get_remaining_time_in_millis() >= 5000 - 1  # the write reserve is untouched


def test_client_error_fails_the_invocation_after_saving_state(aws, clock, api, fixture_events):
    api.load_events(fixture_events)
    api.enqueue(Fault.client_error(401))
    with pytest.raises(IngestError, match="HTTP 401"):
        poll(make_deps(aws, clock, api.url), clock)
    assert state(aws)["lease_until"] is None
    assert api.requests == 1  # a 401 is not retried


# --- state, leases and overwrites -----------------------------------------------------------------
def test_overlapping_poll_is_skipped_while_another_holds_the_lease(aws, clock, api, fixture_events):
    api.load_events(fixture_events)
    held = {"lease_until": "2025-11-20T12:02:00.000Z", "lease_owner": "other"}
    aws["s3"].put_object(Bucket=RAW, Key=INGEST_STATE_KEY, Body=json.dumps(held).encode())
    summary = poll(make_deps(aws, clock, api.url), clock)
    assert summary["status"] == "skipped" and "lease" in summary["reason"]
    assert api.requests == 0 and bronze(aws) == {}
    clock.advance(180)  # the lease expired with its Lambda
    assert poll(make_deps(aws, clock, api.url), clock)["written"] == len(fixture_events)


def test_a_poll_that_loses_the_lease_race_writes_nothing(aws, clock, api, fixture_events, monkeypatch):
    api.load_events(fixture_events)
    real_read = ingest.read_state

    def read_then_someone_else_writes(s3, bucket, key):
        seen = real_read(s3, bucket, key)
        s3.put_object(Bucket=bucket, Key=key, Body=b'{"lease_owner": "winner"}')
        return seen

    monkeypatch.setattr(ingest, "read_state", read_then_someone_else_writes)
    summary = poll(make_deps(aws, clock, api.url), clock)
    assert summary["status"] == "skipped" and "lease" in summary["reason"]
    assert api.requests == 0


def test_an_object_is_never_overwritten_and_a_failed_write_loses_nothing(
    aws, clock, api, fixture_events, monkeypatch
):
    api.load_events(fixture_events[:10])
    deps = make_deps(aws, clock, api.url)
    fixed = "github/events/ingest_dt=2025-11-20/fixed.jsonl.gz"
    monkeypatch.setattr(ingest, "bronze_key", lambda dt, now: fixed)
    poll(deps, clock)
    original = aws["s3"].get_object(Bucket=RAW, Key=fixed)["Body"].read()

    api.push_events(fixture_events[10:])
    clock.advance(61)
    with pytest.raises(RuntimeError, match="free object key"):
        poll(deps, clock)  # every key it draws is taken: S3 refuses, nothing is replaced
    assert aws["s3"].get_object(Bucket=RAW, Key=fixed)["Body"].read() == original
    assert len(bronze(aws)) == 1  # one version: never overwritten
    assert state(aws)["lease_until"] is None

    monkeypatch.undo()
    clock.advance(61)
    poll(deps, clock)  # the events of the failed write were not marked seen
    assert_nothing_lost(aws, api)


def test_seen_ids_are_bounded(aws, clock, api, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_SEEN_IDS", 50)
    api.load_events(make_events(120))
    poll(make_deps(aws, clock, api.url), clock)
    assert len(state(aws)["seen_ids"]) == 50


# --- token -----------------------------------------------------------------------------------------
def test_token_from_secrets_manager_is_sent(aws, clock, api, fixture_events):
    arn = aws["secrets"].create_secret(Name="gh", SecretString=json.dumps({"token": "ghp_secret"}))["ARN"]
    api.load_events(fixture_events)
    poll(make_deps(aws, clock, api.url, env={"GITHUB_TOKEN_SECRET_ARN": arn}), clock)
    assert api.request_log[0]["authorization"] == "Bearer ghp_secret"


def test_token_from_ssm_is_sent(aws, clock, api, fixture_events):
    # botocore's Stubber on the real SSM client, not moto's SSM: importing that imports moto's EC2 (~0.3-0.6 s
    # of CPU, for this one test). The client still checks the request and the answer against SSM's API
    # model, and the stub insists on the parameter's name and on decryption (moto would hand back the
    # still-encrypted "kms:alias/aws/ssm:..." text without it).
    name = "/lakehouse/test/github-token"
    answer = {"Parameter": {"Name": name, "Type": "SecureString", "Value": "ghp_param", "Version": 1}}
    api.load_events(fixture_events)
    with Stubber(aws["ssm"]) as ssm:
        ssm.add_response("get_parameter", answer, {"Name": name, "WithDecryption": True})
        poll(make_deps(aws, clock, api.url, env={"GITHUB_TOKEN_PARAMETER": name}), clock)
        ssm.assert_no_pending_responses()
    assert api.request_log[0]["authorization"] == "Bearer ghp_param"


def test_no_token_configured_sends_no_authorization(aws, clock, api, fixture_events):
    api.load_events(fixture_events)
    poll(make_deps(aws, clock, api.url), clock)
    assert api.request_log[0]["authorization"] is None
    assert api.request_log[0]["user_agent"] == f"lakehouse-ingest/{ENV}"


# --- pieces ----------------------------------------------------------------------------------------
def test_next_link_to_another_origin_is_not_followed(aws, clock):
    class OneHop:
        def __init__(self) -> None:
            self.urls: list[str] = []

        def get(self, url, headers, timeout):
            self.urls.append(url)
            link = '<https://evil.example/events?page=2>; rel="next"'
            return ingest.HttpResponse(200, {"link": link, "etag": '"x"'}, b"[]")

    deps = make_deps(aws, clock, "https://api.github.com")
    deps.http = OneHop()
    summary = poll(deps, clock)
    assert summary["status"] == "ok" and deps.http.urls == ["https://api.github.com/events?per_page=100"]


def test_without_a_lambda_context_the_stack_timeout_is_the_budget(aws, clock, api, fixture_events):
    api.load_events(fixture_events)
    api.enqueue(Fault.too_many_requests(retry_after=170))  # would fit 180 s less the reserve...
    summary = ingest.run({}, None, make_deps(aws, clock, api.url, reserve_seconds=15))
    assert summary["status"] == "partial" and clock.sleeps == []  # ...but not with 15 s kept back


def test_config_names_the_missing_variable():
    with pytest.raises(ConfigError, match="RAW_BUCKET"):
        IngestConfig.from_env({"LAKEHOUSE_ENV": "dev"})
    with pytest.raises(ConfigError, match="GITHUB_API_URL"):
        IngestConfig.from_env({"LAKEHOUSE_ENV": "dev", "RAW_BUCKET": RAW, "GITHUB_API_URL": "ftp://x"})
    cfg = IngestConfig.from_env({"LAKEHOUSE_ENV": "dev", "RAW_BUCKET": RAW})
    assert cfg.github_api_url == "https://api.github.com" and cfg.common.namespace == "Lakehouse/Pipeline"


def test_handler_reads_its_configuration_from_the_environment(aws, clock, api, fixture_events, monkeypatch):
    api.load_events(fixture_events)
    monkeypatch.setenv("LAKEHOUSE_ENV", ENV)
    monkeypatch.setenv("RAW_BUCKET", RAW)
    monkeypatch.setenv("GITHUB_API_URL", api.url)
    summary = ingest.handler({}, FakeContext(FakeClock(), 60))  # real clock from here on
    assert summary["written"] == len(fixture_events)
