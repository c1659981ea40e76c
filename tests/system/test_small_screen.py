"""2b. A smaller screen: the same kiosk with a 1024x768 monitor (128 x 48 cells) draws the
card's QR in half blocks once the README's drop-in has loaded a console font that has them,
and the QR still reads off the framebuffer to the card's exact text."""

from tests.system.conftest import SMALL_SCREEN
from tests.system.image import REPO
from tests.system.kiosk import ADMIN, log, wait_serving
from tests.system.readme import SMALL_SCREEN as SMALL_SCREEN_BLOCK
from tests.system.readme import block_after, section
from tests.system.test_console import leave, read_card, show_card
from tests.system.vm import Vm

DEBIAN_FONT = "/usr/share/consolefonts/Lat15-Fixed16.psf.gz"
"""What Debian's console-setup loads at boot: no ▀ ▄ █, so no half-block QR without the drop-in."""


def test_at_1024x768_the_card_qr_in_half_blocks_reads_off_the_screen(small_vm: Vm) -> None:
    """The installed kiosk, booted with the first one, has synced from its own stick by now:
    its first background sync, which nobody asked for."""
    try:
        synced = wait_serving(small_vm)["StatusText"]
        log(f"the smaller kiosk, by itself: {synced}")
        assert "last background sync: ok, sequence 1 at " in synced
        small_vm.run("setfont", "-C", "/dev/tty1", DEBIAN_FONT).check()
        steps = block_after(section((REPO / "README.md").read_text()), SMALL_SCREEN_BLOCK)
        small_vm.sh(f"set -eux\n{steps}", timeout=120).check()
        wait_serving(small_vm)
        rows, columns = small_vm.read("/dev/vcsa1")[:2]
        log(f"the smaller console: {columns} x {rows} cells")
        assert (columns, rows) == (SMALL_SCREEN[0] // 8, SMALL_SCREEN[1] // 16)
        doctor = small_vm.sh(f"{ADMIN} doctor --tty /dev/tty1")
        log(f"kiosk doctor there (rc {doctor.rc}):\n{doctor.out}")
        assert doctor.rc == 0, doctor.out + doctor.err
        record, picture = show_card(small_vm, "card-1024x768.png")
        log(f"card screen at 1024x768: {picture}")
        text = read_card(small_vm, picture, SMALL_SCREEN, record["memberships"][0]["card"])
        log(f"decoded from the half-block QR: {text}")
        leave(small_vm, record)
    finally:
        small_vm.stop()  # Its emulated CPU is the other kiosk's again.
