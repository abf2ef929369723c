"""Discord embeds stay within Discord's limits and escape names from the data."""

from __future__ import annotations

import discord
import pytest

from bot.questions import parse_slash
from bot.render import embeds
from db.errors import BadOption, UnknownName
from db.models import RaceResults, RaceSummary, ResultLine, StandingRow, Standings, TeamStandingRow, WinnerAnswer


def race(**changes) -> RaceSummary:
    base = dict(
        id=1, series="truck", series_name="NASCAR Craftsman Truck Series", season=2022, round=15, name="O'Reilly 150",
        track="Mid-Ohio Sports Car Course", track_kind="road", track_length_mi=2.258, starts_at=None, status="official",
        exhibition=False, scheduled_laps=None, laps=67, stage_laps=(), cautions=None, caution_laps=None, lead_changes=None,
        leaders=None, margin=None, source="history", source_id=None, winner="Parker Kligerman", winner_car="75",
        winner_team="Henderson Motorsports", winner_make="Chevrolet", winner_start=2, winner_led=56, pole="Corey Heim",
        field_size=36,
    )
    return RaceSummary(**{**base, **changes})


def within_limits(embed: discord.Embed) -> bool:
    return (
        len(embed.title or "") <= 256 and len(embed.description or "") <= 4096 and len(embed.fields) <= 25
        and all(len(f.name) <= 256 and len(f.value) <= 1024 for f in embed.fields) and len(embed) <= 6000
    )


def test_huge_names_are_trimmed_to_the_limits():
    giant = "N" * 5000
    answer = WinnerAnswer("Mid-Ohio", 2022, None, [race(winner=giant, name=giant, winner_team=giant) for _ in range(40)])
    embed = embeds.winner(answer)
    assert within_limits(embed) and 1 <= len(embed.fields) <= 25  # fields dropped to stay under 6000 in all


def test_long_classification_pages_fit_and_keep_code_blocks_closed():
    lines = [ResultLine(i, i, str(i), "Driver " + "x" * 300, "T", "M", 67, 0, "running", 1) for i in range(1, 44)]
    pages = embeds.results(RaceResults(race(), lines))
    assert len(pages) == 3
    for page in pages:
        assert within_limits(page) and page.description.count("```") % 2 == 0
        assert max(len(line) for line in page.description.split("```")[1].splitlines()) <= embeds.TABLE_WIDTH


def test_markdown_in_names_is_escaped_and_backticks_cannot_break_tables():
    answer = WinnerAnswer("Mid-Ohio", None, None, [race(winner="*Bold* _Driver_ | `x`")])
    text = embeds.winner(answer).fields[0].value
    assert "\\*Bold\\* \\_Driver\\_ \\| \\`x\\`" in text
    lines = [ResultLine(1, 1, "1", "Evil ```@everyone``` Name", None, None, 10, 0, "running", 1)]
    page = embeds.results(RaceResults(race(), lines))[0]
    assert page.description.count("```") == 2


def test_error_embed_lists_suggestions():
    embed = embeds.error(UnknownName("track", "spa", ["Sonoma Raceway", "Pocono Raceway"]))
    assert embed.colour == embeds.ERROR and "• Sonoma Raceway" in embed.fields[0].value and within_limits(embed)


def test_error_embed_keeps_the_commands_code_spans():
    with pytest.raises(BadOption) as season:
        parse_slash("/track bristol 2024")
    assert (embeds.error(season.value).description or "").endswith("For that season's races there: `/winner bristol 2024`")


def official_standings() -> Standings:
    """An official table (F1's) whose progression chart is computed, and says so in `chart_note`."""
    rows = [StandingRow(1, "Ayrton Senna", 90, 16, 8, 11, 11, None, 0), StandingRow(2, "Alain Prost", 87, 16, 7, 14, 14, None, 3)]
    return Standings("f1", "Formula 1", 1988, 16, rows, {"Ayrton Senna": [0, 9], "Alain Prost": [9, 15]},
                     "The official Formula 1 tables.", official=True, team_rows=[TeamStandingRow(1, "McLaren", "Honda", 199)],
                     chart_note="Chart computed from race results (race and sprint points).")


def test_official_standings_footer_notes_the_chart_only_when_one_is_attached():
    answer = official_standings()
    with_chart = embeds.standings(answer, chart_name="standings.png")
    assert with_chart.image.url == "attachment://standings.png"
    assert (with_chart.footer.text or "").startswith(f"{answer.chart_note} {answer.note} · ")
    without = embeds.standings(answer)        # no chart drawn: nothing in the footer describes one
    assert without.image.url is None and "Chart" not in (without.footer.text or "")
    assert (without.footer.text or "").startswith(f"{answer.note} · ")
