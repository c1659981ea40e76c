"""The member flow driven as a member drives it: keys, clicks and the screen's own text.

Every test runs the real App over a real encrypted cache (:mod:`tests.kiosk_ui`);
only time is pinned. Assertions read what a person would read on the screen
(:func:`tests.screen_image.screen_text`) and the App's state, so a screen that
shows the wrong thing, or keeps something after a wipe, fails here.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from textual import events
from textual.app import App
from textual.command import CommandPalette
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static

from kiosk.audit import Event
from kiosk.claims import Blocker, Document, Ground
from kiosk.cli import main as cli_main
from kiosk.config import Limits
from kiosk.errors import ExpiredError, RejectedError
from kiosk.i18n import Lang, msg
from kiosk.member import StatusCode
from kiosk.nik import InvalidNikError, NikProblem, mask_nik, parse_nik
from kiosk.serving import Readiness
from kiosk.standing import evaluate, status_reason
from screens.app import KioskApp, Session
from screens.card import CardScreen
from screens.done import DoneScreen
from screens.error import ErrorScreen
from screens.help import HelpScreen
from screens.idle import IdleScreen
from screens.jht import JhtScreen
from screens.nik import NikScreen
from screens.out_of_service import OutOfServiceScreen
from screens.status import StatusScreen
from screens.verify import VerifyScreen
from screens.welcome import WelcomeScreen
from screens.widgets.keypad import PadKey
from screens.widgets.membership import MembershipPanel
from screens.widgets.notice import Notice
from screens.widgets.qr import QrCode
from tests.conftest import TODAY, new_key
from tests.kiosk_ui import (
    CARD_KEY,
    MARKUP_EMPLOYER,
    MARKUP_NAME,
    MARKUP_OTHER_EMPLOYER,
    NOW,
    REASON_CASES,
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
from tests.screen_image import decode_qr, screen_image, screen_text

SIZE = (120, 40)
"""Wide and tall enough that no sentence a test looks for is cut by the screen's edge."""
TALL = (120, 110)
"""Tall enough for every membership of a job changer, or a whole JHT answer, at once."""
KIOSK_PIN = {"KIOSK_CONFIG": "/nonexistent/kiosk.toml"}
"""``kiosk card verify`` needs no kiosk configuration: prove it by pointing at none."""

Scenario = Callable[[KioskApp, Pilot[Any]], Awaitable[None]]


@pytest.fixture(autouse=True)
def wib() -> Iterator[None]:
    yield from local_time_is_wib()


@pytest.fixture
def kiosk(tmp_path: Path) -> Kiosk:
    return build_kiosk(tmp_path, new_key())


def drive(app: KioskApp, scenario: Scenario, size: tuple[int, int] = SIZE) -> None:
    """Run ``scenario`` against ``app`` in a headless terminal of ``size``."""

    async def inner() -> None:
        async with app.run_test(size=size) as pilot:
            await scenario(app, pilot)

    asyncio.run(inner())


def showing(app: App[Any]) -> type[Screen[Any]]:
    """The kind of screen on top (a call, so that type checkers do not narrow it for good)."""
    return type(app.screen)


def flat(text: str) -> str:
    """Whitespace collapsed, so a sentence the screen wrapped onto two rows still matches."""
    return " ".join(text.split())


def shown(app: KioskApp) -> str:
    return flat(screen_text(app))


FRAMES = str.maketrans("█▌║", "   ")
"""The bar beside advice and the frame of a notice, which a wrapped sentence runs between."""


def prose(app: KioskApp) -> str:
    """The screen's sentences whole: whitespace collapsed, frames and bars left out."""
    return flat(screen_text(app).translate(FRAMES))


def masked(person: Visitor) -> str:
    """The NIK as the status screen shows it: the first and last four digits."""
    return mask_nik(person.nik)


def nik_problem(problem: NikProblem, **params: object) -> str:
    """The sentence a member reads for ``problem``, from the catalogue."""
    return InvalidNikError(problem, **params).message.text("id")


def session_of(app: KioskApp) -> Session:
    session = app.session
    assert session is not None
    return session


def with_digits(base: str, start: int, digits: str) -> str:
    return base[:start] + digits + base[start + len(digits) :]


async def start(pilot: Pilot[Any], lang_key: str = "enter") -> None:
    """From the welcome screen to the NIK screen."""
    await settle(pilot)
    assert showing(pilot.app) is WelcomeScreen
    await pilot.press(lang_key)
    await pilot.pause()
    assert showing(pilot.app) is NikScreen


async def paste(pilot: Pilot[Any], text: str) -> None:
    """Paste as a terminal delivers it: to the App, which hands it to the screen."""
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def paste_to_status(pilot: Pilot[Any], person: Visitor, lang_key: str = "enter") -> None:
    """Welcome -> NIK -> verification -> status, pasting what :func:`reach_status` types.

    Each simulated key press costs the pilot tens of milliseconds; tests about
    what comes after the answer paste it instead.
    """
    await start(pilot, lang_key)
    await paste(pilot, person.nik)
    await pilot.press("enter")
    await settle(pilot)
    assert showing(pilot.app) is VerifyScreen
    await paste(pilot, person.mother)
    await pilot.press("enter")
    await settle(pilot)


async def click_key(pilot: Pilot[Any], *, key: str | None = None, label: str | None = None) -> None:
    """Tap one key of the on-screen pad or letter board."""
    found = [
        pad
        for pad in pilot.app.screen.query(PadKey)
        if (key is None or pad.key == key) and (label is None or str(pad.label) == label)
    ]
    assert len(found) == 1, (key, label)
    assert await pilot.click(found[0])


# 1-3: the whole flow -----------------------------------------------------------------


