"""The kiosk side of the feed: refresh TUF metadata, fetch the bundles it lacks, apply them.

TUF (``tuf.ngclient``) checks every metadata file against the pinned root and
every bundle's length and hash before the kiosk reads a byte of it; the bundle
frames are then opened with the fleet key. Each bundle is applied in one cache
transaction together with its cursor, so a crash or a kill at any instant
leaves the previous consistent state, and the next sync carries on.
"""

import logging
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol, TextIO

import urllib3
from tuf.api import exceptions as tuf_errors
from tuf.api.metadata import Metadata, TargetFile, Timestamp
from tuf.api.serialization import DeserializationError
from tuf.ngclient import Updater
from tuf.ngclient._internal.proxy import ProxyEnvironment
from tuf.ngclient.fetcher import FetcherInterface

from kiosk import __version__
from kiosk.cache import Cache, FeedCursor
from kiosk.clock import Clock, system_clock
from kiosk.config import FeedSettings
from kiosk.errors import ExpiredError, KioskError, RejectedError, UnavailableError, disk_full
from kiosk.feed.bundle import BundleKind, BundleReader, Entry
from kiosk.feed.names import INDEX_TARGET, bundle_name
from kiosk.feed.trust import Trust
from kiosk.files import exclusive
from kiosk.i18n import msg

CHUNK = 1 << 20
TIMEOUT_SECONDS = FeedSettings.timeout.total_seconds()
"""Bounds every request (see :attr:`FeedSettings.timeout`); callers with a config pass its own."""
NO_RETRIES = urllib3.Retry(connect=0, read=0, other=0, respect_retry_after_header=False)
"""urllib3 would try each request four times, each up to the timeout, and sleep as long as a
503 asks. A failed sync is tried again by whoever asked (the timer's back-off, staff, the
operator); redirects are still followed."""

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BundleRef:
    """A bundle as the signed targets metadata lists it."""

    name: str
    kind: BundleKind
    sequence: int
    base: str | None
    state: str
    records: int
    target: TargetFile


@dataclass(frozen=True)
class Applied:
    bundle: BundleRef
    upserted: int
    deleted: int
    total: int | None


@dataclass(frozen=True)
class SyncResult:
    before: FeedCursor | None
    after: FeedCursor | None
    latest: int
    applied: list[Applied]


class Progress(Protocol):
    """How a sync reports as it goes: a terminal bar, log lines, or the staff screen."""

    def begin(self, bundle: BundleRef) -> None: ...

    def advance(self, records: int) -> None: ...

    def end(self, applied: Applied) -> None: ...


def trusted_expiry(work_dir: Path) -> datetime | None:
    """When the timestamp metadata the kiosk last trusted expires: the feed freezes then."""
    try:
        data = (work_dir / "metadata" / "timestamp.json").read_bytes()
        timestamp = Metadata[Timestamp].from_bytes(data)
    except (OSError, DeserializationError):
        return None
    return timestamp.signed.expires


def feed_base(source: str, timeout: float = TIMEOUT_SECONDS) -> tuple[str, FetcherInterface]:
    """The feed's base URL and the fetcher for it: a server, or a copy of its repository."""
    if source.startswith(("http://", "https://")):
        return source.rstrip("/") + "/", HttpFetcher(timeout)
    directory = Path(source)
    if not (directory / "metadata").is_dir() and (directory / "repository").is_dir():
        directory = directory / "repository"
    if not (directory / "metadata").is_dir():
        raise UnavailableError(msg("sync.not_a_feed_copy", path=directory))
    return directory.resolve().as_uri() + "/", LocalFetcher()


class LocalFetcher(FetcherInterface):
    """Reads ``file://`` URLs: a copy of the feed on a USB stick or a mounted share."""

    def _fetch(self, url: str) -> Iterator[bytes]:
        path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(url).path))
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise tuf_errors.DownloadHTTPError("not found", 404) from None
        return _chunks(handle)


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


class HttpFetcher(FetcherInterface):
    """A feed server, through the proxy the environment names as with tuf's own fetcher, but
    with :data:`NO_RETRIES` and ``timeout`` seconds for connecting and for each read."""

    def __init__(self, timeout: float) -> None:
        self._pools = ProxyEnvironment(
            headers={"User-Agent": f"bpjstk-kiosk/{__version__}"},
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            retries=NO_RETRIES,
        )

    def _fetch(self, url: str) -> Iterator[bytes]:
        try:
            response = self._pools.request("GET", url, preload_content=False)
        except urllib3.exceptions.MaxRetryError as error:
            raise _download_error(url, error.reason) from error
        if response.status >= 400:
            response.close()
            raise tuf_errors.DownloadHTTPError(url, response.status)
        return _streamed(response, url)


