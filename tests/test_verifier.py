"""The offline verifier page in real headless Chromium: the same verdicts as ``kiosk card verify``.

The page is the one ``kiosk central verifier`` writes, opened from disk (``file://``)
with the browser's clock set to the tests' ``NOW``. Every run counts the requests the
page made through the DevTools protocol: there must be none but the page itself.
"""

import http.server
import json
import random
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from PIL import Image
from playwright.sync_api import Browser, Page

from central.repository import FeedLayout
from central.verifier import CONFIG_MARK, TEMPLATE, render_page
from kiosk.card import (
    CARD_PREFIX,
    ISSUER,
    CardCheck,
    CardClaims,
    CardSigner,
    card_key_id,
    load_card_public_key,
    verify_card,
)
from kiosk.cli import main
from kiosk.dates import day
from kiosk.i18n import LANGS, Lang, catalogue, msg
from kiosk.member import MembershipStatus, Program
from kiosk.resources import data_path
from tests.browser import DESKTOP, PHONE, chromium, open_page
from tests.kiosk_ui import CARD_KEY, NOW
from tests.languages import foreign
from tests.verifier_media import around_qr, photographed, printed_slip
from tests.verifier_shots import card_text, write_screenshots

RETIRED = Ed25519PrivateKey.from_private_bytes(bytes(range(100, 132)))
"""A card key rotated out, still trusted by the page: its cards stay valid."""
STRANGER = Ed25519PrivateKey.from_private_bytes(bytes(range(200, 232)))
"""Another issuer's key, which the page does not trust."""
TRUSTED = (CARD_KEY, RETIRED)
NAMES = ("Siti Rahayu", "Nur'aini", "Ñoño Ünal", "李小龍", "A", "I Gusti Ayu Made Sri Wahyuni Dewi")


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("verifier") / "verifier.html"
    path.write_text(render_page([key.public_key() for key in TRUSTED]), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


def url_of(page_file: Path, text: str | None = None, lang: Lang | None = None) -> str:
    url = page_file.as_uri() + (f"?lang={lang}" if lang else "")
    return url if text is None else url + "#" + urllib.parse.quote(text, safe="")


def python_check(text: str, now: datetime = NOW) -> CardCheck:
    """What ``kiosk card verify`` says with the key that signed the card, if one is trusted."""
    checks = [verify_card(text, key.public_key(), now) for key in TRUSTED]
    signed = (c for c in checks if c.reason is None or c.reason.key != "card.bad_signature")
    return next(signed, checks[0])


def shown(page: Page) -> dict[str, Any]:
    page.wait_for_selector("html[data-verdict]")
    return {
        "verdict": page.get_attribute("html", "data-verdict"),
        "word": page.inner_text("#verdict-word"),
        "reason": page.inner_text("#verdict-reason"),
        "claims": page.inner_text("#claims") if page.is_visible("#claims") else "",
    }


def expected_reason(check: CardCheck, lang: Lang) -> str:
    if check.reason is None:
        return msg("verifier.valid_because").text(lang)
    if check.reason.key == "card.bad_signature":
        return msg("verifier.bad_signature").text(lang)
    if check.reason.key == "card.expired" and check.claims is not None:
        return msg("card.expired", date=day(check.claims.expires_at.date(), lang)).text(lang)
    return check.reason.text(lang)


def tampered(text: str) -> str:
    """One character of the signature changed, as a smudge or a forger would."""
    at = len(text) - 10
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]