def test_whole_flow_in_bahasa_indonesia(kiosk: Kiosk) -> None:
    person = kiosk.people["active"]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await start(pilot, "enter")
        assert session_of(app).lang == "id"
        assert "Ketik NIK Anda" in shown(app)
        # Synced two hours ago: the date is shown plainly, without a warning.
        assert "Data per 24-11-2026 08.00" in shown(app)
        assert "PERHATIAN" not in shown(app)
        assert not app.screen.query_one("#data-date").has_class("-stale")

        await type_keys(pilot, person.nik)
        await pilot.press("enter")
        await settle(pilot)
        assert showing(app) is VerifyScreen
        assert session_of(app).nik == person.nik
        assert "nama gadis ibu kandung" in shown(app)

        await type_keys(pilot, person.mother)
        await pilot.press("enter")
        await settle(pilot)
        assert showing(app) is StatusScreen
        text = shown(app)
        assert person.member.name in text
        assert f"NIK {masked(person)}" in text
        assert person.nik not in text
        assert person.nik not in text.replace(" ", "")
        assert "Kepesertaan: AKTIF" in text
        assert "TIDAK AKTIF" not in text
        assert "Rp 12.345.678" in text
        assert "Perusahaan: PT Sinar Jaya Abadi" in text
        assert "Iuran: lunas sampai Oktober 2026." in text
        assert person.mother not in text
        assert person.mother.upper() not in text.upper()

        await pilot.press("k")
        await pilot.pause()
        assert showing(app) is CardScreen
        assert "Kartu Peserta Digital" in shown(app)
        assert person.member.name in shown(app)
        assert person.nik not in screen_text(app).replace(" ", "")

        await pilot.click("#done")
        await pilot.pause()
        assert showing(app) is DoneScreen
        assert app.session is None
        text = shown(app)
        assert "Terima kasih" in text
        assert person.member.name not in text
        assert masked(person) not in text
        assert not any(isinstance(s, StatusScreen | CardScreen) for s in app.screen_stack)

        await pilot.press("x")
        await settle(pilot)
        assert showing(app) is WelcomeScreen
        assert app.session is None

    drive(kiosk.app(), scenario)


def test_flow_in_english(kiosk: Kiosk) -> None:
    person = kiosk.people["arrears"]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await start(pilot, "e")
        assert session_of(app).lang == "en"
        assert "Type your NIK" in shown(app)
        assert "Data as of 24-11-2026 08:00" in shown(app)
        await paste(pilot, person.nik)
        await pilot.press("enter")
        await settle(pilot)
        assert showing(app) is VerifyScreen
        assert "mother's maiden name" in shown(app)
        await paste(pilot, person.mother)
        await pilot.press("enter")
        await settle(pilot)
        assert showing(app) is StatusScreen
        text = shown(app)
        assert person.member.name in text
        assert f"NIK {masked(person)}" in text
        assert "Membership: ACTIVE" in text
        # Last paid June 2026: nothing recorded for July to October.
        assert "Contributions: not recorded since July 2026 (4 months)." in text
        assert "JHT balance: Rp 4,500,000 (as of 31 October 2026)" in text
        assert "Employer: CV Maju Bersama" in text
        # The year at a glance: February and July to October missing, the first one named.
        assert "Nov✓ Dec✓ Jan✓ Feb✗ Mar✓ Apr✓ May✓ Jun✓ Jul✗ Aug✗ Sep✗ Oct✗" in text
        assert "First month with no contribution recorded: February 2026." in text
        assert "ask your company's HR department" in text
        assert "175" in text
        for indonesian in ("Kepesertaan", "Iuran", "Juli", "Selesai"):
            assert indonesian not in text
        assert person.mother not in text
        assert "Digital card" in text
        assert "Done" in text

    drive(kiosk.app(), scenario)


def test_inactive_member_sees_why(kiosk: Kiosk) -> None:
    person = kiosk.people["inactive"]
    reason = status_reason(StatusCode.TUNGGAKAN).text("id")

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await paste_to_status(pilot, person)
        assert showing(app) is StatusScreen
        text = shown(app)
        assert "Kepesertaan: TIDAK AKTIF" in text
        assert f"Keterangan: {reason}" in text
        assert app.screen.query_one(MembershipPanel).has_class("-inactive")
        assert "Kepesertaan Anda tidak aktif" in text

    drive(kiosk.app(), scenario)


# 4: the NIK screen -----------------------------------------------------------------


def problem_text(app: KioskApp) -> str:
    return flat(str(app.screen.query_one("#problem", Static).render()))


def digits_of(app: KioskApp) -> str:
    screen = app.screen
    assert isinstance(screen, NikScreen)
    return screen.digits


def test_empty_not_digits_too_short(kiosk: Kiosk) -> None:
    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await start(pilot)
        assert problem_text(app) == ""

        await pilot.press("enter")
        await settle(pilot)
        assert showing(app) is NikScreen
        assert nik_problem(NikProblem.EMPTY) in shown(app)

        await pilot.press("a")
        await pilot.pause()
        assert showing(app) is NikScreen
        assert digits_of(app) == ""
        assert nik_problem(NikProblem.NOT_DIGITS) in shown(app)

        await type_keys(pilot, "32010")
        await pilot.press("enter")
        await settle(pilot)
        assert showing(app) is NikScreen
        assert digits_of(app) == "32010"
        expected = nik_problem(NikProblem.TOO_SHORT, count=5)
        assert "5" in expected
        assert expected in shown(app)
        assert "5 dari 16 angka" in shown(app)

    drive(kiosk.app(), scenario)


def test_a_seventeenth_digit_changes_nothing(kiosk: Kiosk) -> None:
    nik = kiosk.people["active"].nik

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await start(pilot)
        # A pasted number too long for a NIK is refused whole.
        await paste(pilot, nik + "1")
        assert digits_of(app) == ""
        assert nik_problem(NikProblem.TOO_LONG, count=17) in shown(app)
        assert "0 dari 16 angka" in shown(app)

        # The control: a 16-digit paste, grouped as people copy it, lands whole.
        await paste(pilot, f"{nik[:4]} {nik[4:8]}-{nik[8:12]}.{nik[12:]}")
        assert digits_of(app) == nik
        assert problem_text(app) == ""
        before = screen_text(app)
        assert f"{nik[:4]} {nik[4:8]} {nik[8:12]} {nik[12:]}" in before

        await pilot.press("7")
        await pilot.pause()
        assert digits_of(app) == nik
        assert nik_problem(NikProblem.TOO_LONG, count=17) in shown(app)
        assert f"{nik[:4]} {nik[4:8]} {nik[8:12]} {nik[12:]}" in screen_text(app)
        assert "16 dari 16 angka" in shown(app)

        await paste(pilot, nik + "1")
        assert digits_of(app) == nik
        assert showing(app) is NikScreen

    drive(kiosk.app(), scenario)


def impossible_niks(base: str) -> dict[NikProblem, str]:
    """One 16-digit NIK per problem a complete number can have, built on a valid one."""
    return {
        NikProblem.UNKNOWN_PROVINCE: with_digits(base, 0, "99"),
        NikProblem.BAD_DAY: with_digits(base, 6, "32"),
        NikProblem.BAD_MONTH: with_digits(base, 8, "13"),
        NikProblem.IMPOSSIBLE_DATE: with_digits(base, 6, "3102"),
        NikProblem.SERIAL_ZERO: with_digits(base, 12, "0000"),
    }


