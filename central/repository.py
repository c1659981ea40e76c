"""The central store's TUF repository: the signed feed every kiosk refreshes from.

The kiosk trusts only metadata signed by the keys named in its pinned root, so
everything here is about producing that metadata correctly: consistent
snapshots (a kiosk never mixes two states), a new version for every change (no
rollback), an expiry on every role (no freeze) and timestamp.json written last,
so a crash at any instant leaves the previous state in force. No version is
ever signed twice, not even after a backup is restored: see :class:`HighWater`.

Layout of a feed directory::

    repository/   served as is (web server, object store, USB stick)
      metadata/   N.root.json, N.targets.json, N.snapshot.json, timestamp.json
      targets/    <sha256>.<name>
    keys/         the four role keys, the card key, the fleet data key (private)
                  and high-water.json, the highest versions signed
    trust/        what each kiosk needs: root.json, card-public.pem, fleet.key
    central/      the publisher's own state

Out of scope: rotating the root key or any role key (a new root that changes
keys, signed by both the old and the new root keys) and keeping the root key
offline; every key lives in ``keys/`` and :meth:`FeedRepository.refresh` only
renews roots with the same keys.
"""

import hashlib
import json
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from securesystemslib.exceptions import FormatError
from securesystemslib.formats import encode_canonical

# securesystemslib.signer re-exports these without __all__, which mypy --strict does not follow.
from securesystemslib.signer import CryptoSigner, SSlibKey
from tuf.api.exceptions import RepositoryError
from tuf.api.metadata import (
    Metadata,
    MetaFile,
    Root,
    Signed,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization import DeserializationError

from kiosk.errors import InvalidInputError, KeyMaterialError, KioskError
from kiosk.feed.lifetimes import DEFAULT_LIFETIMES, Lifetimes
from kiosk.files import atomic_file, write_atomic
from kiosk.i18n import msg
from kiosk.keys import read_private_file, write_new_key

ROLES: Final = (Root.type, Targets.type, Snapshot.type, Timestamp.type)
"""The top-level roles, root first."""
_CHAIN: Final = (Targets.type, Snapshot.type, Timestamp.type)
"""Each role here is listed by the next one, so re-signing one re-signs those after it."""
KEEP_VERSIONS: Final = 5
"""Versions of targets and snapshot metadata kept for kiosks still mid-refresh."""
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,199}")
_VERSIONED = re.compile(r"(\d+)\.(targets|snapshot)\.json")
_HASH: Final = "sha256"
_TARGETS_JSON: Final = f"{Targets.type}.json"
_CHUNK: Final = 1 << 20
_MAX_KEY_FILE: Final = 64 * 1024

log = logging.getLogger(__name__)

S = TypeVar("S", bound=Signed)
R = TypeVar("R", Root, Targets, Snapshot, Timestamp)


@dataclass(frozen=True)
class FeedLayout:
    """Where each part of a feed directory lives."""

    root: Path

    @property
    def repository(self) -> Path:
        """The only public part: what is served or copied to a USB stick."""
        return self.root / "repository"

    @property
    def metadata(self) -> Path:
        return self.repository / "metadata"

    @property
    def targets(self) -> Path:
        return self.repository / "targets"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def trust(self) -> Path:
        """The bundle copied to each kiosk."""
        return self.root / "trust"

    @property
    def central(self) -> Path:
        return self.root / "central"

    @property
    def trusted_root(self) -> Path:
        return self.trust / "root.json"

    @property
    def card_public_key(self) -> Path:
        return self.trust / "card-public.pem"

    @property
    def card_private_key(self) -> Path:
        return self.keys / "card.pem"

    @property
    def fleet_key(self) -> Path:
        return self.keys / "fleet.key"

    @property
    def trust_fleet_key(self) -> Path:
        return self.trust / "fleet.key"

    def role_key(self, role: str) -> Path:
        """The private signing key of a top-level role."""
        return self.keys / f"{role}.pem"

    @property
    def high_water(self) -> Path:
        return self.keys / "high-water.json"


