"""Drive the deployed pipeline on its deployed schedules, under a simulated clock.

The EventBridge rules are read back from the target (``ListRules`` by the env's name prefix, then
``ListTargetsByRule``), and each rule's target is matched to a deployed function. A simulated clock walks
a time window and fires every rule at the times its expression names (``rate(...)`` aligned to the epoch,
``cron(...)`` in EventBridge's six-field form, UTC). Each firing is one invocation of the deployed code
through :class:`harness.pipeline.runtime.LambdaRuntime` with EventBridge's scheduled-event payload.

The handlers read the wall clock, so a firing also pins its simulated day with the optional invocation
fields of docs/contracts.md: ingest gets ``ingest_dt`` (the simulated date) and ``force`` (the simulated
minutes between polls pass in real seconds, well inside ``X-Poll-Interval``); silver gets the window
``from_dt`` (an hour before the firing) .. ``to_dt`` (the firing's date), so the 00:15 run still picks up
the previous day's last polls; gold gets ``ingest_dt`` = the day before the firing (its default:
yesterday). The archive function's scheduled mode reads the wall clock too: its firing asks instead for
exactly the hours a scheduled run at the simulated time would load (docs/contracts.md: hour H is due at
H+1h+lag, the newest ``ARCHIVE_LOOKBACK_HOURS`` due hours are re-checked), in the handler's
``{"hours": [...]}`` form, with the lag and lookback the deployed function is configured with.

The archive writes hours of the previous day after midnight; the deployed Silver takes them from its
watermark (every partition touched since its last run). The pinned Silver window reaches back
``silver_reach`` (default one hour, the live ingest's need); runs that fire the archive widen it to the
archive's reach (:meth:`Pipeline.archive_reach`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from harness.console import say
from harness.errors import HarnessError
from harness.pipeline.runtime import DeployedFunction, Invocation, LambdaRuntime, load_function

ROLES = ("ingest", "archive", "silver", "gold")  # firing order within one minute
LIVE_ROLES = ("ingest", "silver", "gold")  # the live path alone: scenarios that do not involve the archive
INGEST_STATE_KEY = "_state/ingest/state.json"  # docs/contracts.md, 'S3 layout'
SILVER_STATE_KEY = "_state/silver/state.json"
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}


class ScheduleError(HarnessError, ValueError):
    """A schedule expression this clock cannot evaluate, or rules that do not match the functions."""


# ---------------------------------------------------------------------------------------------------
# Schedule expressions


def _cron_field(text: str, low: int, high: int, what: str) -> set[int] | None:
    """Values a cron field allows; None for '*' or '?' (any)."""
    if text in {"*", "?"}:
        return None
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
            if step <= 0:
                raise ScheduleError(f"bad step in cron {what} field {text!r}")
        if part in {"*", "?"}:
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = int(a), int(b)
        else:
            start = int(part)
            end = high if step > 1 else start
        if not (low <= start <= high and low <= end <= high):
            raise ScheduleError(f"cron {what} field {text!r} is out of range {low}-{high}")
        values.update(range(start, end + 1, step))
    return values


@dataclass(frozen=True)
class ScheduleExpression:
    """An EventBridge schedule expression: ``rate(n unit)`` or ``cron(min hour dom month dow year)``."""

    text: str
    period: timedelta | None = None
    minutes: frozenset[int] | None = None
    hours: frozenset[int] | None = None
    days: frozenset[int] | None = None
    months: frozenset[int] | None = None
    weekdays: frozenset[int] | None = None  # EventBridge: 1=SUN .. 7=SAT
    years: frozenset[int] | None = None

    @classmethod
    def parse(cls, text: str) -> ScheduleExpression:
        text = text.strip()
        rate = _RATE.match(text)
        if rate:
            n, unit = int(rate.group(1)), rate.group(2).rstrip("s")
            if n <= 0:
                raise ScheduleError(f"{text}: the rate must be positive")
            return cls(text, period=timedelta(seconds=n * _UNITS[unit]))
        cron = _CRON.match(text)
        if not cron:
            raise ScheduleError(f"{text!r} is neither rate(...) nor cron(...)")
        fields = cron.group(1).split()
        if len(fields) != 6:
            raise ScheduleError(f"{text}: EventBridge cron has 6 fields, got {len(fields)}")
        if any(ch in f for f in fields for ch in "LW#"):
            raise ScheduleError(f"{text}: L, W and # are not supported by the simulated clock")
        names = ("minute", "hour", "day-of-month", "month", "day-of-week", "year")
        ranges = ((0, 59), (0, 23), (1, 31), (1, 12), (1, 7), (1970, 2199))
        parsed = [_cron_field(f, lo, hi, n) for f, (lo, hi), n in zip(fields, ranges, names, strict=True)]
        if parsed[2] is not None and parsed[4] is not None:
            raise ScheduleError(f"{text}: day-of-month and day-of-week cannot both be set (one must be ?)")
        frozen = [frozenset(p) if p is not None else None for p in parsed]
        return cls(text, None, *frozen)

    def _matches(self, t: datetime) -> bool:
        weekday = (t.isoweekday() % 7) + 1  # Monday=1..Sunday=7 -> SUN=1..SAT=7
        checks = (
            (self.minutes, t.minute),
            (self.hours, t.hour),
            (self.days, t.day),
            (self.months, t.month),
            (self.weekdays, weekday),
            (self.years, t.year),
        )
        return all(allowed is None or value in allowed for allowed, value in checks)

    def fire_times(self, start: datetime, end: datetime) -> list[datetime]:
        """Every firing in [start, end), UTC. Rates are aligned to multiples of the period since the epoch."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if self.period is not None:
            step = self.period.total_seconds()
            epoch = datetime(1970, 1, 1, tzinfo=UTC)
            k = -(-int((start - epoch).total_seconds()) // int(step))
            t = epoch + timedelta(seconds=k * step)
            out = []
            while t < end:
                out.append(t)
                t += self.period
            return out
        t = start.replace(second=0, microsecond=0)
        if t < start:
            t += timedelta(minutes=1)
        out = []
        while t < end:
            if self._matches(t):
                out.append(t)
            t += timedelta(minutes=1)
        return out


# ---------------------------------------------------------------------------------------------------
# The deployed pipeline


@dataclass(frozen=True)
class Schedule:
    role: str
    rule: str
    rule_arn: str
    expression: ScheduleExpression
    function: str


@dataclass
class Firing:
    at: datetime
    role: str
    event: dict[str, Any]
    invocation: Invocation

    @property
    def ok(self) -> bool:
        return self.invocation.ok


def role_of(fn: DeployedFunction) -> str:
    module = fn.handler.rpartition(".")[0]
    if module not in ROLES:
        raise ScheduleError(f"{fn.name}: handler {fn.handler!r} is none of {ROLES}")
    return module


def read_schedules(events: Any, lambda_client: Any, prefix: str) -> list[tuple[str, str, str, str]]:
    """(rule name, rule arn, expression, target function name) for every scheduled rule under prefix."""
    out = []
    paginator_kwargs: dict[str, Any] = {"NamePrefix": prefix}
    while True:
        page = events.list_rules(**paginator_kwargs)
        for rule in page.get("Rules", []):
            expression = rule.get("ScheduleExpression")
            if not expression or rule.get("State", "ENABLED") != "ENABLED":
                continue
            for target in events.list_targets_by_rule(Rule=rule["Name"]).get("Targets", []):
                if ":lambda:" not in target["Arn"]:
                    continue
                name = lambda_client.get_function(FunctionName=target["Arn"])["Configuration"]["FunctionName"]
                out.append((rule["Name"], rule["Arn"], expression, name))
        if not page.get("NextToken"):
            return out
        paginator_kwargs["NextToken"] = page["NextToken"]


def _say(msg: str) -> None:
    say("pipeline", msg)


@dataclass
class Pipeline:
    """The deployed functions, their schedules and a runtime to invoke them."""

    functions: dict[str, DeployedFunction]
    schedules: dict[str, Schedule]
    runtime: LambdaRuntime
    s3: Any
    account_id: str
    region: str
    history: list[Firing] = field(default_factory=list)
    progress: bool = False
    silver_reach: timedelta = timedelta(hours=1)  # how far back a pinned Silver window starts

    @classmethod
    def load(
        cls,
        *,
        env: str,
        client: Callable[[str], Any],
        runtime: LambdaRuntime,
        search_dirs: Iterable[Path] = (),
        region: str = "us-east-1",
        progress: bool = False,
    ) -> Pipeline:
        """Read everything back from the target: rules, their targets, the functions and their code."""
        lam, dirs = client("lambda"), list(search_dirs)
        found = read_schedules(client("events"), lam, f"dp-{env}-")
        functions: dict[str, DeployedFunction] = {}
        schedules: dict[str, Schedule] = {}
        for rule, arn, expression, function in found:
            fn = load_function(lam, function, dirs)
            role = role_of(fn)
            if role in schedules:
                raise ScheduleError(
                    f"two schedules invoke the {role} function: {schedules[role].rule}, {rule}"
                )
            functions[role] = fn
            schedules[role] = Schedule(role, rule, arn, ScheduleExpression.parse(expression), fn.name)
        missing = [r for r in ROLES if r not in schedules]
        if missing:
            raise ScheduleError(f"no schedule found for {missing} among rules dp-{env}-*: {found}")
        account = functions["ingest"].arn.split(":")[4]
        return cls(functions, schedules, runtime, client("s3"), account, region, progress=progress)

    # -- state -------------------------------------------------------------------------------------
    @property
    def raw_bucket(self) -> str:
        return self.functions["ingest"].environment["RAW_BUCKET"]

    @property
    def silver_bucket(self) -> str:
        return self.functions["silver"].environment["SILVER_BUCKET"]

    def archive_reach(self) -> timedelta:
        """How far back of its firing a scheduled archive run writes: lag, the hour itself, the lookback."""
        env = self.functions["archive"].environment
        return timedelta(hours=int(env["ARCHIVE_LAG_HOURS"]) + 1 + int(env["ARCHIVE_LOOKBACK_HOURS"]))

    def reset_ingest_state(self) -> None:
        """Forget ETag, seen ids and lease: the next poll behaves like the first one."""
        self.s3.delete_object(Bucket=self.raw_bucket, Key=INGEST_STATE_KEY)

    # -- invocations -------------------------------------------------------------------------------
    def scheduled_event(self, role: str, at: datetime) -> dict[str, Any]:
        """EventBridge's scheduled-event payload, plus the fields that pin the simulated day.

        The archive's firing is its pinned form alone, ``{"hours": [...]}`` (module docstring).
        """
        if role == "archive":
            env = self.functions["archive"].environment
            hours = archive_due_hours(at, int(env["ARCHIVE_LAG_HOURS"]), int(env["ARCHIVE_LOOKBACK_HOURS"]))
            return {"hours": hours}
        sched = self.schedules[role]
        event: dict[str, Any] = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self.account_id,
            "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.region,
            "resources": [sched.rule_arn],
            "detail": {},
        }
        return event | pinning_fields(role, at, silver_reach=self.silver_reach)

    def invoke(self, role: str, event: Mapping[str, Any]) -> Invocation:
        inv = self.runtime.invoke(self.functions[role], dict(event))
        if self.progress:
            state = "ok" if inv.ok else f"FAILED {inv.error_type}"
            _say(f"{role} {state} in {inv.seconds:.1f}s")
        return inv

    def fire(self, role: str, at: datetime) -> Firing:
        event = self.scheduled_event(role, at)
        firing = Firing(at, role, event, self.invoke(role, event))
        self.history.append(firing)
        return firing

    def firings(
        self, start: datetime, end: datetime, roles: Iterable[str] = ROLES
    ) -> list[tuple[datetime, str]]:
        """(time, role) of every firing in [start, end), in time order (within a minute, in ROLES order)."""
        order = {r: i for i, r in enumerate(ROLES)}
        planned = [(t, r) for r in roles for t in self.schedules[r].expression.fire_times(start, end)]
        return sorted(planned, key=lambda p: (p[0], order[p[1]]))

    def run(
        self,
        start: datetime,
        end: datetime,
        *,
        roles: Iterable[str] = ROLES,
        before: Callable[[datetime, str], None] | None = None,
    ) -> list[Firing]:
        """Advance the simulated clock from start to end, firing each rule when it is due.

        ``before(time, role)`` runs before each firing (tests push events or queue faults there).
        """
        planned = self.firings(start, end, roles)
        if self.progress:
            _say(f"simulating {start:%Y-%m-%d %H:%M} .. {end:%Y-%m-%d %H:%M} UTC: {len(planned)} firings")
        out = []
        for i, (at, role) in enumerate(planned, 1):
            if before is not None:
                before(at, role)
            if self.progress:
                _say(f"[{i}/{len(planned)}] {at:%Y-%m-%d %H:%M} {role}")
            out.append(self.fire(role, at))
        return out