def problem_of(number: str, today: date) -> NikProblem:
    with pytest.raises(InvalidNikError) as raised:
        parse_nik(number, today)
    return raised.value.problem


def test_each_impossible_nik_shows_its_own_message(kiosk: Kiosk) -> None:
    base = kiosk.people["active"].nik
    cases = impossible_niks(base)
    for problem, number in cases.items():
        assert len(number) == 16
        assert problem_of(number, TODAY) is problem
    messages = {nik_problem(problem) for problem in cases}
    assert len(messages) == len(cases)

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        for problem, number in cases.items():
            await start(pilot)
            assert digits_of(app) == ""
            await paste(pilot, number)
            await pilot.press("enter")
            await settle(pilot)
            assert showing(app) is NikScreen, problem
            assert digits_of(app) == number
            assert session_of(app).nik == ""
            text = shown(app)
            assert nik_problem(problem) in text, problem
            assert [m for m in messages if m in text] == [nik_problem(problem)]
            # Back to the welcome screen: the next member starts with nothing typed.
            await pilot.press("escape")
            await pilot.pause()
            assert app.session is None

    # Each case is one invalid NIK at this kiosk: let all of them through unslowed.
    drive(kiosk.app(limits=Limits(free_invalid_niks=len(cases))), scenario)


def test_a_birth_date_still_to_come_is_refused(kiosk: Kiosk) -> None:
    """Only a kiosk clock before the birth date can refuse a NIK for this.

    On 24 November 2026 every date a NIK can hold has a century already past in
    which it exists (a NIK of 2 June 30 is someone born in 1930), so the kiosk's
    clock is set to 1 June 1999 and the NIK says 2 June 99.
    """
    today = date(1999, 6, 1)
    number = with_digits(kiosk.people["active"].nik, 6, "020699")
    assert problem_of(number, today) is NikProblem.FUTURE_DATE
    kiosk.clock.now = datetime(1999, 6, 1, 3, 0, tzinfo=UTC)

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await start(pilot)
        await paste(pilot, number)
        await pilot.press("enter")
        await settle(pilot)
        assert showing(app) is NikScreen
        assert nik_problem(NikProblem.FUTURE_DATE) in shown(app)

    drive(kiosk.app(), scenario)


def test_on_screen_digit_pad(kiosk: Kiosk) -> None:
    person = kiosk.people["active"]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await start(pilot)
        for digit in person.nik[:3]:
            await click_key(pilot, key=digit)
        assert digits_of(app) == person.nik[:3]
        await click_key(pilot, label="Hapus")
        assert digits_of(app) == person.nik[:2]
        await click_key(pilot, label="Lanjut")
        assert showing(app) is NikScreen
        assert nik_problem(NikProblem.TOO_SHORT, count=2) in shown(app)

        # Each tap costs the pilot a fifth of a second: paste the middle, tap the rest.
        await paste(pilot, person.nik[2:10])
        for digit in person.nik[10:]:
            await click_key(pilot, key=digit)
        assert digits_of(app) == person.nik
        await click_key(pilot, label="Lanjut")
        assert showing(app) is VerifyScreen
        assert session_of(app).nik == person.nik

    drive(kiosk.app(), scenario)


# 5: verification -------------------------------------------------------------------


def unknown_nik(kiosk: Kiosk) -> str:
    base = kiosk.people["active"].nik
    number = with_digits(base, 12, "9999" if base[12:] != "9999" else "9998")
    parse_nik(number, TODAY)
    assert number not in {person.nik for person in kiosk.people.values()}
    return number


def test_wrong_answer_and_unknown_nik_look_the_same(kiosk: Kiosk) -> None:
    person = kiosk.people["active"]
    no_match = msg("ui.verify.no_match").text("id")
    screens: list[str] = []

    def attempt(
        nik: str, answer: str, enter: Callable[[Pilot[Any], str], Awaitable[None]]
    ) -> Scenario:
        async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
            await start(pilot)
            await paste(pilot, nik)
            await pilot.press("enter")
            await settle(pilot)
            assert showing(app) is VerifyScreen
            await enter(pilot, answer)
            await pilot.press("enter")
            await settle(pilot)
            assert showing(app) is VerifyScreen
            assert session_of(app).view is None
            assert session_of(app).nik == nik
            assert no_match in shown(app)
            assert "tidak cocok" in shown(app)
            assert answer not in screen_text(app)
            screens.append(screen_text(app))

        return scenario

    drive(kiosk.app(), attempt(person.nik, "Siti Aminat", type_keys))
    drive(kiosk.app(), attempt(unknown_nik(kiosk), person.mother, paste))
    wrong_answer, unknown = screens
    assert wrong_answer == unknown


def test_a_locked_nik_takes_no_more_answers(kiosk: Kiosk) -> None:
    """Typing after the lock once cleared its message, and Periksa showed it again: as if
    the member were being given another try. The form stays locked; Back still works."""
    person = kiosk.people["active"]
    tries = Limits().failed_verifications
    locked = msg("ui.limits.locked", until="").text("id").split("{until}")[0][:40]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await start(pilot)
        await paste(pilot, person.nik)
        await pilot.press("enter")
        await settle(pilot)
        for _ in range(tries):
            await paste(pilot, "Salah Sekali")
            await pilot.press("enter")
            await settle(pilot)
        screen = app.screen
        assert isinstance(screen, VerifyScreen)
        assert screen.form.locked
        assert locked in shown(app)
        await paste(pilot, person.mother)
        await pilot.press("backspace")
        await click_key(pilot, key="A")
        assert screen.form.value == ""
        assert locked in shown(app)
        await pilot.press("enter")
        await settle(pilot)
        assert showing(app) is VerifyScreen
        assert locked in shown(app)
        assert session_of(app).view is None
        await pilot.press("escape")
        await settle(pilot)
        assert showing(app) is NikScreen

    drive(kiosk.app(), scenario)


