"""Fixtures shared by the test modules: a fixed day, keys, caches and synthetic persons."""

import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from central.persons import persons_of
from devtools.synthetic import synthetic_rows
from kiosk import pin
from kiosk.cache import Cache
from kiosk.keys import MasterKey
from kiosk.member import Membership, MembershipStatus, Period, Person, Program, Segment, StatusCode
from kiosk.pin import ScryptCost

SHIFT_VARIABLE = "KIOSK_CLOCK_SHIFT_SECONDS"
"""Set by ``make test-later`` beside the preloaded ``tests/clock/shift_clock.c``."""

NEEDS_ESPEAK_NG = pytest.mark.skipif(
    shutil.which("espeak-ng") is None and not os.environ.get("CI"),
    reason="espeak-ng is not installed (apt-get install espeak-ng); CI installs it",
)
"""For tests that run the real espeak-ng: skipped on a machine without it, never in CI."""


def pytest_sessionstart(session: pytest.Session) -> None:
    """A pass meant to run on a moved clock must not silently run on today's date."""
    wanted = os.environ.get(SHIFT_VARIABLE)
    if not wanted:
        return
    with tempfile.TemporaryFile() as probe:
        # A file's time comes from the kernel's clock, which the shift does not reach.
        moved = time.time() - os.fstat(probe.fileno()).st_mtime
    if abs(moved - int(wanted)) > 60:
        raise pytest.UsageError(f"{SHIFT_VARIABLE}={wanted} but the clock moved {moved:.0f} s")


TODAY = date(2026, 11, 24)
CURSOR_TIME = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def a_membership(code: StatusCode | None = None, **changes: object) -> Membership:
    """A wage earner's KPJ since 2015, paid for the year up to October 2026: active, unless
    ``code`` says why not; ``changes`` replace any field."""
    base = Membership(
        kpj="12345678901",
        segment=Segment.PU,
        employer_name="PT Sinar Abadi Tekstil",
        npp="12345678",
        status=MembershipStatus.AKTIF if code is None else MembershipStatus.NONAKTIF,
        status_code=code,
        programs=frozenset({Program.JKK, Program.JKM, Program.JHT, Program.JP}),
        membership_start=date(2015, 2, 1),
        membership_end=None,
        last_paid_period=Period(2026, 10),
        paid_periods=frozenset(Period(2026, month) for month in range(1, 11))
        | {Period(2025, 11), Period(2025, 12)},
        jht_balance=12_345_678,
        jht_as_of=date(2026, 11, 1),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def new_key() -> MasterKey:
    return MasterKey(secrets.token_bytes(32), "test")


def members_for(cache: Cache, rows: list[dict[str, str]]) -> list[Person]:
    """The persons of ``rows`` as a sync would store them: the mother's name hashed with the
    cache's key. A slice of the rows may cut a person's memberships short."""
    return persons_of(rows, cache.verifier.digest, TODAY)


@pytest.fixture(scope="session")
def rows() -> list[dict[str, str]]:
    """The rows of 3,000 persons, about 1.3 a person, each person's rows together."""
    return list(synthetic_rows(3000, seed=20261124, today=TODAY))


@pytest.fixture
def master_key() -> MasterKey:
    return new_key()


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    return tmp_path / "cache.db"


@pytest.fixture
def cache(cache_path: Path, master_key: MasterKey) -> Iterator[Cache]:
    with Cache.create(cache_path, master_key) as opened:
        yield opened


TEST_PIN_COST = ScryptCost(n=2**4, r=8, p=1)
"""scrypt at next to no cost: at the product's (32 MiB, a few tenths of a second on a
shared CI core) the suite's PIN hashes and logins would take minutes."""


@pytest.fixture(autouse=True)
def pin_cost(monkeypatch: pytest.MonkeyPatch) -> ScryptCost:
    """New PIN hashes in this process cost :data:`TEST_PIN_COST`, in every test.

    A stored hash names its own cost, so logins check it at that cost too. The
    tests of the PIN's hash itself (``tests/test_pin.py``) override this
    fixture and keep the product's :data:`kiosk.pin.PIN_COST`; so do child
    processes, which never see it.
    """
    monkeypatch.setattr(pin, "PIN_COST", TEST_PIN_COST)
    return TEST_PIN_COST
