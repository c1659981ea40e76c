"""WCAG contrast measured on the screens as drawn, not on the theme's table.

The real App runs under Pilot over a real cache (:mod:`tests.kiosk_ui`) and a
tour visits every member screen and the staff's; on each, every run of text the
compositor hands the terminal is checked against its background
(:mod:`tests.contrast`). High contrast must reach AAA (7:1) at both supported
sizes and on the Linux console's 16 colours; the default look, AA (4.5:1).
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual import events
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.config import Limits
from screens.app import KioskApp
from screens.card import CardScreen
from screens.done import DoneScreen
from screens.help import HelpScreen
from screens.idle import IdleScreen
from screens.jht import JhtScreen
from screens.maintenance import MaintenanceScreen
from screens.nik import NikScreen
from screens.out_of_service import OutOfServiceScreen
from screens.staff import PinScreen
from screens.status import StatusScreen
from screens.verify import VerifyScreen
from screens.welcome import WelcomeScreen
from screens.widgets.keypad import PadKey
from screens.widgets.qr import QrCode
from tests.conftest import new_key
from tests.contrast import (
    AA,
    AAA,
    Cell,
    Run,
    console_colours,
    contrast_ratio,
    low_contrast,
    screen_cells,
    text_runs,
)
from tests.kiosk_ui import (
    NOW,
    Kiosk,
    Ticks,
    Visitor,
    build_kiosk,
    local_time_is_wib,
    settle,
    tick_idle,
    wait_until,
)
from tests.screen_image import decode_qr, screen_image

PIN = "482913"
SMALL = (80, 24)
LARGE = (100, 30)
Found = dict[str, list[Run]]
"""The runs of text under the bar, by the screen (and state) they were on."""


@pytest.fixture(autouse=True)
def _wib() -> Iterator[None]:
    yield from local_time_is_wib()


@pytest.fixture
def kiosk(tmp_path: Path) -> Kiosk:
    kiosk = build_kiosk(tmp_path, new_key())
    kiosk.maintenance(kiosk.service()).set_pin(PIN)
    return kiosk


class Tour:
    """Visits screens and notes, for each, the text drawn under its look's bar."""

    def __init__(self, app: KioskApp, pilot: Pilot[Any]) -> None:
        self.app = app
        self.pilot = pilot
        self.found: Found = {}
        self.seen: list[str] = []

    async def check(self, label: str, screen: type[object]) -> None:
        await wait_until(self.pilot, lambda: isinstance(self.app.screen, screen))
        assert any(text_runs(self.app)), label
        squeezed = [
            b for b in self.app.screen.query(Button) if b.display and not b.content_size.height
        ]
        assert squeezed == [], f"{label}: buttons with no room for their label"
        minimum = AAA if self.app.high_contrast else AA
        label += f" ({minimum}:1)"
        self.seen.append(label)
        console = self.app.linux_console
        failing = low_contrast(self.app, minimum, console=console)
        if minimum == AA and isinstance(self.app.screen, ModalScreen):
            # The default look fades the screen under Help and the countdown: inactive,
            # which WCAG 1.4.3 exempts. High contrast hides it, so there it is checked.
            boxes = [widget.region for widget in self.app.screen.children]
            failing = [
                run for run in failing if any(box.contains(run.column, run.row) for box in boxes)
            ]
        if failing:
            self.found[label] = failing

    async def paste(self, text: str) -> None:
        self.app.post_message(events.Paste(text))
        await self.pilot.pause()

    async def submit(self, text: str) -> None:
        await self.paste(text)
        await self.pilot.press("enter")
        await settle(self.pilot)


def report(found: Found) -> str:
    lines = ["text under the bar"]
    for label, runs in found.items():
        lines += [f"  {label}:"] + [f"    {run}" for run in runs]
    return "\n".join(lines)


def drive(app: KioskApp, size: tuple[int, int], tour: Callable[[Tour], Awaitable[None]]) -> Tour:
    done: list[Tour] = []

    async def inner() -> None:
        async with app.run_test(size=size) as pilot:
            visit = Tour(app, pilot)
            await settle(pilot)
            await tour(visit)
            done.append(visit)

    asyncio.run(inner())
    return done[0]


