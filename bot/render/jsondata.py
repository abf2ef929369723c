"""JSON documents for `pitboard ask --json` (stable keys for scripts): one function per command
(`jsondata.winner`, `jsondata.results`, …), and `render` for any answer.

Data stays data: every string in a document is made `plain` (no escape codes, no line breaks), so a
script that prints a value never prints a control sequence from the feed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.questions import Help
from bot.render import cells
from bot.render.safe import plain_data
from bot.render.words import credit_due
from db.errors import PitboardError
from db.models import (
    DriverAtTrack,
    DriverCareer,
    DriverFigures,
    DriverSeason,
    HeadToHead,
    HeadToHeadSide,
    Leaders,
    NextRaces,
    Qualifying,
    RaceResults,
    RaceSummary,
    ResultLine,
    Schedule,
    Session,
    Standings,
    TeamRecord,
    TrackRecord,
    WinnerAnswer,
)
from db.records import as_dict

# One name and one form per figure in every document: a season is `season` (never `year`), a car number `car`, a race's
# name `name`, laps led `laps_led`, a count of starts with a driver rating `rated_starts`, the most recent of anything
# `latest…`, a span of seasons `first_season` and `last_season`; what the data does not hold is null (never "" or a
# made-up midnight), an instant ISO 8601, an average to two places.


def _car(number: str | None) -> str | None:
    """A car number, null where the data has none (the bundled history leaves some 1949–1983 cars unnumbered: "")."""
    return number or None


def _average(value: float | None) -> float | None:
    """An average to two places, as every document gives one."""
    return None if value is None else round(value, 2)


def _renamed(document: dict[str, Any], **names: str) -> dict[str, Any]:
    """A record's fields with some keys renamed to the name every document uses, in the record's order."""
    return {names.get(key, key): value for key, value in document.items()}


def _with_car(record: Any) -> dict[str, Any]:
    """A record with a `car` field as a dict, its unknown car null."""
    return {**as_dict(record), "car": _car(record.car)}


def race(summary: RaceSummary) -> dict[str, Any]:
    return {
        "series": summary.series,
        "season": summary.season,
        "round": summary.round,
        "track": summary.track,
        "name": summary.name,
        "date": summary.day.isoformat() if summary.day else None,                  # in the series' zone (Eastern, UTC)
        "starts_at": None if summary.starts_at is None or summary.date_only else summary.starts_at.isoformat(),
        "status": summary.status,
        "exhibition": summary.exhibition,
        "winner": summary.winner,
        "winner_car": _car(summary.winner_car),
        "winner_team": summary.winner_team,
        "winner_make": summary.winner_make,
        "winner_start": summary.winner_start,
        "winner_laps_led": summary.winner_led,
        "pole": summary.pole,
        "laps": summary.laps,
        "scheduled_laps": summary.scheduled_laps,
        "stage_laps": list(summary.stage_laps),
        "cautions": summary.cautions,
        "caution_laps": summary.caution_laps,
        "lead_changes": summary.lead_changes,
        "leaders": summary.leaders,
        "margin": summary.margin,
        "starters": summary.field_size,
    }


def _credit(answer: object) -> dict[str, str]:
    """`credit`: the answer's data credit, where one is due (words.credit_due: F1DB's, NASCAR's beside it in an answer
    of both); no key for NASCAR's answers alone."""
    credit = credit_due(answer)
    return {"credit": credit} if credit else {}


def winner(answer: WinnerAnswer) -> dict[str, Any]:
    """/winner as a document."""
    return plain_data({
        "command": "winner", "track": answer.track or None,
        "races": [{**race(r), **({"sprint_winner": _with_car(answer.sprints[r.id])} if r.id in answer.sprints else {})}
                  for r in answer.races],
        **_credit(answer),
    })


def driver_at_track(answer: DriverAtTrack) -> dict[str, Any]:
    """/driver … at a track as a document."""
    return plain_data({
        "command": "driver",
        "driver": answer.driver,
        "track": answer.place,
        "series": {
            key: {
                "starts": line.starts, "wins": line.wins, "podiums": line.podiums, "top5": line.top5, "top10": line.top10,
                "poles": line.poles, "laps_led": line.laps_led, "dnfs": line.dnfs,
                "avg_start": _average(line.avg_start), "avg_finish": _average(line.avg_finish), "best_finish": line.best_finish,
                **_rating(line),
                "first_season": line.first_season, "last_season": line.last_season,
                "wins_at": [as_dict(race) for race in line.wins_at],
                "latest": {**as_dict(line.latest), "finish": line.latest_finish},
            }
            for key, line in answer.series.items()
        },
        **({"season": answer.year} if answer.year is not None else {}),
        **({"also": list(answer.also)} if answer.also else {}),
        **_credit(answer),
    })


def _rating(figures: DriverFigures) -> dict[str, Any]:
    """NASCAR's driver rating, averaged over the starts that have one (none: the keys are left out)."""
    if figures.avg_rating is None:
        return {}
    return {"avg_rating": _average(figures.avg_rating), "rated_starts": figures.rated}


