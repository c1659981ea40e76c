"""2b. A smaller screen: the same kiosk with a 1024x768 monitor (128 x 48 cells) draws the
card's QR in half blocks once the README's drop-in has loaded a console font that has them,
and the QR still reads off the framebuffer to the card's exact text."""

import shutil

from tests.system.conftest import Feeds
from tests.system.image import REPO, Image
from tests.system.kiosk import ADMIN, ARTIFACTS, BOOT_TIMEOUT, log, wait_serving
from tests.system.readme import SMALL_SCREEN, block_after, section
from tests.system.test_console import leave, read_card, show_card
from tests.system.vm import Vm

SMALL = (1024, 768)
DEBIAN_FONT = "/usr/share/consolefonts/Lat15-Fixed16.psf.gz"
"""What Debian's console-setup loads at boot: no ▀ ▄ █, so no half-block QR without the drop-in."""


def test_at_1024x768_the_card_qr_in_half_blocks_reads_off_the_screen(
    image: Image, feeds: Feeds, kiosk_vm: Vm
) -> None:
    wait_serving(kiosk_vm)
    run_dir = ARTIFACTS / "small-screen"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    kiosk_vm.sh("sync").check()
    kiosk_vm.copy_disk(run_dir / "disk.qcow2")
    # The same computer (its disk and its TPM2 chip, so its keys open) with a smaller monitor.
    shutil.copytree(image.tpm, run_dir / "tpm")
    stick = ["-drive", f"file={feeds.stick},if=virtio,format=raw,readonly=on"]
    small = Vm(image, run_dir / "disk.qcow2", run_dir, stick, tpm=run_dir / "tpm", screen=SMALL)
    small.start()
    try:
        small.wait_agent(BOOT_TIMEOUT)
        small.run("setfont", "-C", "/dev/tty1", DEBIAN_FONT).check()
        steps = block_after(section((REPO / "README.md").read_text()), SMALL_SCREEN)
        small.sh(f"set -eux\n{steps}", timeout=120).check()
        wait_serving(small)
        rows, columns = small.read("/dev/vcsa1")[:2]
        log(f"the smaller console: {columns} x {rows} cells")
        assert (columns, rows) == (SMALL[0] // 8, SMALL[1] // 16)
        doctor = small.sh(f"{ADMIN} doctor --tty /dev/tty1")
        log(f"kiosk doctor there (rc {doctor.rc}):\n{doctor.out}")
        assert doctor.rc == 0, doctor.out + doctor.err
        record, picture = show_card(small, "card-1024x768.png")
        log(f"card screen at 1024x768: {picture}")
        text = read_card(small, picture, SMALL, record["memberships"][0]["card"])
        log(f"decoded from the half-block QR: {text}")
        leave(small, record)
    finally:
        small.stop()
