"""The slip printer end to end: a file target, a printer on the network, and their failures.

Nothing is a stand-in object: slips go to real files (on a real tmpfs for a full or a
read-only disk) and over real TCP to a server on 127.0.0.1 that answers DLE EOT as a
printer's firmware does. What arrives is printed back to pixels (``tests.slip_paper``)
and its QR read by zxing-cpp, then checked as any phone's app would check the card.
"""

import errno
import os
import queue
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.audit import AuditEvent, Event
from kiosk.card import CardVerdict, verify_card
from kiosk.config import PAPERS, FileTarget, NetworkTarget, PrinterSettings, load_config
from kiosk.doctor.findings import Status
from kiosk.doctor.printer import check_printer
from kiosk.i18n import LANGS
from kiosk.printer import PROFILES, Printer, PrinterError, PrinterState
from kiosk.serving import KioskService, MemberView
from tests.conftest import new_key
from tests.kiosk_ui import CARD_KEY, NOW, Kiosk, build_kiosk
from tests.screen_image import decode_qr
from tests.slip_paper import print_out

READY, PAPER_OUT = 0x12, 0x72
"""DLE EOT 4's answer: the fixed bits alone, or with both paper-end bits (5 and 6) too."""
ONLINE, OFFLINE = 0x12, 0x1A
"""DLE EOT 1's answer: the fixed bits alone, or with bit 3 (offline) too."""
STATUS_QUERY = b"\x10\x04"


@pytest.fixture(scope="module")
def kiosk() -> Iterator[Kiosk]:
    with tempfile.TemporaryDirectory() as directory:
        yield build_kiosk(Path(directory), new_key())


@pytest.fixture
def service(kiosk: Kiosk) -> Iterator[KioskService]:
    service = kiosk.service()
    yield service
    service.close()


def view_of(kiosk: Kiosk, service: KioskService, case: str = "job_changer") -> MemberView:
    person = kiosk.people[case]
    view = service.verify(person.nik, person.mother)
    assert isinstance(view, MemberView)
    return view


def printer_at(
    service: KioskService, target: FileTarget | NetworkTarget, paper: int = 58
) -> Printer:
    return Printer(PrinterSettings(target, paper), service.audit)


def last_print(service: KioskService) -> AuditEvent:
    event = service.audit.latest(Event.PRINT)
    assert event is not None
    return event


def assert_card_reads_back(data: bytes, paper_mm: int, expected: str) -> None:
    """The QR on the paper decodes to exactly the card, and the card is the central store's."""
    printed = print_out(data, PAPERS[paper_mm])
    assert decode_qr(printed.image.convert("RGB")) == [expected]
    check = verify_card(decode_qr(printed.rasters[0].convert("RGB"))[0], CARD_KEY.public_key(), NOW)
    assert check.verdict is CardVerdict.VALID


@pytest.mark.parametrize("paper_mm", sorted(PAPERS))
def test_a_slip_printed_to_a_file_carries_the_card_a_phone_reads_and_verifies(
    kiosk: Kiosk, service: KioskService, tmp_path: Path, paper_mm: int
) -> None:
    view = view_of(kiosk, service)
    printer = printer_at(service, FileTarget(tmp_path / "lp0"), paper_mm)
    assert printer.state() is PrinterState.READY
    for card in (None, 1):
        printer.print_slip(view, "en", card=card)
        data = (tmp_path / "lp0").read_bytes()
        assert_card_reads_back(data, paper_mm, view.cards[card or 0].text)
        assert print_out(data, PAPERS[paper_mm]).cut is (paper_mm == 80)
    event = last_print(service)
    assert (event.outcome, event.member) == ("printed", view.tag)
    assert event.detail == f"target=file paper_mm={paper_mm} card=yes"


def test_the_audit_of_a_print_holds_nothing_of_the_member_but_their_tag(
    kiosk: Kiosk, service: KioskService, tmp_path: Path
) -> None:
    person = kiosk.people["active"]
    view = view_of(kiosk, service, "active")
    printer_at(service, FileTarget(tmp_path / "lp0")).print_slip(view, "id")
    event = last_print(service).as_json()
    kpj = view.standing.memberships[0].membership.kpj
    for secret in (person.nik, view.name, *view.name.split(), kpj, view.standing.masked_nik):
        assert secret not in event


def test_without_a_printer_nothing_is_offered_and_a_print_says_so(
    kiosk: Kiosk, service: KioskService
) -> None:
    printer = service.printer
    assert not printer.configured
    assert printer.state() is PrinterState.NOT_CONFIGURED
    view = view_of(kiosk, service)
    with pytest.raises(PrinterError) as raised:
        printer.print_slip(view, "en")
    assert raised.value.state is PrinterState.NOT_CONFIGURED
    assert (
        raised.value.message.text("en")
        == "This kiosk has no printer. Your digital card is also in the JMO app."
    )
    assert last_print(service).outcome == "not_configured"


