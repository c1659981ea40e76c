"""The highest numbers a feed has used, kept with its keys so that none is ever used twice."""

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

from central.feed_files import file_errors
from kiosk.errors import InvalidInputError, KioskError
from kiosk.files import write_atomic
from kiosk.i18n import msg


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

    def next_version(self, role: str, current: int, past: int = 0) -> int:
        """Above ``current``, this mark and ``past``: never a version signed before."""
        return max(current, self[role], past) + 1

    def past_everything(self, now: datetime, versions: Iterable[int]) -> int:
        """A number above every version this feed can have signed, even those a backup forgot.

        The seconds since the epoch: versions count up by one a signature, and
        no feed signs once a second all its life. These marks and the current
        ``versions`` count too, in case the clock is wrong.
        """
        return max(int(now.timestamp()), self.highest(), *versions)

    def check_served(self, timestamp_version: int, feed: Path) -> None:
        """Refuse a timestamp older than one served: kiosks may already hold the newer one."""
        served = self["served"]
        if served > timestamp_version:
            raise KioskError(
                msg("central.restored", path=feed, served=served, version=timestamp_version)
            )

    def claim_root(self, version: int, metadata: Path) -> None:
        """Save root ``version`` before it is signed, unless signed before and since lost."""
        if version <= self["root"]:
            raise KioskError(msg("central.root_lost", path=metadata, version=version))
        self.raise_to(root=version)

    def raise_to(self, **marks: int) -> None:
        """Save ``marks`` durably, never lowering one, before the caller signs or lists them."""
        for name, value in marks.items():
            self._marks[name] = max(self[name], value)
        data = json.dumps(self._marks, sort_keys=True).encode() + b"\n"
        with file_errors(self._path):
            write_atomic(self._path, data, 0o600)
