"""NASCAR recaps on the real bundled history: claims the data cannot establish are left out, and the sentences read as a
fan would write them (no "all two", no owner labels, no doubled parentheses, one fact told once)."""

from __future__ import annotations

import re

from bot.render import recap
from db import queries
from db.models import RecapFacts, WinTallies
from db.recaps import recap_facts


async def facts_of(store, track: str | None, season: int, series: str, round_: int | None = None) -> RecapFacts:
    return await recap_facts(store, await queries.results(store, track, season, series, round_))


def prose(facts: RecapFacts) -> str:
    return " ".join(recap.paragraphs(facts))


async def test_a_first_in_any_national_series_is_not_claimed_over_a_win_the_data_cannot_order(real_store):
    """Stewart won the 2005 Xfinity opener at Daytona; the history has no start times, so that win cannot be placed
    before or after his July Cup win there, and "a first on a superspeedway in any NASCAR national series" is not said."""
    facts = await facts_of(real_store, "daytona", 2005, "cup", 17)
    assert facts.winner.driver == "Tony Stewart" and facts.first_series_win_of_kind
    assert not facts.first_national_win_of_kind
    text = prose(facts)
    assert "in any NASCAR national series" not in text
    assert "It was Stewart's 21st career Cup Series win, and a first Cup Series win on a superspeedway." in text


async def test_a_dated_win_elsewhere_later_in_the_season_does_not_stop_the_first(real_store_copy):
    """Where both races have start times, the data orders them: an Xfinity win after the Cup race is not an earlier one."""
    store = real_store_copy
    race = "SELECT r.id FROM races r JOIN series s ON s.id = r.series_id WHERE s.key = ? AND r.season = 2005 AND r.round = ?"
    xfinity_r1, cup_r17 = [await store.scalar(race, (series, round_)) for series, round_ in (("xfinity", 1), ("cup", 17))]
    async with store.transaction() as conn:
        await conn.execute("UPDATE races SET starts_at = '2005-07-02T23:45:00+00:00' WHERE id = ?", (cup_r17,))
        await conn.execute("UPDATE races SET starts_at = '2005-12-31T18:00:00+00:00' WHERE id = ?", (xfinity_r1,))
    assert (await facts_of(store, "daytona", 2005, "cup", 17)).first_national_win_of_kind
    async with store.transaction() as conn:
        await conn.execute("UPDATE races SET starts_at = '2005-02-19T18:00:00+00:00' WHERE id = ?", (xfinity_r1,))
    assert not (await facts_of(store, "daytona", 2005, "cup", 17)).first_national_win_of_kind


async def test_wins_in_formula_1_are_not_national_series_wins(real_store):
    """Gurney's first NASCAR win (Riverside 1963) was his first on a road course in any NASCAR national series: his F1
    win of 1962 is no national series' win."""
    facts = await facts_of(real_store, None, 1963, "cup", 4)
    assert facts.winner.driver == "Dan Gurney" and facts.first_national_win_of_kind


async def test_the_season_share_is_told_of_part_timers_only(real_store):
    """Petty started 45 of 1967's first 46 Cup races and Zilisch 22 of 2025's first 23 Xfinity races: full seasons, not
    news. McGriff's 20 of 33 in 1954 and Mantz's three of 13 in 1950 are."""
    petty = prose(await facts_of(real_store, "north wilkesboro", 1967, "cup", 46))
    zilisch = prose(await facts_of(real_store, "watkins glen", 2025, "xfinity", 23))
    assert "Richard Petty won" in petty and "Connor Zilisch won" in zilisch
    assert "has started" not in petty + zilisch and "start in the first" not in petty + zilisch
    assert "Mantz has started three of the 13 Cup Series races run so far in 1950." in prose(
        await facts_of(real_store, "darlington", 1950, "cup"))
    # the other wording for a third sentence opening with the winner's name: never "The winner has started …"
    assert "It was McGriff's 20th start in the first 33 Cup Series races of 1954." in prose(
        await facts_of(real_store, "southern states", 1954, "cup", 33))


def test_a_part_timer_missed_a_quarter_of_the_season_so_far_and_two_races_or_its_opening_ones():
    assert recap.part_timer(3, 13) and recap.part_timer(1, 3) and recap.part_timer(6, 8)
    assert not recap.part_timer(45, 46) and not recap.part_timer(22, 23) and not recap.part_timer(2, 3)
    assert not recap.part_timer(18, 22) and recap.part_timer(16, 22)
    assert recap.part_timer(1, 2) and not recap.part_timer(1, 1)   # a first start of the season, after missing its opener


async def test_two_of_two_is_both_never_all_two(real_store):
    text = prose(await facts_of(real_store, "daytona 500", 1959, "cup"))
    assert "Lee Petty now has top-10 finishes in both Cup Series superspeedway starts" in text
    assert "all two" not in text.casefold()
    assert (recap.all_of(2), recap.all_of(7), recap.all_of(36, str)) == ("both", "all seven", "all 36")


async def test_an_owner_entry_is_named_as_a_car_owner_in_prose_and_kept_in_the_table(real_store):
    """The history's team for an owner-entered car is "Kenny Myler (Owner)": prose says "car owner Kenny Myler"."""
    facts = await facts_of(real_store, None, 1965, "cup", 28)
    assert facts.winner.team == "Kenny Myler (Owner)" and facts.team_first_win
    text = prose(facts)
    assert "It was also the first Cup Series win for car owner Kenny Myler." in text and "(Owner)" not in text
    assert "Kenny Myler (Owner)" in recap.text_recap(facts)   # the results table keeps the history's team
    kiekhaefer = prose(await facts_of(real_store, None, 1955, "cup", 4))
    assert "for car owner Carl Kiekhaefer" in kiekhaefer and "(Owner)" not in kiekhaefer


