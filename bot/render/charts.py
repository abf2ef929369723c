"""Charts as PNG bytes for Discord embeds: a driver's seasons and a season's points race.

Safe to call from worker threads (`asyncio.to_thread`): each chart draws its own Figure on an
Agg canvas and never touches pyplot, rcParams or the process-wide warnings filters.
"""

from __future__ import annotations

import io
from functools import cache
from itertools import groupby
from operator import attrgetter

from bot.render.safe import plain
from bot.render.words import plural
from db.models import DriverCareer, SeasonLine, Standings

SIZE_IN = (10, 5)
DPI = 100
FONT = "DejaVu Sans"        # bundled with matplotlib: same glyphs and pixels on every machine
NAME_LIMIT = 40
HALF_BAR = 0.42             # bar half-width, in seasons
MIN_SEASONS_SHOWN = 8       # keeps a short career's bars from filling the width
MISSING_GLYPH = "□"         # what the font would draw anyway, minus the warning

BACKGROUND = "#2b2d31"      # Discord dark theme embed
TEXT = "#dbdee1"
MUTED = "#949ba4"
GRID = "#3f4147"
STARTS = "#45474e"
TOP10 = "#5b8def"
WINS = "#f0b232"
LINE_COLOURS = (
    "#f0b232", "#5b8def", "#f2545b", "#3ddc84", "#c08cff", "#ff8c42", "#ff6fb5", "#2ec4b6",
    "#e8e8e8", "#a3b18a",
)
LINE_STYLES = ("-", "--", ":")


@cache
def _font_glyphs() -> frozenset[int]:
    """Code points FONT can draw."""
    from matplotlib import font_manager  # lazy, like every matplotlib import here: see _new_figure

    path = font_manager.findfont(font_manager.FontProperties(family=FONT), fallback_to_default=False)
    return frozenset(font_manager.get_font(path).get_charmap())


def safe_label(text: str, limit: int = NAME_LIMIT) -> str:
    """Text from the data, made drawable: one line, no glyphs the font lacks, at most `limit` chars.

    Each run of undrawable characters (emoji, say) becomes one box, so matplotlib never warns
    about missing glyphs; a process-wide `warnings.catch_warnings` would not be thread-safe.
    """
    glyphs = _font_glyphs()
    printable = plain(text)
    drawable = "".join(
        "".join(run) if known else MISSING_GLYPH
        for known, run in groupby(printable, key=lambda ch: ord(ch) in glyphs)
    )
    return drawable if len(drawable) <= limit else drawable[: limit - 1].rstrip() + "…"


def _new_figure():
    # Local import keeps the bot's cold start fast; the first chart pays for it in a worker thread.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE_IN, dpi=DPI, facecolor=BACKGROUND, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure) -> bytes:
    """Draw the figure, then free it."""
    buffer = io.BytesIO()
    try:
        figure.canvas.print_png(buffer, metadata={"Software": None})
    finally:
        figure.clear()
    return buffer.getvalue()


def _style(axes) -> None:
    """Dark background, light text, faint horizontal grid."""
    axes.set_facecolor(BACKGROUND)
    for side, spine in axes.spines.items():
        spine.set_visible(side == "bottom")
        spine.set_color(GRID)
    axes.tick_params(colors=MUTED, labelcolor=TEXT, labelsize=9, length=3)
    axes.grid(axis="y", color=GRID, linewidth=0.8)
    axes.set_axisbelow(True)


def _title(figure, text: str) -> None:
    figure.suptitle(text, x=0.01, ha="left", color=TEXT, fontsize=14, fontweight="bold",
                    fontfamily=FONT, parse_math=False)


