"""Which program runs today: the one asked for, the config's, or the plan's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from poolside.config import Config
from poolside.core import catalog, words
from poolside.core.plan import Plan, load_plan
from poolside.core.program import Program, load_program


@dataclass(frozen=True)
class Choice:
    program: Program
    week: int | None = None
    plan: Plan | None = None
    reason: str = ""

    def week_for(self, start: date, today: date) -> int | None:
        """The plan week, on ``today``, of someone who began on ``start`` (a solo
        swimmer's own, not the Pi's calendar's). None where the day's program is not
        the plan's (one asked for, or named in the config) or ``today`` is outside
        their weeks."""
        return self.plan.week_of(start, today) if self.plan is not None else None

    def for_week(self, week: int) -> Choice:
        """The plan's program for ``week`` (a week :meth:`week_for` gave)."""
        assert self.plan is not None
        entry = self.plan.for_week(week)
        return Choice(entry.load(), week, self.plan, f"week {week} of {self.plan.weeks}, own")

    def for_start(self, start: date, today: date) -> Choice | None:
        """The plan's program on ``today`` for someone who began on ``start``."""
        week = self.week_for(start, today)
        return None if week is None else self.for_week(week)

    def week_line(self) -> str:
        """ "week 3 of 24" for the home screen, in the locale; "" outside a plan."""
        if not self.week or self.plan is None:
            return ""
        return words.text("home.week", week=self.week, weeks=self.plan.weeks)


def choose_program(ref: str | None, config: Config, today: date) -> Choice:
    """Pick the program to run.

    In order: ``ref`` (a CLI argument), the config's ``program``, the plan's
    program for today's week when ``program_start`` is set, and otherwise
    the default 20-minute core. Raises ``FileProblems`` or ``UnknownProgram``.
    """
    if ref is not None:
        return Choice(load_program(catalog.resolve(ref)), reason="as asked")
    if config.program is not None:
        return Choice(load_program(config.program_file()), reason="from config")
    if config.program_start is not None:
        plan = load_plan(config.plan_file())
        week = plan.week_of(config.program_start, today)
        if week is not None:
            entry = plan.for_week(week)
            return Choice(entry.load(), week, plan, f"week {week} of {plan.weeks}")
        return Choice(
            load_program(catalog.resolve(catalog.DEFAULT_PROGRAM)),
            plan=plan,
            reason="outside the plan's weeks",
        )
    return Choice(load_program(catalog.resolve(catalog.DEFAULT_PROGRAM)), reason="default")
