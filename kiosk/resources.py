"""Where the shipped data files are found.

A wheel carries ``data/`` inside the package as ``kiosk/_data``; a source
checkout (editable install, tests) keeps it at the repository root.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_path(name: str) -> Path:
    for directory in (_PACKAGE / "_data", _PACKAGE.parent / "data"):
        candidate = directory / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"shipped data missing: {name}")
