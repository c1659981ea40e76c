"""Staff mode through the real App: the PIN prompt, its lockout, every maintenance action,
the idle logout, and the member-facing abuse limits, each also after a restart.

A "restart" is a second App built on the same files: a new service, a new
state store, nothing carried over in memory.
"""

import asyncio
import re
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import ProgressBar, Static

from devtools.demo import build_demo
from kiosk.audit import Audit, AuditEvent, Event
from kiosk.config import Limits, ScreenSettings
from kiosk.state import StateStore
from screens.app import STAFF_TAPS, KioskApp
from screens.factory import build_app
from screens.maintenance import MaintenanceScreen
from screens.nik import NikScreen
from screens.out_of_service import OutOfServiceScreen
from screens.staff import PinScreen
from screens.status import StatusScreen
from screens.theme import HIGH_CONTRAST_THEME, KIOSK_THEME
from screens.verify import VerifyScreen
from screens.welcome import WelcomeScreen
from tests.conftest import new_key
from tests.kiosk_ui import (
    KIOSK_ID,
    Kiosk,
    Ticks,
    build_kiosk,
    local_time_is_wib,
    settle,
    tick_idle,
    wait_until,
)
from tests.screen_image import screen_text
from tests.sites import Site

UNREACHABLE = "Sumber feed tidak dapat dihubungi"
"""The start of sync.unreachable's sentence in Bahasa Indonesia."""
PIN = "482913"
Scenario = Callable[[KioskApp, Pilot[Any]], Awaitable[None]]


@pytest.fixture(autouse=True)
def _wib() -> Iterator[None]:
    yield from local_time_is_wib()


@pytest.fixture
def kiosk(tmp_path: Path) -> Kiosk:
    kiosk = build_kiosk(tmp_path, new_key())
    service = kiosk.service()
    kiosk.maintenance(service).set_pin(PIN)
    return kiosk


def drive(app: KioskApp, scenario: Scenario, size: tuple[int, int] = (100, 30)) -> None:
    async def inner() -> None:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await scenario(app, pilot)

    asyncio.run(inner())


def shown(app: KioskApp) -> str:
    return " ".join(screen_text(app).split())


def part(app: KioskApp, selector: str) -> str:
    """One part of the screen as written, whatever the column's width does to its lines."""
    return " ".join(str(app.screen.query_one(selector, Static).content).split())


def events(kiosk: Kiosk) -> list[AuditEvent]:
    audit = Audit(StateStore(kiosk.state_path), KIOSK_ID, kiosk.clock, timedelta(days=90))
    return list(audit.since(None))


def outcomes(kiosk: Kiosk, event: Event) -> list[str]:
    return [e.outcome for e in events(kiosk) if e.event == event.value]


async def enter_pin(pilot: Pilot[Any], pin: str) -> None:
    """F12, then the PIN on the keyboard and Enter; waits for the check to come back."""
    if not isinstance(pilot.app.screen, PinScreen):
        await pilot.press("f12")
        await settle(pilot)
    assert isinstance(pilot.app.screen, PinScreen)
    await pilot.press(*pin, "enter")
    await wait_until(pilot, lambda: not getattr(pilot.app.screen, "checking", False))


async def log_in(pilot: Pilot[Any]) -> MaintenanceScreen:
    await enter_pin(pilot, PIN)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, MaintenanceScreen))
    screen = pilot.app.screen
    assert isinstance(screen, MaintenanceScreen)
    await wait_until(pilot, lambda: screen.kiosk_state is not None)
    return screen


# Entering ----------------------------------------------------------------------------


def test_the_right_pin_opens_maintenance_and_is_audited(kiosk: Kiosk) -> None:
    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await log_in(pilot)
        assert app.staff
        text = shown(app)
        assert "Mode staf" in text
        assert f"Catatan anggota: {len(kiosk.people)}" in text
        assert "Posisi feed: urutan 1" in text
        assert re.search(r"Umur data: \d+ jam \d\d menit", text), "hours and minutes in Indonesian"
        assert "ID kunci: " + kiosk.key.subkeys().key_id in text
        assert "Masuk staf: berhasil" in text

    drive(kiosk.app(), scenario)
    assert outcomes(kiosk, Event.STAFF_LOGIN) == ["success"]


def test_a_wrong_pin_says_how_many_tries_are_left(kiosk: Kiosk) -> None:
    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await enter_pin(pilot, "111119")
        assert isinstance(app.screen, PinScreen)
        assert "PIN salah. Sisa percobaan: 4." in shown(app)
        assert not app.staff
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)

    drive(kiosk.app(), scenario)
    assert outcomes(kiosk, Event.STAFF_LOGIN) == ["failure"]


