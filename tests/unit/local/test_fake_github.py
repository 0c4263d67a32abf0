"""The fake GitHub API: real headers, conditional requests, pagination, and each injectable fault."""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from harness.fixtures import load_events
from harness.local.fake_github import FakeGitHub, Fault

NOW = 1_763_640_000.0  # a fixed epoch for X-RateLimit-Reset


def events(n: int) -> list[dict[str, Any]]:
    base = load_events()
    return [{**base[i % len(base)], "id": str(1000 + n - i)} for i in range(n)]


@pytest.fixture
def api() -> Iterator[FakeGitHub]:
    with FakeGitHub(events(250), clock=lambda: NOW) as server:
        yield server


def get(url: str, timeout: float = 5.0, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, dict(err.headers), err.read()


def test_binds_to_loopback_on_an_ephemeral_port(api):
    assert api.url.startswith("http://127.0.0.1:")
    with pytest.raises(ValueError):
        FakeGitHub(host="0.0.0.0")


def test_pages_carry_link_etag_poll_interval_and_rate_limit_headers(api):
    status, headers, body = get(f"{api.url}/events?per_page=100")
    assert status == 200 and len(json.loads(body)) == 100
    assert f'<{api.url}/events?per_page=100&page=2>; rel="next"' in headers["Link"]
    assert 'page=3>; rel="last"' in headers["Link"]
    assert headers["ETag"].startswith('"') and headers["X-Poll-Interval"] == "60"
    assert headers["X-RateLimit-Limit"] == "5000" and headers["X-RateLimit-Remaining"] == "4999"
    assert headers["X-RateLimit-Reset"] == str(int(NOW) + 3600)
    status, headers, body = get(f"{api.url}/events?per_page=100&page=3")
    assert len(json.loads(body)) == 50 and 'rel="next"' not in headers["Link"]
    assert api.served == 150 and len(api.unique_ids) == 150


def test_window_caps_what_is_served():
    with FakeGitHub(events(20), window=10) as api:
        _, headers, body = get(f"{api.url}/events?per_page=100")
        assert len(json.loads(body)) == 10 and "Link" not in headers


def test_if_none_match_gets_304_until_the_feed_changes(api):
    _, headers, _ = get(f"{api.url}/events?per_page=100")
    status, _, body = get(f"{api.url}/events?per_page=100", **{"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b""
    api.push_events(events(1))
    status, _, _ = get(f"{api.url}/events?per_page=100", **{"If-None-Match": headers["ETag"]})
    assert status == 200


def test_forced_304(api):
    api.enqueue(Fault.not_modified())
    assert get(f"{api.url}/events")[0] == 304
    assert get(f"{api.url}/events")[0] == 200


def test_403_rate_limit_with_reset(api):
    api.enqueue(Fault.rate_limited(reset_in=42))
    status, headers, body = get(f"{api.url}/events")
    assert status == 403 and "rate limit" in json.loads(body)["message"]
    assert headers["X-RateLimit-Remaining"] == "0"
    assert headers["X-RateLimit-Reset"] == str(int(NOW) + 42)


def test_429_with_retry_after(api):
    api.enqueue(Fault.too_many_requests(retry_after=7))
    status, headers, _ = get(f"{api.url}/events")
    assert status == 429 and headers["Retry-After"] == "7"


@pytest.mark.parametrize("code", [500, 502, 503])
def test_server_errors_for_n_requests(api, code):
    api.enqueue(Fault.server_error(code, times=2))
    assert [get(f"{api.url}/events")[0] for _ in range(3)] == [code, code, 200]
    assert api.status_counts[code] == 2


def test_slow_response_trips_the_client_timeout(api):
    api.enqueue(Fault.slow(2.0))
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        get(f"{api.url}/events", timeout=0.2)


def test_stop_does_not_wait_for_a_slow_fault():
    api = FakeGitHub(events(5)).start()
    api.enqueue(Fault.slow(30.0))
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        get(f"{api.url}/events", timeout=0.2)
    api.stop()
    assert api.in_flight == 0  # the sleeping handler was woken, not left for 30 s
    assert api.status_counts == {}  # and it answered nothing


def test_truncated_body(api):
    api.enqueue(Fault.truncated())
    with pytest.raises(http.client.IncompleteRead):
        get(f"{api.url}/events")
    assert api.served == 0  # nothing counts as served that the client could not read


def test_malformed_json(api):
    api.enqueue(Fault.malformed_json())
    status, _, body = get(f"{api.url}/events")
    assert status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


def test_push_events_shifts_pages_so_they_repeat(api):
    _, _, page1 = get(f"{api.url}/events?per_page=100")
    api.enqueue(Fault.push_events(events(3)[:3], page=2))
    _, _, page2 = get(f"{api.url}/events?per_page=100&page=2")
    ids1 = [e["id"] for e in json.loads(page1)]
    ids2 = [e["id"] for e in json.loads(page2)]
    assert ids2[:3] == ids1[-3:]  # the last 3 of page 1 come again on page 2
    assert api.served == 200 and len(api.unique_ids) == 197


def test_fault_held_for_its_page(api):
    api.enqueue(Fault.server_error(503).on_page(2))
    assert get(f"{api.url}/events?per_page=100")[0] == 200
    assert get(f"{api.url}/events?per_page=100&page=2")[0] == 503
    assert api.pending_faults == 0


def test_serve_records_serves_anything(api):
    api.enqueue(Fault.serve_records([{"id": "x"}, "not an event"]))
    _, _, body = get(f"{api.url}/events")
    assert json.loads(body) == [{"id": "x"}, "not an event"]
    assert api.served == 2 and api.served_ids["x"] == 1


def test_unknown_path_is_404_and_requests_are_logged(api):
    assert get(f"{api.url}/users/octocat", **{"Authorization": "Bearer t"})[0] == 404
    assert api.request_log[-1]["authorization"] == "Bearer t" and api.requests == 1


def test_fault_constructors_check_their_arguments():
    with pytest.raises(ValueError):
        Fault.server_error(404)
