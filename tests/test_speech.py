"""Spoken guidance with the real espeak-ng: synthesised to WAV files and measured.

Writing a WAV file is the speaker's one other output: the same worker, the same
command line but ``-w``, so what these files hold is what a kiosk would say.
Every wait is on the utterance's end (its process), never a sleep.
"""

import array
import logging
import math
import os
import wave
from pathlib import Path

import pytest

from kiosk.config import RANGES, AccessibilitySettings
from kiosk.i18n import LANGS, Lang
from kiosk.speech import GUIDANCE, VOICES, Outcome, Phrase, Speaker, guidance, spoken
from tests.conftest import NEEDS_ESPEAK_NG

pytestmark = NEEDS_ESPEAK_NG

ON = AccessibilitySettings(speech=True)
SILENCE_RMS = 300
"""Of 32767: espeak-ng's speech is in the thousands, its pauses are zeros."""
SHORTEST, LONGEST = 0.6, 2.0
"""A WAV lasts this many times words / rate: 0.8 to 1.0 for the screens' English, 1.2 to
1.6 for their Indonesian, whose words are longer."""
WAIT = 60.0
"""Seconds an utterance may take before the test gives up: a safety net, not a timing."""


def speaker(settings: AccessibilitySettings = ON, **environ: str) -> Speaker:
    return Speaker(settings, {**os.environ, **environ})


def record(
    tmp_path: Path, text: str, lang: Lang, settings: AccessibilitySettings = ON
) -> tuple[Path, Outcome | None]:
    tmp_path.mkdir(exist_ok=True)
    wav = tmp_path / f"{lang}-{len(text)}.wav"
    utterance = speaker(settings).say(text, lang, wav=wav)
    assert utterance is not None
    return wav, utterance.wait(WAIT)


def measure(wav: Path) -> tuple[float, float]:
    """Seconds and root-mean-square amplitude of a 16-bit mono WAV file."""
    with wave.open(str(wav), "rb") as audio:
        assert (audio.getnchannels(), audio.getsampwidth()) == (1, 2)
        frames = audio.readframes(audio.getnframes())
        seconds = audio.getnframes() / audio.getframerate()
    samples = array.array("h", frames)
    assert samples, f"{wav} holds no sound"
    return seconds, math.sqrt(sum(sample * sample for sample in samples) / len(samples))


def frames(wav: Path) -> int:
    with wave.open(str(wav), "rb") as audio:
        return audio.getnframes()


def band(text: str, rate: int) -> tuple[float, float]:
    minutes = len(text.split()) / rate
    return minutes * 60 * SHORTEST, minutes * 60 * LONGEST


@pytest.mark.parametrize("lang", LANGS)
def test_each_screen_instruction_is_speech_of_a_length_that_fits_it(
    tmp_path: Path, lang: Lang
) -> None:
    for screen in GUIDANCE:
        (phrase, *_) = guidance(screen, lang)
        assert phrase.lang == lang
        wav, outcome = record(tmp_path, phrase.text, lang)
        assert outcome is Outcome.SPOKEN, screen
        seconds, rms = measure(wav)
        assert rms > SILENCE_RMS, screen
        low, high = band(spoken(phrase.text), ON.words_per_minute)
        assert low <= seconds <= high, (screen, seconds, low, high)


def test_a_longer_text_and_a_slower_rate_give_a_longer_wav(tmp_path: Path) -> None:
    text = guidance("nik", "id")[0].text
    short, _ = measure(record(tmp_path / "one", text, "id")[0])
    long, _ = measure(record(tmp_path / "two", f"{text} {text}", "id")[0])
    assert 1.8 * short < long < 2.2 * short
    slowest = RANGES["accessibility.words_per_minute"].minimum
    slow_settings = AccessibilitySettings(speech=True, words_per_minute=slowest)
    slow, _ = measure(record(tmp_path / "slow", text, "id", slow_settings)[0])
    assert slow > short * ON.words_per_minute / slowest * 0.8


def test_each_language_has_its_own_voice(tmp_path: Path) -> None:
    """The same letters said by the Indonesian and the English voice are different sounds."""
    text = "Cek saldo JHT Anda di kiosk ini"
    utterance = speaker().say(text, "id", wav=tmp_path / "id.wav")
    assert utterance is not None
    assert utterance.voices == (VOICES["id"],) == ("id",)
    assert utterance.wait(WAIT) is Outcome.SPOKEN
    english = speaker().say(text, "en", wav=tmp_path / "en.wav")
    assert english is not None
    assert english.voices == ("en-gb",)
    assert english.wait(WAIT) is Outcome.SPOKEN
    assert (tmp_path / "id.wav").read_bytes() != (tmp_path / "en.wav").read_bytes()


def test_the_welcome_screen_speaks_both_languages_default_first_as_one_utterance(
    tmp_path: Path,
) -> None:
    phrases = guidance("welcome", "en")
    assert [phrase.lang for phrase in phrases] == ["en", "id"]
    parts = [record(tmp_path, phrase.text, phrase.lang)[0] for phrase in phrases]
    both = tmp_path / "both.wav"
    utterance = speaker().say_all(phrases, wav=both)
    assert utterance is not None
    assert utterance.voices == ("en-gb", "id")
    assert utterance.wait(WAIT) is Outcome.SPOKEN
    assert frames(both) == sum(frames(part) for part in parts)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [both.name, *(part.name for part in parts)]
    ), "the parts were not cleaned up"
    assert [phrase.lang for phrase in guidance("nik", "en")] == ["en"]


