"""Made-up persons who look real, for the tests, the demo and the benchmark.

No row describes a real person, yet every row passes the same checks as the
central store's: NIKs carry real district codes and consistent birth dates
(but for a few data-quality rows, as in the real store), names have
apostrophes and accents, and some contributions are paid ahead, some late and
some never. A person has a row per membership, about 1.3 on average: job
changers hold two or three KPJs, the older ones ended (resigned, dismissed, a
contract over) or merged into the newer one; some wage earners also pay a
self-employed (BPU) membership; every status code occurs. Rows stream from a
generator, so a million persons need no more memory than one; a person's rows
come one after another, oldest membership first; the same seed always gives
the same rows.
"""

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from math import gcd
from typing import TypeVar

from kiosk.claims import RETIREMENT_AGE, anniversary
from kiosk.member import EMPLOYMENT_ENDED, MembershipStatus, Period, Segment, StatusCode
from kiosk.nik import WOMEN_DAY_OFFSET
from kiosk.regions import Level, load_regions
from kiosk.standing import due_period, first_history_period

_BIRTH_FIRST = date(1960, 1, 1)
_BIRTH_LAST = date(2007, 12, 31)
_SERIALS = 999
"""Serials 0001-0999: real ones count people born on one day in one district, so stay low."""
_KPJ_FIRST = 10**10
_KPJ_SPAN = 9 * 10**10
_T = TypeVar("_T")
_WORKING_AGE = 18
"""Years: no membership starts earlier in life."""

_NameParts = tuple[Sequence[str], Sequence[str], Sequence[str], Sequence[str]]
"""Single names, first names, middle names, last names."""
_MALE_SINGLE = ("Mulyono", "Sutrisno", "Paijo", "Tukiman", "Wagiman", "Suparman", "Slamet",
                "Ma'ruf", "Syafi'i", "Sugiyono", "Ngadiman", "Rusdi")  # fmt: skip
_FEMALE_SINGLE = ("Sukarni", "Suharti", "Ngatini", "Sumiati", "Nur'aini", "Tumini", "Kartini",
                  "Ni'mah", "Déwi", "Painem", "Marsini", "Sa'diyah")  # fmt: skip
_MALE_FIRST = ("Ahmad", "Muhammad", "Budi", "Agus", "Joko", "Bambang", "Hendra", "Rizky", "Dedi",
               "Eko", "Wahyu", "Yusuf", "Andi", "I Made", "I Ketut", "I Wayan", "Teguh", "Abdul",
               "Hasan", "Fajar", "Arif", "Dimas", "Bayu", "Yohanes", "Fransiskus", "Antonius",
               "Markus", "La Ode", "Mu'min", "Ibrāhīm", "André", "Ḥusain")  # fmt: skip
_FEMALE_FIRST = ("Siti", "Sri", "Dewi", "Rina", "Wulan", "Ayu", "Putri", "Fitri", "Maria",
                 "Yuliana", "Ratna", "Indah", "Nurul", "Ni Luh", "Ni Made", "Anisa",
                 "Nur'aini", "Sa'adah", "Déwi", "Fāṭimah", "Zulaikhā", "Theresia", "Ruth",
                 "Wa Ode")  # fmt: skip
_MALE_MIDDLE = ("Nur", "Adi", "Dwi", "Tri", "Eka", "Rahmat", "Ma'ruf", "Abdul", "Ṣāliḥ", "Putu")
_FEMALE_MIDDLE = ("Nur", "Dwi", "Tri", "Eka", "Ayu", "Kusuma", "Mu'awanah", "Intan")
_MALE_LAST = ("Saputra", "Pratama", "Wijaya", "Kurniawan", "Hidayat", "Setiawan", "Simanjuntak",
              "Siregar", "Nasution", "Hutapea", "Sinaga", "Wowor", "Pattinama", "Kogoya",
              "Tanjung", "Harahap", "Gunawan", "Santoso", "Firmansyah", "Ramadhan")  # fmt: skip