async def member_visit(tour: Tour, person: Visitor, *, switch: bool) -> None:
    """Welcome to Done by keyboard, looking at each step; ``switch``: press K first."""
    pilot, app = tour.pilot, tour.app
    await tour.check("welcome", WelcomeScreen)
    if switch:
        before = app.high_contrast
        await pilot.press("k")
        await settle(pilot)
        assert app.high_contrast is not before
        await tour.check("welcome, look switched", WelcomeScreen)
    await pilot.press("enter")
    await tour.check("NIK", NikScreen)
    await tour.submit("3201014")
    await tour.check("NIK too short", NikScreen)
    await pilot.press(*["backspace"] * 7)
    await tour.submit(person.nik)
    await tour.check("name", VerifyScreen)
    await tour.submit("Salah Sekali")
    await tour.check("name, wrong answer", VerifyScreen)
    await tour.submit(person.mother)
    label = f"status, {len(person.kpjs)} membership(s)"
    await tour.check(label, StatusScreen)
    await pilot.press("end")
    await settle(pilot)
    await tour.check(label + ", scrolled to the end", StatusScreen)
    await pilot.press("k")
    await tour.check("card", CardScreen)
    if app.screen.query(QrCode):
        assert len(decode_qr(screen_image(app))) == 1, "dark on light, with its quiet zone"
    if len(person.kpjs) > 1:
        await pilot.press("1")
        await tour.check("card, the first of several", CardScreen)
        await pilot.press("escape")
        await settle(pilot)
    await pilot.press("escape")
    await pilot.press("j")
    await tour.check("JHT", JhtScreen)
    await pilot.press("escape")
    await pilot.press("f1")
    await tour.check("help", HelpScreen)
    await pilot.press("escape")
    ticks = app.ticks
    assert isinstance(ticks, Ticks)
    ticks.advance(app.service.settings.idle_timeout.total_seconds() - 5)
    await tick_idle(pilot)
    await tour.check("idle countdown", IdleScreen)
    await pilot.click("#continue")
    await tour.check("status again", StatusScreen)
    await pilot.click("#done")
    await tour.check("done", DoneScreen)


async def locked_visit(tour: Tour, person: Visitor, *, switch: bool) -> None:
    """Wrong answers until the NIK locks: the keys are disabled."""
    await tour.pilot.press(*(["k"] if switch else []), "enter")
    await tour.check("NIK (second member)", NikScreen)
    await tour.submit(person.nik)
    for _ in range(Limits().failed_verifications):
        await tour.submit("Salah Sekali")
    await tour.check("name, NIK locked, keys disabled", VerifyScreen)
    assert all(key.is_disabled for key in tour.app.screen.query(PadKey))


async def staff_visit(tour: Tour) -> None:
    await tour.pilot.press("f12")
    await tour.check("staff PIN", PinScreen)
    await tour.pilot.press(*"111119", "enter")
    await settle(tour.pilot)
    await tour.check("staff PIN, wrong", PinScreen)
    await tour.pilot.press(*PIN, "enter")
    await tour.check("maintenance", MaintenanceScreen)
    screen = tour.app.screen
    assert isinstance(screen, MaintenanceScreen)
    await wait_until(tour.pilot, lambda: screen.kiosk_state is not None)
    await tour.check("maintenance, state shown", MaintenanceScreen)
    await tour.pilot.press("i")
    await wait_until(tour.pilot, lambda: not screen.busy)
    await tour.check("maintenance, after the integrity check", MaintenanceScreen)


def member_tour(kiosk: Kiosk, *, switch: bool) -> Callable[[Tour], Awaitable[None]]:
    """Three members: one membership, three, a NIK locked; each session ends in the default."""

    async def tour(visit: Tour) -> None:
        default = visit.app.high_contrast
        await member_visit(visit, kiosk.people["data"], switch=switch)
        await visit.pilot.press("space")
        await visit.check("welcome after the visit", WelcomeScreen)
        assert visit.app.high_contrast is default
        await member_visit(visit, kiosk.people["job_changer"], switch=switch)
        await visit.pilot.press("space")
        await settle(visit.pilot)
        await locked_visit(visit, kiosk.people["active"], switch=switch)

    return tour


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "100x30"])
def test_high_contrast_meets_aaa_on_every_member_screen(
    kiosk: Kiosk, size: tuple[int, int]
) -> None:
    """Chosen with K by each member; the kiosk's default look in between."""
    tour = drive(kiosk.app(ticks=Ticks()), size, member_tour(kiosk, switch=True))
    assert len(tour.seen) > 30
    assert tour.found == {}, report(tour.found)