async def test_a_name_with_its_own_note_takes_one_pair_of_parentheses(real_store):
    """The history tells namesakes apart with a note: "Jack Smith (Ohio)". A listed driver's note joins it."""
    kentucky = prose(await facts_of(real_store, None, 2007, "truck", 13))
    assert "Jack Smith (Ohio; fuel pump, 115 laps)" in kentucky
    debuts = prose(await facts_of(real_store, None, 1959, "cup", 32))
    assert "Earl Balmer (30th, engine) and Bill Scott (Winston-Salem; 38th, overheating) made their first" in debuts
    best = prose(await facts_of(real_store, None, 1969, "cup", 8))
    assert "Seventh place was a career-best Cup Series finish for Dick Johnson (California; previously 12th)." in best
    for text in (kentucky, debuts, best):
        assert not re.search(r"\) \(|\)'s", text)
    reddit = " ".join(recap.paragraphs(await facts_of(real_store, None, 2007, "truck", 13), recap.REDDIT))
    assert "Jack Smith \\(Ohio\\); fuel" not in reddit and "Jack Smith (Ohio; fuel pump, 115 laps)" in reddit


async def test_a_run_of_wins_and_the_seasons_lead_are_two_clear_facts(real_store):
    """Pearson 1976 (rounds 1 and 2): the run and the season's lead, each said as itself. Rex White at Bowman Gray in
    1959: 'the most of any driver' after 'second straight' would read as the longest run; it is the wins there."""
    pearson = prose(await facts_of(real_store, None, 1976, "cup", 2))
    assert "Pearson has now won two Cup Series races in a row and has more wins in 1976 than any other driver." in pearson
    white = prose(await facts_of(real_store, None, 1959, "cup", 33))
    assert ("It was Rex White's second straight Cup Series win at Bowman Gray Stadium, where no other driver has won as "
            "often.") in white
    for text in (pearson, white):
        assert "in a row, more wins" not in text and "straight Cup Series win at Bowman Gray Stadium, the most" not in text
    race = (await facts_of(real_store, None, 1976, "cup", 2)).details.race
    told = recap.tally_sentences("Pearson", "Cup Series", "Rockingham", race,
                                 WinTallies(season_wins=2, most_season_wins=True, in_a_row=2, track_wins=2,
                                            most_track_wins=True, track_in_a_row=2), 12)
    assert [(sentence.text, sentence.other_opening) for sentence in told] == [
        ("Pearson has now won two Cup Series races in a row and has more wins in 1976 than any other driver.",
         "That makes two Cup Series wins in a row, and no other driver has as many in 1976."),
        ("It was Pearson's second straight Cup Series win at Rockingham, where no other driver has won as often.",
         "Pearson has won the last two Cup Series races at Rockingham, where no other driver has won as often."),
    ]


async def test_a_paved_ovals_figures_count_the_superspeedways_and_say_so(real_store):
    """Blaney won at Daytona in August 2025: a fan counts it among his oval wins of the season (the data's `oval` kind
    leaves out Daytona and Talladega, and 'oval' in prose said two wins). The figures take the superspeedways in and
    say 'paved oval' (the dirt ovals are the dirt kind). Byron's Homestead win of 2021 was no first on an oval: his
    first Cup win came at Daytona."""
    text = prose(await facts_of(real_store, "phoenix", 2025, "cup", 36))
    assert "In 29 earlier paved-oval races this season, Blaney had three wins and 17 top-10 finishes." in text
    assert "Cup Series paved-oval starts" in text and " oval races" not in text
    byron = await facts_of(real_store, None, 2021, "cup", 3)
    assert byron.winner.driver == "William Byron" and not byron.first_series_win_of_kind
    assert "It was Byron's second career Cup Series win, the first at Homestead-Miami Speedway." in prose(byron)
    superspeedway = await facts_of(real_store, "daytona", 2005, "cup", 17)   # a superspeedway's counts are its own
    assert superspeedway.kind_record.starts == 27 and "27 Cup Series superspeedway starts" in prose(superspeedway)


async def test_a_fact_one_sentence_says_is_not_said_again(real_store):
    """Biffle's Texas Truck win of 2019 was his first Truck start since 2004: said once, with the win, not again as 'his
    first win of 2019', 'a first start of 2019 in the season's ninth race' and 'a first start since 2004 … finished
    first'. David Green's fifth place at Kentucky in 2007 (top five, career best) is not told a third time."""
    biffle = prose(await facts_of(real_store, "texas", 2019, "truck", 9))
    assert "Biffle was making a first Truck Series start since 2004." in biffle
    for said_again in ("win of 2019", "start of 2019", "finished first", "since 2004 and"):
        assert said_again not in biffle
    assert "Anthony Mrakovich made a first Truck Series start and finished 26th" in biffle   # a place not told before
    green = prose(await facts_of(real_store, None, 2007, "truck", 13))
    assert "Green made a first Truck Series start since 1997." in green and green.count("fifth") == 1
    assert "Brandon Miller made a first Truck Series start since 2004 and finished 19th." in green
    # a list of first starts gives every driver's place, told before or not
    assert "Ezell (third) and Joe Deloach (11th) made their first Cup Series starts." in prose(
        await facts_of(real_store, None, 1952, "cup", 13))


async def test_a_winners_only_top_10_on_the_kind_is_said_as_such(real_store):
    """Mantz's Southern 500 of 1950 was his only top-10 in two Cup starts on paved ovals: not "Mantz now has one top-10
    finish in two … starts; this was the first win among them"."""
    text = prose(await facts_of(real_store, "darlington", 1950, "cup"))
    assert "The win was Mantz's first top-10 finish in two Cup Series paved-oval starts." in text
    assert "one top-10 finish" not in text and "first win among them" not in text