_FEMALE_LAST = ("Saputri", "Lestari", "Rahmawati", "Susanti", "Handayani", "Permatasari",
                "Wulandari", "Simanjuntak", "Siregar", "Nasution", "Hutapea", "Sinaga", "Wowor",
                "Pattinama", "Rahayu", "Ṣāliḥah", "Anggraini", "Kusumawati")  # fmt: skip
_NAMES: tuple[_NameParts, _NameParts] = (
    (_MALE_SINGLE, _MALE_FIRST, _MALE_MIDDLE, _MALE_LAST),
    (_FEMALE_SINGLE, _FEMALE_FIRST, _FEMALE_MIDDLE, _FEMALE_LAST),
)
"""By the NIK's sex: index 0 for men, 1 for women."""

_FIRM_WORDS = ("Maju", "Sinar", "Karya", "Sumber", "Bintang", "Mitra", "Cahaya", "Putra", "Mega",
               "Indo", "Tunas", "Berkah", "Surya", "Anugerah", "Graha", "Dharma")  # fmt: skip
_FIRM_QUALITIES = ("Jaya", "Abadi", "Mandiri", "Sejahtera", "Makmur", "Sentosa", "Utama",
                   "Perkasa", "Lestari", "Nusantara", "Gemilang", "Rezeki")  # fmt: skip
_FIRM_TRADES = ("Tekstil", "Logistik", "Elektronik", "Pangan", "Farma", "Plastik", "Retail",
                "Perkebunan", "Otomotif", "Garmen")  # fmt: skip
_GROUP_KINDS = ("Koperasi Nelayan", "Koperasi Tani", "Paguyuban Ojek", "Koperasi Pedagang Pasar")

_SEGMENTS = (Segment.PU,) * 35 + (Segment.BPU,) * 9 + (Segment.JAKON,) * 3 + (Segment.PMI,) * 3
"""A person's current membership, drawn uniformly: wage earners are most members."""
_S = StatusCode
_CODES = {
    Segment.PU: (_S.TUNGGAKAN,) * 6 + (_S.BERHENTI_BEKERJA,) * 4 + (_S.PHK,) * 2
    + (_S.KONTRAK_SELESAI,) * 3 + (_S.DATA_TIDAK_SESUAI,) * 2 + (_S.MENINGGAL, _S.LAINNYA),
    Segment.JAKON: (_S.KONTRAK_SELESAI,) * 6 + (_S.TUNGGAKAN,) * 3 + (_S.LAINNYA,),
    Segment.BPU: (_S.TUNGGAKAN,) * 8 + (_S.DATA_TIDAK_SESUAI, _S.MENINGGAL, _S.LAINNYA),
    Segment.PMI: (_S.KONTRAK_SELESAI,) * 5 + (_S.TUNGGAKAN,) * 4 + (_S.LAINNYA,),
}  # fmt: skip
"""Why a current membership is not active, by segment: a project or a placement ends as a
contract does; the self-employed mostly stop paying."""
_LEFT = (_S.BERHENTI_BEKERJA,) * 5 + (_S.PHK,) * 2 + (_S.KONTRAK_SELESAI,) * 3
"""How an earlier job ended."""
_ENDED = EMPLOYMENT_ENDED | {_S.USIA_PENSIUN, _S.MENINGGAL, _S.DIGABUNG}
"""The codes that come with an end date."""

_INACTIVE = 0.15
"""Inactive current memberships; of the active ones, these shares have never paid, paid
ahead or paid up, and the rest are 1 or 2 months behind."""
_NEVER_PAID = 0.02
_PAID_AHEAD = 0.08
_PAID_UP = 0.70
_RETIRED = 0.4
"""Of the persons past 56, those whose current membership ended at retirement age."""
_ONE_EARLIER_JOB = 0.25
_TWO_EARLIER_JOBS = 0.08
"""Wage earners who changed jobs, each earlier job with a KPJ of its own."""
_MERGED = 0.25
"""Of the earlier KPJs, those whose balance was already merged into the newer one."""
_ALSO_SELF_EMPLOYED = 0.04
"""Active wage earners who also pay a self-employed (BPU) membership on the side."""
_BIRTH_DATE_TYPO = 0.015
"""Persons whose recorded birth date is a year off the NIK's: the data-quality cases."""
_TYPO_DEACTIVATED = 0.5
"""Of those, the ones whose membership the check against Dukcapil deactivated."""
_RECENT_END = 0.3
"""Ended jobs that ended within the waiting month: their JHT can be claimed from a date."""
_MONTH_MISSING = 0.1
"""Memberships with one month of the year not paid, though later ones were."""
_JHT_EMPTY = 0.03
_JHT_MAX = 350_000_000

