"""The abuse limits, driven through the service as the screens drive it.

Each limit is also shown to survive a restart: a new service, with new state
and guard objects on the same files, must still hold the lock. The clock is a
:class:`~tests.kiosk_ui.Clock` the tests move; everything else is real.
"""

from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.config import Limits, load_config
from kiosk.errors import ConfigError
from kiosk.maintenance import LoggedIn, Maintenance, NoPin, WrongPin
from kiosk.serving import (
    Accepted,
    Busy,
    Invalid,
    KioskService,
    Locked,
    MemberView,
    Refused,
    Wait,
)
from tests.conftest import new_key
from tests.kiosk_ui import NOW, Kiosk, Visitor, build_kiosk
from tests.test_audit import deployed_kiosk, unknown_nik

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
LOCKOUT = timedelta(minutes=15)
PIN = "246813"


@pytest.fixture
def kiosk(tmp_path: Path) -> Kiosk:
    return build_kiosk(tmp_path, new_key())


def restarted(kiosk: Kiosk, service: KioskService, limits: Limits | None = None) -> KioskService:
    """The kiosk after a restart: nothing kept in memory, only the files."""
    service.close()
    return kiosk.service(limits=limits)


def wrong(person: Visitor) -> str:
    return person.mother + " Binti"


# One NIK: wrong answers lock it.


def test_three_wrong_answers_lock_the_nik_even_against_the_right_one(kiosk: Kiosk) -> None:
    service, clock = kiosk.service(), kiosk.clock
    person = kiosk.people["active"]
    assert service.admit(person.nik) == Accepted(person.nik)
    assert service.verify(person.nik, wrong(person)) == Refused(2)
    clock.advance(SECOND)
    assert service.verify(person.nik, wrong(person)) == Refused(1)
    clock.advance(SECOND)
    until = clock.now + LOCKOUT
    assert service.verify(person.nik, wrong(person)) == Locked(until)
    assert service.verify(person.nik, person.mother) == Locked(until), "not even checked"
    assert service.admit(person.nik) == Locked(until)
    other = kiosk.people["arrears"]
    assert service.admit(other.nik) == Accepted(other.nik), "the lock is for that NIK only"
    assert isinstance(service.verify(other.nik, other.mother), MemberView)

    service = restarted(kiosk, service)
    assert service.admit(person.nik) == Locked(until)
    assert service.verify(person.nik, person.mother) == Locked(until)
    clock.now = until - SECOND
    assert service.verify(person.nik, person.mother) == Locked(until)
    clock.now = until
    assert service.admit(person.nik) == Accepted(person.nik)
    assert service.verify(person.nik, wrong(person)) == Refused(2), "three fresh tries"
    assert isinstance(service.verify(person.nik, person.mother), MemberView)


def test_the_failure_count_survives_a_restart_and_a_success_clears_it(kiosk: Kiosk) -> None:
    service, clock = kiosk.service(), kiosk.clock
    person = kiosk.people["inactive"]
    assert service.verify(person.nik, wrong(person)) == Refused(2)
    clock.advance(SECOND)
    service = restarted(kiosk, service)
    assert service.verify(person.nik, wrong(person)) == Refused(1), "remembered"
    clock.advance(SECOND)
    assert isinstance(service.verify(person.nik, person.mother), MemberView)
    clock.advance(SECOND)
    assert service.verify(person.nik, wrong(person)) == Refused(2), "counted from the success"
    clock.advance(SECOND)
    assert service.verify(person.nik, wrong(person)) == Refused(1)


def test_old_failures_stop_counting_after_a_lockout_s_length(kiosk: Kiosk) -> None:
    service, clock = kiosk.service(), kiosk.clock
    person = kiosk.people["active"]
    assert service.verify(person.nik, wrong(person)) == Refused(2)
    clock.advance(timedelta(minutes=10))
    assert service.verify(person.nik, wrong(person)) == Refused(1)
    clock.advance(timedelta(minutes=5, seconds=1))
    assert service.verify(person.nik, wrong(person)) == Refused(1), "the first one fell out"


