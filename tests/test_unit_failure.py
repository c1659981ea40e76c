"""``kiosk out-of-service``: what tty1 says once systemd has given up on kiosk.service."""

import pytest

from kiosk.i18n import msg
from kiosk.unit_failure import failure_reason, failure_screen
from tests.test_run import read_until, start_command, terminate


def test_keys_systemd_could_not_decrypt_are_told_as_a_disk_from_another_computer() -> None:
    reason = failure_reason({"MONITOR_UNIT": "kiosk.service", "MONITOR_EXIT_STATUS": "243"})
    assert reason.key == "service.keys_sealed"
    assert "TPM2" in reason.text("en")
    assert "journalctl -u kiosk.service -b" in reason.text("en")
    assert failure_reason({"MONITOR_EXIT_STATUS": "CREDENTIALS"}).key == "service.keys_sealed"


def test_a_crash_loop_is_told_with_its_result_and_the_repair() -> None:
    reason = failure_reason(
        {
            "MONITOR_UNIT": "kiosk.service",
            "MONITOR_SERVICE_RESULT": "start-limit-hit",
            "MONITOR_EXIT_STATUS": "1",
        }
    )
    text = reason.text("en")
    assert "result start-limit-hit, status 1" in text
    assert "systemctl reset-failed kiosk.service && systemctl start kiosk.service" in text


def test_what_systemd_hands_over_is_shown_only_as_printable_and_short() -> None:
    reason = failure_reason({"MONITOR_UNIT": "kiosk\x1b[2J.service" + "x" * 200})
    text = reason.text("en")
    assert "\x1b" not in text
    assert "kiosk[2J.service" + "x" * 48 in text
    assert "x" * 49 not in text
    assert "(result ?, status ?)" in failure_reason({}).text("en")


@pytest.mark.parametrize("columns", [40, 80, 160])
def test_the_screen_fits_the_console_and_is_centred(columns: int) -> None:
    brand, *lines = failure_screen(failure_reason({}), columns, 30)
    assert brand.text == msg("ui.brand").text("id")[:columns]
    assert max(len(line.text) for line in lines) <= columns
    title, *_ = [line for line in lines if line.title]
    assert msg("ui.out_of_service.title").text("id").startswith(title.text.strip())
    assert title.text.startswith(" " * ((columns - min(columns - 4, 100)) // 2))
    assert lines[0].text == "" or columns == 40


def test_on_a_terminal_it_shows_the_reason_until_systemd_stops_it() -> None:
    with start_command(
        ["out-of-service"], MONITOR_UNIT="kiosk.service", MONITOR_EXIT_STATUS="243"
    ) as (process, controller):
        drawn = read_until(controller, b"kiosk.service -b.", 20)
        assert msg("ui.out_of_service.title").text("id").encode() in drawn, drawn[-500:]
        assert b"TPM2" in drawn
        assert process.poll() is None
        rest = terminate(process, controller)
        assert process.wait(timeout=5) == 0
        assert b"Traceback" not in drawn + rest
