"""``kiosk card verify``: check a digital card from its text or a picture of its QR code.

Needs only the card public key, no kiosk configuration: staff, auditors and
employers can run it anywhere.
"""

import argparse
from pathlib import Path
from typing import Any

from kiosk.card import (
    CardCheck,
    CardClaims,
    CardVerdict,
    load_card_public_key,
    read_card_image,
    verify_card,
)
from kiosk.cli import Invocation, Subparsers, add_command, add_group, print_json
from kiosk.errors import ExpiredError, InvalidInputError, RejectedError
from kiosk.i18n import LANGS, msg
from kiosk.member import Program

_EXIT_CODES = {
    CardVerdict.VALID: 0,
    CardVerdict.INVALID: RejectedError.exit_code,
    CardVerdict.EXPIRED: ExpiredError.exit_code,
}


def register(subparsers: Subparsers) -> None:
    commands = add_group(
        subparsers, "card", "digital membership cards", "Check digital membership cards."
    )
    verify = add_command(
        commands,
        "verify",
        _verify,
        "check a digital card's signature and expiry, from its text or a picture of its QR code",
    )
    verify.add_argument(
        "text", nargs="?", metavar="TEXT", help="the card text, starting BK1: (quote it)"
    )
    verify.add_argument(
        "--image", type=Path, metavar="PATH", help="a picture of the card's QR code"
    )
    verify.add_argument(
        "--key", type=Path, required=True, metavar="PATH", help="the card public key (PEM)"
    )


def _verify(run: Invocation) -> int:
    args: argparse.Namespace = run.args
    if (args.text is None) == (args.image is None):
        raise InvalidInputError(msg("card.cli.one_source"))
    public_key = load_card_public_key(args.key)
    text = args.text if args.image is None else read_card_image(args.image)
    check = verify_card(text, public_key, run.clock())
    if args.json:
        print_json(
            {
                "verdict": check.verdict.value,
                "reason": None if check.reason is None else check.reason.as_dict(),
                "claims": None if check.claims is None else _claims_json(check.claims),
            }
        )
    else:
        _print_human(check)
    return _EXIT_CODES[check.verdict]


def _programs(claims: CardClaims) -> list[str]:
    """In the order BPJS Ketenagakerjaan lists them, not set order."""
    return [program.value for program in Program if program in claims.programs]


def _claims_json(claims: CardClaims) -> dict[str, Any]:
    return {
        "issuer": claims.issuer,
        "kpj": claims.kpj,
        "name": claims.name,
        "status": claims.status.value,
        "programs": _programs(claims),
        "issued_at": claims.issued_at.isoformat(),
        "expires_at": claims.expires_at.isoformat(),
    }


def _print_human(check: CardCheck) -> None:
    claims = check.claims
    if claims is not None:
        rows = [
            ("issuer", claims.issuer),
            ("kpj", claims.kpj),
            ("name", claims.name),
            ("status", claims.status.value),
            ("programs", " ".join(_programs(claims))),
            ("issued", claims.issued_at.isoformat()),
            ("expires", claims.expires_at.isoformat()),
        ]
        labels = [_label(key) for key, _ in rows]
        width = max(map(len, labels))
        for label, (_, value) in zip(labels, rows, strict=True):
            print(f"{label:<{width}}  {value}")
    if check.reason is None:
        print(check.verdict.value)
    else:
        print(f"{check.verdict.value}: {check.reason.bilingual()}")


def _label(key: str) -> str:
    """Bilingual, but a word both languages share (KPJ, Status) is shown once."""
    label = msg(f"card.label.{key}")
    return " / ".join(dict.fromkeys(label.text(lang) for lang in LANGS))
