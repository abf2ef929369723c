"""The post-race recap: sentences computed from RecapFacts, rendered as Reddit markdown or terminal text.

Every sentence states something the store holds; a fact the data lacks (cautions before the feed
era, stage results outside 2017–2024) is left out, never guessed. The Discord rendering of the same
sentences lives in embeds.py. Every string from the data goes through the Markup's `escape` (see
safe.py) and every markdown table cell through `_markdown_table`.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Callable

from bot.render import safe
from bot.render.tables import table
from bot.render.words import KIND_WORDS, led_phrase, ordinal, plural
from db.models import RaceSummary, RecapFacts, ResultLine

REDDIT_LIMIT = 40_000
TITLE_LIMIT = 300
SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
SMALL_NUMBERS = "zero one two three four five six seven eight nine ten".split()
ORDINAL_WORDS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
).split()
MAX_LISTED = 12
RESULT_COLUMNS = ["Pos", "#", "Driver", "Team", "Make", "Laps", "Led", "Status", "Pts"]
RESULT_ALIGNS = "rrlllrrlr"
GAINED_TO_MENTION = 15
ATTRIBUTION = "Data: nascaR.data (DriverAverages.com, NASCAR.com) and NASCAR's official feed. Source: NASCAR."
KIND_STARTS = {"road": "road-course", "superspeedway": "superspeedway", "dirt": "dirt-track", "oval": "oval"}
OUT_PHRASES = {
    "accident": "out in an accident",
    "crash": "out in a crash",
    "engine": "out with an engine failure",
    "transmission": "out with a transmission failure",
    "brakes": "out with brake failure",
    "rear gear": "out with a rear-gear failure",
    "electrical": "out with an electrical problem",
    "suspension": "out with a suspension failure",
    "overheating": "out with overheating",
    "fuel pump": "out with a fuel-pump failure",
    "oil pressure": "out with oil-pressure trouble",
    "dvp": "out under the damaged-vehicle policy",
    "parked": "parked",
    "disqualified": "disqualified",
}


@dataclass(frozen=True)
class Markup:
    """How data text and emphasis are written in one output format."""

    escape: Callable[[str], str]
    bold: Callable[[str], str]


PLAIN = Markup(safe.plain, lambda text: text)
REDDIT = Markup(safe.reddit, lambda text: f"**{text}**")


def number_word(count: int) -> str:
    return SMALL_NUMBERS[count] if 0 <= count < len(SMALL_NUMBERS) else str(count)


def ordinal_word(count: int) -> str:
    return ORDINAL_WORDS[count - 1] if 1 <= count <= len(ORDINAL_WORDS) else ordinal(count)


def surname(name: str) -> str:
    words = [word for word in name.split() if word.casefold() not in SUFFIXES]
    return words[-1] if words else name


def series_words(race: RaceSummary) -> str:
    """`Truck Series` (the name without NASCAR and the sponsor)."""
    return {"cup": "Cup Series", "xfinity": "Xfinity Series", "truck": "Truck Series"}.get(race.series, race.series_name)


def vehicles(race: RaceSummary) -> str:
    return "trucks" if race.series == "truck" else "cars"


def race_at_track(race: RaceSummary) -> str:
    """`Toyota Owners 400 at Richmond Raceway`, or the name alone when it already says where."""
    return race.name if " at " in f" {race.name.casefold()} " else f"{race.name} at {race.track}"


def _join(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def out_phrase(line: ResultLine, m: Markup) -> str:
    """`out with a transmission failure after 60 laps`."""
    status = (line.status or "").casefold()
    phrase = OUT_PHRASES.get(status, f"out ({m.escape(line.status)})")
    return f"{phrase} after {plural(line.laps, 'lap')}" if line.laps is not None and status != "disqualified" else phrase


def _meaning(facts: RecapFacts, m: Markup) -> list[str]:
    race, winner = facts.details.race, facts.winner
    short = m.escape(surname(winner.driver))
    series = m.escape(series_words(race))
    where = m.escape(race_at_track(race))
    sentences = [f"{m.bold(m.escape(winner.driver))} won the {where}."]
    if race.exhibition or facts.win_number is None:
        sentences[-1] = f"{m.bold(m.escape(winner.driver))} won the {where}, a non-points exhibition race."
        return sentences
    kind = KIND_WORDS[race.track_kind]
    article = "an" if kind[0] in "aeiou" else "a"
    if facts.win_number == 1:
        sentences.append(f"It was {short}'s first career {series} win.")
    else:
        text = f"It was {short}'s {ordinal_word(facts.win_number)} career {series} win"
        if facts.first_national_win_of_kind:
            text += f", and a first on {article} {kind} in any NASCAR national series"
        elif facts.first_series_win_of_kind:
            text += f", and a first {series} win on {article} {kind}"
        sentences.append(text + ".")
        earlier = facts.earlier_win_tracks
        if len(earlier) == 1 and earlier[0] != race.track and facts.win_number >= 3:
            quantity = "Both" if facts.win_number == 3 else f"All {number_word(facts.win_number - 1)}"
            sentences.append(f"{quantity} of {short}'s earlier {series} wins came at {m.escape(earlier[0])}.")
        elif facts.first_win_at_track:
            sentences.append(f"It was {short}'s first {series} win at {m.escape(race.track)}.")
    owners = []
    if facts.team_first_win and winner.team:
        owners.append(m.escape(winner.team))
    if facts.make_first_win and winner.make:
        owners.append(m.escape(winner.make))
    if owners:
        sentences.append(f"It was also the first {series} win for {_join(owners)}.")
    return sentences


def _how(facts: RecapFacts, m: Markup) -> list[str]:
    race, winner = facts.details.race, facts.winner
    short = m.escape(surname(winner.driver))
    start = "on the pole" if winner.start == 1 else (ordinal(winner.start) if winner.start else "")
    sentences = [f"{short} started {start} and {led_phrase(winner.led, race.laps)}." if start else f"{short} {led_phrase(winner.led, race.laps)}."]
    stage_winners = [(stage.number, stage.results[0].driver) for stage in facts.details.stages if stage.results and stage.results[0].position == 1]
    if stage_winners:
        won = [f"{short if name == winner.driver else m.escape(name)} won stage {number}" for number, name in stage_winners]
        sentences.append(_join(won) + ".")
    if race.cautions is not None:
        text = f"There were {plural(race.cautions, 'caution')} for {plural(race.caution_laps or 0, 'lap')}"
        if race.lead_changes is not None:
            text += f" and {plural(race.lead_changes, 'lead change')} among {plural(race.leaders or 0, 'driver')}"
        sentences.append(text + ".")
    restarts = [c for c in facts.details.cautions if race.laps and c.end_lap < race.laps]
    if restarts:
        last = restarts[-1]
        to_go = race.laps - last.end_lap
        cause = f" (caution: {m.escape(last.comment or last.reason)})" if (last.comment or last.reason) else ""
        sentences.append(f"The final restart came with {plural(to_go, 'lap')} to go{cause}.")
    return sentences


def _top_five(facts: RecapFacts, m: Markup) -> list[str]:
    race, results = facts.details.race, facts.details.results
    top = [line for line in results if 2 <= line.finish <= 5]
    if not top:
        return []
    runner_up = top[0]
    margin = f", {race.margin:.3f} seconds behind" if race.margin is not None else ""
    sentences = [f"{m.escape(runner_up.driver)} finished second{margin}"]
    if len(top) > 1:
        sentences[0] += ", ahead of " + _join([m.escape(line.driver) for line in top[1:]])
    sentences[0] += "."
    for line in top:
        if line.start and line.start - line.finish >= GAINED_TO_MENTION:
            sentences.append(f"{m.escape(line.driver)} came from {ordinal(line.start)} on the grid to finish {ordinal(line.finish)}.")
    return sentences


def _pole(facts: RecapFacts, m: Markup) -> list[str]:
    pole = facts.pole
    if pole is None or pole.finish == 1:
        return []
    if pole.running:
        return [f"Pole-sitter {m.escape(pole.driver)} finished {ordinal(pole.finish)}."]
    return [f"Pole-sitter {m.escape(pole.driver)} finished {ordinal(pole.finish)}, {out_phrase(pole, m)}."]


def _retirements(facts: RecapFacts, m: Markup) -> list[str]:
    out = [line for line in facts.details.results if not line.running]
    if not out:
        return [f"All {facts.details.race.field_size} {vehicles(facts.details.race)} were running at the finish."] if facts.details.results else []
    listed = [f"{m.escape(line.driver)} ({m.escape(line.status)}" + (f", {plural(line.laps, 'lap')})" if line.laps is not None else ")") for line in out[:MAX_LISTED]]
    more = f" and {len(out) - MAX_LISTED} more" if len(out) > MAX_LISTED else ""
    noun = vehicles(facts.details.race) if len(out) != 1 else vehicles(facts.details.race)[:-1]
    return [f"{number_word(len(out)).capitalize()} {noun} failed to finish: {', '.join(listed)}{more}."]


def _newcomers(facts: RecapFacts, m: Markup) -> list[str]:
    race = facts.details.race
    series = m.escape(series_words(race))
    sentences = []

    def how(line: ResultLine) -> str:
        return ordinal(line.finish) + ("" if line.running else f", {m.escape(line.status)}")

    debuts = [n.result for n in facts.newcomers if n.previous_season is None]
    if debuts:
        sentences.append(f"First {series} starts: " + ", ".join(f"{m.escape(line.driver)} ({how(line)})" for line in debuts) + ".")
    for newcomer in (n for n in facts.newcomers if n.previous_season is not None):
        line = newcomer.result
        outcome = ordinal(line.finish) + ("" if line.running else f" ({m.escape(line.status)})")
        sentences.append(f"{m.escape(line.driver)} made a first {series} start since {newcomer.previous_season} and finished {outcome}.")
    return sentences


def _kind_record(facts: RecapFacts, m: Markup) -> list[str]:
    record = facts.kind_record
    if record is None or record.starts < 2:
        return []
    short = m.escape(surname(facts.winner.driver))
    starts = f"{number_word(record.starts)} {m.escape(series_words(facts.details.race))} {KIND_STARTS[record.kind]} starts"
    missing = record.starts - record.top10s
    if missing == 0:
        tens = f"top-10 finishes in all {starts}"
    elif missing <= 2 and record.starts >= 4:
        tens = f"top-10 finishes in all but {number_word(missing)} of {starts}"
    else:
        tens = f"{plural(record.top10s, 'top-10 finish', 'top-10 finishes')} in {starts}".replace(f"{record.top10s} ", f"{number_word(record.top10s)} ", 1)
    wins = "this was the first win among them" if record.wins == 1 else f"{number_word(record.wins)} of them wins"
    return [f"{short} now has {tens}; {wins}."]


def paragraphs(facts: RecapFacts, m: Markup = PLAIN) -> list[str]:
    """The recap's prose, paragraph by paragraph, written with the given markup."""
    if facts.winner is None:
        return []
    blocks = [_meaning(facts, m), _how(facts, m), _top_five(facts, m) + _pole(facts, m), _retirements(facts, m), _newcomers(facts, m), _kind_record(facts, m)]
    return [" ".join(block) for block in blocks if block]


