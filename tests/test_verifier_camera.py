"""The verifier page's camera path, with Chromium's fake camera playing a photographed QR.

Apart from tests/test_verifier.py: the kiosk's screen is painted by the real App under
asyncio, which must not run beside Playwright's own loop, and each video needs a
browser started with it.
"""

from pathlib import Path

import pytest

from central.verifier import render_page
from kiosk.card import CardVerdict, verify_card
from tests.browser import PHONE, chromium, open_page
from tests.kiosk_ui import CARD_KEY, NOW
from tests.verifier_media import camera_video, kiosk_screen, printed_slip

SOURCES = {"the kiosk's screen": kiosk_screen, "a printed slip": printed_slip}


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_the_camera_reads_a_card_off_a_screen_or_a_slip(tmp_path: Path, source: str) -> None:
    picture, card = SOURCES[source](tmp_path / "kiosk")
    assert verify_card(card, CARD_KEY.public_key(), NOW).verdict is CardVerdict.VALID
    video = camera_video(tmp_path / "camera.y4m", picture)
    page_file = tmp_path / "verifier.html"
    page_file.write_text(render_page([CARD_KEY.public_key()]), encoding="utf-8")
    fake_camera = (
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    )
    with (
        chromium(*fake_camera) as browser,
        open_page(browser, page_file.as_uri(), NOW, PHONE) as (page, requests),
    ):
        page.click("#camera-button")
        page.wait_for_selector("html[data-verdict=valid]", timeout=60_000)
        assert page.input_value("#pasted") == ""
        claims = page.inner_text("#claims")
        verified = verify_card(card, CARD_KEY.public_key(), NOW).claims
        assert verified is not None
        assert verified.name in claims
        assert verified.kpj in claims
        page.click("#camera-button")
        assert page.is_hidden("#video")
        assert requests.beyond(page_file.as_uri()) == []