class HighWater:
    """The highest numbers this feed has used, each saved (fsynced) before it is used.

    The metadata cannot tell them: a backup restored over ``repository/`` looks
    whole, only older, and signing its next versions again would hand kiosks
    that saw the lost ones two different files under one version. So every
    role's version is saved here before it is signed, ``served`` once a
    timestamp is in place for kiosks to fetch, and ``sequence`` before the
    publisher lists a bundle. It lives with the keys, which change only at
    ``init``: a restore of the feed's state need not touch that directory.
    """

    def __init__(self, path: Path, marks: Mapping[str, int]) -> None:
        self._path = path
        self._marks = dict(marks)

    @classmethod
    def load(cls, path: Path) -> "HighWater":
        """A feed made before this file existed starts with no marks: its metadata is all it has."""
        try:
            marks = json.loads(path.read_bytes())
        except FileNotFoundError:
            return cls(path, {})
        except (OSError, ValueError):
            marks = None
        if not isinstance(marks, dict) or not all(
            type(value) is int and value >= 0 for value in marks.values()
        ):
            raise InvalidInputError(msg("central.high_water_damaged", path=path))
        return cls(path, marks)

    def __getitem__(self, name: str) -> int:
        return self._marks.get(name, 0)

    def highest(self) -> int:
        return max(self._marks.values(), default=0)

    def raise_to(self, **marks: int) -> None:
        """Save ``marks`` durably, never lowering one, before the caller signs or lists them."""
        for name, value in marks.items():
            self._marks[name] = max(self[name], value)
        data = json.dumps(self._marks, sort_keys=True).encode() + b"\n"
        with _file_errors(self._path):
            write_atomic(self._path, data, 0o600)


def init_feed(
    directory: Path, now: datetime, lifetimes: Lifetimes = DEFAULT_LIFETIMES
) -> FeedLayout:
    """Create a new feed: keys, trust bundle and version 1 of every role.

    Never touches an existing feed. timestamp.json is written last, so a feed
    whose creation was interrupted is recognised as not initialised.
    """
    layout = FeedLayout(directory)
    for existing in (layout.repository, layout.keys, layout.trust):
        if existing.exists() or existing.is_symlink():
            raise InvalidInputError(msg("central.exists", path=existing))
    with _file_errors(directory):
        directory.mkdir(parents=True, exist_ok=True)
        for private in (layout.keys, layout.trust, layout.central):
            private.mkdir(mode=0o700, exist_ok=private == layout.central)
            private.chmod(0o700)
        layout.metadata.mkdir(parents=True)
        layout.targets.mkdir()

        signers = {role: CryptoSigner(Ed25519PrivateKey.generate()) for role in ROLES}
        for role, signer in signers.items():
            write_atomic(layout.role_key(role), signer.private_bytes, 0o600)
        card = Ed25519PrivateKey.generate()
        write_atomic(layout.card_private_key, _private_pem(card), 0o600)
        public = card.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        write_atomic(layout.card_public_key, public, 0o644)
        write_new_key(layout.fleet_key)
        write_atomic(layout.trust_fleet_key, layout.fleet_key.read_bytes(), 0o600)

        root = Root(expires=now + lifetimes.root, consistent_snapshot=True)
        for role, signer in signers.items():
            root.add_key(signer.public_key, role)
        high_water = HighWater(layout.high_water, {})
        # Placeholders: with first_version, _advance signs version 1 of each role.
        repository = FeedRepository(
            layout, lifetimes, signers, root, Targets(), Snapshot(), Timestamp(), high_water
        )
        high_water.raise_to(root=1)
        root_bytes = repository._write(root, "1.root.json")
        write_atomic(layout.trusted_root, root_bytes, 0o644)
        repository._advance(now, {}, _CHAIN, first_version=True)
    return layout