_SINGLE_NAMES = 0.2
_TWO_PART_NAMES = 0.75
_EMPLOYERS, _CONTRACTORS, _GROUPS, _AGENCIES = 2000, 200, 100, 100
"""How many firms of each kind the members share, each with its own NPP."""
_SHORTEST_JOB = timedelta(days=180)
_LONGEST_EARLIER_JOB = 8 * 365
_LONGEST_SIDE_LINE = 5 * 365
_NEWEST_START = timedelta(days=30)
"""The newest membership started at least a month ago."""


def synthetic_rows(count: int, *, seed: int, today: date) -> Iterator[dict[str, str]]:
    """Yield the rows of ``count`` persons, with exactly :data:`central.rows.COLUMNS`, all text.

    NIKs and KPJs are unique without remembering them: person ``i`` takes slot
    ``(offset + i * step) mod size`` for a step coprime to the size, a
    permutation, so no two persons share a birth date, sex and serial (which the
    NIK spells out whatever its district); the ``j``-th membership takes a KPJ
    the same way. ``today`` must be after 2007, the last birth year, for the
    NIKs to be valid.
    """
    rng = random.Random(seed)  # noqa: S311 - made-up people, not secrets
    days = (_BIRTH_LAST - _BIRTH_FIRST).days + 1
    slots = days * 2 * _SERIALS
    if count > slots:
        raise ValueError(f"synthetic_rows makes at most {slots} unique NIKs")
    nik_step, nik_offset = _permutation(rng, slots)
    people = _People(rng, today, days)
    for index in range(count):
        yield from people.rows((nik_offset + index * nik_step) % slots)


@dataclass
class _Job:
    """One membership as it is drawn, before its payments."""

    segment: Segment
    start: date
    code: StatusCode | None = None
    end: date | None = None