def test_on_screen_letter_board(kiosk: Kiosk) -> None:
    person = kiosk.people["active"]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await start(pilot)
        await paste(pilot, person.nik)
        await pilot.press("enter")
        await settle(pilot)
        assert showing(app) is VerifyScreen
        # Mixed as a member might: the first name pasted, the rest tapped in capitals.
        first, rest = person.mother.split(" ", 1)
        await paste(pilot, first)
        await click_key(pilot, label="Spasi")
        for letter in rest.upper():
            await click_key(pilot, key=letter)
        screen = app.screen
        assert isinstance(screen, VerifyScreen)
        assert screen.form.value == f"{first} {rest.upper()}"
        assert f"{first} {rest.upper()}" in screen_text(app)
        await click_key(pilot, label="Periksa")
        await settle(pilot)
        assert showing(app) is StatusScreen
        assert person.member.name in shown(app)

    drive(kiosk.app(), scenario)


# 6: the idle wipe ------------------------------------------------------------------


def test_help_left_open_on_the_welcome_screen_closes_after_the_idle_time(kiosk: Kiosk) -> None:
    ticks = Ticks()
    timeout = kiosk.app().service.settings.idle_timeout.total_seconds()

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await settle(pilot)
        assert showing(app) is WelcomeScreen
        await pilot.press("f1")
        await settle(pilot)
        assert showing(app) is HelpScreen
        ticks.advance(timeout - 1)
        await tick_idle(pilot)
        assert showing(app) is HelpScreen
        ticks.advance(1)
        await tick_idle(pilot)
        assert showing(app) is WelcomeScreen
        assert len(app.screen_stack) == 2

    drive(kiosk.app(ticks=ticks), scenario)


def test_idle_session_counts_down_then_is_wiped(kiosk: Kiosk) -> None:
    person = kiosk.people["active"]
    ticks = Ticks()

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await paste_to_status(pilot, person)
        assert showing(app) is StatusScreen
        ticks.advance(45)
        await tick_idle(pilot)
        assert showing(app) is StatusScreen

        ticks.advance(6)
        # This once, the App's own timer must notice: it is what runs the tick in service.
        await wait_until(pilot, lambda: showing(app) is IdleScreen)
        assert showing(app) is IdleScreen
        text = shown(app)
        assert "detik" in text
        assert "dalam 9 detik" in text
        ticks.advance(2)
        await tick_idle(pilot)
        assert showing(app) is IdleScreen
        assert "dalam 7 detik" in shown(app)
        assert len(app.screen_stack) == 3

        await pilot.click("#continue")
        await pilot.pause()
        assert showing(app) is StatusScreen
        assert session_of(app).view is not None
        assert person.member.name in shown(app)

        ticks.advance(55)
        await tick_idle(pilot)
        assert showing(app) is IdleScreen
        assert "dalam 5 detik" in shown(app)
        ticks.advance(6)
        await tick_idle(pilot)
        assert showing(app) is WelcomeScreen
        assert app.session is None
        text = shown(app)
        for secret in (
            person.member.name,
            masked(person),
            person.nik,
            "12.345.678",
            "Sinar Jaya",
            *person.kpjs,
        ):
            assert secret not in text
        assert not any(isinstance(s, StatusScreen | IdleScreen) for s in app.screen_stack)

    drive(kiosk.app(ticks=ticks), scenario)


# 7: lock-down ----------------------------------------------------------------------

ESCAPES = ("ctrl+q", "ctrl+c", "ctrl+z", "ctrl+p", "ctrl+backslash")


async def try_to_escape(app: KioskApp, pilot: Pilot[Any]) -> None:
    kind = showing(app)
    for key in ESCAPES:
        await pilot.press(key)
        await pilot.pause()
        assert app.is_running, key
        assert showing(app) is kind, key
        assert not any(isinstance(s, CommandPalette) for s in app.screen_stack), key
        assert app.return_code is None, key


def test_no_key_quits_suspends_or_opens_the_palette(kiosk: Kiosk) -> None:
    person = kiosk.people["active"]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await start(pilot)
        await type_keys(pilot, person.nik[:6])
        await try_to_escape(app, pilot)
        assert digits_of(app) == person.nik[:6]

        await paste(pilot, person.nik[6:])
        await pilot.press("enter")
        await settle(pilot)
        await paste(pilot, person.mother)
        await pilot.press("enter")
        await settle(pilot)
        assert showing(app) is StatusScreen
        await try_to_escape(app, pilot)
        assert session_of(app).view is not None
        assert person.member.name in shown(app)

    drive(kiosk.app(), scenario)


# 8: untrusted text -----------------------------------------------------------------


def test_markup_in_names_is_shown_as_typed(kiosk: Kiosk) -> None:
    """On every screen that shows feed text: the status, the card choice, the JHT answer."""
    person = kiosk.people["markup"]
    assert person.member.name == MARKUP_NAME
    feed_text = (MARKUP_NAME, MARKUP_EMPLOYER, MARKUP_OTHER_EMPLOYER)

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await paste_to_status(pilot, person)
        assert showing(app) is StatusScreen
        for fragment in feed_text:
            assert fragment in screen_text(app)
        await pilot.press("k")
        await settle(pilot)
        assert showing(app) is CardScreen
        assert MARKUP_EMPLOYER in screen_text(app)
        assert MARKUP_OTHER_EMPLOYER in screen_text(app)
        await pilot.press("2")
        await settle(pilot)
        assert MARKUP_NAME in screen_text(app)
        await pilot.press("escape", "escape")
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert showing(app) is JhtScreen
        assert MARKUP_EMPLOYER in screen_text(app)
        assert MARKUP_OTHER_EMPLOYER in screen_text(app)

    drive(kiosk.app(), scenario, size=TALL)


# 9: unexpected errors --------------------------------------------------------------