def _streamed(response: urllib3.BaseHTTPResponse, url: str) -> Iterator[bytes]:
    """The body; a server that stalls or drops the connection half-way fails as a download."""
    try:
        yield from response.stream(CHUNK)
    except urllib3.exceptions.HTTPError as error:
        raise _download_error(url, error) from error
    finally:
        response.release_conn()


def _download_error(url: str, reason: Exception | None) -> tuf_errors.DownloadError:
    """A server that did not answer in time, or one out of reach. urllib3 makes a refused
    connection or an unknown host (NewConnectionError) a ConnectTimeoutError too."""
    timed_out = isinstance(reason, urllib3.exceptions.TimeoutError) and not isinstance(
        reason, urllib3.exceptions.NewConnectionError
    )
    return (tuf_errors.SlowRetrievalError if timed_out else tuf_errors.DownloadError)(url)


class FeedClient:
    def __init__(
        self,
        source: str,
        trust: Trust,
        work_dir: Path,
        clock: Clock = system_clock,
        *,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        if not source:
            raise KioskError(msg("sync.no_source"))
        self._source = source
        self._trust = trust
        self._work_dir = work_dir
        self._clock = clock
        self._timeout = timeout

    def sync(
        self, cache: Cache, progress: Progress | None = None, *, snapshot: bool = False
    ) -> SyncResult:
        """Bring the cache to the feed's newest state; ``snapshot`` starts from the newest one."""
        with (
            exclusive(self._open_work_dir(), UnavailableError(msg("sync.busy"))),
            tuf_failures(self._work_dir),
        ):
            updater = self._updater()
            updater.refresh()
            latest, state, newest_snapshot = _index(updater)
            before = cache.cursor()
            plan = self._plan(updater, before, latest, state, newest_snapshot, snapshot)
            self._clear_spool(keep={ref.name for ref in plan})
            if not plan and before is not None:
                cache.confirm_current(self._clock())
            applied: list[Applied] = []
            current = before
            for ref in plan:
                if ref.kind is BundleKind.DELTA and (current is None or current.state != ref.base):
                    raise RejectedError(msg("sync.wrong_base", sequence=ref.sequence))
                done = self._apply(updater, cache, ref, progress)
                applied.append(done)
                current = cache.cursor()
                if progress is not None:
                    progress.end(done)
            return SyncResult(before, cache.cursor(), latest, applied)

    def _updater(self) -> Updater:
        metadata_dir = self._metadata_dir
        base, fetcher = feed_base(self._source, self._timeout)
        bootstrap = None if (metadata_dir / "root.json").exists() else self._trust.root
        return Updater(
            metadata_dir=str(metadata_dir),
            metadata_base_url=base + "metadata/",
            target_base_url=base + "targets/",
            target_dir=str(self._spool),
            fetcher=fetcher,
            bootstrap=bootstrap,
        )

    @property
    def _metadata_dir(self) -> Path:
        return self._work_dir / "metadata"

    @property
    def _spool(self) -> Path:
        return self._work_dir / "bundles"

    def _plan(
        self,
        updater: Updater,
        cursor: FeedCursor | None,
        latest: int,
        state: str,
        newest_snapshot: int,
        force_snapshot: bool,
    ) -> list[BundleRef]:
        if cursor is not None and not force_snapshot:
            if cursor.sequence == latest and cursor.state == state:
                return []
            if cursor.sequence >= latest:
                raise RejectedError(msg("sync.feed_behind", ours=cursor.sequence, feed=latest))
            deltas = [
                _ref(updater, BundleKind.DELTA, s) for s in range(cursor.sequence + 1, latest + 1)
            ]
            if all(deltas):
                return [ref for ref in deltas if ref is not None]
            log.info(
                "feed has no delta chain from sequence %d: taking its snapshot", cursor.sequence
            )
        chain = [_ref(updater, BundleKind.SNAPSHOT, newest_snapshot)] + [
            _ref(updater, BundleKind.DELTA, s) for s in range(newest_snapshot + 1, latest + 1)
        ]
        refs = [ref for ref in chain if ref is not None]
        if len(refs) != len(chain):
            raise RejectedError(msg("sync.feed_incomplete"))
        return refs

    def _apply(
        self, updater: Updater, cache: Cache, ref: BundleRef, progress: Progress | None
    ) -> Applied:
        path = self._spool / ref.name
        try:
            if updater.find_cached_target(ref.target, str(path)) is None:
                updater.download_target(ref.target, str(path))
            if progress is not None:
                progress.begin(ref)
            with path.open("rb") as stream:
                reader = BundleReader(stream, self._trust.fleet_key)
                header = reader.header
                if (header.kind, header.sequence, header.base, header.state, header.records) != (
                    ref.kind,
                    ref.sequence,
                    ref.base,
                    ref.state,
                    ref.records,
                ):
                    raise RejectedError(msg("sync.header_mismatch", name=ref.name))
                cursor = FeedCursor(ref.sequence, ref.state, self._clock())
                frames = _reported(reader.frames(), progress)
                if ref.kind is BundleKind.SNAPSHOT:
                    result = cache.load_snapshot(frames, cursor, f"{ref.name} {ref.state}")
                else:
                    result = cache.apply_feed(frames, cursor)
        finally:
            # Applied, or of no more use: refused, cut short, or what filled the disk. Only a
            # killed sync leaves a bundle behind, for the next one to take up or clear.
            path.unlink(missing_ok=True)
        return Applied(ref, result.upserted, result.deleted, result.total)

    def _clear_spool(self, keep: set[str]) -> None:
        """Bundles left by a sync that was stopped and are no longer needed."""
        for leftover in self._spool.iterdir():
            if leftover.name not in keep:
                leftover.unlink()

    def _open_work_dir(self) -> TextIO:
        """Make the work directory's tree and open its lock file; a wrong ``feed.work_dir``
        is the deployment's fault, told with the setting's name."""
        path = self._work_dir
        try:
            for directory in (path, self._metadata_dir, self._spool):
                directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            return (path / "sync.lock").open("a")
        except (FileExistsError, NotADirectoryError):
            raise KioskError(msg("sync.work_dir_not_a_directory", path=path)) from None
        except OSError as error:
            if disk_full(error):
                raise _disk_full(path) from None
            reason = error.strerror or str(error)
            raise KioskError(msg("sync.work_dir_unusable", path=path, reason=reason)) from None


def _reported(
    frames: Iterator[list[Entry]], progress: Progress | None
) -> Iterator[Sequence[Entry]]:
    for frame in frames:
        yield frame
        if progress is not None:
            progress.advance(len(frame))


def _index(updater: Updater) -> tuple[int, str, int]:
    info = updater.get_targetinfo(INDEX_TARGET)
    if info is None:
        raise UnavailableError(msg("sync.nothing_published"))
    custom = info.custom
    latest, state, snapshot = custom.get("latest"), custom.get("state"), custom.get("snapshot")
    if not (
        isinstance(latest, int)
        and isinstance(snapshot, int)
        and isinstance(state, str)
        and 1 <= snapshot <= latest
    ):
        raise RejectedError(msg("sync.bad_index"))
    return latest, state, snapshot


def _ref(updater: Updater, kind: BundleKind, sequence: int) -> BundleRef | None:
    name = bundle_name(kind, sequence)
    target = updater.get_targetinfo(name)
    if target is None:
        return None
    custom = target.custom
    base, state, records = custom.get("base"), custom.get("state"), custom.get("records")
    if (
        custom.get("kind") != kind
        or custom.get("sequence") != sequence
        or not isinstance(state, str)
        or not isinstance(records, int)
        or (kind is BundleKind.DELTA) != isinstance(base, str)
    ):
        raise RejectedError(msg("sync.header_mismatch", name=name))
    return BundleRef(
        name, kind, sequence, base if isinstance(base, str) else None, state, records, target
    )


def _disk_full(work_dir: Path) -> KioskError:
    """tuf takes each download into the temporary directory first, then copies it here."""
    return KioskError(msg("sync.disk_full", path=work_dir, tmp=tempfile.gettempdir()))


@contextmanager
def tuf_failures(work_dir: Path) -> Iterator[None]:
    """One plain sentence for each way the feed can be refused or missed, or not stored in
    ``work_dir``."""
    try:
        yield
    except tuf_errors.ExpiredMetadataError:
        raise ExpiredError(msg("sync.expired")) from None
    except tuf_errors.BadVersionNumberError:
        raise RejectedError(msg("sync.rollback")) from None
    except tuf_errors.UnsignedMetadataError:
        raise RejectedError(msg("sync.unsigned")) from None
    except (tuf_errors.LengthOrHashMismatchError, tuf_errors.DownloadLengthMismatchError):
        raise RejectedError(msg("sync.mismatch")) from None
    except tuf_errors.RepositoryError:
        raise RejectedError(msg("sync.metadata_invalid")) from None
    except tuf_errors.DownloadHTTPError as error:
        raise UnavailableError(msg("sync.http_error", status=error.status_code)) from None
    except tuf_errors.SlowRetrievalError:
        raise UnavailableError(msg("sync.no_answer")) from None
    except tuf_errors.DownloadError:
        raise UnavailableError(msg("sync.unreachable")) from None
    except OSError as error:
        if disk_full(error):
            raise _disk_full(work_dir) from None
        raise UnavailableError(msg("sync.os_error", reason=error.strerror or str(error))) from None
