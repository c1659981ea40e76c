"""The printed slip: what it says in each language, that it fits the paper, and how it looks.

The slips come from real members of a real cache (``tests.kiosk_ui``), verified as
the screens verify them, and are read back from the ESC/POS bytes the printer gets.
"""

import dataclasses
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from kiosk.card import CardVerdict
from kiosk.config import PAPERS, Paper
from kiosk.i18n import LANGS, Lang, msg
from kiosk.printer import slip_bytes
from kiosk.serving import MemberView
from kiosk.slip import UNSPELLABLE, Code, Line, make_slip, printable
from tests.conftest import new_key
from tests.kiosk_ui import KIOSK_ID, NOW, Kiosk, build_kiosk, local_time_is_wib
from tests.slip_paper import print_out, snapshot_path

wib = contextmanager(local_time_is_wib)
SNAPSHOT_CASES: dict[int, tuple[str, Lang]] = {58: ("arrears", "id"), 80: ("job_changer", "en")}
"""The member and language of each reviewed picture: one KPJ in Indonesian, three in English."""


@pytest.fixture(scope="module")
def kiosk() -> Iterator[Kiosk]:
    with tempfile.TemporaryDirectory() as directory, wib():
        yield build_kiosk(Path(directory), new_key())


@pytest.fixture(autouse=True)
def _wib() -> Iterator[None]:
    """The slip's dates are the kiosk's local time: WIB, whatever this machine's zone."""
    with wib():
        yield


def view_of(kiosk: Kiosk, case: str) -> MemberView:
    person = kiosk.people[case]
    view = kiosk.service().verify(person.nik, person.mother)
    assert isinstance(view, MemberView)
    return view


def slip_text(view: MemberView, lang: Lang, paper: Paper = PAPERS[58]) -> str:
    slip = make_slip(view, lang, paper, card=None, printed_at=NOW, kiosk_id=KIOSK_ID)
    return slip.text


@pytest.mark.parametrize("lang", LANGS)
def test_the_slip_says_what_the_status_screen_says_in_the_members_language(
    kiosk: Kiosk, lang: Lang
) -> None:
    view = view_of(kiosk, "job_changer")
    printed = print_out(slip_bytes(make_slip(
        view, lang, PAPERS[80], card=None, printed_at=NOW, kiosk_id=KIOSK_ID
    ), 80), PAPERS[80])  # fmt: skip
    text = " ".join(printed.text.split())
    assert "BPJS Ketenagakerjaan" in printed.bold
    assert view.name in printed.bold
    assert f"NIK {view.standing.masked_nik.replace('•', '*')}" in printed.lines
    for standing in view.standing.memberships:
        assert f"KPJ {standing.membership.kpj}" in printed.bold
    active, inactive = (msg(f"ui.status.{key}").text(lang) for key in ("active", "inactive"))
    assert text.count(active) == 1
    assert text.count(inactive) == 2
    said = {"id": ("Iuran: lunas sampai Oktober 2026.", "21 November 2026 10.00", "175")}
    said["en"] = ("Contributions: paid up to October 2026.", "21 November 2026 10:00", "175")
    for words in said[lang]:
        assert words in text
    other: Lang = "en" if lang == "id" else "id"
    for key in ("ui.status.active", "ui.status.inactive", "status.advice.contact"):
        assert " ".join(msg(key).text(other).split()) not in text


def test_no_full_nik_anywhere_in_what_the_printer_gets(kiosk: Kiosk) -> None:
    for case, person in kiosk.people.items():
        view = view_of(kiosk, case)
        for lang in LANGS:
            for paper_mm, paper in PAPERS.items():
                slip = make_slip(view, lang, paper, card=None, printed_at=NOW, kiosk_id=KIOSK_ID)
                data = slip_bytes(slip, paper_mm)
                assert person.nik.encode() not in data
                assert person.nik[4:12].encode() not in data
                assert person.mother.encode() not in data


@pytest.mark.parametrize("paper_mm", sorted(PAPERS))
def test_every_members_slip_fits_its_paper(kiosk: Kiosk, paper_mm: int) -> None:
    """The test printer refuses a line longer than the paper's columns, or a wide image."""
    paper = PAPERS[paper_mm]
    for case in kiosk.people:
        view = view_of(kiosk, case)
        for lang in LANGS:
            slip = make_slip(view, lang, paper, card=None, printed_at=NOW, kiosk_id=KIOSK_ID)
            assert all(
                len(part.text) <= paper.columns for part in slip.parts if isinstance(part, Line)
            )
            printed = print_out(slip_bytes(slip, paper_mm), paper)
            assert len(printed.rasters) == 1
            assert printed.rasters[0].width == paper.dots


