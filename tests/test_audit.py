"""The audit log: what it keeps, for how long, how it leaves the kiosk, and what it never holds.

Everything is real: the SQLite state file in a temporary directory, the
encrypted cache of :mod:`tests.kiosk_ui`, the CLI as an operator runs it. Only
the wall clock is a :class:`~tests.kiosk_ui.Clock` the tests move.
"""

import base64
import hashlib
import hmac
import io
import json
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.audit import Audit, AuditEvent, Event, member_tag
from kiosk.cache import Cache
from kiosk.cache.sealing import normalise_name
from kiosk.cli import main
from kiosk.config import Limits, ScreenSettings
from kiosk.errors import StateError, UnavailableError
from kiosk.guard import Guard
from kiosk.keys import write_new_key
from kiosk.maintenance import LoggedIn, WrongPin
from kiosk.pin import PIN_SETTING
from kiosk.serving import Accepted, Busy, Invalid, KioskService, Locked, MemberView, Refused
from kiosk.state import StateStore
from tests.conftest import new_key
from tests.kiosk_ui import CARD_KEY, KIOSK_ID, NOW, Clock, Kiosk, build_kiosk

RETENTION = timedelta(days=90)
PIN = "246813"


def deployed_kiosk(directory: Path) -> tuple[Kiosk, Path]:
    """A kiosk with its people and the configuration file an operator's commands read."""
    kiosk = build_kiosk(directory, write_new_key(directory / "master.key"))
    config = directory / "kiosk.toml"
    config.write_text(
        f'kiosk_id = "{KIOSK_ID}"\n[cache]\npath = "cache.db"\n'
        '[keys]\nmaster_key_file = "master.key"\n'
    )
    return kiosk, config


def unknown_nik(kiosk: Kiosk) -> str:
    """A NIK that can exist but belongs to nobody in the cache."""
    nik = kiosk.people["active"].nik[:12] + "9931"
    with Cache.open(kiosk.path, kiosk.key) as cache:
        assert cache.get(nik) is None
    return nik


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), environ={})
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def audit(tmp_path: Path) -> Iterator[Audit]:
    store = StateStore(tmp_path / "state.db")
    yield Audit(store, KIOSK_ID, Clock(), RETENTION)
    store.close()


def advance(audit: Audit, delta: timedelta) -> None:
    clock = audit.clock
    assert isinstance(clock, Clock)
    clock.advance(delta)


def test_events_round_trip(audit: Audit) -> None:
    written = [audit.record(Event.LOOKUP, "accepted", member="ab" * 16)]
    advance(audit, timedelta(seconds=5))
    written.append(audit.record(Event.SYNC, "applied", detail="timer: sequence 4, 10 stored"))
    written.append(audit.record(Event.STAFF_LOGIN, "success"))
    assert written[0] == AuditEvent(NOW, KIOSK_ID, "member.lookup", "accepted", "ab" * 16, "")
    assert list(audit.since(None)) == written
    assert audit.recent(10) == written[::-1], "newest first; the same instant by writing order"
    assert audit.recent(1) == [written[2]]
    assert audit.latest(Event.SYNC) == written[1]
    assert audit.latest(Event.LOOKUP, member="ab" * 16) == written[0]
    assert audit.latest(Event.LOOKUP, member=None) is None
    assert audit.count(Event.LOOKUP, after=NOW - timedelta(seconds=1)) == 1
    assert audit.count(Event.LOOKUP, after=NOW) == 0, "strictly after"


def test_a_restarted_kiosk_reads_the_same_log(tmp_path: Path) -> None:
    first = StateStore(tmp_path / "state.db")
    event = Audit(first, KIOSK_ID, Clock(), RETENTION).record(Event.STAFF_EXIT, "requested")
    first.close()
    again = StateStore(tmp_path / "state.db")
    assert Audit(again, KIOSK_ID, Clock(), RETENTION).recent(5) == [event]
    again.close()
    assert stat.S_IMODE((tmp_path / "state.db").stat().st_mode) == 0o600


def test_old_events_are_pruned_on_the_way_without_being_asked(audit: Audit) -> None:
    audit.record(Event.LOOKUP, "accepted", member="aa" * 16)
    advance(audit, timedelta(days=30))
    kept = audit.record(Event.LOOKUP, "accepted", member="bb" * 16)
    advance(audit, timedelta(days=61))
    latest = audit.record(Event.STAFF_LOGIN, "success")
    assert list(audit.since(None)) == [kept, latest], "91 days old: gone without prune()"
    advance(audit, timedelta(days=60))
    assert audit.prune() == 1
    assert list(audit.since(None)) == [latest]


