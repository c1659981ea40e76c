"""``python -m devtools.ui_bench``: the UI's figures for ``kiosk bench``, as JSON on stdout.

``kiosk`` never imports Textual, so the benchmark runs these in child processes
and prints each beside a bare Textual app measured in the same way:

    start --config PATH        app start to an interactive welcome screen (headless)
    start-bare                 the same for an App whose screen holds one Static
    flow --config PATH --samples FILE --runs N
                               answer submitted -> status screen painted, member after
                               member in one App; then a bare ``switch_screen`` to a
                               screen of Statics, the part of it that is Textual's own

Start times begin once ``textual.app`` is imported: the target is "beyond
importing Textual". Only ``sys``, ``time`` and ``typing`` load before the first
clock, so the import figure leaves out ``typing``'s few milliseconds, which Textual needs too.
"""

import sys
from time import perf_counter
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable
    from pathlib import Path

    from textual.app import App
    from textual.screen import Screen

    from screens.app import KioskApp

SIZE = (100, 30)
"""The terminal the kiosk is designed for, in cells."""
POLL_SECONDS = 0.001
"""How often a wait looks again: the moments themselves come from Textual's callbacks."""
WAIT_SECONDS = 30.0
"""A step that takes longer is broken, not slow: the child gives up and says which."""
SUBMIT_SECONDS = 10.0
"""Longer from answer to status screen, and the member counts as not reached."""
BASELINE_TEXTS = (
    "Siti Lestari   NIK 3401********0746   KPJ 67717135534",
    "Status kepesertaan: AKTIF",
    "Iuran sudah dibayar sampai Oktober 2026.",
    "Program: Jaminan Kecelakaan Kerja (JKK), Jaminan Kematian (JKM), Jaminan Hari Tua (JHT)",
    "Saldo JHT: Rp 293.155.746 per 27 Oktober 2026",
    "Segmen: Penerima Upah\nPemberi kerja: PT Anugerah Mandiri Logistik",
    "Data diperbarui 14-10-2026 17.50",
    "Simpan kartu digital Anda: tekan Kartu untuk menampilkan kode QR.",
)
"""The bare screen's text: about what a member's status screen holds, in eight Statics."""

S = TypeVar("S", bound="Screen[Any]")


class BenchError(Exception):
    """A step that never happened: the parent shows this line as the reason."""


