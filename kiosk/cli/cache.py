"""``kiosk status`` and ``kiosk lookup``: what the cache holds, for operators and staff."""

from typing import Any

from kiosk.cache import CacheInfo
from kiosk.claims import Outcome, Withdrawal
from kiosk.cli import Invocation, Subparsers, add_command, print_json
from kiosk.errors import NotFoundError
from kiosk.i18n import msg
from kiosk.member import Person
from kiosk.nik import parse_nik
from kiosk.sizes import format_size
from kiosk.standing import MembershipStanding, Standing, evaluate, format_rupiah


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
    if info.loading is not None:
        bundle, stored = info.loading
        print(f"Loading:      {bundle}, {stored:,} records stored; the next sync goes on")
    print(f"Created:      {info.created_at.isoformat(timespec='seconds')}")
    sizes = ", ".join(f"{name} {format_size(size, 'en')}" for name, size in info.file_sizes.items())
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
        "loading": None
        if info.loading is None
        else {"bundle": info.loading[0], "records": info.loading[1]},
    }


def _lookup(run: Invocation) -> int:
    today = run.today()
    nik = parse_nik(run.args.nik, today)
    with run.cache() as cache:
        person = cache.get(nik.number)
    if person is None:
        raise NotFoundError(msg("lookup.not_found"))
    standing = evaluate(person, today)
    if run.args.json:
        print_json(_person_json(person, standing))
    else:
        _print_person(person, standing)
    return 0


def _person_json(person: Person, standing: Standing) -> dict[str, Any]:
    return {
        "nik": person.nik,
        "name": person.name,
        "birth_date": person.birth_date.isoformat(),
        "flags": sorted(person.flags),
        "updated_at": person.updated_at.isoformat(),
        "memberships": [_membership_json(each) for each in standing.memberships],
        "notices": [notice.as_dict() for notice in standing.notices],
        "jht": [
            {
                "kpj": w.kpj,
                "outcome": w.outcome.value,
                "since": _text(w.since),
                "ground": _text(w.ground),
                "blocker": _text(w.blocker),
                "partial_since": None if w.partial is None else w.partial.since.isoformat(),
            }
            for w in standing.jht.withdrawals
        ],
    }


def _membership_json(standing: MembershipStanding) -> dict[str, Any]:
    m = standing.membership
    contributions = standing.contributions
    return {
        "kpj": m.kpj,
        "segment": m.segment.value,
        "status": m.status.value,
        "status_code": _text(m.status_code),
        "employer_name": m.employer_name,
        "npp": m.npp,
        "programs": [program.value for program in standing.programs],
        "membership_start": m.membership_start.isoformat(),
        "membership_end": _text(m.membership_end),
        "last_paid_period": _text(m.last_paid_period),
        "paid_periods": [str(period) for period in sorted(m.paid_periods)],
        "jht_balance": m.jht_balance,
        "jht_as_of": _text(m.jht_as_of),
        "contributions": {
            "up_to_date": contributions.up_to_date,
            "due_period": str(contributions.due),
            "missing_months": contributions.missing_months,
            "missing_since": _text(contributions.missing_since),
            "first_missing": _text(contributions.first_missing),
            "payer": contributions.payer.value,
        },
        "reason": None if standing.reason is None else standing.reason.as_dict(),
        "advice": [advice.as_dict() for advice in standing.advice],
        "card": m.card or None,
    }


def _text(value: object | None) -> str | None:
    return None if value is None else str(value)


def _print_person(person: Person, standing: Standing) -> None:
    _print_lines(
        [
            ("NIK", person.nik),
            ("Name", person.name),
            ("Birth date", person.birth_date.isoformat()),
            ("Data flags", " ".join(sorted(person.flags)) or "-"),
            ("Updated", person.updated_at.isoformat(timespec="seconds")),
        ]
    )
    for notice in standing.notices:
        print(f"{'Notice:':<15}{notice.bilingual()}")
    answers = {w.kpj: w for w in standing.jht.withdrawals}
    for each in standing.memberships:
        print()
        _print_membership(each)
        if (answer := answers.get(each.membership.kpj)) is not None:
            print(f"{'JHT claim:':<15}{_claim_text(answer)}")


def _claim_text(answer: Withdrawal) -> str:
    """For staff, in English: the outcome, its date and its ground or blocker."""
    if answer.outcome is Outcome.NOT:
        partial = answer.partial
        later = "" if partial is None else f"; a part from {partial.since}"
        return f"not now ({answer.blocker}{later})"
    if answer.outcome is Outcome.FROM:
        return f"from {answer.since} ({answer.ground})"
    since = "" if answer.since is None else f" since {answer.since}"
    return f"now{since} ({answer.ground})"


def _print_membership(standing: MembershipStanding) -> None:
    m = standing.membership
    contributions = standing.contributions
    if contributions.up_to_date:
        paid = f"up to date (last paid {contributions.last_paid})"
    elif contributions.missing_since is None:
        paid = "no contribution on record"
    else:
        paid = (
            f"{contributions.missing_months} month(s) missing since {contributions.missing_since}"
        )
    months = "".join(
        "-" if month.paid is None else "#" if month.paid else "." for month in contributions.history
    )
    balance = (
        "not covered"
        if standing.jht_balance is None
        else f"{format_rupiah(standing.jht_balance, 'en')} (as of {_text(m.jht_as_of) or '-'})"
    )
    status = m.status.value if m.status_code is None else f"{m.status.value} ({m.status_code})"
    ended = f" to {m.membership_end}" if m.membership_end else ""
    _print_lines(
        [
            ("KPJ", m.kpj),
            ("Segment", m.segment.value),
            ("Status", status),
            ("Employer", f"{m.employer_name or '-'} (NPP {m.npp or '-'})"),
            ("Membership", f"from {m.membership_start}{ended}"),
            ("Contributions", f"{paid}; paid by {contributions.payer.value.lower()}"),
            (
                "Year paid",
                f"{months} to {contributions.due} (# paid, . missing, - not on record)",
            ),
            ("Programmes", " ".join(program.value for program in standing.programs) or "-"),
            ("JHT balance", balance),
            ("Card", m.card or "-"),
        ]
    )
    for advice in standing.advice:
        print(f"{'Advice:':<15}{advice.bilingual()}")


def _print_lines(lines: list[tuple[str, str]]) -> None:
    for label, value in lines:
        print(f"{label + ':':<15}{value}")
