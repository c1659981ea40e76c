"""The encrypted local cache of member records and the feed cursor."""

from kiosk.cache.store import (
    ApplyResult,
    Cache,
    CacheInfo,
    FeedCursor,
    IntegrityReport,
)

__all__ = ["ApplyResult", "Cache", "CacheInfo", "FeedCursor", "IntegrityReport"]
