"""/next and /schedule from the feed's race list: states, US Eastern times across DST, Discord timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.render import embeds, jsondata, text
from bot.render.words import eastern_time
from db import queries
from db.errors import NoData
from db.nascar_feed import import_file
from testkit.samples import RACE_LIST_2023


@pytest.fixture
async def scheduled(small_store):
    await import_file(small_store, RACE_LIST_2023)
    return small_store


async def test_next_race_per_series(scheduled):
    now = datetime(2023, 4, 1, 12, 0, tzinfo=UTC)
    answer = await queries.next_races(scheduled, now=now)
    assert [(race.series, race.name) for race in answer.upcoming][:1] == [("xfinity", "ToyotaCare 250")]
    cup = await queries.next_races(scheduled, "cup", now=now)
    assert [race.name for race in cup.upcoming] == ["Toyota Owners 400"] and cup.racing_now == []


async def test_next_names_who_carries_the_race_where_the_race_list_does(scheduled):
    answer = await queries.next_races(scheduled, "cup", now=datetime(2023, 4, 1, 12, 0, tzinfo=UTC))
    on = "TV: FS1 · Radio: MRN · Satellite radio: SIRIUSXM"     # the 2023 race list, as NASCAR wrote it
    assert f"\n  {on}" in text.render(answer)
    assert on in embeds.next_races(answer).fields[0].value
    assert jsondata.next_races(answer)["upcoming"][0]["broadcasters"]["tv"] == "FS1"


async def test_a_race_that_has_started_is_now_not_next(scheduled):
    now = datetime(2023, 4, 2, 20, 0, tzinfo=UTC)  # Richmond started at 19:30 UTC
    answer = await queries.next_races(scheduled, "cup", now=now)
    assert [race.name for race in answer.racing_now] == ["Toyota Owners 400"]
    assert [race.name for race in answer.upcoming] == ["Food City Dirt Race"]
    rendered = text.render(answer)
    assert rendered.startswith("Racing now: 2023 Cup R7") and "started 30 minutes ago" in rendered


async def test_schedule_states(scheduled):
    answer = await queries.schedule(scheduled, "cup", 2023, now=datetime(2023, 4, 2, 20, 0, tzinfo=UTC))
    states = {entry.race.name: entry.state for entry in answer.races}
    assert states["DAYTONA 500"] == "done" and states["Toyota Owners 400"] == "now"
    assert states["Food City Dirt Race"] == "next" and states["NOCO 400"] == "later"
    daytona = next(entry.race for entry in answer.races if entry.race.name == "DAYTONA 500")
    assert daytona.winner is None  # the race list names the winner by feed id only; no results imported


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2023, 3, 5, 20, 30, tzinfo=UTC), "Sun Mar 5, 2023 3:30 PM EST"),    # before DST starts
        (datetime(2023, 3, 12, 19, 30, tzinfo=UTC), "Sun Mar 12, 2023 3:30 PM EDT"),  # DST started that morning
        (datetime(2023, 11, 5, 5, 30, tzinfo=UTC), "Sun Nov 5, 2023 1:30 AM EDT"),    # the repeated hour, first time
        (datetime(2023, 11, 5, 6, 30, tzinfo=UTC), "Sun Nov 5, 2023 1:30 AM EST"),    # ... and second time
        (datetime(2023, 11, 5, 20, 0, tzinfo=UTC), "Sun Nov 5, 2023 3:00 PM EST"),    # DST ended
    ],
)
def test_eastern_times_across_dst(moment, shown):
    assert eastern_time(moment) == shown


async def test_phoenix_after_dst_change_is_shown_in_edt(scheduled):
    answer = await queries.schedule(scheduled, "cup", 2023, now=datetime(2023, 1, 1, tzinfo=UTC))
    rendered = text.render(answer)
    assert "Sun Mar 5, 2023 3:30 PM EST" in rendered and "Sun Mar 12, 2023 3:30 PM EDT" in rendered


async def test_discord_timestamps(scheduled):
    answer = await queries.next_races(scheduled, "cup", now=datetime(2023, 4, 1, tzinfo=UTC))
    embed = embeds.next_races(answer)
    unix = int(datetime(2023, 4, 2, 19, 30, tzinfo=UTC).timestamp())
    assert f"Sun Apr 2, 2023 3:30 PM EDT · <t:{unix}:F> your time (<t:{unix}:R>)" in embed.fields[0].value
    pages = embeds.schedule(await queries.schedule(scheduled, None, 2023, now=datetime(2023, 4, 1, tzinfo=UTC)))
    assert len(pages) > 1 and all("<t:" in page.description for page in pages)


async def test_no_schedule_is_a_clear_error(small_store):
    with pytest.raises(NoData) as raised:
        await queries.next_races(small_store)
    assert "race_list_basic.json" in raised.value.message


async def test_an_ended_season_or_a_series_without_a_calendar_says_which(scheduled):
    """The off-season: the series asked for has a calendar, all of it run; another series has none at all."""
    with pytest.raises(NoData) as ended:
        await queries.next_races(scheduled, "cup", now=datetime(2026, 12, 1, tzinfo=UTC))
    assert ended.value.message.startswith("No upcoming Cup races in the data: the latest Cup schedule it has is 2023's")
    assert "race_list_basic.json" in ended.value.message
    with pytest.raises(NoData) as none:
        await queries.schedule(scheduled, "cup", 2026, now=datetime(2026, 12, 1, tzinfo=UTC))
    assert none.value.message.startswith("No Cup races for 2026 in the data yet; the latest is 2023: `/schedule cup 2023`.")
    with pytest.raises(NoData) as no_f1:       # F1's calendar is not NASCAR's feed: the hint says where it is
        await queries.next_races(scheduled, "f1", now=datetime(2026, 12, 1, tzinfo=UTC))
    assert no_f1.value.message == "No dated F1 races in the data yet. F1's calendar is the bundled F1DB data's."


async def test_a_race_run_by_the_calendar_without_results_says_so(scheduled):
    """A race whose start is long past but whose results are not in the store is not `later`: it says so."""
    answer = await queries.schedule(scheduled, "cup", 2023, now=datetime(2024, 6, 1, tzinfo=UTC))
    unreported = [entry.race for entry in answer.races if entry.state == "unreported"]
    assert unreported and all(race.status == "scheduled" for race in unreported)
    assert not [entry for entry in answer.races if entry.state in ("now", "next", "later")]
    line = next(line for line in text.render(answer).splitlines() if unreported[0].name in line)
    assert line.endswith("no results yet")


async def test_a_season_without_dates_is_its_races_by_round_with_their_winners(real_store):
    """The bundled NASCAR history holds rounds, not dates: /schedule lists the season by round instead of nothing."""
    answer = await queries.schedule(real_store, "cup", 2025, now=datetime(2026, 11, 30, tzinfo=UTC))
    assert not answer.dated and answer.undated_series == ["cup"]
    assert [entry.race.round for entry in answer.races] == list(range(1, 37))
    assert {entry.state for entry in answer.races} == {"done"}
    shown = text.render(answer).splitlines()
    assert shown[0] == "2025 Cup season by round (the data has no dates for this season)"
    assert shown[2].split() == ["Series", "Rd", "Race", "Track", "Winner", "/", "status"]   # no When column
    assert shown[4].split() == ["Cup", "1", "DAYTONA", "500", "Daytona", "International", "Speedway", "William", "Byron"]
    pages = embeds.schedule(answer)
    assert pages[0].title == "2025 Cup season by round" and pages[0].footer.text.startswith("Page 1/3 · By round:")
    assert pages[0].description.splitlines()[0] == "`C   R1` DAYTONA 500 · Daytona International Speedway ✓ William Byron"


async def test_a_season_dated_for_one_series_lists_the_others_by_round_after_it(real_store):
    """1992: F1DB dates F1's races; NASCAR's history has Cup and Xfinity by round. Weekends dated by their race alone
    list no sessions: the race's row shows its date."""
    answer = await queries.schedule(real_store, None, 1992, now=datetime(2026, 11, 30, tzinfo=UTC))
    series_in_order = list(dict.fromkeys(entry.race.series for entry in answer.races))
    assert series_in_order == ["f1", "cup", "xfinity"] and answer.undated_series == ["cup", "xfinity"]
    assert all(entry.race.starts_at for entry in answer.races[:16])
    shown = text.render(answer)
    assert shown.endswith("Cup, Xfinity: by round (the data has no dates for this season).\n\n"
                          "Data: nascaR.data (DriverAverages.com), NASCAR, F1DB (CC BY 4.0)")   # both series credited
    assert "Sessions:" not in shown
    assert "Cup, Xfinity by round: no dates" in embeds.schedule(answer)[0].footer.text


async def test_next_at_a_track_is_the_next_race_of_each_series_there(scheduled):
    now = datetime(2023, 4, 1, 12, 0, tzinfo=UTC)
    at = await queries.next_races(scheduled, now=now, track="richmond")
    assert at.place == "Richmond Raceway" and at.upcoming
    assert {race.track for race in at.upcoming} == {"Richmond Raceway"}
    assert [race.name for race in at.upcoming if race.series == "cup"] == ["Toyota Owners 400"]
    cup = await queries.next_races(scheduled, now=now, track="cup")     # a series typed where the track goes
    assert cup.place is None and {race.series for race in cup.upcoming} == {"cup"}
    by_series = await queries.next_races(scheduled, "cup", now=now)
    assert [race.id for race in cup.upcoming] == [race.id for race in by_series.upcoming]
    with pytest.raises(NoData, match="No upcoming Cup race at Mid-Ohio Sports Car Course in the data"):
        await queries.next_races(scheduled, "cup", now=now, track="mid-ohio")
