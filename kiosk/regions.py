"""Kemendagri region codes: provinces, regencies and districts.

A NIK carries the district where it was first issued, and never changes, so
codes retired since (under 91 and 92, re-coded in 2022) stay valid: they are
loaded too, marked historical. See ``data/wilayah.SOURCE.md``.
"""

import csv
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from kiosk.resources import data_path


class Level(StrEnum):
    PROVINCE = "provinsi"
    REGENCY = "kabupaten_kota"
    DISTRICT = "kecamatan"


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    """Digits only: 2 for a province, 4 for a regency, 6 for a district."""
    name: str
    level: Level
    historical: bool


class Regions:
    def __init__(self, regions: list[Region]) -> None:
        self._by_code = {region.code: region for region in regions}

    def find(self, code: str) -> Region | None:
        return self._by_code.get(code)

    def current(self, level: Level) -> list[Region]:
        """Codes in use today, in code order: what new NIKs are issued under."""
        return [r for r in self._by_code.values() if r.level is level and not r.historical]


@cache
def load_regions() -> Regions:
    regions = _read("wilayah_historical.csv", historical=True)
    regions += _read("wilayah.csv", historical=False)
    return Regions(regions)


def _read(name: str, *, historical: bool) -> list[Region]:
    with data_path(name).open(encoding="utf-8", newline="") as handle:
        return [
            Region(row["code"].replace(".", ""), row["name"], Level(row["level"]), historical)
            for row in csv.DictReader(handle)
        ]
