"""What members see: colours, the QR code's glyphs, and room for the screens and the card's QR.

Sizes and modes are asked of :mod:`kiosk.layout`, as the card screen and the QR
widget ask them, so the doctor and the UI cannot disagree about what fits.
"""

from pathlib import Path

from kiosk.config import Config, QrMode
from kiosk.doctor.findings import Finding, ok, problem, warning
from kiosk.doctor.terminal import Terminal
from kiosk.i18n import msg
from kiosk.layout import (
    HALF_BLOCKS,
    MIN_SCREEN,
    card_fits,
    largest_qr,
    on_linux_console,
    screen_for_qr,
)

MONOCHROME_TERMS = frozenset({"vt52", "vt100", "vt102", "vt220", "vt320"})
"""Terminals whose terminfo entries have no colours; Rich draws in colour on them anyway."""


def check_colours(terminal: Terminal) -> Finding:
    """Colours as Textual finds them: NO_COLOR, then Rich's reading of COLORTERM and TERM."""
    term = terminal.term
    if terminal.no_color:
        return problem("colours", msg("doctor.colours.no_color"), msg("doctor.fix.no_color"))
    if term.lower() in ("dumb", "unknown"):
        return problem("colours", msg("doctor.colours.none", term=term), msg("doctor.fix.term"))
    if term.lower() in MONOCHROME_TERMS:
        what = msg("doctor.colours.monochrome", term=term)
        return warning("colours", what, msg("doctor.fix.term"))
    if terminal.colorterm.strip().lower() in ("truecolor", "24bit"):
        depth = "24-bit"
    elif term.lower().rpartition("-")[2] in ("256color", "kitty"):
        depth = "256"
    else:
        depth = "16"
    return ok("colours", msg("doctor.colours.ok", term=term or '""', depth=depth))


def check_glyphs(terminal: Terminal, mode: QrMode, config: Config) -> Finding:
    """Half blocks need a font that has ▀ and ▄; whole cells need nothing special."""
    setting = config.screen.qr_mode
    if mode == "whole":
        return ok("glyphs", msg("doctor.glyphs.whole", setting=setting))
    if not on_linux_console(terminal.term):
        return ok("glyphs", msg("doctor.glyphs.half", setting=setting))
    if terminal.font is None:
        # Not a console the doctor could ask (not named, or not allowed): the operator must look.
        fix = msg("doctor.fix.console_half", config=config.path)
        return warning("glyphs", msg("doctor.glyphs.console_half"), fix)
    if missing := [glyph for glyph in HALF_BLOCKS if glyph not in terminal.font]:
        what = msg("doctor.glyphs.font_lacks", where=terminal.where, glyphs=" ".join(missing))
        return problem("glyphs", what, msg("doctor.fix.font_lacks", config=config.path))
    glyphs = " ".join(HALF_BLOCKS)
    return ok("glyphs", msg("doctor.glyphs.font_has", where=terminal.where, glyphs=glyphs))


def check_terminal(terminal: Terminal, mode: QrMode, config_file: Path) -> Finding:
    """The kiosk's screens fit, and the card screen's largest QR beside the card's details."""
    if terminal.size is None:
        what = msg("doctor.terminal.unmeasured", where=terminal.where, reason=terminal.unmeasured)
        return warning("terminal", what, msg("doctor.fix.terminal_unmeasured"))
    columns, lines = terminal.size
    seen: dict[str, object] = {"columns": columns, "lines": lines, "where": terminal.where}
    if columns < MIN_SCREEN[0] or lines < MIN_SCREEN[1]:
        what = msg(
            "doctor.terminal.small", need_columns=MIN_SCREEN[0], need_lines=MIN_SCREEN[1], **seen
        )
        return problem("terminal", what, msg("doctor.fix.terminal_small"))
    need_columns, need_lines = screen_for_qr(mode)
    need: dict[str, object] = {"mode": mode, "need_columns": need_columns, "need_lines": need_lines}
    if not card_fits(largest_qr(mode), terminal.size):
        half_columns, half_lines = screen_for_qr("half")
        fix = (
            msg("doctor.fix.qr_half", **need)
            if mode == "half"
            else msg(
                "doctor.fix.qr_whole",
                config=config_file,
                half_columns=half_columns,
                half_lines=half_lines,
                **need,
            )
        )
        return problem("terminal", msg("doctor.terminal.qr", **seen, **need), fix)
    key = "doctor.terminal.ok" if terminal.chosen else "doctor.terminal.ok_own"
    return ok("terminal", msg(key, **seen, **need))