def test_an_unknown_nik_is_refused_and_locked_like_a_member_s(kiosk: Kiosk) -> None:
    """The same answers for a stranger as for a member: the kiosk is no membership oracle."""
    service, clock = kiosk.service(), kiosk.clock
    stranger = unknown_nik(kiosk)
    member = kiosk.people["arrears"]
    seen = []
    for nik, answer in [(stranger, member.mother), (member.nik, wrong(member))]:
        clock.advance(MINUTE)
        admitted = service.admit(nik)
        verdicts = [service.verify(nik, answer) for _ in range(4)]
        seen.append([admitted, *verdicts, service.admit(nik)])
    until = clock.now + LOCKOUT
    assert seen[0] == [
        Accepted(stranger),
        Refused(2),
        Refused(1),
        Locked(until - MINUTE),
        Locked(until - MINUTE),
        Locked(until - MINUTE),
    ]
    assert seen[1] == [
        Accepted(member.nik),
        Refused(2),
        Refused(1),
        Locked(until),
        Locked(until),
        Locked(until),
    ]
    service = restarted(kiosk, service)
    assert service.admit(stranger) == Locked(until - MINUTE)


# The kiosk as a whole: lookups per minute, invalid NIKs.


def test_lookups_per_minute_make_the_kiosk_busy_until_the_oldest_is_a_minute_old(
    kiosk: Kiosk,
) -> None:
    service, clock = kiosk.service(), kiosk.clock
    niks = [person.nik for person in kiosk.people.values()]
    first = clock.now
    for count in range(10):
        nik = niks[count % len(niks)]
        assert service.admit(nik) == Accepted(nik)
        clock.advance(5 * SECOND)
    assert service.admit(niks[0]) == Busy(first + MINUTE)
    assert service.admit(niks[1]) == Busy(first + MINUTE), "kiosk-wide, not per NIK"
    service = restarted(kiosk, service)
    assert service.admit(niks[2]) == Busy(first + MINUTE)
    clock.now = first + MINUTE - SECOND
    assert service.admit(niks[2]) == Busy(first + MINUTE)
    clock.now = first + MINUTE
    assert service.admit(niks[2]) == Accepted(niks[2])
    assert service.admit(niks[3]) == Busy(first + 5 * SECOND + MINUTE), "the next oldest"


def test_invalid_niks_make_the_screen_wait_longer_each_time(kiosk: Kiosk) -> None:
    service, clock = kiosk.service(), kiosk.clock
    person = kiosk.people["active"]
    for _ in range(3):
        result = service.admit("1234")
        assert isinstance(result, Invalid)
        assert result.wait_until is None, "three mistakes are free"
        clock.advance(SECOND)
    waits = []
    for _ in range(6):
        result = service.admit(person.nik[:15])
        assert isinstance(result, Invalid)
        assert result.wait_until is not None
        waits.append(result.wait_until - clock.now)
        assert service.admit(person.nik) == Wait(result.wait_until), "not even a valid NIK"
        clock.now = result.wait_until - SECOND
        assert service.admit("1234") == Wait(result.wait_until)
        service = restarted(kiosk, service)
        assert service.admit("1234") == Wait(result.wait_until), "after a restart too"
        clock.now = result.wait_until
    assert [wait.seconds for wait in waits] == [2, 4, 8, 16, 30, 30]
    assert service.admit(person.nik) == Accepted(person.nik)
    for _ in range(3):
        clock.advance(SECOND)
        result = service.admit("1234")
        assert isinstance(result, Invalid)
        assert result.wait_until is None, "a valid NIK starts the count again"


def test_invalid_niks_stop_counting_after_ten_minutes(kiosk: Kiosk) -> None:
    service, clock = kiosk.service(), kiosk.clock
    for _ in range(4):
        assert isinstance(service.admit("1234"), Invalid)
    clock.advance(timedelta(minutes=10))
    result = service.admit("1234")
    assert isinstance(result, Invalid)
    assert result.wait_until is None


