"""Session records for the people present, kept up to date as a run goes.

An observer of the kiosk: each check-in on the roll is saved before the
screen confirms it; when the run starts, one record per participant present
(or one headcount record for a drop-in class) is written; each phase start
and block end saves the time and blocks done so far; the finish or a stop
closes them; the finished screen may add effort and why it stopped.

A full or failing disk never stops a class. A full disk first gives up the
store's reserve space and the write goes in at once. A write still refused
waits in memory with the ones after it, :attr:`Attendance.problem` says so
for the screen, and the held writes go in, in order, as soon as the disk
takes one again.
"""

from __future__ import annotations

import re
import sqlite3
import time
import uuid
from typing import Any

from poolside.core import words
from poolside.core.checkin import Change, Mode, Roll
from poolside.core.debrief import StopReason
from poolside.core.delivery import Tally
from poolside.core.engine import Event, EventType, Session
from poolside.core.program import Program
from poolside.records import writes
from poolside.records.held import encoded, read_kept, save, set_aside, spill_path
from poolside.records.reserve import is_disk_full
from poolside.records.store import RESUME_WITHIN_S, Checkpoint, Run, Store, clock_facts
from poolside.records.writes import Write

PARTICIPANT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")


class Attendance:
    def __init__(self, store: Store, roll: Roll, week: int | None = None) -> None:
        self.store = store
        self.roll = roll
        self.week = week
        self.record_ids: list[str] = []  # still open, of the run under way (or just ended)
        self.by_code: dict[str, str] = {}  # the run's participants' records, left ones too
        self.unsaved: list[Write] = []  # writes the disk refused, in order
        self.problem: str | None = None  # for the screen: why attendance is not saved
        self.spill = spill_path(store.folder, store.device)  # where they outlive a restart
        self._spilled = False  # the spill file holds writes
        self.tally = Tally()  # the run's work done, skipped, repeated and time paused

    @property
    def saving(self) -> bool:
        return not self.unsaved

    def status(self) -> tuple[str, ...]:
        """Lines for the screen's status corner: empty while all is well."""
        lines = [self.problem] if self.problem else []
        if self.store.set_aside is not None:
            lines.append(words.text("status.damaged", name=self.store.set_aside.name))
        lines.extend(self.store.notices)
        return tuple(lines)

    # -- before the run -----------------------------------------------------
    def mark(self, change: Change) -> bool:
        """Save a check-in (or check-out); true once it is on disk."""
        facts = clock_facts(time.monotonic())
        self._write(writes.Mark(change.code, change.present, facts))
        return self.saving

    def take_over(self, checkpoint: Checkpoint) -> None:
        """Continue an interrupted run: its records, not new ones."""
        self.record_ids = list(checkpoint.record_ids)
        found = self.store.participants(self.record_ids)
        self.by_code = {code: rid for rid, code in found.items() if code}
        self.tally = Tally()  # counts from the resumed phase on

    def decline(self) -> None:
        """The interrupted run is not resumed: close its records as interrupted."""
        self._write(writes.CloseInterrupted(), writes.ClearCheckpoint())

    def cancel(self, program: Program, reason: str) -> bool:
        """The class called off, with why (a :class:`CancelReason`); true once on disk.
        Its record goes straight to the outbox: nothing more will be added."""
        facts = clock_facts(time.monotonic())
        run = self._run(program, Mode.CLASS)
        self._write(writes.CancelClass(run, reason, facts, str(uuid.uuid4())), writes.MakeBatches())
        return self.saving

    def class_ran_at(self) -> str | None:
        """When a class held here in the last few hours began (HH:MM, the Pi's wall
        clock), or None: calling it off now would mark a class that ran as not held."""
        started = self.store.class_ran_within(clock_facts(time.monotonic()))
        return None if started is None else started[11:16]

    def seal_earlier_runs(self) -> None:
        """Runs whose finished screen went with an earlier start-up may be synced."""
        self._write(writes.Seal(), writes.MakeBatches())

    # -- the run --------------------------------------------------------------
    def __call__(self, events: list[Event], session: Session, now: float) -> None:
        added: dict[str, float] = {}  # delivery counts not yet written
        for event in events:
            for field, amount in self.tally.observe([event], now).items():
                added[field] = added.get(field, 0) + amount
            if event.type == EventType.START and not self.record_ids:
                self._open(session)
            elif event.type in (EventType.PHASE, EventType.BLOCK_END):
                done, blocks = session.completed_s(now), session.blocks_done(now)
                self._write(writes.Progress(list(self.record_ids), done, blocks, added))
                added = {}  # written with the progress: one sync, not two
                if event.type == EventType.PHASE and event.phase is not None:
                    self._checkpoint(session.program.name, event.phase.start_s, done)
            elif event.type == EventType.PAUSE and event.phase is not None and self.record_ids:
                # a long hold (lightning, a first-aid call): the window counts from here
                done = session.completed_s(now)
                self._checkpoint(session.program.name, event.phase.start_s, done)
            elif event.type in (EventType.FINISH, EventType.STOP):
                self._tally(added)  # before the records close
                added = {}
                self._close(event, session.blocks_done(now))
                self._write(writes.ClearCheckpoint())
        self._tally(added)  # a pause's length, with no phase change to carry it

    def _tally(self, added: dict[str, float]) -> None:
        if added and self.record_ids:
            self._write(writes.Tally(list(self.record_ids), added))

    def _open(self, session: Session) -> None:
        run = self._run(session.program, Mode.SOLO if self.roll.mode == Mode.SOLO else Mode.CLASS)
        facts = clock_facts(time.monotonic())
        if self.roll.mode == Mode.HEADCOUNT:
            records = [(str(uuid.uuid4()), "")]
            headcount: int | None = self.roll.headcount
        else:
            records = [(str(uuid.uuid4()), code) for code in self.roll.participants()]
            headcount = None
        if not records:
            return
        self.record_ids = [record_id for record_id, _ in records]
        self.by_code = {code: record_id for record_id, code in records if code}
        self.tally = Tally()
        self._write(writes.StartRun(run, records, facts, headcount))

    def _run(self, program: Program, mode: Mode) -> Run:
        """What the records of a run share, the protocol that runs among it."""
        return Run(
            program.name,
            program.duration_s,
            program.block_count,
            mode,
            self.week,
            program.content_hash,
            program.work_count,
        )

    def _checkpoint(self, program: str, position_s: float, done_s: float) -> None:
        facts = clock_facts(time.monotonic())
        self._write(
            writes.SaveCheckpoint(program, list(self.record_ids), position_s, done_s, facts)
        )

    def _close(self, event: Event, blocks: int) -> None:
        stopped = event.type == EventType.STOP
        done = event.completed_s or 0.0
        reason = StopReason.STOPPED.value if stopped else None
        self._write(writes.CloseSessions(list(self.record_ids), done, blocks, stopped, reason))

    def in_run(self, code: str) -> bool | None:
        """Whether ``code`` is in the run under way: True (in the water), False (left),
        None (not in this class)."""
        record_id = self.by_code.get(code)
        if record_id is None:
            return None
        return record_id in self.record_ids

    def leave(self, code: str, session: Session, now: float) -> bool:
        """``code`` leaves while the class runs on: their record closes with their own
        time and blocks so far; true once on disk."""
        record_id = self.by_code[code]
        if record_id in self.record_ids:
            self.record_ids.remove(record_id)
            done, blocks = session.completed_s(now), session.blocks_done(now)
            self._write(writes.Leave(record_id, done, blocks, StopReason.LEFT.value))
            self._checkpoint_now(session, now)
        return self.saving

    def join(self, code: str, session: Session, now: float) -> bool:
        """``code`` arrives after the class began: a record of their own from now;
        true once on disk."""
        run = self._run(session.program, Mode.CLASS)
        record_id = str(uuid.uuid4())
        facts = clock_facts(time.monotonic())
        done, blocks = session.completed_s(now), session.blocks_done(now)
        self._write(writes.JoinRun(run, record_id, code, facts, done, blocks))
        self.record_ids.append(record_id)
        self.by_code[code] = record_id
        self._checkpoint_now(session, now)
        return self.saving

    def _checkpoint_now(self, session: Session, now: float) -> None:
        """The resume checkpoint with who is in the run now (a power cut keeps them)."""
        phase = session.current_phase(now)
        if phase is not None:  # resumed from the phase's start, as after a phase event
            self._checkpoint(session.program.name, phase.start_s, session.completed_s(now))

    # -- after the run ----------------------------------------------------------
    def answer(self, field: str, value: str | int, code: str | None = None) -> None:
        """An answer from the finished screen: for every record that stayed to the end,
        or for ``code``'s alone (their own effort, asked from the roll)."""
        if code is None:
            ids = list(self.record_ids)
        else:
            ids = [self.by_code[code]] if code in self.by_code else []
        self._write(writes.Answer(ids, field, value))

    def seal(self) -> None:
        """The finished screen is done with: the run's records go to the outbox."""
        ids = [*self.record_ids, *(r for r in self.by_code.values() if r not in self.record_ids)]
        self.record_ids, self.by_code = [], {}
        if ids:
            self._write(writes.Seal(ids), writes.MakeBatches())

    # -- the disk -----------------------------------------------------------------
    def take_back_held(self) -> None:
        """The writes an earlier start-up on this folder could not save, first."""
        kept, unusable = read_kept(self.spill) if self.spill is not None else ([], [])
        if unusable:
            self._set_aside(unusable)
        if kept or unusable:
            self.unsaved[:0] = kept
            self._spilled = True
            self._flush()

    def _set_aside(self, unusable: list[Any]) -> None:
        """Writes this version cannot apply: kept in a file and said on the screen,
        never a crash (under systemd, a crash on start-up would loop)."""
        folders = [self.store.folder, *([self.spill.parent] if self.spill else [])]
        kept = set_aside(folders, unusable)
        name = kept.name if kept is not None else "-"
        self.store.notices.append(words.text("status.held_set_aside", name=name))

    def retry(self) -> None:
        """Try the held writes again (the loop calls this now and then)."""
        self._flush()

    def _write(self, *each: Write) -> None:
        """Queue store writes (:mod:`poolside.records.writes`), in order, and flush."""
        self.unsaved.extend(each)
        self._flush()

    def _flush(self) -> None:
        while self.unsaved:
            write = self.unsaved[0]
            try:
                write.apply(self.store)
            except sqlite3.IntegrityError:
                pass  # already in: a kept write put in by a start-up that then died
            except (TypeError, ValueError, sqlite3.InterfaceError, sqlite3.ProgrammingError):
                self._set_aside([encoded(write)])  # its arguments do not fit
            except (sqlite3.OperationalError, OSError) as err:
                if is_disk_full(err, self.store.folder) and self.store.give_up_reserve():
                    continue  # the reserve's space is free now: the same write again
                self.problem = words.text("status.not_being_saved", error=err)
                break
            self.unsaved.pop(0)
        else:
            self.problem = None
        if self.spill is not None and (self.unsaved or self._spilled):
            save(self.spill, self.unsaved)
            self._spilled = bool(self.unsaved)


def open_attendance(
    store: Store,
    roll: Roll,
    program: str,
    week: int | None,
    resume_within_s: float = RESUME_WITHIN_S,
) -> tuple[Attendance, Checkpoint | None]:
    """The recorder for this start-up, and the interrupted run it may continue.

    Check-ins saved before a restart are back on the roll. Runs whose
    finished screen is gone are sealed. A run of the same program cut off
    within the store's window is returned for the kiosk to offer (or for
    ``--resume``); records left open otherwise are closed as interrupted.
    """
    attendance = Attendance(store, roll, week)
    attendance.take_back_held()
    facts = clock_facts(time.monotonic())
    for code in store.roll(facts):
        person = roll.find(code)
        if person is not None and person.code not in roll.present:
            roll.present.append(person.code)
    checkpoint = store.checkpoint(facts, resume_within_s)
    if checkpoint is not None and checkpoint.program != program:
        checkpoint = None
    if checkpoint is None:
        attendance.decline()
    attendance.seal_earlier_runs()
    return attendance, checkpoint
