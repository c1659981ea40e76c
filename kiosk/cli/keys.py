"""``kiosk keygen`` and ``kiosk rekey``: making and rotating the master key."""

import argparse
from pathlib import Path

from kiosk.cache import Cache
from kiosk.cli import Invocation, Subparsers, add_command, print_json
from kiosk.errors import KeyMaterialError
from kiosk.i18n import msg
from kiosk.keys import load_master_key, read_key_file, same_key, write_new_key


def register(subparsers: Subparsers) -> None:
    keygen = add_command(subparsers, "keygen", _keygen, "write a new master key file (mode 0600)")
    keygen.add_argument("--out", required=True, type=Path, metavar="PATH")
    rekey = add_command(
        subparsers, "rekey", _rekey, "re-encrypt every cached record under a new master key"
    )
    rekey.add_argument("--new-key", required=True, type=Path, metavar="PATH")


def _keygen(run: Invocation) -> int:
    args: argparse.Namespace = run.args
    key = write_new_key(args.out)
    key_id = key.subkeys().key_id
    if args.json:
        print_json({"path": str(args.out), "key_id": key_id})
    else:
        print(f"Wrote a new master key to {args.out} (key id {key_id}, mode 0600).")
        print("Keep it private: whoever holds it can read this kiosk's cache.")
    return 0


def _rekey(run: Invocation) -> int:
    config = run.config()
    current = load_master_key(config, run.environ)
    new_key = read_key_file(run.args.new_key)
    if same_key(new_key, current):
        raise KeyMaterialError(msg("key.same"))
    with Cache.open(config.cache_path, current) as cache:
        old_id = cache.key_id
        count = cache.rekey(new_key)
        new_id = cache.key_id
    if run.args.json:
        print_json({"records": count, "old_key_id": old_id, "new_key_id": new_id})
    else:
        print(f"Re-encrypted {count} records: key {old_id} -> {new_id}.")
        print(f"Now put {run.args.new_key} where the kiosk loads its key from;")
        print("the old key no longer opens this cache.")
    return 0
