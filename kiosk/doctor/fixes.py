"""How to fix each core error a check meets, in one place.

A core error's sentence says what is wrong to every caller (``kiosk run``, a
sync, the staff screen); the doctor adds what an operator does about it, told
with the error's own parameters (its path, say).
"""

from collections.abc import Mapping
from dataclasses import dataclass

from kiosk.config import Config
from kiosk.errors import ExpiredError, KioskError, UnavailableError
from kiosk.i18n import Message, msg


@dataclass(frozen=True)
class Fixes:
    """The fix for a check's core errors: by the error's message key, else ``otherwise``."""

    by_key: Mapping[str, str]
    otherwise: str

    def of(self, error: Message, **extra: object) -> Message:
        """``extra`` fills what the fix names beyond the error's own parameters."""
        return msg(self.by_key.get(error.key, self.otherwise), **{**extra, **error.params})


_SECRET_FILE = {
    "key.unreadable": "doctor.fix.key_unreadable",
    "key.symlink": "doctor.fix.key_not_a_file",
    "key.too_open": "doctor.fix.key_too_open",
}
"""What :func:`kiosk.keys.read_private_file` refuses, for the master and the fleet key alike."""

CONFIG = Fixes({"config.missing": "doctor.fix.config_missing"}, "doctor.fix.config")
MASTER_KEY = Fixes(
    {
        **_SECRET_FILE,
        "key.none": "doctor.fix.key_none",
        "key.missing_file": "doctor.fix.key_missing",
        "key.not_a_file": "doctor.fix.key_not_a_file",
        "key.malformed": "doctor.fix.key_malformed",
    },
    "doctor.fix.key_unreadable",
)
FLEET_KEY = Fixes(
    {**_SECRET_FILE, "key.missing_file": "doctor.fix.fleet_missing"}, "doctor.fix.trust"
)
CACHE = Fixes(
    {
        "cache.missing": "doctor.fix.cache_missing",
        "cache.wrong_key": "doctor.fix.wrong_key",
        "cache.not_a_cache": "doctor.fix.cache_rebuild",
        "cache.corrupt": "doctor.fix.cache_rebuild",
        "cache.record_corrupt": "doctor.fix.cache_rebuild",
        "cache.too_new": "doctor.fix.update",
        "cache.disk_full": "doctor.fix.disk",
        "cache.busy": "doctor.fix.retry",
    },
    "doctor.fix.cache_access",
)


def feed_fix(error: KioskError, config: Config) -> Message:
    """By the kind of failure :func:`kiosk.feed.client.tuf_failures` raised: out of reach,
    expired, or refused."""
    if isinstance(error, UnavailableError):
        return msg("doctor.fix.feed_unreachable", source=config.feed.source, config=config.path)
    if isinstance(error, ExpiredError):
        return msg("doctor.fix.feed_expired")
    return msg("doctor.fix.feed_rejected", dir=config.feed.trust_dir)
