"""Quantities as people read them: file and disk sizes in binary units."""


def format_size(size: int) -> str:
    """``512 B``, ``28.0 KiB``, ``2.5 MiB``: for operators and staff, one decimal past bytes."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"