def test_pruning_runs_at_most_once_an_hour(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.db")
    audit = Audit(store, KIOSK_ID, Clock(), timedelta(minutes=10))
    first = audit.record(Event.STAFF_LOGIN, "success")
    advance(audit, timedelta(minutes=30))
    second = audit.record(Event.STAFF_LOGOUT, "idle")
    assert list(audit.since(None)) == [first, second], "pruned 30 minutes ago: not again yet"
    advance(audit, timedelta(minutes=30))
    third = audit.record(Event.STAFF_LOGIN, "success")
    assert list(audit.since(None)) == [third]
    store.close()


def test_export_is_json_lines_oldest_first_from_a_start(audit: Audit) -> None:
    first = audit.record(Event.SYNC, "current", detail="timer: sequence 3")
    advance(audit, timedelta(hours=2))
    second = audit.record(Event.LOOKUP, "accepted", member="cd" * 16)
    third = audit.record(Event.VERIFY, "success", member="cd" * 16)
    out = io.StringIO()
    assert audit.export(out, None) == 3
    lines = out.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == [
        {
            "at": event.at.isoformat(),
            "kiosk": KIOSK_ID,
            "event": event.event,
            "outcome": event.outcome,
            "member": event.member,
            "detail": event.detail,
        }
        for event in (first, second, third)
    ]
    out = io.StringIO()
    assert audit.export(out, NOW + timedelta(hours=1)) == 2
    assert [json.loads(line)["event"] for line in out.getvalue().splitlines()] == [
        "member.lookup",
        "member.verify",
    ]


@pytest.mark.parametrize("where", ["sysfs", "parent is a file"])
def test_an_unusable_place_is_a_state_error_with_a_reason(tmp_path: Path, where: str) -> None:
    if where == "sysfs":
        path = Path("/sys/kiosk-state.db")  # Nobody may create a file there, not even root.
    else:
        (tmp_path / "plain").write_text("")
        path = tmp_path / "plain" / "state.db"
    audit = Audit(StateStore(path), KIOSK_ID, Clock(), RETENTION)
    with pytest.raises(StateError) as caught:
        audit.record(Event.STAFF_LOGIN, "success")
    assert caught.value.message.key == "state.unavailable"
    assert str(path) in caught.value.message.text("en")
    kiosk = build_kiosk(tmp_path, new_key())
    service = KioskService(
        lambda: Cache.open(kiosk.path, kiosk.key),
        CARD_KEY.public_key,
        ScreenSettings(),
        Guard(audit, Limits()),
    )
    problem = service.readiness().problem
    assert problem is not None, "the kiosk shows why it cannot serve: it does not crash"
    assert problem.key == "state.unavailable"


def test_a_corrupt_state_file_is_named_as_such(tmp_path: Path) -> None:
    kiosk = build_kiosk(tmp_path, new_key())
    kiosk.state_path.write_bytes(b"not a database, just garbage " * 200)
    service = kiosk.service()
    with pytest.raises(StateError) as caught:
        service.audit.record(Event.STAFF_LOGIN, "success")
    assert caught.value.message.key == "state.corrupt"
    assert "damaged" in caught.value.message.text("en")
    problem = service.readiness().problem
    assert problem is not None
    assert problem.key == "state.corrupt"


# The CLI, as the central office's operator runs it.


def test_cli_export_to_standard_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kiosk, config = deployed_kiosk(tmp_path)
    service = kiosk.service()
    assert isinstance(service.admit(kiosk.people["active"].nik), Accepted)
    service.close()
    code, out, err = cli(capsys, "audit", "export", "--config", str(config))
    assert code == 0
    (line,) = out.splitlines()
    assert json.loads(line)["event"] == "member.lookup"
    assert err == "1 kejadian diekspor. / Events exported: 1.\n"


def test_cli_export_to_a_private_file_from_a_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kiosk, config = deployed_kiosk(tmp_path)
    service = kiosk.service()
    service.audit.record(Event.STAFF_LOGIN, "success")  # 2026-11-24 03:00 UTC
    kiosk.clock.advance(timedelta(days=1))
    service.audit.record(Event.STAFF_LOGOUT, "idle")
    kiosk.clock.advance(timedelta(hours=3))
    service.audit.record(Event.STAFF_EXIT, "requested")
    service.close()
    output = tmp_path / "export" / "kiosk-test-01.jsonl"
    output.parent.mkdir()
    output.write_text("an older export\n")
    output.chmod(0o644)
    for since, events in [
        ("2026-11-24", ["staff.login", "staff.logout", "staff.exit"]),
        ("2026-11-25", ["staff.logout", "staff.exit"]),
        ("2026-11-25T04:00:00", ["staff.exit"]),
        ("2026-11-25T12:00+07:00", ["staff.exit"]),  # 05:00 UTC
        ("2026-11-25T13:00+07:00", ["staff.exit"]),  # 06:00 UTC: from then on, inclusive
        ("2026-11-25T06:00:01Z", []),
    ]:
        argv = ["audit", "export", "--config", str(config), "--since", since]
        code, out, err = cli(capsys, *argv, "--output", str(output))
        assert code == 0, err
        assert out == ""
        assert f"Events exported: {len(events)}." in err
        lines = output.read_text().splitlines()
        assert [json.loads(line)["event"] for line in lines] == events, since
        assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert sorted(p.name for p in output.parent.iterdir()) == [output.name], "no temporary left"
    code, out, _ = cli(capsys, *argv, "--output", str(output), "--json")
    assert json.loads(out) == {"events": 0, "output": str(output)}


@pytest.mark.parametrize("since", ["yesterday", "2026-13-01", "24/11/2026", ""])
def test_cli_export_refuses_a_bad_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], since: str
) -> None:
    _, config = deployed_kiosk(tmp_path)
    code, out, err = cli(capsys, "audit", "export", "--config", str(config), "--since", since)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "is not a time" in err
    assert "tidak dikenali" in err


