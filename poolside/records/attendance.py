"""Session records for the people present, kept up to date as a run goes.

An observer of the kiosk: when the run starts, one record per participant is
written (durable before anything confirms it); each phase start and block end
saves the time and blocks done so far; the finish or a stop closes them.

A full or failing disk never stops a class: a refused write waits in memory
with the ones after it, :attr:`Attendance.problem` says so for the screen, and
the held writes go in, in order, as soon as the disk takes one again.
"""

from __future__ import annotations

import re
import sqlite3
import time
import uuid
from collections.abc import Callable, Sequence

from poolside.core.engine import Event, Session
from poolside.records.store import Checkpoint, Store, clock_facts

PARTICIPANT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
MODES = ("class", "solo")


class Attendance:
    def __init__(
        self,
        store: Store,
        participants: Sequence[str],
        mode: str,
        week: int | None = None,
        resumed_ids: Sequence[str] = (),
    ) -> None:
        self.store = store
        self.participants = list(participants)
        self.mode = mode
        self.week = week
        self.record_ids: list[str] = list(resumed_ids)  # a resumed run keeps its records
        self.unsaved: list[Callable[[], object]] = []  # writes the disk refused, in order
        self.problem: str | None = None  # for the screen: why attendance is not saved

    @property
    def saving(self) -> bool:
        return not self.unsaved

    def status(self) -> tuple[str, ...]:
        """Lines for the screen's status corner: empty while all is saved."""
        return (self.problem,) if self.problem else ()

    def __call__(self, events: list[Event], session: Session, now: float) -> None:
        for event in events:
            if event.type == "start" and not self.record_ids:
                self._open(session)
            elif event.type in ("phase", "block_end"):
                done, blocks = session.completed_s(now), session.blocks_done(now)
                self._write(lambda d=done, b=blocks: self.store.progress(self.record_ids, d, b))
                if event.type == "phase" and event.phase is not None:
                    self._checkpoint(session.program.name, event.phase.start_s, done)
            elif event.type in ("finish", "stop"):
                self._close(event, session.blocks_done(now))
                self._write(self.store.clear_checkpoint)

    def _checkpoint(self, program: str, position_s: float, done_s: float) -> None:
        facts = clock_facts(time.monotonic())
        ids = list(self.record_ids)
        self._write(lambda: self.store.save_checkpoint(program, ids, position_s, done_s, facts))

    def retry(self) -> None:
        """Try the held writes again (the loop calls this now and then)."""
        self._write(None)

    def _open(self, session: Session) -> None:
        program = session.program
        facts = clock_facts(time.monotonic())
        self.record_ids = [str(uuid.uuid4()) for _ in self.participants]
        for code, record_id in zip(self.participants, self.record_ids, strict=True):
            self._write(
                lambda c=code, r=record_id: self.store.start_session(
                    c,
                    program.name,
                    program.duration_s,
                    program.block_count,
                    self.mode,
                    self.week,
                    facts,
                    record_id=r,
                )
            )

    def _close(self, event: Event, blocks: int) -> None:
        stopped = event.type == "stop"
        done = event.completed_s or 0.0
        self._write(
            lambda: self.store.close_sessions(
                self.record_ids,
                done,
                blocks,
                stopped_early=stopped,
                stop_reason="stopped" if stopped else None,
            )
        )

    def _write(self, operation: Callable[[], object] | None) -> None:
        if operation is not None:
            self.unsaved.append(operation)
        while self.unsaved:
            try:
                self.unsaved[0]()
            except (sqlite3.OperationalError, OSError) as err:
                self.problem = f"attendance is not being saved ({err})"
                return
            self.unsaved.pop(0)
        self.problem = None


def begin(
    store: Store,
    participants: Sequence[str],
    mode: str,
    program: str,
    week: int | None,
    resume: bool,
) -> tuple[Attendance, Checkpoint | None]:
    """The recorder for a run, and the checkpoint it continues, if any.

    With ``resume``, a run of the same program cut off within the store's
    window is continued with its own records; otherwise new records are made.
    """
    checkpoint = store.checkpoint(clock_facts(time.monotonic())) if resume else None
    if checkpoint is not None and checkpoint.program != program:
        checkpoint = None
    resumed_ids = checkpoint.record_ids if checkpoint else ()
    return Attendance(store, participants, mode, week, resumed_ids), checkpoint
