"""Shown instead of the welcome screen while the kiosk must not serve: members learn where
else to go, staff learn what is wrong; it checks again on its own."""

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from kiosk.i18n import msg
from kiosk.serving import Readiness
from screens.base import KioskScreen
from screens.widgets.brand import Brand

RECHECK_SECONDS = 30.0


class OutOfServiceScreen(KioskScreen):
    GUIDANCE = "out_of_service"

    def compose(self) -> ComposeResult:
        readiness = self.kiosk.readiness
        maintenance = readiness is not None and readiness.maintenance
        title = msg("ui.maintenance.title" if maintenance else "ui.out_of_service.title")
        with Horizontal(id="topbar"):
            # Whose kiosk this is, even when it cannot serve; nothing here to press.
            yield Brand(msg("ui.brand").text("id"), self.kiosk.TITLE)
        with Vertical(id="oos-box"):
            yield Static(title.text("id"), classes="title")
            yield Static(title.text("en"), classes="title-en")
            yield Static(msg("ui.out_of_service.members").text("id"), classes="lead")
            yield Static(msg("ui.out_of_service.members").text("en"), classes="lead-en")
            if readiness is not None and readiness.problem is not None:
                yield Static(
                    msg("ui.out_of_service.staff", reason=readiness.problem.bilingual()).text("id"),
                    classes="staff",
                    markup=False,
                )

    def on_mount(self) -> None:
        self.set_interval(RECHECK_SECONDS, self.check_readiness)

    def readiness_changed(self, before: Readiness | None, readiness: Readiness) -> None:
        if readiness.serving:
            self.kiosk.wipe()
        else:
            self.refresh(recompose=True)
