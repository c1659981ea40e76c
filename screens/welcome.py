"""The first screen: choose a language and start; it also decides whether the kiosk may serve."""

from collections.abc import Iterable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Center, Vertical
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.i18n import Lang, msg
from kiosk.serving import Readiness
from screens.base import MemberScreen
from screens.widgets.buttons import KioskButton

RECHECK_SECONDS = 60.0
"""A kiosk left on the welcome screen notices a sync that aged or repaired its data."""


class WelcomeScreen(MemberScreen):
    GUIDANCE = "welcome"
    BINDINGS: ClassVar[list[BindingType]] = [
        ("enter", "start_default", "Mulai"),
        ("i", "start('id')", "Mulai"),
        ("e", "start('en')", "Start"),
        ("k", "contrast", "Kontras"),
    ]
    SHOW_DEMO = True
    HELP_LABEL = "ui.help.button_both"
    _drawn_for: tuple[Lang, bool] | None = None
    """The language and look the screen was composed in (:meth:`readiness_changed`)."""

    def compose(self) -> ComposeResult:
        self._drawn_for = (self.kiosk.lang, self.kiosk.high_contrast)
        yield from super().compose()

    def body(self) -> Iterable[Widget]:
        with Vertical(id="welcome-box"):
            yield Static("Selamat datang", classes="title")
            yield Static("Welcome", classes="title-en")
            yield Static(msg("ui.welcome.intro").text("id"), classes="lead")
            yield Static(msg("ui.welcome.intro").text("en"), classes="lead-en")
            with Center():
                yield KioskButton("Mulai - Bahasa Indonesia", id="start-id", variant="primary")
            with Center():
                yield KioskButton("Start - English", id="start-en", variant="primary")
            with Center():
                yield KioskButton(self._contrast_label(), id="contrast")
            yield Static(msg("ui.welcome.privacy").bilingual(), classes="note")
            yield Static(msg("ui.welcome.keys").bilingual(), classes="note")

    def on_mount(self) -> None:
        self.focus_default()
        self.check_readiness()
        self.set_interval(RECHECK_SECONDS, self.check_readiness)

    def readiness_changed(self, before: Readiness | None, readiness: Readiness) -> None:
        from screens.out_of_service import OutOfServiceScreen

        if not readiness.serving:
            self.kiosk.wipe(OutOfServiceScreen())
        elif before == readiness:
            return
        elif self._drawn_for == (self.kiosk.lang, self.kiosk.high_contrast):
            # Only the data's date moved: composing the screen again for it was a third of
            # the start's wait for an interactive welcome screen (``kiosk bench``).
            self.refresh_data_date()
        else:
            self.call_later(self._redraw)

    async def _redraw(self) -> None:
        await self.recompose()
        self.focus_default()

    def focus_default(self) -> None:
        """Enter presses the focused button: the default language's, until the member moves."""
        self.query_one(f"#start-{self.kiosk.lang}", Button).focus()

    @on(Button.Pressed, "#start-id")
    def start_indonesian(self) -> None:
        self.action_start("id")

    @on(Button.Pressed, "#start-en")
    def start_english(self) -> None:
        self.action_start("en")

    def _contrast_label(self) -> str:
        """The look the button switches to, in both languages: no language is chosen yet."""
        key = "ui.welcome.contrast_off" if self.kiosk.high_contrast else "ui.welcome.contrast_on"
        return msg(key).bilingual()

    @on(Button.Pressed, "#contrast")
    def action_contrast(self) -> None:
        """For this member only: the wipe after their session brings back the staff's default."""
        self.kiosk.choose_contrast(not self.kiosk.high_contrast)
        self.query_one("#contrast", Button).label = self._contrast_label()

    def action_start_default(self) -> None:
        """Enter starts in the kiosk's default language, which staff may set."""
        self.action_start(self.kiosk.lang)

    def action_start(self, lang: Lang) -> None:
        from screens.nik import NikScreen

        readiness = self.kiosk.readiness
        if readiness is None or not readiness.serving:
            return
        self.kiosk.start_session(lang)
        self.kiosk.switch_screen(NikScreen())
