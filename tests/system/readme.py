"""The README's operator steps, as the shell script a test VM runs to install the kiosk.

The system test installs the kiosk the way an operator would, by doing what
the README's "Deploying kiosks (operators)" section says, so the section is
read here rather than copied: a step that stops working fails the test.
"""

import re
from dataclasses import dataclass
from pathlib import Path

SECTION = "## Deploying kiosks (operators)"

INSTALL = "**Install**"
USB_FEED = "**A feed on a USB stick**"
START = "**Staff PIN, start, check:**"
OFFLINE = "**A kiosk without PyPI**"
SMALL_SCREEN = "**A smaller screen**"
"""A site option the console test runs on a copy of the kiosk with a 1024x768 screen."""
STEPS = (INSTALL, USB_FEED, START)
"""The blocks an operator runs, in order; the printer and touch-screen blocks are site options."""

CHECK_COMMAND = "kiosk-admin doctor"
"""The last step checks a kiosk that has synced: the boot test runs it once it has."""


@dataclass(frozen=True)
class Site:
    """What an operator puts in for the README's placeholders, at the test's kiosk."""

    checkout: str
    feed: str
    wheelhouse: str
    feed_source: str

    def substitutions(self) -> dict[str, str]:
        return {
            "/path/to/this/checkout": self.checkout,
            "/path/to/wheelhouse": self.wheelhouse,
            "FEED/": f"{self.feed}/",
            "https://feed.example.go.id/kiosk/": self.feed_source,
        }


def section(readme: str) -> str:
    start = readme.index(SECTION)
    end = readme.find("\n## ", start + len(SECTION))
    return readme[start : end if end >= 0 else len(readme)]


def block_after(text: str, heading: str) -> str:
    """The first fenced block after ``heading``, without its fences."""
    found = re.search(re.escape(heading) + r".*?```[a-z]*\n(.*?)```", text, re.DOTALL)
    if found is None:
        raise LookupError(f"README: no code block after {heading}")
    return found.group(1)


def offline_environment(text: str) -> list[str]:
    """The ``NAME=value`` settings the README gives for pip at a kiosk without PyPI."""
    return re.findall(r"`(PIP_[A-Z_]+=\S+?)`", text.split(OFFLINE, 1)[1].split("\n\n", 1)[0])


def provision_script(readme: Path, site: Site) -> str:
    """A bash script of the operator's steps, placeholders filled in, stopping at any failure."""
    text = section(readme.read_text())
    body = "\n".join(block_after(text, heading) for heading in STEPS)
    for placeholder, value in site.substitutions().items():
        if placeholder not in body and placeholder not in text:
            raise LookupError(f"README: the placeholder {placeholder} is gone")
        body = body.replace(placeholder, value)
    steps = [line for line in body.splitlines() if CHECK_COMMAND not in line]
    exports = [
        "export " + setting.replace("/path/to/wheelhouse", site.wheelhouse)
        for setting in offline_environment(text)
    ]
    # Each traced step says when it began, in seconds since the first: where the boot goes.
    trace = "PS4='+ [${SECONDS} s] '"
    return "\n".join(["#!/bin/bash", trace, "set -euxo pipefail", "cd /", *exports, *steps, ""])
