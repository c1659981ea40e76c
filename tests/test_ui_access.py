"""Every path, by keys alone and by touch alone: a member who cannot use one can use the other.

The keys-only runs never click; the touch-only runs never press a key (typing
goes through the on-screen pads). Both visit every member screen and the staff
screens, at the smallest supported screen and a common one, in each language.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button

from kiosk.i18n import LANGS, Lang, msg
from screens.app import STAFF_TAPS, KioskApp
from screens.card import CardScreen
from screens.done import DoneScreen
from screens.help import HelpScreen
from screens.jht import JhtScreen
from screens.maintenance import MaintenanceScreen
from screens.nik import NikScreen
from screens.staff import PinScreen
from screens.status import StatusScreen
from screens.verify import VerifyScreen
from screens.welcome import WelcomeScreen
from screens.widgets.keypad import BACK, OK, SPACE, PadKey
from screens.widgets.legend import KeyLegend
from tests.conftest import new_key
from tests.kiosk_ui import Kiosk, Visitor, build_kiosk, drive, local_time_is_wib, settle, wait_until
from tests.screen_image import screen_text

PIN = "246810"
SIZES = [(80, 24), (100, 30)]


@pytest.fixture(autouse=True)
def wib() -> Iterator[None]:
    yield from local_time_is_wib()


@pytest.fixture
def kiosk(tmp_path: Path) -> Kiosk:
    kiosk = build_kiosk(tmp_path, new_key())
    kiosk.maintenance(kiosk.service()).set_pin(PIN)
    return kiosk


def on(app: KioskApp, screen: type[Any]) -> None:
    assert isinstance(app.screen, screen), f"{type(app.screen).__name__}, not {screen.__name__}"


def focused(app: KioskApp) -> str:
    widget = app.screen.focused
    assert isinstance(widget, Button), f"focus is on {widget!r}, not a button"
    return widget.id or str(widget.label)


def legend(app: KioskApp) -> str:
    """The legend's keys, one line each as the member reads them."""
    return "  ".join(app.screen.query_one(KeyLegend).keys.items)


def text(app: KioskApp) -> str:
    return " ".join(screen_text(app).split())


# Keys only ---------------------------------------------------------------------------


async def press(pilot: Pilot[Any], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def type_keys(pilot: Pilot[Any], typed: str) -> None:
    await pilot.press(*("space" if c == " " else c for c in typed))


async def keys_to_status(app: KioskApp, pilot: Pilot[Any], person: Visitor, lang: Lang) -> None:
    on(app, WelcomeScreen)
    await press(pilot, "k")
    assert app.high_contrast
    await press(pilot, "k")
    assert not app.high_contrast
    assert focused(app) == f"start-{app.lang}"
    other = "en" if app.lang == "id" else "id"
    if lang == other:
        await press(pilot, "tab")
        assert focused(app) == f"start-{other}"
    await press(pilot, "enter")
    on(app, NikScreen)
    assert app.lang == lang
    assert msg("ui.legend.digits").text(lang) in legend(app)
    await type_keys(pilot, person.nik[:-1] + "9")
    await press(pilot, "backspace")
    await type_keys(pilot, person.nik[-1])
    await press(pilot, "enter")
    on(app, VerifyScreen)
    await press(pilot, "escape")
    on(app, NikScreen)
    await press(pilot, "enter")
    on(app, VerifyScreen)
    await type_keys(pilot, person.mother)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, StatusScreen))


def shortcut(action: str, lang: Lang) -> str:
    return msg(f"ui.shortcut.{action}").text(lang).lower()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
def test_every_member_path_by_keys_only(kiosk: Kiosk, lang: Lang, size: tuple[int, int]) -> None:
    """Three KPJs: every screen, every button reached by Tab or arrows and pressed by Enter,
    every shortcut the legend names, Help, and out by Done."""
    person = kiosk.people["job_changer"]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await keys_to_status(app, pilot, person, lang)
        assert focused(app) == "card"
        for action in StatusScreen.SHORTCUTS:
            assert msg(f"ui.legend.{action}", key=shortcut(action, lang).upper()).text(
                lang
            ) in legend(app)
        await press(pilot, "right")
        assert focused(app) == "jht"
        await press(pilot, "tab")
        assert focused(app) == "done"
        await press(pilot, "left", "left")
        assert focused(app) == "card"

        await press(pilot, "enter")
        on(app, CardScreen)
        assert focused(app) == "pick-0"
        await press(pilot, "down")
        await press(pilot, "enter")
        assert f"KPJ {person.kpjs[1]}" in text(app)
        await press(pilot, "escape")
        on(app, CardScreen)
        assert focused(app) == "pick-1", "back on the card just seen"
        await press(pilot, "3")
        assert f"KPJ {person.kpjs[2]}" in text(app)
        assert focused(app) == "back"
        await press(pilot, "down")
        assert focused(app) == "jht"
        await press(pilot, "enter")
        on(app, JhtScreen)
        assert focused(app) == "back"
        await press(pilot, "pagedown", "up")
        await press(pilot, shortcut("card", lang))
        on(app, CardScreen)
        await press(pilot, "escape", "escape")
        on(app, StatusScreen)
        await press(pilot, shortcut("jht", lang))
        on(app, JhtScreen)
        await press(pilot, "escape")
        on(app, StatusScreen)

        await press(pilot, "f1")
        on(app, HelpScreen)
        await press(pilot, "down", "escape")
        on(app, StatusScreen)
        # Escape alone no longer wipes the member: it goes to Done, which Enter presses.
        await press(pilot, "escape")
        on(app, StatusScreen)
        assert focused(app) == "done"
        await press(pilot, "enter")
        on(app, DoneScreen)
        assert app.session is None
        await press(pilot, "space")
        on(app, WelcomeScreen)

        # The next member's status starts on its first button again, whatever the last did.
        await keys_to_status(app, pilot, kiosk.people["active"], lang)
        assert focused(app) == "card"
        await press(pilot, shortcut("done", lang))
        on(app, DoneScreen)

    drive(kiosk.app(), scenario, size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_maintenance_by_keys_only(kiosk: Kiosk, size: tuple[int, int]) -> None:
    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await press(pilot, "f12")
        on(app, PinScreen)
        await pilot.press(*PIN, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MaintenanceScreen))
        screen = app.screen
        assert isinstance(screen, MaintenanceScreen)
        await wait_until(pilot, lambda: screen.kiosk_state is not None)
        assert focused(app) == "sync"
        await press(pilot, "down")
        assert focused(app) == "integrity"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not screen.busy and bool(screen.result))
        assert "11" in screen.result
        await press(pilot, "tab", "tab", "tab", "tab")
        assert focused(app) == "logout"
        await press(pilot, "enter")
        on(app, WelcomeScreen)

    drive(kiosk.app(), scenario, size)


