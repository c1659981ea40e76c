"""The bytes of one person's record, as the feed carries it and the cache seals it.

The central store encodes each person's body once; a kiosk prefixes the keyed
hash of the mother's name and seals the result without parsing the body, which
keeps a full sync close to the speed of plain SQLite inserts. The layout is
``RECORD_VERSION``, part of every sealed record's associated data.
"""

import json
from datetime import date, datetime

from kiosk.errors import CacheCorruptError
from kiosk.i18n import msg
from kiosk.member import (
    DataFlag,
    Membership,
    MembershipStatus,
    Period,
    Person,
    Program,
    Segment,
    StatusCode,
)

RECORD_VERSION = 3
"""Version 1 (never deployed) was one JSON array with the hash inside it; version 2 held
one membership per NIK. A cache of an older version is emptied and synced again from a
snapshot (``kiosk.cache.schema``)."""
MOTHER_HASH_BYTES = 32
"""HMAC-SHA256 of the normalised mother's name; an empty name gives 32 zero bytes."""
NO_MOTHER = bytes(MOTHER_HASH_BYTES)

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode_body(person: Person) -> bytes:
    """Everything but the mother's name, as a compact positional JSON array.

    ``[nik, name, birth_date, [flags], updated_at, [membership, ...]]``, each
    membership an array of its own. Enum members are ``str`` already and go in
    as they are. Sets (programmes, flags, paid months) are written in a fixed
    order: a set's order changes from one process to the next, and the
    publisher compares bodies to find what changed.
    """
    fields = [
        person.nik,
        person.name,
        person.birth_date.isoformat(),
        sorted(person.flags),
        person.updated_at.isoformat(),
        [_membership_fields(membership) for membership in person.memberships],
    ]
    return _ENCODER.encode(fields).encode()


def _membership_fields(m: Membership) -> list[object]:
    return [
        m.kpj,
        m.segment,
        m.status,
        m.status_code or "",
        m.employer_name,
        m.npp,
        [program for program in Program if program in m.programs],
        m.membership_start.isoformat(),
        None if m.membership_end is None else m.membership_end.isoformat(),
        None if m.last_paid_period is None else str(m.last_paid_period),
        [str(period) for period in sorted(m.paid_periods)],
        m.jht_balance,
        None if m.jht_as_of is None else m.jht_as_of.isoformat(),
        m.card,
    ]


def join_record(mother_hash: bytes, body: bytes) -> bytes:
    return (mother_hash or NO_MOTHER) + body


def decode_record(plaintext: bytes) -> Person:
    """The inverse of :func:`join_record` then :func:`encode_body`."""
    mother_hash, body = plaintext[:MOTHER_HASH_BYTES], plaintext[MOTHER_HASH_BYTES:]
    try:
        nik, name, birth, flags, updated, memberships = json.loads(body)
        return Person(
            nik=nik,
            name=name,
            birth_date=date.fromisoformat(birth),
            mother_hash=b"" if mother_hash == NO_MOTHER else mother_hash,
            memberships=tuple(_membership(fields) for fields in memberships),
            updated_at=datetime.fromisoformat(updated),
            flags=frozenset(DataFlag(flag) for flag in flags),
        )
    except (ValueError, TypeError):
        # Sealed by us with a valid tag yet unreadable: a layout this code does not know.
        raise CacheCorruptError(msg("cache.record_corrupt")) from None


def _membership(fields: list[object]) -> Membership:
    (kpj, segment, status, code, employer, npp, programs, start, end, paid, months,
     balance, as_of, card) = fields  # fmt: skip
    return Membership(
        kpj=str(kpj),
        segment=Segment(str(segment)),
        status=MembershipStatus(str(status)),
        status_code=StatusCode(str(code)) if code else None,
        employer_name=str(employer),
        npp=str(npp),
        programs=frozenset(Program(str(program)) for program in _list(programs)),
        membership_start=date.fromisoformat(str(start)),
        membership_end=date.fromisoformat(str(end)) if end else None,
        last_paid_period=Period.parse(str(paid)) if paid else None,
        paid_periods=frozenset(Period.parse(str(month)) for month in _list(months)),
        jht_balance=int(str(balance)),
        jht_as_of=date.fromisoformat(str(as_of)) if as_of else None,
        card=str(card),
    )


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise TypeError("a list was expected")
    return value


def nik_of(plaintext: bytes) -> str:
    """The NIK of a stored record without decoding it: the body opens with ``["<NIK>",``."""
    start = MOTHER_HASH_BYTES + 2
    return plaintext[start : start + 16].decode("ascii")
