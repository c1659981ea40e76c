"""The membership file as rows by line: CSV with a header, or JSON Lines of one object each.

A line that is not a row at all (broken CSV, a field too many, not a JSON
object) comes back as a :class:`RowProblem` in its place, so that a publish
reports every bad line of the file by number; ``central.rows`` checks the rest
and ``central.persons`` groups them by person.
"""

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kiosk.errors import InvalidInputError
from kiosk.i18n import Message, msg


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str
    message: Message


Row = dict[str, object]
Line = tuple[int, Row | RowProblem]


def member_rows(path: Path) -> Iterator[Line]:
    """Each line's row or problem, streamed; a file that cannot be read is one sentence."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from _json_lines(handle) if _is_json_lines(path, handle) else _csv_rows(handle)
    except FileNotFoundError:
        raise InvalidInputError(msg("publish.no_file", path=path)) from None
    except UnicodeDecodeError:
        raise InvalidInputError(msg("publish.not_utf8", path=path)) from None
    except OSError as error:
        raise InvalidInputError(
            msg("publish.unreadable", path=path, reason=error.strerror)
        ) from None


def _is_json_lines(path: Path, handle: IO[str]) -> bool:
    if path.suffix.lower() in {".jsonl", ".ndjson", ".json"}:
        return True
    if path.suffix.lower() == ".csv":
        return False
    start = handle.read(1)
    handle.seek(0)
    return start == "{"


def _csv_rows(handle: IO[str]) -> Iterator[Line]:
    reader = csv.DictReader(handle, strict=True)
    try:
        for row in reader:
            if None in row or None in row.values():
                yield (
                    reader.line_num,
                    RowProblem(
                        reader.line_num,
                        "-",
                        msg("publish.csv_fields", expected=len(reader.fieldnames or [])),
                    ),
                )
                continue
            yield reader.line_num, dict(row)
    except csv.Error:
        yield reader.line_num, RowProblem(reader.line_num, "-", msg("publish.csv_syntax"))


def _json_lines(handle: IO[str]) -> Iterator[Line]:
    for line, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except ValueError:
            yield line, RowProblem(line, "-", msg("publish.json_syntax"))
            continue
        if not isinstance(row, dict):
            yield line, RowProblem(line, "-", msg("publish.json_object"))
            continue
        yield line, row
