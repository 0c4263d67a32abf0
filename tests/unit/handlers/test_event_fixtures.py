"""The canned events: every payload type of GET /events, valid against GitHub's schema; invalid ones fail."""

from __future__ import annotations

import copy

import ingest
import pytest

from harness.fixtures import (
    PAYLOAD_SCHEMAS,
    _validator,
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


def _full_schema_problems(event):
    """The whole schema's problems (the payload's anyOf included), worded as validate_event words them."""
    event_type = event.get("type") if isinstance(event, dict) else None
    validator = _validator(event_type if isinstance(event_type, str) else None)
    errors = sorted(validator.iter_errors(event), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}" for e in errors]


def test_validate_event_says_what_the_whole_schema_says():
    # validate_event skips the payload's anyOf when the payload matches its type's variant (one of the
    # anyOf's); broken payloads, envelopes and types must come out exactly as the whole schema words them.
    cases: list = [*load_events(), *(event for event, _ in invalid_events()), [], {"type": 5}, {}]
    for event in load_events()[::4]:  # six payload types, each broken six ways
        payload = event["payload"]
        first = next(iter(payload), None)
        cases += [
            {**event, "payload": "not an object"},
            {**event, "payload": {}},
            {**event, "payload": {k: v for k, v in payload.items() if k != first}},
            {**event, "payload": {**payload, **({first: 12345} if first else {})}},
            {**event, "type": "PushEvent" if event["type"] != "PushEvent" else "WatchEvent"},
            {**event, "actor": {"id": "x"}},
        ]
    problems = [validate_event(event) for event in cases]
    assert problems == [_full_schema_problems(event) for event in cases]
    assert sum(1 for p in problems if any(x.startswith("payload") for x in p)) >= 6 * 2


@pytest.mark.parametrize("case", list(invalid_events()), ids=lambda c: c[1])
def test_invalid_events_break_the_schema_and_the_handler_says_why(case):
    event, fragment = case
    assert validate_event(event) != []  # GitHub's schema rejects it...
    reason = ingest.validate_event(event)
    assert reason is not None and fragment in reason  # ...and the handler quarantines it with a reason
