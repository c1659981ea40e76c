"""What a kiosk trusts: the pinned TUF root, the card public key and the fleet data key.

``kiosk central init`` writes all three to one directory that is copied to each
kiosk. The fleet key is a secret: systemd may hand it over as a credential,
else it is read from the trust directory under the same rules as the master key.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.config import Config
from kiosk.errors import ConfigError
from kiosk.i18n import msg
from kiosk.keys import read_credential, read_key_file

FLEET_CREDENTIAL = "fleet-key"
ROOT_FILE = "root.json"
CARD_KEY_FILE = "card-public.pem"
FLEET_KEY_FILE = "fleet.key"


@dataclass(frozen=True)
class Trust:
    root: bytes
    """The initial root metadata, used only until the kiosk holds a trusted root of its own."""
    card_key: Path
    fleet_key: bytes = field(repr=False)


def load_trust(config: Config, environ: Mapping[str, str]) -> Trust:
    directory = config.feed.trust_dir
    root_path = directory / ROOT_FILE
    try:
        root = root_path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(msg("sync.no_trust", path=directory)) from None
    except OSError as error:
        raise ConfigError(
            msg("sync.trust_unreadable", path=root_path, reason=error.strerror)
        ) from None
    fleet_key = read_credential(environ, FLEET_CREDENTIAL) or read_key_file(
        directory / FLEET_KEY_FILE
    )
    return Trust(root=root, card_key=directory / CARD_KEY_FILE, fleet_key=fleet_key.secret)