def test_a_file_target_in_a_missing_directory_is_offline(
    kiosk: Kiosk, service: KioskService, tmp_path: Path
) -> None:
    printer = printer_at(service, FileTarget(tmp_path / "gone" / "lp0"))
    assert printer.state() is PrinterState.OFFLINE
    with pytest.raises(PrinterError) as raised:
        printer.print_slip(view_of(kiosk, service), "id")
    assert (raised.value.outcome, raised.value.state) == ("offline", PrinterState.OFFLINE)
    assert raised.value.message.text("id").startswith("Printer tidak dapat dihubungi")
    assert last_print(service).outcome == "offline"


def test_a_directory_is_no_file_target(kiosk: Kiosk, service: KioskService, tmp_path: Path) -> None:
    printer = printer_at(service, FileTarget(tmp_path))
    assert printer.state() is PrinterState.OFFLINE
    with pytest.raises(PrinterError):
        printer.print_slip(view_of(kiosk, service), "en")


@contextmanager
def tmpfs(directory: Path, options: str) -> Iterator[Path]:
    """A real small file system at ``directory``; the test is skipped where mounting is refused."""
    directory.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield directory
    finally:
        subprocess.run(["umount", str(directory)], check=True)


@contextmanager
def unwritable(tmp_path: Path) -> Iterator[Path]:
    """A directory this process may not write: root writes anywhere but on a read-only mount."""
    if os.geteuid() == 0:
        with tmpfs(tmp_path / "ro", "ro,size=64k") as directory:
            yield directory
        return
    directory = tmp_path / "ro"
    directory.mkdir(mode=0o500)
    try:
        yield directory
    finally:
        directory.chmod(0o700)


def test_a_file_target_that_cannot_be_written_is_denied(
    kiosk: Kiosk, service: KioskService, tmp_path: Path
) -> None:
    with unwritable(tmp_path) as directory:
        printer = printer_at(service, FileTarget(directory / "lp0"))
        assert printer.state() is PrinterState.OFFLINE
        with pytest.raises(PrinterError) as raised:
            printer.print_slip(view_of(kiosk, service), "en")
    assert (raised.value.outcome, raised.value.state) == ("denied", PrinterState.OFFLINE)
    assert (
        raised.value.message.text("en")
        == "This kiosk is not allowed to use its printer. Ask a member of staff."
    )
    assert last_print(service).outcome == "denied"


def test_a_full_disk_under_a_file_target_fails_the_print_and_leaves_no_slip_behind(
    kiosk: Kiosk, service: KioskService, tmp_path: Path
) -> None:
    with tmpfs(tmp_path / "small", "size=64k") as directory:
        assert fill(directory / "filler") == errno.ENOSPC
        target = directory / "slip.bin"
        printer = printer_at(service, FileTarget(target))
        assert printer.state() is PrinterState.READY  # writable: only writing finds it full
        with pytest.raises(PrinterError) as raised:
            printer.print_slip(view_of(kiosk, service), "en")
        assert not target.exists()
    assert (raised.value.outcome, raised.value.state) == ("disk_full", PrinterState.OFFLINE)
    assert last_print(service).outcome == "disk_full"


def fill(path: Path) -> int | None:
    """Write to ``path`` until the disk refuses; the errno it refused with."""
    with path.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as error:
            return error.errno


class NetworkPrinter:
    """A TCP server on 127.0.0.1 that answers DLE EOT 1 and 4 as a printer's firmware does and
    keeps whatever else it is sent; each connection's bytes arrive in :attr:`connections`."""

    def __init__(self, paper: int = READY, online: int = ONLINE, *, answers: bool = True) -> None:
        self.answers = {1: online, 4: paper}
        self.answering = answers
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.server.getsockname()[1]
        self.connections: queue.Queue[tuple[list[int], bytes]] = queue.Queue()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return  # closed
            with connection:
                self._talk(connection)

    def _talk(self, connection: socket.socket) -> None:
        """Status queries until the first byte of anything else; from then on, a slip."""
        queries: list[int] = []
        received = bytearray()
        printing = False
        while chunk := connection.recv(65536):
            received += chunk
            while not printing and len(received) >= 3 and received[:2] == STATUS_QUERY:
                queries.append(received[2])
                if self.answering:
                    connection.sendall(bytes([self.answers[received[2]]]))
                del received[:3]
            printing = printing or not STATUS_QUERY.startswith(bytes(received[:2]))
        self.connections.put((queries, bytes(received)))

    def target(self, timeout_seconds: int = 5) -> NetworkTarget:
        return NetworkTarget("127.0.0.1", self.port, timedelta(seconds=timeout_seconds))

    def next_connection(self) -> tuple[list[int], bytes]:
        return self.connections.get(timeout=30)

    def close(self) -> None:
        """Shutting the listening socket down wakes the thread in accept(); closing alone won't."""
        self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()


