"""The end-of-day service: when it fires and what it runs."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from backoffice.domain.calendar import TradingCalendar
from backoffice.scheduler import Step, build_scheduler, eod_trigger, fire, run_end_of_day

SH = ZoneInfo("Asia/Shanghai")
CAL = TradingCalendar("Asia/Shanghai", frozenset({date(2026, 10, 1)}))


def recorder():
    ran = []
    return ran, [Step("settle", lambda d: ran.append(("settle", d))), Step("statements", lambda d: ran.append(("statements", d)))]


def test_the_trigger_fires_at_the_local_time_on_weekdays():
    trigger = eod_trigger(CAL, time(15, 30))
    friday_evening = datetime(2026, 11, 20, 16, 0, tzinfo=SH)
    assert trigger.get_next_fire_time(None, friday_evening) == datetime(2026, 11, 23, 15, 30, tzinfo=SH)
    tuesday_morning = datetime(2026, 11, 24, 9, 0, tzinfo=SH)
    assert trigger.get_next_fire_time(None, tuesday_morning) == datetime(2026, 11, 24, 15, 30, tzinfo=SH)


def test_a_firing_runs_every_step_in_order_for_the_trading_day():
    ran, steps = recorder()
    outcomes = fire(CAL, steps, lambda: datetime(2026, 11, 23, 7, 30, tzinfo=ZoneInfo("UTC")))  # 15:30 in Shanghai
    assert ran == [("settle", date(2026, 11, 23)), ("statements", date(2026, 11, 23))]
    assert [o.ok for o in outcomes] == [True, True]


def test_a_weekday_holiday_runs_nothing():
    ran, steps = recorder()
    assert fire(CAL, steps, lambda: datetime(2026, 10, 1, 15, 30, tzinfo=SH)) == []
    assert ran == []


def test_a_failing_step_stops_the_batch_and_is_reported():
    ran = []

    def broken(day):
        raise RuntimeError("2026-11-23 is not closed: 3 working DAY orders")

    steps = [Step("settle", broken), Step("statements", lambda d: ran.append(d))]
    outcomes = run_end_of_day(date(2026, 11, 23), steps)
    assert [(o.name, o.ok, o.error) for o in outcomes] == [("settle", False, "2026-11-23 is not closed: 3 working DAY orders")]
    assert ran == []


def test_the_service_has_one_coalescing_job():
    _, steps = recorder()
    scheduler = build_scheduler(CAL, time(15, 30), steps, lambda: datetime.now(SH))
    (job,) = scheduler.get_jobs()
    assert job.coalesce and job.max_instances == 1 and job.misfire_grace_time == 6 * 3600
