"""The errors the core raises on bad input or a broken deployment.

Each carries a bilingual :class:`~kiosk.i18n.Message` so that the CLI prints one
plain line and the UI can show the member's language. None carries personal data.
"""

import errno
import sqlite3

from kiosk.i18n import Message


class KioskError(Exception):
    """Base of every expected failure; anything else is a bug."""

    exit_code = 1

    def __init__(self, message: Message) -> None:
        super().__init__(message.bilingual())
        self.message = message

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled as what it holds, not by its arguments (a subclass may take others): the
        publisher's worker processes raise these across a pipe."""
        return _rebuilt, (type(self), self.message, self.__dict__)


def _rebuilt(kind: type[KioskError], message: Message, state: dict[str, object]) -> KioskError:
    error = kind.__new__(kind)
    Exception.__init__(error, message.bilingual())
    error.__dict__.update(state)
    return error


class ConfigError(KioskError):
    """The configuration file is missing, unreadable or invalid."""


class KeyMaterialError(KioskError):
    """The master key is missing, malformed or not kept private."""


class CacheError(KioskError):
    """The local cache cannot be used as it is."""


class CacheMissingError(CacheError):
    """No cache has been created at the configured path yet."""


class CacheCorruptError(CacheError):
    """The cache file or one of its records is damaged or was tampered with."""


class WrongKeyError(CacheError):
    """The master key loaded is not the one this cache was written with."""


class StateError(KioskError):
    """The kiosk's own state (audit log, settings) cannot be read or written."""


class InvalidInputError(KioskError):
    """What a person typed or a file held does not follow the rules."""

    exit_code = 2


class NotFoundError(KioskError):
    """What was asked for is not in the cache."""

    exit_code = 3


class RejectedError(KioskError):
    """Signed data failed verification: a feed bundle, its metadata, or a card."""

    exit_code = 4


class ExpiredError(KioskError):
    """Signed data verified but is past its expiry (a frozen feed, an old card)."""

    exit_code = 5


class UnavailableError(KioskError):
    """The feed source cannot be reached or read right now; trying later may work."""

    exit_code = 6


def disk_full(error: OSError | sqlite3.DatabaseError) -> bool:
    """Whether ``error`` means a full disk (or quota), as the OS or SQLite says it.

    SQLite says SQLITE_FULL for a write, SQLITE_IOERR_SHMSIZE for a ``-shm``
    file it cannot grow: the first write into a WAL database on a full disk.
    """
    if isinstance(error, OSError):
        return error.errno in (errno.ENOSPC, errno.EDQUOT)
    return getattr(error, "sqlite_errorname", "") in ("SQLITE_FULL", "SQLITE_IOERR_SHMSIZE")