def test_five_wrong_pins_lock_the_prompt_across_a_restart(kiosk: Kiosk) -> None:
    async def five_wrong(app: KioskApp, pilot: Pilot[Any]) -> None:
        for _ in range(5):
            await enter_pin(pilot, "111119")
        assert "Terlalu banyak PIN salah. Coba lagi setelah 10.15." in shown(app)
        await enter_pin(pilot, PIN)
        assert isinstance(app.screen, PinScreen)
        assert not app.staff

    async def still_locked(app: KioskApp, pilot: Pilot[Any]) -> None:
        await enter_pin(pilot, PIN)
        assert isinstance(app.screen, PinScreen)
        assert "Coba lagi setelah 10.15." in shown(app)

    async def unlocked(app: KioskApp, pilot: Pilot[Any]) -> None:
        await log_in(pilot)

    drive(kiosk.app(), five_wrong)
    drive(kiosk.app(), still_locked)
    kiosk.clock.advance(timedelta(minutes=15))
    drive(kiosk.app(), unlocked)
    logins = outcomes(kiosk, Event.STAFF_LOGIN)
    assert logins == ["failure"] * 5 + ["locked", "locked", "success"]
    assert outcomes(kiosk, Event.STAFF_LOCKOUT) == ["locked"]


def test_no_pin_set_says_how_to_set_one(tmp_path: Path) -> None:
    kiosk = build_kiosk(tmp_path, new_key())

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await enter_pin(pilot, PIN)
        assert "kiosk staff-pin set" in shown(app)
        assert not app.staff

    drive(kiosk.app(), scenario)


def test_the_hidden_gesture_opens_the_prompt(kiosk: Kiosk) -> None:
    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        for _ in range(STAFF_TAPS - 1):
            await pilot.click(offset=(1, 0))
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.click(offset=(1, 0))
        await settle(pilot)
        assert isinstance(app.screen, PinScreen)

    drive(kiosk.app(), scenario)


def test_taps_elsewhere_do_not_count(kiosk: Kiosk) -> None:
    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        for _ in range(STAFF_TAPS - 1):
            await pilot.click(offset=(1, 0))
        await pilot.click(offset=(50, 20))
        await pilot.click(offset=(1, 0))
        await settle(pilot)
        assert not isinstance(app.screen, PinScreen)

    drive(kiosk.app(), scenario)


def test_the_staff_key_wipes_a_member_session_first(kiosk: Kiosk) -> None:
    person = kiosk.people["active"]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NikScreen)
        await pilot.press(*person.nik)
        await pilot.press("f12")
        await settle(pilot)
        assert isinstance(app.screen, PinScreen)
        assert app.session is None
        assert person.nik[:6] not in shown(app)

    drive(kiosk.app(), scenario)


# The idle logout -----------------------------------------------------------------------


def test_staff_are_logged_out_after_two_idle_minutes(kiosk: Kiosk) -> None:
    ticks = Ticks()

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await log_in(pilot)
        ticks.advance(100)
        await tick_idle(pilot)
        assert isinstance(app.screen, MaintenanceScreen)
        await pilot.press("b")  # any key counts as activity
        await settle(pilot)
        ticks.advance(110)
        await tick_idle(pilot)
        assert isinstance(app.screen, MaintenanceScreen)
        ticks.advance(11)
        await tick_idle(pilot)
        assert not app.staff
        assert isinstance(app.screen, WelcomeScreen)

    drive(kiosk.app(ticks=ticks), scenario)
    assert outcomes(kiosk, Event.STAFF_LOGOUT) == ["idle"]


def test_an_abandoned_pin_prompt_closes_too(kiosk: Kiosk) -> None:
    ticks = Ticks()

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await pilot.press("f12", "4", "8")
        await settle(pilot)
        ticks.advance(121)
        await tick_idle(pilot)
        assert isinstance(app.screen, WelcomeScreen)

    drive(kiosk.app(ticks=ticks), scenario)
    assert outcomes(kiosk, Event.STAFF_LOGOUT) == []


# Each maintenance action ----------------------------------------------------------------


async def finish_task(pilot: Pilot[Any], screen: MaintenanceScreen) -> str:
    await wait_until(pilot, lambda: not screen.busy)
    await wait_until(pilot, lambda: screen.kiosk_state is not None)
    return shown(pilot.app)  # type: ignore[arg-type]


