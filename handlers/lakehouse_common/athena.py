"""Run one Athena query to a terminal state: start in the workgroup, poll with backoff, time out.

Values go in as ``ExecutionParameters`` (``?`` placeholders, each a SQL literal as Athena expects);
the database goes in as the query's execution context, so no identifier is formatted into SQL.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakehouse_common.clock import Clock
from lakehouse_common.keys import validate_date
from lakehouse_common.logs import log
from lakehouse_common.metrics import Metrics

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"  # sql/ sits beside lakehouse_common/ in the zip
FAILURE_METRIC = "AthenaQueryFailures"
DEADLINE_METRIC = "QueriesNotSubmitted"  # queries a run left for later: the Lambda deadline was too near
DEADLINE_RESERVE_SECONDS = 10.0  # kept back after the last query for state writes and metrics
_SQL_NAME = re.compile(r"^[a-z0-9_]+$")
_RUNNING = {"QUEUED", "RUNNING"}


class QueryFailed(RuntimeError):
    """Athena ended a query FAILED or CANCELLED (or we cancelled it on timeout)."""

    def __init__(self, message: str, *, query_id: str | None, state: str, reason: str) -> None:
        super().__init__(message)
        self.query_id = query_id
        self.state = state
        self.reason = reason


class QueryTimeout(QueryFailed):
    pass


@dataclass
class QueryResult:
    query_id: str
    name: str
    state: str
    statistics: dict[str, Any] = field(default_factory=dict)


def load_sql(name: str) -> str:
    """The text of ``sql/<name>.sql``."""
    if not _SQL_NAME.match(name):
        raise ValueError(f"bad SQL file name {name!r}")
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"SQL file missing from the package: {path}")
    return path.read_text(encoding="utf-8")


def placeholder_count(sql: str) -> int:
    """``?`` placeholders outside comments and string literals."""
    count = 0
    in_string = False
    for line in sql.splitlines():
        i = 0
        while i < len(line):
            ch = line[i]
            if in_string:
                if ch == "'":
                    in_string = False
            elif ch == "'":
                in_string = True
            elif line.startswith("--", i):
                break
            elif ch == "?":
                count += 1
            i += 1
    return count


def date_literal(value: str) -> str:
    """A validated YYYY-MM-DD date as the quoted literal an execution parameter carries."""
    return f"'{validate_date(value)}'"


class AthenaRunner:
    def __init__(
        self,
        athena: Any,
        *,
        workgroup: str,
        database: str,
        metrics: Metrics,
        transform: str,
        timeout_seconds: float,
        clock: Clock,
        logger: logging.Logger,
        poll_initial: float = 0.5,
        poll_max: float = 5.0,
        time_left: Callable[[], float] | None = None,
        reserve_seconds: float = DEADLINE_RESERVE_SECONDS,
    ) -> None:
        self.athena = athena
        self.workgroup = workgroup
        self.database = database
        self.metrics = metrics
        self.transform = transform
        self.timeout_seconds = timeout_seconds
        self.clock = clock
        self.logger = logger
        self.poll_initial = poll_initial
        self.poll_max = poll_max
        self.time_left = time_left  # seconds the invocation has left; None: no deadline (a local call)
        self.reserve_seconds = reserve_seconds

    @classmethod
    def for_transform(
        cls, deps: Any, *, transform: str, logger: logging.Logger, context: Any = None
    ) -> AthenaRunner:
        """The runner a transform (silver, gold) uses: its workgroup, database, timeout, failure metric and
        the invocation's deadline (from the Lambda context, when there is one).

        deps carries the transform's `config` (a TransformConfig), `athena`, `cloudwatch` and `clock`; the
        caller flushes runner.metrics when the run ends.
        """
        config, athena, clock = deps.config, deps.athena, deps.clock
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        metrics = Metrics(deps.cloudwatch, config.common.namespace, config.common.env)
        return cls(
            athena,
            workgroup=config.workgroup,
            database=config.database,
            metrics=metrics,
            transform=transform,
            timeout_seconds=config.query_timeout_seconds,
            clock=clock,
            logger=logger,
            time_left=(lambda: remaining() / 1000.0) if callable(remaining) else None,
        )

    def covers_one_more(self, name: str, not_submitted: int = 1) -> bool:
        """Whether the time left covers one more query run to its timeout, plus a reserve for the work
        after it. When not, says so: a warning naming the query and a QueriesNotSubmitted metric counting
        the queries this run will not submit (a query left waiting past the deadline would be cut off
        with the function, its outcome unseen)."""
        if self.time_left is None:
            return True
        left = self.time_left()
        needed = self.timeout_seconds + self.reserve_seconds
        if left >= needed:
            return True
        log(
            self.logger,
            "not submitting: the time left cannot cover one more query",
            logging.WARNING,
            query=name,
            time_left_s=round(left, 3),
            needed_s=needed,
            queries_not_submitted=not_submitted,
        )
        self.metrics.add(DEADLINE_METRIC, not_submitted, Transform=self.transform)
        return False

    def run(self, sql: str, parameters: Sequence[str] = (), *, name: str) -> QueryResult:
        expected = placeholder_count(sql)
        if expected != len(parameters):
            raise ValueError(f"query {name} has {expected} placeholders but {len(parameters)} parameters")
        request: dict[str, Any] = {
            "QueryString": sql,
            "WorkGroup": self.workgroup,
            "QueryExecutionContext": {"Catalog": "AwsDataCatalog", "Database": self.database},
        }
        if parameters:
            request["ExecutionParameters"] = list(parameters)
        started = self.clock.now()
        try:
            query_id = self.athena.start_query_execution(**request)["QueryExecutionId"]
        except Exception as exc:
            self._failed(name, None, "NOT_STARTED", f"StartQueryExecution failed: {exc}")
            raise QueryFailed(
                f"query {name} could not start: {exc}", query_id=None, state="NOT_STARTED", reason=str(exc)
            ) from exc
        log(self.logger, "query started", query=name, query_id=query_id, parameters=list(parameters))

        delay = self.poll_initial
        while True:
            execution = self.athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
            status = execution.get("Status", {})
            state = status.get("State", "UNKNOWN")
            if state == "SUCCEEDED":
                stats = execution.get("Statistics", {})
                log(self.logger, "query succeeded", query=name, query_id=query_id, statistics=stats)
                return QueryResult(query_id, name, state, stats)
            if state not in _RUNNING:
                reason = status.get("StateChangeReason") or status.get("AthenaError", {}).get(
                    "ErrorMessage", "no reason given"
                )
                self._failed(name, query_id, state, reason)
                raise QueryFailed(
                    f"query {name} ({query_id}) {state}: {reason}",
                    query_id=query_id,
                    state=state,
                    reason=reason,
                )
            elapsed = (self.clock.now() - started).total_seconds()
            if elapsed >= self.timeout_seconds:
                self._cancel(query_id)
                reason = f"timed out after {self.timeout_seconds:g}s in state {state}; cancelled"
                self._failed(name, query_id, "TIMEOUT", reason)
                raise QueryTimeout(
                    f"query {name} ({query_id}) {reason}", query_id=query_id, state="TIMEOUT", reason=reason
                )
            # Never sleep past the deadline; check once more right at it.
            self.clock.sleep(min(delay, max(0.0, self.timeout_seconds - elapsed)))
            delay = min(self.poll_max, delay * 1.6)

    def _cancel(self, query_id: str) -> None:
        try:
            self.athena.stop_query_execution(QueryExecutionId=query_id)
        except Exception as exc:  # the timeout is what we report; a failed cancel is only logged
            log(self.logger, "could not cancel query", logging.WARNING, query_id=query_id, error=str(exc))

    def _failed(self, name: str, query_id: str | None, state: str, reason: str) -> None:
        self.metrics.add(FAILURE_METRIC, 1, Transform=self.transform)
        log(
            self.logger,
            "query failed",
            logging.ERROR,
            query=name,
            query_id=query_id,
            state=state,
            reason=reason,
            transform=self.transform,
        )
