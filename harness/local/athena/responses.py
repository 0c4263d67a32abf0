"""Athena's JSON wire protocol (awsJson1.1, `X-Amz-Target: AmazonAthena.<Operation>`)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from .errors import AthenaApiError
from .models import AthenaBackend

Handler = Callable[[AthenaBackend, dict[str, Any]], dict[str, Any]]

# GetQueryExecution on an unfinished query answers as soon as the query ends, or after this long with the
# state it has then (a long poll). Clients poll with sleeps of their own (the handlers after 0.5 s, then
# backing off; pyathena every second), so without it every short query waited out a sleep after it had
# finished. The answer is still the state at the moment it is sent, as Athena's is; only the call's latency
# differs, and stays within what an API call may take.
STATE_HOLD_SECONDS = 1.0
_HANDLERS: dict[str, Handler] = {}


def operation(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _HANDLERS[name] = fn
        return fn

    return register


def dispatch(backend: AthenaBackend, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
    """Runs one request; returns (HTTP status, JSON body). Errors are 400s with Athena's error shape."""
    op = target.split(".", 1)[-1]
    handler = _HANDLERS.get(op)
    if handler is None:
        return 400, {
            "__type": "UnknownOperationException",
            "Message": f"Operation {op} is not supported locally",
        }
    try:
        params = json.loads(body or b"{}")
        if not isinstance(params, dict):
            raise AthenaApiError("The request body must be a JSON object")
        return 200, handler(backend, params)
    except json.JSONDecodeError as e:
        return 400, {"__type": "SerializationException", "Message": str(e)}
    except AthenaApiError as e:
        return 400, e.body()
    except KeyError as e:
        return 400, {"__type": "InvalidRequestException", "Message": f"Missing required parameter {e}"}


def _tags(items: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in items or []}


def _page(
    items: list[Any], params: dict[str, Any], default: int, maximum: int
) -> tuple[list[Any], str | None]:
    start = _decode_token(params.get("NextToken"))
    size = int(params.get("MaxResults") or default)
    if not 1 <= size <= maximum:
        raise AthenaApiError(f"MaxResults must be between 1 and {maximum}")
    chunk = items[start : start + size]
    more = start + size < len(items)
    return chunk, _encode_token(start + size) if more else None


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["offset"])
    except (ValueError, KeyError, TypeError):
        raise AthenaApiError("Invalid NextToken") from None


# --- queries -------------------------------------------------------------------------------------------


@operation("StartQueryExecution")
def start_query_execution(b: AthenaBackend, p: dict[str, Any]) -> dict[str, Any]:
    query = p["QueryString"]
    if not isinstance(query, str) or not query.strip():
        raise AthenaApiError("QueryString must not be empty")
    ctx = p.get("QueryExecutionContext") or {}
    qid = b.start_query(
        query=query,
        workgroup=p.get("WorkGroup") or "primary",
        database=ctx.get("Database"),
        catalog=ctx.get("Catalog") or "AwsDataCatalog",
        client_config=p.get("ResultConfiguration") or {},
        parameters=list(p.get("ExecutionParameters") or []),
        token=p.get("ClientRequestToken"),
        reuse=(p.get("ResultReuseConfiguration") or {}).get("ResultReuseByAgeConfiguration"),
    )
    return {"QueryExecutionId": qid}


@operation("GetQueryExecution")
def get_query_execution(b: AthenaBackend, p: dict[str, Any]) -> dict[str, Any]:
    qe = b.get_query(p["QueryExecutionId"])
    qe.done.wait(STATE_HOLD_SECONDS)
    return {"QueryExecution": qe.to_api()}


@operation("BatchGetQueryExecution")
def batch_get_query_execution(b: AthenaBackend, p: dict[str, Any]) -> dict[str, Any]:
    found, missing = [], []
    for qid in p["QueryExecutionIds"]:
        try:
            found.append(b.get_query(qid).to_api())
        except AthenaApiError as e:
            missing.append(
                {
                    "QueryExecutionId": qid,
                    "ErrorCode": "INVALID_QUERY_EXECUTION_ID",
                    "ErrorMessage": e.message,
                }
            )
    return {"QueryExecutions": found, "UnprocessedQueryExecutionIds": missing}


