"""The trust directory's public half: the pinned TUF root and the card public key."""

from tuf.api.metadata import Metadata, Root
from tuf.api.serialization import DeserializationError

from kiosk.card import load_card_public_key
from kiosk.config import Config
from kiosk.doctor.findings import Finding, ok, problem
from kiosk.errors import KeyMaterialError
from kiosk.feed.trust import CARD_KEY_FILE, ROOT_FILE
from kiosk.i18n import msg


def check_trust_root(config: Config) -> tuple[Finding, bytes | None]:
    """The pinned TUF root a kiosk starts trusting from; the feed check starts from it too."""
    path = config.feed.trust_dir / ROOT_FILE
    fix = msg("doctor.fix.trust", dir=config.feed.trust_dir)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return problem("trust", msg("doctor.trust.missing", path=path), fix), None
    except OSError as error:
        what = msg("sync.trust_unreadable", path=path, reason=error.strerror)
        return problem("trust", what, fix), None
    try:
        root = Metadata[Root].from_bytes(data).signed
    except DeserializationError:
        root = None
    if not isinstance(root, Root):
        return problem("trust", msg("doctor.trust.invalid", path=path), fix), None
    return ok("trust", msg("doctor.trust.ok", path=path, version=root.version)), data


def check_card_key(config: Config) -> Finding:
    """The key the card screen checks each member's signed card with."""
    path = config.feed.trust_dir / CARD_KEY_FILE
    try:
        load_card_public_key(path)
    except KeyMaterialError as error:
        return problem("card-key", error.message, msg("doctor.fix.trust", dir=path.parent))
    return ok("card-key", msg("doctor.card_key.ok", path=path))
