"""``kiosk doctor``: check a deployment and say in plain words what is wrong and how to fix it."""

from pathlib import Path

from kiosk.cli import Invocation, Subparsers, add_command, print_json
from kiosk.config import config_path
from kiosk.doctor.findings import Finding, Status
from kiosk.i18n import LANGS, Lang, msg

_LABELS = {
    Status.OK: msg("doctor.status.ok"),
    Status.WARNING: msg("doctor.status.warning"),
    Status.PROBLEM: msg("doctor.status.problem"),
    Status.SKIPPED: msg("doctor.status.skipped"),
}


def register(subparsers: Subparsers) -> None:
    doctor = add_command(
        subparsers,
        "doctor",
        _doctor,
        "check this kiosk's key, config, trust, feed, clock, cache, disk, speech and terminal",
    )
    doctor.add_argument(
        "--offline", action="store_true", help="check everything but the feed over the network"
    )
    doctor.add_argument(
        "--tty",
        type=Path,
        metavar="DEVICE",
        help="the kiosk's terminal to measure, e.g. /dev/tty1 (default: the doctor's own)",
    )
    doctor.add_argument(
        "--lang",
        choices=LANGS,
        help="say it in one language (default: Bahasa Indonesia, then English, on each line)",
    )
    doctor.add_argument(
        "--term",
        metavar="NAME",
        help="the kiosk's TERM (default: linux for a --tty console, else $TERM)",
    )


def _doctor(run: Invocation) -> int:
    # Here, not above: the checks load the feed client and the QR code, which other commands,
    # a measured ``kiosk sync`` among them, should not pay for at start.
    from kiosk.doctor.runner import diagnose
    from kiosk.doctor.terminal import measure_terminal

    args = run.args
    findings = diagnose(
        config_path(args.config, run.environ),
        run.environ,
        measure_terminal(run.environ, args.tty, args.term),
        offline=args.offline,
        now=run.clock(),
    )
    problems = sum(finding.status is Status.PROBLEM for finding in findings)
    warnings = sum(finding.status is Status.WARNING for finding in findings)
    if args.json:
        print_json({"ok": not problems, "checks": [_as_dict(finding) for finding in findings]})
    else:
        langs: tuple[Lang, ...] = (args.lang,) if args.lang else LANGS
        for finding in findings:
            print(_line(finding, langs))
        if problems:
            summary = msg(
                "doctor.summary.problems",
                problems=msg("doctor.count.problems", count=problems),
                warnings=msg("doctor.count.warnings", count=warnings),
            )
        elif warnings:
            summary = msg("doctor.summary.warnings", count=warnings)
        else:
            summary = msg("doctor.summary.ok")
        print(" / ".join(summary.text(lang) for lang in langs))
    return 1 if problems else 0


def _line(finding: Finding, langs: tuple[Lang, ...]) -> str:
    """``MASALAH  key  ... / PROBLEM: ...``: the first language leads, the check's name after
    its label, so that a line can be found by name in either form."""
    label = _LABELS[finding.status]
    first, *others = langs
    line = f"{label.text(first):<10} {finding.name:<9} {_text(finding, first)}"
    return "".join([line, *(f" / {label.text(o)}: {_text(finding, o)}" for o in others)])


def _text(finding: Finding, lang: Lang) -> str:
    what = finding.what.text(lang)
    if finding.fix is None:
        return what
    return msg("doctor.with_fix", what=what, fix=finding.fix.text(lang)).text(lang)


def _as_dict(finding: Finding) -> dict[str, object]:
    return {
        "name": finding.name,
        "status": finding.status.value,
        "what": finding.what.as_dict(),
        "fix": None if finding.fix is None else finding.fix.as_dict(),
    }
