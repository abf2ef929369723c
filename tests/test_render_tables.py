"""One builder per table: the same cells reach the terminal, Discord and Reddit; every command has a named renderer."""

from __future__ import annotations

import re

from bot.questions import QUESTIONS
from bot.render import cells, embeds, jsondata, text
from bot.render.tables import Table, markdown, monospace
from db.models import RaceResults, RaceSummary, ResultLine, Stage, StageLine


def race(**changes) -> RaceSummary:
    base = dict(
        id=1, series="truck", series_name="NASCAR Craftsman Truck Series", season=2022, round=15, name="O'Reilly 150",
        track="Mid-Ohio Sports Car Course", track_kind="road", track_length_mi=2.258, starts_at=None, status="official",
        exhibition=False, scheduled_laps=None, laps=67, stage_laps=(20, 20), cautions=None, caution_laps=None,
        lead_changes=None, leaders=None, margin=None, source="history", source_id=None, winner="Parker Kligerman",
        winner_car="75", winner_team="Henderson Motorsports", winner_make="Chevrolet", winner_start=2, winner_led=56,
        pole="Corey Heim", field_size=3,
    )
    return RaceSummary(**{**base, **changes})


LINES = [
    ResultLine(1, 2, "75", "Parker Kligerman", "Henderson Motorsports", "Chevrolet", 67, 56, "running", 55),
    ResultLine(2, 5, "38", "Zane\nSmith | *fast*", "Front Row Motorsports", "Ford", 67, 4, "running", 45),
    ResultLine(3, 1, "51", "Corey Heim", None, None, 60, None, None, None),
]
STAGES = [Stage(1, 20, [StageLine(1, "Parker Kligerman", "75", 10)]), Stage(2, 20, [StageLine(1, "Zane Smith", None, 10)])]


def test_every_command_has_a_text_json_and_embed_renderer_named_after_it():
    for name in QUESTIONS:
        function = "next_races" if name == "next" else name
        for module in (text, jsondata, embeds):
            assert callable(getattr(module, function, None)), f"{module.__name__}.{function} is missing"
    # a command with a second kind of answer names its renderers after the command too (/driver … at a track)
    second_kinds = {text.driver_at_track}
    assert set(text.RENDERERS.values()) == {getattr(text, "next_races" if n == "next" else n) for n in QUESTIONS} | second_kinds
    assert set(text.RENDERERS) == set(jsondata.RENDERERS)
    assert all(callable(getattr(module, kind.__name__, None)) for kind in second_kinds for module in (jsondata, embeds))


def test_a_classification_is_built_once_with_plain_cells_and_unknowns_empty():
    table = cells.results(LINES)
    assert table.headers == cells.RESULT_HEADERS
    assert table.rows[1][3] == "Zane Smith | *fast*"               # one line, not yet escaped: each target escapes
    assert table.rows[2] == (3, 1, "51", "Corey Heim", "", "", 60, None, "–", None)
    assert cells.results(LINES, laps_led_known=False).rows[0][7] == 56
    assert cells.results([ResultLine(4, None, "7", "X", None, None, 10, 0, "running", 1)], False).rows[0][7] is None


def test_the_same_cells_reach_the_terminal_discord_and_reddit():
    results = RaceResults(race(), LINES, STAGES)
    terminal = text.results(results)
    page = embeds.results(results)[0].description or ""
    reddit = markdown(cells.results(LINES).columns("Pos", "#", "Driver", "Status"))
    assert "Zane Smith | *fast*" in terminal and "Zane Smith | *fast*" in page   # code blocks show text as it is
    assert "| 2 | 38 | Zane Smith &#124; \\*fast\\* | running |" in reddit
    assert reddit.splitlines()[1] == "|--:|--:|:--|:--|"
    assert "Stage 1 (20 laps)" in terminal and "Parker Kligerman (#75)" in terminal


def test_monospace_keeps_columns_within_the_width_and_numbers_right_aligned():
    table = Table(("Pos", "Driver"), [(1, "A" * 80), (10, "B")])
    lines = monospace(table, max_width=30).splitlines()
    assert all(len(line) <= 30 for line in lines) and lines[2].startswith("  1  AAA") and lines[2].endswith("…")
    assert lines[3].startswith(" 10  B")


def test_an_unknown_figure_s_dash_stands_right_aligned_with_the_numbers():
    table = Table(("Series", "Led"), [("Cup", "–"), ("Xfinity", 12345)])
    lines = monospace(table).splitlines()
    assert lines[2].endswith("    –") and lines[3].endswith("12345")
    assert markdown(table).splitlines()[1] == "|:--|--:|"


def test_code_blocks_cannot_be_closed_by_a_name():
    block = embeds.code_table(Table(("Driver",), [("```@everyone```",)]))
    assert block.count("```") == 2 and re.search(r"'''@everyone'''", block)


def test_narrowing_takes_whole_rounds_to_the_same_widths_as_one_character_at_a_time():
    def one_at_a_time(widths: list[int], floors: list[int], excess: int) -> list[int]:
        widths = list(widths)
        while excess > 0:
            widest = max(range(len(widths)), key=widths.__getitem__)
            if widths[widest] <= floors[widest]:
                break
            widths[widest] -= 1
            excess -= 1
        return widths

    for cells_wide in ([30, 30, 12], [22, 9, 21, 4], [5, 40, 40, 7], [12, 12, 12], [6, 25, 6, 13]):
        for header_wide in (2, 6, 10):   # a column is never narrowed below its header, nor below 4
            widths = [max(width, header_wide) for width in cells_wide]
            row = tuple("y" * width for width in cells_wide)
            for excess in range(1, sum(widths)):
                shown = monospace(Table(("x" * header_wide,) * len(widths), [row], (False,) * len(widths)),
                                  max_width=sum(widths) + 2 * (len(widths) - 1) - excess)
                expected = one_at_a_time(widths, [max(4, header_wide)] * len(widths), excess)
                assert [len(dashes) for dashes in shown.splitlines()[1].split("  ")] == expected, (widths, excess)