def test_integrity_check_of_a_sound_cache(kiosk: Kiosk) -> None:
    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        screen = await log_in(pilot)
        await pilot.click("#integrity")
        text = await finish_task(pilot, screen)
        assert f"Semua {len(kiosk.people)} catatan utuh." in text
        checked = f"Periksa integritas: utuh ({len(kiosk.people)} diperiksa, 0 rusak)"
        assert checked in part(app, "#recent")
        # The next action's screen is about that action: the check's result goes.
        await pilot.press("o")
        await wait_until(pilot, lambda: "DIHENTIKAN oleh staf" in shown(app))
        assert "catatan utuh" not in shown(app)

    drive(kiosk.app(), scenario)
    assert outcomes(kiosk, Event.STAFF_INTEGRITY) == ["ok"]


def test_integrity_check_names_a_damaged_row(kiosk: Kiosk) -> None:
    with sqlite3.connect(kiosk.path) as db:
        index, record = db.execute("SELECT bidx, record FROM members LIMIT 1").fetchone()
        flipped = bytes(record[:-1]) + bytes([record[-1] ^ 1])
        db.execute("UPDATE members SET record = ? WHERE bidx = ?", [flipped, index])

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        screen = await log_in(pilot)
        await pilot.press("i")
        text = await finish_task(pilot, screen)
        assert f"1 dari {len(kiosk.people)} catatan rusak ({bytes(index)[:6].hex()})" in text
        assert "kiosk sync --snapshot" in text

    drive(kiosk.app(), scenario)
    assert outcomes(kiosk, Event.STAFF_INTEGRITY) == ["bad"]


def test_a_failed_sync_is_reported_and_members_are_still_served(kiosk: Kiosk) -> None:
    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        screen = await log_in(pilot)
        await pilot.press("s")
        text = await finish_task(pilot, screen)
        assert "Sinkron gagal: Sumber feed tidak dapat dihubungi" in text
        last = f"Sinkron terakhir: 24-11-2026 10.00 gagal (staf - {UNREACHABLE}"
        assert last in part(app, "#state")
        assert f"10.00 Sinkron: gagal (staf - {UNREACHABLE}" in part(app, "#recent")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NikScreen)

    drive(kiosk.app(), scenario)
    assert outcomes(kiosk, Event.SYNC) == ["failed"]


@pytest.fixture
def site(tmp_path: Path) -> Site:
    """A published feed and a kiosk that has never synced from it."""
    root = tmp_path / "site"
    build_demo(root, 300, datetime.now(UTC), sync=False)
    return Site(root)


def test_sync_now_with_progress_from_a_real_feed(site: Site) -> None:
    from kiosk.config import load_config
    from kiosk.maintenance import Maintenance
    from kiosk.serving import KioskService

    config = load_config(site.config)
    service = KioskService.from_config(config, {}, lambda: datetime.now(UTC))
    Maintenance.from_config(config, {}, service).set_pin(PIN)
    seen: list[float | None] = []

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        assert isinstance(app.screen, OutOfServiceScreen)
        screen = await log_in(pilot)
        assert "Posisi feed: belum pernah" in shown(app)
        bar = screen.query_one("#progress", ProgressBar)
        await pilot.press("s")
        await pilot.pause()
        seen.append(bar.total)
        text = await finish_task(pilot, screen)
        assert "Sinkron selesai: urutan feed 1, 300 disimpan, 0 dihapus." in text
        assert "Catatan anggota: 300" in text
        assert bar.percentage == 1.0 or not bar.display
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)

    drive(build_app(config, {}), scenario)
    audit = Audit(StateStore(config.state_file), "x", lambda: datetime.now(UTC), timedelta(1))
    syncs = [e for e in audit.since(None) if e.event == Event.SYNC.value]
    assert [(e.outcome, e.detail) for e in syncs] == [
        ("applied", "trigger=staff sequence=1 stored=300 removed=0")
    ]


def test_out_of_service_switch_shows_members_the_maintenance_screen(kiosk: Kiosk) -> None:
    async def switch_off(app: KioskApp, pilot: Pilot[Any]) -> None:
        screen = await log_in(pilot)
        await pilot.press("o")
        await wait_until(pilot, lambda: "DIHENTIKAN oleh staf" in shown(app))
        assert "Aktifkan layanan (O)" in shown(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, OutOfServiceScreen)
        text = shown(app)
        assert "Kiosk sedang dalam perawatan" in text
        assert "This kiosk is under maintenance" in text
        await pilot.press("enter")
        await settle(pilot)
        assert app.session is None
        del screen

    async def after_restart(app: KioskApp, pilot: Pilot[Any]) -> None:
        assert isinstance(app.screen, OutOfServiceScreen)
        await log_in(pilot)
        await pilot.press("o")
        await wait_until(pilot, lambda: "melayani anggota" in shown(app))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)

    drive(kiosk.app(), switch_off)
    drive(kiosk.app(), after_restart)
    assert outcomes(kiosk, Event.STAFF_SERVICE) == ["off", "on"]


