"""Every table Pitboard shows, built once from the answer's dataclasses as a `Table` of plain cells.

Each string from the data is made `plain` here, once; the terminal, Discord and Reddit then pick the columns
they have room for and lay them out (bot/render/tables.py: `monospace`, `markdown`; embeds' code blocks).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.render.safe import plain
from bot.render.tables import Table
from bot.render.words import average, status_words, unknown_dash
from db.models import HeadToHead, ResultLine, Stage, Standings

RESULT_HEADERS = ("Pos", "St", "#", "Driver", "Team", "Make", "Laps", "Led", "Status", "Pts")
RESULT_RIGHT = (True, True, True, False, False, False, True, True, False, True)
STANDINGS_HEADERS = ("Pos", "Driver", "Pts", "Behind", "Starts", "Wins", "Top 5", "Top 10", "Led")
STANDINGS_RIGHT = (True, False, True, True, True, True, True, True, True)


def results(lines: Sequence[ResultLine], laps_led_known: bool = True) -> Table:
    """The classification, one row per car. Unknown figures are empty cells, and so is a zero laps led when
    the lap-leader data does not cover the race (`laps_led_known` false)."""
    return Table(RESULT_HEADERS, [
        (line.finish, line.start or None, plain(line.car), plain(line.driver), plain(line.team), plain(line.make), line.laps,
         line.led if laps_led_known else line.led or None, status_words(line.status), line.points)
        for line in lines
    ], RESULT_RIGHT)


def stages(race_stages: Sequence[Stage]) -> Table:
    """Each stage's finishing order side by side: `Pos | Stage 1 (20 laps) | Stage 2 (20 laps)`."""
    headers = ("Pos", *(f"Stage {stage.number}" + (f" ({stage.laps} laps)" if stage.laps else "") for stage in race_stages))
    depth = max((len(stage.results) for stage in race_stages), default=0)
    rows: list[tuple[str | int | None, ...]] = []
    for index in range(depth):
        row: list[str | int | None] = [index + 1]
        for stage in race_stages:
            if index < len(stage.results):
                line = stage.results[index]
                row.append(f"{plain(line.driver)} (#{plain(line.car)})" if line.car else plain(line.driver))
            else:
                row.append(None)
        rows.append(tuple(row))
    return Table(headers, rows, (True,) + (False,) * len(race_stages))


def standings(answer: Standings) -> Table:
    """Points from race results, leader first; `Behind` is empty for the leader."""
    return Table(STANDINGS_HEADERS, [
        (row.position, plain(row.driver), row.points, -row.behind if row.behind else None, row.starts, row.wins, row.top5,
         row.top10, row.laps_led)
        for row in answer.rows
    ], STANDINGS_RIGHT)


def h2h(answer: HeadToHead) -> Table:
    """The two drivers' figures in the races both started, one row per figure."""
    a, b = answer.first, answer.second
    return Table(("", plain(a.driver), plain(b.driver)), [
        ("Ahead", a.ahead, b.ahead),
        ("Wins", a.wins, b.wins),
        ("Avg finish", average(a.avg_finish), average(b.avg_finish)),
        ("Laps led", unknown_dash(a.laps_led), unknown_dash(b.laps_led)),
    ])