CASES: dict[str, Callable[[], str]] = {
    "valid": lambda: card_text(CARD_KEY),
    "valid, signed by a retired key": lambda: card_text(RETIRED),
    "tampered": lambda: tampered(card_text(CARD_KEY)),
    "expired": lambda: card_text(CARD_KEY, expires=NOW - timedelta(days=1)),
    "another issuer's key": lambda: card_text(STRANGER),
    "issued in the future": lambda: card_text(CARD_KEY, issued=NOW + timedelta(days=2)),
    "garbage": lambda: "%%% not a card at all <script>alert(1)</script>",
    "damaged": lambda: CARD_PREFIX + "GGW",
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("lang", LANGS)
def test_a_card_in_the_link_shows_the_python_verdict(
    browser: Browser, page_file: Path, case: str, lang: Lang
) -> None:
    text = CASES[case]()
    check = python_check(text)
    url = url_of(page_file, text, lang)
    with open_page(browser, url, NOW, PHONE) as (page, requests):
        seen = shown(page)
        assert seen["verdict"] == check.verdict.value.lower()
        assert seen["word"] == msg(f"verifier.verdict.{seen['verdict']}").text(lang)
        assert seen["reason"] == expected_reason(check, lang)
        if check.claims is None:
            assert seen["claims"] == ""
        else:
            assert check.claims.name in seen["claims"]
            assert check.claims.kpj in seen["claims"]
            key = CARD_KEY if "retired" not in case else RETIRED
            assert card_key_id(key.public_key()) in seen["claims"]
        assert foreign(page.inner_text("body").replace(seen["claims"], ""), lang) == set()
        assert requests.beyond(url) == []


def test_the_page_and_the_python_verifier_agree_on_cards_and_their_mutations(
    browser: Browser, page_file: Path
) -> None:
    """1,000 cards of every kind and 8,000 single-character mutations of them, seeded."""
    rng = random.Random(20261202)
    cards = [random_card(rng) for _ in range(1000)]
    alphabet = CARD_PREFIX + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:abcxyz#é"
    mutations = []
    for _ in range(8000):
        text = rng.choice(cards)
        at = rng.randrange(len(text))
        mutations.append(text[:at] + rng.choice(alphabet.replace(text[at], "")) + text[at + 1 :])
    texts = cards + mutations
    now = int(NOW.timestamp())
    with open_page(browser, url_of(page_file), NOW) as (page, requests):
        verdicts = page.evaluate(
            "([texts, now]) => texts.map((text) => window.cardVerifier.verify(text, now))",
            [texts, now],
        )
        assert requests.beyond(url_of(page_file)) == []
    kinds: set[tuple[str, str | None]] = set()
    for text, theirs in zip(texts, verdicts, strict=True):
        ours = python_check(text)
        reason = None if ours.reason is None else ours.reason.key
        assert (theirs["verdict"], theirs["reason"]) == (ours.verdict.value, reason), text
        if ours.reason is not None:
            assert theirs["params"] == dict(ours.reason.params), text
        assert ("claims" in theirs) == (ours.claims is not None)
        if ours.claims is not None:
            assert theirs["claims"] == claims_json(ours.claims), text
        kinds.add((ours.verdict.value, reason))
    # The test reached every verdict and the reasons a single character can cause.
    assert kinds >= {
        ("VALID", None),
        ("EXPIRED", "card.expired"),
        ("INVALID", "card.future"),
        ("INVALID", "card.bad_signature"),
        ("INVALID", "card.damaged"),
        ("INVALID", "card.not_signed"),
        ("INVALID", "card.not_a_card"),
        ("INVALID", "card.unsupported_algorithm"),
    }


def random_card(rng: random.Random) -> str:
    issued = NOW - timedelta(days=rng.randint(-30, 900), seconds=rng.randint(0, 86399))
    claims = CardClaims(
        issuer=ISSUER,
        issued_at=issued,
        expires_at=issued + timedelta(days=rng.randint(1, 1500)),
        kpj=str(rng.randint(0, 10**11 - 1)).zfill(11),
        name=rng.choice(NAMES),
        status=rng.choice(list(MembershipStatus)),
        programs=frozenset(p for p in Program if rng.random() < 0.5),
    )
    return CardSigner(rng.choice((CARD_KEY, RETIRED, STRANGER))).sign(claims)


def claims_json(claims: CardClaims) -> dict[str, object]:
    return {
        "issuer": claims.issuer,
        "issuedAt": int(claims.issued_at.timestamp()),
        "expiresAt": int(claims.expires_at.timestamp()),
        "kpj": claims.kpj,
        "name": claims.name,
        "status": claims.status.value,
        "programs": [program.value for program in Program if program in claims.programs],
    }


def test_pasted_text_and_a_photo_of_a_slip_are_checked_too(
    browser: Browser, page_file: Path, tmp_path: Path
) -> None:
    paper, card = printed_slip(tmp_path / "kiosk")
    photo = tmp_path / "slip.jpg"
    photographed(around_qr(paper), seed=1, turn=-3).save(photo, quality=85)
    blank = tmp_path / "blank.png"
    photographed(paper.crop((0, 0, paper.width, 40)), seed=2).save(blank)
    url = url_of(page_file)
    with open_page(browser, url, NOW) as (page, requests):
        page.click("button[type=submit]")
        assert page.inner_text("#notice") == msg("verifier.paste.empty").text("id")
        page.click("#camera-button")  # no camera here, and no permission to ask for one
        page.wait_for_function(
            "(text) => document.getElementById('notice').textContent === text",
            arg=msg("verifier.camera.refused").text("id"),
        )
        assert page.is_hidden("#video")
        page.fill("#pasted", "  " + card_text(STRANGER) + "\n")
        page.click("button[type=submit]")
        assert shown(page)["verdict"] == "invalid"
        assert page.inner_text("#notice") == "", "the camera's sentence is not about this card"
        page.set_input_files("#photo", str(blank))
        page.wait_for_function(
            "(text) => document.getElementById('notice').textContent === text",
            arg=msg("verifier.photo.no_qr").text("id"),
        )
        page.set_input_files("#photo", str(photo))
        page.wait_for_selector("html[data-verdict=valid]")
        assert python_check(card).claims is not None
        assert "Kartu ini asli" in shown(page)["reason"]
        page.click("#clear")
        assert page.get_attribute("html", "data-verdict") is None
        page.click("#language")
        assert page.inner_text("h1") == msg("verifier.title").text("en")
        assert requests.beyond(url) == []


def test_a_name_is_shown_as_text_never_as_markup(browser: Browser, page_file: Path) -> None:
    name = '</script><img src=x onerror="document.title=1">&amp;'
    text = card_text(CARD_KEY, name=name)
    url = url_of(page_file, text)
    with open_page(browser, url, NOW) as (page, requests):
        assert name in shown(page)["claims"]
        assert page.query_selector("img") is None
        assert requests.beyond(url) == []


def test_the_policy_forbids_every_request_even_one_the_page_tried(
    browser: Browser, page_file: Path
) -> None:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with open_page(browser, url_of(page_file), NOW) as (page, requests):
            fetched = page.evaluate(
                "(url) => fetch(url).then(() => 'fetched', () => 'refused')", target
            )
            page.evaluate(
                "(url) => { const i = new Image(); i.src = url; document.body.append(i); }", target
            )
            page.evaluate("(url) => navigator.sendBeacon(url, 'x')", target)
            assert fetched == "refused"
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []
    assert all(url.startswith(target) for url in requests.beyond(url_of(page_file)))


def test_the_page_trusts_the_keys_it_was_given_and_only_them() -> None:
    page = render_page([CARD_KEY.public_key(), RETIRED.public_key(), CARD_KEY.public_key()])
    start = page.index('id="verifier-config">') + len('id="verifier-config">')
    config = json.loads(page[start : page.index("</script>", start)])
    ids = [key["id"] for key in config["keys"]]
    assert ids == [card_key_id(CARD_KEY.public_key()), card_key_id(RETIRED.public_key())]
    assert set(config["messages"]) == set(LANGS)
    for lang in LANGS:
        for key, text in config["messages"][lang].items():
            assert catalogue()[key][lang] == text
    template = data_path(TEMPLATE).read_text(encoding="utf-8")
    assert template.count(CONFIG_MARK) == 1
    assert "default-src 'none'" in template
    with pytest.raises(ValueError, match="at least one"):
        render_page([])


def test_review_screenshots_of_each_verdict_at_a_phone_and_a_desktop_width(
    browser: Browser, tmp_path: Path
) -> None:
    written = write_screenshots(browser, tmp_path)
    assert len(written) == 3 * 2
    for path in written:
        with Image.open(path) as image:
            width = PHONE["width"] if "phone" in path.name else DESKTOP["width"]
            assert image.width == width
            greys = image.convert("L").getcolors(256) or []
            assert len(greys) > 8, f"{path.name} is blank"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), environ={})
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_writes_the_page_for_a_feed_and_its_retired_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed, page = tmp_path / "feed", tmp_path / "verifier.html"
    assert run(capsys, "central", "init", "--dir", str(feed))[0] == 0
    current = load_card_public_key(FeedLayout(feed).card_public_key)
    retired = tmp_path / "retired.pem"
    retired.write_bytes(
        RETIRED.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    args = ("central", "verifier", "--dir", str(feed), "--out", str(page))
    code, out, _ = run(capsys, *args, "--also-trust", str(retired), "--json")
    assert code == 0
    ids = [card_key_id(current), card_key_id(RETIRED.public_key())]
    assert json.loads(out) == {"page": str(page), "key_ids": ids}
    written = page.read_text(encoding="utf-8")
    assert written == render_page([current, RETIRED.public_key()])

    # Each failure is one sentence, and the page already written stays as it was.
    not_a_key = tmp_path / "not-a-key.pem"
    not_a_key.write_text("hello")
    failures = {
        ("--also-trust", str(tmp_path / "missing.pem")): "card.key.missing",
        ("--also-trust", str(not_a_key)): "card.key.not_public",
    }
    for extra, key in failures.items():
        code, _, err = run(capsys, *args, *extra)
        assert (code, err.count("\n"), "Traceback" in err) == (1, 1, False), err
        assert msg(key, path=Path(extra[1])).text("en") in err
        assert page.read_text(encoding="utf-8") == written
    elsewhere = tmp_path / "no-such-dir" / "verifier.html"
    code, _, err = run(capsys, "central", "verifier", "--dir", str(feed), "--out", str(elsewhere))
    assert code != 0
    assert err.count("\n") == 1
    assert msg("verifier.out_dir_missing", path=elsewhere.parent).text("en") in err
    assert not elsewhere.parent.exists()


def test_the_page_works_from_a_static_host_as_from_disk(browser: Browser, page_file: Path) -> None:
    """Any web server will do: the page needs nothing from it but itself."""
    served: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(page_file.parent), **kwargs)

        def log_message(self, format: str, *args: object) -> None:
            served.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    text = card_text(CARD_KEY)
    url = f"http://127.0.0.1:{server.server_address[1]}/{page_file.name}#{urllib.parse.quote(text)}"
    try:
        with open_page(browser, url, NOW, PHONE) as (page, requests):
            assert shown(page)["verdict"] == "valid"
            assert requests.beyond(url) == []
    finally:
        server.shutdown()
        server.server_close()
    assert served == [f"/{page_file.name}"]