def test_high_contrast_meets_aaa_on_the_linux_console(kiosk: Kiosk) -> None:
    """The console's nearest of its 16 colours for each colour drawn; staff's default."""
    kiosk.maintenance(kiosk.service()).set_default_contrast(True)
    app = kiosk.app(console=True, ticks=Ticks())
    tour = drive(app, LARGE, member_tour(kiosk, switch=False))
    assert all("(7.0:1)" in label for label in tour.seen)
    assert tour.found == {}, report(tour.found)


def test_high_contrast_by_default_on_the_staff_screens(kiosk: Kiosk, tmp_path: Path) -> None:
    """Set by staff: the welcome screen starts in it; PIN and maintenance screens too."""
    kiosk.maintenance(kiosk.service()).set_default_contrast(True)

    async def tour(visit: Tour) -> None:
        assert visit.app.high_contrast
        await visit.check("welcome, staff's default", WelcomeScreen)
        await staff_visit(visit)

    found = drive(kiosk.app(), LARGE, tour).found
    (tmp_path / "stale").mkdir()
    stale = build_kiosk(tmp_path / "stale", new_key(), synced=NOW - timedelta(days=2))
    stale.maintenance(stale.service()).set_default_contrast(True)

    async def stale_tour(visit: Tour) -> None:
        await visit.pilot.press("enter")
        await visit.check("NIK, stale data", NikScreen)

    found |= drive(stale.app(), LARGE, stale_tour).found
    assert found == {}, report(found)


def test_high_contrast_out_of_service(kiosk: Kiosk, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    missing = Kiosk(tmp_path / "empty" / "cache.db", kiosk.key, {})
    missing.maintenance(missing.service()).set_default_contrast(True)

    async def tour(visit: Tour) -> None:
        assert visit.app.high_contrast
        await visit.check("out of service", OutOfServiceScreen)

    found = drive(missing.app(), LARGE, tour).found
    assert found == {}, report(found)


def test_default_look_meets_aa(kiosk: Kiosk) -> None:
    tour = drive(kiosk.app(ticks=Ticks()), LARGE, member_tour(kiosk, switch=False))
    assert all("(4.5:1)" in label for label in tour.seen)
    assert tour.found == {}, report(tour.found)


# The measure itself, and the look of focus ------------------------------------------


def test_known_pairs_measure_as_wcag_says() -> None:
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert contrast_ratio((255, 255, 255), (0x76, 0x76, 0x76)) == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio((0x59, 0x59, 0x59), (255, 255, 255)) == pytest.approx(7.0, abs=0.01)


def test_faint_dim_and_reversed_text_are_measured_as_drawn(kiosk: Kiosk) -> None:
    """Translucent colour blended, dim faded, reverse swapped: each is caught under 7:1.

    Grey #AAAAAA on black is 9:1; dimmed (Textual blends it itself), it is not.
    """
    kiosk.maintenance(kiosk.service()).set_default_contrast(True)

    async def tour(visit: Tour) -> None:
        screen = visit.app.screen
        faint = Static("faint")
        faint.styles.color = "white 50%"
        await screen.mount(faint, Static(Text("dimmed", style="dim #AAAAAA")))
        await screen.mount(Static(Text("swapped", style="reverse #FFFFFF on #FF0000")))
        await settle(visit.pilot)
        found = {run.text: run for run in low_contrast(visit.app, AAA)}
        assert set(found) == {"faint", "dimmed", "swapped"}
        assert found["faint"].fg == (127, 127, 127)
        assert found["faint"].bg == found["dimmed"].bg == (0, 0, 0)
        assert max(found["dimmed"].fg) < 0xAA
        assert (found["swapped"].fg, found["swapped"].bg) == ((255, 0, 0), (255, 255, 255))

    drive(kiosk.app(), LARGE, tour)


FRAME = "█"
"""The thick frame's side: a focused button's edges; an unfocused one's are blank."""


def edges(app: KioskApp, button: Widget, *, corners: bool) -> tuple[list[Cell], list[Cell]]:
    """The cells of ``button``'s left and right columns, top to bottom (``corners``: with
    the top and bottom rows of a tall button, where its edges meet)."""
    region = button.region
    top, bottom = region.y, region.bottom
    if not corners and region.height > 2:
        top, bottom = top + 1, bottom - 1
    rows = screen_cells(app)[top:bottom]
    return [row[button.region.x] for row in rows], [row[button.region.right - 1] for row in rows]


@pytest.mark.parametrize(
    ("high", "console", "size"),
    [
        (False, False, LARGE),
        (True, False, LARGE),
        (False, False, SMALL),
        (True, False, SMALL),
        (False, True, LARGE),
        (True, True, LARGE),
    ],
    ids=["default", "high", "default-80x24", "high-80x24", "console", "console-high"],
)
def test_a_focused_button_and_key_are_framed_and_reversed(
    kiosk: Kiosk, high: bool, console: bool, size: tuple[int, int]
) -> None:
    """Not colour alone: the frame's blocks and the reversed label, in every look.

    Buttons do not take focus yet; the test lets one, as the keyboard work will.
    """
    kiosk.maintenance(kiosk.service()).set_default_contrast(high)

    async def look(app: KioskApp, pilot: Pilot[Any], button: Widget) -> None:
        region = button.region
        width = region.width
        left, right = edges(app, button, corners=False)
        assert {char for char, _ in left + right} == {" "}
        button.can_focus = True
        button.focus()
        await settle(pilot)
        assert button.has_focus
        assert button.region == region, "focus moved the button"
        left, right = edges(app, button, corners=True)
        assert {char for char, _ in left + right} == {FRAME}
        row = screen_cells(app)[region.y + region.height // 2][region.x + 1 : region.right - 1]
        label = [style for char, style in row if not char.isspace()]
        assert label
        assert all(style is not None and style.reverse for style in label)
        assert width == button.region.width
        drawn = low_contrast(app, AAA if high else AA, console=console)
        assert [run for run in drawn if region.contains(run.column, run.row)] == []

    async def tour(visit: Tour) -> None:
        app, pilot = visit.app, visit.pilot
        assert app.high_contrast is high
        await look(app, pilot, app.screen.query_one("#start-en", Button))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, NikScreen))
        await look(app, pilot, app.screen.query(PadKey).first())

    drive(kiosk.app(console=console), size, tour)