def driver_chart(career: DriverCareer) -> bytes | None:
    """Starts, top-10s and wins per season, one panel per series; None when no season has a start."""
    from matplotlib.patches import Patch  # lazy: see _new_figure
    from matplotlib.ticker import FormatStrFormatter, MaxNLocator

    panels = [
        (series, [line for line in series.seasons if line.starts > 0])
        for series in career.series.values()
    ]
    panels = [(series, lines) for series, lines in panels if lines]
    if not panels:
        return None
    seasons = [line.season for _, lines in panels for line in lines]

    figure = _new_figure()
    _title(figure, f"{safe_label(career.driver)} — wins and top-10s by season")
    axes_list = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for axes, (series, lines) in zip(axes_list, panels, strict=True):
        _style(axes)
        _season_bars(axes, lines)
        summary = f"{plural(series.wins, 'win')} · {plural(series.top10, 'top-10')} · {plural(series.starts, 'start')}"
        axes.set_title(f"{safe_label(series.series_name)}  ({summary})", loc="left", color=MUTED,
                       fontsize=10, fontfamily=FONT, parse_math=False)
        axes.yaxis.set_major_locator(MaxNLocator(nbins=4 if len(panels) > 1 else 6, integer=True))
        axes.set_ylim(bottom=0)
    first, last = min(seasons), max(seasons)
    middle, half_width = (first + last) / 2, max((last - first) / 2 + 0.7, MIN_SEASONS_SHOWN / 2)
    step = next((step for step in (1, 2, 5, 10, 25) if (last - first) / step <= 15), 50)
    bottom = axes_list[-1]
    bottom.set_xlim(middle - half_width, middle + half_width)
    bottom.set_xticks(range(first + -first % step, last + 1, step))
    bottom.xaxis.set_major_formatter(FormatStrFormatter("%d"))
    bottom.set_xlabel("Season", color=TEXT, fontsize=10)
    legend = [Patch(color=STARTS, label="Starts"), Patch(color=TOP10, label="Top-10s"), Patch(color=WINS, label="Wins")]
    axes_list[0].legend(handles=legend, loc="lower right", bbox_to_anchor=(1, 1), ncols=3, frameon=False,
                        labelcolor=TEXT, fontsize=10, borderaxespad=0.2)
    return _png(figure)


def _season_bars(axes, lines: list[SeasonLine]) -> None:
    """Nested bars: wins inside top-10s inside starts, so each colour reads as a share of the one behind.

    One PolyCollection per layer rather than `axes.bar`, whose patch per bar makes a 60-season career slow.
    """
    from matplotlib.collections import PolyCollection  # lazy: see _new_figure

    for count, colour in ((attrgetter("starts"), STARTS), (attrgetter("top10"), TOP10), (attrgetter("wins"), WINS)):
        bars = [
            [(line.season - HALF_BAR, 0), (line.season - HALF_BAR, count(line)),
             (line.season + HALF_BAR, count(line)), (line.season + HALF_BAR, 0)]
            for line in lines
        ]
        axes.add_collection(PolyCollection(bars, facecolors=colour, edgecolors="none"))
    axes.autoscale_view()


def standings_chart(standings: Standings) -> bytes | None:
    """Cumulative points after each race, one line per driver, legend in standings order."""
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter  # lazy: see _new_figure

    if not standings.progression or standings.races_counted < 1:
        return None
    position = {row.driver: row.position for row in standings.rows}
    names = sorted(standings.progression, key=lambda name: position.get(name) or len(position) + 1)
    marker = "o" if standings.races_counted <= 12 else None

    figure = _new_figure()
    what = "computed from race results" if standings.official else "points from race results"
    _title(figure, f"{standings.season} {safe_label(standings.series_name)} — {what}")
    axes = figure.subplots()
    _style(axes)
    lines, labels = [], []
    for index, name in enumerate(names):
        points = standings.progression[name]
        races = range(1, len(points) + 1)
        colour = LINE_COLOURS[index % len(LINE_COLOURS)]
        style = LINE_STYLES[index // len(LINE_COLOURS) % len(LINE_STYLES)]
        (line,) = axes.plot(races, points, color=colour, linestyle=style, linewidth=2, marker=marker, markersize=4)
        lines.append(line)
        rank = f"{position[name]}. " if position.get(name) else ""
        labels.append(f"{rank}{safe_label(name)} ({points[-1]:,g})")
    axes.set_xlim(0.5, standings.races_counted + 0.5)
    axes.set_ylim(bottom=0)
    axes.xaxis.set_major_locator(MaxNLocator(nbins=18, integer=True, min_n_ticks=1))
    axes.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.set_xlabel("Race", color=TEXT, fontsize=10)
    axes.set_ylabel("Points", color=TEXT, fontsize=10)
    legend = axes.legend(lines, labels, loc="upper left", bbox_to_anchor=(1.01, 1), labelcolor=TEXT, frameon=False,
                         prop={"family": FONT, "size": 9})
    for text in legend.get_texts():
        text.set_parse_math(False)
    return _png(figure)
