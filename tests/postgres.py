"""A real PostgreSQL server per test module (:mod:`devtools.postgres_server`), or a skip.

On a developer's machine without PostgreSQL the tests that need it skip; under
CI they fail instead. Each test takes a new database of the server
(``CREATE DATABASE`` is fast); the server stops at the end of the module.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devtools import postgres_server
from devtools.postgres_server import Server

__all__ = ["Server", "postgres_bin", "running_server"]


def postgres_bin() -> Path:
    """Debian's newest server binaries, or a skip on a machine without them; CI fails instead."""
    found = postgres_server.postgres_bin()
    if found is None:
        reason = "PostgreSQL is missing (Debian: apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@contextmanager
def running_server(tmp_path: Path) -> Iterator[Server]:
    """A started server, stopped and removed afterwards."""
    with postgres_server.running_server(postgres_bin(), tmp_path) as server:
        yield server