def test_cli_export_without_a_log_creates_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kiosk, config = deployed_kiosk(tmp_path)
    code, out, err = cli(capsys, "audit", "export", "--config", str(config))
    assert (code, out) == (1, "")
    assert "no audit log" in err
    assert not kiosk.state_path.exists()


def test_cli_export_to_an_unwritable_place_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kiosk, config = deployed_kiosk(tmp_path)
    kiosk.service().audit.record(Event.STAFF_LOGIN, "success")
    output = tmp_path / "missing-dir" / "out.jsonl"
    code, out, err = cli(
        capsys, "audit", "export", "--config", str(config), "--output", str(output)
    )
    assert (code, out) == (1, "")
    assert err.count("\n") == 1
    assert "cannot be written" in err


# Privacy: nothing in the log or its export leads back to a person without the key.


def drive_every_flow(kiosk: Kiosk) -> KioskService:
    """Members, a guesser and staff doing all that the audit log records."""
    clock = kiosk.clock
    service = kiosk.service(limits=Limits(lookups_per_minute=4))
    staff = kiosk.maintenance(service)
    people = list(kiosk.people.values())
    staff.set_pin(PIN)
    assert isinstance(staff.login("135792"), WrongPin)
    assert isinstance(staff.login(PIN), LoggedIn)
    for person, other in zip(people, people[1:] + people[:1], strict=True):
        clock.advance(timedelta(minutes=1))
        nik = person.nik
        for typed in (nik[:8], nik + "7", nik[:6] + "x" + nik[7:]):
            assert isinstance(service.admit(typed), Invalid)
        grouped = f"{nik[:6]}.{nik[6:12]}.{nik[12:]}"
        assert service.admit(grouped) == Accepted(nik)
        assert isinstance(service.verify(nik, other.mother), Refused)
        view = service.verify(nik, person.mother.upper())
        assert isinstance(view, MemberView)
        service.note_card(view, "shown")
    clock.advance(timedelta(minutes=1))
    victim = people[0]
    guesses = (victim.mother + "x", "Siti", people[1].mother)
    for nik in (unknown_nik(kiosk), victim.nik):
        assert isinstance(service.admit(nik), Accepted)
        verdicts = [service.verify(nik, guess) for guess in guesses]
        assert isinstance(verdicts[-1], Locked)
        assert isinstance(service.admit(nik), Locked)
    admitted = [service.admit(person.nik) for person in people]
    assert isinstance(admitted[-1], Busy)
    clock.advance(timedelta(seconds=1))
    assert isinstance(service.admit("1"), Invalid)
    with pytest.raises(UnavailableError):
        staff.sync(None)
    staff.check_integrity(lambda done, total: None)
    staff.set_serving(False)
    staff.set_default_lang("en")
    staff.logout("idle")
    return service


