"""Spoken guidance: a screen's instruction read aloud by Debian's ``espeak-ng``.

The UI thread calls :meth:`Speaker.say` and gets on with drawing: a worker
thread starts ``espeak-ng``, feeds it the text on standard input and waits for
it. A new utterance stops the one playing. Nothing here ever raises to the
caller: a missing program, no audio device or a hung process is silence and
one log line, because a kiosk that cannot speak still serves. A branch office
is a public room, so text the caller marks as personal (a name, a status, a
balance) is spoken only into headphones that staff have declared.
"""

import logging
import os
import re
import shutil
import subprocess
import threading
import unicodedata
import wave
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from kiosk.config import AccessibilitySettings, Config
from kiosk.i18n import LANGS, Lang, Message, msg
from kiosk.nik import NIK_LENGTH

PROGRAM = "espeak-ng"
VOICES: Mapping[Lang, str] = {"id": "id", "en": "en-gb"}
"""The voice for each language, as Debian's espeak-ng-data names them (``espeak-ng --voices``)."""
HANG_FACTOR = 3
HANG_MARGIN_SECONDS = 5.0
"""espeak-ng takes 0.8 to 1.6 times words / rate for the screens' texts; a process still
running after :data:`HANG_FACTOR` times that plus this margin is hung, and is killed."""
_ERROR_CHARS = 200
"""How much of espeak-ng's last line of standard error the log line keeps."""

log = logging.getLogger(__name__)


def find_program(environ: Mapping[str, str]) -> str | None:
    """espeak-ng on ``environ``'s PATH (the process's own when it names none)."""
    return shutil.which(PROGRAM, path=environ.get("PATH"))


class Outcome(StrEnum):
    SPOKEN = "spoken"
    STOPPED = "stopped"
    """Cut short by :meth:`Speaker.stop` or by the next utterance."""
    FAILED = "failed"
    """espeak-ng failed or hung; the speaker logged it."""


@dataclass(frozen=True)
class Phrase:
    """A text to speak in one language; ``personal`` text needs headphones."""

    text: str
    lang: Lang
    personal: bool = False


_DONE, _BACK = msg("ui.done"), msg("ui.back")
GUIDANCE: Mapping[str, Message] = {
    "welcome": msg("speech.welcome"),
    "nik": msg("speech.nik", length=NIK_LENGTH, next=msg("ui.key.next")),
    "verify": msg("speech.verify", check=msg("ui.key.check")),
    "status": msg(
        "speech.status", card=msg("ui.status.card"), jht=msg("ui.status.jht_button"), done=_DONE
    ),
    "card": msg("speech.card", done=_DONE, back=_BACK),
    "jht": msg("speech.jht", back=_BACK, done=_DONE),
    "done": msg("speech.done"),
    "idle": msg("speech.idle", resume=msg("ui.idle.continue")),
    "out_of_service": msg("speech.out_of_service"),
    "help": msg("speech.help", close=msg("ui.help.close")),
}
"""Each member screen's spoken instruction, by the screen's module name; never personal."""
BEFORE_A_LANGUAGE = frozenset({"welcome", "out_of_service"})
"""Screens a member meets before choosing a language: their instruction is said in both."""


def guidance(screen: str, lang: Lang) -> list[Phrase]:
    """What ``screen`` says on arrival and on request: in ``lang``, or, on a screen shown
    before a language is chosen, in ``lang`` and then the other."""
    langs = [lang, *(other for other in LANGS if other != lang)]
    said = langs if screen in BEFORE_A_LANGUAGE else [lang]
    return [Phrase(GUIDANCE[screen].text(each), each) for each in said]


# A NIK or KPJ, whole or masked ("3201••••••••0001"): never read aloud, even into headphones.
_IDENTIFIER = re.compile(r"[0-9•*]{8,}")
_RUPIAH = re.compile(r"\bRp\.?\s*(\d[\d.,]*\d|\d)")
# "20.32" is a time of day (a thousands group has three digits): "20 32", as it is said.
_CLOCK = re.compile(r"(?<!\d)(?<!\d[.,])([01]?\d|2[0-3])[.:]([0-5]\d)(?!\d|[.,]\d)")
_SPACES = re.compile(r"\s+")


