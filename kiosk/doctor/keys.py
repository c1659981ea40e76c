"""The master key and the fleet key, read as the service reads them, with their mode and owner."""

import pwd
import stat
from collections.abc import Mapping
from pathlib import Path

from kiosk.config import Config
from kiosk.doctor.findings import Finding, ok, problem, warning
from kiosk.doctor.fixes import FLEET_KEY, MASTER_KEY
from kiosk.errors import KeyMaterialError
from kiosk.feed.trust import FLEET_CREDENTIAL, FLEET_KEY_FILE
from kiosk.i18n import msg
from kiosk.keys import (
    CREDENTIAL_NAME,
    ENV_VAR,
    MasterKey,
    credential_path,
    load_master_key,
    read_credential,
    read_key_file,
)


def check_key(config: Config, environ: Mapping[str, str]) -> tuple[Finding, MasterKey | None]:
    """The master key as ``kiosk run`` loads it: credential, key file, then the environment."""
    try:
        key = load_master_key(config, environ)
    except KeyMaterialError as error:
        return problem("key", error.message, MASTER_KEY.of(error.message, config=config.path)), None
    path = credential_path(environ, CREDENTIAL_NAME) or config.master_key_file
    if path is None:
        what = msg("doctor.key.from_env", env=f"${ENV_VAR}")
        return warning("key", what, msg("doctor.fix.key_env", env=ENV_VAR)), key
    what = msg("doctor.key.ok", source=key.source, key_id=key.subkeys().key_id, **_ownership(path))
    return ok("key", what), key


def check_fleet_key(config: Config, environ: Mapping[str, str]) -> Finding:
    """The key that opens the feed's bundles: a systemd credential, else the trust directory's."""
    directory = config.feed.trust_dir
    file = directory / FLEET_KEY_FILE
    try:
        key = read_credential(environ, FLEET_CREDENTIAL) or read_key_file(file)
    except KeyMaterialError as error:
        return problem("fleet-key", error.message, FLEET_KEY.of(error.message, dir=directory))
    owner = _ownership(credential_path(environ, FLEET_CREDENTIAL) or file)
    return ok("fleet-key", msg("doctor.fleet_key.ok", source=key.source, **owner))


def _ownership(path: Path) -> dict[str, str]:
    """Mode and owner, for the operator to judge: the doctor cannot know the kiosk's user."""
    info = path.stat()
    try:
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = str(info.st_uid)
    return {"mode": f"{stat.S_IMODE(info.st_mode):04o}", "owner": owner}
