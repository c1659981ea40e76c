"""The message catalogue: every sentence in both languages, every key the code uses present."""

import ast
import re
import string
from pathlib import Path

import pytest

from central.verifier import page_config
from kiosk.i18n import LANGS, Message, catalogue, entries, format_decimal, msg
from kiosk.sizes import Size, format_size
from tests.kiosk_ui import CARD_KEY

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    path
    for room in ("kiosk", "screens", "central", "devtools")
    for path in (ROOT / room).rglob("*.py")
)
LITERAL_KEY = re.compile(r"""(?:\bmsg|\.t)\(\s*["']([a-z0-9_.]+)["']""")
"""``msg("key", ...)``, and a screen's ``self.t("key", ...)``, which passes it on."""
ANY_KEY_TEXT = re.compile(r"""["']([a-z0-9_]+(?:\.[a-z0-9_{}.]+)+)["']""")


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


PAGE_SOURCES = sorted((ROOT / "verifier" / "src").glob("*.[jh]*"))
"""The verifier page's script and markup: its sentences come from this catalogue too."""
PAGE_KEY = re.compile(r"""(?:\bt\(\s*|data-text=)["']([a-z0-9_.]+)["']""")
PAGE_KEY_PREFIX = re.compile(r"`([a-z0-9_]+(?:\.[a-z0-9_]+)*\.)\$\{")
"""A key the page builds: `verifier.verdict.${verdict}`."""


def code() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in SOURCES + PAGE_SOURCES)


SAME_IN_BOTH = frozenset({"ui.legend.jht"})
"""Texts that are the same in both languages: a key and a programme's name ("J JHT")."""


def test_every_sentence_has_both_languages_with_the_same_parameters() -> None:
    entries = catalogue()
    assert len(entries) > 20
    for key, texts in entries.items():
        assert set(texts) == set(LANGS), key
        assert all(texts[lang].strip() for lang in LANGS), key
        assert fields(texts["id"]) == fields(texts["en"]), key
        if " " in texts["en"] and key not in SAME_IN_BOTH:
            assert texts["id"] != texts["en"], f"{key} is not translated"


def test_a_sentence_for_one_thing_says_it_in_the_singular() -> None:
    """English has "1 second", Indonesian "1 detik" as "5 detik": only English differs."""
    singular = {key: entry.one for key, entry in entries().items() if entry.one}
    assert "ui.idle.countdown" in singular
    for key, one in singular.items():
        assert set(one) == {"en"}, key
        assert fields(one["en"]) == fields(catalogue()[key]["en"]) >= {"count"}, key
    countdown = "ui.idle.countdown"
    assert msg(countdown, count=1).text("en").endswith(" in 1 second.")
    assert msg(countdown, count=2).text("en").endswith(" in 2 seconds.")
    assert msg(countdown, count=0).text("en").endswith(" in 0 seconds.")
    assert msg(countdown, count=1).text("id").endswith(" dalam 1 detik.")
    assert "Wait 1 second," in msg("ui.limits.wait", count=1).text("en")
    counts = {
        "problems": msg("doctor.count.problems", count=1),
        "warnings": msg("doctor.count.warnings", count=2),
    }
    summary = msg("doctor.summary.problems", **counts)
    assert summary.text("en") == "1 problem and 2 warnings: this kiosk needs fixing."
    assert summary.text("id") == "1 masalah dan 2 peringatan: kiosk ini perlu diperbaiki."


def test_every_key_the_code_names_exists() -> None:
    used = set(LITERAL_KEY.findall(code()))
    assert used, "the scan found no message keys"
    assert sorted(used - catalogue().keys()) == []


def test_every_key_the_verifier_page_names_is_sent_to_it() -> None:
    page = "\n".join(path.read_text(encoding="utf-8") for path in PAGE_SOURCES)
    used = set(PAGE_KEY.findall(page))
    assert "verifier.title" in used, "the scan found no page keys"
    sent = page_config([CARD_KEY.public_key()])["messages"]
    assert isinstance(sent, dict)
    assert sorted(used - sent["en"].keys()) == []
    for prefix in PAGE_KEY_PREFIX.findall(page):
        assert any(key.startswith(prefix) for key in sent["en"]), prefix


def test_every_sentence_is_used() -> None:
    """A key is used when the code names it, or builds it from a prefix it names."""
    text = code()
    mentioned = set(ANY_KEY_TEXT.findall(text))
    prefixes = {m.split("{", 1)[0] for m in mentioned if "{" in m} | set(
        PAGE_KEY_PREFIX.findall(text)
    )
    unused = [
        key
        for key in catalogue()
        if key not in mentioned and not any(key.startswith(prefix) for prefix in prefixes)
    ]
    assert unused == []


def test_message_renders_parameters_in_each_language() -> None:
    message = msg("cache.missing", path="/var/lib/kiosk/x.db")
    assert "/var/lib/kiosk/x.db" in message.text("id")
    assert message.bilingual() == f"{message.text('id')} / {message.text('en')}"
    assert message.as_dict()["code"] == "cache.missing"


def test_unknown_key_fails_loudly() -> None:
    with pytest.raises(KeyError):
        Message("no.such.key").text("en")


def _says(func: ast.expr) -> bool:
    """``msg(...)``, or a screen's or the App's ``t(...)`` that hands its arguments to it."""
    if isinstance(func, ast.Name):
        return func.id == "msg"
    return isinstance(func, ast.Attribute) and func.attr == "t"


def test_every_call_passes_exactly_the_parameters_its_sentence_names() -> None:
    """A missing one is a KeyError when the sentence is shown: a traceback instead of help."""
    checked = 0
    wrong: list[str] = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and _says(node.func)
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                continue
            if any(keyword.arg is None for keyword in node.keywords):
                continue  # msg(key, **params): checked where params is built
            key = node.args[0].value
            passed = {keyword.arg for keyword in node.keywords if keyword.arg}
            needed = fields(catalogue()[key]["en"])
            checked += 1
            if passed != needed:
                wrong.append(f"{path.name}:{node.lineno} {key}: passes {passed}, needs {needed}")
    assert checked > 100, "the scan found too few calls"
    assert wrong == []


def test_sizes_and_decimals_are_written_as_each_language_writes_them() -> None:
    assert [format_size(n, "id") for n in (512, 28 * 1024, 5 << 19)] == [
        "512 B",
        "28,0 KiB",
        "2,5 MiB",
    ]
    assert [format_size(n, "en") for n in (512, 28 * 1024, 5 << 19)] == [
        "512 B",
        "28.0 KiB",
        "2.5 MiB",
    ]
    assert (
        msg("doctor.disk.ok", directory="/d", free=Size(5 << 19), size=Size(1024))
        .text("id")
        .count(",")
        >= 2
    )
    assert format_decimal(12345.67, 1, "id") == "12.345,7"
    assert format_decimal(12345.67, 1, "en") == "12,345.7"
