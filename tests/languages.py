"""Which words belong to one language only: a word of the other on a screen is a mixed-in text."""

import re
from functools import cache

from kiosk.i18n import LANGS, Lang, catalogue

WORD = re.compile(r"(?<!\d)[^\W\d_]{3,}(?!\d)")
"""Letters between digits are no word: a key id such as ``62d5ada1`` is hex, whatever it spells."""
CODE = re.compile(r"`[^`]*`|\{[^}]*\}|(?<!\w)--?[a-z][\w-]*|\S+\.(?:toml|db|json|service)\b|/\S+")
"""Commands, options, parameters, paths: the same in both languages, so no one's words."""
PROPER_NAMES = frozenset({"indonesia", "english", "bahasa"})
"""Names of the languages themselves, which each language's texts use as they are."""


@cache
def words(lang: Lang) -> frozenset[str]:
    found: set[str] = set()
    for texts in catalogue().values():
        prose = CODE.sub(" ", texts[lang])
        found.update(word.lower() for word in WORD.findall(prose))
    return frozenset(found)


def foreign(text: str, lang: Lang) -> set[str]:
    """Words of ``text`` that only the other language's catalogue uses."""
    (other,) = (each for each in LANGS if each != lang)
    only_there = words(other) - words(lang) - PROPER_NAMES
    return {word for word in WORD.findall(CODE.sub(" ", text)) if word.lower() in only_there}
