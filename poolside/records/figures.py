"""What the export works out and the report lays out: its settings, each
participant's figures and each Pi's reach.

Their own module, so that :mod:`poolside.records.export` (which fills them)
and :mod:`poolside.records.report` (which shows them) both import them and
neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, tzinfo
from typing import Any


@dataclass(frozen=True)
class Settings:
    start: date | None = None  # week 1's first day; None: the earliest session's Monday
    start_from: str = "from --start"
    weeks: int = 24
    per_week: int = 3
    threshold: float = 75.0
    zone: tzinfo | None = None  # calendar days in this zone; None: this computer's
    as_of: date | None = None  # weeks ending after this are not missed yet
    closures: str | None = None  # --closures: CSV date,device,reason
    excused: str | None = None  # --excused: CSV participant,date,reason
    redcap_event: str | None = None  # --redcap-event: a longitudinal project's event

    @property
    def prescribed(self) -> int:
        return self.weeks * self.per_week


@dataclass
class Participant:
    """One participant's figures, from their session records in order."""

    code: str
    start: date
    days: set[date] = field(default_factory=set)
    sessions: int = 0
    planned_s: int = 0
    completed_s: int = 0
    early: int = 0
    devices: set[str] = field(default_factory=set)  # the Pis their sessions came from
    weekly: list[int] = field(default_factory=list)  # attended days, week by week
    started: int = 0  # weeks begun by the as-of day; the later ones are not yet
    known: int = 0  # weeks before "no data": ended by the day their Pis' data ends
    wanted: list[int] = field(default_factory=list)  # prescribed, week by week
    excused: list[int] = field(default_factory=list)  # days off of their own, by week
    closed: list[int] = field(default_factory=list)  # days their pool did not hold, by week
    row: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Pi:
    """One device as its records show it: where it is, and how far its data goes."""

    device: str
    site: str | None  # the site its latest record names
    records: int
    first: str | None  # local date of its first and last record
    last: str | None
    last_seq: int

    @property
    def name(self) -> str:
        """The site, with the device id to tell two Pis of one site apart."""
        return f"{self.site} ({self.device})" if self.site else self.device
