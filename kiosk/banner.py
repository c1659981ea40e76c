"""The demo banner as data: which synthetic members to try, and the staff PIN.

``kiosk demo`` writes it beside its kiosk.toml and starts ``kiosk run --banner
FILE``, so the kiosk a newcomer tries is the real runtime, which never imports
the demo builder (nor the publisher the builder needs). A real kiosk has no banner.
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from kiosk.errors import ConfigError
from kiosk.i18n import msg

MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class Sample:
    """A member to try at the demo kiosk, with the answer that verifies them."""

    nik: str
    mother_name: str
    case: str


@dataclass(frozen=True)
class Banner:
    samples: tuple[Sample, ...]
    staff_pin: str


def write_banner(path: Path, banner: Banner) -> None:
    data = {"samples": [asdict(sample) for sample in banner.samples], "staff_pin": banner.staff_pin}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def read_banner(path: Path) -> Banner:
    try:
        with path.open("rb") as handle:
            data = json.loads(handle.read(MAX_BYTES + 1).decode("utf-8"))
        samples = tuple(
            Sample(str(item["nik"]), str(item["mother_name"]), str(item["case"]))
            for item in data["samples"]
        )
        return Banner(samples, str(data["staff_pin"]))
    except OSError as error:
        raise ConfigError(msg("banner.unreadable", path=path, reason=error.strerror)) from None
    except (ValueError, TypeError, KeyError):
        raise ConfigError(msg("banner.invalid", path=path)) from None
