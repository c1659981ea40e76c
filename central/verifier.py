"""The offline verifier page: one HTML file that checks cards against the trusted card keys.

``verifier/`` builds the page from its sources into ``data/verifier.html``, a
template; this module fills in what a feed decides (which card keys to trust)
and the wording, taken from the message catalogue like every other sentence.
The page itself is ``verifier/src``: it makes no network request, and its CSP
says so to the browser.
"""

import base64
import json
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.card import card_key_bytes, card_key_id
from kiosk.errors import InvalidInputError
from kiosk.files import write_atomic
from kiosk.i18n import LANGS, catalogue, msg
from kiosk.resources import data_path

TEMPLATE = "verifier.html"
CONFIG_MARK = "@CONFIG@"
PAGE_MESSAGES = ("verifier.", "card.label.", "program.")
"""Prefixes of the sentences the page shows, beside :data:`PAGE_REASONS`."""
PAGE_REASONS = (
    "card.not_a_card",
    "card.damaged",
    "card.not_signed",
    "card.unsupported_algorithm",
    "card.malformed",
    "card.future",
    "card.expired",
    "ui.status.active",
    "ui.status.inactive",
)


def page_config(keys: Sequence[Ed25519PublicKey]) -> dict[str, object]:
    """What the page is told: the keys it trusts, by key id, and its sentences per language."""
    sentences = {
        key: texts
        for key, texts in catalogue().items()
        if key in PAGE_REASONS or key.startswith(PAGE_MESSAGES)
    }
    unique = {card_key_id(key): key for key in keys}
    return {
        "keys": [
            {"id": key_id, "key": _base64(card_key_bytes(key))} for key_id, key in unique.items()
        ],
        "messages": {
            lang: {key: texts[lang] for key, texts in sentences.items()} for lang in LANGS
        },
    }


def render_page(keys: Sequence[Ed25519PublicKey]) -> str:
    if not keys:
        raise ValueError("a verifier trusts at least one card key")
    template = data_path(TEMPLATE).read_text(encoding="utf-8")
    if template.count(CONFIG_MARK) != 1:
        raise ValueError(f"{TEMPLATE} is not the verifier template")
    # Inside <script>, "<", ">" and "&" as escapes: a name can never close the element.
    config = json.dumps(page_config(keys), ensure_ascii=False, separators=(",", ":"))
    for char in "<>&":
        config = config.replace(char, f"\\u{ord(char):04x}")
    return template.replace(CONFIG_MARK, config)


def write_page(path: Path, keys: Sequence[Ed25519PublicKey]) -> None:
    """Written whole or not at all: a half-written page would refuse every card."""
    page = render_page(keys).encode()
    if not path.parent.is_dir():
        raise InvalidInputError(msg("verifier.out_dir_missing", path=path.parent))
    try:
        write_atomic(path, page, 0o644)
    except OSError as error:
        raise InvalidInputError(
            msg("verifier.out_unwritable", path=path, reason=error.strerror)
        ) from None


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
