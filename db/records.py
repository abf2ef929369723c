"""`Record`: a frozen dataclass that costs nothing to define.

`@dataclass` writes the source of five or six methods for each class it decorates and compiles it when the module
is imported: about a millisecond a class. A cold `pitboard ask` defined 57 such classes before answering, a fifth of
its start-up. A `Record` subclass gets the same frozen value semantics from generic methods over its field names,
read once from its annotations: construction by position or keyword with defaults (and `field(default_factory=...)`),
equality and hashing by value, a dataclass-like repr, no assignment after construction. Type checkers read it as a
frozen dataclass (PEP 681). `replace`, `fields` and `as_dict` do what the dataclasses functions of those names do.

Records are the value types a command's cold start loads (db/models.py, the name index, the settings, the
questions, the renderers' shared types); classes the bot defines once per process stay plain dataclasses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar, TypeVar, cast, dataclass_transform

T = TypeVar("T")


class _DefaultFactory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], object]):
        self.make = make


def field(*, default_factory: Callable[[], T]) -> T:
    """A default made anew for each record: `stages: list[Stage] = field(default_factory=list)`."""
    # Typed as the value it stands for, as dataclasses.field is: the class body reads it as the field's default.
    return cast(T, _DefaultFactory(default_factory))


class FrozenRecordError(AttributeError):
    """A record's fields are set once, when it is made."""


_NO_DEFAULT = object()


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class Record:
    """Subclass and annotate the fields; values live in the instance's __dict__, as a frozen dataclass's do."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}   # field → its default value or _DefaultFactory
    # values given in order → the defaults of the fields after them, where none of those is made anew per record
    _tails: ClassVar[dict[int, dict[str, Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields, defaults = list(cls._fields), dict(cls._defaults)
        for name, kind in cls.__dict__.get("__annotations__", {}).items():
            if str(kind).startswith(("ClassVar", "typing.ClassVar")):
                continue
            if name in cls.__dict__:
                defaults[name] = cls.__dict__[name]
                if isinstance(defaults[name], _DefaultFactory):
                    delattr(cls, name)
            elif defaults:
                raise TypeError(f"{cls.__name__}: field {name!r} without a default follows one with a default")
            if name not in fields:
                fields.append(name)
        cls._fields, cls._defaults = tuple(fields), defaults
        cls._tails = {len(fields): {}}
        for given in range(len(fields) - 1, -1, -1):
            name = fields[given]
            if name not in defaults or isinstance(defaults[name], _DefaultFactory):
                break
            cls._tails[given] = {name: defaults[name], **cls._tails[given + 1]}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if not kwargs and (tail := self._tails.get(len(args))) is not None:   # values in order: the common case, kept short
            values = self.__dict__
            values.update(zip(fields, args, strict=False))
            if tail:
                values.update(tail)
            return
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__} takes {len(fields)} values, got {len(args)}")
        values = self.__dict__
        values.update(zip(fields, args, strict=False))   # fewer values than fields: the rest by keyword or default
        for name, value in kwargs.items():
            if name in values or name not in fields:
                raise TypeError(f"{type(self).__name__} got {'two values' if name in values else 'an unknown field'} {name!r}")
            values[name] = value
        if len(values) < len(fields):
            for name in fields:
                if name not in values:
                    default = self._defaults.get(name, _NO_DEFAULT)
                    if default is _NO_DEFAULT:
                        raise TypeError(f"{type(self).__name__} is missing a value for {name!r}")
                    values[name] = default.make() if isinstance(default, _DefaultFactory) else default

    @classmethod
    def each(cls: type[R], rows: Iterable[Iterable[Any]]) -> list[R]:
        """One record per row, each row giving every field in order (a query's rows): the records `cls(*row)` makes,
        in half its time, without the call to `__init__` and its handling of keywords and defaults."""
        fields, new, made = cls._fields, object.__new__, []
        for row in rows:
            record = new(cls)
            record.__dict__.update(zip(fields, row, strict=True))   # a row short or long of the fields is an error
            made.append(record)
        return made

    def _values(self) -> tuple[Any, ...]:
        values = self.__dict__
        return tuple(values[name] for name in self._fields)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenRecordError(f"cannot assign to field {name!r} of a {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise FrozenRecordError(f"cannot delete field {name!r} of a {type(self).__name__}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(self._fields, self._values(), strict=True))
        return f"{type(self).__qualname__}({shown})"


# Bound to the class, not to its name: a string bound is compiled at run time, and the first compile() in a process
# readies the compiler (as much as the rest of this module's import, for a console that otherwise compiles nothing).
R = TypeVar("R", bound=Record)


def fields(record: Record | type[Record]) -> tuple[str, ...]:
    """The field names, in order."""
    return record._fields


def replace(record: R, **changes: Any) -> R:
    """A copy of `record` with some fields changed (dataclasses.replace)."""
    values = {name: record.__dict__[name] for name in record._fields}
    unknown = changes.keys() - values.keys()
    if unknown:
        raise TypeError(f"{type(record).__name__} has no field {sorted(unknown)[0]!r}")
    values.update(changes)
    return type(record)(**values)


def as_dict(value: Any) -> Any:
    """Records as dicts of their fields, recursively through lists, tuples and dicts (dataclasses.asdict)."""
    if isinstance(value, Record):
        return {name: as_dict(item) for name, item in zip(value._fields, value._values(), strict=True)}
    if isinstance(value, (list, tuple)):
        return type(value)(as_dict(item) for item in value)
    if isinstance(value, dict):
        return {as_dict(key): as_dict(item) for key, item in value.items()}
    return value
