"""The simulated clock's schedule expressions and the payload pins (no deployment)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from harness.pipeline.schedule import ScheduleError, ScheduleExpression, archive_due_hours, pinning_fields


def t(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


def test_rate_is_aligned_and_half_open() -> None:
    expr = ScheduleExpression.parse("rate(5 minutes)")
    times = expr.fire_times(t("2025-01-01T23:52:00"), t("2025-01-02T00:10:00"))
    assert [x.strftime("%H:%M") for x in times] == ["23:55", "00:00", "00:05"]
    assert len(expr.fire_times(t("2025-01-01T00:00:00"), t("2025-01-02T00:00:00"))) == 288
    assert ScheduleExpression.parse("rate(1 hour)").period == timedelta(hours=1)
    assert ScheduleExpression.parse("rate(2 days)").period == timedelta(days=2)


def test_cron_hourly_and_daily() -> None:
    day = (t("2025-01-01T00:00:00"), t("2025-01-02T00:00:00"))
    hourly = ScheduleExpression.parse("cron(15 * * * ? *)").fire_times(*day)
    assert len(hourly) == 24 and all(x.minute == 15 for x in hourly)
    daily = ScheduleExpression.parse("cron(30 1 * * ? *)").fire_times(*day)
    assert daily == [t("2025-01-01T01:30:00")]


def test_cron_lists_ranges_steps_and_weekdays() -> None:
    expr = ScheduleExpression.parse("cron(0/20 8-9 ? * 2-6 *)")
    # 2025-01-04 is a Saturday: nothing; 2025-01-06 a Monday: 08:00, 08:20, 08:40, 09:00, ...
    assert expr.fire_times(t("2025-01-04T00:00:00"), t("2025-01-05T00:00:00")) == []
    monday = expr.fire_times(t("2025-01-06T00:00:00"), t("2025-01-07T00:00:00"))
    assert [x.strftime("%H:%M") for x in monday] == ["08:00", "08:20", "08:40", "09:00", "09:20", "09:40"]
    sundays = ScheduleExpression.parse("cron(0 12 ? * 1 *)").fire_times(
        t("2025-01-01T00:00:00"), t("2025-01-15T00:00:00")
    )
    assert [x.date().isoformat() for x in sundays] == ["2025-01-05", "2025-01-12"]


@pytest.mark.parametrize(
    "text",
    [
        "every 5 minutes",
        "rate(0 minutes)",
        "rate(5 fortnights)",
        "cron(15 * * * *)",
        "cron(61 * * * ? *)",
        "cron(0 0 1 * 1 *)",
        "cron(0 0 L * ? *)",
    ],
)
def test_rejects_what_it_cannot_evaluate(text: str) -> None:
    with pytest.raises(ScheduleError):
        ScheduleExpression.parse(text)


def test_pins_follow_the_simulated_time() -> None:
    at = t("2025-03-14T00:15:00")
    assert pinning_fields("ingest", at) == {"ingest_dt": "2025-03-14", "force": True}
    # The 00:15 silver run still covers the previous day's last polls.
    assert pinning_fields("silver", at) == {"from_dt": "2025-03-13", "to_dt": "2025-03-14"}
    assert pinning_fields("silver", t("2025-03-14T10:15:00")) == {
        "from_dt": "2025-03-14",
        "to_dt": "2025-03-14",
    }
    assert pinning_fields("gold", t("2025-03-14T01:30:00")) == {"ingest_dt": "2025-03-13"}
    # A run that fires the archive reaches back as far as the archive writes.
    assert pinning_fields("silver", t("2025-03-14T01:15:00"), silver_reach=timedelta(hours=5)) == {
        "from_dt": "2025-03-13",
        "to_dt": "2025-03-14",
    }
    with pytest.raises(ScheduleError, match="archive_due_hours"):
        pinning_fields("archive", at)


def test_archive_firing_asks_for_the_hours_a_scheduled_run_would_load() -> None:
    # Hour H is due at H+1h+lag: at 12:05 with a lag of 1 h the newest due hour is 10:00.
    assert archive_due_hours(t("2025-03-14T12:05:00"), 1, 3) == [
        "2025-03-14T08",
        "2025-03-14T09",
        "2025-03-14T10",
    ]
    # Just after midnight the window reaches into the previous day.
    assert archive_due_hours(t("2025-03-15T00:05:00"), 0, 2) == ["2025-03-14T22", "2025-03-14T23"]
    assert archive_due_hours(t("2025-03-15T01:00:00"), 0, 1) == ["2025-03-15T00"]  # due exactly now
    with pytest.raises(ScheduleError):
        archive_due_hours(t("2025-03-15T01:00:00"), 0, 0)


@pytest.mark.parametrize(
    ("at", "lag", "lookback"),
    [("2025-03-14T12:05:00", 1, 3), ("2025-03-15T00:05:00", 0, 2), ("2025-03-15T01:00:00", 0, 1)],
)
def test_archive_firing_asks_for_what_the_handler_schedules(at: str, lag: int, lookback: int) -> None:
    """The simulated clock pins the archive firing to the hours the handler's own scheduled mode picks."""
    import archive
    from lakehouse_common.config import ArchiveConfig

    env = {"LAKEHOUSE_ENV": "dev", "RAW_BUCKET": "raw", "ARCHIVE_BASE_URL": "http://127.0.0.1:1"}
    config = ArchiveConfig.from_env(
        {**env, "ARCHIVE_LAG_HOURS": str(lag), "ARCHIVE_LOOKBACK_HOURS": str(lookback)}
    )
    mode, hours = archive.hours_to_load({}, config, t(at))
    assert mode == "scheduled"
    assert [h.strftime("%Y-%m-%dT%H") for h in hours] == archive_due_hours(t(at), lag, lookback)
