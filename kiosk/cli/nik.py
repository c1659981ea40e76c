"""``kiosk nik``: explain a NIK to staff when the kiosk refuses or doubts it."""

from typing import Any

from kiosk.cli import Invocation, Subparsers, add_command, print_json
from kiosk.i18n import LANGS, msg
from kiosk.nik import InvalidNikError, Nik, parse_nik
from kiosk.regions import Region


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "nik",
        run,
        "check a NIK and show what it says: place of issue, birth date, sex, serial",
    )
    parser.add_argument(
        "nik",
        metavar="NIK",
        help="the 16-digit NIK; spaces, dots and dashes are ignored (quote it if it has spaces)",
    )


def run(invocation: Invocation) -> int:
    args = invocation.args
    try:
        nik = parse_nik(args.nik, invocation.today())
    except InvalidNikError as error:
        if not args.json:
            raise
        print_json({"valid": False, "problem": error.message.as_dict()})
        return error.exit_code
    if args.json:
        print_json(_as_json(nik))
    else:
        _print_human(nik)
    return 0


def _as_json(nik: Nik) -> dict[str, Any]:
    return {
        "valid": True,
        "nik": nik.number,
        "province": _region_json(nik.province),
        "regency": _region_json(nik.regency),
        "district": _region_json(nik.district),
        "birth_date": nik.birth_date.isoformat(),
        "sex": nik.sex.value,
        "serial": nik.serial,
        "warnings": [warning.as_dict() for warning in nik.warnings],
    }


def _region_json(region: Region | None) -> dict[str, str] | None:
    return None if region is None else {"code": region.code, "name": region.name}


def _print_human(nik: Nik) -> None:
    rows = [
        ("nik", nik.number),
        ("province", _region_text(nik.number[:2], nik.province)),
        ("regency", _region_text(nik.number[:4], nik.regency)),
        ("district", _region_text(nik.number[:6], nik.district)),
        ("birth_date", nik.birth_date.isoformat()),
        ("sex", f"{nik.sex.value} ({msg(f'nik.sex.{nik.sex.value}').bilingual()})"),
        ("serial", nik.serial),
    ]
    rows += [("warning", warning.bilingual()) for warning in nik.warnings]
    labels = [_label(key) for key, _ in rows]
    width = max(map(len, labels))
    for label, (_, value) in zip(labels, rows, strict=True):
        print(f"{label:<{width}}  {value}")


def _label(key: str) -> str:
    """Bilingual, but a word both languages share (NIK) is shown once."""
    label = msg(f"nik.label.{key}")
    texts = dict.fromkeys(label.text(lang) for lang in LANGS)
    return " / ".join(texts)


def _region_text(code: str, region: Region | None) -> str:
    name = msg("nik.label.unknown").bilingual() if region is None else region.name
    return f"{code} {name}"
