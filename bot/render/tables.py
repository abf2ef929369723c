"""Aligned monospace tables for the terminal and for Discord code blocks."""

from __future__ import annotations

from typing import Sequence

from bot.render.safe import plain


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[bool] | None = None, max_width: int | None = None) -> str:
    """Rows under headers, columns padded to their widest cell; numeric columns right-aligned.

    With `max_width`, the widest text columns are shortened (with `…`) until lines fit. Every cell and
    header is made `plain` here, so no name from the data can split a row or send escape codes.
    """
    headers = [plain(header) for header in headers]
    cells = [[("" if value is None else plain(str(value))) for value in row] for row in rows]
    if right is None:
        right = [all(_numeric(row[i]) for row in cells if row[i]) and any(row[i] for row in cells) for i in range(len(headers))]
    widths = [max([len(header)] + [len(row[i]) for row in cells]) for i, header in enumerate(headers)]
    if max_width:
        while sum(widths) + 2 * (len(widths) - 1) > max_width:
            widest = max(range(len(widths)), key=lambda i: (not right[i], widths[i]))
            if widths[widest] <= max(4, len(headers[widest])):
                break
            widths[widest] -= 1
    lines = [_line(headers, widths, right), _line(["-" * w for w in widths], widths, right)]
    lines.extend(_line(row, widths, right) for row in cells)
    return "\n".join(line.rstrip() for line in lines)


def _numeric(text: str) -> bool:
    return text.lstrip("+-").replace(".", "", 1).isdigit()


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _line(values: Sequence[str], widths: Sequence[int], right: Sequence[bool]) -> str:
    return "  ".join(
        _fit(value, width).rjust(width) if align else _fit(value, width).ljust(width)
        for value, width, align in zip(values, widths, right)
    )
