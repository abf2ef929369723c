"""The facts behind a post-race thread: what this win means, computed as of the race itself."""

from __future__ import annotations

from db.errors import NoData
from db.models import KindRecord, Newcomer, RaceResults, RecapFacts
from db.store import Snapshot, Store

RETURN_GAP_SEASONS = 3       # "first start since 2018" when the previous start is this many seasons back


async def recap_facts(store: Store, details: RaceResults) -> RecapFacts:
    """The recap's facts for a race whose classification the caller already read (one read hop)."""
    return await store.read(read_recap_facts, details)


def read_recap_facts(snapshot: Snapshot, details: RaceResults) -> RecapFacts:
    race = details.race
    race_id = race.id
    if not details.results:
        raise NoData(f"{race.name} ({race.season}) has no results yet.")
    series_id = snapshot.scalar("SELECT series_id FROM races WHERE id = ?", (race_id,))
    # Races strictly before this one in the same series (points-race order within a season).
    before = "r.series_id = ? AND r.exhibition = 0 AND (r.season < ? OR (r.season = ? AND r.round < ?))"
    before_args = (series_id, race.season, race.season, race.round if race.round is not None else 0)

    winner = next((line for line in details.results if line.finish == 1), None)
    pole = next((line for line in details.results if line.start == 1), None)
    facts = dict(win_number=None, earlier_win_tracks=(), first_series_win_of_kind=False, first_national_win_of_kind=False,
                 first_win_at_track=False, team_first_win=False, make_first_win=False, kind_record=None)
    if winner and not race.exhibition:
        winner_id = winner.driver_id
        earlier = snapshot.fetchall(
            f"""SELECT t.name AS track, r.kind FROM results x JOIN races r ON r.id = x.race_id JOIN tracks t ON t.id = r.track_id
                WHERE x.driver_id = ? AND x.finish = 1 AND {before} ORDER BY r.season, r.round""",
            (winner_id, *before_args),
        )
        elsewhere_same_kind = snapshot.scalar(
            """SELECT count(*) FROM results x JOIN races r ON r.id = x.race_id
               WHERE x.driver_id = ? AND x.finish = 1 AND r.exhibition = 0 AND r.kind = ? AND r.series_id != ?
               AND (r.season < ? OR (r.season = ? AND r.starts_at IS NOT NULL AND r.starts_at < ?))""",
            (winner_id, race.track_kind, series_id, race.season, race.season, race.starts_at.isoformat() if race.starts_at else ""),
        )
        team_wins = snapshot.scalar(
            f"""SELECT count(*) FROM results x JOIN races r ON r.id = x.race_id JOIN teams tm ON tm.id = x.team_id
                WHERE tm.name = ? AND x.finish = 1 AND {before}""",
            (winner.team, *before_args),
        ) if winner.team else 1
        make_wins = snapshot.scalar(
            f"SELECT count(*) FROM results x JOIN races r ON r.id = x.race_id WHERE x.make = ? AND x.finish = 1 AND {before}",
            (winner.make, *before_args),
        ) if winner.make else 1
        record = snapshot.fetchone(
            f"""SELECT count(*), sum(x.finish <= 10), sum(x.finish = 1) FROM results x JOIN races r ON r.id = x.race_id
                WHERE x.driver_id = ? AND r.kind = ? AND ({before} OR r.id = ?)""",
            (winner_id, race.track_kind, *before_args, race_id),
        )
        same_kind_before = sum(1 for row in earlier if row["kind"] == race.track_kind)
        facts.update(
            win_number=len(earlier) + 1,
            earlier_win_tracks=tuple(dict.fromkeys(row["track"] for row in earlier)),
            first_series_win_of_kind=same_kind_before == 0,
            first_national_win_of_kind=same_kind_before == 0 and elsewhere_same_kind == 0,
            first_win_at_track=all(row["track"] != race.track for row in earlier),
            team_first_win=team_wins == 0,
            make_first_win=make_wins == 0,
            kind_record=KindRecord(race.track_kind, record[0], record[1] or 0, record[2] or 0),
        )

    newcomers = []
    previous = {
        row[0]: row[1]
        for row in snapshot.fetchall(
            f"""SELECT x.driver_id, max(r.season) FROM results x JOIN races r ON r.id = x.race_id
                WHERE x.driver_id IN (SELECT driver_id FROM results WHERE race_id = ?) AND {before}
                GROUP BY x.driver_id""",
            (race_id, *before_args),
        )
    }
    for line in details.results:
        if line.driver_id not in previous:
            newcomers.append(Newcomer(line, None))
        elif previous[line.driver_id] <= race.season - RETURN_GAP_SEASONS:
            newcomers.append(Newcomer(line, previous[line.driver_id]))
    return RecapFacts(details=details, winner=winner, pole=pole, newcomers=newcomers, **facts)
