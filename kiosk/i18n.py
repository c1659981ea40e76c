"""Bilingual text: Bahasa Indonesia first, English second.

Every sentence a member, staff member or operator reads lives in
``data/messages/*.toml`` under a dotted key, with an ``id`` and an ``en`` text.
Code refers to sentences by key, so a missing translation is caught by a test
rather than on a kiosk screen.

A sentence about a number of things names it ``{count}``. Indonesian does not
inflect ("1 detik", "5 detik"); English does, so such a sentence may also carry
``one.en``, its text for a count of exactly 1 ("1 second", not "1 seconds").
"""

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Literal, Protocol, get_args, runtime_checkable

from kiosk.resources import data_path

Lang = Literal["id", "en"]
LANGS: tuple[Lang, ...] = get_args(Lang)
LANG_NAMES: Mapping[Lang, str] = {"id": "Bahasa Indonesia", "en": "English"}
"""Each language by its own name, as a member looks for it."""
ONE = "one"
"""A sentence's table of texts for a ``count`` of exactly 1, in the languages that differ."""


@dataclass(frozen=True)
class Entry:
    texts: Mapping[Lang, str]
    one: Mapping[Lang, str] = field(default_factory=dict)


@cache
def entries() -> Mapping[str, Entry]:
    found: dict[str, Entry] = {}
    for path in sorted(data_path("messages").glob("*.toml")):
        with path.open("rb") as handle:
            here: dict[str, Entry] = {}
            _flatten(tomllib.load(handle), "", here)
        if clash := found.keys() & here.keys():
            raise ValueError(f"{path.name} defines messages again: {sorted(clash)}")
        found.update(here)
    return found


@cache
def catalogue() -> Mapping[str, Mapping[Lang, str]]:
    """Every sentence by key, in every language (for a count other than 1)."""
    return {key: entry.texts for key, entry in entries().items()}


def _flatten(node: Mapping[str, object], prefix: str, out: dict[str, Entry]) -> None:
    """Turn nested TOML tables into dotted keys; a table holding ``id`` is a sentence."""
    if "id" in node:
        one = node.get(ONE, {})
        extra = set(node) - {*LANGS, ONE}
        if extra or not isinstance(one, dict) or set(one) - set(LANGS) or (ONE in node and not one):
            raise ValueError(f"message {prefix!r} must have exactly the texts {LANGS}")
        singular = _texts(one, prefix, tuple(lang for lang in LANGS if lang in one))
        out[prefix] = Entry(_texts(node, prefix, LANGS), singular)
        return
    for key, value in node.items():
        if not isinstance(value, dict):
            raise ValueError(f"message table {prefix!r} holds a stray value {key!r}")
        _flatten(value, f"{prefix}.{key}" if prefix else key, out)


def _texts(table: Mapping[str, object], prefix: str, langs: tuple[Lang, ...]) -> dict[Lang, str]:
    """The texts of ``langs``, each a string: the keys were checked by :func:`_flatten`."""
    texts = {lang: text for lang in langs if isinstance(text := table.get(lang), str)}
    if len(texts) != len(langs):
        raise ValueError(f"message {prefix!r} must have exactly the texts {LANGS}")
    return texts


@runtime_checkable
class Worded(Protocol):
    """A value written differently in each language: a sentence, a size (2,5 MiB / 2.5 MiB)."""

    def text(self, lang: Lang) -> str: ...


@dataclass(frozen=True)
class Message:
    """A sentence by key with its parameters, rendered when a language is chosen.

    Parameters are never personal data: messages end up in logs and exceptions.
    """

    key: str
    params: Mapping[str, object] = field(default_factory=dict)

    def text(self, lang: Lang) -> str:
        """A parameter that is itself worded per language (a :class:`Message`, a size) is
        said in the same language."""
        entry = entries()[self.key]
        one = entry.one.get(lang) if self.params.get("count") == 1 else None
        params = {k: v.text(lang) if isinstance(v, Worded) else v for k, v in self.params.items()}
        return (one or entry.texts[lang]).format(**params)

    def bilingual(self) -> str:
        return " / ".join(self.text(lang) for lang in LANGS)

    def as_dict(self) -> dict[str, str]:
        return {"code": self.key, **{lang: self.text(lang) for lang in LANGS}}


def msg(key: str, /, **params: object) -> Message:
    return Message(key, params)


THOUSANDS: Mapping[Lang, str] = {"id": ".", "en": ","}
"""What each language writes between thousands: 5.000 and 5,000."""


DECIMAL: Mapping[Lang, str] = {"id": ",", "en": "."}
"""What each language writes before decimals: 2,5 and 2.5."""


def format_count(number: int, lang: Lang) -> str:
    return f"{number:,}".replace(",", THOUSANDS[lang])


def format_decimal(number: float, digits: int, lang: Lang) -> str:
    """``2,5`` / ``2.5``; thousands grouped as :func:`format_count` groups them."""
    whole, _, fraction = f"{number:,.{digits}f}".partition(".")
    grouped = whole.replace(",", THOUSANDS[lang])
    return f"{grouped}{DECIMAL[lang]}{fraction}" if fraction else grouped
