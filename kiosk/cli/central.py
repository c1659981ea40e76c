"""``kiosk central``: the central store's feed (create it, serve it, keep it fresh).

These commands run at the central store, never on a kiosk, and need no kiosk
configuration file. The publisher is imported by each command, never by
``kiosk`` itself: ``kiosk run`` on a kiosk loads no publishing code.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.cli import Invocation, Subparsers, add_command, print_json

if TYPE_CHECKING:
    from central.members_file import RowProblem


def feed_dir_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--dir FEED`` every ``kiosk central`` subcommand takes."""
    parser.add_argument(
        "--dir",
        required=True,
        type=Path,
        metavar="FEED",
        help="the feed directory (repository/, keys/, trust/, central/)",
    )


def register(subparsers: Subparsers) -> None:
    group = subparsers.add_parser(
        "central",
        help="the central store's signed feed (not for kiosks)",
        description="Create, serve and renew the signed feed the kiosks sync from.",
    )
    commands = group.add_subparsers(metavar="COMMAND", required=True)
    init = add_command(
        commands, "init", _init, "create a new feed: signing keys, trust bundle, empty metadata"
    )
    feed_dir_argument(init)
    serve = add_command(
        commands, "serve", _serve, "serve FEED/repository/ over HTTP (read-only) until Ctrl-C"
    )
    feed_dir_argument(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    serve.add_argument(
        "--port", type=_port, default=8080, help="port to listen on, 0 for any (%(default)s)"
    )
    publish = add_command(
        commands,
        "publish",
        _publish,
        "publish the members file or database: a snapshot first, then what changed",
    )
    feed_dir_argument(publish)
    source = publish.add_mutually_exclusive_group(required=True)
    source.add_argument("--members", type=Path, metavar="FILE", help="CSV or JSON Lines")
    source.add_argument(
        "--from",
        dest="database",
        metavar="URL",
        help="the central database, postgresql://USER@HOST:PORT/NAME",
    )
    publish.add_argument(
        "--full", action="store_true", help="publish a full snapshot and prune older bundles"
    )
    publish.add_argument(
        "--skip-invalid", action="store_true", help="publish the valid rows of a file with errors"
    )
    publish.add_argument(
        "--recover",
        action="store_true",
        help="after restoring FEED from a backup: a full snapshot numbered past all published",
    )
    publish.add_argument(
        "--workers",
        type=_workers,
        default=0,
        metavar="N",
        help="processes that check, sign and seal the persons; 0 for every core (%(default)s)",
    )
    load = add_command(
        commands,
        "import",
        _import,
        "load a members file into the central database (creates or migrates its schema)",
    )
    load.add_argument(
        "--members", required=True, type=Path, metavar="FILE", help="CSV or JSON Lines"
    )
    load.add_argument(
        "--into",
        required=True,
        metavar="URL",
        help="the central database, postgresql://USER@HOST:PORT/NAME",
    )
    load.add_argument(
        "--skip-invalid", action="store_true", help="import the valid rows of a file with errors"
    )
    refresh = add_command(
        commands,
        "refresh",
        _refresh,
        "re-sign the metadata that expires soon (run it from cron, hourly)",
    )
    feed_dir_argument(refresh)
    verifier = add_command(
        commands,
        "verifier",
        _verifier,
        "write the offline card verifier page (one HTML file) for clinics and employers",
    )
    feed_dir_argument(verifier)
    verifier.add_argument(
        "--out", required=True, type=Path, metavar="FILE", help="the page to write (verifier.html)"
    )
    verifier.add_argument(
        "--also-trust",
        action="append",
        default=[],
        type=Path,
        metavar="PEM",
        help="a retired card public key whose cards stay valid (repeatable)",
    )


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port number")
    return port


def _workers(text: str) -> int:
    from central.person_work import MAX_PROCESSES

    if not text.isdigit() or not 0 <= (number := int(text)) <= MAX_PROCESSES:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and {MAX_PROCESSES}")
    return number


def _init(run: Invocation) -> int:
    from central.repository import init_feed

    layout = init_feed(run.args.dir, run.clock())
    paths = {
        "feed": layout.root,
        "repository": layout.repository,
        "keys": layout.keys,
        "trust": layout.trust,
        "trusted_root": layout.trusted_root,
        "card_public_key": layout.card_public_key,
        "fleet_key": layout.trust_fleet_key,
    }
    if run.args.json:
        print_json({name: str(path) for name, path in paths.items()})
        return 0
    print(f"Created a new feed in {layout.root}.")
    print(f"Serve or copy only {layout.repository}/ (metadata/ and targets/).")
    print(f"Copy the trust bundle {layout.trust}/ to each kiosk:")
    print(f"  {layout.trusted_root.name:<16} the pinned root of trust")
    print(f"  {layout.card_public_key.name:<16} verifies the members' digital cards")
    print(f"  {layout.trust_fleet_key.name:<16} decrypts the feed: keep it mode 0600")
    print(f"Keep {layout.keys}/ private and backed up: it holds the signing keys.")
    print(f"Run 'kiosk central refresh --dir {layout.root}' hourly from cron.")
    return 0


def _serve(run: Invocation) -> int:
    # The server reads only the public repository: it needs no keys and should not have them.
    from central.repository import FeedLayout
    from central.serve import make_server

    server = make_server(FeedLayout(run.args.dir), run.args.host, run.args.port)
    with server:
        print(f"Serving {server.layout.repository} at {server.url}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("Stopped.")
    return 0


def _publish(run: Invocation) -> int:
    from central.publish import PublishRefused, publish

    if run.args.database is not None:
        from central.postgres import DatabaseSource

        members: Path | DatabaseSource = DatabaseSource(run.args.database)
        where = "row"
    else:
        members, where = run.args.members, "line"
    try:
        result = publish(
            run.args.dir,
            members,
            full=run.args.full,
            skip_invalid=run.args.skip_invalid,
            recover=run.args.recover,
            now=run.clock(),
            workers=run.args.workers,
        )
    except PublishRefused as refused:
        _print_problems(refused.problems, refused.invalid_rows, where, json_output=run.args.json)
        raise
    _print_problems(result.problems, result.invalid_rows, where, json_output=run.args.json)
    if run.args.json:
        print_json(
            {
                "sequence": result.sequence,
                "kind": result.kind,
                "stored": result.upserted,
                "removed": result.deleted,
                "members": result.members,
                "invalid_rows": result.invalid_rows,
                "pruned": result.pruned,
            }
        )
        return 0
    if result.sequence is None:
        print(f"Nothing changed: nothing published ({result.members:,} members in the feed).")
        return 0
    print(
        f"Published {result.kind} {result.sequence}: {result.upserted:,} stored, "
        f"{result.deleted:,} removed; {result.members:,} members in the feed."
    )
    if result.pruned:
        print(f"Pruned {len(result.pruned)} older bundle(s).")
    return 0


def _import(run: Invocation) -> int:
    from central.importer import ImportRefused, import_members

    try:
        result = import_members(
            run.args.members, run.args.into, skip_invalid=run.args.skip_invalid, now=run.clock()
        )
    except ImportRefused as refused:
        _print_problems(refused.problems, refused.invalid_rows, "line", json_output=run.args.json)
        raise
    _print_problems(result.problems, result.invalid_rows, "line", json_output=run.args.json)
    if run.args.json:
        print_json(
            {
                "rows": result.rows,
                "persons": result.persons,
                "schema_before": result.schema_before,
                "invalid_rows": result.invalid_rows,
            }
        )
        return 0
    if result.schema_before == 0:
        print("Created the members schema.")
    print(f"Imported {result.rows:,} new or changed rows of {result.persons:,} persons.")
    return 0


def _print_problems(
    problems: "list[RowProblem]", total: int, where: str, *, json_output: bool
) -> None:
    """Bad rows on standard error, by the file's line or the database's ``memberships.id``
    (``where``): the operator fixes them from this list, which never quotes a value."""
    if json_output:
        for problem in problems:
            line = {where: problem.line, "column": problem.column, **problem.message.as_dict()}
            print(json.dumps(line, ensure_ascii=False), file=sys.stderr)
        return
    for problem in problems:
        print(
            f"{where} {problem.line}: {problem.column}: {problem.message.bilingual()}",
            file=sys.stderr,
        )
    if total > len(problems):
        print(f"... and {total - len(problems):,} more rows with errors.", file=sys.stderr)


def _verifier(run: Invocation) -> int:
    from central.repository import FeedLayout
    from central.verifier import write_page
    from kiosk.card import card_key_id, load_card_public_key

    paths = [FeedLayout(run.args.dir).card_public_key, *run.args.also_trust]
    keys = [load_card_public_key(path) for path in paths]
    write_page(run.args.out, keys)
    ids = [card_key_id(key) for key in keys]
    if run.args.json:
        print_json({"page": str(run.args.out), "key_ids": ids})
        return 0
    print(f"Wrote {run.args.out}: it trusts the card keys {', '.join(ids)}.")
    print("Open it from disk or any static host; it needs no network.")
    return 0


def _refresh(run: Invocation) -> int:
    from central.repository import FeedRepository

    repository = FeedRepository.open(run.args.dir)
    renewed = repository.refresh(run.clock())
    expiries = repository.expiries()
    if run.args.json:
        print_json(
            {
                "renewed": renewed,
                "expires": {role: when.isoformat() for role, when in expiries.items()},
            }
        )
        return 0
    print(f"Re-signed: {', '.join(renewed) if renewed else 'nothing was due'}.")
    for role, when in expiries.items():
        print(f"  {role:<10} expires {when.isoformat()}")
    return 0
