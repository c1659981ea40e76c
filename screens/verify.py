"""Proof of identity: the mother's maiden name, typed or tapped, checked against the keyed hash."""

import unicodedata
from collections.abc import Iterable
from functools import partial
from typing import ClassVar

from textual import on
from textual.binding import BindingType
from textual.widget import Widget
from textual.widgets import Button

from kiosk.dates import clock_time
from kiosk.serving import MemberView, Refused, Verdict
from screens.base import EntryScreen
from screens.widgets.buttons import TouchButton
from screens.widgets.entry import EntryForm
from screens.widgets.keypad import LetterBoard

MAX_NAME = 60
_PUNCTUATION = " '-."


def acceptable(character: str) -> bool:
    """Letters of any script, and the few marks Indonesian names carry."""
    return character in _PUNCTUATION or unicodedata.category(character).startswith("L")


class VerifyScreen(EntryScreen):
    GUIDANCE = "verify"
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "back", "Back")]
    SHOW_DEMO = True

    def body(self) -> Iterable[Widget]:
        yield EntryForm(
            self.t("ui.verify.prompt"),
            LetterBoard(self.t("ui.key.space"), self.t("ui.key.back"), self.t("ui.key.check")),
            typing=self.typed,
            drawing=lambda answer: (answer, "_"),
        )

    def legend(self) -> Iterable[str]:
        return map(self.key, ("letters", "erase", "check", "back", "help"))

    def actions(self) -> Iterable[Widget]:
        yield TouchButton(self.t("ui.back"), id="back")

    def typed(self, answer: str, text: str) -> tuple[str, str]:
        if not all(acceptable(c) for c in text):
            return answer, self.t("ui.verify.letters_only")
        if len(answer) + len(text) > MAX_NAME:
            return answer, self.t("ui.verify.too_long", length=MAX_NAME)
        return answer + text, ""

    @on(EntryForm.Submitted)
    def check(self, event: EntryForm.Submitted) -> None:
        session = self.kiosk.session
        if self.checking or session is None:
            return
        if not event.value.strip():
            self.form.message = self.t("ui.verify.empty")
            return
        self.form.message = self.t("ui.verify.checking")
        mask = "*" if self.kiosk.linux_console else "•"
        verify = partial(self.kiosk.service.verify, session.nik, event.value, mask)
        self.ask(verify, self.checked, "an answer could not be checked")

    def checked(self, verdict: Verdict) -> None:
        if isinstance(verdict, MemberView):
            self.session.view = verdict
            self.kiosk.call_later(self.kiosk.show_status)
            return
        self.form.value = ""
        if isinstance(verdict, Refused):
            left = self.t("ui.verify.attempts_left", left=verdict.attempts_left)
            self.form.message = f"{self.t('ui.verify.no_match')} {left}"
        else:
            self.form.message = self.t(
                "ui.limits.locked", until=clock_time(verdict.until, self.kiosk.lang)
            )
            self.form.locked = True

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        from screens.nik import NikScreen

        self.kiosk.switch_screen(NikScreen())
