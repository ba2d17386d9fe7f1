"""When digests run: a local time of day turned into UTC instants, DST-correct (pure functions)."""

from datetime import UTC, date, datetime, time

import pytest

from core.digests.schedule import latest_run, next_run, occurrence, parse_at
from core.errors import Invalid


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_nine_oclock_moves_an_hour_in_utc_when_berlin_springs_forward():
    assert occurrence(date(2026, 3, 28), time(9), "Europe/Berlin") == utc(2026, 3, 28, 8)
    assert occurrence(date(2026, 3, 29), time(9), "Europe/Berlin") == utc(2026, 3, 29, 7)
    assert next_run(time(9), "Europe/Berlin", after=utc(2026, 3, 28, 8)) == utc(2026, 3, 29, 7)


def test_a_time_inside_the_spring_forward_gap_runs_when_the_clocks_jump():
    # 02:30 does not exist in Berlin on 29 March 2026: clocks go from 02:00 CET to 03:00 CEST at 01:00 UTC.
    assert occurrence(date(2026, 3, 29), time(2, 30), "Europe/Berlin") == utc(2026, 3, 29, 1)
    assert occurrence(date(2026, 3, 30), time(2, 30), "Europe/Berlin") == utc(2026, 3, 30, 0, 30)
    assert occurrence(date(2026, 3, 8), time(2, 15), "America/New_York") == utc(2026, 3, 8, 7)


def test_a_time_inside_the_fall_back_overlap_runs_once_at_its_first_occurrence():
    # 02:30 happens twice in Berlin on 25 October 2026: at 00:30 UTC (CEST) and 01:30 UTC (CET).
    first = occurrence(date(2026, 10, 25), time(2, 30), "Europe/Berlin")
    assert first == utc(2026, 10, 25, 0, 30)
    assert next_run(time(2, 30), "Europe/Berlin", after=first) == utc(2026, 10, 26, 1, 30)


def test_the_latest_run_names_the_local_date_it_belongs_to():
    assert latest_run(time(9), "Europe/Berlin", upto=utc(2026, 3, 30, 6, 59)) == (date(2026, 3, 29), utc(2026, 3, 29, 7))
    assert latest_run(time(9), "Europe/Berlin", upto=utc(2026, 3, 30, 7)) == (date(2026, 3, 30), utc(2026, 3, 30, 7))
    assert latest_run(time(23, 30), "Pacific/Auckland", upto=utc(2026, 3, 30, 11)) == (date(2026, 3, 30), utc(2026, 3, 30, 10, 30))


@pytest.mark.parametrize(("typed", "expected"), [("09:00", time(9)), ("7", time(7)), ("18h15", time(18, 15)), ("", time(9))])
def test_times_of_day_are_read_in_common_shapes(typed, expected):
    assert parse_at(typed) == expected


@pytest.mark.parametrize("typed", ["25:00", "9:75", "noon", "9pm"])
def test_a_time_that_is_not_a_time_of_day_is_refused_with_a_sentence(typed):
    with pytest.raises(Invalid, match="at must be a time of day like 09:00"):
        parse_at(typed)
