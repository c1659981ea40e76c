"""What the running kiosk loads: neither the publisher nor the developer tools.

Which package may import which is import-linter's contracts (pyproject.toml, run by
``make check``); this test checks the process itself, lazy imports and all."""

import os
import subprocess
import sys
from pathlib import Path

from devtools.demo import build_demo
from kiosk.clock import system_clock
from kiosk.schedule import SYNC_NOW
from tests.notify_socket import listening
from tests.test_run import read_until, start_kiosk, terminate

NOT_IN_A_KIOSK = ("central", "devtools", "tuf.repository")
"""The publisher, the developer tools and TUF's repository side: code a kiosk never runs.
(``kiosk.cli.bench`` may load: it only registers the subcommand and imports the benchmark
when it runs. ``securesystemslib.signer`` cannot be listed: ``tuf.ngclient`` verifies with it.)"""

NOT_UNTIL_PRINTED = ("escpos", "usb", "PIL")
"""python-escpos, pyusb and Pillow: loaded for a slip or a printer's state, never at start
(the demo kiosk has no printer; with one, ``kiosk run`` still starts without them)."""

MODULE_DUMP = """
import atexit, os, sys

atexit.register(lambda: open(os.environ["MODULE_DUMP"], "w").write("\\n".join(sys.modules)))
"""
"""A ``sitecustomize`` for the child: at exit it writes every module the process loaded.
(Not ``-X importtime``: Textual draws on standard error, where that would go too.)"""


def module_dump(tmp_path: Path) -> tuple[Path, Path]:
    """A ``PYTHONPATH`` directory holding :data:`MODULE_DUMP`, and the file it will write."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(MODULE_DUMP)
    return site, tmp_path / "modules.txt"


def test_the_running_kiosk_loads_no_publishing_or_tool_code(tmp_path: Path) -> None:
    """The real ``kiosk run``, on a demo kiosk with its banner, from start to SIGTERM."""
    demo = build_demo(tmp_path / "demo", 60, system_clock())
    site, dump = module_dump(tmp_path)
    with (
        listening(tmp_path / "notify.sock") as listener,
        start_kiosk(
            demo.config,
            "--banner",
            str(demo.banner),
            PYTHONPATH=str(site),
            MODULE_DUMP=str(dump),
            NOTIFY_SOCKET=str(listener.path),
        ) as (process, controller),
    ):
        drawn = read_until(controller, b"Selamat datang", 30)
        assert b"Selamat datang" in drawn, drawn[-500:]
        assert demo.samples[0].nik.encode() in drawn  # the banner, read as data
        listener.wait_for("READY=1")
        process.send_signal(SYNC_NOW)  # The feed client too, which loads at the first sync.
        listener.wait_for("last background sync: ok")
        terminate(process, controller)
        assert process.wait(timeout=10) == 0
    loaded = set(dump.read_text().split())
    assert {"screens.app", "kiosk.feed.client", "tuf.ngclient"} <= loaded
    assert (
        sorted(
            name
            for name in loaded
            if any(name == banned or name.startswith(banned + ".") for banned in NOT_IN_A_KIOSK)
        )
        == []
    )
    assert "kiosk.printer" in loaded  # the service holds one, not configured ...
    assert [name for name in loaded if name.split(".")[0] in NOT_UNTIL_PRINTED] == []


def test_a_start_that_fails_on_its_config_loads_neither_the_ui_nor_the_cache(
    tmp_path: Path,
) -> None:
    """A crash loop's every start is this: it should fail in the time it takes to read a file,
    not load the feed client, the cache's crypto and Textual first."""
    site, dump = module_dump(tmp_path)
    config = tmp_path / "kiosk.toml"
    config.write_text("kiosk_id =\n")
    failed = subprocess.run(
        [sys.executable, "-m", "kiosk", "run", "--config", str(config)],
        env={**os.environ, "PYTHONPATH": str(site), "MODULE_DUMP": str(dump)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode != 0
    assert "bukan TOML yang sah" in failed.stderr
    assert "Traceback" not in failed.stderr
    loaded = set(dump.read_text().split())
    assert {"kiosk.cli.run", "kiosk.config"} <= loaded
    heavy = ("textual", "screens", "kiosk.cache", "kiosk.feed", "tuf")
    assert sorted(n for n in loaded if any(n == h or n.startswith(h + ".") for h in heavy)) == []
