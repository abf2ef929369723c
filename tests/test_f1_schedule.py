"""/schedule f1: every weekend's sessions (practice, sprint qualifying, sprint, qualifying, race) from F1DB's calendar,
checked against its race rows as bundled; UTC in text, Discord timestamps in the embed, through the real client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.questions import ask, parse_slash
from bot.render import embeds, jsondata, text
from db.f1db import bundled_rows
from testkit.discord_harness import guild, running_pitboard
from testkit.fakes.discord_server import FakeDiscord, redirect_discord_to

pytestmark = pytest.mark.realdata

NOW = datetime(2026, 3, 1, tzinfo=UTC)
SESSION_COLUMNS = {   # our session → F1DB's date and time columns of a race row
    "practice_1": "freePractice1", "practice_2": "freePractice2", "practice_3": "freePractice3",
    "sprint_qualifying": "sprintQualifying", "sprint": "sprintRace", "qualifying": "qualifying", "race": "",
}


def f1db_sessions(season: int) -> dict[int, list[tuple[str, str]]]:
    """Round → its sessions as (session, `2026-03-13 03:30`), in start order, from F1DB's race rows."""
    weekends = {}
    for row in bundled_rows("races"):
        if int(row["year"]) != season:
            continue
        sessions = []
        for session, prefix in SESSION_COLUMNS.items():
            day, time = (row["date"], row["time"]) if not prefix else (row[f"{prefix}Date"], row[f"{prefix}Time"])
            if day:
                sessions.append((session, f"{day} {time[:5]}" if time else day))
        weekends[int(row["round"])] = sorted(sessions, key=lambda session: session[1])
    return weekends


async def schedule_2026(store):
    question, options = parse_slash("/schedule f1 2026")
    return await ask(store, question, {**options, "now": NOW})


async def test_every_2026_weekend_has_f1db_sessions(real_store):
    schedule = await schedule_2026(real_store)
    ours = {
        entry.race.round: [
            (session.session, session.starts_at.strftime("%Y-%m-%d" if session.date_only else "%Y-%m-%d %H:%M"))
            for session in schedule.sessions[entry.race.id]
        ]
        for entry in schedule.races
    }
    assert ours == f1db_sessions(2026)


async def test_a_sprint_weekend_in_text_and_json(real_store):
    """China 2026: a sprint weekend (one practice, sprint qualifying, sprint, qualifying, race), in UTC."""
    schedule = await schedule_2026(real_store)
    china = next(entry.race for entry in schedule.races if entry.race.name == "Chinese Grand Prix")
    assert [session.session for session in schedule.sessions[china.id]] == [
        "practice_1", "sprint_qualifying", "sprint", "qualifying", "race"]
    shown = text.schedule(schedule)
    assert "2026 F1 R2: Chinese Grand Prix\n    Practice 1: Fri Mar 13, 2026 3:30 AM UTC\n" \
           "    Sprint qualifying: Fri Mar 13, 2026 7:30 AM UTC\n    Sprint: Sat Mar 14, 2026 3:00 AM UTC" in shown
    document = jsondata.schedule(schedule)["races"][1]
    assert document["name"] == "Chinese Grand Prix" and document["sessions"][2]["session"] == "sprint"


async def test_embed_pages_show_sessions_as_discord_timestamps(real_store):
    pages = embeds.schedule(await schedule_2026(real_store))
    first = pages[0].description or ""
    unix = int(datetime(2026, 3, 13, 7, 30, tzinfo=UTC).timestamp())
    assert f"Sprint qualifying: <t:{unix}:F>" in first
    assert all(len(page.description or "") <= 4096 for page in pages) and len(pages) == 4   # 23 weekends, 6 a page


async def test_schedule_f1_through_discord(real_store):
    async with FakeDiscord(guilds=[guild()]) as fake:
        with redirect_discord_to(fake):
            async with running_pitboard(fake, real_store):
                callback = await (await fake.send_slash_command("schedule", {"series": "f1", "season": 2026})).response()
                embed = callback["data"]["embeds"][0]
                assert embed["title"] == "2026 F1 schedule" and "Page 1/4" in embed["footer"]["text"]
                assert "Practice 1: <t:" in embed["description"] and "Qualifying: <t:" in embed["description"]
