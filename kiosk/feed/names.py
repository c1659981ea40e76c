"""Names the publisher and the kiosk agree on: the index target and the bundle file names."""

from kiosk.feed.bundle import BundleKind

INDEX_TARGET = "index.json"
"""Its signed ``custom`` names the newest sequence, its state and the newest snapshot."""


def bundle_name(kind: BundleKind, sequence: int) -> str:
    return f"{kind}-{sequence:08d}.bundle"
