"""The attendance store's writes as typed values, applied in one place.

The kiosk does not call the store's methods itself: each change it records
(a check-in, a class begun, a person leaving, an answer ...) is one of the
values below, queued by :class:`~poolside.records.attendance.Attendance`
and put in by :meth:`apply`. A write the disk refuses waits as the same
value, in memory and in a file (:mod:`poolside.records.held`) that keeps it
as its name and its fields in order, ``{"write": "mark", "args": [...]}``:
the names below are that file's, kept as earlier versions wrote them.
mypy checks every write's fields against the store method it calls.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

from poolside.records.outbox import make_batches
from poolside.records.store import ClockFacts, Run, Store


@dataclass(frozen=True)
class Mark:
    name: ClassVar[str] = "mark"
    participant: str
    present: bool
    clock: ClockFacts

    def apply(self, store: Store) -> None:
        store.mark(self.participant, self.present, self.clock)


@dataclass(frozen=True)
class StartRun:
    name: ClassVar[str] = "start_run"
    run: Run
    records: list[tuple[str, str]]  # (record id, participant)
    clock: ClockFacts
    headcount: int | None = None

    def apply(self, store: Store) -> None:
        store.start_run(self.run, self.records, self.clock, self.headcount)


@dataclass(frozen=True)
class JoinRun:
    name: ClassVar[str] = "join_run"
    run: Run
    record_id: str
    participant: str
    clock: ClockFacts
    joined_s: float
    joined_blocks: int

    def apply(self, store: Store) -> None:
        store.join_run(
            self.run,
            self.record_id,
            self.participant,
            self.clock,
            self.joined_s,
            self.joined_blocks,
        )


@dataclass(frozen=True)
class Leave:
    name: ClassVar[str] = "leave"
    record_id: str
    completed_s: float
    blocks_done: int
    reason: str

    def apply(self, store: Store) -> None:
        store.leave(self.record_id, self.completed_s, self.blocks_done, self.reason)


@dataclass(frozen=True)
class CancelClass:
    name: ClassVar[str] = "cancel_class"
    run: Run
    reason: str
    clock: ClockFacts
    record_id: str

    def apply(self, store: Store) -> None:
        store.cancel_class(self.run, self.reason, self.clock, self.record_id)


@dataclass(frozen=True)
class Progress:
    name: ClassVar[str] = "progress"
    record_ids: list[str]
    completed_s: float
    blocks_done: int
    added: dict[str, float] | None = None

    def apply(self, store: Store) -> None:
        store.progress(self.record_ids, self.completed_s, self.blocks_done, self.added)


@dataclass(frozen=True)
class Tally:
    name: ClassVar[str] = "tally"
    record_ids: list[str]
    added: dict[str, float]

    def apply(self, store: Store) -> None:
        store.tally(self.record_ids, self.added)


@dataclass(frozen=True)
class SaveCheckpoint:
    name: ClassVar[str] = "save_checkpoint"
    program: str
    record_ids: list[str]
    position_s: float
    done_s: float
    clock: ClockFacts

    def apply(self, store: Store) -> None:
        store.save_checkpoint(
            self.program, self.record_ids, self.position_s, self.done_s, self.clock
        )


@dataclass(frozen=True)
class ClearCheckpoint:
    name: ClassVar[str] = "clear_checkpoint"

    def apply(self, store: Store) -> None:
        store.clear_checkpoint()


@dataclass(frozen=True)
class CloseSessions:
    name: ClassVar[str] = "close_sessions"
    record_ids: list[str]
    completed_s: float
    blocks_done: int
    stopped_early: bool
    stop_reason: str | None = None

    def apply(self, store: Store) -> None:
        store.close_sessions(
            self.record_ids,
            self.completed_s,
            self.blocks_done,
            self.stopped_early,
            self.stop_reason,
        )


@dataclass(frozen=True)
class CloseInterrupted:
    name: ClassVar[str] = "close_interrupted"

    def apply(self, store: Store) -> None:
        store.close_interrupted()


@dataclass(frozen=True)
class Answer:
    name: ClassVar[str] = "answer"
    record_ids: list[str]
    field: str
    value: str | int

    def apply(self, store: Store) -> None:
        store.answer(self.record_ids, self.field, self.value)


@dataclass(frozen=True)
class Seal:
    name: ClassVar[str] = "seal"
    record_ids: list[str] | None = None

    def apply(self, store: Store) -> None:
        store.seal(self.record_ids)


@dataclass(frozen=True)
class MakeBatches:
    name: ClassVar[str] = "make_batches"

    def apply(self, store: Store) -> None:
        make_batches(store)


Write = (
    Mark
    | StartRun
    | JoinRun
    | Leave
    | CancelClass
    | Progress
    | Tally
    | SaveCheckpoint
    | ClearCheckpoint
    | CloseSessions
    | CloseInterrupted
    | Answer
    | Seal
    | MakeBatches
)
KINDS: dict[str, type[Write]] = {
    kind.name: kind
    for kind in (
        Mark,
        StartRun,
        JoinRun,
        Leave,
        CancelClass,
        Progress,
        Tally,
        SaveCheckpoint,
        ClearCheckpoint,
        CloseSessions,
        CloseInterrupted,
        Answer,
        Seal,
        MakeBatches,
    )
}


def arguments(write: Write) -> tuple[Any, ...]:
    """The write's fields in order: what the held file keeps after its name."""
    return tuple(getattr(write, each.name) for each in fields(write))


def from_arguments(name: str, args: list[Any] | tuple[Any, ...]) -> Write:
    """The write ``name`` with these fields; ValueError for a name this version lacks,
    TypeError for fields that do not fit."""
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise ValueError(f"not a store write: {name!r}")
    return kind(*args)
