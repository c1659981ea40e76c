"""Made-up members who look real, for the tests, the demo and the benchmark.

No row describes a real person, yet every row passes the same checks as the
central store's: NIKs carry real district codes and consistent birth dates,
names have apostrophes and accents, and some contributions are paid ahead,
some late and some never. Rows stream from a generator, so a million of them need no more memory
than one, and the same seed always gives the same rows.
"""

import random
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from math import gcd

from kiosk.member import MembershipStatus, Segment
from kiosk.nik import WOMEN_DAY_OFFSET
from kiosk.regions import Level, load_regions
from kiosk.standing import due_period

_BIRTH_FIRST = date(1960, 1, 1)
_BIRTH_LAST = date(2007, 12, 31)
_SERIALS = 999
"""Serials 0001-0999: real ones count people born on one day in one district, so stay low."""
_KPJ_FIRST = 10**10
_KPJ_SPAN = 9 * 10**10

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

_REASONS_EMPLOYEE = ("Berhenti bekerja", "Mengundurkan diri", "Pemutusan hubungan kerja",
                     "Kontrak kerja berakhir", "Tidak ada pembayaran iuran 3 bulan",
                     "Perusahaan menunggak iuran")  # fmt: skip
_REASONS_CONSTRUCTION = ("Proyek konstruksi telah selesai", "Masa kontrak proyek berakhir")
_REASONS_SELF = ("Tidak ada pembayaran iuran 3 bulan", "Mengundurkan diri",
                 "Masa kepesertaan berakhir")  # fmt: skip
_REASONS_MIGRANT = ("Masa perlindungan berakhir", "Kembali ke Indonesia",
                    "Tidak ada pembayaran iuran 3 bulan")  # fmt: skip

_SEGMENTS = (Segment.PU,) * 35 + (Segment.BPU,) * 9 + (Segment.JAKON,) * 3 + (Segment.PMI,) * 3
"""Drawn uniformly: wage earners are most members."""

_INACTIVE = 0.15
"""Inactive members are 3 to 24 months behind; of the active ones, these shares have
never paid, paid ahead or paid up, and the rest are 1 or 2 months behind."""
_NEVER_PAID = 0.02
_PAID_AHEAD = 0.08
_PAID_UP = 0.70
_JHT_EMPTY = 0.03
_JHT_MAX = 350_000_000

_SINGLE_NAMES = 0.2
_TWO_PART_NAMES = 0.75
_EMPLOYERS, _CONTRACTORS, _GROUPS, _AGENCIES = 2000, 200, 100, 100
"""How many firms of each kind the members share, each with its own NPP."""


