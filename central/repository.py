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

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

# securesystemslib.signer re-exports this without __all__, which mypy --strict does not follow.
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import MetaFile, Root, Signed, Snapshot, TargetFile, Targets, Timestamp

from central.feed_files import (
    TARGETS_JSON,
    Top,
    file_errors,
    load_newest_root,
    load_state,
    write_signed,
)
from central.high_water import HighWater
from central.keyfiles import load_signer, new_card_key, new_fleet_key, new_signer
from central.targets import HASH, checked_changes, delete_unlisted, store_target
from kiosk.errors import InvalidInputError
from kiosk.feed.lifetimes import DEFAULT_LIFETIMES, Lifetimes
from kiosk.files import write_atomic
from kiosk.i18n import msg

ROLES: Final = (Root.type, Targets.type, Snapshot.type, Timestamp.type)
"""The top-level roles, root first."""
_CHAIN: Final = (Targets.type, Snapshot.type, Timestamp.type)
"""Each role here is listed by the next one, so re-signing one re-signs those after it."""
KEEP_VERSIONS: Final = 5
"""Versions of targets and snapshot metadata kept for kiosks still mid-refresh."""
_VERSIONED = re.compile(r"(\d+)\.(targets|snapshot)\.json")

log = logging.getLogger(__name__)


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
    with file_errors(directory):
        directory.mkdir(parents=True, exist_ok=True)
        for private in (layout.keys, layout.trust, layout.central):
            private.mkdir(mode=0o700, exist_ok=private == layout.central)
            private.chmod(0o700)
        layout.metadata.mkdir(parents=True)
        layout.targets.mkdir()

        signers = {role: new_signer(layout.role_key(role)) for role in ROLES}
        new_card_key(layout.card_private_key, layout.card_public_key)
        new_fleet_key(layout.fleet_key, layout.trust_fleet_key)

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
        if not (layout.metadata / "timestamp.json").is_file():
            raise InvalidInputError(msg("central.not_a_feed", path=directory))
        root = load_newest_root(layout.metadata)
        signers = {role: load_signer(layout.role_key(role), role, root) for role in ROLES}
        targets, snapshot, timestamp = load_state(layout.metadata, root)
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
        current = (self._root, self._targets, self._snapshot, self._timestamp)
        return current[ROLES.index(role)]

    def check_not_restored(self) -> None:
        """Refuse to sign on top of metadata older than what kiosks may already hold."""
        self.high_water.check_served(self._timestamp.version, self.layout.root)

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
        (see :meth:`HighWater.past_everything`): the way on after a restored backup.
        """
        if not recover:
            self.check_not_restored()
        customs = checked_changes(add, remove)
        listing = self.targets()
        for name, source, _ in add:
            listing[name] = store_target(self.layout.targets, name, source, customs[name])
        for name in remove:
            listing.pop(name, None)
        past = self.high_water.past_everything(now, self.versions().values()) if recover else 0
        with file_errors(self.layout.repository):
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
        with file_errors(self.layout.repository):
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

    def _renew_root(self, now: datetime) -> None:
        """Roots go one version at a time, as kiosks walk them, so a lost one cannot be skipped."""
        version = self._root.version + 1
        self.high_water.claim_root(version, self.layout.metadata)
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
        versions = {
            role: 1
            if first_version
            else self.high_water.next_version(role, self._role(role).version, past)
            for role in roles
        }
        self.high_water.raise_to(**versions)
        targets, snapshot = self._targets, self._snapshot
        targets_meta = snapshot.meta[TARGETS_JSON] if snapshot.meta else MetaFile(1)
        snapshot_meta = self._timestamp.snapshot_meta
        if Targets.type in roles:
            targets = Targets(
                version=versions[Targets.type],
                expires=now + self.lifetimes.targets,
                targets=self.targets() if listing is None else listing,
            )
            data = self._write(targets, f"{targets.version}.targets.json")
            targets_meta = MetaFile.from_data(targets.version, data, [HASH])
        if Snapshot.type in roles:
            snapshot = Snapshot(
                version=versions[Snapshot.type],
                expires=now + self.lifetimes.snapshot,
                meta={TARGETS_JSON: targets_meta},
            )
            data = self._write(snapshot, f"{snapshot.version}.snapshot.json")
            snapshot_meta = MetaFile.from_data(snapshot.version, data, [HASH])
        timestamp = Timestamp(
            version=versions[Timestamp.type],
            expires=now + self.lifetimes.timestamp,
            snapshot_meta=snapshot_meta,
        )
        self._write(timestamp, "timestamp.json")
        self._targets, self._snapshot, self._timestamp = targets, snapshot, timestamp
        self.high_water.raise_to(served=timestamp.version)

    def _write(self, signed: Top, name: str) -> bytes:
        return write_signed(signed, self._signers[signed.type], self.layout.metadata / name)

    def _prune(self) -> None:
        """Delete target files nothing lists any more and metadata versions kiosks no longer need.

        Roots are never pruned: a kiosk walks every root version from its own.
        """
        delete_unlisted(self.layout.targets, self._targets.targets)
        for path in self.layout.metadata.iterdir():
            match = _VERSIONED.fullmatch(path.name)
            if match is not None and int(match[1]) <= self._role(match[2]).version - KEEP_VERSIONS:
                path.unlink()
                log.debug("pruned %s", path.name)
