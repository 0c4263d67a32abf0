"""The fake GH Archive: file names, generated hours of realistic shape, a folder of files, every fault."""

from __future__ import annotations

import gzip
import http.client
import json
import socket
import tracemalloc
import urllib.error
import urllib.request
import zlib
from collections import Counter
from pathlib import Path

import pytest

from harness.fixtures import validate_event
from harness.local.fake_archive import (
    ArchiveFault,
    FakeArchive,
    archive_file_name,
    format_hour,
    parse_hour,
)

HOUR = "2025-11-20T09"


def get(url: str, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, dict(err.headers), err.read()


def test_hours_and_file_names_follow_gh_archive():
    hour = parse_hour("2025-11-20T09")
    assert archive_file_name(hour) == "2025-11-20-9.json.gz"
    assert archive_file_name(parse_hour("2025-11-20T23")) == "2025-11-20-23.json.gz"
    assert format_hour(hour) == "2025-11-20T09"
    for bad in ("2025-11-20T9", "2025-11-20 09", "2025-02-30T01", "2025-11-20T24", 7):
        with pytest.raises(ValueError, match="hour"):
            parse_hour(bad)  # type: ignore[arg-type]


def test_binds_to_loopback_and_rejects_bad_settings(tmp_path):
    with FakeArchive() as archive:
        assert archive.url.startswith("http://127.0.0.1:") and not archive.url.endswith("/")
    with pytest.raises(ValueError, match="loopback"):
        FakeArchive(host="0.0.0.0")
    with pytest.raises(ValueError, match="invalid_fraction"):
        FakeArchive(invalid_fraction=1.5)
    with pytest.raises(ValueError, match="does not exist"):
        FakeArchive(directory=tmp_path / "nope")


def test_generated_hour_is_gzip_jsonl_of_schema_valid_events_spread_over_the_hour():
    with FakeArchive(seed=3, events_per_hour=300) as archive:
        status, headers, body = get(archive.file_url(HOUR))
    assert status == 200 and headers["Content-Type"] == "application/gzip"
    assert headers["Transfer-Encoding"] == "chunked"  # streamed, compressed as it goes
    records = [json.loads(line) for line in gzip.decompress(body).splitlines()]
    assert len(records) == 300
    assert all(validate_event(r) == [] for r in records)
    ids = [int(r["id"]) for r in records]
    assert ids == sorted(ids) and len(set(ids)) == 300
    assert all(r["created_at"].startswith("2025-11-20T09:") for r in records)
    types = Counter(r["type"] for r in records)
    assert types.most_common(1)[0][0] == "PushEvent" and len(types) >= 8
    assert any("org" in r for r in records) and any("org" not in r for r in records)
    assert archive.completed == {HOUR: 1}


def test_generation_is_deterministic_per_seed_and_hour_and_ids_never_repeat_across_hours():
    with FakeArchive(seed=5, events_per_hour=50) as a, FakeArchive(seed=5, events_per_hour=50) as b:
        assert get(a.file_url(HOUR))[2] == get(b.file_url(HOUR))[2]
        next_hour = {json.loads(x)["id"] for x in a.lines("2025-11-20T10")}
        this_hour = {json.loads(x)["id"] for x in a.lines(HOUR)}
        assert not next_hour & this_hour
    with FakeArchive(seed=6, events_per_hour=50) as c:
        assert list(c.lines(HOUR)) != list(a.lines(HOUR))


def test_invalid_fraction_serves_lines_that_break_the_schema_and_expected_counts_match_what_is_served():
    # 600 lines: ~30 invalid ones (at seed 1, all 13 kinds the generator makes are among them: the 11
    # records, the line that is not JSON and the JSON that is not an object; asserted below: the counts).
    with FakeArchive(seed=1, events_per_hour=600, invalid_fraction=0.05) as archive:
        body = get(archive.file_url(HOUR))[2]
        expected = archive.expected_events(HOUR)
    lines = gzip.decompress(body).splitlines()
    valid, invalid, not_json = set(), 0, 0
    groups = set()
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            not_json += 1
            invalid += 1
            continue
        if validate_event(record):
            invalid += 1
        else:
            valid.add(record["id"])
            groups.add((record["type"], record["repo"]["name"]))
    assert expected.lines == len(lines) == 600
    assert expected.valid == len(valid) and expected.invalid == invalid
    assert 12 <= invalid <= 54 and not_json > 0  # ~5 %, some of them not JSON at all
    assert expected.groups == frozenset(groups)


def test_a_folder_of_files_is_served_with_content_length_and_other_hours_are_404(tmp_path: Path):
    records = [{"id": "1", "x": 1}, {"id": "2", "x": 2}]
    data = gzip.compress(b"".join(json.dumps(r).encode() + b"\n" for r in records))
    (tmp_path / "2025-11-20-9.json.gz").write_bytes(data)
    with FakeArchive(directory=tmp_path) as archive:
        status, headers, body = get(archive.file_url(HOUR))
        assert status == 200 and body == data and headers["Content-Length"] == str(len(data))
        assert get(archive.file_url("2025-11-20T10"))[0] == 404
        assert archive.has_hour(HOUR) and not archive.has_hour("2025-11-20T10")
        assert list(archive.records(HOUR)) == records
        assert archive.expected_events(HOUR).lines == 2
        assert archive.expected_events(HOUR).valid == 0  # neither is a GitHub event


def test_folder_expected_counts_classify_with_the_event_schema(tmp_path: Path):
    with FakeArchive(seed=2, events_per_hour=40, invalid_fraction=0.2) as generated:
        (tmp_path / archive_file_name(parse_hour(HOUR))).write_bytes(get(generated.file_url(HOUR))[2])
        want = generated.expected_events(HOUR)
    with FakeArchive(directory=tmp_path) as archive:
        assert archive.expected_events(HOUR) == want


def test_gaps_are_404_until_published_and_unknown_paths_are_404():
    with FakeArchive(gaps=[HOUR]) as archive:
        assert get(archive.file_url(HOUR))[0] == 404
        archive.publish(HOUR)
        assert get(archive.file_url(HOUR))[0] == 200
        archive.withdraw(HOUR)
        assert get(archive.file_url(HOUR))[0] == 404
        assert get(f"{archive.url}/2025-11-20-09x.json.gz")[0] == 404
        assert get(f"{archive.url}/2025-13-40-9.json.gz")[0] == 404
        assert archive.status_counts == {404: 4, 200: 1}


def test_server_errors_and_not_found_for_n_requests_then_the_file():
    with FakeArchive(events_per_hour=5) as archive:
        archive.enqueue(ArchiveFault.server_error(502, times=2), ArchiveFault.not_found())
        assert [get(archive.file_url(HOUR))[0] for _ in range(4)] == [502, 502, 404, 200]
    with pytest.raises(ValueError):
        ArchiveFault.server_error(404)


def test_a_fault_for_one_hour_waits_for_that_hour():
    with FakeArchive(events_per_hour=5) as archive:
        archive.enqueue(ArchiveFault.server_error(500, hour="2025-11-20T10"))
        assert get(archive.file_url(HOUR))[0] == 200
        assert archive.pending_faults == 1
        assert get(archive.file_url("2025-11-20T10"))[0] == 500
        assert archive.pending_faults == 0


def test_truncated_gzip_completes_the_response_but_the_gzip_stream_is_short():
    with FakeArchive(events_per_hour=500) as archive:
        archive.enqueue(ArchiveFault.truncated_gzip())
        status, _, body = get(archive.file_url(HOUR))
        full = get(archive.file_url(HOUR))[2]
        assert archive.completed == {HOUR: 1}  # only the undamaged one
    assert status == 200 and 0 < len(body) < len(full) and full.startswith(body)
    with pytest.raises((EOFError, zlib.error)):
        gzip.decompress(body)


@pytest.mark.parametrize("from_folder", [False, True])
def test_cut_closes_the_connection_mid_body(tmp_path: Path, from_folder: bool):
    with FakeArchive(events_per_hour=500) as generated:
        data = get(generated.file_url(HOUR))[2]
    (tmp_path / archive_file_name(parse_hour(HOUR))).write_bytes(data)
    with FakeArchive(events_per_hour=500, directory=tmp_path if from_folder else None) as archive:
        archive.enqueue(ArchiveFault.cut(after_bytes=1000))
        with pytest.raises(http.client.IncompleteRead) as caught:
            get(archive.file_url(HOUR))
        assert len(caught.value.partial) == 1000
        assert get(archive.file_url(HOUR))[2] == data  # the next request gets the whole file
        assert archive.completed == {HOUR: 1}


def test_slow_answer_trips_the_client_timeout_and_stop_does_not_wait_for_it():
    archive = FakeArchive(events_per_hour=5).start()
    archive.enqueue(ArchiveFault.slow(30.0))
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        get(archive.file_url(HOUR), timeout=0.2)
    archive.stop()
    assert archive.in_flight == 0 and archive.status_counts == {}


def test_stall_mid_body_trips_a_read_timeout():
    with FakeArchive(events_per_hour=500) as archive:
        archive.enqueue(ArchiveFault.stall(30.0, after_bytes=500))
        with urllib.request.urlopen(archive.file_url(HOUR), timeout=0.3) as resp:
            assert len(resp.read(500)) == 500
            with pytest.raises((TimeoutError, socket.timeout)):
                resp.read()


def test_a_big_hour_is_streamed_without_being_built_in_memory():
    # 4k events is ~4.3 MiB of JSON; the server's peak allocation stays a small fraction of it. The client
    # reads 16 KiB at a time: the file compresses ~16:1, so each read inflates to ~256 KiB (64 KiB reads
    # would inflate to 1 MiB each, which the peak counts too and a bigger file would have to outweigh).
    with FakeArchive(seed=9, events_per_hour=4_000) as archive:
        tracemalloc.start()
        try:
            total = 0
            with urllib.request.urlopen(archive.file_url(HOUR), timeout=30) as resp:
                decompressor = zlib.decompressobj(31)
                while chunk := resp.read(16 * 1024):
                    total += len(decompressor.decompress(chunk))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert total > 4 * 1024 * 1024
    assert peak < 1.5 * 1024 * 1024, f"peak {peak} bytes while serving {total} bytes"