class FeedRepository:
    """An initialised feed, opened with its signing keys, for publishing and renewing."""

    def __init__(
        self,
        layout: FeedLayout,
        lifetimes: Lifetimes,
        signers: Mapping[str, CryptoSigner],
        root: Root,
        targets: Targets,
        snapshot: Snapshot,
        timestamp: Timestamp,
        high_water: HighWater,
    ) -> None:
        self.layout = layout
        self.lifetimes = lifetimes
        self.high_water = high_water
        self._signers = dict(signers)
        self._root = root
        self._targets = targets
        self._snapshot = snapshot
        self._timestamp = timestamp

    @classmethod
    def open(cls, directory: Path, lifetimes: Lifetimes = DEFAULT_LIFETIMES) -> "FeedRepository":
        """Load the newest root, the state timestamp.json names, and the role keys."""
        layout = FeedLayout(directory)
        timestamp_path = layout.metadata / "timestamp.json"
        if not timestamp_path.is_file():
            raise InvalidInputError(msg("central.not_a_feed", path=directory))
        root = _load(layout.metadata / "1.root.json", Root)
        while (newer := layout.metadata / f"{root.version + 1}.root.json").is_file():
            root = _load(newer, Root)
        signers = {role: _load_signer(layout.role_key(role), role, root) for role in ROLES}
        timestamp = _load(timestamp_path, Timestamp, root)
        snapshot_path = layout.metadata / f"{timestamp.snapshot_meta.version}.snapshot.json"
        snapshot = _load(snapshot_path, Snapshot, root)
        if _TARGETS_JSON not in snapshot.meta:
            raise InvalidInputError(msg("central.damaged", path=snapshot_path))
        targets_version = snapshot.meta[_TARGETS_JSON].version
        targets = _load(layout.metadata / f"{targets_version}.targets.json", Targets, root)
        high_water = HighWater.load(layout.high_water)
        return cls(layout, lifetimes, signers, root, targets, snapshot, timestamp, high_water)

    def targets(self) -> dict[str, TargetFile]:
        """The current listing by name; ``TargetFile.custom`` is what was published with it."""
        return dict(self._targets.targets)

    def expiries(self) -> dict[str, datetime]:
        return {role: self._role(role).expires for role in ROLES}

    def versions(self) -> dict[str, int]:
        return {role: self._role(role).version for role in ROLES}

    def _role(self, role: str) -> Signed:
        current: dict[str, Signed] = {
            Root.type: self._root,
            Targets.type: self._targets,
            Snapshot.type: self._snapshot,
            Timestamp.type: self._timestamp,
        }
        return current[role]

    def check_not_restored(self) -> None:
        """Refuse to sign on top of metadata older than what kiosks may already hold."""
        served = self.high_water["served"]
        if served > self._timestamp.version:
            raise KioskError(
                msg(
                    "central.restored",
                    path=self.layout.root,
                    served=served,
                    version=self._timestamp.version,
                )
            )

    def publish(
        self,
        add: Sequence[tuple[str, Path, Mapping[str, object]]],
        remove: Sequence[str],
        now: datetime,
        *,
        recover: bool = False,
    ) -> None:
        """Add or replace targets and drop others, as one new feed state.

        Target files are copied first, then targets, snapshot and finally
        timestamp.json are written: until that last rename kiosks see the
        previous state. Afterwards target files no longer listed are deleted
        and old targets and snapshot versions pruned. Removing a name that is
        not listed is not an error, so a publisher can safely run again.
        ``recover`` signs past every version this feed may ever have signed
        (see :meth:`_past_everything`): the way on after a restored backup.
        """
        if not recover:
            self.check_not_restored()
        names = [name for name, _, _ in add]
        for name in (*names, *remove):
            _check_name(name)
        twice = {name for name in names if names.count(name) > 1} | (set(names) & set(remove))
        if twice:
            raise InvalidInputError(msg("central.name_twice", name=sorted(twice)[0]))
        customs = {name: _checked_custom(name, custom) for name, _, custom in add}
        listing = self.targets()
        for name, source, _ in add:
            listing[name] = self._store_target(name, source, customs[name])
        for name in remove:
            listing.pop(name, None)
        past = self._past_everything(now) if recover else 0
        with _file_errors(self.layout.repository):
            self._advance(now, listing, _CHAIN, past=past)
            self._prune()

    def refresh(self, now: datetime) -> list[str]:
        """Re-sign every role that expires within half its lifetime of ``now``.

        Run it from cron (hourly costs nothing when nothing is due): without it
        the timestamp expires within days and kiosks rightly refuse a frozen
        feed. A root is renewed with the same keys as a new version, which
        kiosks fetch and verify against the root they hold.
        """
        self.check_not_restored()
        due = {
            role for role in ROLES if self._role(role).expires - now <= self.lifetimes.of(role) / 2
        }
        renewed: list[str] = []
        with _file_errors(self.layout.repository):
            if Root.type in due:
                self._renew_root(now)
                renewed.append(Root.type)
            chain = [role for role in _CHAIN if role in due]
            if chain:
                roles = _CHAIN[_CHAIN.index(chain[0]) :]
                self._advance(now, None, roles)
                renewed.extend(roles)
                self._prune()
        if renewed:
            log.info("re-signed %s", ", ".join(renewed))
        return renewed

    def _past_everything(self, now: datetime) -> int:
        """A number above every version this feed can have signed, even those a backup forgot.

        The seconds since the epoch: versions count up by one a signature, and
        no feed signs once a second all its life. The high-water mark and the
        current versions count too, in case the clock is wrong.
        """
        return max(int(now.timestamp()), self.high_water.highest(), *self.versions().values())

    def _next_version(self, role: str, past: int) -> int:
        """Above the current version, the high-water mark and ``past``: never one signed before."""
        return max(self._role(role).version, self.high_water[role], past) + 1

    def _renew_root(self, now: datetime) -> None:
        """Roots go one version at a time, as kiosks walk them, so a lost one cannot be skipped."""
        version = self._root.version + 1
        if version <= self.high_water[Root.type]:
            raise KioskError(msg("central.root_lost", path=self.layout.metadata, version=version))
        self.high_water.raise_to(root=version)
        root = Root(
            version=version,
            expires=now + self.lifetimes.root,
            keys=self._root.keys,
            roles=self._root.roles,
            consistent_snapshot=self._root.consistent_snapshot,
        )
        self._write(root, f"{root.version}.root.json")
        self._root = root

    def _advance(
        self,
        now: datetime,
        listing: dict[str, TargetFile] | None,
        roles: Sequence[str],
        *,
        first_version: bool = False,
        past: int = 0,
    ) -> None:
        """Sign and write new versions of ``roles`` (a tail of targets, snapshot, timestamp).

        ``listing`` None keeps the current targets. The versions are saved as
        the high-water mark before anything is signed; the in-memory state
        changes only once timestamp.json is in place.
        """
        versions = {role: 1 if first_version else self._next_version(role, past) for role in roles}
        self.high_water.raise_to(**versions)
        targets, snapshot = self._targets, self._snapshot
        targets_meta = snapshot.meta[_TARGETS_JSON] if snapshot.meta else MetaFile(1)
        snapshot_meta = self._timestamp.snapshot_meta
        if Targets.type in roles:
            targets = Targets(
                version=versions[Targets.type],
                expires=now + self.lifetimes.targets,
                targets=self.targets() if listing is None else listing,
            )
            data = self._write(targets, f"{targets.version}.targets.json")
            targets_meta = MetaFile.from_data(targets.version, data, [_HASH])
        if Snapshot.type in roles:
            snapshot = Snapshot(
                version=versions[Snapshot.type],
                expires=now + self.lifetimes.snapshot,
                meta={_TARGETS_JSON: targets_meta},
            )
            data = self._write(snapshot, f"{snapshot.version}.snapshot.json")
            snapshot_meta = MetaFile.from_data(snapshot.version, data, [_HASH])
        timestamp = Timestamp(
            version=versions[Timestamp.type],
            expires=now + self.lifetimes.timestamp,
            snapshot_meta=snapshot_meta,
        )
        self._write(timestamp, "timestamp.json")
        self._targets, self._snapshot, self._timestamp = targets, snapshot, timestamp
        self.high_water.raise_to(served=timestamp.version)

    def _write(self, signed: R, name: str) -> bytes:
        metadata = Metadata(signed)
        metadata.sign(self._signers[signed.type])
        data = metadata.to_bytes()
        write_atomic(self.layout.metadata / name, data, 0o644)
        return data

    def _store_target(self, name: str, source: Path, custom: dict[str, object]) -> TargetFile:
        """Copy a file into targets/ under its content hash, hashing while copying."""
        try:
            reader = source.open("rb")
        except OSError as exc:
            raise InvalidInputError(
                msg("central.source_unreadable", path=source, reason=exc.strerror or exc)
            ) from None
        digest = hashlib.sha256()
        length = 0
        with (
            reader,
            _file_errors(self.layout.targets),
            atomic_file(self.layout.targets, name, 0o644) as writer,
        ):
            while chunk := reader.read(_CHUNK):
                digest.update(chunk)
                length += len(chunk)
                writer.write(chunk)
            writer.target = self.layout.targets / f"{digest.hexdigest()}.{name}"
        return TargetFile(length, {_HASH: digest.hexdigest()}, name, {"custom": custom})

    def _prune(self) -> None:
        """Delete target files nothing lists any more and metadata versions kiosks no longer need.

        Roots are never pruned: a kiosk walks every root version from its own.
        """
        listed = {
            f"{target.hashes[_HASH]}.{name}" for name, target in self._targets.targets.items()
        }
        for path in self.layout.targets.iterdir():
            if path.name not in listed:
                path.unlink()
                log.debug("deleted target file %s", path.name)
        for path in self.layout.metadata.iterdir():
            match = _VERSIONED.fullmatch(path.name)
            if match is not None and int(match[1]) <= self._role(match[2]).version - KEEP_VERSIONS:
                path.unlink()
                log.debug("pruned %s", path.name)


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name) or ".." in name:
        raise InvalidInputError(msg("central.bad_name", name=name))


def _checked_custom(name: str, custom: Mapping[str, object]) -> dict[str, object]:
    """The custom fields must survive canonical JSON: strings, integers, booleans, lists, maps."""
    value = dict(custom)
    try:
        encode_canonical(value)
    except FormatError:
        raise InvalidInputError(msg("central.bad_custom", name=name)) from None
    return value


def _private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def _load(path: Path, kind: type[S], root: Root | None = None) -> S:
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


def _load_signer(path: Path, role: str, root: Root) -> CryptoSigner:
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


@contextmanager
def _file_errors(path: Path) -> Iterator[None]:
    """A file system failure while writing the feed is one clear line, not a traceback."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or path
        raise KioskError(
            msg("central.unwritable", path=where, reason=exc.strerror or exc)
        ) from None
