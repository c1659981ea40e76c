"""Feed bundles: member entries encrypted to the fleet key in authenticated frames.

A bundle is written and read as a stream, so neither side ever holds a whole
snapshot in memory. Layout::

    MAGIC | u32 header length | header (JSON) | frame* ;  frame = u32 length | nonce | AES-GCM

Each frame's associated data is the header's SHA-256, the frame's index and
whether it is the last one. Reordered, dropped, spliced or altered frames fail
to open; a bundle cut at a frame boundary fails because its last frame was not
sealed as the last. TUF has already checked the file's length and hash by the
time a kiosk reads it; the frames make the bundle safe on its own as well.

An entry is ``U | NIK | u16 n | mother (n) | u32 m | body (m)`` or ``D | NIK``:
the mother's name is normalised by the publisher, the body is
``kiosk.record.encode_body``'s bytes.
"""

import hashlib
import json
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.errors import RejectedError
from kiosk.i18n import msg
from kiosk.keys import derive_key

MAGIC = b"BPJSTK-FEED\x00"
FORMAT = 2
"""2: bodies of ``kiosk.record`` version 3 (a person with memberships); a kiosk refuses
any other, so a feed of the old record is never read as the new one."""
FRAME_PLAINTEXT = 256 * 1024
"""Entries are gathered into frames of about this size; no entry is split."""
MAX_FRAME = 64 * 1024 * 1024
MAX_HEADER = 64 * 1024
NIK_BYTES = 16
NONCE_BYTES = 12

Entry = tuple[bytes, bytes, bytes]
"""``(nik, normalised mother's name, body)``; an empty body means: delete this member."""

_U32 = struct.Struct(">I")
_UPSERT_HEAD = struct.Struct(">16sH")
_FRAME_AAD = struct.Struct(">32sQ?")


class BundleKind(StrEnum):
    SNAPSHOT = "snapshot"
    DELTA = "delta"


