"""2. A member on the real console: typed on the VM's keyboard from welcome to the card,
whose QR code, read off the VGA framebuffer, is the card's exact text and verifies."""

import json
from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image

from tests.system.kiosk import ADMIN, KIOSK, WELCOME, log, screen, wait_serving
from tests.system.vm import SCREEN, Vm

NIK = "1311075010020746"
MOTHER = "Theresia Intan Susanti"
"""A sample member of the demo feed (``kiosk demo`` lists it): active, paid up."""

CARD_PUBLIC_KEY = "/etc/kiosk/trust/card-public.pem"
SCREEN_TIMEOUT = 60
"""From a key to the next screen drawn, under emulation."""


def wait_text(vm: Vm, text: str) -> str:
    """The screen once it shows ``text`` and has stopped changing: the emulated console draws
    a screen bit by bit, and a picture taken as its first words appear can hold half the QR
    code under the last screen's remains."""
    last: list[str] = []

    def showing() -> str | None:
        shown = screen(vm)
        settled = text in shown and last == [shown]
        last[:] = [shown]
        return shown if settled else None

    return vm.wait_for(f"{text!r} on tty1, drawn", showing, SCREEN_TIMEOUT)


def show_card(vm: Vm, picture: str) -> tuple[dict[str, Any], Path]:
    """A member's way from the welcome screen to the card: their record as ``kiosk lookup``
    gives it, and the screen picture of their card."""
    record: dict[str, Any] = json.loads(vm.sh(f"{ADMIN} lookup --json {NIK}").check())
    vm.key("ret")
    wait_text(vm, "Ketik NIK Anda")
    vm.keys(NIK)
    vm.key("ret")
    wait_text(vm, "nama gadis ibu kandung")
    vm.keys(MOTHER)
    vm.key("ret")
    status = wait_text(vm, "Kepesertaan: AKTIF")
    assert record["name"] in status
    assert NIK not in status
    vm.key("k")
    wait_text(vm, "Kartu Peserta Digital")
    return record, vm.screendump(picture)


def read_card(vm: Vm, picture: Path, size: tuple[int, int], card: str) -> str:
    """The QR code off the framebuffer's picture, which must be ``card`` and verify."""
    with Image.open(picture) as shot:
        assert shot.size == size
        found = zxingcpp.read_barcodes(shot)
    assert [code.text for code in found] == [card]
    verdict = vm.run(KIOSK, "card", "verify", "--key", CARD_PUBLIC_KEY, found[0].text)
    log(f"kiosk card verify (rc {verdict.rc}): {verdict.out.strip()}")
    assert verdict.rc == 0
    assert "VALID" in verdict.out
    return found[0].text


def leave(vm: Vm, record: dict[str, Any]) -> None:
    """Done, then finish: the welcome screen again, the member's name gone."""
    vm.key("s")
    wait_text(vm, "Terima kasih")
    vm.key("x")
    assert record["name"] not in wait_text(vm, WELCOME)


def test_a_member_types_their_way_to_the_card_and_its_qr_reads_off_the_screen(kiosk_vm: Vm) -> None:
    wait_serving(kiosk_vm)
    record, picture = show_card(kiosk_vm, "card.png")
    log(f"card screen: {picture}")
    text = read_card(kiosk_vm, picture, SCREEN, record["memberships"][0]["card"])
    log(f"decoded from the framebuffer: {text}")
    leave(kiosk_vm, record)
