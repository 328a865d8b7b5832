"""A cohort made by the real kiosk over 24 weeks, exported at weeks 4, 8 and 24.

Two pools, each a Pi with its own data folder, site and timetable, run every
class of the six months through the real kiosk (the real screens, keys and
store, a manual clock for the class and a faked wall clock for its day), and
each Sunday their batches are synced to the study team's folder, but for
South's stick, not brought in during weeks 7 and 8. The study team's files
(the roster with a late joiner and a withdrawal, the Easter closures for every
pool) are theirs. Every figure below was worked out by hand from the story in
``_story`` before the test first ran; the export must give exactly them.

- North (Mon, Wed, Fri 09:00): N1 comes to every class; N2 joins late (roster
  start 2027-02-01) and then comes to every class; N3 comes in weeks 1-6 and
  withdraws on 2027-02-15 (moved away); N4 comes to every class in weeks 1-2,
  leaving the class on Wed 2027-01-13 early (pain or injury, asked on the
  class roll), and then on Mondays and Fridays only. The instructor calls off
  Wed 2027-01-20 (pool closed) on the kiosk.
- South (Tue, Thu 18:00, Sat 10:00): S1 comes to every class; S2 on Tuesdays
  and Thursdays only; S3 comes in weeks 1-4, scanned out of the class on Thu
  2027-01-14 (tired, asked after the class), then never again; S4 never comes.
  On Tue 2027-01-12 the instructor tries to call the class off after it ran:
  the kiosk refuses.
- Easter: the team closes every pool on Fri 2027-03-26, Sat 03-27 and Mon
  03-29. North offers classes on the Friday and the Monday, South on the
  Saturday: each loses only those. S4 (never seen at a Pi) and N2 at week 4
  (not yet seen) lose all three, as the export cannot know their pool.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from poolside.core.checkin import Person
from poolside.core.scanner import Scan
from poolside.records.store import Store
from poolside.records.sync import sync

from .conftest import run_poolside
from .test_checkin import Pool

pytestmark = pytest.mark.slow  # 24 weeks of classes through the kiosk

START = date(2027, 1, 4)  # a Monday: week 1 of the program
NORTH = ("pool-n", "North", "mon 09:00; wed 09:00; fri 09:00", (0, 2, 4), "09:00")
SOUTH = ("pool-s", "South", "tue 18:00; thu 18:00; sat 10:00", (1, 3, 5), "18:00")
CALLED_OFF = date(2027, 1, 20)  # North, on the kiosk
REFUSED = date(2027, 1, 12)  # South: the class already ran
EASTER = (date(2027, 3, 26), date(2027, 3, 27), date(2027, 3, 29))
N4_LEFT, S3_LEFT = date(2027, 1, 13), date(2027, 1, 14)
LATE_WEEKS = (7, 8)  # South's stick not brought in before the week-8 export
ROSTER = """code,name,start,withdrawn,withdrawn_reason
N1,N1,,,
N2,N2,2027-02-01,,
N3,N3,,2027-02-15,moved away
N4,N4,,,
S1,S1,,,
S2,S2,,,
S3,S3,,,
S4,S4,,,
"""
COLUMNS = (
    "attended", "prescribed", "adherence_pct", "weeks_due", "attended_to_date",
    "prescribed_to_date", "adherence_to_date_pct", "excused", "no_data_after",
)  # fmt: skip
# By hand (see the module's docstring), in COLUMNS' order.
WEEK_4 = {  # as of Sunday 2027-01-31
    "N1": ("11", "69", "15.9", "4", "11", "11", "100.0", "3", ""),
    "N2": ("0", "69", "0.0", "0", "0", "0", "", "3", ""),
    "N3": ("11", "69", "15.9", "4", "11", "11", "100.0", "3", ""),
    "N4": ("10", "69", "14.5", "4", "10", "11", "90.9", "3", ""),
    "S1": ("12", "71", "16.9", "4", "12", "12", "100.0", "1", ""),
    "S2": ("8", "71", "11.3", "4", "8", "12", "66.7", "1", ""),
    "S3": ("12", "71", "16.9", "4", "12", "12", "100.0", "1", ""),
    "S4": ("0", "69", "0.0", "4", "0", "12", "0.0", "3", ""),
}
WEEK_8 = {  # as of Sunday 2027-02-28; South's data ends Saturday 2027-02-13
    "N1": ("23", "69", "33.3", "8", "23", "23", "100.0", "3", ""),
    "N2": ("12", "70", "17.1", "4", "12", "12", "100.0", "2", ""),
    "N3": ("17", "69", "24.6", "8", "17", "23", "73.9", "3", ""),
    "N4": ("18", "69", "26.1", "8", "18", "23", "78.3", "3", ""),
    "S1": ("18", "71", "25.4", "5", "15", "15", "100.0", "1", "2027-02-13"),
    "S2": ("12", "71", "16.9", "5", "10", "15", "66.7", "1", "2027-02-13"),
    "S3": ("12", "71", "16.9", "5", "12", "15", "80.0", "1", "2027-02-13"),
    "S4": ("0", "69", "0.0", "8", "0", "24", "0.0", "3", ""),
}
WEEK_24 = {  # as of Sunday 2027-06-20, every batch in
    "N1": ("69", "69", "100.0", "24", "69", "69", "100.0", "3", ""),
    "N2": ("58", "70", "82.9", "20", "58", "58", "100.0", "2", ""),
    "N3": ("17", "69", "24.6", "24", "17", "69", "24.6", "3", ""),
    "N4": ("48", "69", "69.6", "24", "48", "69", "69.6", "3", ""),
    "S1": ("71", "71", "100.0", "24", "71", "71", "100.0", "1", ""),
    "S2": ("48", "71", "67.6", "24", "48", "71", "67.6", "1", ""),
    "S3": ("12", "71", "16.9", "24", "12", "71", "16.9", "1", ""),
    "S4": ("0", "69", "0.0", "24", "0", "69", "0.0", "3", ""),
}
# longest_missed_run, interruptions, early_terminations, withdrawn at week 24
RUNS_24 = {
    "N1": ("0", "0", "0", ""), "N2": ("0", "0", "0", ""), "N3": ("52", "1", "0", "2027-02-15"),
    "N4": ("1", "0", "1", ""), "S1": ("0", "0", "0", ""), "S2": ("1", "0", "0", ""),
    "S3": ("59", "1", "1", ""), "S4": ("69", "1", "0", ""),
}  # fmt: skip
HEADLINES = {
    4: "8 participants; 5 at or above 75 % to date (as of 2027-01-31: 0-4 of 24 weeks due).",
    8: "8 participants; 5 at or above 75 % to date (as of 2027-02-28: 4-8 of 24 weeks due).",
    24: "8 participants; 3 at or above 75 % to date (as of 2027-06-20: 20-24 of 24 weeks due).",
}
# Classes offered, held, called off, closed, not known, no data yet, held outside it.
HELD = {
    4: {"North": (12, 11, 1, 0, 0, 0, 0), "South": (12, 12, 0, 0, 0, 0, 0)},
    8: {"North": (24, 23, 1, 0, 0, 0, 0), "South": (24, 18, 0, 0, 0, 6, 0)},
    24: {"North": (72, 69, 1, 2, 0, 0, 0), "South": (72, 71, 0, 1, 0, 0, 0)},
}


def _comes(code: str, day: date) -> bool:
    """Whether ``code`` comes to the class held on ``day`` (the story, day by day)."""
    week = (day - START).days // 7 + 1
    return {
        "N1": True,
        "N2": day >= date(2027, 2, 1),
        "N3": week <= 6,
        "N4": week <= 2 or day.weekday() in (0, 4),
        "S1": True,
        "S2": day.weekday() in (1, 3),
        "S3": week <= 4,
        "S4": False,
    }[code]


class Pi:
    """One pool's Pi: its data folder, its roster's people, the day it is."""

    def __init__(self, root: Path, pool: tuple, people: list[str]) -> None:
        self.device, self.site, self.timetable, self.days, self.time = pool
        self.data = root / self.device
        self.data.mkdir(parents=True)
        (self.data / "device-id").write_text(f"{self.device}\n")
        self.people = [Person(code, code) for code in people]

    def on(self, day: date, hhmm: str, boot: Path) -> Pool:
        """The kiosk started on ``day`` (a new boot each day), its clock at ``hhmm``."""
        import time_machine

        hours, minutes = map(int, hhmm.split(":"))
        boot.write_text(f"boot-{day}\n")
        traveller = time_machine.travel(datetime(day.year, day.month, day.day, hours,
                                                 minutes, tzinfo=UTC), tick=False)  # fmt: skip
        traveller.start()
        pool = Pool(self.data, _choice(), people=self.people, site=self.site,
                    timetable=self.timetable)  # fmt: skip
        pool.stop_travel = traveller.stop  # type: ignore[attr-defined]
        return pool


def _choice():
    from poolside.config import Config
    from poolside.selection import choose_program

    return choose_program("jump-and-hop-20", Config(), START)


def _done(pool: Pool) -> None:
    """The day's kiosk shut down (its records sealed, the store closed)."""
    pool.store.close()
    pool.stop_travel()  # type: ignore[attr-defined]