def test_default_language_change_lasts_and_enter_starts_in_it(kiosk: Kiosk) -> None:
    async def change(app: KioskApp, pilot: Pilot[Any]) -> None:
        await log_in(pilot)
        await pilot.press("b")
        await wait_until(pilot, lambda: "Default language: English" in shown(app))
        assert "Staff mode" in shown(app)
        await pilot.click("#logout")
        await settle(pilot)

    async def after_restart(app: KioskApp, pilot: Pilot[Any]) -> None:
        assert app.lang == "en"
        focused = app.screen.focused
        assert focused is not None
        assert focused.id == "start-en", "Enter presses the English button"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NikScreen)
        assert "Type your NIK" in shown(app)

    async def in_indonesian_all_the_same(app: KioskApp, pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, NikScreen)
        assert app.lang == "id"
        assert "Ketik NIK" in shown(app)

    drive(kiosk.app(), change)
    drive(kiosk.app(), after_restart)
    drive(kiosk.app(), in_indonesian_all_the_same)
    assert outcomes(kiosk, Event.STAFF_LANGUAGE) == ["en"]
    assert outcomes(kiosk, Event.STAFF_LOGOUT) == ["staff"]


def test_default_high_contrast_lasts_and_each_member_may_leave_it(kiosk: Kiosk) -> None:
    """Staff's K sets the look members find; a member's K lasts until their session ends."""

    async def change(app: KioskApp, pilot: Pilot[Any]) -> None:
        await log_in(pilot)
        assert "Tampilan bawaan: biasa" in shown(app)
        await pilot.press("k")
        await wait_until(pilot, lambda: "Tampilan bawaan: kontras tinggi" in shown(app))
        assert app.high_contrast
        assert app.theme == HIGH_CONTRAST_THEME.name
        await pilot.click("#logout")
        await settle(pilot)

    async def after_restart(app: KioskApp, pilot: Pilot[Any]) -> None:
        assert isinstance(app.screen, WelcomeScreen)
        assert app.high_contrast
        assert app.has_class("-high-contrast")
        assert "Kontras biasa / Normal contrast" in shown(app)
        await pilot.click("#contrast")
        await settle(pilot)
        assert not app.high_contrast
        assert app.theme == KIOSK_THEME.name
        assert "Kontras tinggi / High contrast" in shown(app)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, NikScreen)
        assert not app.high_contrast
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        assert app.high_contrast, "the next member finds the staff's default"
        assert app.theme == HIGH_CONTRAST_THEME.name

    drive(kiosk.app(), change)
    drive(kiosk.app(), after_restart)
    assert outcomes(kiosk, Event.STAFF_CONTRAST) == ["on"]


def test_exit_asks_twice_then_ends_the_app_for_systemd(kiosk: Kiosk) -> None:
    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await log_in(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert "Tekan Tutup aplikasi sekali lagi" in shown(app)
        assert app.is_running
        await pilot.press("x")
        await wait_until(pilot, lambda: not app.is_running)

    app = kiosk.app()
    drive(app, scenario)
    assert app.return_code == 0
    assert outcomes(kiosk, Event.STAFF_EXIT) == ["requested"]


# The abuse limits, as a member meets them ---------------------------------------------------


async def submit_nik(pilot: Pilot[Any], nik: str) -> None:
    if not isinstance(pilot.app.screen, NikScreen):
        await pilot.press("enter")
        await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, NikScreen)
    screen.digits = ""
    await pilot.press(*nik, "enter")
    await settle(pilot)


async def answer(pilot: Pilot[Any], mother: str) -> None:
    await pilot.press(*(" " if c == " " else c for c in mother))
    await pilot.press("enter")
    await settle(pilot)


