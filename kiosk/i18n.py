"""Bilingual text: Bahasa Indonesia first, English second.

Every sentence a member, staff member or operator reads lives in
``data/messages/*.toml`` under a dotted key, with an ``id`` and an ``en`` text.
Code refers to sentences by key, so a missing translation is caught by a test
rather than on a kiosk screen.
"""

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Literal, get_args

from kiosk.resources import data_path

Lang = Literal["id", "en"]
LANGS: tuple[Lang, ...] = get_args(Lang)


@cache
def catalogue() -> Mapping[str, Mapping[Lang, str]]:
    entries: dict[str, Mapping[Lang, str]] = {}
    for path in sorted(data_path("messages").glob("*.toml")):
        with path.open("rb") as handle:
            found: dict[str, Mapping[Lang, str]] = {}
            _flatten(tomllib.load(handle), "", found)
        if clash := entries.keys() & found.keys():
            raise ValueError(f"{path.name} defines messages again: {sorted(clash)}")
        entries.update(found)
    return entries


def _flatten(node: Mapping[str, object], prefix: str, out: dict[str, Mapping[Lang, str]]) -> None:
    """Turn nested TOML tables into dotted keys; a table holding ``id`` is a sentence."""
    if "id" in node:
        texts = {lang: node[lang] for lang in LANGS if isinstance(node.get(lang), str)}
        if set(texts) != set(LANGS) or set(node) != set(LANGS):
            raise ValueError(f"message {prefix!r} must have exactly the texts {LANGS}")
        out[prefix] = texts  # type: ignore[assignment]
        return
    for key, value in node.items():
        if not isinstance(value, dict):
            raise ValueError(f"message table {prefix!r} holds a stray value {key!r}")
        _flatten(value, f"{prefix}.{key}" if prefix else key, out)


@dataclass(frozen=True)
class Message:
    """A sentence by key with its parameters, rendered when a language is chosen.

    Parameters are never personal data: messages end up in logs and exceptions.
    """

    key: str
    params: Mapping[str, object] = field(default_factory=dict)

    def text(self, lang: Lang) -> str:
        return catalogue()[self.key][lang].format(**self.params)

    def bilingual(self) -> str:
        return " / ".join(self.text(lang) for lang in LANGS)

    def as_dict(self) -> dict[str, str]:
        return {"code": self.key, **{lang: self.text(lang) for lang in LANGS}}


def msg(key: str, /, **params: object) -> Message:
    return Message(key, params)
