"""The central store's side of the feed: the signed TUF repository and a plain server for it.

Kiosks trust only what these keys signed; this package makes and maintains the
repository they fetch from. It never runs on a kiosk.
"""