def test_three_wrong_answers_lock_the_nik_even_after_a_restart(kiosk: Kiosk) -> None:
    person = kiosk.people["active"]

    async def three_wrong(app: KioskApp, pilot: Pilot[Any]) -> None:
        await submit_nik(pilot, person.nik)
        for left in (2, 1):
            await pilot.press(*"Salah", "enter")
            await settle(pilot)
            assert f"Sisa percobaan untuk NIK ini: {left}." in shown(app)
        await pilot.press(*"Salah", "enter")
        await settle(pilot)
        text = shown(app)
        assert "NIK ini dikunci di kiosk ini sampai pukul 10.15" in text
        assert "call center 175" in text
        # The right answer now changes nothing.
        await answer(pilot, person.mother)
        assert isinstance(app.screen, VerifyScreen)
        assert "dikunci" in shown(app)

    async def after_restart(app: KioskApp, pilot: Pilot[Any]) -> None:
        await submit_nik(pilot, person.nik)
        assert isinstance(app.screen, NikScreen)
        assert "dikunci di kiosk ini sampai pukul 10.15" in shown(app)

    async def unlocked(app: KioskApp, pilot: Pilot[Any]) -> None:
        await submit_nik(pilot, person.nik)
        await answer(pilot, person.mother)
        assert isinstance(app.screen, StatusScreen)

    drive(kiosk.app(), three_wrong)
    drive(kiosk.app(), after_restart)
    kiosk.clock.advance(timedelta(minutes=15))
    drive(kiosk.app(), unlocked)
    assert outcomes(kiosk, Event.LOCKOUT) == ["locked"]
    assert outcomes(kiosk, Event.VERIFY) == ["failure"] * 3 + ["success"]


def test_the_kiosk_wide_lookup_limit_holds_across_a_restart(kiosk: Kiosk) -> None:
    limits = Limits(lookups_per_minute=2)
    niks = [p.nik for p in kiosk.people.values()]

    async def two_then_busy(app: KioskApp, pilot: Pilot[Any]) -> None:
        for nik in niks[:2]:
            await submit_nik(pilot, nik)
            assert isinstance(app.screen, VerifyScreen)
            await pilot.press("escape")
            await settle(pilot)
        await submit_nik(pilot, niks[2])
        assert isinstance(app.screen, NikScreen)
        assert "Kiosk sedang sibuk. Coba lagi dalam 60 detik." in shown(app)

    async def still_busy(app: KioskApp, pilot: Pilot[Any]) -> None:
        await submit_nik(pilot, niks[2])
        assert "Kiosk sedang sibuk. Coba lagi dalam 30 detik." in shown(app)

    async def free_again(app: KioskApp, pilot: Pilot[Any]) -> None:
        await submit_nik(pilot, niks[2])
        assert isinstance(app.screen, VerifyScreen)

    drive(kiosk.app(limits=limits), two_then_busy)
    kiosk.clock.advance(timedelta(seconds=30))
    drive(kiosk.app(limits=limits), still_busy)
    kiosk.clock.advance(timedelta(seconds=31))
    drive(kiosk.app(limits=limits), free_again)


def test_repeated_invalid_niks_slow_the_screen_across_a_restart(kiosk: Kiosk) -> None:
    invalid = "0000000000000000"

    async def four_invalid(app: KioskApp, pilot: Pilot[Any]) -> None:
        for _ in range(3):
            await submit_nik(pilot, invalid)
            assert "Tunggu" not in shown(app)
        await submit_nik(pilot, invalid)
        assert "Tunggu 2 detik" in shown(app)
        # While the wait lasts, even a valid NIK is not looked at.
        await submit_nik(pilot, kiosk.people["active"].nik)
        assert isinstance(app.screen, NikScreen)
        assert "Tunggu 2 detik" in shown(app)

    async def after_restart(app: KioskApp, pilot: Pilot[Any]) -> None:
        await submit_nik(pilot, kiosk.people["active"].nik)
        assert "Tunggu 1 detik" in shown(app)
        kiosk.clock.advance(timedelta(seconds=1))
        await submit_nik(pilot, invalid)
        assert "Tunggu 4 detik" in shown(app)
        kiosk.clock.advance(timedelta(seconds=4))
        await submit_nik(pilot, kiosk.people["active"].nik)
        assert isinstance(app.screen, VerifyScreen)

    drive(kiosk.app(), four_invalid)
    kiosk.clock.advance(timedelta(seconds=1))
    drive(kiosk.app(), after_restart)
    assert outcomes(kiosk, Event.NIK_INVALID).count("unknown_province") == 5


def test_limits_come_from_the_settings_given(kiosk: Kiosk) -> None:
    """One wrong answer locks when the config says one."""
    person = kiosk.people["arrears"]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await submit_nik(pilot, person.nik)
        await pilot.press(*"Salah", "enter")
        await settle(pilot)
        assert "sampai pukul 10.05" in shown(app)

    limits = Limits(failed_verifications=1, nik_lockout=timedelta(minutes=5))
    drive(kiosk.app(limits=limits, settings=ScreenSettings()), scenario)
