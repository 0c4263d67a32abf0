"""State of the local Athena: workgroups (with tags) and query executions with their lifecycle.

Workgroups are owned here rather than delegated to moto: moto lacks UpdateWorkGroup and would keep
the configuration in another process than the queries that must honour it (result location,
encryption, enforcement, bytes-scanned cutoff). The AWS provider talks to this endpoint for all Athena.
"""

from __future__ import annotations

import copy
import math
import threading
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import duckdb

from . import athena_rules
from .engine import Engine, Outcome, QueryRequest, classify
from .errors import INTERNAL_ERROR, RESULT_WRITE_ERROR, SYSTEM, AthenaApiError, QueryFailed
from .layer import AthenaLayer
from .results import ResultSet

ENGINE_VERSION = {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"}
TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")


@dataclass
class WorkGroup:
    name: str
    description: str = ""
    state: str = "ENABLED"
    configuration: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    created: float = field(default_factory=time.time)

    def to_api(self) -> dict[str, Any]:
        config = {
            "EnforceWorkGroupConfiguration": True,
            "PublishCloudWatchMetricsEnabled": False,
            "RequesterPaysEnabled": False,
            "EngineVersion": dict(ENGINE_VERSION),
            "ResultConfiguration": {},
            **copy.deepcopy(self.configuration),
        }
        return {
            "Name": self.name,
            "State": self.state,
            "Configuration": config,
            "Description": self.description,
            "CreationTime": self.created,
        }


@dataclass
class QueryExecution:
    id: str
    query: str
    workgroup: str
    database: str | None
    catalog: str
    parameters: list[str]
    result_configuration: dict[str, Any]
    statement_type: str
    substatement_type: str
    bytes_cutoff: int | None
    state: str = "QUEUED"
    reason: str | None = None
    athena_error: dict[str, Any] | None = None
    submitted: float = field(default_factory=time.time)
    started: float | None = None
    completed: float | None = None
    data_scanned: int = 0
    result: ResultSet | None = None
    manifest: str | None = None
    cancel_requested: bool = False
    connection: duckdb.DuckDBPyConnection | None = None
    done: threading.Event = field(default_factory=threading.Event)
    engine_done: float | None = None  # the engine returned; results are written after this
    planning_ms: int = 0
    reuse: dict[str, Any] = field(default_factory=dict)  # ResultReuseByAgeConfiguration as given
    reused: bool = False

    @property
    def output_location(self) -> str | None:
        return self.result_configuration.get("OutputLocation")

    def to_api(self) -> dict[str, Any]:
        now = time.time()
        started = self.started or now
        end = self.completed or now
        status: dict[str, Any] = {"State": self.state, "SubmissionDateTime": self.submitted}
        if self.reason:
            status["StateChangeReason"] = self.reason
        if self.completed:
            status["CompletionDateTime"] = self.completed
        if self.athena_error:
            status["AthenaError"] = self.athena_error
        engine_end = self.engine_done or end
        stats: dict[str, Any] = {
            "EngineExecutionTimeInMillis": _ms(engine_end - started) if self.started else 0,
            "DataScannedInBytes": self.data_scanned,
            "TotalExecutionTimeInMillis": _ms(end - self.submitted),
            "QueryQueueTimeInMillis": _ms(started - self.submitted),
            "ServicePreProcessingTimeInMillis": 0,
            "QueryPlanningTimeInMillis": self.planning_ms,
            "ServiceProcessingTimeInMillis": _ms(end - engine_end) if self.completed else 0,
            "ResultReuseInformation": {"ReusedPreviousResult": self.reused},
        }
        if self.manifest:
            stats["DataManifestLocation"] = self.manifest
        out: dict[str, Any] = {
            "QueryExecutionId": self.id,
            "Query": self.query,
            "StatementType": self.statement_type,
            "SubstatementType": self.substatement_type,
            "ResultConfiguration": copy.deepcopy(self.result_configuration),
            "ResultReuseConfiguration": {"ResultReuseByAgeConfiguration": self.reuse or {"Enabled": False}},
            "QueryExecutionContext": {
                "Catalog": self.catalog,
                **({"Database": self.database} if self.database else {}),
            },
            "Status": status,
            "Statistics": stats,
            "WorkGroup": self.workgroup,
            "EngineVersion": dict(ENGINE_VERSION),
        }
        if self.parameters:
            out["ExecutionParameters"] = list(self.parameters)
        return out


class AthenaBackend:
    """Workgroups, query executions and the worker threads that run them."""

    def __init__(self, engine: Engine, account_id: str = "123456789012", workers: int = 4):
        self.engine = engine
        self.layer = AthenaLayer(engine, engine.aws)  # Athena's DDL/metadata/UNLOAD in front of the engine
        self.region = engine.aws.region
        self.account_id = account_id
        self.workgroups: dict[str, WorkGroup] = {"primary": WorkGroup("primary")}
        self.executions: dict[str, QueryExecution] = {}
        self._lock = threading.RLock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="local-athena")

    def shutdown(self) -> None:
        with self._lock:
            running = [q for q in self.executions.values() if q.state not in TERMINAL]
        for q in running:
            self.stop_query(q.id)
        self._pool.shutdown(wait=True, cancel_futures=True)

    # --- workgroups ----------------------------------------------------------------------------------

    def arn(self, name: str) -> str:
        return f"arn:aws:athena:{self.region}:{self.account_id}:workgroup/{name}"

    def workgroup(self, name: str) -> WorkGroup:
        with self._lock:
            wg = self.workgroups.get(name)
        if wg is None:
            raise AthenaApiError(f"WorkGroup {name} is not found.")
        return wg

    def create_workgroup(
        self, name: str, description: str, config: dict[str, Any], tags: dict[str, str]
    ) -> None:
        with self._lock:
            if name in self.workgroups:
                raise AthenaApiError(f"WorkGroup {name} is already created")
            self.workgroups[name] = WorkGroup(name, description, "ENABLED", copy.deepcopy(config), dict(tags))

    def update_workgroup(
        self, name: str, description: str | None, state: str | None, updates: dict[str, Any]
    ) -> None:
        with self._lock:
            wg = self.workgroup(name)
            if description is not None:
                wg.description = description
            if state:
                wg.state = state
            apply_configuration_updates(wg.configuration, updates)

    def delete_workgroup(self, name: str, recursive: bool) -> None:
        with self._lock:
            if name == "primary":
                raise AthenaApiError("Cannot delete primary workgroup")
            self.workgroup(name)
            del self.workgroups[name]

    def resource(self, arn: str) -> WorkGroup:
        prefix = f"arn:aws:athena:{self.region}:{self.account_id}:workgroup/"
        if not arn.startswith(prefix):
            raise AthenaApiError(f"The resource {arn} does not exist", code="ResourceNotFoundException")
        try:
            return self.workgroup(arn[len(prefix) :])
        except AthenaApiError:
            raise AthenaApiError(
                f"The resource {arn} does not exist", code="ResourceNotFoundException"
            ) from None

    # --- queries -------------------------------------------------------------------------------------

    def start_query(
        self,
        query: str,
        workgroup: str,
        database: str | None,
        catalog: str,
        client_config: dict[str, Any],
        parameters: list[str],
        token: str | None,
        reuse: dict[str, Any] | None = None,
    ) -> str:
        wg = self.workgroup(workgroup)
        if wg.state != "ENABLED":
            raise AthenaApiError(f"WorkGroup {workgroup} is disabled.")
        with self._lock:
            if token:
                for q in self.executions.values():
                    if getattr(q, "_token", None) == token:
                        return q.id  # ClientRequestToken makes StartQueryExecution idempotent
        config = effective_result_configuration(wg, client_config)
        if not config.get("OutputLocation"):
            raise AthenaApiError(
                "No output location provided. An output location is required either through the Workgroup "
                "result configuration setting or as an API input."
            )
        stype, sub = classify(query)
        cutoff = wg.configuration.get("BytesScannedCutoffPerQuery")
        qe = QueryExecution(
            id=str(uuid.uuid4()),
            query=query,
            workgroup=workgroup,
            database=database,
            catalog=catalog,
            parameters=list(parameters),
            result_configuration=config,
            statement_type=stype,
            substatement_type=sub,
            bytes_cutoff=int(cutoff) if cutoff else None,
        )
        qe._token = token  # type: ignore[attr-defined]
        qe.reuse = dict(reuse or {})
        with self._lock:
            self.executions[qe.id] = qe
            earlier = self._reusable(qe)
            if earlier is not None:
                # Athena answers from the earlier result: same files, nothing scanned, reported as reused.
                qe.started = qe.engine_done = time.time()
                qe.result = earlier.result
                qe.manifest = earlier.manifest
                qe.result_configuration["OutputLocation"] = earlier.output_location
                qe.reused = True
                self._finish(qe, "SUCCEEDED")
                return qe.id
        self._pool.submit(self._run, qe)
        return qe.id

    def _reusable(self, qe: QueryExecution) -> QueryExecution | None:
        """The newest earlier SELECT with the same text, context and workgroup within the max age."""
        if not qe.reuse.get("Enabled") or qe.substatement_type != "SELECT":
            return None
        max_age = 60 * float(qe.reuse.get("MaxAgeInMinutes") or 60)
        candidates = [
            q
            for q in self.executions.values()
            if q is not qe
            and q.state == "SUCCEEDED"
            and q.query == qe.query
            and q.parameters == qe.parameters
            and q.workgroup == qe.workgroup
            and q.database == qe.database
            and q.catalog == qe.catalog
            and q.completed is not None
            and qe.submitted - q.completed <= max_age
        ]
        return max(candidates, key=lambda q: q.completed or 0, default=None)

    def get_query(self, query_id: str) -> QueryExecution:
        with self._lock:
            qe = self.executions.get(query_id)
        if qe is None:
            raise AthenaApiError(
                f"QueryExecution {query_id} was not found", athena_code="INVALID_QUERY_EXECUTION_ID"
            )
        return qe

    def stop_query(self, query_id: str) -> None:
        qe = self.get_query(query_id)
        with self._lock:
            if qe.state in TERMINAL:
                return
            qe.cancel_requested = True
            if qe.state == "QUEUED":
                self._finish(qe, "CANCELLED", "Query cancelled by user")
                return
            con = qe.connection
        if con is not None:
            con.interrupt()

    def _finish(
        self, qe: QueryExecution, state: str, reason: str | None = None, error: dict[str, Any] | None = None
    ) -> None:
        qe.state = state
        qe.reason = reason
        qe.athena_error = error
        qe.completed = time.time()
        qe.connection = None
        qe.done.set()

    def _run(self, qe: QueryExecution) -> None:
        with self._lock:
            if qe.state != "QUEUED":
                return
            qe.state = "RUNNING"
            qe.started = time.time()
        req = QueryRequest(
            query_id=qe.id,
            sql=qe.query,
            parameters=qe.parameters,
            database=qe.database,
            output_location=_folder(qe.output_location),
            encryption=qe.result_configuration.get("EncryptionConfiguration"),
            bytes_cutoff=qe.bytes_cutoff,
        )

        def attach(con: duckdb.DuckDBPyConnection) -> None:
            with self._lock:
                qe.connection = con

        try:
            athena_rules.check(req.sql)  # what Athena itself refuses, whichever engine runs the query
            outcome = self.layer.execute(req, attach)
            qe.engine_done = time.time()
            qe.data_scanned = outcome.data_scanned
            qe.planning_ms = getattr(outcome, "planning_ms", 0)
            if qe.cancel_requested:
                raise QueryFailed("Query cancelled by user", state="CANCELLED")
            self._write_results(qe, req, outcome)
        except QueryFailed as e:
            with self._lock:
                if qe.cancel_requested and e.state != "FAILED":
                    self._finish(qe, "CANCELLED", "Query cancelled by user")
                else:
                    self._finish(qe, e.state, e.reason, e.athena_error() if e.state == "FAILED" else None)
            return
        except Exception as e:  # never a 500 or a hang: anything unexpected fails the query
            traceback.print_exc()
            failure = QueryFailed(
                f"GENERIC_INTERNAL_ERROR: {type(e).__name__}: {e}", category=SYSTEM, error_type=INTERNAL_ERROR
            )
            with self._lock:
                self._finish(qe, "FAILED", failure.reason, failure.athena_error())
            return
        with self._lock:
            qe.result = outcome.result
            self._finish(qe, "SUCCEEDED")

    def _write_results(self, qe: QueryExecution, req: QueryRequest, outcome: Outcome) -> None:
        folder = req.output_location or ""
        result = outcome.result
        try:
            s3 = self.engine.s3
            if (
                qe.substatement_type in ("INSERT", "CREATE_TABLE_AS_SELECT", "UNLOAD")
                and result.update_count is not None
            ):
                manifest = f"{folder}{qe.id}-manifest.csv"
                body = "".join(f + "\n" for f in outcome.output_files).encode()
                s3.put(manifest, body, req.encryption, "text/csv")
                qe.manifest = manifest
                qe.result_configuration["OutputLocation"] = f"{folder}{qe.id}"
            elif result.header:
                s3.put(f"{folder}{qe.id}.csv", result.csv(), req.encryption, "text/csv")
                qe.result_configuration["OutputLocation"] = f"{folder}{qe.id}.csv"
            else:
                s3.put(f"{folder}{qe.id}.txt", result.text(), req.encryption, "text/plain")
                qe.result_configuration["OutputLocation"] = f"{folder}{qe.id}.txt"
            s3.put(
                f"{qe.result_configuration['OutputLocation']}.metadata",
                result.metadata(),
                req.encryption,
                "application/octet-stream",
            )
        except Exception as e:
            raise QueryFailed(
                f"Unable to write query results to {folder}: {type(e).__name__}: {e}",
                category=SYSTEM,
                error_type=RESULT_WRITE_ERROR,
            ) from None

    def list_queries(self, workgroup: str) -> list[str]:
        self.workgroup(workgroup)
        with self._lock:
            items = [q for q in self.executions.values() if q.workgroup == workgroup]
        return [q.id for q in sorted(items, key=lambda q: q.submitted, reverse=True)]