def spoken(text: str) -> str:
    """``text`` as espeak-ng should hear it: numbers said well, no identifiers, nothing it
    would obey.

    Without ``-m`` espeak-ng reads markup as text, but it still takes ``[[...]]`` as
    phonemes and control characters as its own commands, so neither reaches it.
    """
    cleaned = "".join(
        " " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char for char in text
    )
    cleaned = cleaned.replace("[", " ").replace("]", " ")
    cleaned = _IDENTIFIER.sub(" ", cleaned)
    cleaned = _RUPIAH.sub(r"\1 rupiah", cleaned)
    cleaned = _CLOCK.sub(r"\1 \2", cleaned)
    return _SPACES.sub(" ", cleaned).strip()


class Utterance:
    """One or more phrases spoken in turn by one worker thread; :meth:`wait` for its end."""

    def __init__(self, phrases: Sequence[Phrase], wav: Path | None) -> None:
        self.phrases = tuple(phrases)
        self.wav = wav
        self._lock = threading.Lock()
        self._stopped = False
        self._process: subprocess.Popen[bytes] | None = None
        self._done = threading.Event()
        self.outcome: Outcome | None = None
        """Set once the utterance has ended."""

    @property
    def voices(self) -> tuple[str, ...]:
        return tuple(VOICES[phrase.lang] for phrase in self.phrases)

    def wait(self, timeout: float | None = None) -> Outcome | None:
        """How it ended, or ``None`` if it has not within ``timeout`` seconds."""
        self._done.wait(timeout)
        return self.outcome

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            if self._process is not None:
                with suppress(ProcessLookupError):
                    self._process.kill()

    def _end(self, outcome: Outcome) -> None:
        self.outcome = outcome
        self._done.set()


