"""The staff PIN: only a slow, salted hash of it is kept (scrypt, from ``cryptography``).

A PIN has at most 10^12 values, so its hash must be expensive to test: scrypt
with n=2^15 costs about 0.1 s and 32 MiB per guess, and the prompt locks after
a few wrong ones (:mod:`kiosk.guard`).
"""

import base64
import itertools
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from kiosk.errors import InvalidInputError
from kiosk.i18n import msg

PIN_SETTING = "staff_pin"
MIN_PIN = 6
MAX_PIN = 12
_SALT_BYTES = 16
_HASH_BYTES = 32


@dataclass(frozen=True)
class ScryptCost:
    """scrypt's work factors: ``n`` (CPU and memory), ``r`` (block size), ``p`` (parallelism)."""

    n: int
    r: int
    p: int


PIN_COST = ScryptCost(n=2**15, r=8, p=1)
"""What every new PIN hash costs. Each stored hash records its own n, r and p, so a
hash made at another cost (a test's cheap one, or an older default) still verifies."""


def check_new_pin(pin: str) -> str:
    """The PIN as typed if it may be one; a sequence as easy as 123456 is refused too."""
    if not (pin.isascii() and pin.isdigit()) or not MIN_PIN <= len(pin) <= MAX_PIN:
        raise InvalidInputError(msg("staff.pin_rules", least=MIN_PIN, most=MAX_PIN))
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    if len(steps) == 1 and steps <= {-1, 0, 1}:
        raise InvalidInputError(msg("staff.pin_too_simple"))
    return pin


def hash_pin(pin: str, cost: ScryptCost | None = None) -> str:
    """``scrypt$n$r$p$salt$digest``; ``cost`` is :data:`PIN_COST` unless given."""
    chosen = PIN_COST if cost is None else cost
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _kdf(salt, chosen.n, chosen.r, chosen.p).derive(pin.encode("ascii"))
    fields = ("scrypt", str(chosen.n), str(chosen.r), str(chosen.p), _b64(salt), _b64(digest))
    return "$".join(fields)


def pin_matches(pin: str, stored: str) -> bool:
    """False for a wrong PIN and for a stored value that is not ours: never an exception."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest, validate=True)
        kdf = _kdf(base64.b64decode(salt, validate=True), int(n), int(r), int(p))
        candidate = pin.encode("ascii")
    except (ValueError, UnicodeEncodeError):
        return False
    try:
        kdf.verify(candidate, expected)
    except InvalidKey:
        return False
    return True


def _kdf(salt: bytes, n: int, r: int, p: int) -> Scrypt:
    return Scrypt(salt=salt, length=_HASH_BYTES, n=n, r=r, p=p)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
