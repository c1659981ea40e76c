"""The print button as a member meets it: offered only when the printer is ready, a slip that
carries the card on screen, and one sentence when the printer fails."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Static

from kiosk.config import PAPERS, FileTarget, PrinterSettings
from kiosk.i18n import msg
from screens.app import KioskApp
from screens.card import CardScreen
from screens.printing import PrintingScreen
from screens.status import StatusScreen
from screens.widgets.legend import KeyLegend
from tests.conftest import new_key
from tests.kiosk_ui import (
    Kiosk,
    build_kiosk,
    drive,
    local_time_is_wib,
    settle,
    type_keys,
    wait_until,
)
from tests.screen_image import decode_qr
from tests.slip_paper import print_out


@pytest.fixture(autouse=True)
def wib() -> Iterator[None]:
    yield from local_time_is_wib()


@pytest.fixture
def kiosk(tmp_path: Path) -> Kiosk:
    home = tmp_path / "kiosk"
    home.mkdir()
    return build_kiosk(home, new_key())


async def to_status(app: KioskApp, pilot: Pilot[Any], kiosk: Kiosk, case: str) -> None:
    person = kiosk.people[case]
    await pilot.press("enter")
    await type_keys(pilot, person.nik)
    await pilot.press("enter")
    await settle(pilot)
    await type_keys(pilot, person.mother)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, StatusScreen))
    await settle(pilot)


def offered(app: KioskApp) -> bool:
    buttons = app.screen.query("#print")
    return bool(buttons) and buttons.first(Button).display


def busy(app: KioskApp) -> bool:
    screen = app.screen
    assert isinstance(screen, PrintingScreen)
    return screen.printing


def note(app: KioskApp) -> str:
    return str(app.screen.query_one("#print-note", Static).content)


def test_a_member_prints_the_card_on_screen_and_the_slip_carries_it(
    kiosk: Kiosk, tmp_path: Path
) -> None:
    device = tmp_path / "lp0"
    printer = PrinterSettings(FileTarget(device), 58)

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await to_status(app, pilot, kiosk, "job_changer")
        assert offered(app)
        assert "C cetak" in app.screen.query_one(KeyLegend).keys.items
        await pilot.press("c")
        await wait_until(pilot, lambda: device.exists() and not busy(app))
        assert note(app) == msg("ui.print.done").text("id")
        view = app.session.view if app.session else None
        assert view is not None
        slip = print_out(device.read_bytes(), PAPERS[58])
        assert decode_qr(slip.image.convert("RGB")) == [view.cards[0].text]

        device.unlink()
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        await pilot.press("3")
        await settle(pilot)
        assert offered(app)
        await pilot.click("#print")
        await wait_until(pilot, lambda: device.exists() and not busy(app))
        slip = print_out(device.read_bytes(), PAPERS[58])
        assert decode_qr(slip.image.convert("RGB")) == [view.cards[2].text]

    drive(kiosk.app(printer=printer), scenario)


def test_without_a_printer_there_is_no_button_and_no_key(kiosk: Kiosk) -> None:
    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await to_status(app, pilot, kiosk, "active")
        assert not offered(app)
        assert not any("cetak" in key for key in app.screen.query_one(KeyLegend).keys.items)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, StatusScreen)

    drive(kiosk.app(), scenario)


def test_a_printer_that_cannot_print_is_not_offered(kiosk: Kiosk, tmp_path: Path) -> None:
    printer = PrinterSettings(FileTarget(tmp_path / "missing" / "lp0"), 58)

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await to_status(app, pilot, kiosk, "active")
        assert not offered(app)
        await pilot.press("c")
        await settle(pilot)
        assert not (tmp_path / "missing").exists()

    drive(kiosk.app(printer=printer), scenario)


def test_a_print_that_fails_says_why_and_the_button_goes(kiosk: Kiosk, tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    printer = PrinterSettings(FileTarget(device), 58)

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await to_status(app, pilot, kiosk, "active")
        assert offered(app)
        device.mkdir()  # Between the check and the press, the printer went away.
        await pilot.press("c")
        await wait_until(pilot, lambda: not busy(app))
        assert not offered(app)
        assert note(app) in {msg(f"printer.error.{o}").text("id") for o in ("offline", "denied")}

    drive(kiosk.app(printer=printer), scenario)
