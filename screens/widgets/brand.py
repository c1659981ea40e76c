"""Whose kiosk this is, in the top bar: the full line where it fits, the agency's name where not.

At 80 columns the data's date and Help leave too little room for the full line,
and a name cut to "Layanan Man…" says less than the shorter name whole.
"""

from rich.cells import cell_len
from textual.widgets import Static


class Brand(Static):
    def __init__(self, full: str, short: str) -> None:
        super().__init__(full, id="brand", markup=False)
        self._full = full
        self._short = short

    def on_resize(self) -> None:
        fits = cell_len(self._full) <= self.content_size.width
        self.update(self._full if fits else self._short)
