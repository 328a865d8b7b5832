"""A follower screen: the leader's class on another screen, in step with it.

A follower Pi's screen: a process of its own, fed by the link service on
its Pi (:mod:`poolside.link.local`). It runs its own copy of the leader's
program (found by its content hash) on the leader's clock as fitted there,
so every phase changes at the leader's moment, messages lost or not; a
command's timeline takes over at the moment it names. It draws with the
kiosk's renderer and lights its own light; it sounds only where asked.

It has no buttons and records nothing: the class is the leader's. It says
"waiting for the leader" before it has heard one, and "running alone" (the
class going on from its own schedule) when the leader goes quiet.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from poolside.core.clocksync import Fit
from poolside.core.engine import Session, Timeline
from poolside.core.follow import Link, in_effect
from poolside.core.presses import earliest
from poolside.core.view import Context, ScreenName, View, build_view, next_change
from poolside.core.words import text
from poolside.kiosk.state import Frames
from poolside.link.local import Feed, LocalLink, read_feed

if TYPE_CHECKING:
    from poolside.core.program import Program
    from poolside.kiosk.state import Display, Observer

LOOK_S = 1.0  # with nothing due, look at the link again this often


@dataclass
class FollowerScreen:
    """The screen's state and its one step (``tick``, on the leader's clock as
    fitted here: :meth:`fit`); ``programs`` finds a program by hash."""

    display: Display
    link: LocalLink
    programs: Callable[[str], Program | None]
    context: Callable[[], Context] = Context
    observers: Sequence[Observer] = ()
    screen_log: Callable[[str], None] | None = None
    feed: Feed | None = None
    session: Session | None = None
    _applied: Timeline | None = field(default=None, init=False)
    _frames: Frames = field(init=False)
    _missing: str | None = field(default=None, init=False)  # a program hash not found here

    def __post_init__(self) -> None:
        self._frames = Frames(self.display, self.screen_log)

    @property
    def frames(self) -> int:
        return self._frames.count

    def redraw(self) -> None:
        """Draw on the next tick even if nothing changed (the first frame read back blank)."""
        self._frames.shown = None

    # -- the leader's clock -----------------------------------------------------------
    def fit(self) -> Fit | None:
        return None if self.feed is None else self.feed.fit

    # -- input --------------------------------------------------------------------------
    def take(self) -> None:
        """Read what the link service sent (it is read here, never waited for)."""
        for message in self.link.receive():
            feed = read_feed(message)
            if feed is not None:
                self.feed = feed
        if not self.link.connected:
            self.link.connect()

    # -- the step -----------------------------------------------------------------------
    def tick(self, now: float) -> float | None:
        """``now`` is the leader's time as fitted here; the clock time to wake at."""
        self.take()
        session = self._session_now(now)
        if session is not None:
            events = session.poll(now)
            if events:
                for observe in self.observers:
                    observe(events, session, now)
        self._frames.show(self.view(now))
        return self._wake(now)

    def _session_now(self, now: float) -> Session | None:
        """The session, following the timeline in effect at ``now``."""
        feed = self.feed
        if feed is None or feed.shared is None or feed.fit is None:
            return None
        shared = feed.shared
        if self.session is None or self.session.program.content_hash != shared.program:
            program = self.programs(shared.program)
            self._missing = None if program is not None else shared.program
            self.session = None if program is None else Session(program, shared.get_ready_s)
            self._applied = None
        if self.session is None:
            return None
        timeline = in_effect(shared.timeline, feed.before, now)
        if timeline is not None and timeline != self._applied:
            self.session.follow(timeline, now)
            self._applied = timeline
        return self.session

    def view(self, now: float) -> View:
        context = self.context()
        context = replace(context, status=(*self._status(), *context.status))
        if self._missing is not None:
            return View(
                ScreenName.HOME,
                word=text("follow.no_program"),
                lines=(text("follow.no_program_fix"),),
                corner=context.status,
            )
        if self.session is None:
            return View(
                ScreenName.HOME,
                word=text("follow.waiting"),
                lines=(text("follow.waiting_fix"),),
                corner=context.status,
            )
        return build_view(self.session, now, context)

    def _status(self) -> tuple[str, ...]:
        feed = self.feed
        if not self.link.connected:
            return (text("follow.no_service"),)
        if feed is None or feed.link is Link.FOLLOWING:
            return ()
        if feed.link is Link.ALONE:
            return (text("follow.alone"),)
        return (text("follow.leader", leader=feed.leader),) if feed.leader else ()

    def _wake(self, now: float) -> float:
        """The next thing due on the leader's clock: an event, a change of the view,
        a command's moment, or a look at the link."""
        session, feed = self.session, self.feed
        due: list[float | None] = [now + LOOK_S]
        if session is not None:
            due += [session.next_deadline(), next_change(session, now)]
        if feed is not None and feed.shared is not None:
            since = feed.shared.timeline.since
            due.append(since if since is not None and since > now else None)
        wake = earliest(due)
        assert wake is not None
        return wake
