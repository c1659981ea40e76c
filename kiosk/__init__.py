"""Core services of the BPJS Ketenagakerjaan self-service kiosk.

Nothing in this package imports Textual: the UI in ``screens/`` receives these
services through its constructor, so they can be used and tested on their own.
"""

__version__ = "0.1.0"