def test_a_long_run_of_invalid_niks_never_breaks_the_kiosk(kiosk: Kiosk) -> None:
    """With the shortest wait allowed, an invalid NIK every 2 s for 2 minutes."""
    service, clock = kiosk.service(limits=Limits(max_invalid_wait=2 * SECOND)), kiosk.clock
    for _ in range(60):
        result = service.admit("1234")
        assert isinstance(result, Invalid)
        assert result.wait_until in (None, clock.now + 2 * SECOND)
        clock.advance(2 * SECOND)


# Staff: wrong PINs lock the prompt.


def test_wrong_pins_lock_the_staff_prompt(kiosk: Kiosk) -> None:
    service, clock = kiosk.service(), kiosk.clock
    staff = kiosk.maintenance(service)
    assert staff.login(PIN) == NoPin()
    staff.set_pin(PIN)
    for left in (4, 3, 2, 1):
        assert staff.login("135792") == WrongPin(left)
        clock.advance(SECOND)
    until = clock.now + LOCKOUT
    assert staff.login("135792") == Locked(until)
    assert staff.login(PIN) == Locked(until), "the right PIN is not even checked"
    service = restarted(kiosk, service)
    staff = kiosk.maintenance(service)
    clock.now = until - SECOND
    assert staff.login(PIN) == Locked(until)
    clock.now = until
    assert staff.login(PIN) == LoggedIn()
    clock.advance(SECOND)
    assert staff.login("135792") == WrongPin(4), "a login starts the count again"


# The limits come from the configuration file.


def test_a_limits_table_changes_what_the_kiosk_allows(tmp_path: Path) -> None:
    kiosk, config_path = deployed_kiosk(tmp_path)
    with config_path.open("a") as handle:
        handle.write(
            "[limits]\nfailed_verifications = 1\nnik_lockout_minutes = 2\n"
            "lookups_per_minute = 2\nfree_invalid_niks = 1\nmax_invalid_wait_seconds = 3\n"
            "pin_attempts = 1\npin_lockout_minutes = 1\nstaff_idle_seconds = 45\n"
        )
    config = load_config(config_path)
    assert config.limits == Limits(1, 2 * MINUTE, 2, 1, 3 * SECOND, 1, MINUTE, 45 * SECOND)
    clock = kiosk.clock
    service = KioskService.from_config(config, {}, clock)
    person, other = kiosk.people["active"], kiosk.people["arrears"]
    assert service.admit(person.nik) == Accepted(person.nik)
    assert service.verify(person.nik, wrong(person)) == Locked(NOW + 2 * MINUTE), "one wrong"
    assert service.admit(other.nik) == Accepted(other.nik)
    assert service.admit(other.nik) == Busy(NOW + MINUTE), "two lookups a minute"
    waits = []
    for _ in range(3):
        clock.advance(5 * SECOND)
        result = service.admit("1234")
        assert isinstance(result, Invalid)
        waits.append(None if result.wait_until is None else result.wait_until - clock.now)
    assert waits == [None, 2 * SECOND, 3 * SECOND], "one free, then at most 3 s"
    staff = Maintenance.from_config(config, {}, service)
    staff.set_pin(PIN)
    assert staff.login("135792") == Locked(clock.now + MINUTE), "one wrong PIN"
    service.close()


@pytest.mark.parametrize(
    "key",
    [
        "failed_verifications",
        "nik_lockout_minutes",
        "lookups_per_minute",
        "free_invalid_niks",
        "max_invalid_wait_seconds",
        "pin_attempts",
        "pin_lockout_minutes",
        "staff_idle_seconds",
    ],
)
@pytest.mark.parametrize("value", ["0", "-3", '"ten"', "1.5", "true"])
def test_a_bad_limit_is_a_config_error_naming_it(tmp_path: Path, key: str, value: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(f"[limits]\n{key} = {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert f"limits.{key}" in caught.value.message.text("en")
