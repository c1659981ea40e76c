"""The feed's target files: plain names, canonical custom data, stored under their hash.

A target is kept as ``targets/<sha256>.<name>`` (TUF's consistent snapshots):
a new version of a name never overwrites the file a kiosk mid-refresh is
still downloading, and a file no listing names any more is deleted.
"""

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from securesystemslib.exceptions import FormatError
from securesystemslib.formats import encode_canonical
from tuf.api.metadata import TargetFile

from central.feed_files import file_errors
from kiosk.errors import InvalidInputError
from kiosk.files import atomic_file
from kiosk.i18n import msg

HASH: Final = "sha256"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,199}")
_CHUNK: Final = 1 << 20

log = logging.getLogger(__name__)


def checked_changes(
    add: Sequence[tuple[str, Path, Mapping[str, object]]], remove: Sequence[str]
) -> dict[str, dict[str, object]]:
    """Each name safe and named once, each custom signable; returns the customs by name."""
    names = [name for name, _, _ in add]
    for name in (*names, *remove):
        _check_name(name)
    twice = {name for name in names if names.count(name) > 1} | (set(names) & set(remove))
    if twice:
        raise InvalidInputError(msg("central.name_twice", name=sorted(twice)[0]))
    return {name: _checked_custom(name, custom) for name, _, custom in add}


def store_target(directory: Path, name: str, source: Path, custom: dict[str, object]) -> TargetFile:
    """Copy a file into ``directory`` under its content hash, hashing while copying."""
    try:
        reader = source.open("rb")
    except OSError as exc:
        raise InvalidInputError(
            msg("central.source_unreadable", path=source, reason=exc.strerror or exc)
        ) from None
    digest = hashlib.sha256()
    length = 0
    with reader, file_errors(directory), atomic_file(directory, name, 0o644) as writer:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            length += len(chunk)
            writer.write(chunk)
        writer.target = directory / f"{digest.hexdigest()}.{name}"
    return TargetFile(length, {HASH: digest.hexdigest()}, name, {"custom": custom})


def delete_unlisted(directory: Path, listing: Mapping[str, TargetFile]) -> None:
    """Delete the target files in ``directory`` that ``listing`` no longer names."""
    listed = {f"{target.hashes[HASH]}.{name}" for name, target in listing.items()}
    for path in directory.iterdir():
        if path.name not in listed:
            path.unlink()
            log.debug("deleted target file %s", path.name)


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