def test_personal_text_is_spoken_only_into_headphones(tmp_path: Path) -> None:
    balance = "Saldo JHT Anda Rp 4.500.000."
    wav = tmp_path / "public.wav"
    assert speaker().say(balance, "id", personal=True, wav=wav) is None
    assert not wav.exists()
    mixed = [Phrase("Data Anda tampil di layar.", "id"), Phrase(balance, "id", personal=True)]
    public = speaker().say_all(mixed, wav=wav)
    assert public is not None
    assert public.phrases == (mixed[0],)
    assert public.wait(WAIT) is Outcome.SPOKEN
    private = tmp_path / "private.wav"
    headphones = AccessibilitySettings(speech=True, headphones=True)
    utterance = speaker(headphones).say_all(mixed, wav=private)
    assert utterance is not None
    assert utterance.wait(WAIT) is Outcome.SPOKEN
    assert measure(private)[0] > measure(wav)[0] + 1


def test_speech_off_starts_nothing_and_looks_for_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Not even the missing program is noticed: nothing is looked up, nothing is logged."""
    off = speaker(AccessibilitySettings(speech=False, headphones=True), PATH=str(tmp_path))
    with caplog.at_level(logging.INFO):
        assert off.say("Selamat datang", "id", wav=tmp_path / "off.wav") is None
        assert off.say_all(guidance("welcome", "id")) is None
        off.stop()
    assert list(tmp_path.iterdir()) == []
    assert caplog.records == []


def test_a_missing_espeak_ng_is_silence_and_one_log_line_however_often_asked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    silent = speaker(PATH=str(tmp_path))
    with caplog.at_level(logging.INFO, logger="kiosk.speech"):
        for _ in range(3):
            assert silent.say("Selamat datang", "id", wav=tmp_path / "x.wav") is None
    (line,) = caplog.records
    assert line.levelno == logging.WARNING
    assert (
        line.getMessage() == "speech is on but espeak-ng is not installed: the kiosk stays silent"
    )
    assert list(tmp_path.iterdir()) == []


def test_no_audio_device_is_silence_and_one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    """espeak-ng 1.51 exits 0 without a device and says so only on standard error."""
    deaf = speaker(ALSA_CONFIG_PATH=os.devnull, PULSE_SERVER="unix:/nonexistent/pulse")
    with caplog.at_level(logging.INFO, logger="kiosk.speech"):
        for text in ("Selamat datang", "Terima kasih"):
            utterance = deaf.say(text, "id")
            assert utterance is not None
            assert utterance.wait(WAIT) is Outcome.FAILED
    (line,) = caplog.records
    assert line.getMessage().startswith("speech is silent: espeak-ng failed (exit 0): ")


def test_a_wav_file_that_cannot_be_written_is_a_failure_not_an_exception(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="kiosk.speech"):
        utterance = speaker().say("Halo", "id", wav=tmp_path / "absent" / "x.wav")
        assert utterance is not None
        assert utterance.wait(WAIT) is Outcome.FAILED
    (line,) = caplog.records
    assert "absent/x.wav" in line.getMessage()


def test_a_hung_espeak_ng_is_killed_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A FIFO nobody reads: espeak-ng blocks opening it, as on a wedged audio device."""
    fifo = tmp_path / "nobody-reads.wav"
    os.mkfifo(fifo)
    fast = AccessibilitySettings(
        speech=True, words_per_minute=RANGES["accessibility.words_per_minute"].maximum
    )
    with caplog.at_level(logging.INFO, logger="kiosk.speech"):
        utterance = speaker(fast).say("Halo", "id", wav=fifo)
        assert utterance is not None
        assert utterance.wait(WAIT) is Outcome.FAILED
    (line,) = caplog.records
    assert "hung" in line.getMessage()


def test_a_new_utterance_stops_the_one_playing(tmp_path: Path) -> None:
    """The first is long enough to take seconds to synthesise; it ends killed, not finished."""
    talker = speaker()
    long_text = " ".join([guidance("help", "id")[0].text] * 400)
    first = talker.say(long_text, "id", wav=tmp_path / "first.wav")
    second = talker.say("Terima kasih", "id", wav=tmp_path / "second.wav")
    assert first is not None
    assert second is not None
    assert second.wait(WAIT) is Outcome.SPOKEN
    assert first.wait(0) is Outcome.STOPPED, "the second began before the first had ended"
    third = talker.say(long_text, "id", wav=tmp_path / "third.wav")
    assert third is not None
    talker.stop()
    assert third.wait(WAIT) is Outcome.STOPPED


def test_text_is_made_fit_to_be_heard_and_obeys_nothing() -> None:
    assert spoken("Saldo JHT: Rp 4.500.000") == "Saldo JHT: 4.500.000 rupiah"
    assert spoken("JHT balance: Rp 4,500,000.") == "JHT balance: 4,500,000 rupiah."
    assert spoken("NIK 3201••••••••0001, KPJ 12345678901") == "NIK , KPJ"
    assert spoken("NIK 6106060511730214") == "NIK"
    assert spoken("sampai pukul 20.32. Data per 24-11-2026 10.05") == (
        "sampai pukul 20 32. Data per 24-11-2026 10 05"
    )
    assert spoken("3 dari 12 bulan; 1.234 anggota") == "3 dari 12 bulan; 1.234 anggota"
    assert spoken("- Situs web\n- Aplikasi JMO\x01 50S") == "- Situs web - Aplikasi JMO 50S"
    assert spoken("halo [[h@l'oU]]") == "halo h@l'oU"
    assert spoken(" \n\t ") == ""


def test_nothing_to_say_says_nothing_and_stops_what_was_said(tmp_path: Path) -> None:
    talker = speaker()
    long_text = " ".join([guidance("help", "id")[0].text] * 400)
    first = talker.say(long_text, "id", wav=tmp_path / "first.wav")
    assert first is not None
    assert talker.say("6106060511730214", "id") is None
    assert first.wait(WAIT) is Outcome.STOPPED