def pinning_fields(
    role: str, at: datetime, *, silver_reach: timedelta = timedelta(hours=1)
) -> dict[str, Any]:
    at = at.astimezone(UTC)
    if role == "ingest":
        return {"ingest_dt": at.date().isoformat(), "force": True}
    if role == "silver":
        return {"from_dt": (at - silver_reach).date().isoformat(), "to_dt": at.date().isoformat()}
    if role == "gold":
        return {"ingest_dt": (at.date() - timedelta(days=1)).isoformat()}
    raise ScheduleError(f"unknown role {role!r} (the archive is pinned by archive_due_hours)")


def archive_due_hours(at: datetime, lag_hours: int, lookback_hours: int) -> list[str]:
    """The hours a scheduled archive run at ``at`` loads, oldest first, as ``YYYY-MM-DDTHH``: the newest due
    hour is the one that started 1h + lag before ``at``, and the lookback re-checks that many hours."""
    if lag_hours < 0 or lookback_hours < 1:
        raise ScheduleError(
            f"archive lag {lag_hours} h / lookback {lookback_hours} h: need lag >= 0, lookback >= 1"
        )
    newest = (at.astimezone(UTC) - timedelta(hours=1 + lag_hours)).replace(minute=0, second=0, microsecond=0)
    return [(newest - timedelta(hours=n)).strftime("%Y-%m-%dT%H") for n in reversed(range(lookback_hours))]


def day_start(day: date | str) -> datetime:
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime(d.year, d.month, d.day, tzinfo=UTC)
