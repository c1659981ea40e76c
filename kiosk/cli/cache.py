"""``kiosk status`` and ``kiosk lookup``: what the cache holds, for operators and staff."""

from typing import Any

from kiosk.cache import CacheInfo
from kiosk.cli import Invocation, Subparsers, add_command, print_json
from kiosk.errors import NotFoundError
from kiosk.i18n import msg
from kiosk.member import Member
from kiosk.nik import parse_nik
from kiosk.sizes import format_size
from kiosk.standing import MemberStatus, evaluate, format_rupiah


def register(subparsers: Subparsers) -> None:
    add_command(subparsers, "status", _status, "show the state of the local cache")
    lookup = add_command(
        subparsers, "lookup", _lookup, "show one member's decrypted record (staff, with the key)"
    )
    lookup.add_argument("nik", metavar="NIK")


def _status(run: Invocation) -> int:
    with run.cache() as cache:
        info = cache.info()
    if run.args.json:
        print_json(_info_json(info))
        return 0
    cursor = info.cursor
    print(f"Cache:        {info.path}")
    print(f"Key id:       {info.key_id}")
    print(f"Schema:       version {info.schema_version}")
    print(f"Records:      {info.records:,}")
    if cursor is None:
        print("Feed cursor:  none (never synced)")
        print("Last sync:    never")
    else:
        print(f"Feed cursor:  sequence {cursor.sequence}, state {cursor.state}")
        print(f"Last sync:    {cursor.synced_at.isoformat(timespec='seconds')}")
    print(f"Created:      {info.created_at.isoformat(timespec='seconds')}")
    sizes = ", ".join(f"{name} {format_size(size)}" for name, size in info.file_sizes.items())
    print(f"Files:        {sizes}")
    return 0


def _info_json(info: CacheInfo) -> dict[str, Any]:
    cursor = info.cursor
    return {
        "path": str(info.path),
        "key_id": info.key_id,
        "schema_version": info.schema_version,
        "records": info.records,
        "cursor": None if cursor is None else {"sequence": cursor.sequence, "state": cursor.state},
        "last_sync": None if cursor is None else cursor.synced_at.isoformat(),
        "created_at": info.created_at.isoformat(),
        "file_sizes": info.file_sizes,
    }


def _lookup(run: Invocation) -> int:
    today = run.today()
    nik = parse_nik(run.args.nik, today)
    with run.cache() as cache:
        member = cache.get(nik.number)
    if member is None:
        raise NotFoundError(msg("lookup.not_found"))
    status = evaluate(member, today)
    if run.args.json:
        print_json(_member_json(member, status))
    else:
        _print_member(member, status)
    return 0


def _member_json(member: Member, status: MemberStatus) -> dict[str, Any]:
    contributions = status.contributions
    return {
        "nik": member.nik,
        "kpj": member.kpj,
        "name": member.name,
        "birth_date": member.birth_date.isoformat(),
        "segment": member.segment.value,
        "status": member.status.value,
        "status_reason": member.status_reason,
        "employer_name": member.employer_name,
        "npp": member.npp,
        "programs": [program.value for program in status.programs],
        "last_paid_period": _text(member.last_paid_period),
        "jht_balance": member.jht_balance,
        "jht_as_of": _text(member.jht_as_of),
        "updated_at": member.updated_at.isoformat(),
        "contributions": {
            "up_to_date": contributions.up_to_date,
            "due_period": str(contributions.due),
            "missing_months": contributions.missing_months,
            "missing_since": _text(contributions.missing_since),
            "payer": contributions.payer.value,
        },
        "advice": [advice.as_dict() for advice in status.advice],
        "card": member.card or None,
    }


def _text(value: object | None) -> str | None:
    return None if value is None else str(value)


def _print_member(member: Member, status: MemberStatus) -> None:
    contributions = status.contributions
    if contributions.up_to_date:
        paid = f"up to date (last paid {contributions.last_paid})"
    elif contributions.missing_since is None:
        paid = "no contribution on record"
    else:
        paid = (
            f"{contributions.missing_months} month(s) missing since {contributions.missing_since}"
        )
    balance = (
        "not covered"
        if status.jht_balance is None
        else f"{format_rupiah(status.jht_balance)} (as of {_text(member.jht_as_of) or '-'})"
    )
    lines = [
        ("NIK", member.nik),
        ("KPJ", member.kpj),
        ("Name", member.name),
        ("Birth date", member.birth_date.isoformat()),
        ("Segment", member.segment.value),
        (
            "Status",
            f"{member.status.value} ({member.status_reason})"
            if member.status_reason
            else member.status.value,
        ),
        ("Employer", f"{member.employer_name} (NPP {member.npp or '-'})"),
        ("Contributions", f"{paid}; paid by {contributions.payer.value.lower()}"),
        ("Programmes", " ".join(program.value for program in status.programs) or "-"),
        ("JHT balance", balance),
        ("Updated", member.updated_at.isoformat(timespec="seconds")),
        ("Card", member.card or "-"),
    ]
    for label, value in lines:
        print(f"{label + ':':<15}{value}")
    for advice in status.advice:
        print(f"{'Advice:':<15}{advice.bilingual()}")
