"""What every member screen shares: the top bar with Help and the data's date, and the App."""

import logging
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, ClassVar, TypeVar, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.dates import short_day_and_time
from kiosk.errors import KioskError
from kiosk.serving import MemberView, Readiness
from kiosk.speech import Phrase, guidance
from screens.widgets.banner import DemoBanner
from screens.widgets.brand import Brand
from screens.widgets.buttons import TouchButton
from screens.widgets.entry import EntryForm
from screens.widgets.legend import KeyLegend

if TYPE_CHECKING:
    from screens.app import KioskApp, Session

LISTEN_KEY = "f2"
"""Hear the screen's instruction again; a function key, so that it is never typed."""
Answer = TypeVar("Answer")
"""What the core gives back for a screen's question (:meth:`EntryScreen.ask`)."""


def kiosk_app(widget: Widget) -> "KioskApp":
    return cast("KioskApp", widget.app)


class KioskView:
    """What a screen and a box over it share: the App, the member's language, and the
    instruction read aloud on arrival and again on F2."""

    GUIDANCE: ClassVar[str | None] = None
    """Its instruction in :data:`kiosk.speech.GUIDANCE`; ``None``: it says nothing."""

    FAREWELL: ClassVar[bool] = False
    """The last screen of a member's visit, after the wipe: still in the look they chose."""

    @property
    def kiosk(self) -> "KioskApp":
        return kiosk_app(cast(Widget, self))

    def t(self, key: str, /, **params: object) -> str:
        return self.kiosk.t(key, **params)

    def spoken(self) -> list[Phrase]:
        """What is said: the instruction; a screen with personal data adds it, marked so."""
        return [] if self.GUIDANCE is None else guidance(self.GUIDANCE, self.kiosk.lang)

    def on_screen_resume(self) -> None:
        self.action_listen()

    def action_listen(self) -> None:
        if self.kiosk.speaker.settings.speech:
            self.kiosk.speaker.say_all(self.spoken())


class KioskScreen(KioskView, Screen[None]):
    """A full screen of the kiosk."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding(LISTEN_KEY, "listen", show=False)]

    SHOWN_SECONDS: ClassVar[float | None] = None
    """A farewell screen's time on screen, then the welcome screen. Counted on the App's
    clock (``KioskApp.ticks``) by its idle tick, not by a Textual timer: a test moves that
    clock, and a slow machine never does."""
    _shown_at: float | None = None

    def farewell_over(self, now: float) -> bool:
        """Whether this screen has been up its time; it starts counting at the first tick."""
        if self.SHOWN_SECONDS is None:
            return False
        if self._shown_at is None:
            self._shown_at = now
        return now - self._shown_at >= self.SHOWN_SECONDS

    @work(thread=True, exclusive=True, group="readiness")
    def check_readiness(self) -> None:
        """Off the event loop: opening the cache derives keys and reads the disk."""
        readiness = self.kiosk.service.readiness()
        self.kiosk.call_from_thread(self._readiness_arrived, readiness)

    def _readiness_arrived(self, readiness: Readiness) -> None:
        """The App keeps the answer; only a screen still on the stack acts on it.

        A check started on the welcome screen may come back after the member
        has moved on: it must not switch their screen away.
        """
        before = self.kiosk.readiness
        self.kiosk.readiness_known(readiness)
        if self in self.kiosk.screen_stack:
            self.readiness_changed(before, readiness)

    def readiness_changed(self, before: Readiness | None, readiness: Readiness) -> None:
        """What a screen that checks readiness does with a fresh answer."""


class MemberScreen(KioskScreen):
    """A step of the member flow: top bar, body, a row of actions, the key legend under them;
    F1 or "?" opens Help; Tab and the arrow keys move over the buttons, Enter presses one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        ("f1", "help", "Help"),
        ("question_mark", "help", "Help"),
        Binding("left", "app.focus_previous", show=False),
        Binding("right", "app.focus_next", show=False),
    ]
    HELP_LABEL: ClassVar[str] = "ui.help.button"
    """The Help button's words: the member's language, or both before one is chosen."""
    SHOW_DEMO: ClassVar[bool] = False
    """The demo banner lists sample NIKs: only where they help, before the member is known."""

    def compose(self) -> ComposeResult:
        yield from self.topbar()
        if self.SHOW_DEMO and self.kiosk.banner:
            yield DemoBanner(self.kiosk.banner)
        yield from self.body()
        with Vertical(id="bottom"):
            yield from self.notes()
            with Horizontal(id="actions"):
                yield from self.actions()
            legend = list(self.legend())
            if legend and self.kiosk.speaker.settings.speech:
                legend.append(self.key("listen"))
            if legend:
                yield KeyLegend(legend, place="under")

    def notes(self) -> Iterable[Widget]:
        """Lines above the buttons, for what a button did (the printed slip)."""
        return ()

    def legend(self) -> Iterable[str]:
        """The keys of this screen, in the member's language (:meth:`key`)."""
        return ()

    def key(self, name: str, /, **params: object) -> str:
        """One item of the legend: ``Enter lanjut``, ``K kartu``."""
        return self.t(f"ui.legend.{name}", **params)

    @property
    def session(self) -> "Session":
        """The member's session, for a step taken only while one is open."""
        session = self.kiosk.session
        if session is None:
            raise LookupError(f"{type(self).__name__} needs a member's session")
        return session

    def topbar(self, *, data_date: bool = True) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield Brand(self.t("ui.brand"), self.kiosk.TITLE)
            if data_date:
                yield Static(self._data_date(), id="data-date", classes=self._date_classes())
            # F1 and F2 are the keyboard's ways to these, so they stay out of the Tab order.
            if self.kiosk.speaker.settings.speech:
                yield TouchButton(self.t("ui.listen.button"), id="listen", classes="help")
            yield TouchButton(self.t(self.HELP_LABEL), id="help", classes="help")

    def body(self) -> Iterable[Widget]:
        return ()

    def actions(self) -> Iterable[Widget]:
        return ()

    def refresh_data_date(self) -> None:
        """For a screen kept between members: a sync may have come in meanwhile.

        Only a change is drawn: updating the line lays out the whole screen again.
        """
        shown = self.query_one("#data-date", Static)
        text = self._data_date()
        if str(shown.content) != text:
            shown.update(text)
        shown.set_class(self._stale(), "-stale")

    def _data_date(self) -> str:
        moment = self.kiosk.data_time()
        if moment is None:
            return ""
        key = "ui.data_date_stale" if self._stale() else "ui.data_date"
        return self.t(key, when=short_day_and_time(moment, self.kiosk.lang))

    def _stale(self) -> bool:
        readiness = self.kiosk.readiness
        return readiness is not None and readiness.stale

    def _date_classes(self) -> str:
        return "-stale" if self._stale() else ""

    @on(Button.Pressed, "#listen")
    def listen_again(self) -> None:
        self.action_listen()

    @on(Button.Pressed, "#help")
    def action_help(self) -> None:
        from screens.help import HelpScreen

        self.kiosk.push_screen(HelpScreen())