def _ms(seconds: float) -> int:
    """Elapsed milliseconds, rounded up: a phase that took any time reports at least 1 ms."""
    return max(0, math.ceil(seconds * 1000))


def _folder(location: str | None) -> str | None:
    if not location:
        return None
    return location if location.endswith("/") else location + "/"


def effective_result_configuration(wg: WorkGroup, client: dict[str, Any]) -> dict[str, Any]:
    """Workgroup settings win when enforced; otherwise the client's override field by field."""
    base = copy.deepcopy(wg.configuration.get("ResultConfiguration", {}))
    enforce = wg.configuration.get("EnforceWorkGroupConfiguration", True)
    if enforce and base:
        return base
    merged = {**base, **copy.deepcopy(client)}
    return merged


def apply_configuration_updates(config: dict[str, Any], updates: dict[str, Any]) -> None:
    """UpdateWorkGroup's ConfigurationUpdates semantics (Remove* flags clear fields)."""
    for key in (
        "EnforceWorkGroupConfiguration",
        "PublishCloudWatchMetricsEnabled",
        "RequesterPaysEnabled",
        "EngineVersion",
    ):
        if key in updates:
            config[key] = updates[key]
    if "BytesScannedCutoffPerQuery" in updates:
        config["BytesScannedCutoffPerQuery"] = updates["BytesScannedCutoffPerQuery"]
    if updates.get("RemoveBytesScannedCutoffPerQuery"):
        config.pop("BytesScannedCutoffPerQuery", None)
    rc_updates = updates.get("ResultConfigurationUpdates")
    if rc_updates:
        rc = config.setdefault("ResultConfiguration", {})
        for key in ("OutputLocation", "EncryptionConfiguration", "ExpectedBucketOwner", "AclConfiguration"):
            if key in rc_updates:
                rc[key] = rc_updates[key]
            if rc_updates.get(f"Remove{key}"):
                rc.pop(key, None)
    handled = {"ResultConfigurationUpdates", "BytesScannedCutoffPerQuery", "RemoveBytesScannedCutoffPerQuery"}
    for key, value in updates.items():
        if key not in handled and not key.startswith("Remove"):
            config[key] = value
