"""Remembering a renderer's work per answer object, for the parts of an answer that come back unchanged.

A remembered read (`Store.read_remembered`: a season's schedule, the races still to run) hands out the same
frozen race objects call after call until the data changes; only what depends on the clock (done, now, next)
differs between two /schedule answers. `per_object` remembers a pure function of such an object by its identity:
cheaper than hashing a 30-field dataclass, and exact, since the object is frozen and held while remembered
(its id cannot be reused by another object meanwhile).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
L = TypeVar("L")
V = TypeVar("V")

REMEMBERED_OBJECTS = 4096   # per function; all forgotten at once when full (a new season of data is read anew)


class per_object(Generic[K, V]):  # noqa: N801 (used as a decorator, named like one)
    """`fn(value)` remembered per value object (by identity): `fn` must be pure and `value` immutable."""

    def __init__(self, fn: Callable[[K], V]):
        self._fn = fn
        self._remembered: dict[int, tuple[K, V]] = {}
        self.__doc__ = fn.__doc__

    def __call__(self, value: K) -> V:
        remembered = self._remembered.get(id(value))
        if remembered is not None and remembered[0] is value:
            return remembered[1]
        result = self._fn(value)
        if len(self._remembered) >= REMEMBERED_OBJECTS:
            self._remembered.clear()
        self._remembered[id(value)] = (value, result)
        return result


class per_pair(Generic[K, L, V]):  # noqa: N801 (used as a decorator, named like one)
    """`fn(first, second)` remembered per pair of objects (by identity), as `per_object` does for one: a race and its
    weekend's sessions, both handed out unchanged by a remembered read. One pair is kept per first object (a race
    has one weekend at a time): a new second object replaces it."""

    def __init__(self, fn: Callable[[K, L], V]):
        self._fn = fn
        self._remembered: dict[int, tuple[K, L, V]] = {}
        self.__doc__ = fn.__doc__

    def __call__(self, first: K, second: L) -> V:
        remembered = self._remembered.get(id(first))
        if remembered is not None and remembered[0] is first and remembered[1] is second:
            return remembered[2]
        result = self._fn(first, second)
        if len(self._remembered) >= REMEMBERED_OBJECTS:
            self._remembered.clear()
        self._remembered[id(first)] = (first, second, result)
        return result
