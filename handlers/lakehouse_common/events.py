"""What GitHub's Event schema requires of an event, shared by the live ingest and the archive ingest."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

# RFC 3339 as GitHub writes it, and as Trino's from_iso8601_timestamp reads it (a 'T', no space).
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_BIGINT = (-(2**63), 2**63 - 1)


_ACTOR_FIELDS = {"id": "int", "login": "str", "gravatar_id": "str?", "url": "str", "avatar_url": "str"}
_REPO_FIELDS = {"id": "int", "name": "str", "url": "str"}


def _check_fields(obj: Mapping[str, Any], spec: Mapping[str, str], where: str) -> str | None:
    for name, kind in spec.items():
        path = f"{where}.{name}" if where else name
        if name not in obj:
            return f"missing required field '{path}'"
        value = obj[name]
        if value is None and kind.endswith("?"):
            continue
        kind = kind.rstrip("?")
        # bool is an int in Python; the schema's integer is not a JSON boolean.
        if kind == "int" and (not isinstance(value, int) or isinstance(value, bool)):
            return f"'{path}' must be an integer, got {type(value).__name__}"
        if kind == "int" and not _BIGINT[0] <= value <= _BIGINT[1]:
            return f"'{path}' does not fit a bigint"
        if kind == "str" and not isinstance(value, str):
            return f"'{path}' must be a string, got {type(value).__name__}"
    return None


def validate_event(record: Any) -> str | None:
    """Why ``record`` breaks the Event schema's requirements, or None if it is a valid event.

    Checks the required envelope (id, type, actor, repo, payload, public, created_at), the types Bronze
    declares for them, the optional org, and that created_at is an RFC 3339 date-time (Silver parses
    it). Payload contents are not checked: GitHub changes them more often than their envelope.
    """
    if not isinstance(record, dict):
        return f"event must be a JSON object, got {type(record).__name__}"
    for name in ("id", "type", "actor", "repo", "payload", "public", "created_at"):
        if name not in record:
            return f"missing required field '{name}'"
    if not isinstance(record["id"], str):
        return f"'id' must be a string, got {type(record['id']).__name__}"
    if not record["id"].strip():
        return "'id' is empty"
    if record["type"] is not None and not isinstance(record["type"], str):
        return f"'type' must be a string or null, got {type(record['type']).__name__}"
    for name, spec in (("actor", _ACTOR_FIELDS), ("repo", _REPO_FIELDS)):
        if not isinstance(record[name], dict):
            return f"'{name}' must be an object"
        problem = _check_fields(record[name], spec, name)
        if problem:
            return problem
    org = record.get("org")
    if org is not None:
        if not isinstance(org, dict):
            return "'org' must be an object"
        problem = _check_fields(org, _ACTOR_FIELDS, "org")
        if problem:
            return problem
    if not isinstance(record["payload"], dict):
        return "'payload' must be an object"
    if not isinstance(record["public"], bool):
        return "'public' must be a boolean"
    created = record["created_at"]
    if created is not None and not (isinstance(created, str) and _RFC3339.match(created)):
        return f"'created_at' is not an RFC 3339 date-time: {created!r}"
    return None


def dedupe_key(record: Any) -> str:
    """The event id, or a content hash for records without a usable one."""
    if isinstance(record, dict) and isinstance(record.get("id"), str) and record["id"].strip():
        return record["id"].strip()
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
