"""Snapshots of every kiosk screen at the smallest supported terminal and a roomier one.

The clock, the idle clock, the time zone and the cards are pinned (see
:mod:`tests.kiosk_ui`), so each picture is the same on every run and machine.
Update them with ``pytest tests/test_snapshots.py --snapshot-update`` and look at
the report before committing the new SVGs.
"""

import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot

from kiosk.keys import MasterKey
from kiosk.maintenance import DiskUse
from kiosk.pin import PIN_SETTING
from kiosk.state import StateStore
from screens.app import KioskApp
from screens.card import CardScreen
from screens.done import DoneScreen
from screens.error import ErrorScreen
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
from screens.widgets.membership import MembershipPanel
from tests.kiosk_ui import (
    Kiosk,
    Ticks,
    Visitor,
    build_kiosk,
    local_time_is_wib,
    settle,
    wait_until,
)
from tests.kiosk_ui import type_keys as type_text

PIN = "482913"
Size = tuple[int, int]
Compare = Callable[..., bool]
"""pytest-textual-snapshot's ``snap_compare(app, press=, terminal_size=, run_before=)``."""
RunBefore = Callable[[Pilot[Any]], Awaitable[None]]

SMALL: Size = (80, 24)
LARGE: Size = (100, 30)
sizes = pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "100x30"])


@pytest.fixture(autouse=True)
def _wib() -> Iterator[None]:
    yield from local_time_is_wib()


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory: pytest.TempPathFactory) -> Kiosk:
    """One cache for the module; its key is fixed because the maintenance screen shows its id."""
    kiosk = build_kiosk(tmp_path_factory.mktemp("snapshots"), MasterKey(bytes(range(32)), "test"))
    kiosk.maintenance(kiosk.service()).set_pin(PIN)
    return kiosk


@pytest.fixture(autouse=True)
def _fresh_audit_log(kiosk: Kiosk) -> Iterator[None]:
    """Each picture starts with no lookups, wrong answers or staff events counted.

    Before as well as after: the first test in a worker would otherwise show the
    "PIN set" event the module's kiosk wrote when it was built.
    """
    _forget_events(kiosk)
    yield
    _forget_events(kiosk)


def _forget_events(kiosk: Kiosk) -> None:
    store = StateStore(kiosk.state_path)
    store.write("DELETE FROM audit")
    store.write("DELETE FROM settings WHERE name != ?", [PIN_SETTING])
    store.close()


async def wait_for(pilot: Pilot[Any], screen: type[object]) -> None:
    """Pause until ``screen`` is on top, then until workers are done and it has painted."""
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, screen))


def snap(
    compare: Compare,
    app: KioskApp,
    size: Size,
    run_before: RunBefore,
    screen: type[object],
) -> None:
    """Take the picture after ``run_before`` and check it was of ``screen``."""
    shown: list[str] = []

    async def steps(pilot: Pilot[Any]) -> None:
        await run_before(pilot)
        await wait_for(pilot, screen)
        shown.append(type(pilot.app.screen).__name__)

    assert compare(app, terminal_size=size, run_before=steps)
    assert shown == [screen.__name__]


async def welcome(pilot: Pilot[Any]) -> None:
    await settle(pilot)


async def paste(pilot: Pilot[Any], text: str) -> None:
    """Quicker than typing key by key; the screens take both the same way."""
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def to_nik(pilot: Pilot[Any], lang_key: str = "enter") -> None:
    """Welcome -> NIK entry."""
    await settle(pilot)
    await pilot.press(lang_key)
    await wait_for(pilot, NikScreen)


async def to_verify(pilot: Pilot[Any], person: Visitor, lang_key: str = "enter") -> None:
    await to_nik(pilot, lang_key)
    await paste(pilot, person.nik)
    await pilot.press("enter")
    await wait_for(pilot, VerifyScreen)


async def answer(pilot: Pilot[Any], person: Visitor, lang_key: str = "enter") -> None:
    """Welcome -> NIK -> the right answer submitted."""
    await to_verify(pilot, person, lang_key)
    await paste(pilot, person.mother)
    await pilot.press("enter")


def to_status(kiosk: Kiosk, case: str, lang_key: str = "enter") -> RunBefore:
    async def run(pilot: Pilot[Any]) -> None:
        await answer(pilot, kiosk.people[case], lang_key)
        await wait_for(pilot, StatusScreen)

    return run


