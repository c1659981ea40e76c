"""The bytes of one member record, as the feed carries it and the cache seals it.

The central store encodes each member's body once; a kiosk prefixes the keyed
hash of the mother's name and seals the result without parsing the body, which
keeps a full sync close to the speed of plain SQLite inserts. The layout is
``RECORD_VERSION``, part of every sealed record's associated data.
"""

import json
from datetime import date, datetime

from kiosk.errors import CacheCorruptError
from kiosk.i18n import msg
from kiosk.member import Member, MembershipStatus, Period, Program, Segment

RECORD_VERSION = 2
"""Version 1 (issue 2, never deployed) was one JSON array with the hash inside it."""
MOTHER_HASH_BYTES = 32
"""HMAC-SHA256 of the normalised mother's name; an empty name gives 32 zero bytes."""
NO_MOTHER = bytes(MOTHER_HASH_BYTES)

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode_body(member: Member) -> bytes:
    """Everything but the mother's name, as a compact positional JSON array.

    Enum members are ``str`` already and go in as they are. Programmes are in
    their canonical order: a set's order changes from one process to the next,
    and the publisher compares bodies to find what changed.
    """
    fields = [
        member.nik,
        member.kpj,
        member.name,
        member.birth_date.isoformat(),
        member.segment,
        member.status,
        member.status_reason,
        member.employer_name,
        member.npp,
        [program for program in Program if program in member.programs],
        None if member.last_paid_period is None else str(member.last_paid_period),
        member.jht_balance,
        None if member.jht_as_of is None else member.jht_as_of.isoformat(),
        member.updated_at.isoformat(),
        member.card,
    ]
    return _ENCODER.encode(fields).encode()


def join_record(mother_hash: bytes, body: bytes) -> bytes:
    return (mother_hash or NO_MOTHER) + body


def decode_record(plaintext: bytes) -> Member:
    """The inverse of :func:`join_record` then :func:`encode_body`."""
    mother_hash, body = plaintext[:MOTHER_HASH_BYTES], plaintext[MOTHER_HASH_BYTES:]
    try:
        (nik, kpj, name, birth, segment, status, reason, employer, npp, programs,
         paid, balance, as_of, updated, card) = json.loads(body)  # fmt: skip
        return Member(
            nik=nik,
            kpj=kpj,
            name=name,
            birth_date=date.fromisoformat(birth),
            mother_hash=b"" if mother_hash == NO_MOTHER else mother_hash,
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
            card=card,
        )
    except (ValueError, TypeError):
        # Sealed by us with a valid tag yet unreadable: a layout this code does not know.
        raise CacheCorruptError(msg("cache.record_corrupt")) from None


def nik_of(plaintext: bytes) -> str:
    """The NIK of a stored record without decoding it: the body opens with ``["<NIK>",``."""
    start = MOTHER_HASH_BYTES + 2
    return plaintext[start : start + 16].decode("ascii")
