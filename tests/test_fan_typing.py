"""Questions typed the way fans type them (issue 9's examples, as written), through `pitboard ask`,
`pitboard thread` and the Discord cogs: each gives the answer a fan expects, or a question back
with the right suggestions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime

import pytest

from bot.cli import EXIT_OK, EXIT_USER_ERROR, main
from bot.questions import QUESTIONS, ask, parse_slash, tokenise
from bot.render import text
from db import queries
from db.errors import BadOption, PitboardError
from db.models import EASTERN
from db.store import Store
from testkit.discord_harness import embed_text, guild, running_pitboard
from testkit.fakes.discord_server import FakeDiscord, redirect_discord_to

PARSED = [
    ("/winner martinsville truck", "winner", {"track": "martinsville truck"}),
    ("/winner martinsville 2023 truck", "winner", {"track": "martinsville truck", "year": 2023}),
    ("/winner 2023 martinsville", "winner", {"track": "martinsville", "year": 2023}),
    ("/winner daytona 500 1979", "winner", {"track": "daytona 500", "year": 1979}),
    ("/winner southern 500", "winner", {"track": "southern 500"}),
    ("/results brickyard 400 2020", "results", {"track": "brickyard 400", "year": 2020}),
    ("/results richmond 2023 7", "results", {"track": "richmond", "year": 2023, "round": 7}),
    ("/results richmond 2023 round 7", "results", {"track": "richmond", "year": 2023, "round": 7}),
    ("/results martinsville 2025 truck r24", "results", {"track": "martinsville truck", "year": 2025, "round": 24}),
    ("/winner martinsville r24", "winner", {"track": "martinsville", "round": 24}),   # as answers print a round
    ("/winner daytona duel 2 2023", "winner", {"track": "daytona duel 2", "year": 2023}),   # the Duel's own number
    ("/results duel 1 7", "results", {"track": "duel 1", "round": 7}),
    ("/results", "results", {}),                                             # the latest race
    ("/results 2024 cup 10", "results", {"year": 2024, "track": "cup", "round": 10}),
    ('/results "round 7"', "results", {"track": "round 7"}),                  # quoted: a name
    ("/h2h kyle busch kyle larson", "h2h", {"driver1": "kyle busch kyle larson"}),
    ("/h2h “kyle busch” “kyle larson”", "h2h", {"driver1": "kyle busch", "driver2": "kyle larson"}),
    ("/h2h ‘kyle busch’ ‘kyle larson’ truck", "h2h", {"driver1": "kyle busch", "driver2": "kyle larson", "series": "truck"}),
    ("/h2h larson elliott 2024", "h2h", {"driver1": "larson elliott", "year": 2024}),   # a season's races together
    ("/driver 48", "driver", {"name": "48"}),
    ("/driver #48 2005", "driver", {"name": "#48", "year": 2005}),
    ("/driver kyle busch truck", "driver", {"name": "kyle busch truck"}),
    ('/driver "kyle busch" truck', "driver", {"name": "kyle busch", "series": "truck"}),
    ("/standings o'reilly 2026", "standings", {"series": "o'reilly", "season": 2026}),
    ("/winner bojangles’ southern 500", "winner", {"track": "bojangles' southern 500"}),
    ("/winner track:“watkins glen” year:2025", "winner", {"track": "watkins glen", "year": 2025}),
    ("/schedule cup 1948", "schedule", {"series": "cup", "season": 1948}),   # out of range: said so, not a name
    ("/standings cup 2024 round 10", "standings", {"series": "cup", "season": 2024, "round": 10}),
    ("/standings cup 2024 r10", "standings", {"series": "cup", "season": 2024, "round": 10}),
    ("/standings cup 2024 10", "standings", {"series": "cup", "season": 2024, "round": 10}),
    ("/standings cup 2024 after round 10", "standings", {"series": "cup", "season": 2024, "round": 10}),
    ("/standings cup after r10", "standings", {"series": "cup", "round": 10}),
    ("/winner daytona 500 1948", "winner", {"track": "daytona 500", "year": 1948}),
    ("/results bristol 2024 -1", "results", {"track": "bristol", "year": 2024, "round": -1}),   # out of range: said so
    ("/results bristol -2024", "results", {"track": "bristol", "year": -2024}),
    ("/help h2h", "help", {"command": "h2h"}),
]


@pytest.mark.parametrize(("typed", "name", "options"), PARSED)
def test_parse_fan_typing(typed, name, options):
    question, parsed = parse_slash(typed)
    assert (question.name, parsed) == (name, options)


def test_this_year_and_last_season_are_the_seasons_they_mean():
    current = datetime.now(EASTERN).year
    assert parse_slash("/winner daytona 500 last year")[1] == {"track": "daytona 500", "year": current - 1}
    assert parse_slash("/standings f1 this season")[1] == {"series": "f1", "season": current}
    assert parse_slash('/driver "last year"')[1] == {"name": "last year"}      # quoted: a name as typed
    assert parse_slash("/track last year")[1] == {"name": "last year"}         # no season to mean
    assert parse_slash("/winner last year's daytona 500")[1] == {"track": "daytona 500", "year": current - 1}
    assert parse_slash("/h2h hamlin logano this season’s")[1] == {"driver1": "hamlin logano", "year": current}


def test_tokenise_keeps_shell_quoting():
    """What scripts send (shlex.quote) arrives intact, apostrophes included."""
    assert [t.text for t in tokenise("/driver name:'o'\"'\"'reilly' series:''")] == ["/driver", "name:o'reilly", "series:"]
    with pytest.raises(BadOption):
        tokenise('/winner "mid-ohio')


async def ask_typed(store: Store, typed: str) -> tuple[int, str]:
    """What `pitboard ask` prints for a line (its exit status and printed text: `_ask` in bot/cli.py), read from a store of the
    whole history that starts from the worker's one load of its name index. `test_fan_typing_in_the_installed_command`
    asks the installed command itself."""
    try:
        question, options = parse_slash(typed)
        return EXIT_OK, text.render(await ask(store, question, options)) + "\n"
    except PitboardError as failure:
        return EXIT_USER_ERROR, text.error(failure) + "\n"


ANSWERS = [
    # typed as in the issue, then a line the answer must hold
    ("/winner martinsville truck", "2025 Truck R24: Slim Jim 200 (Martinsville Speedway)"),
    ("/track martinsville truck", "NASCAR Craftsman Truck Series: 50 races, 1995–2025"),
    ("/driver kyle busch truck", "Truck"),
    ("/driver rowdy truck", "Kyle Busch"),
    ("/h2h kyle busch kyle larson", "Kyle Busch vs Kyle Larson"),
    ("/h2h “kyle busch” “kyle larson”", "Kyle Busch vs Kyle Larson"),
    ("/h2h hamlin logano", "Denny Hamlin vs Joey Logano"),      # surnames, each read as /driver reads it
    ("/h2h larson elliott 2024", "Kyle Larson vs Chase Elliott: 35 races together in 2024"),   # 22 ahead to 13
    # /help with a command's name: that command's usage, options and examples
    ("/help h2h", "/h2h driver1:… [driver2:…] [series:…] [track:…] [year:…]\n"
     "  Two drivers head to head in the races both started\n\nOptions (by name, or in order the way fans type them):\n"
     "  driver1  First driver (or both names: kyle busch kyle larson)\n  driver2  Second driver (optional)\n"),
    ("/help /results", "e.g. /results · /results cup · /results richmond 2023 7"),
    ("/h2h busch larson 2024", "Kyle Busch vs Kyle Larson: 35 races together in 2024"),   # Kurt no longer raced
    ("/winner who won at dover 2024", "2024 Cup R11: Wurth 400 (Dover International Speedway"),   # the question's words
    ("/results of the daytona 500 2024", "2024 Cup R1: DAYTONA 500"),
    ("/winner bristol cup fall 2023", "2023 Cup R29: Bass Pro Shops Night Race"),   # a series before the season's part
    ("/winner dover 2020 race 2", "2020 Cup R25: Drydene 311 (2)"),    # the season's second race there (a doubleheader)
    ("/winner texas 2024 xfinity", "Xfinity races at Texas Motor Speedway in 2024"),   # the series asked for, said
    ("/standings constructors f1 2024", "2024 Formula 1: official standings after 24 races"),   # both tables, as always
    # `sprint` with an F1 place: its weekends with a sprint (Spa's latest race, 2026, had none; 2025's did)
    ("/winner spa sprint", "Sprint: Max Verstappen (#1 Red Bull Honda RBPT), from 2nd"),
    ("/standings constructors 2008", "2008 Formula 1: official standings"),   # only F1 has constructors
    ("/standings xfinity 2025 final", "2025 NASCAR Xfinity Series: points from race results after 33 races"),
    ("/standings cup 2024 top 10", "2024 NASCAR Cup Series: points from race results after 36 races"),   # not round 10
    ("/h2h hamlin vs. logano", "Denny Hamlin vs Joey Logano"),
    ("/h2h chase elliott & kyle larson", "Chase Elliott vs Kyle Larson"),
    ("/h2h byron bell", "William Byron vs Christopher Bell"),   # of the Byrons, only William raced a Bell
    ("/h2h elliott larson", "Chase Elliott vs Kyle Larson"),   # 373 races with Larson; Elliott Sadler 114
    ("/h2h truex hamlin", "Martin Truex Jr. vs Denny Hamlin"),
    ("/h2h dale sr dale jr", "Dale Earnhardt vs Dale Earnhardt Jr.: 40 races together"),   # a Jr.'s father is Sr.
    ("/driver earnhardt sr", "Dale Earnhardt\n"),
    ("/driver piquet sr", "Nelson Piquet (born Aug 17, 1952)\n"),   # the father, not Nelson Piquet Jr.
    ("/driver larson stats", "Kyle Larson\n"),                # words about what to show: /driver shows it all
    ("/driver larson 2021 race by race", "Cup 2021, race by race:"),
    ("/winner last week", "Latest race of each series"),      # words for the latest race, not a track
    ("/results latest cup", "2025 Cup R36: NASCAR Cup Series Championship (Phoenix Raceway)"),
    ("/winner the last race truck", "Most recent Truck race"),
    ("/leaders cup", "NASCAR Cup Series: most wins, 1949–2025"),     # a series alone: its wins
    ("/winner atlanta 2024 round 2", "Races at Atlanta Motor Speedway in 2024, round 2"),
    ("/winner 2024 cup r10", "2024 Cup R10: GEICO 500 (Talladega Superspeedway)"),
    ("/qualifying monza 2024", "  1   4  Lando Norris      McLaren       1:19.911  1:19.727  1:19.327"),
    ("/qualifying daytona 500 2025", "Starting lineup as raced: the data has no qualifying session"),
    ("/leaders truck top 5s 2024", "2024 NASCAR Craftsman Truck Series: most top-5 finishes"),
    ("/leaders most poles in formula 1", "Formula 1: most poles"),
    ("/leaders top 10 xfinity", "NASCAR Xfinity Series: most top-10 finishes"),   # the 10 is the figure's, not a season
    ("/results atlanta 2025 round 2", "2025 Cup R2: Ambetter Health 400 (Atlanta Motor Speedway)"),
    ("/results martinsville 2025 truck r24", "2025 Truck R24: Slim Jim 200 (Martinsville Speedway)"),   # as printed
    ("/h2h senna prost", "Ayrton Senna vs Alain Prost"),
    # a series before the name, as after it
    ("/winner cup daytona", "Most recent Cup race at Daytona International Speedway"),
    ("/winner truck martinsville 2024", "2024 Truck R22: Zip Buy Now, Pay Later 200 (Martinsville Speedway)"),
    ("/results xfinity talladega", "2025 Xfinity R31: United Rentals 250 (Talladega Superspeedway)"),
    ("/winner f1 monza", "2025 F1 R16: Italian Grand Prix (Autodromo Nazionale Monza"),
    ("/winner sprint cup 2010 daytona", "Cup races at Daytona International Speedway in 2010"),
    ("/track f1 spa", "Formula 1: 59 races, 1950–2026"),
    ("/driver cup larson", "Kyle Larson"),
    ("/team f1 red bull", "Red Bull (Red Bull Racing)"),
    ("/h2h cup hamlin logano", "Denny Hamlin vs Joey Logano: 609 Cup races together"),
    ("/winner nextel cup 2005 dover", "2005 Cup R28: MBNA RacePoints 400 (Dover International Speedway)"),
    ("/standings cup 2024 round 10", "2024 NASCAR Cup Series: points from race results after round 10"),
    ("/leaders most wins at martinsville cup", "NASCAR Cup Series: most wins at Martinsville Speedway, 1949–2025"),
    ("/leaders laps led at bristol cup", "  1  Dale Earnhardt   3758      43  1979–2000"),
    ("/leaders poles at monaco f1", "  1  Ayrton Senna            5      10  1984–1993"),
    # a place typed without `at`, after the driver's name or the pair's; `@` for `at`
    ("/driver larson bristol", "Kyle Larson at Bristol Motor Speedway"),
    ("/driver kyle larson bristol dirt", "Kyle Larson at Bristol Motor Speedway Dirt Track"),
    ("/driver larson @ bristol", "Kyle Larson at Bristol Motor Speedway"),
    ("/h2h hamlin logano martinsville", "Denny Hamlin vs Joey Logano: 33 races together at Martinsville Speedway"),
    ("/leaders most wins daytona 500 cup", "NASCAR Cup Series: most wins at Daytona International Speedway (Daytona 500)"),
    ("/h2h kyle busch kyle larson", "Kyle Busch vs Kyle Larson: 476 races together\n"),   # two names: no place
    ("/driver larson 2021", " 4  Las Vegas Motor Speedway                     3    1  103  running    50"),   # race by race
    # a name that begins or ends with a series' word is that name
    ("/winner winston 500 1985", "1985 Cup R9: Winston 500 (Talladega Superspeedway)"),
    ("/winner busch 500", "Most recent Cup race at Bristol Motor Speedway (Busch 500)"),
    ("/driver kurt busch", "Kurt Busch"),
    ("/winner daytona 500 1979", "1979 Cup R2: Daytona 500 (Daytona International Speedway)"),
    ("/winner southern 500", "Cook Out Southern 500 (Darlington Raceway)"),
    ("/winner coca-cola 600", "2025 Cup R13: Coca-Cola 600 (Charlotte Motor Speedway)"),
    ("/results brickyard 400 2020", "Winner: Kevin Harvick"),
    ("/winner bristol night race 2019", "2019 Cup R24: Bass Pro Shops NRA Night Race"),
    ("/winner portland 2024 xfinity", "Winner: Shane van Gisbergen"),
    ("/track the brickyard", "Indianapolis Motor Speedway (oval"),
    ("/track the monster mile", "Dover International Speedway"),
    ("/track the lady in black", "Darlington Raceway"),
    ("/track the tricky triangle", "Pocono Raceway"),
    ("/track the paperclip", "Martinsville Speedway"),
    ("/track atlanta international raceway", "Atlanta Motor Speedway"),
    ("/track new hampshire international speedway", "New Hampshire Motor Speedway"),
    ("/track gateway international raceway", "World Wide Technology Raceway at Gateway"),
    ("/track dover downs", "Dover International Speedway"),
    ("/standings winston cup 1990", "1990 NASCAR Cup Series"),
    ("/standings grand national 1960", "1960 NASCAR Cup Series"),
    ("/standings nextel 2005", "2005 NASCAR Cup Series"),
    ("/standings sprint cup 2010", "2010 NASCAR Cup Series"),
    ("/standings busch series 2005", "2005 NASCAR Xfinity Series"),
    ("/standings nationwide 2010", "2010 NASCAR Xfinity Series"),
    ("/standings craftsman 2000", "2000 NASCAR Craftsman Truck Series"),
    ("/standings camping world 2015", "2015 NASCAR Craftsman Truck Series"),
    ("/standings gander outdoors 2019", "2019 NASCAR Craftsman Truck Series"),
    ("/standings o'reilly 2024", "2024 NASCAR Xfinity Series"),
    ("/standings xfinty 2024", "2024 NASCAR Xfinity Series"),    # a misspelling clearly of one series
    # no track: the latest race (of the series named, even in the track's place)
    ("/results cup", "2025 Cup R36: NASCAR Cup Series Championship (Phoenix Raceway)"),
    ("/results 2024 cup 10", "2024 Cup R10: GEICO 500 (Talladega Superspeedway)"),
    ("/winner truck", "Most recent Truck race"),
    ("/winner 2024", "Latest race of each series in 2024"),
    # spring and fall: a track's first and last race of a season (with the track beside it: Bristol's dirt, the Roval)
    ("/winner martinsville spring 2024 cup", "2024 Cup R8: Cook Out 400 (Martinsville Speedway)"),
    ("/winner bristol spring 2023 cup", "2023 Cup R8: Food City Dirt Race (Bristol Motor Speedway Dirt Track)"),
    ("/winner bristol fall 2023 cup", "2023 Cup R29: Bass Pro Shops Night Race (Bristol Motor Speedway)"),
    ("/winner charlotte fall 2025 cup", "2025 Cup R32: Bank of America ROVAL 400 (Charlotte Motor Speedway Road Course)"),
    ("/driver smoke", "Tony Stewart"),
    ("/driver happy", "Kevin Harvick"),
    ("/driver the silver fox", "David Pearson"),
    ("/driver awesome bill", "Bill Elliott"),
    ("/driver mtj", "Martin Truex Jr."),
    ("/driver sliced bread", "Joey Logano"),
    ("/driver the melon man", "Ross Chastain"),
    ("/driver dinger", "A.J. Allmendinger"),
    ("/driver jimmy johnson", "Jimmie Johnson"),
    ("/driver tony stuart", "Tony Stewart"),
    ("/driver 48", "Alex Bowman"),
    ("/driver #48", "Alex Bowman"),
    ("/driver #48 2005 cup", "Jimmie Johnson"),
    # a word that only leads to the season is read past (`in` was Darlington, the Lady in Black)
    ("/driver larson in 2021", "Cup 2021: 36 starts, 10 wins"),
    ("/winner daytona 500 in 2008", "2008 Cup R1: Daytona 500 (Daytona International Speedway)"),
    ("/standings cup in 2020", "2020 NASCAR Cup Series: points from race results"),
    # a place after a name is its whole name (`watkins glen`, `monster mile`), not its last word
    ("/driver larson watkins glen", "Kyle Larson at Watkins Glen International"),
    ("/driver larson the glen", "Kyle Larson at Watkins Glen International"),
    ("/driver larson monster mile", "Kyle Larson at Dover International Speedway"),
    # the Duels by their own number (the history holds them while they were points races, to 1971)
    ("/winner daytona duel 2", "1971 Cup R3: 125 Mile Qualifying Race 2 (Daytona International Speedway)"),
    ("/winner daytona duels 2", "1971 Cup R3: 125 Mile Qualifying Race 2 (Daytona International Speedway)"),
    ("/winner duel 1 1970", "1970 Cup R2: 125 Mile Qualifying Race 1 (Daytona International Speedway)"),
    # a series misspelt beside a place or a figure, as `series:xfinty` is read
    ("/winner bristol xfinty", "Most recent Xfinity race at Bristol Motor Speedway"),
    ("/leaders xfinty", "NASCAR Xfinity Series: most wins"),
    # a series given picks, among tracks of that name, the one that raced it (`miami` alone is Homestead's nickname)
    ("/winner miami f1", "Most recent F1 race at Miami International Autodrome"),
    ("/winner phoenix f1", "Most recent F1 race at Phoenix Street Circuit"),
]


@pytest.mark.parametrize(("typed", "expected"), ANSWERS)
async def test_fans_get_answers(real_store, typed, expected):
    status, out = await ask_typed(real_store, typed)
    assert status == 0 and expected in out, out


QUESTIONS_BACK = [
    # typed, words the reply must hold, suggestions it must offer
    ("/driver jj", "could be more than one driver", ["J.J. Yeley", "Jimmie Johnson"]),
    ("/driver junior", "could be more than one driver", ["Dale Earnhardt Jr.", "Junior Johnson"]),
    ("/track fairgrounds", "could be more than one track", ["Nashville Speedway"]),
    ("/track dirt", "could be more than one track", ["Bristol Motor Speedway Dirt Track"]),
    ("/winner indy 2021", "No race at Indianapolis Motor Speedway in 2021", ["Indianapolis Motor Speedway Road Course"]),
    ("/winner daytona 1955", "No race at Daytona International Speedway in 1955", ["Daytona Beach & Road Course"]),
    ("/winner all-star race", "exhibition", []),
    ("/h2h kyle busch", "Could not tell two drivers apart", []),   # one driver's name, not two
    ("/h2h ayrton senna", "Could not tell two drivers apart", []),
    ("/h2h larson larson", "Pick two different drivers (both names matched Kyle Larson).", []),   # one driver, twice
    ("/h2h larson vs kyle larson", "Pick two different drivers (both names matched Kyle Larson).", []),
    ("/h2h busch busch", "Pick two different drivers (both names matched “busch”).", []),
    # a negative round or season is out of range, as when named (`round:-1`), not dropped
    ("/results bristol 2024 -1", "Round -1 is out of range (1–99).", []),
    ("/winner bristol -2024", "Year -2024 is out of range: the history starts in 1949.", []),
    ("/help hep", "I don't know a command called “hep”.", ["/help help"]),
    # a season to come without the series' races yet: the latest there is, and how to ask for it
    ("/schedule cup 2026", "No Cup races for 2026 in the data yet; the latest is 2025: /schedule cup 2025. ", []),
    # of the tracks a name shares, those that raced that season are offered: not Charlotte Speedway (1949–1971)
    ("/winner charlotte 2024", "could be more than one track", ["Charlotte Motor Speedway",
                                                                "Charlotte Motor Speedway Road Course"]),
    ("/winner sonoma spring", "never hosted a series twice in a season", []),
    ("/h2h busch larson", "could be more than one pair of drivers", ["Kyle Busch and Kyle Larson", "Kurt Busch and Kyle Larson"]),
    ("/leaders wins", "Name a series", []),
    ("/leaders most wins at martinsville", "Name a series", []),   # a track's board is a series' too
    ("/leaders titles at monaco f1", "Titles are won over a season, not at a track", []),
    ("/driver larson smith", "I don't know a driver called “larson smith”", ["Jud Larson"]),
    # a nickname's single word, or a little word, is no place (`lady`, `in` were Darlington; `monster` Dover)
    ("/driver larson lady", "I don't know a driver called “larson lady”", []),
    ("/driver larson monster", "I don't know a driver called “larson monster”", []),
    ("/winner in", "I don't know a track or race called “in”", []),
    ("/winner duel 3", "No Duel 3 in the data", []),
    # a race of the season asked for that has no results yet is named, not denied (the 2026 calendar is in the data)
    ("/results zandvoort 2026 f1", "The 2026 Formula 1 race at Circuit Park Zandvoort (Dutch Grand Prix) has no results "
     "in the data yet", []),
    # any four-digit number is a season: one out of range is said so, not read as part of a series' name
    ("/standings cup 1800", "Year 1800 is out of range: the history starts in 1949.", []),
    ("/schedule cup 2999", "Year 2999 is out of range: seasons up to 2100 can be asked about.", []),
    # F1's three-letter codes (`arn`, `har`) are no better suggestions than the names that hold the typed word
    ("/driver earnhart", "I don't know a driver called “earnhart”.", ["Dale Earnhardt", "Dale Earnhardt Jr."]),   # no fuzzy place
    ("/leaders cup winz", "I don't know a figure to rank by called “winz”", ["wins"]),   # the series is understood
    # a season where the command takes none is said, never read as part of a name (`bristol 2024` was Bristol), with the
    # question that has it; the terminal shows a command to type as it is, other words quoted (Discord: code spans)
    ("/track bristol 2024", "/track takes no season (“2024”): /track name:… [series:…]. For that season's races there: "
     "/winner bristol 2024\n", []),
    ("/track name:bristol series:cup 2024", "For that season's races there: /winner bristol cup 2024\n", []),
    ("/schedule cup 2035", "or import one with pitboard import race_list_basic.json.\n", []),
    ("/results year:abc", "“year” must be a whole number, like 2022 (got “abc”).", []),
    ("/next cup 2027", "/next takes no season (“2027”)", []),
    ("/h2h larson elliott 1990", "Kyle Larson and Chase Elliott never started the same race in 1990.", []),
    ("/results silverstone sprint 2024", "No F1 sprint at Silverstone Circuit in 2024 in the data: it had one in 2021, 2026.",
     []),
    ("/winner monaco sprint", "No F1 sprint at Circuit de Monaco in the data.", []),
    ("/winner richmond 2025 spring", "No spring race at Richmond Raceway in 2025 in the data. It was run in 1959–1970, "
     "1972–2024.", []),   # 1971: one Richmond race in the data
]


@pytest.mark.parametrize(("typed", "words", "suggestions"), QUESTIONS_BACK)
async def test_fans_get_a_clear_question_back(real_store, typed, words, suggestions):
    status, out = await ask_typed(real_store, typed)
    assert status == 1 and words in out, out
    assert all(f"• {name}\n" in out for name in suggestions), out


async def test_only_the_tracks_that_raced_that_season_are_offered(real_db, real_store, capsys, monkeypatch):
    """`charlotte 2024`: the oval and the Roval raced that year; Charlotte Speedway (last raced 1971) is not offered, in
    an answer or in `pitboard thread`. A season none of them raced in offers every one."""
    _, out = await ask_typed(real_store, "/winner charlotte 2024")
    assert "• Charlotte Speedway\n" not in out
    monkeypatch.setenv("PITBOARD_DB", str(real_db))
    assert main(["thread", "charlotte", "--year", "2024"]) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert err == ("“charlotte” could be more than one track. Which one?\n  • Charlotte Motor Speedway\n"
                   "  • Charlotte Motor Speedway Road Course\n")
    _, out = await ask_typed(real_store, "/winner charlotte f1")   # none raced F1: all three
    assert "• Charlotte Speedway\n" in out


async def test_schedule_of_a_series_without_this_season_shows_its_latest_and_says_so(real_store):
    """`/schedule cup` (an example /help gives) in 2026: the bundled NASCAR history ends with 2025 and has no 2026
    schedule (that comes from NASCAR's feed); the answer is the 2025 season, saying why and how to get 2026's."""
    late_2026 = datetime(2026, 11, 30, tzinfo=EASTERN)
    answer = await queries.schedule(real_store, "cup", now=late_2026)
    assert (answer.season, len(answer.races)) == (2025, 36)
    shown = text.render(answer)
    assert shown.startswith("No Cup races for 2026 in the data yet: this is 2025, the latest season it holds. The "
                            "schedule comes from NASCAR's feed: keep the bot running (it polls the race list) or import "
                            "one with pitboard import race_list_basic.json.\n\n2025 Cup season by round")
    assert "DAYTONA 500" in shown and "William Byron" in shown
    f1 = await queries.schedule(real_store, "f1", now=late_2026)   # a series with this season's races: as ever
    assert (f1.season, f1.note) == (2026, None)


def test_thread_names_the_race_and_says_what_it_chose(real_db, capsys, monkeypatch):
    monkeypatch.setenv("PITBOARD_DB", str(real_db))
    assert main(["thread", "daytona 500", "--year", "1979"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("1979 Cup Series, round 2: Daytona 500 at Daytona International Speedway")
    assert main(["thread", "daytona", "--year", "1979", "--series", "cup"]) == 0
    out, err = capsys.readouterr()
    assert "chose 1979 Cup R17 Firecracker 400; also matching: 1979 Cup R2 Daytona 500" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["ask", "/winner daytona 500 1979"], "Richard Petty"),
        (["ask", "/h2h kyle busch kyle larson"], "Kyle Busch vs Kyle Larson"),
        (["thread", "daytona 500", "--year", "1979"], "Richard Petty won the Daytona 500"),
    ],
)
def test_fan_typing_in_the_installed_command(real_db, argv, expected):
    script = os.path.join(os.path.dirname(sys.executable), "pitboard")
    done = subprocess.run([script, *argv], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PITBOARD_DB": str(real_db)})
    assert done.returncode == 0 and expected in done.stdout, done.stderr


def test_json_of_a_named_race(real_db, capsys, monkeypatch):
    monkeypatch.setenv("PITBOARD_DB", str(real_db))
    assert main(["ask", "--json", "/winner southern 500 1984"]) == 0
    [race] = json.loads(capsys.readouterr().out)["races"]
    assert (race["name"], race["winner"]) == ("Southern 500", "Harry Gant")


@pytest.fixture
async def fake():
    async with FakeDiscord(guilds=[guild()]) as server:
        with redirect_discord_to(server):
            yield server


async def test_discord_options_come_from_the_registry_and_take_fan_typing(fake, real_store):
    async with running_pitboard(fake, real_store):
        synced = {command["name"]: command for command in fake.synced_commands()}
        for name, question in QUESTIONS.items():
            assert synced[name]["description"] == question.description
            options = {option["name"]: option for option in synced[name].get("options", [])}
            for option in question.options:
                assert options[option.name]["description"] == option.description
                assert options[option.name].get("min_value") == option.minimum
                assert options[option.name].get("max_value") == option.maximum
        handle = await fake.send_slash_command("winner", {"track": "martinsville truck", "year": 2023})
        embed = (await handle.response())["data"]["embeds"][0]
        assert "Truck" in embed_text(embed) and "Martinsville Speedway" in embed["title"]
        handle = await fake.send_slash_command("h2h", {"driver1": "kyle busch kyle larson"})
        embed = (await handle.response())["data"]["embeds"][0]
        assert "Kyle Busch" in embed_text(embed) and "Kyle Larson" in embed_text(embed)


@pytest.mark.parametrize(("typed", "meant"), [
    ("/driver elliott 1985", "Bill Elliott"),            # of the Elliotts who raced in 1985, the only winner
    ("/driver earnhardt 1979", "Dale Earnhardt"),        # the only Earnhardt who raced in 1979
    ("/team penske cup 2024", "Team Penske"),            # the only Penske team in the 2024 Cup
])
async def test_a_season_narrows_a_name_several_share(real_store, typed, meant):
    status, out = await ask_typed(real_store, typed)
    assert status == 0 and out.splitlines()[0] == meant, out


async def test_a_name_still_shared_that_season_asks_among_those_who_raced(real_store):
    status, out = await ask_typed(real_store, "/driver elliott 2005")
    assert status == 1 and "• Bill Elliott\n" in out and "• Elliott Sadler\n" in out
    assert "Chase Elliott" not in out    # his first start came years later


@pytest.mark.parametrize(("typed", "said"), [
    ("/winner larson", "“larson” names a driver: /driver larson has the career and the latest win."),
    ("/results kyle busch", "“kyle busch” names a driver: /driver kyle busch"),
    ("/winner hendrick", "“hendrick” names a team: /team hendrick has its record."),   # the team won more than its namesakes
    ("/driver bristol", "“bristol” names a track or race: /track bristol has its record, /driver … at bristol"),
])
async def test_a_name_of_another_kind_names_the_command_that_takes_it(real_store, typed, said):
    status, out = await ask_typed(real_store, typed)
    assert status == 1 and said in out, out
    assert "•" not in out    # no far-fetched tracks (`Wilson Speedway` for `larson`) offered beside it


async def test_the_season_finale_is_each_finished_season_s_last_race(real_store):
    status, out = await ask_typed(real_store, "/winner finale 2024")
    assert status == 0 and out.startswith("Season Finale in 2024")
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("2024 ")] == [
        "2024 Cup R36", "2024 Xfinity R33", "2024 Truck R23", "2024 F1 R24"]   # each series' last round that year
    status, out = await ask_typed(real_store, "/winner championship race cup")
    assert status == 0 and "2025 Cup R36" in out
    status, out = await ask_typed(real_store, "/winner finale f1 2026")   # F1's 2026 is still running: no finale yet
    assert status == 1 and "No Season Finale in 2026 in the data" in out