@sizes
def test_welcome(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    snap(snap_compare, kiosk.app(), size, welcome, WelcomeScreen)


@sizes
def test_welcome_console(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    snap(snap_compare, kiosk.app(console=True), size, welcome, WelcomeScreen)


async def high_contrast(pilot: Pilot[Any]) -> None:
    """K on the welcome screen: the member's own choice."""
    await settle(pilot)
    await pilot.press("k")
    await settle(pilot)


@sizes
def test_welcome_high_contrast(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    snap(snap_compare, kiosk.app(), size, high_contrast, WelcomeScreen)


@sizes
def test_status_high_contrast(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    """Three KPJs: the bands, the months, the advice and a notice in high contrast."""

    async def run(pilot: Pilot[Any]) -> None:
        await high_contrast(pilot)
        await to_status(kiosk, "job_changer")(pilot)

    snap(snap_compare, kiosk.app(), size, run, StatusScreen)


@sizes
def test_card_high_contrast(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await high_contrast(pilot)
        await to_status(kiosk, "active")(pilot)
        await pilot.press("k")

    snap(snap_compare, kiosk.app(), size, run, CardScreen)


@sizes
def test_nik_console(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    """The digit pad's keys on the Linux console: grey blocks, OK in green."""

    async def run(pilot: Pilot[Any]) -> None:
        await to_nik(pilot)
        await type_text(pilot, "3201014")

    snap(snap_compare, kiosk.app(console=True), size, run, NikScreen)


def focus(selector: str) -> RunBefore:
    """Give the button focus, as the keyboard work will let a member do."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        button = pilot.app.screen.query_one(selector)
        button.can_focus = True
        button.focus()
        await settle(pilot)

    return run


@pytest.mark.parametrize(
    ("console", "contrast"),
    [(False, False), (False, True), (True, False)],
    ids=["default", "high", "console"],
)
def test_welcome_focused(
    snap_compare: Compare, kiosk: Kiosk, console: bool, contrast: bool
) -> None:
    """The English start button focused: framed and reversed, in each look."""

    async def run(pilot: Pilot[Any]) -> None:
        if contrast:
            await high_contrast(pilot)
        await focus("#start-en")(pilot)

    snap(snap_compare, kiosk.app(console=console), LARGE, run, WelcomeScreen)


@sizes
def test_nik_typing(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await to_nik(pilot)
        await type_text(pilot, "3201014")

    snap(snap_compare, kiosk.app(), size, run, NikScreen)


@sizes
def test_nik_too_short(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await to_nik(pilot)
        await type_text(pilot, "3201014")
        await pilot.press("enter")

    snap(snap_compare, kiosk.app(), size, run, NikScreen)


@sizes
def test_help_over_nik(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await to_nik(pilot)
        await pilot.press("f1")

    snap(snap_compare, kiosk.app(), size, run, HelpScreen)


@sizes
def test_verify_typing(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await to_verify(pilot, kiosk.people["active"])
        await type_text(pilot, "Siti A")

    snap(snap_compare, kiosk.app(), size, run, VerifyScreen)


@sizes
def test_verify_wrong_answer(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await to_verify(pilot, kiosk.people["active"])
        await paste(pilot, "Sri Rahayu")
        await pilot.press("enter")
        await settle(pilot)

    snap(snap_compare, kiosk.app(), size, run, VerifyScreen)


@sizes
@pytest.mark.parametrize(
    ("case", "lang_key"), [("active", "enter"), ("arrears", "e"), ("inactive", "enter")]
)
def test_status(snap_compare: Compare, kiosk: Kiosk, size: Size, case: str, lang_key: str) -> None:
    snap(snap_compare, kiosk.app(), size, to_status(kiosk, case, lang_key), StatusScreen)


@sizes
@pytest.mark.parametrize("case", ["job_changer", "data"])
def test_status_of_a_person(snap_compare: Compare, kiosk: Kiosk, size: Size, case: str) -> None:
    """A job changer with three KPJs; a member whose data needs correcting."""
    snap(snap_compare, kiosk.app(), size, to_status(kiosk, case), StatusScreen)


@pytest.mark.parametrize(
    ("case", "lang_key"), [("dismissed", "e"), ("retired", "enter"), ("merged", "e")]
)
def test_status_codes(snap_compare: Compare, kiosk: Kiosk, case: str, lang_key: str) -> None:
    """A few status codes' reasons and advice, in either language."""
    snap(snap_compare, kiosk.app(), LARGE, to_status(kiosk, case, lang_key), StatusScreen)


def test_status_scrolled_to_the_end(snap_compare: Compare, kiosk: Kiosk) -> None:
    """The smallest screen, three KPJs, End pressed: the oldest membership and the data's date."""

    async def run(pilot: Pilot[Any]) -> None:
        await to_status(kiosk, "job_changer")(pilot)
        await pilot.press("end")
        await settle(pilot)

    snap(snap_compare, kiosk.app(), SMALL, run, StatusScreen)


@sizes
@pytest.mark.parametrize("case", ["active", "arrears"])
def test_status_console(snap_compare: Compare, kiosk: Kiosk, size: Size, case: str) -> None:
    """The Linux console: its 16 colours, ASCII marks for the months, no half blocks in frames."""
    snap(snap_compare, kiosk.app(console=True), size, to_status(kiosk, case), StatusScreen)


@sizes
@pytest.mark.parametrize(
    ("case", "lang_key"),
    [("job_changer", "enter"), ("dismissed", "e"), ("data", "enter"), ("arrears", "e")],
    ids=["now", "from", "not", "partial"],
)
def test_jht(snap_compare: Compare, kiosk: Kiosk, size: Size, case: str, lang_key: str) -> None:
    """Each answer to "can I withdraw my JHT?": now, from a date, not, a part now."""

    async def run(pilot: Pilot[Any]) -> None:
        await to_status(kiosk, case, lang_key)(pilot)
        await pilot.press("j")

    snap(snap_compare, kiosk.app(), size, run, JhtScreen)


@sizes
def test_card(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await to_status(kiosk, "active")(pilot)
        await pilot.press("k")

    snap(snap_compare, kiosk.app(), size, run, CardScreen)


@sizes
def test_card_pick(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    """Three KPJs, three cards: the member chooses first."""

    async def run(pilot: Pilot[Any]) -> None:
        await to_status(kiosk, "job_changer")(pilot)
        await pilot.press("k")

    snap(snap_compare, kiosk.app(), size, run, CardScreen)


@sizes
def test_card_picked(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    """The second of three cards: its QR where it fits (100x30), why not where it does not."""

    async def run(pilot: Pilot[Any]) -> None:
        await to_status(kiosk, "job_changer", "e")(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)

    snap(snap_compare, kiosk.app(), size, run, CardScreen)


@sizes
def test_idle_countdown(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    ticks = Ticks()

    async def run(pilot: Pilot[Any]) -> None:
        await to_status(kiosk, "active")(pilot)
        ticks.advance(52)

    snap(snap_compare, kiosk.app(ticks=ticks), size, run, IdleScreen)


@sizes
def test_done(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    """Taken at once: the screen goes back to the welcome screen after a few seconds."""

    async def run(pilot: Pilot[Any]) -> None:
        await to_status(kiosk, "active")(pilot)
        await pilot.click("#done")

    snap(snap_compare, kiosk.app(), size, run, DoneScreen)


@sizes
def test_error(
    snap_compare: Compare, kiosk: Kiosk, size: Size, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Taken at once: the screen goes back to the welcome screen after a few seconds."""

    def broken(*_: object) -> None:
        raise RuntimeError("a bug in the status screen")

    monkeypatch.setattr(MembershipPanel, "_programs", broken)

    async def run(pilot: Pilot[Any]) -> None:
        await answer(pilot, kiosk.people["active"])

    snap(snap_compare, kiosk.app(), size, run, ErrorScreen)


@sizes
def test_out_of_service(
    snap_compare: Compare,
    kiosk: Kiosk,
    size: Size,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The staff's reason names the cache's path: a relative one reads the same everywhere."""
    monkeypatch.chdir(tmp_path)
    missing = Kiosk(path=Path("cache.db"), key=kiosk.key, people={})
    snap(snap_compare, missing.app(), size, welcome, OutOfServiceScreen)


# Staff mode and the abuse limits --------------------------------------------------------


@sizes
def test_pin_prompt(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("f12", "4", "8", "2")

    snap(snap_compare, kiosk.app(), size, run, PinScreen)


@sizes
def test_pin_wrong(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("f12", *"111119", "enter")
        await settle(pilot)

    snap(snap_compare, kiosk.app(), size, run, PinScreen)


async def logged_in(pilot: Pilot[Any]) -> MaintenanceScreen:
    await settle(pilot)
    await pilot.press("f12", *PIN, "enter")
    await wait_for(pilot, MaintenanceScreen)
    screen = pilot.app.screen
    assert isinstance(screen, MaintenanceScreen)
    await wait_until(pilot, lambda: screen.kiosk_state is not None)
    return screen


def _out_of_service(screen: MaintenanceScreen) -> bool:
    state = screen.kiosk_state
    return state is not None and state.readiness.maintenance


async def pinned_disk(pilot: Pilot[Any], screen: MaintenanceScreen) -> None:
    """Free space and file sizes change from machine to machine: the picture shows fixed ones."""
    state = screen.kiosk_state
    assert state is not None
    disk = DiskUse(cache=28_672, state=65_536, free=40 * 2**30)
    screen._state_arrived(dataclasses.replace(state, disk=disk))
    await settle(pilot)


@sizes
def test_maintenance(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        screen = await logged_in(pilot)
        await pilot.press("i")
        await settle(pilot)
        await wait_until(pilot, lambda: not screen.busy and screen.kiosk_state is not None)
        await pinned_disk(pilot, screen)

    snap(snap_compare, kiosk.app(), size, run, MaintenanceScreen)


@sizes
def test_maintenance_out_of_service(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        screen = await logged_in(pilot)
        await pilot.press("o")
        await wait_until(pilot, lambda: _out_of_service(screen))
        await pinned_disk(pilot, screen)

    snap(snap_compare, kiosk.app(), size, run, MaintenanceScreen)


@sizes
def test_under_maintenance_for_members(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await logged_in(pilot)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("escape")

    snap(snap_compare, kiosk.app(), size, run, OutOfServiceScreen)


@sizes
def test_nik_locked(snap_compare: Compare, kiosk: Kiosk, size: Size) -> None:
    person = kiosk.people["active"]

    async def run(pilot: Pilot[Any]) -> None:
        await to_verify(pilot, person)
        for _ in range(3):
            await paste(pilot, "Sri Rahayu")
            await pilot.press("enter")
            await settle(pilot)

    snap(snap_compare, kiosk.app(), size, run, VerifyScreen)
