"""The digital membership card: signed centrally, shown by the kiosk, checked by anyone.

The central store signs each card with its card key; the kiosk only displays
the text as a QR code, so a stolen kiosk cannot mint cards. Anyone holding the
card public key verifies a card offline, as with the EU Digital COVID Certificate.

Text form: ``BK1:`` then Base45 (RFC 9285) of a tagged COSE_Sign1 (RFC 9052,
CBOR tag 18) signed with Ed25519 (EdDSA, algorithm -8)::

    18([protected: bstr .cbor {1: -8}, unprotected: {}, payload: bstr, signature: bstr .size 64])

No zlib: a signature does not compress, and zlib would add bytes. Base45's
alphabet is the QR alphanumeric set, so the whole text fits QR alphanumeric mode.

The payload is a CBOR map with small integer keys, to keep the QR small. Keys
1, 4 and 6 mean what they mean in a CWT (RFC 8392); the negative keys are ours:

    ====  ==========  ===============================================================
    key   claim       value
    ====  ==========  ===============================================================
     1    iss         text, the issuer (``BPJSTK``)
     6    iat         uint, issued at, seconds since the Unix epoch (UTC)
     4    exp         uint, expires at, seconds since the Unix epoch (UTC)
    -1    KPJ         uint, the 11-digit KPJ as a number (leading zeros come back on reading)
    -2    name        text, the member's name
    -3    status      uint, 1 AKTIF, 0 NONAKTIF
    -4    programmes  uint bitmask in ``Program`` order: JKK 1, JKM 2, JHT 4, JP 8, JKP 16
    ====  ==========  ===============================================================

The NIK is never on the card. Keys are written in CBOR's deterministic order
(1, 4, 6, -1, -2, -3, -4), and a reader accepts only the exact bytes a signer
writes: a card has one encoding, so nothing in it can change unnoticed.

Size: with a KPJ of 2**32 or more (a CBOR uint64) the envelope, the signature and
every claim but the name take 112 bytes, one more when the name has 24 UTF-8
bytes or more, one more when the bitmask is 24 or more (JP and JKP); the name's
bytes come on top. Base45 makes 3 characters of every 2 bytes.
"""

import hashlib
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path

import base45
import cbor2
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from kiosk.errors import InvalidInputError, KeyMaterialError, KioskError
from kiosk.i18n import Message, msg
from kiosk.member import MembershipStatus, Program
from kiosk.nik import KPJ_LENGTH

