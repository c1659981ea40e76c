"""Files that are whole or absent, and work that one process does at a time.

The cache, the audit export and the central store's keys, metadata and bundles
all need "a crash leaves the old file or the new one, never half of one"; a
sync and a publish each need "never two at once on the same directory".
"""

import fcntl
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


class AtomicFile:
    """A temporary file whose final name may be decided while writing (a content hash)."""

    def __init__(self, handle: IO[bytes], target: Path) -> None:
        self.handle = handle
        self.target = target

    def write(self, data: bytes) -> None:
        self.handle.write(data)


@contextmanager
def atomic_file(directory: Path, name: str, mode: int) -> Iterator[AtomicFile]:
    """Write to a temporary file in ``directory``, then fsync and rename it into place.

    A crash leaves either the old file or the new one, never half of one.
    """
    temporary = directory / f".{name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            atomic = AtomicFile(handle, directory / name)
            yield atomic
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, atomic.target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_directory(directory)


def write_atomic(path: Path, data: bytes, mode: int) -> None:
    with atomic_file(path.parent, path.name, mode) as handle:
        handle.write(data)


def fsync_directory(directory: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def exclusive(handle: IO[Any], busy: Exception) -> Iterator[None]:
    """Hold ``handle``'s file lock for the block, or raise ``busy`` at once if another has it.

    The lock goes with the process: a crash never leaves it held.
    """
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy from None
        yield
