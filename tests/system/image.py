"""The test VM's disk: Debian 12 from Debian's packages, the kiosk installed by the README.

Built once per machine and kept under ``~/.cache/bpjstk-kiosk/vm/<hash>/``,
the hash of everything that goes into it (the project's files, this builder,
the guest agent, the package list), so a change to any of them builds anew
and an unchanged tree boots in seconds. Everything that needs a network
happens on the host: Debian's packages (mmdebstrap) and the wheelhouse of
``requirements/run.lock``. The VM itself never has a network device; it runs
the README's operator steps (:mod:`tests.system.readme`) on its first boot
and powers off.
"""

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.system.readme import Site, provision_script

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "bpjstk-kiosk" / "vm"

SUITE = "bookworm"
MIRROR = "deb http://deb.debian.org/debian bookworm main"
PACKAGES = (
    "systemd",
    "systemd-sysv",
    "udev",
    "linux-image-amd64",
    "initramfs-tools",
    "python3",
    "python3-venv",
    "sudo",
    "kbd",
    "procps",
    "libtss2-esys-3.0.2-0",
    "libtss2-mu0",
    "libtss2-rc0",
    "libtss2-tcti-device0",
    "console-setup-linux",
    "dbus",
)
"""A kiosk's Debian: what the README's steps use, and nothing that wants a network.
systemd-creds loads the libtss2 libraries to seal the keys to the TPM2 chip, and
``kiosk-admin``'s systemd-run talks to systemd over D-Bus; the console fonts are for a
smaller screen's (without ``console-setup`` nothing loads one at boot)."""

DISK_SIZE = "3G"
DEMO_MEMBERS = 300
FEED_LABEL = "KIOSKFEED"
"""The label the README's mount unit looks for on a USB stick."""

SITE = Site(
    checkout="/root/checkout",
    feed="/root/feed",
    wheelhouse="/root/wheelhouse",
    feed_source="/media/feed/repository",
)
AGENT = "/usr/local/lib/vmtest/agent.py"
PROVISIONED = "VMTEST-PROVISION-RC="
"""The first boot's last line on the serial console, with the operator steps' exit code."""

UNITS = {
    "vmtest-agent.service": f"""\
[Unit]
Description=The system test's agent (virtio serial port vmtest.agent)
DefaultDependencies=no
After=systemd-udevd.service
[Service]
ExecStart=/usr/bin/python3 {AGENT}
Restart=always
RestartSec=1s
[Install]
WantedBy=sysinit.target
""",
    "vmtest-provision.service": f"""\
[Unit]
Description=The README's operator steps, once, then power off
After=multi-user.target
[Service]
Type=oneshot
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
ExecStart=/bin/bash -c '/root/provision.sh; echo "{PROVISIONED}$?"'
ExecStartPost=/bin/systemctl disable vmtest-provision.service
ExecStartPost=/bin/systemctl poweroff --no-block
[Install]
WantedBy=multi-user.target
""",
}
MASKED = (
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "man-db.timer",
    "e2scrub_all.timer",
    "serial-getty@ttyS0.service",
)
"""Timers that would spend the emulated CPU on nothing the tests look at, and the login
prompt systemd would put on the serial console, which carries the first boot's output."""

Log = Callable[[str], None]


@dataclass(frozen=True)
class Image:
    root: Path

    @property
    def disk(self) -> Path:
        return self.root / "disk.raw"

    @property
    def kernel(self) -> Path:
        return self.root / "vmlinuz"

    @property
    def initrd(self) -> Path:
        return self.root / "initrd.img"

    @property
    def tpm(self) -> Path:
        """The state of the TPM2 chip the kiosk's keys were sealed to at its install."""
        return self.root / "tpm"

    @property
    def demo(self) -> Path:
        """The demo central store whose trust bundle the VM's kiosk was installed with."""
        return self.root / "demo"


def project_files() -> list[Path]:
    """What an operator's checkout holds: the tracked files, less the tests."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode()
    return [
        Path(name)
        for name in listed.split("\0")
        if name and not name.startswith("tests/") and (REPO / name).is_file()
    ]


def image_key(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for part in (SUITE, MIRROR, DISK_SIZE, str(DEMO_MEMBERS), *PACKAGES, *UNITS.values()):
        digest.update(part.encode() + b"\0")
    builders = [HERE / name for name in ("image.py", "agent.py", "readme.py")]
    for path in [*(REPO / name for name in files), *builders]:
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def kiosk_command() -> Path:
    """The host's own ``kiosk``, beside the Python running the tests."""
    return Path(sys.executable).with_name("kiosk")


