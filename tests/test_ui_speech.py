"""Spoken guidance in the running App: what each screen says, when, and what it never says.

The speaker is the real one with espeak-ng behind it, deaf here (no audio device),
so each utterance is started and fails silently; the test reads what was started.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from kiosk.config import AccessibilitySettings
from kiosk.speech import Phrase, Speaker, Utterance, guidance
from screens.app import KioskApp
from screens.done import DoneScreen
from screens.help import HelpScreen
from screens.nik import NikScreen
from screens.status import StatusScreen
from screens.widgets.legend import KeyLegend
from tests.conftest import NEEDS_ESPEAK_NG, new_key
from tests.kiosk_ui import (
    Kiosk,
    Scenario,
    build_kiosk,
    drive,
    local_time_is_wib,
    settle,
    type_keys,
    wait_until,
)

pytestmark = NEEDS_ESPEAK_NG

DEAF = {"ALSA_CONFIG_PATH": os.devnull, "PULSE_SERVER": "unix:/nonexistent/pulse"}


@pytest.fixture(autouse=True)
def wib() -> Iterator[None]:
    yield from local_time_is_wib()


@pytest.fixture
def kiosk(tmp_path: Path) -> Kiosk:
    return build_kiosk(tmp_path, new_key())


def speaker(*, speech: bool = True, headphones: bool = False) -> Speaker:
    settings = AccessibilitySettings(speech=speech, headphones=headphones)
    return Speaker(settings, {**os.environ, **DEAF})


def drive_speaking(app: KioskApp, scenario: Scenario) -> None:
    """Then silence: espeak-ng would go on talking after the App."""
    drive(app, scenario)
    app.speaker.stop()


def said(app: KioskApp) -> Utterance:
    utterance = app.speaker.current
    assert utterance is not None, "nothing was said"
    return utterance


def texts(app: KioskApp) -> list[str]:
    return [phrase.text for phrase in said(app).phrases]


def instruction(screen: str) -> list[str]:
    """The screen's instruction, in Bahasa Indonesia (the kiosk's default)."""
    return [phrase.text for phrase in guidance(screen, "id")]


async def to_status(app: KioskApp, pilot: Pilot[Any], kiosk: Kiosk) -> None:
    person = kiosk.people["active"]
    await pilot.press("enter")
    await type_keys(pilot, person.nik)
    await pilot.press("enter")
    await settle(pilot)
    await type_keys(pilot, person.mother)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, StatusScreen))


def test_each_screen_says_its_instruction_on_arrival_and_again_on_f2(kiosk: Kiosk) -> None:
    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        assert texts(app) == instruction("welcome"), "both languages, the default first"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NikScreen)
        first = said(app)
        assert texts(app) == instruction("nik")
        assert "F2 dengarkan" in app.screen.query_one(KeyLegend).keys.items
        await pilot.press("f2")
        await settle(pilot)
        assert said(app) is not first, "F2 starts it again"
        assert texts(app) == instruction("nik")
        await pilot.click("#listen")
        await settle(pilot)
        assert texts(app) == instruction("nik")
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert texts(app) == instruction("help")

    drive_speaking(kiosk.app(speaker=speaker()), scenario)


def test_a_public_room_never_hears_the_member(kiosk: Kiosk) -> None:
    person = kiosk.people["active"]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await to_status(app, pilot, kiosk)
        assert texts(app) == instruction("status")
        assert person.member.name not in " ".join(texts(app))

    drive_speaking(kiosk.app(speaker=speaker()), scenario)


def test_headphones_hear_the_member_and_the_wipe_silences_them(kiosk: Kiosk) -> None:
    person = kiosk.people["active"]

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await to_status(app, pilot, kiosk)
        phrases = said(app).phrases
        assert [p.text for p in phrases[:1]] == instruction("status")
        assert Phrase(person.member.name, "id") in phrases
        heard = " ".join(p.text for p in phrases)
        assert "Kepesertaan: AKTIF" in heard
        assert "12.345.678 rupiah" in heard
        assert person.nik not in heard
        status = said(app)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, DoneScreen)
        assert status.wait(10) is not None, "the member's status stopped at the wipe"
        assert texts(app) == instruction("done")

    drive_speaking(kiosk.app(speaker=speaker(headphones=True)), scenario)


def test_speech_off_has_no_button_no_legend_and_says_nothing(kiosk: Kiosk) -> None:
    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await pilot.press("enter", "f2")
        await settle(pilot)
        assert isinstance(app.screen, NikScreen)
        assert app.speaker.current is None
        assert not app.screen.query("#listen")
        assert "F2 dengarkan" not in app.screen.query_one(KeyLegend).keys.items

    drive_speaking(kiosk.app(speaker=speaker(speech=False)), scenario)
