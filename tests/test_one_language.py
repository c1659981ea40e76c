"""One language per screen: once a member (or staff) has a language, no screen mixes in the other.

Each screen is rendered in each language, tall enough to show all of it, and its
words are checked against the catalogue: a word that only the other language's
texts use is a mixed-in sentence or label. The welcome, done and out-of-service
screens speak both on purpose (nobody has chosen yet, or the choice is wiped);
they are left out. Proper names that happen to be in only one language's texts
are allowed by name.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.containers import Vertical
from textual.pilot import Pilot

from kiosk.i18n import LANGS, Lang
from screens.app import KioskApp
from screens.card import CardScreen
from screens.help import HelpScreen
from screens.idle import IdleScreen
from screens.jht import JhtScreen
from screens.maintenance import MaintenanceScreen
from screens.nik import NikScreen
from screens.staff import PinScreen
from screens.status import StatusScreen
from screens.verify import VerifyScreen
from tests.conftest import new_key
from tests.kiosk_ui import (
    Kiosk,
    Ticks,
    Visitor,
    build_kiosk,
    local_time_is_wib,
    settle,
    tick_idle,
    type_keys,
    wait_until,
)
from tests.languages import foreign
from tests.screen_image import screen_text

PIN = "246810"
TALL = (120, 110)
Scenario = Callable[[KioskApp, Pilot[Any]], Awaitable[None]]


@pytest.fixture(autouse=True)
def wib() -> Iterator[None]:
    yield from local_time_is_wib()


def drive(kiosk: Kiosk, scenario: Scenario, ticks: Ticks | None = None) -> None:
    async def inner() -> None:
        app = kiosk.app(ticks=ticks)
        async with app.run_test(size=TALL) as pilot:
            await settle(pilot)
            await scenario(app, pilot)

    asyncio.run(inner())


class Seen:
    """Every screen a scenario visits, by name, with its text."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.screens: dict[str, str] = {}

    def take(self, app: KioskApp, name: str, *, feed: Iterable[str] = ()) -> None:
        """The screen as read, without ``feed`` text (names, employers: proper names); a box
        over a screen alone, without the screen it covers."""
        text = screen_text(app) if not app.screen.is_modal else modal_text(app)
        for value in feed:
            text = text.replace(value, " ")
        self.screens[name] = text

    def mixed(self) -> dict[str, set[str]]:
        found = {name: foreign(text, self.lang) for name, text in self.screens.items()}
        return {name: words for name, words in found.items() if words}


def modal_text(app: KioskApp) -> str:
    """The box's own cells: the screen it covers shows through around it."""
    box = app.screen.query_one(Vertical).region
    rows = screen_text(app).split("\n")[box.y : box.bottom]
    return "\n".join(row[box.x : box.right] for row in rows)


def feed_text(person: Visitor) -> list[str]:
    member = person.member
    employers = [m.employer_name for m in member.memberships if m.employer_name]
    return [member.name, *employers]


def start_key(lang: Lang) -> str:
    return "i" if lang == "id" else "e"


@pytest.fixture
def kiosk(tmp_path: Path) -> Kiosk:
    kiosk = build_kiosk(tmp_path, new_key())
    kiosk.maintenance(kiosk.service()).set_pin(PIN)
    return kiosk


@pytest.mark.parametrize("case", ["job_changer", "arrears", "dismissed", "data", "active"])
@pytest.mark.parametrize("lang", LANGS)
def test_every_member_screen_speaks_one_language(kiosk: Kiosk, lang: Lang, case: str) -> None:
    person = kiosk.people[case]
    feed = feed_text(person)
    seen = Seen(lang)
    ticks = Ticks()

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await pilot.press(start_key(lang))
        await settle(pilot)
        assert isinstance(app.screen, NikScreen)
        await type_keys(pilot, person.nik[:5])
        seen.take(app, "nik")
        await type_keys(pilot, person.nik[5:])
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, VerifyScreen)
        await type_keys(pilot, "Salah")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not getattr(app.screen, "checking", True))
        seen.take(app, "verify, wrong answer")
        await type_keys(pilot, person.mother)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StatusScreen))
        seen.take(app, "status", feed=feed)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        seen.take(app, "help")
        await pilot.press("escape")
        await settle(pilot)
        ticks.advance(55)
        await tick_idle(pilot)
        assert isinstance(app.screen, IdleScreen)
        seen.take(app, "idle")
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert isinstance(app.screen, JhtScreen)
        seen.take(app, "jht", feed=feed)
        await pilot.press("k" if lang == "id" else "c")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        seen.take(app, "card", feed=feed)
        if len(person.kpjs) > 1:
            await pilot.press("2")
            await settle(pilot)
            seen.take(app, "card, second", feed=feed)

    drive(kiosk, scenario, ticks)
    assert seen.mixed() == {}


@pytest.mark.parametrize("lang", LANGS)
def test_the_staff_screens_speak_the_kiosk_language(kiosk: Kiosk, lang: Lang) -> None:
    kiosk.maintenance(kiosk.service()).set_default_lang(lang)
    seen = Seen(lang)

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await pilot.press("f12")
        await settle(pilot)
        assert isinstance(app.screen, PinScreen)
        await pilot.press("1", "enter")
        await wait_until(pilot, lambda: not getattr(app.screen, "checking", True))
        seen.take(app, "pin, wrong")
        await pilot.press(*PIN, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MaintenanceScreen))
        screen = app.screen
        assert isinstance(screen, MaintenanceScreen)
        await wait_until(pilot, lambda: screen.kiosk_state is not None)
        await pilot.press("i")
        await wait_until(pilot, lambda: not screen.busy and bool(screen.result))
        await pilot.press("s")
        await wait_until(pilot, lambda: not screen.busy and bool(screen.result))
        screen.load_state()
        await settle(pilot)
        seen.take(app, "maintenance")

    drive(kiosk, scenario)
    assert seen.mixed() == {}


def test_a_word_of_the_other_language_counts_only_standing_alone() -> None:
    """A key id is hex: ``62d5ada1`` holds the letters of "ada" (there is) but says no word."""
    assert foreign("Ada kartu. There is a card.", "en") == {"Ada"}
    assert foreign("Master key (id 62d5ada1dada4263): 32 bytes.", "en") == set()