@operation("GetQueryResults")
def get_query_results(b: AthenaBackend, p: dict[str, Any]) -> dict[str, Any]:
    qe = b.get_query(p["QueryExecutionId"])
    if qe.state in ("QUEUED", "RUNNING"):
        raise AthenaApiError(f"Query has not yet finished. Current state: {qe.state}")
    if qe.state != "SUCCEEDED" or qe.result is None:
        raise AthenaApiError(f"Query did not finish successfully. Final query state: {qe.state}")
    result = qe.result
    rows, token = _page(result.api_rows(), p, 1000, 1000)
    out: dict[str, Any] = {
        "ResultSet": {"Rows": rows, "ResultSetMetadata": {"ColumnInfo": result.column_info}}
    }
    if result.update_count is not None:
        out["UpdateCount"] = result.update_count
    if token:
        out["NextToken"] = token
    return out


@operation("StopQueryExecution")
def stop_query_execution(b: AthenaBackend, p: dict[str, Any]) -> dict[str, Any]:
    b.stop_query(p["QueryExecutionId"])
    return {}


@operation("ListQueryExecutions")
def list_query_executions(b: AthenaBackend, p: dict[str, Any]) -> dict[str, Any]:
    ids, token = _page(b.list_queries(p.get("WorkGroup") or "primary"), p, 50, 50)
    return {"QueryExecutionIds": ids, **({"NextToken": token} if token else {})}


@operation("GetQueryRuntimeStatistics")
def get_query_runtime_statistics(b: AthenaBackend, p: dict[str, Any]) -> dict[str, Any]:
    api = b.get_query(p["QueryExecutionId"]).to_api()
    stats = api["Statistics"]
    return {
        "QueryRuntimeStatistics": {
            "Timeline": {
                "QueryQueueTimeInMillis": stats["QueryQueueTimeInMillis"],
                "EngineExecutionTimeInMillis": stats["EngineExecutionTimeInMillis"],
                "TotalExecutionTimeInMillis": stats["TotalExecutionTimeInMillis"],
            },
            "Rows": {},
        }
    }


# --- workgroups and tags -------------------------------------------------------------------------------


@operation("CreateWorkGroup")
def create_work_group(b: AthenaBackend, p: dict[str, Any]) -> dict[str, Any]:
    b.create_workgroup(
        p["Name"], p.get("Description", ""), p.get("Configuration") or {}, _tags(p.get("Tags"))
    )
    return {}


@operation("GetWorkGroup")
def get_work_group(b: AthenaBackend, p: dict[str, Any]) -> dict[str, Any]:
    return {"WorkGroup": b.workgroup(p["WorkGroup"]).to_api()}


@operation("ListWorkGroups")
def list_work_groups(b: AthenaBackend, p: dict[str, Any]) -> dict[str, Any]:
    wgs = [
        {"Name": w.name, "State": w.state, "Description": w.description, "CreationTime": w.created}
        for w in sorted(b.workgroups.values(), key=lambda w: w.name)
    ]
    items, token = _page(wgs, p, 50, 50)
    return {"WorkGroups": items, **({"NextToken": token} if token else {})}


@operation("UpdateWorkGroup")
def update_work_group(b: AthenaBackend, p: dict[str, Any]) -> dict[str, Any]:
    b.update_workgroup(
        p["WorkGroup"], p.get("Description"), p.get("State"), p.get("ConfigurationUpdates") or {}
    )
    return {}


@operation("DeleteWorkGroup")
def delete_work_group(b: AthenaBackend, p: dict[str, Any]) -> dict[str, Any]:
    b.delete_workgroup(p["WorkGroup"], bool(p.get("RecursiveDeleteOption")))
    return {}


@operation("ListTagsForResource")
def list_tags_for_resource(b: AthenaBackend, p: dict[str, Any]) -> dict[str, Any]:
    tags = [{"Key": k, "Value": v} for k, v in sorted(b.resource(p["ResourceARN"]).tags.items())]
    items, token = _page(tags, p, 1000, 1000)
    return {"Tags": items, **({"NextToken": token} if token else {})}


@operation("TagResource")
def tag_resource(b: AthenaBackend, p: dict[str, Any]) -> dict[str, Any]:
    b.resource(p["ResourceARN"]).tags.update(_tags(p["Tags"]))
    return {}


@operation("UntagResource")
def untag_resource(b: AthenaBackend, p: dict[str, Any]) -> dict[str, Any]:
    wg = b.resource(p["ResourceARN"])
    for key in p["TagKeys"]:
        wg.tags.pop(key, None)
    return {}


from . import metadata as _metadata  # noqa: E402,F401  (registers the data catalog operations)
