"""The recorded 2023 Richmond race as the feed would serve it at each moment of race day."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

from testkit.samples import RACE_LIST_2023, RICHMOND_FEED

RACE_ID = 5274
RACE_LIST_PATH = "2023/race_list_basic.json"
WEEKEND_PATH = f"2023/1/{RACE_ID}/weekend-feed.json"
LARSON = 4030

# Race start is 2023-04-02 19:30 UTC (15:30 EDT).
BEFORE_START = datetime(2023, 4, 2, 18, 0, tzinfo=UTC)
RUNNING = datetime(2023, 4, 2, 20, 30, tzinfo=UTC)
FINISHED = datetime(2023, 4, 2, 23, 30, tzinfo=UTC)
NEXT_DAY = datetime(2023, 4, 3, 15, 0, tzinfo=UTC)


def race_list(finished: bool, official: bool) -> bytes:
    document = json.loads(RACE_LIST_2023.read_text())
    entry = next(race for race in document["series_1"] if race["race_id"] == RACE_ID)
    entry["winner_driver_id"] = LARSON if finished else None
    entry["inspection_complete"] = official
    return json.dumps(document).encode()


def weekend(state: str) -> bytes:
    """`running` (no results yet), `provisional`, `official` or `revised` (the winner disqualified)."""
    document = json.loads(RICHMOND_FEED.read_text())
    race = document["weekend_race"][0]
    if state == "running":
        for key in ("results", "stage_results", "caution_segments", "race_leaders"):
            race[key] = []
        race["inspection_complete"] = False
        return json.dumps(document).encode()
    race["inspection_complete"] = state in ("official", "revised")
    if state == "revised":
        results = race["results"]
        results[0].update(finishing_position=37, finishing_status="Disqualified", disqualified=True)
        for line in results[1:]:
            line["finishing_position"] -= 1
    return json.dumps(copy.deepcopy(document)).encode()