def secrets_of(nik: str, *names: str) -> list[bytes]:
    """Every form a NIK or a name could take in a file without the key."""
    forms = [
        nik,
        nik[::-1],
        f"{nik[:6]}.{nik[6:12]}.{nik[12:]}",
        f"{nik[:6]}-{nik[6:12]}-{nik[12:]}",
        f"{nik[:6]} {nik[6:12]} {nik[12:]}",
        " ".join(nik[i : i + 4] for i in range(0, 16, 4)),
        ".".join([nik[0:2], nik[2:4], nik[4:6], nik[6:12], nik[12:]]),
        base64.b64encode(nik.encode()).decode(),
        base64.urlsafe_b64encode(nik.encode()).decode().rstrip("="),
        nik.encode().hex(),
        f"{int(nik):x}",
    ]
    forms += [nik[start:end] for start in range(16) for end in range(start + 6, 17)]
    raw = nik.encode()
    digests = [
        hashlib.sha256(raw).digest(),
        hashlib.sha1(raw).digest(),  # noqa: S324 - what a careless log would hold
        hashlib.md5(raw).digest(),  # noqa: S324
        hashlib.blake2b(raw).digest(),
        hashlib.blake2s(raw).digest(),
        hmac.new(b"", raw, hashlib.sha256).digest(),
    ]
    found = [form.encode() for form in forms]
    found += [digest[:8] for digest in digests]
    found += [digest[:8].hex().encode() for digest in digests]
    for name in names:
        words = [word for word in name.split() if len(word) >= 4]
        for text in filter(None, (name, normalise_name(name), *words)):
            found += [text.encode(), text.upper().encode()]
    return found


def assert_holds_none(data: bytes, secrets: list[bytes], where: str) -> None:
    lowered = data.lower()
    for secret in secrets:
        assert secret.lower() not in lowered, f"{where} holds {secret!r}"


def state_bytes(kiosk: Kiosk) -> bytes:
    """The state file as a thief would copy it: with its write-ahead log."""
    names = ("", "-wal", "-journal")
    files = [kiosk.state_path.with_name(kiosk.state_path.name + name) for name in names]
    return b"".join(file.read_bytes() for file in files if file.exists())


def test_no_record_or_export_holds_a_nik_or_a_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kiosk, config = deployed_kiosk(tmp_path)
    service = drive_every_flow(kiosk)
    stored_pin = service.state.setting(PIN_SETTING)
    assert stored_pin is not None
    code, exported, _ = cli(capsys, "audit", "export", "--config", str(config))
    assert code == 0
    while_running = state_bytes(kiosk)
    service.close()
    files = while_running + state_bytes(kiosk)

    with Cache.open(kiosk.path, kiosk.key) as cache:
        audit_key = cache.audit_key
    stranger = unknown_nik(kiosk)
    people = [(p.nik, p.member.name, p.mother, *p.kpjs) for p in kiosk.people.values()]
    tags = [member_tag(audit_key, nik) for nik, *_ in people] + [member_tag(audit_key, stranger)]
    assert files.count(tags[0].encode()) >= 2, "the scan reads the events themselves"
    # The tags and the PIN hash are random-looking text where a run of a few digits
    # could pass for a piece of a NIK: short pieces are looked for with them blanked.
    blanked, exported_blanked = files, exported.encode()
    for blank in [*tags, stored_pin]:
        blanked = blanked.replace(blank.encode(), b"#")
        exported_blanked = exported_blanked.replace(blank.encode(), b"#")
    for nik, *names in [*people, (stranger,)]:
        secrets = secrets_of(nik, *names)
        long_ones = [secret for secret in secrets if len(secret) >= 10]
        assert_holds_none(files, long_ones, "state.db")
        assert_holds_none(exported.encode(), long_ones, "the export")
        assert_holds_none(blanked, secrets, "state.db")
        assert_holds_none(exported_blanked, secrets, "the export")
    assert PIN.encode() not in files

    events = [json.loads(line) for line in exported.splitlines()]
    assert len(events) > 40
    assert {"member.lookup", "member.verify", "member.lockout", "member.card"} <= {
        event["event"] for event in events
    }
    assert {event["member"] for event in events} - {None} == set(tags), "only keyed tags"
    other_key = new_key().subkeys().audit
    assert member_tag(other_key, stranger) != member_tag(audit_key, stranger), "the tag is keyed"
