"""Start times of records written before the Pi's clock was set, corrected.

A Pi without a real-time clock starts with the last saved time until the
network gives it the right one, so a record written before then
(``clock_synced: false``) may be days or months off. Every record also
carries its boot's id and the monotonic time it was written at, which the
clock setting does not move. Within one boot, a synchronised record gives
the offset between the two clocks (wall time minus monotonic time), and an
unsynchronised one of the same boot is at its monotonic time plus that
offset.

The rules, so that the export corrects and never guesses:

- the offset is taken from the synchronised records of the same device and
  boot; if they disagree by more than TOLERANCE_S (the clock was stepped
  again within the boot), none of that boot's records is corrected;
- a record with no boot id or monotonic time, or whose boot has no
  synchronised record, keeps its time and is listed as not corrected.

Runs on the export's scratch table before duplicates are sorted out, so the
corrected day is the one every figure uses.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, tzinfo

from poolside.core import calendar

TOLERANCE_S = 2.0  # NTP's slewing within a boot stays far below this
# A synchronised record's wall time as seconds since 1970, from its ISO text.
_EPOCH = "(julianday(started_at) - 2440587.5) * 86400.0"
_NUMBER = "typeof(monotonic_s) IN ('integer', 'real')"
_OFFSETS = f"""
    SELECT device, boot_id, AVG({_EPOCH} - monotonic_s), MAX({_EPOCH} - monotonic_s)
        - MIN({_EPOCH} - monotonic_s)
    FROM copy WHERE clock_synced AND type IN ('session', 'cancelled')
        AND boot_id IS NOT NULL AND {_NUMBER} AND julianday(started_at) IS NOT NULL
    GROUP BY device, boot_id
"""
_UNSYNCED = """
    SELECT origin, device, boot_id, monotonic_s, started_at FROM copy
    WHERE NOT clock_synced AND type IN ('session', 'cancelled')
"""


def correct(db: sqlite3.Connection, zone: tzinfo | None) -> None:
    """Correct what can be in ``copy``. Table ``clock`` says, by origin, the time as
    written of each corrected record, or why one was not (an unsynchronised
    record missing from it has no synchronised record of its boot)."""
    db.execute("CREATE TABLE clock (origin INTEGER PRIMARY KEY, written TEXT, why TEXT)")
    unsynced = db.execute(_UNSYNCED).fetchall()
    if not unsynced:
        return
    offsets = {(dev, boot): (mean, spread) for dev, boot, mean, spread in db.execute(_OFFSETS)}
    fixes, kept = [], []
    for origin, device, boot, monotonic_s, written in unsynced:
        found = offsets.get((device, boot)) if boot is not None else None
        if found is None or type(monotonic_s) not in (int, float):
            continue
        mean, spread = found
        if spread > TOLERANCE_S:
            why = f"its boot's synchronised records disagree by {spread:.0f} s"
            kept.append((origin, None, why))
            continue
        try:
            moment = datetime.fromtimestamp(monotonic_s + mean, UTC)
            local = moment.astimezone(zone)
        except (OverflowError, OSError, ValueError):
            continue
        if not calendar.in_span(local.date()):
            kept.append((origin, None, f"the corrected time would not be {calendar.SPAN}"))
            continue
        started = moment.isoformat(timespec="seconds")
        fixes.append((started, local.isoformat(" ")[:19], local.toordinal(), origin, written))
    db.executemany(
        "UPDATE copy SET started_at = ?, local_start = ?, day = ? WHERE origin = ?",
        [fix[:4] for fix in fixes],
    )
    db.executemany("INSERT INTO clock VALUES (?, ?, NULL)", [(f[3], f[4]) for f in fixes])
    db.executemany("INSERT INTO clock VALUES (?, ?, ?)", kept)
