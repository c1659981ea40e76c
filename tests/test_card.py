"""The digital card codec: real Ed25519 keys, real QR pictures, cards built independently."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import base45
import cbor2
import pytest
import qrcode
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from kiosk.card import (
    _PLAIN_TAGS,
    CARD_PREFIX,
    CLOCK_SKEW,
    ISSUER,
    CardClaims,
    CardSigner,
    CardVerdict,
    _base45_encode,
    _base45_triples,
    load_card_private_key,
    load_card_public_key,
    read_card_image,
    verify_card,
)
from kiosk.errors import InvalidInputError, KeyMaterialError
from kiosk.member import MembershipStatus, Program

ISSUED = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
NOW = ISSUED + timedelta(days=30)
PROTECTED = b"\xa1\x01\x27"
"""{1: -8}: the algorithm EdDSA, as RFC 9052 encodes it."""

KEY = Ed25519PrivateKey.generate()
OTHER_KEY = Ed25519PrivateKey.generate()
SIGNER = CardSigner(KEY)


def make_claims(**changes: object) -> CardClaims:
    fields: dict[str, object] = {
        "issuer": ISSUER,
        "issued_at": ISSUED,
        "expires_at": ISSUED + timedelta(days=365),
        "kpj": "12345678901",
        "name": "Ni Luh Ṣāliḥah Nur'aini",
        "status": MembershipStatus.AKTIF,
        "programs": frozenset({Program.JKK, Program.JHT}),
        **changes,
    }
    return CardClaims(**fields)  # type: ignore[arg-type]


CARD = SIGNER.sign(make_claims())


def b45(data: bytes) -> str:
    return bytes(base45.b45encode(data)).decode("ascii")


def sign_raw(payload: bytes, protected: bytes = PROTECTED, key: Ed25519PrivateKey = KEY) -> str:
    """A card assembled with cbor2 alone, to forge what the signer would refuse to write."""
    signature = key.sign(cbor2.dumps(["Signature1", protected, b"", payload]))
    cose = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))
    return CARD_PREFIX + b45(cose)


def claims_map(**changes: object) -> dict[int, object]:
    """The payload of ``make_claims()`` as the module docstring documents it."""
    return {
        1: ISSUER,
        4: int((ISSUED + timedelta(days=365)).timestamp()),
        6: int(ISSUED.timestamp()),
        -1: 12345678901,
        -2: "Ni Luh Ṣāliḥah Nur'aini",
        -3: 1,
        -4: 0b101,
        **changes,  # type: ignore[dict-item]
    }


def cose_of(card: str) -> bytes:
    return bytes(base45.b45decode(card.removeprefix(CARD_PREFIX)))


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def private_pem(
    key: Ed25519PrivateKey, encryption: serialization.KeySerializationEncryption | None = None
) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        encryption or serialization.NoEncryption(),
    )


def save_qr(text: str, path: Path) -> Path:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4)
    code.add_data(text)
    code.make_image().save(path)
    return path


@pytest.mark.parametrize(
    "claims",
    [
        make_claims(),
        make_claims(
            kpj="00012345678",
            status=MembershipStatus.NONAKTIF,
            programs=frozenset(),
            name="Paijo",
        ),
        make_claims(kpj="99999999999", programs=frozenset(Program), issuer="BPJSTK-DEMO"),
        make_claims(kpj="00000000000", expires_at=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_a_valid_card_gives_back_every_claim(claims: CardClaims) -> None:
    check = verify_card(SIGNER.sign(claims), KEY.public_key(), NOW)
    assert check.verdict is CardVerdict.VALID
    assert check.reason is None
    assert check.claims == claims
    assert check.claims is not None
    assert check.claims.issued_at.tzinfo is UTC


def test_the_card_is_a_standard_tagged_cose_sign1() -> None:
    """Read with cbor2 and the RFC's Sig_structure, not with the module's own code."""
    cose = cose_of(CARD)
    item = cbor2.loads(cose)
    assert isinstance(item, cbor2.CBORTag)
    assert item.tag == 18
    protected, unprotected, payload, signature = item.value
    assert (protected, dict(unprotected)) == (PROTECTED, {})
    assert cbor2.loads(payload) == claims_map()
    assert list(cbor2.loads(payload)) == [1, 4, 6, -1, -2, -3, -4]
    KEY.public_key().verify(signature, cbor2.dumps(["Signature1", protected, b"", payload]))
    assert cose == cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))


def test_the_card_is_qr_alphanumeric_and_its_size_is_as_documented() -> None:
    body = CARD.removeprefix(CARD_PREFIX)
    assert set(CARD) <= set(base45.BASE45_CHARSET)
    assert len(cose_of(CARD)) == 113 + len("Ni Luh Ṣāliḥah Nur'aini".encode())
    assert len(body) == len(cose_of(CARD)) // 2 * 3 + len(cose_of(CARD)) % 2 * 2
    short = SIGNER.sign(make_claims(name="Paijo"))
    assert len(cose_of(short)) == 112 + 5


def version_at(text: str) -> int:
    """The smallest QR version that holds ``text`` at error correction M."""
    symbol = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    symbol.add_data(text)
    symbol.best_fit()
    return int(symbol.version)


def test_qr_versions_at_the_capacity_limits() -> None:
    """Version 7-M holds 178 alphanumeric characters, 8-M 221, 9-M 262."""
    assert [version_at("A" * n) for n in (178, 179, 221, 222, 262, 263)] == [7, 8, 8, 9, 9, 10]
    assert version_at(SIGNER.sign(make_claims(name="A" * 31))) == 8
    assert version_at(SIGNER.sign(make_claims(name="A" * 32))) == 9


def test_a_card_that_signed_anything_but_valid_claims_is_refused() -> None:
    with pytest.raises(ValueError, match="11 digits"):
        make_claims(kpj="12345678")
    with pytest.raises(ValueError, match="whole seconds"):
        make_claims(issued_at=ISSUED.replace(microsecond=5))
    with pytest.raises(ValueError, match="aware"):
        make_claims(issued_at=ISSUED.replace(tzinfo=None))
    with pytest.raises(ValueError, match="after it is issued"):
        make_claims(expires_at=ISSUED)
    with pytest.raises(ValueError, match="name"):
        make_claims(name="")


def test_the_claims_repr_carries_no_name_or_kpj() -> None:
    text = repr(make_claims())
    assert "12345678901" not in text
    assert "Ni Luh" not in text


def test_every_single_character_change_is_invalid() -> None:
    public = KEY.public_key()
    alphabet = base45.BASE45_CHARSET + "abz\n"
    changed = 0
    for index, original in enumerate(CARD):
        for char in alphabet:
            if char == original:
                continue
            check = verify_card(CARD[:index] + char + CARD[index + 1 :], public, NOW)
            assert check.verdict is CardVerdict.INVALID, (index, char)
            assert check.claims is None
            assert check.reason is not None
            changed += 1
    assert changed > 40 * len(CARD)


def test_every_truncation_and_extension_is_invalid() -> None:
    public = KEY.public_key()
    for end in range(len(CARD)):
        assert verify_card(CARD[:end], public, NOW).verdict is CardVerdict.INVALID
    for extra in ("0", "00", "000", "A0A"):
        assert verify_card(CARD + extra, public, NOW).verdict is CardVerdict.INVALID


def test_surrounding_whitespace_is_ignored() -> None:
    assert verify_card(f"  {CARD}\r\n", KEY.public_key(), NOW).verdict is CardVerdict.VALID


def reason_key(text: str, now: datetime = NOW) -> str | None:
    reason = verify_card(text, KEY.public_key(), now).reason
    return None if reason is None else reason.key


def test_each_kind_of_failure_says_what_it_is() -> None:
    body = CARD.removeprefix(CARD_PREFIX)
    cose = cose_of(CARD)
    assert reason_key("HC1:" + body) == "card.not_a_card"
    assert reason_key("bk1:" + body) == "card.not_a_card"
    assert reason_key(CARD_PREFIX + "GGW") == "card.damaged"  # 3 characters above 0xFFFF
    assert reason_key(CARD_PREFIX + "0") == "card.damaged"  # a lone character is no byte
    assert reason_key(CARD_PREFIX + "A" * 5000) == "card.damaged"
    untagged = cbor2.dumps(cbor2.loads(cose).value)
    assert reason_key(CARD_PREFIX + b45(untagged)) == "card.not_signed"
    trailing = cose + b"\x00"
    assert reason_key(CARD_PREFIX + b45(trailing)) == "card.not_signed"
    payload = cbor2.dumps(claims_map())
    assert reason_key(sign_raw(payload, protected=cbor2.dumps({1: -7}))) == (
        "card.unsupported_algorithm"
    )
    assert reason_key(sign_raw(payload, protected=cbor2.dumps({1: -8, 4: b"k"}))) == (
        "card.not_signed"
    )
    assert reason_key(sign_raw(payload, key=OTHER_KEY)) == "card.bad_signature"
    assert reason_key(sign_raw(payload)) is None


def test_a_card_reader_reads_plain_cbor_whatever_its_library_knows_of_tags() -> None:
    """Every tag cbor2 would decode (a date, a bignum...) stays a tag: the browser's verifier
    reads the same bytes the same way, and a damaged card is damaged in both."""
    for tag in range(1 << 16):
        item = cbor2.loads(cbor2.dumps(cbor2.CBORTag(tag, None)), semantic_decoders=_PLAIN_TAGS)
        assert item == cbor2.CBORTag(tag, None), f"cbor2 gives tag {tag} a meaning"
    bignum_tag = bytes.fromhex("d284c231a04040")  # its first part a bignum of an int: no bytes
    assert reason_key(CARD_PREFIX + b45(bignum_tag)) == "card.not_signed"
    indefinite = bytes.fromhex("d29f43a10127a0ff")
    assert reason_key(CARD_PREFIX + b45(indefinite)) == "card.damaged"


def test_an_unprotected_header_is_refused() -> None:
    """Nothing outside the signature may ride along on a card."""
    _, _, payload, signature = cbor2.loads(cose_of(CARD)).value
    cose = cbor2.dumps(cbor2.CBORTag(18, [PROTECTED, {4: b"kid"}, payload, signature]))
    assert reason_key(CARD_PREFIX + b45(cose)) == "card.not_signed"


@pytest.mark.parametrize(
    "payload",
    [
        cbor2.dumps(claims_map(**{"-1": 1})),  # a text key
        cbor2.dumps({**claims_map(), 7: 1}),  # an unknown key
        cbor2.dumps({k: v for k, v in claims_map().items() if k != 1}),  # no issuer
        cbor2.dumps({**claims_map(), -1: "00012345678"}),  # the KPJ as text
        cbor2.dumps({**claims_map(), -1: 10**11}),  # 12 digits
        cbor2.dumps({**claims_map(), -1: -5}),
        cbor2.dumps({**claims_map(), -3: True}),
        cbor2.dumps({**claims_map(), -3: 2}),
        cbor2.dumps({**claims_map(), -4: 32}),
        cbor2.dumps({**claims_map(), -2: b"Paijo"}),
        cbor2.dumps({**claims_map(), -2: ""}),
        cbor2.dumps({**claims_map(), 6: 1.5}),
        cbor2.dumps({**claims_map(), 6: -1}),
        cbor2.dumps({**claims_map(), 4: 10**12}),
        cbor2.dumps({**claims_map(), 4: claims_map()[6]}),  # expires when issued
        cbor2.dumps(dict(reversed(claims_map().items()))),  # not in deterministic order
        cbor2.dumps(claims_map()) + b"\x00",
        cbor2.dumps(list(claims_map().items())),
        b"\xff",
    ],
)
def test_signed_but_malformed_claims_are_refused(payload: bytes) -> None:
    assert reason_key(sign_raw(payload)) == "card.malformed"


def test_expiry_and_issue_time_against_the_clock() -> None:
    claims = make_claims()
    check = verify_card(CARD, KEY.public_key(), claims.expires_at)
    assert check.verdict is CardVerdict.EXPIRED
    assert check.claims == claims
    assert check.reason is not None
    assert check.reason.key == "card.expired"
    assert "2027-11-24" in check.reason.text("en")
    one_second = timedelta(seconds=1)
    assert reason_key(CARD, claims.expires_at - one_second) is None
    assert reason_key(CARD, ISSUED - CLOCK_SKEW) is None
    early = verify_card(CARD, KEY.public_key(), ISSUED - CLOCK_SKEW - one_second)
    assert early.verdict is CardVerdict.INVALID
    assert early.claims is None
    assert early.reason is not None
    assert early.reason.key == "card.future"


def test_a_card_signed_by_another_key_is_invalid() -> None:
    check = verify_card(CardSigner(OTHER_KEY).sign(make_claims()), KEY.public_key(), NOW)
    assert check.verdict is CardVerdict.INVALID
    assert check.reason is not None
    assert check.reason.key == "card.bad_signature"


@given(st.binary(max_size=300))
def test_the_fast_base45_encoder_matches_the_package(data: bytes) -> None:
    assert _base45_encode(data, _base45_triples()) == b45(data)


cbor_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**64), 2**64) | st.text() | st.binary(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.integers(-8, 8), inner),
    max_leaves=10,
)


@settings(deadline=None, max_examples=150)
@given(
    st.one_of(
        st.text(max_size=400),
        st.text(alphabet=base45.BASE45_CHARSET, max_size=400).map(CARD_PREFIX.__add__),
        st.binary(max_size=300).map(lambda data: CARD_PREFIX + b45(data)),
        st.tuples(cbor_values, cbor_values, cbor_values, cbor_values).map(
            lambda parts: CARD_PREFIX + b45(cbor2.dumps(cbor2.CBORTag(18, list(parts))))
        ),
        cbor_values.map(lambda claims: sign_raw(cbor2.dumps(claims))),
        st.integers(0, len(CARD) - 1).map(lambda end: CARD[:end]),
    )
)
def test_verify_never_raises(text: str) -> None:
    check = verify_card(text, KEY.public_key(), NOW)
    assert check.verdict is CardVerdict.INVALID
    assert check.reason is not None
    assert check.reason.bilingual()


def test_key_files_load(tmp_path: Path) -> None:
    (tmp_path / "card.pem").write_bytes(private_pem(KEY))
    (tmp_path / "card.pub.pem").write_bytes(public_pem(KEY))
    private = load_card_private_key(tmp_path / "card.pem")
    public = load_card_public_key(tmp_path / "card.pub.pem")
    check = verify_card(CardSigner(private).sign(make_claims()), public, NOW)
    assert check.verdict is CardVerdict.VALID


def test_key_file_problems_name_the_path_and_never_the_key(tmp_path: Path) -> None:
    missing = tmp_path / "absent.pem"
    with pytest.raises(KeyMaterialError) as raised:
        load_card_public_key(missing)
    assert raised.value.message.key == "card.key.missing"
    assert str(missing) in str(raised.value)
    with pytest.raises(KeyMaterialError) as raised:
        load_card_private_key(tmp_path)
    assert raised.value.message.key == "card.key.unreadable"

    swapped = tmp_path / "swapped.pem"
    swapped.write_bytes(private_pem(KEY))
    with pytest.raises(KeyMaterialError) as raised:
        load_card_public_key(swapped)
    assert raised.value.message.key == "card.key.not_public"
    assert str(swapped) in str(raised.value)
    assert "PRIVATE" not in str(raised.value)

    kinds = {
        "public.pem": public_pem(KEY),
        "encrypted.pem": private_pem(KEY, serialization.BestAvailableEncryption(b"secret")),
        "ec.pem": ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        "garbage.pem": b"-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n",
    }
    for name, pem in kinds.items():
        (tmp_path / name).write_bytes(pem)
        with pytest.raises(KeyMaterialError) as raised:
            load_card_private_key(tmp_path / name)
        assert raised.value.message.key == "card.key.not_private", name


def test_a_picture_of_the_card_reads_back(tmp_path: Path) -> None:
    picture = save_qr(CARD, tmp_path / "card.png")
    assert read_card_image(picture) == CARD
    turned = tmp_path / "turned.jpg"
    with Image.open(picture) as image:
        image.convert("RGB").rotate(90, expand=True).resize(
            (image.width * 5 // 3, image.height * 5 // 3), Image.Resampling.BILINEAR
        ).save(turned, quality=80)
    assert read_card_image(turned) == CARD


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("other.png", "card.image.no_card"),
        ("blank.png", "card.image.no_qr"),
        ("text.png", "card.image.unreadable"),
        ("absent.png", "card.image.missing"),
    ],
)
def test_pictures_that_hold_no_card(tmp_path: Path, name: str, problem: str) -> None:
    path = tmp_path / name
    if name == "other.png":
        save_qr("https://www.bpjsketenagakerjaan.go.id/", path)
    elif name == "blank.png":
        Image.new("L", (200, 200), 255).save(path)
    elif name == "text.png":
        path.write_text("not a picture")
    with pytest.raises(InvalidInputError) as raised:
        read_card_image(path)
    assert raised.value.message.key == problem
    assert str(path) in str(raised.value)