class Speaker:
    """Speaks in the member's language; silent when speech is off or cannot work here."""

    def __init__(
        self, settings: AccessibilitySettings, environ: Mapping[str, str] | None = None
    ) -> None:
        self.settings = settings
        self._environ = dict(os.environ if environ is None else environ)
        self._lock = threading.Lock()
        self._current: Utterance | None = None
        self._program: str | None = None
        self._missing = False
        self._failing = ""
        """The failure last logged: the same one again is not logged again until a success."""

    @classmethod
    def from_config(cls, config: Config, environ: Mapping[str, str] | None = None) -> "Speaker":
        return cls(config.accessibility, environ)

    def say(
        self, text: str, lang: Lang, *, personal: bool = False, wav: Path | None = None
    ) -> Utterance | None:
        """Speak ``text`` now, stopping what is being said; ``wav`` writes it to a file instead.

        ``None`` when nothing is started: speech off, personal text without headphones,
        nothing left to say, or no espeak-ng. Never raises.
        """
        return self.say_all([Phrase(text, lang, personal)], wav=wav)

    def say_all(self, phrases: Sequence[Phrase], *, wav: Path | None = None) -> Utterance | None:
        """Speak each phrase in its own language, in turn, as one utterance (the welcome
        screen's two languages); the phrases a public room may not hear are left out."""
        if not self.settings.speech:
            return None
        allowed = [
            Phrase(text, phrase.lang)
            for phrase in phrases
            if self.settings.headphones or not phrase.personal
            if (text := spoken(phrase.text))
        ]
        if not allowed:
            self.stop()
            return None
        program = self._find_program()
        if program is None:
            return None
        utterance = Utterance(allowed, wav)
        with self._lock:
            previous, self._current = self._current, utterance
        if previous is not None:
            previous.stop()
        worker = threading.Thread(
            target=self._run, args=(utterance, previous, program), name="speech", daemon=True
        )
        worker.start()
        return utterance

    @property
    def current(self) -> Utterance | None:
        """What was last started and not stopped since (it may have ended)."""
        return self._current

    def stop(self) -> None:
        """Silence at once: the screen changed, or the session was wiped."""
        with self._lock:
            current, self._current = self._current, None
        if current is not None:
            current.stop()

    def _find_program(self) -> str | None:
        """espeak-ng on the kiosk's PATH; looked for until it is missing once, then never."""
        if self._missing:
            return None
        if self._program is None:
            self._program = find_program(self._environ)
            if self._program is None:
                self._missing = True
                log.warning("speech is on but %s is not installed: the kiosk stays silent", PROGRAM)
        return self._program

    def _command(self, program: str, phrase: Phrase, wav: Path | None) -> list[str]:
        rate = str(self.settings.words_per_minute)
        output = ["-w", str(wav)] if wav is not None else []
        # -b 1: the text is UTF-8; without -m, markup is read as text, never obeyed.
        return [program, "-v", VOICES[phrase.lang], "-s", rate, "-b", "1", *output, "--stdin"]

    def _run(self, utterance: Utterance, previous: Utterance | None, program: str) -> None:
        """The worker: wait for the previous utterance to die, then speak each phrase."""
        if previous is not None:
            previous.wait()
        parts = _parts(utterance.wav, len(utterance.phrases))
        outcome = Outcome.STOPPED
        for phrase, part in zip(utterance.phrases, parts, strict=True):
            outcome = self._speak(utterance, phrase, program, part)
            if outcome is not Outcome.SPOKEN:
                break
        pieces = [part for part in parts if part is not None and part != utterance.wav]
        if outcome is Outcome.SPOKEN and utterance.wav is not None and pieces:
            outcome = self._join(pieces, utterance.wav)
        for piece in pieces:
            piece.unlink(missing_ok=True)
        utterance._end(outcome)

    def _speak(
        self, utterance: Utterance, phrase: Phrase, program: str, wav: Path | None
    ) -> Outcome:
        command = self._command(program, phrase, wav)
        with utterance._lock:
            if utterance._stopped:
                return Outcome.STOPPED
            try:
                process = subprocess.Popen(  # noqa: S603 - no shell; the text goes to stdin
                    command,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    env=self._environ,
                )
            except OSError as error:
                self._missing = isinstance(error, FileNotFoundError)
                return self._failed(f"cannot start {PROGRAM}: {error.strerror}")
            utterance._process = process
        budget = self._budget(phrase.text)
        try:
            _, err = process.communicate(phrase.text.encode(), timeout=budget)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return self._failed(f"{PROGRAM} hung, and was killed")
        if utterance._stopped:
            return Outcome.STOPPED
        # espeak-ng 1.51 exits 0 when it cannot open the audio device or the WAV file,
        # and says so on standard error, where it says nothing when all is well.
        lines = err.decode(errors="replace").strip().splitlines()
        if process.returncode != 0 or lines:
            last = lines[-1][:_ERROR_CHARS] if lines else ""
            return self._failed(f"{PROGRAM} failed (exit {process.returncode}): {last}")
        self._failing = ""
        return Outcome.SPOKEN

    def _budget(self, text: str) -> float:
        words = len(text.split())
        return words / self.settings.words_per_minute * 60 * HANG_FACTOR + HANG_MARGIN_SECONDS

    def _failed(self, why: str) -> Outcome:
        """One log line for a failure, not one per utterance while it lasts."""
        if why != self._failing:
            self._failing = why
            log.warning("speech is silent: %s", why)
        return Outcome.FAILED

    def _join(self, parts: Sequence[Path], wav: Path) -> Outcome:
        """The phrases' WAV files as one: espeak-ng writes every voice in the same format."""
        try:
            with wave.open(str(wav), "wb") as out:
                for index, part in enumerate(parts):
                    with wave.open(str(part), "rb") as piece:
                        if index == 0:
                            out.setparams(piece.getparams())
                        out.writeframes(piece.readframes(piece.getnframes()))
        except (OSError, wave.Error, EOFError) as error:
            return self._failed(f"cannot join the WAV files: {type(error).__name__}")
        return Outcome.SPOKEN


def _parts(wav: Path | None, count: int) -> list[Path | None]:
    """Where each phrase goes: the speaker, the one WAV file, or a part of it to join."""
    if wav is None or count == 1:
        return [wav] * count
    return [wav.with_name(f"{wav.name}.part{index}") for index in range(count)]
