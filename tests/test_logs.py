"""The kiosk's log: where it goes, that it rotates and stays private, and what it never holds."""

import gc
import json
import logging
import logging.handlers
import os
import re
import socket
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import Config, FeedSettings
from kiosk.logs import (
    BACKUPS,
    MAX_BYTES,
    JsonFormatter,
    exception_fields,
    log_unexpected,
    logging_off_screen,
)

NIK = "3171234567890123"
NAME = "Siti Lestari"
FRAME = re.compile(r"^[\w.<>-]+(/[\w.<>-]+)?:\d+ in [\w.<>]+$")


def config_in(tmp_path: Path) -> Config:
    (tmp_path / "cache").mkdir(exist_ok=True)
    feed = FeedSettings("", tmp_path / "trust", tmp_path / "feed")
    return Config(
        tmp_path / "kiosk.toml", "test-kiosk", tmp_path / "cache" / "cache.db", None, feed
    )


def beside_cache(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "kiosk-ui.log"


def entries(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def look_up(nik: str, name: str) -> None:
    """Fails the way a careless lookup would: the member's data in messages and locals."""
    member = {"nik": nik, "name": name}
    try:
        raise KeyError(member["nik"])
    except KeyError as error:
        raise ValueError(f"no record for {member['name']} ({nik})") from error


def failure() -> ValueError:
    try:
        look_up(NIK, NAME)
    except ValueError as error:
        return error
    raise AssertionError("look_up did not fail")


@pytest.fixture
def no_syslog(tmp_path: Path) -> str:
    return str(tmp_path / "no-dev-log")


@pytest.fixture
def syslog(tmp_path: Path) -> Iterator[socket.socket]:
    """A stand-in for journald's ``/dev/log``."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(tmp_path / "dev-log"))
        sock.settimeout(5)
        yield sock


def assert_safe(text: str) -> None:
    assert NIK not in text
    assert NAME not in text
    assert "Siti" not in text


def test_an_exception_is_logged_by_type_and_frames_never_its_text(
    tmp_path: Path, no_syslog: str
) -> None:
    error = failure()
    with logging_off_screen(config_in(tmp_path), {}, no_syslog):
        log_unexpected(logging.getLogger("screens.app"), error)
        logging.getLogger("some.library").error("unexpected error", exc_info=error)
        logging.getLogger("some.library").exception(error)
        logging.getLogger("kiosk.sync").warning("sync failed: %s (%r)", error, error.__cause__)
    text = beside_cache(tmp_path).read_text(encoding="utf-8")
    assert_safe(text)
    ours, library, as_message, as_argument = entries(beside_cache(tmp_path))
    assert ours["message"] == "unexpected error: ValueError"
    assert library["message"] == "unexpected error"
    assert as_message["message"] == "ValueError"
    assert as_argument["message"] == "sync failed: ValueError ('KeyError')"
    for entry in (ours, library):
        assert entry["level"] == "ERROR"
        assert entry["error"] == "ValueError"
        stack = entry["stack"]
        assert isinstance(stack, list)
        assert all(FRAME.match(frame) for frame in stack), stack
        assert stack[0].startswith("tests/test_logs.py:")
        assert stack[0].endswith(" in failure")
        assert stack[-1].endswith(" in look_up")
        cause = entry["cause"]
        assert isinstance(cause, dict)
        assert cause["error"] == "KeyError"
        [raised] = cause["stack"]
        assert raised.endswith(" in look_up")
    assert ours["logger"] == "screens.app"


def test_a_line_has_time_level_logger_and_message(tmp_path: Path, no_syslog: str) -> None:
    with logging_off_screen(config_in(tmp_path), {}, no_syslog):
        logging.getLogger("screens.app").info("session wiped after %d s", 60)
        logging.getLogger("screens.app").debug("not at INFO")
    [entry] = entries(beside_cache(tmp_path))
    assert set(entry) == {"time", "level", "logger", "message"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", str(entry["time"]))
    assert entry["level"] == "INFO"
    assert entry["message"] == "session wiped after 60 s"


def test_the_chain_follows_pythons_own_traceback() -> None:
    members: dict[str, str] = {}
    try:
        try:
            members[NIK]
        except KeyError:
            raise RuntimeError(NAME)  # noqa: B904 - the implicit context is the point
    except RuntimeError as error:
        implicit = exception_fields(error)
    assert implicit["error"] == "RuntimeError"
    assert isinstance(implicit["context"], dict)
    assert implicit["context"]["error"] == "KeyError"
    try:
        try:
            members[NIK]
        except KeyError:
            raise RuntimeError(NAME) from None
    except RuntimeError as error:
        hidden = exception_fields(error)
    assert set(hidden) == {"error", "stack"}
    group = ExceptionGroup(NAME, [KeyError(NIK), OSError(2, NAME)])
    fields = exception_fields(group)
    assert fields["error"] == "ExceptionGroup"
    assert fields["exceptions"] == [
        {"error": "KeyError", "stack": []},
        {"error": "FileNotFoundError", "stack": []},
    ]
    assert_safe(json.dumps([implicit, hidden, fields]))


def test_a_cycle_in_the_chain_ends() -> None:
    first, second = KeyError(NIK), ValueError(NAME)
    first.__context__, second.__context__ = second, first
    fields = exception_fields(first)
    assert fields == {
        "error": "KeyError",
        "stack": [],
        "context": {"error": "ValueError", "stack": []},
    }


def test_a_thread_exception_is_logged_the_same_safe_way(tmp_path: Path, no_syslog: str) -> None:
    with logging_off_screen(config_in(tmp_path), {}, no_syslog):
        worker = threading.Thread(target=look_up, args=(NIK, NAME), name="feed-sync")
        worker.start()
        worker.join()
    text = beside_cache(tmp_path).read_text(encoding="utf-8")
    assert_safe(text)
    [entry] = entries(beside_cache(tmp_path))
    assert entry["message"] == "uncaught exception in thread feed-sync: ValueError"
    assert entry["error"] == "ValueError"
    assert isinstance(entry["stack"], list)
    assert str(entry["stack"][-1]).endswith(" in look_up")


def test_the_other_uncaught_paths_are_safe_too(tmp_path: Path, no_syslog: str) -> None:
    class Careless:
        def __del__(self) -> None:
            raise ValueError(f"{NAME} {NIK}")

    def serve() -> None:
        error = failure()
        with logging_off_screen(config_in(tmp_path), {}, no_syslog):
            sys.excepthook(type(error), error, error.__traceback__)
            Careless()
            gc.collect()
            look_up(NIK, NAME)

    with pytest.raises(ValueError, match=NIK):
        serve()
    text = beside_cache(tmp_path).read_text(encoding="utf-8")
    assert_safe(text)
    assert [entry["message"] for entry in entries(beside_cache(tmp_path))] == [
        "uncaught exception: ValueError",
        "unraisable exception: ValueError",
        "kiosk stopped by an unexpected error: ValueError",
    ]


def test_everything_is_put_back_afterwards(tmp_path: Path, no_syslog: str) -> None:
    root = logging.getLogger()
    before = root.handlers[:], root.level
    hooks = sys.excepthook, threading.excepthook, sys.unraisablehook
    with logging_off_screen(config_in(tmp_path), {}, no_syslog) as handler:
        assert root.handlers == [handler]
        assert sys.excepthook is not hooks[0]
        assert threading.excepthook is not hooks[1]
    assert (root.handlers, root.level) == before
    assert (sys.excepthook, threading.excepthook, sys.unraisablehook) == hooks


def test_files_rotate_and_keep_a_few_backups(tmp_path: Path, no_syslog: str) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    line = "x" * 1000
    with logging_off_screen(config_in(tmp_path), {"LOGS_DIRECTORY": str(logs)}, no_syslog):
        for number in range((BACKUPS + 2) * MAX_BYTES // len(line)):
            logging.getLogger("kiosk").info("%d %s", number, line)
    names = sorted(path.name for path in logs.iterdir())
    assert names == ["kiosk.log"] + [f"kiosk.log.{n}" for n in range(1, BACKUPS + 1)]
    for path in logs.iterdir():
        assert path.stat().st_size <= MAX_BYTES
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert all(entry["level"] == "INFO" for entry in entries(path))


def test_files_are_private_whatever_the_umask_or_an_older_file(
    tmp_path: Path, no_syslog: str
) -> None:
    path = beside_cache(tmp_path)
    config = config_in(tmp_path)
    path.write_text("")
    path.chmod(0o644)
    old_umask = os.umask(0o022)
    try:
        with logging_off_screen(config, {}, no_syslog):
            logging.getLogger("kiosk").warning("hello")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_logs_directory_wins_over_the_journal(tmp_path: Path, syslog: socket.socket) -> None:
    logs, other = tmp_path / "logs", tmp_path / "other"
    logs.mkdir()
    environ = {"LOGS_DIRECTORY": f"{logs}:{other}"}
    with logging_off_screen(config_in(tmp_path), environ, syslog.getsockname()) as handler:
        logging.getLogger("kiosk").warning("to the file")
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    assert [entry["message"] for entry in entries(logs / "kiosk.log")] == ["to the file"]
    syslog.setblocking(False)
    with pytest.raises(BlockingIOError):
        syslog.recv(4096)
    assert not other.exists()
    assert not beside_cache(tmp_path).exists()


def test_the_journal_wins_over_a_file_beside_the_cache(
    tmp_path: Path, syslog: socket.socket
) -> None:
    error = failure()
    with logging_off_screen(config_in(tmp_path), {}, syslog.getsockname()) as handler:
        log_unexpected(logging.getLogger("screens.app"), error)
    assert isinstance(handler, logging.handlers.SysLogHandler)
    datagram = syslog.recv(65536).decode()
    assert_safe(datagram)
    prefix = "<11>kiosk: "  # LOG_USER, LOG_ERR
    assert datagram.startswith(prefix)
    entry = json.loads(datagram.removeprefix(prefix).rstrip("\0"))
    assert entry["error"] == "ValueError"
    assert not beside_cache(tmp_path).exists()


def test_without_either_the_file_is_beside_the_cache(tmp_path: Path, no_syslog: str) -> None:
    with logging_off_screen(config_in(tmp_path), {}, no_syslog) as handler:
        logging.getLogger("kiosk").warning("beside the cache")
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    assert entries(beside_cache(tmp_path))[0]["message"] == "beside the cache"


def test_an_unwritable_logs_directory_falls_back_to_the_journal(
    tmp_path: Path, syslog: socket.socket
) -> None:
    (tmp_path / "file").write_text("")
    environ = {"LOGS_DIRECTORY": str(tmp_path / "file" / "logs")}  # Not a directory, even for root.
    with logging_off_screen(config_in(tmp_path), environ, syslog.getsockname()) as handler:
        pass
    assert isinstance(handler, logging.handlers.SysLogHandler)
    assert f"cannot log to {tmp_path}/file/logs/kiosk.log" in syslog.recv(65536).decode()


def test_with_nowhere_writable_the_kiosk_still_runs(tmp_path: Path, no_syslog: str) -> None:
    (tmp_path / "file").write_text("")
    environ = {"LOGS_DIRECTORY": str(tmp_path / "file" / "logs")}
    feed = FeedSettings("", tmp_path / "trust", tmp_path / "feed")
    config = Config(tmp_path / "k.toml", "k", tmp_path / "file" / "cache.db", None, feed)
    with logging_off_screen(config, environ, no_syslog) as handler:
        logging.getLogger("kiosk").error("nowhere to go")
    assert isinstance(handler, logging.NullHandler)


def test_a_line_that_cannot_be_written_is_dropped_quietly(
    tmp_path: Path, no_syslog: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with logging_off_screen(config_in(tmp_path), {}, no_syslog):
        logging.getLogger("kiosk").error("%d members", NIK)  # A format error in emit().
    assert_safe(capsys.readouterr().err)
    assert beside_cache(tmp_path).read_text() == ""


def test_the_formatter_alone_makes_exc_info_safe() -> None:
    error = failure()
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "oops %s", ("x",), None)
    record.exc_info = (type(error), error, error.__traceback__)
    line = JsonFormatter().format(record)
    assert json.loads(line)["error"] == "ValueError"
    assert NIK not in line
