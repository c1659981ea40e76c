"""7. A stolen disk yields no key: the README seals the kiosk's keys to its TPM2 chip
(``systemd-creds encrypt``), so a copy of the kiosk's disk, booted on a computer with another
chip, cannot decrypt them. systemd does not start the kiosk there, and tty1 tells staff why,
while the original kiosk goes on serving."""

import shutil

from kiosk.i18n import msg
from tests.system.image import Image
from tests.system.kiosk import (
    ADMIN,
    ARTIFACTS,
    BOOT_TIMEOUT,
    FALLBACK,
    OUT_OF_SERVICE_TIMEOUT,
    UNIT,
    log,
    screen,
    state,
    wait_serving,
)
from tests.system.test_systemd import START_SLACK, seconds
from tests.system.vm import Vm

MASTER_KEY = "/etc/kiosk/credentials/master-key"
CACHE = "/var/lib/kiosk/cache.db"


def test_a_copy_of_the_disk_on_another_computer_opens_nothing(image: Image, kiosk_vm: Vm) -> None:
    serving = wait_serving(kiosk_vm)
    run_dir = ARTIFACTS / "stolen"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    copy = run_dir / "disk.qcow2"
    kiosk_vm.sh("sync").check()
    kiosk_vm.copy_disk(copy)
    log(f"the kiosk's disk copied while it serves: {copy.stat().st_size >> 20} MiB")
    # The same disk, the same firmware and kernel; another TPM2 chip, new and empty.
    thief = Vm(image, copy, run_dir, tpm=run_dir / "tpm")
    thief.start()
    try:
        thief.wait_agent(BOOT_TIMEOUT)
        burst = int(thief.unit(UNIT, "StartLimitBurst")["StartLimitBurst"])
        restart = seconds(thief, "RestartUSec")

        def given_up() -> dict[str, str] | None:
            now = thief.unit(UNIT, "ActiveState", "Result", "ExecMainStatus", "NRestarts")
            return now if now["ActiveState"] == "failed" else None

        failed = thief.wait_for(
            "kiosk.service given up on", given_up, burst * (restart + START_SLACK)
        )
        reason = " ".join(msg("service.keys_sealed", unit=UNIT).text("id").split())
        told = thief.wait_for(
            "the reason on tty1",
            lambda: screen(thief) if reason in screen(thief) else None,
            OUT_OF_SERVICE_TIMEOUT,
        )
        picture = thief.screendump("out-of-service.png")
        journal = thief.run("journalctl", "-b", "-u", UNIT, "-o", "cat").check()
        decrypt = thief.run("systemd-creds", "decrypt", "--name=master-key", MASTER_KEY, "-")
        admin = thief.sh(f"{ADMIN} status --json")
        cache_bytes = int(thief.sh(f"stat -c %s {CACHE}").check())
        fallback = thief.unit(FALLBACK, "ActiveState")
    finally:
        thief.stop()
    log(f"the copy, another TPM: kiosk.service {failed}; {FALLBACK} {fallback}")
    log(f"the copy's tty1: {told}")
    log(f"its screen: {picture}")
    log(f"systemd-creds decrypt there: rc {decrypt.rc}: {decrypt.err.strip()}")
    log(f"kiosk-admin status there: rc {admin.rc}: {admin.err.strip()[-300:]}")
    # 243 is systemd's EXIT_CREDENTIALS: the kiosk's program never ran.
    assert failed["ExecMainStatus"] == "243", failed
    # RestartPreventExitStatus=243: no retry, since none could decrypt the keys.
    assert failed["NRestarts"] == "0", failed
    assert "credential" in journal.lower(), journal[-2000:]
    assert fallback["ActiveState"] == "active"
    assert msg("ui.out_of_service.title").text("id") in told
    assert decrypt.rc != 0
    assert decrypt.out == ""
    assert admin.rc != 0
    assert admin.out == ""
    assert cache_bytes > 1 << 16, "the copy holds the cache, and nothing can read it"
    # The original, with its own chip, served all along.
    after = state(kiosk_vm)
    log(f"the original meanwhile: {after}")
    assert after["ActiveState"] == "active"
    assert after["MainPID"] == serving["MainPID"]
    wait_serving(kiosk_vm)