def _class(pi: Pi, day: date, boot: Path) -> None:
    """The day's class as the instructor runs it by keys and the code reader."""
    pool = pi.on(day, pi.time if day.weekday() != 5 else "10:00", boot)
    coming = [p.code for p in pi.people if _comes(p.code, day)]
    pool.press(*(Scan(code) for code in coming), "hold")
    if day == N4_LEFT:  # pause, the class roll, N4 leaves: why? pain or injury
        pool.run_to(until=300.0)
        pool.press("toggle", "next")
        for _ in pi.people:
            if "N4" in pool.texts():
                break
            pool.press("next")
        pool.press("toggle")
        assert pool.asked() == ("N4 left: why?", None)
        pool.press("next", "next", "toggle", "back", "toggle")
    if day == S3_LEFT:  # scanned out as the class runs: asked after it (tired)
        pool.run_to(until=400.0)
        pool.press(Scan("S3"))
    pool.run_to()
    if day == S3_LEFT:
        assert pool.asked() == ("S3 left: why?", None)
        pool.press("next", "toggle")
    assert pool.asked() == ("Ask each swimmer's effort?", None)
    pool.press("toggle", "toggle")  # no; then home (the run's records to the outbox)
    if day == REFUSED:  # the instructor tries to call it off after it ran
        pool.press("stop")
        assert "A class ran here at 18:00: it cannot be called off now" in pool.texts()
    _done(pool)


