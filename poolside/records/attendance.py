"""Session records for the people present, kept up to date as a run goes.

An observer of the kiosk: when the run starts, one record per participant is
written (durable before anything confirms it); each phase start and block end
saves the time and blocks done so far; the finish or a stop closes them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from poolside.core.engine import Event, Session
from poolside.records.store import Store, clock_facts

PARTICIPANT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
MODES = ("class", "solo")


class Attendance:
    def __init__(
        self,
        store: Store,
        participants: Sequence[str],
        mode: str,
        week: int | None = None,
    ) -> None:
        self.store = store
        self.participants = list(participants)
        self.mode = mode
        self.week = week
        self.record_ids: list[str] = []

    def __call__(self, events: list[Event], session: Session, now: float) -> None:
        for event in events:
            if event.type == "start" and not self.record_ids:
                self._open(session)
            elif event.type in ("phase", "block_end"):
                self.store.progress(
                    self.record_ids, session.completed_s(now), session.blocks_done(now)
                )
            elif event.type in ("finish", "stop"):
                self.store.close_sessions(
                    self.record_ids,
                    event.completed_s or 0.0,
                    session.blocks_done(now),
                    stopped_early=event.type == "stop",
                    stop_reason="stopped" if event.type == "stop" else None,
                )

    def _open(self, session: Session) -> None:
        program = session.program
        facts = clock_facts(time.monotonic())
        self.record_ids = [
            self.store.start_session(
                code,
                program.name,
                program.duration_s,
                program.block_count,
                self.mode,
                self.week,
                facts,
            )
            for code in self.participants
        ]
