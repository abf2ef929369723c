"""Aligned monospace tables for the terminal and for Discord code blocks."""

from __future__ import annotations

from collections.abc import Sequence

from bot.render.safe import plain


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[bool] | None = None, max_width: int | None = None) -> str:
    """Rows under headers, columns padded to their widest cell; numeric columns right-aligned.

    With `max_width`, the widest text columns are shortened (with `…`) until lines fit. Every cell and
    header is made `plain` here, so no name from the data can split a row or send escape codes.
    """
    headers = [plain(header) for header in headers]
    columns = [[_cell(value) for value in column] for column in zip(*rows)] or [[] for _ in headers]
    if right is None:
        right = [_numeric_column(column) for column in columns]
    widths = [max(len(header), max(map(len, column), default=0)) for header, column in zip(headers, columns)]
    if max_width:
        while sum(widths) + 2 * (len(widths) - 1) > max_width:
            widest = max(range(len(widths)), key=lambda i: (not right[i], widths[i]))
            if widths[widest] <= max(4, len(headers[widest])):
                break
            widths[widest] -= 1
        columns = [[_fit(cell, width) for cell in column] for column, width in zip(columns, widths)]
        headers = [_fit(header, width) for header, width in zip(headers, widths)]
    line = "  ".join(f"{{:{'>' if align else '<'}{width}}}" for width, align in zip(widths, right)).format
    lines = [line(*headers), line(*("-" * width for width in widths))]
    lines.extend(line(*cells) for cells in zip(*columns))
    return "\n".join(text.rstrip() for text in lines)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if type(value) is int:   # digits and a sign: nothing to clean
        return str(value)
    return plain(value if type(value) is str else str(value))


def _numeric_column(cells: list[str]) -> bool:
    """Right-aligned: at least one cell, and every non-empty cell a number."""
    filled = [cell for cell in cells if cell]
    return bool(filled) and all(_numeric(cell) for cell in filled)


def _numeric(text: str) -> bool:
    return text.lstrip("+-").replace(".", "", 1).isdigit()


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