@pytest.fixture
def network_printer() -> Iterator[NetworkPrinter]:
    printer = NetworkPrinter()
    yield printer
    printer.close()


def test_a_network_printer_that_is_ready_gets_the_slip_after_its_status(
    kiosk: Kiosk, service: KioskService, network_printer: NetworkPrinter
) -> None:
    printer = printer_at(service, network_printer.target(), 80)
    assert printer.state() is PrinterState.READY
    assert network_printer.next_connection() == ([4, 1], b"")
    view = view_of(kiosk, service)
    printer.print_slip(view, "id", card=2)
    queries, data = network_printer.next_connection()
    assert queries == [4, 1]
    assert_card_reads_back(data, 80, view.cards[2].text)
    assert last_print(service).detail == "target=network paper_mm=80 card=yes"


def test_a_network_printer_out_of_paper_is_asked_and_sent_nothing(
    kiosk: Kiosk, service: KioskService
) -> None:
    out_of_paper = NetworkPrinter(PAPER_OUT, OFFLINE)  # out of paper, a printer is offline too
    try:
        printer = printer_at(service, out_of_paper.target())
        assert printer.state() is PrinterState.PAPER_OUT
        with pytest.raises(PrinterError) as raised:
            printer.print_slip(view_of(kiosk, service), "en")
        assert out_of_paper.next_connection() == ([4, 1], b"")
        assert out_of_paper.next_connection() == ([4, 1], b"")
    finally:
        out_of_paper.close()
    assert (raised.value.outcome, raised.value.state) == ("paper_out", PrinterState.PAPER_OUT)
    assert raised.value.message.text("en").startswith("The printer is out of paper.")
    assert last_print(service).outcome == "paper_out"


def test_a_network_printer_that_says_it_is_offline_is_offline(service: KioskService) -> None:
    offline = NetworkPrinter(READY, OFFLINE)
    try:
        assert printer_at(service, offline.target()).state() is PrinterState.OFFLINE
    finally:
        offline.close()


def test_a_network_printer_that_never_answers_is_offline_after_its_timeout(
    kiosk: Kiosk, service: KioskService
) -> None:
    silent = NetworkPrinter(answers=False)
    try:
        printer = printer_at(service, silent.target(timeout_seconds=1))
        assert printer.state() is PrinterState.OFFLINE
        with pytest.raises(PrinterError) as raised:
            printer.print_slip(view_of(kiosk, service), "en")
        assert raised.value.outcome == "offline"
    finally:
        silent.close()


def test_nothing_listening_is_offline(kiosk: Kiosk, service: KioskService) -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    printer = printer_at(service, NetworkTarget("127.0.0.1", port))
    assert printer.state() is PrinterState.OFFLINE
    with pytest.raises(PrinterError) as raised:
        printer.print_slip(view_of(kiosk, service), "id")
    assert raised.value.outcome == "offline"


def test_each_papers_escpos_profile_has_the_papers_columns_and_width() -> None:
    from escpos.capabilities import get_profile

    for paper_mm, paper in PAPERS.items():
        profile = get_profile(PROFILES[paper_mm])
        assert profile.get_columns("a") == paper.columns
        assert profile.profile_data["media"]["width"]["pixels"] == paper.dots == paper.columns * 12


def write_config(tmp_path: Path, printer: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[feed]\nsource = "https://feed.example"\n{printer}', encoding="utf-8")
    return path


def test_doctor_and_staff_see_the_printers_state(
    tmp_path: Path, network_printer: NetworkPrinter
) -> None:
    none = load_config(write_config(tmp_path, ""))
    assert check_printer(none).status is Status.OK
    assert check_printer(none).what.text("en") == "not set up"
    ready = load_config(
        write_config(
            tmp_path,
            f'[printer]\nkind = "network"\nhost = "127.0.0.1"\nport = {network_printer.port}\n',
        )
    )
    found = check_printer(ready)
    assert (found.status, found.what.text("en")) == (
        Status.OK,
        f"ready (network 127.0.0.1:{network_printer.port}, 58 mm paper)",
    )
    (tmp_path / "slips").touch()
    regular = load_config(
        write_config(tmp_path, '[printer]\nkind = "file"\npath = "slips"\npaper_mm = 80\n')
    )
    assert check_printer(regular).status is Status.WARNING
    gone = load_config(write_config(tmp_path, '[printer]\nkind = "file"\npath = "gone/lp0"\n'))
    found = check_printer(gone)
    assert found.status is Status.PROBLEM
    assert found.fix is not None
    for lang in LANGS:
        assert found.what.text(lang)
        assert found.fix.text(lang)