class _People:
    """The tables every person draws from, and the draws, in a fixed order for the seed."""

    def __init__(self, rng: random.Random, today: date, days: int) -> None:
        self._r = rng.random
        self._today = today
        self._kpj_step, self._kpj_offset = _permutation(rng, _KPJ_SPAN)
        self._kpjs = 0
        self._districts = [region.code for region in load_regions().current(Level.DISTRICT)]
        self._births = [_BIRTH_FIRST + timedelta(days=day) for day in range(days)]
        self._nik_dates = [
            f"{birth.day + offset:02d}{birth.month:02d}{birth.year % 100:02d}"
            for birth in self._births
            for offset in (0, WOMEN_DAY_OFFSET)
        ]
        self._serials = [f"{serial:04d}" for serial in range(1, _SERIALS + 1)]
        self._due = due_period(today)
        self._oldest = first_history_period(today)
        self._recent = [(today - timedelta(days=ago)).isoformat() for ago in range(31)]
        self._past = [(today - timedelta(days=ago)).isoformat() for ago in range(1, 121)]

        firm_count = _EMPLOYERS + _CONTRACTORS + _GROUPS + _AGENCIES
        npps = (f"{npp:08d}" for npp in rng.sample(range(10**7, 10**8), firm_count))
        employers = _firms(rng, npps, _EMPLOYERS, ("PT",) * 4 + ("CV",), ("",) * 10 + _FIRM_TRADES)
        contractors = _firms(rng, npps, _CONTRACTORS, ("PT",), ("Konstruksi", "Bangun Persada"))
        groups = _firms(rng, npps, _GROUPS, _GROUP_KINDS, ("",))
        agencies = _firms(
            rng, npps, _AGENCIES, ("PT",), ("Tenaga Kerja", "Penempatan Pekerja Migran")
        )
        self._profiles = {
            Segment.PU: (employers, 1.0, ("JKK JKM JHT JP JKP",) * 3 + ("JKK JKM JHT JP",)),
            Segment.JAKON: (contractors, 1.0, ("JKK JKM",)),
            Segment.BPU: (groups, 0.15, ("JKK JKM",) * 3 + ("JKK JKM JHT",) * 2),
            Segment.PMI: (agencies, 0.25, ("JKK JKM", "JKK JKM JHT")),
        }

    def _pick(self, choices: Sequence[_T]) -> _T:
        return choices[int(self._r() * len(choices))]

    def rows(self, slot: int) -> list[dict[str, str]]:
        """The rows of the person in NIK slot ``slot``: who they are, then each membership."""
        r = self._r
        rest, serial = divmod(slot, _SERIALS)
        sex = rest & 1
        birth = self._births[rest >> 1]
        typo = r() < _BIRTH_DATE_TYPO
        recorded = anniversary(birth, 1 if r() < 0.5 else -1) if typo else birth
        nik = f"{self._pick(self._districts)}{self._nik_dates[rest]}{self._serials[serial]}"
        name, mother = _name(r, _NAMES[sex]), _name(r, _NAMES[1])
        return [
            {
                "nik": nik,
                "kpj": self._kpj(),
                "name": name,
                "birth_date": recorded.isoformat(),
                "mother_name": mother,
                **self._membership(job),
                "updated_at": self._updated_at(),
                "deleted": "false",
            }
            for job in self._jobs(birth, typo)
        ]

    def _jobs(self, birth: date, typo: bool) -> list[_Job]:
        """The current membership, the earlier jobs it followed and any self-employed one."""
        r, today = self._r, self._today
        latest = today - _NEWEST_START
        earliest = min(anniversary(birth, _WORKING_AGE), latest)
        span = (latest - earliest).days
        segment = self._pick(_SEGMENTS)
        earlier = 0
        if segment is Segment.PU:
            draw = r()
            if draw < _TWO_EARLIER_JOBS:
                earlier = 2
            elif draw < _TWO_EARLIER_JOBS + _ONE_EARLIER_JOB:
                earlier = 1
        current = _Job(segment, latest - timedelta(days=int(r() * span / (earlier + 1))))
        retirement = anniversary(birth, RETIREMENT_AGE)
        if today >= retirement and r() < _RETIRED:
            current.code = StatusCode.USIA_PENSIUN
            current.end = retirement if retirement >= current.start else self._end(current.start)
        elif typo and r() < _TYPO_DEACTIVATED:
            current.code = StatusCode.DATA_TIDAK_SESUAI
        elif r() < _INACTIVE:
            current.code = self._pick(_CODES[segment])
            if current.code in _ENDED:
                current.end = self._end(current.start)
        jobs = [current]
        for _ in range(earlier):
            end = jobs[-1].start - timedelta(days=1 + int(r() * 120))
            room = (end - earliest).days - _SHORTEST_JOB.days
            if room < 0:
                break
            start = end - _SHORTEST_JOB - timedelta(days=int(r() * min(room, _LONGEST_EARLIER_JOB)))
            code = StatusCode.DIGABUNG if r() < _MERGED else self._pick(_LEFT)
            jobs.append(_Job(Segment.PU, start, code, end))
        jobs.reverse()
        if segment is Segment.PU and current.code is None and r() < _ALSO_SELF_EMPLOYED:
            days = int(r() * min(span, _LONGEST_SIDE_LINE))
            jobs.append(_Job(Segment.BPU, latest - timedelta(days=days)))
        return jobs

    def _end(self, start: date) -> date:
        """When a job ended: often within the last month, else up to two years ago."""
        r = self._r
        ago = 1 + int(r() * 28) if r() < _RECENT_END else 30 + int(r() * 700)
        return max(start, self._today - timedelta(days=ago))

    def _membership(self, job: _Job) -> dict[str, str]:
        r = self._r
        firms, with_firm, program_sets = self._profiles[job.segment]
        employer_name, npp = self._pick(firms) if r() < with_firm else ("", "")
        programs = self._pick(program_sets)
        last_paid = self._last_paid(job)
        if "JHT" in programs:
            empty = job.code is StatusCode.DIGABUNG or r() < _JHT_EMPTY
            balance = 0 if empty else int(r() ** 2.5 * _JHT_MAX)
            jht_balance, jht_as_of = str(balance), self._pick(self._recent)
        else:
            jht_balance, jht_as_of = "0", ""
        return {
            "segment": job.segment.value,
            "status": (
                MembershipStatus.AKTIF if job.code is None else MembershipStatus.NONAKTIF
            ).value,
            "status_code": "" if job.code is None else job.code.value,
            "employer_name": employer_name,
            "npp": npp,
            "programs": programs,
            "membership_start": job.start.isoformat(),
            "membership_end": "" if job.end is None else job.end.isoformat(),
            "last_paid_period": "" if last_paid is None else str(last_paid),
            "paid_periods": " ".join(str(month) for month in self._paid_months(job, last_paid)),
            "jht_balance": jht_balance,
            "jht_as_of": jht_as_of,
        }

    def _last_paid(self, job: _Job) -> Period | None:
        """Up to the month a job ended; an active one mostly up to date; arrears of 3+ months."""
        r = self._r
        due = self._due if job.end is None else min(self._due, Period.of(job.end))
        last: Period | None
        if job.code is None:
            paid = r()
            if paid < _NEVER_PAID:
                last = None
            elif paid < _NEVER_PAID + _PAID_AHEAD:
                last = due.shifted(1)
            elif paid < _NEVER_PAID + _PAID_AHEAD + _PAID_UP:
                last = due
            else:
                last = due.shifted(-1 - int(r() * 2))
        elif job.code is StatusCode.TUNGGAKAN:
            last = due.shifted(-3 - int(r() * 22))
        elif job.end is not None:
            last = due
        else:
            last = due.shifted(-int(r() * 25))
        return None if last is None or last < Period.of(job.start) else last

    def _paid_months(self, job: _Job, last_paid: Period | None) -> list[Period]:
        """The year's months from the start (or the oldest published) to the last paid one."""
        if last_paid is None:
            return []
        first = max(self._oldest, Period.of(job.start))
        months = [first.shifted(step) for step in range(last_paid.index - first.index + 1)]
        if len(months) > 1 and self._r() < _MONTH_MISSING:
            del months[int(self._r() * (len(months) - 1))]
        return months

    def _kpj(self) -> str:
        kpj = _KPJ_FIRST + (self._kpj_offset + self._kpjs * self._kpj_step) % _KPJ_SPAN
        self._kpjs += 1
        return str(kpj)

    def _updated_at(self) -> str:
        seconds = int(self._r() * 86400)
        return (
            f"{self._pick(self._past)}T{seconds // 3600:02d}:"
            f"{seconds // 60 % 60:02d}:{seconds % 60:02d}+07:00"
        )