def title(facts: RecapFacts, template: str) -> str:
    """The thread title from a template with {race}, {track}, {race_at_track}, {series}, {season}, {round}, {winner}.

    Reddit shows titles as plain text, so data in them is made `plain` and not escaped.
    """
    race = safe.plain_data(facts.details.race)
    text = template.format(
        race=race.name, track=race.track, race_at_track=race_at_track(race), series=series_words(race).replace(" Series", ""),
        series_name=race.series_name, season=race.season, round=race.round or "", winner=safe.plain(facts.winner.driver) if facts.winner else "",
    )
    return text if len(text) <= TITLE_LIMIT else text[: TITLE_LIMIT - 1] + "…"


def _markdown_table(headers: list[str], aligns: str, rows: list[list[object]]) -> str:
    """A Reddit table under our own headers; every cell is escaped here (None is an empty cell)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("--:" if a == "r" else ":--" for a in aligns) + "|"]
    lines += ["| " + " | ".join("" if cell is None else safe.reddit(str(cell)) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _results_rows(facts: RecapFacts) -> list[list[object]]:
    return [
        [r.finish, r.car, r.driver, r.team, r.make, r.laps, r.led, r.status, r.points]
        for r in facts.details.results
    ]


def _stage_rows(facts: RecapFacts) -> list[list[object]]:
    stages = facts.details.stages
    depth = max((len(stage.results) for stage in stages), default=0)
    rows: list[list[object]] = []
    for index in range(depth):
        row: list[object] = [index + 1]
        for stage in stages:
            line = stage.results[index] if index < len(stage.results) else None
            row.append(f"{line.driver} (#{line.car})" if line and line.car else (line.driver if line else ""))
        rows.append(row)
    return rows


def marker(key: str) -> str:
    """An invisible link that identifies the thread, so a lost post can be found again."""
    return f"[](#pitboard:{key})"


def reddit_body(facts: RecapFacts, thread_key: str) -> str:
    """The whole self-post, under Reddit's 40,000-character limit."""
    race = facts.details.race
    header = f"**{safe.reddit(race.series_name)}, {race.season}" + (f", round {race.round}" if race.round else "") + f"** · {safe.reddit(race.track)}"
    if race.starts_at:
        header += f" · {race.starts_at:%B} {race.starts_at.day}, {race.starts_at.year}"
    prose = "\n\n".join(paragraphs(facts, REDDIT))
    results = "## Results\n\n" + _markdown_table(RESULT_COLUMNS, RESULT_ALIGNS, _results_rows(facts))
    stages = ""
    if facts.details.stages:
        headers = ["Pos"] + [f"Stage {s.number}" + (f" ({s.laps} laps)" if s.laps else "") for s in facts.details.stages]
        stages = "## Stages\n\n" + _markdown_table(headers, "r" + "l" * len(facts.details.stages), _stage_rows(facts))
    footer = f"---\n\n^({safe.reddit(ATTRIBUTION)} Posted by Pitboard, an open-source race-results bot.) {marker(thread_key)}"
    body = "\n\n".join(part for part in (header, prose, results, stages, footer) if part)
    if len(body) > REDDIT_LIMIT:
        body = "\n\n".join(part for part in (header, prose, results, footer) if part)
    if len(body) > REDDIT_LIMIT:
        rows = _results_rows(facts)
        while rows and len(body) > REDDIT_LIMIT:
            rows = rows[: len(rows) // 2]
            shortened = f"## Results (top {len(rows)})\n\n" + _markdown_table(RESULT_COLUMNS, RESULT_ALIGNS, rows)
            body = "\n\n".join(part for part in (header, prose[: REDDIT_LIMIT // 4], shortened, footer) if part)
    return body


def text_recap(facts: RecapFacts, width: int = 100) -> str:
    """The recap for the terminal: wrapped paragraphs and aligned tables, every string `plain`."""
    facts = safe.plain_data(facts)
    race = facts.details.race
    head = f"{race.season} {series_words(race)}" + (f", round {race.round}" if race.round else "") + f": {race_at_track(race)}"
    parts = [head, "=" * min(len(head), width)]
    parts += [textwrap.fill(paragraph, width) for paragraph in paragraphs(facts, PLAIN)]
    rows = [
        (r.finish, r.car, r.driver, r.team or "", r.make or "", "" if r.laps is None else r.laps, r.led, r.status or "", "" if r.points is None else r.points)
        for r in facts.details.results
    ]
    parts.append(table(RESULT_COLUMNS, rows))
    if facts.details.stages:
        depth = max(len(stage.results) for stage in facts.details.stages)
        stage_rows = [
            [index + 1] + [stage.results[index].driver if index < len(stage.results) else "" for stage in facts.details.stages]
            for index in range(depth)
        ]
        parts.append(table(["Pos"] + [f"Stage {stage.number}" for stage in facts.details.stages], stage_rows))
    parts.append(ATTRIBUTION)
    return "\n\n".join(parts)
