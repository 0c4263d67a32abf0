"""The canned events: every payload type of GET /events, valid against GitHub's schema; invalid ones fail."""

from __future__ import annotations

import copy

import ingest
import pytest

from harness.fixtures import (
    PAYLOAD_SCHEMAS,
    invalid_events,
    load_events,
    payload_variants,
    schema_document,
    schema_source,
    validate_event,
)


def test_schema_records_where_it_came_from():
    source = schema_source()
    assert source["npm_package"] == "@octokit/openapi"
    assert source["version"] == "23.0.2"
    assert source["pointer"] == "/components/schemas/event"
    assert "activity/list-public-events" in source["operation"]
    assert len(source["file_sha256"]) == 64


def test_schema_holds_every_schema_it_references():
    schemas = schema_document()["components"]["schemas"]
    refs: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.add(node["$ref"].rsplit("/", 1)[-1])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schemas)
    assert refs <= set(schemas)


def test_fixtures_cover_every_payload_type_in_the_api_description():
    assert sorted(PAYLOAD_SCHEMAS.values()) == sorted(payload_variants())
    assert {e["type"] for e in load_events()} == set(PAYLOAD_SCHEMAS)


@pytest.mark.parametrize("event", load_events(), ids=lambda e: f"{e['type']}-{e['id']}")
def test_every_fixture_is_valid_against_the_schema(event):
    assert validate_event(event) == []
    assert ingest.validate_event(event) is None


def test_fixture_ids_are_unique_and_listed_newest_first():
    events = load_events()
    assert len({e["id"] for e in events}) == len(events)
    assert [e["created_at"] for e in events] == sorted((e["created_at"] for e in events), reverse=True)


def test_payload_is_checked_against_the_variant_its_type_names():
    push = copy.deepcopy(next(e for e in load_events() if e["type"] == "PushEvent"))
    del push["payload"]["head"]
    assert any("head" in problem for problem in validate_event(push))


@pytest.mark.parametrize("case", list(invalid_events()), ids=lambda c: c[1])
def test_invalid_events_break_the_schema_and_the_handler_says_why(case):
    event, fragment = case
    assert validate_event(event) != []  # GitHub's schema rejects it...
    reason = ingest.validate_event(event)
    assert reason is not None and fragment in reason  # ...and the handler quarantines it with a reason
