"""Any sequence of presses, scans and waits: the kiosk never fails and its records
stay sound. Hypothesis drives the real kiosk, with a real store, on a manual clock."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poolside.config import Config
from poolside.core.actions import Action
from poolside.core.scanner import Scan
from poolside.selection import choose_program

from .test_checkin import PEOPLE, Pool

EXAMPLES = int(os.environ.get("POOLSIDE_DECK_EXAMPLES", "60"))  # more: a longer search
CHOICE = choose_program("jump-and-hop-20", Config(), date(2027, 1, 4))
INPUTS = st.one_of(
    st.sampled_from(
        ["toggle", "hold", "next", "back", "stop", Action.LOUDER, Action.QUIETER, Action.MUSIC]
    ),
    st.builds(Scan, st.sampled_from(["P001", "P002", "P003", "P404", "p001 "])),
)
STEPS = st.lists(st.tuples(INPUTS, st.sampled_from([0.0, 0.5, 3.0, 25.0, 130.0, 700.0])))


def _sound(pool: Pool) -> None:
    assert pool.kiosk.error is None, pool.kiosk.error
    open_by_person: dict[str, int] = {}
    rows = pool.store.db.execute(
        "SELECT type, participant, planned_s, completed_s, blocks_done, blocks_planned, closed"
        " FROM records"
    ).fetchall()
    for kind, code, planned, completed, blocks, blocks_planned, closed in rows:
        if kind == "cancelled":
            assert closed and completed == 0
            continue
        assert 0 <= completed <= planned, (code, completed, planned)
        assert 0 <= blocks <= blocks_planned
        if not closed:
            open_by_person[code] = open_by_person.get(code, 0) + 1
    assert all(n == 1 for n in open_by_person.values()), open_by_person


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS, mode=st.sampled_from(["class", "headcount", "solo"]))
def test_any_presses_scans_and_waits_leave_the_kiosk_up_and_its_records_sound(
    steps: list, mode: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        people = [] if mode == "headcount" else PEOPLE  # a drop-in class has no roster
        pool = Pool(Path(folder), CHOICE, mode, people=people)
        for action, wait in steps:
            pool.press(action)
            _sound(pool)
            pool.clock.advance(wait)
            pool.kiosk.tick(pool.clock.now())
            _sound(pool)
        pool.store.close()
