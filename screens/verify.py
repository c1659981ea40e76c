"""Proof of identity: the mother's maiden name, typed or tapped, checked against the keyed hash."""

import logging
import unicodedata
from collections.abc import Iterable
from typing import ClassVar

from textual import on, work
from textual.binding import BindingType
from textual.containers import Center, Vertical
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.errors import KioskError
from kiosk.serving import MemberView, Refused, Verdict
from screens.base import EntryScreen, format_clock
from screens.widgets.buttons import KioskButton
from screens.widgets.entry import EntryLine
from screens.widgets.keypad import LetterBoard

log = logging.getLogger(__name__)
MAX_NAME = 60
_PUNCTUATION = " '-."


def acceptable(character: str) -> bool:
    """Letters of any script, and the few marks Indonesian names carry."""
    return character in _PUNCTUATION or unicodedata.category(character).startswith("L")


class VerifyScreen(EntryScreen):
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "back", "Back")]
    SHOW_DEMO = True

    def __init__(self) -> None:
        super().__init__()
        self.answer = ""
        self.checking = False

    def body(self) -> Iterable[Widget]:
        with Vertical(id="entry"):
            yield Static(self.t("ui.verify.prompt"), classes="prompt")
            with Center():
                yield EntryLine(id="answer")
            yield Static(id="problem", classes="problem")
            with Center():
                yield LetterBoard(
                    self.t("ui.key.space"), self.t("ui.key.back"), self.t("ui.key.check")
                )

    def actions(self) -> Iterable[Widget]:
        yield KioskButton(self.t("ui.back"), id="back")

    def on_mount(self) -> None:
        self._show()

    def _show(self, problem: str = "") -> None:
        self.query_one("#answer", EntryLine).show(self.answer, "_")
        self.query_one("#problem", Static).update(problem)

    def type_text(self, text: str) -> None:
        if not all(acceptable(c) for c in text):
            self._show(self.t("ui.verify.letters_only"))
            return
        if len(self.answer) + len(text) > MAX_NAME:
            self._show(self.t("ui.verify.too_long", length=MAX_NAME))
            return
        self.answer += text
        self._show()

    def erase(self) -> None:
        self.answer = self.answer[:-1]
        self._show()

    def submit(self) -> None:
        session = self.kiosk.session
        if self.checking or session is None:
            return
        if not self.answer.strip():
            self._show(self.t("ui.verify.empty"))
            return
        self.checking = True
        self.kiosk.mark("submitted")
        self._show(self.t("ui.verify.checking"))
        self.check(session.nik, self.answer)

    @work(thread=True, exclusive=True, group="verify")
    def check(self, nik: str, answer: str) -> None:
        mask = "*" if self.kiosk.linux_console else "•"
        try:
            verdict = self.kiosk.service.verify(nik, answer, mask)
        except KioskError as error:
            log.error("an answer could not be checked: %s", error.message.key)
            self.kiosk.call_from_thread(self.failed)
            return
        self.kiosk.call_from_thread(self.checked, verdict)

    def checked(self, verdict: Verdict) -> None:
        from screens.status import StatusScreen

        self.checking = False
        session = self.kiosk.session
        if session is None:
            return
        if isinstance(verdict, MemberView):
            session.view = verdict
            self.kiosk.switch_screen(StatusScreen())
            return
        self.answer = ""
        if isinstance(verdict, Refused):
            left = self.t("ui.verify.attempts_left", left=verdict.attempts_left)
            self._show(f"{self.t('ui.verify.no_match')} {left}")
        else:
            self._show(self.t("ui.limits.locked", until=format_clock(verdict.until)))

    def failed(self) -> None:
        from screens.error import ErrorScreen

        self.kiosk.wipe(ErrorScreen())

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        from screens.nik import NikScreen

        self.kiosk.switch_screen(NikScreen())
