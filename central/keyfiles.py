"""The feed's key files: a signer per role, the card key pair and the fleet data key.

``init`` writes each once, private (0600) but for the card's public half; every
later open reads a role's key back only if it is still private and is the key
the feed's root names for that role, so a swapped file signs nothing.
"""

from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

# securesystemslib.signer re-exports these without __all__, which mypy --strict does not follow.
from securesystemslib.signer import CryptoSigner, SSlibKey
from tuf.api.metadata import Root

from kiosk.errors import KeyMaterialError
from kiosk.files import write_atomic
from kiosk.i18n import msg
from kiosk.keys import read_private_file, write_new_key

_MAX_KEY_FILE: Final = 64 * 1024


def new_signer(path: Path) -> CryptoSigner:
    """A new Ed25519 role key, saved at ``path`` before the root names it."""
    signer = CryptoSigner(Ed25519PrivateKey.generate())
    write_atomic(path, signer.private_bytes, 0o600)
    return signer


def new_card_key(private_path: Path, public_path: Path) -> None:
    """The key pair that signs members' cards: the public half goes to every kiosk."""
    card = Ed25519PrivateKey.generate()
    private = card.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    write_atomic(private_path, private, 0o600)
    public = card.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    write_atomic(public_path, public, 0o644)


def new_fleet_key(path: Path, trust_copy: Path) -> None:
    """The key every bundle is encrypted under, and its copy for the kiosks' trust bundle."""
    write_new_key(path)
    write_atomic(trust_copy, path.read_bytes(), 0o600)


def load_signer(path: Path, role: str, root: Root) -> CryptoSigner:
    """A role's private key, refused unless private and the one the root names for the role."""
    data = read_private_file(path, _MAX_KEY_FILE)
    try:
        private = load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        private = None
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyMaterialError(msg("central.key_malformed", path=path))
    public = SSlibKey.from_crypto(private.public_key())
    if public.keyid not in root.roles[role].keyids:
        raise KeyMaterialError(msg("central.key_mismatch", path=path, role=role))
    return CryptoSigner(private, public)
