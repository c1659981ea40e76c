"""How one member record becomes one row: a blind index and one AEAD ciphertext.

The row key is a keyed hash of the NIK, so the file never holds a NIK. The
associated data binds each ciphertext to its row key, the key it was sealed
with and the record layout, so a ciphertext moved to another row, or read with
another key, fails to open instead of showing another member's data.
"""

import hmac
import json
import os
import struct
import unicodedata
from datetime import date, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.errors import CacheCorruptError
from kiosk.i18n import msg
from kiosk.keys import Subkeys
from kiosk.member import Member, MembershipStatus, Period, Program, Segment

RECORD_VERSION = 1
"""Layout of the sealed plaintext; part of the associated data of every record."""
INDEX_BYTES = 16
NONCE_BYTES = 12


class RecordSealer:
    def __init__(self, keys: Subkeys) -> None:
        self._aead = AESGCM(keys.record)
        self._index_key = keys.index
        self._aad_prefix = (
            b"member" + struct.pack(">H", RECORD_VERSION) + bytes.fromhex(keys.key_id)
        )

    def blind_index(self, nik: str) -> bytes:
        """Expects the normalised 16-digit NIK: the same number always finds the same row."""
        return hmac.digest(self._index_key, nik.encode("ascii"), "sha256")[:INDEX_BYTES]

    def seal(self, index: bytes, member: Member) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, encode_member(member), self._aad_prefix + index)

    def open(self, index: bytes, sealed: bytes) -> Member:
        try:
            plaintext = self._aead.decrypt(
                sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], self._aad_prefix + index
            )
        except InvalidTag:
            raise CacheCorruptError(msg("cache.record_corrupt")) from None
        return decode_member(plaintext)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode_member(member: Member) -> bytes:
    """A compact positional JSON array: its layout is ``RECORD_VERSION``.

    Enum members are ``str`` already and go in as they are: this runs once per
    member on a full sync.
    """
    fields = [
        member.nik,
        member.kpj,
        member.name,
        member.birth_date.isoformat(),
        member.mother_hash.hex(),
        member.segment,
        member.status,
        member.status_reason,
        member.employer_name,
        member.npp,
        list(member.programs),
        None if member.last_paid_period is None else str(member.last_paid_period),
        member.jht_balance,
        None if member.jht_as_of is None else member.jht_as_of.isoformat(),
        member.updated_at.isoformat(),
    ]
    return _ENCODER.encode(fields).encode()


def decode_member(plaintext: bytes) -> Member:
    try:
        (nik, kpj, name, birth, mother, segment, status, reason, employer, npp, programs,
         paid, balance, as_of, updated) = json.loads(plaintext)  # fmt: skip
        return Member(
            nik=nik,
            kpj=kpj,
            name=name,
            birth_date=date.fromisoformat(birth),
            mother_hash=bytes.fromhex(mother),
            segment=Segment(segment),
            status=MembershipStatus(status),
            status_reason=reason,
            employer_name=employer,
            npp=npp,
            programs=frozenset(Program(code) for code in programs),
            last_paid_period=Period.parse(paid) if paid else None,
            jht_balance=int(balance),
            jht_as_of=date.fromisoformat(as_of) if as_of else None,
            updated_at=datetime.fromisoformat(updated),
        )
    except (ValueError, TypeError):
        # Sealed by us with a valid tag yet unreadable: a layout this code does not know.
        raise CacheCorruptError(msg("cache.record_corrupt")) from None


def normalise_name(text: str) -> str:
    """Letters only, case and accents folded: 'Siti Nur'aini' matches 'SITI NURAINI'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed.casefold() if char.isalpha())


class MotherVerifier:
    """Keyed hash of the mother's maiden name: the name itself is never stored."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def digest(self, mother_name: str) -> bytes:
        return hmac.digest(self._key, normalise_name(mother_name).encode(), "sha256")

    def matches(self, typed: str, expected: bytes) -> bool:
        if not normalise_name(typed):
            return False
        return hmac.compare_digest(self.digest(typed), expected)


def wrap_secret(keys: Subkeys, secret: bytes, purpose: bytes) -> bytes:
    """Seal a secret the cache keeps of its own under the master key's wrapping key."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(keys.wrap).encrypt(nonce, secret, purpose)


def unwrap_secret(keys: Subkeys, wrapped: bytes, purpose: bytes) -> bytes:
    try:
        return AESGCM(keys.wrap).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], purpose)
    except InvalidTag:
        raise CacheCorruptError(msg("cache.record_corrupt")) from None
