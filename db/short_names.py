"""How a recap names a driver after the first mention, the way fans and NASCAR.com write it.

The rule:
- the surname with its particles: "van Gisbergen", "Van Der Merwe", "St. Amant", "Perez de Lara";
- without the suffix ("Truex", "Stenhouse", "Burke"), unless a namesake in the family has won a race,
  so that the short name alone would mean him: "Earnhardt Jr.", "Hamilton Jr." (the store decides
  which, see `keeps_suffix` in db/recaps.py);
- the full name when two drivers of the same field would get the same short name (Kyle and Kurt Busch).

A disambiguating note in the data ("Bill Scott (Brevard)") is not part of the short name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable

from db.records import Record

SUFFIXES = frozenset({"jr.", "jr", "sr.", "sr", "ii", "iii", "iv"})
PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "la", "le", "st.", "ste."})
COMPOUND_PARTICLES = frozenset({"de", "del", "della"})   # Spanish double surnames: "Perez de Lara"
NOTE = re.compile(r"\s*\([^)]*\)")


class DriverName(Record):
    """A driver's name split as fans read it: `Dale` + `Earnhardt` + `Jr.`."""

    given: str
    surname: str
    suffix: str | None

    @classmethod
    def parse(cls, full: str) -> DriverName:
        words = NOTE.sub("", full).split()
        suffix = words.pop() if len(words) > 1 and words[-1].casefold().rstrip(",") in SUFFIXES else None
        if len(words) <= 1:
            return cls("", " ".join(words) or full, suffix)
        start = len(words) - 1
        while start > 1 and words[start - 1].casefold() in PARTICLES:
            start -= 1
        if start > 1 and start < len(words) - 1 and words[start].casefold() in COMPOUND_PARTICLES:
            start -= 1
        return cls(" ".join(words[:start]), " ".join(words[start:]), suffix)

    @property
    def bare(self) -> str:
        """The name without its suffix: `Dale Earnhardt` for Dale Earnhardt Jr."""
        return f"{self.given} {self.surname}".strip()


def without_suffix(full: str) -> str:
    return DriverName.parse(full).bare


def has_suffix(full: str) -> bool:
    return DriverName.parse(full).suffix is not None


class ShortNames:
    """Second-mention names for one race's field; `keep_suffix` names the drivers whose suffix stays."""

    def __init__(self, field: Iterable[str], keep_suffix: Collection[str] = ()):
        self.keep_suffix = frozenset(keep_suffix)
        names = set(field)
        self.shared = {short for short, count in Counter(self._short(name) for name in names).items() if count > 1}

    def _short(self, full: str) -> str:
        name = DriverName.parse(full)
        return f"{name.surname} {name.suffix}" if name.suffix and full in self.keep_suffix else name.surname

    def __call__(self, full: str) -> str:
        short = self._short(full)
        return full if short in self.shared else short
