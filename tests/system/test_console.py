"""2. A member on the real console: typed on the VM's keyboard from welcome to the card,
whose QR code, read off the VGA framebuffer, is the card's exact text and verifies."""

import json

import zxingcpp
from PIL import Image

from tests.system.kiosk import CREDENTIALS, KIOSK, WELCOME, log, screen, wait_serving
from tests.system.vm import Vm

NIK = "1311075010020746"
MOTHER = "Theresia Intan Susanti"
"""A sample member of the demo feed (``kiosk demo`` lists it): active, paid up."""

CARD_PUBLIC_KEY = "/etc/kiosk/trust/card-public.pem"
SCREEN_TIMEOUT = 60
"""From a key to the next screen drawn, under emulation."""


def wait_text(vm: Vm, text: str) -> str:
    """The screen once it shows ``text``."""

    def showing() -> str | None:
        shown = screen(vm)
        return shown if text in shown else None

    return vm.wait_for(f"{text!r} on tty1", showing, SCREEN_TIMEOUT)


def test_a_member_types_their_way_to_the_card_and_its_qr_reads_off_the_screen(kiosk_vm: Vm) -> None:
    wait_serving(kiosk_vm)
    record = json.loads(kiosk_vm.sh(f"{CREDENTIALS} {KIOSK} lookup --json {NIK}").check())
    card = record["memberships"][0]["card"]

    kiosk_vm.key("ret")
    wait_text(kiosk_vm, "Ketik NIK Anda")
    kiosk_vm.keys(NIK)
    kiosk_vm.key("ret")
    wait_text(kiosk_vm, "nama gadis ibu kandung")
    kiosk_vm.keys(MOTHER)
    kiosk_vm.key("ret")
    status = wait_text(kiosk_vm, "Kepesertaan: AKTIF")
    assert record["name"] in status
    assert NIK not in status
    kiosk_vm.key("k")
    wait_text(kiosk_vm, "Kartu Peserta Digital")

    picture = kiosk_vm.screendump("card.png")
    log(f"card screen: {picture}")
    with Image.open(picture) as shot:
        assert shot.size == (1280, 1024)
        found = zxingcpp.read_barcodes(shot)
    assert [code.text for code in found] == [card]
    log(f"decoded from the framebuffer: {found[0].text}")
    verdict = kiosk_vm.run(KIOSK, "card", "verify", "--key", CARD_PUBLIC_KEY, found[0].text)
    log(f"kiosk card verify (rc {verdict.rc}): {verdict.out.strip()}")
    assert verdict.rc == 0
    assert "VALID" in verdict.out

    kiosk_vm.key("s")
    wait_text(kiosk_vm, "Terima kasih")
    kiosk_vm.key("x")
    assert record["name"] not in wait_text(kiosk_vm, WELCOME)
