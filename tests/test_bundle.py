"""The bundle format on its own: every frame sealed, order and end bound, count checked."""

import io
import struct
from datetime import UTC, datetime

import pytest

from kiosk.feed.bundle import (
    MAGIC,
    BundleError,
    BundleHeader,
    BundleKind,
    BundleReader,
    BundleWriter,
    Entry,
    fleet_key_id,
)

KEY = bytes(range(32))
NIKS = [b"%016d" % (3201010101900001 + i) for i in range(3000)]


def header(records: int, kind: BundleKind = BundleKind.DELTA) -> BundleHeader:
    base = "s1" if kind is BundleKind.DELTA else None
    return BundleHeader(kind, 2, base, "s2", records, fleet_key_id(KEY), datetime.now(UTC))


def written(entries: list[Entry], records: int | None = None) -> bytes:
    out = io.BytesIO()
    writer = BundleWriter(out, KEY, header(len(entries) if records is None else records))
    for nik, mother, body in entries:
        if body:
            writer.upsert(nik, mother, body)
        else:
            writer.delete(nik)
    writer.close()
    return out.getvalue()


def entries() -> list[Entry]:
    """Enough bodies for several frames, with a delete among them."""
    made: list[Entry] = [(nik, b"sitiaminah", b'["x",' + b"7" * 300 + b"]") for nik in NIKS]
    made[5] = (NIKS[5], b"", b"")
    return made


def read(data: bytes, key: bytes = KEY) -> list[Entry]:
    reader = BundleReader(io.BytesIO(data), key)
    return [entry for frame in reader.frames() for entry in frame]


def frame_offsets(data: bytes) -> list[int]:
    (size,) = struct.unpack_from(">I", data, len(MAGIC))
    at = len(MAGIC) + 4 + size
    offsets = []
    while at < len(data):
        offsets.append(at)
        (length,) = struct.unpack_from(">I", data, at)
        at += 4 + length
    return offsets


def test_entries_round_trip_across_frames() -> None:
    data = written(entries())
    assert len(frame_offsets(data)) > 2
    assert read(data) == entries()


def test_an_empty_delta_still_has_its_sealed_last_frame() -> None:
    data = written([])
    assert read(data) == []
    with pytest.raises(BundleError):
        read(data[: frame_offsets(data)[0]])


def test_a_bundle_cut_at_a_frame_boundary_is_detected() -> None:
    data = written(entries())
    with pytest.raises(BundleError, match="cut short"):
        read(data[: frame_offsets(data)[-1]])


@pytest.mark.parametrize("cut", [1, 17, 100])
def test_a_bundle_cut_inside_a_frame_is_detected(cut: int) -> None:
    data = written(entries())
    with pytest.raises(BundleError):
        read(data[:-cut])


def test_swapped_frames_are_detected() -> None:
    data = written(entries())
    first, second, third = frame_offsets(data)[:3]
    swapped = data[:first] + data[second:third] + data[first:second] + data[third:]
    with pytest.raises(BundleError, match="altered"):
        read(swapped)


def test_a_changed_header_breaks_every_frame() -> None:
    data = written(entries())
    forged = data.replace(b'"sequence": 2', b'"sequence": 3')
    assert forged != data
    with pytest.raises(BundleError, match="altered"):
        read(forged)


def test_every_flipped_byte_in_the_frames_is_caught() -> None:
    data = written(entries()[:40])
    start = frame_offsets(data)[0]
    for at in range(start, len(data), 97):
        damaged = bytearray(data)
        damaged[at] ^= 0x80
        with pytest.raises(BundleError):
            read(bytes(damaged))


def test_another_fleet_key_is_named_not_guessed() -> None:
    other = bytes(32)
    with pytest.raises(BundleError, match=fleet_key_id(other)):
        read(written(entries()[:3]), other)


def test_a_header_promising_other_counts_is_refused_by_the_writer() -> None:
    with pytest.raises(ValueError, match="promised"):
        written(entries()[:3], records=4)


@pytest.mark.parametrize("data", [b"", b"not a bundle at all", MAGIC + b"\xff\xff\xff\xff"])
def test_other_files_are_not_bundles(data: bytes) -> None:
    with pytest.raises(BundleError):
        read(data)