class KioskModal(KioskView, ModalScreen[None]):
    """A box over the current screen (Help, the idle countdown)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding(LISTEN_KEY, "listen", show=False)]


class VerifiedScreen(MemberScreen):
    """A step shown only to a verified member: the status, the card, the JHT answer.

    Each offers the others and Done, as buttons and as one letter each, the first
    of the action's word in the member's language (``ui.shortcut.*``: K kartu, C card).
    """

    SHORTCUTS: ClassVar[tuple[str, ...]] = ()
    """The actions this screen offers by letter, in the order of its legend."""

    def shortcut(self, action: str) -> str:
        return self.t(f"ui.shortcut.{action}")

    def shortcuts(self) -> tuple[str, ...]:
        return self.SHORTCUTS

    def shortcut_keys(self) -> list[str]:
        return [self.key(action, key=self.shortcut(action)) for action in self.shortcuts()]

    async def on_key(self, event: events.Key) -> None:
        if not event.character:
            return
        for action in self.shortcuts():
            if event.character.upper() == self.shortcut(action):
                event.stop()
                await self.run_action(action)
                return

    @property
    def view(self) -> MemberView:
        session = self.kiosk.session
        if session is None or session.view is None:
            raise LookupError(f"{type(self).__name__} needs a verified member")
        return session.view


class EntryScreen(MemberScreen):
    """A screen the member types on, through its :class:`EntryForm`.

    Nothing takes focus, so the physical keyboard and a paste reach the screen,
    which hands them to the form; the on-screen keys go to the form directly.
    """

    checking = False
    """A question is with the core: a second Enter must not ask it again."""

    @property
    def form(self) -> EntryForm:
        return self.query_one(EntryForm)

    def type_text(self, text: str) -> None:
        self.form.type_text(text)

    def on_key(self, event: events.Key) -> None:
        if event.key == "backspace":
            self.form.erase()
        elif event.key == "enter":
            self.form.submit()
        elif event.is_printable and event.character and event.character != "?":
            self.type_text(event.character)
        else:
            return  # F1, "?" and Escape reach the screen's bindings.
        event.stop()

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        self.type_text(event.text.strip())

    def ask(self, call: Callable[[], Answer], then: Callable[[Answer], None], failure: str) -> None:
        """Put ``call`` to the core in a worker thread: it reads the disk or runs scrypt, never
        on the event loop. ``then`` gets the answer on the event loop, unless the member it was
        asked for has been wiped away meanwhile. A :class:`KioskError` means the kiosk cannot
        answer at all: it is logged as ``failure`` (by its key, never its text) in the screen's
        own logger, and the member sees the error screen."""
        self.checking = True
        answered = partial(self._answered, then, self.kiosk.session is not None)
        job = partial(self._ask, call, answered, failure)
        self.run_worker(job, thread=True, exclusive=True, group="ask")

    def _ask(
        self, call: Callable[[], Answer], answered: Callable[[Answer], None], failure: str
    ) -> None:
        try:
            answer = call()
        except KioskError as error:
            logging.getLogger(type(self).__module__).error("%s: %s", failure, error.message.key)
            self.kiosk.call_from_thread(self._failed)
            return
        self.kiosk.call_from_thread(answered, answer)

    def _answered(self, then: Callable[[Answer], None], for_member: bool, answer: Answer) -> None:
        self.checking = False
        if for_member and self.kiosk.session is None:
            return  # Idle or staff wiped the member: the answer is nobody's now.
        then(answer)

    def _failed(self) -> None:
        from screens.error import ErrorScreen

        self.kiosk.wipe(ErrorScreen())
