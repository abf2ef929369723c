"""Tables: a `Table` of plain cells, built once per answer (bot/render/cells.py), and its formatters for the
terminal and Discord code blocks (`monospace`) and for Reddit (`markdown`).

`table` lays out rows from anywhere else, making every cell `plain` itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

from bot.render.safe import escape_reddit_markdown, plain
from db.records import Record

Cell = str | int | None     # text already `plain`, a number, or None: unknown, an empty cell


class Table(Record):
    """Headers and rows of cells. Text cells are `plain` already: a formatter only lays them out (and escapes
    them for its markup)."""

    headers: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    right: tuple[bool, ...] | None = None   # right-aligned columns; None: the numeric ones, read from the cells

    def columns(self, *headers: str) -> Table:
        """The same table with only these columns, in this order."""
        indices = [self.headers.index(header) for header in headers]
        right = None if self.right is None else tuple(self.right[i] for i in indices)
        if len(indices) == 1:   # itemgetter of one index gives the cell, not a tuple
            return Table(headers, [(row[indices[0]],) for row in self.rows], right)
        return Table(headers, list(map(itemgetter(*indices), self.rows)), right)

    def head(self, count: int) -> Table:
        """The first `count` rows."""
        return Table(self.headers, self.rows[:count], self.right)


def monospace(data: Table, max_width: int | None = None) -> str:
    """Rows under headers, columns padded to their widest cell; numeric columns right-aligned.

    With `max_width`, the widest text columns are shortened (with `…`) until lines fit.
    """
    return _layout(list(data.headers), _columns(data), _right_aligned(data), max_width)


def markdown(data: Table) -> str:
    """A Reddit table: numeric columns right-aligned, every text cell escaped, unknowns empty."""
    right = _right_aligned(data)
    lines = ["| " + " | ".join(data.headers) + " |", "|" + "|".join("--:" if align else ":--" for align in right) + "|"]
    lines += ["| " + " | ".join(_reddit_cell(cell) for cell in row) + " |" for row in data.rows]
    return "\n".join(lines)


def _columns(data: Table) -> list[list[str]]:
    columns = [_texts(column) for column in zip(*data.rows, strict=True)]
    return columns or [[] for _ in data.headers]


def _texts(column: tuple[Cell, ...]) -> list[str]:
    """A column's cells as text, unknowns empty (`str` over a column without unknowns runs in C)."""
    if None in column:
        return ["" if cell is None else str(cell) for cell in column]
    return list(map(str, column))


def _right_aligned(data: Table) -> list[bool]:
    """The table's own alignment, else its numeric columns: at least one cell, and every cell a number (an int,
    or text that reads as one) or empty."""
    if data.right is not None:
        return list(data.right)
    return [
        any(cell is not None and cell != "" for cell in column)
        and all(cell is None or isinstance(cell, int) or not cell or _numeric(cell) for cell in column)
        for column in zip(*data.rows, strict=True)
    ] or [False for _ in data.headers]


def _reddit_cell(cell: Cell) -> str:
    if cell is None:
        return ""
    return str(cell) if isinstance(cell, int) else escape_reddit_markdown(cell)


def table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[bool] | None = None, max_width: int | None = None
) -> str:
    """`monospace` for rows from anywhere: every cell and header is made `plain` here, so no name from the data
    can split a row or send escape codes."""
    columns = [[_cell(value) for value in column] for column in zip(*rows, strict=True)] or [[] for _ in headers]
    return _layout([plain(header) for header in headers], columns, right, max_width)


def _layout(headers: list[str], columns: list[list[str]], right: Sequence[bool] | None, max_width: int | None) -> str:
    if right is None:
        right = [_numeric_column(column) for column in columns]
    widths = [max(len(header), max(map(len, column), default=0)) for header, column in zip(headers, columns, strict=True)]
    excess = sum(widths) + 2 * (len(widths) - 1) - max_width if max_width else 0
    if excess > 0:
        natural = list(widths)
        shrinkable = [i for i, align in enumerate(right) if not align] or list(range(len(widths)))
        _narrow(widths, shrinkable, [max(4, len(header)) for header in headers], excess)
        for index, width in enumerate(widths):
            if width < natural[index]:   # only shortened columns have cells to cut
                columns[index] = [_fit(cell, width) for cell in columns[index]]
                headers[index] = _fit(headers[index], width)
    # printf-style: about half the cost of str.format's spec parsing per row; every cell is text already.
    line = "  ".join(f"%{'' if align else '-'}{width}s" for width, align in zip(widths, right, strict=True))
    lines = [line % tuple(headers), line % tuple("-" * width for width in widths)]
    lines += [line % row for row in zip(*columns, strict=True)]   # the i-th cell of every column
    return "\n".join(map(str.rstrip, lines))


def _narrow(widths: list[int], shrinkable: list[int], floors: list[int], excess: int) -> None:
    """Take `excess` characters off `widths`, one at a time off the widest shrinkable column (the first of equals),
    stopping at the first such column already down to its floor (text columns are shrinkable, numbers only when
    there is no text). Whole rounds over the widest columns are taken at once: the same widths as one at a time."""
    while excess > 0:
        top = max(widths[i] for i in shrinkable)
        widest = [i for i in shrinkable if widths[i] == top]   # each loses one character per round, in column order
        below = max((widths[i] for i in shrinkable if widths[i] < top), default=0)
        rounds = min(top - below, min(top - floors[i] for i in widest), excess // len(widest))
        if rounds > 0:
            for i in widest:
                widths[i] -= rounds
            excess -= rounds * len(widest)
            continue
        for i in widest:   # a last, partial round, or one that reaches a floor
            if excess == 0 or widths[i] <= floors[i]:
                return
            widths[i] -= 1
            excess -= 1


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
    """A number, or `–`: a figure the data does not hold, in a column of figures."""
    return text == "–" or text.lstrip("+-").replace(".", "", 1).isdigit()


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