@pytest.mark.parametrize(
    ("written", "printed"),
    [
        ("Nur'aini", "Nur'aini"),
        ("Nur’aini", "Nur'aini"),
        ("ÉLODIE Zoë", "ELODIE Zoe"),
        ("Siti Ḥasanah", "Siti Hasanah"),
        ("Straße", "Strasse"),
        ("Łukasz Øster", "Lukasz Oster"),
        ("ﬁtri", "fitri"),
        ("Ａｇｕｓ", "Agus"),
        ("Budi\u00a0Santoso", "Budi Santoso"),
        ("PT “Maju” – Jaya", 'PT "Maju" - Jaya'),
        ("王 Wei", f"{UNSPELLABLE} Wei"),
        ("3201••••••••0001", "3201********0001"),
    ],
)
def test_text_the_printer_cannot_encode_is_spelled_in_ascii(written: str, printed: str) -> None:
    assert printable(written) == printed
    assert printed.encode("ascii").decode("cp437") == printed  # the same on any code page


def test_a_name_outside_ascii_is_printed_spelled_not_as_garbage(kiosk: Kiosk) -> None:
    view = dataclasses.replace(view_of(kiosk, "active"), name="Nur’aini Éndah")
    printed = print_out(slip_bytes(make_slip(
        view, "id", PAPERS[58], card=None, printed_at=NOW, kiosk_id=KIOSK_ID
    ), 58), PAPERS[58])  # fmt: skip
    assert "Nur'aini Endah" in printed.bold


def test_the_card_printed_is_the_one_looked_at_else_the_current_one(kiosk: Kiosk) -> None:
    view = view_of(kiosk, "job_changer")
    paper = PAPERS[58]
    codes = {}
    for card in (None, 0, 1, 2):
        slip = make_slip(view, "en", paper, card=card, printed_at=NOW, kiosk_id=KIOSK_ID)
        codes[card] = [part.text for part in slip.parts if isinstance(part, Code)]
        kpj = view.cards[card or 0].kpj
        assert slip.card_kpj == kpj
        assert f"Digital card, KPJ {kpj}" in slip.text
    assert codes[None] == codes[0] == [view.cards[0].text]
    assert codes[2] == [view.cards[2].text] != codes[1]


def test_a_card_that_is_missing_or_expired_is_not_printed_and_the_slip_says_so(
    kiosk: Kiosk,
) -> None:
    view = view_of(kiosk, "active")
    missing = dataclasses.replace(view.cards[0], text="", check=None)
    assert view.cards[0].check is not None
    expired = dataclasses.replace(
        view.cards[0], check=dataclasses.replace(view.cards[0].check, verdict=CardVerdict.EXPIRED)
    )
    for card in (missing, expired):
        slip = make_slip(
            dataclasses.replace(view, cards=(card,)),
            "en",
            PAPERS[58],
            card=None,
            printed_at=NOW,
            kiosk_id=KIOSK_ID,
        )
        assert slip.card_kpj is None
        assert not any(isinstance(part, Code) for part in slip.parts)
        assert "The digital card cannot be printed" in " ".join(slip.text.split())


def rendered_snapshot(paper_mm: int) -> Image.Image:
    """The reviewed picture of :data:`SNAPSHOT_CASES`'s slip on ``paper_mm`` paper."""
    case, lang = SNAPSHOT_CASES[paper_mm]
    with tempfile.TemporaryDirectory() as directory, wib():
        kiosk = build_kiosk(Path(directory), new_key())
        view = view_of(kiosk, case)
        paper = PAPERS[paper_mm]
        slip = make_slip(view, lang, paper, card=None, printed_at=NOW, kiosk_id=KIOSK_ID)
        image = print_out(slip_bytes(slip, paper_mm), paper).image
    return image.convert("1")


@pytest.mark.parametrize("paper_mm", sorted(SNAPSHOT_CASES))
def test_the_slip_looks_as_reviewed(request: pytest.FixtureRequest, paper_mm: int) -> None:
    """``pytest tests/test_slip.py --snapshot-update`` (or ``python -m tests.slip_paper``)
    writes the pictures again; look at them before committing."""
    image = rendered_snapshot(paper_mm)
    path = snapshot_path(paper_mm)
    if request.config.getoption("--snapshot-update"):
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, optimize=True)
    with Image.open(path) as stored:
        reviewed = stored.convert("1")
    assert reviewed.size == image.size
    assert ImageChops.difference(reviewed.convert("L"), image.convert("L")).getbbox() is None
