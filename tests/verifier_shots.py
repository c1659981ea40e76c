"""Pictures of the verifier page's three verdicts, at a phone's width and a desktop's.

``python -m tests.verifier_shots`` writes them into ``docs/verifier/`` for review;
the tests write the same pictures into a temporary directory and look at them.
"""

import urllib.parse
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Browser

from central.verifier import render_page
from kiosk.card import ISSUER, CardClaims, CardSigner
from kiosk.member import MembershipStatus, Program
from tests.browser import DESKTOP, PHONE, chromium, open_page
from tests.kiosk_ui import CARD_KEY, NOW

REVIEW = Path(__file__).resolve().parent.parent / "docs" / "verifier"
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


def card_text(
    key: Ed25519PrivateKey,
    *,
    name: str = "Siti Rahayu",
    issued: datetime = NOW - timedelta(days=10),
    expires: datetime = NOW + timedelta(days=20),
) -> str:
    claims = CardClaims(
        issuer=ISSUER,
        issued_at=issued,
        expires_at=expires,
        kpj="23017654321",
        name=name,
        status=MembershipStatus.AKTIF,
        programs=frozenset({Program.JKK, Program.JKM, Program.JHT}),
    )
    return CardSigner(key).sign(claims)


def verdict_cards() -> dict[str, str]:
    valid = card_text(CARD_KEY)
    damaged = valid[:-10] + ("A" if valid[-10] != "A" else "B") + valid[-9:]
    return {
        "valid": valid,
        "invalid": damaged,
        "expired": card_text(CARD_KEY, expires=NOW - timedelta(days=3)),
    }


def write_screenshots(browser: Browser, directory: Path) -> list[Path]:
    page_file = directory / "verifier.html"
    page_file.write_text(render_page([CARD_KEY.public_key()]), encoding="utf-8")
    written = []
    for verdict, text in verdict_cards().items():
        for width, viewport in VIEWPORTS.items():
            lang = "id" if width == "phone" else "en"
            url = f"{page_file.as_uri()}?lang={lang}#{urllib.parse.quote(text, safe='')}"
            with open_page(browser, url, NOW, viewport) as (page, _):
                page.wait_for_selector(f"html[data-verdict={verdict}]")
                path = directory / f"{verdict}-{width}.png"
                page.screenshot(path=path, full_page=True)
                written.append(path)
    page_file.unlink()
    return written


if __name__ == "__main__":
    REVIEW.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        for path in write_screenshots(browser, REVIEW):
            print(path)
