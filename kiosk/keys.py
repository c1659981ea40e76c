"""The kiosk master key, where it is loaded from, and the subkeys derived from it.

One 32-byte master key per kiosk; HKDF-SHA256 derives a separate subkey for
each use, so that no key ever serves two purposes. The key check value is also
derived, one-way, so a wrong key is recognised without revealing the right one.
"""

import errno
import hmac
import logging
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kiosk.config import Config
from kiosk.errors import KeyMaterialError
from kiosk.i18n import msg

KEY_BYTES = 32
CREDENTIAL_NAME = "master-key"
"""The name under which systemd's ``LoadCredentialEncrypted=`` hands the key over."""
ENV_VAR = "KIOSK_MASTER_KEY"
_INFO_PREFIX = b"bpjstk-kiosk/v1/"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Subkeys:
    record: bytes = field(repr=False)
    """AES-256-GCM key of the member records."""
    index: bytes = field(repr=False)
    """HMAC key of the blind index that finds a record by NIK."""
    audit: bytes = field(repr=False)
    """HMAC key of the NIK hashes in the audit log."""
    wrap: bytes = field(repr=False)
    """AES-256-GCM key that wraps the secrets a cache keeps of its own."""
    check: bytes = field(repr=False)
    """Key check value: stored in the cache to recognise this key."""

    @property
    def key_id(self) -> str:
        """A short public name of the key, safe to print and to log."""
        return self.check[:8].hex()


@dataclass(frozen=True)
class MasterKey:
    secret: bytes = field(repr=False)
    source: str
    """Where it came from, for operators: never the key itself."""

    def subkeys(self) -> Subkeys:
        return Subkeys(
            **{
                name: derive_key(self.secret, name) for name in ("record", "index", "audit", "wrap")
            },
            check=derive_key(self.secret, "check"),
        )


def derive_key(secret: bytes, purpose: str) -> bytes:
    """One key per purpose from one secret (HKDF-SHA256), for the master and the fleet key."""
    hkdf = HKDF(hashes.SHA256(), KEY_BYTES, salt=None, info=_INFO_PREFIX + purpose.encode())
    return hkdf.derive(secret)


def same_key(a: MasterKey, b: MasterKey) -> bool:
    return hmac.compare_digest(a.secret, b.secret)


def _decode(text: str, source: str) -> MasterKey:
    value = text.strip()
    try:
        secret = bytes.fromhex(value)
    except ValueError:
        secret = b""
    if len(secret) != KEY_BYTES:
        raise KeyMaterialError(msg("key.malformed", source=source, size=KEY_BYTES * 2))
    return MasterKey(secret, source)


def write_new_key(path: Path) -> MasterKey:
    """Create a key file readable by its owner only; an existing file is never replaced."""
    key = MasterKey(secrets.token_bytes(KEY_BYTES), f"file {path}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise KeyMaterialError(msg("key.exists", path=path)) from None
    except OSError as exc:
        raise KeyMaterialError(msg("key.unwritable", path=path, reason=exc.strerror)) from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.secret.hex() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return key


def read_private_file(path: Path, limit: int, *, group_may_read: bool = False) -> bytes:
    """Read a secret's file, refusing a link, a non-file, or one others could read or change.

    Only the file itself may not be a link (``O_NOFOLLOW``, no race with a
    check before): whoever may change a directory on the way could as well
    change the file in it. ``group_may_read`` is for systemd's credentials
    directory, private to the unit: systemd 256+ grants the service user read
    access there through an ACL, which ``stat`` shows as the group's read bit
    (mode 0440).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise KeyMaterialError(msg("key.missing_file", path=path)) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP and path.is_symlink():
            raise KeyMaterialError(msg("key.symlink", path=path)) from None
        raise KeyMaterialError(msg("key.unreadable", path=path, reason=exc.strerror)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KeyMaterialError(msg("key.not_a_file", path=path))
        if info.st_mode & (0o037 if group_may_read else 0o077):
            mode = f"{stat.S_IMODE(info.st_mode):04o}"
            raise KeyMaterialError(msg("key.too_open", path=path, mode=mode))
        return os.read(fd, limit)
    finally:
        os.close(fd)


def read_key_file(
    path: Path, source: str | None = None, *, group_may_read: bool = False
) -> MasterKey:
    """Read a 32-byte key kept as hexadecimal text in a private file."""
    data = read_private_file(path, KEY_BYTES * 4, group_may_read=group_may_read)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        text = ""
    return _decode(text, source or f"file {path}")


def credential_path(environ: Mapping[str, str], name: str) -> Path | None:
    """Where systemd put the credential ``name`` (``LoadCredentialEncrypted=``), if it did."""
    credentials = environ.get("CREDENTIALS_DIRECTORY")
    if not credentials:
        return None
    path = Path(credentials) / name
    return path if path.exists() else None


def read_credential(environ: Mapping[str, str], name: str) -> MasterKey | None:
    """A key systemd handed over (decrypted) with ``LoadCredentialEncrypted=``, if it did."""
    path = credential_path(environ, name)
    if path is None:
        return None
    return read_key_file(path, f"credential {name}", group_may_read=True)


def load_master_key(config: Config, environ: Mapping[str, str]) -> MasterKey:
    """systemd credentials first, then the configured key file, then (development) the
    environment."""
    if (credential := read_credential(environ, CREDENTIAL_NAME)) is not None:
        return credential
    if config.master_key_file is not None:
        return read_key_file(config.master_key_file)
    if ENV_VAR in environ:
        log.warning("master key taken from $%s: for development only", ENV_VAR)
        return _decode(environ[ENV_VAR], f"${ENV_VAR}")
    raise KeyMaterialError(msg("key.none", credential=CREDENTIAL_NAME, env=ENV_VAR))
