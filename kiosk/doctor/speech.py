"""Spoken guidance: when it is on, espeak-ng and a voice for each language must be here.

The kiosk itself stays silent without them (and logs it once); the doctor is
where staff learn why. Whether the audio device works is left to the ear: the
doctor makes no sound.
"""

import subprocess
from collections.abc import Mapping
from pathlib import Path

from kiosk.config import Config
from kiosk.doctor.findings import Finding, ok, problem
from kiosk.i18n import msg
from kiosk.speech import VOICES, find_program

TIMEOUT_SECONDS = 10


def check_speech(config: Config, environ: Mapping[str, str]) -> Finding:
    settings = config.accessibility
    if not settings.speech:
        return ok("speech", msg("doctor.speech.off", config=config.path))
    program = find_program(environ)
    if program is None:
        return problem("speech", msg("doctor.speech.missing"), msg("doctor.fix.espeak"))
    if missing := [voice for voice in VOICES.values() if not _speaks(program, voice, environ)]:
        what = msg("doctor.speech.no_voice", voices=", ".join(missing))
        return problem("speech", what, msg("doctor.fix.espeak"))
    key = "doctor.speech.headphones" if settings.headphones else "doctor.speech.public"
    return ok("speech", msg(key, voices=", ".join(VOICES.values()), program=Path(program)))


def _speaks(program: str, voice: str, environ: Mapping[str, str]) -> bool:
    """espeak-ng loads ``voice`` and synthesises a word with it, silently (``-q``): the
    kiosk's own command line, without the sound."""
    try:
        subprocess.run(  # noqa: S603 - espeak-ng from PATH, fixed arguments
            [program, "-q", "-v", voice, "--stdin"],
            input=b"halo",
            capture_output=True,
            env=dict(environ),
            timeout=TIMEOUT_SECONDS,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return True