def _driver_season(season: DriverSeason) -> dict[str, Any]:
    """The season asked for, named and rounded as the career beside it: `rated_starts`, averages to two places, each
    race's name as `name`."""
    return {
        **_renamed(as_dict(season), rated="rated_starts"),
        "avg_finish": _average(season.avg_finish), "avg_rating": _average(season.avg_rating),
        "races": [_renamed(as_dict(start), race="name") for start in season.races],
    }


def _line(r: ResultLine, timed: bool) -> dict[str, Any]:
    line = {
        "finish": r.finish, "start": r.start, "car": _car(r.car), "driver": r.driver, "team": r.team, "make": r.make,
        "laps": r.laps, "laps_led": r.led, "status": r.status, "points": r.points,
        "stages": list(r.stage_finishes),
    }
    if timed:   # F1: time or gap, and the status code beside the position
        line.update(time=r.time, gap=r.gap, status_code=r.status_code)
    return line


def results(answer: RaceResults) -> dict[str, Any]:
    """/results as a document (with the weekend's sprint, the non-starters and the loop data, where the race has them)."""
    timed = cells.timed(answer.results)
    document = {
        "command": "results",
        "race": race(answer.race),
        "results": [_line(r, timed) for r in answer.results],
        "stages": [
            {"stage": s.number, "laps": s.laps, "results": [_with_car(line) for line in s.results]} for s in answer.stages
        ],
        "cautions": [{**as_dict(c), "free_pass_car": _car(c.free_pass_car)} for c in answer.cautions],
        "also_matching": [as_dict(r) for r in answer.other_races],
    }
    if answer.sprint:
        document["sprint"] = [_line(r, True) for r in answer.sprint]
    if answer.non_starters:
        document["non_starters"] = [_with_car(entrant) for entrant in answer.non_starters]
    if answer.loop_data:
        document["loop_data"] = [_with_car(line) for line in answer.loop_data]
    return plain_data({**document, **_credit(answer)})


def driver(answer: DriverCareer) -> dict[str, Any]:
    """/driver as a document."""
    return plain_data({
        "command": "driver",
        "driver": answer.driver,
        "series": {
            key: {
                "starts": c.starts, "wins": c.wins, "top5": c.top5, "top10": c.top10, "poles": c.poles,
                "laps_led": c.laps_led, "dnfs": c.dnfs,
                "avg_start": _average(c.avg_start), "avg_finish": _average(c.avg_finish),
                **_rating(c),
                "first_season": c.first_season, "last_season": c.last_season,
                "first_win": as_dict(c.first_win) if c.first_win else None,
                "latest_win": as_dict(c.latest_win) if c.latest_win else None,
                "starts_since_latest_win": c.starts_since_win,
                "seasons": [as_dict(s) for s in c.seasons],
                **({"podiums": c.podiums, "points": c.points, "championships": c.championships}
                   if c.championships is not None else {}),
                **({"season": _driver_season(c.season)} if c.season else {}),
            }
            for key, c in answer.series.items()
        },
        **({"season": answer.year} if answer.year is not None else {}),
        **({"born": answer.born.isoformat()} if answer.born else {}),
        **({"also": list(answer.also)} if answer.also else {}),
        **_credit(answer),
    })


def team(answer: TeamRecord) -> dict[str, Any]:
    """/team as a document."""
    return plain_data({
        "command": "team",
        "team": answer.team,
        **({"track": answer.place} if answer.place else {}),
        "full_name": answer.full_name,
        "season": answer.year,
        "series": {
            key: {
                "starts": r.starts, "wins": r.wins, "podiums": r.podiums, "poles": r.poles, "titles": r.titles,
                "first_season": r.first_season, "last_season": r.last_season,
                "first_win": as_dict(r.first_win) if r.first_win else None,
                "latest_win": as_dict(r.latest_win) if r.latest_win else None,
                "most_wins": [{"driver": t.driver, "wins": t.count} for t in r.top_drivers],
                "seasons": [as_dict(season) for season in r.seasons],
            }
            for key, r in answer.series.items()
        },
        "also": list(answer.also),
        **_credit(answer),
    })


def track(answer: TrackRecord) -> dict[str, Any]:
    """/track as a document."""
    return plain_data({
        "command": "track",
        "track": answer.track,
        "kind": answer.kind,
        "length_mi": answer.length_mi,
        "series": {
            key: {
                "races": r.races, "first_season": r.first_season, "last_season": r.last_season,
                "winners": [{"season": w.season, "round": w.round, "name": w.race, "driver": w.driver} for w in r.winners],
                "most_wins": [{"driver": t.driver, "wins": t.count} for t in r.most_wins],
                "most_poles": [{"driver": t.driver, "poles": t.count} for t in r.most_poles],
                "wins_from_pole": r.wins_from_pole,
            }
            for key, r in answer.series.items()
        },
        **_credit(answer),
    })


