"""The Textual user interface of the kiosk.

It receives the core services from ``kiosk`` through the App's constructor and
is the only package that imports Textual.
"""