def synthetic_rows(count: int, *, seed: int, today: date) -> Iterator[dict[str, str]]:
    """Yield ``count`` rows with exactly :data:`central.rows.COLUMNS`, all values text.

    NIKs and KPJs are unique without remembering them: row ``i`` takes slot
    ``(offset + i * step) mod size`` for a step coprime to the size, a
    permutation, so no two rows share a birth date, sex and serial (which the
    NIK spells out whatever its district), nor a KPJ. ``today`` must be after
    2007, the last birth year, for the NIKs to be valid.
    """
    rng = random.Random(seed)  # noqa: S311 - made-up people, not secrets
    r = rng.random
    districts = [region.code for region in load_regions().current(Level.DISTRICT)]
    days = (_BIRTH_LAST - _BIRTH_FIRST).days + 1
    slots = days * 2 * _SERIALS
    if count > slots:
        raise ValueError(f"synthetic_rows makes at most {slots} unique NIKs")
    nik_step, nik_offset = _permutation(rng, slots)
    kpj_step, kpj_offset = _permutation(rng, _KPJ_SPAN)

    births = [_BIRTH_FIRST + timedelta(days=day) for day in range(days)]
    birth_texts = [birth.isoformat() for birth in births]
    nik_dates = [
        f"{birth.day + offset:02d}{birth.month:02d}{birth.year % 100:02d}"
        for birth in births
        for offset in (0, WOMEN_DAY_OFFSET)
    ]
    serials = [f"{serial:04d}" for serial in range(1, _SERIALS + 1)]
    due = due_period(today)
    paid_up, paid_ahead = str(due), str(due.shifted(1))
    arrears = [str(due.shifted(-months)) for months in range(1, 3)]
    lapsed = [str(due.shifted(-months)) for months in range(3, 25)]
    recent = [(today - timedelta(days=days_ago)).isoformat() for days_ago in range(31)]
    past = [(today - timedelta(days=days_ago)).isoformat() for days_ago in range(1, 121)]

    firm_count = _EMPLOYERS + _CONTRACTORS + _GROUPS + _AGENCIES
    npps = (f"{npp:08d}" for npp in rng.sample(range(10**7, 10**8), firm_count))
    employers = _firms(rng, npps, _EMPLOYERS, ("PT",) * 4 + ("CV",), ("",) * 10 + _FIRM_TRADES)
    contractors = _firms(rng, npps, _CONTRACTORS, ("PT",), ("Konstruksi", "Bangun Persada"))
    groups = _firms(rng, npps, _GROUPS, _GROUP_KINDS, ("",))
    agencies = _firms(rng, npps, _AGENCIES, ("PT",), ("Tenaga Kerja", "Penempatan Pekerja Migran"))
    profiles = {
        Segment.PU: (employers, 1.0, ("JKK JKM JHT JP JKP",) * 3 + ("JKK JKM JHT JP",)),
        Segment.JAKON: (contractors, 1.0, ("JKK JKM",)),
        Segment.BPU: (groups, 0.15, ("JKK JKM",) * 3 + ("JKK JKM JHT",) * 2),
        Segment.PMI: (agencies, 0.25, ("JKK JKM", "JKK JKM JHT")),
    }
    reasons = {
        Segment.PU: _REASONS_EMPLOYEE,
        Segment.JAKON: _REASONS_CONSTRUCTION,
        Segment.BPU: _REASONS_SELF,
        Segment.PMI: _REASONS_MIGRANT,
    }

    for index in range(count):
        rest, serial = divmod((nik_offset + index * nik_step) % slots, _SERIALS)
        sex = rest & 1
        segment = _SEGMENTS[int(r() * len(_SEGMENTS))]
        firms, with_firm, program_sets = profiles[segment]
        if r() < with_firm:
            employer_name, npp = firms[int(r() * len(firms))]
        else:
            employer_name = npp = ""
        programs = program_sets[int(r() * len(program_sets))]

        if r() < _INACTIVE:
            status = MembershipStatus.NONAKTIF
            causes = reasons[segment]
            reason = causes[int(r() * len(causes))]
            last_paid = lapsed[int(r() * len(lapsed))]
        else:
            status, reason = MembershipStatus.AKTIF, ""
            paid = r()
            if paid < _NEVER_PAID:
                last_paid = ""
            elif paid < _NEVER_PAID + _PAID_AHEAD:
                last_paid = paid_ahead
            elif paid < _NEVER_PAID + _PAID_AHEAD + _PAID_UP:
                last_paid = paid_up
            else:
                last_paid = arrears[int(r() * len(arrears))]

        if "JHT" in programs:
            balance = 0 if r() < _JHT_EMPTY else int(r() ** 2.5 * _JHT_MAX)
            jht_balance, jht_as_of = str(balance), recent[int(r() * len(recent))]
        else:
            jht_balance, jht_as_of = "0", ""

        seconds = int(r() * 86400)
        yield {
            "nik": f"{districts[int(r() * len(districts))]}{nik_dates[rest]}{serials[serial]}",
            "kpj": str(_KPJ_FIRST + (kpj_offset + index * kpj_step) % _KPJ_SPAN),
            "name": _name(r, _NAMES[sex]),
            "birth_date": birth_texts[rest >> 1],
            "mother_name": _name(r, _NAMES[1]),
            "segment": segment.value,
            "status": status.value,
            "status_reason": reason,
            "employer_name": employer_name,
            "npp": npp,
            "programs": programs,
            "last_paid_period": last_paid,
            "jht_balance": jht_balance,
            "jht_as_of": jht_as_of,
            "updated_at": (
                f"{past[int(r() * len(past))]}T{seconds // 3600:02d}:"
                f"{seconds // 60 % 60:02d}:{seconds % 60:02d}+07:00"
            ),
            "deleted": "false",
        }


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