CARD_PREFIX = "BK1:"
ISSUER = "BPJSTK"
CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a card's issue time may lie: the verifier's clock may be slow."""
MAX_TEXT = 4296
"""The most characters a QR code holds (version 40-L, alphanumeric): anything longer is no card."""

KEY_ID_HEX = 16

_COSE_SIGN1 = 18
_ALG = 1
_EDDSA = -8
_PROTECTED = cbor2.dumps({_ALG: _EDDSA})
_ENVELOPE_HEAD = b"\xd2\x84" + cbor2.dumps(_PROTECTED) + cbor2.dumps({})
"""Tag 18, an array of four, the protected and the (empty) unprotected header."""
_TBS_HEAD = b"\x84" + cbor2.dumps("Signature1") + cbor2.dumps(_PROTECTED) + cbor2.dumps(b"")
"""Sig_structure up to its payload: context, protected header, empty external data."""

_ISS, _IAT, _EXP, _KPJ, _NAME, _STATUS, _PROGRAMS = 1, 6, 4, -1, -2, -3, -4
_CLAIM_KEYS = frozenset((_ISS, _IAT, _EXP, _KPJ, _NAME, _STATUS, _PROGRAMS))
_MAX_KPJ = 10**KPJ_LENGTH - 1
_MAX_TIME = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())
_STATUS_CODES = {MembershipStatus.AKTIF: 1, MembershipStatus.NONAKTIF: 0}
_STATUS_BY_CODE = {code: status for status, code in _STATUS_CODES.items()}
_ALL_PROGRAMS = tuple(Program)
_PROGRAM_SETS = tuple(
    frozenset(program for bit, program in enumerate(_ALL_PROGRAMS) if mask >> bit & 1)
    for mask in range(1 << len(_ALL_PROGRAMS))
)
"""Every set of programmes, indexed by its bitmask."""
_PROGRAM_MASKS = {programs: mask for mask, programs in enumerate(_PROGRAM_SETS)}

_B45 = base45.BASE45_CHARSET


@dataclass(frozen=True, slots=True)
class CardClaims:
    """What a card says. Times are aware, in whole seconds; the NIK is never here."""

    issuer: str
    issued_at: datetime
    expires_at: datetime
    kpj: str = field(repr=False)
    name: str = field(repr=False)
    status: MembershipStatus
    programs: frozenset[Program]

    def __post_init__(self) -> None:
        """Refuse claims a card cannot carry, so that what is signed reads back the same."""
        if not self.issuer or not self.name:
            raise ValueError("a card needs an issuer and a name")
        if not (len(self.kpj) == KPJ_LENGTH and self.kpj.isascii() and self.kpj.isdigit()):
            raise ValueError(f"a card's KPJ has {KPJ_LENGTH} digits")
        for moment in (self.issued_at, self.expires_at):
            if moment.utcoffset() is None or moment.microsecond:
                raise ValueError("card times are aware and in whole seconds")
            if not 0 <= moment.timestamp() <= _MAX_TIME:
                raise ValueError("card times lie between 1970 and 9999")
        if self.expires_at <= self.issued_at:
            raise ValueError("a card expires after it is issued")
        if self.status not in _STATUS_CODES or self.programs not in _PROGRAM_MASKS:
            raise ValueError("unknown status or programme")


class CardVerdict(StrEnum):
    VALID = "VALID"
    INVALID = "INVALID"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True, slots=True)
class CardCheck:
    """The outcome of a verification; ``reason`` says why whenever it is not VALID.

    ``claims`` is set only when the signature holds: VALID, or EXPIRED.
    """

    verdict: CardVerdict
    claims: CardClaims | None
    reason: Message | None


def _encode_payload(claims: CardClaims) -> bytes:
    return cbor2.dumps(
        {
            _ISS: claims.issuer,
            _EXP: int(claims.expires_at.timestamp()),
            _IAT: int(claims.issued_at.timestamp()),
            _KPJ: int(claims.kpj),
            _NAME: claims.name,
            _STATUS: _STATUS_CODES[claims.status],
            _PROGRAMS: _PROGRAM_MASKS[claims.programs],
        }
    )


@cache
def _base45_triples() -> tuple[str, ...]:
    """Base45 of every two-byte value: the encoder then looks up instead of dividing.

    The ``base45`` package spends as long on a card as the signature does; this
    table (about 4 MB, built once by a signer, never by a kiosk) makes it seven
    times faster. Tests check it against the package.
    """
    return tuple(_B45[x % 45] + _B45[x // 45 % 45] + _B45[x // 2025] for x in range(1 << 16))


def _base45_encode(data: bytes, triples: tuple[str, ...]) -> str:
    text = "".join(map(triples.__getitem__, struct.unpack_from(f">{len(data) // 2}H", data)))
    if len(data) % 2:
        high, low = divmod(data[-1], 45)
        text += _B45[low] + _B45[high]
    return text


class CardSigner:
    """Signs cards with the card private key; the central publisher's side only."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._sign = private_key.sign
        self._triples = _base45_triples()

    def sign(self, claims: CardClaims) -> str:
        # The payload as a CBOR byte string: the envelope and Sig_structure both hold it so.
        wrapped = cbor2.dumps(_encode_payload(claims))
        signature = self._sign(_TBS_HEAD + wrapped)
        cose = b"".join((_ENVELOPE_HEAD, wrapped, b"\x58\x40", signature))
        return CARD_PREFIX + _base45_encode(cose, self._triples)


class _Refused(Exception):
    """Internal: verification stopped, and why."""

    def __init__(self, reason: Message) -> None:
        super().__init__(reason.key)
        self.reason = reason