def _call_off(pi: Pi, day: date, boot: Path) -> None:
    pool = pi.on(day, "08:30", boot)
    pool.press("stop", "next", "toggle")  # STOP held: call it off; NEXT: pool closed
    assert "Class cancelled (pool closed): recorded" in pool.texts()
    _done(pool)


def _story(north: Pi, south: Pi, team: Path, boot: Path, exports: dict[int, Path]) -> None:
    """Every day of the 24 weeks: the classes, Sunday's syncs, the three exports."""
    for offset in range(24 * 7):
        day = START + timedelta(offset)
        week = offset // 7 + 1
        for pi in (north, south):
            if day.weekday() not in pi.days or day in EASTER:
                continue
            if pi is north and day == CALLED_OFF:
                _call_off(pi, day, boot)
            else:
                _class(pi, day, boot)
        if day.weekday() == 6:  # Sunday: the sticks come in
            sync(north.data, str(team / "batches"))
            if week not in LATE_WEEKS:
                sync(south.data, str(team / "batches"))
            if week in exports:
                _export(team, exports[week], day)


def _export(team: Path, out: Path, as_of: date) -> None:
    result = run_poolside(
        "export", str(team / "batches"), "--out", str(out), "--start", START.isoformat(),
        "--tz", "UTC", "--as-of", as_of.isoformat(), "--roster", str(team / "roster.csv"),
        "--closures", str(team / "closures.csv"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def _rows(out: Path) -> dict[str, dict[str, str]]:
    text = (out / "participants.csv").read_text(encoding="utf-8")
    return {row["participant"]: row for row in csv.DictReader(io.StringIO(text))}


def test_a_cohort_run_on_the_kiosk_exports_the_hand_worked_figures(
    tmp_path: Path, monkeypatch
) -> None:
    boot = tmp_path / "boot_id"
    synced = tmp_path / "synchronized"
    synced.touch()
    monkeypatch.setattr("poolside.records.store.BOOT_ID", boot)
    monkeypatch.setattr("poolside.records.store.SYNCED_FLAG", synced)
    north = Pi(tmp_path / "pis", NORTH, ["N1", "N2", "N3", "N4"])
    south = Pi(tmp_path / "pis", SOUTH, ["S1", "S2", "S3", "S4"])
    team = tmp_path / "team"
    (team / "batches").mkdir(parents=True)
    (team / "roster.csv").write_text(ROSTER)
    (team / "closures.csv").write_text(
        "date,device,reason\n" + "".join(f"{day},,Easter\n" for day in EASTER)
    )
    exports = {week: tmp_path / f"week-{week}" for week in (4, 8, 24)}
    _story(north, south, team, boot, {4: exports[4], 8: exports[8]})
    sync(south.data, str(team / "batches"))  # South's stick, at last
    _export(team, exports[24], START + timedelta(24 * 7 - 1))

    for week, expected in ((4, WEEK_4), (8, WEEK_8), (24, WEEK_24)):
        rows = _rows(exports[week])
        found = {code: tuple(row[c] for c in COLUMNS) for code, row in rows.items()}
        assert found == expected, f"week {week}"
        page = (exports[week] / "report.html").read_text(encoding="utf-8")
        assert HEADLINES[week] in page, week
        for site, counts in HELD[week].items():
            device = NORTH[0] if site == "North" else SOUTH[0]
            timetable = (NORTH if site == "North" else SOUTH)[2]
            cells = "".join(f"<td>{n}</td>" for n in counts)
            assert f"<tr><td>{site} ({device})</td><td>{timetable}</td>{cells}</tr>" in page
    late = (exports[8] / "report.html").read_text(encoding="utf-8")
    first_screen = late[: late.index("<h2>")]
    assert "South (pool-s): no data after 2027-02-13" in first_screen
    rows = _rows(exports[24])
    runs = {
        code: tuple(row[c] for c in ("longest_missed_run", "interruptions",
                                     "early_terminations", "withdrawn"))
        for code, row in rows.items()
    }  # fmt: skip
    assert runs == RUNS_24
    sessions = list(csv.DictReader(io.StringIO((exports[24] / "sessions.csv").read_text())))
    left = {(r["participant"], r["local_date"]): r["left_reason"] for r in sessions
            if r["stop_reason"] == "left early"}  # fmt: skip
    assert left == {("N4", N4_LEFT.isoformat()): "pain or injury",
                    ("S3", S3_LEFT.isoformat()): "tired"}  # fmt: skip
    assert {r["site"] for r in sessions} == {"North", "South"}
    assert {r["program_hash"] for r in sessions} == {_choice().program.content_hash}
    Store(north.data, shared=True).close()  # both stores whole at the end