# Touch only --------------------------------------------------------------------------


async def tap(pilot: Pilot[Any], widget: Widget) -> None:
    assert widget.region.height, f"{widget!r} is not on screen"
    await pilot.click(widget)
    await settle(pilot)


async def tap_id(pilot: Pilot[Any], button_id: str) -> None:
    await tap(pilot, pilot.app.screen.query_one(f"#{button_id}"))


async def tap_keys(pilot: Pilot[Any], typed: str) -> None:
    """Type on the screen's own pad, key by key."""
    keys = {key.key: key for key in pilot.app.screen.query(PadKey)}
    for character in typed.upper():
        await tap(pilot, keys[SPACE if character == " " else character])


async def tap_key(pilot: Pilot[Any], key: str) -> None:
    await tap(pilot, next(k for k in pilot.app.screen.query(PadKey) if k.key == key))


def test_a_brisk_second_tap_counts_on_a_button_as_on_the_pad(kiosk: Kiosk) -> None:
    """Two taps with no pause between them, well inside Button's 0.2 s press effect: the
    toggle goes on and off again, and the pad types both digits."""

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        contrast = app.screen.query_one("#contrast")
        await pilot.click(contrast)
        await pilot.click(contrast)
        await settle(pilot)
        assert not app.high_contrast
        await tap_id(pilot, "start-id")
        screen = app.screen
        assert isinstance(screen, NikScreen)
        one = next(key for key in screen.query(PadKey) if key.key == "1")
        await pilot.click(one)
        await pilot.click(one)
        await settle(pilot)
        assert screen.digits == "11"

    drive(kiosk.app(), scenario)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
def test_every_member_path_by_touch_only(kiosk: Kiosk, lang: Lang, size: tuple[int, int]) -> None:
    person = kiosk.people["job_changer"]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        on(app, WelcomeScreen)
        await tap_id(pilot, "contrast")
        assert app.high_contrast
        await tap_id(pilot, "contrast")
        assert not app.high_contrast
        await tap_id(pilot, f"start-{lang}")
        on(app, NikScreen)
        assert app.lang == lang
        await tap_keys(pilot, person.nik[:-1] + "1")
        await tap_key(pilot, BACK)
        await tap_keys(pilot, person.nik[-1])
        await tap_key(pilot, OK)
        on(app, VerifyScreen)
        await tap_id(pilot, "back")
        on(app, NikScreen)
        await tap_key(pilot, OK)
        on(app, VerifyScreen)
        await tap_keys(pilot, person.mother)
        await pilot.click(next(k for k in app.screen.query(PadKey) if k.key == OK))
        await wait_until(pilot, lambda: isinstance(app.screen, StatusScreen))

        await tap_id(pilot, "help")
        on(app, HelpScreen)
        await tap_id(pilot, "close")
        on(app, StatusScreen)
        await tap_id(pilot, "card")
        on(app, CardScreen)
        await tap_id(pilot, "pick-2")
        assert f"KPJ {person.kpjs[2]}" in text(app)
        await tap_id(pilot, "back")
        await tap_id(pilot, "back")
        on(app, StatusScreen)
        await tap_id(pilot, "jht")
        on(app, JhtScreen)
        await tap_id(pilot, "card")
        on(app, CardScreen)
        await tap_id(pilot, "pick-0")
        await tap_id(pilot, "jht")
        on(app, JhtScreen)
        await tap_id(pilot, "back")
        on(app, StatusScreen)
        await tap_id(pilot, "done")
        on(app, DoneScreen)
        assert app.session is None
        await tap_id(pilot, "again")
        on(app, WelcomeScreen)

    drive(kiosk.app(), scenario, size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_maintenance_by_touch_only(kiosk: Kiosk, size: tuple[int, int]) -> None:
    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        for _ in range(STAFF_TAPS):
            await pilot.click(offset=(1, 0))
        await settle(pilot)
        on(app, PinScreen)
        await tap_keys(pilot, PIN)
        await pilot.click(next(k for k in app.screen.query(PadKey) if k.key == OK))
        await wait_until(pilot, lambda: isinstance(app.screen, MaintenanceScreen))
        screen = app.screen
        assert isinstance(screen, MaintenanceScreen)
        await wait_until(pilot, lambda: screen.kiosk_state is not None)
        await pilot.click("#integrity")
        await wait_until(pilot, lambda: not screen.busy and bool(screen.result))
        assert "11" in screen.result
        await tap_id(pilot, "logout")
        on(app, WelcomeScreen)

    drive(kiosk.app(), scenario, size)