def verify_card(text: str, public_key: Ed25519PublicKey, now: datetime) -> CardCheck:
    """Check a card's text against the card public key at ``now`` (aware); never raises."""
    try:
        claims = _open(text, public_key)
    except _Refused as refused:
        return CardCheck(CardVerdict.INVALID, None, refused.reason)
    if claims.issued_at > now + CLOCK_SKEW:
        issued = claims.issued_at.isoformat()
        return CardCheck(CardVerdict.INVALID, None, msg("card.future", issued=issued))
    if claims.expires_at <= now:
        expired = claims.expires_at.date().isoformat()
        return CardCheck(CardVerdict.EXPIRED, claims, msg("card.expired", date=expired))
    return CardCheck(CardVerdict.VALID, claims, None)


def _open(text: str, public_key: Ed25519PublicKey) -> CardClaims:
    """The signed claims of a card, or :class:`_Refused` naming the first thing wrong."""
    text = text.strip()
    if not text.startswith(CARD_PREFIX):
        raise _Refused(msg("card.not_a_card", prefix=CARD_PREFIX))
    if len(text) > MAX_TEXT:
        raise _Refused(msg("card.damaged"))
    try:
        cose = base45.b45decode(text[len(CARD_PREFIX) :])
    except ValueError:
        raise _Refused(msg("card.damaged")) from None
    item = _decode_cbor(cose)
    if item is None:
        raise _Refused(msg("card.damaged"))
    protected, payload, signature = _sign1_parts(item)
    if protected != _PROTECTED:
        header = _decode_cbor(protected)
        if isinstance(header, Mapping) and header.get(_ALG, _EDDSA) != _EDDSA:
            raise _Refused(msg("card.unsupported_algorithm"))
        raise _Refused(msg("card.not_signed"))
    wrapped = cbor2.dumps(payload)
    if b"".join((_ENVELOPE_HEAD, wrapped, cbor2.dumps(signature))) != cose:
        raise _Refused(msg("card.not_signed"))
    try:
        public_key.verify(signature, _TBS_HEAD + wrapped)
    except InvalidSignature:
        raise _Refused(msg("card.bad_signature")) from None
    claims = _parse_claims(payload)
    if claims is None:
        raise _Refused(msg("card.malformed"))
    return claims


def _plain(tag: int) -> Callable[[object, bool], cbor2.CBORTag]:
    return lambda value, immutable: cbor2.CBORTag(tag, value)


SEMANTIC_TAGS: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 25, 28, 29, 30, 35, 36, 37, 52, 54, 100)
SEMANTIC_TAGS += (256, 258, 260, 261, 1004, 43000, 55799)
"""The tags cbor2 gives a meaning (dates, bignums, sets...); a test finds every one of them."""
_PLAIN_TAGS = {tag: _plain(tag) for tag in SEMANTIC_TAGS}


def _decode_cbor(data: bytes) -> object:
    """One CBOR item, or None when the bytes are not CBOR (cbor2 6 wraps every failure so).

    Plain CBOR only, as every verifier reads it (the browser's too, verifier/src/cbor.js):
    a tag stays a tag, whatever cbor2 would make of it, and no length is indefinite.
    A signer writes neither; what a reader calls damaged must not depend on its library.
    """
    try:
        return cbor2.loads(data, semantic_decoders=_PLAIN_TAGS, allow_indefinite=False)
    except cbor2.CBORDecodeError:
        return None


def _sign1_parts(item: object) -> tuple[bytes, bytes, bytes]:
    """Protected header, payload and signature of a tagged COSE_Sign1 with no unprotected header."""
    if not (isinstance(item, cbor2.CBORTag) and item.tag == _COSE_SIGN1):
        raise _Refused(msg("card.not_signed"))
    parts = item.value
    if not (isinstance(parts, tuple | list) and len(parts) == 4):
        raise _Refused(msg("card.not_signed"))
    protected, unprotected, payload, signature = parts
    if not (
        type(protected) is bytes
        and type(payload) is bytes
        and type(signature) is bytes
        and isinstance(unprotected, Mapping)
        and not unprotected
    ):
        raise _Refused(msg("card.not_signed"))
    return protected, payload, signature


