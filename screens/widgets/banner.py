"""The demo banner: which synthetic members to try, shown only by ``kiosk demo``."""

from rich.text import Text
from textual.widgets import Static

from kiosk.banner import Banner


class DemoBanner(Static):
    DEFAULT_CSS = """
    DemoBanner {
        width: 100%;
        height: auto;
        padding: 0 1;
        background: $warning;
        color: $text;
    }
    """

    def __init__(self, banner: Banner) -> None:
        text = Text.assemble(("DEMO (data sintetis / synthetic data): ", "bold"))
        for sample in banner.samples:
            text.append(f"{sample.nik} ", style="bold")
            text.append(f"ibu/mother: {sample.mother_name}; ")
        text.append(f"staf/staff: F12, PIN {banner.staff_pin}")
        super().__init__(text)
