"""The feed's metadata files: read back only if they verify, written only signed.

The feed trusts nothing it reads from its own ``metadata/`` without checking
the signature against the root, and a file system failure on the way out is
one sentence naming the path, never a traceback.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, TypeVar

# securesystemslib.signer re-exports this without __all__, which mypy --strict does not follow.
from securesystemslib.signer import CryptoSigner
from tuf.api.exceptions import RepositoryError
from tuf.api.metadata import Metadata, Root, Signed, Snapshot, Targets, Timestamp
from tuf.api.serialization import DeserializationError

from kiosk.errors import InvalidInputError, KioskError
from kiosk.files import write_atomic
from kiosk.i18n import msg

TARGETS_JSON: Final = f"{Targets.type}.json"
"""The name snapshot metadata lists the targets metadata under."""

S = TypeVar("S", bound=Signed)
Top = TypeVar("Top", Root, Targets, Snapshot, Timestamp)
"""One of the four top-level roles: what ``Metadata`` wraps and signs."""


def load_signed(path: Path, kind: type[S], root: Root | None = None) -> S:
    """One metadata file, checked against ``root`` (a root against itself).

    Our own metadata must verify: anything else means the feed was damaged or tampered with.
    """
    try:
        metadata: Metadata[Any] = Metadata.from_bytes(path.read_bytes())
    except FileNotFoundError:
        raise InvalidInputError(msg("central.missing_metadata", path=path)) from None
    except (OSError, DeserializationError):
        raise InvalidInputError(msg("central.damaged", path=path)) from None
    signed = metadata.signed
    delegator = signed if root is None else root
    if not isinstance(signed, kind) or not isinstance(delegator, Root):
        raise InvalidInputError(msg("central.damaged", path=path))
    try:
        delegator.verify_delegate(kind.type, metadata.signed_bytes, metadata.signatures)
    except (RepositoryError, ValueError):
        raise InvalidInputError(msg("central.damaged", path=path)) from None
    return signed


def load_newest_root(metadata: Path) -> Root:
    """Version 1, then each newer version there is: kiosks walk them the same way."""
    root = load_signed(metadata / "1.root.json", Root)
    while (newer := metadata / f"{root.version + 1}.root.json").is_file():
        root = load_signed(newer, Root)
    return root


def load_state(metadata: Path, root: Root) -> tuple[Targets, Snapshot, Timestamp]:
    """The state timestamp.json names: its snapshot, and the targets that snapshot lists."""
    timestamp = load_signed(metadata / "timestamp.json", Timestamp, root)
    snapshot_path = metadata / f"{timestamp.snapshot_meta.version}.snapshot.json"
    snapshot = load_signed(snapshot_path, Snapshot, root)
    if TARGETS_JSON not in snapshot.meta:
        raise InvalidInputError(msg("central.damaged", path=snapshot_path))
    targets_version = snapshot.meta[TARGETS_JSON].version
    targets = load_signed(metadata / f"{targets_version}.targets.json", Targets, root)
    return targets, snapshot, timestamp


def write_signed(signed: Top, signer: CryptoSigner, path: Path) -> bytes:
    """Sign ``signed`` and put it at ``path`` whole; returns the bytes a listing hashes."""
    metadata = Metadata(signed)
    metadata.sign(signer)
    data = metadata.to_bytes()
    write_atomic(path, data, 0o644)
    return data


@contextmanager
def file_errors(path: Path) -> Iterator[None]:
    """A file system failure while writing the feed is one clear line, not a traceback."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or path
        raise KioskError(
            msg("central.unwritable", path=where, reason=exc.strerror or exc)
        ) from None