def test_a_look_chosen_and_left_on_the_welcome_screen_goes_after_the_idle_time(
    kiosk: Kiosk,
) -> None:
    """K pressed by someone who then walked away: the next member finds the default."""
    ticks = Ticks()

    async def tour(visit: Tour) -> None:
        app, pilot = visit.app, visit.pilot
        await pilot.press("k")
        await settle(pilot)
        assert app.high_contrast
        ticks.advance(app.service.settings.idle_timeout.total_seconds() - 1)
        await tick_idle(pilot)
        assert app.high_contrast
        ticks.advance(2)
        await tick_idle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        assert not app.high_contrast
        assert not app.has_class("-high-contrast")

    drive(kiosk.app(ticks=ticks), LARGE, tour)


def test_the_console_draws_bold_bright_and_backgrounds_dark() -> None:
    """Bold black is dark grey; bright white behind text is light grey; reverse keeps
    the intensity with the text."""
    default = (Color.parse("#000000"), Color.parse("#FFFFFF"))
    assert console_colours(Style(bold=True), default) == ((0x55,) * 3, (0xAA,) * 3)
    assert console_colours(Style(color="#FFE600", bgcolor="#000000"), default) == (
        (0xFF, 0xFF, 0x55),
        (0, 0, 0),
    )
    reversed_bright = Style(color="#FFFFFF", bgcolor="#0000AA", reverse=True)
    assert console_colours(reversed_bright, default) == ((0x55, 0x55, 0xFF), (0xAA,) * 3)


def test_titles_on_the_linux_console_meet_aa(kiosk: Kiosk) -> None:
    """Bold is bright there: a title's bold green was 1.4:1 on the console's light grey."""
    titles: list[Run] = []

    def under_titles(app: KioskApp) -> list[Run]:
        regions = [title.region for title in app.screen.query(".title, .title-small, .title-en")]
        assert regions
        drawn = low_contrast(app, AA, console=True)
        return [run for run in drawn if any(r.contains(run.column, run.row) for r in regions)]

    async def tour(visit: Tour) -> None:
        assert isinstance(visit.app.screen, WelcomeScreen)
        titles.extend(under_titles(visit.app))

    drive(kiosk.app(console=True), LARGE, tour)
    assert titles == []