def cached_image(log: Log, boot: Callable[[Image, Path], None]) -> Image:
    """The image for this tree: the cached one, or one built now (``boot`` provisions it)."""
    files = project_files()
    final = CACHE / image_key(files)
    if (final / "ready").exists():
        log(f"VM image: cached in {final}")
        return Image(final)
    work = final.with_name(final.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    image = Image(work)
    rootfs = work / "rootfs"
    log("VM image: the demo feed, the wheelhouse and Debian's packages")
    # Debian's packages download while the host builds the demo and the wheelhouse.
    debian = start(
        [
            "mmdebstrap",
            "--quiet",
            "--variant=apt",
            f"--include={','.join(PACKAGES)}",
            SUITE,
            str(rootfs),
            MIRROR,
        ],
        work / "mmdebstrap.log",
    )
    wheelhouse = work / "wheelhouse"
    try:
        demo_and_wheelhouse(image, wheelhouse)
    except BaseException:
        debian.kill()
        debian.wait()
        raise
    finish(debian, work / "mmdebstrap.log")
    fill_rootfs(rootfs, files, wheelhouse, image.demo)
    shutil.copy(rootfs / "vmlinuz", image.kernel)
    shutil.copy(rootfs / "initrd.img", image.initrd)
    run(["mke2fs", "-q", "-t", "ext4", "-L", "root", "-d", str(rootfs), str(image.disk), DISK_SIZE])
    shutil.rmtree(rootfs)
    shutil.rmtree(wheelhouse)
    log("VM image: first boot, the README's operator steps")
    boot(image, work / "provision-serial.log")
    (work / "ready").touch()
    shutil.rmtree(final, ignore_errors=True)
    work.rename(final)
    return Image(final)


def demo_and_wheelhouse(image: Image, wheelhouse: Path) -> None:
    """What the host makes for the image: the demo feed its kiosk trusts, and the wheels
    the README's offline install takes (``requirements/run.lock`` and the build backend)."""
    run(
        [
            str(kiosk_command()),
            "demo",
            "--no-ui",
            "--members",
            str(DEMO_MEMBERS),
            "--dir",
            str(image.demo),
        ]
    )
    pip = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-cache-dir",
        "-d",
        str(wheelhouse),
    ]
    run([*pip, "--no-deps", "--require-hashes", "-r", str(REPO / "requirements/run.lock")])
    run([*pip, "hatchling"])


def fill_rootfs(rootfs: Path, files: list[Path], wheelhouse: Path, demo: Path) -> None:
    """What the operator brings (checkout, wheelhouse, trust bundle) and the test's agent."""
    checkout = rootfs / SITE.checkout.lstrip("/")
    for name in files:
        target = checkout / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    shutil.copytree(wheelhouse, rootfs / SITE.wheelhouse.lstrip("/"))
    shutil.copytree(demo / "feed" / "trust", rootfs / SITE.feed.lstrip("/") / "trust")
    script = rootfs / "root" / "provision.sh"
    script.write_text(provision_script(REPO / "README.md", SITE))
    script.chmod(0o700)
    agent = rootfs / AGENT.lstrip("/")
    agent.parent.mkdir(parents=True)
    shutil.copy(HERE / "agent.py", agent)
    units = rootfs / "etc/systemd/system"
    for unit, text in UNITS.items():
        (units / unit).write_text(text)
    (rootfs / "etc/fstab").write_text("LABEL=root / ext4 defaults 0 1\n")
    (rootfs / "etc/hostname").write_text("kiosk-vm\n")
    (rootfs / "etc/hosts").write_text("127.0.0.1 localhost\n127.0.1.1 kiosk-vm\n")
    run(["chroot", str(rootfs), "systemctl", "enable", *UNITS])
    run(["chroot", str(rootfs), "systemctl", "mask", *MASKED])


def start(argv: list[str], output: Path) -> "subprocess.Popen[bytes]":
    """A build step that runs beside the next ones; its output goes to ``output``."""
    with output.open("wb") as sink:
        return subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT)


def finish(process: "subprocess.Popen[bytes]", output: Path) -> None:
    if process.wait() != 0:
        tail = output.read_text(errors="replace")[-4000:]
        raise RuntimeError(f"{output.stem} failed ({process.returncode}):\n{tail}")


def run(argv: list[str]) -> None:
    """A build step; its output is kept for a failure's message."""
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