def standings(answer: Standings) -> dict[str, Any]:
    """/standings as a document."""
    return plain_data({
        "command": "standings",
        "series": answer.series,
        "season": answer.season,
        "races_counted": answer.races_counted,
        **({"through_round": answer.through} if answer.through else {}),
        "note": answer.note,
        "standings": [as_dict(row) for row in answer.rows] if answer.official else
                     [{k: v for k, v in as_dict(row).items() if k != "status_code"} for row in answer.rows],
        **({"official": True, "team_standings": [as_dict(row) for row in answer.team_rows], "chart_note": answer.chart_note}
           if answer.official else {}),
        **_credit(answer),
    })


def qualifying(answer: Qualifying) -> dict[str, Any]:
    """/qualifying as a document."""
    return plain_data({
        "command": "qualifying",
        "race": race(answer.race),
        "lineup": answer.lineup,
        "qualifying": [_renamed({**as_dict(line), "car_number": _car(line.car_number)}, car_number="car")
                       for line in answer.lines],
        "also_matching": [as_dict(other) for other in answer.other_races],
        **_credit(answer),
    })


def leaders(answer: Leaders) -> dict[str, Any]:
    """/leaders as a document."""
    return plain_data({
        "command": "leaders",
        "series": answer.series,
        **({"track": answer.place} if answer.place else {}),
        "stat": answer.stat,
        "season": answer.season,
        "first_season": answer.first_season,
        "last_season": answer.last_season,
        "note": answer.note or None,
        "leaders": [{**as_dict(row), "value": row.value if isinstance(row.value, int) else round(row.value, 2)}
                    for row in answer.rows],
        "more_tied": answer.more_tied,
        **_credit(answer),
    })


def _h2h_side(side: HeadToHeadSide) -> dict[str, Any]:
    """One driver's figures, the averages to two places as /driver gives them."""
    return {**as_dict(side), "avg_finish": _average(side.avg_finish), "avg_rating": _average(side.avg_rating)}


def h2h(answer: HeadToHead) -> dict[str, Any]:
    """/h2h as a document."""
    return plain_data({
        "command": "h2h",
        "series": answer.series,
        **({"track": answer.place} if answer.place else {}),
        **({"season": answer.year} if answer.year is not None else {}),
        "races": answer.races,
        "rated_races": answer.rated,
        "drivers": [_h2h_side(answer.first), _h2h_side(answer.second)],
        "latest_meeting": as_dict(answer.latest_meetings[0]) if len(answer.latest_meetings) == 1 else None,
        "latest_meetings": [as_dict(race) for race in answer.latest_meetings],
        **({"team_mates": as_dict(answer.team_mates)} if answer.team_mates else {}),
        **_credit(answer),
    })


def _session(weekend: RaceSummary, session: Session) -> dict[str, Any]:
    """A weekend session dated as its race is: `date` (the day in the series' zone) and `starts_at` (the UTC instant,
    null when only the day is known)."""
    return {
        "session": session.session,
        "date": session.starts_at.astimezone(weekend.zone).date().isoformat(),
        "starts_at": None if session.date_only else session.starts_at.isoformat(),
    }


def next_races(answer: NextRaces) -> dict[str, Any]:
    """/next as a document."""
    return plain_data({
        "command": "next",
        "now": answer.now.isoformat(),
        "racing_now": [race(r) for r in answer.racing_now],
        "upcoming": [
            {**race(r),
             **({"sessions": [_session(r, session) for session in answer.sessions[r.id]]} if r.id in answer.sessions else {}),
             **({"broadcasters": as_dict(answer.broadcasters[r.id])} if r.id in answer.broadcasters else {})}
            for r in answer.upcoming
        ],
        **_credit(answer),
    })


def schedule(answer: Schedule) -> dict[str, Any]:
    """/schedule as a document."""
    return plain_data({
        "command": "schedule",
        "series": answer.series,
        "season": answer.season,
        **({"note": answer.note} if answer.note else {}),
        "races": [
            {**race(entry.race), "state": entry.state,
             **({"sessions": [_session(entry.race, session) for session in answer.sessions[entry.race.id]]}
                if entry.race.id in answer.sessions else {})}
            for entry in answer.races
        ],
        **_credit(answer),
    })


def error(failure: PitboardError) -> dict[str, Any]:
    return plain_data({"error": failure.message, "suggestions": failure.suggestions})


def help(answer: Help) -> dict[str, Any]:  # noqa: A001 (the command's name, as every renderer here is named)
    """/help as a document; `about`: the one command asked about (`/help h2h`)."""
    about = {"about": answer.about} if answer.about is not None else {}
    return {"command": "help", **about, "commands": [as_dict(command) for command in answer.commands]}


RENDERERS: dict[type, Callable[[Any], dict[str, Any]]] = {
    WinnerAnswer: winner, RaceResults: results, DriverCareer: driver, TrackRecord: track, Standings: standings,
    HeadToHead: h2h, NextRaces: next_races, Schedule: schedule, TeamRecord: team, Leaders: leaders,
    Qualifying: qualifying, Help: help, DriverAtTrack: driver_at_track,
}


def render(answer: object) -> dict[str, Any]:
    """Any command's answer as a JSON-ready document, by its type."""
    renderer = RENDERERS.get(type(answer))
    if renderer is None:
        raise TypeError(f"no JSON rendering for {type(answer).__name__}")
    return renderer(answer)
