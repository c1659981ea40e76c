"""Why ``kiosk.service`` is not running, for ``kiosk-out-of-service.service`` to show on tty1.

systemd starts that unit (``OnFailure=``) once it has given up on the kiosk: the
keys could not be decrypted (sealed to another machine's TPM2), or the kiosk
failed ``StartLimitBurst`` times. It hands over the failed unit's result in
``$MONITOR_*``. The screen needs no config, cache or Textual, so whatever broke
the kiosk cannot break it too.
"""

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

from kiosk.i18n import Message, msg

UNIT = "kiosk.service"
CREDENTIALS_FAILED = ("243", "CREDENTIALS")
"""The exit status systemd gives a start whose credentials it could not load or decrypt
(``EXIT_CREDENTIALS``), as a number or by name."""
MOST_SHOWN = 64
"""Characters kept of each value systemd hands over: a unit name, a result word."""


def _shown(value: str) -> str:
    return "".join(char for char in value if char.isprintable())[:MOST_SHOWN] or "?"


def failure_reason(environ: Mapping[str, str]) -> Message:
    """For staff: what systemd's ``$MONITOR_*`` say went wrong, and where to look."""
    unit = _shown(environ.get("MONITOR_UNIT", UNIT))
    status = _shown(environ.get("MONITOR_EXIT_STATUS", ""))
    if status in CREDENTIALS_FAILED:
        return msg("service.keys_sealed", unit=unit)
    result = _shown(environ.get("MONITOR_SERVICE_RESULT", ""))
    return msg("service.unit_failed", unit=unit, result=result, status=status)


@dataclass(frozen=True)
class Line:
    text: str
    title: bool = False


def failure_screen(reason: Message, columns: int, rows: int) -> list[Line]:
    """The out-of-service screen's words for the Linux console, line by line and centred:
    the brand, what members should do instead, then the reason for staff."""
    width = max(20, min(columns - 4, 100))
    paragraphs = [
        Line(msg("ui.out_of_service.title").text("id"), title=True),
        Line(msg("ui.out_of_service.title").text("en")),
        Line(""),
        Line(msg("ui.out_of_service.members").text("id")),
        Line(msg("ui.out_of_service.members").text("en")),
        Line(""),
        Line(msg("ui.out_of_service.staff", reason=reason.bilingual()).text("id")),
    ]
    margin = " " * max(0, (columns - width) // 2)
    body = [
        Line(margin + text, paragraph.title)
        for paragraph in paragraphs
        for text in textwrap.wrap(paragraph.text, width) or [""]
    ]
    top = max(0, (rows - len(body)) // 2 - 1)
    return [Line(msg("ui.brand").text("id")[:columns]), *[Line("")] * top, *body]
