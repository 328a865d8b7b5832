"""The timetable's text form: what a record carries reads back as the same timetable,
and any other text (a damaged field, a later version's) is refused, never a crash."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from poolside.core.timetable import DAYS, MAX_PER_DAY, NotATimetable, Timetable, parse_or_none

times = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))
weeks = st.dictionaries(
    st.sampled_from(DAYS), st.lists(times, min_size=1, max_size=MAX_PER_DAY, unique=True)
).filter(bool)


@given(weeks)
def test_the_text_a_record_carries_reads_back_as_the_same_timetable(by_day) -> None:
    timetable = Timetable.of(by_day)
    assert Timetable.parse(timetable.text) == timetable
    assert sorted(by_day) == sorted(part.split()[0] for part in timetable.text.split("; "))


@given(st.text(max_size=300))
def test_any_other_text_is_refused_with_a_reason_or_read(text: str) -> None:
    try:
        Timetable.parse(text)
    except NotATimetable as err:
        assert str(err)
        assert parse_or_none(text) is None


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "at least one class"),
        ("mon 24:00", "not a time of day"),
        ("mon 07:00; mon 08:00", "named twice"),
        ("mon 07:00 07:00", "07:00 twice"),
        ("funday 07:00", "not a day"),
        ("mon " + " ".join(f"{h:02d}:00" for h in range(13)), "at most 12"),
        ("mon 07:00;" * 1000, "at most"),
    ],
)
def test_each_wrong_timetable_says_what_is_wrong(text: str, said: str) -> None:
    with pytest.raises(NotATimetable, match=said):
        Timetable.parse(text)