def test_an_unexpected_error_wipes_and_apologises(
    kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    person = kiosk.people["active"]

    def broken(self: MembershipPanel) -> Any:
        raise RuntimeError("secret " + person.nik)

    monkeypatch.setattr(MembershipPanel, "_programs", broken)
    caplog.set_level(logging.INFO)
    seen: dict[str, object] = {}

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await paste_to_status(pilot, person)
        await settle(pilot)
        assert app.is_running
        assert showing(app) is ErrorScreen
        assert app.session is None
        text = shown(app)
        assert "terjadi gangguan" in text
        assert person.nik not in text
        assert "secret" not in text
        assert person.member.name not in text
        assert not any(isinstance(s, StatusScreen) for s in app.screen_stack)

        await pilot.press("x")
        await settle(pilot)
        assert showing(app) is WelcomeScreen
        assert app.is_running
        seen["exception"] = app._exception
        seen["return_code"] = app.return_code

    app = kiosk.app()
    drive(app, scenario)
    assert seen == {"exception": None, "return_code": None}
    assert app._exception is None
    assert app.return_code != 1
    assert "RuntimeError" in caplog.text
    assert person.nik not in caplog.text
    assert "secret" not in caplog.text


# 10: out of service ----------------------------------------------------------------


def out_of_service(app: KioskApp, *fragments: str) -> str:
    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await settle(pilot)
        assert showing(app) is OutOfServiceScreen
        text = shown(app)
        assert "kiosk sedang tidak dapat melayani" in text
        assert "Untuk petugas / For staff:" in text
        for fragment in fragments:
            assert fragment in text
        # Nothing starts a session here.
        await pilot.press("enter")
        await pilot.press("e")
        await pilot.pause()
        assert showing(app) is OutOfServiceScreen
        assert app.session is None

    drive(app, scenario)
    readiness = app.readiness
    assert readiness is not None
    assert readiness.problem is not None
    return readiness.problem.key


def test_out_of_service_without_a_cache(kiosk: Kiosk, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    missing = Kiosk(tmp_path / "empty" / "cache.db", kiosk.key, {})
    key = out_of_service(missing.app(), "Belum ada cache di", "There is no cache at")
    assert key == "cache.missing"


def test_out_of_service_with_the_wrong_key(kiosk: Kiosk) -> None:
    wrong = Kiosk(kiosk.path, new_key(), kiosk.people)
    key = out_of_service(wrong.app(), "Kunci master salah", "Wrong master key")
    assert key == "cache.wrong_key"


def test_out_of_service_when_data_is_too_old(tmp_path: Path) -> None:
    old = build_kiosk(tmp_path, new_key(), synced=NOW - timedelta(days=8))
    key = out_of_service(old.app(), "lebih dari 7 hari lalu", "more than 7 days ago")
    assert key == "service.too_old"


def test_stale_data_is_served_with_a_warning(tmp_path: Path) -> None:
    stale = build_kiosk(tmp_path, new_key(), synced=NOW - timedelta(days=2))

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await start(pilot)
        readiness = app.readiness
        assert readiness is not None
        assert readiness.serving
        assert readiness.stale
        top = app.screen.query_one("#data-date", Static)
        assert top.has_class("-stale")
        assert "PERHATIAN: data per 22-11-2026 10.00, belum diperbarui" in shown(app)

    drive(stale.app(), scenario)


# 11: help --------------------------------------------------------------------------


HELP_ONLY = ("2757", "JMO", "Call center 175")
"""In the help text and on none of the screens it opens over."""


async def help_and_back(app: KioskApp, pilot: Pilot[Any], how: str) -> None:
    before = showing(app)
    under = screen_text(app)
    assert not [needle for needle in HELP_ONLY if needle in flat(under)]
    if how == "click":
        await pilot.click("#help")
    else:
        await pilot.press(how)
    await pilot.pause()
    assert showing(app) is HelpScreen, how
    text = shown(app)
    for needle in HELP_ONLY:
        assert needle in text
    assert "Jika ada masalah" in text
    await pilot.press("escape")
    await pilot.pause()
    assert showing(app) is before
    assert screen_text(app) == under


def test_help_from_every_member_step(kiosk: Kiosk) -> None:
    """F1 and the Help button on the NIK screen; one of them on each later step."""
    person = kiosk.people["active"]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await start(pilot)
        await paste(pilot, person.nik[:7])
        for how in ("f1", "click", "question_mark"):
            await help_and_back(app, pilot, how)
            assert digits_of(app) == person.nik[:7]
            assert "7 dari 16 angka" in shown(app)
        await paste(pilot, person.nik[7:])
        await pilot.press("enter")
        await settle(pilot)

        assert showing(app) is VerifyScreen
        assert person.mother[4] == " "
        await paste(pilot, person.mother[:4])
        await help_and_back(app, pilot, "click")
        await help_and_back(app, pilot, "question_mark")
        screen = app.screen
        assert isinstance(screen, VerifyScreen)
        assert screen.form.value == person.mother[:4]
        assert person.mother[:4] in screen_text(app)
        await pilot.press("space")
        await paste(pilot, person.mother[5:])
        await pilot.press("enter")
        await settle(pilot)

        assert showing(app) is StatusScreen
        await help_and_back(app, pilot, "f1")
        assert person.member.name in shown(app)
        assert session_of(app).view is not None

    drive(kiosk.app(), scenario)


# 12: the card's QR -----------------------------------------------------------------


def write_public_key(path: Path, key: Ed25519PrivateKey) -> Path:
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


async def open_card(app: KioskApp, pilot: Pilot[Any], person: Visitor) -> None:
    await paste_to_status(pilot, person)
    assert showing(app) is StatusScreen
    await pilot.click("#card")
    await pilot.pause()
    assert showing(app) is CardScreen
    await pilot.pause()


def test_card_qr_scans_and_verifies_with_the_cli(
    kiosk: Kiosk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    person = kiosk.people["active"]
    scanned: list[str] = []

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await open_card(app, pilot, person)
        assert app.screen.query(QrCode)
        assert "Pindai kode QR" in shown(app)
        scanned.extend(decode_qr(screen_image(app)))

    drive(kiosk.app(), scenario, size=(100, 30))
    assert scanned == [person.member.memberships[0].card]

    key = write_public_key(tmp_path / "card-public.pem", CARD_KEY)
    capsys.readouterr()
    verify = ["card", "verify", scanned[0], "--key", str(key)]
    code = cli_main(verify, KIOSK_PIN, clock=lambda: NOW)
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "VALID"
    assert person.kpjs[0] in out
    # The same genuine card a day after it expires (the tests' cards run 80 days from NOW).
    assert cli_main(verify, KIOSK_PIN, clock=lambda: NOW + timedelta(days=81)) == (
        ExpiredError.exit_code
    )
    assert "EXPIRED" in capsys.readouterr().out

    # The control: the same text against another key is refused.
    other = write_public_key(tmp_path / "other-public.pem", Ed25519PrivateKey.generate())
    code = cli_main(["card", "verify", scanned[0], "--key", str(other)], KIOSK_PIN)
    out, _ = capsys.readouterr()
    assert code == RejectedError.exit_code
    assert person.kpjs[0] not in out


def test_card_qr_on_the_linux_console(kiosk: Kiosk) -> None:
    person = kiosk.people["active"]
    scanned: list[str] = []

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await open_card(app, pilot, person)
        assert app.qr_mode == "whole"
        assert app.screen.query(QrCode)
        scanned.extend(decode_qr(screen_image(app)))

    drive(kiosk.app(console=True), scenario, size=(160, 64))
    assert scanned == [person.member.memberships[0].card]


def test_card_on_a_small_screen_says_so(kiosk: Kiosk) -> None:
    person = kiosk.people["active"]
    too_small = flat(msg("ui.card.too_small").text("id"))

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await open_card(app, pilot, person)
        assert not app.screen.query(QrCode)
        assert too_small in shown(app)
        assert decode_qr(screen_image(app)) == []

    drive(kiosk.app(), scenario, size=(80, 24))


def test_a_late_readiness_answer_does_not_pull_a_member_away(kiosk: Kiosk) -> None:
    """A welcome-screen check that returns after the member started acts on nothing."""

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await settle(pilot)
        welcome = app.screen
        assert isinstance(welcome, WelcomeScreen)
        await start(pilot)
        late = Readiness(problem=msg("service.no_data"), data_time=None)
        welcome._readiness_arrived(late)
        await pilot.pause()
        assert showing(app) is NikScreen
        assert app.session is not None
        assert app.readiness == late

    drive(kiosk.app(), scenario)


# 13: a person with several memberships -----------------------------------------------


def test_a_job_changer_sees_every_membership_current_first(kiosk: Kiosk) -> None:
    person = kiosk.people["job_changer"]
    employers = ("PT Nusantara Logistik", "PT Sumber Makmur Sentosa", "CV Karya Mandiri")
    assert tuple(m.employer_name for m in person.member.memberships) == employers

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await paste_to_status(pilot, person)
        assert showing(app) is StatusScreen
        text = prose(app)
        kpjs = [text.index(f"KPJ {kpj}") for kpj in person.kpjs]
        assert kpjs == sorted(kpjs)
        assert [text.index(employer) for employer in employers] == sorted(
            text.index(employer) for employer in employers
        )
        assert "Anda memiliki 3 nomor KPJ" in text
        assert text.count("Kepesertaan: AKTIF") == 1
        assert text.count("Kepesertaan: TIDAK AKTIF") == 2
        for code in (StatusCode.BERHENTI_BEKERJA, StatusCode.KONTRAK_SELESAI):
            assert flat(status_reason(code).text("id")) in text
        balances = [text.index(amount) for amount in ("6.200.000", "18.750.000", "3.100.000")]
        assert balances == sorted(balances)
        # Several KPJs hold a balance: the advice to merge them comes before any of them.
        merge = flat(msg("status.advice.merge").text("id"))
        assert text.index(merge) < kpjs[0]
        # The call centre and the branch once, not under every membership.
        assert text.count(flat(msg("status.advice.contact").text("id"))) == 1
        assert "Peserta dari 1 Februari 2019 sampai 15 Agustus 2024." in text
        assert f"NIK {masked(person)}" in text
        assert person.nik not in text.replace(" ", "")

    drive(kiosk.app(), scenario, size=TALL)


def test_the_kept_status_screen_shows_each_member_their_own_and_keeps_none(kiosk: Kiosk) -> None:
    """The status screen is built once per language: each member's part is theirs alone,
    drawn before the screen is shown, and gone from it once the member has left."""
    first, second = kiosk.people["job_changer"], kiosk.people["active"]

    def kept(app: KioskApp) -> list[Screen[Any]]:
        return [
            app.get_screen(f"status-{lang}")
            for lang in ("id", "en")
            if app.is_screen_installed(f"status-{lang}")
        ]

    def remnants(app: KioskApp) -> str:
        return " ".join(str(w.render()) for s in kept(app) for w in s.query(Static))

    async def leave(app: KioskApp, pilot: Pilot[Any]) -> None:
        await pilot.press("escape", "enter")
        await settle(pilot)
        assert showing(app) is DoneScreen
        await pilot.press("enter")
        await settle(pilot)

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await paste_to_status(pilot, first)
        await pilot.press("end")
        await pilot.pause()
        assert app.screen.query_one("#status", VerticalScroll).scroll_y > 0
        await leave(app, pilot)
        assert not [w for s in kept(app) for w in s.query(MembershipPanel)]
        assert first.member.name not in remnants(app)
        assert masked(first) not in remnants(app)

        await paste_to_status(pilot, second)
        assert showing(app) is StatusScreen
        text = prose(app)
        assert second.member.name in text
        assert first.member.name not in text
        assert "Anda memiliki" not in text
        assert app.screen.query_one("#status", VerticalScroll).scroll_y == 0
        await leave(app, pilot)

        await paste_to_status(pilot, first, lang_key="e")
        assert showing(app) is StatusScreen
        text = prose(app)
        assert first.member.name in text
        assert "Digital card" in text
        assert "Kartu digital" not in text
        await pilot.click("#jht")
        await settle(pilot)
        await pilot.click("#back")
        await settle(pilot)
        assert showing(app) is StatusScreen
        assert prose(app).count(f"KPJ {first.kpjs[0]}") == 1
        await leave(app, pilot)
        assert len(kept(app)) == 2
        assert not [w for s in kept(app) for w in s.query(MembershipPanel)]

    drive(kiosk.app(), scenario)


def test_a_long_status_scrolls_by_keyboard_on_the_smallest_screen(kiosk: Kiosk) -> None:
    """80x24, three memberships: the arrow and page keys scroll; the screen's keys still work."""
    person = kiosk.people["job_changer"]
    last = f"KPJ {person.kpjs[-1]}"

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await paste_to_status(pilot, person)
        scroll = app.screen.query_one("#status")
        assert last not in shown(app)
        assert scroll.max_scroll_y > 0
        await pilot.press("end")
        await settle(pilot)
        assert last in shown(app)
        assert "diperbarui di pusat" in shown(app)
        await pilot.press("home")
        await settle(pilot)
        assert scroll.scroll_y == 0
        assert person.member.name in shown(app)
        await pilot.press("pagedown")
        await settle(pilot)
        assert scroll.scroll_y > 0
        await pilot.press("down")
        await settle(pilot)

        await pilot.press("j")
        await settle(pilot)
        assert showing(app) is JhtScreen
        await pilot.press("escape")
        await settle(pilot)
        assert showing(app) is StatusScreen
        await pilot.press("k")
        await settle(pilot)
        assert showing(app) is CardScreen
        await pilot.press("escape")
        await settle(pilot)
        assert showing(app) is StatusScreen
        await pilot.press("escape", "enter")
        await settle(pilot)
        assert showing(app) is DoneScreen
        assert app.session is None

    drive(kiosk.app(), scenario, size=(80, 24))


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("code", list(StatusCode))
def test_each_status_code_is_explained_in_the_members_language(
    kiosk: Kiosk, code: StatusCode, lang: Lang
) -> None:
    """The feed carries the code; the words, and what to do, are the kiosk's own."""
    person = kiosk.people[REASON_CASES[code]]
    other: Lang = "en" if lang == "id" else "id"
    standing = next(
        m for m in evaluate(person.member, TODAY).memberships if m.membership.status_code is code
    )

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await paste_to_status(pilot, person, "enter" if lang == "id" else "e")
        assert showing(app) is StatusScreen
        text = prose(app)
        assert f"{msg('ui.status.reason').text(lang)} {status_reason(code).text(lang)}" in text
        assert flat(status_reason(code).text(other)) not in text
        assert msg("ui.status.inactive").text(lang) in text
        assert flat(standing.advice[0].text(lang)) in text

    drive(kiosk.app(), scenario, size=TALL)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_member_whose_data_needs_correcting_is_told_what_to_bring(
    kiosk: Kiosk, lang: Lang
) -> None:
    person = kiosk.people["data"]
    flag = flat(msg("status.flag.BIRTH_DATE_MISMATCH").text(lang))
    bring = {"id": ("e-KTP", "Kartu Keluarga (KK)"), "en": ("e-KTP", "family card (KK)")}

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await paste_to_status(pilot, person, "enter" if lang == "id" else "e")
        text = prose(app)
        assert flag in text
        assert all(document in flag for document in bring[lang])
        # Shown first and framed: it concerns every membership the person holds.
        assert text.index(flag) < text.index(f"KPJ {person.kpjs[0]}")
        assert len(app.screen.query(Notice)) == 1
        assert flat(status_reason(StatusCode.DATA_TIDAK_SESUAI).text(lang)) in text

        await pilot.click("#jht")
        await settle(pilot)
        assert showing(app) is JhtScreen
        text = prose(app)
        assert flat(msg("jht.blocker.data_mismatch").text(lang)) in text
        assert flat(msg("jht.outcome.not").text(lang)) in text
        assert msg("jht.documents").text(lang) not in text

    drive(kiosk.app(), scenario, size=TALL)


def test_months_on_the_linux_console_are_marked_in_plain_ascii(kiosk: Kiosk) -> None:
    person = kiosk.people["arrears"]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await paste_to_status(pilot, person)
        text = prose(app)
        assert "Nov+ Des+ Jan+ Febx Mar+ Apr+ Mei+ Jun+ Julx Agux Sepx Oktx" in text
        assert "+ tercatat x belum tercatat" in text
        assert "Bulan pertama yang iurannya belum tercatat: Februari 2026." in text
        assert not {"✓", "✗", "·", "•"} & set(text)

    drive(kiosk.app(console=True), scenario)


# 14: can I withdraw my JHT? --------------------------------------------------------


def sentence(key: str, lang: Lang, **params: object) -> str:
    return flat(msg(key, **params).text(lang))


async def jht_answer(pilot: Pilot[Any], person: Visitor, lang: Lang) -> str:
    """Welcome -> status -> the JHT button; the answer's text."""
    await paste_to_status(pilot, person, "enter" if lang == "id" else "e")
    await pilot.click("#jht")
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, KioskApp)
    assert showing(app) is JhtScreen
    return prose(app)


ENGLISH_ONLY = ("withdraw", "balance", "bring")
INDONESIAN_ONLY = ("dicairkan", "Saldo", "bawalah", "Alasannya")


def one_language(text: str, lang: Lang) -> None:
    for word in INDONESIAN_ONLY if lang == "en" else ENGLISH_ONLY:
        assert word not in text, word


def test_jht_now_for_jobs_that_ended_and_merge_first(kiosk: Kiosk) -> None:
    person = kiosk.people["job_changer"]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        text = await jht_answer(pilot, person, "id")
        one_language(text, "id")
        assert sentence("jht.title", "id") in text
        heads = [text.index(f"KPJ {kpj}") for kpj in person.kpjs]
        assert heads == sorted(heads)
        assert text.index(sentence("jht.merge", "id")) < heads[0]
        assert text.count(sentence("jht.outcome.now", "id")) == 2
        assert sentence("jht.ground.resigned", "id") in text
        assert sentence("jht.ground.contract_ended", "id") in text
        # One waiting month after the job ended on 15 August 2024.
        assert sentence("jht.since", "id", date="15 September 2024") in text
        assert sentence("jht.since", "id", date="31 Januari 2019") in text
        for document in (Document.RESIGNATION_LETTER, Document.ENDED_CONTRACT, Document.BANK_BOOK):
            assert sentence(f"jht.document.{document.value}", "id") in text
        # The current job: not now, a part from ten years after it started.
        current = text[heads[0] : heads[1]]
        assert sentence("jht.outcome.not", "id") in current
        assert sentence("jht.blocker.still_a_member", "id") in current
        assert sentence("jht.partial.from", "id", date="2 September 2034", years=10) in current
        assert "Rp 620.000" in current
        assert "Rp 1.860.000" in current
        assert sentence("jht.retirement.future", "id", date="3 Juli 2048", age=56) in text
        assert sentence("jht.channels", "id") in text
        assert "aplikasi JMO" in text

        await pilot.press("escape")
        await settle(pilot)
        assert showing(app) is StatusScreen

    drive(kiosk.app(), scenario, size=TALL)


def test_jht_from_a_date_after_dismissal(kiosk: Kiosk) -> None:
    person = kiosk.people["dismissed"]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        text = await jht_answer(pilot, person, "en")
        one_language(text, "en")
        assert sentence("jht.title", "en") in text
        assert sentence("jht.outcome.from", "en", date="5 December 2026") in text
        assert sentence("jht.ground.dismissed", "en") in text
        assert sentence("jht.outcome.now", "en") not in text
        # Above Rp 50 million the tax is lower with a tax number: bring it.
        for document in (Document.DISMISSAL_PROOF, Document.NPWP, Document.EKTP):
            assert sentence(f"jht.document.{document.value}", "en") in text
        assert "Rp 52,000,000" in text
        assert msg("jht.partial.documents").text("en") not in text
        assert sentence("jht.retirement.future", "en", date="30 November 2039", age=56) in text
        assert "JMO app" in text
        assert "claims desk" in text

    drive(kiosk.app(), scenario, size=TALL)


def test_jht_partial_now_after_ten_years(kiosk: Kiosk) -> None:
    person = kiosk.people["arrears"]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        text = await jht_answer(pilot, person, "en")
        one_language(text, "en")
        assert sentence("jht.outcome.not", "en") in text
        assert sentence("jht.blocker.still_a_member", "en") in text
        assert sentence("jht.partial.now", "en", years=10) in text
        assert f"{sentence('jht.partial.share_10', 'en', share=10)} Rp 450,000" in text
        assert f"{sentence('jht.partial.share_30', 'en', share=30)} Rp 1,350,000" in text
        assert sentence("jht.partial.documents", "en") in text
        for document in (Document.STILL_WORKING_LETTER, Document.HOUSING_PAPERS):
            assert sentence(f"jht.document.{document.value}", "en") in text

    drive(kiosk.app(), scenario, size=TALL)


@pytest.mark.parametrize(
    ("case", "lang", "ground", "since"),
    [
        ("retired", "id", Ground.RETIREMENT_AGE, "12 Maret 2026"),
        ("deceased", "en", Ground.DEATH, "20 September 2026"),
    ],
)
def test_jht_now_at_56_and_for_heirs(
    kiosk: Kiosk, case: str, lang: Lang, ground: Ground, since: str
) -> None:
    person = kiosk.people[case]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        text = await jht_answer(pilot, person, lang)
        one_language(text, lang)
        assert sentence("jht.outcome.now", lang) in text
        assert sentence(f"jht.ground.{ground.value}", lang) in text
        assert sentence("jht.since", lang, date=since) in text
        if ground is Ground.DEATH:
            for document in (Document.DEATH_CERTIFICATE, Document.HEIR_LETTER):
                assert sentence(f"jht.document.{document.value}", lang) in text
            assert "56" not in text
        else:
            assert sentence("jht.retirement.past", lang, date=since, age=56) in text

    drive(kiosk.app(), scenario, size=TALL)


@pytest.mark.parametrize(
    ("case", "blocker"),
    [("data", Blocker.DATA_MISMATCH), ("merged", Blocker.MERGED), ("other", Blocker.ASK_BRANCH)],
)
def test_jht_not_eligible_says_why(kiosk: Kiosk, case: str, blocker: Blocker) -> None:
    person = kiosk.people[case]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        text = await jht_answer(pilot, person, "id")
        assert sentence(f"jht.blocker.{blocker.value}", "id") in text
        assert sentence("jht.outcome.now", "id") not in text

    drive(kiosk.app(), scenario, size=TALL)


def test_jht_without_the_programme(kiosk: Kiosk) -> None:
    person = kiosk.people["inactive"]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        text = await jht_answer(pilot, person, "id")
        assert sentence("jht.none", "id") in text
        assert sentence("jht.channels", "id") not in text
        await pilot.click("#done")
        await settle(pilot)
        assert showing(app) is DoneScreen
        assert app.session is None

    drive(kiosk.app(), scenario)


# 15: several cards -----------------------------------------------------------------


def card_outcomes(app: KioskApp) -> list[str]:
    return [e.outcome for e in app.service.audit.since(None) if e.event == Event.CARD]


def test_with_several_cards_the_member_picks_one(kiosk: Kiosk) -> None:
    person = kiosk.people["job_changer"]
    cards = [m.card for m in person.member.memberships]
    scanned: list[list[str]] = []

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await open_card(app, pilot, person)
        text = prose(app)
        assert sentence("ui.card.pick", "id") in text
        listed = [text.index(f"KPJ {kpj}") for kpj in person.kpjs]
        assert listed == sorted(listed)
        assert not app.screen.query(QrCode)
        assert card_outcomes(app) == []
        # Only the listed cards have keys.
        await pilot.press("4")
        await settle(pilot)
        assert not app.screen.query(QrCode)

        await pilot.press("2")
        await settle(pilot)
        assert app.screen.query(QrCode)
        assert f"KPJ {person.kpjs[1]}" in shown(app)
        assert f"KPJ {person.kpjs[0]}" not in shown(app)
        assert "TIDAK AKTIF" in shown(app)
        scanned.append(decode_qr(screen_image(app)))
        assert card_outcomes(app) == ["shown"]
        # A digit picks nothing while a card is shown.
        await pilot.press("1")
        await settle(pilot)
        assert f"KPJ {person.kpjs[1]}" in shown(app)

        await pilot.press("escape")
        await settle(pilot)
        assert showing(app) is CardScreen
        assert not app.screen.query(QrCode)
        await pilot.click(list(app.screen.query(".pick"))[2])
        await settle(pilot)
        scanned.append(decode_qr(screen_image(app)))
        assert card_outcomes(app) == ["shown", "shown"]

        await pilot.click("#back")
        await settle(pilot)
        assert sentence("ui.card.pick", "id") in shown(app)
        await pilot.press("escape")
        await settle(pilot)
        assert showing(app) is StatusScreen

    drive(kiosk.app(), scenario, size=(100, 30))
    assert scanned == [[cards[1]], [cards[2]]]


def test_the_farewell_screens_stay_their_time_on_the_apps_clock(kiosk: Kiosk) -> None:
    """Done and the apology go back to the welcome screen when the App's clock says so,
    however slowly the machine draws them."""
    person = kiosk.people["active"]

    async def stays(app: KioskApp, pilot: Pilot[Any], seconds: float | None) -> None:
        ticks = app.ticks
        assert isinstance(ticks, Ticks)
        assert seconds is not None
        farewell = showing(app)
        await tick_idle(pilot)  # the first tick starts its count
        ticks.advance(seconds - 0.5)
        await tick_idle(pilot)
        assert showing(app) is farewell
        ticks.advance(0.5)
        await tick_idle(pilot)
        assert showing(app) is WelcomeScreen

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await paste_to_status(pilot, person)
        await pilot.click("#done")
        await settle(pilot)
        assert showing(app) is DoneScreen
        await stays(app, pilot, DoneScreen.SHOWN_SECONDS)
        app.wipe(ErrorScreen())
        await settle(pilot)
        assert showing(app) is ErrorScreen
        await stays(app, pilot, ErrorScreen.SHOWN_SECONDS)

    drive(kiosk.app(), scenario)