def main(argv: list[str] | None = None) -> int:
    """One mode, one JSON line on standard output; a step that never came is exit code 1."""
    started = perf_counter()
    # Imported here, not at the top, so the clock starts before Textual loads.
    import importlib

    importlib.import_module("textual.app")
    imported = perf_counter()

    import argparse
    import asyncio
    import json
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m devtools.ui_bench", description=__doc__)
    modes = parser.add_subparsers(dest="mode", required=True)
    start = modes.add_parser("start", help="the kiosk App to an interactive welcome screen")
    start.add_argument("--config", type=Path, required=True, metavar="PATH")
    modes.add_parser("start-bare", help="a bare App with one Static, the baseline")
    flow = modes.add_parser("flow", help="answer submitted -> status painted, and the baseline")
    flow.add_argument("--config", type=Path, required=True, metavar="PATH")
    flow.add_argument("--samples", type=Path, required=True, metavar="FILE")
    flow.add_argument("--runs", type=int, required=True, metavar="N")
    args = parser.parse_args(argv)

    result: dict[str, object]
    try:
        if args.mode == "start":
            ready = asyncio.run(_start_kiosk(args.config))
            result = {"import_textual": imported - started, "to_welcome": ready - imported}
        elif args.mode == "start-bare":
            ready = asyncio.run(_start_bare())
            result = {"import_textual": imported - started, "to_first_screen": ready - imported}
        else:
            samples = _read_samples(args.samples)[: args.runs]
            flow_ms = asyncio.run(_flow(args.config, samples))
            baseline_ms = asyncio.run(_switch_baseline(len(samples)))
            result = {"samples": len(samples), "flow_ms": flow_ms, "baseline_ms": baseline_ms}
    except BenchError as error:
        print(f"devtools.ui_bench: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


def _read_samples(path: "Path") -> list[tuple[str, str]]:
    """Lines of ``nik<TAB>mother_name``, as the parent wrote them from the members file."""
    samples: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        nik, _, mother = line.partition("\t")
        if nik:
            samples.append((nik, mother))
    return samples


async def _until(ready: "Callable[[], object]", what: str, seconds: float = WAIT_SECONDS) -> None:
    """Look again every millisecond; the App runs meanwhile, on the same loop."""
    import asyncio

    deadline = perf_counter() + seconds
    while not ready():
        if perf_counter() > deadline:
            raise BenchError(f"gave up after {seconds:.0f} s waiting for {what}")
        await asyncio.sleep(POLL_SECONDS)


async def _painted(screen: "Screen[Any]") -> float:
    """When the screen has been painted with nothing left to paint; ``perf_counter`` then.

    One refresh is not always enough: the welcome screen recomposes when its
    readiness arrives, and the new widgets are laid out and painted a frame later.
    """
    import asyncio

    loop = asyncio.get_running_loop()
    while True:
        done: asyncio.Future[float] = loop.create_future()
        screen.call_after_refresh(_now_into, done)
        moment = await done
        if not _waiting_to_paint(screen):
            return moment


def _now_into(future: "asyncio.Future[float]") -> None:
    future.set_result(perf_counter())


def _waiting_to_paint(screen: "Screen[Any]") -> bool:
    """Textual keeps these flags private; they are what its own update timer checks."""
    return bool(
        screen._layout_required
        or screen._repaint_required
        or screen._recompose_required
        or screen._dirty_widgets
    )


def _kiosk_app(config: "Path") -> "KioskApp":
    """Built as ``kiosk run`` builds it: the same factory, configuration and environment,
    but for the kiosk-wide lookup limit, which a benchmark's members in a row would meet."""
    import dataclasses

    from kiosk.config import load_config
    from screens.factory import build_app

    settings = load_config(config)
    limits = dataclasses.replace(settings.limits, lookups_per_minute=1_000_000)
    return build_app(dataclasses.replace(settings, limits=limits), background_sync=False)


async def _welcome(app: "KioskApp") -> None:
    """The welcome screen with its readiness known: the member may start now."""
    from screens.welcome import WelcomeScreen

    await _until(
        lambda: isinstance(app.screen, WelcomeScreen) and app.readiness is not None,
        "the welcome screen to check the cache",
    )
    readiness = app.readiness
    if readiness is not None and readiness.problem is not None:
        raise BenchError(f"the kiosk is out of service: {readiness.problem.text('en')}")


async def _start_kiosk(config: "Path") -> float:
    """Building the App is part of its start: configuration, screens' imports, first paints."""
    app = _kiosk_app(config)
    try:
        async with app.run_test(headless=True, size=SIZE):
            await _welcome(app)
            return await _painted(app.screen)
    finally:
        app.service.close()


async def _start_bare() -> float:
    """Textual's own start to a first paint: what no kiosk could do without."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("Selamat datang / Welcome")

    app = Bare()
    async with app.run_test(headless=True, size=SIZE):
        await _until(lambda: app.screen.query(Static), "the bare screen")
        return await _painted(app.screen)


async def _screen(app: "App[Any]", kind: type[S]) -> S:
    """The App's current screen once it is a ``kind`` and composed: switches land a message
    later, and its widgets (the entry form a member types into) a step after that."""
    await _until(lambda: isinstance(app.screen, kind) and app.screen.is_mounted, kind.__name__)
    screen = app.screen
    if not isinstance(screen, kind):
        raise BenchError(f"{kind.__name__} left before it could be used")
    return screen


def _note_painted(app: "App[Any]", kind: type["Screen[Any]"], moments: dict[str, float]) -> None:
    """Note in ``moments["painted"]`` when a screen of ``kind`` is first painted once shown.

    Through Textual's public screen-change signal, so that the App under test
    carries nothing for the benchmark; the bare baseline is timed the same way.
    """

    def shown(screen: "Screen[Any]") -> None:
        if isinstance(screen, kind):
            screen.call_after_refresh(lambda: moments.setdefault("painted", perf_counter()))

    app.screen_change_signal.subscribe(app, shown)


async def _flow(config: "Path", samples: list[tuple[str, str]]) -> list[float]:
    """Milliseconds from answer to painted status screen, for each member that got there.

    From just before the Enter that submits the answer to the first paint of the
    status screen. Each member then finishes as at the kiosk: Done, and a key
    back to the welcome screen, whose readiness re-check ends before the next.
    """
    from screens.done import DoneScreen
    from screens.nik import NikScreen
    from screens.status import StatusScreen
    from screens.verify import VerifyScreen

    app = _kiosk_app(config)
    times: list[float] = []
    moments: dict[str, float] = {}
    try:
        async with app.run_test(headless=True, size=SIZE) as pilot:
            _note_painted(app, StatusScreen, moments)
            for nik, mother in samples:
                await _welcome(app)
                await app.workers.wait_for_complete()
                await pilot.press("enter")
                (await _screen(app, NikScreen)).type_text(nik)
                await pilot.press("enter")
                (await _screen(app, VerifyScreen)).type_text(mother)
                moments.clear()
                submitted = perf_counter()
                await pilot.press("enter")
                try:
                    await _until(lambda: "painted" in moments, "", SUBMIT_SECONDS)
                except BenchError:
                    app.wipe()
                    continue
                times.append((moments["painted"] - submitted) * 1000)
                await _screen(app, StatusScreen)
                await pilot.press("escape", "enter")  # Escape highlights Done, Enter presses it.
                await _screen(app, DoneScreen)
                await pilot.press("enter")
    finally:
        app.service.close()
    if samples and not times:
        raise BenchError("no member reached the status screen")
    return times


async def _switch_baseline(runs: int) -> list[float]:
    """Milliseconds from a key to a new screen of eight Statics painted, in a bare App.

    The same two moments as the kiosk's, taken the same way: just before the
    key, and through :func:`_note_painted`.
    """
    from textual import events
    from textual.app import App, ComposeResult
    from textual.screen import Screen
    from textual.widgets import Static

    moments: dict[str, float] = {}

    class Home(Screen[None]):
        def compose(self) -> ComposeResult:
            yield Static("Ketik jawaban lalu tekan Enter")

        def on_key(self, event: events.Key) -> None:
            if event.key == "enter":
                self.app.switch_screen(Shown())

    class Shown(Screen[None]):
        def compose(self) -> ComposeResult:
            for text in BASELINE_TEXTS:
                yield Static(text)

        def on_key(self, event: events.Key) -> None:
            if event.key == "escape":
                self.app.switch_screen(Home())

    class Bare(App[None]):
        def on_mount(self) -> None:
            self.push_screen(Home())

    app = Bare()
    times: list[float] = []
    async with app.run_test(headless=True, size=SIZE) as pilot:
        _note_painted(app, Shown, moments)
        for _ in range(runs):
            await _screen(app, Home)
            moments.clear()
            pressed = perf_counter()
            await pilot.press("enter")
            await _until(lambda: "painted" in moments, "the bare screen switch")
            times.append((moments["painted"] - pressed) * 1000)
            await _screen(app, Shown)
            await pilot.press("escape")
    return times


if __name__ == "__main__":
    sys.exit(main())
