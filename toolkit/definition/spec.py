"""The language definition schemas are written in: one tree of specs per kind of service drives loading (the
canonical spelling of property names), writing (the key order) and validation (types, enums, ranges, required
fields), so the three cannot disagree.

Keys of `MapOf` specs are user data (ids, names) and are never case-changed or reordered.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(eq=False)
class Value:
    """A leaf: `kind` is string, boolean, integer, number or any (any JSON, never looked into)."""

    kind: str = "any"
    enum: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None


@dataclass(eq=False)
class Obj:
    """An object with known property names, in canonical order; unknown names are kept (written after, sorted)."""

    fields: dict[str, Spec]
    required: tuple[str, ...] = ()
    read_only: frozenset[str] = frozenset()
    # A WebServiceParameter written as a plain value (older api-versions) is read as {wrap: value}.
    wrap: str | None = None
    by_lower: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.by_lower = {name.lower(): name for name in self.fields}


@dataclass(eq=False)
class MapOf:
    """An object whose keys are user data (ids, names); every value follows `value`."""

    value: Spec


@dataclass(eq=False)
class ListOf:
    item: Spec


Spec = Value | Obj | MapOf | ListOf

STRING = Value("string")
BOOLEAN = Value("boolean")
ANY = Value("any")