def _parse_claims(payload: bytes) -> CardClaims | None:
    """The claims, if the payload is exactly what a signer writes; None otherwise."""
    fields = _decode_cbor(payload)
    if not isinstance(fields, Mapping) or fields.keys() != _CLAIM_KEYS:
        return None
    issuer, name = fields[_ISS], fields[_NAME]
    numbers = iat, exp, kpj, status, mask = [
        fields[key] for key in (_IAT, _EXP, _KPJ, _STATUS, _PROGRAMS)
    ]
    if not (type(issuer) is str and type(name) is str and all(type(n) is int for n in numbers)):
        return None
    if not (
        0 <= iat <= _MAX_TIME
        and 0 <= exp <= _MAX_TIME
        and 0 <= kpj <= _MAX_KPJ
        and status in _STATUS_BY_CODE
        and 0 <= mask < len(_PROGRAM_SETS)
    ):
        return None
    try:
        claims = CardClaims(
            issuer=issuer,
            issued_at=datetime.fromtimestamp(iat, UTC),
            expires_at=datetime.fromtimestamp(exp, UTC),
            kpj=str(kpj).zfill(KPJ_LENGTH),
            name=name,
            status=_STATUS_BY_CODE[status],
            programs=_PROGRAM_SETS[mask],
        )
    except ValueError:
        return None
    return claims if _encode_payload(claims) == payload else None


def _read_key_pem(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(64 * 1024)
    except FileNotFoundError:
        raise KeyMaterialError(msg("card.key.missing", path=path)) from None
    except OSError as exc:
        raise KeyMaterialError(msg("card.key.unreadable", path=path, reason=exc.strerror)) from None


def load_card_private_key(path: Path) -> Ed25519PrivateKey:
    """The card signing key from an unencrypted PKCS8 PEM file (the central side only)."""
    try:
        key = load_pem_private_key(_read_key_pem(path), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyMaterialError(msg("card.key.not_private", path=path))
    return key


def load_card_public_key(path: Path) -> Ed25519PublicKey:
    """The card verification key from a SubjectPublicKeyInfo PEM file."""
    try:
        key = load_pem_public_key(_read_key_pem(path))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyMaterialError(msg("card.key.not_public", path=path))
    return key


def card_key_bytes(public_key: Ed25519PublicKey) -> bytes:
    """The 32 bytes of RFC 8032's encoding: what a verifier in any language takes."""
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def card_key_id(public_key: Ed25519PublicKey) -> str:
    """A short name for a card key, the same wherever it is shown: so staff can tell, after a
    rotation, which key a card was signed with. The first 8 bytes of SHA-256, in hex."""
    return hashlib.sha256(card_key_bytes(public_key)).hexdigest()[:KEY_ID_HEX]


def read_card_image(path: Path) -> str:
    """The card text from a photo or picture of its QR code.

    The image libraries load here, not with the module: a kiosk shows cards
    and never reads photos, and every ``kiosk`` command would pay for them.
    """
    try:
        import zxingcpp
        from PIL import Image
    except ImportError:
        raise KioskError(msg("card.image.no_reader")) from None
    try:
        with Image.open(path) as image:
            gray = image.convert("L")
    except FileNotFoundError:
        raise InvalidInputError(msg("card.image.missing", path=path)) from None
    except (OSError, ValueError, Image.DecompressionBombError):
        raise InvalidInputError(msg("card.image.unreadable", path=path)) from None
    found = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormats(zxingcpp.QRCode))
    if not found:
        raise InvalidInputError(msg("card.image.no_qr", path=path))
    for barcode in found:
        if barcode.text.strip().startswith(CARD_PREFIX):
            return barcode.text
    raise InvalidInputError(msg("card.image.no_card", path=path, prefix=CARD_PREFIX))