@dataclass(frozen=True)
class BundleHeader:
    kind: BundleKind
    sequence: int
    base: str | None
    """The feed state a delta applies to; a snapshot applies to anything."""
    state: str
    """The feed state once this bundle is applied."""
    records: int
    key_id: str
    """Which fleet key the frames are sealed with: a mismatch is named, not guessed."""
    created_at: datetime

    def encode(self) -> bytes:
        return json.dumps(
            {
                "format": FORMAT,
                "kind": self.kind,
                "sequence": self.sequence,
                "base": self.base,
                "state": self.state,
                "records": self.records,
                "key_id": self.key_id,
                "created_at": self.created_at.isoformat(),
            },
            sort_keys=True,
        ).encode()

    @classmethod
    def decode(cls, data: bytes) -> "BundleHeader":
        try:
            raw = json.loads(data)
            if raw.pop("format") != FORMAT:
                raise ValueError
            header = cls(
                kind=BundleKind(raw["kind"]),
                sequence=_integer(raw["sequence"]),
                base=None if raw["base"] is None else str(raw["base"]),
                state=str(raw["state"]),
                records=_integer(raw["records"]),
                key_id=str(raw["key_id"]),
                created_at=datetime.fromisoformat(raw["created_at"]),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            raise BundleError(msg("feed.bundle_header")) from None
        if (header.kind is BundleKind.DELTA) != (header.base is not None):
            raise BundleError(msg("feed.bundle_header"))
        return header


def _integer(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError
    return value


class BundleError(RejectedError):
    """A bundle that is damaged, cut short, or not sealed with this fleet key."""


def fleet_key_id(fleet_key: bytes) -> str:
    return derive_key(fleet_key, "feed-key-id")[:8].hex()


def _frame_key(fleet_key: bytes) -> AESGCM:
    return AESGCM(derive_key(fleet_key, "feed-frames"))


class BundleWriter:
    """Stream entries into a bundle; :meth:`close` seals the last frame and checks the count."""

    def __init__(self, out: BinaryIO, fleet_key: bytes, header: BundleHeader) -> None:
        if header.key_id != fleet_key_id(fleet_key):
            raise ValueError("the header names another fleet key")
        encoded = header.encode()
        out.write(MAGIC + _U32.pack(len(encoded)) + encoded)
        self._out = out
        self._aead = _frame_key(fleet_key)
        self._digest = hashlib.sha256(encoded).digest()
        self._expected = header.records
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._frames = 0
        self._written = 0

    def upsert(self, nik: bytes, mother: bytes, body: bytes) -> None:
        self._add(b"U" + _UPSERT_HEAD.pack(nik, len(mother)) + mother + _U32.pack(len(body)) + body)

    def delete(self, nik: bytes) -> None:
        self._add(b"D" + nik)

    def _add(self, entry: bytes) -> None:
        if self._pending_size + len(entry) > FRAME_PLAINTEXT and self._pending:
            self._flush(last=False)
        self._pending.append(entry)
        self._pending_size += len(entry)
        self._written += 1

    def _flush(self, *, last: bool) -> None:
        nonce = os.urandom(NONCE_BYTES)
        aad = _FRAME_AAD.pack(self._digest, self._frames, last)
        sealed = nonce + self._aead.encrypt(nonce, b"".join(self._pending), aad)
        self._out.write(_U32.pack(len(sealed)) + sealed)
        self._frames += 1
        self._pending.clear()
        self._pending_size = 0

    def close(self) -> None:
        if self._written != self._expected:
            raise ValueError(f"header promised {self._expected} entries, got {self._written}")
        self._flush(last=True)


def _header_bytes(stream: BinaryIO) -> bytes:
    if stream.read(len(MAGIC)) != MAGIC:
        raise BundleError(msg("feed.bundle_not_a_bundle"))
    size = _read_u32(stream)
    if size > MAX_HEADER:
        raise BundleError(msg("feed.bundle_header"))
    data = stream.read(size)
    if len(data) != size:
        raise BundleError(msg("feed.bundle_truncated"))
    return data


class BundleReader:
    """Opens a bundle frame by frame; every entry it yields came from the publisher."""

    def __init__(self, stream: BinaryIO, fleet_key: bytes) -> None:
        encoded = _header_bytes(stream)
        self.header = BundleHeader.decode(encoded)
        if self.header.key_id != fleet_key_id(fleet_key):
            raise BundleError(
                msg(
                    "feed.bundle_other_key",
                    bundle_key=self.header.key_id,
                    our_key=fleet_key_id(fleet_key),
                )
            )
        self._digest = hashlib.sha256(encoded).digest()
        self._stream = stream
        self._aead = _frame_key(fleet_key)

    def frames(self) -> Iterator[list[Entry]]:
        """The entries frame by frame; raises :class:`BundleError` at the first bad byte."""
        count = 0
        index = 0
        size = self._next_size()
        if size is None:
            raise BundleError(msg("feed.bundle_truncated"))
        while size is not None:
            sealed = self._stream.read(size)
            if len(sealed) != size:
                raise BundleError(msg("feed.bundle_truncated"))
            following = self._next_size()
            last = following is None
            try:
                plaintext = self._aead.decrypt(
                    sealed[:NONCE_BYTES],
                    sealed[NONCE_BYTES:],
                    _FRAME_AAD.pack(self._digest, index, last),
                )
            except InvalidTag:
                key = "feed.bundle_truncated" if last else "feed.bundle_damaged"
                raise BundleError(msg(key)) from None
            entries = _parse_entries(plaintext)
            count += len(entries)
            if count > self.header.records:
                raise BundleError(msg("feed.bundle_count"))
            yield entries
            index += 1
            size = following
        if count != self.header.records:
            raise BundleError(msg("feed.bundle_count"))

    def _next_size(self) -> int | None:
        data = self._stream.read(4)
        if not data:
            return None
        if len(data) != 4:
            raise BundleError(msg("feed.bundle_truncated"))
        size: int = _U32.unpack(data)[0]
        if not NONCE_BYTES + 16 <= size <= MAX_FRAME:
            raise BundleError(msg("feed.bundle_damaged"))
        return size


def _read_u32(stream: BinaryIO) -> int:
    data = stream.read(4)
    if len(data) != 4:
        raise BundleError(msg("feed.bundle_truncated"))
    value: int = _U32.unpack(data)[0]
    return value


def _parse_entries(plaintext: bytes) -> list[Entry]:
    """Sealed by the publisher, so malformed means a publisher bug: still never trusted blindly."""
    entries: list[Entry] = []
    append = entries.append
    view = memoryview(plaintext)
    end = len(plaintext)
    at = 0
    try:
        while at < end:
            op = plaintext[at]
            if op == 0x55:  # "U"
                nik, mother_size = _UPSERT_HEAD.unpack_from(view, at + 1)
                at += 1 + _UPSERT_HEAD.size
                mother = plaintext[at : at + mother_size]
                at += mother_size
                (body_size,) = _U32.unpack_from(view, at)
                at += 4
                body = plaintext[at : at + body_size]
                at += body_size
                if not body or len(body) != body_size or len(mother) != mother_size:
                    raise ValueError
                append((nik, mother, body))
            elif op == 0x44:  # "D"
                nik = plaintext[at + 1 : at + 1 + NIK_BYTES]
                at += 1 + NIK_BYTES
                if len(nik) != NIK_BYTES:
                    raise ValueError
                append((nik, b"", b""))
            else:
                raise ValueError
    except (ValueError, struct.error):
        raise BundleError(msg("feed.bundle_entries")) from None
    for nik, _, _ in entries:
        if not nik.isdigit():
            raise BundleError(msg("feed.bundle_entries"))
    return entries