def _permutation(rng: random.Random, size: int) -> tuple[int, int]:
    """A step coprime to ``size`` and an offset: ``i -> (offset + i * step) % size`` is a bijection.

    A large step scatters neighbouring rows across the whole range.
    """
    while True:
        step = rng.randrange(size // 3, size)
        if gcd(step, size) == 1:
            return step, rng.randrange(size)


def _name(r: Callable[[], float], parts: _NameParts) -> str:
    """A single name, as many Javanese have, or two or three parts."""
    singles, firsts, middles, lasts = parts
    shape = r()
    if shape < _SINGLE_NAMES:
        return singles[int(r() * len(singles))]
    first, last = firsts[int(r() * len(firsts))], lasts[int(r() * len(lasts))]
    if shape < _TWO_PART_NAMES:
        return f"{first} {last}"
    return f"{first} {middles[int(r() * len(middles))]} {last}"


def _firms(
    rng: random.Random,
    npps: Iterator[str],
    count: int,
    forms: Sequence[str],
    tails: Sequence[str],
) -> list[tuple[str, str]]:
    """Named the Indonesian way: legal form, two hopeful words, often a trade; one NPP each."""
    return [
        (
            " ".join(
                word
                for word in (
                    rng.choice(forms),
                    rng.choice(_FIRM_WORDS),
                    rng.choice(_FIRM_QUALITIES),
                    rng.choice(tails),
                )
                if word
            ),
            next(npps),
        )
        for _ in range(count)
    ]
