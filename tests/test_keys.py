"""The master key: writing, reading, where it is loaded from, and the subkeys."""

import os
import stat
import struct
from pathlib import Path

import pytest

from kiosk.config import Config, FeedSettings
from kiosk.doctor.findings import Status
from kiosk.doctor.keys import check_key
from kiosk.errors import KeyMaterialError
from kiosk.keys import (
    CREDENTIAL_NAME,
    ENV_VAR,
    MasterKey,
    load_master_key,
    read_credential,
    read_key_file,
    write_new_key,
)


def config_with(key_file: Path | None, tmp_path: Path) -> Config:
    feed = FeedSettings("", tmp_path / "trust", tmp_path / "feed")
    return Config(tmp_path / "kiosk.toml", "test-kiosk", tmp_path / "cache.db", key_file, feed)


def test_keygen_writes_a_private_hex_key(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    old_umask = os.umask(0)
    try:
        key = write_new_key(path)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert text == key.secret.hex() + "\n"
    assert len(key.secret) == 32
    assert read_key_file(path).secret == key.secret


def test_keygen_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    first = write_new_key(path)
    with pytest.raises(KeyMaterialError, match="already exists"):
        write_new_key(path)
    assert path.read_text() == first.secret.hex() + "\n"


def test_keygen_refuses_to_write_through_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    link = tmp_path / "master.key"
    link.symlink_to(target)
    with pytest.raises(KeyMaterialError):
        write_new_key(link)
    assert not target.exists()


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o620, 0o644])
def test_a_key_others_can_reach_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "master.key"
    write_new_key(path)
    path.chmod(mode)
    with pytest.raises(KeyMaterialError, match="chmod 600") as caught:
        read_key_file(path)
    assert path.read_text().strip() not in str(caught.value)


def test_read_only_owner_key_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    key = write_new_key(path)
    path.chmod(0o400)
    assert read_key_file(path).secret == key.secret


@pytest.mark.parametrize(
    "content", [b"", b"abc\n", b"zz" * 32, (b"ab" * 31) + b"\n", b"ab" * 33, b"\xff" * 64]
)
def test_malformed_key_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "master.key"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(KeyMaterialError, match="malformed"):
        read_key_file(path)


def test_missing_and_non_regular_key_files(tmp_path: Path) -> None:
    with pytest.raises(KeyMaterialError, match="does not exist"):
        read_key_file(tmp_path / "absent.key")
    (tmp_path / "dir.key").mkdir(mode=0o700)
    with pytest.raises(KeyMaterialError):
        read_key_file(tmp_path / "dir.key")


def test_a_key_file_that_is_a_symlink_is_refused_by_name(tmp_path: Path) -> None:
    """Even to a private key file: the README forbids a link, and says so."""
    real = tmp_path / "real.key"
    write_new_key(real)
    link = tmp_path / "master.key"
    link.symlink_to(real)
    config = config_with(link, tmp_path)
    with pytest.raises(KeyMaterialError, match="is a symbolic link") as caught:
        load_master_key(config, {})
    assert caught.value.message.key == "key.symlink"
    found, key = check_key(config, {})
    assert (found.status, found.what.key, key) == (Status.PROBLEM, "key.symlink", None)
    assert found.fix is not None
    assert "not a link" in found.fix.text("en")


def test_credentials_directory_wins_over_file_and_environment(tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    from_credential = write_new_key(credentials / CREDENTIAL_NAME)
    from_file = write_new_key(tmp_path / "master.key")
    environ = {"CREDENTIALS_DIRECTORY": str(credentials), ENV_VAR: "00" * 32}
    loaded = load_master_key(config_with(tmp_path / "master.key", tmp_path), environ)
    assert loaded.secret == from_credential.secret
    assert loaded.source == f"credential {CREDENTIAL_NAME}"
    without_credential = {ENV_VAR: "00" * 32, "CREDENTIALS_DIRECTORY": str(tmp_path / "empty")}
    loaded = load_master_key(config_with(tmp_path / "master.key", tmp_path), without_credential)
    assert loaded.secret == from_file.secret


def test_configured_key_file_must_exist_even_with_the_environment_set(tmp_path: Path) -> None:
    with pytest.raises(KeyMaterialError, match="does not exist"):
        load_master_key(config_with(tmp_path / "absent.key", tmp_path), {ENV_VAR: "00" * 32})


def test_environment_key_is_the_last_resort(tmp_path: Path) -> None:
    loaded = load_master_key(config_with(None, tmp_path), {ENV_VAR: "ab" * 32})
    assert loaded.secret == bytes.fromhex("ab" * 32)
    with pytest.raises(KeyMaterialError, match="No master key found"):
        load_master_key(config_with(None, tmp_path), {})
    with pytest.raises(KeyMaterialError, match="malformed"):
        load_master_key(config_with(None, tmp_path), {ENV_VAR: "not hex"})


def test_subkeys_are_distinct_and_deterministic() -> None:
    key = MasterKey(bytes(range(32)), "test")
    subkeys = key.subkeys()
    values = [subkeys.record, subkeys.index, subkeys.audit, subkeys.wrap, subkeys.check]
    assert len(set(values)) == 5
    assert all(len(value) == 32 for value in values)
    assert key.subkeys() == subkeys
    assert key.secret not in values
    other = MasterKey(bytes(range(1, 33)), "test").subkeys()
    assert other.key_id != subkeys.key_id
    assert len(subkeys.key_id) == 16


def test_key_material_never_shows_in_repr() -> None:
    key = MasterKey(bytes(range(32)), "test")
    assert key.secret.hex() not in repr(key)
    assert key.subkeys().record.hex() not in repr(key.subkeys())


def test_a_credential_shared_through_an_acl_as_newer_systemd_does(tmp_path: Path) -> None:
    key = tmp_path / CREDENTIAL_NAME
    write_new_key(key)
    key.chmod(0o400)
    grant_read(key, uid=65534)
    assert key.stat().st_mode & 0o777 == 0o440
    assert read_credential({"CREDENTIALS_DIRECTORY": str(tmp_path)}, CREDENTIAL_NAME)


def grant_read(path: Path, uid: int) -> None:
    """``setfacl -m u:UID:r PATH`` without the acl package: the kernel's xattr format."""
    unset = 0xFFFFFFFF
    user_obj, user, group_obj, mask, other = 0x01, 0x02, 0x04, 0x10, 0x20
    entries = [(user_obj, 4, unset), (user, 4, uid), (group_obj, 0, unset), (mask, 4, unset)]
    entries.append((other, 0, unset))
    data = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *entry) for entry in entries)
    os.setxattr(path, "system.posix_acl_access", data)
