"""How one member record becomes one row: a blind index and one AEAD ciphertext.

The row key is a keyed hash of the NIK, so the file never holds a NIK. The
associated data binds each ciphertext to its row key, the key it was sealed
with and the record layout, so a ciphertext moved to another row, or read with
another key, fails to open instead of showing another member's data.
"""

import hmac
import os
import struct
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.errors import CacheCorruptError
from kiosk.i18n import msg
from kiosk.keys import Subkeys
from kiosk.member import Person
from kiosk.record import RECORD_VERSION, decode_record, encode_body, join_record

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
        return self.blind_index_bytes(nik.encode("ascii"))

    def blind_index_bytes(self, nik: bytes) -> bytes:
        """The same, for the ASCII NIK a feed entry carries."""
        return hmac.digest(self._index_key, nik, "sha256")[:INDEX_BYTES]

    def seal(self, index: bytes, person: Person) -> bytes:
        return self.seal_plain(index, join_record(person.mother_hash, encode_body(person)))

    def seal_plain(self, index: bytes, plaintext: bytes) -> bytes:
        """Seal a record already in its stored layout (see ``kiosk.record``)."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, self._aad_prefix + index)

    def open(self, index: bytes, sealed: bytes) -> Person:
        return decode_record(self.open_plain(index, sealed))

    def open_plain(self, index: bytes, sealed: bytes) -> bytes:
        try:
            return self._aead.decrypt(
                sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], self._aad_prefix + index
            )
        except InvalidTag:
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
        return self.digest_normalised(normalise_name(mother_name).encode())

    def digest_normalised(self, normalised: bytes) -> bytes:
        """The feed carries names already normalised by the publisher's ``normalise_name``."""
        return hmac.digest(self._key, normalised, "sha256")

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
